"""The plan runner: each plan node becomes a stream of Batches.

Scans stream one batch per storage segment; pipeline operators (filter, project, limit)
work batch by batch; blocking operators (aggregate, sort, join build side, distinct, set
operations) gather their input first and work on whole columns at numpy speed.
`ctx.check_cancel()` runs between batches so a cancel or statement_timeout stops a long query.
"""

from __future__ import annotations

import time
from itertools import product
from typing import Iterator

import numpy as np

from quantadb.errors import (FeatureNotSupported, InvalidRowCountInLimitClause,
                             InvalidRowCountInResultOffsetClause)
from quantadb.exec.aggregate import run_aggregate
from quantadb.exec.columns import column_values, concat_batches, concat_columns, take, take_batch
from quantadb.exec.context import EvalContext
from quantadb.exec.current_of import run_current_of
from quantadb.exec.eval import evaluate, evaluate_predicate
from quantadb.exec.functions import SETFNS
from quantadb.exec.functions.rows import record_column
from quantadb.exec.instrument import filtered_out, instrumented, record
from quantadb.exec.join import run_join
from quantadb.exec.keys import factorize_rows, first_occurrence, sort_indices
from quantadb.exec.presorted import run_incremental_sort, run_merge_append
from quantadb.sql import plan as P
from quantadb.sql.expr import Call, Expr, conjoin, conjuncts
from quantadb.types.codecs import values_to_column
from quantadb.types.column import Batch, Column, null_column
from quantadb.types.rowtypes import record_fields


def run(plan: P.Plan, ctx: EvalContext) -> Iterator[Batch]:
    handler = _RUNNERS.get(type(plan))
    if handler is None:
        raise FeatureNotSupported(f"plan node {type(plan).__name__} is not supported")
    if ctx.explain_timings is not None:  # EXPLAIN ANALYZE
        yield from instrumented(plan, handler(plan, ctx), ctx)
    else:
        yield from handler(plan, ctx)


def run_all(plan: P.Plan, ctx: EvalContext) -> Batch:
    """Run a plan to completion and return all its rows as one batch."""
    batches = [b for b in run(plan, ctx) if b.length]
    if not batches:
        return empty_batch(plan)
    return concat_batches(batches, [c.type.pg.dtype for c in plan.columns])


def run_subquery(plan: P.Plan, ctx: EvalContext) -> Batch:
    return run_all(plan, ctx)


def empty_batch(plan: P.Plan) -> Batch:
    return Batch([Column(np.empty(0, dtype=c.type.pg.dtype)) for c in plan.columns], 0)


def _result(plan: P.Result, ctx: EvalContext) -> Iterator[Batch]:
    yield Batch([], 1)


def _table_scan(plan: P.TableScan, ctx: EvalContext) -> Iterator[Batch]:
    scans = [ctx.services.null_rows(plan.rel_oid, plan.null_in, plan.attnums)] if plan.null_in else \
        ctx.services.scan(plan.rel_oid, plan.attnums, plan.with_rowids or bool(plan.lock_mode))
    locks = _RowLocks(plan, ctx)
    for scan in scans:
        ctx.check_cancel()
        cols = list(scan.columns)
        batch = Batch(cols + ([Column(scan.rowids)] if plan.with_rowids else []), scan.length)
        if plan.filter is not None and batch.length:
            mask = evaluate_predicate(plan.filter, batch, ctx)
            batch = take_batch(batch, mask)
            rowids = scan.rowids[mask] if scan.rowids is not None else None
            filtered_out(ctx, plan, scan.length - batch.length)
        else:
            rowids = scan.rowids
        if plan.lock_mode and not plan.locked_above and batch.length:
            batch = locks.locked(batch, rowids)
        yield batch
        if locks.done:
            return


def _lock_rows(plan: P.LockRows, ctx: EvalContext) -> Iterator[Batch]:
    locks = _RowLocks(plan, ctx)
    for batch in run(plan.child, ctx):
        rowids = batch.columns[-1].data
        batch = Batch(batch.columns[:-1], batch.length)
        if batch.length:
            batch = locks.locked(batch, rowids)
        yield batch
        if locks.done:
            return


