"""date, time, timestamp and timestamptz: text input and output, and day/µs conversions.

Representation (types/registry.py): date = int32 days since 2000-01-01, time = int64 µs since
midnight, timestamp(tz) = int64 µs since 2000-01-01 00:00 (UTC for timestamptz). Calendar
arithmetic uses PostgreSQL's Julian-day algorithms (date2j/j2date) so BC dates and years past
9999 work; astronomical years are used inside (0 = 1 BC).

Output is DateStyle ISO: `2024-05-01`, `12:34:56.5`, `2024-05-01 12:34:56.5+02`, `+05:30`
offsets, ` BC` suffix. Input accepts what PostgreSQL's DecodeDateTime accepts in practice:
ISO dates with optional `T`, `May 1 2024`, `1 May 2024`, `5/1/2024` (MDY, or DMY or YMD as
DateStyle says), `20240501`, AM/PM, BC/AD, numeric and named time zones, and the special words
epoch, infinity, -infinity, now, today, tomorrow, yesterday, allballs (the last group relative
to a clock).
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from quantadb.errors import (
    DatetimeFieldOverflow,
    InvalidDatetimeFormat,
    InvalidParameterValue,
    InvalidTimeZoneDisplacementValue,
)
from quantadb.types.values import (
    DATE_NEG_INFINITY,
    DATE_POS_INFINITY,
    TIMESTAMP_NEG_INFINITY,
    TIMESTAMP_POS_INFINITY,
    USECS_PER_DAY,
    USECS_PER_HOUR,
    USECS_PER_MINUTE,
    USECS_PER_SEC,
)

POSTGRES_EPOCH_JDATE = 2451545
UNIX_EPOCH_DAYS = -10957  # 1970-01-01 as days since 2000-01-01
_PY_EPOCH = _dt.datetime(2000, 1, 1)
# PostgreSQL's accepted range: 4714-11-24 BC .. 5874897-12-31 (dates), 294276 AD (timestamps).
_MIN_JDATE = 0
_MAX_DATE_DAYS = 2147483494 - POSTGRES_EPOCH_JDATE  # END_DATE
_MIN_TIMESTAMP = -211813488000000000
_MAX_TIMESTAMP = 9223371331200000000 - 1

MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
          "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12, "january": 1, "february": 2,
          "march": 3, "april": 4, "june": 6, "july": 7, "august": 8, "september": 9,
          "october": 10, "november": 11, "december": 12}
_WEEKDAYS = {"mon", "tue", "tues", "wed", "wednesday", "thu", "thur", "thurs", "fri", "sat", "sun",
             "monday", "tuesday", "thursday", "friday", "saturday", "sunday"}
# Abbreviations from PostgreSQL's Default timezone_abbreviations set that clients commonly send.
TZ_ABBREVIATIONS = {"utc": 0, "gmt": 0, "z": 0, "zulu": 0, "ut": 0, "est": -5 * 3600, "edt": -4 * 3600,
                    "cst": -6 * 3600, "cdt": -5 * 3600, "mst": -7 * 3600, "mdt": -6 * 3600,
                    "pst": -8 * 3600, "pdt": -7 * 3600, "cet": 3600, "cest": 7200, "eet": 7200,
                    "eest": 3 * 3600, "wet": 0, "west": 3600, "bst": 3600, "msk": 3 * 3600,
                    "jst": 9 * 3600, "ist": 7200, "hst": -10 * 3600, "akst": -9 * 3600,
                    "akdt": -8 * 3600}


# ---- calendar ------------------------------------------------------------------------------

def date2j(year: int, month: int, day: int) -> int:
    """Julian day number of a proleptic Gregorian date (astronomical year)."""
    if month > 2:
        month += 1
        year += 4800
    else:
        month += 13
        year += 4799
    century = year // 100
    julian = year * 365 - 32167 + year // 4 - century + century // 4
    return julian + 7834 * month // 256 + day


def j2date(jd: int) -> tuple[int, int, int]:
    julian = jd + 32044
    quad = julian // 146097
    extra = (julian - quad * 146097) * 4 + 3
    julian += 60 + quad * 3 + extra // 146097
    quad = julian // 1461
    julian -= quad * 1461
    y = julian * 4 // 1461
    julian = ((julian + 305) % 365 if y != 0 else (julian + 306) % 366) + 123
    y += quad * 4
    quad = julian * 2141 // 65536
    return y - 4800, (quad + 10) % 12 + 1, julian - 7834 * quad // 256


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def ymd_to_days(year: int, month: int, day: int) -> int:
    return date2j(year, month, day) - POSTGRES_EPOCH_JDATE


def days_to_ymd(days: int) -> tuple[int, int, int]:
    return j2date(days + POSTGRES_EPOCH_JDATE)


def date_to_days(d: _dt.date) -> int:
    return d.toordinal() - 730120  # date(2000, 1, 1).toordinal()


def days_to_date(days: int) -> _dt.date:
    """Python date for a day number; raises DatetimeFieldOverflow outside years 1..9999."""
    try:
        return _dt.date.fromordinal(days + 730120)
    except (ValueError, OverflowError):
        raise DatetimeFieldOverflow("date out of range for Python") from None


def datetime_to_micros(value: _dt.datetime) -> int:
    """µs since 2000-01-01; an aware datetime is converted to UTC first."""
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    delta = value - _PY_EPOCH
    return (delta.days * 86400 + delta.seconds) * USECS_PER_SEC + delta.microseconds


def micros_to_datetime(micros: int, tz: _dt.tzinfo | None = None) -> _dt.datetime:
    """Naive datetime for a timestamp, or aware (in `tz`) for a timestamptz."""
    try:
        naive = _PY_EPOCH + _dt.timedelta(microseconds=micros)
    except OverflowError:
        raise DatetimeFieldOverflow("timestamp out of range") from None
    if tz is None:
        return naive
    return naive.replace(tzinfo=_dt.timezone.utc).astimezone(tz)


def time_to_micros(t: _dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * USECS_PER_SEC + t.microsecond


def micros_to_time(micros: int) -> _dt.time:
    if micros >= USECS_PER_DAY:  # 24:00:00 has no Python counterpart
        return _dt.time.max
    s, us = divmod(micros, USECS_PER_SEC)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return _dt.time(h, m, s, us)


# ---- time zones ----------------------------------------------------------------------------

@lru_cache(maxsize=256)
def get_zone(name: str) -> _dt.tzinfo:
    """The session TimeZone setting as a tzinfo: IANA names, UTC, abbreviations, POSIX offsets."""
    key = name.strip()
    low = key.lower()
    if low in TZ_ABBREVIATIONS:
        return _dt.timezone(_dt.timedelta(seconds=TZ_ABBREVIATIONS[low]))
    m = re.fullmatch(r"([+-]?)(\d{1,2})(?::?(\d\d))?(?::(\d\d))?", key)
    if m:  # numeric zone in the SET TIME ZONE sense: ISO sign (east positive)
        secs = int(m[2]) * 3600 + int(m[3] or 0) * 60 + int(m[4] or 0)
        return _dt.timezone(_dt.timedelta(seconds=-secs if m[1] == "-" else secs))
    canonical = canonical_zone_name(key)
    if canonical is not None:
        return ZoneInfo(canonical)
    raise InvalidParameterValue(f'time zone "{low}" not recognized')


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    from zoneinfo import available_timezones
    return {name.lower(): name for name in available_timezones()}


def canonical_zone_name(name: str) -> str | None:
    """The tz database's spelling of a zone name, matched case-insensitively as PostgreSQL does
    ('us/pacific' is US/Pacific); None for an unknown name."""
    key = name.strip()
    try:
        ZoneInfo(key)
        return key
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a directory ("US") is no zone either
        return _zone_names().get(key.lower())


def zone_offset_seconds(zone: _dt.tzinfo, utc_micros: int) -> int:
    """UTC offset in seconds of `zone` at a UTC instant (clamped to years Python supports)."""
    if isinstance(zone, _dt.timezone):
        return int(zone.utcoffset(None).total_seconds())
    clamped = min(max(utc_micros, -63082281600000000), 252423993599000000)
    utc = micros_to_datetime(clamped).replace(tzinfo=_dt.timezone.utc)
    return int(utc.astimezone(zone).utcoffset().total_seconds())


def local_to_utc_micros(local_micros: int, zone: _dt.tzinfo) -> int:
    """Interpret a wall-clock timestamp in `zone`. Around a transition PostgreSQL takes the offset
    from before a spring-forward gap and the one from after a fall-back overlap (zoneinfo's
    fold=0 and fold=1: the overlap is where fold=0's offset is the larger)."""
    if isinstance(zone, _dt.timezone):
        return local_micros - int(zone.utcoffset(None).total_seconds()) * USECS_PER_SEC
    clamped = min(max(local_micros, -63082281600000000), 252423993599000000)
    local = micros_to_datetime(clamped).replace(tzinfo=zone)
    offset = local.utcoffset()
    later = local.replace(fold=1).utcoffset()
    if later < offset:  # an hour that happens twice: the second time
        offset = later
    return local_micros - int(offset.total_seconds()) * USECS_PER_SEC


# ---- output --------------------------------------------------------------------------------

def format_date(days: int) -> str:
    if days == DATE_POS_INFINITY:
        return "infinity"
    if days == DATE_NEG_INFINITY:
        return "-infinity"
    y, m, d = days_to_ymd(days)
    if y > 0:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{1 - y:04d}-{m:02d}-{d:02d} BC"


def _format_clock(micros: int) -> str:
    s, us = divmod(micros, USECS_PER_SEC)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    text = f"{h:02d}:{m:02d}:{s:02d}"
    return f"{text}.{us:06d}".rstrip("0") if us else text


def format_time(micros: int) -> str:
    return _format_clock(micros)


def format_offset(offset_s: int) -> str:
    """`+02`, `-03:30`, `+00:09:21` as PostgreSQL prints a UTC offset."""
    sign = "-" if offset_s < 0 else "+"
    m, s = divmod(abs(offset_s), 60)
    h, m = divmod(m, 60)
    text = f"{sign}{h:02d}"
    if m or s:
        text += f":{m:02d}"
    if s:
        text += f":{s:02d}"
    return text


def format_timestamp(micros: int) -> str:
    if micros == TIMESTAMP_POS_INFINITY:
        return "infinity"
    if micros == TIMESTAMP_NEG_INFINITY:
        return "-infinity"
    days, clock = divmod(micros, USECS_PER_DAY)
    date_text = format_date(days)
    if date_text.endswith(" BC"):
        return f"{date_text[:-3]} {_format_clock(clock)} BC"
    return f"{date_text} {_format_clock(clock)}"


def format_timestamptz(micros: int, zone: _dt.tzinfo) -> str:
    if micros in (TIMESTAMP_POS_INFINITY, TIMESTAMP_NEG_INFINITY):
        return format_timestamp(micros)
    offset = zone_offset_seconds(zone, micros)
    text = format_timestamp(micros + offset * USECS_PER_SEC)
    if text.endswith(" BC"):
        return f"{text[:-3]}{format_offset(offset)} BC"
    return text + format_offset(offset)


def format_timetz(micros: int, offset_s: int) -> str:
    """timetz stores the offset west-positive like PG; `offset_s` here is east-positive."""
    return _format_clock(micros) + format_offset(offset_s)


# ---- input ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<iso>(?P<iy>\d{4,})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))(?=$|[\sT+\-zZ]|[a-zA-Z])"
    r"|(?P<slash>(?P<s1>\d{1,4})[/.\-](?P<s2>\d{1,2}|[a-zA-Z]+)[/.\-](?P<s3>\d{1,5}))"
    r"|(?P<clock>(?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<sec>\d{1,2}(?:\.\d*)?))?)"
    r"|(?P<tzoff>[+-]\d{1,2}(?::?\d{2})?(?::\d{2})?)(?![\d-])"
    r"|(?P<num>\d+)"
    r"|(?P<word>[A-Za-z][A-Za-z_]*(?:/[A-Za-z0-9_+\-]+)*)"
    r"|(?P<sep>[,T])"
    r")"
)


