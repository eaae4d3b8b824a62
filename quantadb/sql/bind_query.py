"""Binding queries: SELECT (WHERE, GROUP BY, HAVING, windows, DISTINCT, ORDER BY, LIMIT), set
operations, VALUES and WITH, into plan trees; the FROM clause is bind_from.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from quantadb.errors import (AmbiguousColumn, FeatureNotSupported, GroupingError, InvalidColumnReference,
                             SyntaxError as SqlSyntaxError, UndefinedColumn, UndefinedTable)
from quantadb.sql import functions as F
from quantadb.sql import plan as P
from quantadb.sql.bind_expr import ExprBinder
from quantadb.sql.bind_support import TEXT
from quantadb.sql.bind_from import FromBinder, renamed
from quantadb.sql.bind_locking import check_select_locking, lock_rows
from quantadb.sql.bind_setops import SetOpBinder, sort_key
from quantadb.sql.bind_window import check_window_definitions
from quantadb.sql.bind_with import WithBinder, is_correlated
from quantadb.sql.catalog import CatalogView
from quantadb.sql.expr import (AggRef, Call, ColumnRef, Const, Expr, OuterRef, SubqueryExpr, WindowCall,
                               expr_key, transform, walk)
from quantadb.sql.names import column_name
from quantadb.sql.parse import to_sql
from quantadb.sql.positions import column_position, name_position, token_position
from quantadb.sql.scope import Scope
from quantadb.types import registry as R
from quantadb.types.codecs import FormatContext
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.sql.view_refs import References


class QueryBinder(WithBinder, FromBinder, SetOpBinder):
    """Binds one statement's queries. `params` is shared by every nested query of the statement."""

    def __init__(self, catalog: CatalogView, params: list[SqlType], fmt: FormatContext) -> None:
        self.catalog = catalog
        self.params = params
        self.fmt = fmt
        self.ctes: list[dict[str, P.CteDef]] = []
        self.depth = 0  # queries being bound: 0 while binding the statement itself
        self._view_depth = 0
        # the system columns of stored rows the statement names (bind_from.row_system_names)
        self.system_names: frozenset[str] = frozenset()
        # unknown-typed select-list items become text (PostgreSQL 10+), except in the SELECT that
        # feeds an INSERT, where the target columns give them their types; read by the next SELECT
        self.resolve_unknowns = True
        # binding a SQL function's body (sql/functions/user.py): its parameters by name, the
        # functions being bound (recursion), and whether calls may name procedures (CALL)
        self.param_names: dict[str, int] = {}
        self.function_name = ""
        self.active_routines: tuple[int, ...] = ()
        self.allow_procedures = False
        self.inline_functions = True  # off to deparse a stored expression as written (pg_get_expr)
        self.recorder: References | None = None  # binding a view's query to rewrite it (view_refs.py)

    def expr_binder(self, scope: Scope) -> ExprBinder:
        binder = ExprBinder(scope, self.params, self.fmt, self._bind_subquery, self.catalog.regclass)
        binder.routines = self
        binder.recorder = self.recorder if self._view_depth == 0 else None
        return binder

    def _bind_subquery(self, node: exp.Expression, scope: Scope) -> tuple[P.Plan, bool]:
        plan = self.bind_query(node, scope)
        return plan, is_correlated(plan)

    # -- queries -----------------------------------------------------------------------------------

    def bind_query(self, node: exp.Expression, parent: Scope | None = None) -> P.Plan:
        if isinstance(node, exp.Subquery):
            plan = self.bind_query(node.this, parent)
            return self._order_limit_outer(node, plan, parent)
        if isinstance(node, exp.Paren):
            return self.bind_query(node.this, parent)
        top_level = self.depth == 0
        self.depth += 1
        try:
            return self.bind_with(node, parent, lambda: self._bind_query_body(node, parent), top_level)
        finally:
            self.depth -= 1

    def _bind_query_body(self, node: exp.Expression, parent: Scope | None) -> P.Plan:
        if isinstance(node, exp.Select):
            return self._bind_select(node, parent)
        if isinstance(node, (exp.Union, exp.Intersect, exp.Except)):
            return self._bind_setop(node, parent)
        if isinstance(node, exp.Values):
            return self._order_limit_outer(node, self._bind_values(node, parent), parent)
        raise FeatureNotSupported(f"unsupported query: {to_sql(node)[:60]}")

    # -- SELECT --------------------------------------------------------------------------------------

    def _bind_select(self, node: exp.Select, parent: Scope | None) -> P.Plan:
        resolve_unknowns, self.resolve_unknowns = self.resolve_unknowns, True
        plan, scope = self._bind_from(node, parent)
        binder = self.expr_binder(scope)
        where = node.args.get("where")
        if where is not None:
            binder.context = "WHERE"
            predicate = binder.bind_bool(where.this, "WHERE")
            plan = P.Filter(plan, predicate, plan.columns, estimated_rows=max(plan.estimated_rows / 3, 1))

        # select list, with stars expanded
        items: list[tuple[str, Expr, exp.Expression | None]] = []
        binder.aggregates = []
        binder.windows = []
        binder.context = "SELECT"
        for item in node.expressions:
            target = item.this if isinstance(item, exp.Alias) else item
            if isinstance(target, exp.Star) and any(target.args.get(k) for k in ("except_", "except", "replace", "rename")):
                raise SqlSyntaxError("syntax error at or near \"(\"")
            if isinstance(target, exp.Star) or (isinstance(target, exp.Column) and isinstance(target.this, exp.Star)):
                qualifier = target.args.get("table").name if isinstance(target, exp.Column) and target.args.get("table") else None
                if qualifier is None and isinstance(plan, P.Result):
                    raise SqlSyntaxError("SELECT * with no tables specified is not valid")
                try:
                    expanded = scope.star(qualifier)
                except UndefinedTable as error:  # t.* naming no range variable
                    error.position = name_position(target)
                    raise
                if self.recorder is not None and self._view_depth == 0:
                    self.recorder.stars.append((target, [scope.columns[i] for i in expanded]))
                for i in expanded:
                    c = scope.columns[i]
                    items.append((c.name, ColumnRef(i, c.column.type, c.name), None))
                continue
            if isinstance(target, exp.Dot) and isinstance(target.expression, exp.Star):  # (row).*
                items += [(name, e, None) for name, e in binder.expand_fields(binder.bind(target.this))]
                continue
            expr = binder.bind(target)
            name = item.alias if isinstance(item, exp.Alias) else column_name(target, expr)
            items.append((name, expr, target))
        if resolve_unknowns:
            items = [(n, binder.coerce(e, TEXT) if e.type.pg is R.UNKNOWN else e, src) for n, e, src in items]
        check_window_definitions(binder, node)

        group = node.args.get("group")
        having = node.args.get("having")
        order = node.args.get("order")
        # ORDER BY items that are not output references are bound over the input (hidden columns)
        order_exprs: list[tuple[Expr, bool, bool]] = []
        output_names: dict[str, int] = {}
        ambiguous: set[str] = set()
        for idx, (name, e, _) in enumerate(items):
            if name in output_names and expr_key(items[output_names[name]][1]) != expr_key(e):
                ambiguous.add(name)
            output_names.setdefault(name, idx)
        order_refs: list[int | None] = []
        if order is not None:
            binder.context = "ORDER BY"
            for o in order.expressions:
                target = o.this
                if isinstance(target, exp.Literal) and not target.is_string:
                    pos = int(target.this)
                    if not 1 <= pos <= len(items):
                        raise InvalidColumnReference(f"ORDER BY position {pos} is not in select list",
                                                     position=token_position(target))
                    order_refs.append(pos - 1)
                    order_exprs.append(sort_key(o, items[pos - 1][1]))
                    continue
                if isinstance(target, exp.Column) and not target.args.get("table") and target.name in output_names \
                        and scope.resolve(target.name, []) is None or (
                        isinstance(target, exp.Column) and not target.args.get("table")
                        and target.name in output_names and _is_alias_only(node, target.name)):
                    if target.name in ambiguous:
                        raise AmbiguousColumn(f'ORDER BY "{target.name}" is ambiguous')
                    idx = output_names[target.name]
                    order_refs.append(idx)
                    order_exprs.append(sort_key(o, items[idx][1]))
                    continue
                order_refs.append(None)
                order_exprs.append(sort_key(o, binder.bind(target)))
        # DISTINCT ON expressions ride along with the ORDER BY keys (same binding rules, hidden
        # columns when not in the select list) and are split off again after projection
        n_order = len(order_exprs)
        distinct = node.args.get("distinct")
        distinct_on = distinct.args.get("on") if distinct is not None else None
        for e in distinct_on.expressions if distinct_on is not None else []:
            binder.context = "DISTINCT ON"
            ref = _output_reference(e, items, output_names, scope)
            order_refs.append(ref)
            order_exprs.append((items[ref][1] if ref is not None else binder.bind(e), False, False))

        group_exprs: list[Expr] = []
        grouping_sets = None
        if group is not None:
            binder.context = "GROUP BY"
            saved = binder.aggregates
            binder.aggregates = None
            group_exprs, grouping_sets = self._bind_group_by(group, binder, items)
            binder.aggregates = saved
        having_expr = None
        if having is not None:
            binder.context = "HAVING"
            having_expr = binder.bind_bool(having.this, "HAVING")

        aggs = binder.aggregates
        if group is not None or aggs or having_expr is not None:  # HAVING alone makes one group
            plan, items, order_exprs, having_expr = self._aggregate(plan, scope, group_exprs, grouping_sets, aggs,
                                                                   items, order_exprs, having_expr)
            if having_expr is not None:
                plan = P.Filter(plan, having_expr, plan.columns, estimated_rows=max(plan.estimated_rows / 3, 1))

        locks = node.args.get("locks")
        if locks:
            check_select_locking(locks, distinct=bool(node.args.get("distinct")), group=group is not None,
                                 having=having is not None, aggregates=bool(aggs), windows=bool(binder.windows),
                                 set_returning=any(isinstance(n, Call) and _is_srf(n)
                                                   for _, e, _ in items for n in walk(e)))
        if binder.windows:
            plan, items, order_exprs = self._window(plan, binder.windows, items, order_exprs)

        # project the select list plus hidden sort keys
        projected = [e for _, e, _ in items]
        hidden: list[Expr] = []
        sort_keys: list[tuple[Expr, bool, bool]] = []
        for (expr, desc, nulls_first), ref in zip(order_exprs, order_refs or [None] * len(order_exprs)):
            if ref is not None:
                sort_keys.append((ColumnRef(ref, items[ref][1].type), desc, nulls_first))
                continue
            match = next((i for i, p in enumerate(projected + hidden) if expr_key(p) == expr_key(expr)), None)
            if match is None:
                if distinct is not None and not distinct.args.get("on"):
                    raise InvalidColumnReference("for SELECT DISTINCT, ORDER BY expressions must appear in select list")
                match = len(projected) + len(hidden)
                hidden.append(expr)
            sort_keys.append((ColumnRef(match, expr.type), desc, nulls_first))
        sort_keys, on_keys = sort_keys[:n_order], sort_keys[n_order:]
        columns = [_output_column(name, e, plan) for name, e, _ in items]
        columns += [P.PlanColumn("?sort?", e.type) for e in hidden]
        plan = _project_set_or_project(plan, projected + hidden, columns)

        if distinct is not None:
            if distinct_on is not None:
                on_exprs = [key for key, _, _ in on_keys]
                leading = {k.index for k, _, _ in sort_keys[:len(on_exprs)]}
                if sort_keys and not {k.index for k in on_exprs} <= leading:
                    raise InvalidColumnReference("SELECT DISTINCT ON expressions must match initial ORDER BY "
                                                 "expressions")
                plan = P.Sort(plan, sort_keys or on_keys, plan.columns, estimated_rows=plan.estimated_rows)
                plan = P.Distinct(plan, plan.columns, on_exprs, estimated_rows=plan.estimated_rows)
                sort_keys = []
            else:
                plan = P.Distinct(plan, plan.columns, None, estimated_rows=plan.estimated_rows)
        if sort_keys:
            plan = P.Sort(plan, sort_keys, plan.columns, estimated_rows=plan.estimated_rows)
        plan = self._limit(node, plan, parent)
        if hidden:
            visible = len(items)
            plan = P.Project(plan, [ColumnRef(i, c.type) for i, c in enumerate(plan.columns[:visible])],
                             plan.columns[:visible], estimated_rows=plan.estimated_rows)
        if locks:
            lock_rows(plan, locks)
        return plan

    def _bind_group_by(self, group: exp.Group, binder: ExprBinder,
                       items: list[tuple[str, Expr, exp.Expression | None]]) -> tuple[list[Expr], list[list[int]] | None]:
        exprs: list[Expr] = []
        keys: dict[tuple, int] = {}

        def add(node: exp.Expression) -> int:
            if isinstance(node, exp.Literal) and not node.is_string:
                pos = int(node.this)
                if not 1 <= pos <= len(items):
                    raise InvalidColumnReference(f"GROUP BY position {pos} is not in select list",
                                                 position=token_position(node))
                e = items[pos - 1][1]
            elif isinstance(node, exp.Column) and not node.args.get("table") and \
                    binder.scope.resolve(node.name, []) is None:
                named = {expr_key(x): x for n, x, _ in items if n == node.name}
                if not named:
                    raise UndefinedColumn(f'column "{node.name}" does not exist', position=name_position(node))
                if len(named) > 1:
                    raise AmbiguousColumn(f'GROUP BY "{node.name}" is ambiguous')
                e = next(iter(named.values()))
            else:
                e = binder.bind(node)
            k = expr_key(e)
            if k not in keys:
                keys[k] = len(exprs)
                exprs.append(e)
            return keys[k]

        # sqlglot puts CUBE / ROLLUP / GROUPING SETS either among the expressions or in own args
        set_kinds = (exp.Cube, exp.Rollup, exp.GroupingSets)
        plain = [add(n) for n in group.expressions if not isinstance(n, set_kinds)]
        listed = [n for n in group.expressions if isinstance(n, set_kinds)]
        sets_nodes = (group.args.get("grouping_sets") or []) + [n for n in listed if isinstance(n, exp.GroupingSets)]
        rollup = (group.args.get("rollup") or []) + [n for n in listed if isinstance(n, exp.Rollup)]
        cube = (group.args.get("cube") or []) + [n for n in listed if isinstance(n, exp.Cube)]
        if not (sets_nodes or rollup or cube):
            return exprs, None
        sets: list[list[int]] = [plain]
        for gs in sets_nodes:
            new_sets = []
            for member in gs.expressions:
                if isinstance(member, exp.Tuple):
                    new_sets.append([add(x) for x in member.expressions])
                elif isinstance(member, (exp.Rollup, exp.Cube)):
                    new_sets.extend(_expand_rollup_cube(member, add))
                else:
                    new_sets.append([add(member)] if not _is_empty_tuple(member) else [])
            sets = [s + n for s in sets for n in new_sets]
        for r in rollup:
            new = _expand_rollup_cube(r, add)
            sets = [s + n for s in sets for n in new]
        for c in cube:
            new = _expand_rollup_cube(c, add)
            sets = [s + n for s in sets for n in new]
        return exprs, sets

    def _aggregate(self, plan: P.Plan, scope: Scope, group_exprs: list[Expr], grouping_sets, aggs: list[AggRef],
                   items, order_exprs, having_expr):
        ngroup = len(group_exprs)
        group_keys = {expr_key(e): i for i, e in enumerate(group_exprs)}
        plan, group_exprs = _expand_sets(plan, group_exprs)  # GROUP BY generate_series(...): sets first
        agg_index = {id(a): ngroup + i for i, a in enumerate(aggs)}
        columns = [P.PlanColumn(column_name_of(e), e.type) for e in group_exprs]
        columns += [P.PlanColumn(a.name, a.type) for a in aggs]
        if grouping_sets is not None:
            columns.append(P.PlanColumn("?grouping?", SqlType(R.INT4)))
        agg_plan = P.Aggregate(plan, group_exprs, aggs, columns, grouping_sets,
                               estimated_rows=1 if not group_exprs else max(plan.estimated_rows / 10, 1))
        grouping_col = len(columns) - 1 if grouping_sets is not None else None
        key_of_column = {e.index: i for i, e in reversed(list(enumerate(group_exprs))) if isinstance(e, ColumnRef)}
        regrouped: set[int] = set()

        def rewrite(e: Expr, src: exp.Expression | None = None) -> Expr:
            def fn(node: Expr) -> Expr | None:
                if isinstance(node, AggRef):
                    return ColumnRef(agg_index[id(node)], node.type, node.name)
                k = expr_key(node)
                if k in group_keys and not isinstance(node, Const):
                    i = group_keys[k]
                    return ColumnRef(i, group_exprs[i].type)
                if isinstance(node, Call) and node.impl == "grouping":
                    return _grouping_call(node, group_keys, grouping_col)
                if isinstance(node, SubqueryExpr) and node.correlated and id(node.plan) not in regrouped:
                    regrouped.add(id(node.plan))  # the same subquery may sit in the select list and ORDER BY
                    _regroup_outer_refs(node.plan, 1, key_of_column, scope)
                    return None
                if isinstance(node, ColumnRef):
                    name = scope.columns[node.index].name if node.index < len(scope.columns) else node.name
                    alias = scope.columns[node.index].alias if node.index < len(scope.columns) else ""
                    raise GroupingError(f'column "{alias + "." if alias else ""}{name}" must appear in the GROUP BY '
                                        f'clause or be used in an aggregate function',
                                        position=column_position(src, name) if src is not None else None)
                if isinstance(node, WindowCall):
                    # rewrite in place: the Window operator holds this very object in binder.windows
                    vars(node).update(vars(transform(node, lambda n: None if n is node else fn(n))))
                    return node
                return None
            return transform(e, fn)

        items = [(n, rewrite(e, src), src) for n, e, src in items]
        order_exprs = [(rewrite(e), d, nf) for e, d, nf in order_exprs]
        having_expr = rewrite(having_expr) if having_expr is not None else None
        return agg_plan, items, order_exprs, having_expr

    def _window(self, plan: P.Plan, windows: list[WindowCall], items, order_exprs):
        base = len(plan.columns)
        columns = list(plan.columns) + [P.PlanColumn(w.name, w.type) for w in windows]
        wplan = P.Window(plan, windows, columns, estimated_rows=plan.estimated_rows)
        index = {id(w): base + i for i, w in enumerate(windows)}

        def rewrite(e: Expr) -> Expr:
            return transform(e, lambda n: ColumnRef(index[id(n)], n.type, n.name) if isinstance(n, WindowCall) else None)

        items = [(n, rewrite(e), src) for n, e, src in items]
        order_exprs = [(rewrite(e), d, nf) for e, d, nf in order_exprs]
        return wplan, items, order_exprs

    # -- FROM ---------------------------------------------------------------------------------------------

