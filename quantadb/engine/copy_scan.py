"""COPY FROM text format on the bytes: field boundaries of a whole chunk found with numpy, and
integer, numeric, date and string columns decoded from their bytes without making a Python object
per field (PostgreSQL parses each field in C; one str per field was most of the load's time).

A chunk qualifies (scan_plain) when no line needs more than splitting: no carriage return, no
NUL, every line with the table's field count, no end marker (a line \\.); in text format the
only escapes are \\N fields (NULL; no other backslash) and no line is empty; in CSV format no
quote occurs and the NULL string is the empty one (empty fields are NULL). Each decoder takes
the spellings it reads exactly as the type's input function does and answers None for anything
else (blanks, exponents, long digit strings, non-ISO dates, ...); copy.py then decodes that
column from its fields as strings, and any error sends the whole chunk down the string path,
which names PostgreSQL's line and column.

Fields are read 8 bytes at a time: `words[p]` is the little-endian uint64 of bytes p..p+7 (an
unaligned view of the chunk, padded with NUL bytes on both sides), so a field of up to 8
bytes is one gather, digits are parsed in the word (SWAR: 8 digits in 3 multiplications) and
strings are compared and hashed a word at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quantadb.storage.segcolumn import DICT_LIMIT
from quantadb.types import registry as R
from quantadb.types.column import Column
from quantadb.types.scaled import MAX_DIGITS

_NL, _BACKSLASH, _N, _MINUS, _PLUS, _DOT = 10, 92, 78, 45, 43, 46
_INT_TYPES = {R.INT2.oid: np.int16, R.INT4.oid: np.int32, R.INT8.oid: np.int64}
_STRING_TYPES = {R.TEXT.oid, R.VARCHAR.oid, R.BPCHAR.oid}
_POW10 = np.array([10 ** k for k in range(MAX_DIGITS + 1)], dtype=np.int64)
_U = np.uint64
_ZEROS = _U(0x3030303030303030)  # eight '0'
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # the first k bytes
_STRING_WORDS = 16  # longer strings (over 128 bytes) go through str
# NUL bytes before and after the chunk: the words read for a field (the two before its end, the
# _STRING_WORDS from its start) stay inside the buffer
_PAD, _PAD_AFTER = 16, 8 * _STRING_WORDS


@dataclass
class PlainChunk:
    """Fields of whole lines: field (r, c) is octets[starts[r, c]:ends[r, c]]; `words` views the
    same bytes 8 at a time (module docstring); `nulls` marks the \\N fields (None: there is none)."""

    octets: np.ndarray
    words: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    nulls: np.ndarray | None

    @property
    def rows(self) -> int:
        return len(self.starts)

    def live(self, column: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Starts and ends of the column's non-NULL fields, and its validity mask."""
        starts, ends = self.starts[:, column], self.ends[:, column]
        if self.nulls is None or not self.nulls[:, column].any():
            return starts, ends, None
        valid = ~self.nulls[:, column]
        return starts[valid], ends[valid], valid


def scan_plain(chunk: bytes, delimiter: str, width: int, csv_quote: str | None = None) -> PlainChunk | None:
    """The fields of `chunk` (whole lines, each ending in a newline) when it qualifies (module
    docstring; CSV format when `csv_quote` is given), else None."""
    if (not chunk or width < 1 or chunk[-1] != _NL or b"\r" in chunk or b"\x00" in chunk
            or ord(delimiter) > 127 or delimiter in "\\\n"):
        return None
    if csv_quote is not None and (csv_quote.encode() in chunk or b"\\" in chunk and (
            chunk.startswith(b"\\.\n") or b"\n\\.\n" in chunk)):  # a quote, or the end marker
        return None
    padded = bytes(_PAD) + chunk + bytes(_PAD_AFTER)
    octets = np.frombuffer(padded, dtype=np.uint8)
    body = octets[_PAD:-_PAD_AFTER]
    seps = np.flatnonzero((body == ord(delimiter)) | (body == _NL)) + _PAD
    # every width-th separator a newline and no other: each line has exactly width fields
    if len(seps) % width or (octets[seps[width - 1::width]] != _NL).any() \
            or np.count_nonzero(octets[seps] == _NL) * width != len(seps):
        return None
    starts = np.empty(len(seps), dtype=np.int64)
    starts[0] = _PAD
    starts[1:] = seps[:-1] + 1
    starts, ends = starts.reshape(-1, width), seps.reshape(-1, width)
    nulls = None
    if csv_quote is not None:
        nulls = ends == starts
        if not nulls.any():
            nulls = None
    elif width == 1 and (ends[:, 0] == starts[:, 0]).any():
        return None  # an empty line
    elif b"\\" in chunk:
        nulls = (ends - starts == 2) & (octets[starts] == _BACKSLASH) & (octets[starts + 1] == _N)
        if int(np.count_nonzero(nulls)) != chunk.count(b"\\"):
            return None
    words = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    return PlainChunk(octets, words, starts, ends, nulls)


