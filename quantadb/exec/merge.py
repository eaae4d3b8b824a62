"""MERGE: join the data source to the target, give each joined row the first WHEN clause that
fits it, then run each clause's INSERT, UPDATE or DELETE over its rows through exec/modify.py
(the checks, foreign keys and storage writes of those statements).

As for UPDATE and DELETE, the whole read side runs before the first write. The deletes run
first, then the updates, then the inserts, so a MERGE that deletes or changes a key and inserts
it again does not trip over itself. Concurrency is storage's: a target row a running
transaction holds makes the statement wait and run again (WouldBlock), one changed since the
snapshot makes it run again on a new one under READ COMMITTED (RowChanged: the rerun sees the
new version, or no match if it is gone, as PostgreSQL's re-check does) and fail with 40001
under REPEATABLE READ.
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import CardinalityViolation
from quantadb.exec.columns import take_batch, valid_mask
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate_predicate
from quantadb.exec.modify import delete_rows, insert_rows, update_rows
from quantadb.exec.run import run_all
from quantadb.sql import plan as P

_ORDER = (P.Delete, P.Update, P.Insert)


def run_merge(plan: P.Merge, ctx: EvalContext) -> int:
    """Run a MERGE; the number of rows inserted, updated and deleted."""
    joined = run_all(plan.source, ctx)
    rowids = joined.columns[plan.rowid_index]
    matched = valid_mask(rowids) if joined.length else np.zeros(0, dtype=bool)
    chosen = np.full(joined.length, -1, dtype=np.int64)
    for k, action in enumerate(plan.actions):
        open_rows = np.flatnonzero((chosen < 0) & (matched if action.matched else ~matched))
        if len(open_rows) and action.condition is not None:
            open_rows = open_rows[evaluate_predicate(action.condition, take_batch(joined, open_rows), ctx)]
        chosen[open_rows] = k
    changing = [k for k, a in enumerate(plan.actions) if isinstance(a.write, (P.Update, P.Delete))]
    targets = rowids.data[np.isin(chosen, changing)]
    if len(np.unique(targets)) < len(targets):
        raise CardinalityViolation("MERGE command cannot affect row a second time",
                                   hint="Ensure that not more than one source row matches any one target row.")
    count = 0
    for kind in _ORDER:
        for k, action in enumerate(plan.actions):
            if not isinstance(action.write, kind):
                continue
            rows = np.flatnonzero(chosen == k)
            if not len(rows):
                continue
            ctx.cte_working[id(action.rows)] = take_batch(joined, rows)
            write = action.write
            source = run_all(write.source, ctx)
            if isinstance(write, P.Insert):
                count += insert_rows(write, source, ctx)[0]
            elif isinstance(write, P.Update):
                count += update_rows(write, source, ctx)[0]
            else:
                count += delete_rows(write, source, ctx)[0]
    return count
