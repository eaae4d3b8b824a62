"""Index pruning: a PRUNE looks only at the rows that may have died since the last one, yet
drops every entry a look at every row would; replay and restarts give the same entries; a
restart leaves no entry of a version dead at the recovered horizon."""

from __future__ import annotations

import random

import numpy as np
import pytest
from store_helpers import committed, create_table, reopen
from test_store_replay import image, replay, restarted_image

from quantadb.errors import UniqueViolation
from quantadb.storage import apply as A
from quantadb.storage import records as R
from quantadb.storage import writes
from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE, RelationDef
from quantadb.storage.txn import ABORTED, COMMITTED, WouldBlock
from quantadb.types import registry as T

TYPES = (T.INT4, T.TEXT, T.FLOAT8)


@pytest.fixture
def prunes(monkeypatch) -> list[int]:
    """PRUNE records after every few dead versions, each checked against a look at every row;
    returns the oids of the tables pruned, one per PRUNE record."""
    monkeypatch.setattr(writes, "PRUNE_MIN_DEAD", 3)
    pruned: list[int] = []
    apply_prune = A._HANDLERS[R.PRUNE]

    def checked(state, rec):
        apply_prune(state, rec)
        _, rel_oid, horizon = rec
        for index_oid in state.table_indexes[rel_oid]:
            idx = state.indexes[index_oid]
            assert _entries(idx) == _expected_entries(state, idx, horizon), idx.method
        pruned.append(rel_oid)

    monkeypatch.setitem(A._HANDLERS, R.PRUNE, checked)
    return pruned


def _indexed_table(store) -> tuple[int, list[int]]:
    """(id int4 primary key btree, name text btree index, score float8 hash index)."""
    oid, pk = create_table(store, types=TYPES, method="btree")
    txn = store.begin()
    more = []
    for attnum, method in ((2, "btree"), (3, "hash")):
        index_oid = store.allocate_oid(txn)
        store.create_relation(txn, RelationDef(index_oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, f"t_{attnum}", "i",
                                               table_oid=oid, index_columns=(attnum,), method=method))
        more.append(index_oid)
    store.commit(txn).result()
    return oid, [pk, *more]


def _random_row(rng: random.Random, key: int) -> tuple:
    name = rng.choice([None, "a", "b", f"n{key}"])
    score = rng.choice([None, float("nan"), 0.5, float(key)])  # NaN: a key not equal to itself
    return key, name, score


def _workload(store, oid: int, rng: random.Random, steps: int) -> None:
    """Updates, deletes and inserts in transactions that commit, abort, roll back to a
    savepoint, or stay open across others (holding the horizon back)."""
    table = store.table(oid)
    held = None
    for _ in range(steps):
        txn = store.begin()
        for _ in range(rng.randint(1, 6)):
            snap = store.snapshot(txn)
            live = [r for b in table.scan(snap, [1], with_rowids=True) for r in b.rowids.tolist()]
            sp = store.savepoint(txn) if rng.random() < 0.2 else None
            action = rng.random()
            try:
                if action < 0.6 and live:
                    r = rng.choice(live)
                    store.update_row(txn, oid, r, _random_row(rng, table.row_values(r, [1])[0]))
                elif action < 0.75 and len(live) > 1:
                    store.delete(txn, oid, np.array(rng.sample(live, rng.randint(1, 2))), snap)
                else:
                    store.insert_row(txn, oid, _random_row(rng, rng.randint(100, 1_000_000)))
            except (WouldBlock, UniqueViolation):
                pass  # (a row the held transaction changed; a key taken)
            if sp is not None:
                store.rollback_to(txn, sp)
        if held is None and rng.random() < 0.05:
            held = txn  # ends some transactions later
        elif rng.random() < 0.15:
            store.abort(txn)
        else:
            _commit(store, txn)
        if held is not None and held is not txn and rng.random() < 0.1:
            _commit(store, held)
            held = None
    if held is not None:
        _commit(store, held)


def _commit(store, txn) -> None:
    done = store.commit(txn)
    if done is not None:  # (None: it wrote nothing)
        done.result()


def _entries(idx) -> list[int]:
    return sorted(idx._base[1].tolist() + idx._delta_items()[1])


def _expected_entries(state, idx, horizon: int) -> list[int]:
    """What a look at every row leaves at `horizon`: rows with no NULL key that are not dead."""
    table = state.tables[idx.table_oid]
    status = state.txns.clog.status
    out = []
    for first, cols, xmin, xmax in table.all_rows(list(idx.attnums)):
        valid = np.ones(len(xmin), bool) if cols[0].valid is None else cols[0].valid
        dead = (status[xmin] == ABORTED) | ((xmax != 0) & (xmax < horizon) & (status[xmax] == COMMITTED))
        out += (np.flatnonzero(valid & ~dead) + first).tolist()
    return out


def test_incremental_prune_drops_what_a_full_prune_drops(store, fs, prunes):
    oid, _ = _indexed_table(store)
    rng = random.Random(7)
    committed(store, lambda t: [store.insert_row(t, oid, _random_row(rng, k)) for k in range(40)])
    _workload(store, oid, rng, 300)
    assert len(prunes) > 20
    # the same WAL applied from scratch gives the same indexes
    store._wal.flush()
    assert repr(image(replay(fs))) == repr(image(store.state))  # (NaN != NaN)


