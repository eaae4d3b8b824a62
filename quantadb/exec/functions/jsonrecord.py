"""json(b)_to_record and json(b)_to_recordset: a JSON object's members as the fields of the
record the caller's column definition list describes (`AS r(a int, b text)`, which the binder puts
on the call's type), as PostgreSQL's populate_record does: a member is read by the field's type
from its text (a string without its quotes; other values as JSON text), json and jsonb fields take
the value itself, an array field a JSON array's elements; a missing member or JSON null is NULL."""

from __future__ import annotations

from typing import Any

import numpy as np

from quantadb.errors import InvalidParameterValue
from quantadb.exec.columns import from_values
from quantadb.exec.functions import scalar, setfn
from quantadb.exec.functions.json import parse_json_text
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


def _record(obj: Any, fields: tuple[Field, ...], ctx) -> tuple:
    return tuple(_field_value(obj.get(k), t, ctx) for k, t in fields)


def _object(doc: Any) -> Any:
    if not isinstance(doc, dict):
        raise InvalidParameterValue(f"cannot call populate_composite on {'an array' if isinstance(doc, list) else 'a scalar'}")
    return doc


def _documents(column: Column, n: int, is_json: bool) -> list[Any]:
    values = column.data
    valid = column.valid
    return [None if valid is not None and not valid[i] else
            parse_json_text(values[i]) if is_json else values[i] for i in range(n)]


def _to_record(is_json: bool):
    def impl(args, n, ctx, call):
        fields = record_fields(call.type)
        return from_values([None if doc is None else _record(_object(doc), fields, ctx)
                            for doc in _documents(args[0], n, is_json)], call.type)
    return impl


def _to_recordset(is_json: bool):
    name = ("json" if is_json else "jsonb") + "_to_recordset"

    def impl(args, n, ctx, call):
        fields = record_fields(call.type)
        sources, rows = [], []
        for i, doc in enumerate(_documents(args[0], n, is_json)):
            if doc is None:
                continue
            if not isinstance(doc, list):
                raise InvalidParameterValue(f"cannot call {name} on a non-array")
            for obj in doc:
                if not isinstance(obj, dict):
                    raise InvalidParameterValue(f"argument of {name} must be an array of objects")
                rows.append(_record(obj, fields, ctx))
                sources.append(i)
        columns = [from_values([row[k] for row in rows], t) for k, (_, t) in enumerate(fields)]
        return np.asarray(sources, dtype=np.int64), columns
    return impl


for _prefix, _is_json in (("json", True), ("jsonb", False)):
    scalar(f"{_prefix}_to_record")(_to_record(_is_json))
    setfn(f"{_prefix}_to_recordset")(_to_recordset(_is_json))
