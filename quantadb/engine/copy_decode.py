"""COPY FROM, a column of fields as strings (chunks with escapes, CSV with quotes, and the
columns copy_scan.py does not decode from bytes): each column of fields decoded at once (numpy
parsing, regex validation of the whole column) for the common types whose every accepted
spelling here is read the same by the type's input function. Anything else answers None and
copy.py takes the exact value-at-a-time path, which also names the first bad line and column.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np

from quantadb.engine.copy_scan import days_of
from quantadb.storage.segcolumn import DICT_LIMIT
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


def decode_column(t: R.SqlType, values: list[str | None], plain: bool = False) -> Column | None:
    """A whole column of text fields (None = NULL) in the type's representation, or None.
    `plain`: no field is NULL or holds NUL."""
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
    """Days since 2000-01-01 of 'YYYY-MM-DD\\n' lines (None when one is no date)."""
    digits = (np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 11) - 48).astype(np.int64)
    return days_of(digits[:, :4] @ _YEAR_WEIGHTS, digits[:, 5] * 10 + digits[:, 6], digits[:, 8] * 10 + digits[:, 9])


_YEAR_WEIGHTS = np.array([1000, 100, 10, 1])


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
