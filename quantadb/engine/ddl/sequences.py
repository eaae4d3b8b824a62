"""CREATE/ALTER SEQUENCE and the sequences serial and identity columns own.

Options follow PostgreSQL: bounds default from the data type and the direction of INCREMENT,
START defaults to the bound it counts away from, and RESTART makes the next nextval() return
the restart value."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import (
    check_new_name,
    creation_namespace,
    new_relation,
    quote_regclass,
    session_txn,
    unique_name,
)
from quantadb.engine.results import Result
from quantadb.errors import InvalidParameterValue, ObjectNotInPrerequisiteState, UndefinedColumn, UndefinedTable
from quantadb.sql import ddl_stmts as D
from quantadb.storage.catalog import RelationDef, SequenceOptions
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_TYPE_MAX = {R.INT2.oid: 2**15 - 1, R.INT4.oid: 2**31 - 1, R.INT8.oid: 2**63 - 1}
_INTEGER_TYPES = (R.INT2, R.INT4, R.INT8)


def create_sequence(session: "Session", stmt: D.CreateSequence) -> Result:
    ns, name = creation_namespace(session, stmt.name)
    if not check_new_name(session, ns, name, stmt.if_not_exists):
        return Result(tag="CREATE SEQUENCE")
    store, txn = session.store, session_txn(session)
    opts = sequence_options(stmt.spec, None)
    if stmt.spec.owned_by:
        opts = replace(opts, owned_by=_owner_column(session, stmt.spec.owned_by))
    store.create_relation(txn, new_relation(session, store.allocate_oid(txn), ns, name, "S", sequence=opts))
    return Result(tag="CREATE SEQUENCE")


def alter_sequence(session: "Session", rel: RelationDef, spec: D.SequenceSpec) -> RelationDef:
    opts = sequence_options(spec, rel.sequence)
    if spec.owned_by is not None:
        opts = replace(opts, owned_by=_owner_column(session, spec.owned_by) if spec.owned_by else None)
    rel = replace(rel, sequence=opts)
    session.store.alter_relation(session_txn(session), rel)
    if spec.restart:
        session.store.setval(rel.oid, spec.restart_with if spec.restart_with is not None else opts.start, False)
    return rel


def owned_sequence(session: "Session", table: str, column: str, ns: int, table_oid: int, attnum: int,
                   pg: R.PgType, spec: D.SequenceSpec = D.SequenceSpec()) -> RelationDef:
    """The sequence behind a serial or identity column: named table_column_seq unless the
    identity's SEQUENCE NAME says otherwise, typed like the column."""
    if spec.name:
        ns, name = creation_namespace(session, spec.name)
    else:
        name = unique_name(session, ns, f"{table}_{column}_seq")
    typed = spec if spec.data_type is not None else replace(spec, data_type=R.SqlType(
        pg if pg in _INTEGER_TYPES else R.INT8))
    opts = replace(sequence_options(typed, None), owned_by=(table_oid, attnum))
    oid = session.store.allocate_oid(session_txn(session))
    return new_relation(session, oid, ns, name, "S", sequence=opts)


def serial_default(session: "Session", seq: RelationDef) -> str:
    """nextval of the column's sequence, named with its schema: like PostgreSQL's regclass
    constant, the default keeps naming that sequence whatever the search path."""
    schema = session.catalog().namespace_name(seq.namespace)
    return f"nextval('{quote_regclass(schema)}.{quote_regclass(seq.name)}'::regclass)"


def sequence_options(spec: D.SequenceSpec, current: SequenceOptions | None) -> SequenceOptions:
    """`spec` applied to a sequence's current options (None: a new sequence)."""
    base = current or SequenceOptions()
    type_oid = spec.data_type.pg.oid if spec.data_type is not None else base.type_oid
    if type_oid not in _TYPE_MAX:
        raise InvalidParameterValue("sequence type must be smallint, integer, or bigint")
    increment = spec.increment if spec.increment is not None else base.increment
    if increment == 0:
        raise InvalidParameterValue("INCREMENT must not be zero")
    top = _TYPE_MAX[type_oid]
    fresh = current is None or spec.data_type is not None
    min_value = (spec.min_value if spec.min_value is not None
                 else (1 if increment > 0 else -top - 1) if fresh or spec.no_min else base.min_value)
    max_value = (spec.max_value if spec.max_value is not None
                 else (top if increment > 0 else -1) if fresh or spec.no_max else base.max_value)
    if min_value >= max_value:
        raise InvalidParameterValue(f"MINVALUE ({min_value}) must be less than MAXVALUE ({max_value})")
    start = spec.start if spec.start is not None else (
        (min_value if increment > 0 else max_value) if current is None else base.start)
    if start < min_value:
        raise InvalidParameterValue(f"START value ({start}) cannot be less than MINVALUE ({min_value})")
    if start > max_value:
        raise InvalidParameterValue(f"START value ({start}) cannot be greater than MAXVALUE ({max_value})")
    cache = spec.cache if spec.cache is not None else base.cache
    if cache < 1:
        raise InvalidParameterValue(f"CACHE ({cache}) must be greater than zero")
    cycle = spec.cycle if spec.cycle is not None else base.cycle
    return SequenceOptions(start, increment, min_value, max_value, cycle, cache, type_oid, base.owned_by)


def _owner_column(session: "Session", owned_by: D.Name) -> tuple[int, int]:
    """OWNED BY table.column: the (table OID, attnum) a sequence goes with."""
    if len(owned_by) < 2:
        raise InvalidParameterValue("invalid OWNED BY option",
                                    hint="Specify OWNED BY table.column or OWNED BY NONE.")
    hit = session.catalog().resolve_relation(list(owned_by[:-1]))
    if hit is None or hit.relation is None:
        raise UndefinedTable(f'relation "{".".join(owned_by[:-1])}" does not exist')
    table = hit.relation
    if table.kind != "r":
        raise ObjectNotInPrerequisiteState(f'sequence cannot be owned by relation "{table.name}"')
    col = table.column(owned_by[-1])
    if col is None:
        raise UndefinedColumn(f'column "{owned_by[-1]}" of relation "{table.name}" does not exist')
    return table.oid, col.attnum
