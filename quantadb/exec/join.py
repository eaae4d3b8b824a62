"""Joins: hash join on the equality conjuncts of the condition, nested loop otherwise, LATERAL
by re-running the right side per left row. Outer joins pad the unmatched side with NULLs; semi
and anti joins give the left rows that match, or do not (sql/decorrelate.py)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Iterator

import numpy as np

from quantadb.exec.columns import OBJECT, column_values, concat_columns, take
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate, evaluate_predicate
from quantadb.exec.instrument import record
from quantadb.exec.keys import factorize_rows
from quantadb.sql import plan as P
from quantadb.sql.expr import Const, Expr
from quantadb.sql.joins import split_equi_keys
from quantadb.types import registry as R
from quantadb.types.column import Batch, Column, null_column
from quantadb.types.registry import SqlType

_PAIR_CHUNK = 1 << 20  # rows of a cross product evaluated at once
LOOKUP_FRACTION = 64  # an index lookup of the right table pays off below one left row per 64 of its rows


def run_join(plan: P.Join, ctx: EvalContext, run: Callable, run_all: Callable) -> Iterator[Batch]:
    if plan.index_lookup is not None and plan.index_lookup[0] == "left":
        right = run_all(plan.right, ctx)
        left = _run_looked_up(plan.left, plan.index_lookup, right, ctx, run_all)
    else:
        left = run_all(plan.left, ctx)
        if plan.lateral:
            yield _lateral(plan, left, ctx, run_all)
            return
        right = _run_looked_up(plan.right, plan.index_lookup, left, ctx, run_all)
    yield from join_inputs(plan, left, right, ctx)


def join_inputs(plan: P.Join, left: Batch, right: Batch, ctx: EvalContext) -> Iterator[Batch]:
    """The rows of a (not LATERAL) join, given the rows of its two inputs."""
    nleft = len(plan.left.columns)
    left_keys, right_keys, residual = split_equi_keys(plan.condition, nleft)
    if left_keys and plan.kind != "cross":
        li, ri = _hash_pairs(left, right, left_keys, right_keys, ctx)
    else:
        li, ri = _all_pairs(left.length, right.length)
        residual = plan.condition if plan.kind != "cross" else None
    yield from _emit(plan, left, right, li, ri, residual, ctx)


def _run_looked_up(side: P.Plan, lookup: tuple | None, other: Batch, ctx: EvalContext, run_all: Callable) -> Batch:
    """The rows of a join side: its index lookup (index_paths.use_index_lookups) with the other
    side's distinct keys when they are few against the table's rows, else the side as bound.
    EXPLAIN ANALYZE shows the lookup's rows and time (`ctx.explain_timings`) as those of its scan."""
    if lookup is None:
        return run_all(side, ctx)
    _, keys, scan = lookup
    started = time.perf_counter()
    if other.length * LOOKUP_FRACTION > ctx.services.store.table(scan.rel_oid).live_estimate:
        rows = run_all(side, ctx)
    else:
        rows = run_all(replace(scan, any_of=_key_lists(keys, other, ctx), paired=True), ctx)
    record(ctx, scan, rows.length, time.perf_counter() - started)
    return rows


def _key_lists(keys: list[Expr], other: Batch, ctx: EvalContext) -> list[Expr]:
    """The other side's distinct keys, as one array per key column (read in step)."""
    rows = list(zip(*(column_values(evaluate(k, other, ctx)) for k in keys)))
    try:
        rows = list(dict.fromkeys(rows))
    except TypeError:  # unhashable values (none an index of these types holds): every one
        pass
    columns = list(zip(*rows)) if rows else [() for _ in keys]
    return [Const(list(c), SqlType(R.array_of(k.type.pg))) for c, k in zip(columns, keys)]


