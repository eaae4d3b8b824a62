"""Array functions and operators (arrayfuncs.c, array_userfuncs.c) over one-dimensional arrays
(a value is a Python list; None elements are NULLs; lower bound 1)."""

from __future__ import annotations

import numpy as np

from quantadb.errors import ArraySubscriptError, DataException, FeatureNotSupported, NullValueNotAllowed
from quantadb.exec.functions import scalar
from quantadb.exec.functions.compare import array_key
from quantadb.exec.functions.strings import as_text, rows
from quantadb.exec.functions.support import map_nullable, obj_array
from quantadb.types.arrays import array_dims, flatten
from quantadb.types.column import Column
from quantadb.types.registry import SqlType, element_of


def _dim_length(arr: list, dim: int):
    """Length of dimension `dim` (nested lists are the inner dimensions); None if there is none."""
    dims = array_dims(arr) if arr else []
    return dims[int(dim) - 1] if 1 <= int(dim) <= len(dims) else None


scalar("array_length")(lambda args, n, ctx, call: map_nullable(_dim_length, args, n, np.int32))
scalar("array_upper")(lambda args, n, ctx, call: map_nullable(_dim_length, args, n, np.int32))
scalar("array_lower")(lambda args, n, ctx, call: map_nullable(lambda a, d: 1 if _dim_length(a, d) else None,
                                                              args, n, np.int32))
scalar("array_cardinality")(rows(lambda a: len(flatten(a)), np.int32, 0))  # every element, of all dimensions


def _values(col: Column, n: int) -> list:
    if col.valid is None:
        return list(col.data)
    return [v if ok else None for v, ok in zip(col.data, col.valid)]


def _nullable_pair(fn):
    """Non-strict two-argument array functions: fn(a, b) with None for NULL; returns None for NULL."""
    def impl(args, n, ctx, call) -> Column:
        out = [fn(a, b) for a, b in zip(_values(args[0], n), _values(args[1], n))]
        valid = np.fromiter((v is not None for v in out), dtype=bool, count=n)
        data = obj_array(out)
        if call is not None and call.type.pg.name == "int4":
            data = np.where(valid, data, 0).astype(np.int32)
        return Column(data, None if valid.all() else valid)
    return impl


def _position(arr, value):
    if arr is None:
        return None
    for i, x in enumerate(arr):
        if x == value if value is not None else x is None:
            return i + 1
    return None


scalar("array_position")(_nullable_pair(_position))
def _one_dimensional(a: list | None) -> list:
    if a and isinstance(a[0], list):
        raise DataException("argument must be empty or one-dimensional array")
    return a or []


def _array_cat(a: list | None, b: list | None) -> list | None:
    """array_cat: arrays of equal rank join along the first dimension; an array one rank lower
    becomes a new first or last element of the other (array_userfuncs.c)."""
    if not a or not b:
        return b if not a and b is not None else a if a is not None else b
    da, db = array_dims(a), array_dims(b)
    if len(da) == len(db) and da[1:] == db[1:]:
        return a + b
    if len(da) + 1 == len(db) and da == db[1:]:
        return [a] + b
    if len(da) == len(db) + 1 and da[1:] == db:
        return a + [b]
    detail = ("Arrays with differing element dimensions are not compatible for concatenation."
              if abs(len(da) - len(db)) <= 1 else
              f"Arrays of {len(da)} and {len(db)} dimensions are not compatible for concatenation.")
    raise ArraySubscriptError("cannot concatenate incompatible arrays", detail=detail)


scalar("array_append")(_nullable_pair(lambda a, v: _one_dimensional(a) + [v]))
scalar("array_prepend")(_nullable_pair(lambda v, a: [v] + _one_dimensional(a)))
scalar("array_cat")(_nullable_pair(_array_cat))
@scalar("array_replace")
def array_replace(args, n, ctx, call) -> Column:
    """Every element equal to the second argument (NULL: every NULL) replaced by the third."""
    arrays, old, new = (_values(a, n) for a in args)

    def replace(arr, o, v):
        return None if arr is None else [v if (x is None if o is None else x == o) else x for x in arr]
    out = [replace(a, o, v) for a, o, v in zip(arrays, old, new)]
    valid = np.fromiter((v is not None for v in out), dtype=bool, count=n)
    return Column(obj_array(out), None if valid.all() else valid)


