"""Expressions over one row of Python values, for the point-write path (engine/point_write.py).

A one-row UPDATE or INSERT evaluated as one-row numpy columns spends most of its time building
them. `RowExprs` compiles the common shapes once per plan to closures over Python values:
column references, parameters, constants, integer + and - with PostgreSQL's overflow error
(22003 "integer out of range", as exec/functions/arith.py raises), now() and
statement_timestamp(), and casts among date, timestamp and timestamptz (as
CURRENT_TIMESTAMP into a timestamp column: types/casts.py's own per-value converter). Any other expression is
evaluated by exec/eval.py over a one-row Batch made from the row, so results and errors are the
general executor's. Values are in column_values' form (None = NULL).
"""

from __future__ import annotations

from typing import Any, Callable

from quantadb.errors import NumericValueOutOfRange
from quantadb.exec.columns import column_values, const_column, from_values
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.sql import expr as E
from quantadb.types import registry as R
from quantadb.types.casts import value_converter
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType

RowFn = Callable[[list, EvalContext], Any]  # (row, ctx) -> value

_INT_RANGES = {"int2": ("smallint", 1 << 15), "int4": ("integer", 1 << 31), "int8": ("bigint", 1 << 63)}
# parameter types whose decoded value, when of this Python type, is already in column_values' form
_PLAIN_PARAMS = {t.oid: py for types, py in (((R.INT2, R.INT4, R.INT8, R.DATE, R.TIMESTAMP, R.TIMESTAMPTZ), int),
                                             ((R.FLOAT8,), float), ((R.BOOL,), bool),
                                             ((R.TEXT, R.VARCHAR, R.BPCHAR), str))
                 for t in types}
# the statement's clock readings (exec/functions/datetimefns.py's now() and statement_timestamp())
_CLOCKS = {"now": lambda ctx: ctx.txn_start_us, "statement_timestamp": lambda ctx: ctx.stmt_start_us}
# types whose values are integers both in a column's Python form and to types/casts.py's converters
_INT_DATETIMES = {t.oid for t in (R.DATE, R.TIMESTAMP, R.TIMESTAMPTZ)}


def value_form(value: Any, t: SqlType) -> Any:
    """A value as a one-row column of type t holds it (what exec/eval.py would compute)."""
    return column_values(const_column(value, t, 1))[0]


def _compile(e: E.Expr) -> RowFn | None:
    if isinstance(e, E.ColumnRef):
        i = e.index
        return lambda row, ctx: row[i]
    if isinstance(e, E.Param):
        i, t = e.number - 1, e.type
        plain = _PLAIN_PARAMS.get(t.oid) if not t.extra else None

        def param(row: list, ctx: EvalContext) -> Any:
            v = ctx.params[i]
            return v if v is None or type(v) is plain else value_form(v, t)
        return param
    if isinstance(e, E.Const):
        v = value_form(e.value, e.type)
        return lambda row, ctx: v
    if isinstance(e, E.Cast):
        return _cast(e)
    if isinstance(e, E.Call) and not e.args and e.impl in _CLOCKS:
        clock = _CLOCKS[e.impl]
        return lambda row, ctx: clock(ctx)
    if isinstance(e, E.Call) and e.strict and len(e.args) == 2:
        return _int_arith(e)
    return None


def _cast(e: E.Cast) -> RowFn | None:
    arg = _compile(e.arg)
    if arg is None or e.arg.type == e.type:
        return arg
    src, dst = e.arg.type, e.type
    if src.pg.oid not in _INT_DATETIMES or dst.pg.oid not in _INT_DATETIMES or dst.typmod >= 0:
        return None
    explicit = e.explicit

    def cast(row: list, ctx: EvalContext) -> Any:
        v = arg(row, ctx)
        return None if v is None else value_converter(src, dst, ctx.format, explicit)(v)
    return cast


def _int_arith(e: E.Call) -> RowFn | None:
    kind, op = e.impl[:4], e.impl[4:]
    if kind not in _INT_RANGES or op not in ("pl", "mi") or any(a.type.pg.name != kind for a in e.args):
        return None
    left, right = _compile(e.args[0]), _compile(e.args[1])
    if left is None or right is None:
        return None
    name, bound = _INT_RANGES[kind]
    subtract = op == "mi"

    def arith(row: list, ctx: EvalContext) -> int | None:
        a, b = left(row, ctx), right(row, ctx)
        if a is None or b is None:
            return None
        r = a - b if subtract else a + b
        if not -bound <= r < bound:
            raise NumericValueOutOfRange(f"{name} out of range")
        return r
    return arith


class RowExprs:
    """Expressions over rows whose columns have `types`; `run` gives their values for one row."""

    def __init__(self, exprs: tuple[E.Expr, ...] | list[E.Expr], types: list[SqlType]) -> None:
        self.exprs = tuple(exprs)
        self.types = list(types)
        self.fns = [_compile(e) for e in self.exprs]

    @property
    def compiled(self) -> bool:
        """Every expression runs on Python values (no one-row Batch is ever built)."""
        return None not in self.fns

    def run(self, row: list, ctx: EvalContext) -> list:
        out = []
        batch = None
        for e, fn in zip(self.exprs, self.fns):
            if fn is not None:
                out.append(fn(row, ctx))
                continue
            if batch is None:
                batch = row_batch(row, self.types)
            out.append(column_values(evaluate(e, batch, ctx))[0])
        return out


def row_batch(row: list, types: list[SqlType]) -> Batch:
    """One row of Python values as a Batch of one-row columns."""
    return Batch([from_values([v], t) for v, t in zip(row, types)], 1)
