"""The frontend messages of the normal phase, answered through the engine Session.

Each handler takes a message body, calls the session inline and queues the responses
(Connection.send). It returns None when it is done, or, when it must wait, an awaitable for
the rest of its work: a statement the engine sends to a worker thread (RunInWorker), a commit
not yet durable, COPY, or a client that reads slower than the result is written. The
connection then runs that awaitable as a task and handles no further message until it is
done (connection.py), so responses stay in order.

Errors: an SqlError from the engine ends the statement (simple Query) or starts skipping to
Sync (extended query). Any other exception is logged with its traceback and reported as
XX000; the session stays. A body that does not decode raises ProtocolViolation, which the
connection turns into a FATAL error.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Awaitable, Callable, NoReturn

from quantadb.engine.results import CopyIn, CopyOut, Result, RunInWorker
from quantadb.errors import CharacterNotInRepertoire, InternalError, ProtocolViolation, SqlError
from quantadb.wire import backend, frontend
from quantadb.wire.encode import Encoder, Shape, data_rows

if TYPE_CHECKING:
    from quantadb.wire.connection import Connection

log = logging.getLogger("quantadb.wire")

FLUSH_BYTES = 256 * 1024  # write out a result's rows past this much, rather than keep them all

Wait = Awaitable[None] | None  # what a handler returns: None when done, else the rest of its work


class Closed(Exception):
    """The client went away or said Terminate."""


# --- responses -----------------------------------------------------------------------------


def send_reports(conn: "Connection") -> None:
    """NoticeResponse and ParameterStatus messages the session has queued. Nothing is queued
    for nearly every message: the callers on every statement's path check for that first,
    without a call."""
    changes, notices = conn.session.take_reports()
    for notice in notices:
        conn.send(backend.notice_response(notice))
    if changes:
        for name, value in changes.items():
            conn.send(backend.parameter_status(name, value))


def send_notifications(conn: "Connection") -> None:
    """NotificationResponse for each notification the session has received (engine/notify.py)."""
    inbox = conn.session.notifications.inbox
    while inbox:
        note = inbox.popleft()
        conn.send(backend.notification_response(note.pid, note.channel, note.payload))


def send_error(conn: "Connection", exc: BaseException) -> None:
    if not isinstance(exc, SqlError):
        log.error("[wire] internal error in session pid=%d", conn.pid, exc_info=exc)
        exc = InternalError(str(exc) or type(exc).__name__)
    conn.server.stats.error(exc.sqlstate)
    # as PostgreSQL's log_min_error_statement = error: the failing statement beside the error
    query = conn.session.query_text if conn.session is not None else ""
    log.info("[sql] ERROR %s %s (pid %d)%s", exc.sqlstate, exc.message, conn.pid,
             f" STATEMENT: {query[:2000]}" if query else "")
    try:
        send_reports(conn)
    except Exception:
        log.exception("[wire] reading session reports failed")
    conn.send(backend.error_response(exc))


def send_result(conn: "Connection", result: Result, simple: bool, started: float) -> Wait:
    """Everything a statement's result sends: reports, RowDescription (simple Query), rows or
    COPY, then CommandComplete / PortalSuspended / EmptyQueryResponse."""
    durable = result.durable
    if durable is not None:
        if not durable.done():
            result.durable = None
            return _then(conn.until_done(durable), send_result, conn, result, simple, started)
        durable.result()  # raises if the WAL write failed
    session = conn.session
    if session.notices or session.settings.changed:  # reports queued
        send_reports(conn)
    if result.columns is not None:
        shapes = conn.shapes
        shape = shapes.shape(result.columns, result.formats)
        if simple:
            conn.send(shape.description)
        batches = result.batches
        if batches:
            encoders = _encoders(conn, shape)
            if len(batches) > 1:
                return _then(send_parts(conn, batches, lambda b: data_rows(b, encoders)), complete, conn, result,
                             started)
            conn.send(data_rows(batches[0], encoders))
    elif result.copy_out is not None:
        return _copy_out(conn, result.copy_out, started)
    elif result.copy_in is not None:
        return _copy_in(conn, result.copy_in, started)
    complete(conn, result, started)
    return None


def _encoders(conn: "Connection", shape: Shape) -> list[Encoder]:
    """The shape's value encoders for the session's FormatContext (made again after SET DateStyle...)."""
    ctx = conn.session.format_context
    return shape.encoders if shape.ctx is ctx else conn.shapes.encoders_for(shape, ctx)


def complete(conn: "Connection", result: Result, started: float) -> None:
    if result.empty:
        conn.send(backend.EMPTY_QUERY_RESPONSE)
        return
    tag_complete(conn, result.tag, started)


def tag_complete(conn: "Connection", tag: str | None, started: float) -> None:
    """CommandComplete (PortalSuspended for tag None) of a statement started at `started`, counted."""
    conn.server.stats.statement(tag, time.perf_counter() - started)
    conn.send(backend.PORTAL_SUSPENDED if tag is None else backend.command_complete(tag))


def send_parts(conn: "Connection", items: list, frame: Callable[[Any], bytes], start: int = 0) -> Wait:
    """Frame and send items[start:], writing them out past FLUSH_BYTES; when the client reads
    slower than we write, the rest goes once it has caught up."""
    queued = sum(map(len, conn.out))
    for i in range(start, len(items)):
        data = frame(items[i])
        conn.send(data)
        queued += len(data)
        if queued > FLUSH_BYTES:
            conn.flush()
            queued = 0
            if conn.write_paused and i + 1 < len(items):
                return _then(conn.drained(), send_parts, conn, items, frame, i + 1)
    return None


async def _then(first: Awaitable[Any], fn: Callable[..., Wait], *args: Any) -> None:
    """Await `first`, then run `fn(*args)` and whatever it still has to wait for."""
    await first
    rest = fn(*args)
    if rest is not None:
        await rest


async def _worker_result(conn: "Connection", simple: bool, started: float, fn: Callable[..., Result],
                         *args: Any) -> None:
    """A statement the engine would not run inline: on a worker thread, then its result."""
    rest = send_result(conn, await conn.in_worker(fn, *args), simple, started)
    if rest is not None:
        await rest


async def _copy_out(conn: "Connection", out: CopyOut, started: float) -> None:
    conn.send(backend.copy_out_response(out.binary, out.column_count))
    rest = send_parts(conn, out.chunks, backend.copy_data)
    if rest is not None:
        await rest
    conn.send(backend.COPY_DONE)
    complete(conn, Result(tag=out.tag), started)


async def _copy_in(conn: "Connection", copy: CopyIn, started: float) -> None:
    conn.send(backend.copy_in_response(copy.binary, copy.column_count))
    while True:
        data = conn.msgs.take_copy_data()
        if data:
            copy.feed(data)
        try:
            kind, body = await conn.read_message()
        except (Closed, ConnectionError):
            copy.fail("connection lost during COPY")
            raise
        if kind == "d":
            copy.feed(body)
        elif kind == "c":
            break
        elif kind == "f":
            raise copy.fail(f"COPY from stdin failed: {frontend.decode_copy_fail(body)}")
        elif kind not in "HS":
            copy.fail("unexpected message")
            if kind == "X":
                raise Closed()
            raise ProtocolViolation(f"unexpected message type 0x{ord(kind):02X} during COPY from stdin")
    try:
        result = copy.finish(inline=True)
    except RunInWorker:
        result = await conn.in_worker(copy.finish)
    if result.durable is not None:
        await conn.until_done(result.durable)
    complete(conn, result, started)


# --- simple query --------------------------------------------------------------------------


def on_query(conn: "Connection", body: bytes) -> Wait:
    session = conn.session
    ctx = session.format_context
    try:
        sql = frontend.decode_query(body, ctx.py_encoding, ctx.client_encoding)
    except CharacterNotInRepertoire as exc:  # an ERROR, as in PostgreSQL: the session goes on
        session.statement_failed()
        send_error(conn, exc)
        return end_query(conn, True)
    try:
        statements = session.split(sql)
    except Exception as exc:  # (a utility statement is parsed here: the log shows its text)
        session.query_text = sql
        send_error(conn, exc)
        return end_query(conn, True)
    if not statements:
        send_reports(conn)
        conn.send(backend.EMPTY_QUERY_RESPONSE)
    return run_statements(conn, statements, 0)


def run_statements(conn: "Connection", statements: list[Any], start: int) -> Wait:
    """The statements of a Query from `start` on, then its end (ReadyForQuery)."""
    session = conn.session
    if not start and len(statements) == 1:
        failed = _point_query(conn, statements[0])
        if failed is not None:
            return end_query(conn, failed)
    for i in range(start, len(statements)):
        started = time.perf_counter()
        try:
            try:
                result = session.run(statements[i], inline=True)
            except RunInWorker:
                return _query_rest(conn, _worker_result(conn, True, started, session.run, statements[i]),
                                   statements, i + 1)
            rest = send_result(conn, result, True, started)
        except Exception as exc:
            send_error(conn, exc)
            return end_query(conn, True)
        if rest is not None:
            return _query_rest(conn, rest, statements, i + 1)
    return end_query(conn, False)


def _point_query(conn: "Connection", statement: Any) -> bool | None:
    """A Query of one point read, answered at once when the session can run it as one
    (engine/point_round.py): whether it failed; None, having sent nothing, when not taken."""
    started = time.perf_counter()
    session = conn.session
    try:
        answer = session.point_query(statement)
        if answer is None:
            return None
        columns, batch, tag = answer
        if session.notices or session.settings.changed:  # reports queued
            send_reports(conn)
        shape = conn.shapes.shape(columns, None)
        conn.send(shape.description)
        conn.send(data_rows(batch, _encoders(conn, shape)))
        tag_complete(conn, tag, started)
    except Exception as exc:  # an internal error of the read: the Query ends with it
        send_error(conn, exc)
        return True
    return False


async def _query_rest(conn: "Connection", wait: Awaitable[None], statements: list[Any], start: int) -> None:
    try:
        await wait
    except Exception as exc:
        send_error(conn, exc)
        rest = end_query(conn, True)
    else:
        rest = run_statements(conn, statements, start)
    if rest is not None:
        await rest


def end_query(conn: "Connection", failed: bool) -> Wait:
    """End of a Query: its implicit transaction ends (commit durable before we answer), then
    ReadyForQuery."""
    return _ready(conn, conn.session.end_query, failed)


def _ready(conn: "Connection", end: Callable[..., Future | None], *args: Any) -> Wait:
    try:
        done = end(*args)
        if done is not None:
            if not done.done():
                return _ready_after(conn, done)
            done.result()
        session = conn.session
        if session.notices or session.settings.changed:  # reports queued
            send_reports(conn)
    except Exception as exc:
        send_error(conn, exc)
    _send_ready(conn)
    return None


def _send_ready(conn: "Connection") -> None:
    session = conn.session
    status = session.transaction_status
    if status == "I" and session.notifications.inbox:  # before ReadyForQuery, as PostgreSQL
        send_notifications(conn)
    conn.send(backend.READY[status])
    conn.answered = conn.status = status


async def _ready_after(conn: "Connection", done: Future) -> None:
    try:
        await conn.until_done(done)
        send_reports(conn)
    except Exception as exc:
        send_error(conn, exc)
    _send_ready(conn)


# --- extended query ------------------------------------------------------------------------


def fail_message(conn: "Connection", exc: CharacterNotInRepertoire) -> None:
    """A message whose text or name is not valid in client_encoding: an ERROR, as in PostgreSQL
    (a transaction block is aborted), then the rest up to Sync is skipped."""
    conn.session.statement_failed()
    _failed(conn, exc)


def _failed(conn: "Connection", exc: BaseException) -> None:
    send_error(conn, exc)
    conn.skip_until_sync = True


async def _extended_rest(conn: "Connection", wait: Awaitable[None]) -> None:
    try:
        await wait
    except Exception as exc:
        _failed(conn, exc)


def on_parse(conn: "Connection", body: bytes) -> Wait:
    session = conn.session
    ctx = session.format_context
    name, sql, oids = frontend.decode_parse(body, ctx.py_encoding, ctx.client_encoding)
    try:
        session.parse(name, sql, oids)
    except RunInWorker:  # its tables are locked by another transaction: wait on a worker thread
        return _parse_in_worker(conn, name, sql, oids)
    except Exception as exc:
        _failed(conn, exc)
        return None
    conn.send(backend.PARSE_COMPLETE)
    return None


async def _parse_in_worker(conn: "Connection", name: str, sql: str, oids: list[int]) -> None:
    try:
        await conn.in_worker(conn.session.parse, name, sql, oids)
    except Exception as exc:
        _failed(conn, exc)
        return
    conn.send(backend.PARSE_COMPLETE)


def on_bind(conn: "Connection", body: bytes) -> Wait:
    portal, statement, param_formats, params, result_formats = frontend.decode_bind(body)
    try:
        conn.session.bind(portal, statement, param_formats, params, result_formats)
    except Exception as exc:
        _failed(conn, exc)
        return None
    conn.send(backend.BIND_COMPLETE)
    return None


def on_describe(conn: "Connection", body: bytes) -> Wait:
    kind, name = frontend.decode_target(body)
    try:
        if kind == "S":
            oids, columns = conn.session.describe_statement(name)
            conn.send(backend.parameter_description(oids))
            formats = None
        else:
            columns, formats = conn.session.describe_portal(name)
    except Exception as exc:
        _failed(conn, exc)
        return None
    conn.send(backend.NO_DATA if columns is None else conn.shapes.shape(columns, formats).description)
    return None


def on_execute(conn: "Connection", body: bytes) -> Wait:
    portal, max_rows = frontend.decode_execute(body)
    started = time.perf_counter()
    session = conn.session
    try:
        try:
            result = session.execute(portal, max_rows, inline=True)
        except RunInWorker:
            return _extended_rest(conn, _worker_result(conn, False, started, session.execute, portal, max_rows))
        rest = send_result(conn, result, False, started)
    except Exception as exc:
        _failed(conn, exc)
        return None
    return None if rest is None else _extended_rest(conn, rest)


def on_point_round(conn: "Connection", bind_body: bytes, described: bool) -> bool:
    """A whole Bind [Describe] Execute Sync round of the unnamed portal (MessageReader.rest_of_round),
    answered at once when the session can run it as one point read (engine/point_round.py);
    False, having sent nothing, when its messages must go one by one."""
    try:
        portal, statement, param_formats, params, result_formats = frontend.decode_bind(bind_body)
    except SqlError:
        return False  # on_bind reports it
    started = time.perf_counter()
    session = conn.session
    try:
        answer = session.point_round(statement, param_formats, params, result_formats)
    except Exception as exc:  # an internal error of the read: the round ends with it
        send_error(conn, exc)
        _send_ready(conn)
        return True
    if answer is None:
        return False
    described_columns, columns, formats, batch, tag = answer
    send = conn.send
    send(backend.BIND_COMPLETE)
    shapes = conn.shapes
    if described:
        send(shapes.shape(described_columns, formats).description)
    send(data_rows(batch, _encoders(conn, shapes.shape(columns, formats))))
    tag_complete(conn, tag, started)
    if session.notices or session.settings.changed:  # reports queued
        send_reports(conn)
    _send_ready(conn)
    return True


def on_close(conn: "Connection", body: bytes) -> Wait:
    kind, name = frontend.decode_target(body)
    try:
        if kind == "S":
            conn.session.close_statement(name)
        else:
            conn.session.close_portal(name)
    except Exception as exc:
        _failed(conn, exc)
        return None
    conn.send(backend.CLOSE_COMPLETE)
    return None


def on_sync(conn: "Connection", body: bytes) -> Wait:
    if body:
        _not_empty()
    conn.skip_until_sync = False
    return _ready(conn, conn.session.sync)


def on_flush(conn: "Connection", body: bytes) -> Wait:
    if body:
        _not_empty()
    conn.flush()
    return None


def _not_empty() -> NoReturn:
    """A Sync or Flush with a body (checked by the caller: no call for a well-formed one)."""
    raise ProtocolViolation("invalid message format")


HANDLERS: dict[str, Callable[["Connection", bytes], Wait]] = {
    "Q": on_query, "P": on_parse, "B": on_bind, "D": on_describe, "E": on_execute, "C": on_close,
    "S": on_sync, "H": on_flush,
}