class _RowLocks:
    """The row locks of a scan for SELECT ... FOR UPDATE/SHARE; SKIP LOCKED leaves out rows others
    hold. Under a LIMIT (lock_limit) rows are locked one by one, in order, until it has enough."""

    def __init__(self, plan: P.TableScan | P.IndexScan | P.LockRows, ctx: EvalContext) -> None:
        self.plan, self.ctx = plan, ctx
        self.wanted: int | None = None
        if plan.lock_limit is not None:
            limit, offset = limit_and_offset(*plan.lock_limit, ctx)
            if limit is not None:
                self.wanted = limit + offset

    @property
    def done(self) -> bool:
        return self.wanted is not None and self.wanted <= 0

    def locked(self, batch: Batch, rowids: np.ndarray) -> Batch:
        lock = self.ctx.services.lock_rows
        if self.wanted is None:
            keep = lock(self.plan.rel_oid, rowids, self.plan.lock_mode)
        else:
            keep = np.zeros(len(rowids), dtype=bool)
            for i in range(len(rowids)):
                if self.wanted <= 0:
                    break
                keep[i] = lock(self.plan.rel_oid, rowids[i:i + 1], self.plan.lock_mode)[0]
                self.wanted -= int(keep[i])
        return batch if keep.all() else take_batch(batch, keep)


def _index_scan(plan: P.IndexScan, ctx: EvalContext) -> Iterator[Batch]:
    one = Batch([], 1)

    def values(exprs: list | None) -> list | None:
        return [column_values(evaluate(e, one, ctx))[0] for e in exprs] if exprs is not None else None
    any_of = values(plan.any_of)
    listed = _listed_keys(any_of, plan.paired) if any_of is not None else None
    locks = _RowLocks(plan, ctx)
    for scan in ctx.services.index_scan(plan, values(plan.keys), values(plan.low), values(plan.high), listed):
        ctx.check_cancel()
        yield _index_rows(plan, scan, plan.filter, ctx, locks)
        if locks.done:
            return
    if plan.missing:  # the rows the index does not hold: they must pass the conditions it stands for
        test = conjoin([*conjuncts(plan.index_cond), *(conjuncts(plan.filter) if plan.filter else [])]) \
            if plan.index_cond else plan.filter
        yield _index_rows(plan, ctx.services.null_rows(plan.rel_oid, plan.missing, plan.attnums), test, ctx, locks)


def _index_rows(plan: P.IndexScan, scan, test, ctx: EvalContext, locks: _RowLocks) -> Batch:
    """A batch the index found, with its filter `test` applied and its rows locked (FOR UPDATE)."""
    batch = Batch(list(scan.columns) + ([Column(scan.rowids)] if plan.with_rowids else []), scan.length)
    rowids = scan.rowids
    if test is not None and batch.length:
        mask = evaluate_predicate(test, batch, ctx)
        batch = take_batch(batch, mask)
        rowids = rowids[mask]
        filtered_out(ctx, plan, scan.length - batch.length)
    if plan.lock_mode and not plan.locked_above and batch.length:
        batch = locks.locked(batch, rowids)
    return batch


def _listed_keys(arrays: list[list | None], paired: bool) -> list:
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


def _virtual_scan(plan: P.VirtualScan, ctx: EvalContext) -> Iterator[Batch]:
    batch = ctx.services.virtual_rows(plan.source, plan.columns)
    if plan.filter is not None and batch.length:
        batch = take_batch(batch, evaluate_predicate(plan.filter, batch, ctx))
    yield batch


def _materialized(plan: P.Materialized, ctx: EvalContext) -> Iterator[Batch]:
    yield plan.batch


def _values(plan: P.Values, ctx: EvalContext) -> Iterator[Batch]:
    one = Batch([], 1)
    columns = []
    for i, col in enumerate(plan.columns):
        parts = [evaluate(row[i], one, ctx) for row in plan.rows]
        columns.append(concat_columns(parts, col.type.pg.dtype))
    yield Batch(columns, len(plan.rows))


def _function_scan(plan: P.FunctionScan, ctx: EvalContext) -> Iterator[Batch]:
    sets = [_call_rows(call, ctx) for call in plan.calls]
    n = max(rows for _, rows in sets)
    out = []
    for cols, rows in sets:  # ROWS FROM: a shorter set is padded with NULLs
        out.extend(cols if rows == n else
                   [concat_columns([c, null_column(pc.type, n - rows)], pc.type.pg.dtype)
                    for c, pc in zip(cols, plan.columns[len(out):])])
    if plan.ordinality:
        out.append(Column(np.arange(1, n + 1, dtype=np.int64)))
    yield Batch(out, n)


