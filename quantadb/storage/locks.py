"""Relation-level (heavyweight) locks, as PostgreSQL's (lmgr/lock.c), held until the transaction ends.

The eight modes and PostgreSQL's conflict table (a row conflicts with the modes marked X):

    mode                        AS  RS  RE  SUE  S  SRE  E  AE    taken by
    1 AccessShare                                            X    SELECT
    2 RowShare                                           X   X    SELECT FOR UPDATE/SHARE, foreign-key checks
    3 RowExclusive                           X   X   X   X        INSERT UPDATE DELETE MERGE COPY FROM
    4 ShareUpdateExclusive           X   X   X   X   X            VACUUM ANALYZE
    5 Share                      X   X       X   X   X            CREATE INDEX
    6 ShareRowExclusive          X   X   X   X   X   X            ADD FOREIGN KEY (both tables)
    7 Exclusive              X   X   X   X   X   X   X            REFRESH MATERIALIZED VIEW CONCURRENTLY
    8 AccessExclusive    X   X   X   X   X   X   X   X            DROP TRUNCATE most ALTER, LOCK TABLE

A transaction's locks are its own table, `Txn.rel_locks` (relation OID -> bitmask of modes), and
`Txn.lock_log` (what each savepoint level took, so ROLLBACK TO releases it). There is no shared
table of holders: a request that must know the holders scans the running transactions' tables.

Fast path (PostgreSQL's): a weak request (AccessShare, RowShare, RowExclusive) on a relation no
strong lock (Share and above: the modes that conflict with a weak one) is held or awaited on
only publishes its bit in its own table, then checks `strong`: a strong requester first counts
itself in `strong`, then scans. Under the GIL both sequences are ordered, so either the scan sees
the weak bit, or the weak requester sees the mark, takes its bit back and takes the slow path.
ShareUpdateExclusive conflicts with no weak mode: like PostgreSQL it takes the slow path but
marks nothing, so VACUUM leaves readers and writers on the fast path.

Slow path (under the TxnManager's lock, which also guards the waits-for graph): a request is
granted when it conflicts with no other transaction's held modes nor with an earlier waiter's
request (the queue: a stream of readers cannot starve an AccessExclusive request), except that
a transaction already holding a lock on the relation does not queue behind waiters, as
PostgreSQL lets it go ahead of the first waiter its locks conflict with. A request that cannot
be granted stays queued and raises WouldBlock(request); the engine undoes the attempt, waits
with TxnManager.wait_for (outside the database gate, deadlock detection included) and re-runs.

A statement without a storage transaction (a read outside a transaction block) holds its weak
locks in its session's StatementLocks for the statement only: it publishes them (one attribute,
the plan's bitmasks) and then checks `strong`, as the fast path does; a strongly locked relation
sends it to the normal path, in a transaction. Strong requesters count these holders too.

Locks are released when the transaction's end is visible (after its COMMIT record is durable),
so a waiter granted then sees the catalog as the holder's commit changed it. A transaction
leaves `TxnManager.active` when its commit starts: until release it is in `ending`, which the
scans read too. Nothing here is WAL-logged: a replica's sessions are read-only.
"""

from __future__ import annotations

import threading

from .txn import Txn, TxnManager, WouldBlock

(ACCESS_SHARE, ROW_SHARE, ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE,
 ACCESS_EXCLUSIVE) = range(1, 9)
MODE_NAMES = {1: "AccessShareLock", 2: "RowShareLock", 3: "RowExclusiveLock", 4: "ShareUpdateExclusiveLock",
              5: "ShareLock", 6: "ShareRowExclusiveLock", 7: "ExclusiveLock", 8: "AccessExclusiveLock"}
# LOCK TABLE ... IN <words> MODE
MODES_BY_WORDS = {"access share": 1, "row share": 2, "row exclusive": 3, "share update exclusive": 4, "share": 5,
                  "share row exclusive": 6, "exclusive": 7, "access exclusive": 8}


def _mask(*modes: int) -> int:
    out = 0
    for m in modes:
        out |= 1 << m
    return out


CONFLICTS = {1: _mask(8), 2: _mask(7, 8), 3: _mask(5, 6, 7, 8), 4: _mask(4, 5, 6, 7, 8), 5: _mask(3, 4, 6, 7, 8),
             6: _mask(3, 4, 5, 6, 7, 8), 7: _mask(2, 3, 4, 5, 6, 7, 8), 8: _mask(1, 2, 3, 4, 5, 6, 7, 8)}
