"""Vectorized calendar arithmetic on day numbers and microsecond timestamps (days since
2000-01-01, proleptic Gregorian, astronomical years) plus session-zone conversion."""

from __future__ import annotations

import datetime as _dt

import numpy as np

from quantadb.types.datetime import local_to_utc_micros, zone_offset_seconds
from quantadb.types.values import (
    DATE_NEG_INFINITY, DATE_POS_INFINITY, TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, USECS_PER_DAY,
)

_UNIX_DAYS = 10957          # 1970-01-01 - 2000-01-01 in days
_CIVIL_SHIFT = 719468       # 0000-03-01 -> 1970-01-01


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) arrays for day numbers (H. Hinnant's civil_from_days)."""
    z = days.astype(np.int64) + _UNIX_DAYS + _CIVIL_SHIFT
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def days_from_ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Day numbers for (year, month, day) arrays (days_from_civil)."""
    y = np.asarray(y, dtype=np.int64) - (np.asarray(m) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    m = np.asarray(m, dtype=np.int64)
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + np.asarray(d, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - _CIVIL_SHIFT - _UNIX_DAYS


def month_days(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    table = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    return table[m - 1] + ((m == 2) & leap)


def split_ts(ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(day number, µs within the day) of timestamps."""
    days = np.floor_divide(ts, USECS_PER_DAY)
    return days, ts - days * USECS_PER_DAY


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Shift dates by whole months, clamping the day to the target month's length."""
    y, m, d = ymd(days)
    total = y * 12 + (m - 1) + months
    ny, nm = np.floor_divide(total, 12), total % 12 + 1
    return days_from_ymd(ny, nm, np.minimum(d, month_days(ny, nm)))


def is_infinite_ts(ts: np.ndarray) -> np.ndarray:
    return (ts == TIMESTAMP_NEG_INFINITY) | (ts == TIMESTAMP_POS_INFINITY)


def is_infinite_date(d: np.ndarray) -> np.ndarray:
    return (d == DATE_NEG_INFINITY) | (d == DATE_POS_INFINITY)


def to_local(utc: np.ndarray, zone: _dt.tzinfo) -> np.ndarray:
    """UTC µs -> wall-clock µs in `zone` (fixed offsets vectorized, others per distinct hour)."""
    if isinstance(zone, _dt.timezone):
        return utc + int(zone.utcoffset(None).total_seconds()) * 1_000_000
    return utc + offsets_us(utc, zone)


def offsets_us(utc: np.ndarray, zone: _dt.tzinfo) -> np.ndarray:
    """Per-value UTC offsets in µs; offsets change on hour boundaries, so compute per hour."""
    hours = np.floor_divide(utc, 3_600_000_000)
    uniq, inv = np.unique(hours, return_inverse=True)
    offs = np.array([zone_offset_seconds(zone, int(h) * 3_600_000_000) for h in uniq], dtype=np.int64)
    return offs[inv] * 1_000_000


def from_local(local: np.ndarray, zone: _dt.tzinfo) -> np.ndarray:
    """Wall-clock µs in `zone` -> UTC µs."""
    if isinstance(zone, _dt.timezone):
        return local - int(zone.utcoffset(None).total_seconds()) * 1_000_000
    return np.fromiter((local_to_utc_micros(int(v), zone) for v in local), dtype=np.int64, count=len(local))
