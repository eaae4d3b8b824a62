"""Optimizer rules: small passes over the plan tree, applied in a fixed order.

1. push_filters: a Filter's conjuncts move below joins to the side they refer to, and
   into the scan they sit on (evaluated per segment, before anything is copied); a constant
   false/NULL conjunct replaces the whole filter.
2. use_indexes, 3. use_index_order: scans that read through an index (sql/index_paths.py,
   sql/index_order.py).
4. prune_columns: scans read only the columns the operators above them use.
5. use_index_lookups: joins that may read a side through an index (sql/index_paths.py).
Subqueries' plans go through the same rules.
"""

from __future__ import annotations

from quantadb.sql import plan as P
from quantadb.sql.expr import Call, ColumnRef, Const, Expr, OuterRef, SubqueryExpr, conjoin, conjuncts, transform, walk
from quantadb.sql.index_order import use_index_order
from quantadb.sql.bind_support import INT8
from quantadb.sql.decorrelate import pull_up_sublinks
from quantadb.sql.index_paths import IndexCatalog, IndexExpressions, use_index_lookups, use_indexes
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


def optimize(plan: P.Plan, catalog: IndexCatalog, expressions: IndexExpressions | None = None,
             _ctes_done: set[int] | None = None) -> P.Plan:
    """The plan with the rules applied, and so the plans of its subqueries and WITH queries."""
    done = set() if _ctes_done is None else _ctes_done  # a WITH query read twice is optimized once
    plan = pull_up_sublinks(plan)
    plan = push_filters(plan)
    plan = use_indexes(plan, catalog, expressions)
    plan = use_index_order(plan, catalog, expressions)
    plan = prune_columns(plan)
    plan = use_index_lookups(plan, catalog)  # after pruning: its IndexScan copies the pruned scan
    limit_row_locks(plan)
    for sub in _subqueries(plan):
        sub.plan = optimize(sub.plan, catalog, expressions, done)
    for cte in _ctes(plan):
        if id(cte) not in done:
            done.add(id(cte))  # (first: a recursive term reads its own CTE)
            if cte.plan is not None:
                cte.plan = optimize(cte.plan, catalog, expressions, done)
            if cte.recursive_plan is not None:
                cte.recursive_plan = optimize(cte.recursive_plan, catalog, expressions, done)
    return plan


def _ctes(plan: P.Plan) -> list[P.CteDef]:
    """The WITH queries the plan's nodes read or run (not those nested in them)."""
    found = []
    for node in _nodes(plan):
        if isinstance(node, P.CteScan):
            found.append(node.cte)
        elif isinstance(node, P.ModifyingCtes):
            found.extend(node.ctes)
    return found


def _subqueries(plan: P.Plan) -> list[SubqueryExpr]:
    """The subqueries in the expressions of the plan's nodes (not those nested in them)."""
    found = []
    for node in _nodes(plan):
        for value in vars(node).values():
            for e in _flattened(value):
                if isinstance(e, Expr):
                    found.extend(n for n in walk(e) if isinstance(n, SubqueryExpr))
    return found


def _flattened(value) -> list:
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flattened(v)]
    return [value]


# -- predicate pushdown ------------------------------------------------------------------------



def _columns_used(e: Expr) -> set[int] | None:
    """Input positions an expression reads; None if it has side effects or outer references."""
    used = set()
    for n in walk(e):
        if isinstance(n, ColumnRef):
            used.add(n.index)
        elif isinstance(n, OuterRef) or getattr(n, "plan", None) is not None:
            return None
        elif isinstance(n, Call) and n.volatile:
            return None
    return used


