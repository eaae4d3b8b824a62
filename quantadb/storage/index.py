"""Indexes: key -> row ids, for equality (hash) and ranges (btree, i.e. ordered).

An index holds every row version ever inserted (dead ones included) until VACUUM rebuilds
it; callers filter candidates with `Table.visible`. Rows with a NULL in any key column are not
indexed (NULLs never conflict and never match `=` or a range).

Layout, chosen for memory (a Python dict entry costs ~100 bytes; pgbench's 1M accounts must
fit well under 160 MB): a sorted *base* (numpy keys + row ids; int64/float64 for one numeric
column, else an object array of scalars or tuples) built in bulk, plus a small *delta* dict
key -> rowid | list[rowid] for rows added since, merged into the base when it grows past
max(4096, base/8). Point lookups are a dict lookup plus one searchsorted. A btree also keeps
its delta keys in a sorted list so `range()` merges two sorted runs.

Keys: one column -> the Python scalar; several -> a tuple.
"""

from __future__ import annotations

import bisect

import numpy as np

from quantadb.types.column import Column

_EMPTY = np.zeros(0, dtype=np.int64)
BULK_ROWS = 4096


def row_keys(columns: list[Column], n: int) -> tuple[list, np.ndarray]:
    """Keys of n rows and a bool mask of the rows that have no NULL key column."""
    ok = np.ones(n, dtype=np.bool_)
    for c in columns:
        if c.valid is not None:
            ok &= c.valid[:n]
    if len(columns) == 1:
        keys = columns[0].data[:n].tolist()
    else:
        keys = list(zip(*(c.data[:n].tolist() for c in columns)))
    return keys, ok


