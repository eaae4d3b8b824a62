"""json and jsonb text: validation, parsing into Python values, and jsonb's normalised output.

A jsonb value is parsed JSON with numbers as int or Decimal (numeric semantics, so 1.50 keeps
its scale). Output is jsonb_out's: `{"a": 1, "b": [1, 2]}` with ", " and ": " separators and
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
    value = _parse(text)
    _check_numbers(value)
    return value


def _check_numbers(value: Any) -> None:
    if isinstance(value, Decimal):
        if value.is_finite() and value.adjusted() >= 131072:
            raise NumericValueOutOfRange("value overflows numeric format")
    elif isinstance(value, dict):
        for item in value.values():
            _check_numbers(item)
    elif isinstance(value, list):
        for item in value:
            _check_numbers(item)


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


def format_jsonb(value: Any) -> str:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
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

