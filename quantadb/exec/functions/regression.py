"""Two-variable statistics over (Y, X) float8 pairs: corr, covar_pop/samp and the regr_*
aggregates (float.c). Rows where either value is NULL are skipped.

Each group accumulates N, Sx, Sxx, Sy, Syy, Sxy with PostgreSQL's float8_regr_accum
(Youngs-Cramer: the sums of squares are of deviations, updated per row), so results match
PostgreSQL's to the last digit, in one Python step per row.
"""

from __future__ import annotations

import math

import numpy as np

from quantadb.exec.functions import aggregate
from quantadb.exec.functions.aggregates import _result
from quantadb.types.column import Column


def _sums(args: list[Column], group_ids: np.ndarray, ngroups: int) -> list[list[float]]:
    """Per group [N, Sx, Sxx, Sy, Syy, Sxy]."""
    ys, xs = args[0], args[1]
    keep = np.ones(len(group_ids), dtype=bool)
    for col in (ys, xs):
        if col.valid is not None:
            keep &= col.valid
    acc = [[0.0] * 6 for _ in range(ngroups)]
    nan = math.nan
    for g, y, x in zip(group_ids[keep].tolist(), ys.data[keep].astype(np.float64).tolist(),
                       xs.data[keep].astype(np.float64).tolist()):
        s = acc[g]
        old_n = s[0]
        n, sx, sy = old_n + 1.0, s[1] + x, s[3] + y
        if old_n > 0.0:
            tmp_x, tmp_y = x * n - sx, y * n - sy
            scale = 1.0 / (n * old_n)
            s[2] += tmp_x * tmp_x * scale
            s[4] += tmp_y * tmp_y * scale
            s[5] += tmp_x * tmp_y * scale
            for k in (2, 4, 5):  # sums of deviations never become infinite: NaN, as in PostgreSQL
                if math.isinf(s[k]):
                    s[k] = nan
        else:
            if math.isnan(x) or math.isinf(x):
                s[2] = s[5] = nan
            if math.isnan(y) or math.isinf(y):
                s[4] = s[5] = nan
        s[0], s[1], s[3] = n, sx, sy
    return acc


def _regression(final):
    """An aggregate whose result is final(N, Sx, Sxx, Sy, Syy, Sxy), None for NULL."""
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        out = [final(*s) for s in _sums(args, group_ids, ngroups)]
        present = np.fromiter((v is not None for v in out), dtype=bool, count=ngroups)
        return _result(np.array([0.0 if v is None else v for v in out], dtype=np.float64), present)
    return impl


def _corr(n, sx, sxx, sy, syy, sxy):
    if n < 1 or sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _r2(n, sx, sxx, sy, syy, sxy):
    if n < 1 or sxx == 0:
        return None
    return 1.0 if syy == 0 else sxy * sxy / (sxx * syy)


FINALS = {
    "corr": _corr,
    "covar_pop": lambda n, sx, sxx, sy, syy, sxy: sxy / n if n >= 1 else None,
    "covar_samp": lambda n, sx, sxx, sy, syy, sxy: sxy / (n - 1) if n >= 2 else None,
    "regr_avgx": lambda n, sx, sxx, sy, syy, sxy: sx / n if n >= 1 else None,
    "regr_avgy": lambda n, sx, sxx, sy, syy, sxy: sy / n if n >= 1 else None,
    "regr_sxx": lambda n, sx, sxx, sy, syy, sxy: sxx if n >= 1 else None,
    "regr_syy": lambda n, sx, sxx, sy, syy, sxy: syy if n >= 1 else None,
    "regr_sxy": lambda n, sx, sxx, sy, syy, sxy: sxy if n >= 1 else None,
    "regr_slope": lambda n, sx, sxx, sy, syy, sxy: sxy / sxx if n >= 1 and sxx != 0 else None,
    "regr_intercept": lambda n, sx, sxx, sy, syy, sxy: (sy - sx * sxy / sxx) / n if n >= 1 and sxx != 0 else None,
    "regr_r2": _r2,
}
for _name, _final in FINALS.items():
    aggregate(_name)(_regression(_final))


@aggregate("regr_count")
def regr_count(args, group_ids, ngroups, ctx, agg) -> Column:
    keep = np.ones(len(group_ids), dtype=bool)
    for col in args:
        if col.valid is not None:
            keep &= col.valid
    return Column(np.bincount(group_ids[keep], minlength=ngroups).astype(np.int64))
