"""Binding INSERT, UPDATE and DELETE into plans that produce full rows (or row ids).

Every write produces complete row versions, one value per attnum, so storage appends
columns without knowing SQL: defaults, assignment casts, stored generated columns (and the
hidden ones that hold index expressions), NOT NULL and CHECK constraints are all decided here
and in the executor.
"""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import (DatatypeMismatch, DuplicateColumn, FeatureNotSupported, GeneratedAlways, SyntaxError as SqlSyntaxError,
                             UndefinedColumn, UndefinedTable, WrongObjectType)
from quantadb.sql import plan as P
from quantadb.sql.bind_current_of import current_of_scan
from quantadb.sql.bind_domain import current_domain
from quantadb.sql.bind_expr import ExprBinder
from quantadb.sql.bind_support import type_name
from quantadb.sql.bind_conflict import OnConflictBinder
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.bind_view_dml import (ViewTarget, filter_view_rows, insert_columns, instead_of, instead_rows,
                                         resolve_view, substitute, view_rows, view_scope)
from quantadb.sql.expr import Call, Const, ColumnRef, Expr, SubqueryExpr, transform
from quantadb.sql.names import column_name
from quantadb.sql.parse import CurrentOf, parse_expression
from quantadb.sql.positions import expr_location, name_position, token_position
from quantadb.sql.scope import Scope, ScopeColumn, system_columns
from quantadb.storage.catalog import ColumnDef, RelationDef
from quantadb.types import registry as R
from quantadb.types.domains import domain_of
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_fields

INT8 = SqlType(R.INT8)


