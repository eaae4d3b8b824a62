"""Transactions: xids, the commit log (clog), snapshots and subtransactions.

xids are PostgreSQL's: 0 InvalidTransactionId (an empty xmax), 2 FrozenTransactionId (visible
to every snapshot), normal xids from 3. The clog is a numpy int8 array indexed by xid:
0 in progress, 1 committed, 2 aborted, so visibility of a whole segment is two gathers
(plus membership tests against the few running and own xids).

A snapshot is (xmin, xmax, xip, own): an xid is "seen" when it belongs to the reading
transaction (its top xid or a subtransaction not rolled back), or it is below xmax, neither it
nor its top transaction in xip, and committed. A row version is visible when its xmin is seen
and its xmax is not. xip holds running top xids only (plus, on a standby or after a restart,
running subtransactions whose top is not known): the clog keeps each subtransaction's distance
to its top (PostgreSQL's pg_subtrans), so a snapshot costs the same however many statements
(each a subtransaction, see engine/session.py) the running transactions have run.

A transaction gets its xid lazily on its first write (read-only transactions never write
WAL). SAVEPOINT pushes a frame; the first write after it gets a new sub-xid; ROLLBACK TO
aborts the sub-xids of the frames above; RELEASE folds them into the parent.

Waits for row and relation locks: txn_waits.py (TxnManager's mixin).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import numpy as np

from .tuple_queues import TupleQueues
from .txn_waits import TxnWaits

INVALID_XID, FROZEN_XID, FIRST_NORMAL_XID = 0, 2, 3
SHOWN_SELF = -1  # TxnManager.assign: a subtransaction whose rows show its own xid
IN_PROGRESS, COMMITTED, ABORTED = 0, 1, 2
REPEATABLE_READ_LEVELS = ("repeatable read", "serializable")
_VXIDS = itertools.count(1)


class WouldBlock(Exception):
    """A write met a row or key held by a running transaction (`on`: its xid), or a relation lock
    request was queued (`on`: the locks.LockRequest); raised before any effect.

    The engine calls `store.wait_for(txn, e.on, timeout_s)` and then retries the statement.
    """

    def __init__(self, on: object, row: int | None = None) -> None:
        super().__init__(f"blocked by {on}")
        self.on = on
        self.row = row  # the row id whose lock blocked, where a row lock did
        # (relation, row ids, strength): the rows a statement acting on several had reached
        # before the one it waits for, which PostgreSQL's executor has changed or locked by then
        self.reached: tuple[int, list[int], int] | None = None


class RowChanged(Exception):
    """READ COMMITTED: a target row was updated/deleted by a transaction that committed after
    the statement's snapshot; the engine re-runs the statement with a new snapshot."""

    def __init__(self, rowid: int) -> None:
        super().__init__(f"row {rowid} changed concurrently")
        self.rowid = rowid


