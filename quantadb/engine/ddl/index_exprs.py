"""Indexes on expressions (`CREATE [UNIQUE] INDEX i ON t (lower(email))`), and what indexes
over hidden columns (theirs and partial indexes' predicates) share.

Each index expression is kept as a hidden stored generated column of the table
(`ColumnDef.hidden`): written with every row by the DML plan as any generated column is, never
shown (SELECT *, pg_attribute, information_schema, COPY), and the index is an ordinary index
over it. So storage, the WAL and apply need nothing new (apply never evaluates an expression),
a UNIQUE expression index enforces uniqueness through the ordinary unique-index checks, and the
planner matches a predicate on the same expression to the index (sql/index_paths.py).

The hidden column is named as PostgreSQL prints the expression in a key's DETAIL
(`Key (lower(email))=(x) already exists.`); indexes on the same expression share it, and it goes
when the last index over it is dropped.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import (
    dropped_column,
    fill_from_query,
    quote_relation,
    run_sql,
    unique_name,
)
from quantadb.engine.ddl.index_keys import element_options, with_key_settings
from quantadb.engine.ddl.generated import bind_stored, expression_text, is_immutable, referenced_attnums
from quantadb.engine.ddl.partial_indexes import predicate_column, predicate_of
from quantadb.errors import InvalidObjectDefinition, UndefinedColumn
from quantadb.sql import ddl_stmts as D
from quantadb.sql.quoting import quote_ident
from quantadb.sql.stored_exprs import figure_colname
from quantadb.storage.catalog import ColumnDef, RelationDef

if TYPE_CHECKING:
    from quantadb.engine.session import Session

CONTEXT = "index expression"


def key_columns(session: "Session", rel: RelationDef,
                elements: tuple[D.IndexElement, ...]) -> tuple[RelationDef, tuple[int, ...], list[str]]:
    """The attnums an index over `elements` covers, the relation with the hidden columns its
    expressions need added, and the index's column names (pg_attribute of the index)."""
    columns = list(rel.columns)
    attnums: list[int] = []
    names: list[str] = []
    for element in elements:
        if element.column is not None:
            col = rel.column(element.column)
            if col is None:
                raise UndefinedColumn(f'column "{element.column}" does not exist')
            attnums.append(col.attnum)
            names.append(col.name)
            continue
        text = element.expression or ""
        bound = bind_stored(session, rel, text, CONTEXT)
        if not is_immutable(bound):
            raise InvalidObjectDefinition("functions in index expression must be marked IMMUTABLE")
        shown = expression_text(session, rel, bound, pretty=True)
        col = next((c for c in columns if c.hidden and not c.dropped and c.name == shown), None)
        if col is None:
            col = ColumnDef(max(c.attnum for c in columns) + 1, shown, bound.type, default=text, generated="s",
                            hidden=True)
            columns.append(col)
        attnums.append(col.attnum)
        names.append(index_column_name(text, names))
    return replace(rel, columns=tuple(columns)), tuple(attnums), names


def stored_text(session: "Session", rel: RelationDef, col: ColumnDef, pretty: bool) -> str:
    """A hidden column's expression as pg_get_indexdef prints it (its stored text if it no
    longer binds)."""
    try:
        return expression_text(session, rel, bind_stored(session, rel, col.default or "", CONTEXT), pretty)
    except Exception:
        return col.name


def choose_index_name(session: "Session", rel: RelationDef, names: list[str]) -> str:
    """The name PostgreSQL gives an index that backs no constraint (ChooseIndexName): the table's
    and its columns' (keys, then INCLUDE's) names, then "idx", unique in the schema."""
    return unique_name(session, rel.namespace, f"{rel.name}_{'_'.join(names)}_idx")


