"""Binding the FROM clause: relations (tables, views, generated catalog relations, sequences),
subqueries, joins with ON/USING/NATURAL, LATERAL, and functions in FROM, into plans with the
scope their columns are visible in. A mixin of QueryBinder, whose query binding it calls back
for subqueries, views and CTEs."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import (DuplicateAlias, FeatureNotSupported, InvalidColumnReference, InvalidRecursion,
                             ObjectNotInPrerequisiteState, SyntaxError as SqlSyntaxError, UndefinedColumn, UndefinedTable,
                             WrongObjectType)
from quantadb.sql import functions as F
from quantadb.sql import plan as P
from quantadb.sql.bind_expr import ExprBinder
from quantadb.sql.bind_support import BOOL, INT8
from quantadb.sql.catalog import RELATION_FUNCTIONS
from quantadb.sql.expr import Call, Coalesce, ColumnRef, Expr
from quantadb.sql.parse import parse_sql, to_sql
from quantadb.sql.positions import name_position, token_position
from quantadb.sql.scope import ROW_SYSTEM_COLUMNS, Origin, Scope, ScopeColumn, system_columns
from quantadb.types import registry as R
from quantadb.sql.typenames import from_datatype
from quantadb.types.rowtypes import record_fields, record_type


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
        if side or kind or join.args.get("on") or join.args.get("using") or join.args.get("method"):  # not a comma
            scope.joined |= scope.system_columns.keys()
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
                return self._bind_function_from(item, [inner], alias, col_aliases, parent, lateral)
            if item.args.get("rows_from"):
                calls = [_unnest_call(f.expressions) if isinstance(f, exp.Unnest) else f.this
                         for f in item.args["rows_from"]]
                return self._bind_function_from(item, calls, alias, col_aliases, parent, lateral)
            parts = [p.name for p in (item.args.get("catalog"), item.args.get("db"), item.this) if p is not None]
            if len(parts) == 1:
                cte = self._find_cte(parts[0])
                if cte is not None:
                    columns = rename_columns(cte.columns, col_aliases, f'table "{alias or parts[0]}"')
                    plan = renamed(self.inline_cte(cte), columns) if cte.inline is not None else \
                        P.CteScan(cte, columns, estimated_rows=cte.plan.estimated_rows if cte.plan else 100)
                    scope = Scope(parent=parent)
                    scope.add(alias or parts[0], columns)
                    return plan, scope
            return self._bind_relation(parts, alias, col_aliases, parent, name_position(item), item)
        if isinstance(item, exp.Subquery) and not isinstance(item.this, exp.Query):
            return self._bind_joined_table(item, alias, col_aliases, parent, lateral)
        if isinstance(item, exp.Subquery):
            scope_parent = lateral if lateral is not None and item.args.get("lateral") is not False else parent
            plan = self.bind_query(item.this, scope_parent if lateral is not None else parent)
            plan = self._order_limit_outer(item, plan, parent) if item.args.get("order") or item.args.get("limit") else plan
            columns = rename_columns(plan.columns, col_aliases, f'table "{alias}"')
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
                return self._bind_function_from(item, [sub], alias, col_aliases, parent, lateral)
            plan = self.bind_query(sub, lateral if lateral is not None else parent)
            columns = rename_columns(plan.columns, col_aliases, f'table "{alias}"')
            scope = Scope(parent=parent)
            scope.add(alias, columns)
            return renamed(plan, columns), scope
        if isinstance(item, exp.Values):
            plan = self._bind_values(item, parent)
            columns = rename_columns(plan.columns, col_aliases, f'table "{alias}"')
            scope = Scope(parent=parent)
            scope.add(alias, columns)
            return renamed(plan, columns), scope
        if isinstance(item, exp.Unnest):
            # sqlglot keeps WITH ORDINALITY as `offset`: True, or the ordinality column's alias
            offset = item.args.get("offset")
            if isinstance(offset, exp.Expression):
                col_aliases = [*(col_aliases or [alias or "unnest"]), offset.name]
            # unnest(a, b, ...) is ROWS FROM (unnest(a), unnest(b), ...)
            calls = [_unnest_call([e]) for e in item.expressions]
            return self._bind_function_from(item, calls, alias, col_aliases, parent, lateral, ordinality=bool(offset))
        if isinstance(item, (exp.Anonymous, exp.Func)):
            return self._bind_function_from(item, [item], alias, col_aliases, parent, lateral)
        raise FeatureNotSupported(f"unsupported FROM item: {to_sql(item)[:60]}")

    def _bind_joined_table(self, item: exp.Subquery, alias: str, col_aliases: list[str], parent: Scope | None,
                           lateral: Scope | None):
        """A parenthesised join, `(a JOIN b ON ...) [AS j (cols)]`: sqlglot reads it as a
        Subquery around the first table, the joins hanging off that table."""
        first = item.this
        joins = first.args.get("joins") or []
        first.set("joins", None)  # (put back, not bound on a copy: view_refs.py rewrites these very nodes)
        try:
            plan, scope = self._bind_from_item(first, parent, lateral)
        finally:
            first.set("joins", joins or None)
        for join in joins:
            plan, scope = self._bind_join(plan, scope, join, parent)
        if not alias:
            return plan, scope
        # an alias hides the inner range variables: every visible column now belongs to it
        visible = scope.star_positions()
        check_alias_count(f'join expression "{alias}"', len(visible), len(col_aliases))
        names = {i: col_aliases[k] for k, i in enumerate(visible[:len(col_aliases)])}
        aliased = Scope(parent=parent, star_order=scope.star_order)
        aliased.aliases.add(alias)
        for i, c in enumerate(scope.columns):
            aliased.columns.append(ScopeColumn(names.get(i, c.name), "" if c.hidden else alias, c.column, c.hidden))
        return plan, aliased

    def _bind_relation(self, parts: list[str], alias: str, col_aliases: list[str], parent: Scope | None,
                       position: int | None = None, item: exp.Table | None = None):
        resolved = self.catalog.resolve_relation(parts)
        if resolved is None:
            raise UndefinedTable(f'relation "{".".join(parts)}" does not exist', position=position)
        scope = Scope(parent=parent)
        name = alias or parts[-1]
        if alias and alias != parts[-1]:
            scope.renamed[parts[-1]] = alias
        if resolved.virtual is not None:
            vt = resolved.virtual
            columns = rename_columns(list(vt.columns), col_aliases, f'table "{name}"')
            scope.add(name, columns, schema="" if alias else vt.schema)
            scope.system_columns[name] = system_columns(vt.oid, generated=True)
            return P.VirtualScan(vt.key, columns), scope
        rel = resolved.relation
        if rel.kind == "v":
            if self._view_depth > 20:
                raise InvalidRecursion(f'infinite recursion detected in rules for relation "{rel.name}"')
            self._view_depth += 1
            view_query, outer_names = parse_sql(rel.view_sql), self.system_names
            self.system_names = outer_names | row_system_names(view_query)
            try:
                plan = self.bind_query(view_query, None)
            finally:
                self._view_depth -= 1
                self.system_names = outer_names
            for node in P.walk_plan(plan):  # the view's owner's access counts for what it reads
                if isinstance(node, P.TableScan):
                    node.via_view = True
            # its columns are named as the view's (pg_attribute), whatever its query names them
            own = [c.name for c in rel.columns][:len(plan.columns)]
            columns = rename_columns(rename_columns(plan.columns, own, f'table "{name}"'), col_aliases,
                                     f'table "{name}"')
            scope.add(name, columns, schema="" if alias else resolved.schema)
            scope.add_row_type(name, rel)
            self._record_relation(scope, item, rel.oid, range(1, len(columns) + 1), own, len(col_aliases))
            return renamed(plan, columns), scope
        if rel.kind not in ("r", "S", "m", "p"):
            raise WrongObjectType(f'"{rel.name}" is not a table')
        if not rel.populated:
            raise ObjectNotInPrerequisiteState(f'materialized view "{rel.name}" has not been populated',
                                               hint="Use the REFRESH MATERIALIZED VIEW command.")
        live = [c for c in rel.columns if c.visible]
        columns = rename_columns([P.PlanColumn(c.name, c.type, rel.oid, c.attnum) for c in live], col_aliases,
                                 f'table "{name}"')
        scope.add(name, columns, schema="" if alias else resolved.schema)
        scope.add_row_type(name, rel)
        self._record_relation(scope, item, rel.oid, [c.attnum for c in live], [c.name for c in live], len(col_aliases))
        # the statement names xmin, xmax or ctid: the scan passes its row ids (a last column) to compute them
        rowid = len(columns) if self.system_names else None
        scope.system_columns[name] = system_columns(rel.oid, generated=False, rowid=rowid)
        if rowid is not None:
            scope.columns.append(ScopeColumn("", "", P.PlanColumn("ctid", INT8), hidden=True))
            columns = [*columns, P.PlanColumn("ctid", INT8)]
        plan = P.TableScan(rel.oid, rel.name, [c.attnum for c in live], columns, with_rowids=rowid is not None,
                           alias=name, estimated_rows=self.catalog.estimated_rows(rel.oid))
        return plan, scope

    def _record_relation(self, scope: Scope, item: exp.Table | None, oid: int, attnums, names: list[str],
                         aliased: int) -> None:
        """For a view's query being rewritten (view_refs.py): the relation `item` names, and which
        of its columns each range-variable column is (not those an alias list renamed)."""
        if self.recorder is None or self._view_depth or item is None:
            return
        self.recorder.relations.append((item, oid, names))
        for k, (c, attnum) in enumerate(zip(scope.columns, attnums)):
            if k >= aliased:
                c.origin = Origin(oid, attnum, item)

    def _bind_function_from(self, item, call_nodes: list[exp.Expression], alias: str, col_aliases: list[str],
                            parent, lateral, ordinality: bool = False):
        """Functions in FROM: one, or several side by side (ROWS FROM, multi-argument unnest),
        whose rows are zipped, the shorter sets padded with NULLs."""
        ordinality = ordinality or bool(item.args.get("ordinality"))
        relation = _relation_function(call_nodes[0], ordinality) if len(call_nodes) == 1 else None
        if relation is not None:
            return self._bind_relation([relation.schema, relation.name], alias or call_nodes[0].name.lower(),
                                       col_aliases, parent)
        # arguments see earlier FROM items (LATERAL) as the outer row of a nested level
        binder = self.expr_binder(Scope(parent=lateral if lateral is not None else parent))
        binder.context = "functions in FROM"
        binder.fold_strict_nulls = False
        calls, outputs = [], []
        definitions = _column_definitions(item)
        for node in call_nodes:
            call = binder.bind(node)
            if not isinstance(call, Call):
                raise FeatureNotSupported("only function calls are supported in FROM")
            if definitions:
                call.type = _defined_record(call, definitions, len(call_nodes))
                col_aliases = []
            calls.append(call)
            outputs.extend(_function_columns(call, alias if len(call_nodes) == 1 else ""))
        check_alias_count(f'table "{alias}"', len(outputs) + ordinality, len(col_aliases))
        if ordinality:
            outputs.append(("ordinality", INT8))
        names = col_aliases + [n for n, _ in outputs][len(col_aliases):]
        columns = [P.PlanColumn(name, t) for name, (_, t) in zip(names, outputs)]
        name = alias or calls[0].name
        plan = P.FunctionScan(calls, columns, ordinality, alias=name)
        plan.estimated_rows = 1000 if any(_set_returning(c.name) for c in calls) else 1
        scope = Scope(parent=parent)
        scope.add(name, columns)
        if len(columns) == 1 and not record_fields(calls[0].type):
            scope.scalar.add(name)
        return plan, scope


# -- helpers ----------------------------------------------------------------------------------------------

def _function_columns(call: Call, alias: str) -> list[tuple[str, R.SqlType]]:
    """The columns one function in FROM gives: one per OUT parameter of a function returning
    record; otherwise one, named after its OUT parameter (jsonb_array_elements: value), the
    alias, or the function."""
    fields = record_fields(call.type)
    if call.type.pg is R.RECORD and not fields:
        raise SqlSyntaxError('a column definition list is required for functions returning "record"')
    if fields:
        return list(fields)
    out = next((sig.out for sig in F.functions_named(call.name) if len(sig.out) == 1), ())
    return [(out[0][0] if out else alias or call.name, call.type)]


def _column_definitions(item: exp.Expression) -> list[exp.ColumnDef]:
    """A column definition list, `AS r(a int, b text)`, given to a function in FROM."""
    alias = item.args.get("alias")
    columns = alias.columns if alias is not None and alias.columns else []
    return [c for c in columns if isinstance(c, exp.ColumnDef) and c.args.get("kind") is not None]


def _defined_record(call: Call, definitions: list[exp.ColumnDef], functions: int) -> R.SqlType:
    """The record type a column definition list gives a function returning record (jsonb_to_record)."""
    if functions != 1 or call.type.pg is not R.RECORD or record_fields(call.type):
        raise SqlSyntaxError('a column definition list is only allowed for functions returning "record"',
                             position=token_position(definitions[0].args["kind"]) or token_position(definitions[0].this))
    return record_type([(c.name, from_datatype(c.args["kind"])) for c in definitions])


def _set_returning(name: str) -> bool:
    signatures = F.functions_named(name)
    return bool(signatures) and signatures[0].kind == "s"


def _unnest_call(args: list[exp.Expression]) -> exp.Expression:
    return exp.Anonymous(this="unnest", expressions=args)


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


def rename_columns(columns: list[P.PlanColumn], names: list[str], relation: str) -> list[P.PlanColumn]:
    """`columns` renamed by an alias list `t(a, b)`; columns past its end keep their names.
    `relation` names what is renamed in the error (`table "t"`, `WITH query "w"`)."""
    if not names:
        return list(columns)
    check_alias_count(relation, len(columns), len(names))
    return [P.PlanColumn(names[i] if i < len(names) else c.name, c.type, c.table_oid, c.attnum)
            for i, c in enumerate(columns)]


def check_alias_count(relation: str, available: int, specified: int) -> None:
    if specified > available:
        raise InvalidColumnReference(f"{relation} has {available} columns available but {specified} columns "
                                     "specified")


def row_system_names(node: exp.Expression) -> frozenset[str]:
    """The system columns of stored rows (xmin, xmax, ctid) a statement names: only then do its
    table scans pass row ids to compute them from."""
    return frozenset(c.name for c in node.find_all(exp.Column) if c.name in ROW_SYSTEM_COLUMNS)
