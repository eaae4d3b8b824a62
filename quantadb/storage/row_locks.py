"""Row locks: SELECT ... FOR KEY SHARE / SHARE / NO KEY UPDATE / UPDATE, a foreign key's hold on
the row it references, and what an UPDATE or DELETE of a locked row waits for.

Strengths and conflicts are PostgreSQL's: KEY SHARE conflicts only with UPDATE, SHARE with NO KEY
UPDATE and UPDATE, NO KEY UPDATE with SHARE and up, UPDATE with all (strengths a + b >= 3). A
DELETE, and an UPDATE that changes a unique key, acts as UPDATE; any other UPDATE as NO KEY
UPDATE. A writer's own claim on a row is its version's xmax (the next writer waits on that); the
locks here are the lockers'. They live in memory (a crash ends every transaction holding one),
per table and row id as [(xid, strength)], and go when their transaction ends (Store._end_locks);
a subtransaction's go when it rolls back (its xid is aborted).

A foreign key's check of a new referencing key (`lock_referenced`) finds the referenced row as
PostgreSQL's `SELECT 1 ... FOR KEY SHARE` does, and locks it: a version another transaction
inserted and has not committed is not there; one a running transaction deletes, or updates to
another key, is waited for; one it updates keeping the key is there (every version, followed
along the update chain, is locked: whichever outlives the update keeps the lock). SELECT ... FOR
KEY SHARE does the same, and also passes a committed update that kept the key: it returns the
version its snapshot read (no re-read, no 40001) and locks the newer ones. On a table without a
unique index no update changes a key, so only a DELETE makes it wait. The lock makes a DELETE of the referenced row, or
an UPDATE of its key, wait for the referencing transaction (whose new row the deleter's own check
then sees), while an UPDATE of its other columns goes on and carries the lock to its new version.
Each row is locked once per transaction; past ESCALATE_ROWS rows of one table, a transaction's
KEY SHARE holds the whole table instead (row id ALL_ROWS: a DELETE or key UPDATE of any of its
rows waits), so a bulk load of referencing rows does not keep a lock entry per referenced row.
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import SerializationFailure
from quantadb.types.column import Column

from .index import row_keys
from .multixact import MODES, UPDATER
from .table import Table
from .txn import ABORTED, COMMITTED, IN_PROGRESS, Txn, WouldBlock

KEY_SHARE, SHARE, NO_KEY_UPDATE, UPDATE = range(4)
STRENGTHS = {"key share": KEY_SHARE, "share": SHARE, "no key update": NO_KEY_UPDATE, "update": UPDATE}
ALL_ROWS = -1  # the row id of a lock on every row of the table
ESCALATE_ROWS = 10_000


def _conflict(held: int, wanted: int) -> bool:
    return held + wanted >= 3


class RowLocks:
    """Mixed into `store.Store` (uses its `_wlock`, `_state`, `_row_locks`, `_write_xid`, `_status`, `multixacts`)."""

    def _hold(self, txn: Txn, rel_oid: int, rowids: list[int], strength: int) -> int:
        """Record the locks (the checks are the caller's, under the write lock); the locker's xid."""
        xid = self._write_xid(txn)
        locks = self._row_locks.setdefault(rel_oid, {})
        for r in rowids:
            locks.setdefault(r, []).append((xid, strength))
            txn.locks.append((rel_oid, r))
        return xid

    def _hold_key_share(self, txn: Txn, rel_oid: int, rowids: list[int]) -> None:
        """A foreign key check's KEY SHARE locks: rows the transaction holds already are not held
        again; past ESCALATE_ROWS of the table, the whole table is."""
        locks = self._row_locks.setdefault(rel_oid, {})
        own = txn.own
        if any(holder in own for holder, _ in locks.get(ALL_ROWS, ())):
            return
        rows = dict.fromkeys(rowids)
        held = txn.key_shares.get(rel_oid, 0)
        if held + len(rows) > ESCALATE_ROWS:  # (past the limit whatever it held: no row by row look)
            fresh = [ALL_ROWS]
        else:
            fresh = [r for r in rows if (holders := locks.get(r)) is None or not any(h in own for h, _ in holders)]
        if fresh:
            txn.key_shares[rel_oid] = held + len(fresh)
            self._hold(txn, rel_oid, fresh, KEY_SHARE)

    def _check_row_locks(self, txn: Txn, rel_oid: int, rowids, strength: int) -> None:
        """WouldBlock on a running transaction that holds one of the rows in a conflicting strength."""
        locks = self._row_locks.get(rel_oid)
        if locks:
            own = txn.own
            whole = locks.get(ALL_ROWS) if strength == UPDATE else None
            for r in rowids:
                for holders in (locks.get(r), whole):
                    for holder, held in holders or ():
                        if _conflict(held, strength) and holder not in own and self._status(holder) == IN_PROGRESS:
                            raise WouldBlock(holder, r)

    def _carry_locks(self, txn: Txn, table: Table, old: list[int], new: list[int]) -> None:
        """An UPDATE made `new` versions of `old`: this transaction's own lock stays their xmax
        (PostgreSQL's updated tuple keeps it: an upsert's RETURNING xmax <> 0), and running
        transactions' KEY SHARE locks, which let the update through as it kept the key, hold the
        new versions too."""
        locks = self._row_locks.get(table.oid) or {}
        lockers, own = table.lockers, txn.own
        txns = self._state.txns
        for o, n in zip(old, new):
            x = lockers.get(o)
            if x is not None and x in own:
                lockers[n] = x
            shown, sharers = self.multixacts.shown(table, o), []
            for holder, held in locks.get(o, ()):
                if held == KEY_SHARE and holder not in own and self._status(holder) == IN_PROGRESS:
                    owner = txns.owners.get(txns.clog.top(holder))
                    if owner is not None:
                        locks.setdefault(n, []).append((holder, KEY_SHARE))
                        owner.locks.append((table.oid, n))  # (released at its end: Store._end_locks)
                        if holder in shown:  # a SELECT ... FOR KEY SHARE's, shown in xmax
                            lockers[n] = max(lockers.get(n, 0), holder)
                            sharers.append(holder)
            if sharers:
                self.multixacts.update(table, o, n, table.xmin_xmax(n)[0], sharers)

    def _show_lockers(self, txn: Txn, table: Table, rowids: list[int], xid: int, strength: int) -> None:
        """Each version shows its locker in xmax, as PostgreSQL's lock-only xmax, or a
        MultiXactId where another running transaction holds it too (storage/multixact.py)."""
        own, locks, multis = txn.own, self._row_locks.get(table.oid) or {}, table.multis
        writers = table.gather_mvcc(np.asarray(rowids, dtype=np.int64))[1].tolist()
        # (the rows another may hold: a writer, a MultiXactId, a lock besides this one just taken)
        shared = [(r, w) for r, w in zip(rowids, writers) if w or r in multis or len(locks.get(r, ())) > 1]
        table.lockers.update(dict.fromkeys(rowids, xid))

        def running(x: int) -> bool:
            return bool(x) and x not in own and self._status(x) == IN_PROGRESS
        for r, writer in shared:
            others = [(x, MODES[held]) for x, held in dict.fromkeys(locks.get(r, ())) if running(x)]
            if running(writer):
                others.append((writer, UPDATER))
            self.multixacts.lock(table, r, (xid, MODES[strength]), others)

    def _updated_keeping_key(self, txn: Txn, table: Table, rowids: np.ndarray) -> dict[int, list[int]]:
        """For FOR KEY SHARE: the rows another transaction updated keeping their key, running or
        committed, each with the versions the updates made (`_key_kept_versions`); KEY SHARE
        neither waits for such an update nor sees it as a change (the statement returns the
        version it read: no re-read, no 40001), and holds every version (whichever outlives the
        update keeps the lock)."""
        xmaxes = table.gather_mvcc(rowids)[1].tolist()
        out = {}
        for r, x in zip(rowids.tolist(), xmaxes):
            if x and x not in txn.own and self._status(x) != ABORTED:
                versions = self._key_kept_versions(txn, table, r)
                if versions is not None:
                    out[r] = versions
        return out

    def _key_kept_versions(self, txn: Txn, table: Table, rowid: int) -> list[int] | None:
        """The versions other transactions' updates made of version `rowid` (whose xmax is one),
        along the update chain to the newest; None when one of them is a DELETE or changed a
        unique key (then that update holds the row as UPDATE: KEY SHARE waits for it, or sees
        the row changed), as PostgreSQL's lock of a tuple follows its update chain
        (heap_lock_updated_tuple). A table without a unique index has no key an update can change."""
        clog = self._state.txns.clog
        versions = []
        while True:
            new = table.successor(rowid, clog)
            if new is None:
                return None
            values = tuple(table.row_values(new, list(range(1, len(table.types) + 1))))
            if self._row_key_changes(txn, table, values, rowid, frozenset()):
                return None
            versions.append(new)
            xmax = table.xmin_xmax(new)[1]
            if not xmax or xmax in txn.own or self._status(xmax) == ABORTED:
                return versions
            rowid = new

    def lock_referenced(self, txn: Txn, index_oid: int, columns: list[Column]) -> np.ndarray:
        """For each key (one row of `columns`, the unique index's key columns), the row id of the
        referenced row, locked KEY SHARE, or -1 when there is none (see the module docstring);
        WouldBlock when a running transaction deletes it or changes its key."""
        with self._wlock:
            idx = self.index(index_oid)
            table = self.table(idx.table_oid)
            n = len(columns[0].data)
            keys, ok = row_keys(columns, n)
            out = np.full(n, -1, dtype=np.int64)
            found: list[int] = []
            for i, (k, good) in enumerate(zip(keys, ok.tolist())):
                if good:
                    rows = self._referenced_versions(txn, table, idx.lookup_key(k))
                    if rows:
                        out[i] = rows[0]
                        found += rows
            if found:  # (SELECT ... FOR UPDATE, or a DELETE's or key UPDATE's lock, holds it off)
                try:
                    self._check_row_locks(txn, table.oid, found, KEY_SHARE)
                except WouldBlock as block:
                    self._awaiting_row(txn, block, table.oid, block.row, KEY_SHARE)
                self._hold_key_share(txn, table.oid, found)
            return out

    def _referenced_versions(self, txn: Txn, table: Table, candidates: list[int]) -> list[int]:
        """The versions of one key that a KEY SHARE lock must hold: the live one, and the new
        version a running UPDATE that keeps the key made of it; [] when none is there. Under
        REPEATABLE READ, a key its snapshot sees that a transaction committed since deleted (or
        moved) fails with 40001, as PostgreSQL's lock of the version it finds there."""
        own = txn.own
        gone_since = False
        for r in candidates:
            xmin, xmax = table.xmin_xmax(r)
            if xmin not in own and self._status(xmin) != COMMITTED:
                continue  # aborted, or another's uncommitted version (seen through the old one)
            if xmax == 0:
                return [r]
            if xmax in own:
                continue  # replaced by this transaction: its version is another candidate
            status = self._status(xmax)
            if status == ABORTED:
                return [r]
            if status == IN_PROGRESS:
                versions = self._key_kept_versions(txn, table, r)
                if versions is None:
                    raise WouldBlock(xmax)  # deleted, or its key changed: the outcome decides
                return [r, *versions]
            snap = txn.snapshot if txn.repeatable else None
            gone_since = gone_since or snap is not None and table.row_visible(snap, r)
        if gone_since:
            raise SerializationFailure("could not serialize access due to concurrent update")
        return []
