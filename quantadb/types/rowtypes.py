"""Row values: anonymous records (type `record`: ROW(a, b), whole-row references `t.*`) and
values of composite types (types/composite.py), which behave alike.

A row value is a Python tuple of its field values (None for a NULL field). An anonymous record's
fields' names and types ride on the expression's SqlType (`extra` = ((name, SqlType), ...)),
since a record column carries no catalog entry; a composite type's are on its PgType. An array
of records keeps its elements' fields in its own `extra`. Text output follows record_out
(rowtypes.c).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from quantadb.types import registry as r
from quantadb.types.registry import SqlType

Field = tuple[str, SqlType]
_NEEDS_QUOTES = frozenset('"\\(),')


def record_type(fields: Sequence[Field]) -> SqlType:
    return SqlType(r.RECORD, extra=tuple(fields))


def is_rowtype(t: r.PgType) -> bool:
    """record or a composite type: what has fields."""
    return t is r.RECORD or t.composite is not None


def record_fields(t: SqlType) -> tuple[Field, ...]:
    """The (name, type) pairs of a row type; empty when they are not known (a record of a
    function returning `record`)."""
    if t.pg.composite is not None:
        return t.pg.composite.fields  # type: ignore[attr-defined]
    return tuple(t.extra) if t.pg is r.RECORD else ()


def element_type(t: SqlType) -> SqlType:
    """The element type of array type `t`: an array of records passes its elements' fields on."""
    elem = r.element_of(t.pg)
    return SqlType(elem, t.typmod, t.extra) if elem is r.RECORD else SqlType(elem, t.typmod)


def array_type(elem: SqlType) -> SqlType:
    """The array type of `elem`, keeping an anonymous record's fields."""
    return SqlType(r.array_of(elem.pg), elem.typmod, elem.extra if elem.pg is r.RECORD else ())


def anonymous_fields(types: Sequence[SqlType]) -> list[Field]:
    """ROW(...)'s field names: f1, f2, ... as PostgreSQL names an anonymous record's columns."""
    return [(f"f{i}", t) for i, t in enumerate(types, 1)]


def quote_field(text: str) -> str:
    """record_out's quoting: empty strings and texts holding delimiters, quotes or spaces."""
    if text and not any(c in _NEEDS_QUOTES or c.isspace() for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '""') + '"'


def format_record(value: tuple, formatters: Sequence[Callable[[Any], str]] | None,
                  fallback: Callable[[Any], str]) -> str:
    """`(1,abc,)`: each field through its type's output function; a NULL field prints as nothing.
    `fallback` formats fields whose type is unknown (records nested in arrays)."""
    parts = []
    for i, v in enumerate(value):
        if v is None:
            parts.append("")
            continue
        fmt = formatters[i] if formatters is not None and i < len(formatters) else fallback
        parts.append(quote_field(fmt(v)))
    return "(" + ",".join(parts) + ")"
