"""The statements that run SQL (pl_exec.c's exec_stmt_execsql, _dynexecute, _fors, _return_query,
_getdiag): their rows into targets, FOUND and ROW_COUNT, and the CONTEXT line of the SQL.

An error inside the SQL gets `SQL statement "..."` as its first CONTEXT line, as SPI's callback
gives it; the PL/pgSQL line follows (raising.add_context).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quantadb.errors import (DatatypeMismatch, InvalidTransactionTermination, NoDataFound, NullValueNotAllowed,
                             SqlError, StackedDiagnosticsAccessedWithoutActiveHandler, TooManyRows)
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.plpgsql import tree as T
from quantadb.plpgsql.exprs import Outcome, before_statement, bind, child_context, run_plan
from quantadb.plpgsql.variables import Namespace, assign, convert
from quantadb.sql.cursor_rows import CursorTables, updatable_plan
from quantadb.sql.lexer import tokenize
from quantadb.types import registry as R
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_fields, record_type

if TYPE_CHECKING:
    from quantadb.plpgsql.interp import Execution

_TEXT = SqlType(R.TEXT)


def run_sql(ex: "Execution", sql: T.Sql, ns: Namespace, for_cursor: bool = False) -> Outcome:
    if _is_notification(sql.text):
        return _notification(ex, sql.text)
    try:
        return ex.bridge.statement(sql, ns, ex.ctx, for_cursor)
    except SqlError as e:
        statement_context(e, sql.text)
        raise


def statement_context(e: SqlError, text: str) -> None:
    """SPI's context line for an error while the statement ran (one that planning it found shows
    the statement as its QUERY instead)."""
    if getattr(e, "internal_query", None) is not None:
        return
    line = f'SQL statement "{text}"'
    e.where = f"{e.where}\n{line}" if e.where else line


def dynamic_text(ex: "Execution", query: T.Sql, ns: Namespace) -> str:
    """The query string of EXECUTE (OPEN ... FOR EXECUTE, FOR ... IN EXECUTE, RETURN QUERY EXECUTE)."""
    text, _ = ex.value(query, ns, _TEXT)
    if text is None:
        raise NullValueNotAllowed("query string argument of EXECUTE is null")
    return text


def _is_notification(text: str) -> bool:
    words = text.split(None, 1)
    return bool(words) and words[0].lower() in ("listen", "unlisten", "notify")


def _notification(ex: "Execution", text: str) -> Outcome:
    """LISTEN, UNLISTEN and NOTIFY, the utility statements a body may run (engine/notify.py)."""
    try:
        ex.ctx.services.run_notification(text)
    except SqlError as e:
        statement_context(e, text)
        raise
    return Outcome(0, None, [])


def run_dynamic(ex: "Execution", stmt: T.Stmt, text: str, using: list[T.Sql], ns: Namespace,
                for_cursor: bool = False) -> Outcome:
    """EXECUTE's statement; `for_cursor`: OPEN ... FOR EXECUTE's query, its row ids passed along
    for WHERE CURRENT OF (sql/cursor_rows.py)."""
    if _is_notification(text) and not using:
        return _notification(ex, text)
    values, types = [], []
    if using:
        row = ex.bridge.values(stmt, "using", using, ns, ex.ctx)
        values = list(row.rows()[0])
        types = [t for _, t in row.columns]
    try:
        bound = bind(text, None, ex.ctx, "stmt", None, param_types=types)
        before_statement(bound, ex.ctx, ex.bridge.definer)
        plan, tables = updatable_plan(bound.plan, ex.ctx.session.catalog()) \
            if for_cursor and ex.ctx.services is not None else (bound.plan, CursorTables())
        return run_plan(plan, child_context(ex.ctx, values), tables)
    except SqlError as e:
        statement_context(e, text)
        raise


def _query(ex: "Execution", stmt: T.ForQuery | T.ReturnQuery, ns: Namespace) -> Outcome:
    """The rows of a query written out or, with EXECUTE, made at run time."""
    if stmt.dynamic:
        return run_dynamic(ex, stmt, dynamic_text(ex, stmt.query, ns), stmt.using, ns)
    return run_sql(ex, stmt.query, ns)


def exec_sql(ex: "Execution", stmt: T.ExecSql, ns: Namespace) -> None:
    outcome = run_sql(ex, stmt.sql, ns)
    ex.row_count = outcome.count
    ex.found.value = outcome.count > 0
    if stmt.into is not None:
        dml = stmt.sql.text.split(None, 1)[0].lower() in ("insert", "update", "delete", "merge")
        _into(ex, stmt.into, stmt.strict, outcome, ns, dml)


def execute(ex: "Execution", stmt: T.Execute, ns: Namespace) -> None:
    outcome = run_dynamic(ex, stmt, dynamic_text(ex, stmt.query, ns), stmt.using, ns)
    ex.row_count = outcome.count
    if stmt.into is not None:
        _into(ex, stmt.into, stmt.strict, outcome, ns, dml=False)


def _into(ex: "Execution", targets: list[str], strict: bool, outcome: Outcome, ns: Namespace, dml: bool) -> None:
    """INTO [STRICT]: the first row into the targets (NULLs for none); STRICT, and a DML's
    RETURNING, want exactly one."""
    rows = outcome.rows()
    if strict or dml:
        if not rows and strict:
            raise NoDataFound("query returned no rows")
        if len(rows) > 1:
            raise TooManyRows("query returned more than one row",
                              hint="Make sure the query returns a single row, or use LIMIT 1.")
    assign_targets(ex, targets, list(rows[0]) if rows else None, outcome.columns, ns)


def assign_targets(ex: "Execution", targets: list[str], row: list | None, columns: list[tuple[str, SqlType]],
                   ns: Namespace) -> None:
    """A row into INTO / FOR targets: one record variable takes the whole row, else column by column."""
    vars_ = [_target(ns, t) for t in targets]
    if len(vars_) == 1 and vars_[0][1] is None and vars_[0][0].is_record and \
            not (len(columns) == 1 and columns[0][1].pg is R.RECORD and vars_[0][0].declared_row is False
                 and record_fields(columns[0][1])):
        var = vars_[0][0]  # (no row: a row of NULLs, as exec_move_row makes it)
        assign(var, tuple(row if row is not None else [None] * len(columns)), record_type(columns), ex.ctx)
        return
    for k, (var, field) in enumerate(vars_):
        value = row[k] if row is not None and k < len(row) else None
        src = columns[k][1] if k < len(columns) else _TEXT
        if field is not None:
            fields = record_fields(var.type)
            names = [n for n, _ in fields]
            i = names.index(field)
            current = list(var.value) if var.value is not None else [None] * len(fields)
            current[i] = convert(value, src, fields[i][1], ex.ctx)
            var.value = tuple(current)
        else:
            assign(var, value, src, ex.ctx)


def _target(ns: Namespace, name: str) -> tuple[Any, str | None]:
    parts = name.split(".")
    hit = ns.resolve(parts[-1], parts[:-1])
    if hit is None:
        raise SqlSyntaxError(f'"{name}" is not a known variable')
    return hit


def row_as(ex: "Execution", value: Any, vtype: SqlType, wanted: SqlType) -> Any:
    """A record returned where the function's row type is declared: field by field converted."""
    fields = record_fields(wanted)
    if value is None or not fields:
        return value
    given = record_fields(vtype)
    if not isinstance(value, tuple):
        value, given = (value,), (("", vtype),)
    if len(value) != len(fields):
        raise DatatypeMismatch("returned record type does not match expected record type",
                               detail=f"Number of returned columns ({len(value)}) does not match expected "
                                      f"column count ({len(fields)}).")
    return tuple(convert(v, g[1], f[1], ex.ctx) for v, g, f in zip(value, given, fields))


