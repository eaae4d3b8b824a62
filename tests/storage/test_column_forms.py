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


def test_a_reader_meeting_a_form_change_half_done_reads_the_values():
    """Readers take no lock: between _undictionary's (or _unscale's) replacing the data and its
    clearing the dictionary (scale), a reader sees plain data beside the old form's fields."""
    table = Table(1, [TEXT, NUM_15_2])
    table.append(FROZEN_XID, [Column(np.array(["a", "b", None], dtype=object), np.array([1, 1, 0], bool)),
                              _decimals("1.50", None, "2")], 3)
    text, num = table.segments[0].cols
    expected = [[sc.value(i) for i in range(3)] for sc in (text, num)]
    text.data = np.array(["a", "b", None, None], dtype=object)  # values still set
    num.data = np.array([Decimal("1.50"), None, Decimal(2), None], dtype=object)  # scale still set
    for sc, want in zip((text, num), expected):
        assert [sc.value(i) for i in range(3)] == want
        texts = [None if v is None else str(v) for v in want]
        assert [_texts(sc.read_one(i))[0] for i in range(3)] == texts
        assert _texts(sc.read(0, 3)) == texts and _texts(sc.take(np.arange(3))) == texts


def test_a_dictionary_growing_while_read_is_read_to_one_length():
    class Growing(list):  # a writer appending between the reader's looks at its length
        def __len__(self) -> int:
            n = super().__len__()
            self.append(f"new {n}")
            return n

    table = Table(1, [TEXT])
    table.append(FROZEN_XID, [Column(np.array(["a", "b"], dtype=object))], 2)
    sc = table.segments[0].cols[0]
    sc.values = Growing(sc.values)
    assert _texts(sc.read(0, 2)) == ["a", "b"]
