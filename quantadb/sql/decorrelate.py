"""EXISTS and NOT EXISTS subqueries correlated by equalities, and IN (subquery), planned as semi
and anti joins.

A correlated subquery runs once per distinct row of the query it filters (exec/eval.py): for
`WHERE EXISTS (SELECT 1 FROM x WHERE x.k = t.k AND ...)` over a large t, that is a query per row.
PostgreSQL's planner pulls such a sublink up into a semi join (NOT EXISTS: an anti join) with
the subquery's FROM, matching on the equalities. Here the same when, under projections and a
LIMIT of a positive constant, the subquery is a Filter over a plan that refers to no enclosing
query, and each of its conjuncts that does refer to one is `inner = outer`, `outer` over the
filtered row only: the Filter's input is joined to the subquery's on those equalities, its other
conjuncts filter the subquery's side. The rows are the same: EXISTS holds when a row of the
subquery's input passes its other conjuncts and matches on every key, and a NULL key matches
nothing, as `=` gives NULL there (NOT EXISTS then holds). `arg IN (subquery)` over a subquery
that reads nothing outside is a semi join on `arg = its column` (_in_join).
"""

from __future__ import annotations

from quantadb.sql import plan as P
from quantadb.sql.bind_support import BOOL
from quantadb.sql.expr import (BoolOp, Call, Coalesce, ColumnRef, Const, Expr, OuterRef, SubqueryExpr, conjoin,
                               conjuncts, transform, walk)
from quantadb.types import registry as R


def pull_up_sublinks(plan: P.Plan) -> P.Plan:
    """`plan` with each WHERE's qualifying [NOT] EXISTS or IN (subquery) conjunct made a semi
    [anti] join, and correlated aggregate subqueries in select lists and WHEREs grouped joins."""
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, pull_up_sublinks(value))
        elif isinstance(value, list) and any(isinstance(v, P.Plan) for v in value):
            setattr(plan, name, [pull_up_sublinks(v) if isinstance(v, P.Plan) else v for v in value])
    if isinstance(plan, P.Project):
        return _scalar_joins(plan)
    if not isinstance(plan, P.Filter) or _locks_rows(plan.child):
        return plan  # (a scan that locks what it returns would lock rows the join then drops)
    child, predicate = _scalars_joined(plan.child, plan.predicate)
    rest = []
    for c in conjuncts(predicate):
        joined = _semi_join(child, c)
        if joined is None:
            rest.append(c)
        else:
            child = joined
    if child is plan.child:
        return plan
    kept = conjoin(rest)
    out = child if kept is None else P.Filter(child, kept, child.columns, estimated_rows=plan.estimated_rows)
    if len(child.columns) == len(plan.columns):
        return out
    return P.Project(out, [ColumnRef(i, c.type, c.name) for i, c in enumerate(plan.columns)], plan.columns,
                     estimated_rows=plan.estimated_rows)  # (without the joined groups' columns)


def _scalars_joined(left: P.Plan, predicate: Expr) -> tuple[P.Plan, Expr]:
    """A WHERE's correlated aggregate subqueries as grouped left joins to its input (_grouped_join),
    as a select list's are; not under a write's target scan (its row ids pass through as they are)."""
    if any(getattr(node, "with_rowids", False) for node in P.walk_plan(left)):
        return left, predicate

    def joined(n: Expr) -> Expr | None:
        nonlocal left
        if isinstance(n, SubqueryExpr) and n.kind == "scalar" and n.correlated:
            found = _grouped_join(left, n)
            if found is not None:
                left, value = found
                return value
        return None
    predicate = transform(predicate, joined)
    return left, predicate


def _locks_rows(plan: P.Plan) -> bool:
    return any(getattr(node, "lock_mode", "") for node in P.walk_plan(plan))