class DmlBinder(OnConflictBinder):
    def __init__(self, queries: QueryBinder) -> None:
        self.q = queries

    # -- shared ---------------------------------------------------------------------------------------

    def target(self, table: exp.Expression) -> tuple[RelationDef, str, str]:
        """(relation, alias, schema) of a DML target table."""
        parts = [p.name for p in (table.args.get("catalog"), table.args.get("db"), table.this) if p is not None]
        resolved = self.q.catalog.resolve_relation(parts)
        if resolved is None:
            raise UndefinedTable(f'relation "{".".join(parts)}" does not exist', position=name_position(table))
        if resolved.relation is None:
            raise FeatureNotSupported(f'cannot change system relation "{parts[-1]}"')
        rel = resolved.relation
        if rel.kind not in ("r", "v"):  # a view: bind_view_dml.py rewrites the statement
            kind = {"v": "view", "S": "sequence", "i": "index", "m": "materialized view"}.get(rel.kind, "relation")
            raise WrongObjectType(f'cannot change {kind} "{rel.name}"')
        alias = table.args.get("alias")
        return rel, alias.name if alias is not None else rel.name, resolved.schema

    @staticmethod
    def all_columns(rel: RelationDef) -> list[ColumnDef]:
        """One ColumnDef per attnum 1..max (dropped ones included, they receive NULL)."""
        return sorted(rel.columns, key=lambda c: c.attnum)

    def table_scope(self, rel: RelationDef, alias: str, schema: str, parent: Scope | None = None) -> Scope:
        scope = Scope(parent=parent)
        live = [P.PlanColumn(c.name, c.type, rel.oid, c.attnum) for c in self.all_columns(rel)]
        scope.add(alias, live, schema=schema)
        scope.add_row_type(alias, rel)
        for sc, c in zip(scope.columns, self.all_columns(rel)):
            sc.hidden = not c.visible
            if not c.visible:
                sc.name = ""
        return scope

    def default_expr(self, col: ColumnDef, binder: ExprBinder) -> Expr:
        """The column's DEFAULT, else its domain's (NULL too must meet a domain's NOT NULL); a
        generated column's is computed after the row (`with_generated`)."""
        text = col.default
        domain = domain_of(current_domain(col.type)) if col.type.extra and text is None else None
        if domain is not None:
            text = domain.default or "NULL"
        if text is None or col.dropped or col.generated:
            return Const(None, col.type)
        saved = binder.scope
        binder.scope = Scope()
        try:
            return binder.coerce(binder.bind(parse_expression(text)), col.type, "a")
        finally:
            binder.scope = saved

    def generation_exprs(self, rel: RelationDef) -> dict[int, Expr]:
        """Each stored generated column's expression over the row (ColumnRef i = position i of
        all_columns), by that position."""
        cols = self.all_columns(rel)
        if not any(c.generated and not c.dropped for c in cols):
            return {}
        binder = self.q.expr_binder(self.table_scope(rel, rel.name, ""))
        exprs = {i: binder.coerce(binder.bind(parse_expression(c.default)), c.type, "a")
                 for i, c in enumerate(cols) if c.generated and not c.dropped}
        for i, c in enumerate(cols):  # an index expression may read a generated column: inlined
            if c.hidden and i in exprs:
                exprs[i] = transform(exprs[i], lambda n: exprs[n.index] if isinstance(n, ColumnRef)
                                     and cols[n.index].generated and not cols[n.index].hidden else None)
        return exprs

    def index_expressions_of(self, table_oid: int) -> dict[int, Expr]:
        """The expressions of the table's index expression columns, by attnum, their column
        references numbered by attnum (sql/index_paths.py matches predicates against them)."""
        rel = self.q.catalog.relation(table_oid)
        cols = self.all_columns(rel) if rel is not None else []
        if not any(c.hidden and not c.dropped for c in cols):
            return {}
        return {cols[i].attnum: transform(e, lambda n: ColumnRef(cols[n.index].attnum, n.type)
                                          if isinstance(n, ColumnRef) else None)
                for i, e in self.generation_exprs(rel).items() if cols[i].hidden}

    def with_generated(self, rel: RelationDef, plan: P.Project, lead: int) -> P.Plan:
        """`plan` (`lead` columns, then one per column of the table) with the generated columns
        computed from the others: a Project over it, so each source value is computed once."""
        generation = self.generation_exprs(rel)
        if not generation:
            return plan

        def shifted(n: Expr) -> Expr | None:
            return ColumnRef(n.index + lead, n.type, n.name) if isinstance(n, ColumnRef) else None
        exprs: list[Expr] = [ColumnRef(i, c.type) for i, c in enumerate(plan.columns)]
        for i, e in generation.items():
            exprs[lead + i] = transform(e, shifted)
        return P.Project(plan, exprs, list(plan.columns), estimated_rows=plan.estimated_rows)

    def row_checks(self, rel: RelationDef, binder_for_row: ExprBinder,
                   changed: set[int] | None = None) -> P.RowChecks:
        """The constraints a new row must meet; of the foreign keys, with `changed` (the attnums an
        UPDATE may change), only those on a changed column (PostgreSQL skips a key that kept its value)."""
        cols = self.all_columns(rel)
        checks = P.RowChecks()
        checks.not_null = [(i, c.name) for i, c in enumerate(cols) if c.not_null and not c.dropped]
        checks.shown = [i for i, c in enumerate(cols) if c.visible]
        for con in rel.constraints:
            if con.kind == "c" and con.check:
                checks.checks.append((con.name, binder_for_row.bind_bool(parse_expression(con.check), "CHECK")))
            elif con.kind == "f" and (changed is None or not changed.isdisjoint(con.columns)):
                checks.foreign_keys.append(con)
        if rel.triggers:  # a BEFORE trigger may change the row: PostgreSQL computes them after it
            checks.generated = self.generation_exprs(rel)
            checks.updated = frozenset(changed) if changed is not None else None
        return checks

    def returning(self, node: exp.Expression, scope: Scope, rel_oid: int = 0, computed: list[Expr] | None = None,
                  from_scope: Scope | None = None) -> tuple[list[Expr] | None, list[P.PlanColumn]]:
        """RETURNING over the written row of table `rel_oid`; through a view (`computed`: its computed
        columns' values, bind_view_dml.view_scope), over the view's columns, which have no system
        columns. An UPDATE's FROM or DELETE's USING items (`from_scope`) follow the system columns."""
        ret = node.args.get("returning")
        if ret is None:
            return None, []
        n = len(scope.columns)
        if computed is not None:
            n -= len(computed) + 1
            exprs, columns = self._returning(ret, scope, n)
            return [substitute(e, n + 1, computed) for e in exprs], columns
        # the written version's system columns, from its row id, which exec/modify.py passes after
        # the table's columns (DELETE: the deleted version, UPDATE: the new one)
        system = system_columns(rel_oid, generated=False, rowid=n)
        for alias in scope.aliases:
            scope.system_columns[alias] = system
        if from_scope is not None and from_scope.columns:
            scope.columns.append(_hidden_rowid())
            scope.extend(from_scope)
        return self._returning(ret, scope, n)

    def _returning(self, ret: exp.Expression, scope: Scope, n: int) -> tuple[list[Expr], list[P.PlanColumn]]:
        binder = self.q.expr_binder(scope)
        exprs, columns = [], []
        for item in ret.expressions:
            target = item.this if isinstance(item, exp.Alias) else item
            if isinstance(target, exp.Star) or (isinstance(target, exp.Column) and isinstance(target.this, exp.Star)):
                qualifier = target.args.get("table").name if isinstance(target, exp.Column) and target.args.get("table") else None
                for i in scope.star(qualifier):
                    c = scope.columns[i]
                    exprs.append(ColumnRef(i, c.column.type, c.name))
                    columns.append(P.PlanColumn(c.name, c.column.type, c.column.table_oid, c.column.attnum))
                continue
            e = binder.bind(target)
            exprs.append(e)
            name = item.alias if isinstance(item, exp.Alias) else column_name(target, e)
            src = scope.columns[e.index].column if isinstance(e, ColumnRef) and e.index < n else None
            columns.append(P.PlanColumn(name, e.type, src.table_oid if src else 0, src.attnum if src else 0))
        return exprs, columns

    # -- INSERT -------------------------------------------------------------------------------------

    def bind_insert(self, node: exp.Insert) -> P.Insert:
        return self.q.bind_with(node, None, lambda: self._bind_insert(node), self.q.depth == 0)

    def bind_update(self, node: exp.Update) -> P.Update:
        return self.q.bind_with(node, None, lambda: self._bind_update(node), self.q.depth == 0)

    def bind_delete(self, node: exp.Delete) -> P.Delete:
        return self.q.bind_with(node, None, lambda: self._bind_delete(node), self.q.depth == 0)

    def _bind_insert(self, node: exp.Insert) -> P.Insert:
        target = node.this
        names = None
        if isinstance(target, exp.Schema):
            names = target.expressions
            target = target.this
        rel, alias, schema = self.target(target)
        view = resolve_view(self.q, rel, "INSERT") if rel.kind == "v" and not instead_of(rel, "INSERT") else None
        cols = insert_columns(view) if view is not None else self.all_columns(rel)
        positions = self._insert_positions(rel, names, cols)
        binder = self.q.expr_binder(Scope())
        source_node = node.expression
        overriding = node.args.get("overriding")
        if node.args.get("default") or source_node is None:
            source: P.Plan = P.Result()
            source_exprs: list[Expr | None] = []
            positions = []
        elif isinstance(source_node, exp.Values):
            source, positions = self._insert_values(source_node, cols, positions, binder, names, overriding)
            source_exprs = [ColumnRef(i, c.type) for i, c in enumerate(source.columns)]
        else:
            self.q.resolve_unknowns = False
            source = self.q.bind_query(source_node)
            items = source_node.expressions if isinstance(source_node, exp.Select) else []
            _check_insert_width(items if len(items) == len(source.columns) else [None] * len(source.columns),
                                names, len(positions))
            positions = positions[:len(source.columns)]
            sb = self.q.expr_binder(_scope(source))
            items = source_node.expressions if isinstance(source_node, exp.Select) else []
            source_exprs = [sb.assign(ColumnRef(i, c.type), cols[p].type, cols[p].name, items[i] if i < len(items) else None)
                            for i, (c, p) in enumerate(zip(source.columns, positions))]
            if overriding == "USER":  # the identity columns take their defaults
                kept = [k for k, p in enumerate(positions) if not cols[p].identity]
                positions, source_exprs = [positions[k] for k in kept], [source_exprs[k] for k in kept]
            for p in positions:
                _check_insertable(cols[p], overriding)
        if view is not None:  # view columns -> the base table's
            rel, positions = view.base, view.insert_positions([cols[p].name for p in positions])
        plan = self._insert_plan(rel, alias, schema, positions, source, source_exprs, binder, node, view)
        conflict = node.args.get("conflict")
        if conflict is not None:
            plan.on_conflict = self._on_conflict(conflict, rel, alias, schema, view)
        return plan

    def _insert_positions(self, rel: RelationDef, names: list[exp.Expression] | None,
                          cols: list[ColumnDef]) -> list[int]:
        """The positions (in `cols`) an INSERT's column list names; all visible ones without."""
        by_name = {c.name: i for i, c in enumerate(cols) if c.visible}
        if names is None:
            return [i for i, c in enumerate(cols) if c.visible]
        positions: list[int] = []
        for node in names:
            n = node.name
            if n not in by_name:
                raise UndefinedColumn(f'column "{n}" of relation "{rel.name}" does not exist',
                                      position=token_position(node))
            if by_name[n] in positions:
                raise DuplicateColumn(f'column "{n}" specified more than once')
            positions.append(by_name[n])
        return positions

    def bind_insert_rows(self, rel: RelationDef, names: list[str], rows: P.Plan) -> P.Insert:
        """INSERT of rows decoded as the named columns' types (COPY FROM); the columns' typmods
        (varchar(n), numeric(p,s)) apply as an assignment does."""
        cols = self.all_columns(rel)
        positions = [next(i for i, c in enumerate(cols) if c.name == n and c.visible) for n in names]
        binder = self.q.expr_binder(_scope(rows))
        exprs = [binder.coerce(ColumnRef(i, c.type), cols[p].type, "a")
                 for i, (c, p) in enumerate(zip(rows.columns, positions))]
        return self._insert_plan(rel, rel.name, "", positions, rows, exprs, binder, None)

    def _insert_plan(self, rel: RelationDef, alias: str, schema: str, positions: list[int], source: P.Plan,
                     source_exprs: list, binder: ExprBinder, node: exp.Insert | None,
                     view: ViewTarget | None = None) -> P.Insert:
        cols = view.base_columns() if view is not None else self.all_columns(rel)
        row: list[Expr] = []
        for i, col in enumerate(cols):
            if i in positions:
                row.append(source_exprs[positions.index(i)])
            else:
                row.append(self.default_expr(col, binder))
        full = self.with_generated(rel, P.Project(source, row, [P.PlanColumn(c.name or "?dropped?", c.type)
                                                                 for c in cols],
                                                  estimated_rows=source.estimated_rows), 0)
        new_scope = self.table_scope(rel, alias, schema)
        checks = self.row_checks(rel, self.q.expr_binder(new_scope))
        if view is not None:
            returning, ret_cols = self._view_returning(node, view, alias, schema)
            checks.view_checks = view.checks
            return P.Insert(rel.oid, rel.name, full, returning, ret_cols, checks,
                            view_privileges=view.privileges("a") + (view.privileges("r") if returning else []))
        returning, ret_cols = self.returning(node, new_scope, rel.oid) if node is not None else (None, [])
        return P.Insert(rel.oid, rel.name, full, returning, ret_cols, checks)

    def _view_returning(self, node: exp.Expression, view: ViewTarget, alias: str, schema: str):
        scope, computed = view_scope(view, alias, schema, 1)
        return self.returning(node, scope, computed=computed)

    def _insert_values(self, node: exp.Values, cols: list[ColumnDef], positions: list[int], binder: ExprBinder,
                       names: list[exp.Expression] | None, overriding: str | None):
        """VALUES rows of an INSERT; with a column list (`names`) every row must fill all of it."""
        binder.context = "VALUES"
        rows = []
        width = len(positions)
        for t in node.expressions:
            items = t.expressions if isinstance(t, exp.Tuple) else [t]
            _check_insert_width(items, names, width)
            bound = []
            for item, pos in zip(items, positions):
                col = cols[pos]
                if _is_default(item) or overriding == "USER" and col.identity:
                    bound.append(self.default_expr(col, binder))
                else:
                    _check_insertable(col, overriding)
                    bound.append(binder.assign(item, col.type, col.name))
            rows.append(bound)
        width = min(len(r) for r in rows)
        if any(len(r) != width for r in rows):
            raise SqlSyntaxError("VALUES lists must all be the same length")
        positions = positions[:width]
        columns = [P.PlanColumn(cols[p].name, cols[p].type) for p in positions]
        plan = P.Values(rows, columns)
        plan.estimated_rows = len(rows)
        return plan, positions

    def _assignments(self, items: list, cols: list[ColumnDef], binder: ExprBinder, updates: list[Expr],
                     rel: RelationDef, view: ViewTarget | None = None) -> None:
        by_name = {c.name: i for i, c in enumerate(cols) if c.visible}
        position = by_name.get if view is None else (lambda n: view.position(n, "UPDATE"))
        # columns (positions: two view columns may show one) assigned as a whole; and by element
        # (SET a[i] = v, which compose)
        whole: set[int] = set()
        elements: set[int] = set()
        for item in items:
            lhs, rhs = item.this, item.expression
            targets = lhs.expressions if isinstance(lhs, exp.Tuple) else [lhs]
            if len(targets) > 1 and isinstance(rhs, exp.Subquery):
                values = _subquery_columns(rhs, binder)  # SET (a, b) = (SELECT x, y ...)
            else:
                values = (rhs.expressions if isinstance(rhs, exp.Tuple) else
                          (rhs.this.expressions if isinstance(rhs, exp.Paren) and isinstance(rhs.this, exp.Tuple)
                           else [rhs]))
            if len(values) != len(targets):
                raise SqlSyntaxError("number of columns does not match number of values")
            for t, v in zip(targets, values):
                element = t if isinstance(t, exp.Bracket) else None
                column = t.this if element is not None else t
                if isinstance(column, exp.Column) and column.table:  # SET x.v: a field v of a column x
                    pos = position(column.table)
                    if pos is None or element is not None:
                        raise UndefinedColumn(f'column "{column.table}" of relation "{rel.name}" does not exist',
                                              position=name_position(column))
                    if pos in whole:
                        raise SqlSyntaxError(f'multiple assignments to same column "{cols[pos].name}"')
                    updates[pos] = field_assigned(binder, cols[pos], column, v, updates[pos])
                    elements.add(pos)
                    continue
                name = column.name
                pos = position(name)
                if pos is None:
                    raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist',
                                          position=name_position(column) if isinstance(column, exp.Column)
                                          else token_position(column))
                if pos in whole or (element is None and pos in elements):
                    raise SqlSyntaxError(f'multiple assignments to same column "{cols[pos].name}"')  # 42601, as PostgreSQL's rewriter
                if (cols[pos].generated or cols[pos].identity == "a") and not _is_default(v):
                    what = "a generated column" if cols[pos].generated else \
                        "an identity column defined as GENERATED ALWAYS"
                    raise GeneratedAlways(f'column "{name}" can only be updated to DEFAULT',
                                          detail=f'Column "{name}" is {what}.')
                if element is not None:
                    updates[pos] = _element_assigned(binder, element, v, cols[pos], updates[pos])
                    elements.add(pos)
                elif _is_default(v):
                    whole.add(pos)
                    updates[pos] = self.default_expr(cols[pos], binder)
                else:
                    whole.add(pos)
                    updates[pos] = binder.assign(v, cols[pos].type, name)

    # -- UPDATE / DELETE -------------------------------------------------------------------------------

    def _source(self, node: exp.Expression, rel: RelationDef, alias: str, schema: str, extra_from: list,
                view: ViewTarget | None = None):
        cols = self.all_columns(rel)
        scan_cols = [P.PlanColumn(c.name, c.type, rel.oid, c.attnum) for c in cols]
        scan = P.TableScan(rel.oid, rel.name, [c.attnum for c in cols], scan_cols + [P.PlanColumn("ctid", INT8)],
                           with_rowids=True, alias=alias or rel.name,
                           estimated_rows=self.q.catalog.estimated_rows(rel.oid))
        where = node.args.get("where")
        if where is not None and isinstance(where.this, CurrentOf):
            scan, where = current_of_scan(self.q, scan, where.this, rel, view), None
        plan: P.Plan = scan
        if rel.kind == "v":  # a view with INSTEAD OF triggers, written directly or through `view`
            plan, scope = instead_rows(self.q, rel, alias)
            scope.columns.append(_hidden_rowid())
        if view is not None:
            plan, scope = view_rows(view, plan, alias, schema)
        elif rel.kind != "v":
            scope = self.table_scope(rel, alias, schema)
            scope.columns.append(_hidden_rowid())
            scope.system_columns[alias] = system_columns(rel.oid, generated=False, rowid=len(cols))
        from_scope = Scope()  # the FROM/USING items' columns, after the target's and its row id
        for item in extra_from:
            right, right_scope = self.q._bind_from_item(item, None, None)
            columns = list(plan.columns) + list(right.columns)
            plan = P.Join("cross", plan, right, columns, estimated_rows=plan.estimated_rows * right.estimated_rows)
            scope.extend(right_scope)
            from_scope.extend(right_scope)
        binder = self.q.expr_binder(scope)
        if where is not None:
            binder.context = "WHERE"
            pred = binder.bind_bool(where.this, "WHERE")
            if view is not None and not extra_from:
                plan = filter_view_rows(plan, pred)
            else:
                plan = P.Filter(plan, pred, plan.columns, estimated_rows=max(plan.estimated_rows / 3, 1))
        return plan, scope, binder, len(cols), from_scope

    def _bind_update(self, node: exp.Update) -> P.Update:
        rel, alias, schema = self.target(node.this)
        view = resolve_view(self.q, rel, "UPDATE") if rel.kind == "v" and not instead_of(rel, "UPDATE") else None
        from_ = node.args.get("from_") or node.args.get("from")
        extra = [from_.this] if from_ is not None else []
        extra += [j.this for j in (from_.args.get("joins") or [])] if from_ is not None else []
        base = view.base if view is not None else rel
        plan, _, binder, ncols, from_scope = self._source(node, base, alias, schema, extra, view)
        update = self._update_plan(base, alias, schema, plan, binder, node.expressions, 0, ncols, node, view,
                                   from_scope)
        if extra and base.kind != "v":  # UPDATE ... FROM may join a target row several times: PostgreSQL updates it once
            out_cols = update.source.columns
            update.source = P.Distinct(P.Sort(update.source, [(ColumnRef(0, INT8), False, False)], out_cols),
                                       out_cols, [ColumnRef(0, INT8)])
        return update

    def _update_plan(self, rel: RelationDef, alias: str, schema: str, plan: P.Plan, binder: ExprBinder, items: list,
                     first: int, rowid: int, node: exp.Expression | None, view: ViewTarget | None = None,
                     from_scope: Scope | None = None) -> P.Update:
        """The UPDATE by the SET `items` of the target rows `plan` yields: their columns from
        position `first` on, their row ids at `rowid` (MERGE's source has its data source's first),
        and the FROM items' columns after the row id (`from_scope`), which RETURNING may read."""
        cols = view.base_columns() if view is not None else self.all_columns(rel)
        updates: list[Expr] = [ColumnRef(first + i, c.type, c.name) for i, c in enumerate(cols)]
        kept = list(updates)
        binder.context = "UPDATE"  # for "aggregate functions are not allowed in UPDATE"
        self._assignments(items, cols, binder, updates, view.view if view is not None else rel, view)
        out_cols = [P.PlanColumn("ctid", INT8)] + [P.PlanColumn(c.name, c.type) for c in cols]
        passed = _passed_columns(plan, rowid, from_scope if view is None else None)
        if rel.kind == "v":  # INSTEAD OF triggers get OLD from the source too (exec/modify.py)
            passed = kept + passed
        source = self.with_generated(rel, P.Project(plan, [ColumnRef(rowid, INT8)] + updates + passed,
                                                    out_cols + [plan.columns[c.index] for c in passed],
                                                    estimated_rows=plan.estimated_rows), 1)
        new_scope = self.table_scope(rel, alias, schema)
        changed = {c.attnum for c, e, old in zip(cols, updates, kept) if c.generated or e is not old}
        checks = self.row_checks(rel, self.q.expr_binder(new_scope), changed)
        if view is not None:
            returning, ret_cols = self._view_returning(node, view, alias, schema)
            checks.view_checks = view.checks
            return P.Update(rel.oid, rel.name, source, returning, ret_cols, checks, passed=len(passed),
                            view_privileges=view.privileges("w") + (view.privileges("r") if _reads(node) else []))
        returning, ret_cols = (self.returning(node, new_scope, rel.oid, from_scope=from_scope) if node is not None
                                else (None, []))
        return P.Update(rel.oid, rel.name, source, returning, ret_cols, checks, passed=len(passed))

    def _bind_delete(self, node: exp.Delete) -> P.Delete:
        rel, alias, schema = self.target(node.this)
        view = resolve_view(self.q, rel, "DELETE") if rel.kind == "v" and not instead_of(rel, "DELETE") else None
        rel = view.base if view is not None else rel
        extra = list(node.args.get("using") or [])
        plan, _, _, ncols, from_scope = self._source(node, rel, alias, schema, extra, view)
        passed = _passed_columns(plan, ncols, from_scope if view is None else None)
        source = self._deleted_rows(rel, plan, 0, ncols, passed)
        if extra and rel.kind != "v":
            out_cols = source.columns
            source = P.Distinct(P.Sort(source, [(ColumnRef(0, INT8), False, False)], out_cols), out_cols,
                                [ColumnRef(0, INT8)])
        if view is not None:
            returning, ret_cols = self._view_returning(node, view, alias, schema)
            return P.Delete(rel.oid, rel.name, source, returning, ret_cols,
                            view_privileges=view.privileges("d") + (view.privileges("r") if _reads(node) else []))
        returning, ret_cols = self.returning(node, self.table_scope(rel, alias, schema), rel.oid,
                                             from_scope=from_scope)
        return P.Delete(rel.oid, rel.name, source, returning, ret_cols, passed=len(passed))

    def _deleted_rows(self, rel: RelationDef, plan: P.Plan, first: int, rowid: int,
                      passed: list[ColumnRef] = ()) -> P.Project:
        """What a Delete reads: the row ids (at `rowid` in `plan`), then the old rows (from `first`),
        then the USING items' columns RETURNING reads (`passed`)."""
        cols = self.all_columns(rel)
        out_cols = [P.PlanColumn("ctid", INT8)] + [P.PlanColumn(c.name, c.type) for c in cols]
        exprs = [ColumnRef(rowid, INT8)] + [ColumnRef(first + i, c.type) for i, c in enumerate(cols)]
        return P.Project(plan, exprs + list(passed), out_cols + [plan.columns[c.index] for c in passed],
                         estimated_rows=plan.estimated_rows)


