"""The plan a cursor runs so that WHERE CURRENT OF can find its rows in their tables (see
engine/current_of.py): the query's plan with row ids passed up as last columns, one per table.

Which tables, as PostgreSQL's execCurrentOf: without FOR UPDATE/SHARE, the one table of a query
whose rows stand for its rows (a scan under filters, projections and limits only: its
search_plan_tree, which descends through no Sort and no join; a Sort a btree index's order makes
unneeded passes, as PostgreSQL reads the index then, sql/index_order.py, and a subquery
PostgreSQL makes a semi join of does not); with it, each table the query
locks (its row marks), joins included, sorted or not.

A SQL cursor locks its rows as FETCH reaches them (engine/cursor_locks.py), not when it is
declared: its plan then reads those tables without locking, and says with which strength to lock
each later (CursorTables.lock_modes). Its row ids are passed per reference to a table (a self-join
reads one table twice). A LIMIT over the whole query is left to the FETCHes (CursorTables.limit),
as PostgreSQL's Limit sits above its LockRows: a row left out at a FETCH leaves room for the next.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field

from quantadb.sql import plan as P
from quantadb.sql.index_order import index_gives_order
from quantadb.sql.index_paths import IndexCatalog
from quantadb.sql.expr import BoolOp, ColumnRef, OuterRef, SubqueryExpr, conjuncts, transform, walk
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

_INT8 = SqlType(R.INT8)
_PASSING = (P.Project, P.Filter, P.Sort, P.IncrementalSort, P.Limit)  # keep their child's rows as they are
_JOINS = ("inner", "left", "right", "full", "cross")  # (their rows are a left row and a right row)


@dataclass(frozen=True)
class CursorTables:
    """What a cursor's plan passes up: the tables whose row ids are its last columns, in order
    (a table read twice, twice: its references are numbered by that order)."""

    passed: tuple[int, ...] = ()
    locked: frozenset[int] = frozenset()  # the tables it locks FOR UPDATE/SHARE (none: a plain cursor)
    locked_twice: frozenset[int] = frozenset()  # locked by more than one reference (a self-join)
    # the references whose rows are to be locked as a FETCH reaches them, and how (a scan's lock_mode)
    lock_modes: dict[int, str] = field(default_factory=dict)
    limit: "P.Limit | None" = None  # the query's LIMIT/OFFSET the FETCHes apply (the plan has none)


@dataclass(frozen=True)
class _How:
    """How `_passed` copies a plan: `locked`, it locks rows; `deferred`, its scans' locks are not
    taken as it runs but passed up with their row ids."""

    locked: bool
    catalog: IndexCatalog
    deferred: bool


# where a table's row ids are among a plan's columns: (table, position, the lock deferred or "")
_Passed = list[tuple[int, int, str]]


def updatable_plan(plan: P.Plan, catalog: IndexCatalog) -> tuple[P.Plan, CursorTables]:
    """The plan to run for a cursor (a copy of `plan` where it passes row ids; `plan` itself when
    it passes none) and the tables it passes row ids of; `catalog` has the tables' indexes. The
    rows of the tables it locks are locked later, as they are fetched (not under a LIMIT but the
    whole query's: then as it runs); it passes the row ids of its other tables too then."""
    scans = [n for n in P.walk_plan(plan) if isinstance(n, (P.TableScan, P.IndexScan)) and n.lock_mode]
    locks = Counter(n.rel_oid for n in scans)
    locked = frozenset(locks) | frozenset(n.rel_oid for n in P.walk_plan(plan) if isinstance(n, P.LockRows))
    tables = CursorTables((), locked, frozenset(oid for oid, k in locks.items() if k > 1))
    unlimited, limit = _without_limit(plan) if locked else (plan, None)
    # (under a LIMIT of a part, a row left out at a FETCH would leave room for another: locked as it runs)
    defer = not any(isinstance(n, P.Limit) for n in P.walk_plan(unlimited))
    if not defer:
        unlimited, limit = plan, None
    passed = _passed(unlimited, _How(bool(locked), catalog, defer))
    if limit is not None and (passed is None or not any(mode for _, _, mode in passed[1])):
        # (no lock is left to the FETCHes: the LIMIT stays the plan's, its locks taken as it runs)
        limit, passed = None, _passed(plan, _How(bool(locked), catalog, False))
    if passed is None:
        return plan, tables
    top, positions = passed
    width = len(plan.columns)
    exprs = [ColumnRef(i, c.type) for i, c in enumerate(top.columns[:width])]
    exprs += [ColumnRef(p, _INT8, "ctid") for _, p, _ in positions]
    top = P.Project(top, exprs, [*top.columns[:width], *(P.PlanColumn("ctid", _INT8) for _ in positions)],
                    estimated_rows=top.estimated_rows)
    oids = tuple(oid for oid, _, _ in positions)
    # (a scan copied on a branch that passed nothing was left out: that table is locked as it runs)
    deferred = {k: mode for k, (_, _, mode) in enumerate(positions) if mode}
    return top, CursorTables(oids, tables.locked, tables.locked_twice, deferred, limit)


def _without_limit(plan: P.Plan) -> tuple[P.Plan, P.Limit | None]:
    """`plan` without the LIMIT over the whole query (under projections only), and that LIMIT."""
    if isinstance(plan, P.Limit):
        return plan.child, plan
    if isinstance(plan, P.Project):
        child, limit = _without_limit(plan.child)
        if limit is not None:
            out = copy.copy(plan)
            out.child = child
            return out, limit
    return plan, None


def _passed(node: P.Plan, how: _How) -> tuple[P.Plan, _Passed] | None:
    """A copy of `node` with the row ids of the tables it reads (`how.locked`: those it locks,
    joins included) appended to its columns, and (table, position) of each; None: no such table."""
    locked = how.locked
    if not locked and _semi_joined(node):
        return None
    # (locks taken later pass every table's row ids: the rows read anew are found by them)
    if type(node) in (P.TableScan, P.IndexScan) and (node.lock_mode or not locked or how.deferred):
        scan = copy.copy(node)
        deferred = node.lock_mode if how.deferred else ""
        if deferred:
            scan.lock_mode, scan.lock_limit, scan.locked_above = "", None, False
        if not scan.with_rowids:
            scan.with_rowids = True
            scan.columns = [*scan.columns, P.PlanColumn("ctid", _INT8)]
        return scan, [(scan.rel_oid, len(scan.attnums), deferred)]
    if isinstance(node, _PASSING):
        if not locked and (isinstance(node, P.IncrementalSort) or
                           isinstance(node, P.Sort) and not index_gives_order(node, how.catalog)):
            return None  # PostgreSQL's plan sorts: no scan stands on the cursor's row
        below = _passed(node.child, how)
        if below is None:
            return None
        child, positions = below
        out = copy.copy(node)
        out.child = child
        if isinstance(node, P.Project):
            out.exprs = [*node.exprs, *(ColumnRef(p, _INT8, "ctid") for _, p, _ in positions)]
            out.columns = [*node.columns, *(P.PlanColumn("ctid", _INT8) for _ in positions)]
            positions = [(oid, len(node.exprs) + k, mode) for k, (oid, _, mode) in enumerate(positions)]
        else:
            out.columns = list(child.columns)
        return out, positions
    if isinstance(node, P.LockRows):
        # its child's last column is its scan's row ids, which it leaves out: they are passed
        # twice, once for it to take
        below = _passed(node.child, how)
        if below is None or len(below[1]) != 1:
            return None
        child, [(oid, position, deferred)] = below
        if how.deferred:  # no lock taken here: its child's columns, the row ids one of them
            return child, [(oid, position, deferred)]
        columns = [*child.columns, P.PlanColumn("ctid", _INT8)]
        exprs = [ColumnRef(i, c.type) for i, c in enumerate(child.columns)] + [ColumnRef(position, _INT8, "ctid")]
        out = copy.copy(node)
        out.child = P.Project(child, exprs, columns, estimated_rows=child.estimated_rows)
        out.columns = list(child.columns)
        return out, [(oid, position, deferred)]
    if locked and isinstance(node, P.Join) and _plain_join(node):
        return _passed_join(node, how)
    return None


def _semi_joined(node: P.Plan) -> bool:
    """Does `node` filter its rows by a subquery PostgreSQL's planner makes a semi or anti join
    of (pull_up_sublinks), so that its plan is no simple scan: a correlated [NOT] EXISTS, or
    `expr IN (subquery)` over the row's columns with an uncorrelated subquery, as a condition of
    the top-level AND?"""
    condition = node.predicate if isinstance(node, P.Filter) else getattr(node, "filter", None)
    if not isinstance(node, (P.Filter, P.TableScan, P.IndexScan)) or condition is None:
        return False
    for c in conjuncts(condition):
        if isinstance(c, BoolOp) and c.op == "not" and isinstance(c.args[0], SubqueryExpr) and \
                c.args[0].kind == "exists":
            c = c.args[0]  # (NOT EXISTS: an anti join)
        if isinstance(c, SubqueryExpr) and (
                c.kind == "exists" and c.correlated or
                c.kind in ("in", "any") and not c.negated and not c.correlated and c.arg is not None and
                any(isinstance(n, ColumnRef) for n in walk(c.arg))):
            return True
    return False


def _plain_join(join: P.Join) -> bool:
    """A join whose output is its sides' rows side by side, with a condition that reads them by
    position only there (no LATERAL side or subquery to renumber)."""
    if join.kind not in _JOINS or join.lateral or \
            len(join.columns) != len(join.left.columns) + len(join.right.columns):
        return False
    return join.condition is None or not any(isinstance(n, (SubqueryExpr, OuterRef)) for n in walk(join.condition))


def _passed_join(join: P.Join, how: _How) -> tuple[P.Plan, _Passed] | None:
    """A join of sides that pass their locked tables' row ids, under a projection that puts its
    columns back where they were and the row ids after them (the left side's come after its
    columns, so the join's condition reads the right side's a few places on)."""
    left, right = _passed(join.left, how), _passed(join.right, how)
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
    rowids = left_positions + [(oid, len(new_left.columns) + p, mode) for oid, p, mode in right_positions]
    kept = [*range(width), *range(len(new_left.columns), len(new_left.columns) + len(join.right.columns))]
    exprs = [ColumnRef(i, out.columns[i].type) for i in kept] + [ColumnRef(p, _INT8, "ctid") for _, p, _ in rowids]
    columns = [*join.columns, *(P.PlanColumn("ctid", _INT8) for _ in rowids)]
    project = P.Project(out, exprs, columns, estimated_rows=join.estimated_rows)
    return project, [(oid, len(join.columns) + k, mode) for k, (oid, _, mode) in enumerate(rowids)]
