"""Mathematical functions (float.c, numeric.c, int.c): rounding, roots, logarithms, powers,
trigonometry, greatest/least, num_nulls, random, gen_random_uuid.

float8 functions are numpy ufuncs with PostgreSQL's domain errors; numeric functions follow
numeric.c's result-scale rules (at least 16 significant digits, never fewer than the input's
scale) so results print with the same digits as PostgreSQL.
"""

from __future__ import annotations

import decimal
import math
import uuid
from decimal import Decimal

import numpy as np

from quantadb.errors import (
    DivisionByZero, InvalidArgumentForLogarithm, InvalidArgumentForPowerFunction,
    InvalidArgumentForWidthBucketFunction, NullValueNotAllowed, NumericValueOutOfRange,
)
from quantadb.exec.functions import scalar
from quantadb.exec.functions.arith import float_check
from quantadb.exec.functions.strings import rows
from quantadb.exec.functions.support import (
    EXACT, NUMERIC_MIN_SIG_DIGITS, and_valid, any_active, clamp_scale, dscale, estimate_ln_dweight, map_nullable,
    nbase_weight, obj_array, quantize_scale, with_sig_digits,
)
from quantadb.types.column import Column


def _float_fn(fn, check=None, errors: bool = True):
    """A float8 ufunc with PostgreSQL's overflow/underflow check (check(x, valid) raises)."""
    def impl(args, n, ctx, call) -> Column:
        x = args[0].data
        valid = args[0].valid
        if check is not None:
            check(x, valid)
        with np.errstate(all="ignore"):
            r = fn(x)
        return Column(float_check(r, valid, x, zero_ok=not errors) if errors else r)
    return impl


def _need(cond, exc):
    def check(x, valid):
        if any_active(cond(x), valid):
            raise exc
    return check


def _log_check(x, valid) -> None:
    if any_active(x == 0, valid):
        raise InvalidArgumentForLogarithm("cannot take logarithm of zero")
    if any_active(x < 0, valid):
        raise InvalidArgumentForLogarithm("cannot take logarithm of a negative number")


_LIBC_CBRT = np.frompyfunc(math.cbrt, 1, 1)
_SQRT_NEG = InvalidArgumentForPowerFunction("cannot take square root of a negative number")
_RANGE = NumericValueOutOfRange("input is out of range")

scalar("dround")(_float_fn(np.rint, errors=False))
scalar("dtrunc")(_float_fn(np.trunc, errors=False))
scalar("dceil")(_float_fn(np.ceil, errors=False))  # ceil(-0.5) is -0, as C's ceil()
scalar("dfloor")(_float_fn(np.floor, errors=False))
# float.c's dsign: 1 above zero, -1 below, else 0 (NaN and -0 included)
scalar("dsign")(_float_fn(lambda x: np.where(np.isnan(x), 0.0, np.sign(x) + 0.0), errors=False))
scalar("dsqrt")(_float_fn(np.sqrt, _need(lambda x: x < 0, _SQRT_NEG), errors=False))
# libc's cbrt(), as PostgreSQL's dcbrt: numpy 2's own rounds otherwise (cbrt(27) is 3, not 3.0000000000000004)
scalar("dcbrt")(_float_fn(lambda x: _LIBC_CBRT(x).astype(np.float64), errors=False))
scalar("dexp")(_float_fn(np.exp))
scalar("dlog1")(_float_fn(np.log, _log_check, errors=False))
scalar("dlog10")(_float_fn(np.log10, _log_check, errors=False))
scalar("degrees")(_float_fn(np.degrees, errors=False))
scalar("radians")(_float_fn(np.radians, errors=False))
scalar("dsin")(_float_fn(np.sin, _need(np.isinf, _RANGE), errors=False))
scalar("dcos")(_float_fn(np.cos, _need(np.isinf, _RANGE), errors=False))
scalar("dtan")(_float_fn(np.tan, _need(np.isinf, _RANGE), errors=False))
scalar("dcot")(_float_fn(lambda x: 1.0 / np.tan(x), _need(np.isinf, _RANGE), errors=False))
scalar("dasin")(_float_fn(np.arcsin, _need(lambda x: np.abs(x) > 1, _RANGE), errors=False))
scalar("dacos")(_float_fn(np.arccos, _need(lambda x: np.abs(x) > 1, _RANGE), errors=False))
scalar("datan")(_float_fn(np.arctan, errors=False))


