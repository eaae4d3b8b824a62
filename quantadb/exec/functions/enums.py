"""Enum operators and functions: comparisons by declaration order (enum_lt & co.) and
enum_first / enum_last / enum_range. The order is the labels' (types/enums.py): each side's
distinct labels map to their positions once, then numpy compares the positions."""

from __future__ import annotations

import numpy as np

from quantadb.errors import InvalidParameterValue
from quantadb.exec.functions import SCALARS, scalar
from quantadb.exec.functions.compare import OPS
from quantadb.exec.functions.support import obj_array
from quantadb.types import enums
from quantadb.types.column import Column


def _compare(op: str):
    fn = OPS[op]

    def impl(args, n, ctx, call) -> Column:
        t = call.args[0].type.pg
        return Column(fn(enums.ranks(t, args[0]), enums.ranks(t, args[1])))
    return impl


for _op in OPS:  # equal labels are equal values: = and <> compare the labels as text's do (no type needed)
    scalar("enum_" + _op)(SCALARS["text_" + _op] if _op in ("eq", "ne") else _compare(_op))


def _labels(call):
    t = call.args[0].type.pg
    if not enums.is_enum(t):  # enum_first(NULL) with no type: PostgreSQL's check_enum_type
        raise InvalidParameterValue("could not determine actual enum type")
    return enums.labels_of(t).labels


def _safe(call, labels) -> None:
    """Every label listed must be committed (types/enums.py check_safe)."""
    for label in labels:
        enums.check_safe(call.args[0].type.pg, label)


@scalar("enum_first")
def enum_first(args, n, ctx, call) -> Column:
    labels = _labels(call)
    _safe(call, labels[:1])
    return Column(obj_array([labels[0] if labels else None] * n), None if labels else np.zeros(n, dtype=bool))


@scalar("enum_last")
def enum_last(args, n, ctx, call) -> Column:
    labels = _labels(call)
    _safe(call, labels[-1:])
    return Column(obj_array([labels[-1] if labels else None] * n), None if labels else np.zeros(n, dtype=bool))


@scalar("enum_range")
def enum_range(args, n, ctx, call) -> Column:
    """enum_range(e): every label; enum_range(lo, hi): lo..hi inclusive, a NULL bound open."""
    labels = _labels(call)
    if len(args) == 1:
        _safe(call, labels)
        return Column(obj_array([list(labels) for _ in range(n)]))
    rank = enums.labels_of(call.args[0].type.pg).rank
    out = []
    for i in range(n):
        lo = args[0].valid is None or args[0].valid[i]
        hi = args[1].valid is None or args[1].valid[i]
        start = rank[args[0].data[i]] if lo else 0
        stop = rank[args[1].data[i]] + 1 if hi else len(labels)
        _safe(call, labels[start:stop])
        out.append(list(labels[start:stop]))
    return Column(obj_array(out))

