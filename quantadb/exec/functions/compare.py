"""Comparison operators (= <> < <= > >=) for every comparable type, boolean NOT, and the
`op ANY(array)` / `op ALL(array)` wrappers the binder reaches through impl "<cmp>@any"/"@all".

Strings compare by code point (C collation); bpchar ignores trailing spaces; float NaN equals
NaN and sorts above every number (float.c); numeric NaN likewise; intervals compare as spans.
"""

from __future__ import annotations

import operator

import numpy as np

from quantadb.exec.functions import SCALARS, scalar
from quantadb.exec.functions.support import and_valid, obj_array, scaled_or
from quantadb.types import scaled
from quantadb.types.column import Column
from quantadb.types.jsonb import jsonb_sort_key

OPS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
       "ge": operator.ge}
NATIVE = ("int2", "int4", "int8", "oid", "bool", "date_", "time_", "timestamp_", "timestamptz_", "tid", "xid8")
OBJECT = ("text_", "name", "char", "bytea", "uuid_", "interval_", "bit_", "range_")  # bit strings: '0'/'1' text;
# ranges order as range_cmp (types/ranges.py)


def _native(op: str):
    fn = OPS[op]

    def impl(args, n, ctx, call) -> Column:
        return Column(fn(args[0].data, args[1].data))
    return impl


def _float(op: str):
    fn = OPS[op]

    def impl(args, n, ctx, call) -> Column:
        a, b = args[0].data, args[1].data
        na, nb = np.isnan(a), np.isnan(b)
        if not (na.any() or nb.any()):
            return Column(fn(a, b))
        # NaN is one value, larger than any other: compare (is_nan, value) pairs.
        fa, fb = np.where(na, 0, a), np.where(nb, 0, b)
        lt = (~na & nb) | (~na & ~nb & (fa < fb))
        eq = (na & nb) | (~na & ~nb & (fa == fb))
        return Column({"eq": eq, "ne": ~eq, "lt": lt, "le": lt | eq, "gt": ~(lt | eq), "ge": ~lt}[op])
    return impl


def _object(op: str, key=None):
    """Compare object arrays on the rows where both sides are non-NULL (filler may be None)."""
    fn = OPS[op]

    def impl(args, n, ctx, call) -> Column:
        a, b = args[0].data, args[1].data
        valid = and_valid(args)
        if key is not None:
            return Column(_keyed(fn, key, a, b, valid, n))
        if valid is None:
            return Column(np.asarray(fn(a, b), dtype=bool))
        out = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(valid)
        out[idx] = fn(a[idx], b[idx])
        return Column(out)
    return impl


def _keyed(fn, key, a, b, valid, n) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    rows = range(n) if valid is None else np.flatnonzero(valid)
    for i in rows:
        out[i] = fn(key(a[i]), key(b[i]))
    return out


def _rstrip(s: str) -> str:
    return s.rstrip(" ")


def _bpchar(op: str):
    """bpchar comparisons ignore trailing spaces. `=` / `<>` run as whole-array object compares
    (in C): equal strings are equal; of the others, only those that sort between the shorter one
    and it followed by "!" can differ by trailing spaces alone, and only those are stripped."""
    slow = _object(op, _rstrip)
    if op not in ("eq", "ne"):
        return slow

    def impl(args, n, ctx, call) -> Column:
        a, b = args[0].data, args[1].data
        valid = and_valid(args)
        if valid is not None:
            a, b = a.copy(), b.copy()
            a[~valid] = ""
            b[~valid] = ""
        try:
            eq = _bpchar_eq(a, b, n)
        except TypeError:  # not all str: the per-value path decides
            return slow(args, n, ctx, call)
        if valid is not None:
            eq &= valid
        return Column(eq if op == "eq" else (~eq if valid is None else ~eq & valid))
    return impl


