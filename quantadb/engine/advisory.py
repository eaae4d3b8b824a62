"""Advisory locks: the pg_advisory_lock family, as PostgreSQL's.

A lock is named by its database and a key: one bigint (pg_locks shows its high and low halves as
classid and objid, objsubid 1) or two integers (classid, objid, objsubid 2); the two key spaces
are apart. It is taken in ExclusiveLock or ShareLock mode (the _shared functions), at session
level (held until unlocked or the session ends; taken again, it is counted and must be unlocked
as often) or at transaction level (the _xact_ functions: released when the transaction ends, and
not by any unlock). A request waits while another session holds a conflicting mode (exclusive
against anything, shared against exclusive); the wait obeys lock_timeout and cancellation.

Deadlocks. After deadlock_timeout, and again every deadlock_timeout while it waits, an advisory
wait looks for a cycle of waits through it: advisory waits, and the row and relation lock waits
of the storage's graph (storage/txn.py) that sessions in it are in; one closing it fails with
40P01 and PostgreSQL's report. The storage's own check does not see advisory waits, so a cycle
that a row lock wait closes is found by the advisory waiter in it (PostgreSQL fails whichever
waiter's deadlock_timeout passes first; here that is always the advisory waiter).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from quantadb.errors import DeadlockDetected, LockNotAvailable
from quantadb.exec.columns import column_values, const_column, from_values
from quantadb.exec.functions import scalar
from quantadb.sql.functions.signature import add_function
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

EXCLUSIVE, SHARE = "ExclusiveLock", "ShareLock"
Key = tuple[int, int, int, int]  # database, classid, objid, objsubid
Holder = tuple[int, str, bool]  # pid, mode, transaction level


# a session's row or relation lock wait: (what it waits for as a deadlock report says it, the
# sessions it waits for), None when it does not wait for one
RowWait = Callable[[int], "tuple[str, set[int]] | None"]


class AdvisoryLocks:
    """A node's advisory locks: who holds each in which mode, and who waits."""

    def __init__(self, row_wait: RowWait = lambda pid: None) -> None:
        self._row_wait = row_wait
        self._changed = threading.Condition()
        self._held: dict[Key, dict[Holder, int]] = {}  # key -> holder -> times taken
        self._waiting: dict[int, tuple[Key, str]] = {}  # pid -> the request it waits on

    def try_acquire(self, pid: int, key: Key, mode: str, xact: bool) -> bool:
        with self._changed:
            if self._blockers(pid, key, mode):
                return False
            holders = self._held.setdefault(key, {})
            holders[(pid, mode, xact)] = holders.get((pid, mode, xact), 0) + 1
            return True

    def acquire(self, pid: int, key: Key, mode: str, xact: bool, check_cancel: Callable[[], None],
                lock_timeout_s: float | None, deadlock_timeout_s: float) -> None:
        """Take the lock, waiting as long as it conflicts with another session's."""
        deadline = None if lock_timeout_s is None else time.monotonic() + lock_timeout_s
        look_again = time.monotonic() + deadlock_timeout_s
        while not self.try_acquire(pid, key, mode, xact):
            with self._changed:
                self._waiting[pid] = (key, mode)
                try:
                    now = time.monotonic()
                    if deadline is not None and now >= deadline:
                        raise LockNotAvailable("canceling statement due to lock timeout")
                    if now >= look_again:
                        self._check_deadlock(pid)
                        look_again = now + deadlock_timeout_s  # a row lock wait may close a cycle later
                    self._changed.wait(min(0.05, deadline - now) if deadline is not None else 0.05)
                finally:
                    self._waiting.pop(pid, None)
            check_cancel()

    def release(self, pid: int, key: Key, mode: str) -> bool:
        """pg_advisory_unlock(_shared): one session-level hold; False when there is none."""
        with self._changed:
            holders = self._held.get(key, {})
            count = holders.get((pid, mode, False), 0)
            if not count:
                return False
            if count > 1:
                holders[(pid, mode, False)] = count - 1
            else:
                self._drop(key, (pid, mode, False))
            self._changed.notify_all()
            return True

    def release_all(self, pid: int, xact: bool | None) -> None:
        """The session's transaction-level locks (xact True: its transaction ended), its
        session-level ones (False: pg_advisory_unlock_all, DISCARD ALL) or all (None: it ended)."""
        with self._changed:
            mine = [(key, h) for key, holders in self._held.items() for h in holders
                    if h[0] == pid and (xact is None or h[2] == xact)]
            for key, holder in mine:
                self._drop(key, holder)
            if mine:
                self._changed.notify_all()

    def locks(self) -> list[tuple[Key, int, str, bool, bool]]:
        """(key, pid, mode, transaction level, granted) of every hold and wait (pg_locks)."""
        with self._changed:
            held = [(key, pid, mode, xact, True) for key, holders in self._held.items()
                    for (pid, mode, xact) in holders]
            return held + [(key, pid, mode, False, False) for pid, (key, mode) in self._waiting.items()]

    def _drop(self, key: Key, holder: Holder) -> None:
        holders = self._held[key]
        del holders[holder]
        if not holders:
            del self._held[key]

    def _blockers(self, pid: int, key: Key, mode: str) -> set[int]:
        return {p for (p, m, _) in self._held.get(key, {}) if p != pid and (mode == EXCLUSIVE or m == EXCLUSIVE)}

    def blockers(self, pid: int) -> set[int]:
        """The sessions holding the advisory lock session pid waits for (pg_blocking_pids)."""
        with self._changed:
            waiting = self._waiting.get(pid)
            return set() if waiting is None else self._blockers(pid, *waiting)

    def _wait_of(self, pid: int) -> tuple[str, set[int]] | None:
        """What session pid waits for, as a deadlock report says it, and who holds that (lock held)."""
        waiting = self._waiting.get(pid)
        if waiting is None:
            return self._row_wait(pid)
        key, mode = waiting
        return (f"{mode} on advisory lock [{key[0]},{key[1]},{key[2]},{key[3]}]",
                self._blockers(pid, key, mode))

    def _check_deadlock(self, pid: int) -> None:
        """Does pid's wait close a cycle? Then fail it with PostgreSQL's report (lock held)."""
        first = self._wait_of(pid)
        stack = [(b, [(pid, first[0])]) for b in first[1]] if first is not None else []
        seen: set[int] = set()
        while stack:
            node, path = stack.pop()
            if node == pid:
                lines = [f"Process {waiter} waits for {what}; blocked by process {path[(i + 1) % len(path)][0]}."
                         for i, (waiter, what) in enumerate(path)]
                raise DeadlockDetected("deadlock detected", detail="\n".join(lines),
                                       hint="See server log for query details.")
            if node in seen:
                continue
            seen.add(node)
            wait = self._wait_of(node)
            if wait is not None:
                stack.extend((b, path + [(node, wait[0])]) for b in wait[1])


