"""interval text input and output.

Output, IntervalStyle postgres (EncodeInterval): nonzero year/mon/day parts as `1 year`,
`2 mons`, `-3 days`, then the time as `[-+]HH:MM:SS[.ffffff]` when nonzero or when nothing else
was printed; once a negative part was printed, later positive parts carry `+`
(`-1 days +02:00:00`). IntervalStyle iso_8601 prints `P1Y2M3DT4H5M6.5S` (`PT0S` for zero).

Input (DecodeInterval and DecodeISO8601Interval): number-unit pairs (`1 day`, `2 hours 3
minutes`, `1.5 weeks`, `3d`), `HH:MM[:SS.f]` clock parts, `Y-M` year-month, a bare number of
seconds, `@` and `ago`, and ISO 8601 (`P1Y2M3DT4H5M6S`, `PT1.5S`, `P0001-02-03T04:05:06`).
Fractions spill downwards like PostgreSQL: fractional years to whole months, fractional
months to days (30 per month) and seconds, fractional days to seconds.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from quantadb.errors import DatetimeFieldOverflow, InvalidDatetimeFormat
from quantadb.types.values import (
    USECS_PER_DAY,
    USECS_PER_HOUR,
    USECS_PER_MINUTE,
    USECS_PER_SEC,
    Interval,
)

_UNITS = {
    "microsecond": ("us", 1), "us": ("us", 1), "usec": ("us", 1), "usecs": ("us", 1),
    "microseconds": ("us", 1), "millisecond": ("us", 1000), "milliseconds": ("us", 1000),
    "ms": ("us", 1000), "msec": ("us", 1000), "msecs": ("us", 1000),
    "second": ("us", USECS_PER_SEC), "seconds": ("us", USECS_PER_SEC), "s": ("us", USECS_PER_SEC),
    "sec": ("us", USECS_PER_SEC), "secs": ("us", USECS_PER_SEC),
    "minute": ("us", USECS_PER_MINUTE), "minutes": ("us", USECS_PER_MINUTE), "m": ("us", USECS_PER_MINUTE),
    "min": ("us", USECS_PER_MINUTE), "mins": ("us", USECS_PER_MINUTE),
    "hour": ("us", USECS_PER_HOUR), "hours": ("us", USECS_PER_HOUR), "h": ("us", USECS_PER_HOUR),
    "hr": ("us", USECS_PER_HOUR), "hrs": ("us", USECS_PER_HOUR),
    "day": ("day", 1), "days": ("day", 1), "d": ("day", 1),
    "week": ("day", 7), "weeks": ("day", 7), "w": ("day", 7),
    "month": ("mon", 1), "months": ("mon", 1), "mon": ("mon", 1), "mons": ("mon", 1),
    "year": ("mon", 12), "years": ("mon", 12), "y": ("mon", 12), "yr": ("mon", 12), "yrs": ("mon", 12),
    "decade": ("mon", 120), "decades": ("mon", 120), "dec": ("mon", 120), "decs": ("mon", 120),
    "century": ("mon", 1200), "centuries": ("mon", 1200), "c": ("mon", 1200), "cent": ("mon", 1200),
    "millennium": ("mon", 12000), "millennia": ("mon", 12000), "mil": ("mon", 12000),
    "mils": ("mon", 12000),
}
_TOKEN = re.compile(
    r"\s*(?:(?P<clock>[+-]?\d+:(?:\d+(?::\d+)?(?:\.\d*)?)?)"  # '1:' is one hour
    r"|(?P<ym>[+-]?\d+-\d+)(?![\d:])"
    r"|(?P<num>[+-]?\s*(?:\d+\.?\d*|\.\d+))\s*(?P<unit>[a-z]+)?"  # '- 1 day': a sign may stand apart
    r"|(?P<word>[a-z]+))"
)
_ISO = re.compile(r"p(?:(?P<y>[+-]?[\d.]+)y)?(?:(?P<mo>[+-]?[\d.]+)m)?(?:(?P<w>[+-]?[\d.]+)w)?"
                  r"(?:(?P<d>[+-]?[\d.]+)d)?(?:t(?:(?P<h>[+-]?[\d.]+)h)?(?:(?P<mi>[+-]?[\d.]+)m)?"
                  r"(?:(?P<s>[+-]?[\d.]+)s)?)?\Z")
_ISO_ALT = re.compile(r"p(\d+)-(\d+)-(\d+)(?:t(\d+):(\d+):(\d+(?:\.\d*)?))?\Z")


def _bad(text: str) -> InvalidDatetimeFormat:
    return InvalidDatetimeFormat(f'invalid input syntax for type interval: "{text}"')


class _Acc:
    """Accumulates fields; fractions spill to smaller units as PostgreSQL does."""

    def __init__(self) -> None:
        self.months = 0
        self.days = 0
        self.micros = Decimal(0)

    def add(self, kind: str, value: Decimal, scale: int) -> None:
        if kind == "us":
            self.micros += value * scale
        elif kind == "day":
            total = value * scale
            whole = int(total)
            self.days += whole
            self.micros += (total - whole) * USECS_PER_DAY
        elif scale >= 12:  # year-sized units: fractions round to whole months
            total = value * scale
            self.months += int(total.to_integral_value(ROUND_HALF_EVEN))
        else:
            whole = int(value)
            self.months += whole
            frac_days = (value - whole) * 30
            whole_days = int(frac_days)
            self.days += whole_days
            self.micros += (frac_days - whole_days) * USECS_PER_DAY

    def result(self, text: str, negate: bool) -> Interval:
        micros = int(self.micros.to_integral_value(ROUND_HALF_EVEN))
        iv = Interval(self.months, self.days, micros)
        if negate:
            iv = Interval(-iv.months, -iv.days, -iv.micros)
        if not (-(2**31) <= iv.months < 2**31 and -(2**31) <= iv.days < 2**31
                and -(2**63) <= iv.micros < 2**63):
            raise DatetimeFieldOverflow(f'interval field value out of range: "{text}"')
        return iv


def parse_interval(text: str) -> Interval:
    s = text.strip().lower()
    if not s:
        raise _bad(text)
    if s.startswith("p"):
        return _parse_iso(s, text)
    negate = False
    if s.startswith("@"):
        s = s[1:]
    if s.endswith("ago"):
        s, negate = s[:-3].rstrip(), True
    acc = _Acc()
    pos, seen = 0, False
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise _bad(text)
        pos = m.end()
        seen = True
        if m["clock"]:
            _add_clock(acc, m["clock"])
        elif m["ym"]:
            sign = -1 if m["ym"].startswith("-") else 1
            years, months = m["ym"].lstrip("+-").split("-")
            acc.months += sign * (int(years) * 12 + int(months))
        elif m["num"]:
            unit = m["unit"]
            if unit is None:
                follow = _TOKEN.match(s, pos)
                if follow and follow["word"] and follow["word"] in _UNITS:
                    unit = follow["word"]
                    pos = follow.end()
                elif follow and follow["clock"]:  # '3 4:05:06': a bare number before a time is days
                    unit = "day"
            if unit is None:
                kind, scale = "us", USECS_PER_SEC  # a bare number is seconds
            elif unit in _UNITS:
                kind, scale = _UNITS[unit]
            else:
                raise _bad(text)
            acc.add(kind, Decimal(m["num"].replace(" ", "")), scale)
        else:
            raise _bad(text)
    if not seen:
        raise _bad(text)
    return acc.result(text, negate)


def _add_clock(acc: _Acc, token: str) -> None:
    sign = -1 if token.startswith("-") else 1
    parts = token.lstrip("+-").split(":")
    hours, minutes = int(parts[0]), Decimal(parts[1] or 0)
    seconds = Decimal(parts[2]) if len(parts) > 2 else Decimal(0)
    acc.micros += sign * (hours * USECS_PER_HOUR + minutes * USECS_PER_MINUTE + seconds * USECS_PER_SEC)


def _parse_iso(s: str, text: str) -> Interval:
    acc = _Acc()
    alt = _ISO_ALT.match(s)
    if alt:
        y, mo, d, h, mi, sec = alt.groups()
        acc.months = int(y) * 12 + int(mo)
        acc.days = int(d)
        acc.micros = Decimal(int(h or 0) * USECS_PER_HOUR + int(mi or 0) * USECS_PER_MINUTE) + \
            Decimal(sec or 0) * USECS_PER_SEC
        return acc.result(text, False)
    m = _ISO.match(s)
    if not m or s in ("p", "pt") or s.endswith("t"):
        raise _bad(text)
    try:
        for group, (kind, scale) in (("y", ("mon", 12)), ("mo", ("mon", 1)), ("w", ("day", 7)),
                                     ("d", ("day", 1)), ("h", ("us", USECS_PER_HOUR)),
                                     ("mi", ("us", USECS_PER_MINUTE)), ("s", ("us", USECS_PER_SEC))):
            if m[group] is not None:
                acc.add(kind, Decimal(m[group]), scale)
    except ArithmeticError:
        raise _bad(text) from None
    return acc.result(text, False)


# ---- output --------------------------------------------------------------------------------

def _split_time(micros: int) -> tuple[int, int, int, int]:
    """Hours, minutes, seconds, µs of a signed time span, each carrying the span's sign."""
    sign = -1 if micros < 0 else 1
    rest = abs(micros)
    hours, rest = divmod(rest, USECS_PER_HOUR)
    minutes, rest = divmod(rest, USECS_PER_MINUTE)
    seconds, us = divmod(rest, USECS_PER_SEC)
    return sign * hours, sign * minutes, sign * seconds, sign * us