class _Parsed:
    __slots__ = ("year", "month", "day", "micros", "tz_offset", "zone", "bc", "ampm", "has_date",
                 "has_time", "special")

    def __init__(self) -> None:
        self.year = self.month = self.day = None
        self.micros = 0
        self.tz_offset: int | None = None  # seconds east of UTC
        self.zone: _dt.tzinfo | None = None
        self.bc = False
        self.ampm: str | None = None
        self.has_date = self.has_time = False
        self.special: str | None = None


def _bad(type_name: str, text: str) -> InvalidDatetimeFormat:
    return InvalidDatetimeFormat(f'invalid input syntax for type {type_name}: "{text}"')


def _overflow(text: str) -> DatetimeFieldOverflow:
    return DatetimeFieldOverflow(f'date/time field value out of range: "{text}"')


def _year_of(text: str) -> int:
    year = int(text)
    if len(text) <= 2:  # two-digit years: 70..99 -> 19xx, 00..69 -> 20xx
        year += 1900 if year >= 70 else 2000
    return year


def _clock_micros(h: str, mi: str, sec: str | None) -> int:
    seconds = sec or "0"
    whole, _, frac = seconds.partition(".")
    us = int(round(float("0." + frac) * USECS_PER_SEC)) if frac else 0
    hh, mm, ss = int(h), int(mi), int(whole)
    if mm > 59 or ss > 60 or hh > 24 or (hh == 24 and (mm or ss or us)):
        raise ValueError("clock out of range")
    return hh * USECS_PER_HOUR + mm * USECS_PER_MINUTE + ss * USECS_PER_SEC + us