@scalar("datan2")
def datan2(args, n, ctx, call) -> Column:
    return Column(np.arctan2(args[0].data, args[1].data))


@scalar("dpow")
def dpow(args, n, ctx, call) -> Column:
    x, y = args[0].data, args[1].data
    valid = and_valid(args)
    if any_active((x == 0) & (y < 0), valid):
        raise InvalidArgumentForPowerFunction("zero raised to a negative power is undefined")
    if any_active((x < 0) & (np.floor(y) != y) & np.isfinite(y), valid):
        raise InvalidArgumentForPowerFunction("a negative number raised to a non-integer power yields a complex result")
    with np.errstate(all="ignore"):
        r = np.power(x, y)
    return Column(float_check(r, valid, x, y, zero_ok=False))  # pow(100000, -2e14) underflows


@scalar("pi")
def pi(args, n, ctx, call) -> Column:
    return Column(np.full(n, math.pi))


@scalar("drandom")
def drandom(args, n, ctx, call) -> Column:
    return Column(np.random.random(n))


@scalar("gen_random_uuid")
def gen_random_uuid(args, n, ctx, call) -> Column:
    return Column(obj_array([uuid.uuid4() for _ in range(n)]))


@scalar("int4gcd", "int8gcd")
def gcd(args, n, ctx, call) -> Column:
    return Column(np.gcd(args[0].data, args[1].data))


