"""What a serializable transaction read and wrote in one relation, at the granularity its reads
had (PostgreSQL's SIREAD locks, README-SSI), and whether a write meets a read.

A read through an index locks the keys it looked up (equality) or the key range it walked (a
btree range, or a prefix of a composite key); so a later INSERT of such a key, or an UPDATE or
DELETE of a version with it, meets the lock: phantoms included. Every other read (a scan, the
rows an index does not hold because of a NULL) locks the whole relation. A row is only ever
found through one of these, so a write that lists the keys of the versions it touched (old and
new) in every index of the table meets every read of them.

Keys are held as the index stores them (Index.stored_key), so equal keys meet. Past
MAX_KEYS keys or MAX_RANGES ranges in one relation the lock becomes the relation's, as
PostgreSQL promotes tuple locks to page and relation locks (max_pred_locks_per_relation).
"""

from __future__ import annotations

from .index import Index

MAX_KEYS = 1000  # per relation and transaction, reads or writes, before the whole relation
MAX_RANGES = 64


class RelReads:
    """SIREAD locks of one transaction on one table: the whole table, or keys and ranges per index."""

    __slots__ = ("keys", "ranges", "whole")

    def __init__(self) -> None:
        self.whole = False
        self.keys: dict[int, set] = {}  # index oid -> stored keys looked up
        self.ranges: dict[int, list[tuple]] = {}  # index oid -> (index, low, high, low_inc, high_inc)

    def count(self) -> int:
        return 1 if self.whole else sum(map(len, self.keys.values())) + sum(map(len, self.ranges.values()))

    def locks(self, rel_oid: int) -> list[tuple[str, int]]:
        """(lock type, relation) of each lock, as pg_locks shows it."""
        if self.whole:
            return [("relation", rel_oid)]
        held = [*self.keys.items(), *self.ranges.items()]
        return [("page", index_oid) for index_oid, some in held for _ in some]

    def add_keys(self, index: Index, keys: list) -> None:
        if self.whole:
            return
        held = self.keys.setdefault(index.oid, set())
        held.update(index.stored_key(k) for k in keys)
        if len(held) > MAX_KEYS:
            self.promote()

    def add_range(self, index: Index, low: tuple | None, high: tuple | None, low_inc: bool, high_inc: bool) -> None:
        if self.whole:
            return
        if low is None and high is None:
            self.promote()
            return
        ranges = self.ranges.setdefault(index.oid, [])
        ranges.append((index, *index.stored_bounds(low, high, low_inc, high_inc)))
        if len(ranges) > MAX_RANGES:
            self.promote()

    def promote(self) -> None:
        self.whole = True
        self.keys, self.ranges = {}, {}

    def merge(self, other: RelReads) -> None:
        """Take on another transaction's locks here too (ssi.py's summary of old ones)."""
        if other.whole:
            self.promote()
        for index_oid, keys in other.keys.items():
            if self.whole:
                return
            held = self.keys.setdefault(index_oid, set())
            held |= keys
            if len(held) > MAX_KEYS:
                self.promote()
        for index_oid, ranges in other.ranges.items():
            if self.whole:
                return
            held_ranges = self.ranges.setdefault(index_oid, [])
            held_ranges.extend(ranges)
            if len(held_ranges) > MAX_RANGES:
                self.promote()

    def meets(self, writes: RelWrites) -> bool:
        """Does one of these reads cover something `writes` wrote? (Reads through an index the
        write has no keys of, dropped or made since: yes, as PostgreSQL moves an index's SIREAD
        locks to its table when the index goes.)"""
        if self.whole or writes.whole:
            return True
        if writes.rows and not writes.keys.keys() >= self.keys.keys() | self.ranges.keys():
            return True
        for index_oid, written in writes.keys.items():
            read = self.keys.get(index_oid)
            if read and not read.isdisjoint(written):
                return True
            for index, low, high, low_inc, high_inc in self.ranges.get(index_oid, ()):
                if any(_in_range(index, k, low, high, low_inc, high_inc) for k in written):
                    return True
        return False


class RelWrites:
    """The keys, per index of one table, of the row versions a transaction wrote there (old and
    new), or the whole table. A table without an index has no keys: only a whole-table read meets it."""

    __slots__ = ("keys", "rows", "whole")

    def __init__(self) -> None:
        self.whole = False
        self.rows = 0
        self.keys: dict[int, set] = {}

    def add(self, index_keys: dict[int, set], rows: int) -> None:
        if self.whole:
            return
        self.rows += rows
        if self.rows > MAX_KEYS:
            self.whole, self.keys = True, {}
            return
        for index_oid, keys in index_keys.items():
            self.keys.setdefault(index_oid, set()).update(keys)

    def merge(self, other: RelWrites) -> None:
        if other.whole:
            self.whole, self.keys = True, {}
        else:
            self.add(other.keys, other.rows)


def _in_range(index: Index, key, low: tuple | None, high: tuple | None, low_inc: bool, high_inc: bool) -> bool:
    """Is a stored key within a range lock? (A key that does not compare with the bounds: yes.)"""
    try:
        return index._in_range(key, index._bound_key(low), low, low_inc, index._bound_key(high), high, high_inc)
    except TypeError:
        return True
