"""Evaluate `name(args)` / `a op b` the way the engine will: resolve, cast, call the impl,
print the result as PostgreSQL's output function would. Arguments are (text, type) pairs
(text None = NULL), so expected values can be copied from psql."""

from __future__ import annotations

import numpy as np

from quantadb.exec.context import EvalContext
from quantadb.exec.functions import AGGREGATES, SCALARS, SETFNS
from quantadb.exec.functions.aggregates import distinct_input
from quantadb.exec.functions.support import and_valid
from quantadb.sql.expr import AggRef, Call, Const
from quantadb.sql.functions import resolve_function, resolve_operator
from quantadb.types import registry as R
from quantadb.types.casts import cast_column
from quantadb.types.codecs import format_value, parse_text
from quantadb.types.column import Column
from quantadb.types.context import FormatContext
from quantadb.types.registry import SqlType

# 2024-05-06 07:08:09.5 UTC, for now()/current_date/age(ts).
TXN_START_US = 768_294_489_500_000


def context(timezone: str = "UTC") -> EvalContext:
    return EvalContext(FormatContext(timezone=timezone), txn_start_us=TXN_START_US, stmt_start_us=TXN_START_US)


def typ(name: str) -> SqlType:
    return SqlType(R.lookup(name))


def column(values: list, t: SqlType, ctx: EvalContext) -> Column:
    parsed = [None if v is None else parse_text(t, v, ctx.format) for v in values]
    valid = np.array([v is not None for v in values], dtype=bool)
    if t.pg.dtype == object:
        data = np.empty(len(parsed), dtype=object)
        data[:] = parsed
    else:
        data = np.array([0 if v is None else v for v in parsed], dtype=t.pg.dtype)
    return Column(data, None if valid.all() else valid)


def show(col: Column, t: SqlType, ctx: EvalContext) -> list:
    return [None if col.valid is not None and not col.valid[i] else format_value(t, v, ctx.format)
            for i, v in enumerate(col.data.tolist() if col.data.dtype != object else col.data)]


def _prepare(match, args, ctx):
    cols, exprs = [], []
    for (values, t), target in zip(args, match.arg_types):
        col = column(values, t, ctx)
        if t.pg is not target.pg:
            col = cast_column(col, t, target, ctx.format, explicit=False)
        cols.append(col)
        exprs.append(Const(None, target))
    return cols, exprs


def evaluate(name: str, *args: tuple, op: bool = False, timezone: str = "UTC") -> list:
    """Column-wise: each arg is ([texts...], type name) or (text, type name) for one row."""
    ctx = context(timezone)
    norm = [(list(v) if isinstance(v, list) else [v], typ(t)) for v, t in args]
    n = max((len(v) for v, _ in norm), default=1)
    norm = [(v * n if len(v) == 1 else v, t) for v, t in norm]
    if op:
        match = resolve_operator(name, norm[0][1] if len(norm) == 2 else None, norm[-1][1])
    else:
        match = resolve_function(name, [t for _, t in norm])
    cols, exprs = _prepare(match, norm, ctx)
    call = Call(name, match.sig.impl, exprs, match.ret, match.sig.strict, match.sig.volatile)
    out = SCALARS[match.sig.impl](cols, n, ctx, call)
    if match.sig.strict:
        valid = and_valid(cols + [out])
        out = Column(out.data, valid)
    return show(out, match.ret, ctx)


def one(name: str, *args: tuple, op: bool = False, timezone: str = "UTC"):
    return evaluate(name, *args, op=op, timezone=timezone)[0]


def aggregate(name: str, *args: tuple, groups: list[int] | None = None, distinct: bool = False) -> list:
    """Aggregate over rows; `groups` gives each row's group (default: one group)."""
    ctx = context()
    norm = [(list(v), typ(t)) for v, t in args]
    match = resolve_function(name, [t for _, t in norm])
    cols, exprs = _prepare(match, norm, ctx)
    n = len(norm[0][0]) if norm else len(groups or [])
    gids = np.array(groups if groups is not None else [0] * n, dtype=np.int64)
    ngroups = int(gids.max()) + 1 if len(gids) else 1
    agg = AggRef(name, match.sig.impl, exprs, match.ret, distinct)
    if distinct:
        cols, gids = distinct_input(cols, gids)
    out = AGGREGATES[match.sig.impl](cols, gids, ngroups, ctx, agg)
    return show(out, match.ret, ctx)


def series(name: str, *args: tuple) -> list:
    ctx = context()
    norm = [([v], typ(t)) for v, t in args]
    match = resolve_function(name, [t for _, t in norm])
    cols, exprs = _prepare(match, norm, ctx)
    call = Call(name, match.sig.impl, exprs, match.ret)
    _, outs = SETFNS[match.sig.impl](cols, 1, ctx, call)
    return show(outs[0], match.ret, ctx)
