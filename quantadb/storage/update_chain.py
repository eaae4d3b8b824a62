"""The update chain: which version an UPDATE made of each version it replaced (PostgreSQL's t_ctid).

Whoever meets a version another transaction replaced follows it to the row's next version: a
SELECT ... FOR KEY SHARE that lets a running UPDATE through (storage/row_locks.py), WHERE CURRENT
OF under READ COMMITTED (engine/current_of.py). apply links each updated version to its new
one, so recovery and replicas link the same versions as the primary.

Only updated versions have a link: a log of (old, new) row id pairs in two int64 arrays, one
append each per updated row (16 bytes a link), searched through a sorted copy of its older part
plus a scan of the links logged since, re-sorted once that tail outgrows a sixteenth of the
copy (a lookup costs a binary search and a short scan). A version linked more than once (an
aborted update, then another) is found at its newest link; the caller checks that the link's
version was written by the version's xmax (Table.successor). VACUUM keeps the links between
versions it keeps, renumbered, and drops the rest (`renumber`).

Links are not checkpointed: after a restart no transaction from before runs, and every
snapshot is newer than every commit before it, so no one meets a version replaced then (only
its successors are visible; an update that was running is aborted: its old version has none).
"""

from __future__ import annotations

from array import array

import numpy as np

_EMPTY = np.zeros(0, dtype=np.int64)
_MIN_TAIL = 1024  # links scanned one by one at most before a re-sort (and a sixteenth of the sorted)


class UpdateChain:
    """Appended to by apply (under the store's write lock); read from any thread: a reader takes
    the log's length first (`new` is appended before `old`, so both hold that many links) and
    copies slices, never a view a later append would have to resize."""

    __slots__ = ("_sorted", "new", "old")

    def __init__(self) -> None:
        self.old = array("q")
        self.new = array("q")
        # the first n links, ordered by old row id (stably: a newer link of one version after an older)
        self._sorted: tuple[int, np.ndarray, np.ndarray] = (0, _EMPTY, _EMPTY)

    def __len__(self) -> int:
        return len(self.old)

    def link(self, old: int, new: int) -> None:
        self.new.append(new)
        self.old.append(old)

    def link_many(self, old: np.ndarray, new: np.ndarray) -> None:
        self.new.frombytes(np.ascontiguousarray(new, dtype=np.int64).tobytes())
        self.old.frombytes(np.ascontiguousarray(old, dtype=np.int64).tobytes())

    def newest(self, old: int) -> int | None:
        """The version the newest link of version `old` names (None: none)."""
        n = len(self.old)
        done, keys, values = self._sorted
        if n - done > max(_MIN_TAIL, done >> 4):
            done, keys, values = self._sort(n)
        if n > done:
            tail = np.frombuffer(self.old[done:n], dtype=np.int64)
            hits = np.flatnonzero(tail == old)
            if len(hits):
                return self.new[done + int(hits[-1])]
        at = int(np.searchsorted(keys, old, side="right")) - 1
        return int(values[at]) if at >= 0 and keys[at] == old else None

    def _sort(self, n: int) -> tuple[int, np.ndarray, np.ndarray]:
        old, new = self._pairs(n)
        order = np.argsort(old, kind="stable")
        self._sorted = (n, old[order], new[order])
        return self._sorted

    def _pairs(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return (np.frombuffer(self.old[:n], dtype=np.int64), np.frombuffer(self.new[:n], dtype=np.int64))

    def renumber(self, kept: np.ndarray) -> None:
        """VACUUM compacted the table keeping the versions `kept` (a mask by old row id; the kept
        ones renumbered in order): keep the links between two kept versions (the others' old
        version is gone, or their new one was an aborted update's), renumbered. No reader runs
        meanwhile (statements are held out of a compaction)."""
        if not self.old:
            return
        old, new = self._pairs(len(self.old))
        both = kept[old] & kept[new]
        rank = np.cumsum(kept) - 1
        self.old, self.new = array("q"), array("q")
        self._sorted = (0, _EMPTY, _EMPTY)
        self.link_many(rank[old[both]], rank[new[both]])
