"""ALTER TABLE's column actions: ADD/DROP COLUMN, ALTER COLUMN TYPE, identity, defaults, NOT NULL."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import (
    check_not_null,
    dropped_column,
    kind_word,
    quote_relation,
    run_sql,
    session_txn,
)
from quantadb.engine.ddl.generated import check_drop_referenced, check_generation, check_retype_referenced
from quantadb.engine.ddl.index_exprs import add_index, detach_expression_indexes, hidden_readers
from quantadb.engine.ddl.sequences import alter_sequence, owned_sequence, serial_default
from quantadb.engine.ddl.tables import add_constraint, column_def
from quantadb.engine.ddl.view_deps import drop_dependent_views, refuse_retype
from quantadb.errors import (DatatypeMismatch, DuplicateColumn, InvalidParameterValue, InvalidTableDefinition,
                             ObjectNotInPrerequisiteState, SyntaxError as SqlSyntaxError, UndefinedColumn)
from quantadb.sql import ddl_stmts as D
from quantadb.sql.quoting import quote_ident
from quantadb.storage.catalog import ColumnDef, RelationDef
from quantadb.types import registry as R
from quantadb.types.pg_cast import can_cast
from quantadb.types.scaled import storage_scale

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def column(rel: RelationDef, name: str) -> ColumnDef:
    col = rel.column(name)
    if col is None:
        raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
    return col


def replace_column(rel: RelationDef, new: ColumnDef) -> RelationDef:
    return replace(rel, columns=tuple(new if c.attnum == new.attnum else c for c in rel.columns))


def add_column(session: "Session", rel: RelationDef, spec: D.ColumnSpec, if_not_exists: bool) -> RelationDef:
    store, txn = session.store, session_txn(session)
    if rel.column(spec.name) is not None:
        if if_not_exists:
            session.notice(f'column "{spec.name}" of relation "{rel.name}" already exists, skipping', "42701")
            return rel
        raise DuplicateColumn(f'column "{spec.name}" of relation "{rel.name}" already exists')
    attnum = max((c.attnum for c in rel.columns), default=0) + 1
    col, seq = column_def(session, spec, attnum, rel.name, rel.namespace, rel.oid)
    if seq is not None:
        store.create_relation(txn, seq)
    rel = replace(rel, columns=rel.columns + (col,))
    if col.generated:
        check_generation(session, rel, col)
    store.alter_relation(txn, rel)
    if col.default is not None:
        run_sql(session, f"UPDATE {quote_relation(session, rel)} SET {quote_ident(col.name)} = DEFAULT")
    if col.not_null:
        check_not_null(session, rel, (col.attnum,))
    for con in spec.constraints:
        rel = add_constraint(session, rel, con)
    return rel


def drop_column(session: "Session", rel: RelationDef, name: str, if_exists: bool, cascade: bool) -> RelationDef:
    col = rel.column(name)
    if col is None:
        if if_exists:
            session.notice(f'column "{name}" of relation "{rel.name}" does not exist, skipping')
            return rel
        raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
    drop_dependent_views(session, f"column {name} of {kind_word(rel.kind)} {rel.name}", rel.oid, cascade,
                         col.attnum)
    store, txn = session.store, session_txn(session)
    gone = ({col.attnum} | {c.attnum for c in check_drop_referenced(session, rel, col, cascade)}
            | hidden_readers(session, rel, col.attnum))  # an index on an expression over it goes too
    for index in session.catalog().indexes_of(rel.oid):
        if gone & {*index.index_columns, index.predicate_column}:
            store.drop_relation(txn, index.oid)
    constraints = tuple(c for c in rel.constraints if not gone & set(c.columns))
    rel = replace(rel, constraints=constraints, columns=tuple(
        dropped_column(c) if c.attnum in gone else c for c in rel.columns))
    store.alter_relation(txn, rel)
    return rel


def change_type(session: "Session", rel: RelationDef, col: ColumnDef, new_type: R.SqlType,
                using: str | None) -> RelationDef:
    """ALTER COLUMN TYPE: the new values (USING, by default a cast of the old value) are computed
    into a hidden column first. When the new type is stored as the old one is (`_stored_alike`),
    the column is retyped where it stands and the values copied back, so it keeps its attnum and
    place, as in PostgreSQL; otherwise the hidden column becomes the column and, unlike
    PostgreSQL, moves to the end of the column order. Indexes over it are rebuilt."""
    if using is None and can_cast(col.type.pg, new_type.pg) not in ("i", "a"):
        target = R.format_type(new_type.pg, -1)
        raise DatatypeMismatch(f'column "{col.name}" cannot be cast automatically to type {target}',
                               hint=f'You might need to specify "USING {col.name}::{target}".')
    check_retype_referenced(session, rel, col)
    refuse_retype(session, rel, col.attnum, col.name)
    rel, detached = detach_expression_indexes(session, rel, col.attnum)
    store, txn = session.store, session_txn(session)
    attnum = max(c.attnum for c in rel.columns) + 1
    hidden = replace(col, attnum=attnum, type=new_type, name=f"........pg.retype.{col.attnum}........",
                     not_null=False, identity="", generated="", default=None)
    store.alter_relation(txn, replace(rel, columns=rel.columns + (hidden,)))
    source = using if using is not None else quote_ident(col.name)
    run_sql(session, f"UPDATE {quote_relation(session, rel)} SET {quote_ident(hidden.name)} = "
                     f"({source})::{R.format_type(new_type.pg, new_type.typmod)}")
    if _stored_alike(col.type, new_type):
        retyped = replace(col, type=new_type)
        # the copy back is no user's UPDATE: an identity column takes it too
        copying = replace_column(rel, replace(retyped, identity="", generated=""))
        store.alter_relation(txn, replace(copying, columns=copying.columns + (hidden,)))
        run_sql(session, f"UPDATE {quote_relation(session, rel)} SET {quote_ident(col.name)} = "
                         f"{quote_ident(hidden.name)}")
        final = retyped
        columns = replace_column(rel, retyped).columns + (dropped_column(hidden),)
    else:
        final = replace(hidden, name=col.name, not_null=col.not_null, identity=col.identity,
                        generated=col.generated, default=col.default)
        columns = replace_column(rel, dropped_column(col)).columns + (final,)

    def moved(attnums: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(final.attnum if a == col.attnum else a for a in attnums)

    index_oids = {}
    for index in session.catalog().indexes_of(rel.oid):
        if col.attnum in index.index_columns:
            store.drop_relation(txn, index.oid)
            new_index = replace(index, oid=store.allocate_oid(txn), index_columns=moved(index.index_columns))
            index_oids[index.oid] = new_index.oid
            store.create_relation(txn, new_index)
    rel = replace(rel, columns=columns,
                  constraints=tuple(replace(c, columns=moved(c.columns), index_oid=index_oids.get(c.index_oid,
                                                                                                  c.index_oid))
                                    for c in rel.constraints))
    store.alter_relation(txn, rel)
    for index, elements, predicate in detached:
        rel = add_index(session, rel, replace(index, oid=store.allocate_oid(txn)), elements, predicate)
    return rel


# integer and float widenings storage converts in place, losslessly both ways (a rollback
# narrows the old values back)
_WIDENINGS = {(R.INT2, R.INT4), (R.INT2, R.INT8), (R.INT4, R.INT8), (R.FLOAT4, R.FLOAT8)}


def _stored_alike(old: R.SqlType, new: R.SqlType) -> bool:
    """Can storage hold the new type's values where the old type's are: the same representation
    (dtype, scaled numeric's scale, dictionary-coded strings), or a widening it converts."""
    if (old.pg, new.pg) in _WIDENINGS:
        return True
    return (old.pg.dtype == new.pg.dtype and storage_scale(old) == storage_scale(new)
            and (old.pg in R.STRING_TYPES) == (new.pg in R.STRING_TYPES))


def add_identity(session: "Session", rel: RelationDef, name: str, always: bool,
                 spec: D.SequenceSpec) -> RelationDef:
    col = column(rel, name)
    if col.type.pg not in (R.INT2, R.INT4, R.INT8):
        raise InvalidParameterValue("identity column type must be smallint, integer, or bigint")
    if col.identity:
        raise ObjectNotInPrerequisiteState(f'column "{name}" of relation "{rel.name}" is already an identity column')
    if col.default is not None:
        raise ObjectNotInPrerequisiteState(f'column "{name}" of relation "{rel.name}" already has a default value')
    if not col.not_null:
        raise ObjectNotInPrerequisiteState(
            f'column "{name}" of relation "{rel.name}" must be declared NOT NULL before identity can be added')
    seq = owned_sequence(session, rel.name, name, rel.namespace, rel.oid, col.attnum, col.type.pg, spec)
    session.store.create_relation(session_txn(session), seq)
    return replace_column(rel, replace(col, identity="a" if always else "d",
                                       default=serial_default(session, seq)))


def set_default(rel: RelationDef, name: str, default: str | None) -> RelationDef:
    col = column(rel, name)
    if col.generated:
        raise SqlSyntaxError(f'column "{name}" of relation "{rel.name}" is a generated column',
                             hint=None if default is not None else
                             "Use ALTER TABLE ... ALTER COLUMN ... DROP EXPRESSION instead.")
    return replace_column(rel, replace(col, default=default))


def drop_expression(session: "Session", rel: RelationDef, name: str, if_exists: bool) -> RelationDef:
    """The column keeps its stored values and becomes an ordinary one."""
    col = column(rel, name)
    if not col.generated:
        message = f'column "{name}" of relation "{rel.name}" is not a stored generated column'
        if if_exists:
            session.notice(message + ", skipping")
            return rel
        raise ObjectNotInPrerequisiteState(message)
    return replace_column(rel, replace(col, generated="", default=None))


def alter_identity(session: "Session", rel: RelationDef, name: str, always: bool | None,
                   spec: D.SequenceSpec) -> RelationDef:
    """SET GENERATED changes the column; sequence options and RESTART go to its sequence."""
    col = column(rel, name)
    if not col.identity:
        raise ObjectNotInPrerequisiteState(f'column "{name}" of relation "{rel.name}" is not an identity column')
    if spec != D.SequenceSpec():
        alter_sequence(session, identity_sequence(session, rel, col), spec)
    return rel if always is None else replace_column(rel, replace(col, identity="a" if always else "d"))


def identity_sequence(session: "Session", rel: RelationDef, col) -> RelationDef:
    return next(seq for seq in session.catalog().relations()
                if seq.kind == "S" and seq.sequence is not None and seq.sequence.owned_by == (rel.oid, col.attnum))


def drop_identity(session: "Session", rel: RelationDef, name: str, if_exists: bool) -> RelationDef:
    col = column(rel, name)
    if not col.identity:
        message = f'column "{name}" of relation "{rel.name}" is not an identity column'
        if if_exists:
            session.notice(message + ", skipping")
            return rel
        raise ObjectNotInPrerequisiteState(message)
    session.store.drop_relation(session_txn(session), identity_sequence(session, rel, col).oid)
    return replace_column(rel, replace(col, identity="", default=None))


def set_not_null(session: "Session", rel: RelationDef, name: str, not_null: bool) -> RelationDef:
    col = column(rel, name)
    if not_null:
        check_not_null(session, rel, (col.attnum,))
    elif any(c.kind == "p" and col.attnum in c.columns for c in rel.constraints):
        raise InvalidTableDefinition(f'column "{name}" is in a primary key')
    elif col.identity:
        raise ObjectNotInPrerequisiteState(f'column "{name}" of relation "{rel.name}" is an identity column')
    return replace_column(rel, replace(col, not_null=not_null))