def for_query(ex: "Execution", stmt: T.ForQuery, ns: Namespace) -> None:
    for_rows(ex, stmt, _query(ex, stmt, ns), ns)


def for_rows(ex: "Execution", stmt: T.ForQuery, outcome: Outcome, ns: Namespace) -> None:
    """FOR target IN query LOOP over the query's rows, read at once."""
    found = False
    for row in outcome.rows():
        found = True
        assign_targets(ex, stmt.targets, list(row), outcome.columns, ns)
        if not ex.iterate(stmt.label, stmt.body, ns):
            break
    ex.found.value = found


def return_query(ex: "Execution", stmt: T.ReturnQuery, ns: Namespace) -> None:
    if not ex.returns_set:
        raise SqlSyntaxError("cannot use RETURN QUERY in a non-SETOF function")
    outcome = _query(ex, stmt, ns)
    rows = outcome.rows()
    fields = record_fields(ex.result_type)
    wanted = len(fields) if fields else 1
    if len(outcome.columns) != wanted:
        raise DatatypeMismatch("structure of query does not match function result type",
                               detail=f"Number of returned columns ({len(outcome.columns)}) does not match "
                                      f"expected column count ({wanted}).")
    for row in rows:
        if fields:
            ex.rows.append(tuple(convert(v, c[1], f[1], ex.ctx) for v, c, f in zip(row, outcome.columns, fields)))
        else:
            ex.rows.append(convert(row[0], outcome.columns[0][1], ex.result_type, ex.ctx))
    ex.row_count = len(rows)
    ex.found.value = bool(rows)