# -- the SQL functions ---------------------------------------------------------------------------

_FUNCTIONS = {  # name -> (waits, transaction level, result)
    "pg_advisory_lock": (True, False, R.VOID), "pg_advisory_xact_lock": (True, True, R.VOID),
    "pg_try_advisory_lock": (False, False, R.BOOL), "pg_try_advisory_xact_lock": (False, True, R.BOOL),
}
WAITING_FUNCTIONS = frozenset(n + s for n, (waits, _, _) in _FUNCTIONS.items() if waits for s in ("", "_shared"))

for _name, (_waits, _xact, _ret) in _FUNCTIONS.items():
    for _suffix in ("", "_shared"):
        for _args in ((R.INT8,), (R.INT4, R.INT4)):
            add_function(_name + _suffix, _args, _ret, "advisory_lock", volatile=True)
for _suffix in ("", "_shared"):
    for _args in ((R.INT8,), (R.INT4, R.INT4)):
        add_function("pg_advisory_unlock" + _suffix, _args, R.BOOL, "advisory_unlock", volatile=True)
add_function("pg_advisory_unlock_all", (), R.VOID, "advisory_unlock_all", volatile=True)


def _keys(session: "Session", args) -> list[Key | None]:
    """Each row's lock name (None where an argument is NULL)."""
    db = session.database_oid
    if len(args) == 1:
        return [None if k is None else (db, (k >> 32) & 0xFFFFFFFF, k & 0xFFFFFFFF, 1) for k in column_values(args[0])]
    return [None if a is None or b is None else (db, a & 0xFFFFFFFF, b & 0xFFFFFFFF, 2)
            for a, b in zip(column_values(args[0]), column_values(args[1]))]


def _mode(call) -> str:
    return SHARE if call.name.endswith("_shared") else EXCLUSIVE


@scalar("advisory_lock")
def _advisory_lock(args, n, ctx, call):
    session = ctx.session
    waits, xact, ret = _FUNCTIONS[call.name.removesuffix("_shared")]
    locks, mode, out = session.db.advisory, _mode(call), []
    for key in _keys(session, args):
        if key is None:
            out.append(None)
        elif waits:
            locks.acquire(session.pid, key, mode, xact, ctx.check_cancel, session.lock_timeout_s(),
                          session.deadlock_timeout_s())
            out.append("")
        else:
            out.append(locks.try_acquire(session.pid, key, mode, xact))
        session.xact_advisory_locks |= xact and out[-1] is not False
    return from_values(out, SqlType(ret))


@scalar("advisory_unlock")
def _advisory_unlock(args, n, ctx, call):
    session, mode, out = ctx.session, _mode(call), []
    for key in _keys(session, args):
        released = key is not None and session.db.advisory.release(session.pid, key, mode)
        if key is not None and not released:
            session.notice(f"you don't own a lock of type {mode}", "01000", "WARNING")
        out.append(None if key is None else released)
    return from_values(out, SqlType(R.BOOL))


@scalar("advisory_unlock_all")
def _advisory_unlock_all(args, n, ctx, call):
    ctx.session.db.advisory.release_all(ctx.session.pid, xact=False)
    return const_column("", SqlType(R.VOID), n)
