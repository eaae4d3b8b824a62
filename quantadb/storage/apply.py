"""The one deterministic apply: a logical record -> the in-memory state.

Crash recovery, replicas and the primary itself call `apply(state, record)`; the primary does
so right after appending the record to the WAL, under the store's write lock, so WAL order is
apply order. apply never checks conflicts (the primary decided before logging) and never
consults anything but the state and the record, so the same records applied in order give the
same tables, row ids, indexes, catalog and sequences.

Physical objects follow the catalog: creating a relation builds its storage (a Table, an
Index built from the table's rows, a sequence state) at once; a DROP removes it when the
dropping transaction commits; an abort removes what the transaction created and restores the
column list of tables it altered (`_reconcile`).
"""

from __future__ import annotations

import logging

import numpy as np

from quantadb.errors import InternalError

from . import records as R
from .catalog import FIRST_USER_OID, HEAP_KINDS, Catalog, RelationDef, from_value, row_type
from .index import Index, key_forms, row_key
from .index_desc import stored_descending
from .table import DEFAULT_CAPACITY, Table
from .txn import ABORTED, COMMITTED, TxnManager
from .vacuum import CompactionPlan, vacuum_tables

log = logging.getLogger("quantadb.storage")


class StorageState:
    """Everything apply mutates."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.txns = TxnManager()
        self.catalog = Catalog(self.txns.status)
        self.catalog.bootstrap()
        self.tables: dict[int, Table] = {}
        self.indexes: dict[int, Index] = {}
        self.table_indexes: dict[int, list[int]] = {}
        self.sequences: dict[int, list] = {}  # oid -> [last_value, is_called]
        self.next_oid = FIRST_USER_OID
        self.ddl_by: dict[int, set[int]] = {}  # xid that changed the catalog -> relation oids it touched
        self.applied_lsn = 0
        self.checkpoint_lsn = 0  # the checkpoint recovery started from
        self.compaction_plan: CompactionPlan | None = None  # the primary's, for its VACUUM record


def apply(state: StorageState, rec: list | tuple, lsn: int = 0) -> object:
    """Apply one record; returns the new row ids for INSERT/UPDATE, else None."""
    kind = rec[0]
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise InternalError(f"unknown WAL record kind {kind}")
    result = handler(state, rec)
    if lsn:
        state.applied_lsn = lsn
    return result


def _insert(state: StorageState, rec) -> np.ndarray:
    _, xid, rel_oid, n, columns = rec
    state.txns.note(xid)
    table = state.tables[rel_oid]
    rowids = table.append(xid, columns, n)
    _index_rows(state, rel_oid, columns, n, rowids)
    return rowids


def _update(state: StorageState, rec) -> np.ndarray:
    _, xid, rel_oid, old_rowids, n, columns = rec
    state.txns.note(xid)
    table = state.tables[rel_oid]
    old_rowids = np.asarray(old_rowids, dtype=np.int64)
    table.set_xmax(old_rowids, xid)
    rowids = table.append(xid, columns, n)
    table.chain.link_many(old_rowids, rowids)
    _index_rows(state, rel_oid, columns, n, rowids)
    return rowids


def _insert_row(state: StorageState, rec) -> int:
    _, xid, rel_oid, values = rec
    state.txns.note(xid)
    rowid = state.tables[rel_oid].append_row(xid, values)
    _index_row(state, rel_oid, values, rowid)
    return rowid


def _update_row(state: StorageState, rec) -> int:
    _, xid, rel_oid, old_rowid, values = rec
    state.txns.note(xid)
    table = state.tables[rel_oid]
    table.set_xmax_row(old_rowid, xid)
    rowid = table.append_row(xid, values)
    table.chain.link(old_rowid, rowid)
    _index_row(state, rel_oid, values, rowid)
    return rowid


def _delete(state: StorageState, rec) -> None:
    _, xid, rel_oid, rowids = rec
    state.txns.note(xid)
    state.tables[rel_oid].set_xmax(np.asarray(rowids, dtype=np.int64), xid)


def _truncate(state: StorageState, rec) -> None:
    _, xid, rel_oid = rec
    state.txns.note(xid)
    state.tables[rel_oid].truncate(xid, state.txns.clog.status)


def _index_rows(state: StorageState, rel_oid: int, columns: list, n: int, rowids: np.ndarray) -> None:
    for index_oid in state.table_indexes.get(rel_oid, ()):
        idx = state.indexes[index_oid]
        keys = [columns[a - 1] for a in idx.attnums]
        held = idx.held(columns, n)
        if held is None:
            idx.add_rows(keys, n, rowids)
        else:
            idx.add_rows([c.rows(slice(0, n)).rows(held) for c in keys], int(held.sum()), rowids[held])


def _index_row(state: StorageState, rel_oid: int, values, rowid: int) -> None:
    for index_oid in state.table_indexes.get(rel_oid, ()):
        idx = state.indexes[index_oid]
        key = row_key(values, idx.attnums, idx.where)
        if key is not None:
            idx.add_key(key, rowid)


def build_index(state: StorageState, rel: RelationDef) -> Index:
    table = state.tables[rel.table_oid]
    key_dtype = table.types[rel.index_columns[0] - 1].pg.dtype
    descending = stored_descending(rel.index_options, len(rel.index_columns))
    idx = Index(rel.oid, rel.table_oid, rel.index_columns, rel.unique, rel.method, key_dtype,
                key_forms(table.types, rel.index_columns, descending), rel.predicate_column, descending)
    idx.immediate = rel.immediate
    idx.nulls_not_distinct = rel.nulls_not_distinct
    idx.rebuild(table)
    table.restart_pruning(state.txns.clog.status)
    return idx


def _end(state: StorageState, rec) -> None:
    kind, top, subs = rec
    xids = [top] + list(subs)
    for x in xids:
        state.txns.note(x)
    if kind == R.SUBABORT:
        xids = list(subs)
    status = COMMITTED if kind == R.COMMIT else ABORTED
    state.txns.finish(xids, status)
    if not state.ddl_by:
        return
    changed = False
    touched: set[int] = set()
    for x in xids:
        oids = state.ddl_by.pop(x, None)
        if oids is not None:
            changed = True
            touched |= oids
    for oid in sorted(touched):
        _reconcile(state, oid)
    if changed:  # plans bound before now no longer show the catalog every session sees
        state.catalog.version += 1
        if kind == R.COMMIT:
            state.catalog.last_change = top


def _reconcile(state: StorageState, oid: int) -> None:
    """Make physical storage match the relation's current catalog version (and an enum's labels
    or a row type's fields its type's or relation's: a rolled-back ALTER's give way)."""
    t = state.catalog.current(("type", 0, oid))
    if t is not None:
        t.pg_type()
        return
    rel = state.catalog.current(("rel", 0, oid))
    if rel is None:
        if state.catalog.current_writer(("rel", 0, oid)):
            return  # still held by a running transaction's DROP
        drop_physical(state, oid)
        return
    if rel.type_oid:
        row_type(rel).pg_type()
    if rel.kind in HEAP_KINDS and oid in state.tables:
        state.tables[oid].set_types([c.type for c in rel.columns])


def drop_physical(state: StorageState, oid: int) -> None:
    state.tables.pop(oid, None)
    for index_oid in state.table_indexes.pop(oid, []):
        state.indexes.pop(index_oid, None)
    idx = state.indexes.pop(oid, None)
    if idx is not None and idx.table_oid in state.table_indexes:
        rest = state.table_indexes[idx.table_oid] = [i for i in state.table_indexes[idx.table_oid] if i != oid]
        if not rest:  # (else updates would note rows for a prune that never comes)
            state.tables[idx.table_oid].stop_pruning()
    state.sequences.pop(oid, None)


def _catalog(state: StorageState, rec) -> None:
    _, xid, op, kind, value = rec
    state.txns.note(xid)
    cat = state.catalog
    oids = state.ddl_by.setdefault(xid, set())  # its end bumps the catalog version
    if op == "drop":
        key = tuple(value)
        cat.drop(key, xid)
        if kind == "rel":
            oids.add(key[2])
        return
    obj = from_value(value)
    if obj.oid >= state.next_oid:
        state.next_oid = obj.oid + 1
    if op == "create":
        cat.create(obj, xid)
    else:
        cat.alter(obj, xid)
    if kind == "type":
        oids.add(obj.oid)
    if kind != "rel":
        return
    oids.add(obj.oid)
    if op == "create":
        if obj.kind in HEAP_KINDS:
            state.tables[obj.oid] = Table(obj.oid, [c.type for c in obj.columns], state.capacity)
        elif obj.kind == "i" and obj.table_oid in state.tables:
            # (older versions could log an index over a relation that stores no rows, in a
            # transaction that then failed; create_relation now refuses it before logging)
            state.indexes[obj.oid] = build_index(state, obj)
            state.table_indexes.setdefault(obj.table_oid, []).append(obj.oid)
        elif obj.kind == "S":
            opts = obj.sequence
            state.sequences[obj.oid] = [opts.start if opts else 1, False]
    elif obj.kind in HEAP_KINDS and obj.oid in state.tables:
        state.tables[obj.oid].set_types([c.type for c in obj.columns])


def _oid(state: StorageState, rec) -> None:
    state.next_oid = max(state.next_oid, rec[1] + 1)


def _sequence(state: StorageState, rec) -> None:
    _, oid, last_value, is_called = rec
    if oid in state.sequences:
        state.sequences[oid] = [last_value, is_called]


def _vacuum(state: StorageState, rec) -> None:
    vacuum_tables(state, rec[1], rec[2])


def _prune(state: StorageState, rec) -> None:
    _, rel_oid, horizon = rec
    prune_indexes(state, rel_oid, horizon)


def prune_indexes(state: StorageState, rel_oid: int, horizon: int) -> None:
    """Drop from a table's indexes the entries of versions that died (at `horizon`) since their
    last prune. The result does not depend on when the table last pruned: a recovered node and
    a replica that pruned at other times hold the same entries after the same PRUNE record,
    except for versions dead at a horizon only one of them pruned at (invisible either way)."""
    table = state.tables.get(rel_oid)
    index_oids = state.table_indexes.get(rel_oid)
    if table is None or not index_oids:
        return
    dead = table.dead_since_pruned(state.txns.clog.status, horizon)
    if len(dead):
        for index_oid in index_oids:
            state.indexes[index_oid].prune(dead, table)


def _checkpoint(state: StorageState, rec) -> None:
    pass  # marks where a checkpoint was taken; nothing to change


_HANDLERS = {R.INSERT: _insert, R.UPDATE: _update, R.DELETE: _delete, R.COMMIT: _end, R.ABORT: _end,
             R.SUBABORT: _end, R.CATALOG: _catalog, R.OID: _oid, R.SEQUENCE: _sequence,
             R.TRUNCATE: _truncate, R.VACUUM: _vacuum, R.CHECKPOINT: _checkpoint,
             R.PRUNE: _prune, R.ROW_INSERT: _insert_row, R.ROW_UPDATE: _update_row}
