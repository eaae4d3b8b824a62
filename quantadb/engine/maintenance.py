"""Background maintenance of one node: autovacuum and time-based checkpoints.

VACUUM compacts tables and so renumbers rows, while a running statement holds row ids
between reading and writing. Statements therefore run under the shared side of a
`StatementGate` and VACUUM under its exclusive side; the gate prefers statements, so a
vacuum waits for a moment with no statement running and never holds one up for long. The
copying is done before (`Store.prepare_vacuum`), while statements run.
Tables with row locks held (SELECT ... FOR UPDATE, keyed by row id) are left for later, as are
tables whose row ids an open cursor keeps for WHERE CURRENT OF (engine/current_of.py).

Relation locks as PostgreSQL's: a VACUUM statement's session holds ShareUpdateExclusive on the
table it asked for (engine/utility.py). Autovacuum takes it itself, in a storage transaction of
its own per table (shown in pg_locks and pg_stat_activity as PostgreSQL's autovacuum worker),
without waiting: a table locked in a conflicting mode (a transaction that altered or LOCKed it
and is still open, a VACUUM) is skipped until a later round (VACOPT_SKIP_LOCKED). Holding it, it
gives up as soon as a conflicting request queues behind it ("canceling autovacuum task"), as
PostgreSQL cancels an autovacuum that blocks another's lock, rather than make a user wait.

Checkpoints after a volume of WAL are storage's own (its checkpointer); this thread adds
one every `checkpoint_timeout_s` so an idle node's recovery stays short.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from quantadb.engine.pgstat import CumulativeStats
from quantadb.storage.locks import SHARE_UPDATE_EXCLUSIVE
from quantadb.storage.store import Store
from quantadb.storage.txn import Txn

log = logging.getLogger("quantadb.engine")

GIVE_UP_POLL_S = 0.05
# PostgreSQL's autovacuum_vacuum_threshold and autovacuum_vacuum_scale_factor
AUTOVACUUM_THRESHOLD = 1000
AUTOVACUUM_SCALE_FACTOR = 0.2
# autovacuum_analyze_threshold and autovacuum_analyze_scale_factor
AUTOANALYZE_THRESHOLD = 50
AUTOANALYZE_SCALE_FACTOR = 0.1


class StatementGate:
    """A readers-preferring shared/exclusive lock: statements share, VACUUM is exclusive.

    Every statement enters and leaves the shared side, so that is a plain lock and a counter;
    the condition is waited on or notified only while a VACUUM waits or runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._active = 0
        self._exclusive = False
        self._exclusive_waiting = False  # so the last statement out wakes only a waiting VACUUM

    def shared(self) -> StatementGate:
        """`with gate.shared():` around a statement; the gate is itself that context (nothing
        is made per statement)."""
        return self

    # acquire()/release() rather than `with self._lock`: about a third less work per statement
    def __enter__(self) -> None:
        self._lock.acquire()
        try:
            while self._exclusive:
                self._cond.wait()
            self._active += 1
        finally:
            self._lock.release()

    def __exit__(self, *exc: object) -> None:
        self._lock.acquire()
        try:
            self._active -= 1
            if self._exclusive_waiting and not self._active:
                self._cond.notify_all()
        finally:
            self._lock.release()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Inside a statement: let go of its share while it waits for a VACUUM to run."""
        self.__exit__()
        try:
            yield
        finally:
            self.__enter__()

    @contextmanager
    def exclusive(self, timeout_s: float, give_up: Callable[[], bool] = lambda: False) -> Iterator[bool]:
        """Yields True once no statement runs (False if that did not happen within timeout_s, or
        give_up() said so: it is asked every GIVE_UP_POLL_S of the wait)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            self._exclusive_waiting = True
            while self._active and time.monotonic() < deadline and not give_up():
                self._cond.wait(min(max(deadline - time.monotonic(), 0.001), GIVE_UP_POLL_S))
            self._exclusive_waiting = False
            acquired = not self._active
            if acquired:
                self._exclusive = True
        try:
            yield acquired
        finally:
            if acquired:
                with self._cond:
                    self._exclusive = False
                    self._cond.notify_all()


@dataclass
class WorkerActivity:
    """What autovacuum works on now (pg_stat_activity's autovacuum worker row)."""

    database: int
    query: str
    started: float  # time.time()


