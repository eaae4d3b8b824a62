"""PostgreSQL binary send/receive formats, one value at a time (network byte order).

Layouts (typsend/typreceive in PostgreSQL 15):
- bool 1 byte; int2/int4/int8 2/4/8 bytes signed; oid, reg*, xid, cid uint32; float4/8 IEEE.
- text, varchar, bpchar, name, json, unknown: the UTF-8 bytes. "char": 1 byte. bytea: raw.
- jsonb: version byte 0x01 then the text. uuid: 16 bytes. pg_lsn: uint64. money: int64 cents.
- tid: uint32 block, uint16 offset. xid8: uint64.
- pg_snapshot/txid_snapshot: int32 count of running xids, int64 xmin, int64 xmax, int64 each running xid.
- date int32 days since 2000-01-01; time int64 µs; timestamp(tz) int64 µs since 2000-01-01 UTC.
- timetz: int64 µs, int32 zone offset in seconds *west* of UTC.
- interval: int64 µs, int32 days, int32 months.
- numeric: int16 ndigits, int16 weight, uint16 sign (0x0000 +, 0x4000 -, 0xC000 NaN,
  0xD000 +Inf, 0xF000 -Inf), int16 dscale, ndigits x int16 base-10000 digits; the first
  digit is worth 10000^weight.
- bit/varbit: int32 bit count, then the bits packed MSB first.
- array: int32 ndim, int32 has-nulls flag, uint32 element OID, ndim x (int32 length,
  int32 lower bound = 1), then each element as int32 length (-1 = NULL) and its bytes.
"""

from __future__ import annotations

import struct
import uuid as _uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from quantadb.errors import CharacterNotInRepertoire, InvalidBinaryRepresentation
from quantadb.types.values import Interval

NUMERIC_POS, NUMERIC_NEG, NUMERIC_NAN = 0x0000, 0x4000, 0xC000
NUMERIC_PINF, NUMERIC_NINF = 0xD000, 0xF000

_I4 = struct.Struct("!i")
_NUMERIC_HEAD = struct.Struct("!hhHh")
_INTERVAL = struct.Struct("!qii")
_TIMETZ = struct.Struct("!qi")
_ARRAY_HEAD = struct.Struct("!iiI")
_DIM = struct.Struct("!ii")


def _short(data: bytes, need: int) -> None:
    if len(data) < need:
        raise InvalidBinaryRepresentation("insufficient data left in message")
    if len(data) > need:
        raise InvalidBinaryRepresentation("incorrect binary data format")


def fixed_unpacker(fmt: str) -> Callable[[bytes], Any]:
    st = struct.Struct(fmt)

    def recv(data: bytes) -> Any:
        _short(data, st.size)
        return st.unpack(data)[0]
    return recv


def send_tid(value: int) -> bytes:
    return struct.pack("!IH", value >> 16, value & 0xFFFF)


def recv_tid(data: bytes) -> int:
    _short(data, 6)
    block, offset = struct.unpack("!IH", data[:6])
    return block << 16 | offset


def send_snapshot(value: tuple[int, int, tuple[int, ...]]) -> bytes:
    xmin, xmax, xip = value
    return struct.pack(f"!iqq{len(xip)}q", len(xip), xmin, xmax, *xip)


def recv_snapshot(data: bytes) -> tuple[int, int, tuple[int, ...]]:
    _short(data, 20)
    n, xmin, xmax = struct.unpack("!iqq", data[:20])
    if n < 0 or len(data) != 20 + 8 * n:
        raise InvalidBinaryRepresentation("invalid external pg_snapshot data")
    return xmin, xmax, struct.unpack(f"!{n}q", data[20:])


def recv_bool(data: bytes) -> bool:
    _short(data, 1)
    return data != b"\x00"


# ---- numeric ---------------------------------------------------------------------------------

def send_numeric(value: Decimal) -> bytes:
    if value.is_nan():
        return _NUMERIC_HEAD.pack(0, 0, NUMERIC_NAN, 0)
    if value.is_infinite():
        return _NUMERIC_HEAD.pack(0, 0, NUMERIC_PINF if value > 0 else NUMERIC_NINF, 0)
    sign, digits, exp = value.as_tuple()
    dscale = max(0, -exp)
    n = int("".join(map(str, digits)) or "0")
    if exp > 0:
        n *= 10**exp
    groups_after_point = (dscale + 3) // 4  # base-10000 digits after the point
    n *= 10 ** (groups_after_point * 4 - dscale)
    groups = []
    while n:
        n, g = divmod(n, 10000)
        groups.append(g)
    groups.reverse()
    weight = len(groups) - 1 - groups_after_point if groups else 0
    while groups and groups[-1] == 0:
        groups.pop()
    return _NUMERIC_HEAD.pack(len(groups), weight, NUMERIC_NEG if sign else NUMERIC_POS, dscale) + \
        struct.pack(f"!{len(groups)}h", *groups)


