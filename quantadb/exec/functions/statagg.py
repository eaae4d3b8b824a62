"""Statistical and ordered-set aggregates: stddev/variance families (exact numeric sums and
PostgreSQL's division scale for int/numeric input, float8 otherwise), percentile_cont,
percentile_disc and mode (WITHIN GROUP: the ordered value is the last argument)."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

import numpy as np

from quantadb.errors import NumericValueOutOfRange
from quantadb.exec.functions import aggregate
from quantadb.exec.functions.aggregates import _counts, _nonnull, _result, group_lists, int_sums, numeric_sums
from quantadb.exec.functions.support import EXACT, div_exact, div_scale, obj_array, round_scale
from quantadb.types.column import Column


# --- statistics -------------------------------------------------------------------------------

def _stat(name: str, values_n: int, s: Decimal, s2: Decimal) -> Decimal | None:
    """numeric_stddev_internal: exact sums, PostgreSQL's division scale."""
    sample = not name.endswith("_pop")
    if values_n == 0 or (sample and values_n == 1):
        return None
    n = Decimal(values_n)
    with decimal.localcontext(EXACT):
        num = n * s2 - s * s
        den = n * (n - 1) if sample else n * n
    if num <= 0:
        return Decimal(0)
    rscale = div_scale(num, den)
    var = div_exact(num, den, rscale)
    if name.startswith("var"):
        return var
    ctx = decimal.Context(prec=max(var.adjusted(), 0) + rscale + 20)
    return round_scale(var.sqrt(ctx), rscale)


def _numeric_stat(name: str):
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        values, gids = _nonnull(args[0], group_ids)
        counts = _counts(gids, ngroups)
        if values.dtype != object:
            s = [Decimal(x) for x in int_sums(values, gids, ngroups)]
            wide = values.astype(object)
            s2 = numeric_sums(wide * wide, gids, ngroups)
        else:
            s = numeric_sums(values, gids, ngroups)
            with decimal.localcontext(EXACT):
                s2 = numeric_sums(values * values, gids, ngroups)
        out = [_stat(name, int(c), a, b) for c, a, b in zip(counts.tolist(), s, s2)]
        return _result(obj_array(out), np.asarray([v is not None for v in out], dtype=bool))
    return impl


def _float_stat(name: str):
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        values, gids = _nonnull(args[0], group_ids)
        values = values.astype(np.float64)
        counts = _counts(gids, ngroups)
        mean = np.bincount(gids, weights=values, minlength=ngroups) / np.maximum(counts, 1)
        dev = values - mean[gids]
        ss = np.bincount(gids, weights=dev * dev, minlength=ngroups)
        sample = not name.endswith("_pop")
        den = counts - 1 if sample else counts
        present = den > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            var = ss / np.where(present, den, 1)
        return _result(var if name.startswith("var") else np.sqrt(var), present)
    return impl


for _name in ("stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"):
    _canon = {"stddev": "stddev_samp", "variance": "var_samp"}.get(_name, _name)
    aggregate(f"{_name}_numeric")(_numeric_stat(_canon))
    aggregate(f"{_name}_float")(_float_stat(_canon))


# --- ordered-set aggregates ------------------------------------------------------------------

def _sorted_groups(col: Column, group_ids: np.ndarray, ngroups: int) -> list[list]:
    values, gids = _nonnull(col, group_ids)
    lists = group_lists(values, gids, ngroups)
    for lst in lists:
        lst.sort()
    return lists


def _fractions(col: Column, group_ids: np.ndarray, ngroups: int) -> list:
    """Each group's fraction (or list of fractions, for the array forms); None for NULL."""
    out = [None] * ngroups  # a NULL fraction gives a NULL result
    valid = col.valid.tolist() if col.valid is not None else [True] * len(col.data)
    for f, g, ok in zip(col.data.tolist(), group_ids.tolist(), valid):
        out[g] = f if ok else None
    for f in out:
        for x in (f if isinstance(f, list) else [f]):
            if x is not None and not 0 <= x <= 1:
                raise NumericValueOutOfRange(f"percentile value {x:g} is not between 0 and 1")
    return out


def _cont(lst: list, f: float):
    """The value at fraction f of the sorted, non-empty `lst`, interpolated between neighbours."""
    pos = f * (len(lst) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    a, b = lst[lo], lst[hi]
    return a if lo == hi else a + (b - a) * (pos - lo)


def _disc(lst: list, f: float):
    """The first value of the sorted, non-empty `lst` whose position reaches fraction f."""
    return lst[max(math.ceil(f * len(lst)) - 1, 0)]


def _percentiles(pick, args, group_ids, ngroups) -> list:
    """pick() per group at its fraction; with an array of fractions, an array of the picks (a NULL
    fraction picks NULL). An empty group or a NULL fraction (array) gives NULL."""
    out = []
    for lst, f in zip(_sorted_groups(args[1], group_ids, ngroups), _fractions(args[0], group_ids, ngroups)):
        if not lst or f is None:
            out.append(None)
        elif isinstance(f, list):
            out.append([None if x is None else pick(lst, x) for x in f])
        else:
            out.append(pick(lst, f))
    return out


@aggregate("percentile_cont")
def percentile_cont(args, group_ids, ngroups, ctx, agg) -> Column:
    out = _percentiles(_cont, args, group_ids, ngroups)
    present = np.asarray([v is not None for v in out], dtype=bool)
    if args[1].data.dtype == object or args[0].data.dtype == object:  # interval, or an array of fractions
        return _result(obj_array(out), present)
    return _result(np.asarray([v or 0 for v in out], dtype=np.float64), present)


@aggregate("percentile_disc")
def percentile_disc(args, group_ids, ngroups, ctx, agg) -> Column:
    out = _percentiles(_disc, args, group_ids, ngroups)
    return _typed(out, object if args[0].data.dtype == object else args[1].data.dtype)


@aggregate("mode")
def mode(args, group_ids, ngroups, ctx, agg) -> Column:
    out = []
    for lst in _sorted_groups(args[0], group_ids, ngroups):
        best, best_n, run_v, run_n = None, 0, None, 0
        for v in lst:
            run_n = run_n + 1 if run_n and v == run_v else 1
            run_v = v
            if run_n > best_n:
                best, best_n = v, run_n
        out.append(best)
    return _typed(out, args[0].data.dtype)


def _typed(values: list, dtype: np.dtype) -> Column:
    present = np.asarray([v is not None for v in values], dtype=bool)
    if dtype == object:
        return _result(obj_array(values), present)
    return _result(np.asarray([v if v is not None else 0 for v in values], dtype=dtype), present)