def _parse_fields(text: str, type_name: str, order: str = "MDY") -> _Parsed:
    p = _Parsed()
    s = text.strip()
    low = s.lower()
    if low in ("epoch", "infinity", "-infinity", "+infinity", "now", "today", "tomorrow", "yesterday",
               "allballs"):
        p.special = low.lstrip("+")
        return p
    pos, pending_nums = 0, []
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise _bad(type_name, text)
        pos = m.end()
        if m["iso"]:
            if p.has_date:
                raise _bad(type_name, text)
            p.year, p.month, p.day, p.has_date = int(m["iy"]), int(m["im"]), int(m["id"]), True
        elif m["slash"]:
            if p.has_date:
                raise _bad(type_name, text)
            a, b, c = m["s1"], m["s2"], m["s3"]
            if b.isalpha():
                if b.lower() not in MONTHS:
                    raise _bad(type_name, text)
                p.day, p.month, p.year = int(a), MONTHS[b.lower()], _year_of(c)
            elif len(a) >= 3:
                p.year, p.month, p.day = int(a), int(b), int(c)
            elif order == "DMY":
                p.day, p.month, p.year = int(a), int(b), _year_of(c)
            elif order == "YMD":
                p.year, p.month, p.day = _year_of(a), int(b), int(c)
            else:
                p.month, p.day, p.year = int(a), int(b), _year_of(c)
            p.has_date = True
        elif m["clock"]:
            if p.has_time:
                raise _bad(type_name, text)
            try:
                p.micros = _clock_micros(m["h"], m["mi"], m["sec"])
            except ValueError:
                raise _overflow(text) from None
            p.has_time = True
        elif m["tzoff"]:
            if not (p.has_time or p.has_date):
                raise _bad(type_name, text)
            p.tz_offset = _parse_offset(m["tzoff"], text, type_name)
        elif m["num"]:
            digits = m["num"]
            if len(digits) == 8 and not p.has_date and not pending_nums:
                p.year, p.month, p.day, p.has_date = int(digits[:4]), int(digits[4:6]), int(digits[6:]), True
            else:
                pending_nums.append(digits)
        elif m["word"]:
            _apply_word(p, m["word"], text, type_name)
    if pending_nums:  # "May 1 2024", "1 May 2024", "May 1, 2024"
        if p.month is None or p.day is not None or len(pending_nums) > 2:
            raise _bad(type_name, text)
        if len(pending_nums) == 1:
            raise _bad(type_name, text)
        first, second = pending_nums
        if len(first) >= 3:
            p.year, p.day = int(first), int(second)
        else:
            p.day, p.year = int(first), _year_of(second) if len(second) <= 2 else int(second)
        p.has_date = True
    elif p.month is not None and not p.has_date:
        raise _bad(type_name, text)
    if p.ampm:
        hours = p.micros // USECS_PER_HOUR
        if hours > 12:
            raise _overflow(text)
        if p.ampm == "pm" and hours < 12:
            p.micros += 12 * USECS_PER_HOUR
        elif p.ampm == "am" and hours == 12:
            p.micros -= 12 * USECS_PER_HOUR
    return p


