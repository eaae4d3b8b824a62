"""Set-returning functions: generate_series, unnest, _pg_expandarray, generate_subscripts, json(b)_object_keys,
array_elements(_text) and each(_text). Contract (SETFNS): ``fn(args, n, ctx, call) ->
(source_rows, [Column])``: the input row of each output row, and the output column(s), one per
OUT column for a function returning record. Input rows with a NULL argument produce no rows
(all of these are strict)."""

from __future__ import annotations

import decimal
from decimal import Decimal

import numpy as np

from quantadb.errors import InvalidParameterValue
from quantadb.exec.functions import setfn
from quantadb.exec.functions.datetimefns import ts_plus_interval
from quantadb.exec.functions.json import format_jsonb
from quantadb.exec.functions.jsonnav import json_text_value, json_top_level
from quantadb.exec.functions.support import EXACT, and_valid, obj_array
from quantadb.types.arrays import array_dims
from quantadb.types.column import Column
from quantadb.types.jsonb import JSON_NULL, jsonb_key_order
from quantadb.types.rowtypes import record_fields
from quantadb.types.values import Interval

_ZERO_STEP = InvalidParameterValue("step size cannot equal zero")


def _live_rows(args, n: int) -> np.ndarray:
    valid = and_valid(args)
    return np.arange(n) if valid is None else np.flatnonzero(valid)


def _collect(per_row) -> tuple[np.ndarray, list]:
    sources, values = [], []
    for row, items in per_row:
        sources.extend([row] * len(items))
        values.extend(items)
    return np.asarray(sources, dtype=np.int64), values


