"""The WAL record encoding round-trips every value representation, deterministically."""

from __future__ import annotations

import decimal
import uuid

import numpy as np
import pytest

from quantadb.errors import DataCorrupted
from quantadb.storage import records as R
from quantadb.storage.catalog import ColumnDef, RelationDef, SequenceOptions, from_value, to_value
from quantadb.types import registry as T
from quantadb.types.column import Column
from quantadb.types.values import Interval


def test_scalars_and_containers_round_trip():
    value = [None, True, False, 0, -1, 2**63 - 1, -(2**63), 2**80, 1.5, "héllo", b"\x00\xff",
             decimal.Decimal("12.340"), decimal.Decimal("NaN"), uuid.UUID(int=7), Interval(1, 2, 3),
             (1, "a"), {"k": [1, {"n": None}]}]
    assert repr(R.decode(R.encode(value))) == repr(value)


def test_row_records_keep_their_bytes():
    """The WAL format is shared with replicas and recovery: the encoder's fast paths must give
    the bytes the format table describes (these were written before the fast paths)."""
    rec = [R.ROW_UPDATE, 7, 16390, 3, (5, "é", None, 2**70, True)]
    assert R.encode(rec).hex() == (
        "6c05000000690f0000000000000069070000000000000069064000000000000069030000000000000074050000006905000000"
        "000000007302000000c3a94e490900000040000000000000000054")
    assert R.encode([R.COMMIT, 10, [11]]).hex() == \
        "6c03000000690400000000000000690a000000000000006c01000000690b00000000000000"
    assert R.decode(R.encode(rec)) == rec


def test_columns_round_trip_with_dtypes_and_nulls():
    cols = [Column(np.array([1, 2], dtype=np.int32)), Column(np.array([1.5, 0.0]), np.array([True, False])),
            Column(np.array(["a", "ü"], dtype=object)), Column(np.array([decimal.Decimal(1), [1, 2]], dtype=object)),
            Column(np.array([True, False]))]
    rec = [R.INSERT, 3, 16384, 2, cols]
    back = R.decode(R.encode(rec))
    for a, b in zip(cols, back[4]):
        assert a.data.dtype == b.data.dtype and a.data.tolist() == b.data.tolist()
        assert (a.valid is None) == (b.valid is None)
    assert R.encode(rec) == R.encode(back)  # deterministic: re-encoding gives the same bytes


def test_catalog_objects_round_trip():
    rel = RelationDef(16384, 5, 2200, "t", "r", columns=(ColumnDef(1, "id", T.sql(T.VARCHAR, 14)),),
                      sequence=SequenceOptions(owned_by=(1, 2)), options=("fillfactor=70",))
    assert from_value(R.decode(R.encode(to_value(rel)))) == rel


def test_garbage_raises_data_corrupted():
    with pytest.raises(DataCorrupted):
        R.decode(b"\x99")
    with pytest.raises(DataCorrupted):
        R.decode(R.encode([1, 2]) + b"x")


def test_numeric_columns_round_trip_as_one_string_array() -> None:
    from decimal import Decimal

    import numpy as np

    from quantadb.storage import records as R
    values = [Decimal("1.25"), None, Decimal("-0.001"), Decimal("NaN"), Decimal("Infinity")] * 5
    data = np.empty(len(values), dtype=object)
    data[:] = values
    out = bytearray()
    R._enc_array(out, data)
    assert out[:1] == b"M"
    back, end = R._dec_array(memoryview(bytes(out)), 0)
    assert end == len(out)
    assert [str(v) if v is not None else None for v in back] == [str(v) if v is not None else None for v in values]


@pytest.mark.parametrize("values", [[None] * 20, [decimal.Decimal("1.5"), None] * 10, ["a", "b"] * 10, ["a"] * 3])
def test_object_arrays_round_trip_as_values_of_their_own(values) -> None:
    """A checkpoint writes a segment's arrays as values of their own, not in a Column: each
    array form the encoder picks decodes there too (an int[] column whose 40 rows were NULL was
    written as `M`, and the data directory could not be opened)."""
    data = np.empty(len(values), dtype=object)
    data[:] = values
    back = R.decode(R.encode(data))
    assert back.dtype == object and back.tolist() == values