def _semi_join(left: P.Plan, c: Expr) -> P.Join | None:
    if isinstance(c, SubqueryExpr) and c.kind == "in":
        return _in_join(left, c)
    anti = isinstance(c, BoolOp) and c.op == "not"
    sub = c.args[0] if anti else c
    if not (isinstance(sub, SubqueryExpr) and sub.kind == "exists" and sub.correlated) or _locks_rows(sub.plan):
        return None  # (FOR UPDATE in it: PostgreSQL's simplify_EXISTS_query keeps the sublink too)
    inner = sub.plan
    while isinstance(inner, P.Project) or isinstance(inner, P.Limit) and _positive(inner):
        inner = inner.child
    if not isinstance(inner, P.Filter) or P.is_correlated_to(inner.child, 1):
        return None
    nleft = len(left.columns)
    keys, others = [], []
    for k in conjuncts(inner.predicate):
        if not _refers_out(k):
            others.append(k)
            continue
        key = _key_equality(k, nleft)
        if key is None:
            return None
        keys.append(key)
    if not keys:  # (correlated only in its select list: no key to match on)
        return None
    right = inner.child
    if others:
        right = P.Filter(right, conjoin(others), right.columns, estimated_rows=inner.estimated_rows)
    return P.Join("anti" if anti else "semi", left, right, list(left.columns), conjoin(keys),
                  estimated_rows=max(left.estimated_rows / 2, 1))


def _in_join(left: P.Plan, sub: SubqueryExpr) -> P.Join | None:
    """`arg IN (SELECT x ...)` (not NOT IN: a NULL there decides otherwise), the subquery reading
    nothing outside, `arg` over the filtered row alone: a semi join on arg = x. Where a WHERE
    keeps a row, the same: IN is true only when some x equals arg."""
    if sub.correlated or sub.negated or sub.arg.type.pg is R.RECORD or _side(sub.arg) != "inner" or \
            _locks_rows(sub.plan):
        return None
    column = sub.plan.columns[0]
    key = Call("=", sub.op_impl, [sub.arg, ColumnRef(len(left.columns), column.type, column.name)], BOOL)
    return P.Join("semi", left, sub.plan, list(left.columns), key, estimated_rows=max(left.estimated_rows / 2, 1))


# aggregates over no rows: 0 for these, NULL for those (any other keeps its subquery)
_ZERO_ON_EMPTY = {"count", "regr_count"}
_NULL_ON_EMPTY = {"sum", "min", "max", "avg", "bool_and", "bool_or", "every", "array_agg", "string_agg", "json_agg",
                  "jsonb_agg", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "bit_and",
                  "bit_or", "bit_xor"}


def _scalar_joins(project: P.Project) -> P.Project:
    """A select list's `(SELECT agg(...) FROM x WHERE x.k = t.k ...)`: x grouped by its keys once and
    left-joined to the row, in place of the subquery per row (a key no group has gives what the
    aggregate gives over no rows: count 0, the others NULL)."""
    for i, e in enumerate(project.exprs):
        if isinstance(e, SubqueryExpr) and e.kind == "scalar" and e.correlated:
            found = _grouped_join(project.child, e)
            if found is not None:
                project.child, project.exprs[i] = found
    return project