STRONG_MODES = _mask(5, 6, 7, 8)  # conflict with a weak mode: marked in `strong`


class LockRequest:
    """A queued request; the waits-for graph (TxnManager.wait_for) asks it whether it can be
    granted now, whom it waits for, and on which condition to sleep."""

    __slots__ = ("granted", "manager", "mode", "momentary", "rel", "txn")

    def __init__(self, manager: RelationLocks, txn: Txn, rel: int, mode: int, momentary: bool) -> None:
        self.manager, self.txn, self.rel, self.mode = manager, txn, rel, mode
        self.momentary = momentary
        self.granted = False

    def granted_now(self) -> bool:
        return self.granted or self.manager._try_grant(self)

    def blockers(self) -> list[Txn]:
        return self.manager._blockers(self)

    def wakeup(self) -> threading.Condition:
        return self.manager._wakeup(self.rel)

    def abandon(self) -> None:
        """The wait ended without the lock (caller holds the lock)."""
        if not self.granted:
            self.manager._dequeue(self)

    def describe(self) -> str:
        return f"{MODE_NAMES[self.mode]} on relation {self.rel} of database {self.txn.database}"


def mode_bits(requests: tuple[tuple[int, int], ...]) -> dict[int, int]:
    """relation -> bitmask of the modes requested: what a holder's rel_locks holds."""
    out: dict[int, int] = {}
    for rel, mode in requests:
        out[rel] = out.get(rel, 0) | 1 << mode
    return out


NO_LOCKS: dict[int, int] = {}  # never written to: StatementLocks between statements


class StatementLocks:
    """A session's locks of a statement run without a storage transaction (see above); they
    show in pg_locks, and a conflicting request waits for the statement's end."""

    __slots__ = ("database", "pid", "rel_locks")
    vxid = 1  # no transaction: pg_locks shows the session's virtual transaction as between transactions

    def __init__(self, pid: int, database: int) -> None:
        self.pid, self.database = pid, database
        self.rel_locks = NO_LOCKS  # the running statement's plan's (statements.Bound), never written to


