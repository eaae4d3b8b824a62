"""UNIQUE ... NULLS NOT DISTINCT (PostgreSQL 15): a key with NULLs conflicts with an equal key,
its NULLs equal to NULLs (Index.nulls_not_distinct, pg_index.indnullsnotdistinct).

An index holds no key with a NULL (storage/index.py), so such keys are checked apart, on the
table: the versions whose key columns are NULL exactly where the new key's are (a vectorized
pass over the validity masks), then their other key values and liveness (the dirty read of
every unique check, RowWrites._row_live); a batch reads the table's keys with NULLs once. Only
writes of a key with a NULL to such an index pay for it. A DEFERRABLE one is checked at once as
well.

Mixed into `store.Store` (uses RowWrites' `_row_live`, `_unique_violation`, `_index_name`).
"""

from __future__ import annotations

import numpy as np

from quantadb.types.column import Column

from .index import Index, hashable, in_predicate, row_keys
from .table import Table
from .txn import Txn


def key_with_nulls(key_columns: list[Column], row: int):
    """The key of one of the rows of these key columns, None for a NULL (row_keys leaves what
    the data holds there)."""
    parts = tuple(None if c.valid is not None and not c.valid[row] else c.data[row:row + 1].tolist()[0]
                  for c in key_columns)
    return parts if len(parts) > 1 else parts[0]


def _parts(idx: Index, key) -> tuple:
    return key if len(idx.attnums) > 1 else (key,)


class NullKeyChecks:
    def _check_null_keys(self, txn: Txn, table: Table, idx: Index, columns: list[Column], n: int,
                         only: np.ndarray | None, replaced: np.ndarray | None = None) -> None:
        """The keys with a NULL of n new rows (of these, `only`): none twice, none held by a
        live version other than those `replaced` (an UPDATE's old versions, by row)."""
        key_columns = [columns[a - 1] for a in idx.attnums]
        _, ok = row_keys(key_columns, n)
        with_null = ~ok if only is None else ~ok & only
        if not with_null.any():
            return
        # an UPDATE's old versions whose key changes give it up; one whose key stays keeps holding it
        skip = set() if replaced is None else set((replaced if only is None else replaced[only]).tolist())
        held = self._null_keys_held(table, idx)  # one pass over the table for the whole batch
        seen: set = set()
        for i in np.flatnonzero(with_null).tolist():
            key = key_with_nulls(key_columns, i)
            stored = hashable(_parts(idx, key))
            if stored in seen or any(r not in skip and self._row_live(txn, table, r) for r in held.get(stored, ())):
                raise self._unique_violation(self._index_name(idx.oid), table.oid, idx.attnums, key)
            seen.add(stored)

    def _null_keys_held(self, table: Table, idx: Index) -> dict:
        """The table's versions (live or not) that `idx` would hold but for a NULL in their key,
        by key (hashable, None for a NULL)."""
        held: dict = {}
        for first, cols, xmin, _ in table.all_rows(list(idx.read_attnums)):
            n = len(xmin)
            mask = in_predicate(cols.pop(), n) if idx.where else np.ones(n, dtype=np.bool_)
            _, ok = row_keys(cols, n)
            for off in np.flatnonzero(mask & ~ok).tolist():
                held.setdefault(hashable(_parts(idx, key_with_nulls(cols, off))), []).append(first + off)
        return held

    def _check_null_row(self, txn: Txn, table: Table, idx: Index, values: tuple, old: int | None) -> None:
        """_check_null_keys for one row of Python values whose key has a NULL (or that a partial
        index does not hold); `old`: the version an UPDATE replaces."""
        if idx.where and not values[idx.where - 1]:
            return
        parts = tuple(values[a - 1] if a <= len(values) else None for a in idx.attnums)
        key = parts if len(parts) > 1 else parts[0]
        if self.null_key_holder(txn, table, idx, key, {old} if old is not None else set()) is not None:
            raise self._unique_violation(self._index_name(idx.oid), table.oid, idx.attnums, key)

    def null_key_holder(self, txn: Txn, table: Table, idx: Index, key,
                        skip: set[int] | frozenset[int] = frozenset()) -> int | None:
        """A live version (a dirty read) holding `key`, which has a NULL, in `idx`; None: none."""
        parts = _parts(idx, key)
        for first, cols, xmin, _ in table.all_rows(list(idx.read_attnums)):
            n = len(xmin)
            mask = in_predicate(cols.pop(), n) if idx.where else np.ones(n, dtype=np.bool_)
            for col, v in zip(cols, parts):
                valid = np.ones(n, dtype=np.bool_) if col.valid is None else col.valid[:n]
                mask &= ~valid if v is None else valid
            for off in np.flatnonzero(mask).tolist():
                rowid = first + off
                if rowid in skip:
                    continue
                values = table.row_values(rowid, list(idx.attnums))
                if all(v is None or v == w for v, w in zip(parts, values)) \
                        and self._row_live(txn, table, rowid):
                    return rowid
        return None