def _grouped_join(left: P.Plan, sub: SubqueryExpr) -> tuple[P.Join, Expr] | None:
    """(left joined to the subquery's input grouped by its keys, the subquery's value over that join)."""
    outputs, node = None, sub.plan  # the Projects above the Aggregate, composed
    while isinstance(node, P.Project):
        if any(_refers_out(x) for x in node.exprs):
            return None
        exprs = node.exprs
        outputs = exprs if outputs is None else \
            [transform(x, lambda n: exprs[n.index] if isinstance(n, ColumnRef) else None) for x in outputs]
        node = node.child
    if not (isinstance(node, P.Aggregate) and not node.group_exprs and node.grouping_sets is None
            and isinstance(node.child, P.Filter) and not P.is_correlated_to(node.child.child, 1)):
        return None
    if any(a.name not in _ZERO_ON_EMPTY | _NULL_ON_EMPTY or _refers_out(a)
           or any(isinstance(n, Call) and n.volatile for n in walk(a)) for a in node.aggs):
        return None
    nleft = len(left.columns)
    keys, others = [], []
    for k in conjuncts(node.child.predicate):
        if not _refers_out(k):
            others.append(k)
            continue
        sides = _key_sides(k)
        if sides is None:
            return None
        keys.append((k, *sides))
    if not keys:
        return None
    source = node.child.child
    if others:
        source = P.Filter(source, conjoin(others), source.columns, estimated_rows=node.child.estimated_rows)
    inner_keys = [inner for _, _, inner, _ in keys]
    grouped = P.Aggregate(source, inner_keys, node.aggs,
                          [P.PlanColumn(f"key{j}", k.type) for j, k in enumerate(inner_keys)] + list(node.columns),
                          estimated_rows=max(source.estimated_rows / 2, 1))
    matches = []
    for j, (k, outer, inner, outer_first) in enumerate(keys):
        group_key = ColumnRef(nleft + j, inner.type)
        matches.append(Call("=", k.impl, [outer, group_key] if outer_first else [group_key, outer], BOOL))
    join = P.Join("left", left, grouped, list(left.columns) + list(grouped.columns), conjoin(matches),
                  estimated_rows=left.estimated_rows)
    start = nleft + len(keys)
    values = [Coalesce([ColumnRef(start + j, a.type), Const(0, a.type)], a.type) if a.name in _ZERO_ON_EMPTY
              else ColumnRef(start + j, a.type) for j, a in enumerate(node.aggs)]
    if outputs is None:
        return join, values[0]
    return join, transform(outputs[0], lambda n: values[n.index] if isinstance(n, ColumnRef) else None)


def _positive(limit: P.Limit) -> bool:
    """A LIMIT that cannot change whether a row exists: a positive constant, no OFFSET."""
    return limit.offset is None and isinstance(limit.limit, Const) and isinstance(limit.limit.value, int) \
        and limit.limit.value > 0


def _refers_out(e: Expr) -> bool:
    """Does `e` (in the subquery) read the filtered query's row, or one further out?"""
    for n in walk(e):
        if isinstance(n, OuterRef) or isinstance(n, SubqueryExpr) and P.is_correlated_to(n.plan, 2):
            return True
    return False


def _key_equality(k: Expr, nleft: int) -> Expr | None:
    """`inner = outer` over the join's row (the filtered row's columns, then the subquery's), or
    None when `k` is not one."""
    sides = _key_sides(k)
    if sides is None:
        return None
    outer, inner, outer_first = sides
    inner = transform(inner, lambda n: _as_right(n, nleft))
    return Call(k.name, k.impl, [outer, inner] if outer_first else [inner, outer], k.type, k.strict, k.volatile,
                k.routine, k.domain)


def _key_sides(k: Expr) -> tuple[Expr, Expr, bool] | None:
    """For `inner = outer` (either way round): (outer over the filtered row's columns, inner over
    the subquery's row, whether outer came first); None when `k` is not one."""
    if not (isinstance(k, Call) and k.name == "=" and len(k.args) == 2):
        return None
    sides = [_side(a) for a in k.args]
    if sorted(sides) != ["inner", "outer"]:
        return None
    outer_first = sides[0] == "outer"
    outer, inner = k.args if outer_first else k.args[::-1]
    return transform(outer, _as_left), inner, outer_first


def _side(e: Expr) -> str:
    """'outer': reads only the filtered row (depth 1); 'inner': only the subquery's own row."""
    outer = inner = False
    for n in walk(e):
        if isinstance(n, OuterRef):
            if n.depth != 1:
                return ""
            outer = True
        elif isinstance(n, ColumnRef):
            inner = True
        elif isinstance(n, SubqueryExpr) or isinstance(n, Call) and n.volatile:
            return ""
    return "" if outer == inner else "outer" if outer else "inner"


def _as_left(n: Expr) -> Expr | None:
    return ColumnRef(n.index, n.type, n.name) if isinstance(n, OuterRef) else None


def _as_right(n: Expr, nleft: int) -> Expr | None:
    return ColumnRef(n.index + nleft, n.type, n.name) if isinstance(n, ColumnRef) else None