def push_filters(plan: P.Plan) -> P.Plan:
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, push_filters(value))
    if not isinstance(plan, P.Filter):
        return plan
    child = plan.child
    parts = _gated(conjuncts(plan.predicate))
    if isinstance(child, P.Filter):  # merge stacked filters
        return push_filters(P.Filter(child.child, conjoin(conjuncts(child.predicate) + parts), plan.columns,
                                     estimated_rows=plan.estimated_rows))
    if isinstance(child, P.TableScan):
        existing = conjuncts(child.filter) if child.filter is not None else []
        child.filter = conjoin(existing + parts)
        child.estimated_rows = plan.estimated_rows
        return child
    if isinstance(child, P.Project):  # a subquery's or view's select list: its expressions filtered below
        return _push_through(plan, parts, child, child.exprs)
    if isinstance(child, P.Aggregate) and child.group_exprs and child.grouping_sets is None:
        return _push_through(plan, parts, child, child.group_exprs)  # a condition on group keys: the same groups
    if isinstance(child, P.SetOp) and child.kind == "union" and child.all and _arms_typed_as(child):
        down, keep = _pushable(parts)  # each arm filtered alike: the same rows
        if down:
            child.left, child.right = _below(child.left, down), _below(child.right, down)
        return _filtered(plan, child, keep)
    if isinstance(child, P.Join) and child.kind in ("semi", "anti"):  # its rows are left rows
        down, keep = _pushable(parts)
        if down:
            child.left = _below(child.left, down)
        return _filtered(plan, child, keep)
    if isinstance(child, P.Join) and child.kind in ("inner", "cross", "left") and not child.lateral:
        nleft = len(child.left.columns)
        keep, to_left, to_right = [], [], []
        for c in parts:
            used = _columns_used(c)
            if used is None or not used:
                keep.append(c)
            elif max(used) < nleft:
                to_left.append(c)
            elif min(used) >= nleft and child.kind != "left":
                to_right.append(_shift(c, nleft))
            elif child.kind in ("inner", "cross"):
                child.condition = conjoin(([child.condition] if child.condition is not None else []) + [c])
                child.kind = "inner"
            else:
                keep.append(c)
        if to_left:
            child.left = push_filters(P.Filter(child.left, conjoin(to_left), child.left.columns,
                                               estimated_rows=max(child.left.estimated_rows / 3, 1)))
        if to_right:
            child.right = push_filters(P.Filter(child.right, conjoin(to_right), child.right.columns,
                                                estimated_rows=max(child.right.estimated_rows / 3, 1)))
        _push_join_condition(child)
        if not keep:
            return child
        return P.Filter(child, conjoin(keep), plan.columns, estimated_rows=plan.estimated_rows)
    return plan


def _push_through(plan: P.Filter, parts: list[Expr], child: P.Project | P.Aggregate, exprs: list[Expr]) -> P.Plan:
    """The conjuncts over `child`'s first columns, which are `exprs` of its input, filter its
    input instead, rewritten in them (when neither they nor what they read is volatile or reads a
    subquery); below the filters already there, whose conjuncts an AND tests first."""
    down, keep = [], []
    for c in parts:
        used = _columns_used(c)
        if used and max(used) < len(exprs) and all(_columns_used(exprs[i]) is not None for i in used):
            down.append(transform(c, lambda n: exprs[n.index] if isinstance(n, ColumnRef) else None))
        else:
            keep.append(c)
    if down:
        child.child = _below(child.child, down)
    return _filtered(plan, child, keep)


def _pushable(parts: list[Expr]) -> tuple[list[Expr], list[Expr]]:
    """The conjuncts that may move below (over columns only: not volatile, no subquery), the rest."""
    return [c for c in parts if _columns_used(c)], [c for c in parts if not _columns_used(c)]


def _below(child: P.Plan, parts: list[Expr]) -> P.Plan:
    """`child` filtered by `parts`, pushed on down."""
    return push_filters(P.Filter(child, conjoin(parts), child.columns, estimated_rows=max(child.estimated_rows / 3, 1)))


def _filtered(plan: P.Filter, child: P.Plan, keep: list[Expr]) -> P.Plan:
    """`child` under the conjuncts of `plan` that stay above it."""
    return P.Filter(child, conjoin(keep), plan.columns, estimated_rows=plan.estimated_rows) if keep else child


def _arms_typed_as(setop: P.SetOp) -> bool:
    """Do both arms give the set operation's column types (so its conditions read them alike)?"""
    return all(a.type == c.type and b.type == c.type
               for a, b, c in zip(setop.left.columns, setop.right.columns, setop.columns))


def _gated(parts: list[Expr]) -> list[Expr]:
    """A constant false or NULL conjunct decides the whole filter: PostgreSQL makes it a one-time
    gate, so the other conjuncts are never evaluated (and never raise, e.g. on overflow)."""
    if any(isinstance(c, Const) and (c.value is None or c.value is False) for c in parts):
        return [Const(False, SqlType(R.BOOL))]
    return parts


