"""Lock waits, as TxnManager's mixin (txn.py): one waits-for graph for row locks and relation locks
(locks.py). Every transaction has an identity, xid or not (PostgreSQL's virtual transaction id,
`Txn.vxid`): a waiter is registered with what it waits on, an xid (a row or key another transaction
holds: it waits for that transaction's owner to end) or a queued relation-lock request (it waits for
the holders and earlier waiters the request conflicts with). As in PostgreSQL, a waiter looks for a
cycle through waits of either kind, in any mix, once it has waited its session's deadlock_timeout,
and fails with DeadlockDetected if it closes one: of the waiters of a cycle, the first to have
waited that long is the one that fails (PostgreSQL's isolation tests pick a victim by its
deadlock_timeout). A wait blocks its thread (`wait_for`, on a worker), or, for an xid, is a callback
that the xid's end calls (`await_xid`: the event loop waits without a thread, see
wire/connection.py). Waiters for one row go on in the order they came (tuple_queues.py, PostgreSQL's
tuple locks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from quantadb.errors import DeadlockDetected, LockNotAvailable, QueryCanceled

from .tuple_queues import TUPLE_LOCK_MODES

if TYPE_CHECKING:
    from .txn import Txn


class TxnWaits:
    """Mixed into TxnManager (uses its lock, clog, owners, active, _waits, _wakeups, _wake_calls
    and tuple_queues)."""

    def leave_tuple_queue(self, txn: Txn) -> None:
        """txn's statement (or transaction) is done with the row it waited for: the waiters
        queued behind it for that row may go on (tuple_queues.py)."""
        with self.lock:
            behind = self.tuple_queues.leave(txn)
            for waiter in behind:
                on = self._waits.get(waiter)
                if on is not None and self._unblocked(waiter, on):
                    wakeup = self._wakeups.pop(on, None)
                    if wakeup is not None:
                        wakeup.notify_all()
            calls = self._take_wake_calls(behind) if self._wake_calls else None
        if calls:
            for call in calls:
                call()

    def _take_wake_calls(self, waiters: list[Txn]) -> list[Callable[[], None]]:
        """The await_xid callbacks of those of these waiters that may go on now (lock held)."""
        calls = []
        for waiter in waiters:
            call = self._wake_calls.get(waiter)
            on = self._waits.get(waiter)
            if call is not None and on is not None and self._unblocked(waiter, on):
                del self._wake_calls[waiter]
                calls.append(call)
        return calls

    def wait_for(self, txn: Txn, on: object, timeout_s: float | None, deadline: float | None = None,
                 deadlock_at: float = 0.0) -> None:
        """Wait until `on` (an xid, or a queued LockRequest) no longer blocks txn. lock_timeout
        (timeout_s) -> LockNotAvailable; statement_timeout (`deadline`, time.monotonic()) or a
        cancel -> QueryCanceled; a waits-for cycle found at `deadlock_at` (time.monotonic(): the
        wait's start plus deadlock_timeout) -> DeadlockDetected. A request not granted when the
        wait fails leaves the queue."""
        lock_deadline = None if timeout_s is None else time.monotonic() + timeout_s
        look_again = deadlock_at
        with self.lock:
            try:
                if isinstance(on, int):
                    self.tuple_queues.join(txn, on)
                if self._unblocked(txn, on):
                    return
                self._waits[txn] = on
                while not self._unblocked(txn, on):
                    if txn.cancel_event.is_set():
                        raise QueryCanceled("canceling statement due to user request")
                    now, step = time.monotonic(), 0.05
                    if deadline is not None:
                        if now >= deadline:
                            raise QueryCanceled("canceling statement due to statement timeout")
                        step = min(step, deadline - now)
                    if lock_deadline is not None:
                        if now >= lock_deadline:
                            raise LockNotAvailable("canceling statement due to lock timeout")
                        step = min(step, lock_deadline - now)
                    if now >= look_again:
                        self._check_deadlock(txn, on)
                        look_again = float("inf")
                    self._wakeup(on).wait(min(step, look_again - now))
            finally:
                self._waits.pop(txn, None)
                if not isinstance(on, int):
                    on.abandon()

    def await_xid(self, txn: Txn, on: int, wake: Callable[[], None]) -> bool:
        """Begin a wait for xid `on` without blocking: False when it no longer blocks txn; True
        when txn is now registered as waiting (deadlock checks, pg_locks and pg_blocking_pids see
        it) and `wake()` will be called, on the thread that ends `on`, once it has ended (before
        deadlock_timeout: then wait_for goes on with the wait), or once the waiters queued before
        it for the same row are done with it. end_await ends it."""
        with self.lock:
            self.tuple_queues.join(txn, on)
            if self._unblocked(txn, on):
                return False
            self._waits[txn] = on
            self._wake_calls[txn] = wake
            return True

    def end_await(self, txn: Txn, on: int, wake: Callable[[], None]) -> None:
        with self.lock:
            if self._waits.get(txn) == on:
                del self._waits[txn]
            if self._wake_calls.get(txn) is wake:
                del self._wake_calls[txn]

    def _unblocked(self, txn: Txn, on: object) -> bool:
        if isinstance(on, int):
            return (self.clog.ended(on) or on in txn.own) and not self._behind(txn)
        return on.granted_now()

    def _wakeup(self, on: object) -> threading.Condition:
        if not isinstance(on, int):
            return on.wakeup()
        wakeup = self._wakeups.get(on)
        if wakeup is None:
            wakeup = self._wakeups[on] = threading.Condition(self.lock)
        return wakeup

    def _blockers(self, txn: Txn, on: object) -> list[Txn]:
        """Whom txn's wait on `on` waits for: for an xid, its transaction; behind other waiters
        for the same row (a tuple lock not granted), those."""
        if isinstance(on, int):
            ahead = self.tuple_queues.ahead(txn) if txn.queued_tuple is not None else None
            if ahead:
                return ahead
            owner = self.owners.get(self.clog.top(on))
            return [owner] if owner is not None else []
        return on.blockers()

    def _check_deadlock(self, txn: Txn, on: object) -> None:
        """Does waiting on `on` close a cycle? Then fail with PostgreSQL's report of it."""
        stack = [(b, [(txn, on)]) for b in self._blockers(txn, on)]
        seen: set[Txn] = set()
        while stack:
            node, path = stack.pop()
            if node is txn:
                lines = [f"Process {w.pid} waits for {_describe(self, what)}; blocked by process "
                         f"{path[(i + 1) % len(path)][0].pid}." for i, (w, what) in enumerate(path)]
                raise DeadlockDetected("deadlock detected", detail="\n".join(lines),
                                       hint="See server log for query details.")
            if node in seen:
                continue
            seen.add(node)
            waits_on = self._waits.get(node)
            if waits_on is not None:
                stack.extend((b, path + [(node, waits_on)]) for b in self._blockers(node, waits_on))

    def waiting(self) -> dict[Txn, object]:
        """Each waiting transaction -> the xid or LockRequest it waits on."""
        with self.lock:
            return dict(self._waits)

    def xid_locks(self) -> list[tuple[Txn, int, bool]]:
        """(transaction, xid, granted) of PostgreSQL's transaction-ID locks (pg_locks): each running
        transaction's ExclusiveLock on its xids (granted), a row-lock waiter's ShareLock on the
        transaction it waits for (not granted: the xid the row shows, Clog.shown)."""
        with self.lock:
            out = [(t, x, True) for t in self.active for x in t.locked_xids()]
            out += [(t, self.clog.shown_of(on), False) for t, on in self._waits.items()
                    if isinstance(on, int) and not self._behind(t)]
        return out

    def wait_described(self, txn: Txn) -> str | None:
        """What txn waits for now, as a deadlock report names it ("ShareLock on transaction 7")."""
        with self.lock:
            on = self._waits.get(txn)
            return None if on is None else _describe(self, on)

    def tuple_locks(self) -> list[tuple[Txn, int, int, str, bool]]:
        """(transaction, relation, row id, mode, granted) of the tuple locks of row-lock waiters
        (pg_locks): the first of a row's waiters hold theirs and wait for the row's transaction,
        the others wait for the tuple lock."""
        with self.lock:
            return [(t, t.queued_tuple[0], t.queued_tuple[1], TUPLE_LOCK_MODES[t.queued_tuple[2]], not self._behind(t))
                    for t, on in self._waits.items() if isinstance(on, int) and t.queued_tuple is not None]

    def _behind(self, txn: Txn) -> bool:
        """Does txn wait for its row's tuple lock (waiters ahead of it want a conflicting mode)?"""
        return txn.queued_tuple is not None and bool(self.tuple_queues.ahead(txn))

    def blockers_of(self, txn: Txn) -> list[Txn]:
        """The transactions txn waits for now (pg_blocking_pids)."""
        with self.lock:
            on = self._waits.get(txn)
            return [] if on is None else self._blockers(txn, on)


def _describe(txns: TxnWaits, on: object) -> str:
    if isinstance(on, int):
        return f"ShareLock on transaction {txns.clog.shown_of(on)}"  # (as pg_locks shows it)
    return on.describe()
