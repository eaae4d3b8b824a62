"""Determinism: the same WAL applied to fresh states gives identical tables, row ids, update
chains, indexes, catalog and sequences; checkpoints round-trip the same state (but the chains,
which no one follows after a restart: storage/update_chain.py)."""

from __future__ import annotations

import numpy as np
from store_helpers import DATA, cols, committed, create_table, insert, reopen

from quantadb.storage import records as R
from quantadb.storage.apply import StorageState, apply
from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE, RelationDef, SequenceOptions
from quantadb.storage.recovery import prune_after_recovery, wal_dir
from quantadb.storage.wal import read_wal
from quantadb.types.column import Column


def _table_image(table) -> list:
    image = []
    for seg in table.segments:
        n = seg.n
        columns = []
        for a in range(1, len(table.types) + 1):
            c = table._column(seg, a, 0, n)
            valid = np.ones(n, bool) if c.valid is None else c.valid
            columns.append(([v if ok else None for v, ok in zip(c.data.tolist(), valid.tolist())]))
        image.append((n, seg.xmin[:n].tolist(), seg.xmax[:n].tolist(), columns))
    return image


def image(state: StorageState) -> dict:
    """Everything apply determines, as plain comparable values."""
    txns = state.txns
    return {
        "tables": {oid: _table_image(t) for oid, t in state.tables.items()},
        "chains": {oid: list(zip(t.chain.old, t.chain.new)) for oid, t in state.tables.items()},
        "indexes": {oid: (i.table_oid, i.attnums, i.unique, len(i), i.range(None, None).tolist() if i.ordered
                          else None) for oid, i in state.indexes.items()},
        "index_keys": {oid: _index_image(state, i) for oid, i in state.indexes.items()},
        "catalog": sorted(repr(v) for v in state.catalog.all_versions()),
        "sequences": dict(state.sequences),
        "next_oid": state.next_oid,
        "next_xid": txns.next_xid,
        "clog": txns.clog.status[:txns.next_xid].tolist(),
        "running": sorted(txns.running),
    }


def restarted_image(state: StorageState) -> dict:
    """image() of what a restart of this state gives: the same, but for the index entries of
    versions dead at the recovered horizon (prunes `state`'s indexes so)."""
    prune_after_recovery(state)
    return image(state)


def _index_image(state, idx) -> list:
    table = state.tables[idx.table_oid]
    out = []
    for first, cs, _, _ in table.all_rows(list(idx.attnums)):
        for key in cs[0].data.tolist():
            out.append((key, sorted(idx.lookup_key(key))))
    return sorted(out, key=repr)


def replay(fs) -> StorageState:
    state = StorageState(capacity=64)
    for rec in read_wal(fs, wal_dir(DATA)):
        apply(state, R.decode(rec.payload), rec.lsn_end)
    return state


def workload(store) -> int:
    oid, pk = create_table(store)
    committed(store, lambda t: insert(store, t, oid, list(range(150))))
    # updates, deletes, an abort, a savepoint rollback
    def upd(t):
        snap = store.snapshot(t)
        r = store.index(pk).lookup([Column(np.arange(0, 150, 3, dtype=np.int32))])
        r = r[store.table(oid).visible(snap, r)]
        store.update(t, oid, r, cols(store.table(oid).fetch(r, [1])[0].data, ["u"] * len(r)), snap)
        sp = store.savepoint(t)
        insert(store, t, oid, [1000])
        store.rollback_to(t, sp)
        r = store.index(pk).lookup([Column(np.array([7, 8], dtype=np.int32))])
        store.delete(t, oid, r[store.table(oid).visible(snap, r)], snap)
    committed(store, upd)
    aborted = store.begin()
    insert(store, aborted, oid, [2000, 2001])
    store.abort(aborted)
    # a second table with a btree index and a sequence
    txn = store.begin()
    seq = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(seq, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "s", "S",
                                           sequence=SequenceOptions()))
    store.commit(txn).result()
    for _ in range(40):
        store.nextval(seq)
    oid2, _ = create_table(store, name="u", pk=False)
    committed(store, lambda t: insert(store, t, oid2, [5, 3, 9, 1]))
    txn = store.begin()
    bt = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(bt, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "u_id", "i", table_oid=oid2,
                                           index_columns=(1,)))
    store.commit(txn).result()
    committed(store, lambda t: store.truncate(t, oid2))
    committed(store, lambda t: insert(store, t, oid2, [4]))
    open_txn = store.begin()
    insert(store, open_txn, oid, [3000])  # still running when the WAL is read
    # its updates, one row and two: their links outlive a VACUUM
    snap = store.snapshot(open_txn)
    r = store.index(pk).lookup([Column(np.array([1, 4, 5], dtype=np.int32))])
    r = r[store.table(oid).visible(snap, r)]
    store.update(open_txn, oid, r[:1], cols([1], ["o"]), snap)
    store.update(open_txn, oid, r[1:], cols([4, 5], ["o", "o"]), snap)
    return oid