_STACKED = {
    "returned_sqlstate": "sqlstate", "message_text": "message", "pg_exception_detail": "detail",
    "pg_exception_hint": "hint", "pg_exception_context": "where", "column_name": "column",
    "constraint_name": "constraint", "table_name": "table", "schema_name": "schema",
    "pg_datatype_name": "datatype",
}


def get_diagnostics(ex: "Execution", stmt: T.GetDiag, ns: Namespace) -> None:
    for target, item in stmt.items:
        if stmt.stacked:
            if not ex.errors:
                raise StackedDiagnosticsAccessedWithoutActiveHandler(
                    "GET STACKED DIAGNOSTICS cannot be used outside an exception handler")
            if item not in _STACKED:
                raise SqlSyntaxError(f'unrecognized GET DIAGNOSTICS item "{item}"')
            value, vtype = getattr(ex.errors[-1], _STACKED[item], None) or "", _TEXT
        elif item == "row_count":
            value, vtype = ex.row_count, SqlType(R.INT8)
        elif item == "pg_context":
            value, vtype = f"PL/pgSQL function {ex.name} line {stmt.line} at GET DIAGNOSTICS", _TEXT
        else:
            raise SqlSyntaxError(f'unrecognized GET DIAGNOSTICS item "{item}"')
        var, field = _target(ns, target)
        assign(var, value, vtype, ex.ctx)


def call(ex: "Execution", stmt: T.Call, ns: Namespace) -> None:
    """CALL p(args): the INOUT parameters' values go back into the variables given for them."""
    nonatomic = ex.ctx.nonatomic and not ex.subtransactions
    try:
        value, bound = ex.bridge.call(stmt.call, ns, ex.ctx, nonatomic)
    except SqlError as e:
        statement_context(e, "CALL " + stmt.call.text)
        raise
    fn = bound.routine.fn
    outs = [k for k, i in enumerate(fn.input_positions) if fn.arg_modes[i] == "b"]
    if not outs:
        return
    args = _arguments(stmt.call.text)
    values = value if len(outs) > 1 else (value,)
    for k, v in zip(outs, values or (None,) * len(outs)):
        target = args[k].strip() if k < len(args) else ""
        try:
            var, field = _target(ns, target)
        except SqlError:
            name = fn.arg_names[fn.input_positions[k]] or f"${k + 1}"
            raise SqlSyntaxError(f'procedure parameter "{name}" is an output parameter but corresponding '
                                 'argument is not writable') from None
        assign(var, v, fn.arg_types[fn.input_positions[k]], ex.ctx)


def _arguments(call_text: str) -> list[str]:
    """The argument texts of `name(a, b, ...)`, split at the commas outside parentheses."""
    out, depth, start = [], 0, None
    for tok in tokenize(call_text):
        if tok.kind == "op" and tok.value in ("(", "["):
            depth += 1
            if depth == 1 and tok.value == "(":
                start = tok.pos + 1
                continue
        elif tok.kind == "op" and tok.value in (")", "]"):
            depth -= 1
            if depth == 0:
                out.append(call_text[start:tok.pos])
                break
        if depth == 1 and tok.kind == "op" and tok.value == ",":
            out.append(call_text[start:tok.pos])
            start = tok.pos + 1
    return out if any(a.strip() for a in out) else []


def transaction(ex: "Execution", stmt: T.Transaction, ns: Namespace) -> None:
    """COMMIT / ROLLBACK [AND CHAIN] in a procedure CALLed (or a DO run) outside a transaction
    block: the transaction ends and the procedure goes on in a new one (the engine's
    ExecServices.end_transaction). Anywhere else it is 2D000, as in PostgreSQL."""
    if ex.subtransactions:
        raise InvalidTransactionTermination(f"cannot {'commit' if stmt.commit else 'roll back'} while a "
                                            "subtransaction is active")
    if not ex.ctx.nonatomic or ex.ctx.services is None:
        raise InvalidTransactionTermination("invalid transaction termination")
    ex.ctx.services.end_transaction(stmt.commit, stmt.chain)
