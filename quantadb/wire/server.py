"""The PostgreSQL protocol listener: accepts connections, keeps the cancel registry, shuts down.

max_connections counts connections past their StartupMessage (a CancelRequest never counts).
Backend keys are (pid, secret): pids are unique per server, secrets random; a CancelRequest
cancels the running statement of the session whose key matches, and gets no reply.

Shutdown: stop listening; idle sessions get FATAL 57P01 at once; sessions running a statement
may finish it within the grace period, after which the statement is canceled (57014) and the
session ends the same way.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import secrets
import ssl
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from quantadb.wire.connection import Connection
from quantadb.wire.hba import HbaRule, parse_rules
from quantadb.wire.stats import WireStats

GIL_SWITCH_INTERVAL_S = 0.0005

log = logging.getLogger("quantadb.wire")


@dataclass
class WireConfig:
    host: str = "127.0.0.1"
    port: int = 5432
    max_connections: int = 100
    max_message_bytes: int = 64 * 1024 * 1024
    statement_timeout_ms: int = 0
    shutdown_grace_s: float = 10.0
    tls_cert: str = ""
    tls_key: str = ""
    auth: list[str] = field(default_factory=list)


def make_ssl_context(cert: str, key: str) -> tuple[ssl.SSLContext, bytes]:
    """Server TLS context and the DER of its certificate (for tls-server-end-point)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    with open(cert) as f:
        pem = f.read()
    first = pem[pem.index("-----BEGIN CERTIFICATE-----"):pem.index("-----END CERTIFICATE-----") + 25]
    return ctx, ssl.PEM_cert_to_DER_cert(first)


class WireServer:
    def __init__(self, db: Any, config: WireConfig, stats: WireStats | None = None) -> None:
        self.db = db
        self.config = config
        self.stats = stats or WireStats()
        self.hba_rules: list[HbaRule] = parse_rules(config.auth)
        self.ssl_context: ssl.SSLContext | None = None
        self.cert_der: bytes | None = None
        if config.tls_cert:
            self.ssl_context, self.cert_der = make_ssl_context(config.tls_cert, config.tls_key)
        # One thread per possible connection (made only when needed): a statement on a worker may
        # wait for a row lock for as long as its holder's transaction runs, and the holder may
        # itself need a worker to go on. A smaller pool can fill up with waiters and stall them all.
        self.executor = ThreadPoolExecutor(config.max_connections, thread_name_prefix="quantadb-worker")
        self.sessions: dict[int, Connection] = {}
        self.connections: set[Connection] = set()
        self._to_flush: list[Connection] = []  # answered in this loop iteration (flush_soon)
        self.starting = 0  # connections past StartupMessage, for max_connections
        self.shutting_down = False
        self._pids = itertools.count(10001)
        self._server: asyncio.AbstractServer | None = None

    def flush_soon(self, conn: "Connection") -> None:
        """Write conn's answers once the loop has handled all the input it was woken for: the
        answers to several clients then go out back to back. Each write to a loopback socket
        wakes its reader; a client process (pgbench's thread of 4 connections) woken for the first
        is still running when the next arrive, and the wake-ups cost the server less: -S
        prepared at 8 clients, 8.5 -> 7.4 us of system CPU a transaction."""
        if not self._to_flush:
            conn.loop.call_soon(self._flush_all)
        self._to_flush.append(conn)

    def _flush_all(self) -> None:
        conns, self._to_flush = self._to_flush, []
        for conn in conns:
            conn.flush()

    async def start(self) -> tuple[str, int]:
        # The event loop thread runs every inline statement and rarely lets go of the GIL under
        # load, while a commit waits for the WAL flusher thread (and a long statement for its
        # worker) to get it: after an fsync the flusher may wait a whole switch interval
        # (5 ms by default) to resolve the waiting commits. 0.5 ms: +25% TPC-B with fsync on.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: Connection(self), self.config.host, self.config.port)
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    def new_backend_key(self) -> tuple[int, int]:
        return next(self._pids), secrets.randbits(31)

    def register(self, conn: Connection) -> None:
        self.sessions[conn.pid] = conn
        self.stats.connections = len(self.sessions)

    def unregister(self, conn: Connection) -> None:
        self.connections.discard(conn)
        if self.sessions.get(conn.pid) is conn:
            del self.sessions[conn.pid]
        if conn.counted:
            self.starting -= 1
            conn.counted = False
        self.stats.connections = len(self.sessions)

    def cancel(self, pid: int, secret: int) -> None:
        conn = self.sessions.get(pid)
        if conn is None or not hmac.compare_digest(secret.to_bytes(4, "big", signed=True),
                                                   conn.secret.to_bytes(4, "big", signed=True)):
            log.info("[wire] cancel request for unknown backend pid=%d ignored", pid)
            return
        log.info("[wire] cancel request for pid=%d", pid)
        conn.session.cancel()

    async def shutdown(self) -> None:
        """Stop accepting, end every session (see the module docstring), stop the workers."""
        self.shutting_down = True
        if self._server is not None:
            self._server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.shutdown_grace_s
        while True:
            for conn in list(self.connections):
                if not conn.busy:
                    conn.terminate()
            busy = [c for c in self.connections if c.busy]
            if not self.connections or loop.time() >= deadline:
                break
            await asyncio.sleep(0.05)
        for conn in busy:
            log.info("[wire] canceling the statement of pid=%d after the shutdown grace period", conn.pid)
            if conn.session is not None:
                conn.session.cancel()
        for _ in range(40):
            if not self.connections:
                break
            await asyncio.sleep(0.05)
        for conn in list(self.connections):
            conn.terminate()
        pending = [c.pending for c in self.connections if c.pending is not None]
        if pending:
            await asyncio.wait(pending, timeout=2.0)
        self.executor.shutdown(wait=False, cancel_futures=True)
