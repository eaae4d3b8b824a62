"""Composite types (CREATE TYPE name AS (field type, ...)): named row types.

A value of a composite type is what an anonymous record's is (types/rowtypes.py): a Python
tuple of its field values, None for a NULL field; the column itself being NULL is None, so
NULL and a row of NULL fields stay apart. The fields' names and types live on the type's PgType
(`PgType.composite`, a mutable `CompositeFields`), updated when the catalog applies CREATE or
ALTER TYPE, so every column and plan holding the type sees the same fields, as enums' labels.

Text input is record_in's grammar (rowtypes.c): `(a,b,)`, a field empty and unquoted is NULL,
double quotes group (a doubled quote inside is one), a backslash takes the next character
literally; each field's text goes through its type's input function. Binary is record_send's
layout: int32 field count, then per field its type OID, int32 length (-1 for NULL) and bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from quantadb.errors import DatatypeMismatch, InvalidTextRepresentation
from quantadb.types import registry as r
from quantadb.types.registry import PgType, SqlType

Field = tuple[str, SqlType]


class CompositeFields:
    """One composite type's fields, and the OID of its pg_class row (typrelid)."""

    __slots__ = ("fields", "relid")

    def __init__(self, fields: Sequence[Field], relid: int) -> None:
        self.fields: tuple[Field, ...] = tuple(fields)
        self.relid = relid


def define(oid: int, array_oid: int, relid: int, name: str, fields: Sequence[Field]) -> PgType:
    """The PgType of a composite type (and its array type), made known by OID; a type already
    known keeps its identity (columns and plans hold it) and takes the new fields and name."""
    known = r.BY_OID.get(oid)
    if known is not None and known.composite is not None:
        known.composite.fields = tuple(fields)
        if known.name != name:  # ALTER TYPE RENAME TO
            r.rename_user_type(known, name)
        return known
    t = PgType(oid, name, -1, "C", np.dtype(object), array_oid, typalign="d",
               composite=CompositeFields(fields, relid))
    array = PgType(array_oid, "_" + name, -1, "A", np.dtype(object), 0, oid, name + "[]", typalign="d")
    r.register_user_type(t, array)
    return t


def is_composite(t: PgType) -> bool:
    return t.composite is not None


def holds_composite(t: SqlType) -> bool:
    """A composite type or an array of one: what converts or encodes by fields ALTER TYPE may
    change under the same OID (so a converter or encoder of it is not kept)."""
    return (r.element_of(t.pg) if t.pg.is_array else t.pg).composite is not None


def composite_fields(t: PgType) -> tuple[Field, ...]:
    return t.composite.fields  # type: ignore[union-attr]


# ---- record_in -------------------------------------------------------------------------------

def parse_record(text: str, parsers: Sequence[Callable[[str], Any]]) -> tuple:
    """record_in: one field per parser, each field's text through it (None for an empty one)."""
    def malformed(detail: str) -> InvalidTextRepresentation:
        return InvalidTextRepresentation(f'malformed record literal: "{text}"', detail=detail)

    pos, n = 0, len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos >= n or text[pos] != "(":
        raise malformed("Missing left parenthesis.")
    pos += 1
    values: list[Any] = []
    for i, parse in enumerate(parsers):
        if i > 0:
            if pos < n and text[pos] == ")":
                raise malformed("Too few columns.")
            pos += 1  # the comma the previous field stopped at
        if pos < n and text[pos] in ",)":
            values.append(None)
            continue
        chunk, in_quotes = [], False
        while True:
            if pos >= n:
                raise malformed("Unexpected end of input.")
            ch = text[pos]
            if ch == "\\":
                if pos + 1 >= n:
                    raise malformed("Unexpected end of input.")
                chunk.append(text[pos + 1])
                pos += 2
                continue
            if ch == '"':
                if in_quotes and pos + 1 < n and text[pos + 1] == '"':
                    chunk.append('"')
                    pos += 2
                    continue
                in_quotes = not in_quotes
                pos += 1
                continue
            if not in_quotes and ch in ",)":
                break
            chunk.append(ch)
            pos += 1
        values.append(parse("".join(chunk)))
    if pos >= n or text[pos] != ")":
        raise malformed("Too many columns.")
    pos += 1
    if text[pos:].strip():
        raise malformed("Junk after right parenthesis.")
    return tuple(values)


# ---- record_send / record_recv ---------------------------------------------------------------

_INT32 = struct.Struct("!i")
_OID_LEN = struct.Struct("!Ii")


def send_record(value: tuple, oids: Sequence[int], senders: Sequence[Callable[[Any], bytes]]) -> bytes:
    out = [_INT32.pack(len(value))]
    for v, oid, send in zip(value, oids, senders):
        if v is None:
            out.append(_OID_LEN.pack(oid, -1))
        else:
            data = send(v)
            out.append(_OID_LEN.pack(oid, len(data)) + data)
    return b"".join(out)


def recv_record(data: bytes, oids: Sequence[int], receivers: Sequence[Callable[[bytes], Any]]) -> tuple:
    (count,) = _INT32.unpack_from(data, 0)
    if count != len(oids):
        raise DatatypeMismatch(f"wrong number of columns: {count}, expected {len(oids)}")
    pos, values = 4, []
    for i, (oid, recv) in enumerate(zip(oids, receivers), 1):
        got, length = _OID_LEN.unpack_from(data, pos)
        pos += 8
        if got != oid:
            raise DatatypeMismatch(f"binary data has type {got} ({_type_name(got)}) instead of expected "
                                   f"{oid} ({_type_name(oid)}) in record column {i}")
        if length < 0:
            values.append(None)
            continue
        values.append(recv(bytes(data[pos:pos + length])))
        pos += length
    return tuple(values)


def _type_name(oid: int) -> str:
    t = r.BY_OID.get(oid)
    return t.name if t is not None else "???"
