"""Degree-based and hyperbolic trigonometric functions, vectorized.

The degree variants follow PostgreSQL's float.c: the argument is reduced to the first quadrant
and sine/cosine are scaled so that the results at 30, 45, 60 and 90 degrees are exact
(sind(30) = 0.5, tand(45) = 1), and the inverse functions return exact 30/45/60/90."""

from __future__ import annotations

import numpy as np

from quantadb.errors import NumericValueOutOfRange
from quantadb.exec.functions import scalar
from quantadb.types.column import Column

_RADIANS = np.pi / 180.0
_SIN_30 = np.sin(30.0 * _RADIANS)
_ONE_MINUS_COS_60 = 1.0 - np.cos(60.0 * _RADIANS)
_ASIN_0_5 = np.arcsin(0.5)
_ACOS_0_5 = np.arccos(0.5)
_ATAN_1_0 = np.arctan(1.0)


def _sind_0_to_30(x):
    return (np.sin(x * _RADIANS) / _SIN_30) / 2.0


def _cosd_0_to_60(x):
    return 1.0 - ((1.0 - np.cos(x * _RADIANS)) / _ONE_MINUS_COS_60) / 2.0


def _sind_q1(x):
    return np.where(x <= 30.0, _sind_0_to_30(x), _cosd_0_to_60(90.0 - x))


def _cosd_q1(x):
    return np.where(x <= 60.0, _cosd_0_to_60(x), _sind_0_to_30(90.0 - x))


_TAN_45 = float(_sind_q1(np.float64(45.0)) / _cosd_q1(np.float64(45.0)))


def _values(col: Column, finite: bool = False) -> np.ndarray:
    """The float8 argument; infinite inputs of the rows that count are 'input is out of range'."""
    x = col.data.astype(np.float64)
    if finite:
        counted = np.isinf(x) if col.valid is None else np.isinf(x) & col.valid
        if counted.any():
            raise NumericValueOutOfRange("input is out of range")
    return x


def _in_domain(col: Column, x: np.ndarray, ok: np.ndarray) -> None:
    bad = ~ok & ~np.isnan(x)
    if col.valid is not None:
        bad &= col.valid
    if bad.any():
        raise NumericValueOutOfRange("input is out of range")


def _reduce(x: np.ndarray, fold_sign_over_90: bool) -> tuple[np.ndarray, np.ndarray]:
    """Argument in [0, 90] and the sign the result takes (sind/tand/cotd: odd; cosd: even)."""
    x = np.fmod(x, 360.0)
    sign = np.ones_like(x)
    negative = x < 0.0
    x = np.abs(x)
    if fold_sign_over_90:
        sign[negative] = -1.0
    over_180 = x > 180.0
    x = np.where(over_180, 360.0 - x, x)
    if fold_sign_over_90:
        sign[over_180] *= -1.0
    over_90 = x > 90.0
    x = np.where(over_90, 180.0 - x, x)
    return x, sign


@scalar("sind")
def sind(args, n, ctx, call) -> Column:
    x, sign = _reduce(_values(args[0], finite=True), True)
    return Column(sign * _sind_q1(x))


@scalar("cosd")
def cosd(args, n, ctx, call) -> Column:
    raw = _values(args[0], finite=True)
    x = np.abs(np.fmod(raw, 360.0))
    x = np.where(x > 180.0, 360.0 - x, x)
    sign = np.where(x > 90.0, -1.0, 1.0)
    x = np.where(x > 90.0, 180.0 - x, x)
    return Column(sign * _cosd_q1(x))


def _tangent(args, inverse: bool) -> Column:
    raw = _values(args[0], finite=True)
    x = np.fmod(raw, 360.0)
    sign = np.where(x < 0.0, -1.0, 1.0)
    x = np.abs(x)
    sign = np.where(x > 180.0, -sign, sign)
    x = np.where(x > 180.0, 360.0 - x, x)
    sign = np.where(x > 90.0, -sign, sign)
    x = np.where(x > 90.0, 180.0 - x, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = _cosd_q1(x) / _sind_q1(x) if inverse else _sind_q1(x) / _cosd_q1(x)
        out = sign * (ratio / _TAN_45 if not inverse else ratio * _TAN_45)
    return Column(out + 0.0)  # PostgreSQL returns plain zero, never minus zero


@scalar("tand")
def tand(args, n, ctx, call) -> Column:
    return _tangent(args, False)


@scalar("cotd")
def cotd(args, n, ctx, call) -> Column:
    return _tangent(args, True)


def _asind_q1(x):
    with np.errstate(invalid="ignore"):
        return np.where(x <= 0.5, (np.arcsin(x) / _ASIN_0_5) * 30.0, 90.0 - (np.arccos(x) / _ACOS_0_5) * 60.0)


def _acosd_q1(x):
    with np.errstate(invalid="ignore"):
        return np.where(x <= 0.5, 90.0 - (np.arcsin(x) / _ASIN_0_5) * 30.0, (np.arccos(x) / _ACOS_0_5) * 60.0)


@scalar("asind")
def asind(args, n, ctx, call) -> Column:
    x = _values(args[0])
    _in_domain(args[0], x, (x >= -1.0) & (x <= 1.0))
    return Column(np.where(x >= 0.0, _asind_q1(np.abs(x)), -_asind_q1(np.abs(x))))


@scalar("acosd")
def acosd(args, n, ctx, call) -> Column:
    x = _values(args[0])
    _in_domain(args[0], x, (x >= -1.0) & (x <= 1.0))
    return Column(np.where(x >= 0.0, _acosd_q1(np.abs(x)), 90.0 + _asind_q1(np.abs(x))))


@scalar("atand")
def atand(args, n, ctx, call) -> Column:
    return Column((np.arctan(_values(args[0])) / _ATAN_1_0) * 45.0)


@scalar("atan2d")
def atan2d(args, n, ctx, call) -> Column:
    return Column((np.arctan2(_values(args[0]), _values(args[1])) / _ATAN_1_0) * 45.0)


@scalar("sinh")
def sinh(args, n, ctx, call) -> Column:
    with np.errstate(over="ignore"):
        return Column(np.sinh(_values(args[0])))


@scalar("cosh")
def cosh(args, n, ctx, call) -> Column:
    with np.errstate(over="ignore"):
        return Column(np.cosh(_values(args[0])))


@scalar("tanh")
def tanh(args, n, ctx, call) -> Column:
    return Column(np.tanh(_values(args[0])))


@scalar("asinh")
def asinh(args, n, ctx, call) -> Column:
    return Column(np.arcsinh(_values(args[0])))


@scalar("acosh")
def acosh(args, n, ctx, call) -> Column:
    x = _values(args[0])
    _in_domain(args[0], x, x >= 1.0)
    with np.errstate(invalid="ignore"):
        return Column(np.arccosh(x))


@scalar("atanh")
def atanh(args, n, ctx, call) -> Column:
    x = _values(args[0])
    _in_domain(args[0], x, (x >= -1.0) & (x <= 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return Column(np.arctanh(x))