class Maintenance:
    def __init__(self, store: Store, gate: StatementGate, pgstat: CumulativeStats, *, naptime_s: float = 5.0,
                 checkpoint_timeout_s: float = 300.0, row_ids_held: Callable[[int], bool] = lambda oid: False) -> None:
        self.store = store
        self.row_ids_held = row_ids_held  # do open cursors keep row ids of the table (WHERE CURRENT OF)?
        self.gate = gate
        self.pgstat = pgstat
        self.naptime_s = naptime_s
        self.checkpoint_timeout_s = checkpoint_timeout_s
        self.requested: set[int | None] = set()  # tables a VACUUM statement asked for (None: all)
        self._left: set[int] = set()  # tables VACUUM statements asked for, left for a later round
        self._waiting: list[threading.Event] = []  # VACUUM statements waiting for the next round
        self._lock = threading.Lock()  # guards requested and _waiting against the sessions
        self.pid = os.getpid()  # the autovacuum worker's, in pg_locks and pg_stat_activity
        self.activity: WorkerActivity | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._last_checkpoint_at = time.monotonic()
        self._last_checkpoint_lsn = store.current_lsn
        self._thread = threading.Thread(target=self._run, name="quantadb-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for done in waiting:
            done.set()

    def request_vacuum(self, rel_oids: list[int] | None) -> threading.Event:
        """Vacuum these tables (None: all) in the next round; the event is set when it is over.
        A table with row locks held, or busy for a second, is left for a later round, which then
        takes the table's lock itself (the statement has let go of its own)."""
        done = threading.Event()
        with self._lock:
            self.requested.update(rel_oids if rel_oids else [None])
            self._waiting.append(done)
        self._wake.set()
        return done

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.naptime_s)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.vacuum_round()
                self._maybe_checkpoint()
            except Exception:  # keep the node serving; the next round retries
                log.exception("[maintenance] background round failed")

    def vacuum_round(self) -> list[int]:
        """Vacuum the requested tables and autovacuum's candidates, between statements."""
        with self._lock:
            requested, self.requested = self.requested, set()
            waiting, self._waiting = self._waiting, []
        try:
            return self._vacuum(requested)
        finally:
            for done in waiting:
                done.set()

    def _vacuum(self, requested: set[int | None]) -> list[int]:
        if None in requested:
            requested = set(self.store.vacuum_candidates(min_dead=0, fraction=0.0))
        with self._lock:
            left, self._left = self._left, set()
        self.pgstat.forget_others(lambda: {*self.store.state.tables, *self.store.state.indexes})
        # autovacuum's: what the counts say (as PostgreSQL's), and what storage knows is dead (the
        # counts of a session not flushed yet, or flushed after a vacuum that removed those rows)
        chosen = self.store.vacuum_candidates(AUTOVACUUM_THRESHOLD, AUTOVACUUM_SCALE_FACTOR)
        chosen += self.pgstat.vacuum_candidates(AUTOVACUUM_THRESHOLD, AUTOVACUUM_SCALE_FACTOR)
        analyze = set(self.pgstat.analyze_candidates(AUTOANALYZE_THRESHOLD, AUTOANALYZE_SCALE_FACTOR))
        vacuum = left | set(chosen)
        done = []
        for oid in sorted(requested | vacuum | analyze):
            if oid in requested:  # the VACUUM statement's session holds the table's lock
                vacuumed = self._vacuum_table(oid, None, manual=True)
            else:
                vacuumed = self._autovacuum(oid, oid in left, oid in vacuum, oid in analyze)
            if vacuumed:
                done.append(oid)
            elif vacuumed is False and (oid in requested or oid in left):
                with self._lock:
                    self._left.add(oid)
        if done:
            log.info("[maintenance] vacuumed %d table(s)", len(done))
        return done

    def _autovacuum(self, oid: int, manual: bool, vacuum: bool, analyze: bool) -> bool | None:
        """Vacuum and/or analyze a table under a ShareUpdateExclusive lock of its own, skipped if not
        available at once (see above): autovacuum's choice, or a VACUUM statement's table left for
        later (`manual`). Returns as _vacuum_table (None: no vacuum)."""
        rel = self.store.catalog.relation(self.store.snapshot(None), oid)
        if rel is None or oid not in self.store.state.tables:  # dropped since
            return None
        txn = self.store.begin()
        txn.pid, txn.database = self.pid, rel.database
        try:
            if not self.store.lock_relation(txn, oid, SHARE_UPDATE_EXCLUSIVE, nowait=True):
                log.debug("[maintenance] skipping vacuum of relation %d: lock not available", oid)
                return False
            namespace = self.store.catalog.namespace(self.store.snapshot(None), rel.database, rel.namespace)
            name = f"{namespace.name if namespace else ''}.{rel.name}"
            what = " ".join(w for w, on in (("VACUUM", vacuum), ("ANALYZE", analyze)) if on)
            self.activity = WorkerActivity(rel.database, f"autovacuum: {what} {name}", time.time())
            vacuumed = self._vacuum_table(oid, txn, manual) if vacuum else None
            if vacuum and vacuumed is None:
                log.error('[maintenance] canceling autovacuum task (automatic vacuum of table "%s"): a lock request '
                          'waits for it', name)
            elif analyze:  # no planner statistics are kept: counted (pgstat.py), as an ANALYZE statement
                self.pgstat.report_analyze(oid, *self.store.count_versions(oid), auto=True)
            return vacuumed
        finally:
            self.activity = None
            self.store.abort(txn)  # no writes: ends it and lets its lock go

    def _vacuum_table(self, oid: int, txn: Txn | None, manual: bool) -> bool | None:
        """Vacuum one table between statements: True once done, False if it must wait for a later
        round (row locks held, statements running for a second), None if autovacuum's `txn` gave
        way to a lock request queued behind its lock."""
        if self.store.has_row_locks(oid):
            return False
        plan = self.store.prepare_vacuum(oid)  # the copying, while statements still run
        blocks = (lambda: self.store.blocks_waiter(txn, oid)) if txn is not None else (lambda: False)
        if blocks():
            return None
        with self.gate.exclusive(timeout_s=1.0, give_up=blocks) as acquired:
            if not acquired:
                return None if blocks() else False
            if self.row_ids_held(oid):  # (asked here, where no statement can open a cursor meanwhile)
                return False
            self.store.vacuum(oid, plan)
        self.pgstat.report_vacuum(oid, *self.store.count_versions(oid), auto=not manual)
        return True

    def _maybe_checkpoint(self) -> None:
        lsn = self.store.current_lsn
        if lsn != self._last_checkpoint_lsn and time.monotonic() - self._last_checkpoint_at >= self.checkpoint_timeout_s:
            self.checkpoint()

    def checkpoint(self) -> int:
        lsn = self.store.checkpoint()
        self._last_checkpoint_lsn = self.store.current_lsn
        self._last_checkpoint_at = time.monotonic()
        return lsn
