"""bytea byte and bit access (get_byte, set_bit, bit_count, ...) and trimming by a byte set.
Values are Python bytes (object columns): one Python call per row."""

from __future__ import annotations

import numpy as np

from quantadb.errors import ArraySubscriptError, InvalidParameterValue
from quantadb.exec.functions import scalar
from quantadb.exec.functions.support import map_rows
from quantadb.types.codecs import binary_encoder
from quantadb.types.column import Column


def _checked(data: bytes, index: int, limit: int) -> int:
    if not 0 <= index < limit:
        raise ArraySubscriptError(f"index {index} out of valid range, 0..{limit - 1}")
    return index


def _get_byte(data: bytes, n: int) -> int:
    return data[_checked(data, int(n), len(data))]


def _set_byte(data: bytes, n: int, value: int) -> bytes:
    out = bytearray(data)
    out[_checked(data, int(n), len(data))] = int(value) & 0xFF
    return bytes(out)


def _get_bit(data: bytes, n: int) -> int:
    n = _checked(data, int(n), len(data) * 8)
    return (data[n // 8] >> (n % 8)) & 1


def _set_bit(data: bytes, n: int, value: int) -> bytes:
    n = _checked(data, int(n), len(data) * 8)
    if value not in (0, 1):
        raise InvalidParameterValue("new bit must be 0 or 1")
    out = bytearray(data)
    out[n // 8] = (out[n // 8] & ~(1 << (n % 8))) | (int(value) << (n % 8))
    return bytes(out)


@scalar("bytea_get_byte")
def get_byte(args, n, ctx, call) -> Column:
    return Column(map_rows(_get_byte, args, n, np.int32, 0))


@scalar("bytea_set_byte")
def set_byte(args, n, ctx, call) -> Column:
    return Column(map_rows(_set_byte, args, n))


@scalar("bytea_get_bit")
def get_bit(args, n, ctx, call) -> Column:
    return Column(map_rows(_get_bit, args, n, np.int32, 0))


@scalar("bytea_set_bit")
def set_bit(args, n, ctx, call) -> Column:
    return Column(map_rows(_set_bit, args, n))


@scalar("bytea_bit_count")
def bit_count(args, n, ctx, call) -> Column:
    return Column(map_rows(lambda b: sum(bin(x).count("1") for x in b), args, n, np.int64, 0))


@scalar("bytea_btrim")
def btrim(args, n, ctx, call) -> Column:
    return Column(map_rows(lambda b, chars: b.strip(chars), args, n))


@scalar("bytea_ltrim")
def ltrim(args, n, ctx, call) -> Column:
    return Column(map_rows(lambda b, chars: b.lstrip(chars), args, n))


@scalar("bytea_rtrim")
def rtrim(args, n, ctx, call) -> Column:
    return Column(map_rows(lambda b, chars: b.rstrip(chars), args, n))


scalar("bytea_bit_length")(lambda args, n, ctx, call: Column(map_rows(lambda b: len(b) * 8, args, n, np.int32, 0)))


@scalar("typsend")
def typsend(args, n, ctx, call) -> Column:
    """int4send(v), numeric_send(v), ...: a value's binary wire format (its type's typsend)."""
    data = np.empty(n, dtype=object)
    data[:] = [b"" if v is None else v for v in binary_encoder(call.args[0].type)(args[0])]
    return Column(data)