def _push_join_condition(join: P.Join) -> None:
    """Conjuncts of an inner join's ON that touch one side only become filters on that side."""
    if join.kind != "inner" or join.condition is None:
        return
    nleft = len(join.left.columns)
    keep, to_left, to_right = [], [], []
    for c in conjuncts(join.condition):
        used = _columns_used(c)
        if used and max(used) < nleft:
            to_left.append(c)
        elif used and min(used) >= nleft:
            to_right.append(_shift(c, nleft))
        else:
            keep.append(c)
    join.condition = conjoin(keep)
    if to_left:
        join.left = push_filters(P.Filter(join.left, conjoin(to_left), join.left.columns,
                                          estimated_rows=max(join.left.estimated_rows / 3, 1)))
    if to_right:
        join.right = push_filters(P.Filter(join.right, conjoin(to_right), join.right.columns,
                                           estimated_rows=max(join.right.estimated_rows / 3, 1)))


def _shift(e: Expr, by: int) -> Expr:
    return transform(e, lambda n: ColumnRef(n.index - by, n.type, n.name) if isinstance(n, ColumnRef) else None)


# -- projection pruning ----------------------------------------------------------------------------

def _refs(exprs) -> set[int]:
    out: set[int] = set()
    for e in exprs:
        if e is None:
            continue
        for n in walk(e):
            if isinstance(n, ColumnRef):
                out.add(n.index)
    return out


def _remap(e, mapping: dict[int, int]):
    if e is None:
        return None
    return transform(e, lambda n: ColumnRef(mapping[n.index], n.type, n.name) if isinstance(n, ColumnRef) else None)


def _has_correlation(plan: P.Plan) -> bool:
    """Subqueries and LATERAL joins address rows by position: leave such plans unpruned."""
    for node in _nodes(plan):
        if isinstance(node, P.Join) and node.lateral:
            return True
        for value in vars(node).values():
            for e in (value if isinstance(value, list) else [value]):
                items = e if isinstance(e, tuple) else (e,)
                for item in items:
                    if hasattr(item, "children") and not isinstance(item, P.Plan):
                        for n in walk(item):
                            if getattr(n, "plan", None) is not None or isinstance(n, OuterRef):
                                return True
    return False


def _nodes(plan: P.Plan):
    yield plan
    for child in plan.children():
        yield from _nodes(child)


def limit_row_locks(plan: P.Plan) -> None:
    """SELECT ... LIMIT n FOR UPDATE/SHARE locks only the rows the LIMIT takes, as PostgreSQL's
    LockRows under its Limit: `ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`, a job queue's, locks one
    row, not every row the scan read. A locking scan right under the Limit (through projections)
    locks in its order until it has enough (TableScan.lock_limit); under a Sort, the scan passes its
    row ids up and a LockRows between the Sort and the Limit locks in the sorted order."""
    for node in _nodes(plan):
        if not isinstance(node, P.Limit) or node.limit is None:
            continue
        above, child = node, node.child
        while isinstance(child, P.Project):
            above, child = child, child.child
        if isinstance(child, (P.TableScan, P.IndexScan)) and child.lock_mode:
            child.lock_limit = (node.limit, node.offset)
        elif isinstance(child, P.Sort):
            chain, scan = [child], child.child
            while isinstance(scan, P.Project):
                chain.append(scan)
                scan = scan.child
            if isinstance(scan, (P.TableScan, P.IndexScan)) and scan.lock_mode and not scan.with_rowids:
                above.child = P.LockRows(child, scan.rel_oid, scan.lock_mode, (node.limit, node.offset),
                                         list(child.columns), estimated_rows=child.estimated_rows)
                _pass_row_ids(scan, chain)


def _pass_row_ids(scan: P.TableScan | P.IndexScan, chain: list[P.Plan]) -> None:
    """The scan's row ids as a last column of it and of each node of `chain` (from the top down to it)."""
    scan.with_rowids, scan.locked_above = True, True
    scan.columns = [*scan.columns, P.PlanColumn("ctid", INT8)]
    below: P.Plan = scan
    for node in reversed(chain):
        if isinstance(node, P.Project):
            node.exprs = [*node.exprs, ColumnRef(len(below.columns) - 1, INT8, "ctid")]
        node.columns = [*node.columns, P.PlanColumn("ctid", INT8)]
        below = node


