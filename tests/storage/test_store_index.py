"""UNIQUE / PRIMARY KEY enforcement, hash and btree lookups, ranges, ON CONFLICT probes."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import numpy as np
import pytest
from store_helpers import cols, committed, create_table, insert, peek, reopen

from quantadb.errors import UniqueViolation
from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE, RelationDef
from quantadb.storage.index import BULK_ROWS, Index, key_forms
from quantadb.storage.store import WouldBlock
from quantadb.types import registry as T
from quantadb.types.column import Column


def test_duplicate_key_message_like_postgresql(store):
    oid, _ = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1]))
    with pytest.raises(UniqueViolation) as e:
        committed(store, lambda t: insert(store, t, oid, [1]))
    assert e.value.sqlstate == "23505"
    assert str(e.value) == 'duplicate key value violates unique constraint "t_pkey"'
    assert e.value.detail == "Key (id)=(1) already exists."
    assert e.value.table == "t" and e.value.constraint == "t_pkey" and e.value.schema == "public"


def test_duplicates_within_one_batch_and_nulls_never_conflict(store):
    oid, _ = create_table(store, types=(T.INT4, T.TEXT))
    txn = store.begin()
    with pytest.raises(UniqueViolation):
        insert(store, txn, oid, [5, 5])
    ids = Column(np.array([1, 1], dtype=np.int32), np.array([False, False]))
    store.insert(txn, oid, [ids, Column(np.array(["a", "b"], dtype=object))], 2)
    store.commit(txn).result()
    assert len(peek(store, oid)) == 2


def test_conflict_with_in_progress_insert_would_block(store):
    oid, _ = create_table(store)
    t1, t2 = store.begin(), store.begin()
    insert(store, t1, oid, [1])
    with pytest.raises(WouldBlock) as e:
        insert(store, t2, oid, [1])
    assert e.value.on == t1.xid
    store.abort(t1)
    insert(store, t2, oid, [1])  # the aborted row never conflicts


def test_deleted_key_can_be_reinserted_and_update_keeps_key(store):
    oid, pk = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1, 2]))
    txn = store.begin()
    snap = store.snapshot(txn)
    idx = store.index(pk)
    store.delete(txn, oid, idx.lookup([Column(np.array([1]))]), snap)
    insert(store, txn, oid, [1])
    r2 = idx.lookup([Column(np.array([2]))])
    store.update(txn, oid, r2, cols([2], ["changed"]), snap)  # same key: no self-conflict
    with pytest.raises(UniqueViolation):
        r2new = idx.lookup([Column(np.array([2]))])
        live = r2new[store.table(oid).visible(store.snapshot(txn), r2new)]
        store.update(txn, oid, live, cols([1], ["clash"]), snap)
    store.commit(txn).result()
    assert peek(store, oid) == [(1, "v1"), (2, "changed")]


def test_lookup_returns_all_versions_and_visible_filters(store):
    oid, pk = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1]))
    for name in ("a", "b", "c"):
        def upd(t, name=name):
            snap = store.snapshot(t)
            cand = store.index(pk).lookup([Column(np.array([1]))])
            live = cand[store.table(oid).visible(snap, cand)]
            store.update(t, oid, live, cols([1], [name]), snap)
        committed(store, upd)
    cand = store.index(pk).lookup([Column(np.array([1]))])
    assert sorted(cand.tolist()) == [0, 1, 2, 3]
    snap = store.snapshot(store.begin())
    live = cand[store.table(oid).visible(snap, cand)]
    assert store.table(oid).fetch(live, [2])[0].data.tolist() == ["c"]


def test_many_keys_merge_into_the_sorted_base(store):
    oid, pk = create_table(store, method="hash")
    for start in range(0, 10_000, 1000):
        committed(store, lambda t, s=start: insert(store, t, oid, list(range(s, s + 1000))))
    idx = store.index(pk)
    assert len(idx) == 10_000
    got = idx.lookup([Column(np.array([0, 4321, 9999, 10_000]))])
    assert sorted(got.tolist()) == [0, 4321, 9999]


def test_btree_range_in_key_order_with_delta(store):
    oid, _ = create_table(store, pk=False)
    committed(store, lambda t: insert(store, t, oid, list(range(100, 0, -2))))  # even keys
    txn = store.begin()
    index_oid = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(index_oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "t_id", "i",
                                           table_oid=oid, index_columns=(1,)))
    store.commit(txn).result()
    committed(store, lambda t: insert(store, t, oid, [11, 13, 15]))  # odd keys land in the delta
    idx = store.index(index_oid)
    r = idx.range((10,), (16,), True, False)
    keys = store.table(oid).fetch(r, [1])[0].data.tolist()
    assert keys == [10, 11, 12, 13, 14, 15]
    assert store.table(oid).fetch(idx.range(None, (4,), True, True), [1])[0].data.tolist() == [2, 4]
    assert store.table(oid).fetch(idx.range((99,), None, False, True), [1])[0].data.tolist() == [100]



_FLOATS = [float("nan"), float("-inf"), float("inf"), -1.5, 0.0, 2.0, 3.5]


def _pg_range(entries: list[tuple[float, int]], low, high, low_inc: bool, high_inc: bool) -> list[int]:
    """What PostgreSQL's float order gives: NaN above every other value and equal to itself."""
    def order(k: float) -> tuple:
        return (1, 0.0) if math.isnan(k) else (0, k)
    out = [(order(k), r) for k, r in entries]
    if low is not None:
        out = [(o, r) for o, r in out if o > order(low) or (low_inc and o == order(low))]
    if high is not None:
        out = [(o, r) for o, r in out if o < order(high) or (high_inc and o == order(high))]
    return [r for _, r in sorted(out)]


