"""information_schema: schemata, tables, columns, views, table_constraints, key_column_usage,
referential_constraints, constraint_column_usage, check_constraints, domain_constraints, sequences,
routines, table_privileges, role_table_grants — the SQL-standard views, generated from the same
live catalog as pg_catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.acl import PRIVILEGES
from quantadb.engine.pg_catalog.deparse import (
    constraint_def,
    domain_check_def,
    domain_default_def,
    stored_expression,
    view_def,
)
from quantadb.engine.pg_catalog.procs import functions
from quantadb.engine.pg_catalog.tables import TABLES, Row, rows
from quantadb.engine.privileges import acl_items, parse_aclitem
from quantadb.sql.view_updatable import (DELETE_EVENT, INSERT_EVENT, UPDATE_EVENT, check_option, instead_of_events,
                                          relation_is_updatable, updatable_columns)
from quantadb.storage.catalog import (
    FIRST_USER_OID,
    ColumnDef,
    ConstraintDef,
    RelationDef,
    TypeDef,
)
from quantadb.types import registry as R
from quantadb.types.domains import domain_of, element_domain_type

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_CONSTRAINT_TYPES = {"p": "PRIMARY KEY", "u": "UNIQUE", "f": "FOREIGN KEY", "c": "CHECK"}
_RULES = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_BINARY_PRECISION = {R.INT2: 16, R.INT4: 32, R.INT8: 64, R.FLOAT4: 24, R.FLOAT8: 53}
_DATETIME = (R.DATE, R.TIME, R.TIMETZ, R.TIMESTAMP, R.TIMESTAMPTZ, R.INTERVAL)
MAX_TEXT_OCTETS = 1073741824


def yes_no(flag: bool) -> str:
    return "YES" if flag else "NO"


def _base(session: "Session", schema: str, table: str) -> Row:
    return {"table_catalog": session.database, "table_schema": schema, "table_name": table}


@rows("information_schema.schemata")
def schemata(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for ns in session.store.catalog.namespaces(catalog.snap, session.database_oid):
        yield {"catalog_name": session.database, "schema_name": ns.name, "schema_owner": "postgres"}


def _user_relations(session: "Session", kinds: str) -> Iterator[tuple[str, RelationDef]]:
    catalog = session.catalog()
    for rel in catalog.relations():
        if rel.kind in kinds:
            yield catalog.namespace_name(rel.namespace), rel


@rows("information_schema.tables")
def tables(session: "Session") -> Iterator[Row]:
    for schema, rel in _user_relations(session, "rpv"):
        insertable = relation_is_updatable(session.catalog(), rel) & INSERT_EVENT
        yield {**_base(session, schema, rel.name), "table_type": "VIEW" if rel.kind == "v" else "BASE TABLE",
               "is_insertable_into": yes_no(bool(insertable)), "is_typed": "NO"}
    for table in TABLES.values():
        yield {**_base(session, table.schema, table.name),
               "table_type": "BASE TABLE" if table.oid < 10000 else "VIEW", "is_insertable_into": "NO",
               "is_typed": "NO"}


@rows("information_schema.views")
def views(session: "Session") -> Iterator[Row]:
    for schema, rel in _user_relations(session, "v"):
        events = relation_is_updatable(session.catalog(), rel)
        triggered = instead_of_events(rel)
        option = check_option(rel)
        yield {**_base(session, schema, rel.name), "view_definition": view_def(rel),
               "check_option": option.upper() if option else "NONE",
               "is_updatable": yes_no(events & (UPDATE_EVENT | DELETE_EVENT) == UPDATE_EVENT | DELETE_EVENT),
               "is_insertable_into": yes_no(bool(events & INSERT_EVENT)),
               "is_trigger_updatable": yes_no(bool(triggered & UPDATE_EVENT)),
               "is_trigger_deletable": yes_no(bool(triggered & DELETE_EVENT)),
               "is_trigger_insertable_into": yes_no(bool(triggered & INSERT_EVENT))}


def _table_grants(session: "Session", public: bool) -> Iterator[Row]:
    """One row per privilege granted on a table or view (its ACL, the owner's default spelled
    out); a role other than a superuser sees the grants it made or holds (and PUBLIC's, when
    `public`). The owner's privileges are all grantable."""
    snap = session.catalog().snap
    owners = {role.oid: role.name for role in session.store.catalog.roles(snap)}
    for schema, rel in _user_relations(session, "rvp"):
        owner = owners.get(rel.owner, "postgres")
        for item in acl_items(rel, owner, "table"):
            grantee, privileges, grantor = parse_aclitem(item)
            seen = session.superuser or session.user in (grantor, grantee) or (public and not grantee)
            if not seen:
                continue
            for letter, name in PRIVILEGES.items():
                at = privileges.find(letter)
                if at < 0:
                    continue
                grantable = privileges[at + 1:at + 2] == "*" or grantee == owner
                yield {"grantor": grantor, "grantee": grantee or "PUBLIC", **_base(session, schema, rel.name),
                       "privilege_type": name, "is_grantable": yes_no(grantable),
                       "with_hierarchy": yes_no(name == "SELECT")}


