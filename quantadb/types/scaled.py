"""numeric as scaled int64: the fast form of numeric columns whose values share one scale.

Contract (the `scale`/`ints` slots of types.column.Column):

- A scaled column holds value * 10**scale in int64 for every row; every value's display scale
  (PostgreSQL's dscale: digits printed after the point) is exactly `scale`, 0 <= scale <= 18.
  NaN and +-Infinity have no scaled form. NULL slots hold arbitrary ints (0 where we build them).
- Any column may be scaled or not; both forms mean the same values. Code that does not know the
  form reads `Column.data` (Decimals, made on first use), so the form never changes an answer.
- Storage keeps numeric(p,s) with p <= 18 scaled (`storage_scale`): |ints| < 10**p <= 10**18.
- Kernels return None when a result might not fit int64 (checked before or after computing);
  the caller then runs the exact Decimal path. Result scales are PostgreSQL's (numeric.c):
  + and - take max(s1, s2), * takes s1 + s2, comparisons ignore scale, typmod rounding is half
  away from zero.
"""

from __future__ import annotations

from decimal import Context, Decimal

import numpy as np

from quantadb.types import registry as r
from quantadb.types.column import Column

MAX_DIGITS = 18  # 10**18 < 2**63: numeric(18, s) always fits
INT64_MAX = (1 << 63) - 1
_SAFE_PRODUCT = float(1 << 62)  # |float estimate| below this: the exact int64 product cannot overflow
POW10 = [10 ** k for k in range(MAX_DIGITS + 1)]
_EXACT = Context(prec=100_000)


def storage_scale(t: r.SqlType) -> int | None:
    """The scale numeric(p,s) columns are stored scaled with (p <= 18), else None."""
    if t.pg is not r.NUMERIC:
        return None
    ps = r.numeric_precision_scale(t.typmod)
    if ps is None or ps[0] > MAX_DIGITS or ps[1] > ps[0]:
        return None
    return ps[1]


# --- converting between the forms -------------------------------------------------------------

def to_decimals(ints: np.ndarray, scale: int) -> np.ndarray:
    """Object array of Decimals with exponent -scale (Decimal(0).scaleb(-2) prints 0.00)."""
    out = np.empty(len(ints), dtype=object)
    memo: dict[int, Decimal] = {}
    get = memo.get
    items = []
    for x in ints.tolist():
        d = get(x)
        if d is None:
            d = memo[x] = Decimal(x).scaleb(-scale)
        items.append(d)
    out[:] = items
    return out


def decimal_scale(d: Decimal) -> int | None:
    """The scaled form's scale of one finite Decimal (its digits after the point), else None."""
    if not d.is_finite():
        return None
    exp = d.as_tuple().exponent
    scale = -exp if exp < 0 else 0
    return scale if scale <= MAX_DIGITS else None


def scaled_int(d: Decimal, scale: int) -> int | None:
    """d * 10**scale when that is an int64 and d has exactly that display scale, else None."""
    if decimal_scale(d) != scale:
        return None
    v = int(d.scaleb(scale, context=_EXACT))
    return v if -INT64_MAX <= v <= INT64_MAX else None


def const(value: Decimal, n: int) -> Column | None:
    """n copies of a numeric constant, scaled when it has a scaled form."""
    scale = decimal_scale(value)
    if scale is None:
        return None
    v = scaled_int(value, scale)
    return None if v is None else Column.scaled(np.full(n, v, dtype=np.int64), scale, None, abs(v))


def as_scale(col: Column, scale: int) -> np.ndarray | None:
    """The column's ints at `scale` when every non-NULL value has exactly that display scale
    (storage: values already went through the typmod), else None."""
    if col.scale == scale:
        return col.ints
    if col.scale is not None:
        return None
    data, valid = col.data, col.valid
    out = np.zeros(len(data), dtype=np.int64)
    rows = range(len(data)) if valid is None else np.flatnonzero(valid).tolist()
    for i in rows:
        v = scaled_int(data[i], scale)
        if v is None:
            return None
        out[i] = v
    return out


def quantized(col: Column, scale: int) -> Column | None:
    """Decimals that a typmod just rounded (each finite one has exactly `scale` digits after the
    point) in the scaled form; None when one is NaN or the form cannot hold them."""
    if not 0 <= scale <= MAX_DIGITS:
        return None
    data, valid = col.data, col.valid
    rows = np.arange(len(data)) if valid is None else np.flatnonzero(valid)
    live = data[rows].tolist()
    if not all(d.is_finite() for d in live):
        return None
    values = [int(d.scaleb(scale, context=_EXACT)) for d in live]
    if values and max(-min(values), max(values)) > INT64_MAX:
        return None
    ints = np.zeros(len(data), dtype=np.int64)
    ints[rows] = values
    return Column.scaled(ints, scale, valid)


