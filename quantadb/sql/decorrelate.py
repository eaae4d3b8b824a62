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
from quantadb.sql.expr import (BoolOp, Call, ColumnRef, Const, Expr, OuterRef, SubqueryExpr, conjoin, conjuncts,
                               transform, walk)
from quantadb.types import registry as R


def pull_up_sublinks(plan: P.Plan) -> P.Plan:
    """`plan` with each WHERE's qualifying [NOT] EXISTS or IN (subquery) conjunct made a semi
    [anti] join."""
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, pull_up_sublinks(value))
        elif isinstance(value, list) and any(isinstance(v, P.Plan) for v in value):
            setattr(plan, name, [pull_up_sublinks(v) if isinstance(v, P.Plan) else v for v in value])
    if not isinstance(plan, P.Filter) or _locks_rows(plan.child):
        return plan  # (a scan that locks what it returns would lock rows the join then drops)
    child, rest = plan.child, []
    for c in conjuncts(plan.predicate):
        joined = _semi_join(child, c)
        if joined is None:
            rest.append(c)
        else:
            child = joined
    if child is plan.child:
        return plan
    predicate = conjoin(rest)
    if predicate is None:
        return child
    return P.Filter(child, predicate, plan.columns, estimated_rows=plan.estimated_rows)


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
    if not (isinstance(k, Call) and k.name == "=" and len(k.args) == 2):
        return None
    sides = [_side(a) for a in k.args]
    if sorted(sides) != ["inner", "outer"]:
        return None
    args = [transform(a, _as_left) if side == "outer" else transform(a, lambda n: _as_right(n, nleft))
            for a, side in zip(k.args, sides)]
    return Call(k.name, k.impl, args, k.type, k.strict, k.volatile, k.routine, k.domain)


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
