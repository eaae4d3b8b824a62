"""Array text format: `{1,2,NULL}`, `{"a b","c\\"d"}`, nested `{{1,2},{3,4}}`.

An array value is a Python list of element values (None for NULL), nested lists for more
dimensions. Output quotes an element when it is empty, spells NULL (any case), or contains
braces, quotes, backslashes, the delimiter or whitespace; `"` and `\\` are backslash-escaped.
Input (array_in) accepts the same, optional whitespace around elements, unquoted NULL, and
the `[1:3]=` dimension decoration (lower bounds other than 1 are not kept).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from quantadb.errors import InvalidTextRepresentation

_NEEDS_QUOTE = re.compile(r'[{}",\\\s]')
_DIMS = re.compile(r"\s*(\[\s*[+-]?\d+\s*(:\s*[+-]?\d+\s*)?\])+\s*=")


def quote_element(text: str) -> str:
    if text == "" or text.upper() == "NULL" or _NEEDS_QUOTE.search(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def format_array(value: list, format_element: Callable[[Any], str]) -> str:
    parts = []
    for item in value:
        if item is None:
            parts.append("NULL")
        elif isinstance(item, list):
            parts.append(format_array(item, format_element))
        else:
            parts.append(quote_element(format_element(item)))
    return "{" + ",".join(parts) + "}"


def _malformed(text: str, detail: str) -> InvalidTextRepresentation:
    return InvalidTextRepresentation(f'malformed array literal: "{text}"', detail=detail)


def parse_array(text: str, parse_element: Callable[[str], Any]) -> list:
    """array_in: text to nested lists, parsing each non-NULL element with `parse_element`."""
    s = text
    m = _DIMS.match(s)
    if m:
        s = s[m.end():]
    s = s.strip()
    if not s.startswith("{"):
        raise _malformed(text, 'Array value must start with "{" or dimension information.')
    value, end = _parse_level(s, 0, text, parse_element)
    if s[end:].strip():
        raise _malformed(text, "Junk after closing right brace.")
    _check_rectangular(value, text)
    return value


def _parse_level(s: str, pos: int, text: str, parse_element: Callable[[str], Any]) -> tuple[list, int]:
    items: list = []
    pos += 1  # past "{"
    expect_item = True
    n = len(s)
    while True:
        while pos < n and s[pos].isspace():
            pos += 1
        if pos >= n:
            raise _malformed(text, "Unexpected end of input.")
        ch = s[pos]
        if ch == "}":
            if items and expect_item:
                raise _malformed(text, 'Unexpected "}" character.')
            return items, pos + 1
        if not expect_item:
            if ch != ",":
                raise _malformed(text, f'Unexpected "{ch}" character.')
            pos += 1
            expect_item = True
            continue
        if ch == "{":
            sub, pos = _parse_level(s, pos, text, parse_element)
            items.append(sub)
        elif ch == '"':
            pos += 1
            buf = []
            while True:
                if pos >= n:
                    raise _malformed(text, "Unexpected end of input.")
                c = s[pos]
                if c == "\\":
                    if pos + 1 >= n:
                        raise _malformed(text, "Unexpected end of input.")
                    buf.append(s[pos + 1])
                    pos += 2
                elif c == '"':
                    pos += 1
                    break
                else:
                    buf.append(c)
                    pos += 1
            items.append(parse_element("".join(buf)))
        else:
            buf = []
            while pos < n and s[pos] not in ",}":
                c = s[pos]
                if c in '{"':
                    raise _malformed(text, f'Unexpected "{c}" character.')
                if c == "\\" and pos + 1 < n:
                    buf.append(s[pos + 1])
                    pos += 2
                    continue
                buf.append(c)
                pos += 1
            token = "".join(buf).strip()
            if token == "":
                raise _malformed(text, f'Unexpected "{s[pos] if pos < n else ""}" character.')
            items.append(None if token.upper() == "NULL" else parse_element(token))
        expect_item = False


def _check_rectangular(value: list, text: str) -> None:
    nested = [isinstance(v, list) for v in value]
    if any(nested):
        if not all(nested):
            raise _malformed(text, "Multidimensional arrays must have sub-arrays with matching dimensions.")
        lengths = {len(v) for v in value}
        if len(lengths) > 1:
            raise _malformed(text, "Multidimensional arrays must have sub-arrays with matching dimensions.")
        for v in value:
            _check_rectangular(v, text)


def array_dims(value: list) -> list[int]:
    """Dimension lengths of a (rectangular) nested list; [] for an empty array."""
    dims = []
    level: Any = value
    while isinstance(level, list):
        if not level:
            return dims if dims else []
        dims.append(len(level))
        level = level[0]
    return dims


def flatten(value: list) -> list:
    out: list = []
    for item in value:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out


def unflatten(items: list, dims: list[int]) -> list:
    if len(dims) <= 1:
        return list(items)
    step = len(items) // dims[0] if dims[0] else 0
    return [unflatten(items[i * step:(i + 1) * step], dims[1:]) for i in range(dims[0])]
