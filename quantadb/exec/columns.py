"""Small vectorized helpers over Column and Batch: constants, selection, concatenation."""

from __future__ import annotations

from typing import Any

import numpy as np

from quantadb.types import scaled
from quantadb.types.column import Batch, Column
from quantadb.types.registry import NUMERIC, SqlType

OBJECT = np.dtype(object)


def filler(dtype: np.dtype) -> Any:
    """The value stored in a NULL slot: harmless for every kernel (0, False, None)."""
    return None if dtype == OBJECT else dtype.type(0)


def const_column(value: Any, t: SqlType, n: int) -> Column:
    dtype = t.pg.dtype
    if value is None:
        data = np.empty(n, dtype=dtype) if dtype == OBJECT else np.zeros(n, dtype=dtype)
        return Column(data, np.zeros(n, dtype=bool))
    if t.pg is NUMERIC:
        col = scaled.const(value, n)
        if col is not None:
            return col
    if dtype == OBJECT:
        data = np.empty(n, dtype=OBJECT)
        data[:] = [value] * n if isinstance(value, (list, tuple, dict)) else value
        return Column(data)
    return Column(np.full(n, value, dtype=dtype))


def take(col: Column, idx: np.ndarray) -> Column:
    return col.rows(idx)


def take_batch(batch: Batch, idx: np.ndarray) -> Batch:
    n = int(idx.sum()) if idx.dtype == bool else len(idx)
    return Batch([take(c, idx) for c in batch.columns], n)


def concat_columns(cols: list[Column], dtype: np.dtype) -> Column:
    if not cols:
        return Column(np.empty(0, dtype=dtype))
    if len(cols) == 1:
        return cols[0]
    valid = None
    if any(c.valid is not None for c in cols):
        valid = np.concatenate([np.ones(len(c), dtype=bool) if c.valid is None else c.valid for c in cols])
    scale = cols[0].scale
    if scale is not None and all(c.scale == scale for c in cols):
        peaks = [c.peak for c in cols]
        return Column.scaled(np.concatenate([c.ints for c in cols]), scale, valid, None if None in peaks else max(peaks))
    if all(c.codes is not None for c in cols):
        return _concat_coded(cols, valid)
    data = np.concatenate([c.data for c in cols]) if dtype != OBJECT else _concat_object([c.data for c in cols])
    return Column(data, valid)


def _concat_coded(cols: list[Column], valid: np.ndarray | None) -> Column:
    """Coded columns under one dictionary: the union of theirs, each part's codes mapped into it
    (code -1 stays -1: it picks the -1 that ends every mapping)."""
    first = cols[0].dictionary
    if all(c.dictionary is first for c in cols):
        return Column.coded(np.concatenate([c.codes for c in cols]), first, valid)
    merged: dict = {}
    for c in cols:
        merged.update(dict.fromkeys(c.dictionary[:-1].tolist()))
    index = {v: i for i, v in enumerate(merged)}
    parts = []
    for c in cols:
        mapping = np.fromiter(map(index.__getitem__, c.dictionary[:-1].tolist()), dtype=np.int32,
                              count=len(c.dictionary) - 1)
        parts.append(np.append(mapping, np.int32(-1))[c.codes])
    dictionary = np.empty(len(index) + 1, dtype=OBJECT)
    dictionary[:-1] = list(merged)
    return Column.coded(np.concatenate(parts), dictionary, valid)


def _concat_object(arrays: list[np.ndarray]) -> np.ndarray:
    out = np.empty(sum(len(a) for a in arrays), dtype=OBJECT)
    pos = 0
    for a in arrays:
        out[pos:pos + len(a)] = a
        pos += len(a)
    return out


def concat_batches(batches: list[Batch], dtypes: list[np.dtype]) -> Batch:
    if len(batches) == 1:
        return batches[0]
    n = sum(b.length for b in batches)
    cols = [concat_columns([b.columns[i] for b in batches], dtypes[i]) for i in range(len(dtypes))]
    return Batch(cols, n)


def valid_mask(col: Column) -> np.ndarray:
    return np.ones(len(col.data), dtype=bool) if col.valid is None else col.valid


def and_valid(*valids: np.ndarray | None) -> np.ndarray | None:
    out = None
    for v in valids:
        if v is None:
            continue
        out = v if out is None else (out & v)
    return out


def to_object(col: Column) -> np.ndarray:
    """The column's values as an object array with None for NULL (for hashing mixed data)."""
    if col.data.dtype == OBJECT:
        data = col.data.copy() if col.valid is not None else col.data
    else:
        data = col.data.astype(OBJECT)
    if col.valid is not None:
        data[~col.valid] = None
    return data


def column_values(col: Column) -> list:
    """Python values with None for NULL."""
    values = col.data.tolist()
    if col.valid is not None:
        for i in np.flatnonzero(~col.valid):
            values[i] = None
    return values


def from_values(values: list, t: SqlType) -> Column:
    """Build a column from Python values (None = NULL) in the type's representation."""
    n = len(values)
    dtype = t.pg.dtype
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=n)
    all_valid = bool(valid.all())
    if dtype == OBJECT:
        data = np.empty(n, dtype=OBJECT)
        for i, v in enumerate(values):
            data[i] = v
        return Column(data, None if all_valid else valid)
    fill = filler(dtype)
    data = np.array([fill if v is None else v for v in values], dtype=dtype) if n else np.empty(0, dtype=dtype)
    return Column(data, None if all_valid else valid)
