"""Point writes: a cached UPDATE by equality on a unique index, or an INSERT of one VALUES row,
run without the general executor.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quantadb.engine.point import probe, probe_keys
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.exec.modify import insert_rows, update_rows
from quantadb.sql import expr as E
from quantadb.sql import plan as P
from quantadb.storage.store import Store
from quantadb.types.column import Batch, Column


@dataclass(frozen=True)
class PointUpdate:
    plan: P.Update
    scan: P.IndexScan  # equality on a unique index, row ids as its last column
    keys: tuple[tuple[bool, Any], ...]  # as PointRead.keys
    exprs: tuple[E.Expr, ...]  # the source Project: row id, then each column's new value
    kept: frozenset[int]  # attnums SET leaves alone (plain references to the same column)


@dataclass(frozen=True)
class PointInsert:
    plan: P.Insert
    values: tuple[E.Expr, ...]  # the one VALUES row
    exprs: tuple[E.Expr, ...] | None  # the Project over it (defaults, dropped slots), if any


PointWrite = PointUpdate | PointInsert


def point_write(plan: P.Plan, store: Store) -> PointWrite | None:
    """The point-write form of a DML plan, or None when the plan has another shape."""
    if isinstance(plan, P.Update):
        return _point_update(plan, store)
    if isinstance(plan, P.Insert):
        return _point_insert(plan)
    return None


def _point_update(plan: P.Update, store: Store) -> PointUpdate | None:
    project = plan.source
    if not isinstance(project, P.Project) or not isinstance(project.child, P.IndexScan):
        return None
    scan = project.child
    keys = probe_keys(scan)
    index = store.state.indexes.get(scan.index_oid)
    if keys is None or not scan.with_rowids or index is None or not index.unique:
        return None
    rowid = project.exprs[0] if project.exprs else None
    if not isinstance(rowid, E.ColumnRef) or rowid.index != len(scan.attnums):
        return None
    kept = frozenset(attnum for attnum, e in enumerate(project.exprs[1:], start=1)
                     if isinstance(e, E.ColumnRef) and e.index < len(scan.attnums)
                     and scan.attnums[e.index] == attnum)
    return PointUpdate(plan, scan, keys, tuple(project.exprs), kept)


def _point_insert(plan: P.Insert) -> PointInsert | None:
    source, project = plan.source, None
    if isinstance(source, P.Project):
        source, project = source.child, source
    if not isinstance(source, P.Values) or len(source.rows) != 1:
        return None
    return PointInsert(plan, tuple(source.rows[0]), None if project is None else tuple(project.exprs))


def run_point_write(write: PointWrite, ctx: EvalContext) -> tuple[int, Batch | None]:
    """Run the write; returns what exec/modify.py's run_modify does: (row count, RETURNING rows)."""
    if isinstance(write, PointUpdate):
        services = ctx.services
        rowids = probe(write.scan, write.keys, services.store, services.snapshot, ctx.params)
        cols = services.store.table(write.scan.rel_oid).fetch(rowids, write.scan.attnums)
        row = Batch(cols + [Column(rowids)], len(rowids))
        source = Batch([evaluate(e, row, ctx) for e in write.exprs], row.length)
        return update_rows(write.plan, source, ctx, write.kept)
    one = Batch([], 1)
    row = Batch([evaluate(e, one, ctx) for e in write.values], 1)
    if write.exprs is not None:
        row = Batch([evaluate(e, row, ctx) for e in write.exprs], 1)
    return insert_rows(write.plan, row, ctx)
