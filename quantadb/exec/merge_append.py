"""Index scans' helpers: MergeAppend (an ordered index scan merged with the sorted rows the index
does not hold, sql/index_order.py) and the keys an IndexScan reads from its lists of keys."""

from __future__ import annotations

from itertools import product
from typing import Callable, Iterator

import numpy as np

from quantadb.exec.columns import concat_batches, take_batch
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.exec.keys import sort_indices
from quantadb.sql import plan as P
from quantadb.types.column import Batch


def run_merge_append(plan: P.MergeAppend, ctx: EvalContext, run: Callable, run_all: Callable) -> Iterator[Batch]:
    """The rows of both inputs in the order of the keys, read from the left one batch at a time
    (so a Limit above stops it early). The right (few rows) is read whole; its rows that sort
    before a left batch's last row go out with that batch, the others wait."""
    dtypes = [c.type.pg.dtype for c in plan.columns]
    types = [e.type for e, _, _ in plan.keys]
    pending = run_all(plan.right, ctx)
    for batch in run(plan.left, ctx):
        if not batch.length:
            continue
        if not pending.length:
            yield batch
            continue
        both = concat_batches([pending, batch], dtypes)
        order = sort_indices([(evaluate(e, both, ctx), d, nf) for e, d, nf in plan.keys], types)
        # (stable: the left batch's last row is the last of its rows in `order`, ties included)
        cut = int(np.flatnonzero(order == both.length - 1)[0]) + 1
        yield take_batch(both, order[:cut])
        pending = take_batch(both, order[cut:])
    if pending.length:
        yield pending


def listed_keys(arrays: list[list | None], paired: bool) -> list:
    """The keys an IndexScan's arrays of keys (one per leading index column) stand for: every
    combination of their elements, or the elements in step (`paired`); a scalar for one column,
    else a tuple. A key with a NULL is left out: it matches nothing, as a NULL array does."""
    columns = [list(_elements(a)) if a is not None else [] for a in arrays]
    if len(columns) == 1:
        return [k for k in columns[0] if k is not None]
    keys = zip(*columns) if paired else product(*columns)
    return [k for k in keys if None not in k]


def _elements(array: list) -> Iterator:
    """The elements of an array value, a multidimensional one's included (= ANY reads them all)."""
    for v in array:
        if type(v) is list:
            yield from _elements(v)
        else:
            yield v
