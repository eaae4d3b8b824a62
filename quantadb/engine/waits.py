"""A session's waits: for a row or relation lock (WouldBlock.on) under lock_timeout and
statement_timeout, or for a safe snapshot (SERIALIZABLE READ ONLY DEFERRABLE, storage/ssi_readonly.py)
under statement_timeout alone, as PostgreSQL's; and the checks that end a running statement (cancel
request, statement_timeout).
Session's mixin (it provides settings, store, state, query_started_us, _cancel,
_statement_timeout, _blocked_on and _blocked_at).

A lock wait of a statement run inline (on the event loop) starts there: the attempt raises
RunInWorker, remembering what it met (_blocked_on) and when (_blocked_at). A row lock is then
waited for on the loop, without a thread (row_lock_wait, wire/connection.py), at most until
deadlock_timeout, lock_timeout or statement_timeout into the wait; a worker thread waits for
what is left (and for relation locks), counting each from the same start (wait_for): it looks
for a deadlock once deadlock_timeout has passed, as PostgreSQL's CheckDeadLock.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable

from quantadb.engine import statements as S
from quantadb.errors import QueryCanceled
from quantadb.storage.ssi_readonly import SafeSnapshotWait
from quantadb.storage.txn import WouldBlock

if TYPE_CHECKING:
    from quantadb.engine.session import Session


class StatementWaits:
    def wait_for(self: "Session", txn: Any, on: object, since: float | None = None) -> None:
        """Wait for a row or relation lock (WouldBlock.on), under lock_timeout and deadlock_timeout
        (counted from `since`, time.monotonic(), when the wait began earlier) and statement_timeout;
        or for a safe snapshot."""
        lock_timeout_s, deadline = self._wait_limits()
        if isinstance(on, SafeSnapshotWait):
            self._await_safe_snapshot(txn, on, deadline)
            return
        now = time.monotonic()
        began = now if since is None else since
        if lock_timeout_s is not None:
            lock_timeout_s = max(0.0, lock_timeout_s - (now - began))
        self.store.wait_for(txn, on, lock_timeout_s, deadline, began + self.deadlock_timeout_s())

    def _await_safe_snapshot(self: "Session", txn: Any, wait: SafeSnapshotWait, deadline: float | None) -> None:
        """GetSafeSnapshot's loop: wait until the snapshot is found safe or unsafe, then take it,
        or wait for the next one. No lock_timeout (no lock is waited for), as PostgreSQL's."""
        while True:
            self.store.wait_for(txn, wait, None, deadline)
            try:
                self.store.snapshot(txn)
                return
            except WouldBlock as again:
                wait = again.on

    def _wait_limits(self: "Session") -> tuple[float | None, float | None]:
        """lock_timeout in seconds, and statement_timeout's deadline (time.monotonic()), each None when off."""
        timeout_ms = int(self.settings.get("statement_timeout") or 0)
        # the statement's start, on the clock the wait reads (no monotonic reading per statement)
        elapsed_s = (S.now_us() - self.query_started_us) / 1e6
        deadline = time.monotonic() + timeout_ms / 1000 - elapsed_s if timeout_ms > 0 else None
        return self.lock_timeout_s(), deadline

    def row_lock_wait(self: "Session") -> tuple[Any, int, float] | None:
        """The row lock the last inline attempt met (RunInWorker), for the event loop to wait for
        without a worker thread (wire/connection.py): its transaction, the xid it waits for and
        how long it may wait there before a worker takes over (which then reports a timeout, a
        cancel or a deadlock found later, as wait_for does); None when there is none, or a
        relation lock (a worker waits for it). The next attempt, inline, does not wait again."""
        on = self._blocked_on
        if not on or not isinstance(on, int) or self._cancel.is_set():
            return None
        lock_timeout_s, deadline = self._wait_limits()
        now = time.monotonic()
        limit = self._blocked_at + self.deadlock_timeout_s()  # a worker looks for a deadlock then
        if lock_timeout_s is not None:
            limit = min(limit, self._blocked_at + lock_timeout_s)
        if deadline is not None:
            limit = min(limit, deadline)
        if limit <= now:
            return None
        return self.state.txn, on, limit - now

    def deadlock_timeout_s(self: "Session") -> float:
        return int(self.settings.get("deadlock_timeout")) / 1000

    def lock_timeout_s(self: "Session") -> float | None:
        ms = int(self.settings.get("lock_timeout") or 0)
        return ms / 1000 if ms > 0 else None

    def check_cancel_fn(self: "Session") -> Callable[[], None]:
        """A check for the executor: cancel request or statement_timeout -> QueryCanceled."""
        version, timeout_ms = self._statement_timeout
        if version != self.settings.version:
            timeout_ms = int(self.settings.get("statement_timeout") or 0)
            self._statement_timeout = (self.settings.version, timeout_ms)
        if timeout_ms <= 0:
            return self._check_cancel  # no deadline: the same check for every statement
        deadline = time.monotonic() + timeout_ms / 1000

        def check() -> None:
            self._check_cancel()
            if time.monotonic() > deadline:
                raise QueryCanceled("canceling statement due to statement timeout")
        return check

    def _check_cancel(self: "Session") -> None:
        if self._cancel.is_set():
            raise QueryCanceled("canceling statement due to user request")
