"""The target row of UPDATE/DELETE ... WHERE CURRENT OF (sql/bind_current_of.py): the stored row
the cursor stands on, found by the session's cursors (engine/current_of.py), read as a scan of it
would (its columns, then its row id)."""

from __future__ import annotations

from typing import Iterator

from quantadb.exec.columns import column_values, take_batch
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate, evaluate_predicate
from quantadb.sql import plan as P
from quantadb.types.column import Batch, Column


def run_current_of(plan: P.CurrentOfScan, ctx: EvalContext) -> Iterator[Batch]:
    name = column_values(evaluate(plan.cursor, Batch([], 1), ctx))[0]
    services = ctx.services
    rowids = services.cursors.current_row(name, plan.rel_oid, plan.table_name, services.snapshot)
    columns = services.store.table(plan.rel_oid).fetch(rowids, plan.attnums)
    batch = Batch(list(columns) + ([Column(rowids)] if plan.with_rowids else []), len(rowids))
    if plan.filter is not None and batch.length:
        batch = take_batch(batch, evaluate_predicate(plan.filter, batch, ctx))
    yield batch
