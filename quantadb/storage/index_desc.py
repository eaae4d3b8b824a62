"""DESC key columns of an ordered index of mixed directions (`(a DESC, b)`), stored in their
declared order so that one scan, forwards or backwards, reads the index's order.

An index whose key columns all go one way keeps its keys ascending (a DESC one is read
backwards: sql/index_order.py). In a mixed one each DESC column's values are keyed by `DescKey`,
which orders them the other way round; lookups form their keys alike (Index.stored_key), and a
range's bounds, given as values (a prefix of equal values, then the range's ends on the next
column), swap their ends when that column is stored descending (`storage_bounds`).
"""

from __future__ import annotations

from typing import Any


class DescKey:
    """A value ordered the other way round (equal and hashed as the value)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DescKey) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __lt__(self, other: DescKey) -> bool:
        return other.value < self.value

    def __le__(self, other: DescKey) -> bool:
        return other.value <= self.value

    def __gt__(self, other: DescKey) -> bool:
        return other.value > self.value

    def __ge__(self, other: DescKey) -> bool:
        return other.value >= self.value

    def __repr__(self) -> str:
        return f"DESC {self.value!r}"


def stored_descending(options: tuple[int, ...], columns: int) -> tuple[bool, ...] | None:
    """Which key columns an index stores descending (by pg_index.indoption, bit 1 DESC): those
    declared DESC when its columns go both ways; None when none is."""
    desc = tuple(bool(options[i] & 1) if i < len(options) else False for i in range(columns))
    return desc if any(desc) and not all(desc) else None


def storage_bounds(descending: tuple[bool, ...], low: tuple | None, high: tuple | None, low_inclusive: bool,
                   high_inclusive: bool) -> tuple[tuple | None, tuple | None, bool, bool]:
    """range()'s bounds in stored order: the equal prefix they share, then the ends on the next
    column, swapped when that column is stored descending (its values already DescKey)."""
    width = max(len(low) if low is not None else 0, len(high) if high is not None else 0)
    if width == 0 or not descending[width - 1]:
        return low, high, low_inclusive, high_inclusive
    column = width - 1
    longest = low if low is not None and len(low) == width else high
    prefix = longest[:column]
    # each end of the range on `column`, if the bound reaches it
    lower = (low[column], low_inclusive) if low is not None and len(low) == width else None
    upper = (high[column], high_inclusive) if high is not None and len(high) == width else None
    lower, upper = upper, lower

    def bound(end: tuple | None) -> tuple[tuple | None, bool]:
        if end is not None:
            return prefix + (end[0],), end[1]
        return (prefix or None), True
    (new_low, low_inc), (new_high, high_inc) = bound(lower), bound(upper)
    return new_low, new_high, low_inc, high_inc
