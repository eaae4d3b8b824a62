"""DataRow bytes from batches: every shortcut gives the bytes of the plain framing."""

import struct

import pytest

from quantadb.types import codecs
from quantadb.types import registry as r
from quantadb.types.column import Batch
from quantadb.wire.encode import data_rows


def _expected(rows: list[list[bytes | None]]) -> bytes:
    out = b""
    for row in rows:
        body = struct.pack("!h", len(row)) + b"".join(
            struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v for v in row)
        out += b"D" + struct.pack("!i", len(body) + 4) + body
    return out


@pytest.mark.parametrize("columns", [
    [[7]], [[None]], [[7, None, -12]], [[1], ["a"]], [[None], ["xyz"]], [[1, 2], ["a", None]], [[], []],
])
def test_data_rows_match_the_plain_framing(columns):
    types = [r.INT4 if all(v is None or isinstance(v, int) for v in col) else r.TEXT for col in columns]
    batch = Batch([codecs.values_to_column(t, col) for t, col in zip(types, columns)], len(columns[0]))
    encoders = [codecs.text_encoder(t) for t in types]
    rows = [[None if col[i] is None else str(col[i]).encode() for col in columns] for i in range(batch.length)]
    assert data_rows(batch, encoders) == _expected(rows)


def test_data_rows_without_columns():
    assert data_rows(Batch([], 2), []) == _expected([[], []])
