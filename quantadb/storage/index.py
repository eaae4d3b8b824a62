"""Indexes: key -> row ids, for equality (hash) and ranges (btree, i.e. ordered).

An index holds every row version inserted, dead ones too until a prune (`prune`: a PRUNE
record, or the end of recovery) or VACUUM drops them; callers filter candidates with
`Table.visible`. Rows with a NULL in any key column are not
indexed (NULLs never conflict and never match `=` or a range). A partial index
(`CREATE INDEX ... WHERE pred`) holds only the rows whose `where` column, a stored boolean the
DML plan computes from the predicate (engine/ddl/partial_indexes.py), is true: apply reads the
stored value and never evaluates the predicate.

Layout, chosen for memory (a Python dict entry costs ~100 bytes; pgbench's 1M accounts must
fit well under 160 MB): a sorted *base* (numpy keys + row ids; int64/float64 for one numeric
column, else an object array of scalars or tuples) built in bulk, plus a small *delta* dict
key -> rowid | list[rowid] for rows added since, merged into the base when it grows past
max(4096, base/8). Point lookups are a dict lookup plus one searchsorted. A btree also lists
its delta entries in insertion order (a list readers can copy while the writer appends):
`range()` picks those in range and sorts them with the base's.

Keys: one column -> the Python scalar; several -> a tuple. Values that are not themselves
hashable and ordered as their SQL type orders them (arrays are lists, jsonb values lists,
dicts or mixed kinds, rows of a composite type tuples with None fields) are keyed by a *key form* of their type (`key_form`), applied inside
the index to every key added and probed, so callers pass plain values either way. So are
numeric values and floats in keys of several columns: a NaN (which Decimal refuses to order
and float equals to nothing) becomes NAN_KEY, equal to itself and above every number, as
PostgreSQL orders NaN. A one-float-column index keeps numpy float keys (numpy sorts and
searchsorts NaN last, as one value); its delta keys every NaN as the one object `FLOAT_NAN`, which
a dict finds by identity, and `lookup_key` looks a NaN up apart, after a miss, so an integer key
pays nothing for it.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import numpy as np

from quantadb.storage.index_desc import DescKey, storage_bounds
from quantadb.storage.index_merge import merge_numeric, merge_objects
from quantadb.types import registry as R
from quantadb.types.column import Column
from quantadb.types.jsonb import jsonb_sort_key
from quantadb.types.registry import SqlType

_EMPTY = np.zeros(0, dtype=np.int64)
BULK_ROWS = 4096
_STEPS = 8  # lookup_key: equal keys stepped over one by one before a search for their end


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


KeyForm = Callable[[Any], Any]


def hashable(v: Any) -> Any:
    """A value with its lists as tuples (a key a set can hold)."""
    return tuple(hashable(x) for x in v) if isinstance(v, (list, tuple)) else v


def _jsonb_key(v: Any) -> tuple:
    return hashable(jsonb_sort_key(v))


def _array_key(v: list) -> tuple:
    """Element by element, NULL elements after all others (as array_cmp), then by length."""
    return tuple(_array_key(x) if isinstance(x, list) else (1,) if x is None else (0, _nan_key(x)) for x in v)


def _record_key(v: tuple) -> tuple:
    """A row value field by field, a NULL field equal to a NULL field and after all others (as
    btrecordcmp); fields that are rows or arrays keyed as such."""
    return tuple((1,) if x is None else (0, _record_key(x) if isinstance(x, tuple) else
                                        _array_key(x) if isinstance(x, list) else _nan_key(x)) for x in v)


class _NaNKey:
    """The key of every NaN: equal to itself, above every number (see the module docstring)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return 0x7FF8

    def __lt__(self, other: object) -> bool:
        return False

    def __le__(self, other: object) -> bool:
        return other is self

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __ge__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "NaN"


NAN_KEY = _NaNKey()
FLOAT_NAN = float("nan")  # the delta key of every NaN of a one-float-column index


