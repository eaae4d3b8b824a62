"""Helpers for the storage core tests: tables, rows, restarts on the simulated file system."""

from __future__ import annotations

import numpy as np
from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE, ColumnDef, RelationDef
from quantadb.storage.fs import SimulatedFileSystem
from quantadb.storage.store import Store
from quantadb.types import registry as T
from quantadb.types.column import Column

DATA = "/data"


def reopen(store: Store, fs: SimulatedFileSystem, crash: str | None = "drop") -> Store:
    """Close (or crash) and open again, as a restart of the node."""
    if crash is None:
        store.close()
    else:
        fs.crash(crash)
        try:
            store.close()  # stops the old flusher thread; its files are gone with the crash
        except OSError:
            pass
    return Store.open(DATA, fs=fs, capacity=64)


def create_table(store: Store, name: str = "t", types=(T.INT4, T.TEXT), pk: bool = True,
                 method: str = "hash") -> tuple[int, int | None]:
    """A committed table (id, name ...) with a primary key index on attnum 1."""
    txn = store.begin()
    oid = store.allocate_oid(txn)
    cols = tuple(ColumnDef(i + 1, f"c{i + 1}" if i else "id", T.sql(t)) for i, t in enumerate(types))
    store.create_relation(txn, RelationDef(oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, name, "r", columns=cols))
    index_oid = None
    if pk:
        index_oid = store.allocate_oid(txn)
        store.create_relation(txn, RelationDef(index_oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, f"{name}_pkey", "i",
                                               table_oid=oid, index_columns=(1,), unique=True, primary=True,
                                               method=method))
    store.commit(txn).result()
    return oid, index_oid


def cols(ids, names=None) -> list[Column]:
    ids = np.asarray(ids, dtype=np.int32)
    if names is None:
        names = [f"v{i}" for i in ids.tolist()]
    data = np.array(names, dtype=object)
    valid = np.array([x is not None for x in names])
    return [Column(ids), Column(data, None if valid.all() else valid)]


def insert(store: Store, txn, oid: int, ids, names=None):
    c = cols(ids, names)
    return store.insert(txn, oid, c, len(c[0].data))


def rows(store: Store, txn, oid: int, attnums=(1, 2)) -> list[tuple]:
    snap = store.snapshot(txn)
    out = []
    for b in store.table(oid).scan(snap, list(attnums)):
        vals = []
        for c in b.columns:
            v = c.data.tolist()
            if c.valid is not None:
                v = [x if ok else None for x, ok in zip(v, c.valid.tolist())]
            vals.append(v)
        out.extend(zip(*vals))
    return sorted(out, key=lambda r: tuple((True, 0) if v is None else (False, v) for v in r))


def peek(store: Store, oid: int, attnums=(1, 2)) -> list[tuple]:
    """rows() in a transaction of its own, ended so it does not hold back VACUUM."""
    txn = store.begin()
    try:
        return rows(store, txn, oid, attnums)
    finally:
        store.commit(txn)


def committed(store: Store, fn) -> object:
    txn = store.begin()
    result = fn(txn)
    fut = store.commit(txn)
    if fut is not None:
        fut.result()
    return result
