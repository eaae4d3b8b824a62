"""Range types (int4range, int8range, numrange, tsrange, tstzrange, daterange): the value, its
construction rules and its text and binary forms, as PostgreSQL's rangetypes.c.

A range value is a `Range`: its bounds hold the subtype's in-memory values (ints for int4/int8,
Decimal for numeric, day numbers for dates, microseconds for timestamps); None stands for an
infinite (omitted) bound. Values are always normalized by `make_range`: infinite bounds are
exclusive, a range with no points is the one empty value, and discrete subtypes (int4, int8,
date) take their canonical form `[a,b)`. So equal ranges have equal fields, and hash alike.

Ranges order as range_cmp: empty first, then by lower bound (an inclusive lower bound before an
exclusive one of the same value), then by upper bound. `bound_key` gives each bound a key that
orders lower and upper bounds against each other as range_cmp_bounds does.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import total_ordering
from typing import Any

from quantadb.errors import (
    DataException, InvalidBinaryRepresentation, InvalidTextRepresentation, NumericValueOutOfRange,
)
from quantadb.types import registry as r
from quantadb.types.registry import PgType
from quantadb.types.values import DATE_NEG_INFINITY, DATE_POS_INFINITY

# flag bits of the binary form (RANGE_EMPTY, RANGE_LB_INC, ... in rangetypes.h)
EMPTY, LB_INC, UB_INC, LB_INF, UB_INF = 0x01, 0x02, 0x04, 0x08, 0x10


@total_ordering
@dataclass(frozen=True, eq=False)
class Range:
    """One normalized range value (build it with make_range)."""

    lower: Any = None  # None: infinite
    upper: Any = None
    lower_inc: bool = False
    upper_inc: bool = False
    empty: bool = False

    def lower_key(self) -> tuple:
        return bound_key(self.lower, self.lower_inc, True)

    def upper_key(self) -> tuple:
        return bound_key(self.upper, self.upper_inc, False)

    def sort_key(self) -> tuple:
        return (0,) if self.empty else (1, self.lower_key(), self.upper_key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return self.sort_key() == other.sort_key()

    def __lt__(self, other: Range) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __hash__(self) -> int:
        return hash(self.sort_key())


EMPTY_RANGE = Range(empty=True)


def order_key(value: Any) -> tuple:
    """A subtype value as it orders: numeric NaN above every number, and equal to itself."""
    return (1,) if isinstance(value, Decimal) and value.is_nan() else (0, value)


def _value_of(order: tuple) -> Any:
    return order[1] if order[0] == 0 else Decimal("NaN")


def bound_key(value: Any, inclusive: bool, is_lower: bool) -> tuple:
    """A bound's place on the line: an infinite lower bound is below everything, an infinite upper
    above; at one value, an exclusive lower bound lies just after it, an exclusive upper just before."""
    if value is None:
        return (-1,) if is_lower else (1,)
    return (0, order_key(value), 0 if inclusive else (1 if is_lower else -1))


def elem_key(value: Any) -> tuple:
    """An element's place on the bound_key line."""
    return (0, order_key(value), 0)


@dataclass(frozen=True)
class RangeKind:
    """One range type: its subtype, and for discrete subtypes the canonical step and overflow message."""

    range: PgType
    subtype: PgType
    discrete: bool = False
    limits: tuple[int, int] | None = None
    overflow: str = ""

    def canonical(self, lower: Any, upper: Any, lower_inc: bool, upper_inc: bool) -> tuple:
        """int4range_canonical & co.: bounds as [a,b) (infinite dates keep their flags)."""
        if lower is not None and not lower_inc and self._finite(lower):
            lower, lower_inc = self._next(lower), True
        if upper is not None and upper_inc and self._finite(upper):
            upper, upper_inc = self._next(upper), False
        return lower, upper, lower_inc, upper_inc

    def _finite(self, v: Any) -> bool:
        return self.subtype is not r.DATE or v not in (DATE_NEG_INFINITY, DATE_POS_INFINITY)

    def _next(self, v: int) -> int:
        v += 1
        if v > self.limits[1]:
            raise NumericValueOutOfRange(self.overflow)
        return v


_I32, _I64 = (-(2**31), 2**31 - 1), (-(2**63), 2**63 - 1)
KINDS: dict[int, RangeKind] = {k.range.oid: k for k in (
    RangeKind(r.INT4RANGE, r.INT4, True, _I32, "integer out of range"),
    RangeKind(r.INT8RANGE, r.INT8, True, _I64, "bigint out of range"),
    RangeKind(r.NUMRANGE, r.NUMERIC),
    RangeKind(r.TSRANGE, r.TIMESTAMP),
    RangeKind(r.TSTZRANGE, r.TIMESTAMPTZ),
    RangeKind(r.DATERANGE, r.DATE, True, (DATE_NEG_INFINITY, DATE_POS_INFINITY - 1), "date out of range"),
)}


def kind_of(t: PgType) -> RangeKind | None:
    return KINDS.get(t.oid)


def make_range(kind: RangeKind, lower: Any, upper: Any, lower_inc: bool, upper_inc: bool,
               empty: bool = False) -> Range:
    """make_range: check the bounds' order, normalize infinite bounds, empty ranges and discrete types."""
    if empty:
        return EMPTY_RANGE
    lower_inc = lower_inc and lower is not None
    upper_inc = upper_inc and upper is not None
    if lower is not None and upper is not None:
        lower_order, upper_order = order_key(lower), order_key(upper)
        if lower_order > upper_order:
            raise DataException("range lower bound must be less than or equal to range upper bound")
        if lower_order == upper_order and not (lower_inc and upper_inc):
            return EMPTY_RANGE
    if kind.discrete:
        lower, upper, lower_inc, upper_inc = kind.canonical(lower, upper, lower_inc, upper_inc)
        if lower is not None and upper is not None and lower >= upper and not (lower_inc and upper_inc):
            return EMPTY_RANGE
    return Range(lower, upper, lower_inc, upper_inc)