def column_name_of(e: Expr) -> str:
    return getattr(e, "name", "") or "?column?"


def _output_column(name: str, e: Expr, plan: P.Plan) -> P.PlanColumn:
    """RowDescription reports the source table/attnum for plain column references."""
    if isinstance(e, ColumnRef) and e.index < len(plan.columns):
        src = plan.columns[e.index]
        return P.PlanColumn(name, e.type, src.table_oid, src.attnum)
    return P.PlanColumn(name, e.type)


def _project_set_or_project(plan: P.Plan, exprs: list[Expr], columns: list[P.PlanColumn]) -> P.Plan:
    srf_calls = [n for e in exprs for n in walk(e) if isinstance(n, Call) and _is_srf(n)]
    if srf_calls and all(any(e is c for e in exprs) for c in srf_calls):
        return P.ProjectSet(plan, exprs, columns, estimated_rows=plan.estimated_rows * 10)
    if srf_calls:  # unnest(a) * 2: expand the set-returning calls first, then compute over them
        return _project_over_set(plan, exprs, columns)
    if all(isinstance(e, ColumnRef) and e.index == i for i, e in enumerate(exprs)) and len(exprs) == len(plan.columns):
        return renamed(plan, columns)
    return P.Project(plan, exprs, columns, estimated_rows=plan.estimated_rows)