def _bpchar_eq(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    if not n:
        return np.zeros(0, dtype=bool)
    for const, other in ((b, a), (a, b)):
        k = const[0]
        if isinstance(k, str) and (const[-1] is k or const[-1] == k) and bool((const == k).all()):
            key = k.rstrip(" ")
            eq = np.asarray(other == key, dtype=bool)
            if key != k:
                eq |= np.asarray(other == k, dtype=bool)
            width = len(other[0]) if isinstance(other[0], str) else 0
            if width > len(key) and width != len(k):  # a char(n) column holds values padded to n
                eq |= np.asarray(other == key.ljust(width), dtype=bool)
            # strings that are `key` plus trailing spaces sort in [key, key + "!")
            maybe = ~eq & np.asarray(other > key, dtype=bool) & np.asarray(other < key + "!", dtype=bool)
            for i in np.flatnonzero(maybe):
                eq[i] = other[i].rstrip(" ") == key
            return eq
    eq = np.asarray(a == b, dtype=bool)
    for i in np.flatnonzero(~eq):
        eq[i] = a[i].rstrip(" ") == b[i].rstrip(" ")
    return eq


def numeric_key(d):
    """NaN sorts above everything, including +Infinity."""
    return (1, 0) if d.is_nan() else (0, d)


def array_key(v):
    """Arrays compare element-wise; a NULL element sorts above any value."""
    return [(1,) if x is None else (0, x) for x in v]


def _numeric(op: str):
    plain, keyed = _object(op), _object(op, numeric_key)

    def exact(args, n, ctx, call) -> Column:
        try:
            res = plain(args, n, ctx, call)
        except ArithmeticError:  # NaN in an ordering comparison
            return keyed(args, n, ctx, call)
        if op in ("eq", "ne"):
            a, b = args[0].data, args[1].data
            both_nan = (a != a) & (b != b)
            if both_nan.any():
                res.data[both_nan] = op == "eq"
        return res
    return scaled_or(lambda a, b: _bool_column(scaled.compare(a, b, op)), exact)


def _bool_column(data: np.ndarray | None) -> Column | None:
    return None if data is None else Column(data)


for _op in OPS:
    for _p in NATIVE:
        scalar(_p + _op)(_native(_op))
    for _p in ("int24", "int42", "int28", "int82", "int48", "int84", "xid", "xidint4"):
        scalar(_p + _op)(_native(_op))
    for _p in ("float4", "float8", "float48", "float84"):
        scalar(_p + _op)(_float(_op))
    for _p in OBJECT:
        scalar(_p + _op)(_object(_op))
    scalar("bpchar" + _op)(_bpchar(_op))
    scalar("numeric_" + _op)(_numeric(_op))
    scalar("jsonb_" + _op)(_object(_op, jsonb_sort_key))
    scalar("array_" + _op)(_object(_op, array_key))
    scalar("timetz_" + _op)(_object(_op, lambda t: t))


@scalar("boolnot")
def boolnot(args, n, ctx, call) -> Column:
    return Column(~args[0].data)


# --- op ANY(array) / op ALL(array) ------------------------------------------------------------

def _array_op(base: str, use_or: bool):
    """Three-valued OR (ANY) / AND (ALL) of `value op element` over each row's array."""
    def impl(args, n, ctx, call) -> Column:
        left, arr = args
        row_ok = and_valid(args)
        rows = np.ones(n, dtype=bool) if row_ok is None else row_ok
        arrays = [arr.data[i] if rows[i] else [] for i in range(n)]
        lengths = np.fromiter((len(x) for x in arrays), dtype=np.int64, count=n)
        flat = obj_array([x for a in arrays for x in a])
        present = np.fromiter((x is not None for x in flat), dtype=bool, count=len(flat))
        owner = np.repeat(np.arange(n), lengths)
        lvals = left.data[owner]
        if left.data.dtype != object:
            filler = lvals[0] if len(lvals) else 0
            flat = np.where(present, flat, filler).astype(left.data.dtype)
        res = SCALARS[base]([Column(lvals), Column(flat, present)], len(flat), ctx, call).data & present
        hits = np.bincount(owner, weights=(res if use_or else ~res & present), minlength=n) > 0
        nulls = np.bincount(owner, weights=~present, minlength=n) > 0
        if use_or:
            data, valid = hits, rows & (hits | ~nulls)
        else:
            data, valid = ~hits, rows & (hits | ~nulls)
        return Column(data & valid, None if valid.all() else valid)
    return impl


def register_array_ops(names: list[str]) -> None:
    """Register "<name>@any" and "<name>@all" for each boolean operator impl."""
    for name in names:
        scalar(name + "@any")(_array_op(name, True))
        scalar(name + "@all")(_array_op(name, False))


register_array_ops([p + op for op in OPS for p in NATIVE + OBJECT + (
    "int24", "int42", "int28", "int82", "int48", "int84", "float4", "float8", "float48", "float84", "bpchar",
    "numeric_", "jsonb_", "array_", "timetz_")])
