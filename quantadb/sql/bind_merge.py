"""Binding MERGE (PostgreSQL 15): the data source joined to the target, and for each WHEN
clause the INSERT, UPDATE or DELETE plan that DmlBinder builds for those statements, over the
joined rows that take it (exec/merge.py decides which rows those are).

The join puts the data source first, then the target row and its row id: a LEFT join when some
clause is WHEN NOT MATCHED (a NULL row id marks a source row no target row matched), else an
inner one. WHEN NOT MATCHED clauses see the data source only.
"""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import (DuplicateAlias, FeatureNotSupported, SyntaxError as SqlSyntaxError, UndefinedColumn,
                             UndefinedTable, WrongObjectType)
from quantadb.sql import plan as P
from quantadb.sql.bind_dml import DmlBinder
from quantadb.sql.expr import Expr
from quantadb.sql.scope import Scope
from quantadb.storage.catalog import RelationDef

# the relation kinds MERGE refuses, as PostgreSQL's errdetail_relkind_not_supported names them
_KINDS = {"v": "views", "m": "materialized views", "S": "sequences"}


class MergeBinder(DmlBinder):
    def bind_merge(self, node: exp.Merge) -> P.Merge:
        return self.q.bind_with(node, None, lambda: self._bind_merge(node), self.q.depth == 0)

    def _bind_merge(self, node: exp.Merge) -> P.Merge:
        whens = node.args["whens"].expressions
        _check_reachable(whens)
        rel, alias, schema = self._merge_target(node.this)
        using = node.args["using"]
        _check_alias(using)
        if using.args.get("joins"):  # `USING a JOIN b ON ...`: bound as the parenthesised join it is
            using = exp.Subquery(this=using)
        source, source_scope = self.q._bind_from_item(using, None, None)
        if alias in source_scope.aliases:
            raise DuplicateAlias(f'name "{alias}" specified more than once',
                                 detail="The name is used both as MERGE target table and data source.")
        target, target_scope, _, ncols, _ = self._source(node, rel, alias, schema, [])
        # PostgreSQL wants SELECT on the target only for columns the statement reads
        target.via_view = not _reads_target(node, rel, alias)
        first = len(source.columns)
        rowid = first + ncols
        scope = Scope()
        scope.extend(source_scope)
        scope.extend(target_scope)
        inserts = any(not w.args.get("matched") for w in whens)
        if inserts:
            scope.nullable[alias] = rowid  # the target row is NULL where its row id is
        binder = self.q.expr_binder(scope)
        binder.context = "JOIN conditions"
        on = binder.bind_bool(node.args["on"], "JOIN/ON")
        columns = list(source.columns) + list(target.columns)
        join = P.Join("left" if inserts else "inner", source, target, columns, condition=on,
                      estimated_rows=max(source.estimated_rows, 1))
        actions = []
        for when in whens:
            matched = bool(when.args.get("matched"))
            if not matched:
                _check_not_target(when, rel, alias, source_scope)
            rows = P.CteDef("merge rows", columns=columns)
            scan = P.CteScan(rows, columns, estimated_rows=join.estimated_rows)
            when_binder = self.q.expr_binder(scope if matched else source_scope)
            condition = None
            if when.args.get("condition") is not None:
                when_binder.context = "MERGE WHEN conditions"
                condition = when_binder.bind_bool(when.args["condition"], "WHEN")
            write = self._action(when.args["then"], rel, alias, schema, scan, when_binder, first, rowid)
            actions.append(P.MergeAction(matched, condition, rows, write))
        return P.Merge(rel.oid, rel.name, join, rowid, actions, estimated_rows=join.estimated_rows)

    def _merge_target(self, table: exp.Table) -> tuple[RelationDef, str, str]:
        parts = [p.name for p in (table.args.get("catalog"), table.args.get("db"), table.this) if p is not None]
        resolved = self.q.catalog.resolve_relation(parts)
        rel = resolved.relation if resolved is not None else None
        if rel is not None and rel.kind == "i":
            raise WrongObjectType(f'"{rel.name}" is an index')
        if rel is not None and rel.kind in _KINDS:
            raise FeatureNotSupported(f'cannot execute MERGE on relation "{rel.name}"',
                                      detail=f"This operation is not supported for {_KINDS[rel.kind]}.")
        return self.target(table)

    def _action(self, then: exp.Expression, rel: RelationDef, alias: str, schema: str, rows: P.Plan,
                binder, first: int, rowid: int) -> P.Insert | P.Update | P.Delete | None:
        if isinstance(then, exp.Update):
            return self._update_plan(rel, alias, schema, rows, binder, then.expressions, first, rowid, None)
        if isinstance(then, exp.Insert):
            return self._merge_insert(then, rel, alias, schema, rows, binder)
        if then.name == "DELETE":
            return P.Delete(rel.oid, rel.name, self._deleted_rows(rel, rows, first, rowid), None, [])
        return None  # DO NOTHING

    def _merge_insert(self, then: exp.Insert, rel: RelationDef, alias: str, schema: str, rows: P.Plan,
                      binder) -> P.Insert:
        """INSERT [(columns)] [OVERRIDING ...] VALUES (...) over the data source's row, checked as
        INSERT's VALUES are; INSERT DEFAULT VALUES."""
        positions: list[int] = []
        exprs: list[Expr] = []
        if not then.args.get("default"):
            names = then.this.expressions if then.this is not None else None
            values, positions = self._insert_values(exp.Values(expressions=[then.expression]), self.all_columns(rel),
                                                    self._insert_positions(rel, names, self.all_columns(rel)), binder, names,
                                                    then.args.get("overriding"))
            exprs = values.rows[0]
        return self._insert_plan(rel, alias, schema, positions, rows, exprs, binder, None)


