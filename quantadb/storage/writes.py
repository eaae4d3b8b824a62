"""Row writes and their checks: INSERT/UPDATE/DELETE, ON CONFLICT probes, TRUNCATE.

Mixed into `store.Store` (uses its `_wlock`, `_state`, `_log`, `_write_xid`, and the row locks of
`row_locks.RowLocks`). Every check
runs under the write lock and raises before any effect: `WouldBlock` when a running
transaction holds the row or key, `RowChanged` (READ COMMITTED) or SerializationFailure
(REPEATABLE READ) when a target row changed after the snapshot, UniqueViolation with
PostgreSQL's message and detail. Liveness for uniqueness is a dirty read of the current
versions (PostgreSQL's "dirty snapshot"), not the statement's snapshot.
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import ReadOnlySqlTransaction, SerializationFailure, UniqueViolation
from quantadb.types.codecs import format_value
from quantadb.types.column import Column

from . import records as R
from .index import Index, row_key, row_keys
from .null_keys import key_with_nulls
from .table import Table
from .row_locks import KEY_SHARE, NO_KEY_UPDATE, STRENGTHS, UPDATE
from .txn import ABORTED, IN_PROGRESS, RowChanged, Snapshot, Txn, WouldBlock
from .tuple_queues import TUPLE_LOCK_MODES

PRUNE_MIN_DEAD = 64


class RowWrites:
    def _status(self, xid: int) -> int:
        return self._state.txns.status(xid)

    def _row_live(self, txn: Txn, table: Table, rowid: int) -> bool:
        """Is this version live right now (a dirty read)? WouldBlock if a running writer decides."""
        xmin, xmax = table.xmin_xmax(rowid)
        own = txn.own
        if xmin not in own:
            st = self._status(xmin)
            if st == ABORTED:
                return False
            if st == IN_PROGRESS:
                raise WouldBlock(xmin)
        if xmax == 0 or xmax in own:
            return xmax == 0
        st = self._status(xmax)
        if st == IN_PROGRESS:
            raise WouldBlock(xmax)
        return st == ABORTED

    def _unique_violation(self, index_name: str, table_oid: int, attnums: tuple[int, ...], key,
                          building: bool = False) -> UniqueViolation:
        cat = self._state.catalog
        trel = cat.current(("rel", 0, table_oid))
        names = [next((c.name for c in trel.columns if c.attnum == a), str(a)) if trel else str(a)
                 for a in attnums]
        values = key if len(attnums) > 1 else (key,)
        types = self._state.tables[table_oid].types
        ns = cat.current(("ns", trel.database, trel.namespace)) if trel else None
        texts = ["null" if v is None else format_value(types[a - 1], v) for a, v in zip(attnums, values)]
        shown = f"Key ({', '.join(names)})=({', '.join(texts)})"
        if building:
            message, detail = f'could not create unique index "{index_name}"', f"{shown} is duplicated."
        else:
            message, detail = f'duplicate key value violates unique constraint "{index_name}"', \
                f"{shown} already exists."
        return UniqueViolation(message, detail=detail, schema=ns.name if ns else None,
                               table=trel.name if trel else None, constraint=index_name)

    def _index_name(self, index_oid: int) -> str:
        irel = self._state.catalog.current(("rel", 0, index_oid))
        return irel.name if irel else str(index_oid)

    def _unique_indexes(self, txn: Txn, rel_oid: int) -> list[Index]:
        """The table's unique indexes the transaction checks: not one it dropped itself (whose
        storage stays until its end), as in PostgreSQL."""
        indexes = self._state.indexes
        found = [indexes[i] for i in self._state.table_indexes.get(rel_oid, ()) if indexes[i].unique]
        if txn.did_ddl and found:
            snap = self._state.txns.snapshot(txn)
            found = [idx for idx in found if self._state.catalog.relation(snap, idx.oid) is not None]
        return found

    def _check_unique(self, txn: Txn, rel_oid: int, columns: list[Column], n: int,
                      changed: dict[int, np.ndarray] | None = None, replaced: np.ndarray | None = None) -> None:
        """UNIQUE/PRIMARY KEY for n new rows (`changed`: per index, the rows whose key changed;
        an UPDATE that keeps a row's key must not find the row's own old version; `replaced`:
        its old versions)."""
        table = self._state.tables[rel_oid]
        for idx in self._unique_indexes(txn, rel_oid):
            index_oid = idx.oid
            only = None if changed is None else changed[index_oid]
            if only is not None and not only.any():
                continue
            held = idx.held(columns, n)
            if held is not None:
                only = held if only is None else only & held
            if idx.nulls_not_distinct:
                self._check_null_keys(txn, table, idx, columns, n, only, replaced)
            if not idx.immediate:
                self._defer_unique(txn, table, idx, columns, n, only)
                continue
            if n > 64 and idx.numeric:
                self._check_unique_bulk(txn, table, idx, columns[idx.attnums[0] - 1], n, only)
                continue
            keys, ok = row_keys([columns[a - 1] for a in idx.attnums], n)
            if only is not None:
                ok &= only
            seen: set = set()
            for k, good in zip(keys, ok.tolist()):
                if not good:
                    continue
                stored = idx.stored_key(k)
                if stored in seen:
                    raise self._unique_violation(self._index_name(index_oid), rel_oid, idx.attnums, k)
                seen.add(stored)
                self._check_unique_key(txn, table, idx, k)

    def _defer_unique(self, txn: Txn, table: Table, idx: Index, columns: list[Column], n: int,
                      only: np.ndarray | None) -> None:
        """For a DEFERRABLE unique index, keep the keys of n new rows (of these, `only`) that may
        conflict, for the later check (unique_checks.py): PostgreSQL's UNIQUE_CHECK_PARTIAL."""
        keys, ok = row_keys([columns[a - 1] for a in idx.attnums], n)
        if only is not None:
            ok &= only
        seen: set = set()
        for k, good in zip(keys, ok.tolist()):
            if good:
                stored = idx.stored_key(k)
                if stored in seen or self._may_conflict(txn, table, idx, k):
                    txn.unique_rechecks.setdefault(idx.oid, {})[stored] = k
                seen.add(stored)

    def _may_conflict(self, txn: Txn, table: Table, idx: Index, key) -> bool:
        """Does a version live now, or one a running transaction decides, hold `key`?"""
        try:
            return any(self._row_live(txn, table, r) for r in idx.lookup_key(key))
        except WouldBlock:
            return True

    def _check_unique_key(self, txn: Txn, table: Table, idx: Index, key) -> None:
        """No live version (a dirty read) holds `key` in this unique index."""
        for r in idx.lookup_key(key):
            if self._row_live(txn, table, r):
                self.ssi.unique_violation(txn, table.oid, idx, key)  # SERIALIZABLE: 40001 first (ssi.py)
                raise self._unique_violation(self._index_name(idx.oid), table.oid, idx.attnums, key)

    def _check_unique_row(self, txn: Txn, table: Table, values: tuple, old: int | None = None,
                          kept: frozenset[int] = frozenset()) -> None:
        """_check_unique for one row of Python values; `old`: the version an UPDATE replaces
        (an index whose key it keeps is not probed)."""
        for idx in self._unique_indexes(txn, table.oid):
            if old is not None and kept.issuperset(idx.read_attnums):
                continue
            key = row_key(values, idx.attnums, idx.where)
            if key is None:
                if idx.nulls_not_distinct:
                    self._check_null_row(txn, table, idx, values, old)
                continue
            if old is not None and _same_key(idx, _old_key(table, old, idx), key):
                continue
            if idx.immediate:
                self._check_unique_key(txn, table, idx, key)
            elif self._may_conflict(txn, table, idx, key):
                txn.unique_rechecks.setdefault(idx.oid, {})[idx.stored_key(key)] = key

    def _row_key_changes(self, txn: Txn, table: Table, values: tuple, old: int, kept: frozenset[int]) -> bool:
        """Does an UPDATE of version `old` to `values` change one of its unique keys?"""
        for idx in self._unique_indexes(txn, table.oid):
            if not kept.issuperset(idx.read_attnums) and \
                    not _same_key(idx, _old_key(table, old, idx), row_key(values, idx.attnums, idx.where)):
                return True
        return False

    def _check_unique_bulk(self, txn: Txn, table: Table, idx: Index, col: Column, n: int,
                           only: np.ndarray | None) -> None:
        """_check_unique for a large batch on one numeric column, without Python keys per row."""
        mask = np.ones(n, dtype=np.bool_) if col.valid is None else col.valid[:n].copy()
        if only is not None:
            mask &= only
        keys = col.data[:n][mask]
        ordered = np.sort(keys)
        dup = np.flatnonzero(ordered[1:] == ordered[:-1])
        if not len(dup) and ordered.dtype.kind == "f" and len(ordered) > 1 and np.isnan(ordered[-2]):
            dup = [len(ordered) - 2]  # two NaNs (sorted last), equal keys as in PostgreSQL
        if len(dup):
            raise self._unique_violation(self._index_name(idx.oid), table.oid, idx.attnums, ordered[dup[0]].item())
        pos, rows = idx.lookup_array(keys)
        for p, r in zip(pos.tolist(), rows.tolist()):
            if self._row_live(txn, table, r):
                self.ssi.unique_violation(txn, table.oid, idx, keys[p].item())
                raise self._unique_violation(self._index_name(idx.oid), table.oid, idx.attnums, keys[p].item())

    def _check_targets(self, txn: Txn, rel_oid: int, table: Table, rowids: np.ndarray,
                       strength: int) -> np.ndarray:
        """Conflicts of an UPDATE/DELETE/lock of this strength (row_locks.py) on existing rows;
        returns the rows to act on (False: already updated/deleted by this transaction)."""
        if len(rowids) == 1:
            return np.array([self._check_target(txn, rel_oid, table, int(rowids[0]), strength)])
        keep = np.ones(len(rowids), dtype=np.bool_)
        xmax = table.gather_mvcc(rowids)[1]
        xmaxes = xmax.tolist()
        k = 0
        try:
            for k in np.flatnonzero(xmax).tolist():
                keep[k] = self._xmax_allows(txn, xmaxes[k], int(rowids[k]))
            k = -1
            self._check_row_locks(txn, rel_oid, rowids.tolist(), strength)
        except WouldBlock as block:
            at = k if k >= 0 else rowids.tolist().index(block.row)
            reached = rowids[:at][keep[:at]].tolist()
            if reached:
                block.reached = (rel_oid, reached, strength)
            self._awaiting_row(txn, block, rel_oid, int(rowids[at]), strength)
        return keep

    def _check_target(self, txn: Txn, rel_oid: int, table: Table, rowid: int, strength: int) -> bool:
        """_check_targets of one row."""
        try:
            x = table.xmin_xmax(rowid)[1]
            keep = self._xmax_allows(txn, x, rowid) if x else True
            self._check_row_locks(txn, rel_oid, (rowid,), strength)
        except WouldBlock as block:
            self._awaiting_row(txn, block, rel_oid, rowid, strength)
        return keep

    def _xmax_allows(self, txn: Txn, x: int, rowid: int) -> bool:
        """A target row whose version has xmax x: act on it (True), skip it (this transaction
        already replaced it), or raise."""
        if x in txn.own:
            return False
        st = self._status(x)
        if st == ABORTED:
            return True
        if st == IN_PROGRESS:
            raise WouldBlock(x)
        if txn.repeatable:
            raise SerializationFailure("could not serialize access due to concurrent update")
        raise RowChanged(rowid)

    def _check_key_update(self, txn: Txn, rel_oid: int, rowids: list[int]) -> None:
        """An UPDATE that changes these rows' keys acts as UPDATE's strength: KEY SHARE holders block it."""
        try:
            self._check_row_locks(txn, rel_oid, rowids, UPDATE)
        except WouldBlock as block:
            self._awaiting_row(txn, block, rel_oid, rowids[0], UPDATE)

    def _awaiting_row(self, txn: Txn, block: WouldBlock, rel_oid: int, rowid: int, strength: int) -> None:
        """Raise `block`, noting the row it waits for: PostgreSQL's waiter holds a tuple lock meanwhile
        (pg_locks; a lock's WouldBlock names its row, an xmax's is the row checked), and queues for
        it behind earlier waiters, unless it holds a lock on the row already (heap_lock_tuple's
        skip_tuple_lock: it would wait behind a waiter that waits for it)."""
        row = block.row if block.row is not None else rowid
        held = self._row_locks.get(rel_oid, {}).get(row, ())
        own = txn.own
        txn.awaited_tuple = None if any(x in own for x, _ in held) else \
            (block.on, rel_oid, row, TUPLE_LOCK_MODES[strength])
        raise block

    def insert(self, txn: Txn, rel_oid: int, columns: list[Column], n: int) -> np.ndarray:
        if n == 1 and self.table(rel_oid).row_form:
            return np.array([self.insert_row(txn, rel_oid, _row(columns))], dtype=np.int64)
        cols = _trim(columns, n)
        with self._wlock:
            self.table(rel_oid)
            self._check_unique(txn, rel_oid, cols, n)
            xid = self._write_xid(txn)
            return self._log((R.INSERT, xid, rel_oid, n, cols), txn)

    def update(self, txn: Txn, rel_oid: int, rowids: np.ndarray, columns: list[Column],
               snap: Snapshot, kept: frozenset[int] = frozenset()) -> np.ndarray:
        """`kept`: attnums the caller knows hold each row's old value (their unique keys
        cannot have changed, so they are not compared)."""
        rowids = np.asarray(rowids, dtype=np.int64)
        if len(rowids) == 1 and self.table(rel_oid).row_form:
            new_rowid = self.update_row(txn, rel_oid, int(rowids[0]), _row(columns), kept)
            return np.array([] if new_rowid is None else [new_rowid], dtype=np.int64)
        cols = _trim(columns, len(rowids))
        with self._wlock:
            table = self.table(rel_oid)
            try:
                keep = self._check_targets(txn, rel_oid, table, rowids, NO_KEY_UPDATE)
            except WouldBlock:
                if any(c.any() for c in self._key_changed(table, rel_oid, rowids, cols, kept).values()):
                    _awaiting_as_key_update(txn)
                raise
            if not keep.all():
                rowids = rowids[keep]
                cols = [c.rows(keep) for c in cols]
            n = len(rowids)
            if n == 0:
                return rowids
            changed = self._key_changed(table, rel_oid, rowids, cols, kept)
            if changed:
                self._check_unique(txn, rel_oid, cols, n, changed, rowids)
            locked = bool(self._row_locks.get(rel_oid))
            if locked and changed:  # a key UPDATE waits for the rows' KEY SHARE lockers too
                self._check_key_update(txn, rel_oid, rowids[np.logical_or.reduce(list(changed.values()))].tolist())
            xid = self._write_xid(txn)
            new = self._log((R.UPDATE, xid, rel_oid, rowids, n, cols), txn)
            if locked or table.lockers:
                self._carry_locks(txn, table, rowids.tolist(), new.tolist())
            self._maybe_prune(table)
            return new

    def insert_row(self, txn: Txn, rel_oid: int, values: tuple) -> int:
        """insert() of one row of Python values (None = NULL) into a `row_form` table."""
        with self._wlock:
            table = self.table(rel_oid)
            self._check_unique_row(txn, table, values)
            xid = self._write_xid(txn)
            return self._log((R.ROW_INSERT, xid, rel_oid, values), txn)

    def update_row(self, txn: Txn, rel_oid: int, rowid: int, values: tuple,
                   kept: frozenset[int] = frozenset()) -> int | None:
        """update() of one row of a `row_form` table; None when this transaction already
        replaced that version."""
        with self._wlock:
            table = self.table(rel_oid)
            try:
                if not self._check_target(txn, rel_oid, table, rowid, NO_KEY_UPDATE):
                    return None
            except WouldBlock:
                if self._row_key_changes(txn, table, values, rowid, kept):
                    _awaiting_as_key_update(txn)
                raise
            self._check_unique_row(txn, table, values, rowid, kept)
            locked = bool(self._row_locks.get(rel_oid))
            if locked and self._row_key_changes(txn, table, values, rowid, kept):
                self._check_key_update(txn, rel_oid, [rowid])
            xid = self._write_xid(txn)
            new = self._log((R.ROW_UPDATE, xid, rel_oid, rowid, values), txn)
            if locked or table.lockers:
                self._carry_locks(txn, table, [rowid], [new])
            self._maybe_prune(table)
            return new

    def _key_changed(self, table: Table, rel_oid: int, rowids: np.ndarray,
                     cols: list[Column], kept: frozenset[int]) -> dict[int, np.ndarray]:
        """Per unique index, the rows whose key differs from their old version."""
        out: dict[int, np.ndarray] = {}
        for index_oid in self._state.table_indexes.get(rel_oid, ()):
            idx = self._state.indexes[index_oid]
            if not idx.unique:
                continue
            changed = out[index_oid] = np.zeros(len(rowids), dtype=np.bool_)
            if kept.issuperset(idx.read_attnums):
                continue
            old = table.fetch(rowids, list(idx.read_attnums))  # (a row entering a partial index changes)
            for a, o in zip(idx.read_attnums, old):
                new = cols[a - 1]
                diff = np.asarray(new.data != o.data, dtype=np.bool_).reshape(-1)
                if new.data.dtype.kind == "f" and o.data.dtype.kind == "f":
                    diff &= ~(np.isnan(new.data) & np.isnan(o.data))  # NaN keeps a NaN key
                if new.valid is not None or o.valid is not None:
                    nv = np.ones(len(rowids), np.bool_) if new.valid is None else new.valid
                    ov = np.ones(len(rowids), np.bool_) if o.valid is None else o.valid
                    diff |= nv != ov
                changed |= diff
        return out

    def _maybe_prune(self, table: Table) -> None:
        """Keep index candidate lists short under update churn (pgbench's branches row gets a
        new version per transaction): once enough versions died, log a PRUNE."""
        if table.dead_since_prune > max(PRUNE_MIN_DEAD, table.live_estimate // 8) and \
                self._state.table_indexes.get(table.oid):
            table.dead_since_prune = 0
            self._log((R.PRUNE, table.oid, self._state.txns.horizon()))

    def delete(self, txn: Txn, rel_oid: int, rowids: np.ndarray, snap: Snapshot) -> int:
        rowids = np.asarray(rowids, dtype=np.int64)
        with self._wlock:
            table = self.table(rel_oid)
            keep = self._check_targets(txn, rel_oid, table, rowids, UPDATE)
            rowids = rowids[keep]
            if len(rowids) == 0:
                return 0
            xid = self._write_xid(txn)
            self._log((R.DELETE, xid, rel_oid, rowids), txn)
            self._maybe_prune(table)
            return len(rowids)

    def lock_rows(self, txn: Txn, rel_oid: int, rowids: np.ndarray, snap: Snapshot, mode: str) -> None:
        """SELECT ... FOR `mode` (update, no key update, share, key share) of these rows."""
        rowids = np.asarray(rowids, dtype=np.int64)
        strength = STRENGTHS[mode.lower()]
        with self._wlock:
            table = self.table(rel_oid)
            passing = self._updated_keeping_key(txn, table, rowids) if strength == KEY_SHARE else {}
            if passing:  # checked as the new versions' KEY SHARE only (row_locks.py)
                versions = [v for r, following in passing.items() for v in (r, *following)]
                self._check_row_locks(txn, rel_oid, versions, KEY_SHARE)
                rest = rowids[[r not in passing for r in rowids.tolist()]]
                keep = self._check_targets(txn, rel_oid, table, rest, strength) if len(rest) else rest
                locked = rest[keep].tolist() + versions
            else:
                locked = rowids[self._check_targets(txn, rel_oid, table, rowids, strength)].tolist()
            if txn.read_only:
                raise ReadOnlySqlTransaction("cannot execute SELECT FOR UPDATE in a read-only transaction")
            xid = self._hold(txn, rel_oid, locked, strength)
            # (a foreign key's check does not note its KEY SHARE in xmax: an entry per referenced row
            # until a VACUUM)
            self._show_lockers(txn, table, locked, xid, strength)

    def hold_reached(self, txn: Txn, reached: tuple[int, list[int], int]) -> None:
        """While a statement waits, lock the rows it had reached (WouldBlock.reached) in the
        strength it acts on them with, as PostgreSQL's has changed or locked them by then: a
        writer of one of them now waits for this transaction. One another transaction has taken
        meanwhile is left to it."""
        rel_oid, rowids, strength = reached
        if txn.read_only:  # (its SELECT ... FOR UPDATE fails after the wait)
            return
        with self._wlock:
            table = self.table(rel_oid)
            free = []
            for r in rowids:
                try:
                    x = table.xmin_xmax(r)[1]
                    if not x or self._xmax_allows(txn, x, r):
                        self._check_row_locks(txn, rel_oid, (r,), strength)
                        free.append(r)
                except (WouldBlock, RowChanged, SerializationFailure):
                    continue
            if free:
                self._show_lockers(txn, table, free, self._hold(txn, rel_oid, free, strength), strength)

    def find_conflicts(self, txn: Txn, index_oid: int, columns: list[Column],
                       snap: Snapshot | None = None) -> np.ndarray:
        """Per proposed row, the live row holding its key (-1: none). For ON CONFLICT's arbiter
        (`snap` given) under REPEATABLE READ and SERIALIZABLE, that row must be one `snap` sees or
        one this transaction wrote, else 40001, as PostgreSQL's ExecCheckTupleVisible (a row
        committed since the snapshot may be neither skipped nor updated)."""
        idx = self.index(index_oid)
        table = self.table(idx.table_oid)
        n = len(columns[0].data)
        keys, ok = row_keys(columns, n)
        out = np.full(n, -1, dtype=np.int64)
        for i, (k, good) in enumerate(zip(keys, ok.tolist())):
            if good:
                for r in idx.lookup_key(k):
                    if self._row_live(txn, table, r):
                        if snap is not None and txn.repeatable and not table.row_visible(snap, r) \
                                and table.xmin_xmax(r)[0] not in txn.own:
                            raise SerializationFailure("could not serialize access due to concurrent update")
                        out[i] = r
                        break
            elif idx.nulls_not_distinct:
                holder = self.null_key_holder(txn, table, idx, key_with_nulls(columns, i))
                out[i] = -1 if holder is None else holder
        return out

    def truncate(self, txn: Txn, rel_oid: int) -> None:
        with self._wlock:
            table = self.table(rel_oid)
            status = self._state.txns.clog.status
            own = np.fromiter(txn.own, dtype=np.int64, count=len(txn.own))
            for seg in table.segments:
                n = seg.n
                for arr in (seg.xmin[:n], seg.xmax[:n]):
                    busy = (arr != 0) & (status[arr] == IN_PROGRESS) & ~np.isin(arr, own)
                    if busy.any():
                        raise WouldBlock(int(arr[np.argmax(busy)]))
            xid = self._write_xid(txn)
            self._log((R.TRUNCATE, xid, rel_oid), txn)


def _awaiting_as_key_update(txn: Txn) -> None:
    """The UPDATE that waits changes a key: its tuple lock is UPDATE's (heapam.c's LockTupleExclusive)."""
    if txn.awaited_tuple is not None:
        txn.awaited_tuple = (*txn.awaited_tuple[:3], TUPLE_LOCK_MODES[UPDATE])


def _same_key(idx: Index, old, new) -> bool:
    """Whether an index keys these two values alike (NaN as NaN)."""
    if old == new:
        return True
    if old is None or type(old) is tuple and None in old:  # (a NULL is no key)
        return False
    old, new = idx.stored_key(old), idx.stored_key(new)
    return old is new or old == new  # (the one FLOAT_NAN is itself, not == itself)


def _old_key(table: Table, rowid: int, idx: Index):
    """The key version `rowid` has in `idx` (None: none, as outside a partial index)."""
    values = table.row_values(rowid, list(idx.read_attnums))
    if idx.where and not values.pop():
        return None
    return values[0] if len(values) == 1 else tuple(values)


def _row(columns: list[Column]) -> tuple:
    """The one row of these columns as Python values (column_values' form)."""
    return tuple(None if c.valid is not None and not c.valid[0] else c.data[:1].tolist()[0] for c in columns)


def _trim(columns: list[Column], n: int) -> list[Column]:
    out = []
    for c in columns:
        if c.scale is not None or c.codes is not None:  # scaled numeric, coded strings: keep the form
            out.append(c if len(c) == n else c.rows(slice(0, n)))
            continue
        data = c.data if len(c.data) == n else c.data[:n]
        valid = c.valid if c.valid is None or len(c.valid) == n else c.valid[:n]
        out.append(Column(np.asarray(data), None if valid is None else np.asarray(valid, dtype=np.bool_)))
    return out
