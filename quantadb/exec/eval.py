"""Vectorized expression evaluation: a bound expression over a Batch gives a Column.

Conditional forms (CASE, COALESCE, AND, OR) evaluate each branch only on the rows that
still need it, as PostgreSQL does, so `CASE WHEN x = 0 THEN 0 ELSE 1 / x END` never
divides by zero. Correlated subqueries run once per distinct outer row.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from quantadb.errors import CardinalityViolation, InternalError
from quantadb.exec.columns import (OBJECT, and_valid, column_values, const_column, filler, from_values, take,
                                   take_batch, to_object, valid_mask)
from quantadb.exec.context import EvalContext
from quantadb.exec.functions import SCALARS
from quantadb.exec.functions import bytea as _bytea  # noqa: F401  (register get_byte, set_bit, ...)
from quantadb.exec.functions import grouping as _grouping  # noqa: F401  (register grouping)
from quantadb.exec.functions import timezone as _timezone  # noqa: F401  (register timezone())
from quantadb.exec.functions import trig as _trig  # noqa: F401  (register sind, cosh, ...)
from quantadb.exec.functions import typeinfo as _typeinfo  # noqa: F401  (register pg_typeof)
from quantadb.sql import expr as E
from quantadb.types import registry as R
from quantadb.types.casts import cast_column
from quantadb.types.column import Batch, Column
from quantadb.types.rowtypes import is_rowtype

Evaluator = Callable[[Batch, EvalContext], Column]


def evaluate(e: E.Expr, batch: Batch, ctx: EvalContext) -> Column:
    handler = _HANDLERS.get(type(e))
    if handler is None:
        raise InternalError(f"cannot evaluate {type(e).__name__}")
    return handler(e, batch, ctx)


def evaluate_predicate(e: E.Expr, batch: Batch, ctx: EvalContext) -> np.ndarray:
    """Rows where the predicate is true (NULL counts as false)."""
    col = evaluate(e, batch, ctx)
    mask = col.data.astype(bool, copy=False) if col.data.dtype != bool else col.data
    if col.valid is not None:
        mask = mask & col.valid
    return mask


_USED: dict[int, tuple[E.Expr, frozenset[int] | None]] = {}


def _used_columns(e: E.Expr) -> frozenset[int] | None:
    """Input positions an expression reads (None: it may read any, through a subquery)."""
    hit = _USED.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    used: set[int] | None = set()
    for n in E.walk(e):
        if isinstance(n, E.ColumnRef):
            used.add(n.index)
        elif isinstance(n, (E.SubqueryExpr, E.CaseTest)):  # a CaseTest reads the CASE's last column
            used = None
            break
    result = frozenset(used) if used is not None else None
    if len(_USED) > 10000:
        _USED.clear()
    _USED[id(e)] = (e, result)
    return result


def _rows(batch: Batch, idx: np.ndarray, *exprs: E.Expr) -> Batch:
    """The rows `idx` of a batch, copying only the columns `exprs` read (the others stay None)."""
    needed: set[int] = set()
    for e in exprs:
        used = _used_columns(e)
        if used is None:
            return take_batch(batch, idx)
        needed |= used
    n = int(idx.sum()) if idx.dtype == bool else len(idx)
    return Batch([take(c, idx) if i in needed else None for i, c in enumerate(batch.columns)], n)


def _const(e: E.Const, batch: Batch, ctx: EvalContext) -> Column:
    return const_column(e.value, e.type, batch.length)


def _param(e: E.Param, batch: Batch, ctx: EvalContext) -> Column:
    return const_column(ctx.params[e.number - 1], e.type, batch.length)


def _column_ref(e: E.ColumnRef, batch: Batch, ctx: EvalContext) -> Column:
    return batch.columns[e.index]


def _outer_ref(e: E.OuterRef, batch: Batch, ctx: EvalContext) -> Column:
    outer = ctx.outer[-e.depth]
    return const_column(outer[e.index], e.type, batch.length)


def _call(e: E.Call, batch: Batch, ctx: EvalContext) -> Column:
    args = [evaluate(a, batch, ctx) for a in e.args]
    fn = SCALARS.get(e.impl)
    if fn is None:
        raise InternalError(f"function {e.name} has no implementation {e.impl!r}")
    if e.strict and args:
        valid = and_valid(*(a.valid for a in args))
        if valid is not None and not valid.any():
            return const_column(None, e.type, batch.length)
        out = _per_distinct(e, fn, args, batch.length, ctx)
        if out is None:
            out = fn(args, batch.length, ctx, e)
        valid = and_valid(valid, out.valid)
        return out.with_valid(valid)
    return fn(args, batch.length, ctx, e)


def _per_distinct(e: E.Call, fn: Callable, args: list[Column], n: int, ctx: EvalContext) -> Column | None:
    """A deterministic strict call on constants runs once; one whose one non-constant argument is
    coded (a dictionary of distinct strings, as storage keeps them) runs once per distinct value.
    None: not such a call."""
    if e.volatile:
        return None
    if n > 1 and all(_constant(x) for x in e.args):  # the same value on every row: compute it once
        out = fn([a.rows(slice(0, 1)) for a in args], 1, ctx, e)
        return out.rows(np.zeros(n, dtype=np.intp))
    coded = [i for i, a in enumerate(args) if a.codes is not None]
    if len(coded) != 1 or not all(i == coded[0] or _constant(x) for i, x in enumerate(e.args)):
        return None
    at = coded[0]
    return _over_codes(args[at], n, lambda values, first: fn(
        [values if i == at else a.rows(first) for i, a in enumerate(args)], len(first), ctx, e))


def _constant(e: E.Expr) -> bool:
    return isinstance(e, (E.Const, E.Param))


def _over_codes(col: Column, n: int, compute: Callable[[Column, np.ndarray], Column]) -> Column | None:
    """compute(values, first) on the distinct values of a coded column that its rows use (`first`
    picks as many rows of a constant column), spread back over the rows by code; None when there
    are too few rows per value to pay. Unused values are left out: they may raise errors."""
    k = len(col.dictionary) - 1
    if not k or 2 * k > n:
        return None
    live = col.codes if col.valid is None else col.codes[col.valid]
    used = np.flatnonzero(np.bincount(live + 1, minlength=k + 1)[1:])  # + 1: a stray -1 counts nowhere
    if not len(used):
        return None
    out = compute(Column(col.dictionary[used]), np.zeros(len(used), dtype=np.intp))
    position = np.zeros(k + 1, dtype=np.intp)  # code -1 (NULL rows) picks the last entry
    position[used] = np.arange(len(used))
    return out.rows(position[col.codes])


def _bool_test(args: list[Column], n: int, ctx: EvalContext, call) -> Column:
    """x IS TRUE / IS FALSE: never NULL."""
    col = args[0]
    want = call.impl == "booltest_true"
    return Column(valid_mask(col) & (col.data.astype(bool) == want))


SCALARS.setdefault("booltest_true", _bool_test)
SCALARS.setdefault("booltest_false", _bool_test)


def _cast(e: E.Cast, batch: Batch, ctx: EvalContext) -> Column:
    col = evaluate(e.arg, batch, ctx)
    if e.arg.type == e.type:
        return col
    return cast_column(col, e.arg.type, e.type, ctx.format, e.explicit)


def _bool_op(e: E.BoolOp, batch: Batch, ctx: EvalContext) -> Column:
    n = batch.length
    if e.op == "not":
        col = evaluate(e.args[0], batch, ctx)
        return Column(~col.data.astype(bool), col.valid)
    is_and = e.op == "and"
    # decided[i]: the result is known (false for AND / true for OR); unknown[i]: a NULL was seen
    decided = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    for arg in e.args:
        pending = ~decided
        if not pending.any():
            break
        if pending.all():
            col = evaluate(arg, batch, ctx)
            data, valid = col.data.astype(bool, copy=False), valid_mask(col)
            idx = slice(None)
        else:
            idx = np.flatnonzero(pending)
            col = evaluate(arg, _rows(batch, idx, arg), ctx)
            data, valid = col.data.astype(bool, copy=False), valid_mask(col)
        hit = valid & (~data if is_and else data)
        unknown_now = ~valid
        if isinstance(idx, slice):
            decided |= hit
            unknown |= unknown_now
        else:
            decided[idx[hit]] = True
            unknown[idx[unknown_now]] = True
    result = np.where(decided, not is_and, is_and)
    valid = decided | ~unknown
    return Column(result.astype(bool), None if valid.all() else valid)


def _null_test(e: E.NullTest, batch: Batch, ctx: EvalContext) -> Column:
    col = evaluate(e.arg, batch, ctx)
    valid = valid_mask(col)
    if col.data.dtype == OBJECT and is_rowtype(e.arg.type.pg):
        # a row IS NULL when every field is, IS NOT NULL when none is: (1, NULL) is neither
        values = [v if ok else None for v, ok in zip(col.data.tolist(), valid.tolist())]
        if e.negated:
            return Column(np.array([v is not None and all(x is not None for x in v) for v in values], dtype=bool))
        return Column(np.array([v is None or all(x is None for x in v) for v in values], dtype=bool))
    return Column(valid if e.negated else ~valid)


def _case(e: E.Case, batch: Batch, ctx: EvalContext) -> Column:
    n = batch.length
    if e.subject is not None:  # computed once; the conditions' CaseTest reads it as the last column
        batch = Batch(batch.columns + [evaluate(e.subject, batch, ctx)], n)
    dtype = e.type.pg.dtype
    data = np.empty(n, dtype=dtype) if dtype == OBJECT else np.zeros(n, dtype=dtype)
    valid = np.zeros(n, dtype=bool)
    remaining = np.arange(n)
    for cond, result in e.whens:
        if not len(remaining):
            break
        sub = batch if len(remaining) == n else _rows(batch, remaining, cond, result)
        hit = evaluate_predicate(cond, sub, ctx)
        if hit.any():
            rows = remaining[hit]
            part = evaluate(result, _rows(sub, hit, result), ctx)
            data[rows] = part.data
            valid[rows] = valid_mask(part)
            remaining = remaining[~hit]
    if e.default is not None and len(remaining):
        sub = batch if len(remaining) == n else _rows(batch, remaining, e.default)
        part = evaluate(e.default, sub, ctx)
        data[remaining] = part.data
        valid[remaining] = valid_mask(part)
    return Column(data, None if valid.all() else valid)


def _case_test(e: E.CaseTest, batch: Batch, ctx: EvalContext) -> Column:
    return batch.columns[-1]


def _coalesce(e: E.Coalesce, batch: Batch, ctx: EvalContext) -> Column:
    n = batch.length
    dtype = e.type.pg.dtype
    data = np.empty(n, dtype=dtype) if dtype == OBJECT else np.zeros(n, dtype=dtype)
    valid = np.zeros(n, dtype=bool)
    remaining = np.arange(n)
    for arg in e.args:
        if not len(remaining):
            break
        sub = batch if len(remaining) == n else _rows(batch, remaining, arg)
        part = evaluate(arg, sub, ctx)
        ok = valid_mask(part)
        rows = remaining[ok]
        data[rows] = part.data[ok]
        valid[rows] = True
        remaining = remaining[~ok]
    return Column(data, None if valid.all() else valid)


def _in_list(e: E.InList, batch: Batch, ctx: EvalContext) -> Column:
    arg = evaluate(e.arg, batch, ctx)
    items = [evaluate(item, batch, ctx) for item in e.items]
    if arg.codes is not None and all(_constant(item) for item in e.items):
        out = _over_codes(arg, batch.length, lambda values, first: _in_values(
            e, values, [c.rows(first) for c in items], len(first), ctx))
        if out is not None:
            return out.with_valid(and_valid(out.valid, arg.valid))
    return _in_values(e, arg, items, batch.length, ctx)


def _in_values(e: E.InList, arg: Column, items: list[Column], n: int, ctx: EvalContext) -> Column:
    found = np.zeros(n, dtype=bool)
    saw_null = np.zeros(n, dtype=bool)
    eq = SCALARS[e.eq_impl]
    for col in items:
        res = eq([arg, col], n, ctx, None)
        ok = and_valid(arg.valid, col.valid, res.valid)
        ok = np.ones(n, dtype=bool) if ok is None else ok
        found |= res.data.astype(bool) & ok
        saw_null |= ~ok
    valid = found | ~saw_null
    data = ~found if e.negated else found
    return Column(data, None if valid.all() else valid)


def _distinct_test(e: E.DistinctTest, batch: Batch, ctx: EvalContext) -> Column:
    left = evaluate(e.eq.args[0], batch, ctx)
    right = evaluate(e.eq.args[1], batch, ctx)
    lv, rv = valid_mask(left), valid_mask(right)
    eq = SCALARS[e.eq.impl]([left, right], batch.length, ctx, e.eq)
    same = np.where(lv & rv, eq.data.astype(bool), lv == rv)
    return Column(~same if e.negated else same)


def _comparison(impl: str, arg: E.Expr) -> E.Call:
    """The call a comparison impl sees when it compares `arg` with a list's values (an enum's
    reads the type off its arguments)."""
    return E.Call(impl, impl, [arg, arg], R.SqlType(R.BOOL))


def _quantified(e: E.QuantifiedCompare, batch: Batch, ctx: EvalContext) -> Column:
    """x op ANY/ALL (array): explode the arrays, compare element-wise, reduce per row."""
    n = batch.length
    left = evaluate(e.arg, batch, ctx)
    arrays = evaluate(e.array, batch, ctx)
    arr_valid = valid_mask(arrays)
    lengths = np.array([len(a) if ok and a is not None else 0 for a, ok in zip(arrays.data, arr_valid)],
                       dtype=np.int64)
    owner = np.repeat(np.arange(n), lengths)
    elem_type = R.element_of(e.array.type.pg)
    flat = [v for a, ok in zip(arrays.data, arr_valid) if ok and a is not None for v in a]
    elems = from_values(flat, R.SqlType(elem_type))
    lefts = take(left, owner)
    cmp = SCALARS[e.op_impl]([lefts, elems], len(owner), ctx, _comparison(e.op_impl, e.arg))
    ok = valid_mask(lefts) & valid_mask(elems)
    if cmp.valid is not None:
        ok &= cmp.valid
    truth = cmp.data.astype(bool)
    hits = np.bincount(owner[ok & (~truth if e.all else truth)], minlength=n) > 0
    nulls = np.bincount(owner[~ok], minlength=n) > 0
    if e.all:  # true unless some element is false; NULL if no false but some NULL
        data = ~hits
        valid = hits | ~nulls
    else:
        data = hits
        valid = hits | ~nulls
    valid &= arr_valid
    return Column(data, None if valid.all() else valid)


def _array_expr(e: E.ArrayExpr, batch: Batch, ctx: EvalContext) -> Column:
    cols = [column_values(evaluate(i, batch, ctx)) for i in e.items]
    out = np.empty(batch.length, dtype=OBJECT)
    for i in range(batch.length):
        out[i] = [c[i] for c in cols]
    return Column(out)


def _subscript(e: E.Subscript, batch: Batch, ctx: EvalContext) -> Column:
    base = evaluate(e.base, batch, ctx)
    index = column_values(evaluate(e.index, batch, ctx)) if e.index is not None else [None] * batch.length
    upper = column_values(evaluate(e.upper, batch, ctx)) if e.upper is not None else [None] * batch.length
    values = column_values(base)
    scalar_is_array = bool(e.type.pg.elem_oid)  # an inner subscript of a[i][j] passes the row on
    out = []
    for arr, i, j in zip(values, index, upper):
        if arr is None:
            out.append(None)
        elif e.is_slice:
            lo = 1 if i is None else max(i, 1)
            hi = len(arr) if j is None else j
            out.append(arr[lo - 1:hi] if lo <= hi else [])
        elif not isinstance(arr, list):  # a[i][j] past the array's dimensions
            out.append(None)
        else:
            v = arr[i - 1] if i is not None and 1 <= i <= len(arr) else None
            # fewer subscripts than the array has dimensions (`a[1]` of a 2-D a): NULL, as PostgreSQL
            out.append(None if isinstance(v, list) and not scalar_is_array else v)
    return from_values(out, e.type)


def _subquery(e: E.SubqueryExpr, batch: Batch, ctx: EvalContext) -> Column:
    from quantadb.exec.run import run_subquery  # the plan runner evaluates expressions too
    n = batch.length
    if not e.correlated:
        cache = ctx.subquery_cache
        key = id(e)
        if key not in cache:
            cache[key] = run_subquery(e.plan, ctx)
        return _subquery_result(e, cache[key], batch, ctx, n)
    # correlated: run once per distinct outer row
    outer_values = [column_values(c) for c in batch.columns]
    rows = list(zip(*outer_values)) if outer_values else [()] * n
    results: dict = {}
    out_cols = []
    for i, row in enumerate(rows):
        key = tuple(_hashable(v) for v in row)
        if key not in results:
            ctx.outer.append(row)
            try:
                results[key] = run_subquery(e.plan, ctx)
            finally:
                ctx.outer.pop()
        single = Batch([take(c, np.array([i])) for c in batch.columns], 1)
        out_cols.append(_subquery_result(e, results[key], single, ctx, 1))
    values = [column_values(c)[0] for c in out_cols]
    return from_values(values, e.type)


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return repr(v)
    return v


def _subquery_result(e: E.SubqueryExpr, result: Batch, batch: Batch, ctx: EvalContext, n: int) -> Column:
    if e.kind == "exists":
        return Column(np.full(n, result.length > 0))
    if e.kind == "scalar":
        if result.length > 1:
            raise CardinalityViolation("more than one row returned by a subquery used as an expression")
        if result.length == 0:
            return const_column(None, e.type, n)
        value = column_values(result.columns[0])[0]
        return const_column(value, e.type, n)
    if e.kind == "array":
        values = column_values(result.columns[0]) if result.length else []
        return const_column(values, e.type, n)
    # in / any / all: compare arg with every subquery value
    arg = evaluate(e.arg, batch, ctx)
    values = result.columns[0] if result.length else None
    data = np.zeros(n, dtype=bool)
    valid = np.ones(n, dtype=bool)
    is_all = e.kind == "all"
    if values is None:
        data[:] = is_all
    else:
        m = result.length
        cmp_fn, call = SCALARS[e.op_impl], _comparison(e.op_impl, e.arg)
        if e.kind == "in" and e.arg.type.pg.dtype != OBJECT and values.valid is None and arg.valid is None:
            found = np.isin(arg.data, values.data)
            return Column(~found if e.negated else found)
        for i in range(n):
            left = take(arg, np.zeros(m, dtype=np.int64) + i)
            res = cmp_fn([left, values], m, ctx, call)
            ok = valid_mask(left) & valid_mask(values) & valid_mask(res)
            truth = res.data.astype(bool)
            if is_all:
                if (ok & ~truth).any():
                    data[i] = False
                elif (~ok).any():
                    valid[i] = False
                else:
                    data[i] = True
            else:
                if (ok & truth).any():
                    data[i] = True
                elif (~ok).any():
                    valid[i] = False
    if e.negated:
        data = ~data
    return Column(data, None if valid.all() else valid)


def _agg_ref(e: E.AggRef, batch: Batch, ctx: EvalContext) -> Column:
    raise InternalError("aggregate evaluated outside of an Aggregate operator")


_HANDLERS = {
    E.Const: _const, E.Param: _param, E.ColumnRef: _column_ref, E.OuterRef: _outer_ref, E.Call: _call,
    E.Cast: _cast, E.BoolOp: _bool_op, E.NullTest: _null_test, E.Case: _case, E.CaseTest: _case_test,
    E.Coalesce: _coalesce, E.InList: _in_list, E.DistinctTest: _distinct_test, E.QuantifiedCompare: _quantified,
    E.ArrayExpr: _array_expr, E.Subscript: _subscript, E.SubqueryExpr: _subquery, E.AggRef: _agg_ref,
}

__all__ = ["evaluate", "evaluate_predicate", "filler", "to_object"]
