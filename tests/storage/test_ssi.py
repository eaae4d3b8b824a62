"""Serializable Snapshot Isolation's bookkeeping (storage/ssi.py, predicate_locks.py): which reads
meet which writes, and that what ended transactions leave goes once nothing concurrent runs; beside
a long-running transaction, committed ones past MAX_FINISHED fold into one summary, which still
meets what they read and wrote; read-only transactions found safe (storage/ssi_readonly.py) let go
of their locks, and DEFERRABLE ones wait for that."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import committed, create_table, insert

from quantadb.errors import SerializationFailure
from quantadb.storage import ssi
from quantadb.storage.predicate_locks import MAX_KEYS
from quantadb.storage.txn import WouldBlock


def _end(store, txn, commit: bool = True) -> None:
    if commit:
        if txn.snapshot is not None and txn.snapshot.sxact is not None:
            store.ssi.pre_commit(txn.snapshot.sxact)
        durable = store.commit(txn)
        if durable is not None:
            durable.result()
    else:
        store.abort(txn)


def _serializable(store, read_only: bool = False):
    txn = store.begin("serializable", read_only)
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


@pytest.fixture
def few_kept(monkeypatch):
    monkeypatch.setattr(ssi, "MAX_FINISHED", 50)


def test_the_state_stays_bounded_beside_a_long_transaction_and_still_fails_its_write_skew(store, table,
                                                                                           monkeypatch):
    """One transaction reads the table and stays open while short ones (MAX_KEYS + 3 x MAX_FINISHED,
    MAX_FINISHED 100 here) each read a key and insert a row beside it (each a rw-conflict out of
    the long one): what is kept stops growing at MAX_FINISHED transactions and the summary (whose
    locks become the table's past MAX_KEYS). The first short one read key 1: the long
    one's write of that key closes a cycle through it (summarized long ago), and fails."""
    oid, index = table
    long_txn, long_x = _serializable(store)
    long_x.read_relation(oid)
    monkeypatch.setattr(ssi, "MAX_FINISHED", 100)
    sizes = []
    for i in range(MAX_KEYS + 3 * ssi.MAX_FINISHED):
        txn, sxact = _serializable(store)
        sxact.read_keys(oid, index, [1 if i == 0 else 100_000 + i])
        sxact.wrote(oid, insert(store, txn, oid, [100_000 + i]))
        _end(store, txn)
        sizes.append(store.ssi.sizes())
    assert max(s["finished"] for s in sizes) == ssi.MAX_FINISHED
    assert sizes[-1]["summary"] == 1
    # the summary's key locks, until there are more than MAX_KEYS: then its lock on the table
    for kept in ("siread_locks", "written_keys"):
        assert max(s[kept] for s in sizes) <= ssi.MAX_FINISHED + MAX_KEYS + 1
        assert sizes[-1][kept] <= ssi.MAX_FINISHED + 2  # (and the summary's, and the long one's lock)
    assert max(s["conflicts"] for s in sizes) <= ssi.MAX_FINISHED + 1
    assert len(long_x.out_conflicts) <= ssi.MAX_FINISHED + 1
    with pytest.raises(SerializationFailure) as failed:
        long_x.wrote(oid, np.array(index.lookup_key(1)))
    assert failed.value.detail == "Reason code: Canceled on identification as a pivot, during write."
    _end(store, long_txn, commit=False)
    assert store.ssi.sizes()["finished"] == 0 and store.ssi.old is None


def test_a_summarized_writer_is_still_met_by_a_concurrent_reader(store, table, few_kept):
    """A reader whose snapshot is older than a summarized commit meets its write: the rw-conflict
    is to the summary."""
    oid, index = table
    reader, r = _serializable(store)
    writer, w = _serializable(store)
    w.wrote(oid, np.array(index.lookup_key(5)))
    _end(store, writer)
    for i in range(ssi.MAX_FINISHED + 1):
        txn, sxact = _serializable(store)
        sxact.wrote(oid, insert(store, txn, oid, [1000 + i]))
        _end(store, txn)
    assert w not in store.ssi.finished and store.ssi.old is not None
    r.read_keys(oid, index, [5])
    assert r.out_conflicts == {store.ssi.old}
    _end(store, reader)


def test_a_read_only_transaction_is_safe_once_the_writers_beside_it_end(store, table):
    """PostgreSQL's SXACT_FLAG_RO_SAFE: its SIREAD locks go and it is tracked no more."""
    oid, index = table
    writer, w = _serializable(store)
    w.wrote(oid, np.array(index.lookup_key(2)))
    reader, r = _serializable(store, read_only=True)
    assert r is not None and r.possible_unsafe == {w}
    r.read_keys(oid, index, [3])
    assert store.ssi.sizes()["siread_locks"] == 1
    _end(store, writer)
    assert r.ro_safe and reader.snapshot.sxact is None and r not in store.ssi.active
    assert store.ssi.sizes()["siread_locks"] == 0
    r.read_keys(oid, index, [2])  # (a statement's copy of the snapshot still tells it: nothing kept)
    assert not r.reads
    _end(store, reader)
    assert store.ssi.sizes() == {"active": 0, "finished": 0, "summary": 0, "siread_locks": 0, "written_keys": 0,
                                 "conflicts": 0}


def test_a_read_only_transaction_is_unsafe_when_a_writer_beside_it_commits_a_conflict_out(store, table):
    """The writer read what one that committed before the read-only snapshot wrote: the read-only
    transaction can be part of an anomaly (the read-only anomaly), and stays tracked."""
    oid, index = table
    pivot, p = _serializable(store)
    p.read_keys(oid, index, [1])
    first, f = _serializable(store)
    f.wrote(oid, np.array(index.lookup_key(1)))
    _end(store, first)
    reader, r = _serializable(store, read_only=True)
    assert r.possible_unsafe == {p}
    p.wrote(oid, insert(store, pivot, oid, [50]))
    _end(store, pivot)
    assert r.ro_unsafe and not r.ro_safe and reader.snapshot.sxact is r
    _end(store, reader)


def test_a_deferrable_transaction_waits_and_gets_a_safe_snapshot(store, table):
    oid, index = table
    writer, w = _serializable(store)
    w.wrote(oid, insert(store, writer, oid, [60]))
    reader = store.begin("serializable", True)
    reader.deferrable = True
    with pytest.raises(WouldBlock) as blocked:
        store.snapshot(reader)
    wait = blocked.value.on
    assert not wait.granted_now() and wait.writers() == [writer] and wait.blockers() == []
    _end(store, writer)
    assert wait.granted_now()
    snap = store.snapshot(reader)
    assert snap is wait.sxact.snapshot and snap.sxact is None and not snap.sees(writer.xid)
    _end(store, reader)
