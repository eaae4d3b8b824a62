"""Arithmetic operators on int2/int4/int8/float4/float8/numeric with PostgreSQL's overflow and
division checks (int.c, int8.c, float.c, numeric.c). Checks look only at non-NULL rows: NULL
slots hold arbitrary filler values."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from functools import partial

import numpy as np

from quantadb.errors import DivisionByZero, InvalidArgumentForPowerFunction, NumericValueOutOfRange
from quantadb.exec.functions import SCALARS, scalar
from quantadb.exec.functions.support import (
    EXACT, and_valid, any_active, clamp_scale, map_rows, numeric_div, round_scale, scaled_or, with_sig_digits,
)
from quantadb.types import scaled
from quantadb.types.column import Column

INT_KINDS = {"int2": (np.int16, "smallint"), "int4": (np.int32, "integer"), "int8": (np.int64, "bigint")}
FLOAT_KINDS = {"float4": np.float32, "float8": np.float64}


def _range_error(kind: str) -> NumericValueOutOfRange:
    return NumericValueOutOfRange(f"{INT_KINDS[kind][1]} out of range")


def _narrow(wide: np.ndarray, kind: str, valid: np.ndarray | None) -> np.ndarray:
    """int64 results of int2/int4 operations back to their width, raising on overflow."""
    dtype = INT_KINDS[kind][0]
    info = np.iinfo(dtype)
    if any_active((wide < info.min) | (wide > info.max), valid):
        raise _range_error(kind)
    return wide.astype(dtype)


def _int_binop(kind: str, op: str):
    def impl(args, n, ctx, call) -> Column:
        a, b = args[0].data, args[1].data
        valid = and_valid(args)
        if kind != "int8" and op in ("mul", "div", "mod"):
            a64, b64 = a.astype(np.int64), b.astype(np.int64)
            wide = a64 * b64 if op == "mul" else _int_divmod(a64, b64, op, valid, kind)
            return Column(_narrow(wide, kind, valid))
        if op in ("div", "mod"):
            return Column(_int_divmod(a, b, op, valid, kind))
        with np.errstate(over="ignore"):
            # Wrapping add/sub; overflow iff the result's sign disagrees with both operands'.
            if op == "pl":
                r = a + b
                bad = ((a ^ r) & (b ^ r)) < 0
            elif op == "mi":
                r = a - b
                bad = ((a ^ b) & (a ^ r)) < 0
            else:
                r = a * b
                approx = a.astype(np.float64) * b.astype(np.float64)
                near = np.flatnonzero(np.abs(approx) >= 2.0 ** 62)
                bad = np.zeros(len(a), dtype=bool)
                bad[near] = [not (-2 ** 63 <= int(x) * int(y) < 2 ** 63) for x, y in zip(a[near], b[near])]
        if any_active(bad, valid):
            raise _range_error(kind)
        return Column(r)
    return impl


def _int_divmod(a: np.ndarray, b: np.ndarray, op: str, valid: np.ndarray | None, kind: str) -> np.ndarray:
    zero = b == 0
    if any_active(zero, valid):
        raise DivisionByZero("division by zero")
    minus_one = b == -1
    safe = np.where(zero | minus_one, 1, b)
    if op == "mod":
        return np.where(minus_one, 0, np.fmod(a, safe))
    if kind == "int8" and any_active(minus_one & (a == np.iinfo(np.int64).min), valid):
        raise _range_error(kind)
    q = np.floor_divide(a, safe)
    q += ((q * safe != a) & ((a < 0) != (safe < 0))).astype(a.dtype)
    with np.errstate(over="ignore"):
        return np.where(minus_one, -a, q)


def _int_unop(kind: str, op: str):
    def impl(args, n, ctx, call) -> Column:
        a = args[0].data
        if op == "up":
            return Column(a)
        if op == "not":
            return Column(~a)
        lo = np.iinfo(INT_KINDS[kind][0]).min
        if any_active(a == lo, args[0].valid):
            raise _range_error(kind)
        return Column(-a if op == "um" else np.abs(a))
    return impl


def _int_bitop(kind: str, op: str):
    def impl(args, n, ctx, call) -> Column:
        a, b = args[0].data, args[1].data
        if op == "and":
            return Column(a & b)
        if op == "or":
            return Column(a | b)
        if op == "xor":
            return Column(a ^ b)
        bits = np.iinfo(a.dtype).bits
        shift = (b.astype(np.int64) % bits).astype(a.dtype)  # C shifts wrap the count on x86
        return Column(np.left_shift(a, shift) if op == "shl" else np.right_shift(a, shift))
    return impl


def float_check(r: np.ndarray, valid: np.ndarray | None, *inputs: np.ndarray, zero_ok: bool = True) -> np.ndarray:
    """float.c's check_float8_val: inf from finite inputs overflows; 0 from non-zero finite
    inputs underflows (exp(-Infinity) and 1 / Infinity are a plain 0)."""
    finite_in = np.ones(len(r), dtype=bool)
    for x in inputs:
        finite_in &= np.isfinite(x)
    if any_active(np.isinf(r) & finite_in, valid):
        raise NumericValueOutOfRange("value out of range: overflow")
    if not zero_ok:
        nonzero_in = np.ones(len(r), dtype=bool)
        for x in inputs:
            nonzero_in &= (x != 0) & np.isfinite(x)
        if any_active((r == 0) & nonzero_in, valid):
            raise NumericValueOutOfRange("value out of range: underflow")
    return r


def _float_binop(kind: str, op: str):
    def impl(args, n, ctx, call) -> Column:
        a, b = args[0].data, args[1].data
        valid = and_valid(args)
        with np.errstate(all="ignore"):
            if op == "pl":
                return Column(float_check(a + b, valid, a, b))
            if op == "mi":
                return Column(float_check(a - b, valid, a, b))
            if op == "mul":
                return Column(float_check(a * b, valid, a, b, zero_ok=False))
            if any_active(b == 0, valid):
                raise DivisionByZero("division by zero")
            r = a / np.where(b == 0, 1, b)
            return Column(_div_check(r, a, b, valid))
    return impl


def _div_check(r: np.ndarray, a: np.ndarray, b: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    if any_active(np.isinf(r) & np.isfinite(a), valid):
        raise NumericValueOutOfRange("value out of range: overflow")
    if any_active((r == 0) & (a != 0) & np.isfinite(b), valid):
        raise NumericValueOutOfRange("value out of range: underflow")
    return r


def _float_unop(op: str):
    def impl(args, n, ctx, call) -> Column:
        a = args[0].data
        return Column(a if op == "up" else -a if op == "um" else np.abs(a))
    return impl


def _cross(impl: str, dtype: type):
    """int48pl and friends: widen both sides, then the same-type kernel checks the wider range."""
    same = SCALARS[impl]

    def run(args, n, ctx, call) -> Column:
        return same([Column(a.data.astype(dtype, copy=False), a.valid) for a in args], n, ctx, call)
    return run


for _kind in INT_KINDS:
    for _op in ("pl", "mi", "mul", "div", "mod"):
        scalar(_kind + _op)(_int_binop(_kind, _op))
    for _op in ("um", "up", "abs", "not"):
        scalar(_kind + _op)(_int_unop(_kind, _op))
    for _op in ("and", "or", "xor", "shl", "shr"):
        scalar(_kind + _op)(_int_bitop(_kind, _op))
for _kind in FLOAT_KINDS:
    for _op in ("pl", "mi", "mul", "div"):
        scalar(_kind + _op)(_float_binop(_kind, _op))
    for _op in ("um", "up", "abs"):
        scalar(_kind + _op)(_float_unop(_op))

CROSS = {"int24": ("int4", np.int32), "int42": ("int4", np.int32), "int28": ("int8", np.int64),
         "int82": ("int8", np.int64), "int48": ("int8", np.int64), "int84": ("int8", np.int64),
         "float48": ("float8", np.float64), "float84": ("float8", np.float64)}
for _prefix, (_wide, _dtype) in CROSS.items():
    for _op in ("pl", "mi", "mul", "div"):
        scalar(_prefix + _op)(_cross(_wide + _op, _dtype))


# --- numeric ----------------------------------------------------------------------------

def _numeric_rows(fn):
    def impl(args, n, ctx, call) -> Column:
        with decimal.localcontext(EXACT):
            return Column(map_rows(fn, args, n))
    return impl


def _numeric_vec(op):
    """Object-array arithmetic under the exact context (numpy calls Decimal's operators)."""
    def impl(args, n, ctx, call) -> Column:
        valid = and_valid(args)
        datas = [a.data if valid is None else np.where(valid, a.data, Decimal(1)) for a in args]
        with decimal.localcontext(EXACT):
            return Column(op(*datas))
    return impl


_NAN, _INF = Decimal("NaN"), Decimal("Infinity")


def _numeric_mod(x: Decimal, y: Decimal) -> Decimal:
    """numeric_mod: NaN in, NaN out (even % 0); [-]Inf % nonzero is NaN; x % [-]Inf is x."""
    if x.is_nan() or y.is_nan():
        return _NAN
    if y.is_zero():
        raise DivisionByZero("division by zero")
    if x.is_infinite():
        return _NAN
    if y.is_infinite():
        return x
    return x % y  # Decimal's % takes the dividend's sign, as PostgreSQL's mod


def _numeric_div_trunc(x: Decimal, y: Decimal) -> Decimal:
    """div(): [-]Inf / finite keeps the infinity (signed), finite / [-]Inf is 0, Inf / Inf NaN."""
    if x.is_nan() or y.is_nan():
        return _NAN
    if y.is_zero():
        raise DivisionByZero("division by zero")
    if x.is_infinite():
        return _NAN if y.is_infinite() else x if y > 0 else -x
    if y.is_infinite():
        return Decimal(0)
    return x // y  # Decimal's // truncates toward zero, as div() does


def _numeric_power(x: Decimal, y: Decimal) -> Decimal:
    if not (x.is_finite() and y.is_finite()):
        return _special_power(x, y)
    if x.is_zero() and y < 0:
        raise InvalidArgumentForPowerFunction("zero raised to a negative power is undefined")
    integral = y == y.to_integral_value()
    if x < 0 and not integral:
        raise InvalidArgumentForPowerFunction("a negative number raised to a non-integer power yields a complex result")
    if integral and -2**31 <= y < 2**31:  # power_var_int, at PostgreSQL 15's scale: max(16, the base's)
        rscale = clamp_scale(16, x)
        if x.is_zero():
            return round_scale(Decimal(1 if y.is_zero() else 0), rscale)
        weight = float(y) * _log10(x)
        if weight >= NUMERIC_MAX_WEIGHT_DIGITS:
            raise NumericValueOutOfRange("value overflows numeric format")
        if weight + 1 < -rscale:  # below the result's last digit
            return round_scale(Decimal(0), rscale)
        return round_scale(_exact_int_power(x, int(y), rscale), rscale)
    if x.is_zero():
        return round_scale(Decimal(0), 16)
    # power_var's general path: exp(y * ln(x)), an underflow is zero at the largest display scale
    ln_result = float(y) * _log10(x) / 0.434294481903252
    if abs(ln_result) > 2000 * 3.01:
        if ln_result > 0:
            raise NumericValueOutOfRange("value overflows numeric format")
        return round_scale(Decimal(0), 1000)
    weight = ln_result * 0.434294481903252
    rscale = clamp_scale(16 - int(weight), x, y)
    return with_sig_digits(lambda c: c.power(x, y), rscale, int(weight) + 1)


NUMERIC_MAX_WEIGHT_DIGITS = 131072  # digits before the point numeric can hold


def _log10(x: Decimal) -> float:
    """log10(|x|) as a float, for any magnitude (float(x) overflows past 1e308)."""
    x = abs(x)
    return x.adjusted() + math.log10(float(x.scaleb(-x.adjusted())))


def _special_power(x: Decimal, y: Decimal) -> Decimal:
    """numeric_power with a NaN or infinite input: NaN ^ 0 = 1 ^ NaN = 1, other NaNs give NaN;
    infinities follow POSIX pow() (numeric.c spells the rules out)."""
    if x.is_nan():
        return Decimal(1) if y.is_zero() else _NAN
    if y.is_nan():
        return Decimal(1) if x == 1 else _NAN
    if x.is_zero() and y < 0:
        raise InvalidArgumentForPowerFunction("zero raised to a negative power is undefined")
    if x < 0 and y.is_finite() and y != y.to_integral_value():
        raise InvalidArgumentForPowerFunction("a negative number raised to a non-integer power yields a complex result")
    if x == 1 or y.is_zero():
        return Decimal(1)
    if x.is_zero():  # and y > 0
        return Decimal(0)
    if y.is_infinite():
        if x == -1:
            return Decimal(1)
        return _INF if (abs(x) > 1) == (y > 0) else Decimal(0)
    if y < 0:  # x is [-]Inf
        return Decimal(0)
    odd = x < 0 and y % 2 == 1
    return -_INF if odd else _INF


def _exact_int_power(x: Decimal, e: int, rscale: int) -> Decimal:
    if e >= 0:
        return EXACT.power(x, e)
    ctx = decimal.Context(prec=rscale + 30 + abs(x.adjusted() * e), Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    return ctx.divide(1, EXACT.power(x, -e))


scalar("numeric_add")(scaled_or(scaled.add, _numeric_vec(lambda a, b: a + b)))
scalar("numeric_sub")(scaled_or(partial(scaled.add, subtract=True), _numeric_vec(lambda a, b: a - b)))
scalar("numeric_mul")(scaled_or(scaled.mul, _numeric_vec(lambda a, b: a * b)))
scalar("numeric_uminus")(scaled_or(scaled.negate, _numeric_vec(lambda a: -a)))
scalar("numeric_uplus")(scaled_or(lambda a: a, _numeric_vec(lambda a: a)))
scalar("numeric_abs")(scaled_or(scaled.absolute, _numeric_vec(lambda a: np.abs(a))))
scalar("numeric_div")(_numeric_rows(numeric_div))
scalar("numeric_mod")(_numeric_rows(_numeric_mod))
scalar("numeric_power")(_numeric_rows(_numeric_power))
scalar("numeric_div_trunc")(_numeric_rows(_numeric_div_trunc))
