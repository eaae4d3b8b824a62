"""WITH: common table expressions, plain, RECURSIVE, and data-modifying (INSERT/UPDATE/DELETE
... RETURNING) ones, for queries and for INSERT/UPDATE/DELETE statements alike.

A data-modifying WITH query runs once and to completion whether or not the statement reads it,
as in PostgreSQL: when first read, or after the rest of the statement (the statement's plan is
wrapped in a ModifyingCtes node; for INSERT/UPDATE/DELETE/MERGE, its source). Every part of the
statement reads the rows as they were before it (one snapshot): only RETURNING passes rows on.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, SyntaxError as SqlSyntaxError
from quantadb.sql import plan as P
from quantadb.sql.bind_from import rename_columns
from quantadb.sql.expr import Call, SubqueryExpr, walk
from quantadb.types.registry import SqlType

_DML = (exp.Insert, exp.Update, exp.Delete)


class WithBinder:
    """A mixin of QueryBinder (uses its bind_query and ctes, and `cast_plan`)."""

    ctes: list[dict[str, P.CteDef]]
    cast_plan: Callable[[P.Plan, list[SqlType]], P.Plan]
    recorder: object

    def bind_with(self, node: exp.Expression, parent, bind_body: Callable[[], P.Plan],
                  top_level: bool) -> P.Plan:
        """`bind_body()` with `node`'s WITH queries in scope; `top_level`: a statement's own
        WITH, the only place data-modifying ones may stand."""
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is None:
            return bind_body()
        if with_.args.get("search") or with_.args.get("cycle"):  # refused rather than ignored
            raise FeatureNotSupported("WITH RECURSIVE ... SEARCH or CYCLE is not supported")
        self.ctes.append({})
        try:
            modifying = []
            for cte in with_.expressions:
                if isinstance(cte.this, exp.Merge):
                    raise FeatureNotSupported("MERGE not supported in WITH query")
                if isinstance(cte.this, _DML):
                    if not top_level:
                        raise FeatureNotSupported("WITH clause containing a data-modifying statement must be at "
                                                  "the top level")
                    modifying.append(self._bind_modifying_cte(cte))
                else:
                    self._bind_cte(cte, bool(with_.args.get("recursive")), parent, node)
            plan = bind_body()
        finally:
            self.ctes.pop()
        return _with_writing_parts(plan, modifying) if modifying else plan

    def _bind_modifying_cte(self, cte: exp.CTE) -> P.CteDef:
        from quantadb.sql.bind_dml import DmlBinder  # bind_dml binds through QueryBinder
        dml = DmlBinder(self)
        node = cte.this
        plan = dml.bind_insert(node) if isinstance(node, exp.Insert) else \
            dml.bind_update(node) if isinstance(node, exp.Update) else dml.bind_delete(node)
        alias_cols = [c.name for c in cte.args["alias"].columns] if cte.args.get("alias") else []
        definition = P.CteDef(cte.alias, plan, modifying=True)
        definition.columns = [] if plan.returning is None else \
            rename_columns(plan.columns, alias_cols, f'WITH query "{cte.alias}"')
        self.ctes[-1][cte.alias] = definition
        return definition

    def _bind_cte(self, cte: exp.CTE, recursive: bool, parent, statement: exp.Expression) -> None:
        name = cte.alias
        definition = P.CteDef(name)
        query = cte.this
        alias_cols = [c.name for c in cte.args["alias"].columns] if cte.args.get("alias") else []
        if recursive and isinstance(query, exp.Union) and _references(query.expression, name):
            anchor = self.bind_query(query.this, parent)
            definition.columns = rename_columns(anchor.columns, alias_cols, f'WITH query "{name}"')
            definition.union_all = not query.args.get("distinct")
            self.ctes[-1][name] = definition
            definition.plan = anchor
            recursive_plan = self.bind_query(query.expression, parent)
            if len(recursive_plan.columns) != len(anchor.columns):
                raise SqlSyntaxError("each UNION query must have the same number of columns")
            definition.recursive_plan = self.cast_plan(recursive_plan, [c.type for c in anchor.columns])
            definition.correlated = is_correlated(anchor) or is_correlated(definition.recursive_plan)
        else:
            definition.plan = self.bind_query(query, parent)
            definition.columns = rename_columns(definition.plan.columns, alias_cols, f'WITH query "{name}"')
            definition.correlated = is_correlated(definition.plan)
            if _inlinable(cte, definition, statement):  # the WITH queries its body sees, as they are now
                definition.inline = (query, parent, [dict(level) for level in self.ctes])
            self.ctes[-1][name] = definition

    def inline_cte(self, cte: P.CteDef) -> P.Plan:
        """The plan of a WITH query bound again where it is read, seeing what its body saw (what
        its names resolve to was noted for a view's query when it was first bound)."""
        query, parent, scope = cte.inline
        self.ctes, outer = scope, self.ctes
        self.recorder, recorder = None, self.recorder
        try:
            return self.bind_query(query, parent)
        finally:
            self.ctes, self.recorder = outer, recorder

    def _find_cte(self, name: str) -> P.CteDef | None:
        for level in reversed(self.ctes):
            if name in level:
                cte = level[name]
                if cte.modifying and cte.plan.returning is None:
                    raise FeatureNotSupported(f'WITH query "{name}" does not have a RETURNING clause')
                return cte
        return None


def _inlinable(cte: exp.CTE, definition: P.CteDef, statement: exp.Expression) -> bool:
    """Is a plain WITH query read where it is referenced, as a subquery in FROM, rather than computed
    once (PostgreSQL 12's rule: not MATERIALIZED and read once, or NOT MATERIALIZED; no volatile
    function, no reference to an enclosing query)? The planner can then push the reader's
    conditions into it and use indexes for them. (A name counted twice, whatever it stands for,
    only keeps it computed once, which gives the same rows.)"""
    materialized = cte.args.get("materialized")
    if materialized or definition.correlated or _calls_volatile(definition.plan):
        return False
    name = cte.alias
    reads = sum(1 for t in statement.find_all(exp.Table) if t.name == name and not t.args.get("db")) - \
        sum(1 for t in cte.this.find_all(exp.Table) if t.name == name)
    return reads == 1 or materialized is False


def _calls_volatile(plan: P.Plan) -> bool:
    for node in P.walk_plan(plan):
        for e in P.plan_expressions(node):
            for n in walk(e):
                if isinstance(n, Call) and n.volatile or isinstance(n, SubqueryExpr) and _calls_volatile(n.plan):
                    return True
    return False


def is_correlated(plan: P.Plan) -> bool:
    return P.is_correlated_to(plan, 1)


def _references(node: exp.Expression, name: str) -> bool:
    return any(t.name == name for t in node.find_all(exp.Table))


def reading_one_snapshot(plan: P.Plan) -> P.Plan:
    """The statement `plan` whose called functions write, or whose RETURNING reads tables: its own
    parts read the rows as they were before it, as those of a statement with data-modifying WITH
    queries (PostgreSQL's command id: a volatile function's statements see what it wrote, the
    calling query does not)."""
    if isinstance(plan, P.ModifyingCtes) or isinstance(getattr(plan, "source", None), P.ModifyingCtes):
        return plan
    return _with_writing_parts(plan, [])


def _with_writing_parts(plan: P.Plan, modifying: list[P.CteDef]) -> P.Plan:
    if isinstance(plan, (P.Insert, P.Update, P.Delete, P.Merge)):
        plan.source = P.ModifyingCtes(plan.source, modifying, plan.source.columns, under_write=True,
                                      estimated_rows=plan.source.estimated_rows)
        return plan
    return P.ModifyingCtes(plan, modifying, plan.columns, estimated_rows=plan.estimated_rows)
