"""Serializable Snapshot Isolation's bookkeeping (storage/ssi.py, predicate_locks.py): which reads
meet which writes, and that what ended transactions leave goes once nothing concurrent runs."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import committed, create_table, insert

from quantadb.errors import SerializationFailure
from quantadb.storage.predicate_locks import MAX_KEYS


def _end(store, txn, commit: bool = True) -> None:
    if commit:
        store.ssi.pre_commit(txn.snapshot.sxact)
        durable = store.commit(txn)
        if durable is not None:
            durable.result()
    else:
        store.abort(txn)


def _serializable(store):
    txn = store.begin("serializable")
    store.snapshot(txn)
    return txn, txn.snapshot.sxact


@pytest.fixture
def table(store):
    oid, index_oid = create_table(store, "t", method="btree")
    committed(store, lambda txn: insert(store, txn, oid, list(range(1, 11))))
    return oid, store.index(index_oid)


def test_only_serializable_transactions_register(store):
    for level in ("read committed", "repeatable read"):
        txn = store.begin(level)
        assert store.snapshot(txn).sxact is None
        store.commit(txn)
    assert store.ssi.sizes()["active"] == 0


def test_a_key_range_read_meets_an_insert_inside_it_only(store, table):
    oid, index = table
    reader, r = _serializable(store)
    r.read_range(oid, index, (20,), (29,))
    writer, w = _serializable(store)
    w.wrote(oid, insert(store, writer, oid, [35]))
    assert not r.out_conflicts
    w.wrote(oid, insert(store, writer, oid, [25]))
    assert r.out_conflicts == {w} and w.in_conflicts == {r}


def test_a_key_read_meets_an_update_of_that_row_whichever_comes_first(store, table):
    oid, index = table
    writer, w = _serializable(store)
    w.wrote(oid, np.array(index.lookup_key(3)))  # the version it replaces (an UPDATE's old row)
    reader, r = _serializable(store)
    r.read_keys(oid, index, [4])
    assert not r.out_conflicts
    r.read_keys(oid, index, [3])  # the write came first: found from the reader's side
    assert r.out_conflicts == {w}


def test_many_keys_become_the_whole_table(store, table):
    oid, index = table
    reader, r = _serializable(store)
    r.read_keys(oid, index, list(range(1000, 1000 + MAX_KEYS + 1)))
    assert r.reads[oid].whole
    writer, w = _serializable(store)
    w.wrote(oid, insert(store, writer, oid, [20]))
    assert r.out_conflicts == {w}


def test_a_doomed_transaction_fails_its_next_read_write_or_commit(store, table):
    oid, index = table
    txn, sxact = _serializable(store)
    sxact.doomed = True
    for attempt, reason in ((lambda: sxact.read_keys(oid, index, [1]), "during conflict out checking"),
                            (lambda: sxact.wrote(oid, np.array([0])), "during conflict in checking"),
                            (lambda: store.ssi.pre_commit(sxact), "during commit attempt")):
        with pytest.raises(SerializationFailure) as failed:
            attempt()
        assert failed.value.detail == f"Reason code: Canceled on identification as a pivot, {reason}."
    _end(store, txn, commit=False)


def test_what_ended_transactions_kept_goes_once_no_concurrent_one_runs(store, table):
    """A long run of overlapping serializable transactions, each reading and writing rows: what
    is kept stays flat, and nothing is left when the last one ends."""
    oid, index = table
    sizes = []
    running, _ = _serializable(store)
    for i in range(300):
        txn, sxact = _serializable(store)
        sxact.read_keys(oid, index, [i % 10 + 1])
        sxact.read_range(oid, index, (i % 10 + 1,), (i % 10 + 3,))
        sxact.wrote(oid, insert(store, txn, oid, [1000 + i]))
        _end(store, txn, commit=i % 7 != 0)
        if i % 50 == 49:  # the long-running one ends; another takes its place
            _end(store, running)
            running, _ = _serializable(store)
        sizes.append(store.ssi.sizes())
    assert max(s["finished"] for s in sizes) <= 50
    assert max(s["siread_locks"] for s in sizes) <= 100
    assert max(s["written_keys"] for s in sizes) <= 50
    _end(store, running)
    assert store.ssi.sizes() == {"active": 0, "finished": 0, "summary": 0, "siread_locks": 0, "written_keys": 0,
                                 "conflicts": 0}
    assert not store.ssi.readers and not store.ssi.writers


def test_a_key_read_through_an_index_the_write_does_not_know_meets_it(store, table):
    """The index read through is gone (or new) when the write comes: its keys cannot be compared,
    so the read counts as one of the whole table."""
    oid, index = table
    reader, r = _serializable(store)
    r.read_keys(oid, index, [4])
    writer, w = _serializable(store)
    store._state.table_indexes[oid] = []  # as DROP INDEX leaves it
    w.wrote(oid, insert(store, writer, oid, [35]))
    assert r.out_conflicts == {w}


def test_a_write_of_no_rows_meets_nothing(store, table):
    oid, index = table
    reader, r = _serializable(store)
    r.read_relation(oid)
    writer, w = _serializable(store)
    w.wrote(oid, np.zeros(0, dtype=np.int64))  # DELETE ... WHERE nothing matches
    assert not r.out_conflicts and not w.writes