def _apply_word(p: _Parsed, word: str, text: str, type_name: str) -> None:
    low = word.lower()
    if low in MONTHS:
        p.month = MONTHS[low]
    elif low in _WEEKDAYS:
        pass
    elif low in ("bc", "ad"):
        p.bc = low == "bc"
    elif low in ("am", "pm"):
        p.ampm = low
    elif low in ("t", "at"):
        pass
    elif low in TZ_ABBREVIATIONS:
        p.tz_offset = TZ_ABBREVIATIONS[low]
    elif "/" in word or low.startswith(("etc", "utc", "gmt")):
        try:
            p.zone = get_zone(word)
        except InvalidParameterValue:
            raise InvalidParameterValue(f'time zone "{low}" not recognized') from None
    else:
        raise _bad(type_name, text)


def _parse_offset(tok: str, text: str, type_name: str) -> int:
    sign = -1 if tok[0] == "-" else 1
    body = tok[1:].replace(":", "")
    if len(body) <= 2:
        h, mi, s = int(body), 0, 0
    elif len(body) == 4 or len(body) == 3:
        h, mi, s = int(body[:-2]), int(body[-2:]), 0
    else:
        h, mi, s = int(body[:-4]), int(body[-4:-2]), int(body[-2:])
    if h > 15 or mi > 59 or s > 59:
        raise InvalidTimeZoneDisplacementValue(f'time zone displacement out of range: "{text}"')
    return sign * (h * 3600 + mi * 60 + s)


