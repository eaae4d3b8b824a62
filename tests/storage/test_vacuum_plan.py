"""VACUUM with a plan made while statements ran (storage/vacuum.py): used when it still fits,
and either way the primary ends with what replaying the VACUUM record without a plan makes
(as a replica or recovery does), down to column forms, index bases and prune notes."""

from __future__ import annotations

import random
from dataclasses import replace

from store_helpers import committed
from test_prune import _indexed_table, _random_row, _workload
from test_store_replay import replay

from quantadb.storage import records as R
from quantadb.storage.catalog import ColumnDef
from quantadb.types import registry as T


def _exact(state) -> dict:
    """Every table's checkpoint form and prune notes, every index's base and delta."""
    return {
        "tables": {oid: (R.encode(t.dump()), t.prune_from, sorted(t._prune_rows)) for oid, t in state.tables.items()},
        "indexes": {oid: repr((i._base[0].tolist(), i._base[1].tolist(), i._delta_items()))
                    for oid, i in state.indexes.items()},
    }


def test_vacuum_with_an_earlier_plan_makes_what_the_record_replays_to(store, fs):
    oid, _ = _indexed_table(store)
    table = store.table(oid)
    rng = random.Random(9)
    committed(store, lambda t: [store.insert_row(t, oid, _random_row(rng, k)) for k in range(300)])
    used = 0
    for step in range(30):
        holder = None
        if rng.random() < 0.5:  # rows inserted before the plan by a transaction ending after it
            holder = store.begin()
            for k in range(3):
                store.insert_row(holder, oid, _random_row(rng, 3_000_000 + 10 * step + k))
        _workload(store, oid, rng, 25)  # (more rows: the holder's land in a full segment)
        plan = store.prepare_vacuum(oid)
        _workload(store, oid, rng, rng.randint(0, 4))  # changes between the plan and the record
        if holder is not None:  # aborted: rows the plan kept are dead now, it no longer fits
            store.abort(holder) if rng.random() < 0.5 else store.commit(holder).result()
        store.vacuum(oid, plan)
        used += plan is not None and table.segments is plan.fresh.segments
        store._wal.flush()
        assert _exact(replay(fs)) == _exact(store.state)
    assert 10 < used < 35  # (the others did not fit)


def test_a_plan_made_before_alter_table_is_not_used(store, fs):
    oid, _ = _indexed_table(store)
    table = store.table(oid)
    rng = random.Random(2)
    committed(store, lambda t: [store.insert_row(t, oid, _random_row(rng, k)) for k in range(200)])
    _workload(store, oid, rng, 20)
    plan = store.prepare_vacuum(oid)
    txn = store.begin()
    rel = store.catalog.relation(store.snapshot(txn), oid)
    store.alter_relation(txn, replace(rel, columns=rel.columns + (ColumnDef(4, "more", T.sql(T.INT8)),)))
    store.commit(txn).result()
    store.vacuum(oid, plan)
    assert plan is not None and table.generation == plan.generation + 1  # (compacted)
    assert table.segments is not plan.fresh.segments
    store._wal.flush()
    assert _exact(replay(fs)) == _exact(store.state)


def test_no_plan_for_a_table_with_nothing_to_remove(store):
    """(A table stays an autovacuum candidate while a snapshot needs its deleted versions.)"""
    oid, _ = _indexed_table(store)
    rng = random.Random(4)
    committed(store, lambda t: [store.insert_row(t, oid, _random_row(rng, k)) for k in range(200)])
    holder = store.begin()
    store.snapshot(holder)
    for r in range(0, 200, 2):
        committed(store, lambda t, r=r: store.update_row(t, oid, r, _random_row(rng, r)))
    assert store.prepare_vacuum(oid) is None
    store.commit(holder)
    assert store.prepare_vacuum(oid) is not None
