"""Cursors in PL/pgSQL (pl_exec.c's exec_stmt_open, _fetch, _close, _forc): a cursor variable is a
refcursor whose value names a portal of the session, the same portals SQL's DECLARE makes (the
engine's Cursors, reached through ExecServices). A cursor OPENed in a function stays open after
it returns, until CLOSE or the transaction's end, for the caller's SQL to FETCH from.

An unbound refcursor without a value gets the next "<unnamed portal N>" name when opened; a
bound cursor (`c CURSOR FOR ...`) is named after its variable, as in PostgreSQL 15.

A cursor of SELECT ... FOR UPDATE/SHARE locks its rows as FETCH reaches them, as a SQL cursor's
(engine/cursor_locks.py): a loop over one fetches a row at a time (exec_stmt_forc), and a FOR loop
over such a query, or EXECUTE's, runs it as a cursor fetched ten rows at a time (exec_stmt_fors'
prefetch), so rows the loop has not reached are others' to change meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quantadb.errors import (DatatypeMismatch, DuplicateCursor, FeatureNotSupported, InvalidCursorDefinition,
                             NullValueNotAllowed)
from quantadb.plpgsql import sqlstmts
from quantadb.plpgsql import tree as T
from quantadb.plpgsql.declare import variable_type
from quantadb.plpgsql.exprs import Outcome
from quantadb.plpgsql.variables import Namespace, Var, assign
from quantadb.sql.utility_stmts import FetchStmt
from quantadb.types.column import Batch
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.plpgsql.interp import Execution

_INT8 = SqlType(R.INT8)
_RECORD = SqlType(R.RECORD)
_LOOP_FETCH = 50  # rows a FOR loop fetches at a time from a cursor that locks none
_LOCKING_FETCH = {T.ForCursor: 1, T.ForQuery: 10}  # and from one that does, as PostgreSQL's loops


def _cursors(ex: "Execution") -> Any:
    services = ex.ctx.services
    if services is None:
        raise FeatureNotSupported("cursors are not available here")
    return services.cursors


def _variable(ns: Namespace, name: str) -> Var:
    var = ns.find(name)
    if var is None or var.type.pg is not R.REFCURSOR:
        raise DatatypeMismatch(f'variable "{name}" must be of type cursor or refcursor')
    return var


def _portal(ns: Namespace, name: str) -> str:
    value = _variable(ns, name).value
    if value is None:
        raise NullValueNotAllowed(f'cursor variable "{name}" is null')
    return value


def _free(ex: "Execution", var: Var) -> None:
    if var.value is not None and _cursors(ex).exists(var.value):
        raise DuplicateCursor(f'cursor "{var.value}" already in use')


def _bound_rows(ex: "Execution", stmt: T.Stmt, cursor: T.CursorDecl, args: list[T.Sql], ns: Namespace) -> Outcome:
    """A bound cursor's query, run with its arguments as variables of their own."""
    inner = Namespace(ns, None)
    if args:
        given = ex.bridge.values(stmt, "args", args, ns, ex.ctx)
        for (name, type_text), value, (_, src) in zip(cursor.args, given.rows()[0], given.columns):
            var = inner.add(Var(name, variable_type(ex.ctx.session, type_text, ns)[0]))
            assign(var, value, src, ex.ctx)
    return sqlstmts.run_sql(ex, cursor.query, inner, for_cursor=True)


def _open(ex: "Execution", var: Var, text: str, outcome: Outcome, scrollable: bool | None,
          hold: bool = False) -> None:
    if outcome.batch is None:  # a data-modifying statement without RETURNING (undone by its error)
        raise InvalidCursorDefinition(f"cannot open {text.split(None, 1)[0].upper()} query as cursor")
    if scrollable and outcome.rows_of[0].locked:  # (as SPI_cursor_open; undone by its error too)
        error = FeatureNotSupported("DECLARE SCROLL CURSOR ... FOR UPDATE/SHARE is not supported",
                                    detail="Scrollable cursors must be READ ONLY.")
        sqlstmts.statement_context(error, text)
        raise error
    var.value = _cursors(ex).open(var.value, text, outcome.columns, outcome.batch, scrollable, hold, outcome.rows_of,
                                  outcome.query)


def open_stmt(ex: "Execution", stmt: T.Open, ns: Namespace) -> None:
    var = _variable(ns, stmt.var)
    _free(ex, var)
    if stmt.cursor is not None:
        outcome, text = _bound_rows(ex, stmt, stmt.cursor, stmt.args, ns), stmt.cursor.query.text
    elif stmt.dynamic:
        text = sqlstmts.dynamic_text(ex, stmt.query, ns)
        outcome = sqlstmts.run_dynamic(ex, stmt, text, stmt.using, ns, for_cursor=True)
    else:
        outcome, text = sqlstmts.run_sql(ex, stmt.query, ns, for_cursor=True), stmt.query.text
    _open(ex, var, text, outcome, stmt.scrollable)


