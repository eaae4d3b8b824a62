"""The Window operator: one output column per window function call, input rows unchanged.

Per distinct (PARTITION BY, ORDER BY) the input is sorted once; every array below is indexed by
sorted position. A `_Layout` holds each row's partition and peer-group bounds; a `_Frame` holds
each row's frame (ROWS, RANGE or GROUPS) as up to three half-open ranges of sorted positions (before the excluded rows,
the current row kept by EXCLUDE TIES, after the excluded rows). Ranking functions and lag/lead
read the layout; first/last/nth_value index the frame; aggregates use prefix sums where the
result is exact (counts, integer sums, running float/numeric sums, running min/max) and
otherwise gather each distinct frame's rows and call the aggregate with one group per frame.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import numpy as np

from quantadb.errors import (InvalidArgumentForNthValue, InvalidArgumentForNtile, InvalidPrecedingOrFollowingSize,
                             NullValueNotAllowed)
from quantadb.exec.columns import OBJECT, concat_columns, filler, take, valid_mask
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate, evaluate_predicate
from quantadb.exec.functions import AGGREGATES
from quantadb.exec.functions.support import EXACT, numeric_div, obj_array
from quantadb.exec.keys import factorize_rows, sort_indices
from quantadb.sql import plan as P
from quantadb.sql.expr import AggRef, WindowCall, expr_key
from quantadb.types.column import Batch, Column

_GATHER_LIMIT = 1 << 22  # rows gathered per aggregate call on the per-frame path


@dataclass
class _Layout:
    order: np.ndarray   # sorted position -> input row
    pos: np.ndarray     # 0..n-1
    pstart: np.ndarray  # partition [pstart, pend) of each sorted position
    pend: np.ndarray
    gstart: np.ndarray  # peer group [gstart, gend)
    gend: np.ndarray
    group: np.ndarray   # running peer-group number (dense_rank)
    group_starts: np.ndarray  # first and end position of each peer group, by number
    group_ends: np.ndarray
    partitions: np.ndarray  # start position of each partition


@dataclass
class _Frame:
    a0: np.ndarray
    a1: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    c0: np.ndarray
    c1: np.ndarray
    running: bool  # every frame is [partition start, e): no exclusion, head never moves

    def pieces(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        return (self.a0, self.a1), (self.b0, self.b1), (self.c0, self.c1)

    def size(self) -> np.ndarray:
        return (self.a1 - self.a0) + (self.b1 - self.b0) + (self.c1 - self.c0)


def run_window(plan: P.Window, batch: Batch, ctx: EvalContext) -> Batch:
    n = batch.length
    columns = list(batch.columns)
    if n == 0:
        return Batch(columns + [Column(np.empty(0, dtype=f.type.pg.dtype)) for f in plan.funcs], 0)
    layouts: dict[tuple, _Layout] = {}
    for call in plan.funcs:
        ctx.check_cancel()
        key = (tuple(expr_key(e) for e in call.partition_by),
               tuple((expr_key(e), d, nf) for e, d, nf in call.order_by))
        layout = layouts.get(key)
        if layout is None:
            layout = layouts[key] = _layout(call, batch, ctx)
        result = _compute(call, layout, batch, ctx)
        columns.append(_unsort(result, layout.order, call))
    return Batch(columns, n)


# -- sorting and partitions ------------------------------------------------------------------------------

def _layout(call: WindowCall, batch: Batch, ctx: EvalContext) -> _Layout:
    n = batch.length
    parts = [evaluate(e, batch, ctx) for e in call.partition_by]
    keys = [(evaluate(e, batch, ctx), d, nf) for e, d, nf in call.order_by]
    sort_keys = [(c, False, False) for c in parts] + keys
    types = [e.type for e in call.partition_by] + [e.type for e, _, _ in call.order_by]
    order = sort_indices(sort_keys, types) if sort_keys else np.arange(n, dtype=np.int64)
    pnew = _changes(parts, order, n)
    gnew = pnew | _changes([c for c, _, _ in keys], order, n)
    pstart, pend, _ = _bounds(pnew, n)
    gstart, gend, group = _bounds(gnew, n)
    group_starts = np.flatnonzero(gnew)
    return _Layout(order, np.arange(n, dtype=np.int64), pstart, pend, gstart, gend, group, group_starts,
                   np.append(group_starts[1:], n), np.flatnonzero(pnew))


def _changes(cols: list[Column], order: np.ndarray, n: int) -> np.ndarray:
    """True at each sorted position whose key differs from the previous position's."""
    new = np.zeros(n, dtype=bool)
    new[0] = True
    if cols:
        codes = factorize_rows(cols)[0][order]
        new[1:] = codes[1:] != codes[:-1]
    return new