def _checked_days(p: _Parsed, text: str) -> int:
    year = p.year
    if p.bc:
        if year <= 0:
            raise _bad("date", text)
        year = 1 - year
    elif year == 0:
        raise _overflow(text)
    if not 1 <= p.month <= 12:
        err = _overflow(text)
        err.hint = 'Perhaps you need a different "datestyle" setting.'
        raise err
    if not 1 <= p.day <= days_in_month(year, p.month):
        raise _overflow(text)
    jd = date2j(year, p.month, p.day)
    if jd < _MIN_JDATE or jd - POSTGRES_EPOCH_JDATE > _MAX_DATE_DAYS:
        raise DatetimeFieldOverflow(f'date out of range: "{text}"')
    return jd - POSTGRES_EPOCH_JDATE


def _now_micros(now: int | None) -> int:
    if now is None:  # callers without a clock get the wall clock
        return datetime_to_micros(_dt.datetime.now(_dt.timezone.utc))
    return now


def parse_date(text: str, now: int | None = None, zone: _dt.tzinfo | None = None, order: str = "MDY") -> int:
    """Text to day number. `now` is the transaction clock (µs UTC) for today/now/tomorrow;
    `order` is DateStyle's field order for 01/02/2014 (MDY, DMY or YMD)."""
    p = _parse_fields(text, "date", order)
    if p.special:
        if p.special == "infinity":
            return DATE_POS_INFINITY
        if p.special == "-infinity":
            return DATE_NEG_INFINITY
        if p.special == "epoch":
            return UNIX_EPOCH_DAYS
        if p.special == "allballs":
            raise _bad("date", text)
        local = _now_micros(now)
        if zone is not None:
            local += zone_offset_seconds(zone, local) * USECS_PER_SEC
        today = local // USECS_PER_DAY
        return today + {"tomorrow": 1, "yesterday": -1}.get(p.special, 0)
    if not p.has_date:
        raise _bad("date", text)
    return _checked_days(p, text)