def _check_reachable(whens: list[exp.When]) -> None:
    """A WHEN clause after an unconditional one of the same kind could never run."""
    unconditional = {True: False, False: False}
    for when in whens:
        matched = bool(when.args.get("matched"))
        if unconditional[matched]:
            raise SqlSyntaxError("unreachable WHEN clause specified after unconditional WHEN clause")
        unconditional[matched] = when.args.get("condition") is None


def _reads_target(node: exp.Merge, rel: RelationDef, alias: str) -> bool:
    """Might ON, a WHEN condition or a SET value read the target row? (Any name that could be one
    of its columns counts, in subqueries too: a yes too many only asks for SELECT.)"""
    names = {c.name for c in rel.columns if c.visible} | {alias}
    whens = node.args["whens"].expressions
    parts = [node.args["on"]] + [w.args.get("condition") for w in whens]
    parts += [item.expression for w in whens if isinstance(w.args["then"], exp.Update)
              for item in w.args["then"].expressions]
    return any(column.table == alias or not column.table and column.name in names
               for part in parts if part is not None for column in part.find_all(exp.Column))


def _check_alias(using: exp.Expression) -> None:
    """PostgreSQL 15 wants an alias on a subquery or VALUES in FROM (16 no longer does)."""
    if not using.alias and isinstance(using, exp.Values):
        raise SqlSyntaxError("VALUES in FROM must have an alias", hint="For example, FROM (VALUES ...) [AS] foo.")
    if not using.alias and isinstance(using, exp.Subquery) and isinstance(using.this, exp.Query):
        raise SqlSyntaxError("subquery in FROM must have an alias", hint="For example, FROM (SELECT ...) [AS] foo.")


def _check_not_target(when: exp.When, rel: RelationDef, alias: str, source_scope: Scope) -> None:
    """WHEN NOT MATCHED has no target row: naming it, or one of its columns the data source does not
    have, is PostgreSQL's error with its hint (subqueries have scopes of their own: not looked into)."""
    columns = {c.name for c in rel.columns if c.visible}
    for node in when.walk(prune=lambda n: isinstance(n, exp.Query)):
        if not isinstance(node, exp.Column):
            continue
        if node.table == alias:
            raise UndefinedTable(f'invalid reference to FROM-clause entry for table "{alias}"',
                                 hint=f'There is an entry for table "{alias}", but it cannot be referenced from '
                                      f'this part of the query.')
        if not node.table and node.name in columns and source_scope.resolve(node.name, []) is None:
            raise UndefinedColumn(f'column "{node.name}" does not exist',
                                  hint=f'There is a column named "{node.name}" in table "{alias}", but it cannot be '
                                       f'referenced from this part of the query.')
