"""The bridge from PL/pgSQL to the SQL engine (PostgreSQL's SPI): an expression runs as
`SELECT expr`, a statement as itself, with the variables it names passed as parameters.

Names are resolved by the binder's variable hook (sql/functions/user.py: named_parameter): a
name both a column and a variable is 42702, as plpgsql.variable_conflict = error (PostgreSQL's
default) makes it; `rec.field` is a field of the record parameter. A statement is bound once per
function (the plan cache is the function's, as PostgreSQL keeps SPI plans) and again only when
the catalog changed or a variable it reads now has another type (a RECORD assigned another
row). `SELECT expr` without FROM evaluates its expression directly (exec_eval_simple_expr).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quantadb.errors import (AmbiguousColumn, CardinalityViolation, FeatureNotSupported, ObjectNotInPrerequisiteState,
                             SqlError)
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.exec.columns import column_values
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.exec.run import run_all
from quantadb.plpgsql import tree as T
from quantadb.plpgsql.variables import Namespace, cast_expr
from quantadb.sql import plan as P
from quantadb.sql.bind_from import row_system_names
from quantadb.sql.bind_merge import MergeBinder
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.cursor_rows import CursorTables, updatable_plan
from quantadb.sql.expr import ColumnRef, Param
from quantadb.sql.functions.user import bind_procedure_call
from quantadb.sql.lexer import tokenize
from quantadb.sql.optimizer import optimize
from quantadb.sql.parse import parse_sql
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_fields

_DML = (P.Insert, P.Update, P.Delete, P.Merge)


@dataclass(eq=False)
class Bound:
    plan: P.Plan
    refs: list[tuple[tuple[str, ...], str]]  # the variables passed as $1.. (qualifier, name)
    types: tuple[SqlType, ...]  # their types when bound
    stamp: tuple
    simple: Any = None  # the expression of a FROM-less SELECT of one column
    needs: Any = None  # privileges and relation locks (the engine's ExecServices.statement_needs)
    cursor_plan: Any = None  # as a cursor's query: sql/cursor_rows.py's (plan, CursorTables)


@dataclass
class Outcome:
    """What a statement did: rows processed, and the rows it returned (with their columns)."""

    count: int
    batch: Batch | None
    columns: list[tuple[str, SqlType]]
    # a cursor's query: the tables whose row ids are the batch's last columns, and their
    # generations (engine/cursors.py's Cursors.open); and where it leaves its row locks to the
    # FETCHes, its plan and parameters, which read its rows anew (engine/cursor_locks.py)
    rows_of: tuple[CursorTables, dict[int, int]] = (CursorTables(), {})
    query: tuple[P.Plan, list[Any]] | None = None

    def rows(self) -> list[tuple]:
        if self.batch is None or not self.batch.length:
            return []
        values = [column_values(c) for c in self.batch.columns]
        return list(zip(*values))


def child_context(ctx: EvalContext, params: list[Any]) -> EvalContext:
    return EvalContext(ctx.format, ctx.session, params, ctx.txn_start_us, ctx.stmt_start_us, ctx.check_cancel,
                       ctx.services)


def positional_names(text: str) -> str:
    """$n as the quoted name "$n" the function's namespace holds (a parameter or its ALIAS)."""
    toks = [t for t in tokenize(text) if t.kind == "param"]
    for tok in reversed(toks):
        text = text[:tok.pos] + f'"{tok.value}"' + text[tok.pos + len(tok.value):]
    return text