def _seconds_text(seconds: int, us: int) -> str:
    text = f"{abs(seconds):02d}"
    if us:
        text += f".{abs(us):06d}".rstrip("0")
    return text


def format_interval(value: Interval, style: str = "postgres") -> str:
    if style.lower() == "iso_8601":
        return _format_iso(value)
    years = int(value.months / 12)  # C truncation, so -14 months is -1 year -2 mons
    months = value.months - years * 12
    hours, minutes, seconds, us = _split_time(value.micros)
    parts: list[str] = []
    before = False
    for amount, unit in ((years, "year"), (months, "mon"), (value.days, "day")):
        if amount == 0:
            continue
        plus = "+" if before and amount > 0 else ""
        parts.append(f"{plus}{amount} {unit}{'' if amount == 1 else 's'}")
        before = before or amount < 0
    if not parts or value.micros != 0:
        minus = value.micros < 0
        lead = "-" if minus else ("+" if before else "")
        parts.append(f"{lead}{abs(hours):02d}:{abs(minutes):02d}:{_seconds_text(seconds, us)}")
    return " ".join(parts)


def _format_iso(value: Interval) -> str:
    years = int(value.months / 12)
    months = value.months - years * 12
    hours, minutes, seconds, us = _split_time(value.micros)
    out = "P"
    for amount, unit in ((years, "Y"), (months, "M"), (value.days, "D")):
        if amount:
            out += f"{amount}{unit}"
    if value.micros:
        out += "T"
        for amount, unit in ((hours, "H"), (minutes, "M")):
            if amount:
                out += f"{amount}{unit}"
        if seconds or us:
            sign = "-" if value.micros < 0 else ""
            out += f"{sign}{abs(seconds)}{f'.{abs(us):06d}'.rstrip('0') if us else ''}S"
    if out == "P":
        return "PT0S"
    return out
