"""The update chain (storage/update_chain.py): each version an UPDATE replaced names the version it
made, single-row and bulk alike; a DELETE's or an aborted update's version names none; VACUUM keeps
the links between the versions it keeps, renumbered."""

from __future__ import annotations

import random

import numpy as np
from store_helpers import cols, committed, create_table, insert
from test_store_mvcc import _rowid

from quantadb.storage.update_chain import UpdateChain


def _successor(store, oid, rowid):
    return store.table(oid).successor(int(rowid), store.state.txns.clog)


def _versions(store, txn, oid, keys):
    return np.concatenate([_rowid(store, txn, oid, k) for k in keys])


def test_single_and_bulk_updates_link_old_versions_to_new(store):
    oid, _ = create_table(store, pk=False)
    committed(store, lambda t: insert(store, t, oid, [1, 2, 3, 4]))
    txn = store.begin()
    old = _versions(store, txn, oid, [1, 2, 3])
    new = store.update(txn, oid, old, cols([1, 2, 3], ["a", "b", "c"]), store.snapshot(txn))
    assert [_successor(store, oid, r) for r in old] == new.tolist()
    newer = store.update(txn, oid, new[:1], cols([1], ["aa"]), store.snapshot(txn))  # (one row: ROW_UPDATE)
    assert _successor(store, oid, new[0]) == newer[0] and _successor(store, oid, newer[0]) is None
    four = _rowid(store, txn, oid, 4)
    store.delete(txn, oid, four, store.snapshot(txn))
    assert _successor(store, oid, four[0]) is None
    store.commit(txn).result()
    assert _successor(store, oid, old[1]) == new[1]


def test_an_aborted_update_has_no_successor_and_a_later_one_is_found(store):
    oid, _ = create_table(store, pk=False)
    committed(store, lambda t: insert(store, t, oid, [1]))
    row = _rowid(store, store.begin(), oid, 1)
    aborted = store.begin()
    store.update(aborted, oid, row, cols([1], ["x"]), store.snapshot(aborted))
    store.abort(aborted)
    assert _successor(store, oid, row[0]) is None
    txn = store.begin()
    new = store.update(txn, oid, row, cols([1], ["y"]), store.snapshot(txn))
    assert _successor(store, oid, row[0]) == new[0]
    store.delete(txn, oid, new, store.snapshot(txn))  # (the newest link's version, deleted: its end)
    assert _successor(store, oid, new[0]) is None


def test_vacuum_keeps_the_links_of_versions_it_keeps_renumbered(store):
    oid, _ = create_table(store, pk=False)
    committed(store, lambda t: insert(store, t, oid, list(range(100))))
    committed(store, lambda t: store.delete(t, oid, _versions(store, t, oid, range(50)), store.snapshot(t)))
    holder = store.begin("repeatable read")
    snap = store.snapshot(holder)  # sees the versions the updates below replace: VACUUM keeps them
    committed(store, lambda t: store.update(t, oid, _versions(store, t, oid, range(60, 70)),
                                            cols(list(range(60, 70)), ["u"] * 10), store.snapshot(t)))
    committed(store, lambda t: store.update(t, oid, _rowid(store, t, oid, 80), cols([80], ["w"]), store.snapshot(t)))
    aborted = store.begin()
    store.update(aborted, oid, _rowid(store, aborted, oid, 90), cols([90], ["x"]), store.snapshot(aborted))
    store.abort(aborted)
    generation = store.table(oid).generation
    store.vacuum(oid)
    table = store.table(oid)
    assert table.generation == generation + 1 and len(table.chain) == 11  # (the aborted link dropped)
    for key in [*range(60, 70), 80]:
        old = _rowid(store, holder, oid, key)[0]
        assert table.row_values(_successor(store, oid, old), [1, 2]) == [key, "u" if key < 80 else "w"]
    assert _successor(store, oid, _rowid(store, holder, oid, 90)[0]) is None
    assert table.row_visible(snap, _rowid(store, holder, oid, 60)[0])


def test_a_lookup_finds_the_newest_link_in_the_sorted_part_and_the_tail():
    chain, expected = UpdateChain(), {}
    rng = random.Random(3)
    for new in range(1, 20_000):
        old = rng.randrange(5_000)
        if rng.random() < 0.3:
            chain.link_many(np.array([old, old + 7_000]), np.array([new, new + 100_000]))
            expected[old + 7_000] = new + 100_000
        else:
            chain.link(old, new)
        expected[old] = new
        if new % 997 == 0:
            assert all(chain.newest(o) == n for o, n in expected.items())
    assert chain.newest(-5) is None and chain.newest(10 ** 9) is None
