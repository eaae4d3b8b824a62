"""json and jsonb text: validation, parsing into Python values, and jsonb's normalised output.

A jsonb value is parsed JSON with numbers as int or Decimal (numeric semantics, so 1.50 keeps
its scale) and JSON's null as `JSON_NULL`, at any depth: Python None is SQL NULL in every
column, value list, Const and WAL record, so a JSON null needs a value of its own to survive
them (`'null'::jsonb IS NULL` is false). Output is jsonb_out's: `{"a": 1, "b": [1, 2]}` with ", " and ": " separators and
object keys in jsonb storage order (shorter keys first, then bytewise); duplicate keys keep the
last value. json values are the input text, validated.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from quantadb.errors import InvalidTextRepresentation, NumericValueOutOfRange
from quantadb.types.textio import format_numeric

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class JsonNull:
    """The one JSON null. Falsy, hashable, and ordered below every other jsonb value (jsonb's
    btree order puts null lowest), so mixed lists of scalars containing it still sort."""

    __slots__ = ()
    _instance: JsonNull | None = None

    def __new__(cls) -> JsonNull:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "JSON_NULL"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "JSON_NULL"

    def __lt__(self, other: Any) -> bool:
        return other is not self

    def __le__(self, other: Any) -> bool:
        return True

    def __gt__(self, other: Any) -> bool:
        return False

    def __ge__(self, other: Any) -> bool:
        return other is self


JSON_NULL = JsonNull()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Token \"{name}\" is invalid.")


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise InvalidTextRepresentation("invalid input syntax for type json", detail=detail) from None


def parse_json(text: str) -> str:
    """json input: validate, keep the text as given."""
    _parse(text)
    return text


def parse_jsonb(text: str) -> Any:
    return from_json(_parse(text))


def from_json(value: Any) -> Any:
    """A value json.loads made as a jsonb value: None becomes JSON_NULL, numbers are range-checked."""
    if value is None:
        return JSON_NULL
    if isinstance(value, Decimal):
        if value.is_finite() and value.adjusted() >= 131072:
            raise NumericValueOutOfRange("value overflows numeric format")
    elif isinstance(value, dict):
        return {k: from_json(v) for k, v in value.items()}
    elif isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def escape_json_string(s: str) -> str:
    out = ['"']
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc:
            out.append(esc)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def jsonb_key_order(key: str) -> tuple[int, bytes]:
    raw = key.encode()
    return len(raw), raw


def jsonb_sort_key(value: Any, top: bool = True) -> tuple:
    """A key that orders jsonb values as jsonb's btree does (compareJsonbContainers): object >
    array > boolean > number > string > null; arrays by length then element by element, objects
    by pair count then key, value, key, value... in storage order; and, as PostgreSQL documents,
    an empty top-level array below everything."""
    if value is JSON_NULL:
        return (1,)
    if isinstance(value, bool):
        return (4, value)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, list):
        if top and not value:
            return (0,)
        return (5, len(value), [jsonb_sort_key(x, False) for x in value])
    if isinstance(value, dict):
        return (6, len(value), [(k, jsonb_sort_key(value[k], False)) for k in sorted(value, key=jsonb_key_order)])
    return (3, value)


def format_jsonb(value: Any) -> str:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if value is JSON_NULL or value is None:  # None: a json.loads value (json text functions)
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(escape_json_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        out.append(format_numeric(value))
    elif isinstance(value, float):
        out.append(format_numeric(Decimal(repr(value))))
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=jsonb_key_order)):
            if i:
                out.append(", ")
            out.append(escape_json_string(key))
            out.append(": ")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(", ")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"not a jsonb value: {type(value).__name__}")