# --- int64 kernels ----------------------------------------------------------------------------

def peak(col: Column) -> int:
    """A bound of |ints| over the column (NULL slots included): kept from where it was made, or
    computed once."""
    if col.peak is None:
        ints = col.ints
        col.peak = max(-int(ints.min()), int(ints.max())) if len(ints) else 0
    return col.peak


def _rescaled(col: Column, scale: int) -> Column | None:
    """The column at a scale >= its own, or None when a value would not fit."""
    k = scale - col.scale
    if k == 0:
        return col
    bound = peak(col)
    if k > MAX_DIGITS or bound > INT64_MAX // POW10[k]:
        return None
    return Column.scaled(col.ints * POW10[k], scale, col.valid, bound * POW10[k])


def _rounded(col: Column, scale: int) -> Column | None:
    """The column at a smaller scale, rounded half away from zero (numeric's round())."""
    k = col.scale - scale
    if k > MAX_DIGITS:
        return Column.scaled(np.zeros_like(col.ints), scale, col.valid, 0)  # |ints| < 0.5 * 10**19
    f = POW10[k]
    bound = peak(col)
    if bound > INT64_MAX - f:
        return None
    q = (np.abs(col.ints) + f // 2) // f
    return Column.scaled(np.where(col.ints < 0, -q, q), scale, col.valid, bound // f + 1)


def add(a: Column, b: Column, subtract: bool = False) -> Column | None:
    s = max(a.scale, b.scale)
    x, y = _rescaled(a, s), _rescaled(b, s)
    if x is None or y is None:
        return None
    bound = peak(x) + peak(y)
    out = x.ints - y.ints if subtract else x.ints + y.ints
    if bound > INT64_MAX:  # check for wrap-around: the result's sign against the operands'
        other = ~y.ints if subtract else y.ints  # x - y wraps like x + ~y: signs of x and ~y
        if ((x.ints ^ out) & (other ^ out) < 0).any():
            return None
        bound = None
    return Column.scaled(out, s, None, bound)


def mul(a: Column, b: Column) -> Column | None:
    s = a.scale + b.scale
    if s > MAX_DIGITS:
        return None
    x, y = a.ints, b.ints
    bound = peak(a) * peak(b)
    if bound > INT64_MAX:
        if len(x) and float(np.abs(x.astype(np.float64) * y).max()) >= _SAFE_PRODUCT:
            return None
        bound = None
    return Column.scaled(x * y, s, None, bound)


def negate(a: Column) -> Column | None:
    if peak(a) > INT64_MAX:
        return None
    return Column.scaled(-a.ints, a.scale, None, a.peak)


def absolute(a: Column) -> Column | None:
    if peak(a) > INT64_MAX:
        return None
    return Column.scaled(np.abs(a.ints), a.scale, None, a.peak)


def compare(a: Column, b: Column, op: str) -> np.ndarray | None:
    """eq ne lt le gt ge on values (scale does not matter: 1.50 = 1.5)."""
    s = max(a.scale, b.scale)
    x, y = _rescaled(a, s), _rescaled(b, s)
    if x is None or y is None:
        return None
    return _CMP[op](x.ints, y.ints)


_CMP = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
        "ge": np.greater_equal}


def with_typmod(col: Column, precision: int, scale: int) -> Column | None:
    """numeric(precision, scale) applied to a scaled column: rounded half away from zero to
    `scale`; None when the form cannot hold the result or a value overflows the precision (the
    Decimal path then raises PostgreSQL's error for it)."""
    if scale > MAX_DIGITS or scale < 0:
        return None
    out = _rescaled(col, scale) if scale >= col.scale else _rounded(col, scale)
    if out is None:
        return None
    out = Column.scaled(out.ints, scale, col.valid, out.peak)
    if precision <= MAX_DIGITS and peak(out) >= POW10[precision]:
        live = out.ints if col.valid is None else out.ints[col.valid]
        if len(live) and max(-int(live.min()), int(live.max())) >= POW10[precision]:
            return None
    return out


def decimal_of(v: int, scale: int) -> Decimal:
    """One scaled value (any Python int, e.g. an exact sum) as a Decimal with that scale."""
    return Decimal(v).scaleb(-scale, context=_EXACT)