def _call_rows(call: Call, ctx: EvalContext) -> tuple[list[Column], int]:
    """The columns of one function in FROM (one, or one per field of its record) and its row count."""
    one = Batch([], 1)
    fn = SETFNS.get(call.impl)
    if fn is None:  # a scalar function in FROM yields one row
        col = evaluate(call, one, ctx)
        return _record_fields(col, record_fields(call.type)) or [col], 1
    args = [evaluate(a, one, ctx) for a in call.args]
    if call.strict and any(a.valid is not None and not a.valid[0] for a in args):
        types = [t for _, t in record_fields(call.type)] or [call.type]
        return [Column(np.empty(0, dtype=t.pg.dtype)) for t in types], 0
    _, cols = fn(args, 1, ctx, call)
    return list(cols), len(cols[0])


def _record_fields(col: Column, fields: tuple) -> list[Column]:
    """A one-row record as one column per field (all NULL for a NULL record)."""
    record = column_values(col)[0] if fields else None
    return [values_to_column(t, [None if record is None else record[i]]) for i, (_, t) in enumerate(fields)]


def _project_set(plan: P.ProjectSet, ctx: EvalContext) -> Iterator[Batch]:
    """Set-returning functions in the select list, expanded in lockstep as PostgreSQL 10+ does."""
    for batch in run(plan.child, ctx):
        if not batch.length:
            continue
        per_expr = []
        for e in plan.exprs:
            if isinstance(e, Call) and e.impl in SETFNS:
                args = [evaluate(a, batch, ctx) for a in e.args]
                rows, cols = SETFNS[e.impl](args, batch.length, ctx, e)
                per_expr.append((rows, cols[0] if len(cols) == 1 else record_column(cols)))
            else:
                per_expr.append((None, evaluate(e, batch, ctx)))
        counts = np.zeros(batch.length, dtype=np.int64)
        for rows, _ in per_expr:
            if rows is not None:
                counts = np.maximum(counts, np.bincount(rows, minlength=batch.length))
        total = int(counts.sum())
        owner = np.repeat(np.arange(batch.length), counts)
        starts = np.cumsum(counts) - counts
        position = np.arange(total) - np.repeat(starts, counts)
        out_cols = []
        for (rows, col), pc in zip(per_expr, plan.columns):
            if rows is None:
                out_cols.append(take(col, owner))
                continue
            src_counts = np.bincount(rows, minlength=batch.length)
            src_starts = np.cumsum(src_counts) - src_counts
            has = position < src_counts[owner]
            idx = np.where(has, src_starts[owner] + position, 0)
            data = col.data[idx] if len(col.data) else np.zeros(total, dtype=col.data.dtype)
            valid = (col.valid[idx] if col.valid is not None and len(col.data) else np.ones(total, bool)) & has
            out_cols.append(Column(data, None if valid.all() else valid))
        yield Batch(out_cols, total)


def _filter(plan: P.Filter, ctx: EvalContext) -> Iterator[Batch]:
    for batch in run(plan.child, ctx):
        if batch.length:
            mask = evaluate_predicate(plan.predicate, batch, ctx)
            yield take_batch(batch, mask) if not mask.all() else batch


def _project(plan: P.Project, ctx: EvalContext) -> Iterator[Batch]:
    for batch in run(plan.child, ctx):
        yield Batch([evaluate(e, batch, ctx) for e in plan.exprs], batch.length)


def _sort(plan: P.Sort, ctx: EvalContext) -> Iterator[Batch]:
    batch = run_all(plan.child, ctx)
    if batch.length <= 1:
        yield batch
        return
    keys = [(evaluate(e, batch, ctx), desc, nf) for e, desc, nf in plan.keys]
    yield take_batch(batch, sort_indices(keys, [e.type for e, _, _ in plan.keys]))


def _limit_value(expr, ctx: EvalContext, error) -> int | None:
    if expr is None:
        return None
    value = column_values(evaluate(expr, Batch([], 1), ctx))[0]
    if value is None:
        return None
    if value < 0:
        raise error(f"{'LIMIT' if error is InvalidRowCountInLimitClause else 'OFFSET'} must not be negative")
    return int(value)