def test_float_range_orders_nan_last_and_alike_from_base_and_delta():
    """range() gives PostgreSQL's order whether entries sit in the base or the delta: the delta's
    order did not depend on NaN objects' hashes (their identities), so it could differ between
    a primary and its replica."""
    rng = random.Random(3)
    for _ in range(200):
        entries = [(float(rng.choice(_FLOATS)), r) for r in range(rng.randint(1, 30))]  # new NaN objects
        split = rng.randint(0, len(entries))
        idx = Index(1, 2, (1,), False, "btree", np.dtype(np.float64))
        base = entries[:split]
        idx.add_rows([Column(np.array([k for k, _ in base], dtype=np.float64))], len(base),
                     np.array([r for _, r in base], dtype=np.int64))
        idx._publish(idx._merged(idx._base, [], np.zeros(0, dtype=np.int64), with_delta=True))
        for k, r in entries[split:]:
            idx.add_key(k, r)
        low, high = (rng.choice([None, *_FLOATS]) for _ in range(2))
        low_inc, high_inc = rng.random() < 0.5, rng.random() < 0.5
        got = idx.range(None if low is None else (low,), None if high is None else (high,), low_inc, high_inc)
        assert got.tolist() == _pg_range(entries, low, high, low_inc, high_inc), (entries, split, low, high)


def test_merge_keeps_equal_keys_in_row_order():
    """A bulk add over a delta holding the same key: the base lists that key's rows in row order,
    as an index rebuilt from the table (a restart) does."""
    idx = Index(1, 2, (1,), False, "btree", np.dtype(np.int64))
    idx.add_key(5, 10)
    n = BULK_ROWS + 1
    idx.add_rows([Column(np.full(n, 5, dtype=np.int64))], n, np.arange(20, 20 + n, dtype=np.int64))
    assert idx.range((5,), (5,)).tolist() == [10, *range(20, 20 + n)]


def test_composite_range_orders_nan_last_from_the_delta():
    idx = Index(1, 2, (1, 2), False, "btree", np.dtype(np.int64), key_forms([T.sql(T.INT4), T.sql(T.FLOAT8)], (1, 2)))
    for r, k in enumerate([(1, float("nan")), (1, 0.5), (0, float("nan")), (1, float("-inf"))]):
        idx.add_key(k, r)
    assert idx.range(None, None).tolist() == [2, 3, 1, 0]

