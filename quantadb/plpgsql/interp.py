"""Running a PL/pgSQL statement tree (pl_exec.c): blocks and their EXCEPTION clauses, control
flow, loops, assignment and RETURN. The statements that run SQL are in sqlstmts.py, RAISE and
ASSERT in raising.py.

One `Execution` is one call: the variables in namespaces (variables.py), the rows a set-returning
function has produced so far, FOUND and ROW_COUNT, and the error its handler is running for.
Control flow (EXIT, CONTINUE, RETURN) travels as Python exceptions that are not SqlErrors, so an
EXCEPTION clause never catches them and its subtransaction is kept when they leave the block.
An EXCEPTION block is a subtransaction (the storage savepoint of SAVEPOINT): an error rolls back
what the block wrote before its handler runs, as in PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from quantadb.errors import (ArraySubscriptError, CaseNotFound, DatatypeMismatch, InvalidParameterValue,
                             NullValueNotAllowed, ObjectNotInPrerequisiteState, SqlError, UndefinedColumn)
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.exec.context import EvalContext
from quantadb.plpgsql import cursors, raising, sqlstmts
from quantadb.plpgsql import tree as T
from quantadb.plpgsql.declare import declare
from quantadb.plpgsql.exprs import Bridge
from quantadb.plpgsql.variables import Namespace, Var, assign
from quantadb.types import registry as R
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_fields

_INT4 = SqlType(R.INT4)
_BOOL = SqlType(R.BOOL)
_TEXT = SqlType(R.TEXT)


class LoopExit(Exception):
    def __init__(self, label: str | None, is_continue: bool) -> None:
        self.label = label
        self.is_continue = is_continue


class FunctionReturn(Exception):
    pass


class Execution:
    """The state of one call of a function (or one DO block)."""

    def __init__(self, name: str, bridge: Bridge, ctx: EvalContext, result_type: SqlType | None,
                 returns_set: bool) -> None:
        self.name = name  # for CONTEXT: "f(integer)" or "inline_code_block"
        self.bridge = bridge
        self.ctx = ctx
        self.result_type = result_type
        self.returns_set = returns_set
        self.rows: list[Any] = []  # RETURN NEXT / RETURN QUERY
        self.result: Any = None
        self.returned = False
        self.found: Var = Var("found", _BOOL, False)
        self.row_count = 0
        self.errors: list[SqlError] = []  # the errors the handlers now running caught (innermost last)
        self.out_vars: list[Var] = []
        self.subtransactions = 0  # EXCEPTION blocks running (no COMMIT inside one)

    # -- evaluation helpers -------------------------------------------------------------------
    def value(self, sql: T.Sql, ns: Namespace, target: SqlType | None = None) -> tuple[Any, SqlType]:
        return self.bridge.value(sql, ns, self.ctx, target)

    def condition(self, sql: T.Sql, ns: Namespace) -> bool:
        return self.value(sql, ns, _BOOL)[0] is True

    # -- statements ---------------------------------------------------------------------------
    def run_list(self, stmts: list[T.Stmt], ns: Namespace) -> None:
        for stmt in stmts:
            self.run(stmt, ns)

    def run(self, stmt: T.Stmt, ns: Namespace) -> None:
        self.ctx.check_cancel()
        try:
            _HANDLERS[type(stmt)](self, stmt, ns)
        except SqlError as e:
            raising.add_context(e, self, stmt)
            raise

    def block(self, b: T.Block, ns: Namespace) -> None:
        inner = Namespace(ns, b.label)
        try:
            for decl in b.decls:
                declare(self, decl, inner)
            if b.handlers is None:
                self.run_list(b.body, inner)
            else:
                self._guarded(b, inner)
        except LoopExit as e:
            if e.label is None or e.label != b.label or e.is_continue:
                raise

    def _guarded(self, b: T.Block, ns: Namespace) -> None:
        """BEGIN ... EXCEPTION: the body in a subtransaction; on an error, its writes undone and
        the first handler whose condition matches run (none: the error goes on)."""
        services = self.ctx.services
        store, txn = (services.store, services.txn) if services is not None else (None, None)
        token = store.savepoint(txn) if txn is not None else None
        cursors = services.cursors if services is not None else None
        opened = cursors.names() if cursors is not None else frozenset()
        self.subtransactions += 1
        try:
            self.run_list(b.body, ns)
        except SqlError as error:
            self.subtransactions -= 1
            if token is not None:
                store.rollback_to(txn, token)
                store.release_locks_after(txn, token)
                store.release(txn, token)
            if cursors is not None:
                cursors.close_opened_since(opened)
            handler = raising.matching_handler(b.handlers, error)
            if handler is None:
                raise
            self.errors.append(error)
            caught = Namespace(ns, None)  # SQLSTATE and SQLERRM name the error in the handler
            caught.add(Var("sqlstate", _TEXT, error.sqlstate))
            caught.add(Var("sqlerrm", _TEXT, error.message))
            try:
                self.run_list(handler.body, caught)
            finally:
                self.errors.pop()
            return
        except BaseException:
            self.subtransactions -= 1
            if token is not None:
                store.release(txn, token)
            raise
        self.subtransactions -= 1
        if token is not None:
            store.release(txn, token)

    def assign_stmt(self, stmt: T.Assign, ns: Namespace) -> None:
        hit = ns.resolve(stmt.target[-1], stmt.target[:-1]) if len(stmt.target) > 1 else \
            ns.resolve(stmt.target[0], [])
        if hit is None:
            raise SqlSyntaxError(f'"{".".join(stmt.target)}" is not a known variable')
        var, field = hit
        if var.constant:
            raise SqlSyntaxError(f'variable "{var.name}" is declared CONSTANT')
        if field is not None:
            self.set_field(var, field, stmt.expr, ns)
            return
        if stmt.subscripts:
            self._set_element(var, stmt, ns)
            return
        value, vtype = self.value(stmt.expr, ns, None if var.is_record else var.type)
        assign(var, value, vtype, self.ctx)

    def set_field(self, var: Var, field: str, expr: T.Sql, ns: Namespace) -> None:
        fields = record_fields(var.type)
        names = [n for n, _ in fields]
        if not fields:
            raise ObjectNotInPrerequisiteState(f'record "{var.name}" is not assigned yet',
                                               detail="The tuple structure of a not-yet-assigned record is "
                                                      "indeterminate.")
        if field not in names:
            raise UndefinedColumn(f'record "{var.name}" has no field "{field}"')
        i = names.index(field)
        value, _ = self.value(expr, ns, fields[i][1])
        row = list(var.value) if var.value is not None else [None] * len(fields)
        row[i] = value
        var.value = tuple(row)

    def _set_element(self, var: Var, stmt: T.Assign, ns: Namespace) -> None:
        """a[i] := v on a one-dimensional array (grown with NULLs as PostgreSQL's array_set does)."""
        index, _ = self.value(stmt.subscripts[0], ns, _INT4)
        if index is None:
            raise NullValueNotAllowed("array subscript in assignment must not be null")
        element = SqlType(R.element_of(var.type.pg)) if var.type.pg.is_array else var.type
        value, _ = self.value(stmt.expr, ns, element)
        items = list(var.value or [])
        while len(items) < index:
            items.append(None)
        items[index - 1] = value
        var.value = items

    def if_stmt(self, stmt: T.If, ns: Namespace) -> None:
        for cond, body in stmt.branches:
            if self.condition(cond, ns):
                self.run_list(body, ns)
                return
        if stmt.else_body is not None:
            self.run_list(stmt.else_body, ns)

    def case_stmt(self, stmt: T.Case, ns: Namespace) -> None:
        inner = ns
        if stmt.subject is not None:
            value, vtype = self.value(stmt.subject, ns)
            inner = Namespace(ns, None)
            inner.add(Var("__case__", vtype, value))
        for k, (cond, body) in enumerate(stmt.whens):
            test = cond if stmt.subject is None else \
                self.bridge.derived(stmt, str(k), f'"__case__" IN ({cond.text})')
            if self.condition(test, inner):
                self.run_list(body, ns)
                return
        if stmt.else_body is None:
            raise CaseNotFound("case not found", hint="CASE statement is missing ELSE part.")
        self.run_list(stmt.else_body, ns)

    # -- loops --------------------------------------------------------------------------------
    def iterate(self, label: str | None, body: list[T.Stmt], ns: Namespace) -> bool:
        """One pass of a loop's body: False when EXIT left the loop."""
        try:
            self.run_list(body, ns)
        except LoopExit as e:
            if e.label is not None and e.label != label:
                raise
            return e.is_continue
        return True

    def loop(self, stmt: T.Loop, ns: Namespace) -> None:
        while self.iterate(stmt.label, stmt.body, ns):
            pass

    def while_stmt(self, stmt: T.While, ns: Namespace) -> None:
        while self.condition(stmt.cond, ns):
            if not self.iterate(stmt.label, stmt.body, ns):
                break

    def for_range(self, stmt: T.ForRange, ns: Namespace) -> None:
        lower = self._bound(stmt.lower, ns, "lower")
        upper = self._bound(stmt.upper, ns, "upper")
        step = self._bound(stmt.step, ns, "BY") if stmt.step is not None else 1
        if step <= 0:
            raise InvalidParameterValue("BY value of FOR loop must be greater than zero")
        inner = Namespace(ns, stmt.label)
        var = inner.add(Var(stmt.var, _INT4))
        i, found = lower, False
        while (i >= upper) if stmt.reverse else (i <= upper):
            found = True
            var.value = i
            if not self.iterate(stmt.label, stmt.body, inner):
                break
            i = i - step if stmt.reverse else i + step
        self.found.value = found

    def _bound(self, sql: T.Sql, ns: Namespace, which: str) -> int:
        value, _ = self.value(sql, ns, _INT4)
        if value is None:
            raise NullValueNotAllowed(f"{which} bound of FOR loop cannot be null" if which != "BY" else
                                      "BY value of FOR loop cannot be null")
        return value

    def foreach(self, stmt: T.Foreach, ns: Namespace) -> None:
        value, vtype = self.value(stmt.array, ns)
        if value is None:
            raise NullValueNotAllowed("FOREACH expression must not be null")
        if not vtype.pg.is_array:
            raise DatatypeMismatch(f"FOREACH expression must yield an array, not type "
                                   f"{R.format_type(vtype.pg, -1)}")
        items = _slices(value, stmt.slice)
        element = vtype if stmt.slice else SqlType(R.element_of(vtype.pg))
        found = False
        for item in items:
            found = True
            sqlstmts.assign_targets(self, stmt.targets, [item], [("", element)], ns)
            if not self.iterate(stmt.label, stmt.body, ns):
                break
        self.found.value = found

    def exit_stmt(self, stmt: T.Exit, ns: Namespace) -> None:
        if stmt.cond is None or self.condition(stmt.cond, ns):
            raise LoopExit(stmt.label, stmt.is_continue)

    # -- RETURN -------------------------------------------------------------------------------
    def return_stmt(self, stmt: T.Return, ns: Namespace) -> None:
        if stmt.expr is not None and not self.returns_set:
            if self.result_type is not None and self.result_type.pg is R.RECORD:
                value, vtype = self.value(stmt.expr, ns)
                self.result = sqlstmts.row_as(self, value, vtype, self.result_type)
            else:
                self.result, _ = self.value(stmt.expr, ns, self.result_type)
        elif self.out_vars and not self.returns_set:
            self.result = out_value(self)
        self.returned = True
        raise FunctionReturn()

    def return_next(self, stmt: T.ReturnNext, ns: Namespace) -> None:
        if stmt.expr is None:
            self.rows.append(out_value(self))
            return
        if self.result_type.pg is R.RECORD:
            value, vtype = self.value(stmt.expr, ns)
            self.rows.append(sqlstmts.row_as(self, value, vtype, self.result_type))
        else:
            self.rows.append(self.value(stmt.expr, ns, self.result_type)[0])

    def null(self, stmt: T.Null, ns: Namespace) -> None:
        pass


def out_value(ex: Execution) -> Any:
    """The OUT parameters' values: one alone, else a record of them."""
    if len(ex.out_vars) == 1 and ex.result_type.pg is not R.RECORD:
        return ex.out_vars[0].value
    return tuple(v.value for v in ex.out_vars)


def _slices(value: list, depth: int) -> list:
    """FOREACH's items: every element (SLICE 0), else the sub-arrays of `depth` dimensions."""
    def dims(v: Any) -> int:
        return 1 + dims(v[0]) if isinstance(v, list) and v else (1 if isinstance(v, list) else 0)
    if depth == 0:
        out: list = []

        def flatten(v: Any) -> None:
            for item in v:
                flatten(item) if isinstance(item, list) else out.append(item)
        flatten(value)
        return out
    total = dims(value)
    if depth > total:
        raise ArraySubscriptError(f"slice dimension ({depth}) is out of the valid range 0..{total}")
    if depth == total:
        return [value]
    items = value
    for _ in range(total - depth - 1):
        items = [sub for item in items for sub in item]
    return items


_HANDLERS: dict[type, Any] = {
    T.Block: Execution.block, T.Assign: Execution.assign_stmt, T.If: Execution.if_stmt, T.Case: Execution.case_stmt,
    T.Loop: Execution.loop, T.While: Execution.while_stmt, T.ForRange: Execution.for_range,
    T.Foreach: Execution.foreach, T.Exit: Execution.exit_stmt, T.Return: Execution.return_stmt,
    T.ReturnNext: Execution.return_next, T.Null: Execution.null,
    T.ForQuery: cursors.for_query, T.ReturnQuery: sqlstmts.return_query, T.ExecSql: sqlstmts.exec_sql,
    T.Execute: sqlstmts.execute, T.GetDiag: sqlstmts.get_diagnostics, T.Transaction: sqlstmts.transaction,
    T.Call: sqlstmts.call,
    T.Open: cursors.open_stmt, T.Fetch: cursors.fetch_stmt, T.Close: cursors.close_stmt,
    T.ForCursor: cursors.for_cursor,
    T.Raise: raising.raise_stmt, T.Assert: raising.assert_stmt,
}