def _nan_key(v: Any) -> Any:
    """A number as its key: a NaN (float or numeric) as NAN_KEY."""
    if (type(v) is float and math.isnan(v)) or (type(v) is Decimal and v.is_nan()):
        return NAN_KEY
    return v


def key_form(t: SqlType, several: bool = False) -> KeyForm | None:
    """How an index keys values of type t (in a key of `several` columns); None when the value
    already is its key."""
    if t.pg is R.JSONB:
        return _jsonb_key
    if t.pg.is_array:
        return _array_key
    if t.pg.composite is not None:
        return _record_key
    if t.pg is R.NUMERIC or (several and t.pg in (R.FLOAT4, R.FLOAT8)):
        return _nan_key
    return None


Forms = tuple[KeyForm | None, ...] | None


def key_forms(types: list[SqlType], attnums: tuple[int, ...], descending: tuple[bool, ...] | None = None) -> Forms:
    """The key forms of an index on `attnums` of a table with `types` (and its columns stored
    descending, index_desc.py); None: keys as they are."""
    forms = tuple(key_form(types[a - 1], len(attnums) > 1) for a in attnums)
    if descending is not None:
        forms = tuple((lambda v, f=f: DescKey(v if f is None else f(v))) if desc else f
                      for f, desc in zip(forms, descending))
    return forms if any(forms) else None


def stored_key(forms: Forms, key):
    """A key (a column value, or a tuple of them) as an index with these forms stores it: equal
    keys (NaNs too) give equal stored keys."""
    if forms is None:
        return FLOAT_NAN if type(key) is float and key != key else key
    if len(forms) == 1:
        return forms[0](key)
    return _each(forms, key)


def _each(forms: tuple[KeyForm | None, ...], values: tuple) -> tuple:
    """Leading key columns' values in their forms (zip stops at a prefix's end)."""
    return tuple(v if f is None else f(v) for f, v in zip(forms, values))


def row_key(values, attnums: tuple[int, ...], where: int = 0):
    """The key of one row given as Python values (by attnum - 1); None when a key column is NULL
    or the row is not in the partial index whose predicate column is `where`."""
    if where and (where > len(values) or not values[where - 1]):  # (False or None; a numpy bool too)
        return None
    if len(attnums) == 1:
        a = attnums[0]
        return values[a - 1] if a <= len(values) else None
    key = tuple(values[a - 1] if a <= len(values) else None for a in attnums)
    return None if None in key else key


def in_predicate(column: Column, n: int) -> np.ndarray:
    """Which of n rows a partial index holds, given its predicate column: true, not false or NULL."""
    held = np.asarray(column.data[:n], dtype=np.bool_)
    return held & column.valid[:n] if column.valid is not None else held.copy()


