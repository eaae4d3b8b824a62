"""Grouping, hashing and ordering keys over columns: factorize rows into dense codes, rank
values for sorting. NULLs form one group (GROUP BY, DISTINCT) and sort last ascending."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from quantadb.exec.columns import OBJECT, valid_mask
from quantadb.types import enums
from quantadb.types.column import Column
from quantadb.types.jsonb import jsonb_sort_key
from quantadb.types.registry import JSONB, SqlType

_FLOAT_EXACT = 1 << 53  # ints a float64 holds exactly (NULL ranks need floats)


def factorize(col: Column) -> tuple[np.ndarray, int]:
    """Dense codes 0..k-1 for the distinct values (NULL is its own code), and k."""
    n = len(col)
    valid = col.valid
    if col.codes is not None:  # distinct dictionary entries: equal codes, equal values
        data = col.codes
    else:
        data = col.ints if col.scale is not None else col.data  # one scale: equal ints, equal values
    if data.dtype != OBJECT:
        if data.dtype.kind == "f":
            data = np.where(data == 0, 0.0, data)  # -0.0 and 0.0 group together
        codes, k = dense_codes(data if valid is None else data[valid])
        if valid is None:
            return codes, k
        out = np.full(n, k, dtype=np.int64)
        out[valid] = codes
        return out, k + (1 if (~valid).any() else 0)
    col = _one_nan(col)
    fast = _factorize_hashable(col)
    if fast is not None:
        return fast
    lookup: dict = {}
    out = np.empty(n, dtype=np.int64)
    null_code = -1
    values = col.data
    vmask = valid_mask(col)
    for i in range(n):
        if not vmask[i]:
            if null_code < 0:
                null_code = len(lookup)
                lookup[_NullKey] = null_code
            out[i] = null_code
            continue
        v = values[i]
        key = _hashable(v)
        code = lookup.get(key)
        if code is None:
            code = lookup[key] = len(lookup)
        out[i] = code
    return out, len(lookup)


class _NullKey:
    pass


class _NumericNaN:
    pass


def _one_nan(col: Column) -> Column:
    """numeric NaN equals NaN in PostgreSQL, while a Decimal NaN is unequal even to itself: all
    of them become one key."""
    data = col.data
    rows = np.flatnonzero(valid_mask(col))
    if not len(rows) or not isinstance(data[rows[0]], Decimal):
        return col
    nan = np.fromiter((isinstance(v, Decimal) and v.is_nan() for v in data.tolist()), dtype=bool, count=len(data))
    if not nan.any():
        return col
    data = data.copy()
    data[nan] = _NumericNaN
    return Column(data, col.valid)


def _factorize_hashable(col: Column) -> tuple[np.ndarray, int] | None:
    """The object path without a per-value `_hashable`: codes in first-seen order, as the slow
    path gives them. Values that are not hashable (lists, dicts) make it give up (None); for every
    hashable value `_hashable` is the identity, so the codes are the same."""
    values = col.data
    if col.valid is not None:
        values = values.copy()
        values[~col.valid] = _NullKey
    try:
        first_seen = dict.fromkeys(values)  # iterates in C
    except TypeError:
        return None
    if any(type(v) is bool for v in first_seen):  # jsonb: true = 1 in Python, not in PostgreSQL
        return None
    lookup = {v: i for i, v in enumerate(first_seen)}
    codes = np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values))
    return codes, len(lookup)


def _hashable(v):
    if isinstance(v, list):
        return ("\x00list", tuple(_hashable(x) for x in v))
    if isinstance(v, dict):
        return ("\x00dict", tuple(sorted((k, _hashable(x)) for k, x in v.items())))
    if type(v) is bool:
        return ("\x00bool", v)
    return v


def factorize_rows(cols: list[Column]) -> tuple[np.ndarray, int]:
    """Dense codes for row tuples over several columns."""
    codes, k = factorize(cols[0])
    for col in cols[1:]:
        c2, k2 = factorize(col)
        if k * k2 < 2**62:
            codes, k = dense_codes(codes * k2 + c2)
        else:
            uniq, codes = np.unique(np.stack([codes, c2], axis=1), axis=0, return_inverse=True)
            codes = codes.reshape(-1).astype(np.int64, copy=False)
            k = len(uniq)
    return codes, k


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """The codes np.unique(values, return_inverse=True) gives (rank among the distinct values)
    and their count; for integers in a range not much wider than their number, by a lookup
    table instead of a sort."""
    if values.dtype.kind in "iub" and len(values):
        ints = values.view(np.int8) if values.dtype == bool else values
        lo, hi = int(ints.min()), int(ints.max())
        if hi - lo <= 2 * len(ints) + 1024:
            wide = ints - ints.dtype.type(lo) if ints.dtype.kind == "u" else ints.astype(np.int64) - lo
            offsets = wide.astype(np.intp, copy=False)
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[offsets] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            return rank[offsets], int(rank[-1]) + 1
    uniq, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1).astype(np.int64, copy=False), len(uniq)


def first_occurrence(codes: np.ndarray, k: int) -> np.ndarray:
    """Row index of the first row of each code, in code order."""
    first = np.full(k, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def sort_rank(col: Column, descending: bool, nulls_first: bool, value_key=None) -> np.ndarray:
    """An int64/float rank per row such that ascending rank order is the requested order.
    `value_key`: the type's own order for object values (jsonb's is not Python's)."""
    valid = col.valid
    data = col.ints if col.scale is not None else col.data  # one scale: ints order as the values
    if data.dtype != OBJECT and data.dtype.kind in "iub":
        rank = data.astype(np.int64)
        if valid is not None and len(rank) and max(-int(rank.min()), int(rank.max())) >= _FLOAT_EXACT:
            rank = np.unique(rank, return_inverse=True)[1].reshape(-1)  # dense ranks survive float64
        if descending:
            rank = -rank
        rank = rank.astype(np.float64) if valid is not None else rank
    elif data.dtype != OBJECT and data.dtype.kind == "f":
        # dense ranks: np.unique orders NaN after +Infinity, as PostgreSQL sorts NaN above every number
        _, inverse = np.unique(np.where(data == 0, 0.0, data), return_inverse=True)
        rank = (-inverse if descending else inverse).astype(np.float64)
    else:
        present = valid_mask(col)
        values = data[present]
        if value_key is not None:
            inverse = _keyed_ranks(values, value_key)
        else:
            try:
                inverse = np.unique(values, return_inverse=True)[1]
            except (TypeError, ArithmeticError):  # unorderable, or a numeric NaN
                inverse = _keyed_ranks(values, value_sort_key)
        rank = np.zeros(len(data), dtype=np.float64)
        rank[present] = -inverse if descending else inverse
    if valid is not None and not valid.all():
        rank = rank.astype(np.float64)
        rank[~valid] = -np.inf if nulls_first else np.inf
    return rank


