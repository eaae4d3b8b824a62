"""SQL text of catalog objects, as pg_get_indexdef / pg_get_constraintdef / pg_get_viewdef and
the pg_indexes view print them (PostgreSQL's ruleutils.c spelling)."""

from __future__ import annotations

from quantadb.engine.catalog_view import RegNames, SessionCatalog
from quantadb.engine.ddl.index_exprs import stored_text
from quantadb.engine.ddl.index_keys import COLLATION_NAMES, collation_of, key_types
from quantadb.engine.ddl.partial_indexes import predicate_text
from quantadb.errors import SqlError
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.deparse import Deparser
from quantadb.sql.expr import Cast, ColumnRef, transform
from quantadb.sql.opclasses import opclass_name
from quantadb.sql.parse import parse_expression
from quantadb.sql.plan import PlanColumn
from quantadb.sql.quoting import quote_ident
from quantadb.sql.scope import Scope
from quantadb.storage.catalog import (INDOPTION_DESC, INDOPTION_NULLS_FIRST, ColumnDef, ConstraintDef, RelationDef,
                                      TypeDef, key_setting)
from quantadb.types.domains import base_type, domain_of
from quantadb.types.registry import SqlType

_FK_ACTIONS = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def qualified(catalog: SessionCatalog, rel: RelationDef, *, visible_bare: bool = False) -> str:
    """schema.name, or the bare name when `visible_bare` and the search path finds it."""
    schema = catalog.namespace_name(rel.namespace)
    if visible_bare and is_visible(catalog, rel):
        return quote_ident(rel.name)
    return f"{quote_ident(schema)}.{quote_ident(rel.name)}"


def is_visible(catalog: SessionCatalog, rel: RelationDef) -> bool:
    hit = catalog.resolve_relation([rel.name])
    return hit is not None and hit.relation is not None and hit.relation.oid == rel.oid


def column_names(rel: RelationDef | None, attnums: tuple[int, ...]) -> str:
    by_num = {c.attnum: c.name for c in rel.columns} if rel is not None else {}
    return ", ".join(quote_ident(by_num.get(a, str(a))) for a in attnums)


def index_def(session, index: RelationDef, pretty: bool = False) -> str:
    catalog = session.catalog()
    table = catalog.relation(index.table_oid)
    unique = "UNIQUE " if index.unique else ""
    # pretty (PRETTYFLAG_SCHEMA) leaves out a schema the search path finds
    target = qualified(catalog, table, visible_bare=pretty) if table is not None else str(index.table_oid)
    keys = ", ".join(index_key(session, table, a, pretty) + _key_decoration(index, table, i)
                     for i, a in enumerate(index.index_columns))
    include = f" INCLUDE ({column_names(table, index.include_columns)})" if index.include_columns else ""
    nulls = " NULLS NOT DISTINCT" if index.nulls_not_distinct else ""
    predicate = predicate_text(session, table, index, pretty) if table is not None else None
    where = f" WHERE {predicate}" if predicate is not None else ""
    return f"CREATE {unique}INDEX {quote_ident(index.name)} ON {target} USING {index.method} ({keys}){include}" \
        f"{nulls}{where}"


def _key_decoration(index: RelationDef, table: RelationDef | None, position: int) -> str:
    """What ruleutils.c prints after key `position`: a COLLATE other than its column's, an
    operator class other than its type's default, and its order where not ASC NULLS LAST."""
    out = ""
    collation = key_setting(index.index_collations, position)
    t = key_types(index, table)[position]
    if collation and (t is None or collation != collation_of(t.pg)):
        out += f" COLLATE {quote_ident(COLLATION_NAMES.get(collation, str(collation)))}"
    if key_setting(index.index_opclasses, position):
        out += f" {opclass_name(index.index_opclasses[position])}"
    option = key_setting(index.index_options, position)
    if option & INDOPTION_DESC:
        out += " DESC" if option & INDOPTION_NULLS_FIRST else " DESC NULLS LAST"
    elif option & INDOPTION_NULLS_FIRST:
        out += " NULLS FIRST"
    return out


def index_key(session, table: RelationDef | None, attnum: int, pretty: bool = False) -> str:
    """One key of an index: its column's name, or its expression as pg_get_indexdef prints it."""
    col = next((c for c in table.columns if c.attnum == attnum), None) if table is not None else None
    if col is None:
        return str(attnum)
    return stored_text(session, table, col, pretty) if col.hidden else quote_ident(col.name)


def constraint_def(session, table: RelationDef, con: ConstraintDef, pretty: bool = False) -> str:
    deferral = (" DEFERRABLE INITIALLY DEFERRED" if con.deferred else " DEFERRABLE") if con.deferrable else ""
    return _constraint_body(session, table, con, pretty) + deferral + ("" if con.validated else " NOT VALID")


