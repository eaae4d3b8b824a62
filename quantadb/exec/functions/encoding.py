"""encode/decode (base64, hex, escape), convert_from/convert_to, overlay and array_ndims: one
Python call per row over object columns, PostgreSQL's rules and errors."""

from __future__ import annotations

import base64
import binascii

import numpy as np

from quantadb.errors import CharacterNotInRepertoire, InvalidParameterValue, SubstringError
from quantadb.exec.functions import scalar
from quantadb.exec.functions.support import map_rows
from quantadb.types.column import Column

_ENCODINGS = {"utf8": "utf-8", "unicode": "utf-8", "sqlascii": "latin-1", "latin1": "latin-1", "win1252": "cp1252"}


def _codec(name: str, role: str) -> str:
    """Python's codec for a PostgreSQL encoding name; `role` ("source ", "destination " or "")
    words the error as PostgreSQL's function does."""
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    if key not in _ENCODINGS:
        raise InvalidParameterValue(f'invalid {role}encoding name "{name}"')
    return _ENCODINGS[key]


def _encode(data: bytes, fmt: str) -> str:
    kind = fmt.lower()
    if kind == "hex":
        return data.hex()
    if kind == "base64":  # PostgreSQL breaks base64 output into lines of 76 characters
        text = base64.b64encode(data).decode()
        return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))
    if kind == "escape":  # zero bytes and bytes with the high bit set become \nnn; backslashes double
        return "".join("\\\\" if b == 0x5C else (chr(b) if 0 < b < 0x80 else f"\\{b:03o}") for b in data)
    raise InvalidParameterValue(f'unrecognized encoding: "{fmt}"')


def _decode(text: str, fmt: str) -> bytes:
    kind = fmt.lower()
    try:
        if kind == "hex":
            return bytes.fromhex(text)
        if kind == "base64":
            return base64.b64decode("".join(text.split()), validate=True)
    except (ValueError, binascii.Error):
        raise InvalidParameterValue(f"invalid {kind} data") from None
    if kind == "escape":
        out, i = bytearray(), 0
        while i < len(text):
            ch = text[i]
            if ch != "\\":
                out += ch.encode()
                i += 1
            elif text.startswith("\\\\", i):
                out.append(0x5C)
                i += 2
            elif len(text) >= i + 4 and all(c in "01234567" for c in text[i + 1:i + 4]):
                out.append(int(text[i + 1:i + 4], 8))
                i += 4
            else:
                raise InvalidParameterValue('invalid input syntax for type bytea')
        return bytes(out)
    raise InvalidParameterValue(f'unrecognized encoding: "{fmt}"')


def _convert_from(data: bytes, encoding: str, role: str = "source ") -> str:
    codec = _codec(encoding, role)
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        bad = data[e.start:e.start + 1].hex()
        raise CharacterNotInRepertoire(f'invalid byte sequence for encoding "{encoding.upper()}": 0x{bad}') from None


def _overlay(text: str, placing: str, start: int, count: int | None = None) -> str:
    if start < 1:
        raise SubstringError("negative substring length not allowed")
    count = len(placing) if count is None else count
    return text[:start - 1] + placing + text[start - 1 + count:]


def _ndims(value: list) -> int | None:
    depth = 0
    while isinstance(value, list) and value:
        depth += 1
        value = value[0]
    return depth or None


@scalar("binary_encode")
def binary_encode(args, n, ctx, call):
    return Column(map_rows(_encode, args, n))


@scalar("binary_decode")
def binary_decode(args, n, ctx, call):
    return Column(map_rows(_decode, args, n))


@scalar("pg_convert_from")
def convert_from(args, n, ctx, call):
    return Column(map_rows(_convert_from, args, n))


@scalar("length_in_encoding")
def length_in_encoding(args, n, ctx, call):
    return _int4_column(map_rows(lambda data, encoding: len(_convert_from(data, encoding, "")), args, n))


@scalar("pg_convert_to")
def convert_to(args, n, ctx, call):
    return Column(map_rows(lambda t, e: t.encode(_codec(e, "destination ")), args, n))


@scalar("textoverlay")
def overlay(args, n, ctx, call):
    return Column(map_rows(lambda t, p, s, *c: _overlay(t, p, int(s), *(int(x) for x in c)), args, n))


@scalar("array_ndims")
def array_ndims(args, n, ctx, call):
    return _int4_column(map_rows(_ndims, args, n))


def _int4_column(values: list) -> Column:
    """An int4 column from per-row results, None being NULL."""
    valid = np.array([v is not None for v in values], dtype=bool)
    return Column(np.array([v or 0 for v in values], dtype=np.int32), None if valid.all() else valid)