def _subquery_columns(node: exp.Subquery, binder: ExprBinder) -> list[Expr]:
    """One scalar subquery per column of a multi-column subquery (each fails on more than one row)."""
    plan, correlated = binder.bind_subquery(node.this, binder.scope)
    return [SubqueryExpr("scalar", P.Project(plan, [ColumnRef(i, c.type)], [c], estimated_rows=plan.estimated_rows),
                         c.type, correlated=correlated)
            for i, c in enumerate(plan.columns)]


def _check_insertable(col: ColumnDef, overriding: str | None) -> None:
    """A value for a generated column, or for a GENERATED ALWAYS identity without OVERRIDING
    SYSTEM VALUE, is refused (428C9)."""
    if col.generated:
        raise GeneratedAlways(f'cannot insert a non-DEFAULT value into column "{col.name}"',
                              detail=f'Column "{col.name}" is a generated column.')
    if col.identity == "a" and overriding != "SYSTEM":
        raise GeneratedAlways(f'cannot insert a non-DEFAULT value into column "{col.name}"',
                              detail=f'Column "{col.name}" is an identity column defined as GENERATED ALWAYS.',
                              hint="Use OVERRIDING SYSTEM VALUE to override.")


def _element_assigned(binder: ExprBinder, target: exp.Bracket, value: exp.Expression | Expr, col: ColumnDef,
                      previous: Expr) -> Expr:
    """The new value of array column `col` for `SET col[i] = value`: `previous`, its current value
    (or what an earlier `SET col[j] = ...` of the statement made of it), with element i set."""
    if not col.type.pg.elem_oid:
        raise DatatypeMismatch(f'cannot subscript type {type_name(col.type)} because it does not support subscripting')
    subscripts = target.expressions
    if len(subscripts) != 1 or isinstance(subscripts[0], exp.Slice):
        raise FeatureNotSupported("assignment to a slice or to an element of a multidimensional array is not supported")
    index = binder.coerce(binder.bind(subscripts[0]), SqlType(R.INT4), "a")
    element = binder.assign(value, SqlType(R.element_of(col.type.pg)), col.name)
    return Call("subscript assignment", "array_assign", [previous, index, element], col.type, strict=False)