class Bridge:
    """One function's SQL: its statements bound (cached by tree node) and run."""

    def __init__(self, ctx: EvalContext, definer: int | None = None) -> None:
        self.cache: dict[tuple[T.Sql, Any], Bound] = {}  # (the tree's nodes, kept alive by the keys)
        self.made: dict[tuple[T.Stmt, str], T.Sql] = {}
        self.definer = definer  # a SECURITY DEFINER function's owner, whose privileges its SQL has
        # a name both a column and a variable: plpgsql.variable_conflict as the function is first
        # run in the session (it is compiled then in PostgreSQL), unless the body says otherwise
        session = ctx.session
        self.conflict = (session.settings.get("plpgsql.variable_conflict") if session is not None else None) or "error"

    # -- running -------------------------------------------------------------------------------
    def value(self, sql: T.Sql, ns: Namespace, ctx: EvalContext, target: SqlType | None = None) -> tuple[Any, SqlType]:
        """An expression's value (exec_eval_expr): one row of one column, else 21000 / 42601."""
        bound = self._bound(sql, ns, ctx, "expr", target)
        before_statement(bound, ctx, self.definer)
        inner = child_context(ctx, self._params(bound, ns))
        column = bound.plan.columns[0]
        if bound.simple is not None:
            return column_values(evaluate(bound.simple, Batch([], 1), inner))[0], column.type
        batch = run_all(bound.plan, inner)
        if len(bound.plan.columns) != 1:
            raise SqlSyntaxError(f'query "{sql.text}" returned {len(bound.plan.columns)} columns')
        if batch.length > 1:
            raise CardinalityViolation(f'query "SELECT {sql.text}" returned more than one row')
        return (column_values(batch.columns[0])[0] if batch.length else None), column.type

    def values(self, owner: T.Stmt, part: str, items: list[T.Sql], ns: Namespace, ctx: EvalContext) -> Outcome:
        """The row of `SELECT a, b, ...` of a statement's expressions (RAISE's parameters and
        options, EXECUTE's USING)."""
        return self.statement(self.derived(owner, part, "SELECT " + ", ".join(i.text for i in items)), ns, ctx)

    def derived(self, owner: T.Stmt, part: str, text: str) -> T.Sql:
        """SQL made from a statement's parts, made once so that its plan is kept with the others."""
        sql = self.made.get((owner, part))
        if sql is None:
            sql = self.made[(owner, part)] = T.Sql(text)
        return sql

    def statement(self, sql: T.Sql, ns: Namespace, ctx: EvalContext, for_cursor: bool = False) -> Outcome:
        """Run a statement; `for_cursor`: a cursor's query, its rows' row ids passed along for
        WHERE CURRENT OF (sql/cursor_rows.py), its row locks left to its FETCHes."""
        bound = self._bound(sql, ns, ctx, "stmt", None)
        plan, tables = bound.plan, CursorTables()
        if for_cursor and ctx.services is not None:
            if bound.cursor_plan is None:
                bound.cursor_plan = updatable_plan(bound.plan, ctx.session.catalog())
            plan, tables = bound.cursor_plan

        def attempt() -> Outcome:
            before_statement(bound, ctx, self.definer)
            return run_plan(plan, child_context(ctx, self._params(bound, ns)), tables)
        if ctx.services is None:
            return attempt()
        if isinstance(plan, (P.Update, P.Delete)):  # re-checked by itself, as PostgreSQL's EvalPlanQual
            return ctx.services.rechecked_in_place(plan, attempt, ctx.nonatomic)
        if ctx.nonatomic:  # in a procedure that may COMMIT, a wait repeats this statement, never the whole CALL
            return ctx.services.run_in_place(attempt)
        return attempt()

    def locks_rows(self, sql: T.Sql, ns: Namespace, ctx: EvalContext) -> bool:
        """Does query `sql` lock rows (FOR UPDATE/SHARE)?"""
        return any(isinstance(n, P.LockRows) or isinstance(n, (P.TableScan, P.IndexScan)) and n.lock_mode
                   for n in P.walk_plan(self._bound(sql, ns, ctx, "stmt", None).plan))

    def call(self, sql: T.Sql, ns: Namespace, ctx: EvalContext, nonatomic: bool) -> tuple[Any, Any]:
        """CALL name(args): the procedure's INOUT values, and the bound call."""
        bound = self._bound(sql, ns, ctx, "call", None)
        before_statement(bound, ctx, self.definer)
        inner = child_context(ctx, self._params(bound, ns))
        inner.nonatomic = nonatomic
        return column_values(evaluate(bound.simple, Batch([], 1), inner))[0], bound.simple

    def _params(self, bound: Bound, ns: Namespace) -> list[Any]:
        return [ns.resolve(name, list(qualifier))[0].value for qualifier, name in bound.refs]

    # -- binding -------------------------------------------------------------------------------
    def _bound(self, sql: T.Sql, ns: Namespace, ctx: EvalContext, kind: str, target: SqlType | None) -> Bound:
        key = (sql, target)
        stamp = (*_stamp(ctx), self.conflict)
        bound = self.cache.get(key)
        if bound is not None and bound.stamp == stamp and \
                all(_type_of(ns, ref) == t for ref, t in zip(bound.refs, bound.types)):
            return bound
        try:
            bound = self.cache[key] = bind(sql.text, ns, ctx, kind, target, stamp, conflict=self.conflict)
        except SqlError as e:
            if getattr(e, "internal_query", None) is None and not e.where:  # the parser's or binder's:
                e.internal_query = sql.text                                   # QUERY shows the SQL
                if e.position is not None:
                    e.internal_position = max(e.position - (7 if kind == "expr" else 0), 1)  # (past "SELECT ")
                    e.position = None
            raise
        return bound


def before_statement(bound: Bound, ctx: EvalContext, definer: int | None) -> None:
    """Check the privileges the plan needs and take its relation locks, each time it runs."""
    services = ctx.services
    if services is None:
        return
    if bound.needs is None:
        bound.needs = services.statement_needs(bound.plan, definer)
    services.before_statement(bound.needs)


def _type_of(ns: Namespace, ref: tuple[tuple[str, ...], str]) -> SqlType | None:
    hit = ns.resolve(ref[1], list(ref[0]))
    return hit[0].type if hit is not None else None


