"""Helpers shared by the function implementations: NULL masks, row-wise application over
object arrays, and PostgreSQL's exact numeric arithmetic on Decimal (scales as numeric.c)."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from typing import Any, Callable

import numpy as np

from quantadb.errors import DivisionByZero
from quantadb.types.column import Column

# Exact arithmetic: no rounding below 100k significant digits, no exponent limits.
EXACT = decimal.Context(prec=100_000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                        rounding=decimal.ROUND_HALF_UP, traps=[decimal.DivisionByZero])  # inf - inf is NaN
NUMERIC_MIN_SIG_DIGITS = 16
NUMERIC_MAX_DISPLAY_SCALE = 1000


def and_valid(cols: list[Column]) -> np.ndarray | None:
    """The combined NULL mask of `cols` (None: no NULLs anywhere)."""
    out = None
    for c in cols:
        if c.valid is not None:
            out = c.valid.copy() if out is None else out & c.valid
    return out


def any_active(mask: np.ndarray, valid: np.ndarray | None) -> bool:
    """Whether `mask` holds on some non-NULL row (checks must ignore NULL rows' filler values)."""
    return bool(mask.any() if valid is None else (mask & valid).any())


def map_rows(fn: Callable[..., Any], args: list[Column], n: int, dtype: Any = object,
             fill: Any = None) -> np.ndarray:
    """fn(*values) for every row where all args are non-NULL; `fill` elsewhere."""
    valid = and_valid(args)
    datas = [a.data for a in args]
    if valid is None:
        return np.fromiter((fn(*vals) for vals in zip(*datas)), dtype=dtype, count=n) if dtype is not object \
            else _obj(fn(*vals) for vals in zip(*datas))
    out = np.full(n, fill, dtype=dtype)
    idx = np.flatnonzero(valid)
    if len(idx):
        sub = [d[idx] for d in datas]
        out[idx] = _obj(fn(*vals) for vals in zip(*sub)) if dtype is object else \
            np.fromiter((fn(*vals) for vals in zip(*sub)), dtype=dtype, count=len(idx))
    return out


def _obj(values: Any) -> np.ndarray:
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def obj_array(items: list) -> np.ndarray:
    """A 1-D object array holding `items` as they are (lists stay elements, not a 2-D array)."""
    return _obj(items)


def map_nullable(fn: Callable[..., Any], args: list[Column], n: int, dtype: Any = object,
                 fill: Any = None) -> Column:
    """Like map_rows for functions that may return NULL (fn returns None): builds the mask."""
    data = map_rows(fn, args, n, object)
    valid = np.fromiter((v is not None for v in data), dtype=bool, count=n)
    inputs = and_valid(args)
    if inputs is not None:
        valid &= inputs
    if dtype is not object:
        data = np.where(valid, data, fill if fill is not None else 0).astype(dtype)
    return Column(data, None if valid.all() else valid)


# --- numeric (Decimal) with PostgreSQL's result scales ---------------------------------------

def scaled_or(kernel: Callable[..., Column | None], exact: Callable) -> Callable:
    """A numeric operator: `kernel` on scaled int64 (types/scaled.py) when every argument is in
    that form and the kernel can answer exactly, else the Decimal implementation `exact`."""
    def impl(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
        if all(a.scale is not None for a in args):
            out = kernel(*args)
            if out is not None:
                return out
        return exact(args, n, ctx, call)
    return impl


def dscale(d: Decimal) -> int:
    """numeric's display scale: digits after the decimal point."""
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def nbase_weight(d: Decimal) -> tuple[int, int]:
    """(weight, first digit) of |d| in PostgreSQL's base-10000 representation."""
    if d.is_zero():
        return 0, 0
    weight = d.adjusted() // 4
    return weight, int(abs(d).scaleb(-4 * weight, context=EXACT))


def round_scale(d: Decimal, scale: int) -> Decimal:
    """Round half away from zero to `scale` digits after the point (negative: left of it)."""
    return quantize_scale(d, scale, decimal.ROUND_HALF_UP)


def quantize_scale(d: Decimal, scale: int, rounding: str) -> Decimal:
    """Round to `scale` digits after the point; a negative scale rounds left of it and keeps
    scale 0 (PostgreSQL prints 1200, never 1.2E+3). Zero loses its sign, as numeric has none."""
    if not d.is_finite():
        return d
    if scale >= 0:
        out = d.quantize(Decimal(1).scaleb(-scale), rounding=rounding, context=EXACT)
    else:
        whole = d.scaleb(scale, context=EXACT).quantize(Decimal(1), rounding=rounding, context=EXACT)
        out = Decimal(int(whole) * 10 ** -scale)
    return out.copy_abs() if out.is_zero() else out


def clamp_scale(rscale: int, *inputs: Decimal) -> int:
    for d in inputs:
        rscale = max(rscale, dscale(d))
    return min(max(rscale, 0), NUMERIC_MAX_DISPLAY_SCALE)


def div_scale(x: Decimal, y: Decimal) -> int:
    """select_div_scale: at least 16 significant digits, never fewer than the inputs' scales."""
    w1, f1 = nbase_weight(x)
    w2, f2 = nbase_weight(y)
    qweight = w1 - w2
    if f1 <= f2:
        qweight -= 1
    return clamp_scale(NUMERIC_MIN_SIG_DIGITS - qweight * 4, x, y)


def div_exact(x: Decimal, y: Decimal, rscale: int) -> Decimal:
    """x / y rounded half away from zero to `rscale` digits, computed exactly in integers."""
    sx, dx, ex = x.as_tuple()
    sy, dy, ey = y.as_tuple()
    xi = int("".join(map(str, dx)) or "0")
    yi = int("".join(map(str, dy)) or "0")
    shift = ex - ey + rscale
    num, den = (xi * 10 ** shift, yi) if shift >= 0 else (xi, yi * 10 ** -shift)
    q, r = divmod(num, den)
    if 2 * r >= den:
        q += 1
    if sx != sy and q:
        q = -q
    return Decimal(q).scaleb(-rscale, context=EXACT)


def numeric_div(x: Decimal, y: Decimal) -> Decimal:
    if y.is_zero() and not y.is_nan():
        raise DivisionByZero("division by zero")
    if not (x.is_finite() and y.is_finite()):
        return _nonfinite_div(x, y)
    return div_exact(x, y, div_scale(x, y))


def _nonfinite_div(x: Decimal, y: Decimal) -> Decimal:
    if x.is_nan() or y.is_nan() or (x.is_infinite() and y.is_infinite()):
        return Decimal("NaN")
    if y.is_infinite():
        return Decimal(0)
    return x if y > 0 else -x


def estimate_ln_dweight(d: Decimal) -> int:
    """numeric.c estimate_ln_dweight: the decimal weight of ln(d)."""
    if d <= 0:
        return 0
    if Decimal("0.9") <= d <= Decimal("1.1"):
        x = d - 1
        return 0 if x.is_zero() else x.adjusted()
    return int(math.log10(abs(float(d.ln(context=decimal.Context(prec=20))))))


def with_sig_digits(value: Callable[[decimal.Context], Decimal], rscale: int, magnitude: int) -> Decimal:
    """Evaluate a transcendental with enough working precision, then round to `rscale`."""
    ctx = decimal.Context(prec=max(magnitude, 0) + rscale + 20, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    return round_scale(value(ctx), rscale)
