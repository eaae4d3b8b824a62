"""ALTER TABLE: add/drop/rename columns, constraints, defaults, NOT NULL, column types, renames."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from quantadb.engine.results import Result
from quantadb.errors import (
    DuplicateColumn,
    DuplicateTable,
    FeatureNotSupported,
    UndefinedColumn,
    UndefinedObject,
    UndefinedTable,
)
from quantadb.sql.parse import to_sql
from quantadb.sql.typenames import from_datatype
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
    name_parts,
    quote_ident,
    require_owner,
    run_sql,
    session_txn,
)
from quantadb.engine.ddl.tables import add_constraint, column_def


def alter(session: "Session", node: exp.Alter) -> Result:
    kind = (node.args.get("kind") or "").upper()
    if kind not in ("TABLE", "INDEX", "SEQUENCE", "VIEW"):
        raise FeatureNotSupported(f"ALTER {kind} is not supported")
    parts = name_parts(node.this)
    hit = session.catalog().resolve_relation(parts)
    if hit is None or hit.relation is None:
        if node.args.get("exists"):
            session.notice(f'relation "{parts[-1]}" does not exist, skipping')
            return Result(tag=f"ALTER {kind}")
        raise UndefinedTable(f'relation "{parts[-1]}" does not exist')
    rel = hit.relation
    require_owner(session, rel)
    for action in node.args.get("actions") or []:
        rel = _alter_action(session, rel, action)
    return Result(tag=f"ALTER {kind}")


def _alter_action(session: "Session", rel: RelationDef, action: exp.Expression) -> RelationDef:
    store, txn = session.store, session_txn(session)
    if isinstance(action, exp.ColumnDef):
        if rel.column(action.name) is not None:
            raise DuplicateColumn(f'column "{action.name}" of relation "{rel.name}" already exists')
        attnum = max((c.attnum for c in rel.columns), default=0) + 1
        col, extra, seq = column_def(session, action, attnum, rel.name, rel.namespace, rel.oid)
        if seq is not None:
            store.create_relation(txn, seq)
        rel = replace(rel, columns=rel.columns + (col,))
        store.alter_relation(txn, rel)
        if col.default is not None:
            _fill_default(session, rel, col)
        if col.not_null:
            check_not_null(session, rel, (col.attnum,))
        for scope, item in extra:
            rel = add_constraint(session, rel, item, column=scope)
        return rel
    if isinstance(action, exp.AddConstraint):
        for item in action.expressions:
            rel = add_constraint(session, rel, item, column=None)
        return rel
    if isinstance(action, exp.Drop):
        what = (action.args.get("kind") or "").upper()
        for target in action.args.get("tables") or []:
            if what == "COLUMN":
                rel = _drop_column(session, rel, target.name, bool(action.args.get("exists")))
            elif what == "CONSTRAINT":
                rel = _drop_constraint(session, rel, target.name, bool(action.args.get("exists")))
            else:
                raise FeatureNotSupported(f"ALTER TABLE DROP {what} is not supported")
        return rel
    if isinstance(action, exp.RenameColumn):
        old, new = action.this.name, action.args["to"].name
        col = rel.column(old)
        if col is None:
            raise UndefinedColumn(f'column "{old}" does not exist')
        if rel.column(new) is not None:
            raise DuplicateColumn(f'column "{new}" of relation "{rel.name}" already exists')
        rel = replace(rel, columns=tuple(replace(c, name=new) if c.attnum == col.attnum else c for c in rel.columns))
        store.alter_relation(txn, rel)
        return rel
    if isinstance(action, exp.AlterRename):
        new = action.this.name
        if session.store.catalog.find_relation(session.catalog().snap, rel.database, rel.namespace, new) is not None:
            raise DuplicateTable(f'relation "{new}" already exists')
        rel = replace(rel, name=new)
        store.alter_relation(txn, rel)
        return rel
    if isinstance(action, exp.AlterColumn):
        return _alter_column(session, rel, action)
    raise FeatureNotSupported(f"ALTER TABLE action {action.sql(dialect='postgres')[:60]} is not supported")


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


def _alter_column(session: "Session", rel: RelationDef, action: exp.AlterColumn) -> RelationDef:
    store, txn = session.store, session_txn(session)
    col = rel.column(action.name)
    if col is None:
        raise UndefinedColumn(f'column "{action.name}" of relation "{rel.name}" does not exist')
    new = col
    if action.args.get("dtype") is not None:
        new_type = from_datatype(action.args["dtype"])
        return _change_column_type(session, rel, col, new_type)
    if "default" in action.args and action.args.get("default") is not None:
        new = replace(col, default=to_sql(action.args["default"]))
    elif action.args.get("drop") and action.args.get("allow_null"):
        new = replace(col, not_null=False)
    elif action.args.get("drop"):
        new = replace(col, default=None)
    elif action.args.get("allow_null") is False:
        new = replace(col, not_null=True)
        check_not_null(session, rel, (col.attnum,))
    else:
        raise FeatureNotSupported(f"ALTER COLUMN {action.sql(dialect='postgres')[:60]} is not supported")
    rel = replace(rel, columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns))
    store.alter_relation(txn, rel)
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