def field_assigned(binder: ExprBinder, col: ColumnDef, target: exp.Column, value: exp.Expression | Expr,
                   previous: Expr) -> Expr:
    """The new value of composite column `col` for `SET col.field = value`: `previous` (a NULL
    one as a row of NULLs) with that field replaced."""
    field = target.name
    if col.type.pg.composite is None:
        raise DatatypeMismatch(f'cannot assign to field "{field}" of column "{col.name}" because its type '
                               f'{type_name(col.type)} is not a composite type', position=name_position(target))
    names = [n for n, _ in record_fields(col.type)]
    if field not in names:
        raise UndefinedColumn(f'cannot assign to field "{field}" of column "{col.name}" because there is no such '
                              f'column in data type {type_name(col.type)}', position=name_position(target))
    index = names.index(field)
    assigned = binder.assign(value, record_fields(col.type)[index][1], col.name)
    return Call("field assignment", "record_assign", [previous, Const(index, SqlType(R.INT4)), assigned], col.type,
                strict=False)


def _check_insert_width(items: list, names: list[exp.Expression] | None, width: int) -> None:
    """An INSERT's values (parse nodes, or None) against its `width` target columns (`names`, if
    listed): an error points at the first value or listed column too many."""
    if len(items) > width:
        extra = items[width]
        raise SqlSyntaxError("INSERT has more expressions than target columns",
                             position=expr_location(extra) if extra is not None else None)
    if names is not None and len(items) < width:
        raise SqlSyntaxError("INSERT has more target columns than expressions",
                             position=token_position(names[len(items)]))


