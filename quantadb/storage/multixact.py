"""MultiXactIds: what a row version's xmax shows while several transactions hold it at once (two
FOR SHARE lockers; a FOR KEY SHARE locker and a transaction that updates the row keeping its key),
as PostgreSQL's MultiXactId stands for them: a number of its own, counted from 1 apart from xids,
which the xmax system column shows until a later locker or writer replaces it.

Only what xmax shows is kept: per version, beside its newest locker's xid (Table.lockers), its
MultiXactId, the members' xids and the writer's xid the version had then (Table.multis: a later
UPDATE or DELETE shows its own xid instead). In memory, as the lockers: not logged nor
checkpointed (a restart forgets them and starts again from 1, a replica shows none), and dropped
with the lockers by a VACUUM; at most one entry per version several transactions locked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .table import Table

# (running xids among some) -> the ones of another transaction still running
Running = Callable[[Iterable[int]], list[int]]


class MultiXacts:
    """The store's MultiXactId counter and the rules that assign one (under its write lock)."""

    def __init__(self) -> None:
        self.next_id = 1

    def lock(self, table: Table, rowid: int, xid: int, running: Running) -> None:
        """`xid` locked version `rowid`: its xmax shows xid, or a new MultiXactId where another
        running transaction holds the version too (a locker shown there, or its writer)."""
        held = table.multis.get(rowid)
        if held is not None and xid in held[1]:
            return  # (a member already: the same MultiXactId, as PostgreSQL's)
        writer = table.xmin_xmax(rowid)[1]
        others = running(held[1] if held is not None else (table.lockers.get(rowid, 0), writer))
        table.lockers[rowid] = xid
        if others:
            self._assign(table, rowid, (*others, xid), writer)
        elif held is not None:
            del table.multis[rowid]

    def update(self, table: Table, old: int, new: int, xid: int, sharers: list[int]) -> None:
        """`xid` updated version `old` (making `new`) past the running KEY SHARE lockers `sharers`
        shown in its xmax: the old version shows a MultiXactId of them and the updater, the new
        one theirs (one locker: its xid, Table.lockers)."""
        self._assign(table, old, (*sharers, xid), xid)
        if len(sharers) > 1:
            self._assign(table, new, tuple(sharers), 0)

    def members(self, table: Table, rowid: int) -> tuple[int, ...]:
        """The xids version `rowid`'s xmax shows: a MultiXactId's members, or its locker."""
        held = table.multis.get(rowid)
        return held[1] if held is not None else (table.lockers.get(rowid, 0),)

    def _assign(self, table: Table, rowid: int, members: tuple[int, ...], writer: int) -> None:
        table.multis[rowid] = (self.next_id, members, writer)
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
