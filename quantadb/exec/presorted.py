"""Operators over inputs already in (part of) the order they give: MergeAppend (an ordered index
scan merged with the sorted rows the index does not hold, sql/index_order.py) and Incremental
Sort (an input ordered by the leading keys, sorted group by group on the others)."""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from quantadb.exec.columns import concat_batches, take_batch
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.exec.keys import factorize_rows, sort_indices
from quantadb.sql import plan as P
from quantadb.types.column import Batch


def run_merge_append(plan: P.MergeAppend, ctx: EvalContext, run: Callable, run_all: Callable) -> Iterator[Batch]:
    """The rows of both inputs in the order of the keys, read from the left one batch at a time
    (so a Limit above stops it early). The right (few rows) is read whole; its rows that sort
    before a left batch's last row go out with that batch, the others wait."""
    dtypes = [c.type.pg.dtype for c in plan.columns]
    pending = run_all(plan.right, ctx)
    for batch in run(plan.left, ctx):
        if not batch.length:
            continue
        if not pending.length:
            yield batch
            continue
        both = concat_batches([pending, batch], dtypes)
        order = _sorted(both, plan.keys, ctx)
        # (stable: the left batch's last row is the last of its rows in `order`, ties included)
        cut = int(np.flatnonzero(order == both.length - 1)[0]) + 1
        yield take_batch(both, order[:cut])
        pending = take_batch(both, order[cut:])
    if pending.length:
        yield pending


def run_incremental_sort(plan: P.IncrementalSort, ctx: EvalContext, run: Callable) -> Iterator[Batch]:
    """The input's rows, which come ordered by the first `plan.presorted` keys, sorted on all the
    keys one group of equal leading keys at a time: a batch's last group waits for the next batch
    (it may go on there), the others go out sorted."""
    dtypes = [c.type.pg.dtype for c in plan.columns]
    leading = [e for e, _, _ in plan.keys[:plan.presorted]]
    pending: Batch | None = None
    for batch in run(plan.child, ctx):
        if not batch.length:
            continue
        both = concat_batches([pending, batch], dtypes) if pending is not None else batch
        codes, _ = factorize_rows([evaluate(e, both, ctx) for e in leading])
        cut = int(np.flatnonzero(codes != codes[-1])[-1]) + 1 if (codes != codes[-1]).any() else 0
        if cut:
            done = take_batch(both, np.arange(cut))
            yield take_batch(done, _sorted(done, plan.keys, ctx))
        pending = take_batch(both, np.arange(cut, both.length)) if cut else both
    if pending is not None:
        yield take_batch(pending, _sorted(pending, plan.keys, ctx))


def _sorted(batch: Batch, keys: list, ctx: EvalContext) -> np.ndarray:
    return sort_indices([(evaluate(e, batch, ctx), d, nf) for e, d, nf in keys], [e.type for e, _, _ in keys])
