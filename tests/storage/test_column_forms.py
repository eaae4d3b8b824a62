"""The compact Column forms in storage: numeric(p,s) with p <= 18 stored as scaled int64
(types/scaled.py), WAL records and checkpoints carrying that form, data written in the older
Decimal form still reading back; coded strings (COPY's) written and logged from their codes."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from quantadb.storage import records as R
from quantadb.storage.table import Table
from quantadb.storage.txn import FROZEN_XID
from quantadb.types import registry as T
from quantadb.types.column import Column

NUM_15_2 = T.sql(T.NUMERIC, T.numeric_typmod(15, 2))
TEXT = T.sql(T.TEXT)


def _decimals(*texts: str | None) -> Column:
    data = np.empty(len(texts), dtype=object)
    data[:] = [None if t is None else Decimal(t) for t in texts]
    valid = np.array([t is not None for t in texts])
    return Column(data, None if valid.all() else valid)


def _texts(col: Column) -> list[str | None]:
    valid = np.ones(len(col), dtype=bool) if col.valid is None else col.valid
    return [str(v) if ok else None for v, ok in zip(col.data.tolist(), valid.tolist())]


def _table(*cols: Column) -> Table:
    table = Table(16384, [NUM_15_2], capacity=4)
    for col in cols:
        table.append(FROZEN_XID, [col], len(col))
    return table


def _read(table: Table) -> list[Column]:
    return [cols[0] for _, cols, _, _ in table.all_rows([1])]


def test_scaled_column_round_trips_in_wal_records_deterministically():
    col = Column.scaled(np.array([150, -125, 0, 7], dtype=np.int64), 2, np.array([True, True, False, True]))
    rec = [R.INSERT, 3, 16384, 4, [col]]
    back = R.decode(R.encode(rec))[4][0]
    assert back.scale == 2 and back.ints.tolist() == [150, -125, 0, 7]
    assert back.valid.tolist() == [True, True, False, True]
    assert R.encode(rec) == R.encode(R.decode(R.encode(rec)))


def test_decimals_written_to_a_numeric_15_2_column_are_stored_scaled():
    table = _table(_decimals("1.50", "-0.05", None), Column.scaled(np.array([123456, 0], dtype=np.int64), 2))
    cols = _read(table)
    assert all(c.scale == 2 for c in cols)
    assert [t for c in cols for t in _texts(c)] == ["1.50", "-0.05", None, "1234.56", "0.00"]


def test_checkpoint_form_round_trips_and_old_decimal_segments_restore_scaled():
    table = _table(_decimals("1.50", None, "2.25", "3.00", "4.10"))
    restored = Table.restore(R.decode(R.encode(table.dump())), [NUM_15_2])
    assert [t for c in _read(restored) for t in _texts(c)] == ["1.50", None, "2.25", "3.00", "4.10"]
    old = table.dump()  # the form from before scaled storage: Decimal object arrays, "plain"
    for seg in old["segments"]:
        _, ints, scale, valid = seg["cols"][0]
        seg["cols"][0] = ("plain", Column.scaled(ints, scale).data, valid)
    restored = Table.restore(R.decode(R.encode(old)), [NUM_15_2])
    cols = _read(restored)
    assert all(c.scale == 2 for c in cols)
    assert [t for c in cols for t in _texts(c)] == ["1.50", None, "2.25", "3.00", "4.10"]


def test_nan_turns_the_segment_to_decimals_without_changing_values():
    table = _table(_decimals("1.50", "2.00"), _decimals("NaN", "-3.25"), _decimals("5.00"))
    assert [t for c in _read(table) for t in _texts(c)] == ["1.50", "2.00", "NaN", "-3.25", "5.00"]
    restored = Table.restore(R.decode(R.encode(table.dump())), [NUM_15_2])
    assert [t for c in _read(restored) for t in _texts(c)] == ["1.50", "2.00", "NaN", "-3.25", "5.00"]


def _coded(codes: list[int], words: list[str]) -> Column:
    dictionary = np.empty(len(words) + 1, dtype=object)
    dictionary[:-1] = words
    valid = np.array([c >= 0 for c in codes])
    return Column.coded(np.array(codes, dtype=np.int32), dictionary, None if valid.all() else valid)


def test_coded_strings_round_trip_in_wal_records_with_nulls():
    col = _coded([0, 1, -1, 1] * 10, ["x", "yy", "unused"])
    back = R.decode(R.encode([R.INSERT, 3, 16384, 40, [col]]))[4][0]
    assert _texts(back) == ["x", "yy", None, "yy"] * 10


def test_coded_strings_written_to_storage_keep_values_and_skip_unused_words():
    table = Table(16384, [TEXT], capacity=64)
    table.append(FROZEN_XID, [_coded([0, 1, -1, 1], ["x", "yy", "unused"])], 4)
    table.append(FROZEN_XID, [_coded([1, 0], ["x", "zz"])], 2)
    (col,) = _read(table)
    assert _texts(col) == ["x", "yy", None, "yy", "zz", "x"]
    assert col.codes is not None and "unused" not in col.dictionary.tolist()
