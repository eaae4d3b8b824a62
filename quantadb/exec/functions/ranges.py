"""Range functions and operators (rangetypes.c): constructors, lower/upper & co., containment,
overlap, position, adjacency, union, intersection, difference and range_merge.

Bounds are compared through `Range.lower_key` / `upper_key` (types/ranges.py), which place lower
and upper bounds on one line as range_cmp_bounds does; set operations rebuild their result from
two such keys with `range_from_bounds`, so discrete types come out canonical.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from quantadb.errors import DataException, SyntaxError
from quantadb.exec.functions import scalar
from quantadb.exec.functions.support import and_valid, map_nullable, map_rows, obj_array
from quantadb.types.column import Column
from quantadb.types.ranges import (
    EMPTY_RANGE, Range, RangeKind, elem_key, kind_of, make_range, order_key, range_from_bounds,
)

_BOUND_FLAGS = {"[]": (True, True), "[)": (True, False), "(]": (False, True), "()": (False, False)}


def _kind(call: Any) -> RangeKind:
    return kind_of(call.type.pg)


def _values(col: Column) -> list:
    """A column's values as Python objects, None where NULL."""
    data = col.data.tolist()
    if col.valid is None:
        return data
    return [v if ok else None for v, ok in zip(data, col.valid.tolist())]


