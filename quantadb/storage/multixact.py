"""MultiXactIds: what a row version's xmax shows while several transactions hold it at once (two
FOR SHARE lockers; a FOR KEY SHARE locker and a transaction that updates the row keeping its key),
as PostgreSQL's MultiXactId stands for them: a number of its own, counted from 1 apart from xids,
which the xmax system column shows until a later locker or writer replaces it.

Only what a user sees is kept: per version, beside its newest locker's xid (Table.lockers), its
MultiXactId, the members (xid and PostgreSQL's name of its lock, as pg_get_multixact_members
shows them) and the writer's xid the version had then (Table.multis: a later UPDATE or DELETE
shows its own xid instead). In memory, as the lockers: not logged nor checkpointed (a restart
forgets them and starts again from 1, a replica shows none), and dropped with the lockers by a
VACUUM; at most one entry per version several transactions locked. The members of the newest
KEPT MultiXactIds stay known to pg_get_multixact_members after no version shows them any more
(PostgreSQL's stay until a VACUUM freezes the versions that showed them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .table import Table

Member = tuple[int, str]  # (xid, its lock: keysh, sh, fornokeyupd, forupd, nokeyupd, upd)
MODES = ("keysh", "sh", "fornokeyupd", "forupd")  # by row_locks.py's strength
UPDATER = "nokeyupd"  # (an update another transaction's lock lets through keeps the key)
_RANKS = {mode: rank for rank, mode in enumerate((*MODES, UPDATER, "upd"))}


KEPT = 65_536


class MultiXacts:
    """The store's MultiXactId counter, the members of the newest, and the rules that assign one
    (under its write lock). `shown_of`: the xid a user sees of one (Clog.shown_of), whose order
    the members keep."""

    def __init__(self, shown_of: Callable[[int], int]) -> None:
        self.next_id = 1
        self._shown_of = shown_of
        self._members: dict[int, tuple[Member, ...]] = {}  # the newest KEPT, oldest first

    def lock(self, table: Table, rowid: int, locker: Member, others: list[Member]) -> None:
        """`locker` locked version `rowid`, which `others` (of other transactions still running:
        lockers, or its writer) hold too: its xmax shows the locker's xid, or a new MultiXactId
        of them all."""
        held = table.multis.get(rowid)
        if held is not None and locker in held[1]:
            return  # (a member already: the same MultiXactId, as PostgreSQL's)
        table.lockers[rowid] = locker[0]
        if others:
            self._assign(table, rowid, (*others, locker), table.xmin_xmax(rowid)[1])
        elif held is not None:
            del table.multis[rowid]

    def update(self, table: Table, old: int, new: int, xid: int, sharers: list[int]) -> None:
        """`xid` updated version `old` (making `new`) past the running KEY SHARE lockers `sharers`
        shown in its xmax: the old version shows a MultiXactId of them and the updater, the new
        one theirs (one locker: its xid, Table.lockers)."""
        shared = tuple((x, MODES[0]) for x in sharers)
        self._assign(table, old, (*shared, (xid, UPDATER)), xid)
        if len(sharers) > 1:
            self._assign(table, new, shared, 0)

    def shown(self, table: Table, rowid: int) -> tuple[int, ...]:
        """The xids version `rowid`'s xmax shows: a MultiXactId's members, or its locker."""
        held = table.multis.get(rowid)
        return tuple(x for x, _ in held[1]) if held is not None else (table.lockers.get(rowid, 0),)

    def members(self, multi: int) -> tuple[Member, ...]:
        """pg_get_multixact_members: those of MultiXactId `multi` (none once forgotten)."""
        return self._members.get(multi, ())

    def _assign(self, table: Table, rowid: int, members: tuple[Member, ...], writer: int) -> None:
        # (in xid order, each xid's locks weakest first, as PostgreSQL keeps them)
        members = tuple(sorted(set(members), key=lambda m: (self._shown_of(m[0]), _RANKS[m[1]])))
        table.multis[rowid] = (self.next_id, members, writer)
        self._members[self.next_id] = members
        if len(self._members) > KEPT:
            del self._members[next(iter(self._members))]
        self.next_id += 1


def shown_xmax(table: Table, rowids: np.ndarray, writers: np.ndarray, xmax: np.ndarray) -> np.ndarray:
    """`xmax` (as shown) with a MultiXactId where a version has one its writer has not replaced
    since (`writers`: the versions' xmax as written)."""
    keys = np.fromiter(table.multis.keys(), dtype=np.int64, count=len(table.multis))
    hits = np.flatnonzero(np.isin(rowids, keys))
    if not len(hits):
        return xmax
    xmax = xmax.copy()
    for i in hits.tolist():
        held = table.multis.get(int(rowids[i]))
        if held is not None and held[2] == writers[i]:
            xmax[i] = held[0]
    return xmax