def test_restart_between_prunes_gives_the_same_entries(store, fs, prunes):
    oid, _ = _indexed_table(store)
    rng = random.Random(11)
    committed(store, lambda t: [store.insert_row(t, oid, _random_row(rng, k)) for k in range(40)])
    _workload(store, oid, rng, 100)
    store.checkpoint()
    _workload(store, oid, rng, 100)
    expected = restarted_image(store.state)
    store = reopen(store, fs, crash=None)
    try:
        got = image(store.state)
        for key in ("tables", "indexes", "index_keys"):
            assert repr(got[key]) == repr(expected[key]), key
        # after it, PRUNE records look at what changed since the restart's prune
        before = len(prunes)
        _workload(store, oid, rng, 100)
        assert len(prunes) > before
    finally:
        store.close()


def test_restart_leaves_no_entry_of_a_dead_version(store, fs):
    oid, pk = create_table(store, types=(T.INT4, T.INT8))
    committed(store, lambda t: [store.insert_row(t, oid, (k, 0)) for k in range(3)])
    rowids = {k: k for k in range(3)}
    for n in range(1, 20):  # hot rows: fewer dead versions than a PRUNE waits for
        for k in range(3):
            rowids[k] = committed(store, lambda t, k=k, n=n: store.update_row(t, oid, rowids[k], (k, n)))
    store.checkpoint()
    assert len(store.index(pk)) > 3
    store = reopen(store, fs, crash=None)
    try:
        idx = store.index(pk)
        assert len(idx) == 3 and [idx.lookup_key(k) for k in range(3)] == [[rowids[k]] for k in range(3)]
    finally:
        store.close()


def _create_index(store, oid: int, rng: random.Random, name: str) -> tuple[object, int]:
    txn = store.begin()
    index_oid = store.allocate_oid(txn)
    attnum, method = rng.choice([(1, "btree"), (2, "btree"), (3, "hash"), (3, "btree")])
    store.create_relation(txn, RelationDef(index_oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, name, "i",
                                           table_oid=oid, index_columns=(attnum,), method=method))
    return txn, index_oid


def _end(store, txn, rng: random.Random) -> bool:
    """Commit (True) or abort the transaction."""
    if rng.random() < 0.3:
        store.abort(txn)
        return False
    _commit(store, txn)
    return True


def test_prune_after_vacuum_truncate_and_index_changes(store, fs, prunes):
    """VACUUM, TRUNCATE and CREATE/DROP INDEX (committed or not, some while a writer holds the
    horizon back) between bursts of updates: every PRUNE still drops what a full look drops."""
    oid, indexes = _indexed_table(store)
    table = store.table(oid)
    rng = random.Random(5)
    committed(store, lambda t: [store.insert_row(t, oid, _random_row(rng, k)) for k in range(40)])
    for step in range(60):
        holder = None
        if rng.random() < 0.3:  # a writer running across the change: its row is undecided
            holder = store.begin()
            store.insert_row(holder, oid, _random_row(rng, 2_000_000 + step))
        change = rng.choice(["vacuum", "truncate", "create", "drop"])
        if change == "vacuum":
            store.vacuum(oid)
        elif change == "truncate":
            txn = store.begin()
            try:
                store.truncate(txn, oid)
            except WouldBlock:
                pass  # (the holder's row)
            _end(store, txn, rng)
        elif change == "create":
            txn, index_oid = _create_index(store, oid, rng, f"i{step}")
            if _end(store, txn, rng):
                indexes.append(index_oid)
        elif indexes:
            index_oid = rng.choice(indexes)
            txn = store.begin()
            store.drop_relation(txn, index_oid)
            if _end(store, txn, rng):
                indexes.remove(index_oid)
        if not indexes:
            assert table.prune_from == 0 and not table._prune_rows
        _workload(store, oid, rng, 15)
        if holder is not None:
            _end(store, holder, rng)
    assert len(prunes) > 20
    store._wal.flush()
    assert repr(image(replay(fs))) == repr(image(store.state))


def test_prune_after_vacuum_looks_only_at_what_vacuum_kept_deleted(store, prunes):
    oid, _ = _indexed_table(store)
    table = store.table(oid)
    committed(store, lambda t: [store.insert_row(t, oid, (k, "a", 0.5)) for k in range(300)])
    for r in range(0, 300, 3):
        committed(store, lambda t, r=r: store.update_row(t, oid, r, (r, "b", 0.5)))
    holder = store.begin()  # its snapshot keeps the versions deleted after it
    store.snapshot(holder)
    for r in range(1, 300, 3):
        committed(store, lambda t, r=r: store.delete(t, oid, np.array([r]), store.snapshot(t)))
    store.vacuum(oid)
    assert table.row_count == 300  # 100 old versions gone, 100 deleted ones kept
    assert table.prune_from == 300 and sorted(table._prune_rows) == \
        [r for r in range(300) if table.xmin_xmax(r)[1]]
    store.commit(holder)



def test_a_table_without_indexes_notes_nothing_for_prune(store, prunes):
    oid, indexes = _indexed_table(store)
    table = store.table(oid)
    committed(store, lambda t: [store.insert_row(t, oid, (k, "a", 0.5)) for k in range(100)])
    for index_oid in indexes:
        committed(store, lambda t, i=index_oid: store.drop_relation(t, i))
    for r in range(100):
        committed(store, lambda t, r=r: store.update_row(t, oid, r, (r, "b", 0.5)))
    assert table.prune_from == 0 and not table._prune_rows
    # an index built later starts noting from what the table holds
    txn, index_oid = _create_index(store, oid, random.Random(1), "again")
    store.commit(txn).result()
    before = len(prunes)
    for r in range(100, 200):
        committed(store, lambda t, r=r: store.update_row(t, oid, r, (r - 100, "c", 0.5)))
    assert len(prunes) > before and len(store.index(index_oid)) < 150