def _constraint_body(session, table: RelationDef, con: ConstraintDef, pretty: bool) -> str:
    catalog = session.catalog()
    if con.kind == "p":
        return f"PRIMARY KEY ({column_names(table, con.columns)})"
    if con.kind == "u":
        index = catalog.relation(con.index_oid)
        nulls = " NULLS NOT DISTINCT" if index is not None and index.nulls_not_distinct else ""
        return f"UNIQUE{nulls} ({column_names(table, con.columns)})"
    if con.kind == "c":
        return f"CHECK ({stored_expression(session, con.check or '', table, pretty=pretty)})"
    ref = catalog.relation(con.ref_table)
    target = qualified(catalog, ref, visible_bare=True) if ref is not None else str(con.ref_table)
    out = f"FOREIGN KEY ({column_names(table, con.columns)}) REFERENCES {target}({column_names(ref, con.ref_columns)})"
    if con.on_update in _FK_ACTIONS:
        out += f" ON UPDATE {_FK_ACTIONS[con.on_update]}"
    if con.on_delete in _FK_ACTIONS:
        out += f" ON DELETE {_FK_ACTIONS[con.on_delete]}"
    return out


def find_constraint(catalog: SessionCatalog, oid: int) -> tuple[RelationDef, ConstraintDef] | None:
    for rel in catalog.relations():
        for con in rel.constraints:
            if con.oid == oid:
                return rel, con
    return None


def view_def(view: RelationDef) -> str:
    text = view.view_sql.strip().rstrip(";")
    return f" {text};"


def stored_expression(session, text: str, rel: RelationDef | None, column: ColumnDef | None = None,
                      pretty: bool = False) -> str:
    """A stored expression (a CHECK, `column`'s default or generation expression) as pg_get_expr
    prints it: bound against the relation's columns and deparsed as ruleutils.c does. Text that
    no longer binds (an object it names was dropped) prints as stored."""
    reads_row = rel is not None and (column is None or column.generated)
    columns = sorted(rel.columns, key=lambda c: c.attnum) if reads_row else []
    scope = Scope()
    scope.add("", [PlanColumn(c.name if c.visible else "", c.type, rel.oid, c.attnum) for c in columns])
    catalog = session.catalog()
    if rel is not None:  # functions the text names unqualified: as from the table's schema (pg_dump
        # reads defaults with an empty search_path; PostgreSQL kept the function's OID)
        catalog = SessionCatalog(catalog.store, catalog.snap, catalog.database_oid,
                                 [catalog.namespace_name(rel.namespace), *catalog.search_path], catalog.user,
                                 catalog.temp_schema)
    queries = QueryBinder(catalog, [], session.format_context)
    queries.inline_functions = False  # a user function prints as its call
    binder = queries.expr_binder(scope)
    try:
        bound = binder.bind(parse_expression(text))
        if column is not None:
            bound = binder.coerce(bound, column.type, "a")
        names = RegNames(session)
        return Deparser([c.name for c in columns], session.format_context, names.name, pretty).text(bound)
    except (SqlError, ValueError):
        return text


class _DomainCheckDeparser(Deparser):
    """A domain CHECK's one column is VALUE (CoerceToDomainValue), printed unquoted."""

    def text(self, e, show_implicit: bool = False) -> str:
        return "VALUE" if isinstance(e, ColumnRef) else super().text(e, show_implicit)


def domain_check_def(session, t: TypeDef, name: str, pretty: bool = False) -> str:
    """pg_get_constraintdef of a domain's CHECK: bound over VALUE of the base type and deparsed;
    NOT VALID while not validated."""
    text = dict(t.checks)[name]
    scope = Scope()
    scope.add("", [PlanColumn("value", base_type(t.sql_type()))])
    binder = QueryBinder(session.catalog(), [], session.format_context).expr_binder(scope)
    try:
        bound = binder.bind(parse_expression(text))
        if domain_of(t.base) is not None:  # VALUE is of the base domain: shown converted where used
            plain = SqlType(t.base.pg, t.base.typmod)
            bound = transform(bound, lambda e: e if isinstance(e, Cast) and isinstance(e.arg, ColumnRef) else
                              Cast(e, plain, False) if isinstance(e, ColumnRef) else None)
        body = _DomainCheckDeparser(["value"], session.format_context, RegNames(session).name, pretty).text(bound)
    except (SqlError, ValueError):
        body = text
    return f"CHECK ({body})" + (" NOT VALID" if name in t.not_valid else "")


def domain_default_def(session, t: TypeDef, pretty: bool = False) -> str:
    """A domain's DEFAULT as pg_type.typdefault and pg_get_expr(typdefaultbin) print it: converted
    to the base type (`'none'::character varying`)."""
    return stored_expression(session, t.default, None, ColumnDef(0, "", base_type(t.sql_type())), pretty)
