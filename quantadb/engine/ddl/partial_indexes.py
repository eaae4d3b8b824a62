"""Partial indexes (`CREATE [UNIQUE] INDEX i ON t (cols) WHERE predicate`).

The predicate is kept as an expression index's key is (engine/ddl/index_exprs.py): a hidden
stored generated boolean column of the table, written with every row by the DML plan, named as
pg_get_indexdef prints the predicate. The index (`RelationDef.predicate_column`) holds only the
rows where that column is true, so storage decides membership from a stored value (apply never
evaluates an expression: recovery and replicas apply the same records), and uniqueness is
checked among those rows only. An expression index over the same expression shares the column.

The planner uses a partial index only for a filter that implies its predicate
(sql/index_paths.py); ON CONFLICT infers one the same way (sql/bind_dml.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.generated import bind_stored, deparsed, expression_text, is_immutable
from quantadb.errors import DatatypeMismatch, InvalidObjectDefinition
from quantadb.sql.bind_support import type_name
from quantadb.storage.catalog import ColumnDef, RelationDef
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session

CONTEXT = "index predicate"


def predicate_column(session: "Session", rel: RelationDef, text: str) -> tuple[RelationDef, int]:
    """The attnum of the hidden column holding `text`'s value, and the relation with it added
    when no index had it yet; the checks PostgreSQL's CREATE INDEX makes of a predicate."""
    bound = bind_stored(session, rel, text, CONTEXT)
    if bound.type.pg is not R.BOOL:
        raise DatatypeMismatch(f"argument of WHERE must be type boolean, not type {type_name(bound.type)}")
    if not is_immutable(bound):
        raise InvalidObjectDefinition("functions in index predicate must be marked IMMUTABLE")
    shown = expression_text(session, rel, bound, pretty=True)
    col = next((c for c in rel.columns if c.hidden and not c.dropped and c.name == shown), None)
    if col is not None:
        return rel, col.attnum
    col = ColumnDef(max(c.attnum for c in rel.columns) + 1, shown, bound.type, default=text, generated="s",
                    hidden=True)
    return replace(rel, columns=rel.columns + (col,)), col.attnum


def predicate_of(rel: RelationDef, index: RelationDef) -> str | None:
    """A partial index's predicate as SQL text (its hidden column's expression)."""
    if not index.predicate_column:
        return None
    return next((c.default for c in rel.columns if c.attnum == index.predicate_column), None)


def predicate_text(session: "Session", rel: RelationDef, index: RelationDef, pretty: bool) -> str | None:
    """The predicate as pg_get_indexdef prints it after WHERE (and pg_get_expr prints indpred)."""
    text = predicate_of(rel, index)
    if text is None:
        return None
    try:
        return deparsed(session, rel, bind_stored(session, rel, text, CONTEXT), pretty)
    except Exception:  # (a predicate that no longer binds prints as stored)
        return text
