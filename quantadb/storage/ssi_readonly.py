"""Read-only serializable transactions that become safe, and DEFERRABLE ones that wait for a safe
snapshot (PostgreSQL's possibleUnsafeConflicts, SXACT_FLAG_RO_SAFE / RO_UNSAFE, GetSafeSnapshot).

A READ ONLY transaction can only be part of a dangerous structure through a read-write one that
ran beside it (at its snapshot) and has a rw-conflict out to a transaction that committed before
that snapshot. So at its snapshot it lists the read-write serializable transactions then running
("possibly unsafe"); each, as it ends, either makes it unsafe (it committed with such a conflict
out) or leaves the list. Once the list is empty the transaction is safe: it lets go of its SIREAD
locks and conflicts and runs on as REPEATABLE READ would, never failing with 40001.

SERIALIZABLE READ ONLY DEFERRABLE waits, at its first snapshot, until that is known: safe, it runs
on it without SIREAD locks; unsafe, it takes a new snapshot and waits again. The wait is a
TxnManager.wait_for wait (SafeSnapshotWait: on a worker thread, ended by a cancel or
statement_timeout, not lock_timeout, as PostgreSQL's); it reads nothing meanwhile, so it is no
active transaction of ssi.py's.

Everything here runs under SerializableXacts.lock, but for SafeSnapshotWait's methods, which
TxnManager calls under its own lock (taken after ssi's, never before).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ssi import SerializableXact
    from .txn import Txn


class SafeSnapshotWait:
    """What a DEFERRABLE transaction waits for (TxnManager.wait_for's `on`): its snapshot's
    sxact to be found safe or unsafe, as the read-write transactions it lists end (`writers`:
    pg_safe_snapshot_blocking_pids). No lock: pg_blocking_pids and deadlock checks do not see
    them, as PostgreSQL's."""

    __slots__ = ("sxact", "condition")
    wait_event = ("IPC", "SafeSnapshot")  # pg_stat_activity's, as PostgreSQL's

    def __init__(self, sxact: SerializableXact, condition: threading.Condition) -> None:
        self.sxact = sxact
        self.condition = condition  # on TxnManager.lock: notified when decided (wake)

    def granted_now(self) -> bool:
        return self.sxact.ro_safe or self.sxact.ro_unsafe

    def blockers(self) -> list[Txn]:
        return []

    def writers(self) -> list[Txn]:
        return [s.txn for s in list(self.sxact.possible_unsafe)]

    def wakeup(self) -> threading.Condition:
        return self.condition

    def abandon(self) -> None:
        """(A cancel: the lists are let go when the transaction ends or the writers do.)"""

    def describe(self) -> str:
        return "a safe snapshot"

    def wake(self) -> None:
        with self.condition:
            self.condition.notify_all()


def list_possibly_unsafe(ro: SerializableXact, active: set[SerializableXact]) -> bool:
    """At ro's snapshot: the read-write transactions running beside it (SetPossibleUnsafeConflict);
    False when there are none (it is safe: it need not be tracked)."""
    for other in active:
        if not (other.committed or other.doomed or other.declared_read_only):
            ro.possible_unsafe.add(other)
            other.possible_unsafe.add(ro)
    return bool(ro.possible_unsafe)


def read_write_ended(rw: SerializableXact, committed: bool) -> list[SerializableXact]:
    """A read-write transaction ended (ReleasePredicateLocks): each read-only one it listed is
    unsafe if rw committed a write with a conflict out to one committed before its snapshot,
    else one writer fewer to wait for. The read-only ones found safe or unsafe now."""
    decided = []
    for ro in list(rw.possible_unsafe):
        if (committed and rw.writes and rw.conflict_out_seq is not None
                and rw.conflict_out_seq <= ro.snapshot_seq):
            flag_unsafe(ro)
        else:
            _unlist(ro, rw)
            if ro.possible_unsafe:
                continue
            ro.ro_safe = True
        decided.append(ro)
    return decided


def read_only_ended(ro: SerializableXact) -> None:
    for rw in list(ro.possible_unsafe):
        _unlist(ro, rw)


def flag_unsafe(ro: SerializableXact) -> None:
    """FlagSxactUnsafe: ro can be part of an anomaly; it need not wait for the others."""
    ro.ro_unsafe = True
    read_only_ended(ro)


def _unlist(ro: SerializableXact, rw: SerializableXact) -> None:
    ro.possible_unsafe.discard(rw)
    rw.possible_unsafe.discard(ro)