def test_composite_text_key_range_prefix(store):
    oid, _ = create_table(store, types=(T.INT4, T.TEXT), pk=False)
    committed(store, lambda t: insert(store, t, oid, [1, 2, 2, 3], ["b", "a", "c", "a"]))
    txn = store.begin()
    index_oid = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(index_oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "t_id_c", "i",
                                           table_oid=oid, index_columns=(1, 2), unique=True))
    store.commit(txn).result()
    idx = store.index(index_oid)
    r = idx.range((2,), (2,), True, True)
    assert store.table(oid).fetch(r, [2])[0].data.tolist() == ["a", "c"]
    got = idx.lookup([Column(np.array([2])), Column(np.array(["c"], dtype=object))])
    assert store.table(oid).fetch(got, [1, 2])[1].data.tolist() == ["c"]


def test_unique_index_build_fails_on_duplicates(store):
    oid, _ = create_table(store, pk=False)
    committed(store, lambda t: insert(store, t, oid, [1, 1]))
    txn = store.begin()
    index_oid = store.allocate_oid(txn)
    with pytest.raises(UniqueViolation) as e:
        store.create_relation(txn, RelationDef(index_oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "u", "i",
                                               table_oid=oid, index_columns=(1,), unique=True))
    assert str(e.value) == 'could not create unique index "u"'
    assert e.value.detail == "Key (id)=(1) is duplicated."


def test_find_conflicts(store):
    oid, pk = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1, 2]))
    txn = store.begin()
    got = store.find_conflicts(txn, pk, [Column(np.array([2, 3, 1], dtype=np.int32))])
    assert got.tolist() == [1, -1, 0]
    other = store.begin()
    insert(store, other, oid, [3])
    with pytest.raises(WouldBlock):
        store.find_conflicts(txn, pk, [Column(np.array([3], dtype=np.int32))])


def test_update_changing_one_of_two_unique_keys(store):
    oid, _ = create_table(store, types=(T.INT4, T.TEXT))
    txn = store.begin()
    second = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(second, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "t_c2_key", "i",
                                           table_oid=oid, index_columns=(2,), unique=True))
    store.commit(txn).result()
    committed(store, lambda t: insert(store, t, oid, [1, 2], ["a", "b"]))
    txn = store.begin()
    snap = store.snapshot(txn)
    r = store.index(second).lookup([Column(np.array(["a"], dtype=object))])
    store.update(txn, oid, r, cols([10], ["a"]), snap)  # new id, same c2: no self-conflict on c2
    store.commit(txn).result()
    assert peek(store, oid) == [(2, "b"), (10, "a")]


def test_numeric_nan_keys_index_like_postgresql(store, fs):
    """NaN = NaN and above every number: CREATE INDEX over a NaN (it raised InvalidOperation in
    apply, and recovery then failed on the record), a unique NaN, lookups and ranges."""
    oid, _ = create_table(store, types=(T.NUMERIC, T.INT4), pk=False)
    committed(store, lambda t: [store.insert_row(t, oid, (Decimal(v), k)) for k, v in enumerate(["2", "NaN", "-1"])])
    txn = store.begin()
    index_oid = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(index_oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "t_n", "i",
                                           table_oid=oid, index_columns=(1,), unique=True))
    store.commit(txn).result()
    with pytest.raises(UniqueViolation):
        committed(store, lambda t: store.insert_row(t, oid, (Decimal("NaN"), 9)))
    committed(store, lambda t: store.insert_row(t, oid, (Decimal(5), 3)))  # (in the delta)
    idx = store.index(index_oid)
    assert idx.lookup_key(Decimal("NaN")) == [1]
    assert idx.range(None, None).tolist() == [2, 0, 3, 1]
    assert idx.range((Decimal(3),), None).tolist() == [3, 1]
    assert idx.range(None, (Decimal("NaN"),), True, False).tolist() == [2, 0, 3]
    store = reopen(store, fs, crash=None)
    try:
        assert store.index(index_oid).range(None, None).tolist() == [2, 0, 3, 1]
    finally:
        store.close()