def _project_over_set(plan: P.Plan, exprs: list[Expr], columns: list[P.PlanColumn]) -> P.Plan:
    """A Project computing the select list over the set-returning calls expanded below it."""
    inner, outer = _expand_sets(plan, exprs)
    return P.Project(inner, outer, columns, estimated_rows=inner.estimated_rows)


def _expand_sets(plan: P.Plan, exprs: list[Expr]) -> tuple[P.Plan, list[Expr]]:
    """A ProjectSet passing the input row through beside each set-returning call in `exprs`,
    and `exprs` with those calls replaced by its output columns (`plan` and `exprs` when none)."""
    passed = [ColumnRef(i, c.type, c.name) for i, c in enumerate(plan.columns)]
    srfs: list[Call] = []

    def hoist(node: Expr) -> Expr | None:
        if isinstance(node, Call) and _is_srf(node):
            srfs.append(node)
            return ColumnRef(len(passed) + len(srfs) - 1, node.type, node.name)
        return None
    outer = [transform(e, hoist) for e in exprs]
    if not srfs:
        return plan, exprs
    inner_columns = list(plan.columns) + [P.PlanColumn(c.name, c.type) for c in srfs]
    return P.ProjectSet(plan, passed + srfs, inner_columns, estimated_rows=plan.estimated_rows * 10), outer


