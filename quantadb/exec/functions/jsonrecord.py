"""json(b)_to_record and json(b)_to_recordset: a JSON object's members as the fields of the
record the caller's column definition list describes (`AS r(a int, b text)`, which the binder puts
on the call's type); json(b)_populate_record(set) the same into the first argument's row type, as PostgreSQL's populate_record does: a member is read by the field's type
from its text (a string without its quotes; other values as JSON text), json and jsonb fields take
the value itself (from json, its text as written), an array field a JSON array's elements; a
missing member or JSON null is NULL."""

from __future__ import annotations

from typing import Any

import numpy as np

from quantadb.errors import InvalidParameterValue
from quantadb.exec.columns import from_values
from quantadb.exec.functions import scalar, setfn
from quantadb.exec.functions.json import parse_json_text
from quantadb.exec.functions.jsonnav import json_text_value, json_top_level
from quantadb.types import registry as R
from quantadb.types.codecs import parse_text
from quantadb.types.column import Column
from quantadb.types.jsonb import JSON_NULL, format_jsonb
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import Field, record_fields


def _field_value(value: Any, t: SqlType, ctx) -> Any:
    if value is None or value is JSON_NULL:
        return None
    if t.pg is R.JSONB:
        return value
    if t.pg is R.JSON:
        return format_jsonb(value)
    if t.pg.is_array and isinstance(value, list):
        element = SqlType(R.element_of(t.pg))
        return [_field_value(v, SqlType(t.pg), ctx) if isinstance(v, list) else _field_value(v, element, ctx)
                for v in value]
    return parse_text(t, value if isinstance(value, str) else format_jsonb(value), ctx.format)


def _json_field_value(raw: str | None, t: SqlType, ctx) -> Any:
    """A json member, kept as its own text: a json field takes that text as written, others read
    it (a string without its quotes) unless they take a JSON value (jsonb, an array's elements)."""
    if raw is None or raw == "null":
        return None
    if t.pg is R.JSON:
        return raw
    if t.pg is R.JSONB or (t.pg.is_array and raw.startswith("[")):
        return _field_value(parse_json_text(raw), t, ctx)
    return parse_text(t, json_text_value(raw), ctx.format)


def _record(members: dict, fields: tuple[Field, ...], ctx, is_json: bool, base: tuple | None = None) -> tuple:
    """The record of an object's members; a field it lacks takes `base`'s (populate_record), else NULL."""
    value = _json_field_value if is_json else _field_value
    return tuple(value(members[k], t, ctx) if k in members else base[i] if base is not None else None
                 for i, (k, t) in enumerate(fields))


def _top_level(doc: Any, is_json: bool) -> tuple[str, Any]:
    """(kind, members): an object's {key: value} (json: each value's own text), an array's items."""
    if is_json:
        kind, items = json_top_level(doc)
        return kind, dict(items) if kind == "object" else [raw for _, raw in items]
    return ("object" if isinstance(doc, dict) else "array" if isinstance(doc, list) else "scalar"), doc


def _documents(column: Column, n: int) -> list[Any]:
    valid = column.valid
    return [None if valid is not None and not valid[i] else column.data[i] for i in range(n)]


def _to_record(is_json: bool, populate: bool):
    """json_to_record(doc), or json_populate_record(base, doc): a NULL document gives the base."""
    def impl(args, n, ctx, call):
        fields = record_fields(call.type)
        bases = _documents(args[0], n) if populate else [None] * n
        out = []
        for base, doc in zip(bases, _documents(args[-1], n)):
            if doc is None:
                out.append(base)
                continue
            kind, members = _top_level(doc, is_json)
            if kind != "object":
                what = "an array" if kind == "array" else "a scalar"
                raise InvalidParameterValue(f"cannot call populate_composite on {what}")
            out.append(_record(members, fields, ctx, is_json, base))
        return from_values(out, call.type)
    return impl


def _to_recordset(is_json: bool, populate: bool):
    name = ("json" if is_json else "jsonb") + ("_populate_recordset" if populate else "_to_recordset")

    def impl(args, n, ctx, call):
        fields = record_fields(call.type)
        bases = _documents(args[0], n) if populate else [None] * n
        sources, rows = [], []
        for i, doc in enumerate(_documents(args[-1], n)):
            if doc is None:
                continue
            kind, items = _top_level(doc, is_json)
            if kind != "array":
                raise InvalidParameterValue(f"cannot call {name} on a non-array")
            for item in items:
                item_kind, members = _top_level(item, is_json)
                if item_kind != "object":
                    raise InvalidParameterValue(f"argument of {name} must be an array of objects")
                rows.append(_record(members, fields, ctx, is_json, bases[i]))
                sources.append(i)
        columns = [from_values([row[k] for row in rows], t) for k, (_, t) in enumerate(fields)]
        return np.asarray(sources, dtype=np.int64), columns
    return impl


for _prefix, _is_json in (("json", True), ("jsonb", False)):
    scalar(f"{_prefix}_to_record")(_to_record(_is_json, False))
    setfn(f"{_prefix}_to_recordset")(_to_recordset(_is_json, False))
    scalar(f"{_prefix}_populate_record")(_to_record(_is_json, True))
    setfn(f"{_prefix}_populate_recordset")(_to_recordset(_is_json, True))