def test_two_replays_and_the_primary_agree(store, fs):
    workload(store)
    store.vacuum()
    store._wal.flush()
    a, b = replay(fs), replay(fs)
    assert image(a) == image(b)
    primary = image(store.state)
    replayed = image(a)
    for key in ("tables", "chains", "indexes", "index_keys", "catalog", "sequences", "next_oid", "running"):
        assert replayed[key] == primary[key], key
    assert any(replayed["chains"].values())


def test_vacuum_compacts_and_rebuilds_indexes(store):
    oid = workload(store)
    before = store.table(oid).row_count
    snap_rows = sorted(_visible_keys(store, oid))
    store.vacuum()
    table = store.table(oid)
    assert table.row_count < before and table.generation == 1
    assert sorted(_visible_keys(store, oid)) == snap_rows


def _visible_keys(store, oid):
    snap = store.snapshot(store.begin())
    return [k for b in store.table(oid).scan(snap, [1]) for k in b.columns[0].data.tolist()]


def test_checkpoint_then_more_wal_reopens_to_the_same_state(store, fs):
    oid = workload(store)
    store.checkpoint()
    committed(store, lambda t: insert(store, t, oid, [4000]))
    expected = restarted_image(store.state)
    store = reopen(store, fs, crash="drop")
    got = image(store.state)
    for key in ("tables", "indexes", "index_keys", "sequences", "next_oid"):
        assert got[key] == expected[key], key
    # the transaction left open at the crash was aborted
    assert 3000 not in _visible_keys(store, oid) and 4000 in _visible_keys(store, oid)
    store.close()


def test_sequence_logs_ahead_and_skips_after_crash(store, fs):
    txn = store.begin()
    seq = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(seq, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "s", "S",
                                           sequence=SequenceOptions(start=10, increment=5)))
    store.commit(txn).result()
    lsn = store.current_lsn
    assert [store.nextval(seq) for _ in range(3)] == [10, 15, 20]
    after_first = store.current_lsn
    for _ in range(20):
        store.nextval(seq)
    assert store.current_lsn == after_first > lsn  # one record covers 32 values
    store._wal.flush()
    store = reopen(store, fs, crash="drop")
    value = store.nextval(seq)
    assert value > 10 + 22 * 5 and (value - 10) % 5 == 0
    store.setval(seq, 100, False)
    assert store.nextval(seq) == 100 and store.sequence_state(seq) == (100, True)
    store.close()


def test_replica_applies_the_primary_stream_to_the_same_state(store, fs):
    from quantadb.storage.fs import SimulatedFileSystem
    from quantadb.storage.store import Store
    workload(store)
    store._wal.flush()
    replica_fs = SimulatedFileSystem()
    replica = Store.open(DATA, fs=replica_fs, capacity=64, standby=True)
    for rec in read_wal(fs, wal_dir(DATA)):
        assert replica.apply_replicated(rec.payload, rec.epoch) == rec.lsn_end
    assert image(replica.state) == image(store.state) | {"clog": image(replica.state)["clog"]}
    replica.close()
    replica = Store.open(DATA, fs=replica_fs, capacity=64, standby=True)
    assert image(replica.state)["running"] == image(store.state)["running"] != []
    lsn = replica.current_lsn
    replica.promote()  # failover: the primary's open transaction is aborted here
    assert replica.current_lsn > lsn and replica.state.txns.running == set()
    replica.close()


def test_background_checkpointer_and_standby_checkpoint(fs, monkeypatch):
    import time

    from quantadb.storage import store as store_module
    from quantadb.storage.checkpoint import list_checkpoints
    from quantadb.storage.recovery import checkpoint_dir
    from quantadb.storage.store import Store
    monkeypatch.setattr(store_module, "CHECKPOINTER_INTERVAL_S", 0.01)
    store = Store.open(DATA, fs=fs, capacity=64, checkpoint_wal_bytes=1000)
    oid, _ = create_table(store)
    committed(store, lambda t: insert(store, t, oid, list(range(100))))
    deadline = time.monotonic() + 10
    while not list_checkpoints(fs, checkpoint_dir(DATA)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list_checkpoints(fs, checkpoint_dir(DATA))
    store.close()
    standby = Store.open(DATA, fs=fs, capacity=64, standby=True, checkpoint_wal_bytes=0)
    lsn = standby.current_lsn
    standby.checkpoint()
    assert standby.current_lsn == lsn  # no record of its own: the WAL mirrors the primary's
    standby.close()
