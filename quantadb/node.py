"""One QuantaDB node: opens the database, runs the SQL and HTTP servers, shuts down cleanly.

Start: open (and recover) the database, start listening, then log one line tools can parse:
    [node] listening sql=127.0.0.1:5432 http=127.0.0.1:8432
SIGTERM/SIGINT: stop accepting, let running statements finish for `shutdown_grace_s`, cancel
what is left, close the database (checkpoint, durable), exit 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

from quantadb import __version__
from quantadb.config import Settings
from quantadb.http.routes import NodeView, install
from quantadb.http.server import HttpServer
from quantadb.metrics import CONTENT_TYPE, Metrics
from quantadb.wire.server import WireConfig, WireServer
from quantadb.wire.stats import WireStats

log = logging.getLogger("quantadb.node")


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Node:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = None
        self.wire: WireServer | None = None
        self.http: HttpServer | None = None
        self.serving = False
        self._stop = asyncio.Event()

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        from quantadb.engine.database import Database

        s = self.settings
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):  # a signal during recovery stops right after it
            loop.add_signal_handler(sig, self.request_stop)
        stats = WireStats()
        # HTTP comes up first so that /cluster/health says 503 while recovery runs.
        self.http = HttpServer(s.http_host or s.host, s.http_port)
        http_host, http_port = await self.http.start()
        metrics = Metrics(stats, self._db_stats)
        view = NodeView(
            node_id=s.node_id, version=__version__, sql_address="", http_address=_address(http_host, http_port),
            data_dir=s.data_dir, started=started, serving=lambda: self.serving,
            connections=lambda: stats.connections, current_lsn=self._current_lsn, db_stats=self._db_stats,
            render_metrics=metrics.render, metrics_content_type=CONTENT_TYPE)
        install(self.http, view)
        log.info("[node] QuantaDB %s opening %s (event loop: %s)", __version__, s.data_dir, type(loop).__module__)
        try:
            self.db = await asyncio.to_thread(Database.open, s.data_dir, fsync=s.fsync,
                                               autovacuum_naptime_s=s.autovacuum_naptime_s)
            self.db.store.gather_commits(loop.call_soon)
            self.wire = WireServer(self.db, WireConfig(
                host=s.host, port=s.port, max_connections=s.max_connections,
                max_message_bytes=s.max_message_bytes, statement_timeout_ms=s.statement_timeout_ms,
                shutdown_grace_s=s.shutdown_grace_s,
                tls_cert=s.tls_cert, tls_key=s.tls_key, auth=s.auth), stats)
            sql_host, sql_port = await self.wire.start()
        except BaseException:
            await self.http.stop()
            if self.db is not None:
                await asyncio.to_thread(self.db.close)
            raise
        view.sql_address = _address(sql_host, sql_port)
        self.serving = True
        log.info("[node] listening sql=%s http=%s", view.sql_address, view.http_address)
        await self._stop.wait()
        await self.shutdown()

    def _current_lsn(self) -> int | None:
        return self.db.current_lsn() if self.db is not None else None

    def _db_stats(self) -> dict:
        return self.db.stats() if self.db is not None else {}

    async def shutdown(self) -> None:
        log.info("[node] shutting down: no new connections, grace period %.1fs", self.settings.shutdown_grace_s)
        self.serving = False
        if self.wire is not None:
            await self.wire.shutdown()
        if self.http is not None:
            await self.http.stop()
        if self.db is not None:
            await asyncio.to_thread(self.db.close)
        log.info("[node] database closed; bye")
