"""Lock waits and relation locks, as the store offers them: the waits-for graph of row and
relation locks lives in TxnManager (txn.py), the relation lock table in RelationLocks (locks.py).

Mixed into `store.Store` (uses `_state` and `relation_locks`).
"""

from __future__ import annotations

from collections.abc import Callable

from .txn import Txn


class LockWaits:
    def wait_for(self, txn: Txn, on: object, timeout_s: float | None, deadline: float | None = None,
                 deadlock_at: float = 0.0) -> None:
        self._state.txns.wait_for(txn, on, timeout_s, deadline, deadlock_at)

    def await_xid(self, txn: Txn, on: int, wake: Callable[[], None]) -> bool:
        return self._state.txns.await_xid(txn, on, wake)

    def end_await(self, txn: Txn, on: int, wake: Callable[[], None]) -> None:
        self._state.txns.end_await(txn, on, wake)

    def leave_tuple_queue(self, txn: Txn) -> None:
        """txn's statement is done with the row it waited for (TxnManager.leave_tuple_queue)."""
        self._state.txns.leave_tuple_queue(txn)

    def lock_relation(self, txn: Txn, rel_oid: int, mode: int, nowait: bool = False, momentary: bool = False) -> bool:
        return self.relation_locks.acquire(txn, rel_oid, mode, nowait, momentary)

    def blocks_waiter(self, txn: Txn, rel_oid: int) -> bool:
        return self.relation_locks.blocks_waiter(txn, rel_oid)

    def waiting(self) -> dict[Txn, object]:
        """The transactions waiting now, each with what it waits for (an xid, or a LockRequest)."""
        return self._state.txns.waiting()

    def unlock_relation(self, txn: Txn, rel_oid: int, mode: int) -> None:
        self.relation_locks.release(txn, rel_oid, mode)

    def blockers(self, txn: Txn) -> list[Txn]:
        """The transactions txn waits for now, for a row or a relation lock (pg_blocking_pids)."""
        return self._state.txns.blockers_of(txn) or self.relation_locks.queued_blockers(txn)

    def wait_described(self, txn: Txn) -> str | None:
        """txn's row or relation lock wait as a deadlock report names it, None when it waits for none."""
        return self._state.txns.wait_described(txn)

    def xid_locks(self) -> list[tuple[Txn, int, bool]]:
        """Transaction-ID locks held and awaited (pg_locks; see TxnManager.xid_locks)."""
        return self._state.txns.xid_locks()

    def tuple_locks(self) -> list[tuple[Txn, int, int, str, bool]]:
        """The tuple locks of row-lock waiters (pg_locks; see TxnManager.tuple_locks)."""
        return self._state.txns.tuple_locks()

    def strongly_locked(self, requests: tuple[tuple[int, int], ...]) -> bool:
        return self.relation_locks.strongly_locked(requests)

    def release_locks_after(self, txn: Txn, token: int) -> None:
        """ROLLBACK TO the savepoint `token`: the relation locks taken since go (as PostgreSQL's).
        Not part of rollback_to: a statement's retry keeps what its undone attempt locked."""
        if txn.lock_log:
            self.relation_locks.release_after(txn, token)
