"""Merging a btree index's delta entries into the rows of a range of its base (storage/index.py):
the result in key order, equal keys by row id, as the base is."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def merge_objects(keys: np.ndarray, rows: np.ndarray, sel: list[tuple[Any, int]]) -> np.ndarray:
    """range() of an index of object keys (tuples, strings, ...): the base's slice (`keys`, `rows`)
    and the delta's entries in range `sel`, each put at its place by a binary search, so a few
    entries cost little against a long range (the whole index, for ORDER BY ... LIMIT)."""
    sel.sort()
    probe = np.empty(len(sel), dtype=object)
    probe[:] = [k for k, _ in sel]
    lo = keys.searchsorted(probe, side="left")
    hi = keys.searchsorted(probe, side="right")
    at, new = [], []
    for (_, r), a, b in zip(sel, lo.tolist(), hi.tolist()):
        p = a + int(rows[a:b].searchsorted(r))  # (equal keys by row id)
        if p < b and rows[p] == r:  # (an entry merged meanwhile shows twice)
            continue
        at.append(p)
        new.append(r)
    return np.insert(rows, at, new) if at else rows


def merge_numeric(keys: np.ndarray, rows: np.ndarray, delta: list, dtype: np.dtype, lo_k, low_inc: bool,
                   hi_k, high_inc: bool) -> np.ndarray:
    """range() of a one-number-column index: the base's slice and the delta's entries in range,
    sorted by (key, row id) as the base is (numpy sorts NaN last)."""
    delta_keys = np.fromiter((k for k, _ in delta), dtype=dtype, count=len(delta))
    delta_rows = np.fromiter((r for _, r in delta), dtype=np.int64, count=len(delta))
    sel = _at_least(delta_keys, lo_k, low_inc) & _at_most(delta_keys, hi_k, high_inc)
    if not sel.any():
        return rows
    keys = np.concatenate([keys, delta_keys[sel]])
    rows = np.concatenate([rows, delta_rows[sel]])
    rows = rows[np.lexsort((rows, keys))]
    return rows[np.concatenate([[True], rows[1:] != rows[:-1]])]  # (an entry merged meanwhile shows twice)


def _at_least(keys: np.ndarray, bound, inclusive: bool) -> np.ndarray:
    """keys >= bound (> if not inclusive), NaN above every other value and equal to itself."""
    if bound is None:
        return np.ones(len(keys), dtype=np.bool_)
    if _is_nan(bound):
        return np.isnan(keys) if inclusive else np.zeros(len(keys), dtype=np.bool_)
    return ((keys >= bound) if inclusive else (keys > bound)) | np.isnan(keys)


def _at_most(keys: np.ndarray, bound, inclusive: bool) -> np.ndarray:
    """keys <= bound (< if not inclusive), NaN above every other value and equal to itself."""
    if bound is None:
        return np.ones(len(keys), dtype=np.bool_)
    if _is_nan(bound):
        return np.ones(len(keys), dtype=np.bool_) if inclusive else ~np.isnan(keys)
    return (keys <= bound) if inclusive else (keys < bound)  # (NaN compares false: out)


def _is_nan(bound: Any) -> bool:
    return isinstance(bound, float) and math.isnan(bound)