def _keyed_ranks(values: np.ndarray, key) -> np.ndarray:
    """Dense ranks of values ordered by key(value)."""
    keys = [key(v) for v in values]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    inverse = np.empty(len(keys), dtype=np.int64)
    r, prev = -1, object()
    for pos in order:
        if keys[pos] != prev:
            r += 1
            prev = keys[pos]
        inverse[pos] = r
    return inverse


def value_sort_key(v):
    """A Python key ordering object values as PostgreSQL does where Python's own order differs."""
    if isinstance(v, list):  # elements in storage order (a NULL after every value), then the shape
        return [(1,) if x is None else (0, value_sort_key(x)) for x in _flatten(v)], _shape(v)
    if isinstance(v, tuple):  # a row: btrecordcmp, field by field, a NULL after every value
        return tuple((1,) if x is None else (0, value_sort_key(x)) for x in v)
    if isinstance(v, dict):
        return repr(v)
    if isinstance(v, Decimal):  # NaN sorts above every number, as numeric's does
        return (1,) if v.is_nan() else (0, v)
    return v


def _flatten(v: list) -> list:
    return [y for x in v for y in (_flatten(x) if isinstance(x, list) else [x])]


def _shape(v) -> tuple:
    return (len(v),) + _shape(v[0]) if isinstance(v, list) and v else ()


def sort_indices(keys: list[tuple[Column, bool, bool]], types: list[SqlType] | None = None) -> np.ndarray:
    """Stable row order for ORDER BY keys [(column, descending, nulls_first), ...] of `types`."""
    types = types or [None] * len(keys)
    value_keys = [jsonb_sort_key if t is not None and t.pg is JSONB else None for t in types]
    # an enum sorts by its labels' positions (ints), not by the labels
    keys = [(Column(enums.ranks(t.pg, col), col.valid), d, nf) if t is not None and t.pg.enum is not None
            else (col, d, nf) for (col, d, nf), t in zip(keys, types)]
    ranks = [sort_rank(col, desc, nf, vk) for (col, desc, nf), vk in zip(keys, value_keys)]
    return np.lexsort(ranks[::-1]) if ranks else np.zeros(0, dtype=np.int64)