def decode_fields(t: R.SqlType, chunk: PlainChunk, column: int, coded: bool = False) -> Column | None:
    """The column's fields in the type's representation (before its typmod), or None. `coded`:
    strings the earlier chunks coded are coded while they can be, even if most are distinct
    here (a short last chunk), so that the parts concatenate coded."""
    oid = t.pg.oid
    starts, ends, valid = chunk.live(column)
    if oid in _INT_TYPES:
        ints = _integers(chunk, starts, ends, _INT_TYPES[oid])
        return None if ints is None else _spread(ints, valid)
    if oid == R.NUMERIC.oid:
        return _numerics(chunk, starts, ends, valid, t.typmod >= 0)
    if oid == R.DATE.oid:
        days = _iso_dates(chunk, starts, ends)
        return None if days is None else _spread(days, valid)
    if oid in _STRING_TYPES:
        return _strings(chunk, starts, ends, valid, coded)
    return None


def field_strs(chunk: PlainChunk, column: int) -> list[str | None]:
    """The column's fields as str (None = NULL), for the decoders that take text."""
    starts, ends, valid = chunk.live(column)
    strs = _strs(chunk.octets, starts, ends)
    if valid is None:
        return strs
    out: list[str | None] = [None] * len(valid)
    for row, s in zip(np.flatnonzero(valid).tolist(), strs):
        out[row] = s
    return out


# -- digits --------------------------------------------------------------------------------------


def _eight_digits(word: np.ndarray) -> np.ndarray | None:
    """The number each word of 8 ASCII digits spells (the first byte the most significant), or
    None when a byte is no digit."""
    if (((word & _U(0xF0F0F0F0F0F0F0F0)) != _ZEROS)
            | (((word + _U(0x0606060606060606)) & _U(0xF0F0F0F0F0F0F0F0)) != _ZEROS)).any():
        return None
    word = ((word & _U(0x0F0F0F0F0F0F0F0F)) * _U(2561)) >> _U(8)
    word = ((word & _U(0x00FF00FF00FF00FF)) * _U(6553601)) >> _U(16)
    return (((word & _U(0x0000FFFF0000FFFF)) * _U(42949672960001)) >> _U(32)).astype(np.int64)


def _digit_word(chunk: PlainChunk, ends: np.ndarray, count: np.ndarray, skip: int) -> np.ndarray:
    """The 8 bytes ending `skip` words before `ends`, the ones before a field's last `count`
    bytes replaced by '0' (leading zeros)."""
    word = chunk.words[ends - 8 * (skip + 1)]
    keep = np.clip(count - 8 * skip, 0, 8)
    pad = _LOW_BYTES[8 - keep]  # the bytes before the field: the word's first 8 - keep
    return (word & ~pad) | (_ZEROS & pad)


def _digits(chunk: PlainChunk, ends: np.ndarray, count: np.ndarray,
            dots: np.ndarray | np.uint64 | None = None) -> np.ndarray | None:
    """The int64 each field's last `count` bytes (at most 16) spell as digits; None when one is
    no digit. `dots`: per field, the last word's byte that holds a point, read as a 0 digit."""
    low = _digit_word(chunk, ends, count, 0)
    if dots is not None:
        low ^= dots
    value = _eight_digits(low)
    if value is None:
        return None
    if int(count.max()) > 8:
        high = _eight_digits(_digit_word(chunk, ends, count, 1))
        if high is None:
            return None
        value += high * 100_000_000
    return value