class Index:
    def __init__(self, oid: int, table_oid: int, attnums: tuple[int, ...], unique: bool, method: str,
                 key_dtype: np.dtype) -> None:
        self.oid = oid
        self.table_oid = table_oid
        self.attnums = tuple(attnums)
        self.unique = unique
        self.method = method
        self.ordered = method != "hash"
        self._dtype = key_dtype if len(attnums) == 1 and key_dtype.kind in "iuf" else np.dtype(object)
        if self._dtype.kind in "iu":
            self._dtype = np.dtype(np.int64)
        self._base_keys = np.zeros(0, dtype=self._dtype)
        self._base_rows = _EMPTY
        self._delta: dict = {}
        self._delta_count = 0
        self._sorted: list = []  # btree: (key, rowid) of the delta, sorted

    @property
    def numeric(self) -> bool:
        """One int/float key column: keys live in a numpy array, probes can be vectorized."""
        return self._dtype != object

    def __len__(self) -> int:
        return len(self._base_rows) + self._delta_count

    # -- maintenance ------------------------------------------------------------------------
    def clear(self) -> None:
        self._base_keys = np.zeros(0, dtype=self._dtype)
        self._base_rows = _EMPTY
        self._delta, self._delta_count, self._sorted = {}, 0, []

    def add(self, keys: list, ok: np.ndarray, rowids: np.ndarray) -> None:
        rows = rowids.tolist()
        if len(rows) > BULK_ROWS:
            mask = ok if not ok.all() else None
            ks = [k for k, good in zip(keys, ok.tolist()) if good] if mask is not None else keys
            rs = rowids[mask] if mask is not None else rowids
            self._merge(ks, rs)
            return
        delta = self._delta
        for k, good, r in zip(keys, ok.tolist(), rows):
            if not good:
                continue
            cur = delta.get(k)
            if cur is None:
                delta[k] = r
            elif type(cur) is list:
                cur.append(r)
            else:
                delta[k] = [cur, r]
            self._delta_count += 1
            if self.ordered:
                bisect.insort(self._sorted, (k, r))
        if self._delta_count > max(4096, len(self._base_rows) // 8):
            self._flush_delta()

    def _drain_delta(self) -> tuple[list, list[int]]:
        ks, rs = [], []
        for k, v in self._delta.items():
            if type(v) is list:
                ks.extend([k] * len(v))
                rs.extend(v)
            else:
                ks.append(k)
                rs.append(v)
        self._delta, self._delta_count, self._sorted = {}, 0, []
        return ks, rs

    def _flush_delta(self) -> None:
        ks, rs = self._drain_delta()
        self._merge(ks, np.array(rs, dtype=np.int64))

    def add_rows(self, columns: list[Column], n: int, rowids: np.ndarray) -> None:
        """Index n new rows; a large batch on one numeric column merges without Python keys."""
        if n > BULK_ROWS and self._dtype != object:
            col = columns[0]
            keys, rows = col.data[:n], rowids
            if col.valid is not None:
                keys, rows = keys[col.valid[:n]], rowids[col.valid[:n]]
            self._merge(keys, rows)
            return
        keys, ok = row_keys(columns, n)
        self.add(keys, ok, rowids)

    def _merge(self, keys: list | np.ndarray, rowids: np.ndarray) -> None:
        new_keys = self._key_array(keys)
        if self._delta_count:
            dk, dr = self._drain_delta()
            new_keys = np.concatenate([new_keys, self._key_array(dk)])
            rowids = np.concatenate([rowids, np.array(dr, dtype=np.int64)])
        all_keys = np.concatenate([self._base_keys, new_keys]) if len(self._base_keys) else new_keys
        all_rows = np.concatenate([self._base_rows, rowids.astype(np.int64)]) if len(self._base_rows) else \
            rowids.astype(np.int64)
        # sort by (key, rowid): lexsort is stable on rowid as the secondary key
        if all_keys.dtype == object:
            order = sorted(range(len(all_keys)), key=lambda i: (all_keys[i], all_rows[i]))
            order = np.array(order, dtype=np.int64)
        else:
            order = np.lexsort((all_rows, all_keys))
        self._base_keys = all_keys[order]
        self._base_rows = all_rows[order]

    def _key_array(self, keys: list | np.ndarray) -> np.ndarray:
        if self._dtype != object:
            return np.asarray(keys, dtype=self._dtype)
        arr = np.empty(len(keys), dtype=object)
        for i, k in enumerate(keys):
            arr[i] = k
        return arr

    def rebuild(self, table) -> None:
        """Index every physical row of `table` (a storage.table.Table) from scratch."""
        self.clear()
        all_keys: list = []
        all_rows: list[np.ndarray] = []
        for first, cols, _xmin, _xmax in table.all_rows(list(self.attnums)):
            n = len(cols[0].data) if cols else 0
            if not n:
                continue
            rows = np.arange(first, first + n, dtype=np.int64)
            if self._dtype != object:
                keys = cols[0].data
                if cols[0].valid is not None:
                    keys, rows = keys[cols[0].valid], rows[cols[0].valid]
                all_keys.append(self._key_array(keys))
            else:
                keys, ok = row_keys(cols, n)
                if not ok.all():
                    keys = [k for k, good in zip(keys, ok.tolist()) if good]
                    rows = rows[ok]
                all_keys.extend(keys)
            all_rows.append(rows)
        if all_rows:
            keys = np.concatenate(all_keys) if self._dtype != object else all_keys
            self._merge(keys, np.concatenate(all_rows))

    def prune(self, dead) -> None:
        """Drop entries whose row `dead(rowids) -> bool mask` says no snapshot can see."""
        if len(self._base_rows):
            keep = ~dead(self._base_rows)
            if not keep.all():
                self._base_keys = self._base_keys[keep]
                self._base_rows = self._base_rows[keep]
        if self._delta_count:
            ks, rs = self._drain_delta()
            rows = np.array(rs, dtype=np.int64)
            keep = (~dead(rows)).tolist()
            self.add([k for k, good in zip(ks, keep) if good], np.ones(sum(keep), dtype=np.bool_),
                     rows[np.array(keep, dtype=np.bool_)])

    # -- lookups ------------------------------------------------------------------------
    def _bounds(self, key, side: str) -> int:
        if self._dtype == object:
            probe = np.empty(1, dtype=object)
            probe[0] = key
            return int(np.searchsorted(self._base_keys, probe, side=side)[0])
        return int(np.searchsorted(self._base_keys, key, side=side))

    def lookup_key(self, key) -> list[int]:
        out: list[int] = []
        n = len(self._base_keys)
        if n:
            try:
                lo = self._bounds(key, "left")
                hi = self._bounds(key, "right") if lo < n and self._base_keys[lo] == key else lo
            except TypeError:  # a key not comparable with the column's keys matches nothing
                lo = hi = 0
            if hi > lo:
                out.extend(self._base_rows[lo:hi].tolist())
        v = self._delta.get(key)
        if v is not None:
            out.extend(v if type(v) is list else [v])
        return out

    def lookup_array(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorized equality probe for one numeric key column: (position in keys, rowid) pairs."""
        keys = self._key_array(keys)
        base = self._base_keys
        lo = np.searchsorted(base, keys, side="left")
        cnt = np.searchsorted(base, keys, side="right") - lo
        total = int(cnt.sum())
        pos = np.repeat(np.arange(len(keys)), cnt)
        starts = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
        rows = self._base_rows[starts + np.arange(total)] if total else _EMPTY
        if self._delta:
            in_delta = np.flatnonzero(np.isin(keys, self._key_array(list(self._delta))))
            extra_pos, extra_rows = [], []
            for p in in_delta.tolist():
                v = self._delta[keys[p].item()]
                for r in (v if type(v) is list else [v]):
                    extra_pos.append(p)
                    extra_rows.append(r)
            if extra_pos:
                pos = np.concatenate([pos, np.array(extra_pos, dtype=np.int64)])
                rows = np.concatenate([rows, np.array(extra_rows, dtype=np.int64)])
        return pos, rows

    def lookup(self, keys: list[Column]) -> np.ndarray:
        """Row ids of every version whose key equals one of the given keys (candidates)."""
        n = len(keys[0].data)
        ks, ok = row_keys(keys, n)
        out: list[int] = []
        for k, good in zip(ks, ok.tolist()):
            if good:
                out.extend(self.lookup_key(k))
        return np.array(out, dtype=np.int64) if out else _EMPTY

    def range(self, low: tuple | None, high: tuple | None, low_inclusive: bool = True,
              high_inclusive: bool = True) -> np.ndarray:
        """btree: row ids with low <(=) key <(=) high, in key order. Bounds are tuples of the
        leading key columns (a prefix matches every key starting with it)."""
        lo_k = self._bound_key(low)
        hi_k = self._bound_key(high)
        base = self._base_keys
        lo = 0 if lo_k is None else self._prefix_bound(lo_k, low, "left" if low_inclusive else "right")
        hi = len(base) if hi_k is None else self._prefix_bound(hi_k, high, "right" if high_inclusive else "left")
        base_rows = self._base_rows[lo:hi] if hi > lo else _EMPTY
        if not self._sorted:
            return base_rows
        sel = [(k, r) for k, r in self._sorted if self._in_range(k, lo_k, low, low_inclusive, hi_k, high,
                                                                  high_inclusive)]
        if not sel:
            return base_rows
        base_keys = base[lo:hi] if hi > lo else base[:0]
        merged = list(zip(base_keys.tolist(), base_rows.tolist())) + sel
        merged.sort()
        return np.array([r for _, r in merged], dtype=np.int64)

    def _bound_key(self, bound: tuple | None):
        if bound is None:
            return None
        return bound[0] if len(self.attnums) == 1 else tuple(bound)

    def _prefix_bound(self, key, bound: tuple, side: str) -> int:
        if len(self.attnums) == 1 or len(bound) == len(self.attnums):
            return self._bounds(key, side)
        # prefix of a composite key: compare on the first len(bound) columns
        m = len(bound)
        base = self._base_keys
        lo, hi = 0, len(base)
        while lo < hi:
            mid = (lo + hi) // 2
            head = base[mid][:m]
            if head < key or (side == "right" and head == key):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _in_range(self, k, lo_k, low, low_inc, hi_k, high, high_inc) -> bool:
        if lo_k is not None:
            head = k if len(self.attnums) == 1 else k[:len(low)]
            if head < lo_k or (not low_inc and head == lo_k):
                return False
        if hi_k is not None:
            head = k if len(self.attnums) == 1 else k[:len(high)]
            if head > hi_k or (not high_inc and head == hi_k):
                return False
        return True

    def nbytes(self) -> int:
        return self._base_keys.nbytes + self._base_rows.nbytes + 100 * self._delta_count