@scalar("range_constructor")
def range_constructor(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    """int4range(lower, upper [, flags]): NULL bounds are infinite; flags default to '[)'."""
    kind = _kind(call)
    lowers, uppers = _values(args[0]), _values(args[1])
    flags = _values(args[2]) if len(args) > 2 else ["[)"] * n
    out = []
    for lower, upper, f in zip(lowers, uppers, flags):
        if f is None:
            raise DataException("range constructor flags argument must not be null")
        if f not in _BOUND_FLAGS:
            raise SyntaxError("invalid range bound flags",
                              hint='Valid values are "[]", "[)", "(]", and "()".')
        out.append(make_range(kind, lower, upper, *_BOUND_FLAGS[f]))
    return Column(obj_array(out))


def _bound_fn(pick: Callable[[Range], Any]) -> Callable:
    """lower(r) / upper(r): the bound's value, NULL when empty or infinite."""
    def impl(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
        col = map_nullable(lambda r: None if r.empty else pick(r), args, n)
        if call.type.pg.dtype == object:
            return col
        data = np.where(col.valid, col.data, 0) if col.valid is not None else col.data
        return Column(data.astype(call.type.pg.dtype), col.valid)
    return impl


def _predicate(test: Callable[..., bool]) -> Callable:
    def impl(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
        return Column(map_rows(test, args, n, dtype=bool, fill=False))
    return impl


def _range_fn(fn: Callable[..., Range]) -> Callable:
    def impl(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
        kind = _kind(call)
        return Column(map_rows(lambda *rs: fn(kind, *rs), args, n), and_valid(args))
    return impl


scalar("range_lower")(_bound_fn(lambda r: r.lower))
scalar("range_upper")(_bound_fn(lambda r: r.upper))
scalar("range_empty")(_predicate(lambda r: r.empty))
scalar("range_lower_inc")(_predicate(lambda r: r.lower_inc))
scalar("range_upper_inc")(_predicate(lambda r: r.upper_inc))
scalar("range_lower_inf")(_predicate(lambda r: not r.empty and r.lower is None))
scalar("range_upper_inf")(_predicate(lambda r: not r.empty and r.upper is None))


# ---- predicates ------------------------------------------------------------------------------

def contains_elem(r: Range, v: Any) -> bool:
    if r.empty:
        return False
    return r.lower_key() <= elem_key(v) <= r.upper_key()


def contains(a: Range, b: Range) -> bool:
    if b.empty:
        return True
    if a.empty:
        return False
    return a.lower_key() <= b.lower_key() and b.upper_key() <= a.upper_key()


def overlaps(a: Range, b: Range) -> bool:
    if a.empty or b.empty:
        return False
    return a.lower_key() <= b.upper_key() and b.lower_key() <= a.upper_key()


def _bounds_adjacent(upper: Range, lower: Range) -> bool:
    """An upper bound meets a lower bound: same value, exactly one of them inclusive (discrete
    types are canonical [a,b), so no value lies between b) and [b)."""
    if upper.upper is None or lower.lower is None:
        return False
    return order_key(upper.upper) == order_key(lower.lower) and upper.upper_inc != lower.lower_inc


def adjacent(a: Range, b: Range) -> bool:
    if a.empty or b.empty:
        return False
    return _bounds_adjacent(a, b) or _bounds_adjacent(b, a)


scalar("range_contains_elem")(_predicate(contains_elem))
scalar("elem_contained_by_range")(_predicate(lambda v, r: contains_elem(r, v)))
scalar("range_contains")(_predicate(contains))
scalar("range_contained_by")(_predicate(lambda a, b: contains(b, a)))
scalar("range_overlaps")(_predicate(overlaps))
scalar("range_adjacent")(_predicate(adjacent))
scalar("range_before")(_predicate(
    lambda a, b: not (a.empty or b.empty) and a.upper_key() < b.lower_key()))
scalar("range_after")(_predicate(
    lambda a, b: not (a.empty or b.empty) and a.lower_key() > b.upper_key()))
scalar("range_overleft")(_predicate(
    lambda a, b: not (a.empty or b.empty) and a.upper_key() <= b.upper_key()))
scalar("range_overright")(_predicate(
    lambda a, b: not (a.empty or b.empty) and a.lower_key() >= b.lower_key()))


# ---- set operations --------------------------------------------------------------------------

def merge(kind: RangeKind, a: Range, b: Range) -> Range:
    """range_merge: the smallest range covering both."""
    if a.empty:
        return b
    if b.empty:
        return a
    return range_from_bounds(kind, min(a.lower_key(), b.lower_key()), max(a.upper_key(), b.upper_key()))


def union(kind: RangeKind, a: Range, b: Range) -> Range:
    if not (a.empty or b.empty or overlaps(a, b) or adjacent(a, b)):
        raise DataException("result of range union would not be contiguous")
    return merge(kind, a, b)


def intersection(kind: RangeKind, a: Range, b: Range) -> Range:
    if not overlaps(a, b):
        return EMPTY_RANGE
    return range_from_bounds(kind, max(a.lower_key(), b.lower_key()), min(a.upper_key(), b.upper_key()))


def difference(kind: RangeKind, a: Range, b: Range) -> Range:
    """range_minus."""
    if a.empty or b.empty:
        return a
    la, ua, lb, ub = a.lower_key(), a.upper_key(), b.lower_key(), b.upper_key()
    if la < lb and ua > ub:
        raise DataException("result of range difference would not be contiguous")
    if la > ub or ua < lb:
        return a
    if la >= lb and ua <= ub:
        return EMPTY_RANGE
    if la <= lb and ua >= lb and ua <= ub:
        return _rebuild(kind, la, lb, is_lower=False)
    return _rebuild(kind, ub, ua, is_lower=True)


def _rebuild(kind: RangeKind, lower: tuple, upper: tuple, is_lower: bool) -> Range:
    """A range whose lower (is_lower) or upper bound is the other range's opposite bound, flipped."""
    if is_lower:
        lower = (0, lower[1], 0 if lower[2] else 1) if lower[0] == 0 else (-1,)
    else:
        upper = (0, upper[1], 0 if upper[2] else -1) if upper[0] == 0 else (1,)
    return range_from_bounds(kind, lower, upper)


scalar("range_merge")(_range_fn(merge))
scalar("range_union")(_range_fn(union))
scalar("range_intersect")(_range_fn(intersection))
scalar("range_minus")(_range_fn(difference))