def _stamp(ctx: EvalContext) -> tuple:
    """What a plan was bound on: the catalog as committed, and this transaction's own changes."""
    services = ctx.services
    if services is None:
        return ()
    txn = services.txn
    return (services.store.catalog.last_change, id(txn) if txn is not None and txn.did_ddl else 0,
            ctx.session.settings.get("search_path") if ctx.session is not None else None)


def bind(text: str, ns: Namespace | None, ctx: EvalContext, kind: str, target: SqlType | None,
         stamp: tuple = (), param_types: list[SqlType] | None = None, conflict: str = "error") -> Bound:
    """Plan `text` (kind "expr" an expression, "stmt" a statement, "call" a procedure's call)
    with the variables of `ns` it names as parameters
    (or, for EXECUTE, `param_types` as $1..)."""
    types: list[SqlType] = list(param_types or [])
    queries = QueryBinder(ctx.session.catalog(), types, ctx.format)
    refs: list[tuple[tuple[str, ...], str]] = []
    numbers: dict[int, Param] = {}

    def variables(binder: Any, name: str, qualifier: list[str], column_found: bool) -> Any:
        hit = ns.resolve(name, qualifier)
        if hit is None:
            return None
        var, field = hit
        if column_found and conflict == "use_column":
            return None
        if column_found and conflict == "error":
            raise AmbiguousColumn(f'column reference "{".".join([*qualifier, name])}" is ambiguous',
                                  detail="It could refer to either a PL/pgSQL variable or a table column.")
        param = numbers.get(id(var))
        if param is None:
            types.append(var.type)
            param = numbers[id(var)] = Param(len(types), var.type)
            refs.append((tuple(qualifier[:-1]) if field is not None else tuple(qualifier), var.name
                         if field is None else qualifier[-1]))
        if field is None:
            return param
        if not record_fields(var.type):
            raise ObjectNotInPrerequisiteState(f'record "{var.name}" is not assigned yet',
                                               detail="The tuple structure of a not-yet-assigned record is "
                                                      "indeterminate.", where=f'SQL expression "{text}"')
        return binder._field_select(param, field)

    if ns is not None:
        queries.variables = variables
        text = positional_names(text)
    if kind == "call":
        call = bind_procedure_call(queries, text)
        plan = P.Project(P.Result(), [call], [P.PlanColumn("", call.type)], estimated_rows=1)
        return Bound(plan, refs, tuple(_type_of(ns, r) for r in refs), stamp, call)
    expr = kind == "expr"
    node = parse_sql("SELECT " + text if expr else text)
    queries.system_names = row_system_names(node)
    if type(node).__name__ in ("Insert", "Update", "Delete", "Merge"):
        dml = MergeBinder(queries)
        plan = {"Insert": dml.bind_insert, "Update": dml.bind_update, "Delete": dml.bind_delete,
                "Merge": dml.bind_merge}[type(node).__name__](node)
    elif _is_query(node):
        plan = queries.bind_query(node)
    else:
        raise FeatureNotSupported(f"statement not supported in PL/pgSQL: {text.split(None, 1)[0].upper()}")
    if target is not None:
        plan = _coerced(queries, plan, target)
    plan = optimize(plan, queries.catalog)
    simple = None
    if expr and isinstance(plan, P.Project) and isinstance(plan.child, P.Result) and len(plan.exprs) == 1:
        simple = plan.exprs[0]
    return Bound(plan, refs, tuple(_type_of(ns, r) for r in refs) if ns is not None else (), stamp, simple)


def _is_query(node: Any) -> bool:
    return type(node).__name__ in ("Select", "Union", "Intersect", "Except", "Values", "Subquery")


def _coerced(queries: Any, plan: P.Plan, target: SqlType) -> P.Plan:
    """The one column as the target type (an assignment cast, else through text: exec_cast_value)."""
    if len(plan.columns) != 1:
        return plan
    column = plan.columns[0]
    cast = cast_expr(ColumnRef(0, column.type, column.name), target)
    return P.Project(plan, [cast], [P.PlanColumn(column.name, target)], estimated_rows=plan.estimated_rows)


def run_plan(plan: P.Plan, ctx: EvalContext, tables: CursorTables = CursorTables()) -> Outcome:
    """`tables`: a cursor's query's (sql/cursor_rows.py), whose row ids `plan` passes."""
    columns = [(c.name, c.type) for c in plan.columns]
    if isinstance(plan, _DML):
        count, batch = ctx.services.function_write(plan, ctx)
        return Outcome(count, batch, columns)
    generations = {oid: ctx.services.store.table(oid).generation for oid in tables.passed}
    batch = run_all(plan, ctx)
    return Outcome(batch.length, batch, columns, (tables, generations), (plan, ctx.params) if tables.lock_modes else None)
