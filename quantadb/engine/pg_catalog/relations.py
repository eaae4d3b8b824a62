"""pg_namespace, pg_class, pg_attribute, pg_index, pg_constraint, pg_attrdef, pg_description and
pg_sequence, generated from the live catalog as the session's snapshot sees it.

The generated relations themselves appear in pg_class (catalog tables as relkind 'r', the
system views as 'v') with PostgreSQL's OIDs, so `'pg_class'::regclass` and pgAdmin's
"catalog objects" queries resolve. Column defaults have no OID in the stored catalog: their
pg_attrdef OID is derived from (table, attnum) in a range no stored object uses.
"""

from __future__ import annotations

from dataclasses import replace

from typing import TYPE_CHECKING, Iterator

from quantadb.engine.catalog_view import SEQUENCE_COLUMNS
from quantadb.engine.ddl.generated import referenced_attnums
from quantadb.engine.ddl.index_exprs import index_column_name
from quantadb.engine.ddl.index_keys import collation_of, key_collations, key_opclasses
from quantadb.engine.ddl.partial_indexes import predicate_text
from quantadb.engine.ddl.temp import TEMP_SCHEMA_PREFIX
from quantadb.engine.pg_catalog.deparse import index_key
from quantadb.engine.pg_catalog.tables import TABLES, Row, rows
from quantadb.sql.qualify import referenced_relations
from quantadb.engine.privileges import effective_acl
from quantadb.sql.catalog import VirtualTable
from quantadb.storage.catalog import FIRST_USER_OID, ColumnDef, RelationDef, key_setting
from quantadb.types import registry as R
from quantadb.types.domains import type_oid

if TYPE_CHECKING:
    from quantadb.engine.catalog_view import SessionCatalog
    from quantadb.engine.session import Session

HEAP_AM, BTREE_AM, HASH_AM = 2, 403, 405
PG_CLASS_OID, PG_CONSTRAINT_OID, PG_ATTRDEF_OID, PG_NAMESPACE_OID, PG_REWRITE_OID = 1259, 2606, 2604, 2615, 2618
PG_PROC_OID = 1255
PG_TYPE_OID = 1247
ATTRDEF_OID_BASE = 3_000_000_000
REWRITE_OID_BASE = 2_900_000_000  # a view's _RETURN rule, numbered after the view
# System columns every heap table has (pg_attribute rows with attnum < 0).
SYSTEM_COLUMNS = (("tableoid", R.OID, -6), ("cmax", R.CID, -5), ("xmax", R.XID, -4), ("cmin", R.CID, -3),
                  ("xmin", R.XID, -2), ("ctid", R.TID, -1))


def rewrite_oid(view_oid: int) -> int:
    return REWRITE_OID_BASE + view_oid - FIRST_USER_OID


def attrdef_oid(table_oid: int, attnum: int) -> int:
    return ATTRDEF_OID_BASE + (table_oid - FIRST_USER_OID) * 1600 + attnum


def virtual_namespace(table: VirtualTable) -> int:
    return 11 if table.schema == "pg_catalog" else 13000


# -- pg_namespace --------------------------------------------------------------------------------