def _sign(chunk: PlainChunk, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Each field's negative flag and the bytes after a leading sign; None when a field is
    empty, a sign alone, or longer than 16 bytes after the sign."""
    first = chunk.octets[starts]
    negative = first == _MINUS
    count = ends - starts - (negative | (first == _PLUS))
    if not len(count) or int(count.min()) < 1 or int(count.max()) > 16:
        return None
    return negative, count


def _integers(chunk: PlainChunk, starts: np.ndarray, ends: np.ndarray, dtype: type) -> np.ndarray | None:
    """[+-]digits fields of at most 16 digits within the type's range (int2in/int4in/int8in
    read them alike; blanks and longer spellings go to them)."""
    if not len(starts):
        return np.zeros(0, dtype=dtype)
    signed = _sign(chunk, starts, ends)
    if signed is None:
        return None
    negative, count = signed
    values = _digits(chunk, ends, count)
    if values is None:
        return None
    values = np.where(negative, -values, values)
    info = np.iinfo(dtype)
    if int(values.min()) < info.min or int(values.max()) > info.max:
        return None  # the input function's out-of-range error, with its line
    return values.astype(dtype)


def _numerics(chunk: PlainChunk, starts: np.ndarray, ends: np.ndarray, valid: np.ndarray | None,
              typmod: bool) -> Column | None:
    """[+-]digits[.digits] fields of at most 16 bytes after the sign and 7 digits after the
    point, as the scaled form: at the one scale all share (each value keeps its display scale,
    as numeric_in does), or under a typmod at the largest (the typmod then rounds them all)."""
    if not len(starts):
        return None
    signed = _sign(chunk, starts, ends)
    if signed is None:
        return None
    negative, count = signed
    first = chunk.octets[starts[0]:ends[0]].tobytes()
    frac = len(first) - 1 - first.rfind(b".")
    if 0 < frac < 8 and first.find(b".") > 0 and (chunk.octets[ends - 1 - frac] == _DOT).all():
        ints = _fixed_point(chunk, ends, count, frac)  # the common case: one scale for all
        if ints is not None:
            return _scaled(np.where(negative, -ints, ints), frac, valid)
    low = chunk.words[ends - 8]
    diff = low ^ _U(0x2E2E2E2E2E2E2E2E)  # a zero byte where the last 8 bytes hold a '.'
    dot = ~(((diff & _U(0x7F7F7F7F7F7F7F7F)) + _U(0x7F7F7F7F7F7F7F7F)) | diff | _U(0x7F7F7F7F7F7F7F7F))
    dot &= ~_LOW_BYTES[8 - np.minimum(count, 8)]  # only within the field
    points = np.bitwise_count(dot)
    has_dot = points == 1
    # a point in byte k (0..7) sets bit 8k+7; one before the last 8 bytes fails the digit check
    frac = np.where(has_dot, 7 - np.bitwise_count(dot - _U(1)).astype(np.int64) // 8, 0)
    whole = count - has_dot - frac
    if (points > 1).any() or (whole < 1).any() or (has_dot & (frac < 1)).any():
        return None  # two points, nothing before or after the point: numeric_in decides
    spelled = _digits(chunk, ends, count, (dot >> _U(7)) * _U(_DOT ^ 0x30))
    if spelled is None:
        return None
    scale = int(frac.max())
    if (not typmod and int(frac.min()) != scale) or int(whole.max()) + scale > MAX_DIGITS:
        return None
    pow_frac = _POW10[frac]
    before = spelled // np.where(has_dot, pow_frac * 10, _POW10[MAX_DIGITS])  # the digits before the point
    ints = spelled - 9 * before * pow_frac  # the point read as a 0 digit dropped
    if scale:
        ints *= _POW10[scale - frac]
    return _scaled(np.where(negative, -ints, ints), scale, valid)


def _fixed_point(chunk: PlainChunk, ends: np.ndarray, count: np.ndarray, frac: int) -> np.ndarray | None:
    """_numerics when every field has its point `frac` (1..7) bytes before its end: the value
    times 10**frac, or None when a field has no digit before the point or another byte is no
    digit (a second point included)."""
    if int(count.min()) < frac + 2:
        return None
    spelled = _digits(chunk, ends, count, _U((_DOT ^ 0x30) << (8 * (7 - frac))))
    if spelled is None:
        return None
    return spelled - 9 * (spelled // int(_POW10[frac + 1])) * int(_POW10[frac])  # the point read as 0 dropped


def _scaled(ints: np.ndarray, scale: int, valid: np.ndarray | None) -> Column:
    if valid is None:
        return Column.scaled(ints, scale)
    data = np.zeros(len(valid), dtype=np.int64)
    data[valid] = ints
    return Column.scaled(data, scale, valid)


def _iso_dates(chunk: PlainChunk, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """YYYY-MM-DD fields as days since 2000-01-01; None for any other spelling or no such day."""
    if not len(starts):
        return np.zeros(0, dtype=np.int32)
    if ((ends - starts) != 10).any():
        return None
    head = chunk.words[starts]  # YYYY-MM-
    tail = chunk.words[starts + 2]  # its last two bytes: DD
    if ((((head >> _U(32)) & _U(0xFF)) != _U(_MINUS)) | ((head >> _U(56)) != _U(_MINUS))).any():
        return None
    ymd = _eight_digits((head & _U(0xFFFFFFFF)) | (((head >> _U(40)) & _U(0xFFFF)) << _U(32))
                        | (tail & _U(0xFFFF000000000000)))
    if ymd is None:
        return None
    return days_of(ymd // 10000, ymd // 100 % 100, ymd % 100)


def days_of(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray | None:
    """Days since 2000-01-01 (int32) of years 1.., months and days, computed as days_from_civil;
    None when one is no such date (month 13, Feb 30, year 0): date_in then decides."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    if ((y < 1) | (m < 1) | (m > 12) | (d < 1)).any() \
            or (d > _MONTH_DAYS[leap.astype(np.int64), np.clip(m, 1, 12)]).any():
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


