"""json/jsonb operators and functions (jsonfuncs.c, jsonb_op.c): -> ->> #> #>> @> <@ ? ?| ?&
|| -, typeof, array_length, build_object/array, to_json(b), extract_path, strip_nulls, pretty,
and the json aggregates. jsonb values are parsed Python values; json values are text, parsed
on use (sub-values print in jsonb's spacing rather than the input's)."""

from __future__ import annotations

import json as _json
from decimal import Decimal
from typing import Any

import numpy as np

from quantadb.errors import InvalidParameterValue, InvalidTextRepresentation, NullValueNotAllowed
from quantadb.exec.functions import aggregate, scalar
from quantadb.exec.functions.aggregates import group_lists
from quantadb.exec.functions.jsonnav import MISSING, element, field, json_get, json_path, json_text_value, path
from quantadb.exec.functions.strings import as_text, rows
from quantadb.exec.functions.support import map_nullable, obj_array
from quantadb.types.column import Column
from quantadb.types.jsonb import JSON_NULL, escape_json_string, format_jsonb, from_json, jsonb_key_order, parse_jsonb
from quantadb.types.registry import BOOL, RECORD, UNKNOWN, SqlType
from quantadb.types.rowtypes import anonymous_fields, element_type, is_rowtype, record_fields

_UNTYPED = SqlType(UNKNOWN)



def to_jsonb_value(value: Any, t, ctx) -> Any:
    """A SQL value of type `t` as a jsonb value (to_jsonb's per-type mapping; SQL NULL inside a
    built value is a JSON null)."""
    name = t.pg.name
    if value is None:
        return JSON_NULL
    if name == "jsonb":
        return value
    if name == "json":
        return parse_jsonb(value)
    if name == "bool":
        return bool(value)
    if name in ("int2", "int4", "int8", "oid"):
        return int(value)
    if name == "numeric":
        return value if value.is_finite() else as_text(value, t, ctx)
    if name in ("float4", "float8"):
        text = as_text(value, t, ctx)
        return Decimal(text) if np.isfinite(value) else text
    if t.pg.is_array:  # a nested list is an inner dimension, still of the array type
        et = element_type(t)
        return [to_jsonb_value(v, t if isinstance(v, list) else et, ctx) for v in value]
    if is_rowtype(t.pg):
        fields = record_fields(t) or anonymous_fields([_UNTYPED] * len(value))
        return {fname: to_jsonb_value(v, ft, ctx) for (fname, ft), v in zip(fields, value)}
    if name == "unknown":  # a field of a record nested in an array: its Python value decides
        return _untyped_jsonb(value, ctx)
    text = as_text(value, t, ctx)
    if name in ("timestamp", "timestamptz"):  # ISO 8601, as to_json prints them
        text = text.replace(" ", "T", 1)
        if name == "timestamptz" and len(text) > 3 and text[-3] in "+-":
            text += ":00"
    return text


def to_json_text(value: Any, t, ctx) -> str:
    """A SQL value of type `t` as to_json prints it (json.c's datum_to_json): compact, except that
    json values inside keep their text and jsonb values print as jsonb does."""
    name = t.pg.name
    if value is None:
        return "null"
    if name == "json":
        return value
    if name == "jsonb":
        return format_jsonb(value)
    if t.pg.is_array:
        et = element_type(t)
        return "[" + ",".join(to_json_text(v, t if isinstance(v, list) else et, ctx) for v in value) + "]"
    if is_rowtype(t.pg):
        fields = record_fields(t) or anonymous_fields([_UNTYPED] * len(value))
        return "{" + ",".join(escape_json_string(fname) + ":" + to_json_text(v, ft, ctx)
                              for (fname, ft), v in zip(fields, value)) + "}"
    return json_text(to_jsonb_value(value, t, ctx), ",", ":")


