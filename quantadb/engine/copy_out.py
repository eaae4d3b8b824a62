"""COPY ... TO STDOUT: a query's rows in text, CSV or binary format (the formats: copy.py)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from quantadb.engine.results import CopyOut, Result
from quantadb.errors import FeatureNotSupported
from quantadb.types.codecs import binary_encoder, text_encoder
from quantadb.types.column import Batch

if TYPE_CHECKING:
    from quantadb.engine.copy import CopyOptions
    from quantadb.engine.session import Session

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"  # the binary format's first 11 bytes, both ways


def copy_out(session: "Session", query: str, options: "CopyOptions", inline: bool) -> Result:
    """COPY (query) TO STDOUT, or COPY table TO STDOUT as the SELECT of its columns."""
    from quantadb.engine import statements as S
    from quantadb.engine.prepared import Portal, Prepared
    inner = S.Statement(query, at=None)  # (error positions would count in the query, not the COPY)
    if inner.keyword == "merge":
        raise FeatureNotSupported("MERGE not supported in COPY")
    result = S.execute(session, Portal(Prepared(query, inner, []), [], []), inline)
    if result.columns is None:  # (the failed statement's writes are undone with it)
        raise FeatureNotSupported("COPY query must have a RETURNING clause")
    batch = result.batches[0] if result.batches else Batch([], 0)
    columns = result.columns or []
    chunks: list[bytes] = []
    if options.format == "binary":
        encoders = [binary_encoder(c.type) for c in columns]
        encoded = [enc(col) for enc, col in zip(encoders, batch.columns)]
        chunks.append(SIGNATURE + struct.pack("!ii", 0, 0))
        for i in range(batch.length):
            parts = [struct.pack("!h", len(columns))]
            for col in encoded:
                v = col[i]
                parts.append(struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v)
            chunks.append(b"".join(parts))
        chunks.append(struct.pack("!h", -1))
    else:
        ctx = session.format_context
        encoded = [text_encoder(c.type, ctx)(col) for c, col in zip(columns, batch.columns)]
        delim = options.delimiter.encode()
        null = options.null.encode()
        if options.format == "csv":
            quote = options.quote.encode()
            if options.header:
                chunks.append(delim.join(_csv_field(c.name.encode(), delim, quote, null) for c in columns) + b"\n")
            for i in range(batch.length):
                chunks.append(delim.join(null if col[i] is None else _csv_field(col[i], delim, quote, null)
                                         for col in encoded) + b"\n")
        else:
            if options.header:
                chunks.append(delim.join(c.name.encode() for c in columns) + b"\n")
            for i in range(batch.length):
                chunks.append(delim.join(null if col[i] is None else _escape(col[i], delim) for col in encoded)
                              + b"\n")
    return Result(copy_out=CopyOut(options.format == "binary", len(columns), chunks, f"COPY {batch.length}"))


def _csv_field(value: bytes, delim: bytes, quote: bytes, null: bytes) -> bytes:
    if (delim in value or quote in value or b"\n" in value or b"\r" in value or value == null
            or value[:1].isspace() or value[-1:].isspace() or value == b"\\."):
        return quote + value.replace(quote, quote + quote) + quote
    return value


def _escape(value: bytes, delimiter: bytes) -> bytes:
    return (value.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t")
            .replace(delimiter, b"\\" + delimiter) if delimiter != b"\t" else
            value.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t"))