def parse_time(text: str, now: int | None = None, zone: _dt.tzinfo | None = None) -> int:
    p = _parse_fields(text, "time")
    if p.special:
        if p.special == "allballs":
            return 0
        if p.special == "now":
            local = _now_micros(now)
            if zone is not None:
                local += zone_offset_seconds(zone, local) * USECS_PER_SEC
            return local % USECS_PER_DAY
        raise _bad("time", text)
    if not p.has_time:
        raise _bad("time", text)
    return p.micros


def parse_timestamp(text: str, now: int | None = None, zone: _dt.tzinfo | None = None,
                    with_tz: bool = False, order: str = "MDY") -> int:
    """Text to µs since 2000-01-01. With `with_tz`, the result is UTC: an explicit offset or
    zone in the text wins, else the session `zone` applies. Without it, zones are ignored.
    `order`: as parse_date's."""
    type_name = "timestamp with time zone" if with_tz else "timestamp"  # (PostgreSQL's input function names them so)
    p = _parse_fields(text, type_name, order)
    if p.special:
        if p.special == "infinity":
            return TIMESTAMP_POS_INFINITY
        if p.special == "-infinity":
            return TIMESTAMP_NEG_INFINITY
        if p.special == "epoch":
            return UNIX_EPOCH_DAYS * USECS_PER_DAY
        if p.special == "allballs":
            raise _bad(type_name, text)
        utc = _now_micros(now)
        if p.special == "now":
            if with_tz or zone is None:
                return utc
            return utc + zone_offset_seconds(zone, utc) * USECS_PER_SEC
        local = utc + (zone_offset_seconds(zone, utc) * USECS_PER_SEC if zone is not None else 0)
        day = local // USECS_PER_DAY + {"tomorrow": 1, "yesterday": -1}.get(p.special, 0)
        local_midnight = day * USECS_PER_DAY
        if with_tz and zone is not None:
            return local_to_utc_micros(local_midnight, zone)
        return local_midnight
    if not p.has_date:
        raise _bad(type_name, text)
    micros = _checked_days(p, text) * USECS_PER_DAY + p.micros
    if with_tz:
        if p.tz_offset is not None:
            micros -= p.tz_offset * USECS_PER_SEC
        elif p.zone is not None:
            micros = local_to_utc_micros(micros, p.zone)
        elif zone is not None:
            micros = local_to_utc_micros(micros, zone)
    if not _MIN_TIMESTAMP <= micros <= _MAX_TIMESTAMP:
        raise DatetimeFieldOverflow(f'timestamp out of range: "{text}"')
    return micros


def parse_timetz(text: str, zone: _dt.tzinfo | None = None) -> tuple[int, int]:
    """timetz value: (µs since midnight, UTC offset in seconds east); the session zone applies
    when the text has no offset."""
    p = _parse_fields(text, "time with time zone")
    if p.special == "allballs":
        return 0, 0
    if p.special or not p.has_time:
        raise _bad("time with time zone", text)
    if p.tz_offset is not None:
        return p.micros, p.tz_offset
    tz = p.zone or zone
    return p.micros, zone_offset_seconds(tz, 0) if tz is not None else 0
