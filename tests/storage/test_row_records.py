"""One-row writes log ROW_INSERT / ROW_UPDATE records of Python values: the table reads the same
as after the column form, the checks are the same, and replay gives the same state."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from store_helpers import DATA, committed, create_table, reopen
from test_store_replay import image, replay, restarted_image

from quantadb.errors import UniqueViolation
from quantadb.storage import records as R
from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE, ColumnDef, RelationDef
from quantadb.storage.recovery import wal_dir
from quantadb.storage.wal import read_wal
from quantadb.types import registry as T
from quantadb.types.column import Column
from quantadb.types.registry import SqlType

TYPES = (T.INT4, T.TEXT, T.FLOAT8, T.BOOL, T.DATE, T.INT8)


def _numeric_table(store) -> int:
    txn = store.begin()
    oid = store.allocate_oid(txn)
    columns = (ColumnDef(1, "id", SqlType(T.INT4)), ColumnDef(2, "amount", SqlType(T.NUMERIC, T.numeric_typmod(10, 2))))
    store.create_relation(txn, RelationDef(oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "n", "r", columns=columns))
    store.commit(txn).result()
    return oid


def _read(store, oid: int, attnums) -> list[tuple]:
    txn = store.begin()
    try:
        out = []
        for b in store.table(oid).scan(store.snapshot(txn), list(attnums), True):
            values = []
            for c in b.columns:
                v = c.data.tolist()
                values.append([x if c.valid is None or ok else None for x, ok in
                               zip(v, [True] * len(v) if c.valid is None else c.valid.tolist())])
            out.extend(zip(b.rowids.tolist(), *values))
        return out
    finally:
        store.commit(txn)


def _kinds(fs) -> list[int]:
    return [R.decode(rec.payload)[0] for rec in read_wal(fs, wal_dir(DATA))]


def test_row_writes_read_like_column_writes(store, fs):
    oid, _ = create_table(store, types=TYPES)
    rows = [(1, "a", 1.5, True, 10, 1 << 40), (2, None, None, None, None, None), (3, "a", -0.0, False, -5, -1)]
    committed(store, lambda t: [store.insert_row(t, oid, r) for r in rows])
    table = store.table(oid)
    assert [tuple(table.row_values(r, list(range(1, 7)))) for r in range(3)] == rows
    assert _read(store, oid, range(1, 7)) == [(i, *r) for i, r in enumerate(rows)]
    # the column form of one row logs the same ROW_INSERT
    one = [Column(np.array([4], np.int32)), Column(np.array(["b"], dtype=object)), Column(np.array([2.0])),
           Column(np.array([True])), Column(np.array([7], np.int32)), Column(np.array([0]), np.array([False]))]
    committed(store, lambda t: store.insert(t, oid, one, 1))
    assert table.row_values(3, list(range(1, 7))) == [4, "b", 2.0, True, 7, None]
    assert _kinds(fs).count(R.ROW_INSERT) == 4 and R.INSERT not in _kinds(fs)


def test_row_update_checks_and_replays(store, fs):
    oid, index_oid = create_table(store, types=(T.INT4, T.TEXT))
    committed(store, lambda t: [store.insert_row(t, oid, (i, f"v{i}")) for i in range(1, 4)])
    txn = store.begin()
    new = store.update_row(txn, oid, 0, (1, "w1"))  # same key: no self-conflict
    assert store.update_row(txn, oid, 0, (1, "again")) is None  # this transaction replaced it already
    with pytest.raises(UniqueViolation):
        store.update_row(txn, oid, 1, (3, "x"))
    store.commit(txn).result()
    assert store.index(index_oid).lookup_key(1) == [0, new]
    assert [r[1:] for r in _read(store, oid, (1, 2))] == [(2, "v2"), (3, "v3"), (1, "w1")]
    assert image(replay(fs)) == image(store.state)
    before = restarted_image(store.state)
    assert store.index(index_oid).lookup_key(1) == [new]  # the old version's entry is gone
    again = reopen(store, fs, crash=None)
    try:
        assert image(again.state) == before
    finally:
        again.close()


def test_scaled_numeric_and_its_fallback(store, fs):
    oid = _numeric_table(store)
    committed(store, lambda t: [store.insert_row(t, oid, (1, Decimal("1.50"))), store.insert_row(t, oid, (2, None))])
    assert store.table(oid).segments[0].cols[1].scale == 2
    committed(store, lambda t: store.insert_row(t, oid, (3, Decimal("NaN"))))  # no scaled form: object from here
    values = [store.table(oid).row_values(r, [1, 2]) for r in range(3)]
    assert values[0] == [1, Decimal("1.50")] and values[1] == [2, None] and values[2][1].is_nan()
    assert repr(image(replay(fs))) == repr(image(store.state))  # (NaN != NaN)