class Clog:
    """Transaction status by xid, grown by doubling (readers keep a stale array safely), and
    per subtransaction its xid minus its top's (`sub_delta`; 0: a top xid, or not known).
    `view` is a memoryview of `status` for scalar reads (a Python int, no numpy scalar).

    `shown_delta`, from the first subtransaction under a user's SAVEPOINT on: per xid, its xid
    minus the one a user sees on the rows it wrote (`shown`). Statements run as subtransactions of
    the engine's own (Txn.internal_levels), which PostgreSQL's do not: their rows show the xid of
    the nearest user savepoint, as PostgreSQL's subtransaction xid, or else the top's."""

    def __init__(self) -> None:
        self.status = np.zeros(1024, dtype=np.int8)
        self.status[[0, 1]] = ABORTED
        self.status[FROZEN_XID] = COMMITTED
        self.view = memoryview(self.status)
        self.sub_delta = np.zeros(1024, dtype=np.int32)
        self.shown_delta: np.ndarray | None = None  # None: every xid shows as its top

    def ensure(self, xid: int) -> None:
        if xid >= len(self.status):
            size = max(xid + 1, 2 * len(self.status))
            delta = np.zeros(size, dtype=np.int32)
            delta[:len(self.sub_delta)] = self.sub_delta
            self.sub_delta = delta
            if self.shown_delta is not None:
                shown = np.zeros(size, dtype=np.int32)
                shown[:len(self.shown_delta)] = self.shown_delta
                self.shown_delta = shown
            grown = np.zeros(size, dtype=np.int8)
            grown[:len(self.status)] = self.status
            self.status, self.view = grown, memoryview(grown)

    def top(self, xid: int) -> int:
        delta = self.sub_delta
        return xid - int(delta[xid]) if xid < len(delta) else xid

    def tops(self, xids: np.ndarray) -> np.ndarray:
        """top() of each xid."""
        delta = self.sub_delta
        known = xids < len(delta)
        return xids - np.where(known, delta[np.where(known, xids, 0)], 0)

    def shown(self, xids: np.ndarray) -> np.ndarray:
        """The xid a user sees for each of these (see the class docstring)."""
        delta = self.shown_delta
        if delta is None:
            return self.tops(xids)
        known = xids < len(delta)
        return xids - np.where(known, delta[np.where(known, xids, 0)], 0)

    def shown_of(self, xid: int) -> int:
        """shown() of one xid."""
        delta = self.shown_delta
        if delta is None:
            return self.top(xid)
        return xid - int(delta[xid]) if xid < len(delta) else xid

    def show_as(self, xid: int, shown: int) -> None:
        """Record the xid rows written under `xid` show (the first time: every earlier one shows its top)."""
        if self.shown_delta is None:
            self.shown_delta = self.sub_delta.copy()
        self.shown_delta[xid] = xid - shown

    def get(self, xid: int) -> int:
        s = self.view
        return s[xid] if xid < len(s) else IN_PROGRESS

    def ended(self, xid: int) -> bool:
        """Has xid committed or aborted?"""
        return self.get(xid) != IN_PROGRESS

    def set(self, xids: list[int], value: int) -> None:
        if xids:
            self.ensure(max(xids))
        status = self.status
        if len(xids) > 8:
            status[xids] = value
            return
        for x in xids:  # a transaction's few xids: cheaper than an index array
            status[x] = value

_NO_XIDS: frozenset[int] = frozenset()  # the own xids of a snapshot without a transaction


class Snapshot:
    __slots__ = ("clog", "own", "owner", "sxact", "xip", "xmax", "xmin")

    def __init__(self, xmin: int, xmax: int, xip: frozenset[int], own: set[int] | frozenset[int], clog: Clog,
                 owner: Txn | None = None) -> None:
        self.xmin, self.xmax, self.xip, self.own, self.clog = xmin, xmax, xip, own, clog
        self.owner = owner  # the reading transaction (`own` is its live set of xids)
        self.sxact = None  # a SERIALIZABLE transaction's ssi.SerializableXact: reads and writes tell it

    def sees(self, xid: int) -> bool:
        if xid < self.xmin:  # ended before every transaction running at the snapshot: the clog decides
            return self.clog.view[xid] == COMMITTED
        if xid in self.own:
            return True
        if xid >= self.xmax:
            return False
        xip = self.xip
        if xip and (xid in xip or self.clog.top(xid) in xip):
            return False
        return self.clog.get(xid) == COMMITTED

    def exported(self) -> "Snapshot":
        """This snapshot as another transaction may import it (pg_export_snapshot): the reader's
        own writes are a running transaction's to the importer."""
        owner = self.owner
        running = {owner.xid} if owner is not None and owner.xid is not None else set()
        return Snapshot(self.xmin, self.xmax, self.xip | running, _NO_XIDS, self.clog)

    def frozen(self) -> "Snapshot":
        """This snapshot with the transaction's own xids as they are now: what it writes later
        under a new subtransaction's xid stays invisible to this copy."""
        snap = Snapshot(self.xmin, self.xmax, self.xip, frozenset(self.own), self.clog)
        snap.sxact = self.sxact
        return snap

    def row_visible(self, xmin: int, xmax: int) -> bool:
        return self.sees(xmin) and (xmax == INVALID_XID or not self.sees(xmax))

    def seen_array(self, xids: np.ndarray) -> np.ndarray:
        """`sees` for an array of xids: one clog gather, no per-snapshot table."""
        status = self.clog.status
        known = status[np.minimum(xids, len(status) - 1)]
        out = (known == COMMITTED) & (xids < self.xmax)
        if not self.xip and len(self.own) <= 8:
            if self.own:
                out |= _member(xids, self.own)
            return out
        delta = self.clog.sub_delta
        tops = xids - delta[np.minimum(xids, len(delta) - 1)]
        if self.xip:
            out &= ~_member(tops, self.xip)
        if len(self.own) <= 8 or self.owner is None:
            if self.own:
                out |= _member(xids, self.own)
        else:  # own = the top xid and its subtransactions not rolled back (those are aborted)
            out |= (tops == self.owner.xid) & (known != ABORTED)
        return out

    def visible_array(self, xmin: np.ndarray, xmax: np.ndarray) -> np.ndarray:
        vis = self.seen_array(xmin)
        has_xmax = xmax != INVALID_XID
        if has_xmax.any():
            vis &= ~(has_xmax & self.seen_array(xmax))
        return vis