def _untyped_jsonb(value: Any, ctx) -> Any:
    if value is None:
        return JSON_NULL
    if isinstance(value, tuple):
        return to_jsonb_value(value, SqlType(RECORD), ctx)
    if isinstance(value, list):
        return [_untyped_jsonb(v, ctx) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value)) if np.isfinite(value) else str(value)
    return value if isinstance(value, (bool, int, str, Decimal)) else str(value)


def json_text(value: Any, sep: str = ", ", colon: str = " : ") -> str:
    """json output of a built value: json_build_object's `{"a" : 1}` spacing."""
    if isinstance(value, dict):
        return "{" + sep.join(escape_json_string(k) + colon + json_text(v, sep, colon) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + sep.join(json_text(v, sep, colon) for v in value) + "]"
    return format_jsonb(value)


def parse_json_text(text: str) -> Any:
    """json text as a jsonb value (json functions work on its parsed form)."""
    return from_json(_json.loads(text, parse_float=Decimal))


# --- operators ---------------------------------------------------------------------------------

def _as_text(v: Any) -> Any:
    if v is MISSING or v is JSON_NULL:
        return None
    return v if isinstance(v, str) else format_jsonb(v)


def _nav(get, text_out: bool, is_json: bool):
    def impl(args, n, ctx, call) -> Column:
        def one(j, k):
            v = get(j, k)
            if is_json:
                return json_text_value(v) if text_out else None if v is MISSING else v
            return _as_text(v) if text_out else None if v is MISSING else v
        return map_nullable(one, args, n)
    return impl


for _prefix, _is_json in (("json", True), ("jsonb", False)):
    _get, _path = (json_get, json_path) if _is_json else (None, path)
    scalar(f"{_prefix}_object_field")(_nav(_get or field, False, _is_json))
    scalar(f"{_prefix}_object_field_text")(_nav(_get or field, True, _is_json))
    scalar(f"{_prefix}_array_element")(_nav(_get or element, False, _is_json))
    scalar(f"{_prefix}_array_element_text")(_nav(_get or element, True, _is_json))
    scalar(f"{_prefix}_extract_path_op")(_nav(_path, False, _is_json))
    scalar(f"{_prefix}_extract_path_text_op")(_nav(_path, True, _is_json))


def _variadic_path(text_out: bool, is_json: bool):
    nav = _nav(json_path if is_json else path, text_out, is_json)

    def impl(args, n, ctx, call) -> Column:
        keys = obj_array([[None if a.valid is not None and not a.valid[i] else a.data[i] for a in args[1:]]
                          for i in range(n)])
        return nav([args[0], Column(keys)], n, ctx, call)
    return impl


for _prefix, _is_json in (("json", True), ("jsonb", False)):
    scalar(f"{_prefix}_extract_path")(_variadic_path(False, _is_json))
    scalar(f"{_prefix}_extract_path_text")(_variadic_path(True, _is_json))


# --- containment, existence, concatenation ---------------------------------------------------------

def contains(a: Any, b: Any, top: bool = True) -> bool:
    """jsonb @>: objects by key, arrays by element (any order), scalars by equality."""
    if isinstance(a, dict):
        return isinstance(b, dict) and all(k in a and contains(a[k], v, False) for k, v in b.items())
    if isinstance(a, list):
        if isinstance(b, list):
            return all(any(contains(x, y, False) for x in a) for y in b)
        return top and not isinstance(b, dict) and any(_scalar_eq(x, b) for x in a)
    return not isinstance(b, (dict, list)) and _scalar_eq(a, b)


def _scalar_eq(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def exists(j: Any, key: str) -> bool:
    if isinstance(j, dict):
        return key in j
    if isinstance(j, list):
        return any(isinstance(x, str) and x == key for x in j)
    return isinstance(j, str) and j == key


def concat(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **b}
    left = a if isinstance(a, list) else [a]
    right = b if isinstance(b, list) else [b]
    return left + right


def delete(j: Any, key: Any) -> Any:
    if isinstance(key, str):
        if isinstance(j, dict):
            return {k: v for k, v in j.items() if k != key}
        if isinstance(j, list):
            return [x for x in j if not (isinstance(x, str) and x == key)]
        raise InvalidParameterValue("cannot delete from scalar")
    if not isinstance(j, list):
        raise InvalidParameterValue("cannot delete from object using integer index" if isinstance(j, dict)
                                    else "cannot delete from scalar")
    idx = int(key) + (len(j) if key < 0 else 0)
    return [x for i, x in enumerate(j) if i != idx]


scalar("jsonb_contains")(rows(contains, bool, False))
scalar("jsonb_contained")(rows(lambda a, b: contains(b, a), bool, False))
scalar("jsonb_exists")(rows(exists, bool, False))
scalar("jsonb_exists_any")(rows(lambda j, keys: any(k is not None and exists(j, k) for k in keys), bool, False))
scalar("jsonb_exists_all")(rows(lambda j, keys: all(k is None or exists(j, k) for k in keys), bool, False))
scalar("jsonb_concat")(rows(concat))
scalar("jsonb_delete", "jsonb_delete_idx")(rows(delete))


# --- functions ---------------------------------------------------------------------------------------

def typeof(j: Any) -> str:
    if isinstance(j, dict):
        return "object"
    if isinstance(j, list):
        return "array"
    if isinstance(j, str):
        return "string"
    if isinstance(j, bool):
        return "boolean"
    return "null" if j is JSON_NULL else "number"


def array_length(j: Any) -> int:
    if isinstance(j, list):
        return len(j)
    raise InvalidParameterValue("cannot get array length of a non-array" if isinstance(j, dict)
                                else "cannot get array length of a scalar")


def strip_nulls(j: Any) -> Any:
    if isinstance(j, dict):
        return {k: strip_nulls(v) for k, v in j.items() if v is not JSON_NULL}
    if isinstance(j, list):
        return [strip_nulls(v) for v in j]
    return j


def pretty(j: Any, indent: str = "") -> str:
    inner = indent + "    "
    if isinstance(j, (dict, list)) and not j:
        return ("{" if isinstance(j, dict) else "[") + "\n" + indent + ("}" if isinstance(j, dict) else "]")
    if isinstance(j, dict):
        items = [f"{inner}{escape_json_string(k)}: {pretty(j[k], inner)}" for k in sorted(j, key=jsonb_key_order)]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(j, list):
        return "[\n" + ",\n".join(inner + pretty(v, inner) for v in j) + "\n" + indent + "]"
    return format_jsonb(j)


scalar("jsonb_typeof")(rows(typeof))
scalar("json_typeof")(rows(lambda t: typeof(parse_json_text(t))))
scalar("jsonb_array_length")(rows(array_length, np.int32, 0))
scalar("json_array_length")(rows(lambda t: array_length(parse_json_text(t)), np.int32, 0))
scalar("jsonb_strip_nulls")(rows(strip_nulls))
scalar("jsonb_pretty")(rows(pretty))


def _row_values(args, arg_exprs, ctx, i: int) -> list:
    return [JSON_NULL if a.valid is not None and not a.valid[i] else to_jsonb_value(a.data[i], e.type, ctx)
            for a, e in zip(args, arg_exprs)]


def _build_object(is_json: bool):
    def impl(args, n, ctx, call) -> Column:
        fname = "json_build_object" if is_json else "jsonb_build_object"
        if len(args) % 2:
            raise InvalidParameterValue("argument list must have even number of elements",
                                        hint=f"The arguments of {fname}() must consist of alternating keys and values.")
        for k in range(0, len(args), 2):
            kt = call.args[k].type.pg
            if kt.is_array or kt.name in ("record", "json", "jsonb"):
                raise InvalidParameterValue("key value must be scalar, not array, composite, or json")
        out = []
        for i in range(n):
            keys = []
            for k in range(0, len(args), 2):
                if args[k].valid is not None and not args[k].valid[i]:
                    raise InvalidParameterValue(f"argument {k + 1} cannot be null", hint="Object keys should be text.")
                key = args[k].data[i]
                keys.append(key if isinstance(key, str) else format_jsonb(bool(key)) if call.args[k].type.pg is BOOL
                            else as_text(key, call.args[k].type, ctx))
            if is_json:  # text as built: keys stay in order, duplicates too; each value as to_json prints it
                values = _element_texts(args[1::2], call.args[1::2], ctx, i)
                out.append("{" + ", ".join(escape_json_string(k) + " : " + v for k, v in zip(keys, values)) + "}")
            else:
                out.append(dict(zip(keys, _row_values(args[1::2], call.args[1::2], ctx, i))))
        return Column(obj_array(out))
    return impl


def _element_texts(args, arg_exprs, ctx, i: int) -> list[str]:
    return ["null" if a.valid is not None and not a.valid[i] else to_json_text(a.data[i], e.type, ctx)
            for a, e in zip(args, arg_exprs)]


def _build_array(is_json: bool):
    def impl(args, n, ctx, call) -> Column:
        if is_json:
            return Column(obj_array(["[" + ", ".join(_element_texts(args, call.args, ctx, i)) + "]" for i in range(n)]))
        return Column(obj_array([_row_values(args, call.args, ctx, i) for i in range(n)]))
    return impl


scalar("json_build_object")(_build_object(True))
scalar("jsonb_build_object")(_build_object(False))
scalar("json_build_array")(_build_array(True))
scalar("jsonb_build_array")(_build_array(False))


def _to_json(is_json: bool):
    def impl(args, n, ctx, call) -> Column:
        t = call.args[0].type
        valid = args[0].valid
        convert = to_json_text if is_json else to_jsonb_value
        return Column(obj_array([convert(v, t, ctx) if valid is None or valid[i] else None
                                 for i, v in enumerate(args[0].data)]), valid)
    return impl


scalar("to_json")(_to_json(True))
scalar("to_jsonb")(_to_json(False))
scalar("row_to_json", "array_to_json")(_to_json(True))


@scalar("row_to_json_pretty", "array_to_json_pretty")
def to_json_pretty(args, n, ctx, call) -> Column:
    """row_to_json(r, true) / array_to_json(a, true): a line feed between top-level elements."""
    t = call.args[0].type
    out = []
    for i, (v, pretty) in enumerate(zip(args[0].data, args[1].data)):
        if args[0].valid is not None and not args[0].valid[i]:
            out.append(None)
            continue
        value = to_jsonb_value(v, t, ctx)
        if not pretty or not isinstance(value, (dict, list)):
            out.append(json_text(value, ",", ":"))
        elif isinstance(value, dict):
            out.append("{" + ",\n ".join(escape_json_string(k) + ":" + json_text(x, ",", ":")
                                          for k, x in value.items()) + "}")
        else:
            out.append("[" + ",\n ".join(json_text(x, ",", ":") for x in value) + "]")
    valid = np.fromiter((v is not None for v in out), dtype=bool, count=n)
    return Column(obj_array(out), None if valid.all() else valid)


# how _set_path changes the item a path leads to (jsonfuncs.c's JB_PATH_* operations)
SET, REPLACE, INSERT_BEFORE, INSERT_AFTER = "set", "replace", "before", "after"


def _set_path(target: Any, path: list, value: Any, op: str, level: int = 1) -> Any:
    """jsonb_set (SET: replace or add; REPLACE: only replace) and jsonb_insert (INSERT_*: add into
    an array before/after the position, or a new object key) at `path`. A path that leads nowhere
    changes nothing."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(target, dict):
        if head in target:
            if not rest and op in (INSERT_BEFORE, INSERT_AFTER):
                raise InvalidParameterValue("cannot replace existing key",
                                            hint="Try using the function jsonb_set to replace key value.")
            out = dict(target)
            out[head] = _set_path(target[head], rest, value, op, level + 1)
            return out
        if rest or op == REPLACE:
            return target
        return {**target, head: value}
    if isinstance(target, list):
        try:
            index = int(head)
        except ValueError:
            raise InvalidTextRepresentation(
                f'path element at position {level} is not an integer: "{head}"') from None
        size = len(target)
        pos = index + size if index < 0 else index
        if not rest and op in (INSERT_BEFORE, INSERT_AFTER):
            if pos < 0:
                return [value] + target
            pos = min(pos + (op == INSERT_AFTER), size)
            return target[:pos] + [value] + target[pos:]
        if 0 <= pos < size:
            return target[:pos] + [_set_path(target[pos], rest, value, op, level + 1)] + target[pos + 1:]
        if rest or op == REPLACE:
            return target
        return [value] + target if pos < 0 else target + [value]
    if level == 1:
        raise InvalidParameterValue("cannot set path in scalar")
    return target


def _path_changer(flag_op: tuple[str, str], default: bool):
    """jsonb_set(target, path, value[, create_if_missing]) and jsonb_insert(target, path, value
    [, insert_after]): the optional flag picks between two operations."""
    def impl(args, n, ctx, call) -> Column:
        out = []
        for i in range(n):
            target, path, value = args[0].data[i], args[1].data[i], args[2].data[i]
            flag = bool(args[3].data[i]) if len(args) > 3 else default
            for k, p in enumerate(path):
                if p is None:
                    raise NullValueNotAllowed(f"path element at position {k + 1} is null")
            out.append(_set_path(target, list(path), value, flag_op[flag]))
        return Column(obj_array(out))
    return impl


scalar("jsonb_set")(_path_changer((REPLACE, SET), default=True))
scalar("jsonb_insert")(_path_changer((INSERT_BEFORE, INSERT_AFTER), default=False))


# --- aggregates ------------------------------------------------------------------------------------

def _values(col: Column, t, ctx) -> np.ndarray:
    valid = col.valid
    return obj_array([to_jsonb_value(v, t, ctx) if valid is None or valid[i] else JSON_NULL
                      for i, v in enumerate(col.data)])




def _json_agg(is_json: bool):
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        t = agg.args[0].type
        if is_json:  # rows and arrays start on a new line after the first, as json_agg_transfn does
            sep = ", \n " if t.pg.is_array or is_rowtype(t.pg) else ", "
            col = args[0]
            texts = obj_array([to_json_text(v if col.valid is None or col.valid[i] else None, t, ctx)
                               for i, v in enumerate(col.data)])
            lists = group_lists(texts, group_ids, ngroups)
            out = [None if not lst else "[" + sep.join(lst) + "]" for lst in lists]
        else:
            lists = group_lists(_values(args[0], t, ctx), group_ids, ngroups)
            out = [None if not lst else lst for lst in lists]
        present = np.asarray([bool(lst) for lst in lists], dtype=bool)
        return Column(obj_array(out), None if present.all() else present)
    return impl


def _json_object_agg(is_json: bool):
    def impl(args, group_ids, ngroups, ctx, agg) -> Column:
        if args[0].valid is not None and not args[0].valid.all():
            raise InvalidParameterValue("field name must not be null")
        keys = [k if isinstance(k, str) else as_text(k, agg.args[0].type, ctx) for k in args[0].data]
        vals = _values(args[1], agg.args[1].type, ctx)
        objs: list = [None] * ngroups
        for k, v, g in zip(keys, vals, group_ids.tolist()):
            if objs[g] is None:
                objs[g] = {}
            objs[g][k] = v
        out = [None if o is None else ("{ " + ", ".join(f"{escape_json_string(k)} : {json_text(v)}"
                                                         for k, v in o.items()) + " }") if is_json else o
               for o in objs]
        present = np.asarray([o is not None for o in objs], dtype=bool)
        return Column(obj_array(out), None if present.all() else present)
    return impl


aggregate("json_agg")(_json_agg(True))
aggregate("jsonb_agg")(_json_agg(False))
aggregate("json_object_agg")(_json_object_agg(True))
aggregate("jsonb_object_agg")(_json_object_agg(False))