def recv_numeric(data: bytes) -> Decimal:
    if len(data) < 8:
        raise InvalidBinaryRepresentation("insufficient data left in message")
    ndigits, weight, sign, dscale = _NUMERIC_HEAD.unpack_from(data)
    if sign == NUMERIC_NAN:
        return Decimal("NaN")
    if sign == NUMERIC_PINF:
        return Decimal("Infinity")
    if sign == NUMERIC_NINF:
        return Decimal("-Infinity")
    if sign not in (NUMERIC_POS, NUMERIC_NEG) or dscale < 0:
        raise InvalidBinaryRepresentation("invalid sign in external \"numeric\" value")
    _short(data, 8 + 2 * ndigits)
    groups = struct.unpack_from(f"!{ndigits}h", data, 8)
    if any(not 0 <= g < 10000 for g in groups):
        raise InvalidBinaryRepresentation("invalid digit in external \"numeric\" value")
    digits = "".join(f"{g:04d}" for g in groups) or "0"
    exp10 = (weight + 1 - ndigits) * 4
    value = Decimal(f"{'-' if sign == NUMERIC_NEG else ''}{digits}E{exp10}")
    return value.quantize(Decimal(1).scaleb(-dscale)) if value.adjusted() < 131072 else value


# ---- other variable-length scalars -----------------------------------------------------------

def send_interval(value: Interval) -> bytes:
    return _INTERVAL.pack(value.micros, value.days, value.months)


def recv_interval(data: bytes) -> Interval:
    _short(data, 16)
    micros, days, months = _INTERVAL.unpack(data)
    return Interval(months, days, micros)


def send_timetz(value: tuple[int, int]) -> bytes:
    micros, offset_east = value
    return _TIMETZ.pack(micros, -offset_east)


def recv_timetz(data: bytes) -> tuple[int, int]:
    _short(data, 12)
    micros, west = _TIMETZ.unpack(data)
    return micros, -west


def send_uuid(value: _uuid.UUID) -> bytes:
    return value.bytes


def recv_uuid(data: bytes) -> _uuid.UUID:
    _short(data, 16)
    return _uuid.UUID(bytes=bytes(data))


def send_bit(value: str) -> bytes:
    padded = value + "0" * (-len(value) % 8)
    return _I4.pack(len(value)) + int(padded or "0", 2).to_bytes(len(padded) // 8, "big")


def recv_bit(data: bytes) -> str:
    if len(data) < 4:
        raise InvalidBinaryRepresentation("insufficient data left in message")
    nbits = _I4.unpack_from(data)[0]
    body = data[4:]
    _short(body, (nbits + 7) // 8)
    return "".join(f"{b:08b}" for b in body)[:nbits]


def send_char(value: str) -> bytes:
    """charsend: always one byte; the empty "char" is a zero byte (asyncpg reads b'\\x00')."""
    return value.encode("latin-1", "replace")[:1] or b"\x00"


def recv_char(data: bytes) -> str:
    _short(data, 1)
    return data.decode("latin-1").rstrip("\x00")


def recv_text(data: bytes) -> str:
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1].hex()
        raise CharacterNotInRepertoire(f'invalid byte sequence for encoding "UTF8": 0x{bad}') from None


# ---- arrays ----------------------------------------------------------------------------------

def send_array(dims: list[int], elements: list[bytes | None], elem_oid: int, lower: int = 1) -> bytes:
    has_nulls = any(e is None for e in elements)
    parts = [_ARRAY_HEAD.pack(len(dims), int(has_nulls), elem_oid)]
    parts.extend(_DIM.pack(d, lower) for d in dims)
    for e in elements:
        parts.append(b"\xff\xff\xff\xff" if e is None else _I4.pack(len(e)) + e)
    return b"".join(parts)


def recv_array(data: bytes) -> tuple[list[int], int, list[bytes | None]]:
    """(dims, element OID, element payloads) of an array in binary format."""
    try:
        ndim, _flags, elem_oid = _ARRAY_HEAD.unpack_from(data)
        if not 0 <= ndim <= 6:
            raise InvalidBinaryRepresentation(f"invalid number of dimensions: {ndim}")
        pos = _ARRAY_HEAD.size
        dims = []
        for _ in range(ndim):
            length, _lbound = _DIM.unpack_from(data, pos)
            dims.append(length)
            pos += _DIM.size
        count = 1
        for d in dims:
            count *= d
        if not dims:
            count = 0
        items: list[bytes | None] = []
        for _ in range(count):
            (n,) = _I4.unpack_from(data, pos)
            pos += 4
            if n == -1:
                items.append(None)
            else:
                if n < 0 or pos + n > len(data):
                    raise InvalidBinaryRepresentation("insufficient data left in message")
                items.append(bytes(data[pos:pos + n]))
                pos += n
    except struct.error:
        raise InvalidBinaryRepresentation("insufficient data left in message") from None
    if pos != len(data):
        raise InvalidBinaryRepresentation("incorrect binary data format in array element")
    return dims, elem_oid, items
