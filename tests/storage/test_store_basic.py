"""The thin path: CREATE TABLE, INSERT, SELECT, commit/abort, surviving restarts and crashes."""

from __future__ import annotations

import numpy as np
from store_helpers import DATA, committed, create_table, insert, peek, reopen, rows

from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE
from quantadb.storage.store import Store
from quantadb.types.column import Column


def test_insert_scan_commit_survives_restart(store, fs):
    oid, _ = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1, 2, 3], ["a", None, "c"]))
    reader = store.begin()
    assert rows(store, reader, oid) == [(1, "a"), (2, None), (3, "c")]
    store = reopen(store, fs, crash=None)
    reader = store.begin()
    snap = store.snapshot(reader)
    assert store.catalog.find_relation(snap, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "t").oid == oid
    assert rows(store, reader, oid) == [(1, "a"), (2, None), (3, "c")]
    store.close()


def test_uncommitted_rows_are_invisible_to_others_and_visible_to_self(store):
    oid, _ = create_table(store)
    writer = store.begin()
    insert(store, writer, oid, [1])
    assert rows(store, writer, oid) == [(1, "v1")]
    assert peek(store, oid) == []
    store.abort(writer)
    assert peek(store, oid) == []


def test_commit_is_durable_once_its_future_resolves(store, fs):
    oid, _ = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [7]))
    store = reopen(store, fs, crash="drop")
    assert peek(store, oid) == [(7, "v7")]
    store.close()


def test_crash_before_commit_leaves_nothing(store, fs):
    oid, _ = create_table(store)
    txn = store.begin()
    insert(store, txn, oid, list(range(100)))
    store._wal.flush()  # the rows reach disk, but no commit record does
    for mode in ("drop", "torn", "garbage"):
        store = reopen(store, fs, crash=mode)
        assert peek(store, oid) == []
    # the leftover transaction was aborted by an ABORT record: a new insert of the same key works
    committed(store, lambda t: insert(store, t, oid, [1]))
    assert peek(store, oid) == [(1, "v1")]
    store.close()


def test_torn_tail_after_commit_record_keeps_prefix(store, fs):
    oid, _ = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1]))
    txn = store.begin()
    txn.synchronous_commit = False
    insert(store, txn, oid, [2])
    store.commit(txn)  # visible at once, durable later (maybe never)
    assert peek(store, oid) == [(1, "v1"), (2, "v2")]
    store = reopen(store, fs, crash="torn")
    got = peek(store, oid)
    assert got in ([(1, "v1")], [(1, "v1"), (2, "v2")])
    store.close()


def test_segments_fill_and_spill_with_stable_rowids(store):
    oid, _ = create_table(store)
    ids = list(range(200))  # capacity 64: four segments
    rowids = committed(store, lambda t: insert(store, t, oid, ids))
    assert rowids.tolist() == ids
    table = store.table(oid)
    assert len(table.segments) == 4 and table.row_count == 200
    got = table.fetch(np.array([0, 63, 64, 199]), [1, 2])
    assert got[0].data.tolist() == [0, 63, 64, 199]
    assert got[1].data.tolist() == ["v0", "v63", "v64", "v199"]
    snap = store.snapshot(store.begin())
    batches = list(table.scan(snap, [2, 1], with_rowids=True))
    assert [b.length for b in batches] == [64, 64, 64, 8]
    assert batches[1].rowids[0] == 64 and batches[1].columns[1].data[0] == 64


def test_read_only_transaction_writes_no_wal(store):
    oid, _ = create_table(store)
    lsn = store.current_lsn
    txn = store.begin(read_only=True)
    assert rows(store, txn, oid) == []
    assert store.commit(txn) is None
    assert store.current_lsn == lsn


def test_dictionary_encoded_strings_stay_small(fs):
    store = Store.open(DATA, fs=fs)  # default capacity
    oid, _ = create_table(store, pk=False)
    n = 100_000
    filler = " " * 84
    txn = store.begin()
    store.insert(txn, oid, [Column(np.arange(n, dtype=np.int32)), Column(np.array([filler] * n, dtype=object))], n)
    store.commit(txn).result()
    table = store.table(oid)
    assert table.nbytes() < n * 40  # int4 + int32 codes + xmin/xmax (+ capacity slack), no str per row
    snap = store.snapshot(store.begin())
    assert sum(b.length for b in table.scan(snap, [2])) == n
    store = reopen(store, fs, crash=None)
    assert store.table(oid).fetch(np.array([n - 1]), [2])[0].data[0] == filler
    store.close()