def range_from_bounds(kind: RangeKind, lower_key: tuple, upper_key: tuple) -> Range:
    """A range from two bound keys (as bound_key made them): how set operations rebuild ranges."""
    lower, lower_inc = (None, False) if lower_key[0] else (_value_of(lower_key[1]), lower_key[2] == 0)
    upper, upper_inc = (None, False) if upper_key[0] else (_value_of(upper_key[1]), upper_key[2] == 0)
    return make_range(kind, lower, upper, lower_inc, upper_inc)


# ---- text ------------------------------------------------------------------------------------

def _malformed(text: str, detail: str) -> InvalidTextRepresentation:
    return InvalidTextRepresentation(f'malformed range literal: "{text}"', detail=detail)


def _parse_bound(text: str, pos: int) -> tuple[str | None, int]:
    """range_parse_bound: the bound's text (None when omitted) and the position after it."""
    if pos < len(text) and text[pos] in ",)]":
        return None, pos
    out: list[str] = []
    quoted = False
    while quoted or not (pos < len(text) and text[pos] in ",)]"):
        if pos >= len(text):
            raise _malformed(text, "Unexpected end of input.")
        ch = text[pos]
        pos += 1
        if ch == "\\":
            if pos >= len(text):
                raise _malformed(text, "Unexpected end of input.")
            out.append(text[pos])
            pos += 1
        elif ch == '"':
            if not quoted:
                quoted = True
            elif pos < len(text) and text[pos] == '"':
                out.append('"')
                pos += 1
            else:
                quoted = False
        else:
            out.append(ch)
    return "".join(out), pos


def parse_range(kind: RangeKind, text: str, parse_sub: Callable[[str], Any]) -> Range:
    """range_in: `empty`, or `[`/`(` lower `,` upper `]`/`)`, bounds quoted as needed."""
    pos = len(text) - len(text.lstrip())
    if text[pos:pos + 5].lower() == "empty":
        if text[pos + 5:].strip():
            raise _malformed(text, 'Junk after "empty" key word.')
        return EMPTY_RANGE
    if text[pos:pos + 1] not in ("[", "("):
        raise _malformed(text, "Missing left parenthesis or bracket.")
    lower_inc = text[pos] == "["
    lower, pos = _parse_bound(text, pos + 1)
    if text[pos:pos + 1] != ",":
        raise _malformed(text, "Missing comma after lower bound.")
    upper, pos = _parse_bound(text, pos + 1)
    if text[pos:pos + 1] not in ("]", ")"):
        raise _malformed(text, "Too many commas.")
    upper_inc = text[pos] == "]"
    if text[pos + 1:].strip():
        raise _malformed(text, "Junk after right parenthesis or bracket.")
    return make_range(kind, None if lower is None else parse_sub(lower),
                      None if upper is None else parse_sub(upper), lower_inc, upper_inc)


_NEEDS_QUOTES = frozenset('"\\()[],')


def _quote_bound(s: str) -> str:
    """range_bound_escape: double quotes around empty strings and ones with delimiters or spaces."""
    if s and not any(ch in _NEEDS_QUOTES or ch.isspace() for ch in s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '""') + '"'


def format_range(value: Range, format_sub: Callable[[Any], str]) -> str:
    """range_out."""
    if value.empty:
        return "empty"
    lower = "" if value.lower is None else _quote_bound(format_sub(value.lower))
    upper = "" if value.upper is None else _quote_bound(format_sub(value.upper))
    return f"{'[' if value.lower_inc else '('}{lower},{upper}{']' if value.upper_inc else ')'}"


# ---- binary ----------------------------------------------------------------------------------

def send_range(value: Range, send_sub: Callable[[Any], bytes]) -> bytes:
    """range_send: a flags byte, then each finite bound as int32 length + the subtype's binary form."""
    if value.empty:
        return bytes([EMPTY])
    flags = ((LB_INC if value.lower_inc else 0) | (UB_INC if value.upper_inc else 0)
             | (LB_INF if value.lower is None else 0) | (UB_INF if value.upper is None else 0))
    out = bytearray([flags])
    for bound in (value.lower, value.upper):
        if bound is not None:
            raw = send_sub(bound)
            out += struct.pack("!i", len(raw)) + raw
    return bytes(out)


def recv_range(kind: RangeKind, data: bytes, recv_sub: Callable[[bytes], Any]) -> Range:
    """range_recv."""
    if not data:
        raise InvalidBinaryRepresentation("insufficient data left in message")
    flags, pos = data[0], 1
    if flags & ~(EMPTY | LB_INC | UB_INC | LB_INF | UB_INF):
        raise InvalidBinaryRepresentation("range flags invalid")
    if flags & EMPTY:
        return EMPTY_RANGE
    bounds = []
    for inf in (LB_INF, UB_INF):
        if flags & inf:
            bounds.append(None)
            continue
        if len(data) < pos + 4:
            raise InvalidBinaryRepresentation("insufficient data left in message")
        (size,) = struct.unpack_from("!i", data, pos)
        if size < 0 or len(data) < pos + 4 + size:
            raise InvalidBinaryRepresentation("insufficient data left in message")
        bounds.append(recv_sub(data[pos + 4:pos + 4 + size]))
        pos += 4 + size
    return make_range(kind, bounds[0], bounds[1], bool(flags & LB_INC), bool(flags & UB_INC))
