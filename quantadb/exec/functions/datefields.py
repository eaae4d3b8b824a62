"""date_part / extract / date_trunc (timestamp.c, date.c): fields of dates, timestamps, times
and intervals computed over whole columns. A field value is (integers, scale): date_part
returns integers / 10**scale as float8, extract returns them as numeric with that scale
(extract(second ...) -> 5.000000, as PostgreSQL 14+ prints)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from quantadb.errors import FeatureNotSupported, InvalidParameterValue
from quantadb.exec.functions import scalar
from quantadb.exec.functions.calendar import days_from_ymd, from_local, split_ts, to_local, ymd
from quantadb.exec.functions.support import EXACT, and_valid, map_rows, numeric_div, obj_array
from quantadb.types.column import Column
from quantadb.types.datetime import (DATE_NEG_INFINITY, DATE_POS_INFINITY, TIMESTAMP_NEG_INFINITY,
                                     TIMESTAMP_POS_INFINITY, get_zone)
from quantadb.types.values import USECS_PER_DAY, Interval

_UNIX_EPOCH_US = -10957 * USECS_PER_DAY
_JULIAN_2000 = 2451545
ALIASES = {"microsecond": "microseconds", "us": "microseconds", "usec": "microseconds", "usecs": "microseconds",
           "millisecond": "milliseconds", "ms": "milliseconds", "msec": "milliseconds", "msecs": "milliseconds",
           "seconds": "second", "sec": "second", "secs": "second", "s": "second", "minutes": "minute",
           "min": "minute", "mins": "minute", "m": "minute", "hours": "hour", "hr": "hour", "hrs": "hour",
           "h": "hour", "days": "day", "d": "day", "weeks": "week", "w": "week", "months": "month", "mon": "month",
           "mons": "month", "years": "year", "yr": "year", "yrs": "year", "y": "year", "decades": "decade",
           "centuries": "century", "millennia": "millennium", "millenniums": "millennium", "j": "julian",
           "quarters": "quarter", "qtr": "quarter", "tz": "timezone"}
TYPE_NAMES = {"timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
              "date": "date", "time": "time without time zone", "interval": "interval"}
DATE_FIELDS = ("day", "month", "year", "quarter", "decade", "century", "millennium", "dow", "isodow", "doy",
               "week", "isoyear", "epoch", "julian")
TS_FIELDS = DATE_FIELDS + ("microseconds", "milliseconds", "second", "minute", "hour")
KNOWN = set(TS_FIELDS) | {"timezone", "timezone_hour", "timezone_minute"}
# of an infinite date or timestamp, these fields are infinite too and the others NULL
_UNBOUNDED = {"year", "decade", "century", "millennium", "julian", "epoch", "isoyear"}
_INFINITIES = {"date": (DATE_POS_INFINITY, DATE_NEG_INFINITY),
               "timestamp": (TIMESTAMP_POS_INFINITY, TIMESTAMP_NEG_INFINITY),
               "timestamptz": (TIMESTAMP_POS_INFINITY, TIMESTAMP_NEG_INFINITY)}


def normalize(field: str, kind: str) -> str:
    f = field.lower().strip()
    f = ALIASES.get(f, f)
    if f not in KNOWN:
        raise InvalidParameterValue(f'unit "{field}" not recognized for type {TYPE_NAMES[kind]}')
    return f


def _unsupported(field: str, kind: str) -> FeatureNotSupported:
    return FeatureNotSupported(f'unit "{field}" not supported for type {TYPE_NAMES[kind]}')


def _trunc_div(a: np.ndarray, b: int) -> np.ndarray:
    """C integer division (toward zero)."""
    return np.sign(a) * (np.abs(a) // b)


def _year_fields(f: str, y: np.ndarray) -> np.ndarray:
    if f == "year":
        return np.where(y > 0, y, y - 1)  # astronomical year 0 is 1 BC
    if f == "decade":
        return np.floor_divide(y, 10)
    if f == "century":
        return np.where(y > 0, (y + 99) // 100, -((99 - (y - 1)) // 100))
    return np.where(y > 0, (y + 999) // 1000, -((999 - (y - 1)) // 1000))


def day_fields(f: str, days: np.ndarray) -> np.ndarray:
    """Integer fields determined by the calendar day."""
    y, m, d = ymd(days)
    if f == "day":
        return d
    if f == "month":
        return m
    if f in ("year", "decade", "century", "millennium"):
        return _year_fields(f, y)
    if f == "quarter":
        return (m - 1) // 3 + 1
    dow = (days.astype(np.int64) + 6) % 7  # 2000-01-01 was a Saturday
    if f == "dow":
        return dow
    isodow = np.where(dow == 0, 7, dow)
    if f == "isodow":
        return isodow
    if f == "doy":
        return days - days_from_ymd(y, np.ones_like(m), np.ones_like(d)) + 1
    thursday = days.astype(np.int64) - (isodow - 4)
    iy = ymd(thursday)[0]
    if f == "isoyear":
        return np.where(iy > 0, iy, iy - 1)
    if f == "week":
        return (thursday - days_from_ymd(iy, np.ones_like(iy), np.ones_like(iy))) // 7 + 1
    return days.astype(np.int64) + _JULIAN_2000  # julian


def timestamp_field(f: str, ts: np.ndarray, utc: np.ndarray | None, kind: str) -> tuple[np.ndarray, int]:
    """(integers, scale) of field `f` for local timestamps `ts` (`utc`: the instants, timestamptz)."""
    days, tod = split_ts(ts)
    if f == "epoch":
        return (utc if utc is not None else ts) - _UNIX_EPOCH_US, 6
    if f in ("microseconds", "milliseconds", "second"):
        return tod % 60_000_000, {"microseconds": 0, "milliseconds": 3, "second": 6}[f]
    if f == "minute":
        return (tod // 60_000_000) % 60, 0
    if f == "hour":
        return tod // 3_600_000_000, 0
    if f in ("timezone", "timezone_hour", "timezone_minute"):
        if utc is None:
            raise _unsupported(f, kind)
        off = (ts - utc) // 1_000_000
        if f == "timezone":
            return off, 0
        return (_trunc_div(off, 3600) if f == "timezone_hour" else np.fmod(_trunc_div(off, 60), 60)), 0
    return day_fields(f, days), 0


def _timestamp_julian(local: np.ndarray, numeric: bool) -> np.ndarray:
    """Julian day plus the fraction of the day: numeric divides exactly (timestamp_part_common)."""
    days, tod = split_ts(local)
    jd = days.astype(np.int64) + _JULIAN_2000
    if not numeric:
        return jd + tod / USECS_PER_DAY
    return obj_array([EXACT.add(Decimal(int(j)), numeric_div(Decimal(int(t)), Decimal(USECS_PER_DAY)))
                      for j, t in zip(jd.tolist(), tod.tolist())])


def interval_field(f: str, values: np.ndarray) -> tuple[np.ndarray, int]:
    months = np.fromiter((v.months for v in values), dtype=np.int64, count=len(values))
    dd = np.fromiter((v.days for v in values), dtype=np.int64, count=len(values))
    us = np.fromiter((v.micros for v in values), dtype=np.int64, count=len(values))
    if f == "epoch":
        return (_trunc_div(months, 12) * 31_557_600 + np.fmod(months, 12) * 2_592_000 + dd * 86400) \
            * 1_000_000 + us, 6
    if f in ("microseconds", "milliseconds", "second"):
        return np.fmod(us, 60_000_000), {"microseconds": 0, "milliseconds": 3, "second": 6}[f]
    simple = {"minute": lambda: np.fmod(_trunc_div(us, 60_000_000), 60), "hour": lambda: _trunc_div(us, 3_600_000_000),
              "day": lambda: dd, "month": lambda: np.fmod(months, 12), "year": lambda: _trunc_div(months, 12),
              "quarter": lambda: np.fmod(months, 12) // 3 + 1, "decade": lambda: _trunc_div(months, 120),
              "century": lambda: _trunc_div(months, 1200), "millennium": lambda: _trunc_div(months, 12000)}
    if f not in simple:
        raise _unsupported(f, "interval")
    return simple[f](), 0


def _compute(kind: str, f: str, data: np.ndarray, ctx) -> tuple[np.ndarray, int]:
    if kind == "date":
        if f not in DATE_FIELDS:
            raise _unsupported(f, kind)
        if f == "epoch":
            return (data.astype(np.int64) + 10957) * 86400, 0
        return day_fields(f, data.astype(np.int64)), 0
    if kind == "timestamp":
        return timestamp_field(f, data, None, kind)
    if kind == "timestamptz":
        return timestamp_field(f, to_local(data, ctx.format.zone), data, kind)
    if kind == "time":
        if f not in ("microseconds", "milliseconds", "second", "minute", "hour", "epoch"):
            raise _unsupported(f, kind)
        return timestamp_field(f, data, data + _UNIX_EPOCH_US, kind)
    return interval_field(f, data)


def _part(kind: str, numeric: bool):
    def impl(args, n, ctx, call) -> Column:
        fields, values = args
        valid = fields.valid if fields.valid is not None else np.ones(n, dtype=bool)
        if values.valid is not None:
            valid = valid & values.valid
        out = np.empty(n, dtype=object) if numeric else np.zeros(n, dtype=np.float64)
        data = values.data
        infinite = None
        if kind in _INFINITIES:
            pos, neg = _INFINITIES[kind]
            sign = (data == pos).astype(np.int8) - (data == neg)
            if sign.any():
                infinite, finite = sign, sign == 0
                data = np.where(finite, data, 0)  # computed as 2000-01-01, then replaced
        if kind == "date" and not numeric:  # date_part(text, date) is date_part(text, date::timestamp)
            kind_ = "timestamp"
            data = data.astype(np.int64) * USECS_PER_DAY
        else:
            kind_ = kind
        for field in set(fields.data[valid].tolist()):
            idx = np.flatnonzero(valid & (fields.data == field))
            f = normalize(field, kind_)
            if f == "julian" and kind_ in ("timestamp", "timestamptz"):
                local = data[idx] if kind_ == "timestamp" else to_local(data[idx], ctx.format.zone)
                out[idx] = _timestamp_julian(local, numeric)
            else:
                ints, scale = _compute(kind_, f, data[idx], ctx)
                if numeric:
                    out[idx] = obj_array([Decimal(int(v)).scaleb(-scale) for v in ints])
                else:
                    out[idx] = ints / 10.0 ** scale if scale else ints
            if infinite is not None:
                at = idx[infinite[idx] != 0]
                if f in _UNBOUNDED:
                    inf = Decimal("Infinity") if numeric else np.inf
                    out[at] = [inf if k > 0 else -inf for k in infinite[at].tolist()]
                else:
                    valid = valid.copy()
                    valid[at] = False
        if infinite is not None and not numeric:
            out = np.where(valid, out, 0.0)
        return Column(out, None if valid.all() else valid)
    return impl


for _kind in ("timestamp", "timestamptz", "date", "interval", "time"):
    scalar(f"{_kind}_part")(_part(_kind, False))
    scalar(f"extract_{_kind}")(_part(_kind, True))


# --- date_trunc ---------------------------------------------------------------------------------

def trunc_local(f: str, ts: np.ndarray, kind: str) -> np.ndarray:
    days, tod = split_ts(ts)
    units = {"microseconds": 1, "milliseconds": 1000, "second": 1_000_000, "minute": 60_000_000,
             "hour": 3_600_000_000, "day": USECS_PER_DAY}
    if f in units:
        return ts - ts % units[f]
    if f == "week":
        return (days - (days + 5) % 7) * USECS_PER_DAY  # back to Monday
    y, m, _ = ymd(days)
    one = np.ones_like(m)
    if f == "month":
        start = days_from_ymd(y, m, one)
    elif f == "quarter":
        start = days_from_ymd(y, (m - 1) // 3 * 3 + 1, one)
    elif f == "year":
        start = days_from_ymd(y, one, one)
    elif f == "decade":
        start = days_from_ymd(np.floor_divide(y, 10) * 10, one, one)
    elif f == "century":
        start = days_from_ymd(((y + 99) // 100 - 1) * 100 + 1, one, one)
    elif f == "millennium":
        start = days_from_ymd(((y + 999) // 1000 - 1) * 1000 + 1, one, one)
    else:
        raise _unsupported(f, kind)
    return start * USECS_PER_DAY


_SUB_DAY = ("microseconds", "milliseconds", "second", "minute", "hour")


def _trunc(kind: str):
    """date_trunc(field, value [, zone]): timestamptz truncates in the session's zone or the given one."""
    def impl(args, n, ctx, call) -> Column:
        fields, values = args[0], args[1]
        zones = args[2].data if len(args) > 2 else np.full(n, None, dtype=object)
        valid = and_valid(args)
        valid = np.ones(n, dtype=bool) if valid is None else valid
        out = values.data.copy()
        for field, zone_name in set(zip(fields.data[valid].tolist(), zones[valid].tolist())):
            idx = np.flatnonzero(valid & (fields.data == field) & (zones == zone_name))
            f = normalize(field, kind)
            if kind == "timestamptz":
                zone = ctx.format.zone if zone_name is None else get_zone(zone_name)
                local = to_local(values.data[idx], zone)
                truncated = trunc_local(f, local, kind)
                # below a day the instant keeps its UTC offset (01:40 PST stays in PST across
                # the DST change); from a day up the offset of the truncated local time applies
                out[idx] = values.data[idx] - (local - truncated) if f in _SUB_DAY else from_local(truncated, zone)
            else:
                out[idx] = trunc_local(f, values.data[idx], kind)
        return Column(out)
    return impl


scalar("timestamp_trunc")(_trunc("timestamp"))
scalar("timestamptz_trunc")(_trunc("timestamptz"))


_INTERVAL_UNITS_US = {"microseconds": 1, "milliseconds": 1000, "second": 1_000_000, "minute": 60_000_000,
                      "hour": 3_600_000_000}


def _toward_zero(value: int, unit: int) -> int:
    return value - (abs(value) % unit) * (1 if value >= 0 else -1)


def _trunc_interval(f: str, v: Interval) -> Interval:
    if f in _INTERVAL_UNITS_US:
        unit = _INTERVAL_UNITS_US[f]
        return Interval(v.months, v.days, _toward_zero(v.micros, unit))
    if f == "day":
        return Interval(v.months, v.days, 0)
    month_units = {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200, "millennium": 12000}
    if f not in month_units:
        raise _unsupported(f, "interval")
    unit = month_units[f]
    return Interval(_toward_zero(v.months, unit), 0, 0)


@scalar("interval_trunc")
def interval_trunc(args, n, ctx, call) -> Column:
    return Column(map_rows(lambda f, v: _trunc_interval(normalize(f, "interval"), v), args, n))