def _member(xids: np.ndarray, group: set[int] | frozenset[int]) -> np.ndarray:
    if len(group) <= 8:
        out = np.zeros(len(xids), dtype=np.bool_)
        for x in tuple(group):
            out |= xids == x
        return out
    return np.isin(xids, np.fromiter(tuple(group), dtype=np.int64, count=len(group)))


class Txn:
    """One transaction as storage sees it. The engine may set `synchronous_commit` and
    `deferrable` and pass the `cancel_event` a lock wait watches (its session's: one Event per
    session, not per transaction); everything else is storage's."""

    # (`deferrable` and `safe_snapshot_wait`, ssi_readonly.py's, are set only when DEFERRABLE is
    # asked for: unset otherwise, so that no other transaction pays for them)
    __slots__ = ("awaited_tuple", "cancel_event", "database", "deferrable", "did_ddl", "frames", "internal_levels",
                 "isolation", "key_shares", "last_snapshot", "lock_log", "locks", "own", "pid", "queued_tuple",
                 "read_only", "rel_locks", "released", "safe_snapshot_wait", "snapshot", "snapshot_xmin", "state",
                 "synchronous_commit", "unique_rechecks", "vxid", "wrote_wal", "xid")

    def __init__(self, isolation: str, read_only: bool, cancel_event: threading.Event | None = None) -> None:
        self.isolation = isolation.lower()
        self.read_only = read_only
        self.synchronous_commit = True
        self.cancel_event = cancel_event if cancel_event is not None else threading.Event()
        self.xid: int | None = None  # top xid, assigned on first write
        self.frames: list[int | None] = [None]  # per savepoint level: its xid (frame 0 = top)
        self.released: dict[int, list[int]] = {}  # level -> sub-xids of savepoints released into it
        self.own: set[int] = set()  # top + sub-xids not rolled back
        # savepoint levels of the engine's own (a statement's, to undo an attempt), not the user's:
        # PostgreSQL has no such subtransactions, so pg_locks does not show their xids
        self.internal_levels: set[int] = set()
        self.snapshot: Snapshot | None = None  # REPEATABLE READ: the first one, reused
        self.snapshot_xmin: int | None = None
        self.last_snapshot: tuple[int, Snapshot] | None = None  # (TxnManager.ended then, snapshot)
        self.wrote_wal = False
        self.did_ddl = False
        self.locks: list[tuple[int, int]] = []  # (rel_oid, rowid) row locks held
        self.key_shares: dict[int, int] = {}  # relation OID -> rows a foreign key check locked (row_locks.py)
        # index OID -> {stored key: key} written to that DEFERRABLE unique index, checked later (unique_checks.py)
        self.unique_rechecks: dict[int, dict] = {}
        # (xid, rel_oid, rowid, mode) of the row a wait on xid is for: PostgreSQL's waiter holds a
        # tuple lock meanwhile (pg_locks)
        self.awaited_tuple: tuple[int, int, int, str] | None = None
        self.queued_tuple: tuple[int, int, int] | None = None  # (rel_oid, rowid, strength): tuple_queues.py
        self.rel_locks: dict[int, int] = {}  # relation OID -> bitmask of lock modes held (locks.py)
        self.lock_log: list[tuple[int, int, int, bool]] = []  # (savepoint level, relation, mode, fast path)
        self.vxid = next(_VXIDS)  # identity in the waits-for graph and pg_locks, xid or not
        self.pid = 0  # the engine's: its session (pg_locks, deadlock reports)
        self.database = 0
        self.state = "active"  # active, committing, committed, aborted

    @property
    def repeatable(self) -> bool:
        return self.isolation in REPEATABLE_READ_LEVELS

    def sub_xids(self) -> list[int]:
        return sorted(x for x in self.own if x != self.xid)

    def locked_xids(self) -> list[int]:
        """The xids whose locks PostgreSQL's pg_locks would show: the top's and each open user
        savepoint's (a released or rolled-back subtransaction's lock is let go)."""
        internal = self.internal_levels
        return [x for level, x in enumerate(list(self.frames)) if x is not None and level not in internal]


