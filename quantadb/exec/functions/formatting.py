"""to_char / to_date / to_timestamp / to_number (formatting.c) for the common patterns.

Date/time output is tochar.py's (timestamps, timestamptz with TZ/TZH/TZM/OF, intervals); here
the broken-down times are built and the parsing side reads the same patterns. Numeric
patterns: 9 0 . D , G S MI PL SG PR and FM.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal

import numpy as np

from quantadb.errors import InvalidDatetimeFormat
from quantadb.exec.functions import scalar
from quantadb.exec.functions.calendar import from_local, to_local
from quantadb.exec.functions.strings import rows
from quantadb.exec.functions.support import map_rows, quantize_scale
from quantadb.exec.functions.tochar import DAYS, DT_PATTERNS, MONTHS, Tm, dch_to_char, tokens, zone_abbreviation
from quantadb.types.column import Column
from quantadb.types.datetime import days_in_month, ymd_to_days, days_to_ymd
from quantadb.types.values import USECS_PER_DAY

# --- numeric to_char ------------------------------------------------------------------------------

def format_number(value: Decimal, fmt: str) -> str:
    tokens, i = [], 0
    while i < len(fmt):
        up = fmt[i:i + 2].upper()
        if up in ("FM", "MI", "PL", "SG", "PR"):
            tokens.append(up)
            i += 2
        elif fmt[i].upper() in "90.D,GS":
            tokens.append(fmt[i].upper())
            i += 1
        elif fmt[i] == '"':  # quoted text is output as it is
            end = fmt.find('"', i + 1)
            end = len(fmt) if end < 0 else end
            tokens.extend(("lit", c) for c in fmt[i + 1:end])
            i = end + 1
        else:
            tokens.append(("lit", fmt[i]))
            i += 1
    fm = "FM" in tokens
    point = next((k for k, t in enumerate(tokens) if t in (".", "D")), len(tokens))
    int_pos = sum(t in ("9", "0") for t in tokens[:point])
    frac_pos = sum(t in ("9", "0") for t in tokens[point:])
    rounded = quantize_scale(value, frac_pos, decimal.ROUND_HALF_UP) if value.is_finite() else value
    neg = rounded < 0
    int_part, _, frac_part = format(abs(rounded), "f").partition(".")
    frac_part = frac_part.ljust(frac_pos, "0")
    if int_part == "0" and frac_pos:
        int_part = ""
    overflow = len(int_part) > int_pos
    digits = [None] * (int_pos - len(int_part)) + list(int_part) if not overflow else ["#"] * int_pos
    explicit_sign = any(t in ("S", "MI", "SG") for t in tokens)  # PL keeps the minus in its usual place
    bracket = "PR" in tokens
    lead = ("<" if neg else " ") if bracket else "-" if neg else "" if fm else " "
    # an S ahead of every digit goes right before the first one printed, as the default sign does
    first_digit = next((j for j, t in enumerate(tokens) if t in ("9", "0", ".", "D")), len(tokens))
    anchored_s = "S" in tokens[:first_digit]
    if anchored_s:
        lead, explicit_sign = ("-" if neg else "+"), False
    out: list[str] = []
    k = f = 0
    started = zero_forced = False
    sign_done = explicit_sign
    for t in tokens:
        if t in ("9", "0") and k < int_pos:
            ch = digits[k]
            k += 1
            zero_forced = zero_forced or t == "0"
            if ch is None and zero_forced:
                ch = "0"
            if ch is None:
                if not fm:
                    out.append(" ")
                continue
            if not sign_done:
                out.append(lead)
                sign_done = True
            started = True
            out.append(ch)
        elif t in ("9", "0"):
            out.append("#" if overflow else frac_part[f])
            f += 1
        elif t in (".", "D"):
            if not sign_done:
                out.append(lead)
                sign_done = True
            out.append(".")
        elif t in (",", "G"):
            out.append("," if started else "" if fm else " ")
        elif t == "S" and anchored_s:
            continue
        elif t in ("S", "SG"):
            out.append("-" if neg else "+")
        elif t == "PL":
            out.append("+" if not neg else "" if fm else " ")
        elif t == "MI":
            out.append("-" if neg else "" if fm else " ")
        elif t == "PR":
            out.append(">" if neg else " ")
        elif isinstance(t, tuple):
            out.append(t[1])
    text = "".join(out)
    if fm and frac_pos:
        # FM drops trailing zeros that came from 9 positions (not 0 positions).
        last_zero = max((j for j, t in enumerate(tokens) if t == "0"), default=-1)
        if last_zero < point:
            text = text.rstrip("0")
    return text


def _to_char_number(conv):
    return rows(lambda v, fmt: format_number(conv(v), fmt))


scalar("numeric_to_char")(_to_char_number(lambda v: v))
scalar("int4_to_char", "int8_to_char")(_to_char_number(lambda v: Decimal(int(v))))
scalar("float4_to_char", "float8_to_char")(_to_char_number(lambda v: Decimal(repr(float(v)))))
def _timestamp_tm(local_us: int, offset_s: int = 0, zone: str | None = None) -> Tm:
    days, tod = divmod(int(local_us), USECS_PER_DAY)
    y, m, d = days_to_ymd(days)
    doy = days - ymd_to_days(y, 1, 1) + 1
    return Tm(y, m, d, tod // 3_600_000_000, tod // 60_000_000 % 60, tod // 1_000_000 % 60, tod % 1_000_000,
              doy, (days + 6) % 7, offset_s, zone)


def _interval_tm(v) -> Tm:
    """interval2itm: every field keeps the interval's sign; yday approximates the span in days."""
    year, mon = int(v.months / 12), v.months - int(v.months / 12) * 12
    hours = abs(v.micros) // 3_600_000_000 * (1 if v.micros >= 0 else -1)
    rest = v.micros - hours * 3_600_000_000
    minutes = int(rest / 60_000_000)
    rest -= minutes * 60_000_000
    seconds = int(rest / 1_000_000)
    return Tm(year, mon, v.days, hours, minutes, seconds, rest - seconds * 1_000_000, (year * 12 + mon) * 30 + v.days)