class Index:
    """Concurrency: one writer (apply, under the store's write lock), lock-free readers. The
    base is one immutable (keys, rows) tuple replaced whole; a merge publishes the new base
    before it swaps in an empty delta, and readers read the delta before the base, so a reader
    may see an entry twice (results are de-duplicated) but never miss one."""

    def __init__(self, oid: int, table_oid: int, attnums: tuple[int, ...], unique: bool, method: str,
                 key_dtype: np.dtype, forms: Forms = None, where: int = 0,
                 descending: tuple[bool, ...] | None = None) -> None:
        self.oid = oid
        self.table_oid = table_oid
        self.attnums = tuple(attnums)
        self.where = where  # a partial index: the attnum of its predicate's stored value (0: none)
        self.read_attnums = self.attnums + ((where,) if where else ())  # what decides an entry
        self.descending = descending  # the key columns stored descending (index_desc.py; forms key them)
        self.unique = unique
        self.immediate = True  # (RelationDef.immediate: false, its uniqueness is checked later)
        self.nulls_not_distinct = False  # (RelationDef's: keys with NULLs conflict, storage/null_keys.py)
        self.method = method
        self.ordered = method != "hash"
        self._dtype = key_dtype if len(attnums) == 1 and key_dtype.kind in "iuf" else np.dtype(object)
        if self._dtype.kind in "iu":
            self._dtype = np.dtype(np.int64)
        self.numeric = self._dtype != object  # one int/float key column: probes can be vectorized
        self._base: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=self._dtype), _EMPTY)
        self._probe = self._probe_form(self._base)
        self._delta: dict = {}
        self._delta_count = 0
        self._entries: list = []  # btree: (key, rowid) of the delta, for range() (which sorts what it picks)
        self._forms = forms  # per key column (see key_form)

    def stored_key(self, key):
        """The key as this index stores it (what equal keys share)."""
        return stored_key(self._forms, key)

    def held(self, row: list[Column], n: int) -> np.ndarray | None:
        """Of n rows given as every column of the table (by attnum - 1), the ones a partial
        index holds; None: every row (no predicate)."""
        return in_predicate(row[self.where - 1], n) if self.where else None

    def _bound_form(self, bound: tuple | None) -> tuple | None:
        """range() bounds are prefixes of the key columns."""
        return bound if bound is None or self._forms is None else _each(self._forms, bound)

    def stored_bounds(self, low: tuple | None, high: tuple | None, low_inclusive: bool,
                      high_inclusive: bool) -> tuple[tuple | None, tuple | None, bool, bool]:
        """range()'s bounds as the stored keys order (a column stored descending swaps its ends)."""
        low, high = self._bound_form(low), self._bound_form(high)
        if self.descending is None:
            return low, high, low_inclusive, high_inclusive
        return storage_bounds(self.descending, low, high, low_inclusive, high_inclusive)

    def __len__(self) -> int:
        return len(self._base[1]) + self._delta_count

    # -- maintenance (writer) -----------------------------------------------------------------
    def add(self, keys: list, ok: np.ndarray, rowids: np.ndarray) -> None:
        if len(rowids) > BULK_ROWS:
            if not ok.all():
                keys = [k for k, good in zip(keys, ok.tolist()) if good]
                rowids = rowids[ok]
            if self._forms is not None:
                keys = [self.stored_key(k) for k in keys]
            self._publish(self._merged(self._base, keys, rowids, with_delta=True))
            return
        for k, good, r in zip(keys, ok.tolist(), rowids.tolist()):
            if good:
                self.add_key(k, r)

    def add_key(self, key, rowid: int) -> None:
        """Index one row version (its key has no NULL)."""
        if self._forms is not None:
            key = self.stored_key(key)
        delta = self._delta
        cur = delta.get(key)
        if cur is None and type(key) is float and key != key:  # a new key: NaN is keyed as one
            key = FLOAT_NAN
            cur = delta.get(key)
        if cur is None:
            delta[key] = rowid
        elif type(cur) is list:
            cur.append(rowid)
        else:
            delta[key] = [cur, rowid]
        self._delta_count += 1
        if self.ordered:
            self._entries.append((key, rowid))
        if self._delta_count > max(BULK_ROWS, len(self._base[1]) // 8):
            self._publish(self._merged(self._base, [], _EMPTY, with_delta=True))

    def add_rows(self, columns: list[Column], n: int, rowids: np.ndarray) -> None:
        """Index n new rows; a large batch on one numeric column merges without Python keys."""
        if n > BULK_ROWS and self._dtype != object:
            col = columns[0]
            keys, rows = col.data[:n], rowids
            if col.valid is not None:
                keys, rows = keys[col.valid[:n]], rowids[col.valid[:n]]
            self._publish(self._merged(self._base, keys, rows, with_delta=True))
            return
        keys, ok = row_keys(columns, n)
        self.add(keys, ok, rowids)

    def rebuild(self, table, start: int = 0, base: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Index every physical row of `table` (a storage.table.Table) from scratch; `base`:
        entries() of its rows before `start`, made before (a VACUUM's plan)."""
        self._publish(self.entries(table, start, base))

    def entries(self, table, start: int = 0,
                base: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A sorted base of `base` (the entries of the rows before `start`, or none) and the
        entries of `table`'s rows from `start` on: what one pass over every row makes, as a
        stable sort keeps equal keys in row order. Reads only the index's settings."""
        all_keys: list = []
        all_rows: list[np.ndarray] = []
        for first, cols, _xmin, _xmax in table.all_rows(list(self.read_attnums)):
            n = len(cols[0].data) if cols else 0
            if first + n <= start:
                continue
            if first < start:
                cols = [c.rows(slice(start - first, n)) for c in cols]
                first, n = start, first + n - start
            if not n:
                continue
            rows = np.arange(first, first + n, dtype=np.int64)
            if self.where:
                held = in_predicate(cols.pop(), n)
                cols = [c.rows(held) for c in cols]
                rows, n = rows[held], int(held.sum())
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
                all_keys.extend(keys if self._forms is None else [self.stored_key(k) for k in keys])
            all_rows.append(rows)
        if base is None:
            base = (np.zeros(0, dtype=self._dtype), _EMPTY)
        if not all_rows:
            return base
        keys = np.concatenate(all_keys) if self._dtype != object else all_keys
        return self._merged(base, keys, np.concatenate(all_rows), with_delta=False)

    def prune(self, rowids: np.ndarray, table) -> None:
        """Drop the entries of these row versions of `table` (a storage.table.Table), which no
        snapshot can see: work in proportion to them, plus one pass over the base's row ids.

        A delta that outweighs an eighth of the base (the merge rule, without its floor: a small
        index) is merged in on the way, dropping its dead entries as it goes; else the base
        drops its dead entries and the delta's are found through their keys. Readers keep their
        lock-free view: a base is published whole, and delta values are replaced, never changed
        in place, so a reader may still meet a dropped entry (dead: invisible) but never misses
        another."""
        keys, rows = self._base
        is_dead = np.zeros(table.row_count, dtype=np.bool_)
        is_dead[rowids] = True
        live = ~is_dead[rows]
        if self._delta_count > len(rows) // 8:
            delta_keys, delta_rows = self._delta_items()
            delta_rows = np.array(delta_rows, dtype=np.int64)
            keep = ~is_dead[delta_rows]
            delta_keys = [k for k, good in zip(delta_keys, keep.tolist()) if good]
            self._publish(self._merged((keys[live], rows[live]), delta_keys, delta_rows[keep], with_delta=False))
            return
        if not live.all():
            self._set_base((keys[live], rows[live]))
            is_dead[rows[~live]] = False
            rowids = rowids[is_dead[rowids]]  # the others can only be in the delta
        if len(rowids) and self._delta_count:
            self._drop_from_delta(rowids, table)

    def _drop_from_delta(self, rowids: np.ndarray, table) -> None:
        """prune() of rows not in the base."""
        dead = set(rowids.tolist())
        dropped = 0
        if 2 * len(dead) < self._delta_count:  # a few of many: found through their keys
            fetched = table.fetch(rowids, list(self.read_attnums))
            keys, ok = row_keys(fetched[:len(self.attnums)], len(rowids))
            if self.where:  # a row the partial index does not hold is not in it
                ok &= in_predicate(fetched[-1], len(rowids))
            if not ok.all():  # a row with a NULL key (or outside the predicate) is not indexed
                keys = [k for k, good in zip(keys, ok.tolist()) if good]
                dead = set(rowids[ok].tolist())
            if self._forms is not None or self._dtype.kind == "f":  # (a float NaN: FLOAT_NAN)
                keys = [self.stored_key(k) for k in keys]
            dropped = self._drop_entries(set(keys), dead)
        if dropped < len(dead):  # look at every entry
            dropped += self._drop_entries(list(self._delta), dead)
        self._delta_count -= dropped
        if self.ordered and dropped:
            self._entries = [e for e in self._entries if e[1] not in dead]

    def _drop_entries(self, keys: Iterable, dead: set[int]) -> int:
        """Remove the dead row ids from the delta's values of these keys; returns how many."""
        delta = self._delta
        dropped = 0
        for key in keys:
            cur = delta.get(key)
            if cur is None:
                continue
            if type(cur) is not list:
                if cur in dead:
                    del delta[key]
                    dropped += 1
                continue
            rest = [r for r in cur if r not in dead]
            if len(rest) < len(cur):
                dropped += len(cur) - len(rest)
                if rest:
                    delta[key] = rest if len(rest) > 1 else rest[0]
                else:
                    del delta[key]
        return dropped

    def _delta_items(self) -> tuple[list, list[int]]:
        ks, rs = [], []
        for k, v in self._delta.items():
            if type(v) is list:
                ks.extend([k] * len(v))
                rs.extend(v)
            else:
                ks.append(k)
                rs.append(v)
        return ks, rs

    def _merged(self, base: tuple[np.ndarray, np.ndarray], keys: list | np.ndarray, rowids: np.ndarray,
                with_delta: bool) -> tuple[np.ndarray, np.ndarray]:
        """A new sorted base: `base` + the given entries (+ the current delta)."""
        new_keys = self._key_array(keys)
        rowids = np.asarray(rowids, dtype=np.int64)
        if with_delta and self._delta_count:  # the delta's rows came first: before the given ones
            dk, dr = self._delta_items()
            new_keys = np.concatenate([self._key_array(dk), new_keys])
            rowids = np.concatenate([np.array(dr, dtype=np.int64), rowids])
        all_keys = np.concatenate([base[0], new_keys]) if len(base[0]) else new_keys
        all_rows = np.concatenate([base[1], rowids]) if len(base[1]) else rowids
        # Stable sorts (timsort) merge the sorted base and a mostly sorted batch in ~linear time;
        # equal keys keep base entries first, then the new ones in row order.
        if all_keys.dtype == object:
            order = np.array(sorted(range(len(all_keys)), key=all_keys.__getitem__), dtype=np.int64)
        else:
            order = np.argsort(all_keys, kind="stable")
        return all_keys[order], all_rows[order]

    def _publish(self, base: tuple[np.ndarray, np.ndarray]) -> None:
        # first the base, then the (empty) delta: readers never miss an entry
        self._set_base(base)
        self._delta, self._delta_count, self._entries = {}, 0, []

    def _set_base(self, base: tuple[np.ndarray, np.ndarray]) -> None:
        self._base, self._probe = base, self._probe_form(base)

    def _probe_form(self, base: tuple[np.ndarray, np.ndarray]) -> tuple:
        """The base as lookup_key bisects it: indexing a memoryview gives Python ints and floats
        without numpy's per-call scalar conversions (an object array already gives its objects)."""
        keys, rows = base
        return keys if keys.dtype == object else memoryview(keys), memoryview(rows)

    def _key_array(self, keys: list | np.ndarray) -> np.ndarray:
        if self._dtype != object:
            return np.asarray(keys, dtype=self._dtype)
        arr = np.empty(len(keys), dtype=object)
        for i, k in enumerate(keys):
            arr[i] = k
        return arr

    # -- lookups (lock-free) -------------------------------------------------------------------
    def _search(self, base_keys: np.ndarray, key, side: str) -> int:
        if self._dtype == object:
            probe = np.empty(1, dtype=object)
            probe[0] = key
            return int(base_keys.searchsorted(probe, side=side)[0])
        return int(base_keys.searchsorted(key, side=side))

    def lookup_key(self, key) -> list[int]:
        """Row ids of every version with this key (candidates: dead ones included)."""
        if self._forms is not None:
            key = self.stored_key(key)
        v = self._delta.get(key)  # the delta before the base (see the class docstring)
        keys, rows = self._probe
        try:
            lo = hi = bisect_left(keys, key)
            # a key has few versions: step over them rather than a second search
            n = len(keys)
            while hi < n and keys[hi] == key:
                hi += 1
                if hi - lo == _STEPS:
                    hi = bisect_right(keys, key)
                    break
        except TypeError:  # a key not comparable with the column's keys matches nothing
            lo = hi = 0
        if hi > lo:
            out = [rows[lo]] if hi == lo + 1 else rows[lo:hi].tolist()
        elif type(key) is float and key != key:  # (only after a miss: no cost to other keys)
            return self._lookup_nan()
        else:
            out = []
        if v is None:
            return out
        extra = v if type(v) is list else [v]
        if not out:
            return list(extra)
        out += [r for r in extra if r not in out]  # (an entry merged meanwhile shows twice)
        return out

    def _lookup_nan(self) -> list[int]:
        """lookup_key of a float NaN: the base's NaNs are its last keys (numpy sorts them there,
        and searchsorted agrees), the delta's are under FLOAT_NAN."""
        v = self._delta.get(FLOAT_NAN)  # the delta before the base
        keys, rows = self._base
        if keys.dtype.kind != "f":
            return []
        out = rows[int(keys.searchsorted(FLOAT_NAN)):].tolist()
        if v is not None:
            out += [r for r in (v if type(v) is list else [v]) if r not in out]
        return out

    def lookup_array(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorized equality probe for one numeric key column: (position in keys, rowid) pairs.
        Writer side (under the write lock), so no duplicates to remove."""
        keys = self._key_array(keys)
        base_keys, base_rows = self._base
        lo = base_keys.searchsorted(keys, side="left")
        cnt = base_keys.searchsorted(keys, side="right") - lo
        total = int(cnt.sum())
        pos = np.repeat(np.arange(len(keys)), cnt)
        starts = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
        rows = base_rows[starts + np.arange(total)] if total else _EMPTY
        if self._delta:
            in_delta = np.isin(keys, self._key_array(list(self._delta)))
            if keys.dtype.kind == "f" and FLOAT_NAN in self._delta:
                in_delta |= np.isnan(keys)  # (isin finds no NaN)
            extra_pos, extra_rows = [], []
            for p in np.flatnonzero(in_delta).tolist():
                v = self._delta[stored_key(None, keys[p].item())]
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
        """btree: row ids with low <(=) key <(=) high, in key order, equal keys by row id (the
        base's order). Bounds are tuples of the leading key columns (a prefix matches every key
        starting with it). A float key orders NaN above every other value, as PostgreSQL does."""
        delta = list(self._entries)  # the delta before the base
        base_keys, base_rows = self._base
        low, high, low_inclusive, high_inclusive = self.stored_bounds(low, high, low_inclusive, high_inclusive)
        lo_k, hi_k = self._bound_key(low), self._bound_key(high)
        lo = 0 if lo_k is None else self._prefix_bound(base_keys, lo_k, low, "left" if low_inclusive else "right")
        hi = len(base_keys) if hi_k is None else \
            self._prefix_bound(base_keys, hi_k, high, "right" if high_inclusive else "left")
        rows = base_rows[lo:hi] if hi > lo else _EMPTY
        if not delta:
            return rows
        keys = base_keys[lo:hi] if hi > lo else base_keys[:0]
        if self._dtype != object:
            return merge_numeric(keys, rows, delta, self._dtype, lo_k, low_inclusive, hi_k, high_inclusive)
        sel = [(k, r) for k, r in delta if self._in_range(k, lo_k, low, low_inclusive, hi_k, high, high_inclusive)]
        return merge_objects(keys, rows, sel) if sel else rows

    def _bound_key(self, bound: tuple | None):
        if bound is None:
            return None
        return bound[0] if len(self.attnums) == 1 else tuple(bound)

    def _prefix_bound(self, base_keys: np.ndarray, key, bound: tuple, side: str) -> int:
        if len(self.attnums) == 1 or len(bound) == len(self.attnums):
            return self._search(base_keys, key, side)
        # prefix of a composite key: compare on the first len(bound) columns
        m = len(bound)
        lo, hi = 0, len(base_keys)
        while lo < hi:
            mid = (lo + hi) // 2
            head = base_keys[mid][:m]
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
        keys, rows = self._base
        return keys.nbytes + rows.nbytes + 100 * self._delta_count
