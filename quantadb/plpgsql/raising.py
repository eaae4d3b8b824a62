"""Errors and messages: RAISE and ASSERT (exec_stmt_raise, exec_stmt_assert), which handler an
error goes to (exception_matches_conditions), and the CONTEXT line a statement adds to an error
passing through it: `PL/pgSQL function f(integer) line 3 at RAISE`, once per call (the innermost
statement's), as plpgsql_exec_error_callback writes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quantadb.errors import (AssertFailure, Notice, NullValueNotAllowed, RaiseException, SqlError,
                             StackedDiagnosticsAccessedWithoutActiveHandler, UndefinedObject)
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.plpgsql import tree as T
from quantadb.plpgsql.errcodes import CONDITIONS
from quantadb.plpgsql.variables import Namespace
from quantadb.types import registry as R
from quantadb.types.codecs import format_value
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.plpgsql.interp import Execution

_TEXT = SqlType(R.TEXT)
_UNCATCHABLE_BY_OTHERS = ("57014", "P0004")  # query_canceled, assert_failure
# client_min_messages levels, lowest first: a message reaches the client at or above the setting
_CLIENT_LEVELS = ("debug5", "debug4", "debug3", "debug2", "debug1", "debug", "log", "notice", "warning", "error")


def add_context(e: SqlError, ex: "Execution", stmt: T.Stmt) -> None:
    if getattr(e, "plpgsql_call", None) is ex:
        return  # an inner statement of this call said where already
    e.plpgsql_call = ex
    line = f"PL/pgSQL function {ex.name} line {stmt.line} at {T.typename(stmt)}"
    e.where = f"{e.where}\n{line}" if e.where else line


def sqlstate_of(condition: str) -> str:
    if condition.startswith("sqlstate:"):
        return condition[9:]
    code = CONDITIONS.get(condition)
    if code is None:
        raise UndefinedObject(f'unrecognized exception condition "{condition}"')
    return code


def matching_handler(handlers: list[T.Handler], error: SqlError) -> T.Handler | None:
    """The first handler with a condition the error's SQLSTATE falls under (a class's code,
    xx000, covers the class; OTHERS all but query_canceled and assert_failure)."""
    code = error.sqlstate
    for handler in handlers:
        for condition in handler.conditions:
            if condition == "others":
                if code not in _UNCATCHABLE_BY_OTHERS:
                    return handler
                continue
            wanted = sqlstate_of(condition)
            if wanted == code or wanted.endswith("000") and wanted[:2] == code[:2]:
                return handler
    return None


def raise_stmt(ex: "Execution", stmt: T.Raise, ns: Namespace) -> None:
    if stmt.message is None and stmt.condition is None and not stmt.options:
        if not ex.errors:
            raise StackedDiagnosticsAccessedWithoutActiveHandler(
                "RAISE without parameters cannot be used outside an exception handler")
        raise ex.errors[-1]
    message = _format(ex, stmt, ns) if stmt.message is not None else None
    sqlstate = sqlstate_of(stmt.condition) if stmt.condition is not None else None
    fields: dict[str, Any] = {}
    if stmt.options:
        row = ex.bridge.values(stmt, "options", [sql for _, sql in stmt.options], ns, ex.ctx)
        for (name, _), value, (_, vtype) in zip(stmt.options, row.rows()[0], row.columns):
            text = None if value is None else format_value(vtype, value, ex.ctx.format)
            if text is None:
                raise _null_option(name)
            if name == "errcode":
                sqlstate = text.upper() if len(text) == 5 and text[0].isalnum() and text not in CONDITIONS \
                    else sqlstate_of(text)
            elif name == "message":
                if message is not None:
                    raise SqlSyntaxError("RAISE option already specified: MESSAGE")
                message = text
            else:
                fields[name] = text
    if message is None:
        message = stmt.condition if stmt.condition is not None and not stmt.condition.startswith("sqlstate:") \
            else (sqlstate or "P0001") if stmt.condition is not None else _default_message(sqlstate)
    if stmt.level == "exception":
        error = RaiseException(message, detail=fields.get("detail"), hint=fields.get("hint"),
                               schema=fields.get("schema"), table=fields.get("table"),
                               column=fields.get("column"), constraint=fields.get("constraint"))
        if sqlstate is not None:
            error.sqlstate = sqlstate
        error.datatype = fields.get("datatype")
        raise error
    _notice(ex, stmt, message, sqlstate, fields)


def _default_message(sqlstate: str | None) -> str:
    if sqlstate is None:
        return "P0001"
    return next((name for name, code in CONDITIONS.items() if code == sqlstate), sqlstate)


def _null_option(name: str) -> SqlError:
    return NullValueNotAllowed(f"RAISE statement option cannot be null")


def _notice(ex: "Execution", stmt: T.Raise, message: str, sqlstate: str | None, fields: dict[str, Any]) -> None:
    session = ex.ctx.session
    if session is None or not _reaches_client(stmt.level, session.settings.get("client_min_messages") or "notice"):
        return
    where = f"PL/pgSQL function {ex.name} line {stmt.line} at RAISE"
    severity = {"debug": "DEBUG", "log": "LOG", "info": "INFO", "notice": "NOTICE", "warning": "WARNING"}[stmt.level]
    session.notices.append(Notice(message, sqlstate or ("01000" if stmt.level == "warning" else "00000"), severity,
                                  fields.get("detail"), fields.get("hint"), where))


def _reaches_client(level: str, setting: str) -> bool:
    if level == "info":
        return True  # INFO always reaches the client
    wanted = _CLIENT_LEVELS.index(setting) if setting in _CLIENT_LEVELS else _CLIENT_LEVELS.index("notice")
    return _CLIENT_LEVELS.index(level) >= wanted


def _format(ex: "Execution", stmt: T.Raise, ns: Namespace) -> str:
    """The message with each `%` replaced by the next parameter's text (NULL as <NULL>), `%%` by %."""
    values: list[str] = []
    if stmt.params:
        row = ex.bridge.values(stmt, "params", stmt.params, ns, ex.ctx)
        for value, (_, vtype) in zip(row.rows()[0], row.columns):
            values.append("<NULL>" if value is None else format_value(vtype, value, ex.ctx.format))
    out, i, k, text = [], 0, 0, stmt.message
    while i < len(text):
        c = text[i]
        if c == "%":
            if text[i + 1:i + 2] == "%":
                out.append("%")
                i += 2
                continue
            out.append(values[k])
            k += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def assert_stmt(ex: "Execution", stmt: T.Assert, ns: Namespace) -> None:
    session = ex.ctx.session
    if session is not None and (session.settings.get("plpgsql.check_asserts") or "on") in ("off", "false"):
        return
    if ex.condition(stmt.cond, ns):
        return
    message = "assertion failed"
    if stmt.message is not None:
        value, _ = ex.value(stmt.message, ns, _TEXT)
        if value is None:
            raise NullValueNotAllowed("ASSERT message cannot be null")
        message = value
    raise AssertFailure(message)