def _is_srf(call: Call) -> bool:
    if call.routine is not None:  # a user function: SETOF / TABLE
        return call.routine.fn.returns_set
    return any(s.kind == "s" for s in F.functions_named(call.name))


def _is_alias_only(node: exp.Select, name: str) -> bool:
    return any(isinstance(i, exp.Alias) and i.alias == name for i in node.expressions)


def _regroup_outer_refs(plan: P.Plan, depth: int, key_of_column: dict[int, int], scope: Scope) -> None:
    """Point a correlated subquery's references to the grouped query's input columns at the
    Aggregate's output (its group keys), in place; an ungrouped column is an error."""
    def fn(node: Expr) -> Expr | None:
        if isinstance(node, OuterRef) and node.depth == depth:
            if node.index not in key_of_column:
                c = scope.columns[node.index]
                raise GroupingError(f'subquery uses ungrouped column "{c.alias + "." if c.alias else ""}{c.name}" '
                                    f'from outer query')
            return OuterRef(depth, key_of_column[node.index], node.type, node.name)
        if isinstance(node, SubqueryExpr):
            _regroup_outer_refs(node.plan, depth + 1, key_of_column, scope)
        return None

    def mapped(value):
        if isinstance(value, Expr):
            return transform(value, fn)
        if isinstance(value, list):
            return [mapped(v) for v in value]
        if isinstance(value, tuple):
            return tuple(mapped(v) for v in value)
        return value

    for node in P.walk_plan(plan):
        for name, value in list(vars(node).items()):
            if isinstance(value, (Expr, list, tuple)):
                setattr(node, name, mapped(value))


