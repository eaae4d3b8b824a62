"""Row-lock waiters queue per row, first come first served, as PostgreSQL's tuple locks.

A PostgreSQL backend that finds a row locked or changed by a running transaction first takes a
heavyweight lock on the tuple, in the mode of its row lock's strength, and waits for that
transaction holding it: a later waiter for the same row queues behind it on the tuple lock, so
when the transaction ends the waiters get the row in the order they came (a newcomer that never
waited may still take it first). The tuple lock goes once the statement is done with the row.

Here a waiter joins the queue of the row its wait is for (`Txn.awaited_tuple`) and stays in it
until its statement ends (or its transaction, or it waits for another row); it may go on once no
waiter ahead of it asks for a conflicting mode (two FOR SHARE waiters go on together). TxnManager
(txn.py) holds these queues under its lock and asks them whether a waiter may go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .txn import Txn

# the tuple lock a waiter holds, by the row lock strength it wants (row_locks.py: KEY SHARE ..
# UPDATE; an UPDATE keeping the key NO KEY UPDATE's), as heapam.c's tupleLockExtraInfo; two of
# them conflict as their strengths do (a + b >= 3)
TUPLE_LOCK_MODES = ("AccessShareLock", "RowShareLock", "ExclusiveLock", "AccessExclusiveLock")
_STRENGTHS = {mode: strength for strength, mode in enumerate(TUPLE_LOCK_MODES)}
Key = tuple[int, int]  # (relation OID, row id)


class TupleQueues:
    def __init__(self) -> None:
        self._queues: dict[Key, list[Txn]] = {}

    def join(self, txn: "Txn", on: object) -> None:
        """txn waits for xid `on`: if that wait is for a row, txn queues for it (keeping its place
        when it is already there). `Txn.queued_tuple` is (relation, row id, strength)."""
        awaited = txn.awaited_tuple
        if awaited is None or awaited[0] != on:
            return
        queued = txn.queued_tuple
        if queued is not None and queued[:2] == awaited[1:3]:
            return
        self.leave(txn)
        self._queues.setdefault(awaited[1:3], []).append(txn)
        txn.queued_tuple = (awaited[1], awaited[2], _STRENGTHS[awaited[3]])

    def leave(self, txn: "Txn") -> list["Txn"]:
        """txn is done with its row: the waiters still queued for it (they may go on now)."""
        queued = txn.queued_tuple
        if queued is None:
            return []
        txn.queued_tuple = None
        key = queued[:2]
        queue = self._queues[key]
        queue.remove(txn)
        if not queue:
            del self._queues[key]
        return queue

    def ahead(self, txn: "Txn") -> list["Txn"]:
        """The waiters queued before txn for its row whose modes conflict with its own."""
        queued = txn.queued_tuple
        if queued is None:
            return []
        out = []
        for other in self._queues[queued[:2]]:
            if other is txn:
                return out
            if other.queued_tuple[2] + queued[2] >= 3:
                out.append(other)
        return out
