"""Enum types (CREATE TYPE name AS ENUM): labels, their order, input and output.

Representation: a value of an enum type is its label, a Python str, in an object column that
storage dictionary-encodes as it does text (int32 codes into the distinct labels). Why the
label and not a number: it is what every output path needs (text and binary wire formats,
casts to text, COPY, arrays and records print it without knowing the type), equality, hashing,
GROUP BY and DISTINCT need no mapping at all (and run on the dictionary codes), and a column
holds few distinct labels, so ordering maps those few to their sort positions (`ranks`) instead
of every row. The cost is RENAME VALUE, which rewrites the rows holding the old label.

Order is declaration order: each label has pg_enum's enumsortorder (a float, so ADD VALUE
BEFORE/AFTER takes the midpoint of its neighbours and no existing label moves), and `rank`
numbers the labels 0..n-1 by it. The labels live in a mutable `EnumLabels` on the type's
PgType (PgType.enum), updated when the catalog applies CREATE / ALTER TYPE, so a column's type
taken from an older catalog version still sees labels added since.

A label added by ALTER TYPE ... ADD VALUE cannot be used (read as input, listed by enum_range)
in the transaction that added it until that commits: 55P04, as PostgreSQL's check_safe_enum_use
(its sort order could otherwise reach an index that a rollback leaves behind). The engine names
the current transaction's new labels for the statement running (`uncommitted_labels`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import repeat

import numpy as np

from quantadb.errors import InvalidTextRepresentation, UnsafeNewEnumValueUsage
from quantadb.types import registry as r
from quantadb.types.column import Column
from quantadb.types.registry import PgType

Label = tuple[int, float, str]  # (pg_enum.oid, enumsortorder, enumlabel)

# pg_enum OIDs of the labels the running statement's transaction added (not committed yet)
_UNCOMMITTED: ContextVar[frozenset[int]] = ContextVar("uncommitted_enum_labels", default=frozenset())


@contextmanager
def uncommitted_labels(oids: frozenset[int]) -> Iterator[None]:
    token = _UNCOMMITTED.set(oids)
    try:
        yield
    finally:
        _UNCOMMITTED.reset(token)


class EnumLabels:
    """One enum type's labels in sort order."""

    __slots__ = ("entries", "labels", "oids", "rank")

    def __init__(self, entries: Sequence[Label]) -> None:
        self.set(entries)

    def set(self, entries: Sequence[Label]) -> None:
        ordered = tuple(sorted(entries, key=lambda e: e[1]))
        self.entries = ordered
        self.labels = tuple(e[2] for e in ordered)
        self.rank = {label: i for i, label in enumerate(self.labels)}
        self.oids = {e[2]: e[0] for e in ordered}


def check_safe(t: PgType, label: str) -> None:
    """55P04 for a label the current transaction added and has not committed."""
    uncommitted = _UNCOMMITTED.get()
    if uncommitted and labels_of(t).oids.get(label) in uncommitted:
        raise UnsafeNewEnumValueUsage(f'unsafe use of new value "{label}" of enum type {t.name}',
                                      hint="New enum values must be committed before they can be used.")


def is_enum(t: PgType) -> bool:
    return t.enum is not None


def labels_of(t: PgType) -> EnumLabels:
    return t.enum  # type: ignore[return-value]


def define(oid: int, array_oid: int, name: str, entries: Sequence[Label]) -> PgType:
    """The PgType of an enum (and its array type), made known by OID; a type already known by
    this OID keeps its identity (plans and columns hold it) and takes the new labels and name."""
    known = r.BY_OID.get(oid)
    if known is not None and known.enum is not None:
        known.enum.set(entries)
        if known.name != name:  # ALTER TYPE RENAME TO
            r.rename_user_type(known, name)
        return known
    t = PgType(oid, name, 4, "E", np.dtype(object), array_oid, enum=EnumLabels(entries))
    array = PgType(array_oid, "_" + name, -1, "A", np.dtype(object), 0, oid, name + "[]")
    r.register_user_type(t, array)
    return t


def parser(t: PgType) -> Callable[[str], str]:
    """enum_in: the label itself, or 22P02 for a string that is none of the type's labels."""
    labels = labels_of(t)

    def parse(text: str) -> str:
        if text not in labels.rank:
            raise InvalidTextRepresentation(f'invalid input value for enum {t.name}: "{text}"')
        check_safe(t, text)
        return text
    return parse


def sort_key(t: PgType) -> Callable[[str], int]:
    """A label's position in the type's order (what ORDER BY, MIN and MAX compare)."""
    rank = labels_of(t).rank
    return lambda label: rank.get(label, len(rank))


def ranks(t: PgType, col: Column) -> np.ndarray:
    """Sort positions (int64) of a column of labels: through the dictionary of a coded column
    (one lookup per distinct label), else one dict lookup per row. NULL rows get -1."""
    rank = labels_of(t).rank
    if col.codes is not None:  # the dictionary ends with the None that code -1 reaches
        table = np.fromiter(map(rank.get, col.dictionary.tolist(), repeat(-1)), dtype=np.int64,
                            count=len(col.dictionary))
        return table[col.codes]
    return np.fromiter(map(rank.get, col.data.tolist(), repeat(-1)), dtype=np.int64, count=len(col))