@scalar("int4lcm", "int8lcm")
def lcm(args, n, ctx, call) -> Column:
    pairs = zip(args[0].data.tolist(), args[1].data.tolist())
    exact = [abs(a * b) // math.gcd(a, b) if a and b else 0 for a, b in pairs]
    limit = np.iinfo(args[0].data.dtype).max
    if any(v > limit for v in exact):
        raise NumericValueOutOfRange(f"{'integer' if limit < 2**32 else 'bigint'} out of range")
    return Column(np.asarray(exact, dtype=args[0].data.dtype))


# --- numeric ------------------------------------------------------------------------------------

def _numeric_round(mode: str):
    def fn(x: Decimal, scale: int = 0) -> Decimal:
        return quantize_scale(x, int(scale), mode)
    return fn


def _numeric_sqrt(x: Decimal) -> Decimal:
    if x.is_nan():
        return x
    if x < 0:
        raise _SQRT_NEG
    if x.is_infinite():
        return x
    weight, _ = nbase_weight(x)
    sweight = int((weight + 1) * 4 / 2) - 1
    rscale = clamp_scale(NUMERIC_MIN_SIG_DIGITS - sweight, x)
    return with_sig_digits(lambda c: x.sqrt(c), rscale, sweight + 1)


def _numeric_exp(x: Decimal) -> Decimal:
    if not x.is_finite():
        return x if x.is_nan() or x > 0 else Decimal(0)
    val = float(x) * 0.434294481903252
    if val > 131072:
        raise NumericValueOutOfRange("value overflows numeric format")
    rscale = clamp_scale(NUMERIC_MIN_SIG_DIGITS - int(max(val, -2000)), x)
    return with_sig_digits(lambda c: x.exp(c), rscale, int(val) + 1)


def _ln_check(x: Decimal) -> None:
    if x.is_zero():
        raise InvalidArgumentForLogarithm("cannot take logarithm of zero")
    if x < 0:
        raise InvalidArgumentForLogarithm("cannot take logarithm of a negative number")


def _numeric_ln(x: Decimal) -> Decimal:
    if x.is_nan():
        return x
    _ln_check(x)
    if x.is_infinite():
        return x
    rscale = clamp_scale(NUMERIC_MIN_SIG_DIGITS - estimate_ln_dweight(x), x)
    return with_sig_digits(lambda c: x.ln(c), rscale, 4)


def _numeric_log(base: Decimal, x: Decimal) -> Decimal:
    if base.is_nan() or x.is_nan():
        return Decimal("NaN")
    if base.is_infinite() or x.is_infinite():  # negative before zero, as numeric_log checks them
        for check in (lambda v: v < 0, lambda v: v.is_zero()):
            for v in (base, x):
                if check(v):
                    _ln_check(v)
        if base.is_infinite():  # log(Inf, Inf) is Inf / Inf; log(Inf, x) is 0 (no underflow error)
            return Decimal("NaN") if x.is_infinite() else Decimal(0)
        return x
    _ln_check(base)
    _ln_check(x)
    if base == 1:
        raise DivisionByZero("division by zero")
    rscale = clamp_scale(NUMERIC_MIN_SIG_DIGITS - (estimate_ln_dweight(x) - estimate_ln_dweight(base)), base, x)
    return with_sig_digits(lambda c: c.divide(x.ln(c), base.ln(c)), rscale, 4)


scalar("numeric_round")(rows(_numeric_round(decimal.ROUND_HALF_UP)))
scalar("numeric_trunc")(rows(_numeric_round(decimal.ROUND_DOWN)))
scalar("numeric_ceil")(rows(lambda x: quantize_scale(x, 0, decimal.ROUND_CEILING)))
scalar("numeric_floor")(rows(lambda x: quantize_scale(x, 0, decimal.ROUND_FLOOR)))
scalar("numeric_sign")(rows(lambda x: x if x.is_nan() else Decimal((x > 0) - (x < 0))))
scalar("numeric_scale")(lambda args, n, ctx, call: map_nullable(lambda x: dscale(x) if x.is_finite() else None,
                                                                  args, n, np.int32))
def _trim_scale(x: Decimal) -> Decimal:
    """x without trailing fractional zeros (10.0 -> 10, never 1E+1)."""
    if not x.is_finite():
        return x
    trimmed = x.normalize(EXACT)
    return trimmed if dscale(trimmed) else trimmed.quantize(Decimal(1), context=EXACT)


scalar("numeric_trim_scale")(rows(_trim_scale))


def _factorial(n: int) -> Decimal:
    if n < 0:
        raise NumericValueOutOfRange("factorial of a negative number is undefined")
    if n > 32177:  # the largest whose result fits numeric's 131072 digits before the point
        raise NumericValueOutOfRange("value overflows numeric format")
    return Decimal(math.factorial(int(n)))


scalar("numeric_fac")(rows(_factorial))
scalar("numeric_min_scale")(lambda args, n, ctx, call: map_nullable(
    lambda x: dscale(_trim_scale(x)) if x.is_finite() else None, args, n, np.int32))
scalar("numeric_sqrt")(rows(_numeric_sqrt))
scalar("numeric_exp")(rows(_numeric_exp))
scalar("numeric_ln")(rows(_numeric_ln))
scalar("numeric_log10")(rows(lambda x: _numeric_log(Decimal(10), x)))
scalar("numeric_log")(rows(_numeric_log))


# --- variadic helpers -----------------------------------------------------------------------------

def _extreme(is_max: bool):
    """greatest/least: NULL arguments are ignored; NULL only when all are NULL."""
    def impl(args, n, ctx, call) -> Column:
        valids = [np.ones(n, dtype=bool) if a.valid is None else a.valid for a in args]
        any_valid = np.logical_or.reduce(valids)
        dtype = args[0].data.dtype
        if dtype != object and dtype.kind in "iuf":
            fill = (-np.inf if is_max else np.inf) if dtype.kind == "f" else \
                (np.iinfo(dtype).min if is_max else np.iinfo(dtype).max)
            stacked = np.stack([np.where(v, a.data, fill) for a, v in zip(args, valids)])
            out = (stacked.max(axis=0) if is_max else stacked.min(axis=0)).astype(dtype)
            return Column(out, None if any_valid.all() else any_valid)
        out = np.empty(n, dtype=dtype)
        for i in range(n):
            vals = [a.data[i] for a, v in zip(args, valids) if v[i]]
            out[i] = (max(vals) if is_max else min(vals)) if vals else args[0].data[i]
        return Column(out, None if any_valid.all() else any_valid)
    return impl


scalar("greatest")(_extreme(True))
scalar("least")(_extreme(False))


def _count_nulls(want_null: bool):
    def impl(args, n, ctx, call) -> Column:
        nulls = sum((np.zeros(n, dtype=np.int32) if a.valid is None else (~a.valid).astype(np.int32)) for a in args)
        nulls = np.zeros(n, dtype=np.int32) + nulls
        return Column((nulls if want_null else len(args) - nulls).astype(np.int32))
    return impl


scalar("num_nulls")(_count_nulls(True))
scalar("num_nonnulls")(_count_nulls(False))


# --- width_bucket -------------------------------------------------------------------------------

def _bucket_checks(operand, low, high, count: int) -> None:
    if count <= 0:
        raise InvalidArgumentForWidthBucketFunction("count must be greater than zero")
    if any(v.is_nan() if isinstance(v, Decimal) else math.isnan(v) for v in (operand, low, high)):
        raise InvalidArgumentForWidthBucketFunction("operand, lower bound, and upper bound cannot be NaN")
    if any(math.isinf(v) for v in (low, high)):
        raise InvalidArgumentForWidthBucketFunction("lower and upper bounds must be finite")
    if low == high:
        raise InvalidArgumentForWidthBucketFunction("lower bound cannot equal upper bound")


def _width_bucket(operand, low, high, count: int) -> int:
    """The bucket of `operand` among `count` equal ones from low to high (reversed when low > high):
    0 below the range, count + 1 past it. float8 and numeric alike; numeric division is exact."""
    count = int(count)
    _bucket_checks(operand, low, high, count)
    ascending = low < high
    if (operand < low) if ascending else (operand > low):
        return 0
    if (operand >= high) if ascending else (operand <= high):
        if count == 2147483647:
            raise NumericValueOutOfRange("integer out of range")
        return count + 1
    if isinstance(operand, Decimal):
        with decimal.localcontext(EXACT):
            share = (operand - low) / (high - low) if ascending else (low - operand) / (low - high)
            return int((count * share).to_integral_value(decimal.ROUND_FLOOR)) + 1
    if ascending:
        span = high - low
        share = (operand - low) / span if not math.isinf(span) else (operand / 2 - low / 2) / (high / 2 - low / 2)
    else:
        span = low - high
        share = (low - operand) / span if not math.isinf(span) else (low / 2 - operand / 2) / (low / 2 - high / 2)
    return min(int(count * share), count - 1) + 1  # a quotient that rounds to 1.0 stays in the last bucket


scalar("width_bucket")(lambda args, n, ctx, call: map_nullable(_width_bucket, args, n, np.int32))


@scalar("width_bucket_array")
def width_bucket_array(args, n, ctx, call) -> Column:
    """width_bucket(operand, thresholds): how many of the sorted thresholds are <= operand."""
    def bucket(operand, thresholds: list) -> int:
        if thresholds and isinstance(thresholds[0], list):
            raise InvalidArgumentForWidthBucketFunction("thresholds must be one-dimensional array")
        if any(t is None for t in thresholds):
            raise NullValueNotAllowed("thresholds array must not contain NULLs")
        lo, hi = 0, len(thresholds)
        while lo < hi:  # binary search, as PostgreSQL: the thresholds are taken to be sorted
            mid = (lo + hi) // 2
            if operand < thresholds[mid]:
                hi = mid
            else:
                lo = mid + 1
        return lo
    return map_nullable(bucket, args, n, np.int32)

