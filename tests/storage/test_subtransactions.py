"""Subtransactions (one per write statement, see engine/session.py) keep snapshots small: xip lists
running top xids, and a subtransaction is judged by its top."""

from __future__ import annotations

import numpy as np
from store_helpers import DATA, create_table, insert, rows

from quantadb.storage.store import Store

STATEMENTS = 40


def _statements(store, txn, oid: int, first_id: int) -> None:
    """Each write as the session runs a statement: in a savepoint released afterwards."""
    for i in range(STATEMENTS):
        token = store.savepoint(txn)
        insert(store, txn, oid, [first_id + i])
        store.release(txn, token)


def test_long_transaction_snapshots_stay_small(store):
    oid, _ = create_table(store)
    writer = store.begin()
    _statements(store, writer, oid, 1)
    assert len(writer.own) == STATEMENTS + 1
    reader = store.begin()
    before = store.snapshot(reader)
    assert before.xip == frozenset([writer.xid])
    assert rows(store, writer, oid) == [(i, f"v{i}") for i in range(1, STATEMENTS + 1)]
    assert rows(store, reader, oid) == []
    store.commit(writer).result()
    # a snapshot from before the commit still does not see the subtransactions' rows
    table = store.table(oid)
    assert not any(table.row_visible(before, r) for r in range(STATEMENTS))
    assert not before.visible_array(*table.gather_mvcc(np.arange(STATEMENTS))).any()
    assert len(rows(store, reader, oid)) == STATEMENTS
    store.commit(reader)


def test_rolled_back_statements_of_a_long_transaction(store):
    oid, _ = create_table(store)
    txn = store.begin()
    _statements(store, txn, oid, 1)
    token = store.savepoint(txn)
    insert(store, txn, oid, [1000])
    store.rollback_to(txn, token)  # a failed statement
    _statements(store, txn, oid, 100)
    snap = store.snapshot(txn)
    assert len(snap.own) > 8  # the vectorized own test by top xid
    seen = rows(store, txn, oid)
    assert len(seen) == 2 * STATEMENTS and (1000, "v1000") not in seen
    store.commit(txn).result()
    other = store.begin()
    assert rows(store, other, oid) == seen
    store.commit(other)


def test_standby_keeps_open_subtransactions_invisible(store, fs):
    """A standby learns a subtransaction's top only from the COMMIT: until then its xip lists
    the subtransactions themselves."""
    oid, _ = create_table(store)
    txn = store.begin()
    _statements(store, txn, oid, 1)
    store._wal.flush()
    store.close()
    standby = Store.open(DATA, fs=fs, capacity=64, standby=True)
    try:
        reader = standby.begin()
        snap = standby.snapshot(reader)
        assert len(snap.xip) == STATEMENTS  # (the top wrote nothing itself)
        assert rows(standby, reader, oid) == []
        standby.commit(reader)
    finally:
        standby.close()
