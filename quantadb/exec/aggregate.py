"""Hash aggregation: factorize the group keys into dense group ids, then each aggregate
reduces its argument columns by group id (np.bincount & co. in exec/functions/aggregates.py).
GROUPING SETS / ROLLUP / CUBE run the same reduction once per set."""

from __future__ import annotations

import numpy as np

from quantadb.exec.columns import concat_columns, const_column, take, valid_mask
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate, evaluate_predicate
from quantadb.exec.functions import AGGREGATES
from quantadb.exec.keys import factorize_rows, first_occurrence, sort_indices
from quantadb.sql import plan as P
from quantadb.sql.expr import AggRef
from quantadb.types.column import Batch, Column, null_column


def run_aggregate(plan: P.Aggregate, batch: Batch, ctx: EvalContext) -> Batch:
    keys = [evaluate(e, batch, ctx) for e in plan.group_exprs]
    if plan.grouping_sets is None:
        return _one_set(plan, batch, keys, list(range(len(keys))), ctx, with_grouping=False)
    parts = [_one_set(plan, batch, keys, s, ctx, with_grouping=True) for s in plan.grouping_sets]
    n = sum(p.length for p in parts)
    cols = [concat_columns([p.columns[i] for p in parts], c.type.pg.dtype) for i, c in enumerate(plan.columns)]
    return Batch(cols, n)


def _one_set(plan: P.Aggregate, batch: Batch, keys: list[Column], members: list[int], ctx: EvalContext,
             with_grouping: bool) -> Batch:
    active = [keys[i] for i in members]
    if active:
        if batch.length == 0:
            return Batch([Column(np.empty(0, dtype=c.type.pg.dtype)) for c in plan.columns], 0)
        group_ids, ngroups = factorize_rows(active)
    else:
        group_ids, ngroups = np.zeros(batch.length, dtype=np.int64), 1
    first = first_occurrence(group_ids, ngroups) if batch.length else np.zeros(0, dtype=np.int64)
    out: list[Column] = []
    for i, key in enumerate(keys):
        if i in members:
            out.append(take(key, first))
        else:
            out.append(null_column(plan.group_exprs[i].type, ngroups))
    for agg in plan.aggs:
        out.append(_reduce(agg, batch, group_ids, ngroups, ctx))
    if with_grouping:
        mask = 0  # bit i set: group key i is not grouped in this set (GROUPING() reads it)
        for i in range(len(keys)):
            if i not in members:
                mask |= 1 << i
        out.append(const_column(mask, plan.columns[-1].type, ngroups))
    return Batch(out, ngroups)


def _reduce(agg: AggRef, batch: Batch, group_ids: np.ndarray, ngroups: int, ctx: EvalContext) -> Column:
    rows = None
    if agg.filter is not None:
        rows = np.flatnonzero(evaluate_predicate(agg.filter, batch, ctx))
    if agg.order_by:
        ordering = sort_indices([(evaluate(e, batch, ctx), d, nf) for e, d, nf in agg.order_by],
                                [e.type for e, _, _ in agg.order_by])
        rows = ordering if rows is None else ordering[np.isin(ordering, rows)]
    args = [evaluate(a, batch, ctx) for a in agg.args]
    gids = group_ids
    if rows is not None:
        args = [take(a, rows) for a in args]
        gids = group_ids[rows]
    if agg.distinct and args:
        args, gids = _distinct_pairs(args, gids)
    return AGGREGATES[agg.impl](args, gids, ngroups, ctx, agg)


def _distinct_pairs(args: list[Column], gids: np.ndarray) -> tuple[list[Column], np.ndarray]:
    """Keep the first (group, value) pair of each distinct combination, in input order."""
    codes, k = factorize_rows([Column(gids), *args])
    keep = np.sort(first_occurrence(codes, k))
    keep = keep[valid_mask(args[0])[keep]] if len(args) == 1 else keep
    return [take(a, keep) for a in args], gids[keep]