def limit_and_offset(limit: Expr | None, offset: Expr | None, ctx: EvalContext) -> tuple[int | None, int]:
    """A LIMIT's count (None: all) and OFFSET as the query's parameters make them."""
    return (_limit_value(limit, ctx, InvalidRowCountInLimitClause),
            _limit_value(offset, ctx, InvalidRowCountInResultOffsetClause) or 0)


def _limit(plan: P.Limit, ctx: EvalContext) -> Iterator[Batch]:
    limit, skip = limit_and_offset(plan.limit, plan.offset, ctx)
    if limit == 0:
        yield empty_batch(plan)
        return
    for batch in run(plan.child, ctx):
        if skip:
            if batch.length <= skip:
                skip -= batch.length
                continue
            batch = take_batch(batch, np.arange(skip, batch.length))
            skip = 0
        if limit is not None:
            if batch.length >= limit:
                yield take_batch(batch, np.arange(limit))
                return
            limit -= batch.length
        yield batch


def _distinct(plan: P.Distinct, ctx: EvalContext) -> Iterator[Batch]:
    batch = run_all(plan.child, ctx)
    if batch.length <= 1:
        yield batch
        return
    if plan.on is None:
        codes, k = factorize_rows(batch.columns)
        first = np.sort(first_occurrence(codes, k))
    else:
        keys = [evaluate(e, batch, ctx) for e in plan.on]
        codes, _ = factorize_rows(keys)
        change = np.ones(batch.length, dtype=bool)
        change[1:] = codes[1:] != codes[:-1]
        first = np.flatnonzero(change)
    yield take_batch(batch, first)


def _set_op(plan: P.SetOp, ctx: EvalContext) -> Iterator[Batch]:
    dtypes = [c.type.pg.dtype for c in plan.columns]
    if plan.kind == "union" and plan.all:
        for side in (plan.left, plan.right):
            yield from run(side, ctx)
        return
    left = run_all(plan.left, ctx)
    right = run_all(plan.right, ctx)
    both = concat_batches([left, right], dtypes) if right.length and left.length else (left if left.length else right)
    if both.length == 0:
        yield empty_batch(plan)
        return
    codes, k = factorize_rows(both.columns)
    lcodes, rcodes = codes[:left.length], codes[left.length:]
    if plan.kind == "union":
        yield take_batch(both, np.sort(first_occurrence(codes, k)))
        return
    lcount = np.bincount(lcodes, minlength=k)
    rcount = np.bincount(rcodes, minlength=k)
    if plan.kind == "intersect":
        keep = np.minimum(lcount, rcount) if plan.all else np.minimum(np.minimum(lcount, rcount), 1)
    else:
        keep = np.maximum(lcount - rcount, 0) if plan.all else ((lcount > 0) & (rcount == 0)).astype(np.int64)
    # keep the first keep[code] occurrences of each code on the left side, in left order
    order = np.argsort(lcodes, kind="stable")
    sorted_codes = lcodes[order]
    starts = np.searchsorted(sorted_codes, np.arange(k))
    rank = np.empty(len(lcodes), dtype=np.int64)
    rank[order] = np.arange(len(lcodes)) - starts[sorted_codes]
    yield take_batch(left, rank < keep[lcodes])


def _cte_scan(plan: P.CteScan, ctx: EvalContext) -> Iterator[Batch]:
    cte = plan.cte
    working = ctx.cte_working.get(id(cte))
    if working is not None:  # the recursive term reads the rows of the previous step
        yield working
        return
    key = _cte_key(cte, ctx)
    if key not in ctx.cte_cache:
        ctx.cte_cache[key] = _cte_rows(cte, ctx)
    yield ctx.cte_cache[key]


def _cte_rows(cte: P.CteDef, ctx: EvalContext) -> Batch:
    if cte.recursive_plan is None and not cte.modifying:
        return run_all(cte.plan, ctx)
    started = time.perf_counter()
    if cte.modifying:  # INSERT/UPDATE/DELETE ... RETURNING: the rows it returned
        from quantadb.exec.modify import run_modify  # modify.py runs its sources through this module
        _, returned = run_modify(cte.plan, ctx)
        rows = returned if returned is not None else Batch([], 0)
    else:
        rows = _recursive_cte(cte, ctx)
    record(ctx, cte.plan if cte.modifying else cte, rows.length, time.perf_counter() - started)  # EXPLAIN ANALYZE
    return rows


