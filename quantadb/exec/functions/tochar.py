"""to_char for timestamps, timestamps with time zone and intervals (DCH_to_char in formatting.c).

All three go through one broken-down time (`Tm`). An interval's fields keep their signs (-1 year
-2 months is year -1, month -2) and numbers print with C's printf widths, a minus sign taking
one more place. Week and ISO-year patterns use PostgreSQL's own calendar arithmetic (date2j,
date2isoyear, ...) with C's truncating division, so intervals give PostgreSQL's odd but
well-defined answers. Patterns that need a calendar date or a zone fail for intervals.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from quantadb.errors import InvalidDatetimeFormat

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
# Longest first so that "HH24" wins over "HH" and "MONTH" over "MON"; matched case-insensitively,
# the spelling's case picks MONTH / Month / month output.
DT_PATTERNS = sorted(["YYYY", "YYY", "YY", "Y", "IYYY", "IYY", "IY", "I", "MM", "MONTH", "MON", "DDD", "DD", "D",
                      "ID", "IDDD", "DAY", "DY", "HH24", "HH12", "HH", "MI", "SSSS", "SS", "MS", "US", "AM", "PM",
                      "A.M.", "P.M.", "AD", "BC", "A.D.", "B.C.", "Q", "WW", "IW", "W", "J", "CC", "Y,YYY", "RM",
                      "TZH", "TZM", "TZ", "OF", "FF1", "FF2", "FF3", "FF4", "FF5", "FF6"], key=len, reverse=True)
_UNIX_EPOCH_S = 946_684_800  # 2000-01-01 in Unix seconds
_NOT_FOR_INTERVAL = {"MONTH", "MON", "DAY", "DY", "D", "ID", "TZ", "TZH", "TZM", "OF", "AD", "BC", "A.D.", "B.C."}


@dataclass
class Tm:
    """struct pg_tm as to_char reads it (year astronomical for timestamps: 0 is 1 BC)."""

    year: int
    mon: int
    mday: int
    hour: int
    min: int
    sec: int
    fsec: int  # microseconds, signed like the other fields of an interval
    yday: int
    wday: int = 0
    gmtoff: int = 0  # seconds east of UTC
    zone: str | None = None  # abbreviation, for TZ


def tokens(fmt: str, patterns: list[str]) -> list[tuple[str, str, bool, str]]:
    """(kind, text, fill_mode, suffix): kind 'p' for a pattern, 'l' for literal text."""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == '"':
            j = fmt.find('"', i + 1)
            j = len(fmt) if j < 0 else j
            out.append(("l", fmt[i + 1:j], False, ""))
            i = j + 1
            continue
        if fmt[i] == "\\" and i + 1 < len(fmt):
            out.append(("l", fmt[i + 1], False, ""))
            i += 2
            continue
        fm = fmt.startswith(("FM", "fm"), i)
        j = i + 2 if fm else i
        upper = fmt[j:j + 5].upper()
        pat = next((fmt[j:j + len(p)] for p in patterns if upper.startswith(p)), None)
        if pat is None:
            out.append(("l", fmt[i], False, ""))
            i += 1
            continue
        j += len(pat)
        suffix = fmt[j:j + 2] if fmt[j:j + 2] in ("TH", "th") else ""
        out.append(("p", pat, fm, suffix))
        i = j + len(suffix)
    return out


# -- PostgreSQL's calendar arithmetic, C integer semantics ------------------------------------------

def _div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _mod(a: int, b: int) -> int:
    return a - b * _div(a, b)


def date2j(year: int, month: int, day: int) -> int:
    if month > 2:
        month, year = month + 1, year + 4800
    else:
        month, year = month + 13, year + 4799
    century = _div(year, 100)
    return year * 365 - 32167 + _div(year, 4) - century + _div(century, 4) + _div(7834 * month, 256) + day


def _j2day(j: int) -> int:
    return _mod(j + 1, 7)


def _iso_start(year: int) -> int:
    """Julian day of the Monday of ISO week 1 of `year`."""
    day4 = date2j(year, 1, 4)
    return day4 - _j2day(day4 - 1)


def date2isoyear(year: int, mon: int, mday: int) -> int:
    dayn = date2j(year, mon, mday)
    start = _iso_start(year)
    if dayn < start:
        year -= 1
        start = _iso_start(year)
    if _div(dayn - start, 7) + 1 >= 52 and dayn >= _iso_start(year + 1):
        year += 1
    return year


def date2isoweek(year: int, mon: int, mday: int) -> int:
    dayn = date2j(year, mon, mday)
    start = _iso_start(year)
    if dayn < start:
        start = _iso_start(year - 1)
    week = _div(dayn - start, 7) + 1
    if week >= 52 and dayn >= _iso_start(year + 1):
        week = _div(dayn - _iso_start(year + 1), 7) + 1
    return week


def _isoyearday(year: int, mon: int, mday: int) -> int:
    return date2j(year, mon, mday) - _iso_start(date2isoyear(year, mon, mday)) + 1


# -- output -----------------------------------------------------------------------------------------

def _num(value: int, width: int, fm: bool) -> str:
    """printf("%0*d"): the width counts a minus sign."""
    return str(value) if fm else f"{value:0{width}d}"


def _th(text: str, upper: bool) -> str:
    digits = text.lstrip("-")
    last = digits[-1:] or "0"
    s = "th" if digits[-2:-1] == "1" else {"1": "st", "2": "nd", "3": "rd"}.get(last, "th")
    return text + (s.upper() if upper else s)


def _case(word: str, pat: str) -> str:
    return word.upper() if pat.isupper() else word.lower() if pat.islower() else word


def dch_to_char(tm: Tm, fmt: str, is_interval: bool) -> str:
    adjust = (lambda y: y) if is_interval else (lambda y: -(y - 1) if y <= 0 else y)
    out = []
    for kind, pat, fm, suffix in tokens(fmt, DT_PATTERNS):
        if kind == "l":
            out.append(pat)
            continue
        up = pat.upper()
        if is_interval and up in _NOT_FOR_INTERVAL:
            raise InvalidDatetimeFormat("invalid format specification for an interval value",
                                        hint="Intervals are not tied to specific calendar dates.")
        text = _pattern(tm, up, pat, fm, adjust, is_interval)
        if text is None:
            continue
        out.append(_th(text, suffix == "TH") if suffix and text.lstrip("-").isdigit() else text)
    return "".join(out)


def _pattern(tm: Tm, up: str, pat: str, fm: bool, adjust, is_interval: bool) -> str | None:
    if up in ("AM", "PM", "A.M.", "P.M."):
        word = ("P" if _mod(tm.hour, 24) >= 12 else "A") + ("M" if len(up) == 2 else ".M.")
        return word if pat[0].isupper() else word.lower()
    if up in ("AD", "BC", "A.D.", "B.C."):
        word = ("B" if tm.year <= 0 else "A") + ("D" if tm.year > 0 else "C") if len(up) == 2 else \
            ("B.C." if tm.year <= 0 else "A.D.")
        return word if pat[0].isupper() else word.lower()
    if up in ("MONTH", "MON"):
        if not tm.mon:
            return None
        name = MONTHS[tm.mon - 1]
        return _case(name[:3], pat) if up == "MON" else _case(name, pat) if fm else _case(name, pat).ljust(9)
    if up in ("DAY", "DY"):
        name = DAYS[tm.wday]
        return _case(name[:3], pat) if up == "DY" else _case(name, pat) if fm else _case(name, pat).ljust(9)
    if up == "RM":
        return _roman(tm, is_interval, fm, pat.islower())
    if up in ("TZ", "TZH", "TZM", "OF"):
        return _zone(tm, up, pat, fm)
    sign_width = {"HH": tm.hour, "HH12": tm.hour, "HH24": tm.hour, "MI": tm.min, "SS": tm.sec, "MM": tm.mon}
    if up in sign_width:
        value = {"HH": _mod(tm.hour, 12) or 12, "HH12": _mod(tm.hour, 12) or 12}.get(up, sign_width[up])
        return _num(value, 2 if sign_width[up] >= 0 else 3, fm)
    fractions = {"MS": 3, "US": 6, "FF1": 1, "FF2": 2, "FF3": 3, "FF4": 4, "FF5": 5, "FF6": 6}
    if up in fractions:
        digits = fractions[up]
        return f"{_div(tm.fsec, 10 ** (6 - digits)):0{digits}d}"
    year = adjust(tm.year)
    if up in ("YYYY", "IYYY", "YYY", "IYY", "YY", "IY", "Y", "I"):
        value = year if up[0] == "Y" else adjust(date2isoyear(tm.year, tm.mon, tm.mday))
        places = {"YYYY": 4, "IYYY": 4, "YYY": 3, "IYY": 3, "YY": 2, "IY": 2}.get(up, 1)
        if places == 1:
            return str(_mod(value, 10))
        value = value if places == 4 else _mod(value, 10 ** places)
        return _num(value, places if year >= 0 else places + 1, fm)
    if up == "Y,YYY":
        thousands = _div(year, 1000)
        return f"{thousands},{year - thousands * 1000:03d}"
    if up == "CC":
        cc = _div(tm.year, 100) if is_interval else \
            _div(tm.year - 1, 100) + 1 if tm.year > 0 else _div(tm.year, 100) - 1
        return _num(cc, 2 if cc >= 0 else 3, fm) if -99 <= cc <= 99 else str(cc)
    simple = {
        "DDD": lambda: _num(tm.yday, 3, fm), "IDDD": lambda: _num(_isoyearday(tm.year, tm.mon, tm.mday), 3, fm),
        "DD": lambda: _num(tm.mday, 2, fm), "D": lambda: str(tm.wday + 1), "ID": lambda: str(tm.wday or 7),
        "WW": lambda: _num(_div(tm.yday - 1, 7) + 1, 2, fm),
        "IW": lambda: _num(date2isoweek(tm.year, tm.mon, tm.mday), 2, fm),
        "Q": lambda: str(_div(tm.mon - 1, 3) + 1) if tm.mon else None, "W": lambda: str(_div(tm.mday - 1, 7) + 1),
        "J": lambda: str(date2j(tm.year, tm.mon, tm.mday)), "SSSS": lambda: str(tm.hour * 3600 + tm.min * 60 + tm.sec),
    }
    return simple[up]()


def _roman(tm: Tm, is_interval: bool, fm: bool, lower: bool) -> str | None:
    if is_interval:
        if not tm.mon and not tm.year:
            return None
        # the month within the year the interval reaches: whole negative years count as December
        month = (12 if tm.year >= 0 else 1) if tm.mon == 0 else 13 + tm.mon if tm.mon < 0 else tm.mon
    else:
        month = tm.mon
    text = _ROMAN[month - 1]
    text = text.lower() if lower else text
    return text if fm else text.ljust(4)


def _zone(tm: Tm, up: str, pat: str, fm: bool) -> str | None:
    off = abs(tm.gmtoff)
    sign = "+" if tm.gmtoff >= 0 else "-"
    if up == "TZ":
        return None if tm.zone is None else tm.zone.lower() if pat.islower() else tm.zone
    if up == "TZH":
        return f"{sign}{off // 3600:02d}"
    if up == "TZM":
        return f"{off % 3600 // 60:02d}"
    text = sign + _num(off // 3600, 2, fm)
    return text + (f":{off % 3600 // 60:02d}" if off % 3600 else "")


def zone_abbreviation(zone: _dt.tzinfo, utc_us: int, offset_s: int) -> str:
    """The zone's abbreviation at an instant (EDT, IST, UTC); an offset like +05 where it has none."""
    try:
        name = _dt.datetime.fromtimestamp(utc_us / 1_000_000 + _UNIX_EPOCH_S, zone).tzname()
    except (OverflowError, ValueError, OSError):
        name = None
    if name and not name.startswith("UTC") or name == "UTC":
        return name
    off = abs(offset_s)
    return ("+" if offset_s >= 0 else "-") + f"{off // 3600:02d}" + (f":{off % 3600 // 60:02d}" if off % 3600 else "")
