"""COPY FROM text format, the bulk path: split a chunk of lines into columns and decode each
column of fields at once (C-level string splitting, numpy parsing, regex validation of the whole
column), for the common types whose every accepted spelling here is read the same by the type's
input function. Anything else answers None and copy.py takes the exact value-at-a-time path,
which also names the first bad line and column.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np

from quantadb.storage.table import DICT_LIMIT
from quantadb.types import registry as R
from quantadb.types.column import Column
from quantadb.types.scaled import MAX_DIGITS

# int() reads what int4in does (sign, blanks around) and more: '_', non-ASCII digits, \x1c-\x1f
_BEYOND_INT_INPUT = re.compile(r"[^0-9+\- \t\n\r\x0b\x0c]")
_NUMERIC_RE = re.compile(r"(?:-?[0-9]{1,200}(?:\.[0-9]{1,200})?\n)*")
_DATE_RE = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}\n)*")
_INT_TYPES = {R.INT2.oid: np.int16, R.INT4.oid: np.int32, R.INT8.oid: np.int64}
_PLAIN_STRINGS = {R.TEXT.oid, R.VARCHAR.oid, R.BPCHAR.oid}
_SCALED_RE: dict[int, re.Pattern] = {}


def split_plain(text: str, raw: bytes, delimiter: str, width: int) -> list[list[str]] | None:
    """The fields of `text` (whole lines, each ending in a newline; `raw` is its UTF-8) column by
    column, when no line needs more than splitting: no backslash (so no escapes, no \\N and no
    end marker), no carriage return, no NUL, no empty line, and every line has `width` fields.
    Else None."""
    if (not text or text[-1] != "\n" or "\\" in text or "\r" in text or "\n\n" in text or text[0] == "\n"
            or "\x00" in text or ord(delimiter) > 127):
        return None
    flat = text[:-1].replace("\n", delimiter).split(delimiter)
    rows = text.count("\n")
    if len(flat) != rows * width:
        return None
    if width > 1:  # the total can match while single lines are off: count each line's delimiters
        octets = np.frombuffer(raw, dtype=np.uint8)
        seps = np.cumsum(octets == ord(delimiter))[octets == 10]
        if (np.diff(seps, prepend=0) != width - 1).any():
            return None
    return [flat[i::width] for i in range(width)]


def decode_column(t: R.SqlType, values: list[str | None], plain: bool = False) -> Column | None:
    """A whole column of text fields (None = NULL) in the type's representation, or None.
    `plain`: every field came from split_plain (no NULL, no NUL)."""
    oid = t.pg.oid
    if oid not in _INT_TYPES and oid not in _PLAIN_STRINGS and oid not in (R.NUMERIC.oid, R.DATE.oid):
        return None
    if not plain and None in values:
        live = [v for v in values if v is not None]
        valid = np.array([v is not None for v in values], dtype=bool)
    else:
        live, valid = values, None
    if oid in _PLAIN_STRINGS:
        if not plain and "\x00" in "".join(live):
            return None
        return _strings(values, valid)
    joined = "\n".join(live) + "\n" if live else ""
    if oid in _INT_TYPES:
        if _BEYOND_INT_INPUT.search(joined):
            return None
        dtype = _INT_TYPES[oid]
        try:
            wide = np.array(live, dtype=np.int64) if live else np.zeros(0, dtype=np.int64)
        except (ValueError, OverflowError):
            return None
        info = np.iinfo(dtype)
        if wide.size and (wide.min() < info.min or wide.max() > info.max):
            return None
        return _spread(wide.astype(dtype), valid)
    if oid == R.NUMERIC.oid:
        return _decode_numeric(live, joined, valid)
    if not _DATE_RE.fullmatch(joined):  # ISO dates only; anything else takes the exact parser
        return None
    days = _iso_days(joined)
    return None if days is None else _spread(days, valid)


def _iso_days(joined: str) -> np.ndarray | None:
    """Days since 2000-01-01 of 'YYYY-MM-DD\\n' lines, computed on the digits (civil calendar,
    as days_from_civil); None when one is no date (month 13, Feb 30, year 0)."""
    digits = (np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 11) - 48).astype(np.int64)
    y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    m = digits[:, 5] * 10 + digits[:, 6]
    d = digits[:, 8] * 10 + digits[:, 9]
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    if ((y < 1) | (m < 1) | (m > 12) | (d < 1)).any() or (d > _MONTH_DAYS[leap.astype(np.int64), np.clip(m, 1, 12)]).any():
        return None
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - _CIVIL_2000).astype(np.int32)


_MONTH_DAYS = np.array([[0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
                        [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]])
_CIVIL_2000 = 730425  # days_from_civil(2000-01-01) counted from 0000-03-01


def _decode_numeric(live: list[str], joined: str, valid: np.ndarray | None) -> Column | None:
    """Scaled int64 when every field has the first one's digits after the point (each keeps its
    display scale) and fits; Decimals for other plain decimal spellings."""
    if not live:
        return None
    point = live[0].find(".")
    scale = len(live[0]) - point - 1 if point >= 0 else 0
    if scale <= MAX_DIGITS and _scaled_pattern(scale).fullmatch(joined):
        digits = joined.replace(".", "") if scale else joined
        ints = np.array(digits[:-1].split("\n"), dtype=np.int64)
        if valid is None:
            return Column.scaled(ints, scale)
        data = np.zeros(len(valid), dtype=np.int64)
        data[valid] = ints
        return Column.scaled(data, scale, valid)
    if not _NUMERIC_RE.fullmatch(joined):
        return None
    return _spread(np.array(list(map(Decimal, live)), dtype=object), valid)


def _scaled_pattern(scale: int) -> re.Pattern:
    """Lines of an optional '-', then at most 18 digits of which exactly `scale` follow a point."""
    pattern = _SCALED_RE.get(scale)
    if pattern is None:
        whole = f"[0-9]{{1,{MAX_DIGITS - scale}}}" if scale < MAX_DIGITS else "0"
        frac = rf"\.[0-9]{{{scale}}}" if scale else ""
        pattern = _SCALED_RE[scale] = re.compile(rf"(?:-?{whole}{frac}\n)*")
    return pattern


def _strings(values: list[str | None], valid: np.ndarray | None) -> Column:
    """Coded as storage keeps them (types/column.py) when values repeat (each string is then
    checked, padded and stored once); a plain object array when most are distinct."""
    distinct = dict.fromkeys(values)
    distinct.pop(None, None)
    if len(distinct) > DICT_LIMIT or 2 * len(distinct) > len(values):
        data = np.empty(len(values), dtype=object)
        data[:] = values
        return Column(data, valid)
    code_of = {v: k for k, v in enumerate(distinct)}
    code_of[None] = -1
    dictionary = np.empty(len(distinct) + 1, dtype=object)
    dictionary[:-1] = list(distinct)
    codes = np.fromiter(map(code_of.__getitem__, values), dtype=np.int32, count=len(values))
    return Column.coded(codes, dictionary, valid)


def _spread(live: np.ndarray, valid: np.ndarray | None) -> Column:
    if valid is None:
        return Column(live)
    data = np.empty(len(valid), dtype=object) if live.dtype == object else np.zeros(len(valid), dtype=live.dtype)
    data[valid] = live
    return Column(data, valid)