# -- strings -------------------------------------------------------------------------------------


def _strings(chunk: PlainChunk, starts: np.ndarray, ends: np.ndarray, valid: np.ndarray | None,
             coded: bool) -> Column:
    """Coded as storage keeps them (types/column.py) when values repeat (or `coded`), each
    distinct value made a str once; an object array of strs when most are distinct."""
    found = _factorize(chunk, starts, ends, DICT_LIMIT if coded else min(DICT_LIMIT, len(starts) // 2))
    if found is None:
        strs = _strs(chunk.octets, starts, ends)
        data = np.empty(len(strs) if valid is None else len(valid), dtype=object)
        data[slice(None) if valid is None else valid] = strs
        return Column(data, valid)
    codes, firsts = found
    dictionary = np.empty(len(firsts) + 1, dtype=object)
    dictionary[:-1] = _strs(chunk.octets, starts[firsts], ends[firsts])
    if valid is not None:
        codes = _spread(codes, valid).data
        codes[~valid] = -1
    return Column.coded(codes, dictionary, valid)


def _factorize(chunk: PlainChunk, starts: np.ndarray, ends: np.ndarray,
               limit: int) -> tuple[np.ndarray, np.ndarray] | None:
    """int32 codes of the fields (equal bytes, equal code) and a row of each code, in order;
    None when more than `limit` are distinct or a field is over 128 bytes.

    Open addressing in numpy: each round scatters the unresolved rows into a table by a hash of
    their words; a row whose words equal those of its slot's occupant takes the occupant as its
    representative, and the others (another value that hashed to the same slot) try again with
    another multiplier. Equal values always share a slot, so each value resolves in one round."""
    rows = len(starts)
    if not rows:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    lengths = ends - starts
    count = -(-int(lengths.max()) // 8) or 1
    if count > _STRING_WORDS:
        return None
    # NUL never occurs in a field (scan_plain): zeroing the bytes past its end keeps values apart
    whole = int(lengths.min()) // 8  # words every field fills
    keys = [chunk.words[starts + 8 * w] if w < whole else
            chunk.words[starts + 8 * w] & _LOW_BYTES[np.clip(lengths - 8 * w, 0, 8)] for w in range(count)]
    mixed = keys[0]
    for key in keys[1:]:
        mixed = (mixed ^ (mixed >> _U(29))) * _U(0xBF58476D1CE4E5B9) + key
    bits = max(8, (4 * min(DICT_LIMIT, rows)).bit_length())
    owner = np.empty(rows, dtype=np.int64)
    pending = np.arange(rows)
    for multiplier in _MULTIPLIERS:
        slot = ((mixed[pending] * multiplier) >> _U(64 - bits)).astype(np.int64)
        table = np.empty(1 << bits, dtype=np.int64)
        table[slot] = pending  # one of the rows that hashed to each slot occupies it
        occupant = table[slot]
        first = len(pending) == rows  # pending is every row: its keys are the keys
        if first and np.count_nonzero(occupant == pending) > limit:
            return None  # more values than slots taken: too many to code
        same = keys[0][occupant] == (keys[0] if first else keys[0][pending])
        for key in keys[1:]:
            same &= key[occupant] == (key if first else key[pending])
        owner[pending[same]] = occupant[same]
        pending = pending[~same]
        if not len(pending):
            break
    if len(pending):
        return None
    is_first = np.zeros(rows, dtype=bool)
    is_first[owner] = True
    firsts = np.flatnonzero(is_first)
    if len(firsts) > limit:
        return None
    code_of = np.cumsum(is_first, dtype=np.int32) - 1
    return code_of[owner], firsts


_MULTIPLIERS = [_U(0x9E3779B97F4A7C15), _U(0xC2B2AE3D27D4EB4F), _U(0x165667B19E3779F9), _U(0xD6E8FEB86659FD93)]


def _strs(octets: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The fields as str: gathered one after another with newlines between, decoded and split
    once (a plain chunk's fields hold no newline)."""
    if not len(starts):
        return []
    lengths = ends - starts + 1  # each with its separator, which becomes the newline
    stops = np.cumsum(lengths)
    idx = np.repeat(starts - (stops - lengths), lengths) + np.arange(int(stops[-1]))
    joined = octets[idx]
    joined[stops - 1] = _NL
    strs = joined.tobytes().decode("utf-8").split("\n")
    strs.pop()
    return strs


def _spread(live: np.ndarray, valid: np.ndarray | None) -> Column:
    if valid is None:
        return Column(live)
    data = np.zeros(len(valid), dtype=live.dtype)
    data[valid] = live
    return Column(data, valid)