def _output_reference(e: exp.Expression, items, output_names: dict[str, int], scope: Scope) -> int | None:
    """The select-list position a DISTINCT ON item names (a position, or an output name that is
    not an input column), else None."""
    if isinstance(e, exp.Literal) and not e.is_string:
        pos = int(e.this)
        if not 1 <= pos <= len(items):
            raise InvalidColumnReference(f"SELECT DISTINCT ON position {pos} is not in select list",
                                         position=token_position(e))
        return pos - 1
    if isinstance(e, exp.Column) and not e.args.get("table") and e.name in output_names \
            and scope.resolve(e.name, []) is None:
        return output_names[e.name]
    return None


def _expand_rollup_cube(node: exp.Expression, add) -> list[list[int]]:
    members = []
    for m in node.expressions:
        if isinstance(m, exp.Tuple):
            members.append([add(x) for x in m.expressions])
        else:
            members.append([add(m)])
    if isinstance(node, exp.Rollup):
        return [sum(members[:k], []) for k in range(len(members), -1, -1)]
    out = []
    n = len(members)
    for mask in range((1 << n) - 1, -1, -1):
        out.append(sum((members[i] for i in range(n) if mask & (1 << (n - 1 - i))), []))
    return out


def _is_empty_tuple(node: exp.Expression) -> bool:
    return isinstance(node, exp.Tuple) and not node.expressions


def _grouping_call(node: Call, group_keys: dict, grouping_col: int | None) -> Expr:
    """GROUPING(...) over the Aggregate's grouping-set mask column (0 without grouping sets)."""
    positions = []
    for a in node.args:
        k = expr_key(a)
        if k not in group_keys:
            raise GroupingError("arguments to GROUPING must be grouping expressions of the associated query level")
        positions.append(group_keys[k])
    if grouping_col is None:
        return Const(0, SqlType(R.INT4))
    return Call("grouping", "grouping", [ColumnRef(grouping_col, SqlType(R.INT4)),
                                         Const(positions, SqlType(R.array_of(R.INT4)))], SqlType(R.INT4))

