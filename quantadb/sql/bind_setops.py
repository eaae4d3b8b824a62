"""Binding VALUES lists and set operations (UNION, INTERSECT, EXCEPT): the type each column takes
in all branches, and the ORDER BY and LIMIT of a set operation or parenthesised query (LIMIT of
a SELECT too). A mixin of QueryBinder."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, SyntaxError as SqlSyntaxError
from quantadb.sql import functions as F
from quantadb.sql import plan as P
from quantadb.sql.bind_locking import check_set_operation_locking
from quantadb.sql.bind_support import INT8, TEXT
from quantadb.sql.expr import ColumnRef, Const, Expr
from quantadb.sql.parse import to_sql
from quantadb.sql.positions import expr_location
from quantadb.sql.scope import Scope
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


class SetOpBinder:
    """Uses QueryBinder's bind_query and expr_binder."""

    def cast_plan(self, plan: P.Plan, types: list[SqlType]) -> P.Plan:
        """The plan's rows converted to `types` (set operation branches, recursive WITH terms)."""
        return _cast_plan(self, plan, types)

    def _bind_values(self, node: exp.Values, parent: Scope | None) -> P.Plan:
        binder = self.expr_binder(Scope(parent=parent))
        nodes = [t.expressions if isinstance(t, exp.Tuple) else [t] for t in node.expressions]
        rows = [[binder.bind(v) for v in row] for row in nodes]
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise SqlSyntaxError("VALUES lists must all be the same length")
        types = [binder.common_type([r[i] for r in rows], [n[i] for n in nodes], "VALUES") for i in range(width)]
        rows = [[binder.coerce_at(r[i], types[i], n[i]) for i in range(width)] for r, n in zip(rows, nodes)]
        columns = [P.PlanColumn(f"column{i + 1}", types[i]) for i in range(width)]
        plan = P.Values(rows, columns)
        plan.estimated_rows = len(rows)
        return plan

    def _bind_setop(self, node: exp.Expression, parent: Scope | None) -> P.Plan:
        check_set_operation_locking(node)
        # the branches keep unknown-typed columns: the set operation resolves their type
        self.resolve_unknowns = False
        left = self.bind_query(node.this, parent)
        self.resolve_unknowns = False
        right = self.bind_query(node.expression, parent)
        if len(left.columns) != len(right.columns):
            kind = type(node).__name__.upper()
            raise SqlSyntaxError(f"each {kind} query must have the same number of columns")
        types = []
        right_items = node.expression.expressions if isinstance(node.expression, exp.Select) else []
        for i, (lc, rc) in enumerate(zip(left.columns, right.columns)):
            # an error points at the right branch's column, as PostgreSQL's
            where = (lambda _, i=i: expr_location(right_items[i])) if i < len(right_items) else None
            t = F.select_common_type([lc.type, rc.type], type(node).__name__.upper(), where)
            types.append(TEXT if t.pg is R.UNKNOWN else t)
        left = self.cast_plan(left, types)
        right = self.cast_plan(right, types)
        columns = [P.PlanColumn(c.name, t) for c, t in zip(left.columns, types)]
        kind = {exp.Union: "union", exp.Intersect: "intersect", exp.Except: "except"}[type(node)]
        plan: P.Plan = P.SetOp(kind, not node.args.get("distinct"), left, right, columns)
        plan.estimated_rows = left.estimated_rows + right.estimated_rows
        order = node.args.get("order")
        for o in order.expressions if order is not None else []:
            if not isinstance(o.this, (exp.Column, exp.Literal)) or (
                    isinstance(o.this, exp.Column) and o.this.args.get("table")):
                raise FeatureNotSupported("invalid UNION/INTERSECT/EXCEPT ORDER BY clause")
        return self._order_limit_outer(node, plan, parent)

    def _order_limit_outer(self, node: exp.Expression, plan: P.Plan, parent: Scope | None) -> P.Plan:
        """ORDER BY / LIMIT attached to a set operation or parenthesised query: by output columns."""
        order = node.args.get("order")
        if order is not None:
            scope = Scope(parent=parent)
            scope.add("", plan.columns)
            binder = self.expr_binder(scope)
            keys = []
            for o in order.expressions:
                target = o.this
                if isinstance(target, exp.Literal) and not target.is_string:
                    expr = ColumnRef(int(target.this) - 1, plan.columns[int(target.this) - 1].type)
                else:
                    expr = binder.bind(target)
                keys.append(sort_key(o, expr))
            plan = P.Sort(plan, keys, plan.columns, estimated_rows=plan.estimated_rows)
        return self._limit(node, plan, parent)

    def _limit(self, node: exp.Expression, plan: P.Plan, parent: Scope | None) -> P.Plan:
        limit = node.args.get("limit")
        offset = node.args.get("offset")
        if limit is None and offset is None:
            return plan
        binder = self.expr_binder(Scope(parent=parent))
        limit_e = offset_e = None
        if limit is not None:
            target = limit.args.get("expression") or limit.this
            if isinstance(limit, exp.Fetch):
                target = limit.args.get("count") or exp.Literal.number(1)
            if isinstance(target, exp.Var) and target.name.upper() == "ALL":
                target = exp.Null()  # LIMIT ALL
            limit_e = binder.coerce_at(binder.bind(target), INT8, target, "a")
        if offset is not None:
            target = offset.args.get("expression") or offset.this
            offset_e = binder.coerce_at(binder.bind(target), INT8, target, "a")
        estimated = plan.estimated_rows
        if isinstance(limit_e, Const) and limit_e.value is not None:
            estimated = min(estimated, limit_e.value)
        return P.Limit(plan, limit_e, offset_e, plan.columns, estimated_rows=estimated)


def sort_key(o: exp.Expression, expr: Expr) -> tuple[Expr, bool, bool]:
    if isinstance(o, exp.Ordered):
        desc = bool(o.args.get("desc"))
        nulls_first = o.args.get("nulls_first")
        # sqlglot fills nulls_first from its dialect default; PostgreSQL: NULLS LAST for ASC, FIRST for DESC
        explicit = "NULLS" in to_sql(o).upper()
        if not explicit:
            nulls_first = desc
        return expr, desc, bool(nulls_first)
    return expr, False, False


def _scope_of(plan: P.Plan) -> Scope:
    scope = Scope()
    scope.add("", plan.columns)
    return scope


def _cast_plan(binder: "SetOpBinder", plan: P.Plan, types: list[SqlType]) -> P.Plan:
    if all(c.type == t for c, t in zip(plan.columns, types)):
        return plan
    eb = binder.expr_binder(_scope_of(plan))
    exprs = [eb.coerce(ColumnRef(i, c.type, c.name), t) if not (isinstance(plan, P.Values)) else
             ColumnRef(i, c.type, c.name) for i, (c, t) in enumerate(zip(plan.columns, types))]
    if isinstance(plan, P.Values):
        plan.rows = [[eb.coerce(v, t) for v, t in zip(row, types)] for row in plan.rows]
        plan.columns = [P.PlanColumn(c.name, t) for c, t in zip(plan.columns, types)]
        return plan
    return P.Project(plan, exprs, [P.PlanColumn(c.name, t) for c, t in zip(plan.columns, types)],
                     estimated_rows=plan.estimated_rows)
