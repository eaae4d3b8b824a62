"""Store: the storage facade the engine calls (layer 2's whole public API).

Every change is: check (under the write lock) -> build a logical record -> append it to the
WAL -> apply(record). Checks raise before any effect: `WouldBlock(xid)` when a row or key is
held by a running transaction (the engine calls `wait_for` and retries), `RowChanged` when
READ COMMITTED must re-run the statement, SqlErrors otherwise. Reads take no lock.

    Store.open(data_dir, *, fs=None, fsync=True, capacity=65536, standby=False) -> Store
    store.promote()                                 standby -> primary: abort what the WAL left open
    store.catalog                                   Catalog (snapshot lookups, .version)
    store.begin(isolation="read committed", read_only=False) -> Txn
    store.snapshot(txn | None) -> Snapshot          RR: the first one is reused
    store.commit(txn) -> Future | None              resolves (with the LSN) once durable and
                                                    visible; None: nothing to wait for
    store.abort(txn); store.savepoint(txn) -> int; store.rollback_to(txn, token); store.release(txn, token)
    store.wait_for(txn, xid, timeout_s)             DeadlockDetected / LockNotAvailable / QueryCanceled
    store.table(oid) -> Table; store.index(oid) -> Index
    store.insert(txn, rel_oid, columns, n) -> rowids
    store.update(txn, rel_oid, rowids, columns, snap) -> new rowids (rows this transaction
                                                    already updated are skipped)
    store.delete(txn, rel_oid, rowids, snap) -> int
    store.lock_rows(txn, rel_oid, rowids, snap, mode)   mode: update, no key update, share, key share
    store.find_conflicts(txn, index_oid, columns) -> rowid of a live conflicting row or -1, per row
    store.create_relation(txn, rel) / alter_relation(txn, rel) / drop_relation(txn, oid)
        drop_relation of a table also drops its indexes and the sequences it owns; ALTER that
        adds a column: existing rows read NULL (the engine fills a default with UPDATE).
    store.create_namespace(txn, ns) / drop_namespace(txn, database, oid)
    store.create_database(txn, db) (adds the four built-in namespaces) / drop_database(txn, oid)
    store.create_role(txn, role) / alter_role(txn, role) / drop_role(txn, oid)
    store.set_comment(txn, rel_oid, comment)
    store.allocate_oid(txn) -> int
    store.nextval(oid) -> int; store.setval(oid, value, is_called=True); store.sequence_state(oid)
    store.truncate(txn, rel_oid); store.vacuum(rel_oid=None); store.checkpoint(); store.close()
    store.vacuum_candidates(min_dead=1000, fraction=0.2) -> [rel_oid]; store.wal_since_checkpoint_bytes
    store.current_lsn; store.flushed_lsn; store.epoch (settable); store.stats() -> dict
    store.apply_replicated(payload, epoch) -> lsn      replicas: log + apply a primary's record
    store.fs, store.wal_dir                            for streaming the WAL (wal.read_wal)

Commit: the COMMIT record is appended; the transaction becomes visible and releases its row
locks when the WAL is durable up to it (on the flusher thread, before the returned future
resolves). With `txn.synchronous_commit = False` it is visible at once and commit returns
None. Nobody waits for the WAL flusher while holding the write lock, so the flusher's
callback may take it (a transaction that did DDL applies its commit under it). If the flush
fails the future carries the OSError and the transaction stays in progress (the WAL refuses
further writes, as PostgreSQL PANICs).

Row locks (FOR UPDATE/SHARE) live in memory only: they matter only while their holder runs.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import replace

import numpy as np

from quantadb.errors import (
    DuplicateDatabase, DuplicateObject, DuplicateSchema, DuplicateTable, InternalError,
    ObjectNotInPrerequisiteState, ReadOnlySqlTransaction, SequenceGeneratorLimitExceeded,
    SerializationFailure, UndefinedObject, UndefinedTable, UniqueViolation,
)
from quantadb.types.column import Column

from . import records as R
from .apply import StorageState, apply
from .catalog import (
    BUILTIN_NAMESPACES, Catalog, DatabaseDef, NamespaceDef, RelationDef, RoleDef, key_of, to_value,
)
from .checkpoint import write_checkpoint
from .fs import FileSystem
from .index import Index, row_keys
from .recovery import checkpoint_dir, dump_state, recover, wal_dir
from .table import DEFAULT_CAPACITY, Table
from .txn import ABORTED, COMMITTED, IN_PROGRESS, RowChanged, Snapshot, Txn, WouldBlock
from .wal import WalWriter

log = logging.getLogger("quantadb.storage")

SEQUENCE_LOG_AHEAD = 32
PRUNE_MIN_DEAD = 64
ASYNC_FLUSH_DELAY_S = 0.01
_EXCLUSIVE_MODES = ("update", "no key update")

__all__ = ["Store", "Txn", "Snapshot", "WouldBlock", "RowChanged"]


class Store:
    def __init__(self, fs: FileSystem, data_dir: str, state: StorageState, wal: WalWriter) -> None:
        self._fs = fs
        self._data_dir = data_dir
        self._state = state
        self._wal = wal
        self._wlock = threading.RLock()
        self._seq_lock = threading.Lock()
        self._seq_runtime: dict[int, list] = {}  # oid -> [last_value, is_called, logged_value]
        self._row_locks: dict[int, dict[int, list[tuple[int, bool]]]] = {}  # rel -> rowid -> holders
        self._pending: dict[int, tuple] = {}  # top xid -> COMMIT record appended, not yet applied
        self._flush_timer: threading.Timer | None = None
        self._last_checkpoint_lsn = state.checkpoint_lsn
        self._closed = False

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: str, *, fs: FileSystem | None = None, fsync: bool = True,
             capacity: int = DEFAULT_CAPACITY, standby: bool = False) -> Store:
        """Recover the data directory. A standby keeps transactions the WAL left open (the
        primary may still commit them); otherwise they are aborted, as after a crash."""
        fs = fs if fs is not None else FileSystem(fsync=fsync)
        fs.makedirs(data_dir)
        state = StorageState(capacity)
        end, epoch = recover(fs, data_dir, state)
        wal = WalWriter(fs, wal_dir(data_dir), end, epoch=epoch)
        store = cls(fs, data_dir, state, wal)
        if not standby:
            store.promote()
        return store

    def promote(self) -> None:
        """End recovery: abort (with ABORT records) every transaction the WAL left open."""
        leftovers = sorted(self._state.txns.running)
        for xid in leftovers:
            self._log((R.ABORT, xid, []))
        if leftovers:
            log.info("[recovery] aborted %d transaction(s) left in progress: %s", len(leftovers), leftovers)

    @property
    def catalog(self) -> Catalog:
        return self._state.catalog

    @property
    def state(self) -> StorageState:
        return self._state

    @property
    def current_lsn(self) -> int:
        return self._wal.written_lsn

    @property
    def flushed_lsn(self) -> int:
        return self._wal.flushed_lsn

    @property
    def epoch(self) -> int:
        return self._wal.epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        self._wal.epoch = value

    @property
    def fs(self) -> FileSystem:
        return self._fs

    @property
    def wal_dir(self) -> str:
        """Where the WAL segments live (replication streams them with wal.read_wal)."""
        return wal_dir(self._data_dir)

    def apply_replicated(self, payload: bytes, epoch: int) -> int:
        """Replica: append a record received from the primary to the local WAL (the same bytes
        at the same position give the same LSN) and apply it; returns its end LSN."""
        rec = R.decode(payload)
        with self._wlock:
            self._wal.epoch = epoch
            lsn = self._wal.append(payload)
            apply(self._state, rec, lsn)
            return lsn

    def _log(self, rec: tuple, txn: Txn | None = None) -> object:
        """Append and apply one record (caller holds the write lock or needs no checks)."""
        with self._wlock:
            lsn = self._wal.append(R.encode(list(rec)))
            if txn is not None:
                txn.wrote_wal = True
            return apply(self._state, rec, lsn)

    # -- transactions ---------------------------------------------------------------------
    def begin(self, isolation: str = "read committed", read_only: bool = False) -> Txn:
        txn = Txn(isolation, read_only)
        with self._state.txns.cond:
            self._state.txns.active.add(txn)
        return txn

    def snapshot(self, txn: Txn | None) -> Snapshot:
        if txn is not None and txn.repeatable and txn.snapshot is not None:
            return txn.snapshot
        snap = self._state.txns.snapshot(txn)
        if txn is not None:
            if txn.repeatable:
                txn.snapshot = snap
            else:
                txn.snapshot_xmin = snap.xmin
        return snap

    def _write_xid(self, txn: Txn) -> int:
        if txn.read_only:
            raise ReadOnlySqlTransaction("cannot execute a write in a read-only transaction")
        if txn.state != "active":
            raise InternalError(f"transaction is {txn.state}")
        txns = self._state.txns
        if txn.xid is None:
            txn.xid = txns.assign(None)
            txn.own.add(txn.xid)
            txn.frames[0] = txn.xid
        if txn.frames[-1] is None:
            sub = txns.assign(txn.xid)
            txn.frames[-1] = sub
            txn.own.add(sub)
        return txn.frames[-1]

    def commit(self, txn: Txn) -> Future | None:
        if txn.state != "active":
            return None
        self._forget(txn)
        if txn.xid is None:
            txn.state = "committed"
            return None
        if not txn.wrote_wal:  # only row locks: nothing logged, nothing to make durable
            self._state.txns.finish(sorted(txn.own), COMMITTED)
            self._end_locks(txn)
            txn.state = "committed"
            return None
        rec = (R.COMMIT, txn.xid, txn.sub_xids())
        with self._wlock:
            lsn = self._wal.append(R.encode(list(rec)))
            if not txn.synchronous_commit:
                apply(self._state, rec, lsn)
                self._end_locks(txn)
                txn.state = "committed"
                self._schedule_background_flush()
                return None
            self._pending[txn.xid] = rec
        txn.state = "committing"
        done: Future = Future()
        done.set_running_or_notify_cancel()

        def durable(f: Future) -> None:
            exc = f.exception()
            if exc is not None:
                log.error("[storage] commit of transaction %d did not reach disk: %s", txn.xid, exc)
                done.set_exception(exc)
                return
            if txn.did_ddl:  # physical drops and catalog reconciliation mutate under the write lock
                with self._wlock:
                    self._finish_commit(txn, rec)
            else:
                self._finish_commit(txn, rec)
            done.set_result(lsn)

        self._wal.flush_async(lsn).add_done_callback(durable)
        return done

    def _schedule_background_flush(self) -> None:
        """Asynchronous commits: flush at most every ASYNC_FLUSH_DELAY_S (PostgreSQL's
        wal_writer_delay), not once per commit, so the flusher does not compete per transaction."""
        if self._flush_timer is not None:
            return

        def flush() -> None:
            self._flush_timer = None
            try:
                self._wal.flush_async(self._wal.written_lsn)
            except OSError as e:
                log.error("[storage] background WAL flush failed: %s", e)

        self._flush_timer = threading.Timer(ASYNC_FLUSH_DELAY_S, flush)
        self._flush_timer.daemon = True
        self._flush_timer.start()

    def _finish_commit(self, txn: Txn, rec: tuple) -> None:
        apply(self._state, rec)
        self._pending.pop(txn.xid, None)
        self._end_locks(txn)
        txn.state = "committed"

    def abort(self, txn: Txn) -> None:
        if txn.state != "active":
            return
        self._forget(txn)
        txn.state = "aborted"
        if txn.xid is None:
            return
        if txn.wrote_wal:
            self._log((R.ABORT, txn.xid, txn.sub_xids()))
        else:
            self._state.txns.finish(sorted(txn.own), ABORTED)
        self._end_locks(txn)

    def _forget(self, txn: Txn) -> None:
        with self._state.txns.cond:
            self._state.txns.active.discard(txn)

    def savepoint(self, txn: Txn) -> int:
        txn.frames.append(None)
        return len(txn.frames) - 1

    def rollback_to(self, txn: Txn, token: int) -> None:
        """Undo everything after the savepoint; the savepoint itself stays (as in PostgreSQL)."""
        subs = [x for x in txn.frames[token:] if x is not None]
        for level in [k for k in txn.released if k >= token]:
            subs.extend(txn.released.pop(level))
        del txn.frames[token:]
        txn.frames.append(None)
        if not subs:
            return
        txn.own.difference_update(subs)
        if txn.wrote_wal:
            self._log((R.SUBABORT, txn.xid, subs))
        else:
            self._state.txns.finish(subs, ABORTED)

    def release(self, txn: Txn, token: int) -> None:
        """RELEASE: the subtransactions' writes become the parent's (their xids commit with it, and a
        later rollback to an enclosing savepoint undoes them)."""
        moved = [x for x in txn.frames[token:] if x is not None]
        for level in [k for k in txn.released if k >= token]:
            moved.extend(txn.released.pop(level))
        del txn.frames[token:]
        if moved:
            txn.released.setdefault(token - 1, []).extend(moved)

    def wait_for(self, txn: Txn, xid: int, timeout_s: float | None) -> None:
        self._state.txns.wait_for(txn, xid, timeout_s)

    # -- row locks -------------------------------------------------------------------------
    def _end_locks(self, txn: Txn) -> None:
        if not txn.locks:
            return
        with self._wlock:
            for rel, rowid in txn.locks:
                holders = self._row_locks.get(rel, {}).get(rowid)
                if holders is None:
                    continue
                holders[:] = [h for h in holders if h[0] not in txn.own and self._state.txns.status(h[0]) ==
                              IN_PROGRESS]
                if not holders:
                    del self._row_locks[rel][rowid]
            txn.locks.clear()

    # -- relations ---------------------------------------------------------------------------
    def table(self, rel_oid: int) -> Table:
        t = self._state.tables.get(rel_oid)
        if t is None:
            raise UndefinedTable(f"relation with OID {rel_oid} does not exist")
        return t

    def index(self, index_oid: int) -> Index:
        i = self._state.indexes.get(index_oid)
        if i is None:
            raise UndefinedObject(f"index with OID {index_oid} does not exist")
        return i

    def _status(self, xid: int) -> int:
        return self._state.txns.status(xid)

    def _row_live(self, txn: Txn, table: Table, rowid: int) -> bool:
        """Is this version live right now (a dirty read)? WouldBlock if a running writer decides."""
        xmin, xmax = table.xmin_xmax(rowid)
        own = txn.own
        if xmin not in own:
            st = self._status(xmin)
            if st == ABORTED:
                return False
            if st == IN_PROGRESS:
                raise WouldBlock(xmin)
        if xmax == 0 or xmax in own:
            return xmax == 0
        st = self._status(xmax)
        if st == IN_PROGRESS:
            raise WouldBlock(xmax)
        return st == ABORTED

    def _unique_violation(self, index_name: str, table_oid: int, attnums: tuple[int, ...], key,
                          building: bool = False) -> UniqueViolation:
        cat = self._state.catalog
        trel = cat.current(("rel", 0, table_oid))
        names = [next((c.name for c in trel.columns if c.attnum == a), str(a)) if trel else str(a)
                 for a in attnums]
        values = key if len(attnums) > 1 else (key,)
        ns = cat.current(("ns", trel.database, trel.namespace)) if trel else None
        shown = f"Key ({', '.join(names)})=({', '.join(_text(v) for v in values)})"
        if building:
            message, detail = f'could not create unique index "{index_name}"', f"{shown} is duplicated."
        else:
            message, detail = f'duplicate key value violates unique constraint "{index_name}"', \
                f"{shown} already exists."
        return UniqueViolation(message, detail=detail, schema=ns.name if ns else None,
                               table=trel.name if trel else None, constraint=index_name)

    def _index_name(self, index_oid: int) -> str:
        irel = self._state.catalog.current(("rel", 0, index_oid))
        return irel.name if irel else str(index_oid)

    def _check_unique(self, txn: Txn, rel_oid: int, columns: list[Column], n: int,
                      only: np.ndarray | None = None) -> None:
        """UNIQUE/PRIMARY KEY for n new rows (`only`: the rows whose key may have changed)."""
        if only is not None and not only.any():
            return
        table = self._state.tables[rel_oid]
        for index_oid in self._state.table_indexes.get(rel_oid, ()):
            idx = self._state.indexes[index_oid]
            if not idx.unique:
                continue
            if n > 64 and idx.numeric:
                self._check_unique_bulk(txn, table, idx, columns[idx.attnums[0] - 1], n, only)
                continue
            keys, ok = row_keys([columns[a - 1] for a in idx.attnums], n)
            if only is not None:
                ok &= only
            seen: set = set()
            for k, good in zip(keys, ok.tolist()):
                if not good:
                    continue
                if k in seen:
                    raise self._unique_violation(self._index_name(index_oid), rel_oid, idx.attnums, k)
                seen.add(k)
                for r in idx.lookup_key(k):
                    if self._row_live(txn, table, r):
                        raise self._unique_violation(self._index_name(index_oid), rel_oid, idx.attnums, k)

    def _check_unique_bulk(self, txn: Txn, table: Table, idx: Index, col: Column, n: int,
                           only: np.ndarray | None) -> None:
        """_check_unique for a large batch on one numeric column, without Python keys per row."""
        mask = np.ones(n, dtype=np.bool_) if col.valid is None else col.valid[:n].copy()
        if only is not None:
            mask &= only
        keys = col.data[:n][mask]
        ordered = np.sort(keys)
        dup = np.flatnonzero(ordered[1:] == ordered[:-1])
        if len(dup):
            raise self._unique_violation(self._index_name(idx.oid), table.oid, idx.attnums, ordered[dup[0]].item())
        pos, rows = idx.lookup_array(keys)
        for p, r in zip(pos.tolist(), rows.tolist()):
            if self._row_live(txn, table, r):
                raise self._unique_violation(self._index_name(idx.oid), table.oid, idx.attnums, keys[p].item())

    def _check_targets(self, txn: Txn, rel_oid: int, table: Table, rowids: np.ndarray,
                       exclusive: bool) -> np.ndarray:
        """Conflicts of an UPDATE/DELETE/lock on existing rows; returns the rows to act on
        (False: already updated/deleted by this transaction)."""
        keep = np.ones(len(rowids), dtype=np.bool_)
        if len(rowids) == 1:
            xmaxes = [table.xmin_xmax(int(rowids[0]))[1]]
            check = [0] if xmaxes[0] else []
        else:
            xmax = table.gather_mvcc(rowids)[1]
            check = np.flatnonzero(xmax).tolist()
            xmaxes = xmax.tolist()
        own = txn.own
        for k in check:
            x = xmaxes[k]
            if x in own:
                keep[k] = False
                continue
            st = self._status(x)
            if st == ABORTED:
                continue
            if st == IN_PROGRESS:
                raise WouldBlock(x)
            if txn.repeatable:
                raise SerializationFailure("could not serialize access due to concurrent update")
            raise RowChanged(int(rowids[k]))
        locks = self._row_locks.get(rel_oid)
        if locks:
            for r in rowids.tolist():
                for holder, excl in locks.get(r, ()):
                    if holder not in own and (excl or exclusive) and self._status(holder) == IN_PROGRESS:
                        raise WouldBlock(holder)
        return keep

    def insert(self, txn: Txn, rel_oid: int, columns: list[Column], n: int) -> np.ndarray:
        cols = _trim(columns, n)
        with self._wlock:
            self.table(rel_oid)
            self._check_unique(txn, rel_oid, cols, n)
            xid = self._write_xid(txn)
            return self._log((R.INSERT, xid, rel_oid, n, cols), txn)

    def update(self, txn: Txn, rel_oid: int, rowids: np.ndarray, columns: list[Column],
               snap: Snapshot) -> np.ndarray:
        rowids = np.asarray(rowids, dtype=np.int64)
        cols = _trim(columns, len(rowids))
        with self._wlock:
            table = self.table(rel_oid)
            keep = self._check_targets(txn, rel_oid, table, rowids, exclusive=True)
            if not keep.all():
                rowids = rowids[keep]
                cols = [Column(c.data[keep], None if c.valid is None else c.valid[keep]) for c in cols]
            n = len(rowids)
            if n == 0:
                return rowids
            changed = self._key_changed(table, rel_oid, rowids, cols)
            if changed is not None:
                self._check_unique(txn, rel_oid, cols, n, only=changed)
            xid = self._write_xid(txn)
            new = self._log((R.UPDATE, xid, rel_oid, rowids, n, cols), txn)
            self._maybe_prune(table)
            return new

    def _key_changed(self, table: Table, rel_oid: int, rowids: np.ndarray, cols: list[Column]) -> np.ndarray | None:
        """Rows whose key in some unique index differs from the old version (None: no unique index)."""
        changed = None
        for index_oid in self._state.table_indexes.get(rel_oid, ()):
            idx = self._state.indexes[index_oid]
            if not idx.unique:
                continue
            old = table.fetch(rowids, list(idx.attnums))
            if changed is None:
                changed = np.zeros(len(rowids), dtype=np.bool_)
            for a, o in zip(idx.attnums, old):
                new = cols[a - 1]
                diff = np.asarray(new.data != o.data, dtype=np.bool_).reshape(-1)
                if new.valid is not None or o.valid is not None:
                    nv = np.ones(len(rowids), np.bool_) if new.valid is None else new.valid
                    ov = np.ones(len(rowids), np.bool_) if o.valid is None else o.valid
                    diff |= nv != ov
                changed |= diff
        return changed

    def _maybe_prune(self, table: Table) -> None:
        """Keep index candidate lists short under update churn (pgbench's branches row gets a
        new version per transaction): once enough versions died, log a PRUNE."""
        if table.dead_since_prune > max(PRUNE_MIN_DEAD, table.live_estimate // 8) and \
                self._state.table_indexes.get(table.oid):
            table.dead_since_prune = 0
            self._log((R.PRUNE, table.oid, self._state.txns.horizon()))

    def delete(self, txn: Txn, rel_oid: int, rowids: np.ndarray, snap: Snapshot) -> int:
        rowids = np.asarray(rowids, dtype=np.int64)
        with self._wlock:
            table = self.table(rel_oid)
            keep = self._check_targets(txn, rel_oid, table, rowids, exclusive=True)
            rowids = rowids[keep]
            if len(rowids) == 0:
                return 0
            xid = self._write_xid(txn)
            self._log((R.DELETE, xid, rel_oid, rowids), txn)
            self._maybe_prune(table)
            return len(rowids)

    def lock_rows(self, txn: Txn, rel_oid: int, rowids: np.ndarray, snap: Snapshot, mode: str) -> None:
        rowids = np.asarray(rowids, dtype=np.int64)
        exclusive = mode.lower() in _EXCLUSIVE_MODES
        with self._wlock:
            table = self.table(rel_oid)
            keep = self._check_targets(txn, rel_oid, table, rowids, exclusive)
            if txn.read_only:
                raise ReadOnlySqlTransaction("cannot execute SELECT FOR UPDATE in a read-only transaction")
            xid = self._write_xid(txn)
            locks = self._row_locks.setdefault(rel_oid, {})
            for r in rowids[keep].tolist():
                locks.setdefault(r, []).append((xid, exclusive))
                txn.locks.append((rel_oid, r))

    def find_conflicts(self, txn: Txn, index_oid: int, columns: list[Column]) -> np.ndarray:
        idx = self.index(index_oid)
        table = self.table(idx.table_oid)
        n = len(columns[0].data)
        keys, ok = row_keys(columns, n)
        out = np.full(n, -1, dtype=np.int64)
        for i, (k, good) in enumerate(zip(keys, ok.tolist())):
            if good:
                for r in idx.lookup_key(k):
                    if self._row_live(txn, table, r):
                        out[i] = r
                        break
        return out

    def truncate(self, txn: Txn, rel_oid: int) -> None:
        with self._wlock:
            table = self.table(rel_oid)
            status = self._state.txns.clog.status
            own = np.fromiter(txn.own, dtype=np.int64, count=len(txn.own))
            for seg in table.segments:
                n = seg.n
                for arr in (seg.xmin[:n], seg.xmax[:n]):
                    busy = (arr != 0) & (status[arr] == IN_PROGRESS) & ~np.isin(arr, own)
                    if busy.any():
                        raise WouldBlock(int(arr[np.argmax(busy)]))
            xid = self._write_xid(txn)
            self._log((R.TRUNCATE, xid, rel_oid), txn)

    # -- catalog (DDL) --------------------------------------------------------------------
    def _ddl(self, txn: Txn, op: str, kind: str, value: object, key: tuple | None = None) -> None:
        if key is not None:
            writer = self._state.catalog.current_writer(key)
            if writer and writer not in txn.own:
                raise WouldBlock(writer)
        xid = self._write_xid(txn)
        txn.did_ddl = True
        self._log((R.CATALOG, xid, op, kind, value), txn)

    def create_relation(self, txn: Txn, rel: RelationDef) -> None:
        with self._wlock:
            snap = self.snapshot(txn) if not txn.repeatable else self._state.txns.snapshot(txn)
            if self.catalog.find_relation(snap, rel.database, rel.namespace, rel.name) is not None:
                raise DuplicateTable(f'relation "{rel.name}" already exists')
            if rel.kind == "i" and rel.unique:
                self._check_unique_build(txn, rel)
            self._ddl(txn, "create", "rel", to_value(rel))

    def _check_unique_build(self, txn: Txn, rel: RelationDef) -> None:
        table = self.table(rel.table_oid)
        status = self._state.txns.clog.status
        own = np.fromiter(txn.own, dtype=np.int64, count=len(txn.own))
        seen: set = set()
        for first, cols, xmin, xmax in table.all_rows(list(rel.index_columns)):
            seen_min = (status[xmin] == COMMITTED) | np.isin(xmin, own)
            dead = (xmax != 0) & ((status[xmax] == COMMITTED) | np.isin(xmax, own))
            live = seen_min & ~dead
            keys, ok = row_keys(cols, len(xmin))
            for k, good in zip(keys, (ok & live).tolist()):
                if good:
                    if k in seen:
                        raise self._unique_violation(rel.name, rel.table_oid, rel.index_columns, k, building=True)
                    seen.add(k)

    def alter_relation(self, txn: Txn, rel: RelationDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "rel", to_value(rel), ("rel", 0, rel.oid))

    def drop_relation(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            snap = self._state.txns.snapshot(txn)
            rel = self.catalog.relation(snap, oid)
            if rel is None:
                raise UndefinedTable(f"relation with OID {oid} does not exist")
            if rel.kind == "r":
                for idx in self.catalog.indexes_of(snap, oid):
                    self._ddl(txn, "drop", "rel", ("rel", 0, idx.oid), ("rel", 0, idx.oid))
                for seq in self.catalog.relations(snap, rel.database):
                    if seq.kind == "S" and seq.sequence and seq.sequence.owned_by and \
                            seq.sequence.owned_by[0] == oid:
                        self._ddl(txn, "drop", "rel", ("rel", 0, seq.oid), ("rel", 0, seq.oid))
            self._ddl(txn, "drop", "rel", ("rel", 0, oid), ("rel", 0, oid))

    def set_comment(self, txn: Txn, rel_oid: int, comment: str | None) -> None:
        with self._wlock:
            rel = self.catalog.relation(self._state.txns.snapshot(txn), rel_oid)
            if rel is None:
                raise UndefinedTable(f"relation with OID {rel_oid} does not exist")
            self._ddl(txn, "alter", "rel", to_value(replace(rel, comment=comment)), ("rel", 0, rel_oid))

    def create_namespace(self, txn: Txn, ns: NamespaceDef) -> None:
        with self._wlock:
            if self.catalog.find_namespace(self._state.txns.snapshot(txn), ns.database, ns.name):
                raise DuplicateSchema(f'schema "{ns.name}" already exists')
            self._ddl(txn, "create", "ns", to_value(ns))

    def drop_namespace(self, txn: Txn, database: int, oid: int) -> None:
        with self._wlock:
            key = ("ns", database, oid)
            self._ddl(txn, "drop", "ns", key, key)

    def create_database(self, txn: Txn, db: DatabaseDef) -> None:
        with self._wlock:
            if self.catalog.find_database(self._state.txns.snapshot(txn), db.name):
                raise DuplicateDatabase(f'database "{db.name}" already exists')
            self._ddl(txn, "create", "db", to_value(db))
            for ns_oid, ns_name in BUILTIN_NAMESPACES:
                self._ddl(txn, "create", "ns", to_value(NamespaceDef(ns_oid, db.oid, ns_name, db.owner)))

    def drop_database(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            snap = self._state.txns.snapshot(txn)
            for rel in self.catalog.relations(snap, oid):
                key = ("rel", 0, rel.oid)
                self._ddl(txn, "drop", "rel", key, key)
            for ns in self.catalog.namespaces(snap, oid):
                key = ("ns", oid, ns.oid)
                self._ddl(txn, "drop", "ns", key, key)
            self._ddl(txn, "drop", "db", ("db", 0, oid), ("db", 0, oid))

    def create_role(self, txn: Txn, role: RoleDef) -> None:
        with self._wlock:
            if self.catalog.find_role(self._state.txns.snapshot(txn), role.name):
                raise DuplicateObject(f'role "{role.name}" already exists')
            self._ddl(txn, "create", "role", to_value(role))

    def alter_role(self, txn: Txn, role: RoleDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "role", to_value(role), key_of(role))

    def drop_role(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            self._ddl(txn, "drop", "role", ("role", 0, oid), ("role", 0, oid))

    def allocate_oid(self, txn: Txn | None = None) -> int:
        with self._wlock:
            oid = self._state.next_oid
            self._log((R.OID, oid))
            return oid

    # -- sequences (non-transactional) ------------------------------------------------------
    def _seq(self, oid: int) -> tuple[list, RelationDef]:
        rel = self.catalog.current(("rel", 0, oid))
        if rel is None or rel.kind != "S" or oid not in self._state.sequences:
            raise UndefinedTable(f"sequence with OID {oid} does not exist")
        rt = self._seq_runtime.get(oid)
        if rt is None:
            last, called = self._state.sequences[oid]
            rt = self._seq_runtime[oid] = [last, called, last if called else None]
        return rt, rel

    def nextval(self, seq_oid: int) -> int:
        with self._seq_lock:
            rt, rel = self._seq(seq_oid)
            opts = rel.sequence
            inc = opts.increment if opts else 1
            lo = opts.min_value if opts else 1
            hi = opts.max_value if opts else 2**63 - 1
            value = rt[0] + inc if rt[1] else rt[0]
            if value > hi or value < lo:
                if not (opts and opts.cycle):
                    which, bound = ("maximum", hi) if value > hi else ("minimum", lo)
                    raise SequenceGeneratorLimitExceeded(
                        f'nextval: reached {which} value of sequence "{rel.name}" ({bound})')
                value = lo if inc > 0 else hi
            logged = rt[2]
            if logged is None or (value > logged if inc > 0 else value < logged) or \
                    (opts and opts.cycle and value in (lo, hi)):
                ahead = min(hi, value + inc * SEQUENCE_LOG_AHEAD) if inc > 0 else \
                    max(lo, value + inc * SEQUENCE_LOG_AHEAD)
                self._log((R.SEQUENCE, seq_oid, ahead, True))
                rt[2] = ahead
            rt[0], rt[1] = value, True
            return value

    def setval(self, seq_oid: int, value: int, is_called: bool = True) -> None:
        with self._seq_lock:
            rt, rel = self._seq(seq_oid)
            opts = rel.sequence
            lo = opts.min_value if opts else 1
            hi = opts.max_value if opts else 2**63 - 1
            if value < lo or value > hi:
                raise ObjectNotInPrerequisiteState(
                    f'setval: value {value} is out of bounds for sequence "{rel.name}" ({lo}..{hi})')
            self._log((R.SEQUENCE, seq_oid, value, is_called))
            rt[0], rt[1], rt[2] = value, is_called, value

    def sequence_state(self, seq_oid: int) -> tuple[int, bool]:
        """(last_value, is_called) as the session-independent sequence row shows them."""
        with self._seq_lock:
            rt, _ = self._seq(seq_oid)
            return rt[0], rt[1]

    # -- maintenance ------------------------------------------------------------------------------
    def vacuum(self, rel_oid: int | None = None) -> None:
        with self._wlock:
            horizon = self._state.txns.horizon()
            self._log((R.VACUUM, None if rel_oid is None else [rel_oid], horizon))

    def vacuum_candidates(self, min_dead: int = 1000, fraction: float = 0.2) -> list[int]:
        """Tables worth an autovacuum (PostgreSQL's threshold + scale factor rule). VACUUM
        renumbers rows: run it between statements, never while one holds row ids."""
        return [oid for oid, t in sorted(self._state.tables.items())
                if t.dead_since_vacuum > min_dead + fraction * t.live_estimate]

    @property
    def wal_since_checkpoint_bytes(self) -> int:
        """WAL a crash would replay; the node checkpoints when it grows past its limit."""
        return self._wal.written_lsn - self._last_checkpoint_lsn

    def checkpoint(self) -> int:
        """Write a checkpoint of everything applied so far; recycle the WAL before it."""
        with self._wlock:
            lsn = self._wal.written_lsn
            blobs = dump_state(self._state, list(self._pending.values()), self._wal.epoch)
        self._wal.flush(lsn)
        write_checkpoint(self._fs, checkpoint_dir(self._data_dir), lsn, blobs)
        self._last_checkpoint_lsn = lsn
        self._log((R.CHECKPOINT, lsn))
        self._wal.recycle(lsn)
        log.info("[storage] checkpoint at LSN %d (%d tables)", lsn, len(self._state.tables))
        return lsn

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        timer = self._flush_timer
        if timer is not None:
            timer.cancel()
        self._wal.close()

    def stats(self) -> dict:
        s = self._state
        return {
            "tables": len(s.tables),
            "indexes": len(s.indexes),
            "rows": sum(t.row_count for t in s.tables.values()),
            "table_bytes": sum(t.nbytes() for t in s.tables.values()),
            "index_bytes": sum(i.nbytes() for i in s.indexes.values()),
            "next_xid": s.txns.next_xid,
            "running_xids": len(s.txns.running),
            "wal_written_lsn": self._wal.written_lsn,
            "wal_flushed_lsn": self._wal.flushed_lsn,
            "wal_fsync_count": self._wal.fsync_count,
            "wal_fsync_seconds": self._wal.fsync_seconds,
            "wal_bytes_written": self._wal.bytes_written,
            "catalog_version": s.catalog.version,
        }


def _trim(columns: list[Column], n: int) -> list[Column]:
    out = []
    for c in columns:
        data = c.data if len(c.data) == n else c.data[:n]
        valid = c.valid if c.valid is None or len(c.valid) == n else c.valid[:n]
        out.append(Column(np.asarray(data), None if valid is None else np.asarray(valid, dtype=np.bool_)))
    return out


def _text(v: object) -> str:
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)
