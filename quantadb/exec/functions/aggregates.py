"""Aggregates over grouped rows: count, sum, avg, min, max, bool_and/or, bit_and/or,
string_agg, array_agg (statistics and ordered-set aggregates are in statagg.py).

Contract (see __init__): ``fn(args, group_ids, ngroups, ctx, agg) -> Column`` of `ngroups`
values. The caller applies FILTER and, for ``agg.distinct``, `distinct_input`; for an
aggregate with ORDER BY inside (string_agg, array_agg, json_agg...) it passes the rows already
sorted (stably) by ``agg.order_by``: order-sensitive aggregates keep input order within a group.
"""

from __future__ import annotations

import decimal
import threading
from decimal import Decimal

import numpy as np

from quantadb.errors import NumericValueOutOfRange
from quantadb.exec.functions import aggregate
from quantadb.exec.functions.compare import array_key, numeric_key
from quantadb.exec.functions.support import EXACT, numeric_div, obj_array
from quantadb.sql.expr import AggRef
from quantadb.types import enums, scaled
from quantadb.types.column import Column
from quantadb.types.values import Interval


def distinct_input(args: list[Column], group_ids: np.ndarray) -> tuple[list[Column], np.ndarray]:
    """Keep the first row of each distinct (group, argument values) combination, in input order."""
    seen: set = set()
    keep = []
    valids = [a.valid for a in args]
    for i, g in enumerate(group_ids.tolist()):
        key = (g,) + tuple(None if v is not None and not v[i] else _hashable(a.data[i]) for a, v in zip(args, valids))
        if key not in seen:
            seen.add(key)
            keep.append(i)
    idx = np.asarray(keep, dtype=np.int64)
    return [Column(a.data[idx], None if a.valid is None else a.valid[idx]) for a in args], group_ids[idx]


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v