def _reads(node: exp.Expression) -> bool:
    """Does an UPDATE or DELETE read the rows it writes (PostgreSQL then wants SELECT too)?"""
    return any(node.args.get(k) for k in ("where", "returning", "from_", "using")) or \
        any(item.expression.find(exp.Column) for item in node.expressions if isinstance(item, exp.EQ))


def _is_default(node: exp.Expression) -> bool:
    """The DEFAULT keyword in VALUES or SET (sqlglot reads it as a Var or an unquoted column)."""
    if isinstance(node, exp.Var):
        return node.name.upper() == "DEFAULT"
    return (isinstance(node, exp.Column) and not node.table and node.name.upper() == "DEFAULT"
            and not node.this.quoted)


def _scope(plan: P.Plan) -> Scope:
    scope = Scope()
    scope.add("", plan.columns)
    return scope


def _passed_columns(plan: P.Plan, rowid: int, from_scope: Scope | None) -> list[ColumnRef]:
    """The FROM/USING items' columns of `plan` (after the target's row id), which an UPDATE or
    DELETE passes on to RETURNING; none through a view, whose RETURNING reads only its columns."""
    if from_scope is None:
        return []
    return [ColumnRef(i, plan.columns[i].type) for i in range(rowid + 1, len(plan.columns))]


def _hidden_rowid():
    return ScopeColumn("ctid", "", P.PlanColumn("ctid", INT8), hidden=True)