scalar("timestamp_to_char")(rows(lambda ts, fmt: dch_to_char(_timestamp_tm(ts), fmt, False)))
scalar("interval_to_char")(rows(lambda v, fmt: dch_to_char(_interval_tm(v), fmt, True)))


@scalar("timestamptz_to_char")
def timestamptz_to_char(args, n, ctx, call) -> Column:
    zone = ctx.format.zone
    local = to_local(args[0].data, zone)

    def one(utc: int, loc: int, fmt: str) -> str:
        offset = (int(loc) - int(utc)) // 1_000_000
        return dch_to_char(_timestamp_tm(loc, offset, zone_abbreviation(zone, int(utc), offset)), fmt, False)
    return Column(map_rows(one, [args[0], Column(local, args[0].valid), args[1]], n))


# --- parsing: to_date / to_timestamp / to_number ------------------------------------------------------

_WIDTH = {"YYYY": 4, "YYY": 3, "YY": 2, "Y": 1, "IYYY": 4, "MM": 2, "DD": 2, "DDD": 3, "D": 1, "ID": 1,
          "HH24": 2, "HH12": 2, "HH": 2, "MI": 2, "SS": 2, "MS": 3, "US": 6, "SSSS": 5, "Q": 1, "WW": 2,
          "IW": 2, "W": 1, "J": 7, "CC": 2}