def fetch_stmt(ex: "Execution", stmt: T.Fetch, ns: Namespace) -> None:
    """FETCH ... INTO (the row, or NULLs past the end) / MOVE; FOUND and ROW_COUNT say how many
    rows it fetched or moved over."""
    portal = _portal(ns, stmt.var)
    cursor, rows, n = _cursors(ex).fetch(_fetch_of(ex, stmt, portal, ns))
    if stmt.into is not None:
        columns = [(c.name, c.type) for c in cursor.prepared.columns]
        got = Outcome(n, rows, columns).rows()
        sqlstmts.assign_targets(ex, stmt.into, list(got[0]) if got else None, columns, ns)
    ex.row_count = n
    ex.found.value = n > 0


def _fetch_of(ex: "Execution", stmt: T.Fetch, portal: str, ns: Namespace) -> FetchStmt:
    """The SQL FETCH a PL/pgSQL FETCH or MOVE is, its count evaluated."""
    count = 1
    if stmt.count is not None:
        count = ex.value(stmt.count, ns, _INT8)[0]
        if count is None:
            raise NullValueNotAllowed("relative or absolute cursor position is null")
    move = stmt.into is None
    direction = stmt.direction
    if direction in ("first", "last", "absolute"):
        absolute = 1 if direction == "first" else -1 if direction == "last" else count
        return FetchStmt(portal, 1, move=move, absolute=absolute)
    if direction == "relative":
        return FetchStmt(portal, 1, move=move, relative=count)
    backward = direction in ("prior", "backward")
    if count < 0:
        count, backward = -count, not backward
    return FetchStmt(portal, None if stmt.all else count, backward, move)


def close_stmt(ex: "Execution", stmt: T.Close, ns: Namespace) -> None:
    _cursors(ex).close(_portal(ns, stmt.var))


def for_cursor(ex: "Execution", stmt: T.ForCursor, ns: Namespace) -> None:
    """FOR rec IN c [(args)] LOOP: opens the bound cursor, runs the body for each row, closes it.
    The loop's cursor outlives a COMMIT in its body (a procedure's)."""
    var = _variable(ns, stmt.var)
    _free(ex, var)
    unnamed = var.value is None
    _open(ex, var, stmt.cursor.query.text, _bound_rows(ex, stmt, stmt.cursor, stmt.args, ns), stmt.cursor.scrollable,
          hold=True)
    inner = Namespace(ns, stmt.label)
    inner.add(Var(stmt.target, _RECORD))
    try:
        _loop(ex, stmt, var.value, [stmt.target], inner)
    finally:
        if unnamed:
            var.value = None


def for_query(ex: "Execution", stmt: T.ForQuery, ns: Namespace) -> None:
    """FOR target IN [EXECUTE] query LOOP: a query that locks rows runs as a cursor (see the
    module docstring); any other's rows are read at once."""
    if ex.ctx.services is None or not stmt.dynamic and not ex.bridge.locks_rows(stmt.query, ns, ex.ctx):
        sqlstmts.for_query(ex, stmt, ns)
        return
    if stmt.dynamic:
        text = sqlstmts.dynamic_text(ex, stmt.query, ns)
        outcome = sqlstmts.run_dynamic(ex, stmt, text, stmt.using, ns, for_cursor=True)
        if outcome.query is None:  # (locks no row: its rows without the row ids passed for a cursor)
            sqlstmts.for_rows(ex, stmt, _without_row_ids(outcome), ns)
            return
    else:
        text, outcome = stmt.query.text, sqlstmts.run_sql(ex, stmt.query, ns, for_cursor=True)
    portal = _cursors(ex).open(None, text, outcome.columns, outcome.batch, None, True, outcome.rows_of, outcome.query)
    _loop(ex, stmt, portal, stmt.targets, ns)


def _without_row_ids(outcome: Outcome) -> Outcome:
    n = len(outcome.rows_of[0].passed)
    if not n or outcome.batch is None:
        return outcome
    batch = Batch(outcome.batch.columns[:-n], outcome.batch.length)
    return Outcome(outcome.count, batch, outcome.columns[:len(outcome.columns) - n])


def _loop(ex: "Execution", stmt: T.ForCursor | T.ForQuery, portal: str, targets: list, ns: Namespace) -> None:
    """Run a FOR loop's body for each row of cursor `portal`, then close it; FOUND says whether
    there was one. The cursor outlives a COMMIT in the body (a procedure's)."""
    cursors = _cursors(ex)
    count = _LOCKING_FETCH[type(stmt)] if cursors.locks_rows(portal) else _LOOP_FETCH
    found = False
    try:
        before = 0  # the cursor's position before the rows fetched
        while True:
            cursor, rows, n = cursors.fetch(FetchStmt(portal, count))
            if not n:
                break
            columns = [(c.name, c.type) for c in cursor.prepared.columns]
            for position, row in enumerate(Outcome(n, rows, columns).rows(), before + 1):
                # the cursor stands on the row the body has, for its WHERE CURRENT OF (PostgreSQL's
                # loop fetches one row at a time, exec_stmt_forc); a body that moves the cursor
                # (FETCH, MOVE) has the loop go on from where it left it
                cursor.position = position
                found = True
                sqlstmts.assign_targets(ex, targets, list(row), columns, ns)
                if not ex.iterate(stmt.label, stmt.body, ns):
                    return
                if cursor.position != position:
                    break
            before = cursor.position
    finally:
        if cursors.exists(portal):  # (the body may have closed it, or committed)
            cursors.close(portal)
        ex.found.value = found
