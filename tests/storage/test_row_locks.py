"""Row locks (storage/row_locks.py): a foreign key's KEY SHARE hold of the referenced row against
writers of it, its escalation to the whole table, and the strengths' conflicts."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import committed, cols, create_table, insert
from test_store_mvcc import _rowid, _update

from quantadb.storage.row_locks import ALL_ROWS, ESCALATE_ROWS
from quantadb.storage.store import WouldBlock
from quantadb.types import registry as T
from quantadb.types.column import Column


@pytest.fixture
def parent(store):
    oid, index_oid = create_table(store, "p")
    committed(store, lambda txn: insert(store, txn, oid, list(range(1, ESCALATE_ROWS + 3))))
    return oid, index_oid


def _commit(store, txn) -> None:
    durable = store.commit(txn)
    if durable is not None:
        durable.result()


def _keys(*keys: int) -> list[Column]:
    return [Column(np.array(keys, dtype=T.INT4.dtype))]


def test_the_referenced_row_is_found_locked_and_held_once(store, parent):
    oid, index_oid = parent
    child = store.begin()
    found = store.lock_referenced(child, index_oid, _keys(1, 1, 2, 10 ** 6))
    assert found[:3].tolist() == [_rowid(store, child, oid, 1)[0], _rowid(store, child, oid, 1)[0],
                                  _rowid(store, child, oid, 2)[0]]
    assert found[3] == -1
    store.lock_referenced(child, index_oid, _keys(1))
    assert len(child.locks) == 2  # each row once
    other = store.begin()
    assert len(_update(store, other, oid, 1, "kept key")) == 1  # NO KEY UPDATE: no conflict
    with pytest.raises(WouldBlock):
        store.delete(other, oid, _rowid(store, other, oid, 2), store.snapshot(other))
    _commit(store, child)
    store.delete(other, oid, _rowid(store, other, oid, 2), store.snapshot(other))
    _commit(store, other)


def test_many_rows_of_one_table_are_held_as_the_whole_table(store, parent):
    oid, index_oid = parent
    child = store.begin()
    store.lock_referenced(child, index_oid, _keys(*range(1, ESCALATE_ROWS + 1)))
    assert len(child.locks) == ESCALATE_ROWS
    store.lock_referenced(child, index_oid, _keys(ESCALATE_ROWS + 1))
    assert child.locks[-1] == (oid, ALL_ROWS) and len(child.locks) == ESCALATE_ROWS + 1
    other = store.begin()
    unreferenced = _rowid(store, other, oid, ESCALATE_ROWS + 2)
    with pytest.raises(WouldBlock):
        store.delete(other, oid, unreferenced, store.snapshot(other))
    assert len(_update(store, other, oid, ESCALATE_ROWS + 2, "kept key")) == 1
    _commit(store, child)
    assert store.delete(other, oid, _rowid(store, other, oid, 1), store.snapshot(other)) == 1
    _commit(store, other)


def test_a_key_update_waits_for_a_key_share_lock_and_a_plain_update_carries_it(store, parent):
    oid, index_oid = parent
    child = store.begin()
    store.lock_referenced(child, index_oid, _keys(3))
    updater = store.begin()
    snap = store.snapshot(updater)
    with pytest.raises(WouldBlock):
        store.update(updater, oid, _rowid(store, updater, oid, 3), cols([10 ** 6], ["new key"]), snap)
    assert len(_update(store, updater, oid, 3, "same key")) == 1
    _commit(store, updater)
    deleter = store.begin()
    with pytest.raises(WouldBlock):  # the new version is held too
        store.delete(deleter, oid, _rowid(store, deleter, oid, 3), store.snapshot(deleter))
    _commit(store, child)
    assert store.delete(deleter, oid, _rowid(store, deleter, oid, 3), store.snapshot(deleter)) == 1
    _commit(store, deleter)