@rows("pg_catalog.pg_namespace")
def pg_namespace(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for ns in session.store.catalog.namespaces(catalog.snap, session.database_oid):
        owner = session.store.catalog.role(catalog.snap, ns.owner)
        acl = effective_acl(ns, owner.name if owner is not None else "postgres")
        yield {"oid": ns.oid, "nspname": ns.name, "nspowner": ns.owner, "nspacl": list(acl) if acl else None}


@rows("pg_catalog.pg_rewrite")
def pg_rewrite(session: "Session") -> Iterator[Row]:
    """Each view's and materialized view's _RETURN rule (ON SELECT DO INSTEAD its query), as
    PostgreSQL implements them."""
    for rel in session.catalog().relations():
        if rel.kind in ("v", "m"):
            yield {"oid": rewrite_oid(rel.oid), "rulename": "_RETURN", "ev_class": rel.oid, "ev_type": "1",
                   "ev_enabled": "O", "is_instead": True}


@rows("pg_catalog.pg_init_privs")
def pg_init_privs(session: "Session") -> Iterator[Row]:
    """The ACLs the built-in schemas start with: pg_dump writes GRANT/REVOKE only for changes."""
    catalog = session.catalog()
    for ns in session.store.catalog.namespaces(catalog.snap, session.database_oid):
        if ns.name in ("pg_catalog", "public"):
            yield {"objoid": ns.oid, "classoid": PG_NAMESPACE_OID, "objsubid": 0, "privtype": "i",
                   "initprivs": list(effective_acl(replace(ns, acl=()), "postgres"))}


# -- pg_class ---------------------------------------------------------------------------------------

def _referenced(relations: list[RelationDef]) -> set[int]:
    return {con.ref_table for rel in relations for con in rel.constraints if con.kind == "f"}


@rows("pg_catalog.pg_class")
def pg_class(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    relations = catalog.relations()
    referenced = _referenced(relations)
    with_index = {r.table_oid for r in relations if r.kind == "i"}
    temporary = {ns.oid for ns in session.store.catalog.namespaces(catalog.snap, session.database_oid)
                 if ns.name.startswith(TEMP_SCHEMA_PREFIX)}
    frozen = frozen_xid(session)
    for rel in relations:
        row = _class_row(session, rel, rel.oid in with_index, rel.oid in referenced, frozen)
        if rel.namespace in temporary:
            row["relpersistence"] = "t"
        yield row
    for t in catalog.types():
        if t.kind == "c":  # a composite type's relation
            yield {"oid": t.relid, "relname": t.name, "relnamespace": t.namespace, "relowner": t.owner, "relam": 0,
                   "relfilenode": 0, "reltype": t.oid, "relpersistence": "p", "relkind": "c",
                   "relnatts": len(t.fields), "relispopulated": True, "relreplident": "n", "reltuples": -1.0}
    for table in TABLES.values():
        yield {"oid": table.oid, "relname": table.name, "relnamespace": virtual_namespace(table),
               "relowner": 10, "relam": HEAP_AM if table.oid < 10000 else 0, "relfilenode": 0,
               "relpersistence": "p", "relkind": "r" if table.oid < 10000 else "v",
               "relnatts": len(table.columns), "relispopulated": True, "relreplident": "n",
               "reltuples": -1.0}


def frozen_xid(session: "Session") -> int:
    """relfrozenxid and datfrozenxid: xids are 64-bit, so none ever needs freezing against
    wraparound; what any snapshot may still need (the vacuum horizon) stands for it, so that
    age(relfrozenxid), which monitoring watches, stays as small as the oldest transaction's age."""
    return session.store.state.txns.horizon()


def _class_row(session: "Session", rel: RelationDef, has_index: bool, referenced: bool, frozen: int) -> Row:
    is_table = rel.kind in ("r", "p", "m")
    am = {"r": HEAP_AM, "m": HEAP_AM, "i": HASH_AM if rel.method == "hash" else BTREE_AM}.get(rel.kind, 0)
    return {
        "oid": rel.oid, "relname": rel.name, "relnamespace": rel.namespace, "relowner": rel.owner,
        "relam": am, "relfilenode": rel.oid if rel.kind != "v" else 0, "reltype": rel.type_oid,
        "reltuples": _tuples(session, rel) if is_table else -1.0,
        "relhasindex": has_index, "relpersistence": "p", "relkind": rel.kind,
        "relnatts": len(rel.index_columns) if rel.kind == "i" else
        (3 if rel.kind == "S" else sum(1 for c in rel.columns if not c.hidden)),
        "relchecks": sum(1 for c in rel.constraints if c.kind == "c"),
        "relhastriggers": referenced or bool(rel.triggers) or any(c.kind == "f" for c in rel.constraints),
        "relispopulated": rel.populated, "relreplident": "d" if is_table else "n",
        "relfrozenxid": frozen if is_table else 0, "relminmxid": 1 if is_table else 0,
        "reloptions": list(rel.options) or None, "relacl": list(rel.acl) or None,
    }


def _tuples(session: "Session", rel: RelationDef) -> float:
    try:
        return float(session.store.table(rel.oid).live_estimate)
    except Exception:
        return -1.0


# -- pg_attribute -----------------------------------------------------------------------------------

def _attribute(relid: int, attnum: int, name: str, t: R.SqlType, **extra: object) -> Row:
    pg = t.pg
    oid = type_oid(t)  # a domain's (or its array type's) OID; its typmod is pg_type.typtypmod
    typmod = t.typmod if oid == pg.oid else -1
    return {"attrelid": relid, "attname": name, "atttypid": oid, "attstattarget": -1, "attlen": pg.typlen,
            "attnum": attnum, "attndims": 1 if pg.is_array else 0, "attcacheoff": -1, "atttypmod": typmod,
            "attbyval": pg.typbyval, "attalign": pg.typalign, "attstorage": storage_of(pg),
            "attcompression": "", "attidentity": "", "attgenerated": "", "attislocal": True,
            "attcollation": collation_of(pg), **extra}


def _columns_of(rel: RelationDef, catalog: "SessionCatalog") -> Iterator[Row]:
    if rel.kind == "S":
        for i, (name, t) in enumerate(((c.name, c.type.pg) for c in SEQUENCE_COLUMNS), 1):
            yield _attribute(rel.oid, i, name, R.SqlType(t), attnotnull=True)
        return
    if rel.kind == "i":
        table = catalog.relation(rel.table_oid)
        by_num = {c.attnum: c for c in table.columns} if table is not None else {}
        names: list[str] = []
        for i, attnum in enumerate(rel.index_columns, 1):
            col = by_num.get(attnum)
            if col is not None:
                names.append(index_column_name(col.default or "", names) if col.hidden else col.name)
                yield _attribute(rel.oid, i, names[-1], col.type)
        return
    for col in rel.columns:
        if not col.hidden:
            yield _user_column(rel.oid, col)
    if rel.kind in ("r", "m"):
        for name, t, attnum in SYSTEM_COLUMNS:
            yield _attribute(rel.oid, attnum, name, R.SqlType(t), attnotnull=True)


def _user_column(relid: int, col: ColumnDef) -> Row:
    if col.dropped:
        return _attribute(relid, col.attnum, f"........pg.dropped.{col.attnum}........", col.type,
                          atttypid=0, attisdropped=True)
    return _attribute(relid, col.attnum, col.name, col.type, attnotnull=col.not_null,
                      atthasdef=col.default is not None and not col.identity, attidentity=col.identity,
                      attgenerated=col.generated)


@rows("pg_catalog.pg_attribute")
def pg_attribute(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for rel in catalog.relations():
        yield from _columns_of(rel, catalog)
    for t in catalog.types():
        for attnum, (name, field_type) in enumerate(t.fields, 1):
            yield _attribute(t.relid, attnum, name, field_type)
    for table in TABLES.values():
        for attnum, column in enumerate(table.columns, 1):
            yield _attribute(table.oid, attnum, column.name, column.type, attnotnull=table.oid < 10000)


# -- pg_index -------------------------------------------------------------------------------------

@rows("pg_catalog.pg_index")
def pg_index(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for rel in catalog.relations():
        if rel.kind != "i":
            continue
        n = len(rel.index_columns)  # key columns; INCLUDE's follow them in indkey
        table = catalog.relation(rel.table_oid)
        hidden = {c.attnum for c in table.columns if c.hidden} if table is not None else set()
        exprs = [index_key(session, table, a) for a in rel.index_columns if a in hidden]
        yield {"indexrelid": rel.oid, "indrelid": rel.table_oid, "indnatts": n + len(rel.include_columns),
               "indnkeyatts": n, "indisunique": rel.unique, "indisprimary": rel.primary, "indimmediate": rel.immediate,
               "indisvalid": True, "indisready": True, "indislive": True,
               "indkey": " ".join("0" if a in hidden else str(a) for a in rel.index_columns + rel.include_columns),
               "indnullsnotdistinct": rel.nulls_not_distinct,
               "indcollation": " ".join(str(c) for c in key_collations(rel, table)),
               "indclass": " ".join(str(c) for c in key_opclasses(rel, table)),
               "indoption": " ".join(str(key_setting(rel.index_options, i)) for i in range(n)),
               # pg_get_expr prints it back: each expression as written there, without the key's parentheses
               "indexprs": ", ".join(e[1:-1] if e.startswith("(") and e.endswith(")") else e for e in exprs) or None,
               "indpred": predicate_text(session, table, rel, pretty=False) if table is not None else None}


# -- pg_constraint ----------------------------------------------------------------------------------

@rows("pg_catalog.pg_constraint")
def pg_constraint(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for rel in catalog.relations():
        for con in rel.constraints:
            fk = con.kind == "f"
            yield {"oid": con.oid, "conname": con.name, "connamespace": rel.namespace, "contype": con.kind,
                   "condeferrable": con.deferrable, "condeferred": con.deferred, "convalidated": con.validated,
                   "conrelid": rel.oid,
                   "conindid": con.index_oid or (_referenced_index(catalog, con) if fk else 0),
                   "confrelid": con.ref_table, "confupdtype": con.on_update if fk else " ",
                   "confdeltype": con.on_delete if fk else " ", "confmatchtype": "s" if fk else " ",
                   "conislocal": True,
                   "conkey": list(con.columns) or None, "confkey": list(con.ref_columns) if fk else None,
                   "conbin": con.check}
    for t in catalog.types():  # a domain's CHECKs (contypid)
        for oid, (name, text) in zip(t.check_oids, t.checks):
            yield {"oid": oid, "conname": name, "connamespace": t.namespace, "contype": "c", "condeferrable": False,
                   "condeferred": False, "convalidated": name not in t.not_valid, "conrelid": 0, "contypid": t.oid,
                   "conindid": 0,
                   "confrelid": 0, "confupdtype": " ", "confdeltype": " ", "confmatchtype": " ", "conislocal": True,
                   "conkey": None, "confkey": None, "conbin": text}


def _referenced_index(catalog: "SessionCatalog", con) -> int:
    for index in catalog.indexes_of(con.ref_table):
        if index.unique and set(index.index_columns) == set(con.ref_columns):
            return index.oid
    return 0


# -- pg_attrdef, pg_description, pg_sequence -------------------------------------------------------

@rows("pg_catalog.pg_attrdef")
def pg_attrdef(session: "Session") -> Iterator[Row]:
    for rel in session.catalog().relations():
        for col in rel.columns:
            if col.default is not None and col.visible and not col.identity:  # identity: no pg_attrdef row
                yield {"oid": attrdef_oid(rel.oid, col.attnum), "adrelid": rel.oid, "adnum": col.attnum,
                       "adbin": col.default}


@rows("pg_catalog.pg_description")
def pg_description(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for ns in session.store.catalog.namespaces(catalog.snap, session.database_oid):
        if ns.comment is not None:
            yield {"objoid": ns.oid, "classoid": PG_NAMESPACE_OID, "objsubid": 0, "description": ns.comment}
    for fn in catalog.functions():
        if fn.comment is not None:
            yield {"objoid": fn.oid, "classoid": PG_PROC_OID, "objsubid": 0, "description": fn.comment}
    for t in catalog.types() + catalog.row_types():
        if t.comment is not None:
            yield {"objoid": t.oid, "classoid": PG_TYPE_OID, "objsubid": 0, "description": t.comment}
    for rel in catalog.relations():
        if rel.comment is not None:
            yield {"objoid": rel.oid, "classoid": PG_CLASS_OID, "objsubid": 0, "description": rel.comment}
        for col in rel.columns:
            if col.comment is not None and not col.dropped:
                yield {"objoid": rel.oid, "classoid": PG_CLASS_OID, "objsubid": col.attnum,
                       "description": col.comment}


@rows("pg_catalog.pg_sequence")
def pg_sequence(session: "Session") -> Iterator[Row]:
    for rel in session.catalog().relations():
        seq = rel.sequence
        if rel.kind == "S" and seq is not None:
            yield {"seqrelid": rel.oid, "seqtypid": seq.type_oid, "seqstart": seq.start,
                   "seqincrement": seq.increment, "seqmax": seq.max_value, "seqmin": seq.min_value,
                   "seqcache": seq.cache, "seqcycle": seq.cycle}


@rows("pg_catalog.pg_depend")
def pg_depend(session: "Session") -> Iterator[Row]:
    """The dependencies PostgreSQL records between relations, constraints and columns: an index
    that implements a constraint belongs to it ('i'); other indexes, constraints and OWNED BY
    sequences depend on their table's columns ('a'), an identity column's sequence is part of it
    ('i'); a serial column's default depends on its sequence and a foreign key on what it
    references ('n'). pg_dump orders and splits its output by these."""
    catalog = session.catalog()
    for rel in catalog.relations():
        seq = rel.sequence
        if rel.kind == "S" and seq is not None and seq.owned_by is not None:
            table_oid, attnum = seq.owned_by
            table = catalog.relation(table_oid)
            col = next((c for c in table.columns if c.attnum == attnum), None) if table is not None else None
            yield _depend(PG_CLASS_OID, rel.oid, PG_CLASS_OID, table_oid, attnum, "i" if col and col.identity else "a")
            if col is not None and not col.identity and col.default is not None and "nextval" in col.default:
                yield _depend(PG_ATTRDEF_OID, attrdef_oid(table_oid, attnum), PG_CLASS_OID, rel.oid, 0, "n")
        for col in rel.columns if rel.kind == "r" else ():
            if col.default is not None and col.visible and not col.identity:
                yield _depend(PG_ATTRDEF_OID, attrdef_oid(rel.oid, col.attnum), PG_CLASS_OID, rel.oid, col.attnum, "a")
        if rel.kind in ("v", "m"):  # the view's _RETURN rule belongs to it and depends on what it reads
            yield _depend(PG_REWRITE_OID, rewrite_oid(rel.oid), PG_CLASS_OID, rel.oid, 0, "i")
            for parts in referenced_relations(rel.view_sql):
                hit = catalog.resolve_relation(parts)
                if hit is not None and hit.relation is not None:
                    yield _depend(PG_REWRITE_OID, rewrite_oid(rel.oid), PG_CLASS_OID, hit.relation.oid, 0, "n")
        for con in rel.constraints:
            if con.index_oid and con.kind != "f":
                yield _depend(PG_CLASS_OID, con.index_oid, PG_CONSTRAINT_OID, con.oid, 0, "i")
            for attnum in con.columns:
                yield _depend(PG_CONSTRAINT_OID, con.oid, PG_CLASS_OID, rel.oid, attnum, "a")
            if con.kind == "f":
                index = _referenced_index(catalog, con)
                if index:
                    yield _depend(PG_CONSTRAINT_OID, con.oid, PG_CLASS_OID, index, 0, "n")
                for attnum in con.ref_columns:
                    yield _depend(PG_CONSTRAINT_OID, con.oid, PG_CLASS_OID, con.ref_table, attnum, "n")
        if rel.kind == "i" and not any(c.index_oid == rel.oid for c in _constraints_of(catalog, rel.table_oid)):
            for attnum in _key_attnums(session, catalog.relation(rel.table_oid), rel.index_columns):
                yield _depend(PG_CLASS_OID, rel.oid, PG_CLASS_OID, rel.table_oid, attnum, "a")
    yield from _type_dependencies(catalog)


def _type_dependencies(catalog: "SessionCatalog") -> Iterator[Row]:
    """What uses a user type: a relation's row type is part of it ('i'); a column, a composite
    type's attribute and a function's argument or result depend on their type ('n'), an array's
    on its element type (pg_dump orders a table after the table whose row type it holds)."""
    for rel in catalog.relations():
        if rel.type_oid:
            yield _depend(PG_TYPE_OID, rel.type_oid, PG_CLASS_OID, rel.oid, 0, "i")
        for col in rel.columns if rel.kind in ("r", "m") else ():
            if col.visible and _user_type(col.type):
                yield _depend(PG_CLASS_OID, rel.oid, PG_TYPE_OID, _user_type(col.type), 0, "n", col.attnum)
    for t in catalog.types():
        for used in sorted({_user_type(ft) for _, ft in t.fields} - {0}):
            yield _depend(PG_TYPE_OID, t.oid, PG_TYPE_OID, used, 0, "n")
    for fn in catalog.functions():
        for used in sorted({_user_type(a) for a in fn.arg_types + (fn.return_type,)} - {0}):
            yield _depend(PG_PROC_OID, fn.oid, PG_TYPE_OID, used, 0, "n")


def _user_type(t: R.SqlType) -> int:
    """The OID of the user type `t` is (or is an array of, or a domain over); 0 for a built-in one."""
    oid = type_oid(t)
    pg = R.BY_OID.get(oid)
    if pg is not None and pg.is_array:
        oid = pg.elem_oid
    return oid if oid >= FIRST_USER_OID else 0


def _key_attnums(session: "Session", table: RelationDef | None, attnums: tuple[int, ...]) -> list[int]:
    """The table columns an index's keys depend on: an expression key's are those it reads."""
    hidden = {c.attnum: c for c in table.columns if c.hidden} if table is not None else {}
    out: list[int] = []
    for a in attnums:
        found = sorted(referenced_attnums(session, table, hidden[a])) if a in hidden else [a]
        out += [x for x in found if x not in out]
    return out


def _depend(classid: int, objid: int, refclassid: int, refobjid: int, refobjsubid: int, deptype: str,
            objsubid: int = 0) -> Row:
    return {"classid": classid, "objid": objid, "objsubid": objsubid, "refclassid": refclassid, "refobjid": refobjid,
            "refobjsubid": refobjsubid, "deptype": deptype}


def _constraints_of(catalog: "SessionCatalog", table_oid: int) -> list:
    table = catalog.relation(table_oid)
    return table.constraints if table is not None else []


# pg_type.typstorage: varlena types are TOASTable ("x", extended) except numeric, which
# PostgreSQL keeps in the main heap ("m"); fixed-width types are plain ("p").
_MAIN_STORAGE = {R.NUMERIC.oid}


def storage_of(t: R.PgType) -> str:
    if t.oid in _MAIN_STORAGE:
        return "m"
    return "x" if t.typlen == -1 else "p"
