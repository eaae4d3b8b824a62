"""Store: the storage facade the engine calls (layer 2's whole public API).

Every change is: check (under the write lock) -> build a logical record -> append it to the
WAL -> apply(record). Checks raise before any effect: `WouldBlock(xid)` when a row or key is
held by a running transaction (the engine calls `wait_for` and retries), `RowChanged` when
READ COMMITTED must re-run the statement, SqlErrors otherwise. Reads take no lock.

    Store.open(data_dir, *, fs=None, fsync=True, capacity=65536, standby=False,
               checkpoint_wal_bytes=256 MB) -> Store     (a background checkpointer; 0 = off)
    store.promote()                                 standby -> primary: abort what the WAL left open
    store.catalog                                   Catalog (snapshot lookups, .version)
    store.begin(isolation="read committed", read_only=False, cancel_event=None) -> Txn
    store.snapshot(txn | None) -> Snapshot          RR: the first one is reused (SERIALIZABLE: store.ssi, ssi.py)
    store.commit(txn) -> Future | None              resolves (result None) once durable and
                                                    visible; None: nothing to wait for
    store.gather_commits(schedule)                  a commit on the calling thread (the event loop)
                                                    while no other transaction runs is flushed on
                                                    it, at the end of its round (wal.py)
    store.abort(txn); store.savepoint(txn) -> int; store.rollback_to(txn, token); store.release(txn, token)
    store.wait_for(txn, on, timeout_s, deadline=None)   on: WouldBlock.on; DeadlockDetected /
                                                    LockNotAvailable / QueryCanceled
    store.lock_relation(txn, oid, mode, nowait=False, momentary=False) -> bool   relation locks
                                                    (locks.py): WouldBlock when queued; False: NOWAIT
                                                    and not free; momentary: let go once granted
    store.unlock_relation(txn, oid, mode)           one of them before the transaction ends
    store.strongly_locked([(oid, mode)]); store.release_locks_after(txn, token)  (ROLLBACK TO a savepoint)
    store.relation_locks                            the lock manager (its locks(): pg_locks)
    store.blockers(txn) -> [Txn]                    whom txn waits for (pg_blocking_pids)
    store.waiting() -> {Txn: xid | LockRequest | SafeSnapshotWait}  the waits now (pg_stat_activity.wait_event)
    store.xid_locks() -> [(Txn, xid, granted)]      transaction-ID locks held and awaited (pg_locks)
    store.table(oid) -> Table; store.index(oid) -> Index
    store.insert(txn, rel_oid, columns, n) -> rowids
    store.update(txn, rel_oid, rowids, columns, snap, kept=frozenset()) -> new rowids (rows this
                                                    transaction already updated are skipped; `kept`:
                                                    attnums known unchanged, their unique keys unchecked)
    store.delete(txn, rel_oid, rowids, snap) -> int
    store.lock_rows(txn, rel_oid, rowids, snap, mode)   mode: update, no key update, share, key share
    store.find_conflicts(txn, index_oid, columns[, snap]) -> rowid of a live conflicting row or -1, per row
    store.lock_referenced(txn, index_oid, columns) -> rowid of the referenced row, locked KEY SHARE
                                                    for a foreign key's check, or -1, per row
    store.recheck_unique(txn, index_oids)           the keys writes kept for DEFERRABLE unique
                                                    indexes (txn.unique_rechecks): UniqueViolation
    store.create_relation(txn, rel) / alter_relation(txn, rel) / drop_relation(txn, oid)
        drop_relation of a table also drops its indexes and the sequences it owns; ALTER that
        adds a column: existing rows read NULL (the engine fills a default with UPDATE).
    store.create_namespace(txn, ns) / drop_namespace(txn, database, oid)
    store.create_database(txn, db) (adds the four built-in namespaces) / drop_database(txn, oid)
    store.create_role(txn, role) / alter_role(txn, role) / drop_role(txn, oid)
    store.allocate_oid(txn) -> int
    store.nextval(oid) -> int; store.setval(oid, value, is_called=True); store.sequence_state(oid)
    store.truncate(txn, rel_oid); store.vacuum(rel_oid=None); store.checkpoint(); store.close()
    store.vacuum_candidates(min_dead=1000, fraction=0.2) -> [rel_oid]; store.wal_since_checkpoint_bytes
    store.current_lsn; store.flushed_lsn; store.epoch (settable); store.stats() -> dict
    store.apply_replicated(payload, epoch) -> lsn      replicas: log + apply a primary's record
    store.fs, store.wal_dir                            for streaming the WAL (wal.read_wal)

Commit: the COMMIT record is appended; the transaction becomes visible and releases its row locks when the WAL
is durable up to it (on the flusher thread, before the returned future resolves). With `txn.synchronous_commit
= False` it is visible at once and commit returns None. Nobody waits for the WAL flusher while holding the
write lock, so the flusher's callback may take it (a transaction that did DDL applies its commit under it). If
the flush fails the future carries the OSError and the transaction stays in progress (the WAL refuses further
writes, as PostgreSQL PANICs).

Row locks (FOR UPDATE/SHARE) live in memory only: they matter only while their holder runs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial

import numpy as np

from quantadb.errors import InternalError, ReadOnlySqlTransaction, UndefinedObject, UndefinedTable

from . import records as R
from .apply import StorageState, apply
from .catalog import Catalog
from .checkpoint import write_checkpoint
from .ddl import SchemaChanges
from .fs import FileSystem
from .index import Index
from .lock_waits import LockWaits
from .locks import RelationLocks
from .multixact import MultiXacts, shown_xmax
from .recovery import checkpoint_dir, dump_state, recover, wal_dir
from .sequences import Sequences
from .ssi import SerializableXacts
from .table import DEFAULT_CAPACITY, Table
from .txn import ABORTED, COMMITTED, IN_PROGRESS, SHOWN_SELF, RowChanged, Snapshot, Txn, WouldBlock
from .vacuum import CompactionPlan, count_versions, prepare_compaction
from .wal import WalWriter
from .row_locks import RowLocks
from .null_keys import NullKeyChecks
from .unique_checks import UniqueChecks
from .writes import RowWrites

log = logging.getLogger("quantadb.storage")

ASYNC_FLUSH_DELAY_S = 0.01
DEFAULT_CHECKPOINT_WAL_BYTES = 256 << 20  # PostgreSQL's max_wal_size is 1 GB; replay here is slower
CHECKPOINTER_INTERVAL_S = 1.0
_NO_LOCK = contextlib.nullcontext()

__all__ = ["RowChanged", "Snapshot", "Store", "Txn", "WouldBlock"]


class Store(RowWrites, RowLocks, LockWaits, UniqueChecks, NullKeyChecks, SchemaChanges, Sequences):
    """The facade; row writes, row locks, lock waits, deferred uniqueness, DDL and sequences live
    in the mixins writes/row_locks/lock_waits/unique_checks/ddl/sequences."""

    def __init__(self, fs: FileSystem, data_dir: str, state: StorageState, wal: WalWriter) -> None:
        self._fs = fs
        self._data_dir = data_dir
        self._state = state
        self._wal = wal
        self.relation_locks = RelationLocks(state.txns)
        self.ssi = SerializableXacts(state)
        self._wlock = threading.RLock()
        self._seq_lock = threading.Lock()
        self._seq_runtime: dict[int, list] = {}  # oid -> [last_value, is_called, logged_value]
        self._row_locks: dict[int, dict[int, list[tuple[int, int]]]] = {}  # rel -> rowid -> (xid, strength) (row_locks.py)
        self.multixacts = MultiXacts(lambda xid: self._state.txns.clog.shown_of(xid))
        self._pending: dict[int, tuple] = {}  # top xid -> COMMIT record appended, not yet applied
        self._flush_timer: threading.Timer | None = None
        self._last_checkpoint_lsn = state.checkpoint_lsn
        self._checkpoint_lock = threading.Lock()
        self._checkpoint_thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._standby = False
        self._closed = False
        self._unlock: Callable[[], None] = lambda: None  # lets the data directory go (open() takes it)

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: str, *, fs: FileSystem | None = None, fsync: bool = True,
             capacity: int = DEFAULT_CAPACITY, standby: bool = False,
             checkpoint_wal_bytes: int = DEFAULT_CHECKPOINT_WAL_BYTES) -> Store:
        """Recover the data directory. A standby keeps transactions the WAL left open (the
        primary may still commit them); otherwise they are aborted, as after a crash. A
        background thread checkpoints past `checkpoint_wal_bytes` of WAL (0: never)."""
        fs = fs if fs is not None else FileSystem(fsync=fsync)
        fs.makedirs(data_dir)
        unlock = fs.lock_directory(data_dir)
        try:
            state = StorageState(capacity)
            end, epoch = recover(fs, data_dir, state)
            wal = WalWriter(fs, wal_dir(data_dir), end, epoch=epoch)
        except BaseException:
            unlock()
            raise
        store = cls(fs, data_dir, state, wal)
        store._unlock = unlock
        store._standby = standby
        if not standby:
            store.promote()
        if checkpoint_wal_bytes > 0:
            store._checkpoint_thread = threading.Thread(
                target=store._checkpointer, args=(checkpoint_wal_bytes,), name="quantadb-checkpointer", daemon=True)
            store._checkpoint_thread.start()
        return store

    def promote(self) -> None:
        """End recovery: abort (with ABORT records) every transaction the WAL left open."""
        self._standby = False
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
    def begin(self, isolation: str = "read committed", read_only: bool = False,
              cancel_event: threading.Event | None = None) -> Txn:
        txn = Txn(isolation, read_only, cancel_event)
        with self._state.txns.lock:
            self._state.txns.active.add(txn)
        return txn

    def hold_horizon(self) -> int:
        return self._state.txns.hold_horizon()

    def release_horizon(self, floor: int) -> None:
        self._state.txns.release_horizon(floor)

    def latest_snapshot(self, txn: Txn) -> Snapshot:
        """A new snapshot for txn whatever its isolation (PostgreSQL's GetLatestSnapshot): what a
        REPEATABLE READ transaction's foreign-key actions read."""
        return self._state.txns.snapshot(txn)

    def snapshot(self, txn: Txn | None) -> Snapshot:
        if txn is not None and txn.repeatable:
            if txn.snapshot is None:  # (SERIALIZABLE: registered with ssi.py)
                txn.snapshot = (self.ssi if txn.isolation == "serializable" else self._state.txns).snapshot(txn)
            return txn.snapshot
        snap = self._state.txns.snapshot(txn)
        if txn is not None:
            txn.snapshot_xmin = snap.xmin
        return snap

    def import_snapshot(self, txn: Txn, exported: Snapshot) -> None:
        self._state.txns.import_snapshot(txn, exported)

    def sees_current_catalog(self, txn: Txn | None) -> bool:
        """Does txn see the catalog as every other session now does? Not once it changed the
        catalog itself (uncommitted), nor on a REPEATABLE READ snapshot older than the last
        committed change: what is bound on its view then is its own, not to share or keep."""
        if txn is None:
            return True
        if txn.did_ddl:
            return False
        last = self._state.catalog.last_change
        return not (last and txn.repeatable and txn.snapshot is not None and not txn.snapshot.sees(last))

    def top_xid(self, txn: Txn) -> int:
        """txn's top-level xid, assigned on first use: a write's, or txid_current()'s, which
        PostgreSQL allows in a read-only transaction too (no subtransaction xid is assigned)."""
        if txn.xid is None:
            txn.xid = self._state.txns.assign(None)
            self._state.txns.owners[txn.xid] = txn
            txn.own.add(txn.xid)
            txn.frames[0] = txn.xid
        return txn.xid

    def _write_xid(self, txn: Txn) -> int:
        if txn.read_only:
            raise ReadOnlySqlTransaction("cannot execute a write in a read-only transaction")
        if txn.state != "active":
            raise InternalError(f"transaction is {txn.state}")
        self.top_xid(txn)
        frames = txn.frames
        if frames[-1] is None:  # the enclosing savepoints' first, as PostgreSQL's AssignTransactionId
            txns, internal = self._state.txns, txn.internal_levels
            savepoints = len(frames) - 1 > len(internal)  # a user's among the levels: rows show its xid
            shown = None
            for level in range(1, len(frames)):
                user = savepoints and level not in internal
                if frames[level] is None:
                    frames[level] = sub = txns.assign(txn.xid, SHOWN_SELF if user else shown)
                    txn.own.add(sub)
                if user:
                    shown = frames[level]
        return frames[-1]

    def commit(self, txn: Txn) -> Future | None:
        if txn.state != "active":
            return None
        self._forget(txn)
        if txn.xid is None:
            txn.state = "committed"
            self.relation_locks.release_all(txn)
            self.ssi.transaction_ended(txn)
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
        # Alone, the commit is gathered (fsync on the loop: it has nothing else to do meanwhile);
        # with other transactions running, the flusher thread fsyncs while the loop runs them.
        alone = not self._state.txns.active
        return self._wal.flush_async(lsn, gather=alone, then=partial(self._finish_commit, txn, rec))

    def gather_commits(self, schedule: Callable[[Callable[[], None]], object]) -> None:
        self._wal.gather_flushes(schedule)

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
        """The COMMIT record is durable: the transaction becomes visible (if the flush fails,
        this never runs: it stays in progress, see the module docstring)."""
        # physical drops and catalog reconciliation mutate under the write lock
        with self._wlock if txn.did_ddl else _NO_LOCK:
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
            self.relation_locks.release_all(txn)
            self.ssi.transaction_ended(txn)
            return
        if txn.wrote_wal:
            self._log((R.ABORT, txn.xid, txn.sub_xids()))
        else:
            self._state.txns.finish(sorted(txn.own), ABORTED)
        self._end_locks(txn)

    def _forget(self, txn: Txn) -> None:
        txns = self._state.txns
        with txns.lock:
            txns.active.discard(txn)
            self.relation_locks.leaving(txn)
        if txn.queued_tuple is not None:
            txns.leave_tuple_queue(txn)

    def savepoint(self, txn: Txn, internal: bool = False) -> int:
        """A new savepoint level; `internal`: the engine's own (see Txn.internal_levels)."""
        txn.frames.append(None)
        level = len(txn.frames) - 1
        if internal:
            txn.internal_levels.add(level)
        return level

    def rollback_to(self, txn: Txn, token: int) -> None:
        """Undo everything after the savepoint; the savepoint itself stays (as in PostgreSQL)."""
        internal = token in txn.internal_levels
        subs = _pop_levels(txn, token)
        txn.frames.append(None)
        if internal:
            txn.internal_levels.add(token)
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
        moved = _pop_levels(txn, token)
        if moved:
            txn.released.setdefault(token - 1, []).extend(moved)
        if txn.lock_log:
            self.relation_locks.fold_into(txn, token)

    # -- row locks -------------------------------------------------------------------------
    def _end_locks(self, txn: Txn) -> None:
        """The transaction's end is visible: its row and relation locks go (SIREAD locks: ssi.py)."""
        self.relation_locks.release_all(txn)
        self.ssi.transaction_ended(txn)
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
    def row_xids(self, rel_oid: int, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The xmin and xmax of row versions as a user sees them (Clog.shown): a subtransaction's
        the xid of the SAVEPOINT it ran under, or the top's (not known for a subtransaction that
        ended before the last restart). A version's xmax is the last xid to set or lock it (a
        locker's stays after it ended, as PostgreSQL's lock-only xmax), or the MultiXactId of
        several that hold it at once (storage/multixact.py)."""
        table = self.table(rel_oid)
        xmin, written = table.gather_mvcc(rowids)
        # (xids only grow: the newer of the two)
        xmax = np.maximum(written, table.locker_xids(rowids)) if table.lockers else written
        shown = self._state.txns.clog.shown
        return shown(xmin), shown_xmax(table, rowids, written, shown(xmax)) if table.multis else shown(xmax)

    def newest_versions(self, rel_oid: int, rowids: np.ndarray | list[int], generation: int) -> np.ndarray | None:
        """Each row's newest committed version, its update chain followed (Table.successor), for
        READ COMMITTED's re-check (engine/recheck.py); None when a VACUUM renumbered the table's
        rows since `generation`. A row deleted meanwhile stays itself (no snapshot sees it now)."""
        table, clog = self.table(rel_oid), self._state.txns.clog
        with self._wlock:
            if table.generation != generation:
                return None
            out = []
            for r in np.asarray(rowids, dtype=np.int64).tolist():  # (each hop goes to a later row id: it ends)
                while (new := table.successor(r, clog)) is not None and \
                        clog.get(table.xmin_xmax(new)[0]) == COMMITTED:
                    r = new
                out.append(r)
        return np.array(out, dtype=np.int64)

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

    # -- maintenance ------------------------------------------------------------------------------
    def prepare_vacuum(self, rel_oid: int) -> CompactionPlan | None:
        """Copy what a VACUUM of this table will keep, while statements run (storage/vacuum.py):
        pass it to vacuum() to shorten the time statements are held out. Takes no lock."""
        return prepare_compaction(self._state, rel_oid, self._state.txns.horizon())

    def vacuum(self, rel_oid: int | None = None, plan: CompactionPlan | None = None) -> None:
        """`plan` (prepare_vacuum's): vacuum at its horizon (the current one if older), so that
        it fits; rows that died since stay for the next VACUUM."""
        with self._wlock:
            horizon = self._state.txns.horizon()
            if plan is not None:
                horizon = min(horizon, plan.horizon)
            self._state.compaction_plan = plan
            try:
                self._log((R.VACUUM, None if rel_oid is None else [rel_oid], horizon))
            finally:
                self._state.compaction_plan = None

    def count_versions(self, rel_oid: int) -> tuple[int, int]:
        """(live, dead) row versions, as VACUUM and ANALYZE report them (vacuum.count_versions)."""
        return count_versions(self._state, rel_oid)

    def has_row_locks(self, rel_oid: int) -> bool:
        """Some transaction holds FOR UPDATE/SHARE locks on rows of this table (keyed by row id,
        so a VACUUM that renumbers rows must wait)."""
        return bool(self._row_locks.get(rel_oid))

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
        """Write a checkpoint of everything applied so far; recycle the WAL before it. A
        standby logs no CHECKPOINT record: its WAL stays byte-identical to the primary's."""
        with self._checkpoint_lock:
            with self._wlock:
                lsn = self._wal.written_lsn
                blobs = dump_state(self._state, list(self._pending.values()), self._wal.epoch)
            self._wal.flush(lsn)
            write_checkpoint(self._fs, checkpoint_dir(self._data_dir), lsn, blobs)
            self._last_checkpoint_lsn = lsn
            if not self._standby:
                self._log((R.CHECKPOINT, lsn))
            self._wal.recycle(lsn)
            log.info("[storage] checkpoint at LSN %d (%d tables)", lsn, len(self._state.tables))
            return lsn

    def _checkpointer(self, max_wal_bytes: int) -> None:
        """Background: checkpoint once a crash would replay more than max_wal_bytes of WAL."""
        while not self._stop.wait(CHECKPOINTER_INTERVAL_S):
            if self.wal_since_checkpoint_bytes > max_wal_bytes:
                try:
                    self.checkpoint()
                except Exception:  # keep the node up; the next round retries
                    log.exception("[storage] background checkpoint failed")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._checkpoint_thread is not None:
            self._checkpoint_thread.join()
        timer = self._flush_timer
        if timer is not None:
            timer.cancel()
        self._wal.close()
        self._unlock()

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


def _pop_levels(txn: Txn, token: int) -> list[int]:
    """Remove the savepoint levels from `token` up; returns their sub-xids (each level's own,
    then those released into the levels, in level order)."""
    frames = txn.frames
    if txn.internal_levels:
        txn.internal_levels.difference_update(range(token, len(frames)))
    if token == len(frames) - 1:  # the innermost level (a statement's savepoint), no scan; the
        sub = frames.pop()        # levels released into are below len(frames): only `token` here
        subs = [] if sub is None else [sub]
        released = txn.released.pop(token, None)
        if released:
            subs += released
        return subs
    subs = [x for x in frames[token:] if x is not None]
    for level in [k for k in txn.released if k >= token]:
        subs.extend(txn.released.pop(level))
    del frames[token:]
    return subs