@rows("information_schema.table_privileges")
def table_privileges(session: "Session") -> Iterator[Row]:
    return _table_grants(session, public=True)


@rows("information_schema.role_table_grants")
def role_table_grants(session: "Session") -> Iterator[Row]:
    return _table_grants(session, public=False)


def type_facts(t: R.SqlType) -> Row:
    """data_type, lengths, precisions and udt_name of one column type."""
    pg, mod = t.pg, t.typmod
    out: Row = {"data_type": "ARRAY" if pg.is_array else R.format_type(pg), "udt_catalog": None,
                "udt_schema": "pg_catalog", "udt_name": pg.name}
    if pg.enum is not None or pg.composite is not None:
        out["data_type"] = "USER-DEFINED"
    if pg in (R.VARCHAR, R.BPCHAR):
        length = mod - 4 if mod >= 4 else (1 if pg is R.BPCHAR else None)
        out["character_maximum_length"] = length
        out["character_octet_length"] = length * 4 if length else MAX_TEXT_OCTETS
    elif pg is R.TEXT:
        out["character_octet_length"] = MAX_TEXT_OCTETS
    elif pg in _BINARY_PRECISION:
        out.update(numeric_precision=_BINARY_PRECISION[pg], numeric_precision_radix=2,
                   numeric_scale=0 if pg in R.INTEGER_TYPES else None)
    elif pg is R.NUMERIC:
        ps = R.numeric_precision_scale(mod)
        out.update(numeric_precision=ps[0] if ps else None, numeric_precision_radix=10,
                   numeric_scale=ps[1] if ps else None)
    elif pg in _DATETIME:
        out["datetime_precision"] = 0 if pg is R.DATE else (mod if mod >= 0 else 6)
    return out


def _column(session: "Session", schema: str, table: str, col: ColumnDef, updatable: bool,
            rel: RelationDef | None = None) -> Row:
    identity = col.identity in ("a", "d")
    default = stored_expression(session, col.default, rel, col) if col.default and not identity else None
    return {**_base(session, schema, table), "column_name": col.name, "ordinal_position": col.attnum,
            "column_default": default, "is_nullable": yes_no(not col.not_null), **type_facts(col.type),
            **_user_type_facts(session, col.type),
            "udt_catalog": session.database, "dtd_identifier": str(col.attnum), "is_self_referencing": "NO",
            "is_identity": yes_no(identity), "identity_generation":
                {"a": "ALWAYS", "d": "BY DEFAULT"}.get(col.identity), "identity_cycle": "NO",
            "is_generated": "ALWAYS" if col.generated else "NEVER", "is_updatable": yes_no(updatable),
            **({"column_default": None, "generation_expression": default} if col.generated else {})}


def _user_type_facts(session: "Session", t: R.SqlType) -> Row:
    """A column of an enum (its udt_schema) or of a domain (domain_schema / domain_name)."""
    if t.pg.oid < FIRST_USER_OID and not t.extra:
        return {}
    catalog = session.catalog()
    domain = domain_of(t) if t.extra else None
    if domain is not None:
        d = session.store.catalog.type_(catalog.snap, domain.oid)
        return {"domain_catalog": session.database, "domain_schema": catalog.namespace_name(d.namespace) if d else None,
                "domain_name": d.name if d else domain.name}
    element = element_domain_type(t)  # an array of a domain: _name, as of an enum
    elem = R.element_of(t.pg) if t.pg.is_array else t.pg
    found = session.store.catalog.type_(catalog.snap, domain_of(element).oid if element else elem.oid)
    if element is not None and found is not None:
        return {"udt_schema": catalog.namespace_name(found.namespace), "udt_name": "_" + found.name}
    return {"udt_schema": catalog.namespace_name(found.namespace)} if found is not None else {}