def index_column_name(text: str, taken: list[str]) -> str:
    """The name PostgreSQL gives an expression column of an index (FigureColname): a function
    call's name, else "expr"; numbered when taken."""
    base = figure_colname(text)
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def fill(session: "Session", rel: RelationDef) -> None:
    """Compute the new hidden columns for the rows already there: an UPDATE that changes no
    visible value recomputes every generated column (a materialized view's rows are made again)."""
    if rel.kind == "m":
        session.store.truncate(session.state.txn, rel.oid)
        if rel.populated:
            fill_from_query(session, rel, rel.view_sql)
        return
    visible = next(c for c in sorted(rel.columns, key=lambda c: c.attnum) if c.visible)
    value = "DEFAULT" if visible.generated else quote_ident(visible.name)
    run_sql(session, f"UPDATE {quote_relation(session, rel)} SET {quote_ident(visible.name)} = {value}")


def unused_hidden(rel: RelationDef, indexes: list[RelationDef]) -> RelationDef:
    """`rel` with the hidden columns no index in `indexes` covers dropped."""
    used = {a for index in indexes for a in index.index_columns + (index.predicate_column,)}
    return replace(rel, columns=tuple(dropped_column(c) if c.hidden and not c.dropped and c.attnum not in used
                                      else c for c in rel.columns))


def hidden_readers(session: "Session", rel: RelationDef, attnum: int) -> set[int]:
    """The hidden columns whose expression reads column `attnum`."""
    return {c.attnum for c in rel.columns
            if c.hidden and not c.dropped and attnum in referenced_attnums(session, rel, c)}


def elements_of(rel: RelationDef, index: RelationDef) -> tuple[D.IndexElement, ...]:
    """An index's keys as CREATE INDEX names them."""
    by_num = {c.attnum: c for c in rel.columns}
    return tuple(D.IndexElement(expression=by_num[a].default, **element_options(index, i)) if by_num[a].hidden else
                 D.IndexElement(column=by_num[a].name, **element_options(index, i))
                 for i, a in enumerate(index.index_columns))


def add_index(session: "Session", rel: RelationDef, index: RelationDef,
              elements: tuple[D.IndexElement, ...], predicate: str | None = None) -> RelationDef:
    """Create `index` over `elements` of `rel` (partial: holding the rows where `predicate` is
    true), adding (and filling) the hidden columns its expressions need first; returns the
    table as it is then."""
    store, txn = session.store, session.state.txn
    with_keys, attnums, _ = key_columns(session, rel, elements)
    where = 0
    if predicate is not None:
        with_keys, where = predicate_column(session, with_keys, predicate)
    if len(with_keys.columns) > len(rel.columns):
        store.alter_relation(txn, with_keys)
        fill(session, with_keys)
    types = {c.attnum: c.type for c in with_keys.columns}
    index = with_key_settings(index, [types[a] for a in attnums], elements)
    store.create_relation(txn, replace(index, index_columns=attnums, predicate_column=where))
    return with_keys


def detach_expression_indexes(session: "Session", rel: RelationDef,
                              attnum: int) -> tuple[RelationDef, list[tuple[RelationDef, tuple, str | None]]]:
    """Drop the expression and partial indexes whose expressions read column `attnum`, and their
    hidden columns (ALTER COLUMN TYPE rebuilds them afterwards with `add_index`, as PostgreSQL
    rebuilds them): (index, its elements, its predicate) of each."""
    readers = hidden_readers(session, rel, attnum)
    if not readers:
        return rel, []
    store, txn = session.store, session.state.txn
    detached = []
    remaining = []
    for index in session.catalog().indexes_of(rel.oid):
        if readers & {*index.index_columns, index.predicate_column}:
            detached.append((index, elements_of(rel, index), predicate_of(rel, index)))
            store.drop_relation(txn, index.oid)
        else:
            remaining.append(index)
    rel = unused_hidden(rel, remaining)
    store.alter_relation(txn, rel)
    return rel, detached


def renamed_keys(session: "Session", rel: RelationDef) -> RelationDef:
    """The hidden columns named again after their expressions (after RENAME COLUMN)."""
    return replace(rel, columns=tuple(replace(c, name=stored_text(session, rel, c, True)) if c.hidden and not c.dropped
                                      else c for c in rel.columns))
