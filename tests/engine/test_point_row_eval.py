"""exec/row_eval.py computes on Python values what exec/eval.py computes on one-row columns:
same values, same NULLs, same errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quantadb.errors import SqlError
from quantadb.exec.columns import column_values
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.exec.row_eval import RowExprs, row_batch
from quantadb.sql import expr as E
from quantadb.types import registry as R
from quantadb.types.codecs import DEFAULT_CONTEXT
from quantadb.types.registry import SqlType

INT2, INT4, INT8, TEXT = SqlType(R.INT2), SqlType(R.INT4), SqlType(R.INT8), SqlType(R.TEXT)
TYPES = [INT2, INT4, INT8, TEXT, SqlType(R.FLOAT4), SqlType(R.NUMERIC, R.numeric_typmod(10, 2))]


def _op(kind: SqlType, op: str, a: E.Expr, b: E.Expr) -> E.Call:
    return E.Call("+" if op == "pl" else "-", f"{kind.pg.name}{op}", [a, b], kind)


def _col(i: int) -> E.ColumnRef:
    return E.ColumnRef(i, TYPES[i])


EXPRS = [
    _col(0), _col(3), _col(5),
    E.Param(1, INT4), E.Param(2, SqlType(R.FLOAT4)), E.Param(3, SqlType(R.NUMERIC, R.numeric_typmod(10, 2))),
    E.Const(7, INT2), E.Const(None, TEXT), E.Const(Decimal("1.5"), SqlType(R.NUMERIC, R.numeric_typmod(10, 2))),
    _op(INT2, "pl", _col(0), E.Const(1, INT2)),
    _op(INT4, "pl", _col(1), E.Param(1, INT4)),
    _op(INT4, "mi", _col(1), E.Param(1, INT4)),
    _op(INT8, "mi", _col(2), E.Const(1, INT8)),
    E.Cast(_col(1), INT4),
]
ROWS = [
    [1, 10, 100, "a", 1.5, Decimal("2.25")],
    [32767, 2147483647, 9223372036854775807, None, None, None],
    [-32768, -2147483648, -9223372036854775808, "", 0.1, Decimal("-0.01")],
    [None, None, None, None, None, None],
]
PARAMS = [[5, 0.1, Decimal("3.1")], [-1, None, None], [None, 1e30, Decimal("7")]]


def _general(e: E.Expr, row: list, ctx: EvalContext):
    try:
        return column_values(evaluate(e, row_batch(row, TYPES), ctx))[0]
    except SqlError as err:
        return ("error", err.sqlstate, str(err))


def _fast(program: RowExprs, i: int, row: list, ctx: EvalContext):
    try:
        return program.run(row, ctx)[i]
    except SqlError as err:
        return ("error", err.sqlstate, str(err))


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("params", PARAMS)
def test_row_values_match_the_general_evaluator(row, params):
    program = RowExprs(EXPRS, TYPES)
    assert program.compiled
    ctx = EvalContext(DEFAULT_CONTEXT, params=list(params))
    for i, e in enumerate(EXPRS):
        assert _fast(RowExprs([e], TYPES), 0, row, ctx) == _general(e, row, ctx), (i, e)


def test_overflow_is_22003():
    ctx = EvalContext(DEFAULT_CONTEXT, params=[1])
    program = RowExprs([_op(INT4, "pl", _col(1), E.Param(1, INT4))], TYPES)
    with pytest.raises(SqlError) as e:
        program.run(ROWS[1], ctx)
    assert e.value.sqlstate == "22003" and str(e.value) == "integer out of range"


def test_other_expressions_fall_back_to_the_general_evaluator():
    upper = E.Call("upper", "upper", [_col(3)], TEXT)
    program = RowExprs([upper, _col(1)], TYPES)
    assert not program.compiled
    assert program.run(ROWS[0], EvalContext(DEFAULT_CONTEXT)) == ["A", 10]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_clocks_and_datetime_casts_match_the_general_evaluator(zone):
    """now() and statement_timestamp(), and casts among date, timestamp and timestamptz
    (as `INSERT ... VALUES (CURRENT_TIMESTAMP)` into a timestamp column), run on Python values."""
    from quantadb.types.context import FormatContext

    types = {name: SqlType(t) for name, t in (("date", R.DATE), ("ts", R.TIMESTAMP), ("tstz", R.TIMESTAMPTZ))}
    now = E.Call("current_timestamp", "now", [], types["tstz"])
    exprs = [now, E.Call("statement_timestamp", "statement_timestamp", [], types["tstz"])]
    exprs += [E.Cast(now, t) for t in types.values()]
    exprs += [E.Cast(E.Param(1, types[a]), types[b]) for a in types for b in types if a != b]
    # a summer and a winter instant, a Lord Howe half-hour shift, and +/-infinity
    for instant in (777_000_000_000_000, 762_000_000_000_000, 591_000_000_000_000):
        for param in (instant, 9000, None, 9223372036854775807, -9223372036854775808):
            ctx = EvalContext(FormatContext(timezone=zone), params=[param], txn_start_us=instant,
                              stmt_start_us=instant + 5)
            assert RowExprs(exprs, []).compiled
            for e in exprs:
                if isinstance(e.arg if isinstance(e, E.Cast) else e, E.Param) and param is not None and \
                        e.arg.type.pg is R.DATE and abs(param) >= 1 << 31:
                    continue  # not a date
                assert _fast(RowExprs([e], []), 0, [], ctx) == _general(e, [], ctx), (zone, instant, param, e)
