"""Date/time operators and functions: date +- int, date - date, timestamp(tz) +- interval,
timestamp differences, interval arithmetic, age, make_*, now() and friends, justify_*,
isfinite, to_timestamp(epoch). Month arithmetic clamps to the month's last day; timestamptz
arithmetic with months/days happens in the session time zone (timestamp.c)."""

from __future__ import annotations

import datetime as _dt
import math
import time

import numpy as np

from quantadb.errors import DatetimeFieldOverflow, FeatureNotSupported, InvalidParameterValue
from quantadb.exec.functions import scalar
from quantadb.exec.functions.calendar import (
    add_months, from_local, is_infinite_date, is_infinite_ts, split_ts, to_local, ymd,
)
from quantadb.exec.functions.strings import rows
from quantadb.exec.functions.support import any_active, and_valid, map_rows, obj_array
from quantadb.types.column import Column
from quantadb.types.datetime import days_in_month, get_zone, ymd_to_days
from quantadb.types.values import (
    DATE_NEG_INFINITY, DATE_POS_INFINITY, TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, USECS_PER_DAY, Interval,
)

_UNIX_EPOCH_US = -10957 * USECS_PER_DAY
_MAX_DAYS = 2147483494 - 2451545  # END_DATE
_MIN_DAYS = -2451545


# --- date ----------------------------------------------------------------------------------------

def _date_result(days: np.ndarray, valid, finite) -> Column:
    if any_active(((days < _MIN_DAYS) | (days >= _MAX_DAYS)) & finite, valid):
        raise DatetimeFieldOverflow("date out of range")
    return Column(days.astype(np.int32))


def _date_int(sign: int, date_first: bool):
    def impl(args, n, ctx, call) -> Column:
        d, k = (args[0].data, args[1].data) if date_first else (args[1].data, args[0].data)
        finite = ~is_infinite_date(d)
        out = np.where(finite, d.astype(np.int64) + sign * k.astype(np.int64), d)
        return _date_result(out, and_valid(args), finite)
    return impl


scalar("date_pli")(_date_int(1, True))
scalar("integer_pl_date")(_date_int(1, False))
scalar("date_mii")(_date_int(-1, True))


@scalar("date_mi")
def date_mi(args, n, ctx, call) -> Column:
    a, b = args[0].data, args[1].data
    if any_active(is_infinite_date(a) | is_infinite_date(b), and_valid(args)):
        raise DatetimeFieldOverflow("cannot subtract infinite dates")
    return Column((a.astype(np.int64) - b).astype(np.int32))


@scalar("datetime_pl", "timedate_pl")
def datetime_pl(args, n, ctx, call) -> Column:
    d, t = (args[0].data, args[1].data) if call.args[0].type.pg.name == "date" else (args[1].data, args[0].data)
    return Column(d.astype(np.int64) * USECS_PER_DAY + t)


# --- timestamp +- interval -------------------------------------------------------------------------

