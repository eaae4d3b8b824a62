"""An ordered index of mixed directions (`(a DESC, b)`, storage/index_desc.py): its keys in the
declared order, base and delta alike, and range() over prefixes and ends of either column
finding exactly the keys a filter finds, in that order."""

from __future__ import annotations

import random

import numpy as np

from quantadb.storage.index import BULK_ROWS, Index, key_forms
from quantadb.storage.index_desc import stored_descending
from quantadb.types import registry as T
from quantadb.types.column import Column


def _index(descending: tuple[bool, ...]) -> Index:
    types = [T.sql(T.INT4), T.sql(T.TEXT)]
    return Index(1, 2, (1, 2), False, "btree", np.dtype(np.int64), key_forms(types, (1, 2), descending),
                 descending=descending)


def _declared(key: tuple, descending: tuple[bool, ...]) -> tuple:
    """A sort key of the declared order (an int column's value negated where it is DESC; text
    descending through its code points)."""
    a, b = key
    return (-a if descending[0] else a, tuple(-ord(ch) for ch in b) + (1,) if descending[1] else b)


def _in(key: tuple, low, high, low_inc: bool, high_inc: bool) -> bool:
    """A bound is equal values of the leading columns, then an end on the next one."""
    for bound, inclusive, sign in ((low, low_inc, 1), (high, high_inc, -1)):
        if bound is None:
            continue
        *prefix, end = bound
        if list(key[:len(prefix)]) != prefix:
            return False
        v = key[len(prefix)]
        if (v < end if sign > 0 else v > end) or (v == end and not inclusive and len(bound) > len(prefix)):
            return False
    return True


def test_stored_descending_only_when_the_columns_go_both_ways():
    assert stored_descending((1, 0), 2) == (True, False)
    assert stored_descending((3, 3), 2) is None and stored_descending((), 2) is None
    assert stored_descending((0, 1), 2) == (False, True)


def test_order_and_ranges_match_a_filter():
    rng = random.Random(7)
    for descending in ((True, False), (False, True)):
        for split in (0, 60, BULK_ROWS + 10):  # keys in the base only, in both, in the delta only
            keys = [(rng.randrange(6), rng.choice("abcde") + rng.choice("xy")) for _ in range(split + 80)]
            idx = _index(descending)
            base = keys[:split] if split > BULK_ROWS else []
            if base:
                idx.add_rows([Column(np.array([k[0] for k in base], dtype=np.int64)),
                              Column(np.array([k[1] for k in base], dtype=object))], len(base),
                             np.arange(len(base), dtype=np.int64))
            for r, k in enumerate(keys[len(base):], len(base)):
                idx.add_key(k, r)
            want = sorted(range(len(keys)), key=lambda r: (_declared(keys[r], descending), r))
            assert idx.range(None, None).tolist() == want
            for _ in range(60):
                a = rng.randrange(6)
                b_end = rng.choice("abcdef")
                shapes = [((a,), (a,)), ((a, b_end), (a,)), ((a,), (a, b_end)), ((a, "b"), (a, b_end)),
                          ((a,), None), (None, (a,)), ((a - 1,), (a + 1,))]
                low, high = rng.choice(shapes)
                low_inc, high_inc = rng.random() < 0.5, rng.random() < 0.5
                if low is not None and high is not None and len(low) != len(high):
                    # (the planner's bounds: a bound of the equal prefix alone is inclusive)
                    low_inc, high_inc = low_inc or len(low) < len(high), high_inc or len(high) < len(low)
                got = idx.range(low, high, low_inc, high_inc).tolist()
                assert got == [r for r in want if _in(keys[r], low, high, low_inc, high_inc)], \
                    (descending, split, low, high, low_inc, high_inc)
