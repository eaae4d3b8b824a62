"""Binding INSERT ... ON CONFLICT: the arbiter indexes its conflict target infers, and DO
UPDATE's new row over (existing row ++ excluded row); through a view (bind_view_dml.py) both
rows are the view's, their names the view's columns."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import (InvalidColumnReference, ObjectNotInPrerequisiteState, SyntaxError as SqlSyntaxError,
                             UndefinedColumn, UndefinedTable)
from quantadb.sql import plan as P
from quantadb.sql.bind_view_dml import ViewTarget, substitute, view_scope
from quantadb.sql.expr import ColumnRef, Expr, conjuncts, transform
from quantadb.sql.index_paths import expression_shape, predicate_implied
from quantadb.sql.positions import paren_before
from quantadb.sql.scope import Scope
from quantadb.storage.catalog import RelationDef


class OnConflictBinder:
    """DmlBinder's ON CONFLICT part (it uses DmlBinder's table_scope, all_columns,
    generation_exprs and _assignments)."""

    def _on_conflict(self, node: exp.OnConflict, rel: RelationDef, alias: str, schema: str,
                     view: ViewTarget | None = None) -> P.OnConflict:
        action = node.args.get("action")
        action_text = action.name.upper() if action is not None else "DO NOTHING"
        keys = [k.this if isinstance(k, exp.Ordered) else k for k in node.args.get("conflict_keys") or []]
        constraint = node.args.get("constraint")
        indexes = self.q.catalog.indexes_of(rel.oid)
        uniques = [i for i in indexes if i.unique]
        cols = self.all_columns(rel)
        if keys:
            wanted = {self._conflict_key(k, rel, keys[0], alias, view) for k in keys}
            implied = self._inferred_partial(node.args.get("index_predicate"), rel, alias, view)
            arbiters = [i.oid for i in uniques if set(i.index_columns) == wanted
                        and (not i.predicate_column or i.predicate_column in implied)]
            if not arbiters:
                raise InvalidColumnReference("there is no unique or exclusion constraint matching the ON CONFLICT "
                                             "specification")
        elif constraint is not None:
            cname = constraint.name
            con = next((c for c in rel.constraints if c.name == cname and c.index_oid), None)
            if con is None:
                raise UndefinedTable(f'constraint "{cname}" for table "{rel.name}" does not exist')
            arbiters = [con.index_oid]
        else:
            if "UPDATE" in action_text:
                raise SqlSyntaxError("ON CONFLICT DO UPDATE requires inference specification or constraint name")
            arbiters = [i.oid for i in uniques]
        deferrable = next((i for i in uniques if i.oid in arbiters and not i.immediate), None)
        if deferrable is not None:  # its duplicates may stand for a while: no conflict to find
            raise ObjectNotInPrerequisiteState("ON CONFLICT does not support deferrable unique constraints/exclusion "
                                               "constraints as arbiters", schema=schema or None, table=rel.name,
                                               constraint=deferrable.name)
        if "NOTHING" in action_text:
            return P.OnConflict(arbiters, "nothing")
        # DO UPDATE: expressions over existing row ++ excluded row
        scope, over_rows = self._conflict_scope(rel, alias, schema, view)
        binder = self.q.expr_binder(scope)
        if view is not None:
            cols = view.base_columns()
        updates: list[Expr] = [ColumnRef(i, c.type, c.name) for i, c in enumerate(cols)]
        self._assignments(node.expressions, cols, binder, updates, rel if view is None else view.view, view)
        updates = [over_rows(e) for e in updates]
        for i, e in self.generation_exprs(rel).items():  # over the new row: the SET values inlined
            updates[i] = transform(e, lambda n: updates[n.index] if isinstance(n, ColumnRef) else None)
        where = node.args.get("where")
        where_expr = over_rows(binder.bind_bool(where.this, "WHERE")) if where is not None else None
        return P.OnConflict(arbiters, "update", updates, where_expr)

    def _conflict_scope(self, rel: RelationDef, alias: str, schema: str, view: ViewTarget | None):
        """The scope of the existing row ++ the excluded one, and what turns an expression bound
        in it into one over those two rows alone (a view's computed columns come after both)."""
        if view is None:
            scope = self.table_scope(rel, alias, schema)
            scope.extend(self.table_scope(rel, "excluded", ""))
            return scope, lambda e: e
        n = len(rel.columns)
        row, extra, computed = view.scope_parts(alias, schema)
        excluded_row, excluded_extra, excluded_computed = view.scope_parts("excluded", "")
        scope = Scope()
        scope.aliases |= {alias, "excluded"}
        scope.columns = row + excluded_row + extra + excluded_extra
        computed = computed + [_shifted(e, n) for e in excluded_computed]
        return scope, lambda e: substitute(e, 2 * n, computed)

    def _row_scope(self, rel: RelationDef, alias: str, view: ViewTarget | None):
        """The scope of the proposed row, by the table's names or the view's."""
        if view is None:
            return self.table_scope(rel, rel.name, ""), lambda e: e
        scope, computed = view_scope(view, alias, "", 0)
        return scope, lambda e: substitute(e, len(rel.columns), computed)

    def _inferred_partial(self, where: exp.Where | None, rel: RelationDef, alias: str,
                          view: ViewTarget | None) -> set[int]:
        """The hidden predicate columns (attnums) ON CONFLICT (...) WHERE `where` implies, so
        that a partial unique index over them can be inferred (as the planner decides,
        sql/index_paths.py)."""
        if where is None:
            return set()
        scope, over_row = self._row_scope(rel, alias, view)
        parts = conjuncts(over_row(self.q.expr_binder(scope).bind_bool(where.this, "WHERE")))
        cols = self.all_columns(rel)
        return {cols[i].attnum for i, e in self.generation_exprs(rel).items()
                if cols[i].hidden and predicate_implied(parts, e)}

    def _conflict_key(self, key: exp.Expression, rel: RelationDef, first: exp.Expression, alias: str,
                      view: ViewTarget | None) -> int:
        """The attnum an ON CONFLICT key names: a column, or an index expression's hidden column
        (matched as the planner matches expressions, sql/index_paths.py). An unknown column is
        reported at the parenthesis before the `first` key, as PostgreSQL does."""
        cols = self.all_columns(rel)
        computed = view is not None and key.name in view.names and \
            not isinstance(view.exprs[view.names.index(key.name)], ColumnRef)
        if isinstance(key, exp.Column) and not computed:
            name = key.name
            if view is not None and name in view.names:  # the base column the view shows as `name`
                name = cols[view.exprs[view.names.index(name)].index].name
            match = [c.attnum for c in cols if c.name == name and c.visible]
            if not match:
                raise UndefinedColumn(f'column "{key.name}" does not exist', position=paren_before(first))
            return match[0]
        scope, over_row = self._row_scope(rel, alias, view)
        shape = expression_shape(over_row(self.q.expr_binder(scope).bind(key.this if isinstance(key, exp.Paren) else key)))
        found = [cols[i].attnum for i, e in self.generation_exprs(rel).items()
                 if cols[i].hidden and expression_shape(e) == shape]
        return found[0] if found else 0  # 0: no index has it, so no arbiter matches



def _shifted(e: Expr, by: int) -> Expr:
    return transform(e, lambda n: ColumnRef(n.index + by, n.type, n.name) if isinstance(n, ColumnRef) else None)
