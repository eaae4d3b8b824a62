"""Wire codecs: whole columns to text/binary bytes, and text/binary bytes to values.

The wire layer encodes results with `text_encoder`/`binary_encoder` (one call per column of a
batch) and decodes Bind parameters and COPY fields with `text_decoder`/`binary_decoder`. The
executor uses `format_value` (casts to text, error details) and `parse_text` (casts from text,
literals). Formats: text rules in textio.py, datetime.py, interval.py, arrays.py and jsonb.py;
binary layouts in binaryio.py. Types without a dedicated codec here (inet, tsvector, xml...)
are carried as their text, which is also what they send in binary.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from quantadb.errors import CharacterNotInRepertoire, FeatureNotSupported, InvalidBinaryRepresentation
from quantadb.types import binaryio as bio
from quantadb.types import datetime as dt
from quantadb.types import enums
from quantadb.types import interval as iv
from quantadb.types import jsonb as js
from quantadb.types import ranges as rg
from quantadb.types import registry as r
from quantadb.types import textio as tx
from quantadb.types import tsearch as ts
from quantadb.types.tsearch_query import tsquery_in
from quantadb.types.arrays import array_dims, flatten, format_array, parse_array, unflatten
from quantadb.types.column import Column
from quantadb.types.context import DEFAULT_CONTEXT, FormatContext
from quantadb.types.registry import PgType, SqlType
from quantadb.types.composite import parse_record, recv_record, send_record
from quantadb.types.domains import type_oid
from quantadb.types.rowtypes import element_type, format_record, is_rowtype, record_fields
from quantadb.types.values import Interval

__all__ = ["FormatContext", "DEFAULT_CONTEXT", "text_encoder", "binary_encoder", "text_decoder",
           "binary_decoder", "value_formatter", "values_to_column", "column_to_values", "format_value", "parse_text"]

Formatter = Callable[[Any], str]
Parser = Callable[[str], Any]

_INT_NAMES = {r.INT2.oid: "smallint", r.INT4.oid: "integer", r.INT8.oid: "bigint"}
_UINT32_TYPES = {t.oid for t in r.REG_TYPES} | {r.XID.oid, r.CID.oid}
_REG_NAMED = {t.oid for t in r.REG_TYPES if t is not r.OID}  # printed as names when the engine can
# Fixed-width types whose binary form is their numpy value in network byte order (struct codes).
_FIXED_BINARY = {r.INT2.oid: "h", r.INT4.oid: "i", r.INT8.oid: "q", r.FLOAT4.oid: "f",
                 r.FLOAT8.oid: "d", r.DATE.oid: "i", r.TIME.oid: "q", r.TIMESTAMP.oid: "q",
                 r.TIMESTAMPTZ.oid: "q", r.MONEY.oid: "q", r.PG_LSN.oid: "Q", r.XID8.oid: "Q"}
_SNAPSHOT_OIDS = {r.PG_SNAPSHOT.oid, r.TXID_SNAPSHOT.oid}
_STRING_OIDS = {t.oid for t in r.STRING_TYPES} | {r.JSON.oid, r.XML.oid, r.REFCURSOR.oid,
                                                   r.PG_NODE_TREE.oid}


# ---- one value as text -----------------------------------------------------------------------

def value_formatter(t: SqlType | PgType, ctx: FormatContext) -> Formatter:
    pg = t.pg if isinstance(t, SqlType) else t
    typmod = t.typmod if isinstance(t, SqlType) else -1
    oid = pg.oid
    if pg.is_array:
        elem = value_formatter(element_type(t) if isinstance(t, SqlType) else r.element_of(pg), ctx)
        return lambda v: format_array(v, elem)
    if (kind := rg.kind_of(pg)) is not None:
        sub = value_formatter(kind.subtype, ctx)
        return lambda v: rg.format_range(v, sub)
    if is_rowtype(pg):
        fields = record_fields(t if isinstance(t, SqlType) else SqlType(pg))
        formatters = [value_formatter(ft, ctx) for _, ft in fields] if fields else None
        fallback = _by_value_formatter(ctx)
        return lambda v: format_record(v, formatters, fallback)
    if oid == r.BOOL.oid:
        return tx.format_bool
    if oid == r.FLOAT8.oid:
        efd = ctx.extra_float_digits
        return lambda v: tx.format_float8(v, efd)
    if oid == r.FLOAT4.oid:
        efd = ctx.extra_float_digits
        return lambda v: tx.format_float4(v, efd)
    if oid == r.NUMERIC.oid:
        return tx.format_numeric
    if oid == r.BPCHAR.oid and typmod >= 5:
        width = typmod - 4
        return lambda v: v.ljust(width)
    if oid == r.BYTEA.oid:
        mode = ctx.bytea_output
        return lambda v: tx.format_bytea(v, mode)
    if oid == r.DATE.oid:
        return dt.format_date
    if oid == r.TIME.oid:
        return dt.format_time
    if oid == r.TIMETZ.oid:
        return lambda v: dt.format_timetz(v[0], v[1])
    if oid == r.TIMESTAMP.oid:
        return dt.format_timestamp
    if oid == r.TIMESTAMPTZ.oid:
        zone = ctx.zone
        return lambda v: dt.format_timestamptz(v, zone)
    if oid == r.INTERVAL.oid:
        style = ctx.intervalstyle
        return lambda v: iv.format_interval(v, style)
    if oid == r.JSONB.oid:
        return js.format_jsonb
    if oid == r.UUID.oid:
        return tx.format_uuid
    if oid == r.PG_LSN.oid:
        return tx.format_pg_lsn
    if oid == r.TID.oid:
        return tx.format_tid
    if oid in _SNAPSHOT_OIDS:
        return tx.format_snapshot
    if oid == r.MONEY.oid:
        return tx.format_money
    if oid in _REG_NAMED and ctx.reg_names is not None:
        names, kind = ctx.reg_names, pg.name
        return lambda v: names.name(kind, int(v))
    if oid in _UINT32_TYPES:
        return lambda v: str(int(v) % 2**32)
    if pg.dtype.kind in "iu":
        return lambda v: str(int(v))
    return str


def _by_value_formatter(ctx: FormatContext) -> Formatter:
    """Output of a value whose type is not at hand (a field of a record inside an array), from
    its Python representation."""
    def fmt(v: Any) -> str:
        if isinstance(v, (bool, np.bool_)):
            return tx.format_bool(bool(v))
        if isinstance(v, tuple):
            return format_record(v, None, fmt)
        if isinstance(v, list):
            return format_array(v, fmt)
        if isinstance(v, float):
            return tx.format_float8(v, ctx.extra_float_digits)
        if isinstance(v, bytes):
            return tx.format_bytea(v, ctx.bytea_output)
        if isinstance(v, Interval):
            return iv.format_interval(v, ctx.intervalstyle)
        if isinstance(v, rg.Range):
            return rg.format_range(v, fmt)
        return str(v)
    return fmt


def format_value(t: SqlType | PgType, value: Any, ctx: FormatContext = DEFAULT_CONTEXT) -> str:
    """One non-NULL value as PostgreSQL prints it (casts to text, error details)."""
    return value_formatter(t, ctx)(value)


# ---- one value from text ---------------------------------------------------------------------

def _parser(t: SqlType | PgType, ctx: FormatContext) -> Parser:
    pg = t.pg if isinstance(t, SqlType) else t
    oid = pg.oid
    if pg.is_array:
        elem = _parser(r.element_of(pg), ctx)
        return lambda s: parse_array(s, elem)
    if (kind := rg.kind_of(pg)) is not None:
        sub_parser = _parser(kind.subtype, ctx)
        return lambda s: rg.parse_range(kind, s, sub_parser)
    if oid == r.BOOL.oid:
        return tx.parse_bool
    if oid == r.TSVECTOR.oid:
        return ts.parse_tsvector
    if oid == r.TSQUERY.oid:
        return tsquery_in
    if oid in _INT_NAMES:
        name = _INT_NAMES[oid]
        return lambda s: tx.parse_int(s, name)
    if oid in _REG_NAMED and ctx.reg_names is not None:
        names, kind = ctx.reg_names, pg.name
        return lambda s: names.oid(kind, s)
    if oid in _UINT32_TYPES or oid == r.OID.oid:
        return tx.parse_oid
    if oid == r.FLOAT8.oid:
        return tx.parse_float
    if oid == r.FLOAT4.oid:
        return lambda s: tx.parse_float(s, "real")
    if oid == r.NUMERIC.oid:
        return tx.parse_numeric
    if oid == r.BYTEA.oid:
        return tx.parse_bytea
    if oid == r.DATE.oid:
        return lambda s: dt.parse_date(s, zone=ctx.zone, order=ctx.date_order)
    if oid == r.TIME.oid:
        return lambda s: dt.parse_time(s, zone=ctx.zone)
    if oid == r.TIMESTAMP.oid:
        return lambda s: dt.parse_timestamp(s, zone=ctx.zone, order=ctx.date_order)
    if oid == r.TIMESTAMPTZ.oid:
        return lambda s: dt.parse_timestamp(s, zone=ctx.zone, with_tz=True, order=ctx.date_order)
    if oid == r.TIMETZ.oid:
        return lambda s: dt.parse_timetz(s, zone=ctx.zone)
    if oid == r.INTERVAL.oid:
        return iv.parse_interval
    if oid == r.JSON.oid:
        return js.parse_json
    if oid == r.JSONB.oid:
        return js.parse_jsonb
    if oid == r.UUID.oid:
        return tx.parse_uuid
    if oid in (r.BIT.oid, r.VARBIT.oid):
        return tx.parse_bit
    if oid == r.PG_LSN.oid:
        return tx.parse_pg_lsn
    if oid == r.TID.oid:
        return tx.parse_tid
    if oid in _SNAPSHOT_OIDS:
        return lambda s: tx.parse_snapshot(s, pg.name)
    if oid == r.XID8.oid:
        return tx.parse_xid8
    if oid == r.MONEY.oid:
        return tx.parse_money
    if oid == r.CHAR.oid:
        return lambda s: s[:1]
    if oid == r.NAME.oid:
        return lambda s: _truncate_utf8(s, 63)
    if pg.enum is not None:
        return enums.parser(pg)
    if pg.composite is not None:
        fields = [_parser(ft, ctx) for _, ft in record_fields(SqlType(pg))]
        return lambda s: parse_record(s, fields)
    if pg is r.RECORD:
        return _anonymous_record_in
    return str


def _anonymous_record_in(text: str) -> tuple:
    raise FeatureNotSupported("input of anonymous composite types is not implemented")


def _truncate_utf8(s: str, limit: int) -> str:
    raw = s.encode()
    return s if len(raw) <= limit else raw[:limit].decode("utf-8", "ignore")


def parse_text(t: SqlType | PgType, text: str, ctx: FormatContext = DEFAULT_CONTEXT) -> Any:
    """One value from its text form (the type's input function); no typmod coercion."""
    return _parser(t, ctx)(text)


def _decode_bytes(data: bytes | str, encoding: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode(encoding)
    except UnicodeDecodeError as exc:
        bad = bytes(data[exc.start:exc.start + 1]).hex()
        raise CharacterNotInRepertoire(f'invalid byte sequence for encoding "UTF8": 0x{bad}') from None


def text_decoder(t: SqlType | PgType, ctx: FormatContext = DEFAULT_CONTEXT) -> Callable[[bytes | str], Any]:
    oid = (t.pg if isinstance(t, SqlType) else t).oid
    encoding = ctx.py_encoding
    if oid in _INT_NAMES:
        return _int_decoder(_INT_NAMES[oid], encoding)
    parse = _parser(t, ctx)
    if oid in _STRING_OIDS:
        return lambda data: _no_nul(parse(_decode_bytes(data, encoding)))
    return lambda data: parse(_decode_bytes(data, encoding))


_MINUS = (ord("-"), "-")  # data[0] of "-1": an int in bytes, a str in str


def _int_decoder(type_name: str, encoding: str) -> Callable[[bytes | str], int]:
    lo, hi = tx.INT_RANGES[type_name]

    def decode_int(data: bytes | str) -> int:
        # Up to 20 ASCII digits after an optional minus (what clients send) need neither decoding
        # nor parse_int's syntax check; anything else, or out of range, gets its checks and messages
        if len(data) <= 20 and data.isascii() and (
                data.isdigit() or data[1:].isdigit() and data[0] in _MINUS):
            value = int(data)
            if lo <= value <= hi:
                return value
        return tx.parse_int(_decode_bytes(data, encoding), type_name)
    return decode_int


def _no_nul(s: str) -> str:
    if "\x00" in s:
        raise CharacterNotInRepertoire('invalid byte sequence for encoding "UTF8": 0x00')
    return s


# ---- columns <-> Python values ---------------------------------------------------------------

def values_to_column(t: SqlType | PgType, values: list) -> Column:
    """Python values (None = NULL) to a Column in the type's numpy representation."""
    pg = t.pg if isinstance(t, SqlType) else t
    n = len(values)
    nulls = [v is None for v in values]
    valid = None if not any(nulls) else ~np.array(nulls, dtype=bool)
    if pg.dtype == np.dtype(object):
        data = np.empty(n, dtype=object)
        for i, v in enumerate(values):
            data[i] = v
        return Column(data, valid)
    fill = False if pg.dtype.kind == "b" else 0
    data = np.array([fill if v is None else v for v in values], dtype=pg.dtype) if n else \
        np.empty(0, dtype=pg.dtype)
    return Column(data, valid)


def column_to_values(t: SqlType | PgType, col: Column) -> list:
    """A Column back to Python values (int, float, bool, str, Decimal, ...), None for NULL."""
    items = col.data.tolist()
    if col.valid is None:
        return items
    return [v if ok else None for v, ok in zip(items, col.valid.tolist())]


# ---- column encoders -------------------------------------------------------------------------

def text_encoder(t: SqlType | PgType, ctx: FormatContext = DEFAULT_CONTEXT) -> Callable[[Column], list[bytes | None]]:
    """Encoder of whole columns to text-format field values (None for NULL)."""
    pg = t.pg if isinstance(t, SqlType) else t
    encoding = ctx.py_encoding
    if pg.oid == r.BOOL.oid:
        def encode_bool(col: Column) -> list[bytes | None]:
            out = np.where(col.data, b"t", b"f").tolist()
            return _apply_nulls(out, col)
        return encode_bool
    if pg.oid in _INT_NAMES:
        def encode_int(col: Column) -> list[bytes | None]:
            out = [str(v).encode() for v in col.data.tolist()]
            return out if col.valid is None else _apply_nulls(out, col)
        return encode_int
    fmt = value_formatter(t, ctx)

    def encode(col: Column) -> list[bytes | None]:
        items = col.data.tolist()
        if col.valid is None:
            return [fmt(v).encode(encoding) for v in items]
        return [fmt(v).encode(encoding) if ok else None for v, ok in zip(items, col.valid.tolist())]
    return encode


def _apply_nulls(out: list, col: Column) -> list:
    """`out` with None where `col` is NULL (the hot encoders call it only when some may be)."""
    if col.valid is not None:
        for i in np.flatnonzero(~col.valid).tolist():
            out[i] = None
    return out


# ---- binary ----------------------------------------------------------------------------------

def _sender(t: SqlType | PgType) -> Callable[[Any], bytes]:
    """One value's binary form (an anonymous record's, and its arrays', need the SqlType's fields)."""
    pg = t.pg if isinstance(t, SqlType) else t
    oid = pg.oid
    if pg.is_array:
        elem_pg = r.element_of(pg)
        elem = _sender(element_type(t) if isinstance(t, SqlType) else elem_pg)

        def send_array(v: list) -> bytes:
            items = flatten(v)
            return bio.send_array(array_dims(v), [None if x is None else elem(x) for x in items], elem_pg.oid)
        return send_array
    if oid in r.VECTOR_ELEMENTS:
        vec_elem = r.VECTOR_ELEMENTS[oid]
        send_elem = _sender(vec_elem)

        def send_vector(v: str) -> bytes:  # stored as its text form, "1 2"; always one dimension
            items = [send_elem(int(x)) for x in v.split()]
            return bio.send_array([len(items)], items, vec_elem.oid, lower=0)
        return send_vector
    if (kind := rg.kind_of(pg)) is not None:
        send_sub = _sender(kind.subtype)
        return lambda v: rg.send_range(v, send_sub)
    if oid == r.BOOL.oid:
        return lambda v: b"\x01" if v else b"\x00"
    if oid == r.TSVECTOR.oid:
        return ts.send_tsvector
    if oid == r.TSQUERY.oid:
        return ts.send_tsquery
    if oid in _FIXED_BINARY:
        return struct.Struct("!" + _FIXED_BINARY[oid]).pack
    if oid in _UINT32_TYPES or oid == r.OID.oid:
        return lambda v: struct.pack("!I", int(v) % 2**32)
    if oid == r.NUMERIC.oid:
        return bio.send_numeric
    if oid == r.BYTEA.oid:
        return bytes
    if oid == r.INTERVAL.oid:
        return bio.send_interval
    if oid == r.TIMETZ.oid:
        return bio.send_timetz
    if oid == r.UUID.oid:
        return bio.send_uuid
    if oid == r.TID.oid:
        return bio.send_tid
    if oid in _SNAPSHOT_OIDS:
        return bio.send_snapshot
    if oid == r.JSONB.oid:
        return lambda v: b"\x01" + js.format_jsonb(v).encode()
    if oid in (r.BIT.oid, r.VARBIT.oid):
        return bio.send_bit
    if oid == r.CHAR.oid:
        return bio.send_char
    if is_rowtype(pg):
        return _record_sender(t if isinstance(t, SqlType) else SqlType(pg))
    return lambda v: str(v).encode()


def _record_sender(t: SqlType) -> Callable[[tuple], bytes]:
    """record_send; an anonymous record whose fields are not known sends them as text."""
    fields = record_fields(t)
    oids = [type_oid(ft) for _, ft in fields]
    senders = [_sender(ft) for _, ft in fields]
    if fields:
        return lambda v: send_record(v, oids, senders)
    text = _by_value_formatter(DEFAULT_CONTEXT)
    return lambda v: send_record(v, [r.TEXT.oid] * len(v), [lambda x: text(x).encode()] * len(v))


def binary_encoder(t: SqlType | PgType) -> Callable[[Column], list[bytes | None]]:
    """Encoder of whole columns to binary-format field values (None for NULL)."""
    pg = t.pg if isinstance(t, SqlType) else t
    code = _FIXED_BINARY.get(pg.oid)
    if pg.oid == r.BPCHAR.oid and isinstance(t, SqlType) and t.typmod >= 5:
        width = t.typmod - 4
        send: Callable[[Any], bytes] = lambda v: v.ljust(width).encode()
    else:
        send = _sender(t)
    if code:
        big_endian = np.dtype(">" + code)
        size = big_endian.itemsize

        def encode_fixed(col: Column) -> list[bytes | None]:
            raw = col.data.astype(big_endian).tobytes()
            out = [raw[i:i + size] for i in range(0, len(raw), size)]
            return out if col.valid is None else _apply_nulls(out, col)
        return encode_fixed

    def encode(col: Column) -> list[bytes | None]:
        items = col.data.tolist()
        if col.valid is None:
            return [send(v) for v in items]
        return [send(v) if ok else None for v, ok in zip(items, col.valid.tolist())]
    return encode


def _receiver(pg: PgType) -> Callable[[bytes], Any]:
    oid = pg.oid
    if pg.is_array:
        elem_pg = r.element_of(pg)
        elem = _receiver(elem_pg)

        def recv_array(data: bytes) -> list:
            dims, elem_oid, items = bio.recv_array(data)
            if elem_oid != elem_pg.oid and not (elem_oid == r.TEXT.oid and elem_pg.oid in _STRING_OIDS):
                raise InvalidBinaryRepresentation(
                    f"wrong element type: expected {elem_pg.oid}, got {elem_oid}")
            return unflatten([None if x is None else elem(x) for x in items], dims)
        return recv_array
    if (kind := rg.kind_of(pg)) is not None:
        recv_sub = _receiver(kind.subtype)
        return lambda data: rg.recv_range(kind, data, recv_sub)
    if oid == r.BOOL.oid:
        return bio.recv_bool
    if oid == r.TSVECTOR.oid:
        return ts.recv_tsvector
    if oid == r.TSQUERY.oid:
        return ts.recv_tsquery
    if oid in _FIXED_BINARY:
        return bio.fixed_unpacker("!" + _FIXED_BINARY[oid])
    if oid in _UINT32_TYPES or oid == r.OID.oid:
        return bio.fixed_unpacker("!I")
    if oid == r.NUMERIC.oid:
        return bio.recv_numeric
    if oid == r.BYTEA.oid:
        return bytes
    if oid == r.INTERVAL.oid:
        return bio.recv_interval
    if oid == r.TIMETZ.oid:
        return bio.recv_timetz
    if oid == r.UUID.oid:
        return bio.recv_uuid
    if oid == r.TID.oid:
        return bio.recv_tid
    if oid in _SNAPSHOT_OIDS:
        return bio.recv_snapshot
    if oid == r.JSONB.oid:
        def recv_jsonb(data: bytes) -> Any:
            if data[:1] != b"\x01":
                raise InvalidBinaryRepresentation(f"unsupported jsonb version number {data[:1].hex() or 0}")
            return js.parse_jsonb(bio.recv_text(data[1:]))
        return recv_jsonb
    if oid == r.JSON.oid:
        return lambda data: js.parse_json(bio.recv_text(data))
    if oid in (r.BIT.oid, r.VARBIT.oid):
        return bio.recv_bit
    if oid == r.CHAR.oid:
        return bio.recv_char
    if pg.enum is not None:
        parse = enums.parser(pg)
        return lambda data: parse(bio.recv_text(data))
    if pg.composite is not None:
        fields = record_fields(SqlType(pg))
        oids, receivers = [type_oid(ft) for _, ft in fields], [_receiver(ft.pg) for _, ft in fields]
        return lambda data: recv_record(data, oids, receivers)
    return bio.recv_text


def binary_decoder(t: SqlType | PgType) -> Callable[[bytes], Any]:
    """Decoder of one binary-format value (Bind parameters, COPY BINARY fields)."""
    return _receiver(t.pg if isinstance(t, SqlType) else t)
