"""UPDATE/DELETE/row locks under concurrency: WouldBlock, RowChanged, 40001, waits, deadlocks,
savepoints, snapshots."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from store_helpers import cols, committed, create_table, insert, peek, rows
from test_store_replay import replay

from quantadb.errors import DeadlockDetected, LockNotAvailable, QueryCanceled, SerializationFailure
from quantadb.storage.store import RowChanged, WouldBlock


def _rowid(store, txn, oid, key):
    snap = store.snapshot(txn)
    for b in store.table(oid).scan(snap, [1], with_rowids=True):
        for r, k in zip(b.rowids.tolist(), b.columns[0].data.tolist()):
            if k == key:
                return np.array([r])
    raise AssertionError(f"key {key} not visible")


def _update(store, txn, oid, key, name):
    snap = store.snapshot(txn)
    return store.update(txn, oid, _rowid(store, txn, oid, key), cols([key], [name]), snap)


@pytest.fixture
def table(store):
    oid, _ = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1, 2, 3]))
    return oid


def test_update_creates_new_version_old_snapshot_keeps_old(store, table):
    rr = store.begin("repeatable read")
    assert rows(store, rr, table)[0] == (1, "v1")
    committed(store, lambda t: _update(store, t, table, 1, "new"))
    assert rows(store, rr, table)[0] == (1, "v1")
    assert peek(store, table)[0] == (1, "new")
    assert store.table(table).row_count == 4


def test_delete_and_abort(store, table):
    txn = store.begin()
    snap = store.snapshot(txn)
    assert store.delete(txn, table, _rowid(store, txn, table, 2), snap) == 1
    assert [r[0] for r in rows(store, txn, table)] == [1, 3]
    assert [r[0] for r in peek(store, table)] == [1, 2, 3]
    store.abort(txn)
    assert [r[0] for r in peek(store, table)] == [1, 2, 3]


def test_write_write_conflict_would_block_then_row_changed(store, table):
    t1, t2 = store.begin(), store.begin()
    snap2 = store.snapshot(t2)
    target = _rowid(store, t2, table, 1)
    _update(store, t1, table, 1, "t1")
    lsn = store.current_lsn
    with pytest.raises(WouldBlock) as e:
        store.update(t2, table, target, cols([1], ["t2"]), snap2)
    assert e.value.on == t1.xid and store.current_lsn == lsn  # no effect before the raise
    store.commit(t1).result()
    with pytest.raises(RowChanged):
        store.update(t2, table, target, cols([1], ["t2"]), snap2)
    # READ COMMITTED re-runs with a new snapshot and finds the new version
    assert len(_update(store, t2, table, 1, "t2")) == 1
    store.commit(t2).result()
    assert peek(store, table)[0] == (1, "t2")


def test_repeatable_read_gets_serialization_failure(store, table):
    rr = store.begin("repeatable read")
    snap = store.snapshot(rr)
    target = _rowid(store, rr, table, 3)
    committed(store, lambda t: _update(store, t, table, 3, "other"))
    with pytest.raises(SerializationFailure) as e:
        store.delete(rr, table, target, snap)
    assert e.value.sqlstate == "40001"
    assert "could not serialize access due to concurrent update" in str(e.value)


def test_aborted_updater_does_not_block(store, table):
    t1 = store.begin()
    _update(store, t1, table, 2, "gone")
    store.abort(t1)
    t2 = store.begin()
    assert len(_update(store, t2, table, 2, "kept")) == 1


def test_wait_for_wakes_on_commit(store, table):
    t1, t2 = store.begin(), store.begin()
    _update(store, t1, table, 1, "t1")
    snap2 = store.snapshot(t2)
    with pytest.raises(WouldBlock) as e:
        store.delete(t2, table, _rowid(store, t2, table, 1), snap2)
    done = []
    waiter = threading.Thread(target=lambda: (store.wait_for(t2, e.value.on, 10), done.append(True)))
    waiter.start()
    store.commit(t1).result()
    waiter.join(10)
    assert done == [True]


def test_lock_timeout_and_cancel(store, table):
    t1, t2 = store.begin(), store.begin()
    _update(store, t1, table, 1, "t1")
    with pytest.raises(LockNotAvailable, match="lock timeout"):
        store.wait_for(t2, t1.xid, 0.01)
    t2.cancel_event.set()
    with pytest.raises(QueryCanceled):
        store.wait_for(t2, t1.xid, None)


def test_deadlock_detected_in_the_waiter_closing_the_cycle(store, table):
    t1, t2 = store.begin(), store.begin()
    _update(store, t1, table, 1, "t1")
    _update(store, t2, table, 2, "t2")
    blocked = threading.Event()
    result = []

    def t1_waits():
        blocked.set()
        try:
            store.wait_for(t1, t2.xid, 10)
            result.append("woke")
        except DeadlockDetected:
            result.append("deadlock")

    th = threading.Thread(target=t1_waits)
    th.start()
    blocked.wait()
    while not store.state.txns.waiting():
        threading.Event().wait(0.001)
    with pytest.raises(DeadlockDetected) as e:
        store.wait_for(t2, t1.xid, 10)
    assert e.value.sqlstate == "40P01"
    store.abort(t2)
    th.join(10)
    assert result == ["woke"]


def test_row_locks_block_writers_and_share_locks_coexist(store, table):
    t1, t2, t3 = store.begin(), store.begin(), store.begin()
    store.lock_rows(t1, table, _rowid(store, t1, table, 1), store.snapshot(t1), "share")
    store.lock_rows(t2, table, _rowid(store, t2, table, 1), store.snapshot(t2), "share")
    with pytest.raises(WouldBlock):
        _update(store, t3, table, 1, "x")
    with pytest.raises(WouldBlock):
        store.lock_rows(t3, table, _rowid(store, t3, table, 1), store.snapshot(t3), "update")
    lsn = store.current_lsn
    assert store.commit(t1) is None and store.commit(t2) is None
    assert store.current_lsn == lsn  # row locks are not logged
    assert len(_update(store, t3, table, 1, "x")) == 1


def test_savepoint_rollback_to_discards_only_later_writes(store, table):
    txn = store.begin()
    insert(store, txn, table, [10])
    sp = store.savepoint(txn)
    insert(store, txn, table, [11])
    _update(store, txn, table, 1, "inner")
    store.rollback_to(txn, sp)
    assert [r[0] for r in rows(store, txn, table)] == [1, 2, 3, 10]
    insert(store, txn, table, [11])  # the savepoint still exists; the key is free again
    sp2 = store.savepoint(txn)
    insert(store, txn, table, [12])
    store.release(txn, sp2)
    store.commit(txn).result()
    got = peek(store, table)
    assert [r[0] for r in got] == [1, 2, 3, 10, 11, 12] and got[0] == (1, "v1")


def test_update_twice_in_one_transaction_sees_own_versions(store, table):
    txn = store.begin()
    _update(store, txn, table, 1, "a")
    _update(store, txn, table, 1, "b")
    assert rows(store, txn, table)[0] == (1, "b")
    store.commit(txn).result()
    assert peek(store, table) == [(1, "b"), (2, "v2"), (3, "v3")]


def test_row_already_updated_by_self_is_skipped(store, table):
    txn = store.begin()
    snap = store.snapshot(txn)
    old = _rowid(store, txn, table, 1)
    _update(store, txn, table, 1, "a")
    assert len(store.update(txn, table, old, cols([1], ["b"]), snap)) == 0


def test_vacuum_keeps_versions_an_open_snapshot_needs(store, table):
    rr = store.begin("repeatable read")
    assert len(rows(store, rr, table)) == 3
    committed(store, lambda t: _update(store, t, table, 1, "new"))
    store.vacuum(table)
    assert store.table(table).row_count == 4  # the old version is still needed by rr
    assert rows(store, rr, table)[0] == (1, "v1")
    store.commit(rr)
    store.vacuum(table)
    assert store.table(table).row_count == 3
    assert peek(store, table)[0] == (1, "new")


def test_catalog_version_moves_with_ddl_and_its_end(store):
    v0 = store.catalog.version
    create_table(store, name="x")
    assert store.catalog.version > v0


def test_vacuum_candidates_after_churn(store, table):
    for _ in range(5):
        committed(store, lambda t: _update(store, t, table, 2, "x"))
    assert store.vacuum_candidates(min_dead=3, fraction=0.0) == [table]
    store.vacuum(table)
    assert store.vacuum_candidates(min_dead=3, fraction=0.0) == []


def test_truncated_rows_count_as_dead_for_autovacuum_and_prune(store, fs):
    """TRUNCATE's versions counted as dead as DELETE's do: a truncated table was no autovacuum
    candidate (nor due an index prune) however many rows it had held."""
    oid, pk = create_table(store)
    committed(store, lambda t: insert(store, t, oid, list(range(1500))))
    committed(store, lambda t: store.delete(t, oid, np.array([0]), store.snapshot(t)))
    assert store.vacuum_candidates() == []
    aborted = store.begin()
    store.truncate(aborted, oid)  # (counted like an aborted DELETE: a VACUUM finds nothing to do)
    store.abort(aborted)
    committed(store, lambda t: store.truncate(t, oid))
    table = store.table(oid)
    assert table.dead_since_vacuum == 1 + 1499 + 1499 and table.dead_since_prune == 1 + 1499 + 1499
    assert store.vacuum_candidates() == [oid]  # the default threshold: 1000 + 20% of the live rows
    committed(store, lambda t: insert(store, t, oid, [1]))
    committed(store, lambda t: store.delete(t, oid, _rowid(store, t, oid, 1), store.snapshot(t)))
    assert len(store.index(pk)) <= 2  # the DELETE's prune dropped the truncated versions' entries
    store.vacuum(oid)
    assert store.vacuum_candidates() == []
    assert store.table(oid).row_count == 0 and peek(store, oid) == []
    store._wal.flush()
    replayed = replay(fs).tables[oid]
    assert (replayed.row_count, replayed.dead_since_vacuum) == (0, 0)


def test_waiter_wakes_when_the_blocking_subtransaction_rolls_back(store, table):
    t1, t2 = store.begin(), store.begin()
    sp = store.savepoint(t1)
    _update(store, t1, table, 3, "inner")
    snap2 = store.snapshot(t2)
    with pytest.raises(WouldBlock) as e:
        store.delete(t2, table, _rowid(store, t2, table, 3), snap2)
    assert e.value.on != t1.xid  # the subtransaction's xid
    store.rollback_to(t1, sp)
    store.wait_for(t2, e.value.on, 1)  # returns at once: that xid is aborted
    assert store.delete(t2, table, _rowid(store, t2, table, 3), store.snapshot(t2)) == 1


def test_a_read_without_a_transaction_holds_the_horizon_for_its_snapshots(store, table):
    """A snapshot taken with no Txn (an implicit point read) still sees the version a running
    deleter removes; until the read releases its hold, the horizon stays at or below that
    deleter, so a PRUNE logged meanwhile cannot drop that version's index entry."""
    deleter = store.begin()
    snap_d = store.snapshot(deleter)
    store.delete(deleter, table, _rowid(store, deleter, table, 2), snap_d)
    floor = store.hold_horizon()
    reader = store.snapshot(None)
    store.commit(deleter).result()
    assert store._state.txns.horizon() <= deleter.xid
    assert [r[0] for r in rows(store, None, table)] == [1, 3]
    assert 2 in [r[0] for b in store.table(table).scan(reader, [1]) for r in zip(b.columns[0].data.tolist())]
    store.release_horizon(floor)
    assert store._state.txns.horizon() > deleter.xid
