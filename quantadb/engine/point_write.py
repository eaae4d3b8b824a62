"""Point writes: a cached UPDATE or DELETE by equality on a unique index, or an INSERT of one
VALUES row, run without the general executor.

The plan is the binder's own, only how its source runs is specialised: for
`UPDATE t SET c = c + $1 WHERE key = $2` the Update's source is a Project (row id, then every
column's new value) over an IndexScan by key equality. Here the key is probed as
engine/point.py does for reads, the visible row is fetched once, the same Project expressions
are evaluated over that one row, and the result goes to the general path's tail
(exec/modify.py `update_rows`: NOT NULL, CHECK and foreign-key checks, referencing rows, the
storage update with its lock/MVCC checks, unique checks and WAL record, RETURNING). So errors,
waits, READ COMMITTED re-runs and REPEATABLE READ failures come from the same code, and the
WAL records are the same. An INSERT's VALUES row is evaluated directly and handed to
`insert_rows` likewise.

Where storage takes rows as Python values (`Table.row_form`), the row stays in that form
throughout: fetched as values, the SET expressions (when exec/row_eval.py compiles them all)
or the VALUES row computed on them, and handed to `update_row` / `insert_row`, the one-row
forms of the same tail (same checks, same ROW_UPDATE / ROW_INSERT records as the general
path logs for one row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from quantadb.engine.point import probe, probe_keys
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.exec.modify import delete_rows, insert_row, insert_rows, update_row, update_rows
from quantadb.exec.row_eval import RowExprs
from quantadb.sql import expr as E
from quantadb.sql import plan as P
from quantadb.storage.store import Store
from quantadb.storage.table import Table, row_form
from quantadb.types import registry as R
from quantadb.types.column import Batch, Column
from quantadb.types.registry import SqlType


@dataclass(frozen=True)
class PointUpdate:
    plan: P.Update
    scan: P.IndexScan  # equality on a unique index, row ids as its last column
    keys: tuple[tuple[bool, Any, SqlType], ...]  # as PointRead.keys
    exprs: tuple[E.Expr, ...]  # the source Project: row id, then each column's new value
    kept: frozenset[int]  # attnums SET leaves alone (plain references to the same column)
    values: RowExprs | None  # the new values over (fetched row..., row id), when all compile


@dataclass(frozen=True)
class PointDelete:
    plan: P.Delete
    scan: P.IndexScan  # as PointUpdate.scan
    keys: tuple[tuple[bool, Any, SqlType], ...]
    exprs: tuple[E.Expr, ...]  # the source Project: row id, then the old row


@dataclass(frozen=True)
class PointInsert:
    plan: P.Insert
    values: RowExprs  # the one VALUES row
    exprs: tuple[RowExprs, ...]  # the Projects over it, innermost first (defaults, dropped slots; generated columns)
    row_form: bool  # no ON CONFLICT, and every value passes as a Python value (storage row_form)


PointWrite = PointUpdate | PointDelete | PointInsert


def point_write(plan: P.Plan, store: Store) -> PointWrite | None:
    """The point-write form of a DML plan, or None when the plan has another shape or its table
    has triggers (exec/modify.py fires them; the one-row shortcuts do not)."""
    if isinstance(plan, (P.Update, P.Insert, P.Delete)) and _has_triggers(store, plan.rel_oid):
        return None
    if isinstance(plan, P.Update):
        return _point_update(plan, store)
    if isinstance(plan, P.Insert):
        return _point_insert(plan)
    if isinstance(plan, P.Delete):
        keyed = _keyed_source(plan.source, store)
        return None if keyed is None else PointDelete(plan, *keyed)
    return None


def _has_triggers(store: Store, rel_oid: int) -> bool:
    """Any version of the table still current has a trigger (a plan is bound again when the
    catalog changes)."""
    rel = store.catalog.current(("rel", 0, rel_oid))
    return rel is not None and bool(rel.triggers)


def _keyed_source(project: P.Plan, store: Store) -> tuple[P.IndexScan, tuple, tuple[E.Expr, ...]] | None:
    """(scan, keys, exprs) of an UPDATE's or DELETE's source that is a Project (row id first)
    over an IndexScan by equality on a unique index."""
    if not isinstance(project, P.Project) or not isinstance(project.child, P.IndexScan):
        return None
    scan = project.child
    keys = probe_keys(scan)
    index = store.state.indexes.get(scan.index_oid)
    if keys is None or not scan.with_rowids or index is None or not (index.unique and index.immediate):
        return None
    rowid = project.exprs[0] if project.exprs else None
    if not isinstance(rowid, E.ColumnRef) or rowid.index != len(scan.attnums):
        return None
    return scan, keys, tuple(project.exprs)


def _point_update(plan: P.Update, store: Store) -> PointUpdate | None:
    keyed = _keyed_source(plan.source, store)
    if keyed is None:
        return None
    scan, keys, exprs = keyed
    project = plan.source
    kept = frozenset(attnum for attnum, e in enumerate(project.exprs[1:], start=1)
                     if isinstance(e, E.ColumnRef) and e.index < len(scan.attnums)
                     and scan.attnums[e.index] == attnum)
    values = RowExprs(project.exprs[1:], [c.type for c in scan.columns] + [SqlType(R.INT8)])
    simple = values.compiled and row_form(values.types)
    return PointUpdate(plan, scan, keys, exprs, kept, values if simple else None)


def _point_insert(plan: P.Insert) -> PointInsert | None:
    source, projects = plan.source, []
    while isinstance(source, P.Project):
        source, projects = source.child, [source, *projects]
    if not isinstance(source, P.Values) or len(source.rows) != 1:
        return None
    values_types = [c.type for c in source.columns]
    simple = plan.on_conflict is None and row_form(values_types + [c.type for c in plan.source.columns])
    stages, types = [], values_types
    for project in projects:
        stages.append(RowExprs(project.exprs, types))
        types = [c.type for c in project.columns]
    return PointInsert(plan, RowExprs(source.rows[0], []), tuple(stages), simple)


def run_point_write(write: PointWrite, ctx: EvalContext) -> tuple[int, Batch | None]:
    """Run the write; returns what exec/modify.py's run_modify does: (row count, RETURNING rows)."""
    services = ctx.services
    if isinstance(write, (PointUpdate, PointDelete)):
        scan = write.scan
        table = services.store.table(scan.rel_oid)
        found = probe(write.keys, table, services.store.index(scan.index_oid), services.snapshot, ctx.params)
        keep = services.rechecked(write.plan, found)  # READ COMMITTED's re-check (engine/recheck.py)
        if keep is not None:
            found = [r for r, ok in zip(found, keep.tolist()) if ok]
        services.session.pgstat.index_scan(scan.index_oid, len(found), len(found))
        if isinstance(write, PointDelete):
            return delete_rows(write.plan, _source(write, table, found, ctx), ctx)
        if len(found) == 1 and write.values is not None and table.row_form:
            rowid = found[0]
            row = table.row_values(rowid, write.scan.attnums)
            row.append(rowid)
            return update_row(write.plan, rowid, write.values.run(row, ctx), ctx, write.kept)
        return update_rows(write.plan, _source(write, table, found, ctx), ctx, write.kept)
    plan = write.plan
    if write.row_form and services.store.table(plan.rel_oid).row_form:
        values = write.values.run([], ctx)
        for stage in write.exprs:
            values = stage.run(values, ctx)
        return insert_row(plan, values, ctx)
    one = Batch([], 1)
    row = Batch([evaluate(e, one, ctx) for e in write.values.exprs], 1)
    for stage in write.exprs:
        row = Batch([evaluate(e, row, ctx) for e in stage.exprs], 1)
    return insert_rows(plan, row, ctx)


def _source(write: PointUpdate | PointDelete, table: Table, rowids: list[int], ctx: EvalContext) -> Batch:
    """What the plan's source Project gives for these rows (row id, then the columns)."""
    found = np.array(rowids, dtype=np.int64)
    row = Batch(table.fetch(found, write.scan.attnums) + [Column(found)], len(found))
    return Batch([evaluate(e, row, ctx) for e in write.exprs], row.length)
