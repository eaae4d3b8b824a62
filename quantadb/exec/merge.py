"""MERGE: join the data source to the target, give each joined row the first WHEN clause that
fits it, then run each clause's INSERT, UPDATE or DELETE over its rows through exec/modify.py
(the checks, foreign keys and storage writes of those statements).

As for UPDATE and DELETE, the whole read side runs before the first write. The deletes run
first, then the updates, then the inserts, so a MERGE that deletes or changes a key and inserts
it again does not trip over itself. Concurrency is storage's: a target row a running
transaction holds makes the statement wait and run again (WouldBlock), one changed since the
snapshot makes it run again on a new one under READ COMMITTED (RowChanged: the rerun sees the
new version, or no match if it is gone, as PostgreSQL's re-check does) and fail with 40001
under REPEATABLE READ. An INSERT action that meets another transaction's insert of the same key
waits in place instead (`_insert`), and then fails with 23505 as PostgreSQL's does.

A MERGE of a few source rows into a large table (an upsert) finds its target rows through an
index on the join keys rather than reading the whole table (`_probed_target`); it always runs in
a transaction, whose snapshot keeps the index entries of the versions it sees.
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import CardinalityViolation
from quantadb.exec.columns import column_values, concat_batches, take_batch, valid_mask
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate, evaluate_predicate
from quantadb.exec.join import LOOKUP_FRACTION, join_inputs
from quantadb.exec.modify import delete_rows, insert_rows, update_rows
from quantadb.exec.run import empty_batch, run_all
from quantadb.sql import plan as P
from quantadb.sql.expr import ColumnRef
from quantadb.sql.joins import split_equi_keys
from quantadb.storage.txn import WouldBlock
from quantadb.types.column import Batch, Column

_ORDER = (P.Delete, P.Update, P.Insert)
_EVENTS = (("INSERT", P.Insert), ("UPDATE", P.Update), ("DELETE", P.Delete))  # statement triggers' order


def run_merge(plan: P.Merge, ctx: EvalContext) -> int:
    """Run a MERGE; the number of rows inserted, updated and deleted."""
    joined = _joined(plan, ctx)
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
    events = [event for event, kind in _EVENTS if any(isinstance(a.write, kind) for a in plan.actions)]
    rel_oid = next((a.write.rel_oid for a in plan.actions if a.write is not None), None)
    triggers = ctx.services.triggers(rel_oid) if rel_oid is not None else None
    for event in events if triggers is not None else ():  # once per kind of action, even without rows
        triggers.statement("BEFORE", event, ctx)
    count = _write(plan, joined, chosen, ctx)
    for event in reversed(events) if triggers is not None else ():
        triggers.statement("AFTER", event, ctx)
    return count


def _write(plan: P.Merge, joined: Batch, chosen: np.ndarray, ctx: EvalContext) -> int:
    """The actions' writes, deletes first; row-level triggers fire in them."""
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
                count += _insert(write, source, ctx)
            elif isinstance(write, P.Update):
                count += update_rows(write, source, ctx, statement=False)[0]
            else:
                count += delete_rows(write, source, ctx, statement=False)[0]
    return count


def _insert(write: P.Insert, rows: Batch, ctx: EvalContext) -> int:
    """An INSERT action that meets a key (or referenced row) a running transaction holds waits for
    it and checks again, as PostgreSQL's does: 23505 if that transaction inserted the key and
    committed. Running the statement again would find the row matched instead. A stopped attempt
    wrote nothing: storage checks every key before it writes."""
    while True:
        try:
            return insert_rows(write, rows, ctx, statement=False)[0]
        except WouldBlock as block:
            ctx.services.wait_in_statement(block.on)


def _joined(plan: P.Merge, ctx: EvalContext) -> Batch:
    join = plan.source
    if not isinstance(join, P.Join):  # (under the data-modifying WITH queries that run first)
        return run_all(join, ctx)
    left = run_all(join.left, ctx)
    right = _probed_target(join, left, ctx)
    if right is None:
        right = run_all(join.right, ctx)
    return concat_batches(list(join_inputs(join, left, right, ctx)), [c.type.pg.dtype for c in join.columns])


def _probed_target(join: P.Join, source: Batch, ctx: EvalContext) -> Batch | None:
    """The target rows whose keys the source rows have, found through an index on target columns
    the join condition equates with source values of the same type; None when there is no such
    index or the table is not much larger than the source (then it is read in full)."""
    scan = join.right
    if not isinstance(scan, P.TableScan) or join.kind not in ("inner", "left"):
        return None
    store = ctx.services.store
    if source.length * LOOKUP_FRACTION > store.table(scan.rel_oid).live_estimate:
        return None
    source_keys, target_keys, _ = split_equi_keys(join.condition, len(join.left.columns))
    keyed = {scan.attnums[t.index]: s for s, t in zip(source_keys, target_keys)
             if isinstance(t, ColumnRef) and t.index < len(scan.attnums) and s.type.pg is t.type.pg}
    index = next((i for i in ctx.services.session.catalog().indexes_of(scan.rel_oid)
                  if i.index_columns and not i.predicate_column and set(i.index_columns) <= keyed.keys()), None)
    if index is None:
        return None
    values = [column_values(evaluate(keyed[a], source, ctx)) for a in index.index_columns]
    probe = P.IndexScan(scan.rel_oid, scan.table_name, index.oid, index.name, scan.attnums, scan.columns)
    found = []
    for key in dict.fromkeys(zip(*values)):  # each key once: a target row is found once
        if None not in key:  # NULL equals nothing
            for rows in ctx.services.index_scan(probe, list(key), None, None, None):
                found.append(Batch(list(rows.columns) + ([Column(rows.rowids)] if scan.with_rowids else []),
                                   rows.length))
    target = concat_batches(found, [c.type.pg.dtype for c in scan.columns]) if found else empty_batch(scan)
    if scan.filter is not None and target.length:
        target = take_batch(target, evaluate_predicate(scan.filter, target, ctx))
    return target