def _int_series(dtype):
    def impl(args, n, ctx, call):
        live = _live_rows(args, n)
        start = args[0].data[live].astype(np.int64)
        stop = args[1].data[live].astype(np.int64)
        step = args[2].data[live].astype(np.int64) if len(args) > 2 else np.ones(len(live), dtype=np.int64)
        if (step == 0).any():
            raise _ZERO_STEP
        counts = np.maximum((stop - start) // step + 1, 0)
        sources = np.repeat(live, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        values = np.repeat(start, counts) + offsets * np.repeat(step, counts)
        return sources.astype(np.int64), [Column(values.astype(dtype))]
    return impl


setfn("generate_series_int4")(_int_series(np.int32))
setfn("generate_series_int8")(_int_series(np.int64))


@setfn("generate_series_numeric")
def generate_series_numeric(args, n, ctx, call):
    def rows_of(i):
        start, stop = args[0].data[i], args[1].data[i]
        step = args[2].data[i] if len(args) > 2 else Decimal(1)
        for what, value in (("start value", start), ("stop value", stop), ("step size", step)):
            if value.is_nan():
                raise InvalidParameterValue(f"{what} cannot be NaN")
            if value.is_infinite():
                raise InvalidParameterValue(f"{what} cannot be infinity")
        if step.is_zero():
            raise _ZERO_STEP
        out, cur = [], start
        with decimal.localcontext(EXACT):
            while (cur <= stop) if step > 0 else (cur >= stop):
                out.append(cur)
                cur += step
        return out
    sources, values = _collect((i, rows_of(i)) for i in _live_rows(args, n))
    return sources, [Column(obj_array(values))]


def _ts_series(tz: bool):
    def impl(args, n, ctx, call):
        zone = ctx.format.zone if tz else None

        def rows_of(i):
            start, stop, step = int(args[0].data[i]), int(args[1].data[i]), args[2].data[i]
            if step == Interval(0, 0, 0):
                raise _ZERO_STEP
            forward = step > Interval(0, 0, 0)
            out, cur = [], start
            while (cur <= stop) if forward else (cur >= stop):
                out.append(cur)
                cur = int(ts_plus_interval(np.array([cur], dtype=np.int64), obj_array([step]), 1, zone)[0])
            return out
        sources, values = _collect((i, rows_of(i)) for i in _live_rows(args, n))
        return sources, [Column(np.asarray(values, dtype=np.int64))]
    return impl


setfn("generate_series_timestamp")(_ts_series(False))
setfn("generate_series_timestamptz")(_ts_series(True))


def _element_column(values: list, dtype: np.dtype) -> Column:
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    if dtype == object:
        data = obj_array(values)
    else:
        data = np.asarray([v if v is not None else 0 for v in values], dtype=dtype)
    return Column(data, None if valid.all() else valid)


@setfn("unnest")
def unnest(args, n, ctx, call):
    sources, values = _collect((i, args[0].data[i]) for i in _live_rows(args, n))
    return sources, [_element_column(values, call.type.pg.dtype if call is not None else np.dtype(object))]


@setfn("_pg_expandarray")
def pg_expandarray(args, n, ctx, call):
    """information_schema._pg_expandarray(a): (a[s], s) for each subscript of the first dimension;
    a[s] of a multi-dimensional array is NULL, as one subscript selects no element there."""
    sources, values = _collect((i, args[0].data[i]) for i in _live_rows(args, n))
    counts = np.bincount(sources, minlength=n) if len(sources) else np.zeros(n, dtype=np.int64)
    positions = np.arange(len(sources)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    elements = [None if isinstance(v, list) else v for v in values]
    (_, x_type), _ = record_fields(call.type)
    return sources, [_element_column(elements, x_type.pg.dtype), Column(positions.astype(np.int32))]


@setfn("generate_subscripts")
def generate_subscripts(args, n, ctx, call):
    """generate_subscripts(array, dim [, reverse]): 1..length of that dimension (none when the
    array has no such dimension)."""
    reverse = args[2].data if len(args) > 2 else None

    def subscripts(i):
        dim, arr = int(args[1].data[i]), args[0].data[i]
        dims = array_dims(arr) if arr else []
        if not 1 <= dim <= len(dims):
            return []
        out = list(range(1, dims[dim - 1] + 1))
        return out[::-1] if reverse is not None and reverse[i] else out
    sources, values = _collect((i, subscripts(i)) for i in _live_rows(args, n))
    return sources, [Column(np.asarray(values, dtype=np.int32))]


def _json_srf(extract, is_json: bool, text_out: bool):
    """text_out: a JSON null element becomes SQL NULL (jsonb output keeps JSON_NULL). json is read
    as its text (json_top_level: members in order, each as written), jsonb as its value."""
    def impl(args, n, ctx, call):
        def rows_of(i):
            doc = args[0].data[i]
            return extract(json_top_level(doc) if is_json else doc)
        sources, values = _collect((i, rows_of(i)) for i in _live_rows(args, n))
        valid = np.fromiter((v is not None or not text_out for v in values), dtype=bool, count=len(values))
        return sources, [Column(obj_array(values), None if valid.all() else valid)]
    return impl


def _kind(j) -> str:
    """A jsonb value's kind, as json_top_level names a json text's."""
    return "object" if isinstance(j, dict) else "array" if isinstance(j, list) else "scalar"


def _object_keys(is_json: bool):
    def extract(j):
        kind = j[0] if is_json else _kind(j)
        if kind != "object":
            raise InvalidParameterValue(f"cannot call {'json' if is_json else 'jsonb'}_object_keys on "
                                        f"{'an array' if kind == 'array' else 'a scalar'}")
        return [k for k, _ in j[1]] if is_json else sorted(j, key=jsonb_key_order)  # jsonb's storage order
    return extract


def _elements(as_text: bool, is_json: bool):
    name = "json_array_elements" + ("_text" if as_text else "")

    def extract(j):
        if is_json:
            kind, items = j
            if kind != "array":
                what = "a non-array" if kind == "object" else "a scalar"
                raise InvalidParameterValue(f"cannot call {name} on {what}")
            return [json_text_value(raw) for _, raw in items] if as_text else [raw for _, raw in items]
        if not isinstance(j, list):
            what = "an object" if isinstance(j, dict) else "a scalar"
            raise InvalidParameterValue(f"cannot extract elements from {what}")
        if as_text:
            return [v if isinstance(v, str) else None if v is JSON_NULL else format_jsonb(v) for v in j]
        return j
    return extract


for _prefix, _is_json in (("json", True), ("jsonb", False)):
    setfn(f"{_prefix}_object_keys")(_json_srf(_object_keys(_is_json), _is_json, True))
    setfn(f"{_prefix}_array_elements")(_json_srf(_elements(False, _is_json), _is_json, False))
    setfn(f"{_prefix}_array_elements_text")(_json_srf(_elements(True, _is_json), _is_json, True))


def _each(as_text: bool, is_json: bool):
    """json(b)_each(_text): one (key, value) row per member of an object, in the input's order
    (duplicates too) for json and jsonb's storage order for jsonb."""
    name = ("json" if is_json else "jsonb") + "_each" + ("_text" if as_text else "")

    def members(doc):
        if is_json:
            kind, items = json_top_level(doc)
            if kind != "object":
                raise InvalidParameterValue("cannot deconstruct an array as an object" if kind == "array"
                                            else "cannot deconstruct a scalar")
            return [(k, json_text_value(raw) if as_text else raw) for k, raw in items]
        if not isinstance(doc, dict):
            raise InvalidParameterValue(f"cannot call {name} on a non-object")
        # as text, a JSON null becomes SQL NULL and strings lose their quotes
        return [(k, (v if isinstance(v, str) else None if v is JSON_NULL else format_jsonb(v)) if as_text else v)
                for k, v in ((k, doc[k]) for k in sorted(doc, key=jsonb_key_order))]

    def impl(args, n, ctx, call):
        sources, keys, values = [], [], []
        for i in _live_rows(args, n):
            for k, v in members(args[0].data[i]):
                sources.append(i)
                keys.append(k)
                values.append(v)
        valid = np.fromiter((v is not None or not as_text for v in values), dtype=bool, count=len(values))
        return np.asarray(sources, dtype=np.int64), [Column(obj_array(keys)),
                                                     Column(obj_array(values), None if valid.all() else valid)]
    return impl


for _prefix, _is_json in (("json", True), ("jsonb", False)):
    setfn(f"{_prefix}_each")(_each(False, _is_json))
    setfn(f"{_prefix}_each_text")(_each(True, _is_json))


@setfn("string_to_table")
def string_to_table(args, n, ctx, call):
    """string_to_table(s, delim [, null_string]): string_to_array's elements as rows."""
    from quantadb.exec.functions.patterns import text_to_array
    arrays = text_to_array(args, n, ctx, call)
    live = np.flatnonzero(arrays.valid) if arrays.valid is not None else np.arange(n)
    sources, values = _collect((i, arrays.data[i]) for i in live)
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    return sources, [Column(obj_array(values), None if valid.all() else valid)]
