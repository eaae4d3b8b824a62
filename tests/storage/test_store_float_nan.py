"""A float NaN in an index on one float column is one key, equal to itself and above every other
value (PostgreSQL's float order): lookups find it in the base and in the delta, a unique index
takes one NaN, and replay builds the same index."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from store_helpers import committed, create_table
from test_store_replay import image, replay

from quantadb.errors import UniqueViolation
from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE, RelationDef
from quantadb.storage.index import BULK_ROWS, Index
from quantadb.types import registry as T
from quantadb.types.column import Column

NAN = float("nan")


def fcols(xs, ks=None) -> list[Column]:
    xs = np.array(xs, dtype=np.float64)
    ks = np.arange(len(xs), dtype=np.int32) if ks is None else np.array(ks, dtype=np.int32)
    return [Column(xs), Column(ks)]


def test_lookup_finds_nan_in_base_and_delta():
    rng = random.Random(5)
    for _ in range(200):
        entries = [(rng.choice([NAN, -math.inf, 0.0, 1.5, math.inf]), r) for r in range(rng.randint(1, 30))]
        split = rng.randint(0, len(entries))
        idx = Index(1, 2, (1,), False, rng.choice(["btree", "hash"]), np.dtype(rng.choice([np.float64, np.float32])))
        base = entries[:split]
        idx.add_rows([Column(np.array([k for k, _ in base], dtype=np.float64))], len(base),
                     np.array([r for _, r in base], dtype=np.int64))
        idx._publish(idx._merged(idx._base, [], np.zeros(0, dtype=np.int64), with_delta=True))
        for k, r in entries[split:]:
            idx.add_key(float(k), r)  # a new NaN object each time
        nans = [r for k, r in entries if math.isnan(k)]
        assert sorted(idx.lookup_key(float("nan"))) == nans
        assert sorted(idx.lookup_key(1.5)) == [r for k, r in entries if k == 1.5]
        assert idx.lookup_key(2.5) == []
        pos, rows = idx.lookup_array(np.array([NAN, 1.5, NAN]))
        assert sorted(zip(pos.tolist(), rows.tolist())) == sorted(
            [(0, r) for r in nans] + [(2, r) for r in nans] + [(1, r) for k, r in entries if k == 1.5])


def test_integer_index_probed_with_nan_finds_nothing():
    idx = Index(1, 2, (1,), True, "hash", np.dtype(np.int64))
    idx.add_key(1, 0)
    idx.add_rows([Column(np.arange(BULK_ROWS + 1, dtype=np.int64))], BULK_ROWS + 1,
                 np.arange(1, BULK_ROWS + 2, dtype=np.int64))
    assert idx.lookup_key(NAN) == [] and idx.lookup_key(1) == [0, 2]


def _float_table(store, name="f"):
    """(f8 unique, i4) with a btree on the float column as well."""
    oid, pk = create_table(store, name, types=(T.FLOAT8, T.INT4), method="btree")
    txn = store.begin()
    bt = store.allocate_oid(txn)
    store.create_relation(txn, RelationDef(bt, POSTGRES_DB_OID, PUBLIC_NAMESPACE, f"{name}_x", "i",
                                           table_oid=oid, index_columns=(1,)))
    store.commit(txn).result()
    return oid, pk, bt


def _visible(store, oid, rowids) -> list[int]:
    rowids = np.array(rowids, dtype=np.int64)
    return rowids[store.table(oid).visible(store.snapshot(store.begin()), rowids)].tolist()


def test_unique_float_index_takes_one_nan_and_replays_alike(store, fs):
    oid, pk, bt = _float_table(store)
    committed(store, lambda t: store.insert(t, oid, fcols([1.0, NAN]), 2))
    with pytest.raises(UniqueViolation) as e:  # the NaN in the delta, a row probe
        committed(store, lambda t: store.insert(t, oid, fcols([NAN]), 1))
    assert e.value.detail == "Key (id)=(NaN) already exists."
    many = [float(x) for x in range(2, 102)]
    with pytest.raises(UniqueViolation):  # a batch probed in bulk
        committed(store, lambda t: store.insert(t, oid, fcols(many + [NAN]), 101))
    committed(store, lambda t: store.insert(t, oid, fcols(many), 100))
    with pytest.raises(UniqueViolation):  # two NaNs in one batch
        committed(store, lambda t: store.insert(t, oid, fcols([-1.0, NAN, -2.0, NAN]), 4))
    n = BULK_ROWS + 10  # merges the delta, NaN included, into the base
    committed(store, lambda t: store.insert(t, oid, fcols(np.arange(1000, 1000 + n)), n))
    assert len(store.index(pk)._base[1]) > 100 and not store.index(pk)._delta
    with pytest.raises(UniqueViolation):  # the NaN in the base
        committed(store, lambda t: store.insert(t, oid, fcols([NAN]), 1))
    with pytest.raises(UniqueViolation):
        committed(store, lambda t: store.insert(t, oid, fcols(many[:70] + [NAN], np.arange(71)), 71))
    nan_row = store.index(pk).lookup_key(NAN)
    assert nan_row == [1] and store.index(bt).lookup_key(NAN) == [1]

    def keep_key(t):  # an UPDATE that keeps the NaN key does not meet its own old version
        snap = store.snapshot(t)
        return store.update(t, oid, np.array(nan_row), fcols([NAN], [77]), snap).tolist()
    new = committed(store, keep_key)
    assert _visible(store, oid, store.index(pk).lookup_key(NAN)) == new
    assert _visible(store, oid, store.index(bt).range((math.inf,), None)) == new
    committed(store, lambda t: store.delete(t, oid, np.array(new), store.snapshot(t)))
    committed(store, lambda t: store.insert(t, oid, fcols([NAN]), 1))  # the deleted NaN is no conflict
    with pytest.raises(UniqueViolation):
        committed(store, lambda t: store.insert(t, oid, fcols([NAN]), 1))
    store.vacuum()
    assert len(_visible(store, oid, store.index(pk).lookup_key(NAN))) == 1
    committed(store, lambda t: store.insert(t, oid, fcols([-5.0]), 1))
    store._wal.flush()
    primary, replayed = image(store.state), image(replay(fs))
    for key in ("tables", "indexes", "index_keys"):
        assert repr(replayed[key]) == repr(primary[key]), key  # (repr: a NaN is not == a NaN)
    nan_entries = [rows for k, rows in primary["index_keys"][pk] if math.isnan(k)]
    assert nan_entries and all(nan_entries)  # (the image looks every NaN up: they are found)


def test_unique_float_index_build_refuses_two_nans(store):
    oid, _ = create_table(store, "g", types=(T.FLOAT8, T.INT4), pk=False)
    committed(store, lambda t: store.insert(t, oid, fcols([NAN, 1.0, NAN]), 3))
    txn = store.begin()
    with pytest.raises(UniqueViolation) as e:
        store.create_relation(txn, RelationDef(store.allocate_oid(txn), POSTGRES_DB_OID, PUBLIC_NAMESPACE, "g_u",
                                               "i", table_oid=oid, index_columns=(1,), unique=True))
    assert e.value.detail == "Key (id)=(NaN) is duplicated."
    store.abort(txn)
