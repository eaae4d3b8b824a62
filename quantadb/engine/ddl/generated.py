"""Stored generated columns (GENERATED ALWAYS AS (expression) STORED): what a generation
expression may be, checked when the column is defined, and what the DDL of the columns it
reads must respect; binding and printing the expressions such columns (and the hidden ones of
index expressions and predicates) keep.

The column keeps its expression as SQL text in `ColumnDef.default` (pg_attrdef holds it, as in
PostgreSQL) with `generated = "s"`. Writes compute the value in the DML plan (sql/bind_dml.py)
and store it like any column, so WAL records carry the value and apply never evaluates it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.catalog_view import RegNames
from quantadb.errors import DependentObjectsStillExist, FeatureNotSupported, InvalidObjectDefinition
from quantadb.sql import expr as E
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.deparse import Deparser, looks_like_function
from quantadb.sql.stored_exprs import parse_stored, rename_column
from quantadb.sql.plan import PlanColumn
from quantadb.sql.scope import Scope
from quantadb.storage.catalog import ColumnDef, RelationDef
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session

# Functions PostgreSQL marks STABLE (their result depends on the transaction or settings):
# the catalog here only knows volatile ones by a flag.
_STABLE_FUNCTIONS = frozenset(("now", "current_timestamp", "transaction_timestamp", "statement_timestamp",
                               "localtimestamp", "current_time", "localtime", "current_date", "timeofday",
                               "current_user", "session_user", "current_schema", "current_schemas",
                               "current_database", "current_setting", "to_char", "to_timestamp", "age",
                               "pg_backend_pid", "txid_current", "has_table_privilege"))
# casts whose result depends on the TimeZone or DateStyle setting (STABLE in PostgreSQL)
_ZONED = (R.TIMESTAMPTZ, R.TIMETZ)


def bind_stored(session: "Session", rel: RelationDef, text: str, context: str) -> E.Expr:
    """`text` bound over the relation's live columns (position = attnum - 1); a subquery,
    aggregate or window function is refused as PostgreSQL's parser refuses them in `context`
    ("column generation expression", "index expression")."""
    tree = parse_stored(text, context)
    columns = sorted(rel.columns, key=lambda c: c.attnum)
    scope = Scope()
    scope.add(rel.name, [PlanColumn(c.name if c.visible else "", c.type, rel.oid, c.attnum) for c in columns])
    for sc, c in zip(scope.columns, columns):
        sc.hidden = not c.visible
    binder = QueryBinder(session.catalog(), [], session.format_context).expr_binder(scope)
    return binder.bind(tree)


def deparsed(session: "Session", rel: RelationDef, bound: E.Expr, pretty: bool) -> str:
    """An expression over the table's columns as ruleutils.c prints it."""
    columns = sorted(rel.columns, key=lambda c: c.attnum)
    return Deparser([c.name for c in columns], session.format_context, RegNames(session).name, pretty).text(bound)


def expression_text(session: "Session", rel: RelationDef, bound: E.Expr, pretty: bool) -> str:
    """An index expression as pg_get_indexdef prints it: parenthesized unless it looks like a
    function call (ruleutils.c's looks_like_function)."""
    text = deparsed(session, rel, bound, pretty)
    return text if looks_like_function(bound) else f"({text})"


def is_immutable(bound: E.Expr) -> bool:
    for n in E.walk(bound):
        if isinstance(n, E.Call) and (n.volatile or n.name in _STABLE_FUNCTIONS):
            return False
        if isinstance(n, E.Cast) and (n.type.pg in _ZONED) != (n.arg.type.pg in _ZONED):
            return False
        if isinstance(n, (E.SubqueryExpr, E.AggRef, E.WindowCall)):
            return False
    return True


def check_generation(session: "Session", rel: RelationDef, col: ColumnDef) -> None:
    """A generation expression reads non-generated columns of its row only, through immutable
    functions (PostgreSQL's cookDefault and check_nested_generated)."""
    bound = bind_stored(session, rel, col.default or "", "column generation expression")
    by_position = sorted(rel.columns, key=lambda c: c.attnum)
    for n in E.walk(bound):
        if isinstance(n, E.ColumnRef) and by_position[n.index].generated:
            name = by_position[n.index].name
            raise InvalidObjectDefinition(f'cannot use generated column "{name}" in column generation expression',
                                          detail="A generated column cannot reference another generated column.")
    if not is_immutable(bound):
        raise InvalidObjectDefinition("generation expression is not immutable")


def referenced_attnums(session: "Session", rel: RelationDef, col: ColumnDef) -> set[int]:
    """The attnums a generated column's expression reads."""
    bound = bind_stored(session, rel, col.default or "", "column generation expression")
    by_position = sorted(rel.columns, key=lambda c: c.attnum)
    return {by_position[n.index].attnum for n in E.walk(bound) if isinstance(n, E.ColumnRef)}


def generated_readers(session: "Session", rel: RelationDef, attnum: int) -> list[ColumnDef]:
    """The generated columns whose expression reads column `attnum`."""
    return [c for c in rel.columns if c.generated and c.visible and c.attnum != attnum
            and attnum in referenced_attnums(session, rel, c)]


def check_drop_referenced(session: "Session", rel: RelationDef, col: ColumnDef, cascade: bool) -> list[ColumnDef]:
    """DROP COLUMN of a column generated columns read: refused without CASCADE (2BP01), else
    those columns go too (returned)."""
    readers = generated_readers(session, rel, col.attnum)
    if readers and not cascade:
        lines = "\n".join(f"column {r.name} of table {rel.name} depends on column {col.name} of table {rel.name}"
                          for r in readers)
        raise DependentObjectsStillExist(f"cannot drop column {col.name} of table {rel.name} because other objects "
                                         "depend on it", detail=lines,
                                         hint="Use DROP ... CASCADE to drop the dependent objects too.")
    for r in readers:
        session.notice(f"drop cascades to column {r.name} of table {rel.name}")
    return readers


def check_retype_referenced(session: "Session", rel: RelationDef, col: ColumnDef) -> None:
    readers = generated_readers(session, rel, col.attnum)
    if readers:
        raise FeatureNotSupported("cannot alter type of a column used by a generated column",
                                  detail=f'Column "{col.name}" is used by generated column "{readers[0].name}".')


def rename_references(rel: RelationDef, old: str, new: str) -> RelationDef:
    """Stored expressions are SQL text: RENAME COLUMN renames the column where the generation
    and index expressions, the CHECK constraints and the triggers' WHEN conditions name it
    (PostgreSQL's are bound trees)."""
    def renamed(text: str) -> str:
        return rename_column(text, old, new)
    return replace(rel, columns=tuple(replace(c, default=renamed(c.default)) if c.generated and c.default and
                                      not c.dropped else c for c in rel.columns),
                   constraints=tuple(replace(c, check=renamed(c.check)) if c.check else c for c in rel.constraints),
                   triggers=tuple(replace(t, when=rename_column(t.when, old, new, ("new", "old"))) if t.when else t
                                  for t in rel.triggers))
