"""The plan a cursor runs so that WHERE CURRENT OF can find its rows in their tables (see
engine/current_of.py): the query's plan with row ids passed up as last columns, one per table.

Which tables, as PostgreSQL's execCurrentOf: without FOR UPDATE/SHARE, the one table of a query
whose rows stand for its rows (a scan under filters, projections and limits only: its
search_plan_tree, which descends through no Sort; a Sort a btree index's order makes unneeded
passes, as PostgreSQL reads the index then, sql/index_order.py); with it, each table the query
locks (its row marks), joins included, sorted or not.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass

from quantadb.sql import plan as P
from quantadb.sql.index_order import index_gives_order
from quantadb.sql.index_paths import IndexCatalog
from quantadb.sql.expr import ColumnRef, OuterRef, SubqueryExpr, transform, walk
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

_INT8 = SqlType(R.INT8)
_PASSING = (P.Project, P.Filter, P.Sort, P.IncrementalSort, P.Limit)  # keep their child's rows as they are
_JOINS = ("inner", "left", "right", "full", "cross")  # (their rows are a left row and a right row)


@dataclass(frozen=True)
class CursorTables:
    """What a cursor's plan passes up: the tables whose row ids are its last columns, in order."""

    passed: tuple[int, ...] = ()
    locked: frozenset[int] = frozenset()  # the tables it locks FOR UPDATE/SHARE (none: a plain cursor)
    locked_twice: frozenset[int] = frozenset()  # locked by more than one reference (a self-join)


def updatable_plan(plan: P.Plan, catalog: IndexCatalog) -> tuple[P.Plan, CursorTables]:
    """The plan to run for a cursor (a copy of `plan` where it passes row ids; `plan` itself when
    it passes none) and the tables it passes row ids of; `catalog` has the tables' indexes."""
    scans = [n for n in P.walk_plan(plan) if isinstance(n, (P.TableScan, P.IndexScan)) and n.lock_mode]
    locks = Counter(n.rel_oid for n in scans)
    locked = frozenset(locks) | frozenset(n.rel_oid for n in P.walk_plan(plan) if isinstance(n, P.LockRows))
    tables = CursorTables((), locked, frozenset(oid for oid, k in locks.items() if k > 1))
    passed = _passed(plan, bool(locked), catalog)
    if passed is None:
        return plan, tables
    top, positions = passed
    width = len(plan.columns)
    exprs = [ColumnRef(i, c.type) for i, c in enumerate(top.columns[:width])]
    exprs += [ColumnRef(p, _INT8, "ctid") for _, p in positions]
    top = P.Project(top, exprs, [*top.columns[:width], *(P.PlanColumn("ctid", _INT8) for _ in positions)],
                    estimated_rows=top.estimated_rows)
    return top, CursorTables(tuple(oid for oid, _ in positions), tables.locked, tables.locked_twice)


def _passed(node: P.Plan, locked: bool, catalog: IndexCatalog) -> tuple[P.Plan, list[tuple[int, int]]] | None:
    """A copy of `node` with the row ids of the tables it reads (`locked`: those it locks, joins
    included) appended to its columns, and (table, position) of each; None: no such table."""
    if type(node) in (P.TableScan, P.IndexScan) and (node.lock_mode or not locked):
        scan = copy.copy(node)
        if not scan.with_rowids:
            scan.with_rowids = True
            scan.columns = [*scan.columns, P.PlanColumn("ctid", _INT8)]
        return scan, [(scan.rel_oid, len(scan.attnums))]
    if isinstance(node, _PASSING):
        if not locked and (isinstance(node, P.IncrementalSort) or
                           isinstance(node, P.Sort) and not index_gives_order(node, catalog)):
            return None  # PostgreSQL's plan sorts: no scan stands on the cursor's row
        below = _passed(node.child, locked, catalog)
        if below is None:
            return None
        child, positions = below
        out = copy.copy(node)
        out.child = child
        if isinstance(node, P.Project):
            out.exprs = [*node.exprs, *(ColumnRef(p, _INT8, "ctid") for _, p in positions)]
            out.columns = [*node.columns, *(P.PlanColumn("ctid", _INT8) for _ in positions)]
            positions = [(oid, len(node.exprs) + k) for k, (oid, _) in enumerate(positions)]
        else:
            out.columns = list(child.columns)
        return out, positions
    if isinstance(node, P.LockRows):
        # its child's last column is its scan's row ids, which it leaves out: they are passed
        # twice, once for it to take
        below = _passed(node.child, locked, catalog)
        if below is None or len(below[1]) != 1:
            return None
        child, [(oid, position)] = below
        columns = [*child.columns, P.PlanColumn("ctid", _INT8)]
        exprs = [ColumnRef(i, c.type) for i, c in enumerate(child.columns)] + [ColumnRef(position, _INT8, "ctid")]
        out = copy.copy(node)
        out.child = P.Project(child, exprs, columns, estimated_rows=child.estimated_rows)
        out.columns = list(child.columns)
        return out, [(oid, position)]
    if locked and isinstance(node, P.Join) and _plain_join(node):
        return _passed_join(node, catalog)
    return None


def _plain_join(join: P.Join) -> bool:
    """A join whose output is its sides' rows side by side, with a condition that reads them by
    position only there (no LATERAL side or subquery to renumber)."""
    if join.kind not in _JOINS or join.lateral or \
            len(join.columns) != len(join.left.columns) + len(join.right.columns):
        return False
    return join.condition is None or not any(isinstance(n, (SubqueryExpr, OuterRef)) for n in walk(join.condition))


def _passed_join(join: P.Join, catalog: IndexCatalog) -> tuple[P.Plan, list[tuple[int, int]]] | None:
    """A join of sides that pass their locked tables' row ids, under a projection that puts its
    columns back where they were and the row ids after them (the left side's come after its
    columns, so the join's condition reads the right side's a few places on)."""
    left, right = _passed(join.left, True, catalog), _passed(join.right, True, catalog)
    if left is None and right is None:
        return None
    new_left, left_positions = left if left is not None else (join.left, [])
    new_right, right_positions = right if right is not None else (join.right, [])
    shift, width = len(new_left.columns) - len(join.left.columns), len(join.left.columns)
    out = copy.copy(join)
    # (an index lookup reads a side by the other's keys: the side as bound reads the same rows)
    out.left, out.right, out.index_lookup = new_left, new_right, None
    out.columns = [*new_left.columns, *new_right.columns]
    if join.condition is not None and shift:
        out.condition = transform(join.condition, lambda n: ColumnRef(n.index + shift, n.type, n.name)
                                  if isinstance(n, ColumnRef) and n.index >= width else None)
    rowids = left_positions + [(oid, len(new_left.columns) + p) for oid, p in right_positions]
    kept = [*range(width), *range(len(new_left.columns), len(new_left.columns) + len(join.right.columns))]
    exprs = [ColumnRef(i, out.columns[i].type) for i in kept] + [ColumnRef(p, _INT8, "ctid") for _, p in rowids]
    columns = [*join.columns, *(P.PlanColumn("ctid", _INT8) for _ in rowids)]
    project = P.Project(out, exprs, columns, estimated_rows=join.estimated_rows)
    return project, [(oid, len(join.columns) + k) for k, (oid, _) in enumerate(rowids)]