@scalar("array_assign")
def array_assign(args, n, ctx, call) -> Column:
    """`UPDATE ... SET a[i] = v`: the array with element i set, extended with NULLs past its end
    (a NULL array as an empty one). Lower bounds other than 1 are not kept (types/arrays.py), so
    a subscript below 1, or past 1 into an empty array, is refused rather than stored shifted."""
    arrays, index, value = (_values(a, n) for a in args)
    out = []
    for arr, i, v in zip(arrays, index, value):
        if i is None:
            raise NullValueNotAllowed("array subscript in assignment must not be null")
        arr = list(arr or [])
        if arr and isinstance(arr[0], list):
            raise FeatureNotSupported("assignment to an element of a multidimensional array is not supported")
        if i < 1 or (not arr and i != 1):
            raise FeatureNotSupported("array lower bounds other than 1 are not supported")
        arr.extend([None] * (i - len(arr)))
        arr[i - 1] = v
        out.append(arr)
    return Column(obj_array(out))


scalar("array_remove")(_nullable_pair(lambda a, v: None if a is None else
                                      [x for x in a if not (x is None if v is None else x == v)]))


def _elements(arr: list) -> set:
    return {array_key([x])[0] for x in arr if x is not None}


scalar("arraycontains")(rows(lambda a, b: all(x is not None for x in b) and _elements(b) <= _elements(a),
                             bool, False))
scalar("arraycontained")(rows(lambda a, b: all(x is not None for x in a) and _elements(a) <= _elements(b),
                              bool, False))
scalar("arrayoverlap")(rows(lambda a, b: bool(_elements(a) & _elements(b)), bool, False))


@scalar("array_to_text")
def array_to_text(args, n, ctx, call) -> Column:
    """array_to_string(arr, delim [, null_string]): NULL elements are skipped without null_string."""
    arr_t = call.args[0].type
    elem = SqlType(element_of(arr_t.pg)) if arr_t.pg.is_array else arr_t
    arrs, delims = _values(args[0], n), _values(args[1], n)
    nulls = _values(args[2], n) if len(args) > 2 else [None] * n
    out, valid = [], np.ones(n, dtype=bool)
    for arr, d, ns in zip(arrs, delims, nulls):
        if arr is None or d is None:
            out.append(None)
            valid[len(out) - 1] = False
            continue
        parts = [as_text(x, elem, ctx) if x is not None else ns for x in arr]
        out.append(d.join(p for p in parts if p is not None))
    return Column(obj_array(out), None if valid.all() else valid)


def _dims_text(arr: list) -> str | None:
    """array_dims: '[1:2][1:3]' (lower bounds are always 1 here); NULL for an empty array."""
    dims = array_dims(arr) if arr else []
    return "".join(f"[1:{d}]" for d in dims) or None


scalar("array_dims")(lambda args, n, ctx, call: map_nullable(_dims_text, args, n))
scalar("array_positions")(_nullable_pair(lambda a, v: None if a is None else
                                         [i for i, x in enumerate(a, 1) if (x is None if v is None else x == v)]))


def _trim_array(arr: list, count: int) -> list:
    if not 0 <= int(count) <= len(arr):
        raise ArraySubscriptError("number of elements to trim must be between 0 and " + str(len(arr)))
    return arr[:len(arr) - int(count)]


scalar("trim_array")(rows(_trim_array))


@scalar("array_fill")
def array_fill(args, n, ctx, call) -> Column:
    """array_fill(value, dims): a (multi-dimensional) array of `value`; the value may be NULL."""
    values, dims = _values(args[0], n), _values(args[1], n)

    def fill(v, shape):
        if shape is None or any(d is None for d in shape):
            raise DataException("dimension array or low bound array cannot be null")
        out: object = v
        for d in reversed(shape):
            out = [out if not isinstance(out, list) else list(out) for _ in range(int(d))]
        return out if shape else []
    out = [fill(v, d) for v, d in zip(values, dims)]
    return Column(obj_array(out))
