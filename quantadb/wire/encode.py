"""RowDescription and DataRow bytes from the engine's column descriptions and batches.

This is the hot path for every query result. Values are encoded a column at a time by the
codecs (quantadb.types.codecs: one call per column, not per value), each value is framed
with its int32 length once, and a row is then a single join of its framed fields.
"""

from __future__ import annotations

import struct
from typing import Callable

from quantadb.engine.results import ColumnDesc
from quantadb.types import codecs
from quantadb.types.column import Batch, Column
from quantadb.types.composite import holds_composite
from quantadb.wire.backend import row_description

_ROW_HDR = struct.Struct("!cih")
_ONE_FIELD_HDR = struct.Struct("!cihi")  # a one-column DataRow's header and its field's length
_LEN = struct.Struct("!i").pack
_NULL = b"\xff\xff\xff\xff"
_ONE_NULL_ROW = _ROW_HDR.pack(b"D", 10, 1) + _NULL

Encoder = Callable[[Column], "list[bytes | None]"]


def describe(columns: list[ColumnDesc], formats: list[int] | None) -> bytes:
    """RowDescription; `formats` None means all text (Describe of a statement)."""
    fields = []
    for i, c in enumerate(columns):
        fmt = formats[i] if formats else 0
        fields.append((c.name, c.table_oid, c.attnum, c.type.oid, c.type.pg.typlen, c.type.typmod, fmt))
    return row_description(fields)


class Shape:
    """A result shape: its RowDescription bytes and, for one FormatContext, its value encoders."""

    __slots__ = ("columns", "formats", "description", "ctx", "encoders")

    def __init__(self, columns: list[ColumnDesc], formats: list[int] | None) -> None:
        self.columns = columns  # held, so its id() names nothing else while cached
        self.formats = formats
        self.description = describe(columns, formats)
        self.ctx: object = None
        self.encoders: list[Encoder] = []


class ShapeCache:
    """Per connection: RowDescription bytes and value encoders of a result shape, made once.

    A prepared statement's column list is the same object at every execution (it lives in the
    plan), so shapes are found by its identity and the formats compared; encoders are rebuilt
    when the FormatContext changes (SET DateStyle, ...)."""

    MAX_SHAPES = 512

    def __init__(self) -> None:
        self._shapes: dict[int, Shape] = {}
        self._encoders: dict[tuple, Encoder] = {}  # by (type, format) for the current context
        self._ctx: object = None
        # the last lookup: an Execute finds the shape its portal's Describe found (same lists,
        # held here so their ids name nothing else; a portal's formats are never changed)
        self._last_columns: list[ColumnDesc] | None = None
        self._last_formats: list[int] | None = None
        self._last: Shape | None = None

    def shape(self, columns: list[ColumnDesc], formats: list[int] | None) -> Shape:
        if columns is self._last_columns and formats is self._last_formats:
            return self._last  # type: ignore[return-value]  # set with _last_columns
        self._last_columns, self._last_formats = columns, formats
        if formats is not None and 1 not in formats:
            formats = None  # all text, as a Describe of the statement says
        shape = self._shapes.get(id(columns))
        if shape is None or shape.columns is not columns or shape.formats != formats:
            if len(self._shapes) >= self.MAX_SHAPES:
                self._shapes.clear()
            shape = self._shapes[id(columns)] = Shape(columns, formats and list(formats))
        self._last = shape
        return shape

    def encoders_for(self, shape: Shape, ctx: object) -> list[Encoder]:
        """Make `shape`'s encoders for `ctx`. Callers use shape.encoders as is while shape.ctx
        is ctx, the usual case, which then costs no call."""
        shape.encoders = self._make_encoders(shape.columns, shape.formats, ctx)
        shape.ctx = ctx
        return shape.encoders

    def _make_encoders(self, columns: list[ColumnDesc], formats: list[int] | None, ctx: object) -> list[Encoder]:
        if ctx is not self._ctx:
            self._ctx = ctx
            self._encoders.clear()
        out = []
        for i, c in enumerate(columns):
            fmt = formats[i] if formats and i < len(formats) else 0
            key = (c.type, fmt)
            # a composite type's fields change under its OID (ALTER TYPE): its encoders are not kept
            enc = self._encoders.get(key) if not holds_composite(c.type) else None
            if enc is None:
                enc = codecs.binary_encoder(c.type) if fmt == 1 else codecs.text_encoder(c.type, ctx)
                if not holds_composite(c.type):
                    self._encoders[key] = enc
            out.append(enc)
        return out


def _framed(values: list[bytes | None]) -> list[bytes]:
    return [_NULL if v is None else _LEN(len(v)) + v for v in values]


def data_rows(batch: Batch, encoders: list[Encoder]) -> bytes:
    """All DataRow messages of one batch, concatenated."""
    n = batch.length
    ncols = len(encoders)
    if n == 0:
        return b""
    if ncols == 0:
        return _ROW_HDR.pack(b"D", 6, 0) * n
    if n == 1:  # a point read's answer: one DataRow, no per-column lists
        if ncols == 1:
            v = encoders[0](batch.columns[0])[0]
            if v is None:
                return _ONE_NULL_ROW
            return _ONE_FIELD_HDR.pack(b"D", len(v) + 10, 1, len(v)) + v
        body = b"".join([_NULL if v is None else _LEN(len(v)) + v
                         for v in [enc(col)[0] for enc, col in zip(encoders, batch.columns)]])
        return _ROW_HDR.pack(b"D", len(body) + 6, ncols) + body
    cols = [_framed(enc(col)) for enc, col in zip(encoders, batch.columns)]
    hdr = _ROW_HDR.pack
    out: list[bytes] = []
    append = out.append
    if ncols == 1:
        for v in cols[0]:
            append(hdr(b"D", len(v) + 6, 1))
            append(v)
    else:
        join = b"".join
        for parts in zip(*cols):
            body = join(parts)
            append(hdr(b"D", len(body) + 6, ncols))
            append(body)
    return b"".join(out)
