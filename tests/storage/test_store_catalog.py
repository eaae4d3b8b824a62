"""Transactional DDL: catalog versions visible per snapshot, rollback leaves no trace,
ALTER, DROP, databases, namespaces, roles, comments, bootstrap."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from store_helpers import committed, create_table, insert, peek, reopen, rows

from quantadb.errors import DuplicateTable
from quantadb.storage.catalog import (
    POSTGRES_DB_OID, PUBLIC_NAMESPACE, ColumnDef, DatabaseDef, NamespaceDef, RelationDef, RoleDef,
)
from quantadb.storage.store import WouldBlock
from quantadb.types import registry as T
from quantadb.types.column import Column


def _rel(store, txn, name):
    return store.catalog.find_relation(store.snapshot(txn), POSTGRES_DB_OID, PUBLIC_NAMESPACE, name)


def test_bootstrap_objects(store):
    snap = store.snapshot(store.begin())
    cat = store.catalog
    assert cat.find_role(snap, "postgres").oid == 10 and cat.find_role(snap, "postgres").superuser
    assert [d.name for d in cat.databases(snap)] == ["template1", "template0", "postgres"]
    assert {n.name: n.oid for n in cat.namespaces(snap, POSTGRES_DB_OID)} == {
        "pg_catalog": 11, "pg_toast": 99, "public": 2200, "information_schema": 13000}


def test_create_is_private_until_commit_and_rollback_leaves_no_trace(store):
    txn = store.begin()
    oid = store.allocate_oid(txn)
    assert oid >= 16384
    store.create_relation(txn, RelationDef(oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "t", "r",
                                           columns=(ColumnDef(1, "id", T.sql(T.INT4)),)))
    assert _rel(store, txn, "t").oid == oid
    assert _rel(store, store.begin(), "t") is None
    version = store.catalog.version
    store.abort(txn)
    assert store.catalog.version > version
    assert _rel(store, store.begin(), "t") is None
    with pytest.raises(Exception):
        store.table(oid)
    # the name is free again, and oids are never reused
    oid2, _ = create_table(store)
    assert oid2 > oid


def test_duplicate_name(store):
    create_table(store)
    with pytest.raises(DuplicateTable, match='relation "t" already exists'):
        create_table(store)


def test_alter_add_column_reads_null_and_concurrent_alter_blocks(store):
    oid, _ = create_table(store, types=(T.INT4,), pk=False)
    committed(store, lambda t: insert_one(store, t, oid, 1))
    txn = store.begin()
    rel = _rel(store, txn, "t")
    store.alter_relation(txn, replace(rel, columns=rel.columns + (ColumnDef(2, "note", T.sql(T.TEXT)),)))
    other = store.begin()
    assert len(_rel(store, other, "t").columns) == 1
    with pytest.raises(WouldBlock):
        store.alter_relation(other, replace(rel, name="renamed"))
    store.commit(txn).result()
    reader = store.begin()
    assert rows(store, reader, oid, (1, 2)) == [(1, None)]
    committed(store, lambda t: insert(store, t, oid, [2], ["two"]))
    assert peek(store, oid, (1, 2)) == [(1, None), (2, "two")]


def insert_one(store, txn, oid, value):
    store.insert(txn, oid, [Column(np.array([value], dtype=np.int32))], 1)


def test_aborted_add_column_restores_table_shape(store):
    oid, _ = create_table(store, types=(T.INT4,), pk=False)
    txn = store.begin()
    rel = _rel(store, txn, "t")
    store.alter_relation(txn, replace(rel, columns=rel.columns + (ColumnDef(2, "x", T.sql(T.INT8)),)))
    store.abort(txn)
    assert len(store.table(oid).types) == 1


def test_drop_table_drops_indexes_at_commit(store, fs):
    oid, pk = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1]))
    txn = store.begin()
    store.drop_relation(txn, oid)
    assert _rel(store, txn, "t") is None
    assert peek(store, oid) == [(1, "v1")]  # others still see it until commit
    store.commit(txn).result()
    assert oid not in store.state.tables and pk not in store.state.indexes
    store = reopen(store, fs)
    assert _rel(store, store.begin(), "t") is None and oid not in store.state.tables
    store.close()


def test_databases_namespaces_roles_comments_survive_restart(store, fs):
    txn = store.begin()
    db = store.allocate_oid(txn)
    store.create_database(txn, DatabaseDef(db, "app"))
    ns = store.allocate_oid(txn)
    store.create_namespace(txn, NamespaceDef(ns, db, "sales"))
    role = store.allocate_oid(txn)
    store.create_role(txn, RoleDef(role, "alice", password="SCRAM-SHA-256$x"))
    rel = store.allocate_oid(txn)
    orders = RelationDef(rel, db, ns, "orders", "r", columns=(ColumnDef(1, "id", T.sql(T.INT8)),))
    store.create_relation(txn, orders)
    store.alter_relation(txn, replace(orders, comment="all orders",
                                      columns=(ColumnDef(1, "id", T.sql(T.INT8), comment="order number"),)))
    store.commit(txn).result()
    committed(store, lambda t: store.alter_role(t, RoleDef(role, "alice", login=False)))
    store = reopen(store, fs)
    snap = store.snapshot(store.begin())
    cat = store.catalog
    assert cat.find_database(snap, "app").oid == db
    assert cat.find_namespace(snap, db, "public").oid == PUBLIC_NAMESPACE
    assert cat.find_namespace(snap, POSTGRES_DB_OID, "sales") is None
    assert cat.find_relation(snap, db, ns, "orders").comment == "all orders"
    assert cat.find_relation(snap, db, ns, "orders").columns[0].comment == "order number"
    assert cat.find_role(snap, "alice").login is False
    assert [r.name for r in cat.relations(snap, POSTGRES_DB_OID)] == []
    committed(store, lambda t: store.drop_database(t, db))
    snap = store.snapshot(store.begin())
    assert cat.find_database(snap, "app") is None and rel not in store.state.tables
    committed(store, lambda t: store.drop_role(t, role))
    assert cat.find_role(store.snapshot(store.begin()), "alice") is None
    store.close()


def test_truncate_is_transactional(store):
    oid, _ = create_table(store)
    committed(store, lambda t: insert(store, t, oid, [1, 2]))
    txn = store.begin()
    store.truncate(txn, oid)
    assert rows(store, txn, oid) == []
    assert len(peek(store, oid)) == 2
    store.abort(txn)
    assert len(peek(store, oid)) == 2
    committed(store, lambda t: store.truncate(t, oid))
    assert peek(store, oid) == []
    committed(store, lambda t: insert(store, t, oid, [1]))  # keys are free after the truncate
    store.vacuum(oid)
    assert store.table(oid).row_count == 1


def test_alter_column_type_widens_stored_values(store):
    oid, _ = create_table(store, types=(T.INT4,), pk=False)
    committed(store, lambda t: insert_one(store, t, oid, 7))
    txn = store.begin()
    rel = _rel(store, txn, "t")
    store.alter_relation(txn, replace(rel, columns=(replace(rel.columns[0], type=T.sql(T.INT8)),)))
    store.commit(txn).result()
    snap = store.snapshot(store.begin())
    batch = next(store.table(oid).scan(snap, [1]))
    assert batch.columns[0].data.dtype == np.int64 and batch.columns[0].data.tolist() == [7]