@rows("information_schema.domains")
def domains(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for d in catalog.types():
        if d.kind == "d":
            under = domain_of(d.base)  # a domain over a domain: USER-DEFINED, named by its udt_*
            under = session.store.catalog.type_(catalog.snap, under.oid) if under is not None else None
            facts = {"data_type": "USER-DEFINED", "udt_schema": catalog.namespace_name(under.namespace),
                     "udt_name": under.name} if under is not None else type_facts(d.base)
            yield {"domain_catalog": session.database, "domain_schema": catalog.namespace_name(d.namespace),
                   "domain_name": d.name, **facts, "udt_catalog": session.database,
                   "domain_default": domain_default_def(session, d) if d.default is not None else None,
                   "dtd_identifier": "1"}


@rows("information_schema.columns")
def columns(session: "Session") -> Iterator[Row]:
    for schema, rel in _user_relations(session, "rpv"):
        updatable = iter(updatable_columns(session.catalog(), rel) or [False] * len(rel.columns))
        for col in rel.columns:
            if col.visible:
                yield _column(session, schema, rel.name, col, next(updatable), rel)
    for table in TABLES.values():
        for attnum, c in enumerate(table.columns, 1):
            yield _column(session, table.schema, table.name, ColumnDef(attnum, c.name, c.type), False)


def _constraints(session: "Session") -> Iterator[tuple[str, RelationDef, ConstraintDef]]:
    for schema, rel in _user_relations(session, "rp"):
        for con in rel.constraints:
            yield schema, rel, con


def _constraint_base(session: "Session", schema: str, name: str) -> Row:
    return {"constraint_catalog": session.database, "constraint_schema": schema, "constraint_name": name}


def _not_null_checks(session: "Session") -> Iterator[tuple[str, RelationDef, str, str]]:
    """NOT NULL columns as the SQL standard's CHECK (col IS NOT NULL) constraints, named as
    PostgreSQL 15 names them (namespace OID _ table OID _ attnum _not_null)."""
    for schema, rel in _user_relations(session, "rp"):
        for col in rel.columns:
            if col.not_null and col.visible:
                yield (schema, rel, f"{rel.namespace}_{rel.oid}_{col.attnum}_not_null",
                       f"{col.name} IS NOT NULL")  # unquoted, as PostgreSQL's view writes it


@rows("information_schema.table_constraints")
def table_constraints(session: "Session") -> Iterator[Row]:
    facts = {"is_deferrable": "NO", "initially_deferred": "NO", "enforced": "YES"}
    for schema, rel, con in _constraints(session):
        yield {**_constraint_base(session, schema, con.name), **_base(session, schema, rel.name), **facts,
               "is_deferrable": yes_no(con.deferrable), "initially_deferred": yes_no(con.deferred),
               "constraint_type": _CONSTRAINT_TYPES[con.kind], "nulls_distinct": "YES" if con.kind == "u" else None}
    for schema, rel, name, _ in _not_null_checks(session):
        yield {**_constraint_base(session, schema, name), **_base(session, schema, rel.name), **facts,
               "constraint_type": "CHECK", "nulls_distinct": None}


def _names(rel: RelationDef | None) -> dict[int, str]:
    return {c.attnum: c.name for c in rel.columns} if rel is not None else {}


@rows("information_schema.key_column_usage")
def key_column_usage(session: "Session") -> Iterator[Row]:
    for schema, rel, con in _constraints(session):
        if con.kind == "c":
            continue
        names = _names(rel)
        for position, attnum in enumerate(con.columns, 1):
            yield {**_constraint_base(session, schema, con.name), **_base(session, schema, rel.name),
                   "column_name": names.get(attnum), "ordinal_position": position,
                   "position_in_unique_constraint": position if con.kind == "f" else None}


@rows("information_schema.referential_constraints")
def referential_constraints(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for schema, rel, con in _constraints(session):
        if con.kind != "f":
            continue
        ref = catalog.relation(con.ref_table)
        unique = next((c for c in (ref.constraints if ref else ()) if c.kind in "pu"
                       and set(c.columns) == set(con.ref_columns)), None)
        yield {**_constraint_base(session, schema, con.name), "unique_constraint_catalog": session.database,
               "unique_constraint_schema": catalog.namespace_name(ref.namespace) if ref else None,
               "unique_constraint_name": unique.name if unique else None, "match_option": "NONE",
               "update_rule": _RULES[con.on_update], "delete_rule": _RULES[con.on_delete]}


@rows("information_schema.constraint_column_usage")
def constraint_column_usage(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for schema, rel, con in _constraints(session):
        target = catalog.relation(con.ref_table) if con.kind == "f" else rel
        attnums = con.ref_columns if con.kind == "f" else con.columns
        names = _names(target)
        target_schema = catalog.namespace_name(target.namespace) if target else schema
        for attnum in attnums:
            yield {**_base(session, target_schema, target.name if target else None), "column_name": names.get(attnum),
                   **_constraint_base(session, schema, con.name)}


@rows("information_schema.check_constraints")
def check_constraints(session: "Session") -> Iterator[Row]:
    for schema, rel, con in _constraints(session):
        if con.kind == "c":
            yield {**_constraint_base(session, schema, con.name), "check_clause": constraint_def(session, rel, con)[6:]}
    for schema, _, name, clause in _not_null_checks(session):
        yield {**_constraint_base(session, schema, name), "check_clause": clause}
    for schema, t, name in _domain_checks(session):
        yield {**_constraint_base(session, schema, name), "check_clause": domain_check_def(session, t, name)[6:]}


def _domain_checks(session: "Session") -> Iterator[tuple[str, TypeDef, str]]:
    catalog = session.catalog()
    for t in catalog.types():
        for name, _ in t.checks:
            yield catalog.namespace_name(t.namespace), t, name


@rows("information_schema.domain_constraints")
def domain_constraints(session: "Session") -> Iterator[Row]:
    for schema, t, name in _domain_checks(session):
        yield {**_constraint_base(session, schema, name), "domain_catalog": session.database, "domain_schema": schema,
               "domain_name": t.name, "is_deferrable": "NO", "initially_deferred": "NO"}


@rows("information_schema.sequences")
def sequences(session: "Session") -> Iterator[Row]:
    for schema, rel in _user_relations(session, "S"):
        seq = rel.sequence
        if seq is None:
            continue
        t = R.by_oid(seq.type_oid)
        yield {"sequence_catalog": session.database, "sequence_schema": schema, "sequence_name": rel.name,
               "data_type": R.format_type(t), "numeric_precision": _BINARY_PRECISION.get(t),
               "numeric_precision_radix": 2, "numeric_scale": 0, "start_value": str(seq.start),
               "minimum_value": str(seq.min_value), "maximum_value": str(seq.max_value),
               "increment": str(seq.increment), "cycle_option": yes_no(seq.cycle)}


@rows("information_schema.routines")
def routines(session: "Session") -> Iterator[Row]:
    for oid, sig in functions():
        specific = f"{sig.name}_{oid}"
        yield {"specific_catalog": session.database, "specific_schema": "pg_catalog", "specific_name": specific,
               "routine_catalog": session.database, "routine_schema": "pg_catalog", "routine_name": sig.name,
               "routine_type": "FUNCTION", "data_type": R.format_type(sig.ret), "type_udt_catalog": session.database,
               "type_udt_schema": "pg_catalog", "type_udt_name": sig.ret.name, "routine_body": "EXTERNAL",
               "external_name": sig.impl, "external_language": "INTERNAL", "parameter_style": "GENERAL",
               "is_deterministic": yes_no(not sig.volatile), "sql_data_access": "MODIFIES",
               "is_null_call": yes_no(sig.strict), "security_type": "INVOKER", "as_locator": "NO",
               "is_udt_dependent": "NO", "is_implicitly_invocable": "NO"}
    catalog = session.catalog()
    for fn in catalog.functions():  # user-defined SQL functions and procedures
        schema, ret = catalog.namespace_name(fn.namespace), fn.return_type.pg
        function = fn.kind == "f"
        yield {"specific_catalog": session.database, "specific_schema": schema, "specific_name": f"{fn.name}_{fn.oid}",
               "routine_catalog": session.database, "routine_schema": schema, "routine_name": fn.name,
               "routine_type": "FUNCTION" if function else "PROCEDURE",
               "data_type": R.format_type(ret) if function else None,
               "type_udt_catalog": session.database if function else None,
               "type_udt_schema": "pg_catalog" if function else None, "type_udt_name": ret.name if function else None,
               "routine_body": "SQL" if fn.language == "sql" else "EXTERNAL", "routine_definition": fn.body,
               "external_language": fn.language.upper(),
               "parameter_style": "GENERAL", "is_deterministic": yes_no(fn.volatility == "i"),
               "sql_data_access": "MODIFIES", "is_null_call": yes_no(fn.strict) if function else None,
               "security_type": "DEFINER" if fn.security_definer else "INVOKER", "as_locator": "NO",
               "is_udt_dependent": "NO", "is_implicitly_invocable": "NO"}
