"""pg_type (every registry type), pg_range, pg_am, pg_collation, pg_tablespace, pg_extension,
pg_available_extension(_version)s and pg_language: the built-in objects, with PostgreSQL's OIDs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.deparse import domain_default_def
from quantadb.engine.pg_catalog.relations import BTREE_AM, HASH_AM, HEAP_AM, collation_of, storage_of
from quantadb.engine.pg_catalog.tables import TABLES, Row, rows
from quantadb.engine.pg_catalog.typeio import type_io
from quantadb.sql.catalog import register_relation_function
from quantadb.sql.opclasses import OPCLASSES, OPFAMILIES
from quantadb.storage.catalog import FIRST_USER_OID
from quantadb.types import registry as R
from quantadb.types.domains import type_oid
from quantadb.types.ranges import kind_of

if TYPE_CHECKING:
    from quantadb.engine.session import Session

PG_CATALOG, OWNER = 11, 10
DEFAULT_TABLESPACE, GLOBAL_TABLESPACE = 1663, 1664
PLPGSQL_EXTENSION, PLPGSQL_LANGUAGE = 13559, 13563
ACCESS_METHODS = ((HEAP_AM, "heap", "t"), (BTREE_AM, "btree", "i"), (HASH_AM, "hash", "i"))
COLLATIONS = ((100, "default", "d", None), (950, "C", "c", "C"), (951, "POSIX", "c", "POSIX"),
              (12340, "ucs_basic", "c", "C"))
# (oid, name, procedural, trusted, handler, inline handler, validator): see procs.LANGUAGE_PROCS
LANGUAGES = ((12, "internal", False, False, 0, 0, 2246), (13, "c", False, False, 0, 0, 2247),
             (14, "sql", False, True, 0, 0, 2248), (PLPGSQL_LANGUAGE, "plpgsql", True, True, 13560, 13561, 13562))
# pg_range: (range type, btree operator class of the subtype, rngcanonical, rngsubdiff), PostgreSQL's OIDs;
# the canonical and subdiff functions are pg_proc rows of typeio.py (multiranges are not built)
RANGES = ((R.INT4RANGE, 1978, 3914, 3922), (R.INT8RANGE, 3124, 3928, 3923), (R.NUMRANGE, 3125, 0, 3924),
          (R.TSRANGE, 3128, 0, 3929), (R.TSTZRANGE, 3127, 0, 3930), (R.DATERANGE, 3122, 3915, 3925))


def typtype(t: R.PgType) -> str:
    if t.enum is not None:
        return "e"
    if t.composite is not None:
        return "c"
    if t.category == "P":
        return "p"
    if t.category == "R":
        return "r"
    return "b"


@rows("pg_catalog.pg_type")
def pg_type(session: "Session") -> Iterator[Row]:
    # built-in types; the registry also knows user types (of every database) by OID: those come
    # from this database's catalog
    builtin = [(t, PG_CATALOG, OWNER, None) for t in R.BY_OID.values() if t.oid < FIRST_USER_OID]
    user = []
    for d in session.catalog().types() + session.catalog().row_types():
        t = d.pg_type()
        user.append((t, d.namespace, d.owner, d))
        if d.array_oid:
            user.append((R.array_of(t), d.namespace, d.owner, None))
    for t, namespace, owner, d in sorted(builtin + user, key=lambda e: e[0].oid):
        typinput, typoutput, typreceive, typsend = type_io(t)
        domain = d if d is not None and d.kind == "d" else None
        yield {"oid": t.oid, "typname": t.name, "typnamespace": namespace, "typowner": owner, "typlen": t.typlen,
               "typtype": "d" if domain else typtype(t), "typnotnull": bool(domain and domain.not_null),
               "typbasetype": type_oid(domain.base) if domain else 0, "typtypmod": domain.base.typmod if domain else -1,
               "typdefault": domain_default_def(session, domain) if domain and domain.default is not None else None,
               "typdefaultbin": domain.default if domain else None,
               "typbyval": t.typbyval, "typcategory": t.category,
               "typispreferred": t.preferred, "typisdefined": True, "typdelim": ",",
               "typelem": t.elem_oid or getattr(R.VECTOR_ELEMENTS.get(t.oid), "oid", 0),
               "typarray": t.array_oid, "typrelid": d.relid if d is not None else 0, "typalign": t.typalign, "typstorage": storage_of(t),
               "typcollation": collation_of(t), "typinput": typinput, "typoutput": typoutput,
               "typreceive": typreceive, "typsend": typsend}


@rows("pg_catalog.pg_enum")
def pg_enum(session: "Session") -> Iterator[Row]:
    for d in session.catalog().types():
        for oid, order, label in sorted(d.labels):
            yield {"oid": oid, "enumtypid": d.oid, "enumsortorder": order, "enumlabel": label}


@rows("pg_catalog.pg_range")
def pg_range(session: "Session") -> Iterator[Row]:
    for rng, opclass, canonical, subdiff in RANGES:
        yield {"rngtypid": rng.oid, "rngsubtype": kind_of(rng).subtype.oid, "rngmultitypid": 0, "rngcollation": 0,
               "rngsubopc": opclass, "rngcanonical": canonical, "rngsubdiff": subdiff}


@rows("pg_catalog.pg_am")
def pg_am(session: "Session") -> Iterator[Row]:
    for oid, name, kind in ACCESS_METHODS:
        yield {"oid": oid, "amname": name, "amtype": kind}


@rows("pg_catalog.pg_opclass")
def pg_opclass(session: "Session") -> Iterator[Row]:
    for oid, method, name, family, intype, default, keytype in OPCLASSES:
        yield {"oid": oid, "opcmethod": method, "opcname": name, "opcnamespace": PG_CATALOG, "opcowner": OWNER,
               "opcfamily": family, "opcintype": intype, "opcdefault": default, "opckeytype": keytype}


@rows("pg_catalog.pg_opfamily")
def pg_opfamily(session: "Session") -> Iterator[Row]:
    for oid, method, name in OPFAMILIES:
        yield {"oid": oid, "opfmethod": method, "opfname": name, "opfnamespace": PG_CATALOG, "opfowner": OWNER}


@rows("pg_catalog.pg_collation")
def pg_collation(session: "Session") -> Iterator[Row]:
    for oid, name, provider, locale in COLLATIONS:
        yield {"oid": oid, "collname": name, "collnamespace": PG_CATALOG, "collowner": OWNER,
               "collprovider": provider, "collisdeterministic": True, "collencoding": -1,
               "collcollate": locale, "collctype": locale}


@rows("pg_catalog.pg_tablespace")
def pg_tablespace(session: "Session") -> Iterator[Row]:
    for oid, name in ((DEFAULT_TABLESPACE, "pg_default"), (GLOBAL_TABLESPACE, "pg_global")):
        yield {"oid": oid, "spcname": name, "spcowner": OWNER}


INSTALLED_EXTENSIONS = ("plpgsql",)  # in every database, as after PostgreSQL's initdb; no others exist


@rows("pg_catalog.pg_extension")
def pg_extension(session: "Session") -> Iterator[Row]:
    yield {"oid": PLPGSQL_EXTENSION, "extname": "plpgsql", "extowner": OWNER, "extnamespace": PG_CATALOG,
           "extrelocatable": False, "extversion": "1.0"}


PLPGSQL_COMMENT = "PL/pgSQL procedural language"


@rows("pg_catalog.pg_available_extensions")
def pg_available_extensions(session: "Session") -> Iterator[Row]:
    yield {"name": "plpgsql", "default_version": "1.0", "installed_version": "1.0", "comment": PLPGSQL_COMMENT}


@rows("pg_catalog.pg_available_extension_versions")
def pg_available_extension_versions(session: "Session") -> Iterator[Row]:
    yield {"name": "plpgsql", "version": "1.0", "installed": True, "superuser": True, "trusted": True,
           "relocatable": False, "schema": "pg_catalog", "comment": PLPGSQL_COMMENT}


# pgAdmin's Extensions node joins the function (PostgreSQL's has no installed_version column)
register_relation_function("pg_available_extensions", TABLES["pg_catalog.pg_available_extensions"])


@rows("pg_catalog.pg_language")
def pg_language(session: "Session") -> Iterator[Row]:
    for oid, name, is_pl, trusted, handler, inline, validator in LANGUAGES:
        yield {"oid": oid, "lanname": name, "lanowner": OWNER, "lanispl": is_pl, "lanpltrusted": trusted,
               "lanplcallfoid": handler, "laninline": inline, "lanvalidator": validator}

