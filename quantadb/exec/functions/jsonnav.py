"""Navigation into JSON: field / element / path on jsonb values, and the same on json text,
where -> ->> #> #>> return the input's own text of the sub-value (json keeps its text as
given), found by scanning rather than re-serializing."""

from __future__ import annotations

import json as _json
from typing import Any

MISSING = object()  # no such key/element: SQL NULL (distinct from a JSON null)


def field(j: Any, key: str) -> Any:
    return j.get(key, MISSING) if isinstance(j, dict) else MISSING


def element(j: Any, idx: int) -> Any:
    if not isinstance(j, list):
        return MISSING
    idx = int(idx)
    if idx < 0:
        idx += len(j)
    return j[idx] if 0 <= idx < len(j) else MISSING


def path(j: Any, keys: list) -> Any:
    for k in keys:
        if k is None:
            return MISSING
        if isinstance(j, dict):
            j = j.get(k, MISSING)
        elif isinstance(j, list):
            try:
                j = element(j, int(k))
            except ValueError:
                return MISSING
        else:
            return MISSING
        if j is MISSING:
            return j
    return j


_WS = " \t\n\r"


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _value_end(text: str, i: int) -> int:
    """Index just past the JSON value starting at i (the text is valid json)."""
    ch = text[i]
    if ch == '"':
        i += 1
        while text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        return i + 1
    if ch in "[{":
        depth = 0
        while True:
            ch = text[i]
            if ch == '"':
                i = _value_end(text, i)
                continue
            depth += ch in "[{"
            depth -= ch in "]}"
            i += 1
            if depth == 0:
                return i
    while i < len(text) and text[i] not in _WS + ",]}":
        i += 1
    return i


def json_top_level(text: str) -> tuple[str, list[tuple[str | None, str]]]:
    """A json text's kind ("object", "array" or "scalar") and its top-level members in order,
    each (key or None, the member's own text), duplicate keys included."""
    i = _skip_ws(text, 0)
    if text[i] not in "[{":
        return "scalar", []
    is_obj = text[i] == "{"
    items: list[tuple[str | None, str]] = []
    i = _skip_ws(text, i + 1)
    while text[i] not in "]}":
        key = None
        if is_obj:
            end = _value_end(text, i)
            key = _json.loads(text[i:end])
            i = _skip_ws(text, _skip_ws(text, end) + 1)
        end = _value_end(text, i)
        items.append((key, text[i:end]))
        i = _skip_ws(text, end)
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
    return ("object" if is_obj else "array"), items


def json_members(text: str) -> dict | list | None:
    """Top-level members of a json text: {key: value text} (the last of duplicate keys) or
    [value text]; None for scalars."""
    kind, items = json_top_level(text)
    if kind == "scalar":
        return None
    return dict(items) if kind == "object" else [raw for _, raw in items]


def json_get(text: str, key: Any) -> Any:
    members = json_members(text)
    if isinstance(key, str) and not isinstance(members, dict):
        if isinstance(members, list):
            try:
                return element(members, int(key))
            except ValueError:
                return MISSING
        return MISSING
    return field(members, key) if isinstance(key, str) else element(members, key)


def json_path(text: str, keys: list) -> Any:
    for k in keys:
        if k is None or text is MISSING:
            return MISSING
        text = json_get(text, k)
    return text


def json_text_value(text: Any) -> Any:
    """->> of json: strings unquoted, null as SQL NULL, anything else as its text."""
    if text is MISSING:
        return None
    value = text.strip()
    if value.startswith('"'):
        return _json.loads(value)
    return None if value == "null" else value