def prune_columns(plan: P.Plan) -> P.Plan:
    """Scans read only the columns the plan above them uses."""
    if _has_correlation(plan):
        return plan
    new, _ = _prune(plan, set(range(len(plan.columns))))
    return new


def _identity(n: int) -> dict[int, int]:
    return {i: i for i in range(n)}


def _prune(plan: P.Plan, needed: set[int]) -> tuple[P.Plan, dict[int, int]]:
    """Rebuild `plan` producing at least `needed` of its columns; returns the old->new position map."""
    if isinstance(plan, (P.TableScan, P.IndexScan)):
        ncols = len(plan.attnums)
        keep_set = {i for i in needed if i < ncols} | {i for i in _refs([plan.filter]) if i < ncols}
        if isinstance(plan, P.IndexScan):
            keep_set |= {i for i in _refs(plan.keys or []) | _refs([plan.index_cond] if plan.missing else [])
                         if i < ncols}
        keep = sorted(keep_set)
        if len(keep) == ncols:
            return plan, _identity(len(plan.columns))
        mapping = {old: new for new, old in enumerate(keep)}
        if plan.with_rowids:  # the row id column stays last
            mapping[ncols] = len(keep)
        plan.attnums = [plan.attnums[i] for i in keep]
        plan.columns = [plan.columns[i] for i in keep] + (plan.columns[ncols:] if plan.with_rowids else [])
        plan.filter = _remap(plan.filter, mapping)
        if isinstance(plan, P.IndexScan):
            plan.keys = [_remap(k, mapping) for k in plan.keys] if plan.keys else plan.keys
            # (read by use_index_order before pruning; after it, only for the rows the index misses)
            plan.index_cond = _remap(plan.index_cond, mapping) if plan.missing else None
        return plan, mapping
    if isinstance(plan, P.Project):
        child, mapping = _prune(plan.child, _refs(plan.exprs))
        plan.child = child
        plan.exprs = [_remap(e, mapping) for e in plan.exprs]
        return plan, _identity(len(plan.columns))
    if isinstance(plan, (P.Filter, P.Sort, P.Limit)):
        extra = _refs([plan.predicate]) if isinstance(plan, P.Filter) else (
            _refs([k for k, _, _ in plan.keys]) if isinstance(plan, P.Sort) else set())
        child, mapping = _prune(plan.child, needed | extra)
        plan.child = child
        if isinstance(plan, P.Filter):
            plan.predicate = _remap(plan.predicate, mapping)
        elif isinstance(plan, P.Sort):
            plan.keys = [(_remap(k, mapping), d, nf) for k, d, nf in plan.keys]
        plan.columns = list(child.columns)  # these operators pass their input's columns through
        return plan, mapping
    if isinstance(plan, P.Aggregate):
        inputs = _refs(plan.group_exprs)
        for agg in plan.aggs:
            inputs |= _refs(agg.args) | _refs([agg.filter]) | _refs([k for k, _, _ in agg.order_by])
        child, mapping = _prune(plan.child, inputs)
        plan.child = child
        plan.group_exprs = [_remap(e, mapping) for e in plan.group_exprs]
        for agg in plan.aggs:
            agg.args = [_remap(a, mapping) for a in agg.args]
            agg.filter = _remap(agg.filter, mapping)
            agg.order_by = [(_remap(k, mapping), d, nf) for k, d, nf in agg.order_by]
        return plan, _identity(len(plan.columns))
    if isinstance(plan, P.Join) and not plan.lateral:
        nleft = len(plan.left.columns)
        cond = _refs([plan.condition])
        want = needed | cond
        left, lmap = _prune(plan.left, {i for i in want if i < nleft})
        right, rmap = _prune(plan.right, {i - nleft for i in want if i >= nleft})
        new_nleft = len(left.columns)
        mapping = {i: lmap[i] for i in lmap}
        mapping.update({i + nleft: rmap[i] + new_nleft for i in rmap})
        plan.left, plan.right = left, right
        plan.condition = _remap(plan.condition, mapping)
        if plan.kind in ("semi", "anti"):  # only the left side's columns come out
            plan.columns = list(left.columns)
            return plan, lmap
        plan.columns = list(left.columns) + list(right.columns)
        return plan, mapping
    # anything else needs every column of its inputs
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            child, _ = _prune(value, set(range(len(value.columns))))
            setattr(plan, name, child)
    return plan, _identity(len(plan.columns))