def _bounds(new: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    ids = np.cumsum(new) - 1
    return starts[ids], ends[ids], ids


def _unsort(col: Column, order: np.ndarray, call: WindowCall) -> Column:
    n = len(order)
    dtype = call.type.pg.dtype
    data = np.empty(n, dtype=dtype)
    data[order] = col.data
    if col.valid is None or col.valid.all():
        return Column(data)
    valid = np.empty(n, dtype=bool)
    valid[order] = col.valid
    return Column(data, valid)


def _compute(call: WindowCall, layout: _Layout, batch: Batch, ctx: EvalContext) -> Column:
    args = [take(evaluate(a, batch, ctx), layout.order) for a in call.args]
    if call.is_aggregate:
        return _aggregate(call, args, layout, batch, ctx)
    return _FUNCTIONS[call.impl](call, args, layout, batch, ctx)


# -- ranking and offset functions ------------------------------------------------------------------------

def _row_number(call, args, L: _Layout, batch, ctx) -> Column:
    return Column(L.pos - L.pstart + 1)


def _rank(call, args, L: _Layout, batch, ctx) -> Column:
    return Column(L.gstart - L.pstart + 1)


def _dense_rank(call, args, L: _Layout, batch, ctx) -> Column:
    return Column(L.group - L.group[L.pstart] + 1)


def _percent_rank(call, args, L: _Layout, batch, ctx) -> Column:
    size = L.pend - L.pstart
    return Column(np.where(size > 1, (L.gstart - L.pstart) / np.maximum(size - 1, 1), 0.0))


def _cume_dist(call, args, L: _Layout, batch, ctx) -> Column:
    return Column((L.gend - L.pstart) / (L.pend - L.pstart))


def _ntile(call, args, L: _Layout, batch, ctx) -> Column:
    buckets = args[0].data[L.pstart].astype(np.int64)  # evaluated once per partition, at its first row
    present = valid_mask(args[0])[L.pstart]
    if (present & (buckets <= 0)).any():
        raise InvalidArgumentForNtile("argument of ntile must be greater than zero")
    buckets = np.where(present, buckets, 1)
    size = L.pend - L.pstart
    row = L.pos - L.pstart
    per, extra = size // buckets, size % buckets
    big = extra * (per + 1)  # the first `extra` buckets hold one row more
    tile = np.where(row < big, row // (per + 1), extra + (row - big) // np.maximum(per, 1)) + 1
    return Column(tile.astype(np.int32), None if present.all() else present)


def _lag_lead(sign: int) -> Callable:
    def shifted(call, args, L: _Layout, batch, ctx) -> Column:
        value = args[0]
        n = len(L.pos)
        if len(args) > 1:
            offsets, off_valid = args[1].data.astype(np.int64), valid_mask(args[1])
        else:
            offsets, off_valid = np.ones(n, dtype=np.int64), np.ones(n, dtype=bool)
        target = L.pos + sign * np.where(off_valid, offsets, 0)
        inside = (target >= L.pstart) & (target < L.pend)
        src = np.where(inside, target, 0)
        data = value.data[src]
        valid = valid_mask(value)[src] & inside
        outside = ~inside
        if len(args) > 2:
            data[outside] = args[2].data[outside]
            valid[outside] = valid_mask(args[2])[outside]
        else:
            data[outside] = filler(data.dtype)
        valid &= off_valid
        return Column(data, None if valid.all() else valid)
    return shifted


def _nth_row(frame: _Frame, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted position of the k-th (0-based) row of each frame, and whether it exists."""
    la, lb = frame.a1 - frame.a0, frame.b1 - frame.b0
    lc = frame.c1 - frame.c0
    at = np.where(k < la, frame.a0 + k, np.where(k < la + lb, frame.b0 + k - la, frame.c0 + k - la - lb))
    exists = (k >= 0) & (k < la + lb + lc)
    return np.where(exists, at, 0), exists


def _frame_value(call, args, L: _Layout, batch, ctx, which: str) -> Column:
    frame = _frame(call, L, batch, ctx)
    n = len(L.pos)
    valid_n = np.ones(n, dtype=bool)
    if which == "first":
        k = np.zeros(n, dtype=np.int64)
    elif which == "last":
        k = frame.size() - 1
    else:
        nth, valid_n = args[1].data.astype(np.int64), valid_mask(args[1])
        if (valid_n & (nth <= 0)).any():
            raise InvalidArgumentForNthValue("argument of nth_value must be greater than zero")
        k = np.where(valid_n, nth - 1, 0)
    at, exists = _nth_row(frame, k)
    value = args[0]
    data = value.data[at]
    valid = valid_mask(value)[at] & exists & valid_n
    data[~valid] = filler(data.dtype)
    return Column(data, None if valid.all() else valid)


_FUNCTIONS: dict[str, Callable] = {
    "row_number": _row_number, "rank": _rank, "dense_rank": _dense_rank, "percent_rank": _percent_rank,
    "cume_dist": _cume_dist, "ntile": _ntile, "lag": _lag_lead(-1), "lead": _lag_lead(1),
    "first_value": lambda *a: _frame_value(*a, which="first"),
    "last_value": lambda *a: _frame_value(*a, which="last"),
    "nth_value": lambda *a: _frame_value(*a, which="nth"),
}


# -- frames ----------------------------------------------------------------------------------------------

def _frame(call: WindowCall, L: _Layout, batch: Batch, ctx: EvalContext) -> _Frame:
    mode, start, start_off, end, end_off, exclude = call.frame
    desc = bool(call.order_by) and call.order_by[0][1]
    s = _edge(mode, start, start_off, True, desc, L, batch, ctx)
    e = np.maximum(_edge(mode, end, end_off, False, desc, L, batch, ctx), s)
    empty = np.zeros_like(s)
    if exclude == "no others":
        return _Frame(s, e, empty, empty, e, e, running=bool((s == L.pstart).all()))
    xs, xe = (L.pos, L.pos + 1) if exclude == "current row" else (L.gstart, L.gend)
    a1 = np.clip(xs, s, e)
    c0 = np.clip(xe, s, e)
    if exclude == "ties":
        kept = (L.pos >= s) & (L.pos < e)
        return _Frame(s, a1, np.where(kept, L.pos, 0), np.where(kept, L.pos + 1, 0), c0, e, running=False)
    return _Frame(s, a1, empty, empty, c0, e, running=False)


def _edge(mode: str, kind: str, offset: tuple | None, is_start: bool, desc: bool, L: _Layout,
          batch: Batch, ctx: EvalContext) -> np.ndarray:
    """Frame start (inclusive) or end (exclusive) sorted position of every row."""
    if kind == "unbounded preceding":
        return L.pstart
    if kind == "unbounded following":
        return L.pend
    if kind == "current row":
        if mode == "rows":
            return L.pos if is_start else L.pos + 1
        return L.gstart if is_start else L.gend
    if mode == "range":
        return _range_edge(offset, is_start, desc, L, batch, ctx)
    k = min(_rows_offset(offset[0], is_start, batch, ctx), len(L.pos) + 1)
    step = -k if kind == "preceding" else k
    if mode == "rows":
        return np.clip(L.pos + step + (0 if is_start else 1), L.pstart, L.pend)
    target = L.group + step  # groups: k peer groups away, clipped to the partition
    first, last = L.group[L.pstart], L.group[L.pend - 1]
    inside = np.clip(target, first, last)
    edge = (L.group_starts if is_start else L.group_ends)[inside]
    return np.where(target < first, L.pstart, np.where(target > last, L.pend, edge))


def _rows_offset(expr, is_start: bool, batch: Batch, ctx: EvalContext) -> int:
    col = evaluate(expr, batch, ctx)
    which = "starting" if is_start else "ending"
    if not valid_mask(col)[0]:
        raise NullValueNotAllowed(f"frame {which} offset must not be null")
    value = int(col.data[0])
    if value < 0:
        raise InvalidPrecedingOrFollowingSize(f"frame {which} offset must not be negative")
    return value


def _range_edge(offset: tuple, is_start: bool, desc: bool, L: _Layout, batch: Batch,
                ctx: EvalContext) -> np.ndarray:
    value_expr, bound_expr, key_expr = offset
    value = evaluate(value_expr, batch, ctx)
    if not valid_mask(value)[0]:
        raise NullValueNotAllowed(f"frame {'starting' if is_start else 'ending'} offset must not be null")
    v = value.data[0]
    if _negative(v):
        raise InvalidPrecedingOrFollowingSize("invalid preceding or following size in window function")
    key = take(evaluate(key_expr, batch, ctx), L.order)
    bound = take(evaluate(bound_expr, batch, ctx), L.order)
    present = valid_mask(key)
    edge = (L.gstart if is_start else L.gend).copy()  # a NULL key's frame is its peers (the NULLs)
    side = "left" if is_start else "right"
    for p0 in L.partitions.tolist():
        p1 = int(L.pend[p0])
        rows = np.flatnonzero(present[p0:p1])
        if not len(rows):
            continue
        lo, hi = p0 + int(rows[0]), p0 + int(rows[-1]) + 1  # NULLs sort to one end: the rest is contiguous
        keys, bounds = key.data[lo:hi], bound.data[lo:hi]
        if desc:
            keys, bounds = -keys, -bounds
        edge[lo:hi] = lo + np.searchsorted(keys, bounds, side)
    return edge


def _negative(v: object) -> bool:
    if isinstance(v, (int, float, Decimal, np.integer, np.floating)):
        return v < 0
    months, days, micros = (getattr(v, name, 0) for name in ("months", "days", "micros"))
    return months < 0 or days < 0 or micros < 0


# -- aggregates over frames ------------------------------------------------------------------------------

def _aggregate(call: WindowCall, args: list[Column], L: _Layout, batch: Batch, ctx: EvalContext) -> Column:
    frame = _frame(call, L, batch, ctx)
    keep = evaluate_predicate(call.filter, batch, ctx)[L.order] if call.filter is not None else None
    prefix = _PREFIX.get(call.impl)
    if prefix is not None:
        result = prefix(args, keep, frame, L)
        if result is not None:
            return result
    return _per_frame(call, args, keep, frame, ctx)


def _weights(args: list[Column], keep: np.ndarray | None, n: int) -> np.ndarray:
    """Which rows feed the aggregate: argument not NULL and FILTER true."""
    w = valid_mask(args[0]).copy() if args else np.ones(n, dtype=bool)
    return w if keep is None else w & keep


def _span(prefix: np.ndarray, frame: _Frame) -> np.ndarray:
    """Sum over each frame from prefix sums (prefix[i] = sum of rows before i)."""
    total = prefix[frame.a1] - prefix[frame.a0]
    total = total + (prefix[frame.b1] - prefix[frame.b0])
    return total + (prefix[frame.c1] - prefix[frame.c0])


def _prefix(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values) + 1, dtype=values.dtype)
    out[0] = 0
    np.cumsum(values, out=out[1:])
    return out


def _counts(args, keep, frame: _Frame, L: _Layout) -> Column:
    return Column(_span(_prefix(_weights(args, keep, len(L.pos)).astype(np.int64)), frame))


def _int_sum(avg: bool, wide: bool) -> Callable:
    """sum/avg of int2/int4 (int64 prefix sums) or int8 (Python int prefix sums): exact for any frame."""
    def run(args, keep, frame: _Frame, L: _Layout) -> Column:
        w = _weights(args, keep, len(L.pos))
        counts = _span(_prefix(w.astype(np.int64)), frame)
        values = np.where(w, args[0].data, 0).astype(np.int64)
        sums = _span(_prefix(values.astype(object) if wide else values), frame)
        present = counts > 0
        if avg:
            data = obj_array([numeric_div(Decimal(int(s)), Decimal(int(c))) if c else None
                              for s, c in zip(sums.tolist(), counts.tolist())])
        elif wide:
            data = obj_array([Decimal(int(s)) for s in sums.tolist()])
        else:
            data = sums.astype(np.int64)
        return Column(data, None if present.all() else present)
    return run


def _running(op: str) -> Callable:
    """Float/numeric sum and avg, min and max, when every frame grows from the partition start:
    accumulated in row order per partition, as PostgreSQL's transition functions do."""
    def run(args, keep, frame: _Frame, L: _Layout) -> Column | None:
        if not frame.running:
            return None
        data = args[0].data
        if op in ("min", "max") and data.dtype.kind not in "iuf":
            return None
        w = _weights(args, keep, len(L.pos))
        counts = _span(_prefix(w.astype(np.int64)), frame)
        acc = _accumulate(op, data, w, L)
        last = np.maximum(frame.a1 - 1, 0)
        values = acc[last]
        present = counts > 0
        if op == "avg":
            if values.dtype == OBJECT:
                values = obj_array([numeric_div(s, Decimal(int(c))) if c else None
                                    for s, c in zip(values, counts.tolist())])
            else:
                values = values / np.maximum(counts, 1)
        if not present.all():
            values = values.copy()
            values[~present] = filler(values.dtype)
        return Column(values, None if present.all() else present)
    return run


def _accumulate(op: str, data: np.ndarray, w: np.ndarray, L: _Layout) -> np.ndarray:
    """Per-partition running sum / min / max over the rows with weight true."""
    if op in ("sum", "avg"):
        if data.dtype == OBJECT:
            zero: object = Decimal(0)
        else:
            data = data.astype(np.float64) if op == "avg" else data
            zero = data.dtype.type(0)
    elif data.dtype.kind == "f":
        zero = np.nan if op == "min" else -np.inf  # fmin skips NaN; NaN is the largest float for max
    else:
        info = np.iinfo(data.dtype)
        zero = info.max if op == "min" else info.min
    values = np.where(w, data, zero) if data.dtype != OBJECT else obj_array(
        [v if ok else zero for v, ok in zip(data, w.tolist())])
    ufunc = {"sum": np.add, "avg": np.add, "min": np.fmin, "max": np.maximum}[op]
    out = np.empty_like(values)
    with decimal.localcontext(EXACT):
        for p0 in L.partitions.tolist():
            p1 = int(L.pend[p0])
            out[p0:p1] = ufunc.accumulate(values[p0:p1])
    return out


_PREFIX: dict[str, Callable] = {
    "count": _counts, "count_star": _counts,
    "int2_sum": _int_sum(False, False), "int4_sum": _int_sum(False, False), "int8_sum": _int_sum(False, True),
    "int2_avg": _int_sum(True, False), "int4_avg": _int_sum(True, False), "int8_avg": _int_sum(True, True),
    "float4_sum": _running("sum"), "float8_sum": _running("sum"), "numeric_sum": _running("sum"),
    "float4_avg": _running("avg"), "float8_avg": _running("avg"), "numeric_avg": _running("avg"),
    "min": _running("min"), "max": _running("max"),
}


def _per_frame(call: WindowCall, args: list[Column], keep: np.ndarray | None, frame: _Frame,
               ctx: EvalContext) -> Column:
    """Any aggregate: gather the rows of each distinct frame, one aggregate group per frame."""
    pieces = []
    for lo, hi in frame.pieces():
        nonempty = hi > lo
        pieces += [np.where(nonempty, lo, 0), np.where(nonempty, hi, 0)]
    frames, inverse = np.unique(np.stack(pieces, axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    sizes = (frames[:, 1] - frames[:, 0]) + (frames[:, 3] - frames[:, 2]) + (frames[:, 5] - frames[:, 4])
    agg = AggRef(call.name, call.impl, call.args, call.type)
    fn = AGGREGATES[call.impl]
    results = []
    first = 0
    ends = np.cumsum(sizes)
    while first < len(frames):
        base = ends[first - 1] if first else 0
        last = max(int(np.searchsorted(ends, base + _GATHER_LIMIT, "right")), first + 1)
        ctx.check_cancel()
        rows, groups = _gather(frames[first:last])
        if keep is not None:
            kept = keep[rows]
            rows, groups = rows[kept], groups[kept]
        results.append(fn([take(a, rows) for a in args], groups, last - first, ctx, agg))
        first = last
    return take(concat_columns(results, call.type.pg.dtype), inverse)


def _gather(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted positions of every frame's rows (in frame order) and the frame number of each."""
    rows, groups = [], []
    ids = np.arange(len(frames), dtype=np.int64)
    for j in range(0, 6, 2):
        lo, hi = frames[:, j], frames[:, j + 1]
        lengths = hi - lo
        total = int(lengths.sum())
        starts = np.cumsum(lengths) - lengths
        rows.append(np.arange(total, dtype=np.int64) - np.repeat(starts - lo, lengths))
        groups.append(np.repeat(ids, lengths))
    rows_all, groups_all = np.concatenate(rows), np.concatenate(groups)
    order = np.argsort(groups_all, kind="stable")
    return rows_all[order], groups_all[order]