class TxnManager(TxnWaits):
    """xid allocation, running set, snapshots, waits. Its lock is separate from the store's
    write lock because commit visibility is applied from the WAL flusher thread."""

    def __init__(self) -> None:
        self.clog = Clog()
        self.next_xid = FIRST_NORMAL_XID
        self.running: set[int] = set()  # every xid (top or sub) with status in progress
        self.running_tops: set[int] = set()  # those a snapshot's xip lists (see the module docstring)
        self.active: set[Txn] = set()  # Txn objects not ended (for the vacuum horizon)
        self.held: dict[int, int] = {}  # horizon floors held by reads without a Txn -> how many
        self.ended = 0  # counts finish() and note() of a running xid: what can change a snapshot
        self._free_snapshot: tuple[int, Snapshot] | None = None  # (ended, the last snapshot without a Txn)
        self.lock = threading.Lock()
        self._waits: dict[Txn, object] = {}  # waiter -> the xid or LockRequest it waits on
        self.owners: dict[int, Txn] = {}  # top xid -> its transaction (this node's own)
        self._wakeups: dict[int, threading.Condition] = {}  # xid waited for -> its waiters' condition
        self._wake_calls: dict[Txn, Callable[[], None]] = {}  # await_xid's waiter -> its callback
        self.tuple_queues = TupleQueues()

    # -- xids ---------------------------------------------------------------------------
    def assign(self, top: int | None, shown: int | None = None) -> int:
        """A new xid: a top one, or a subtransaction of `top` whose rows show as `shown` (SHOWN_SELF:
        itself, a user's savepoint; None: the top's; see Clog)."""
        with self.lock:
            xid = self.next_xid
            self.next_xid += 1
            clog = self.clog
            if xid >= len(clog.status):
                clog.ensure(xid)
            self.running.add(xid)
            if top is None:
                self.running_tops.add(xid)
            else:
                clog.sub_delta[xid] = xid - top
                if shown is not None or clog.shown_delta is not None:
                    clog.show_as(xid, xid if shown == SHOWN_SELF else top if shown is None else shown)
            return xid

    def note(self, xid: int) -> None:
        """Apply path: a record names xid; it is running unless already ended. (A standby learns
        a subtransaction's top only at its end: until then xip lists it itself.)"""
        if xid < FIRST_NORMAL_XID or xid in self.running:  # the primary's own xids: known already
            return
        with self.lock:
            if xid >= self.next_xid:
                self.next_xid = xid + 1
            self.clog.ensure(xid)
            if self.clog.status[xid] == IN_PROGRESS:
                self.running.add(xid)
                self.running_tops.add(xid)
                self.ended += 1

    def finish(self, xids: list[int], status: int) -> None:
        calls = None
        with self.lock:
            self.ended += 1
            self.clog.set(xids, status)
            self.running.difference_update(xids)
            self.running_tops.difference_update(xids)
            for x in xids:  # wake only the waiters of these xids, not every lock waiter per commit
                self.owners.pop(x, None)
                wakeup = self._wakeups.pop(x, None)
                if wakeup is not None:
                    wakeup.notify_all()
            if self._wake_calls:
                ended = set(xids)
                calls = self._take_wake_calls([t for t, on in self._waits.items() if on in ended])
        if calls:  # (outside the lock: a callback may look at the waits)
            for call in calls:
                call()

    def status(self, xid: int) -> int:
        return self.clog.get(xid)

    # -- snapshots ------------------------------------------------------------------------
    def snapshot(self, txn: Txn | None) -> Snapshot:
        """A new snapshot, or the transaction's previous one while no transaction has ended
        since: it sees the same (xids assigned meanwhile are running, invisible to both, beyond
        its xmax or in the new xip; its `own` is the transaction's live set)."""
        last = txn.last_snapshot if txn is not None else self._free_snapshot
        if last is not None and last[0] == self.ended:
            return last[1]
        with self.lock:
            ended = self.ended
            xip = frozenset(self.running_tops)
            xmax = self.next_xid
        xmin = min(xip) if xip else xmax
        if txn is None:  # a read without a transaction's (the same while none ends: see above)
            snap = Snapshot(xmin, xmax, xip, _NO_XIDS, self.clog)
            self._free_snapshot = (ended, snap)
            return snap
        snap = Snapshot(xmin, xmax, xip, txn.own, self.clog, txn)
        txn.last_snapshot = (ended, snap)
        if txn.snapshot_xmin is None:
            txn.snapshot_xmin = xmin
        return snap

    def import_snapshot(self, txn: Txn, exported: Snapshot) -> None:
        """SET TRANSACTION SNAPSHOT: txn (REPEATABLE READ, before its first snapshot) reads as the
        exported snapshot (Snapshot.exported) does, with its own writes."""
        snap = Snapshot(exported.xmin, exported.xmax, exported.xip, txn.own, self.clog, txn)
        with self.lock:  # its versions are kept from now on (the exporter kept them until now)
            txn.snapshot = snap
            txn.snapshot_xmin = exported.xmin if txn.snapshot_xmin is None else min(txn.snapshot_xmin, exported.xmin)

    def horizon(self) -> int:
        """Oldest xid some running transaction or open snapshot may still need."""
        with self.lock:
            h = min(self.running_tops) if self.running_tops else self.next_xid
            for t in self.active:
                if t.snapshot_xmin is not None:
                    h = min(h, t.snapshot_xmin)
            if self.held:
                h = min(h, min(self.held))
        return h

    def hold_horizon(self) -> int:
        """For a statement that reads without a transaction (no Txn in `active` keeps its
        snapshots' versions): hold the horizon at or below the xmin of every snapshot it takes
        from now on, until release_horizon(the returned floor). Else a PRUNE logged by another
        thread meanwhile could drop index entries of versions its snapshot still sees."""
        with self.lock:
            floor = min(self.running_tops) if self.running_tops else self.next_xid
            self.held[floor] = self.held.get(floor, 0) + 1
        return floor

    def release_horizon(self, floor: int) -> None:
        with self.lock:
            left = self.held[floor] - 1
            if left:
                self.held[floor] = left
            else:
                del self.held[floor]