def _interval_parts(col: np.ndarray, sign: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(col)
    months = np.fromiter((0 if v is None else v.months for v in col), dtype=np.int64, count=n) * sign
    days = np.fromiter((0 if v is None else v.days for v in col), dtype=np.int64, count=n) * sign
    micros = np.fromiter((0 if v is None else v.micros for v in col), dtype=np.int64, count=n) * sign
    return months, days, micros


_MIN_TS_DAY, _MAX_TS_DAY = -211813488000000000 // USECS_PER_DAY - 1, 9223371331200000000 // USECS_PER_DAY + 1


def ts_plus_interval(ts: np.ndarray, ivals: np.ndarray, sign: int, zone: _dt.tzinfo | None) -> np.ndarray:
    """timestamp(_tz) + sign * interval; infinite timestamps stay infinite."""
    months, days, micros = _interval_parts(ivals, sign)
    finite = ~is_infinite_ts(ts)
    base = np.where(finite, ts, 0)
    if months.any() or days.any():
        local = base if zone is None else to_local(base, zone)
        day, tod = split_ts(local)
        day = (add_months(day, months) if months.any() else day) + days
        if any_active(((day < _MIN_TS_DAY) | (day > _MAX_TS_DAY)) & finite, None):  # before µs overflow int64
            raise DatetimeFieldOverflow("timestamp out of range")
        local = day * USECS_PER_DAY + tod
        base = local if zone is None else from_local(local, zone)
    out = base + micros
    if any_active(((out < -211813488000000000) | (out > 9223371331200000000 - 1)) & finite, None):
        raise DatetimeFieldOverflow("timestamp out of range")
    return np.where(finite, out, ts)


def _ts_interval(tz: bool, sign: int, interval_first: bool = False):
    def impl(args, n, ctx, call) -> Column:
        ts, iv = (args[1], args[0]) if interval_first else (args[0], args[1])
        valid = and_valid(args)
        ivals = iv.data if valid is None else np.where(valid, iv.data, None)
        return Column(ts_plus_interval(ts.data, ivals, sign, ctx.format.zone if tz else None))
    return impl


def _date_interval(sign: int, interval_first: bool = False):
    def impl(args, n, ctx, call) -> Column:
        d, iv = (args[1], args[0]) if interval_first else (args[0], args[1])
        valid = and_valid(args)
        ts = np.where(is_infinite_date(d.data), np.where(d.data > 0, TIMESTAMP_POS_INFINITY, TIMESTAMP_NEG_INFINITY),
                      d.data.astype(np.int64) * USECS_PER_DAY)
        ivals = iv.data if valid is None else np.where(valid, iv.data, None)
        return Column(ts_plus_interval(ts, ivals, sign, None))
    return impl


scalar("timestamp_pl_interval")(_ts_interval(False, 1))
scalar("interval_pl_timestamp")(_ts_interval(False, 1, True))
scalar("timestamp_mi_interval")(_ts_interval(False, -1))
scalar("timestamptz_pl_interval")(_ts_interval(True, 1))
scalar("interval_pl_timestamptz")(_ts_interval(True, 1, True))
scalar("timestamptz_mi_interval")(_ts_interval(True, -1))
scalar("date_pl_interval")(_date_interval(1))
scalar("interval_pl_date")(_date_interval(1, True))
scalar("date_mi_interval")(_date_interval(-1))


def justify_hours(v: Interval) -> Interval:
    days, micros = v.days + int(v.micros / USECS_PER_DAY), v.micros - int(v.micros / USECS_PER_DAY) * USECS_PER_DAY
    if days > 0 and micros < 0:
        micros, days = micros + USECS_PER_DAY, days - 1
    elif days < 0 and micros > 0:
        micros, days = micros - USECS_PER_DAY, days + 1
    return Interval(v.months, days, micros)


def justify_days(v: Interval) -> Interval:
    months, days = v.months + int(v.days / 30), v.days - int(v.days / 30) * 30
    if months > 0 and days < 0:
        days, months = days + 30, months - 1
    elif months < 0 and days > 0:
        days, months = days - 30, months + 1
    return Interval(months, days, v.micros)


def justify_interval(v: Interval) -> Interval:
    total_days = v.days + int(v.micros / USECS_PER_DAY)
    micros = v.micros - int(v.micros / USECS_PER_DAY) * USECS_PER_DAY
    months, days = v.months + int(total_days / 30), total_days - int(total_days / 30) * 30
    if months > 0 and (days < 0 or (days == 0 and micros < 0)):
        days, months = days + 30, months - 1
    elif months < 0 and (days > 0 or (days == 0 and micros > 0)):
        days, months = days - 30, months + 1
    if days > 0 and micros < 0:
        micros, days = micros + USECS_PER_DAY, days - 1
    elif days < 0 and micros > 0:
        micros, days = micros - USECS_PER_DAY, days + 1
    return Interval(months, days, micros)


def _ts_diff(args, n, ctx, call) -> Column:
    a, b = args[0].data, args[1].data
    if any_active(is_infinite_ts(a) | is_infinite_ts(b), and_valid(args)):
        raise DatetimeFieldOverflow("cannot subtract infinite timestamps")
    diff = a - b
    return Column(obj_array([justify_hours(Interval(0, 0, int(d))) for d in diff]))


scalar("timestamp_mi", "timestamptz_mi")(_ts_diff)
scalar("time_mi_time")(rows(lambda a, b: Interval(0, 0, int(a) - int(b))))
scalar("time_pl_interval")(rows(lambda t, v: (int(t) + v.micros) % USECS_PER_DAY, np.int64, 0))
scalar("interval_pl_time")(rows(lambda v, t: (int(t) + v.micros) % USECS_PER_DAY, np.int64, 0))
scalar("time_mi_interval")(rows(lambda t, v: (int(t) - v.micros) % USECS_PER_DAY, np.int64, 0))
scalar("interval_pl")(rows(lambda a, b: a + b))
scalar("interval_mi")(rows(lambda a, b: a - b))
scalar("interval_um")(rows(lambda a: -a))
scalar("interval_mul")(rows(lambda v, f: v * float(f)))
scalar("mul_d_interval")(rows(lambda f, v: v * float(f)))
scalar("interval_div")(rows(lambda v, f: v / float(f)))
scalar("interval_justify_hours")(rows(justify_hours))
scalar("interval_justify_days")(rows(justify_days))
scalar("interval_justify_interval")(rows(justify_interval))


# --- age -------------------------------------------------------------------------------------------

def _fields(ts: int) -> list[int]:
    days, tod = divmod(ts, USECS_PER_DAY)
    y, m, d = ymd(np.array([days]))
    return [int(y[0]), int(m[0]), int(d[0]), tod // 3_600_000_000, tod // 60_000_000 % 60,
            tod // 1_000_000 % 60, tod % 1_000_000]


def age(t1: int, t2: int) -> Interval:
    """timestamp_age: field-wise difference with borrowing, as PostgreSQL computes it."""
    f1, f2 = _fields(t1), _fields(t2)
    diff = [a - b for a, b in zip(f1, f2)]
    flip = t1 < t2
    if flip:
        diff = [-x for x in diff]
    yr, mon, mday, hour, mins, sec, us = diff
    while us < 0:
        us, sec = us + 1_000_000, sec - 1
    while sec < 0:
        sec, mins = sec + 60, mins - 1
    while mins < 0:
        mins, hour = mins + 60, hour - 1
    while hour < 0:
        hour, mday = hour + 24, mday - 1
    while mday < 0:
        ref = f1 if flip else f2
        mday, mon = mday + days_in_month(ref[0], ref[1]), mon - 1
    while mon < 0:
        mon, yr = mon + 12, yr - 1
    sign = -1 if flip else 1
    return Interval(sign * (yr * 12 + mon), sign * mday,
                    sign * (((hour * 60 + mins) * 60 + sec) * 1_000_000 + us))


def _age(tz: bool):
    def impl(args, n, ctx, call) -> Column:
        zone = ctx.format.zone
        cols = [Column(to_local(a.data, zone) if tz else a.data, a.valid) for a in args]
        if len(cols) == 1:  # age(ts) = age(midnight today, ts)
            today = split_ts(to_local(np.array([ctx.txn_start_us], dtype=np.int64), zone))[0][0] * USECS_PER_DAY
            cols.insert(0, Column(np.full(n, today, dtype=np.int64)))
        return Column(map_rows(age, cols, n))
    return impl


scalar("timestamp_age")(_age(False))
scalar("timestamptz_age")(_age(True))


# --- constructors ------------------------------------------------------------------------------------

def make_date(y: int, m: int, d: int) -> int:
    y, m, d = int(y), int(m), int(d)
    if y == 0:
        raise DatetimeFieldOverflow(f"date field value out of range: {y}-{m:02d}-{d:02d}")
    year = y if y > 0 else y + 1
    if not (1 <= m <= 12 and 1 <= d <= days_in_month(year, m)):
        raise DatetimeFieldOverflow(f"date field value out of range: {y}-{m:02d}-{d:02d}")
    return ymd_to_days(year, m, d)


def _time_micros(h: int, mi: int, sec: float) -> int:
    h, mi = int(h), int(mi)
    if not (0 <= h <= 24 and 0 <= mi < 60 and 0 <= sec <= 60) or \
            (h == 24 and (mi or sec)) or (sec == 60 and (mi != 59 or h != 23)):
        raise DatetimeFieldOverflow(f"time field value out of range: {h}:{mi:02d}:{sec:02g}")
    return (h * 3600 + mi * 60) * 1_000_000 + round(sec * 1_000_000)


scalar("make_date")(rows(make_date, np.int32, 0))
scalar("make_time")(rows(_time_micros, np.int64, 0))
scalar("make_timestamp")(rows(lambda y, m, d, h, mi, s: make_date(y, m, d) * USECS_PER_DAY + _time_micros(h, mi, s),
                              np.int64, 0))


@scalar("make_timestamptz")
def make_timestamptz(args, n, ctx, call) -> Column:
    """make_timestamptz(y, m, d, h, mi, s [, zone]): local time in the given zone or the session's."""
    local = map_rows(lambda y, m, d, h, mi, s: make_date(y, m, d) * USECS_PER_DAY + _time_micros(h, mi, s),
                     args[:6], n, np.int64, 0)
    if len(args) == 6:
        return Column(from_local(local, ctx.format.zone))
    out = np.zeros(n, dtype=np.int64)
    zones = args[6].data
    for name in set(zones[args[6].valid].tolist() if args[6].valid is not None else zones.tolist()):
        idx = np.flatnonzero(zones == name)
        out[idx] = from_local(local[idx], get_zone(name))
    return Column(out)


def make_interval(years=0, months=0, weeks=0, days=0, hours=0, mins=0, secs=0.0) -> Interval:
    if not math.isfinite(secs):
        raise DatetimeFieldOverflow("interval out of range")
    return Interval(int(years) * 12 + int(months), int(weeks) * 7 + int(days),
                    (int(hours) * 60 + int(mins)) * 60_000_000 + round(float(secs) * 1_000_000))


@scalar("make_interval")
def make_interval_impl(args, n, ctx, call) -> Column:
    if not args:
        return Column(obj_array([Interval(0, 0, 0)] * n))
    return Column(map_rows(make_interval, args, n))


# --- current time --------------------------------------------------------------------------------------

def _const_ts(get):
    def impl(args, n, ctx, call) -> Column:
        return Column(np.full(n, get(ctx), dtype=np.int64))
    return impl


scalar("now")(_const_ts(lambda ctx: ctx.txn_start_us))
scalar("statement_timestamp")(_const_ts(lambda ctx: ctx.stmt_start_us))
scalar("clock_timestamp")(_const_ts(lambda ctx: time.time_ns() // 1000 + _UNIX_EPOCH_US))
scalar("localtimestamp")(_const_ts(lambda ctx: int(to_local(np.array([ctx.txn_start_us]), ctx.format.zone)[0])))


@scalar("current_time", "localtime")
def current_time(args, n, ctx, call) -> Column:
    """The transaction's start as a time of day in the session zone (with its offset for timetz)."""
    local = int(to_local(np.array([ctx.txn_start_us], dtype=np.int64), ctx.format.zone)[0])
    of_day = local % USECS_PER_DAY
    if call.impl == "localtime":
        return Column(np.full(n, of_day, dtype=np.int64))
    return Column(obj_array([(of_day, (local - ctx.txn_start_us) // 1_000_000)] * n))


@scalar("current_date")
def current_date(args, n, ctx, call) -> Column:
    local = to_local(np.array([ctx.txn_start_us], dtype=np.int64), ctx.format.zone)
    return Column(np.full(n, split_ts(local)[0][0], dtype=np.int32))


@scalar("float8_timestamptz")
def float8_timestamptz(args, n, ctx, call) -> Column:
    x = args[0].data
    valid = args[0].valid
    if any_active(np.isnan(x), valid):
        raise DatetimeFieldOverflow("timestamp cannot be NaN")
    finite = np.isfinite(x)
    with np.errstate(invalid="ignore"):
        us = np.where(finite, np.rint(np.where(finite, x, 0) * 1e6), 0)
    if any_active(finite & ((us < -210866803200e6) | (us > 9224318016000e6)), valid):
        raise DatetimeFieldOverflow(f"timestamp out of range: \"{x[finite][0]:g}\"")
    out = us.astype(np.int64) + _UNIX_EPOCH_US
    out = np.where(finite, out, np.where(x > 0, TIMESTAMP_POS_INFINITY, TIMESTAMP_NEG_INFINITY))
    return Column(out)


scalar("date_finite")(rows(lambda d: d not in (DATE_NEG_INFINITY, DATE_POS_INFINITY), bool, False))
scalar("timestamp_finite", "timestamptz_finite")(
    rows(lambda t: t not in (TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY), bool, False))
scalar("interval_finite")(rows(lambda v: True, bool, False))


@scalar("date_bin")
def date_bin(args, n, ctx, call) -> Column:
    """date_bin(stride, ts, origin): the start of the stride-wide bin holding ts, bins counted from origin."""
    strides, ts, origin = args
    out = np.zeros(n, dtype=np.int64)
    valid = and_valid(args)
    for i in (range(n) if valid is None else np.flatnonzero(valid).tolist()):
        stride = strides.data[i]
        if stride.months:
            raise FeatureNotSupported("timestamps cannot be binned into intervals containing months or years")
        width = stride.days * USECS_PER_DAY + stride.micros
        if width <= 0:
            raise InvalidParameterValue("stride must be greater than zero")
        start = int(origin.data[i])
        out[i] = start + (int(ts.data[i]) - start) // width * width
    return Column(out)
