"""One client connection: an asyncio.BufferedProtocol between the socket and the engine Session.

Input is handled as it arrives, without a coroutine per message: data_received parses every
whole message in the buffer and hands each to its handler (messages.py) in order; the
responses are queued and written once no whole message is left (one write for a batch of
pipelined messages, so pipelined clients and Flush-without-Sync never wait on us).

A handler that must wait returns an awaitable for the rest of its work; it then runs as the
connection's `pending` task, and no further message is handled until it is done. Start-up
(startup.py: TLS, authentication) is such a task too. Input that arrives meanwhile is
buffered (reading pauses past MAX_BUFFERED_BYTES). When the client reads slower than we
write (pause_writing), messages wait in the buffer until the transport drains. Before the
task starts the output is written if it answers a request (holds a ReadyForQuery); else the
waiting request's first responses (ParseComplete, BindComplete before a COMMIT's WAL flush)
go with the rest of its answer, as PostgreSQL sends them: a write, and a wake-up of the
client, fewer per transaction. Before a worker thread, COPY FROM STDIN's input and a slow
reader everything is written.

Reads go into one buffer the connection keeps (BufferedProtocol): a plain Protocol has the
transport allocate a fresh 256 KiB bytes object for every recv, which glibc serves with mmap,
mremap and munmap (three more system calls and page faults per message) until something has
raised its mmap threshold.

States: start-up -> normal -> (error: skip until Sync) / (pending: worker, commit, COPY) -> normal.
A malformed message, an oversized one or a protocol error during start-up ends only this
connection, with a FATAL ErrorResponse; so do pg_terminate_backend() and server shutdown
(57P01), a statement on a worker being canceled first, and waiting for the client's next
request longer than idle_session_timeout (57P05) or, in a transaction block,
idle_in_transaction_session_timeout (25P03).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from quantadb.engine.results import RunInWorker
from quantadb.errors import (AdminShutdown, CharacterNotInRepertoire, IdleInTransactionSessionTimeout,
                             IdleSessionTimeout, InternalError, ProtocolViolation, SqlError)
from quantadb.wire import backend, frontend
from quantadb.wire.auth import tls_server_end_point
from quantadb.wire.encode import ShapeCache
from quantadb.wire.messages import HANDLERS, Closed, fail_message, on_point_round, send_notifications
from quantadb.wire.startup import StartupDone, start

if TYPE_CHECKING:
    from quantadb.wire.server import WireServer

log = logging.getLogger("quantadb.wire")

AUTHENTICATION_TIMEOUT_S = 60  # PostgreSQL's authentication_timeout: start-up must finish within it
MAX_BUFFERED_BYTES = 1 << 20  # input held while a statement runs before reading pauses
RECV_BUFFER_BYTES = 1 << 16  # what one read can take (a COPY streams in several)
LOCK_WAIT_STEP_S = 0.05  # a row lock wait on the loop looks at cancel requests this often
CLOSE_TIMEOUT_S = 2.0  # a client that reads nothing or never closes does not keep a closed connection's socket


def _copy_outcome(source: Future, target: asyncio.Future) -> None:
    if target.cancelled():
        return
    exc = source.exception()
    if exc is not None:
        target.set_exception(exc)
    else:
        target.set_result(source.result())


def _settle(waiter: asyncio.Future, value: Any) -> None:
    if not waiter.done():
        waiter.set_result(value)


class Fatal(Exception):
    """End the connection after sending this error with severity FATAL."""

    def __init__(self, error: SqlError) -> None:
        super().__init__(error.message)
        self.error = error


class Connection(asyncio.BufferedProtocol):
    def __init__(self, server: "WireServer") -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()  # made by the listener, on the loop
        self.transport: Any = None
        self.address = "local"
        self._loop_thread = threading.get_ident()
        self.msgs = frontend.MessageReader(server.config.max_message_bytes)
        self._recv = memoryview(bytearray(RECV_BUFFER_BYTES))
        self.out: list[bytes] = []
        # queue a message for the next flush: the list's own append, no Python frame per message
        self.send: Callable[[bytes], None] = self.out.append
        # the output holds a ReadyForQuery (answers a whole request): its status, 'I', 'T' or 'E'
        self.answered: str | bool = False
        self.status = "I"  # the transaction status of the last ReadyForQuery: a round may run at 'I'
        self.shapes = ShapeCache()
        self.tls = False
        self.counted = False
        self.session: Any = None
        self.pid = 0
        self.secret = 0
        self.skip_until_sync = False
        self.pending: asyncio.Task | None = None  # the task that holds the connection while it waits
        self.starting_up = True
        self.worker: asyncio.Future | None = None
        self.write_paused = False
        self.closed = False  # _close() ran: no more input is handled
        self._lost = False  # the transport is gone: nothing more can be written
        self._reading_paused = False
        self._input: asyncio.Future | None = None  # a pending task waiting for more input
        self._writable: asyncio.Future | None = None  # a pending task waiting for resume_writing
        self._idle_timer: asyncio.TimerHandle | None = None  # armed after a ReadyForQuery (see _await_request)
        self._idle_limits = (-1, 0, 0)  # (settings version, idle_session_timeout, idle_in_transaction_...) in ms

    @property
    def busy(self) -> bool:
        """Running a statement (on a worker, waiting for a commit, in COPY): shutdown gives it time."""
        return self.pending is not None and not self.starting_up

    # --- transport callbacks -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.address = peer[0] if isinstance(peer, tuple) else "local"
        self.server.connections.add(self)
        self.pending = self.loop.create_task(self._hold(self._start_up()))

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._recv

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._recv[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        if self.closed:  # lingering after a FATAL (see _close)
            return
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self.msgs.feed(data)
        if self.pending is None and not self.write_paused:
            if not self.closed:
                self._pump()
            return
        if self._input is not None and not self._input.done():
            self._input.set_result(None)
        # messages wait behind a statement or a slow reader: hold the client back past a limit
        # (reading resumes once no whole message is left, so a long message still arrives)
        if not self._reading_paused and self.msgs.buffered > MAX_BUFFERED_BYTES:
            self._reading_paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self.write_paused = False
        if self.closed:
            return
        for waiter in (self._input, self._writable):
            if waiter is not None and not waiter.done():
                waiter.set_exception(Closed())
                return  # the pending task ends through it, and closes
        if self.pending is not None:
            self.pending.cancel()
        else:
            self._close()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        elif self.pending is None and not self.closed:
            self._pump()

    # --- input -----------------------------------------------------------------------------------

    def _pump(self) -> None:
        """Handle the whole messages in the buffer, in order, until one must wait; write the answers."""
        msgs = self.msgs
        round_may_start = True  # a Bind [Describe] Execute Sync round starts the input, or follows a Sync
        try:
            while not self.write_paused:
                msg = msgs.next_message()
                if msg is None:
                    break
                kind, body = msg
                if kind == "B" and round_may_start and self.status == "I" and body[:1] == b"\0" \
                        and not self.skip_until_sync:
                    rest = msgs.rest_of_round()  # the unnamed portal's: is the whole round here?
                    if rest is not None and on_point_round(self, body, rest[0]):
                        msgs.consume(rest[1])
                        continue
                round_may_start = kind == "S"
                if kind == "X":
                    raise Closed()
                if self.skip_until_sync and kind != "S":
                    continue
                handler = HANDLERS.get(kind)
                if handler is None:
                    if kind in "dcf":  # the rest of a COPY that already failed: dropped, as PostgreSQL does
                        continue
                    raise ProtocolViolation(f"invalid frontend message type {ord(kind)}")
                try:
                    rest = handler(self, body)
                except CharacterNotInRepertoire as exc:  # a name not valid in client_encoding
                    fail_message(self, exc)
                    continue
                if rest is not None:
                    if self.answered:
                        self.flush()
                    self.pending = self.loop.create_task(self._hold(rest))
                    return
        except Closed:
            self._close()
            return
        except SqlError as exc:  # a message that does not decode, or is too long
            self._close(exc)
            return
        except Exception:
            log.exception("[wire] connection from %s failed", self.address)
            self._close()
            return
        if self.answered:
            self._await_request(self.answered)
        if self.out:
            self.server.flush_soon(self)
        if self._reading_paused and not self.write_paused:
            self._reading_paused = False
            self.transport.resume_reading()
        if self.server.shutting_down and not msgs.buffered:
            self._close(AdminShutdown("terminating connection due to administrator command"))

    def _await_request(self, status: str) -> None:
        """The client was answered (ReadyForQuery with `status`): arm the idle timeout its
        transaction state calls for, if set. The next input disarms it."""
        settings = self.session.settings
        version, idle, idle_in_transaction = self._idle_limits
        if version != settings.version:
            idle = int(settings.get("idle_session_timeout") or 0)
            idle_in_transaction = int(settings.get("idle_in_transaction_session_timeout") or 0)
            self._idle_limits = (settings.version, idle, idle_in_transaction)
        in_block = status != "I"
        ms = idle_in_transaction if in_block else idle
        if ms > 0:
            error = (IdleInTransactionSessionTimeout("terminating connection due to idle-in-transaction timeout")
                     if in_block else IdleSessionTimeout("terminating connection due to idle-session timeout"))
            self._idle_timer = self.loop.call_later(ms / 1000, self._idle_expired, error)

    def _idle_expired(self, error: SqlError) -> None:
        self._idle_timer = None
        if self.pending is None and not self.closed:
            self._close(error)

    async def _hold(self, work: Awaitable[None]) -> None:
        """Run `work` as the pending task; then go on with the buffered input (or end the connection)."""
        try:
            await work
        except asyncio.CancelledError:
            self.pending = None
            terminated = self.session is not None and self.session.terminate_requested
            if self.server.shutting_down or terminated:
                self._close(AdminShutdown("terminating connection due to administrator command"))
            else:
                self._close()
            return
        except Fatal as f:
            self.pending = None
            self._close(f.error)
            return
        except (Closed, StartupDone, ConnectionError, ssl.SSLError):
            self.pending = None
            self._close()
            return
        except Exception:
            log.exception("[wire] connection from %s failed", self.address)
            self.pending = None
            self._close()
            return
        self.pending = None
        if not self.closed:
            self._pump()

    async def read_message(self) -> tuple[str, bytes]:
        """The next message, for a pending task (start-up, COPY)."""
        while True:
            try:
                msg = self.msgs.next_message()
            except SqlError as exc:
                raise Fatal(exc) from None
            if msg is not None:
                return msg
            await self._more_input()

    async def read_startup(self) -> frontend.StartupPacket:
        while True:
            try:
                packet = self.msgs.next_startup()
            except SqlError as exc:
                raise Fatal(exc) from None
            if packet is not None:
                return packet
            await self._more_input()

    async def _more_input(self) -> None:
        self.flush()
        if self.server.shutting_down and self.session is not None:
            raise Fatal(AdminShutdown("terminating connection due to administrator command"))
        if self._lost:
            raise Closed()
        if self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()
        self._input = self.loop.create_future()
        try:
            await self._input
        finally:
            self._input = None

    # --- output ----------------------------------------------------------------------------------

    def flush(self) -> None:
        out = self.out
        if out:
            if not self._lost:
                self.transport.write(b"".join(out) if len(out) > 1 else out[0])
            out.clear()
            self.answered = False

    async def drained(self) -> None:
        """Wait until the client has read enough of what we wrote (after pause_writing)."""
        while self.write_paused:
            self._writable = self.loop.create_future()
            try:
                await self._writable
            finally:
                self._writable = None

    async def write_now(self, data: bytes) -> None:
        self.send(data)
        self.flush()

    async def start_tls(self, context: ssl.SSLContext) -> None:
        self.flush()
        self.transport = await self.loop.start_tls(self.transport, self, context, server_side=True)
        self.tls = True

    def channel_binding(self) -> bytes | None:
        """tls-server-end-point data when on TLS with our certificate (SCRAM-SHA-256-PLUS)."""
        if not self.tls or self.server.cert_der is None:
            return None
        return tls_server_end_point(self.server.cert_der)

    # --- engine calls off the loop -----------------------------------------------------------------

    def until_done(self, future: Future) -> asyncio.Future:
        """An awaitable for an engine future (a commit becoming durable). One resolved on the loop
        itself (a gathered WAL flush) settles it at once; asyncio.wrap_future would go through
        call_soon_threadsafe, which writes to the loop's self-pipe and wakes it once more."""
        waiter = self.loop.create_future()

        def settle(done: Future) -> None:
            if threading.get_ident() == self._loop_thread:
                _copy_outcome(done, waiter)
            else:
                self.loop.call_soon_threadsafe(_copy_outcome, done, waiter)
        future.add_done_callback(settle)
        return waiter

    async def in_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args, inline=False)` on a worker thread (the engine said RunInWorker). A row lock
        that an inline attempt met is first waited for here, on the loop, and `fn` attempted
        inline again (see _await_row_lock); a worker takes over when that does not do."""
        self.flush()  # what is answered goes out before a long wait
        while (wait := self.session.row_lock_wait()) is not None:
            if await self._await_row_lock(*wait):
                try:
                    return fn(*args, inline=True)
                except RunInWorker:
                    pass
        self.worker = self.loop.run_in_executor(self.server.executor, partial(fn, *args, inline=False))
        try:
            return await asyncio.shield(self.worker)
        finally:
            if self.worker.done():
                self.worker = None

    async def _await_row_lock(self, txn: Any, xid: int, limit_s: float) -> bool:
        """Wait on the loop for xid to end, at most `limit_s` and LOCK_WAIT_STEP_S (then the
        caller looks at the cancel flag and the limits again): whether it ended. A worker
        waiting instead costs two thread hand-offs and the GIL traded back and forth; under
        contention on a few rows (pgbench's branches, 8 clients) a third of the transactions
        wait once."""
        woken = self.loop.create_future()
        loop_thread = self._loop_thread

        def wake() -> None:  # on the thread that ended xid (a commit's: the WAL flusher or the loop)
            if threading.get_ident() == loop_thread:
                _settle(woken, True)
            else:
                self.loop.call_soon_threadsafe(_settle, woken, True)
        store = self.session.store
        if not store.await_xid(txn, xid, wake):
            return True
        timer = self.loop.call_later(min(limit_s, LOCK_WAIT_STEP_S), _settle, woken, False)
        try:
            return await woken
        finally:
            timer.cancel()
            store.end_await(txn, xid, wake)

    # --- lifecycle -------------------------------------------------------------------------------

    async def _start_up(self) -> None:
        try:
            await asyncio.wait_for(start(self), AUTHENTICATION_TIMEOUT_S)
        except asyncio.TimeoutError:
            log.info("[wire] start-up from %s did not finish within %ds", self.address, AUTHENTICATION_TIMEOUT_S)
            raise Closed() from None
        except SqlError as exc:
            raise Fatal(exc) from None
        except (Fatal, Closed, StartupDone, ConnectionError, ssl.SSLError, asyncio.CancelledError):
            raise
        except Exception as exc:
            log.exception("[wire] start-up of a session from %s failed", self.address)
            raise Fatal(InternalError(str(exc) or type(exc).__name__)) from None
        self.starting_up = False

    def request_termination(self) -> None:
        """Called from any thread: end this connection with FATAL 57P01 (pg_terminate_backend)."""
        self.loop.call_soon_threadsafe(self.terminate)

    def request_notifications(self) -> None:
        """Called from any thread: notifications arrived for this session (engine/notify.py)."""
        self.loop.call_soon_threadsafe(self._notify_idle)

    def _notify_idle(self) -> None:
        """Send the notifications now if the connection waits for the client outside a
        transaction (it may be sitting in a wait for them); else its next ReadyForQuery does."""
        session = self.session
        if self.closed or self.pending is not None or session.in_transaction or session.state.block:
            return
        send_notifications(self)
        self.flush()

    def terminate(self) -> None:
        """End with FATAL 57P01 now; a pending statement is canceled first (see _hold)."""
        if self.closed:
            return
        if self.pending is not None:
            self.pending.cancel()
        else:
            self._close(AdminShutdown("terminating connection due to administrator command"))

    def _close(self, error: SqlError | None = None) -> None:
        """End the connection: `error` to the client as FATAL, then the socket and the session."""
        if self.closed:
            return
        self.closed = True
        if error is not None:
            if error.sqlstate != "57P01":
                log.info("[wire] FATAL %s %s (client %s)", error.sqlstate, error.message, self.address)
            self.server.stats.error(error.sqlstate)
            self.send(backend.error_response(error, "FATAL"))
        self.flush()
        if not self._lost:
            if error is not None and self.transport.can_write_eof():
                # a lingering close: FIN after the FATAL, and input dropped until the client closes
                # too (the transport closes at its EOF). A socket closed with the client's next message unread, or
                # closed when that message comes, answers it with a RST, and clients then report
                # a closed socket instead of the FATAL they were sent
                try:
                    self.transport.write_eof()
                except OSError:  # the client is gone already
                    self.transport.abort()
                else:
                    self.loop.call_later(CLOSE_TIMEOUT_S, self.transport.abort)  # a client that stays
            else:
                self.transport.close()  # once what is buffered has been written
                if self.transport.get_write_buffer_size():
                    self.loop.call_later(CLOSE_TIMEOUT_S, self.transport.abort)
        if self.worker is not None and not self.worker.done():
            self.pending = self.loop.create_task(self._close_session_after_worker())
        else:
            self._close_session()

    async def _close_session_after_worker(self) -> None:
        self.session.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(self.worker), self.server.config.shutdown_grace_s)
        except BaseException:  # the statement's own error no longer matters
            pass
        self._close_session()

    def _close_session(self) -> None:
        if self.session is not None:
            try:
                self.session.close()
            except Exception:
                log.exception("[wire] closing session pid=%d failed", self.pid)
        self.server.unregister(self)
