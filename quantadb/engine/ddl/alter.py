"""ALTER TABLE: add/drop/rename columns, constraints, defaults, NOT NULL, column types, renames."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.results import Result
from quantadb.errors import (
    DuplicateColumn,
    DuplicateTable,
    UndefinedColumn,
    UndefinedObject,
    UndefinedTable,
)
from quantadb.sql import ddl_stmts as D
from quantadb.storage.catalog import (
    ColumnDef,
    RelationDef,
)
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session
from quantadb.engine.ddl.common import (
    check_not_null,
    dropped_column,
    quote_ident,
    require_owner,
    run_sql,
    session_txn,
)
from quantadb.engine.ddl.tables import add_constraint, column_def


def alter(session: "Session", stmt: D.AlterRelation) -> Result:
    hit = session.catalog().resolve_relation(list(stmt.name))
    if hit is None or hit.relation is None:
        if stmt.if_exists:
            session.notice(f'relation "{stmt.name[-1]}" does not exist, skipping')
            return Result(tag=f"ALTER {stmt.kind}")
        raise UndefinedTable(f'relation "{stmt.name[-1]}" does not exist')
    rel = hit.relation
    require_owner(session, rel)
    for action in stmt.actions:
        rel = _alter_action(session, rel, action)
    return Result(tag=f"ALTER {stmt.kind}")


def _alter_action(session: "Session", rel: RelationDef, action: D.AlterAction) -> RelationDef:
    store, txn = session.store, session_txn(session)
    match action:
        case D.AddColumn(spec):
            return _add_column(session, rel, spec)
        case D.AddConstraint(con):
            return add_constraint(session, rel, con)
        case D.DropColumn(name, if_exists):
            return _drop_column(session, rel, name, if_exists)
        case D.DropConstraint(name, if_exists):
            return _drop_constraint(session, rel, name, if_exists)
        case D.RenameColumn(old, new):
            col = rel.column(old)
            if col is None:
                raise UndefinedColumn(f'column "{old}" does not exist')
            if rel.column(new) is not None:
                raise DuplicateColumn(f'column "{new}" of relation "{rel.name}" already exists')
            rel = replace(rel, columns=tuple(replace(c, name=new) if c.attnum == col.attnum else c
                                             for c in rel.columns))
        case D.RenameRelation(new):
            if store.catalog.find_relation(session.catalog().snap, rel.database, rel.namespace, new) is not None:
                raise DuplicateTable(f'relation "{new}" already exists')
            rel = replace(rel, name=new)
        case D.SetColumnType(name, new_type):
            return _change_column_type(session, rel, _column(rel, name), new_type)
        case D.SetColumnDefault(name, default):
            rel = _replace_column(rel, replace(_column(rel, name), default=default))
        case D.SetColumnNotNull(name, not_null):
            col = _column(rel, name)
            if not_null:
                check_not_null(session, rel, (col.attnum,))
            rel = _replace_column(rel, replace(col, not_null=not_null))
    store.alter_relation(txn, rel)
    return rel


def _add_column(session: "Session", rel: RelationDef, spec: D.ColumnSpec) -> RelationDef:
    store, txn = session.store, session_txn(session)
    if rel.column(spec.name) is not None:
        raise DuplicateColumn(f'column "{spec.name}" of relation "{rel.name}" already exists')
    attnum = max((c.attnum for c in rel.columns), default=0) + 1
    col, seq = column_def(session, spec, attnum, rel.name, rel.namespace, rel.oid)
    if seq is not None:
        store.create_relation(txn, seq)
    rel = replace(rel, columns=rel.columns + (col,))
    store.alter_relation(txn, rel)
    if col.default is not None:
        _fill_default(session, rel, col)
    if col.not_null:
        check_not_null(session, rel, (col.attnum,))
    for con in spec.constraints:
        rel = add_constraint(session, rel, con)
    return rel


def _column(rel: RelationDef, name: str) -> ColumnDef:
    col = rel.column(name)
    if col is None:
        raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
    return col


def _replace_column(rel: RelationDef, new: ColumnDef) -> RelationDef:
    return replace(rel, columns=tuple(new if c.attnum == new.attnum else c for c in rel.columns))


def _fill_default(session: "Session", rel: RelationDef, col: ColumnDef) -> None:
    run_sql(session, f"UPDATE {quote_ident(rel.name)} SET {quote_ident(col.name)} = DEFAULT")


def _drop_column(session: "Session", rel: RelationDef, name: str, if_exists: bool) -> RelationDef:
    col = rel.column(name)
    if col is None:
        if if_exists:
            session.notice(f'column "{name}" of relation "{rel.name}" does not exist, skipping')
            return rel
        raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
    store, txn = session.store, session_txn(session)
    for index in session.catalog().indexes_of(rel.oid):
        if col.attnum in index.index_columns:
            store.drop_relation(txn, index.oid)
    constraints = tuple(c for c in rel.constraints if col.attnum not in c.columns)
    rel = replace(rel, constraints=constraints, columns=tuple(
        dropped_column(c) if c.attnum == col.attnum else c for c in rel.columns))
    store.alter_relation(txn, rel)
    return rel


def _drop_constraint(session: "Session", rel: RelationDef, name: str, if_exists: bool) -> RelationDef:
    con = next((c for c in rel.constraints if c.name == name), None)
    if con is None:
        if if_exists:
            session.notice(f'constraint "{name}" of relation "{rel.name}" does not exist, skipping')
            return rel
        raise UndefinedObject(f'constraint "{name}" of relation "{rel.name}" does not exist')
    store, txn = session.store, session_txn(session)
    rel = replace(rel, constraints=tuple(c for c in rel.constraints if c.oid != con.oid))
    store.alter_relation(txn, rel)
    if con.index_oid:
        store.drop_relation(txn, con.index_oid)
    return rel


def _change_column_type(session: "Session", rel: RelationDef, col: ColumnDef, new_type) -> RelationDef:
    """ALTER COLUMN TYPE: add a column of the new type, copy with a cast, drop the old one."""
    store, txn = session.store, session_txn(session)
    attnum = max(c.attnum for c in rel.columns) + 1
    temp = replace(col, attnum=attnum, type=new_type, name=col.name)
    hidden = replace(col, name=f"........pg.retype.{col.attnum}........")
    rel2 = replace(rel, columns=tuple(hidden if c.attnum == col.attnum else c for c in rel.columns) + (
        replace(temp, not_null=False),))
    store.alter_relation(txn, rel2)
    run_sql(session, f"UPDATE {quote_ident(rel.name)} SET {quote_ident(col.name)} = "
                      f"{quote_ident(hidden.name)}::{R.format_type(new_type.pg, new_type.typmod)}")
    rel3 = replace(rel2, columns=tuple(
        dropped_column(c) if c.attnum == col.attnum else (replace(c, not_null=col.not_null) if c.attnum == attnum else c)
        for c in rel2.columns),
        constraints=tuple(replace(c, columns=tuple(attnum if a == col.attnum else a for a in c.columns))
                          for c in rel2.constraints))
    store.alter_relation(txn, rel3)
    return rel3