def _nonnull(col: Column, group_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if col.valid is None:
        return col.data, group_ids
    return col.data[col.valid], group_ids[col.valid]


def _counts(gids: np.ndarray, ngroups: int) -> np.ndarray:
    """Rows per group (read-only). The aggregates of one GROUP BY over columns without NULLs ask
    for the same group ids again: the last answer of this thread is kept for them."""
    last = getattr(_LAST_COUNTS, "entry", None)
    if last is not None and last[0] is gids and last[1] == ngroups:
        return last[2]
    counts = np.bincount(gids, minlength=ngroups).astype(np.int64)
    _LAST_COUNTS.entry = (gids, ngroups, counts)
    return counts


_LAST_COUNTS = threading.local()


def _result(data: np.ndarray, present: np.ndarray) -> Column:
    return Column(data, None if present.all() else present)


@aggregate("count_star")
def count_star(args, group_ids, ngroups, ctx, agg) -> Column:
    return Column(_counts(group_ids, ngroups))


@aggregate("count")
def count(args, group_ids, ngroups, ctx, agg) -> Column:
    return Column(_counts(_nonnull(args[0], group_ids)[1], ngroups))


# --- sum / avg ----------------------------------------------------------------------------

def int_sums(values: np.ndarray, gids: np.ndarray, ngroups: int) -> list[int]:
    """Exact per-group sums of integers as Python ints: int64 adds, in 32-bit halves when a
    total could overflow."""
    if not len(values):
        return [0] * ngroups
    v = values.astype(np.int64, copy=False)
    peak = max(abs(int(v.max())), abs(int(v.min())))
    if peak * len(v) < 2 ** 63:
        return _add_at(v, gids, ngroups).tolist()
    lo = _add_at(v & 0xFFFFFFFF, gids, ngroups)  # each < 2^32: totals fit below 2^31 rows
    hi = _add_at(v >> 32, gids, ngroups)
    return [(h << 32) + low for h, low in zip(hi.tolist(), lo.tolist())]


def _add_at(values: np.ndarray, gids: np.ndarray, ngroups: int) -> np.ndarray:
    out = np.zeros(ngroups, dtype=np.int64)
    np.add.at(out, gids, values)
    return out


def _scaled_sums(col: Column, group_ids: np.ndarray, ngroups: int) -> tuple[list[int], np.ndarray]:
    """Exact per-group sums of a scaled numeric column's ints (types/scaled.py), and counts."""
    ints, gids = (col.ints, group_ids) if col.valid is None else (col.ints[col.valid], group_ids[col.valid])
    return int_sums(ints, gids, ngroups), _counts(gids, ngroups)


def _int_sum_to_int8(args, group_ids, ngroups, ctx, agg) -> Column:
    values, gids = _nonnull(args[0], group_ids)
    counts = _counts(gids, ngroups)
    sums = int_sums(values, gids, ngroups)
    if any(not -2 ** 63 <= s < 2 ** 63 for s in sums):
        raise NumericValueOutOfRange("bigint out of range")
    return _result(np.asarray(sums, dtype=np.int64), counts > 0)


def _int_sum_to_numeric(args, group_ids, ngroups, ctx, agg) -> Column:
    values, gids = _nonnull(args[0], group_ids)
    counts = _counts(gids, ngroups)
    return _result(obj_array([Decimal(s) for s in int_sums(values, gids, ngroups)]), counts > 0)


def _float_sum(args, group_ids, ngroups, ctx, agg) -> Column:
    values, gids = _nonnull(args[0], group_ids)
    counts = _counts(gids, ngroups)
    if values.dtype == np.float32:
        sums = np.zeros(ngroups, dtype=np.float32)
        np.add.at(sums, gids, values)
    else:
        sums = np.bincount(gids, weights=values, minlength=ngroups)
    if np.isinf(sums).any() and np.isfinite(values).all():
        raise NumericValueOutOfRange("value out of range: overflow")
    return _result(sums, counts > 0)


def numeric_sums(values: np.ndarray, gids: np.ndarray, ngroups: int) -> np.ndarray:
    """Exact per-group Decimal sums (object array; 0 for empty groups)."""
    sums = np.full(ngroups, Decimal(0), dtype=object)
    with decimal.localcontext(EXACT):
        np.add.at(sums, gids, values)
    return sums


def _numeric_sum(args, group_ids, ngroups, ctx, agg) -> Column:
    col = args[0]
    if col.scale is not None:  # sum's scale is its input's (numeric.c)
        totals, counts = _scaled_sums(col, group_ids, ngroups)
        present = counts > 0
        if all(-scaled.INT64_MAX <= t <= scaled.INT64_MAX for t in totals):
            return Column.scaled(np.asarray(totals, dtype=np.int64), col.scale, None if present.all() else present)
        return _result(obj_array([scaled.decimal_of(t, col.scale) for t in totals]), present)
    values, gids = _nonnull(args[0], group_ids)
    return _result(numeric_sums(values, gids, ngroups), _counts(gids, ngroups) > 0)


def _interval_sums(values, gids, ngroups) -> list[Interval]:
    sums = [Interval(0, 0, 0)] * ngroups
    for v, g in zip(values, gids.tolist()):
        sums[g] = sums[g] + v
    return sums


def _interval_sum(args, group_ids, ngroups, ctx, agg) -> Column:
    values, gids = _nonnull(args[0], group_ids)
    return _result(obj_array(_interval_sums(values, gids, ngroups)), _counts(gids, ngroups) > 0)


def _int_avg(args, group_ids, ngroups, ctx, agg) -> Column:
    values, gids = _nonnull(args[0], group_ids)
    counts = _counts(gids, ngroups)
    sums = int_sums(values, gids, ngroups)
    return _result(obj_array([numeric_div(Decimal(s), Decimal(int(c))) if c else None
                              for s, c in zip(sums, counts.tolist())]), counts > 0)


def _float_avg(args, group_ids, ngroups, ctx, agg) -> Column:
    values, gids = _nonnull(args[0], group_ids)
    counts = _counts(gids, ngroups)
    sums = np.bincount(gids, weights=values.astype(np.float64), minlength=ngroups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _result(sums / np.maximum(counts, 1), counts > 0)


def _numeric_avg(args, group_ids, ngroups, ctx, agg) -> Column:
    if args[0].scale is not None:
        totals, counts = _scaled_sums(args[0], group_ids, ngroups)
        sums = [scaled.decimal_of(t, args[0].scale) for t in totals]
    else:
        values, gids = _nonnull(args[0], group_ids)
        counts = _counts(gids, ngroups)
        sums = numeric_sums(values, gids, ngroups)
    return _result(obj_array([numeric_div(s, Decimal(int(c))) if c else None
                              for s, c in zip(sums, counts.tolist())]), counts > 0)


def _interval_avg(args, group_ids, ngroups, ctx, agg) -> Column:
    values, gids = _nonnull(args[0], group_ids)
    counts = _counts(gids, ngroups)
    sums = _interval_sums(values, gids, ngroups)
    return _result(obj_array([s / int(c) if c else None for s, c in zip(sums, counts.tolist())]), counts > 0)


for _t in ("int2", "int4"):
    aggregate(f"{_t}_sum")(_int_sum_to_int8)
    aggregate(f"{_t}_avg")(_int_avg)
aggregate("int8_sum")(_int_sum_to_numeric)
aggregate("int8_avg")(_int_avg)
for _t in ("float4", "float8"):
    aggregate(f"{_t}_sum")(_float_sum)
    aggregate(f"{_t}_avg")(_float_avg)
aggregate("numeric_sum")(_numeric_sum)
aggregate("numeric_avg")(_numeric_avg)
aggregate("interval_sum")(_interval_sum)
aggregate("interval_avg")(_interval_avg)


# --- min / max ----------------------------------------------------------------------------

def _order_key(agg: AggRef):
    name = agg.args[0].type.pg.name if agg is not None and agg.args else ""
    if name and agg.args[0].type.pg.enum is not None:
        return enums.sort_key(agg.args[0].type.pg)
    if name == "numeric":
        return numeric_key
    if name == "bpchar":
        return lambda s: s.rstrip(" ")
    if name.startswith("_"):
        return array_key
    return None


def _extreme(is_max: bool):
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        col = args[0]
        if col.scale is not None:  # the ints order as the values do
            best = impl([Column(col.ints, col.valid)], group_ids, ngroups, ctx, None)
            return Column.scaled(best.data, col.scale, best.valid)
        values, gids = _nonnull(col, group_ids)
        present = _counts(gids, ngroups) > 0
        dtype = values.dtype
        if dtype == object:
            key = _order_key(agg)
            if key is numeric_key:
                try:  # plain Decimal comparison is much faster; NaN makes it raise
                    return _result(_object_extreme(values, gids, ngroups, is_max, None), present)
                except ArithmeticError:
                    pass
            return _result(_object_extreme(values, gids, ngroups, is_max, key), present)
        if dtype.kind == "f":
            out = np.full(ngroups, -np.inf if is_max else np.nan, dtype=dtype)
            with np.errstate(invalid="ignore"):
                (np.maximum if is_max else np.fmin).at(out, gids, values)  # NaN is the largest float
        else:
            info = np.iinfo(dtype)
            out = np.full(ngroups, info.min if is_max else info.max, dtype=dtype)
            (np.maximum if is_max else np.minimum).at(out, gids, values)
        return _result(out, present)
    return impl


def _object_extreme(values, gids, ngroups, is_max, key) -> np.ndarray:
    best: list = [None] * ngroups
    best_key: list = [None] * ngroups
    for v, g in zip(values, gids.tolist()):
        k = v if key is None else key(v)
        cur = best_key[g]
        if cur is None or (k > cur if is_max else k < cur):
            best[g], best_key[g] = v, k
    return obj_array(best)


aggregate("max")(_extreme(True))
aggregate("min")(_extreme(False))


# --- boolean and bitwise --------------------------------------------------------------------

def _bool_agg(is_and: bool):
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        values, gids = _nonnull(args[0], group_ids)
        present = _counts(gids, ngroups) > 0
        hits = np.bincount(gids, weights=(~values if is_and else values), minlength=ngroups) > 0
        return _result(~hits if is_and else hits, present)
    return impl


def _bit_agg(ufunc: np.ufunc, start: int):
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        values, gids = _nonnull(args[0], group_ids)
        present = _counts(gids, ngroups) > 0
        out = np.full(ngroups, start, dtype=values.dtype)
        ufunc.at(out, gids, values)
        return _result(out, present)
    return impl


aggregate("bool_and")(_bool_agg(True))
aggregate("bool_or")(_bool_agg(False))
aggregate("bit_and")(_bit_agg(np.bitwise_and, -1))
aggregate("bit_or")(_bit_agg(np.bitwise_or, 0))
aggregate("bit_xor")(_bit_agg(np.bitwise_xor, 0))


# --- collecting aggregates ------------------------------------------------------------------

def group_lists(values: np.ndarray, gids: np.ndarray, ngroups: int) -> list[list]:
    """Per-group lists of values in input order."""
    out: list[list] = [[] for _ in range(ngroups)]
    for v, g in zip(values.tolist(), gids.tolist()):
        out[g].append(v)
    return out


@aggregate("string_agg")
def string_agg(args, group_ids, ngroups, ctx, agg) -> Column:
    """Each value after the first is preceded by its own row's delimiter (NULL delimiter: empty)."""
    value, delim = args
    keep = np.ones(len(value.data), dtype=bool) if value.valid is None else value.valid
    dvalid = np.ones(len(delim.data), dtype=bool) if delim.valid is None else delim.valid
    parts: list[list] = [[] for _ in range(ngroups)]
    for v, d, dv, g, k in zip(value.data, delim.data, dvalid.tolist(), group_ids.tolist(), keep.tolist()):
        if k:
            parts[g].append((d if dv else type(v)(), v))
    out = [p[0][1] + type(p[0][1])().join(d + v for d, v in p[1:]) if p else None for p in parts]
    return _result(obj_array(out), np.asarray([bool(p) for p in parts], dtype=bool))


@aggregate("array_agg")
def array_agg(args, group_ids, ngroups, ctx, agg) -> Column:
    col = args[0]
    values = col.data.tolist()
    if col.valid is not None:
        values = [v if ok else None for v, ok in zip(values, col.valid.tolist())]
    lists = group_lists(obj_array(values), group_ids, ngroups)
    return _result(obj_array([lst or None for lst in lists]), np.asarray([bool(lst) for lst in lists], dtype=bool))