def _hash_pairs(left: Batch, right: Batch, left_keys, right_keys, ctx) -> tuple[np.ndarray, np.ndarray]:
    lk = [evaluate(k, left, ctx) for k in left_keys]
    rk = [evaluate(k, right, ctx) for k in right_keys]
    combined = []
    ok = np.ones(left.length + right.length, dtype=bool)
    for a, b in zip(lk, rk):
        dtype = OBJECT if OBJECT in (a.data.dtype, b.data.dtype) else np.result_type(a.data.dtype, b.data.dtype)
        col = concat_columns([Column(a.data.astype(dtype, copy=False), a.valid),
                              Column(b.data.astype(dtype, copy=False), b.valid)], dtype)
        if col.valid is not None:
            ok &= col.valid
        combined.append(col)
    codes, k = factorize_rows(combined)
    lcodes = codes[:left.length]
    rcodes = codes[left.length:]
    lvalid = np.flatnonzero(ok[:left.length])
    rvalid = np.flatnonzero(ok[left.length:])
    order = rvalid[np.argsort(rcodes[rvalid], kind="stable")]  # right rows grouped by key, in input order
    per_key = np.bincount(rcodes[rvalid], minlength=k)  # codes are dense: probe by direct address
    lc = lcodes[lvalid]
    counts = per_key[lc]
    start = (np.cumsum(per_key) - per_key)[lc]
    li = np.repeat(lvalid, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    ri = order[np.repeat(start, counts) + offsets]
    return li, ri


def _all_pairs(nl: int, nr: int) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(nl), nr), np.tile(np.arange(nr), nl)


def _emit(plan: P.Join, left: Batch, right: Batch, li, ri, residual, ctx) -> Iterator[Batch]:
    if residual is not None and len(li):
        keep = np.zeros(len(li), dtype=bool)
        for s in range(0, len(li), _PAIR_CHUNK):
            sl = slice(s, s + _PAIR_CHUNK)
            pairs = _pair_batch(left, right, li[sl], ri[sl])
            keep[sl] = evaluate_predicate(residual, pairs, ctx)
            ctx.check_cancel()
        li, ri = li[keep], ri[keep]
    if plan.kind in ("semi", "anti"):  # each left row once, as it matched or not (EXISTS, NOT EXISTS)
        matched = np.zeros(left.length, dtype=bool)
        matched[li] = True
        rows = np.flatnonzero(matched if plan.kind == "semi" else ~matched)
        yield Batch([take(c, rows) for c in left.columns], len(rows))
        return
    out = [_pair_batch(left, right, li, ri)] if len(li) else []
    if plan.kind in ("left", "full"):
        matched = np.zeros(left.length, dtype=bool)
        matched[li] = True
        missing = np.flatnonzero(~matched)
        if len(missing):
            out.append(_padded(left, missing, plan.right.columns, pad_right=True))
    if plan.kind in ("right", "full"):
        matched = np.zeros(right.length, dtype=bool)
        matched[ri] = True
        missing = np.flatnonzero(~matched)
        if len(missing):
            out.append(_padded(right, missing, plan.left.columns, pad_right=False))
    if not out:
        yield Batch([Column(np.empty(0, dtype=c.type.pg.dtype)) for c in plan.columns], 0)
    yield from out


def _pair_batch(left: Batch, right: Batch, li: np.ndarray, ri: np.ndarray) -> Batch:
    return Batch([take(c, li) for c in left.columns] + [take(c, ri) for c in right.columns], len(li))


def _padded(side: Batch, rows: np.ndarray, other_columns, pad_right: bool) -> Batch:
    kept = [take(c, rows) for c in side.columns]
    nulls = [null_column(c.type, len(rows)) for c in other_columns]
    return Batch(kept + nulls if pad_right else nulls + kept, len(rows))


def _lateral(plan: P.Join, left: Batch, ctx: EvalContext, run_all) -> Batch:
    from quantadb.exec.columns import column_values, concat_batches
    rows = list(zip(*[column_values(c) for c in left.columns])) if left.columns else [()] * left.length
    parts = []
    for i, row in enumerate(rows):
        ctx.outer.append(row)
        try:
            right = run_all(plan.right, ctx)
        finally:
            ctx.outer.pop()
        ctx.subquery_cache.clear()
        one = Batch([take(c, np.array([i])) for c in left.columns], 1)
        li = np.zeros(right.length, dtype=np.int64)
        ri = np.arange(right.length)
        for b in _emit(plan, one, right, li, ri, plan.condition, ctx):
            if b.length:
                parts.append(b)
    if not parts:
        return Batch([Column(np.empty(0, dtype=c.type.pg.dtype)) for c in plan.columns], 0)
    return concat_batches(parts, [c.type.pg.dtype for c in plan.columns])
