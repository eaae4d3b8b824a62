"""Helpers shared by the DDL modules: names, ownership, internal statements."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.renames import recorded_view_query
from quantadb.engine.ddl.temp import temp_namespace
from quantadb.engine.privileges import owns, schema_create
from quantadb.engine.results import Result
from quantadb.errors import DuplicateObject, DuplicateTable, InsufficientPrivilege, SqlError, SyntaxError as SqlSyntaxError
from quantadb.sql.functions.signature import functions_named
from quantadb.sql.qualify import qualify_relations
from quantadb.sql.quoting import quote_ident
from quantadb.storage.catalog import ColumnDef, RelationDef
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session


ROW_TYPE_KINDS = ("r", "v", "m")  # relations with a row type (pg_class.reltype)


def new_relation(session: "Session", oid: int, namespace: int, name: str, kind: str, *args, **kw) -> RelationDef:
    """A new relation of the session's database, owned by the session's role; a table, view or
    materialized view with its row type (OIDs in PostgreSQL's order: relation, array type, type)."""
    if kind in ROW_TYPE_KINDS:
        check_type_name(session, namespace, name)
        kw["array_type_oid"] = session.store.allocate_oid(session.state.txn)
        kw["type_oid"] = session.store.allocate_oid(session.state.txn)
    return RelationDef(oid, session.database_oid, namespace, name, kind, *args, owner=session.role_oid, **kw)


def check_type_name(session: "Session", namespace: int, name: str, creating: bool = True) -> None:
    """A relation with a row type cannot take the name of a type of its schema (42710, as
    heap_create_with_catalog's and, renamed or moved, RenameTypeInternal's; a composite type's
    relation is a relation already there)."""
    found = session.store.catalog.find_type(session.catalog().snap, session.database_oid, namespace, name)
    if found is None:
        return
    if found.relkind == "c" and found.kind == "c":
        raise DuplicateTable(f'relation "{name}" already exists')
    hint = "A relation has an associated type of the same name, so you must use a name that doesn't conflict " \
           "with any existing type." if creating else None
    raise DuplicateObject(f'type "{name}" already exists', hint=hint)


def require_owner(session: "Session", rel: RelationDef) -> None:
    if not owns(session, rel.owner):
        raise InsufficientPrivilege(f"must be owner of {kind_word(rel.kind)} {rel.name}")


def creation_namespace(session: "Session", name: tuple[str, ...], temporary: bool = False) -> tuple[int, str]:
    """The schema a new object goes into (the session's temporary schema, an explicit one or
    search_path's first) and its bare name; the role needs CREATE on that schema."""
    if temporary:
        return temp_namespace(session), name[-1]
    ns, bare = session.catalog().creation_namespace(list(name))
    schema_create(session, ns)
    return ns, bare


def stored_query(session: "Session", query: str) -> str:
    """A view's query as it is kept: every relation qualified by the schema it resolves to now,
    every `*` expanded to the columns it stands for now (as PostgreSQL's stored query has them)."""
    catalog = session.catalog()

    def schema_of(parts: list[str]) -> str | None:
        hit = catalog.resolve_relation(parts)
        return hit.schema if hit is not None and hit.relation is not None else None

    def function_schema(name: str) -> str | None:  # user functions; built-ins live in pg_catalog
        found = catalog.functions_named(name) if not functions_named(name) else []
        return catalog.namespace_name(found[0].namespace) if found else None
    qualified = qualify_relations(query, schema_of, function_schema)
    try:
        recorded = recorded_view_query(session, qualified)
    except SqlError:  # reported by the caller, which binds it with error positions
        return qualified
    recorded.expand_stars()
    return recorded.text()


def query_columns(session: "Session", query: str, names: tuple[str, ...],
                  too_many: str = "too many column names were specified") -> tuple[ColumnDef, ...]:
    """The columns a query's result would make, named by `names` first (CREATE TABLE AS, views);
    an untyped literal column becomes text. More names than columns is `too_many` (42601)."""
    from quantadb.engine import statements as S
    bound = S.bind(session, S.Statement(query, at=None), [])  # (a rewritten text: no error positions)
    if len(names) > len(bound.columns):
        raise SqlSyntaxError(too_many)
    return tuple(ColumnDef(i + 1, names[i] if i < len(names) else c.name,
                           c.type if c.type.pg is not R.UNKNOWN else R.SqlType(R.TEXT))
                 for i, c in enumerate(bound.columns))


def session_txn(session: "Session"):
    return session.state.txn


def check_new_name(session: "Session", ns: int, name: str, if_not_exists: bool, kind: str = "relation") -> bool:
    """True if the name is free; False (with a notice) for IF NOT EXISTS; error otherwise."""
    catalog = session.catalog()
    existing = session.store.catalog.find_relation(catalog.snap, session.database_oid, ns, name)
    if existing is None:  # a composite type has a relation of its name too (pg_class relkind 'c')
        existing = session.store.catalog.find_type(catalog.snap, session.database_oid, ns, name)
        if existing is None or existing.kind != "c":
            return True
    if if_not_exists:
        session.notice(f'relation "{name}" already exists, skipping', "42P07")
        return False
    raise DuplicateTable(f'relation "{name}" already exists')


def unique_name(session: "Session", ns: int, base: str) -> str:
    base = base[:63]
    name, n = base, 0
    snap = session.catalog().snap
    while session.store.catalog.find_relation(snap, session.database_oid, ns, name) is not None:
        n += 1
        name = f"{base[:63 - len(str(n))]}{n}"
    return name


def quote_relation(session: "Session", rel: RelationDef) -> str:
    """schema.name of `rel`, quoted, for internal statements that must not depend on search_path."""
    return f"{quote_ident(session.catalog().namespace_name(rel.namespace))}.{quote_ident(rel.name)}"


def kind_word(relkind: str) -> str:
    return {"r": "table", "v": "view", "i": "index", "S": "sequence", "m": "materialized view"}.get(relkind,
                                                                                                   "relation")


def notice_cascade(session: "Session", dropped: list[str]) -> None:
    """DROP ... CASCADE's NOTICE, as PostgreSQL words it for one object or several."""
    if len(dropped) == 1:
        session.notice(f"drop cascades to {dropped[0]}")
    elif dropped:
        session.notice(f"drop cascades to {len(dropped)} other objects",
                       detail="\n".join(f"drop cascades to {d}" for d in dropped))


def run_sql(session: "Session", sql: str) -> Result:
    """Run an internal statement (filling a new column, checking a constraint) in the session."""
    from quantadb.engine import statements as S
    from quantadb.engine.prepared import Portal, Prepared
    stmt = S.Statement(sql, at=None)
    return S.execute(session, Portal(Prepared(sql, stmt, []), [], []), inline=False)


def check_not_null(session: "Session", rel: RelationDef, attnums) -> None:
    from quantadb.errors import NotNullViolation
    snap = session.store.snapshot(session_txn(session))
    for scan in session.store.table(rel.oid).scan(snap, list(attnums)):
        for a, col in zip(attnums, scan.columns):
            if col.valid is not None and not col.valid.all():
                name = next(c.name for c in rel.columns if c.attnum == a)
                raise NotNullViolation(f'column "{name}" of relation "{rel.name}" contains null values')


def has_storage(session: "Session", oid: int) -> bool:
    try:
        session.store.table(oid)
        return True
    except Exception:
        return False


def dropped_column(col: ColumnDef) -> ColumnDef:
    """A dropped column keeps its attnum slot under PostgreSQL's placeholder name."""
    return replace(col, dropped=True, name=f"........pg.dropped.{col.attnum}........", not_null=False, default=None)


def quote_regclass(name: str) -> str:
    return name if name.islower() and name.replace("_", "").isalnum() else f'"{name}"'


def fill_from_query(session: "Session", rel: RelationDef, query: str) -> int:
    """Insert the rows of `query` into `rel` (CREATE TABLE AS, materialized views); their count.
    A materialized view's hidden columns (its index expressions and predicates) are computed
    over the query's rows, as the DML plan computes a table's."""
    columns = sorted(rel.columns, key=lambda c: c.attnum)
    if any(c.hidden for c in columns):
        names = ", ".join(quote_ident(c.name) for c in columns if c.visible)
        items = ", ".join(f"NULL::{R.format_type(c.type.pg, c.type.typmod)}" if c.dropped else
                          f"({c.default})" if c.hidden else quote_ident(c.name) for c in columns)
        query = f"SELECT {items} FROM ({query}) AS q({names})"
    batch = run_sql(session, query).batches[0]
    if batch.length:
        session.store.insert(session_txn(session), rel.oid, batch.columns, batch.length)
    return batch.length