def _modifying_ctes(plan: P.ModifyingCtes, ctx: EvalContext) -> Iterator[Batch]:
    if plan.under_write:
        yield from run(plan.child, ctx)
        return
    token = ctx.services.hide_statement_writes()
    yield from run(plan.child, ctx)
    finish_modifying_ctes(plan, ctx, token)


def finish_modifying_ctes(plan: P.ModifyingCtes, ctx: EvalContext, token: int) -> None:
    """Run the data-modifying WITH queries the statement did not read, the last first (PostgreSQL's
    ExecPostprocessPlan), and end the statement's hidden writes (ExecServices.hide_statement_writes)."""
    for cte in reversed(plan.ctes):
        if id(cte) not in ctx.cte_cache:
            ctx.cte_cache[id(cte)] = _cte_rows(cte, ctx)
    ctx.services.end_statement_writes(token)


def _cte_key(cte: P.CteDef, ctx: EvalContext) -> object:
    """A WITH query runs once per statement, or once per enclosing row when it reads that row."""
    if not cte.correlated:
        return id(cte)
    return id(cte), repr(ctx.outer)


def _recursive_cte(cte: P.CteDef, ctx: EvalContext) -> Batch:
    dtypes = [c.type.pg.dtype for c in cte.columns]
    working = run_all(cte.plan, ctx)
    results = [working]
    seen_codes: set = set()
    if not cte.union_all:
        working = _dedupe_against(working, seen_codes)
        results = [working]
    try:
        while working.length:
            ctx.check_cancel()
            ctx.cte_working[id(cte)] = working
            ctx.subquery_cache.clear()  # subqueries in the recursive term see the new working table
            step = run_all(cte.recursive_plan, ctx)
            if not cte.union_all:
                step = _dedupe_against(step, seen_codes)
            if step.length:
                results.append(step)
            working = step
    finally:
        ctx.cte_working.pop(id(cte), None)
    return concat_batches(results, dtypes) if len(results) > 1 else results[0]


def _dedupe_against(batch: Batch, seen: set) -> Batch:
    keep = []
    rows = list(zip(*[column_values(c) for c in batch.columns])) if batch.columns else []
    for i, row in enumerate(rows):
        key = tuple(repr(v) if isinstance(v, (list, dict)) else v for v in row)
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return take_batch(batch, np.array(keep, dtype=np.int64))


def _window(plan: P.Window, ctx: EvalContext) -> Iterator[Batch]:
    from quantadb.exec.window import run_window
    batch = run_all(plan.child, ctx)
    yield run_window(plan, batch, ctx)


def _aggregate(plan: P.Aggregate, ctx: EvalContext) -> Iterator[Batch]:
    yield run_aggregate(plan, run_all(plan.child, ctx), ctx)


def _join(plan: P.Join, ctx: EvalContext) -> Iterator[Batch]:
    yield from run_join(plan, ctx, run, run_all)


def _merge_append(plan: P.MergeAppend, ctx: EvalContext) -> Iterator[Batch]:
    yield from run_merge_append(plan, ctx, run, run_all)


def _incremental_sort(plan: P.IncrementalSort, ctx: EvalContext) -> Iterator[Batch]:
    yield from run_incremental_sort(plan, ctx, run)


_RUNNERS = {
    P.Result: _result, P.TableScan: _table_scan, P.IndexScan: _index_scan, P.VirtualScan: _virtual_scan,
    P.Values: _values, P.Materialized: _materialized, P.FunctionScan: _function_scan, P.ProjectSet: _project_set, P.Filter: _filter,
    P.Project: _project, P.Sort: _sort, P.LockRows: _lock_rows, P.Limit: _limit, P.Distinct: _distinct, P.SetOp: _set_op,
    P.CteScan: _cte_scan, P.ModifyingCtes: _modifying_ctes, P.Window: _window, P.Aggregate: _aggregate, P.Join: _join,
    P.MergeAppend: _merge_append, P.IncrementalSort: _incremental_sort, P.CurrentOfScan: run_current_of,
}
