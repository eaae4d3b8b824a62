"""Binding the FROM clause: relations (tables, views, generated catalog relations, sequences),
subqueries, joins with ON/USING/NATURAL, LATERAL, and functions in FROM, into plans with the
scope their columns are visible in. A mixin of QueryBinder, whose query binding it calls back
for subqueries, views and CTEs."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import (DuplicateAlias, FeatureNotSupported, InvalidRecursion, ObjectNotInPrerequisiteState,
                             SyntaxError as SqlSyntaxError, UndefinedColumn, UndefinedTable, WrongObjectType)
from quantadb.sql import functions as F
from quantadb.sql import plan as P
from quantadb.sql.bind_expr import ExprBinder
from quantadb.sql.bind_support import BOOL, INT8
from quantadb.sql.catalog import RELATION_FUNCTIONS
from quantadb.sql.expr import Call, Coalesce, ColumnRef, Expr
from quantadb.sql.parse import parse_sql, to_sql
from quantadb.sql.scope import Scope, ScopeColumn, system_columns
from quantadb.types import registry as R
from quantadb.types.rowtypes import record_fields


class FromBinder:
    """FROM-clause binding for QueryBinder (uses its bind_query, expr_binder, _find_cte,
    _bind_values, _order_limit_outer and catalog)."""

    def _bind_from(self, node: exp.Select, parent: Scope | None) -> tuple[P.Plan, Scope]:
        from_ = node.args.get("from_") or node.args.get("from")
        if from_ is None:
            return P.Result(), Scope(parent=parent)
        plan, scope = self._bind_from_item(from_.this, parent, None)
        for join in node.args.get("joins") or []:
            plan, scope = self._bind_join(plan, scope, join, parent)
        return plan, scope

    def _bind_join(self, left: P.Plan, left_scope: Scope, join: exp.Join, parent: Scope | None):
        side = (join.args.get("side") or "").lower()
        kind = (join.args.get("kind") or "").lower()
        lateral_scope = Scope(parent=parent)
        lateral_scope.extend(left_scope)
        right, right_scope = self._bind_from_item(join.this, parent, lateral_scope)
        for name in sorted(left_scope.aliases & right_scope.aliases - {""}):
            if not _same_table_of_two_schemas(name, left_scope, right_scope):
                raise DuplicateAlias(f'table name "{name}" specified more than once')
        lateral = P.is_correlated_to(right, 1)
        scope = Scope(parent=parent)
        scope.extend(left_scope)
        offset = len(left_scope.columns)
        scope.extend(right_scope)
        join_kind = {"left": "left", "right": "right", "full": "full"}.get(side, "inner")
        for nulled, side_scope in ((join_kind in ("left", "full"), right_scope),
                                   (join_kind in ("right", "full"), left_scope)):
            if nulled:
                for alias in side_scope.aliases - scope.nullable.keys():
                    scope.nullable[alias] = self._not_null_position(scope, alias)
        if kind == "cross":
            join_kind = "cross"
        columns = list(left.columns) + list(right.columns)
        condition = None
        using = join.args.get("using")
        if "NATURAL" in (str(join.args.get("method") or "").upper(), str(join.args.get("kind") or "").upper()):
            names = [c.name for c in left_scope.columns if not c.hidden]
            using = [exp.to_identifier(c.name) for c in right_scope.columns if c.name in names]
        binder = self.expr_binder(scope)
        merged: list[tuple[str, int, int]] = []  # USING / NATURAL columns: (name, left pos, right pos)
        if using:
            conds = []
            for ident in using:
                name = ident.name if isinstance(ident, exp.Expression) else str(ident)
                li = left_scope._find(name, [])
                ri = right_scope._find(name, [])
                if li is None or ri is None:
                    raise UndefinedColumn(f'column "{name}" specified in USING clause does not exist in '
                                          f'{"left" if li is None else "right"} table')
                conds.append(binder.operator("=", ColumnRef(li, left.columns[li].type, name),
                                             ColumnRef(offset + ri, right.columns[ri].type, name)))
                merged.append((name, li, offset + ri))
            condition = conds[0] if len(conds) == 1 else _and(conds)
            if join_kind == "inner" and not conds:
                join_kind = "cross"
        elif join.args.get("on") is not None:
            binder.context = "JOIN conditions"
            condition = binder.bind_bool(join.args["on"], "JOIN/ON")
        elif join_kind == "inner":
            join_kind = "cross"
        estimated = max(left.estimated_rows, right.estimated_rows)
        if join_kind == "cross":
            estimated = left.estimated_rows * right.estimated_rows
        plan = P.Join(join_kind if join_kind != "cross" or condition is None else "inner", left, right, columns,
                      condition=condition, lateral=lateral, estimated_rows=estimated)
        if merged:
            left_order = left_scope.star_positions()
            right_order = [offset + i for i in right_scope.star_positions()]
            plan = self._merge_using_columns(plan, scope, merged, join_kind, binder)
            using_positions = {p for _, li, ri in merged for p in (li, ri)}
            scope.star_order = [len(columns) + k for k in range(len(merged))] + [
                i for i in left_order + right_order if i not in using_positions]
        return plan, scope

    def _not_null_position(self, scope: Scope, alias: str) -> int | None:
        """A column of `alias` its table declares NOT NULL: NULL in a row only where an outer join
        null-extended it (whole-row references are NULL there)."""
        for i, c in enumerate(scope.columns):
            if c.alias == alias and c.column.table_oid and c.column.attnum > 0:
                rel = self.catalog.relation(c.column.table_oid)
                if rel is not None and any(d.attnum == c.column.attnum and d.not_null for d in rel.columns):
                    return i
        return None

    def _merge_using_columns(self, plan: P.Join, scope: Scope, merged: list[tuple[str, int, int]], kind: str,
                             binder: ExprBinder) -> P.Plan:
        """Append each USING column's merged value (the left one, the right one for RIGHT joins,
        COALESCE of both for FULL joins); the two source columns stay reachable only qualified."""
        exprs: list[Expr] = [ColumnRef(i, c.type, c.name) for i, c in enumerate(plan.columns)]
        columns = list(plan.columns)
        for name, li, ri in merged:
            ltype, rtype = plan.columns[li].type, plan.columns[ri].type
            common = F.select_common_type([ltype, rtype], "JOIN/USING")
            left_ref = binder.coerce(ColumnRef(li, ltype, name), common)
            right_ref = binder.coerce(ColumnRef(ri, rtype, name), common)
            value = {"right": right_ref, "full": Coalesce([left_ref, right_ref], common)}.get(kind, left_ref)
            exprs.append(value)
            column = P.PlanColumn(name, common)
            columns.append(column)
            scope.columns[li].hidden = scope.columns[ri].hidden = True
            scope.columns.append(ScopeColumn(name, "", column))
        return P.Project(plan, exprs, columns, estimated_rows=plan.estimated_rows)

    def _bind_from_item(self, item: exp.Expression, parent: Scope | None, lateral: Scope | None):
        alias_node = item.args.get("alias")
        alias = alias_node.name if alias_node is not None else ""
        col_aliases = [c.name for c in alias_node.columns] if alias_node is not None and alias_node.columns else []
        if isinstance(item, exp.Table):
            inner = item.this
            if isinstance(inner, (exp.Anonymous, exp.Func)) and not isinstance(inner, exp.Identifier):
                return self._bind_function_from(item, inner, alias, col_aliases, parent, lateral)
            parts = [p.name for p in (item.args.get("catalog"), item.args.get("db"), item.this) if p is not None]
            if len(parts) == 1:
                cte = self._find_cte(parts[0])
                if cte is not None:
                    columns = rename_columns(cte.columns, col_aliases)
                    plan = P.CteScan(cte, columns, estimated_rows=cte.plan.estimated_rows if cte.plan else 100)
                    scope = Scope(parent=parent)
                    scope.add(alias or parts[0], columns)
                    return plan, scope
            return self._bind_relation(parts, alias, col_aliases, parent)
        if isinstance(item, exp.Subquery) and not isinstance(item.this, exp.Query):
            return self._bind_joined_table(item, alias, col_aliases, parent, lateral)
        if isinstance(item, exp.Subquery):
            scope_parent = lateral if lateral is not None and item.args.get("lateral") is not False else parent
            plan = self.bind_query(item.this, scope_parent if lateral is not None else parent)
            plan = self._order_limit_outer(item, plan, parent) if item.args.get("order") or item.args.get("limit") else plan
            columns = rename_columns(plan.columns, col_aliases)
            scope = Scope(parent=parent)
            scope.add(alias, columns)
            return renamed(plan, columns), scope
        if isinstance(item, exp.Lateral):
            inner = item.this
            sub = inner.this if isinstance(inner, exp.Subquery) else inner
            alias_node = item.args.get("alias") or (inner.args.get("alias") if isinstance(inner, exp.Subquery) else None)
            alias = alias_node.name if alias_node is not None else ""
            col_aliases = [c.name for c in alias_node.columns] if alias_node is not None and alias_node.columns else []
            if isinstance(sub, (exp.Anonymous, exp.Func)) and not isinstance(sub, (exp.Select,)):
                return self._bind_function_from(item, sub, alias, col_aliases, parent, lateral)
            plan = self.bind_query(sub, lateral if lateral is not None else parent)
            columns = rename_columns(plan.columns, col_aliases)
            scope = Scope(parent=parent)
            scope.add(alias, columns)
            return renamed(plan, columns), scope
        if isinstance(item, exp.Values):
            plan = self._bind_values(item, parent)
            columns = rename_columns(plan.columns, col_aliases)
            scope = Scope(parent=parent)
            scope.add(alias, columns)
            return renamed(plan, columns), scope
        if isinstance(item, exp.Unnest):
            # sqlglot keeps WITH ORDINALITY as `offset`: True, or the ordinality column's alias
            offset = item.args.get("offset")
            if isinstance(offset, exp.Expression):
                col_aliases = [*(col_aliases or [alias or "unnest"]), offset.name]
            call = exp.Anonymous(this="unnest", expressions=item.expressions)
            return self._bind_function_from(item, call, alias, col_aliases, parent, lateral, ordinality=bool(offset))
        if isinstance(item, (exp.Anonymous, exp.Func)):
            return self._bind_function_from(item, item, alias, col_aliases, parent, lateral)
        raise FeatureNotSupported(f"unsupported FROM item: {to_sql(item)[:60]}")

    def _bind_joined_table(self, item: exp.Subquery, alias: str, col_aliases: list[str], parent: Scope | None,
                           lateral: Scope | None):
        """A parenthesised join, `(a JOIN b ON ...) [AS j (cols)]`: sqlglot reads it as a
        Subquery around the first table, the joins hanging off that table."""
        first = item.this.copy()
        joins = first.args.get("joins") or []
        first.set("joins", None)
        plan, scope = self._bind_from_item(first, parent, lateral)
        for join in joins:
            plan, scope = self._bind_join(plan, scope, join, parent)
        if not alias:
            return plan, scope
        # an alias hides the inner range variables: every visible column now belongs to it
        visible = scope.star_positions()
        if len(col_aliases) > len(visible):
            raise SqlSyntaxError(f'table "{alias}" has {len(visible)} columns available but '
                                 f'{len(col_aliases)} columns specified')
        names = {i: col_aliases[k] for k, i in enumerate(visible[:len(col_aliases)])}
        aliased = Scope(parent=parent, star_order=scope.star_order)
        aliased.aliases.add(alias)
        for i, c in enumerate(scope.columns):
            aliased.columns.append(ScopeColumn(names.get(i, c.name), "" if c.hidden else alias, c.column, c.hidden))
        return plan, aliased

    def _bind_relation(self, parts: list[str], alias: str, col_aliases: list[str], parent: Scope | None):
        resolved = self.catalog.resolve_relation(parts)
        if resolved is None:
            raise UndefinedTable(f'relation "{".".join(parts)}" does not exist')
        scope = Scope(parent=parent)
        name = alias or parts[-1]
        if resolved.virtual is not None:
            vt = resolved.virtual
            columns = rename_columns(list(vt.columns), col_aliases)
            scope.add(name, columns, schema="" if alias else vt.schema)
            scope.system_columns[name] = system_columns(vt.oid, generated=True)
            return P.VirtualScan(vt.key, columns), scope
        rel = resolved.relation
        if rel.kind == "v":
            if self._view_depth > 20:
                raise InvalidRecursion(f'infinite recursion detected in rules for relation "{rel.name}"')
            self._view_depth += 1
            try:
                plan = self.bind_query(parse_sql(rel.view_sql), None)
            finally:
                self._view_depth -= 1
            for node in P.walk_plan(plan):  # the view's owner's access counts for what it reads
                if isinstance(node, P.TableScan):
                    node.via_view = True
            columns = rename_columns(plan.columns, col_aliases)
            scope.add(name, columns, schema="" if alias else resolved.schema)
            return renamed(plan, columns), scope
        if rel.kind not in ("r", "S", "m", "p"):
            raise WrongObjectType(f'"{rel.name}" is not a table')
        if not rel.populated:
            raise ObjectNotInPrerequisiteState(f'materialized view "{rel.name}" has not been populated',
                                               hint="Use the REFRESH MATERIALIZED VIEW command.")
        live = [c for c in rel.columns if c.visible]
        columns = [P.PlanColumn(c.name, c.type, rel.oid, c.attnum) for c in live]
        columns = rename_columns(columns, col_aliases, keep_source=True)
        scope.add(name, columns, schema="" if alias else resolved.schema)
        scope.system_columns[name] = system_columns(rel.oid, generated=False)
        plan = P.TableScan(rel.oid, rel.name, [c.attnum for c in live], columns,
                           estimated_rows=self.catalog.estimated_rows(rel.oid))
        return plan, scope

    def _bind_function_from(self, item, call_node, alias, col_aliases, parent, lateral, ordinality: bool = False):
        relation = _relation_function(call_node, ordinality or bool(item.args.get("ordinality")))
        if relation is not None:
            return self._bind_relation([relation.schema, relation.name], alias or call_node.name.lower(),
                                       col_aliases, parent)
        # arguments see earlier FROM items (LATERAL) as the outer row of a nested level
        scope_for_args = Scope(parent=lateral if lateral is not None else parent)
        binder = self.expr_binder(scope_for_args)
        call = binder.bind(call_node)
        if not isinstance(call, Call):
            raise FeatureNotSupported("only function calls are supported in FROM")
        fname = call.name
        fields = record_fields(call.type)
        if call.type.pg is R.RECORD and not fields:
            raise FeatureNotSupported(f"function {fname} returning record in FROM is not supported")
        # a function returning record gives one column per OUT parameter, otherwise one column
        # named after the alias or the function
        outputs = list(fields) or [(alias or fname, call.type)]
        names = list(col_aliases or []) + [n for n, _ in outputs][len(col_aliases or []):]
        columns = [P.PlanColumn(name, t) for name, (_, t) in zip(names, outputs)]
        ordinality = ordinality or bool(item.args.get("ordinality"))
        if ordinality:
            columns.append(P.PlanColumn(names[len(outputs)] if len(names) > len(outputs) else "ordinality", INT8))
        plan = P.FunctionScan(call, columns, ordinality)
        plan.estimated_rows = 1000 if F.functions_named(fname) and F.functions_named(fname)[0].kind == "s" else 1
        scope = Scope(parent=parent)
        scope.add(alias or fname, columns)
        return plan, scope


# -- helpers ----------------------------------------------------------------------------------------------


def _relation_function(call: exp.Expression, ordinality: bool):
    """The generated relation whose rows a catalog function such as pg_show_all_settings() returns."""
    if isinstance(call, exp.Anonymous) and not call.expressions and not ordinality:
        return RELATION_FUNCTIONS.get(call.name.lower())
    return None


def _same_table_of_two_schemas(name: str, left: Scope, right: Scope) -> bool:
    """`s1.a JOIN s2.a`: unaliased tables of different schemas may share a name (each is then
    reachable schema-qualified)."""
    schemas = [{c.schema for c in scope.columns if c.alias == name} for scope in (left, right)]
    return all(len(s) == 1 and "" not in s for s in schemas) and schemas[0] != schemas[1]


def _and(conds: list[Expr]) -> Expr:
    from quantadb.sql.expr import BoolOp
    return BoolOp("and", conds, BOOL)


def renamed(plan: P.Plan, columns: list[P.PlanColumn]) -> P.Plan:
    """`plan` with its output columns named as `columns` (a Project only when a name differs)."""
    if [c.name for c in plan.columns] == [c.name for c in columns]:
        return plan
    return P.Project(plan, [ColumnRef(i, c.type) for i, c in enumerate(plan.columns)], columns,
                     estimated_rows=plan.estimated_rows)


def rename_columns(columns: list[P.PlanColumn], names: list[str], keep_source: bool = False) -> list[P.PlanColumn]:
    """`columns` renamed by an alias list `t(a, b)`; columns past its end keep their names."""
    if not names:
        return list(columns)
    if len(names) > len(columns):
        raise SqlSyntaxError(f"table has {len(columns)} columns available but {len(names)} columns specified")
    out = []
    for i, c in enumerate(columns):
        name = names[i] if i < len(names) else c.name
        out.append(P.PlanColumn(name, c.type, c.table_oid if keep_source else c.table_oid, c.attnum))
    return out
