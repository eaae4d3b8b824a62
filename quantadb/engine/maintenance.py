"""Background maintenance of one node: autovacuum and time-based checkpoints.

VACUUM compacts tables and so renumbers rows, while a running statement holds row ids
between reading and writing. Statements therefore run under the shared side of a
`StatementGate` and VACUUM under its exclusive side; the gate prefers statements, so a
vacuum waits for a moment with no statement running and never holds one up for long. The
copying is done before (`Store.prepare_vacuum`), while statements run.
Tables with row locks held (SELECT ... FOR UPDATE, keyed by row id) are left for later.

Checkpoints after a volume of WAL are storage's own (its checkpointer); this thread adds
one every `checkpoint_timeout_s` so an idle node's recovery stays short.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from quantadb.storage.store import Store

log = logging.getLogger("quantadb.engine")


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
    def exclusive(self, timeout_s: float) -> Iterator[bool]:
        """Yields True once no statement runs (False if that did not happen within timeout_s)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            self._exclusive_waiting = True
            while self._active and time.monotonic() < deadline:
                self._cond.wait(max(deadline - time.monotonic(), 0.001))
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
class VacuumStats:
    """What pg_stat_user_tables shows of one table's vacuums (time.time() seconds; 0: never)."""

    last_vacuum: float = 0.0
    vacuum_count: int = 0
    last_autovacuum: float = 0.0
    autovacuum_count: int = 0


class Maintenance:
    def __init__(self, store: Store, gate: StatementGate, *, naptime_s: float = 5.0,
                 checkpoint_timeout_s: float = 300.0) -> None:
        self.store = store
        self.gate = gate
        self.naptime_s = naptime_s
        self.checkpoint_timeout_s = checkpoint_timeout_s
        self.requested: set[int | None] = set()  # tables a VACUUM statement asked for (None: all)
        self._waiting: list[threading.Event] = []  # VACUUM statements waiting for the next round
        self._lock = threading.Lock()  # guards requested and _waiting against the sessions
        self.stats: dict[int, VacuumStats] = {}  # by table oid, since the node started
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
        A table with row locks held, or busy for a second, is left for a later round."""
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
        targets = sorted(requested | set(self.store.vacuum_candidates()))
        done = []
        for oid in targets:
            if self.store.has_row_locks(oid):
                self._again(oid)
                continue
            plan = self.store.prepare_vacuum(oid)  # the copying, while statements still run
            with self.gate.exclusive(timeout_s=1.0) as acquired:
                if not acquired:
                    self._again(oid)
                    continue
                self.store.vacuum(oid, plan)
                done.append(oid)
            self._count(oid, manual=oid in requested)
        if done:
            log.info("[maintenance] vacuumed %d table(s)", len(done))
        return done

    def _again(self, oid: int) -> None:
        with self._lock:
            self.requested.add(oid)

    def _count(self, oid: int, *, manual: bool) -> None:
        stats = self.stats.setdefault(oid, VacuumStats())
        if manual:
            stats.last_vacuum, stats.vacuum_count = time.time(), stats.vacuum_count + 1
        else:
            stats.last_autovacuum, stats.autovacuum_count = time.time(), stats.autovacuum_count + 1

    def _maybe_checkpoint(self) -> None:
        lsn = self.store.current_lsn
        if lsn != self._last_checkpoint_lsn and time.monotonic() - self._last_checkpoint_at >= self.checkpoint_timeout_s:
            self.checkpoint()

    def checkpoint(self) -> int:
        lsn = self.store.checkpoint()
        self._last_checkpoint_lsn = self.store.current_lsn
        self._last_checkpoint_at = time.monotonic()
        return lsn
