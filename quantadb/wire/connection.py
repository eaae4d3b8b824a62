"""One client connection: the protocol state machine between socket and engine Session.

States: start-up (startup.py) -> normal -> (error: skip until Sync) / (copy-in) -> normal.
Messages are read whole (frontend.MessageReader) and answered in order. Output is buffered
and written at ReadyForQuery, at Flush, when it grows large, and whenever the connection is
about to wait for more input (so pipelined clients and Flush-without-Sync never hang).

Errors: an SqlError from the engine ends the statement (simple query) or starts skipping to
Sync (extended query). Any other exception is logged with its traceback and reported as
XX000; the session stays. A malformed message, an oversized one or a protocol error during
start-up ends only this connection, with a FATAL ErrorResponse.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

from quantadb.engine.results import CopyIn, Result, RunInWorker
from quantadb.errors import AdminShutdown, InternalError, ProtocolViolation, SqlError
from quantadb.wire import backend, frontend
from quantadb.wire.auth import tls_server_end_point
from quantadb.wire.encode import EncoderCache, data_rows, describe
from quantadb.wire.startup import StartupDone, start

if TYPE_CHECKING:
    from quantadb.wire.server import WireServer

log = logging.getLogger("quantadb.wire")

FLUSH_BYTES = 256 * 1024
AUTHENTICATION_TIMEOUT_S = 60  # PostgreSQL's authentication_timeout: start-up must finish within it


class Closed(Exception):
    """The client went away or said Terminate."""


class Fatal(Exception):
    """End the connection after sending this error with severity FATAL."""

    def __init__(self, error: SqlError) -> None:
        super().__init__(error.message)
        self.error = error


class Connection:
    def __init__(self, server: "WireServer", reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.address = peer[0] if isinstance(peer, tuple) else "local"
        self.msgs = frontend.MessageReader(server.config.max_message_bytes)
        self.out: list[bytes] = []
        self.out_size = 0
        self.tls = False
        self.counted = False
        self.session: Any = None
        self.pid = 0
        self.secret = 0
        self.busy = False
        self.skip_until_sync = False
        self.worker: asyncio.Future | None = None
        self.encoders = EncoderCache()
        self.task: asyncio.Task | None = None

    # --- I/O ---------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self.out.append(data)
        self.out_size += len(data)

    async def flush(self) -> None:
        if self.out:
            self.writer.write(b"".join(self.out) if len(self.out) > 1 else self.out[0])
            self.out.clear()
            self.out_size = 0
        if self.writer.transport.get_write_buffer_size() > FLUSH_BYTES:
            await self.writer.drain()  # backpressure only when the client reads slower than we write

    async def write_now(self, data: bytes) -> None:
        self.send(data)
        await self.flush()

    async def _fill(self) -> None:
        if self.out:
            await self.flush()
        if self.server.shutting_down and self.session is not None:
            raise Fatal(AdminShutdown("terminating connection due to administrator command"))
        data = await self.reader.read(65536)
        if not data:
            raise Closed()
        self.msgs.feed(data)

    async def read_startup(self) -> frontend.StartupPacket:
        while True:
            try:
                packet = self.msgs.next_startup()
            except SqlError as exc:
                raise Fatal(exc) from None
            if packet is not None:
                return packet
            await self._fill()

    async def read_message(self) -> tuple[str, bytes]:
        while True:
            try:
                msg = self.msgs.next_message()
            except SqlError as exc:
                raise Fatal(exc) from None
            if msg is not None:
                return msg
            await self._fill()

    async def start_tls(self, context: ssl.SSLContext) -> None:
        await self.writer.start_tls(context)
        self.tls = True

    def channel_binding(self) -> bytes | None:
        """tls-server-end-point data when on TLS with our certificate (SCRAM-SHA-256-PLUS)."""
        if not self.tls or self.server.cert_der is None:
            return None
        return tls_server_end_point(self.server.cert_der)

    # --- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> None:
        self.task = asyncio.current_task()
        try:
            try:
                await asyncio.wait_for(start(self), AUTHENTICATION_TIMEOUT_S)
            except asyncio.TimeoutError:
                log.info("[wire] start-up from %s did not finish within %ds", self.address, AUTHENTICATION_TIMEOUT_S)
                raise Closed() from None
            except SqlError as exc:
                raise Fatal(exc) from None
            except (Fatal, Closed, StartupDone, ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
                raise
            except Exception as exc:
                log.exception("[wire] start-up of a session from %s failed", self.address)
                raise Fatal(InternalError(str(exc) or type(exc).__name__)) from None
            while True:
                kind, body = await self.read_message()
                self.busy = True
                try:
                    await self._dispatch(kind, body)
                finally:
                    self.busy = False
        except Fatal as f:
            await self._send_fatal(f.error)
        except (Closed, StartupDone, ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            terminated = self.session is not None and self.session.terminate_requested
            if self.server.shutting_down or terminated:
                await self._send_fatal(AdminShutdown("terminating connection due to administrator command"))
        except Exception:
            log.exception("[wire] connection from %s failed", self.address)
        finally:
            await self._cleanup()

    def request_termination(self) -> None:
        """Called from any thread: end this connection with FATAL 57P01 (pg_terminate_backend)."""
        task = self.task
        if task is not None:
            task.get_loop().call_soon_threadsafe(task.cancel)

    async def _send_fatal(self, error: SqlError) -> None:
        if error.sqlstate != "57P01":
            log.info("[wire] FATAL %s %s (client %s)", error.sqlstate, error.message, self.address)
        self.server.stats.error(error.sqlstate)
        try:
            self.send(backend.error_response(error, "FATAL"))
            await asyncio.wait_for(self.flush(), 2.0)
        except (ConnectionError, asyncio.TimeoutError, ssl.SSLError, RuntimeError):
            pass

    async def _cleanup(self) -> None:
        if self.worker is not None and not self.worker.done() and self.session is not None:
            self.session.cancel()
            try:
                await asyncio.wait_for(asyncio.shield(self.worker), self.server.config.shutdown_grace_s)
            except BaseException:  # the statement's own error no longer matters
                pass
        if self.session is not None:
            try:
                self.session.close()
            except Exception:
                log.exception("[wire] closing session pid=%d failed", self.pid)
        self.server.unregister(self)
        try:
            self.writer.close()
        except (ConnectionError, RuntimeError):
            pass

    # --- dispatch ----------------------------------------------------------------------------

    async def _dispatch(self, kind: str, body: bytes) -> None:
        if kind == "X":
            raise Closed()
        if self.skip_until_sync and kind != "S":
            return
        entry = _HANDLERS.get(kind)
        if entry is None:
            if kind in "dcf":  # the rest of a COPY that already failed: dropped, as PostgreSQL does
                return
            raise Fatal(ProtocolViolation(f"invalid frontend message type {ord(kind)}"))
        decoder, handler = entry
        try:
            args = decoder(body)
        except SqlError as exc:
            raise Fatal(exc) from None
        await handler(self, args)

    async def _call(self, fn: Callable[[bool], Any]) -> Any:
        """Run an engine call inline; on RunInWorker repeat it on a worker thread."""
        try:
            return fn(True)
        except RunInWorker:
            pass
        loop = asyncio.get_running_loop()
        self.worker = loop.run_in_executor(self.server.executor, fn, False)
        try:
            return await asyncio.shield(self.worker)
        finally:
            if self.worker.done():
                self.worker = None

    def _send_reports(self) -> None:
        changes, notices = self.session.take_reports()
        for notice in notices:
            self.send(backend.notice_response(notice))
        for name, value in changes.items():
            self.send(backend.parameter_status(name, value))

    def _send_error(self, exc: BaseException) -> None:
        if not isinstance(exc, SqlError):
            log.error("[wire] internal error in session pid=%d", self.pid, exc_info=exc)
            exc = InternalError(str(exc) or type(exc).__name__)
        self.server.stats.error(exc.sqlstate)
        # as PostgreSQL's log_min_error_statement = error: the failing statement beside the error
        query = self.session.query_text if self.session is not None else ""
        log.info("[sql] ERROR %s %s (pid %d)%s", exc.sqlstate, exc.message, self.pid,
                 f" STATEMENT: {query[:2000]}" if query else "")
        try:
            self._send_reports()
        except Exception:
            log.exception("[wire] reading session reports failed")
        self.send(backend.error_response(exc))

    async def _send_result(self, result: Result, simple: bool, started: float) -> None:
        if result.durable is not None:
            await _durable(result.durable)
        self._send_reports()
        if result.copy_in is not None:
            result = await self._copy_in(result.copy_in)
            if result.durable is not None:
                await _durable(result.durable)
        elif result.copy_out is not None:
            out = result.copy_out
            self.send(backend.copy_out_response(out.binary, out.column_count))
            for chunk in out.chunks:
                self.send(backend.copy_data(chunk))
                if self.out_size > FLUSH_BYTES:
                    await self.flush()
            self.send(backend.COPY_DONE)
            result = Result(tag=out.tag)
        elif result.columns is not None:
            if simple:
                self.send(describe(result.columns, result.formats))
            encoders = self.encoders.encoders(result.columns, result.formats, self.session.format_context)
            for batch in result.batches:
                self.send(data_rows(batch, encoders))
                if self.out_size > FLUSH_BYTES:
                    await self.flush()
        if result.empty:
            self.send(backend.EMPTY_QUERY_RESPONSE)
            return
        self.server.stats.statement(result.tag, time.perf_counter() - started)
        self.send(backend.PORTAL_SUSPENDED if result.tag is None else backend.command_complete(result.tag))

    async def _copy_in(self, copy: CopyIn) -> Result:
        self.send(backend.copy_in_response(copy.binary, copy.column_count))
        await self.flush()
        while True:
            data = self.msgs.take_copy_data()
            if data:
                copy.feed(data)
            try:
                kind, body = await self.read_message()
            except (Closed, ConnectionError):
                copy.fail("connection lost during COPY")
                raise
            if kind == "d":
                copy.feed(body)
            elif kind == "c":
                return await self._call(lambda inline: copy.finish(inline=inline))
            elif kind == "f":
                raise copy.fail(f"COPY from stdin failed: {frontend.decode_copy_fail(body)}")
            elif kind not in "HS":
                copy.fail("unexpected message")
                if kind == "X":
                    raise Closed()
                raise ProtocolViolation(f"unexpected message type 0x{ord(kind):02X} during COPY from stdin")

    # --- simple query ------------------------------------------------------------------------

    async def _on_query(self, sql: str) -> None:
        failed = False
        try:
            statements = self.session.split(sql)
            if not statements:
                self._send_reports()
                self.send(backend.EMPTY_QUERY_RESPONSE)
            for stmt in statements:
                started = time.perf_counter()
                result = await self._call(lambda inline: self.session.run(stmt, inline=inline))
                await self._send_result(result, True, started)
        except Exception as exc:
            failed = True
            self._send_error(exc)
        try:
            done = self.session.end_query(failed)
            if done is not None:
                await _durable(done)
            self._send_reports()
        except Exception as exc:
            self._send_error(exc)
        self.send(backend.ready_for_query(self.session.transaction_status))

    # --- extended query ----------------------------------------------------------------------

    async def _extended(self, step: Callable[[], Any]) -> None:
        try:
            await step()
        except Exception as exc:
            self._send_error(exc)
            self.skip_until_sync = True

    async def _on_parse(self, args: tuple[str, str, list[int]]) -> None:
        async def step() -> None:
            self.session.parse(*args)
            self.send(backend.PARSE_COMPLETE)
        await self._extended(step)

    async def _on_bind(self, b: frontend.Bind) -> None:
        async def step() -> None:
            self.session.bind(b.portal, b.statement, b.param_formats, b.params, b.result_formats)
            self.send(backend.BIND_COMPLETE)
        await self._extended(step)

    async def _on_describe(self, args: tuple[str, str]) -> None:
        kind, name = args

        async def step() -> None:
            if kind == "S":
                oids, columns = self.session.describe_statement(name)
                self.send(backend.parameter_description(oids))
                self.send(backend.NO_DATA if columns is None else describe(columns, None))
            else:
                columns, formats = self.session.describe_portal(name)
                self.send(backend.NO_DATA if columns is None else describe(columns, formats))
        await self._extended(step)

    async def _on_execute(self, args: tuple[str, int]) -> None:
        portal, max_rows = args

        async def step() -> None:
            started = time.perf_counter()
            result = await self._call(lambda inline: self.session.execute(portal, max_rows, inline=inline))
            await self._send_result(result, False, started)
        await self._extended(step)

    async def _on_close(self, args: tuple[str, str]) -> None:
        kind, name = args

        async def step() -> None:
            if kind == "S":
                self.session.close_statement(name)
            else:
                self.session.close_portal(name)
            self.send(backend.CLOSE_COMPLETE)
        await self._extended(step)

    async def _on_sync(self, _: None) -> None:
        self.skip_until_sync = False
        try:
            done = self.session.sync()
            if done is not None:
                await _durable(done)
            self._send_reports()
        except Exception as exc:
            self._send_error(exc)
        self.send(backend.ready_for_query(self.session.transaction_status))
        await self.flush()

    async def _on_flush(self, _: None) -> None:
        await self.flush()


async def _durable(commit: Future) -> None:
    """Wait until a commit is durable; with fsync off it usually already is (no hop through
    the event loop then)."""
    if commit.done():
        commit.result()  # raises if the WAL write failed
    else:
        await asyncio.wrap_future(commit)


def _empty(body: bytes) -> None:
    if body:
        raise ProtocolViolation("invalid message format")


_HANDLERS: dict[str, tuple[Callable[[bytes], Any], Callable[[Connection, Any], Any]]] = {
    "Q": (frontend.decode_query, Connection._on_query),
    "P": (frontend.decode_parse, Connection._on_parse),
    "B": (frontend.decode_bind, Connection._on_bind),
    "D": (frontend.decode_target, Connection._on_describe),
    "E": (frontend.decode_execute, Connection._on_execute),
    "C": (frontend.decode_target, Connection._on_close),
    "S": (_empty, Connection._on_sync),
    "H": (_empty, Connection._on_flush),
}