def parse_datetime(text: str, fmt: str, type_name: str) -> int:
    """Local µs since 2000-01-01 read from `text` by `fmt`."""
    fields = {"year": 2000, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "us": 0}
    pm: bool | None = None
    hour12 = False
    i = 0
    for kind, pat, fm, suffix in tokens(fmt, DT_PATTERNS):
        if kind == "l":
            if pat.isspace():
                while i < len(text) and text[i].isspace():
                    i += 1
            elif i < len(text) and not text[i].isalnum():
                i += 1
            continue
        while i < len(text) and text[i].isspace():
            i += 1
        up = pat.upper()
        if up in ("MON", "MONTH", "DAY", "DY"):
            names = MONTHS if up.startswith("MON") else DAYS
            low = text[i:].lower()
            hit = next(((k, nm) for k, nm in enumerate(names) for cand in (nm.lower(), nm[:3].lower())
                        if low.startswith(cand) and (up in ("MONTH", "DAY") or cand == nm[:3].lower())), None)
            if hit is None:
                raise InvalidDatetimeFormat(
                    f'invalid value "{text[i:i + 3]}" for "{pat}"',
                    detail="The given value did not match any of the allowed values for this field.")
            k, nm = hit
            cand = nm.lower() if low.startswith(nm.lower()) else nm[:3].lower()
            i += len(cand)
            if up.startswith("MON"):
                fields["month"] = k + 1
            continue
        if up in ("AM", "PM", "A.M.", "P.M."):
            word = text[i:i + len(up)].upper()
            pm = word.startswith("P")
            i += len(up)
            continue
        m = re.match(r"[+-]?\d{1,%d}" % (_WIDTH.get(up, 9) if not fm else 9), text[i:])
        if m is None:
            raise InvalidDatetimeFormat(f'invalid value "{text[i:i + 2]}" for "{pat}"',
                                        detail="Value must be an integer.")
        value = int(m.group(0))
        i += m.end() + len(suffix)
        key = {"YYYY": "year", "IYYY": "year", "MM": "month", "DD": "day", "HH24": "hour", "HH12": "hour",
               "HH": "hour", "MI": "minute", "SS": "second"}.get(up)
        if key:
            fields[key] = value
            hour12 = hour12 or up in ("HH", "HH12")
        elif up == "YY":
            fields["year"] = value + (2000 if value < 70 else 1900)
        elif up == "MS":
            fields["us"] = value * 1000
        elif up == "US":
            fields["us"] = value
        elif up == "DDD":
            fields["month"], fields["day"] = 1, value
        elif up == "J":
            fields["year"], fields["month"], fields["day"] = days_to_ymd(value - 2451545)
    if pm is not None or hour12:
        h = fields["hour"]
        if not 1 <= h <= 12:
            raise InvalidDatetimeFormat(f'hour "{h}" is invalid for the 12-hour clock',
                                        hint="Use the 24-hour clock, or give an hour between 1 and 12.")
        fields["hour"] = (h % 12) + (12 if pm else 0)
    y, mo, d = fields["year"], fields["month"], fields["day"]
    if y < 0:  # a negative year is BC: -1 is 1 BC, year 0 in astronomical numbering
        y += 1
    if not 1 <= mo <= 12 or not 1 <= d <= (days_in_month(y, mo) if fmt.upper().find("DDD") < 0 else 366):
        raise InvalidDatetimeFormat(f'date/time field value out of range: "{text}"')
    days = ymd_to_days(y, mo, 1) + d - 1
    return days * USECS_PER_DAY + ((fields["hour"] * 60 + fields["minute"]) * 60 + fields["second"]) * 1_000_000 \
        + fields["us"]


scalar("to_date")(rows(lambda t, f: parse_datetime(t, f, "date") // USECS_PER_DAY, np.int32, 0))


@scalar("to_timestamp")
def to_timestamp(args, n, ctx, call) -> Column:
    local = map_rows(lambda t, f: parse_datetime(t, f, "timestamp"), args, n, np.int64, 0)
    return Column(from_local(local, ctx.format.zone))


def parse_number(text: str, fmt: str) -> Decimal:
    """to_number: digits (up to the format's fraction digits), sign from '-' or <...>, separators ignored."""
    point = max(fmt.upper().find("D"), fmt.find("."))
    frac_pos = sum(ch in "90" for ch in fmt[point:]) if point >= 0 else 0
    neg = "-" in text or (text.strip().startswith("<") and text.strip().endswith(">"))
    int_digits, frac_digits, seen_point = [], [], False
    for ch in text:
        if ch.isdigit():
            (frac_digits if seen_point else int_digits).append(ch)
        elif ch == "." and point >= 0:
            seen_point = True
    frac = "".join(frac_digits)[:frac_pos]
    body = ("".join(int_digits) or "0") + ("." + frac if frac else "")
    value = Decimal(body)
    return -value if neg else value


scalar("numeric_to_number")(rows(parse_number))