class RelationLocks:
    def __init__(self, txns: TxnManager) -> None:
        self._txns = txns
        self._lock = txns.lock
        self.strong: dict[int, int] = {}  # relation -> strong locks held or awaited on it
        self._queues: dict[int, list[LockRequest]] = {}  # relation -> waiting requests, oldest first
        self._wakeups: dict[int, threading.Condition] = {}
        self.ending: set[Txn] = set()  # left TxnManager.active, locks not released yet
        self.statements: set[StatementLocks] = set()  # one per session

    # -- acquiring -------------------------------------------------------------------------------
    def acquire(self, txn: Txn, rel: int, mode: int, nowait: bool = False, momentary: bool = False) -> bool:
        """Take the lock, or queue the request and raise WouldBlock(request); with nowait, return
        False instead of queueing. A momentary lock is let go as soon as granted (PostgreSQL's
        lock then unlock: a check that waits behind a conflicting lock and keeps nothing)."""
        held = txn.rel_locks.get(rel, 0)
        bit = 1 << mode
        if held & bit:
            return True
        if mode <= ROW_EXCLUSIVE:
            if momentary and rel not in self.strong:  # granted and let go: none could see it
                return True
            txn.rel_locks[rel] = held | bit  # publish first, then look for a strong mark (see above)
            if rel not in self.strong:
                txn.lock_log.append((len(txn.frames) - 1, rel, mode, True))
                return True
            if held:
                txn.rel_locks[rel] = held
            else:
                del txn.rel_locks[rel]
        with self._lock:
            if bit & STRONG_MODES:
                self.strong[rel] = self.strong.get(rel, 0) + 1
            queue = self._queues.get(rel)
            for queued in queue or ():
                if queued.txn is txn and queued.mode == mode:  # an attempt that did not wait queued it
                    self._unmark(rel, mode)
                    raise WouldBlock(queued)
            request = LockRequest(self, txn, rel, mode, momentary)
            if self._grantable(request, queue or ()):
                self._grant(request)
                return True
            if nowait:
                self._unmark(rel, mode)
                return False
            if queue is None:
                queue = self._queues[rel] = []
            queue.append(request)
            self._notify(rel)  # a waiter that saw this transaction's withdrawn fast-path bit looks again
            raise WouldBlock(request)

    def strongly_locked(self, requests: tuple[tuple[int, int], ...]) -> bool:
        """Is a strong lock held or awaited on one of these (relation, mode) requests' relations (a
        read without a transaction must then take the normal path)?"""
        strong = self.strong
        return bool(strong) and any(rel in strong for rel, _ in requests)

    def statement_ended(self, released: dict[int, int]) -> None:
        """A statement without a transaction cleared its StatementLocks (the caller, then called
        this if `strong` was set: none waits for a weak lock otherwise): wake whoever waits for one
        of these relations (a strong requester about to queue holds the lock: taking it orders us
        after)."""
        with self._lock:
            for rel in released:
                if rel in self._queues:
                    self._notify(rel)

    def blocks_waiter(self, txn: Txn, rel: int) -> bool:
        """Does a request queued on the relation wait for a lock txn holds on it (autovacuum then
        gives way, engine/maintenance.py)?"""
        with self._lock:
            held = txn.rel_locks.get(rel, 0)
            return any(r.txn is not txn and CONFLICTS[r.mode] & held for r in self._queues.get(rel, ()))

    def _holders(self) -> list[Txn | StatementLocks]:
        return [*self._txns.active, *self.ending, *self.statements]

    def _conflicting_holders(self, request: LockRequest) -> list[Txn]:
        conflicts, rel, txn = CONFLICTS[request.mode], request.rel, request.txn
        return [t for t in self._holders() if t is not txn and t.rel_locks.get(rel, 0) & conflicts]

    def _waiters_ahead(self, request: LockRequest, queue) -> list[LockRequest]:
        conflicts = CONFLICTS[request.mode]
        out = []
        for other in queue:
            if other is request:
                break
            if other.txn is not request.txn and (1 << other.mode) & conflicts:
                out.append(other)
        return out

    def _grantable(self, request: LockRequest, queue) -> bool:
        if self._conflicting_holders(request):
            return False
        return bool(request.txn.rel_locks.get(request.rel)) or not self._waiters_ahead(request, queue)

    def _grant(self, request: LockRequest) -> None:
        request.granted = True
        if request.momentary:
            self._unmark(request.rel, request.mode)
            return
        txn = request.txn
        txn.rel_locks[request.rel] = txn.rel_locks.get(request.rel, 0) | (1 << request.mode)
        txn.lock_log.append((len(txn.frames) - 1, request.rel, request.mode, False))

    def _try_grant(self, request: LockRequest) -> bool:
        """Caller holds the lock (a waiter's loop)."""
        queue = self._queues.get(request.rel, [])
        if not self._grantable(request, queue):
            return False
        self._grant(request)
        self._remove(request, queue)
        self._notify(request.rel)  # the next waiters may be compatible with this one
        return True

    def _blockers(self, request: LockRequest) -> list[Txn]:
        """Whom a queued request waits for: conflicting holders, then conflicting earlier waiters."""
        out = self._conflicting_holders(request)
        if not request.txn.rel_locks.get(request.rel):
            out += [w.txn for w in self._waiters_ahead(request, self._queues.get(request.rel, ()))]
        return out

    def queued_blockers(self, txn: Txn) -> list[Txn]:
        """Whom txn's queued request waits for, from its WouldBlock on: its session may not have
        begun the wait yet (PostgreSQL queues a request and sleeps at once: pg_blocking_pids
        lists its blockers as soon as pg_locks shows it waiting)."""
        with self._lock:
            for queue in self._queues.values():
                for request in queue:
                    if request.txn is txn:
                        return self._blockers(request)
        return []

    def locks(self) -> list[tuple[Txn | StatementLocks, int, int, bool, bool]]:
        """(transaction, relation, mode, granted, fast path) of every lock held or awaited (pg_locks)."""
        with self._lock:
            # a weak lock shows as on the fast path while no strong lock marks its relation (PostgreSQL
            # moves them to the shared table when one comes: they show so from then on)
            out = [(t, rel, mode, True, fast and rel not in self.strong)
                   for t in [*self._txns.active, *self.ending] for _, rel, mode, fast in list(t.lock_log)]
            out += [(h, rel, mode, True, rel not in self.strong) for h in self.statements
                    for rel, bits in h.rel_locks.items() for mode in MODE_NAMES if bits >> mode & 1]
            out += [(r.txn, r.rel, r.mode, False, False) for queue in self._queues.values() for r in queue]
        return out

    # -- releasing -------------------------------------------------------------------------------
    def _dequeue(self, request: LockRequest) -> None:
        queue = self._queues.get(request.rel)
        if queue is not None and request in queue:
            self._remove(request, queue)
            self._unmark(request.rel, request.mode)
            self._notify(request.rel)

    def _remove(self, request: LockRequest, queue: list[LockRequest]) -> None:
        queue.remove(request)
        if not queue:
            del self._queues[request.rel]

    def _unmark(self, rel: int, mode: int) -> None:
        if (1 << mode) & STRONG_MODES:
            left = self.strong[rel] - 1
            if left:
                self.strong[rel] = left
            else:
                del self.strong[rel]

    def _wakeup(self, rel: int) -> threading.Condition:
        wakeup = self._wakeups.get(rel)
        if wakeup is None:
            wakeup = self._wakeups[rel] = threading.Condition(self._lock)
        return wakeup

    def _notify(self, rel: int) -> None:
        wakeup = self._wakeups.get(rel)
        if wakeup is not None:
            wakeup.notify_all()
            if rel not in self._queues:
                del self._wakeups[rel]

    def release_all(self, txn: Txn) -> None:
        """The transaction's end is visible: let its locks go."""
        if not txn.rel_locks and not self._queues:
            return
        if not self.strong and not self._queues:  # no mark to undo, nobody to wake: no lock to take
            self.ending.discard(txn)  # one step under the GIL, as the scans' copies of the set
            txn.rel_locks.clear()
            txn.lock_log.clear()
            if self.strong or self._queues:  # a strong requester came meanwhile, may have seen them: wake it
                with self._lock:
                    for rel in list(self._queues):
                        self._notify(rel)
            return
        with self._lock:
            self.ending.discard(txn)
            for request in [r for queue in self._queues.values() for r in queue if r.txn is txn]:
                self._dequeue(request)  # queued by an attempt whose wait never ran
            if self.strong or self._queues:  # else no strong lock to unmark, no waiter to wake
                self._release(txn, txn.lock_log)
            txn.rel_locks.clear()
            txn.lock_log.clear()

    def release_after(self, txn: Txn, level: int) -> None:
        """ROLLBACK TO the savepoint at `level`: the locks taken since go."""
        log = txn.lock_log
        cut = len(log)
        while cut and log[cut - 1][0] >= level:
            cut -= 1
        if cut == len(log):
            return
        with self._lock:
            self._release(txn, log[cut:])
            del log[cut:]

    def release(self, txn: Txn, rel: int, mode: int) -> None:
        """Let one lock go before the transaction ends, as PostgreSQL's UnlockRelation: a lock
        held for a moment (a check that must wait behind a conflicting lock but keeps nothing),
        or VACUUM's on a table it is done with."""
        log = txn.lock_log
        for i in range(len(log) - 1, -1, -1):
            if log[i][1] == rel and log[i][2] == mode:
                entry = log.pop(i)
                break
        else:
            return
        with self._lock:
            self._release(txn, [entry])

    def fold_into(self, txn: Txn, level: int) -> None:
        """RELEASE of the savepoint at `level`: what it took belongs to the enclosing level."""
        log = txn.lock_log
        i = len(log)
        while i and log[i - 1][0] >= level:
            i -= 1
            log[i] = (level - 1, *log[i][1:])

    def _release(self, txn: Txn, entries: list[tuple[int, int, int, bool]]) -> None:
        locks = txn.rel_locks
        for _, rel, mode, _ in entries:
            left = locks.get(rel, 0) & ~(1 << mode)
            if left:
                locks[rel] = left
            else:
                locks.pop(rel, None)
            self._unmark(rel, mode)
            if rel in self._queues:
                self._notify(rel)

    def leaving(self, txn: Txn) -> None:
        """Called under the lock as the transaction leaves `active`: keep its locks seen."""
        if txn.rel_locks:
            self.ending.add(txn)
