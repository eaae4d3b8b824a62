"""The node's HTTP status API: a small HTTP/1.1 server on asyncio (one request per connection).

Handlers never wait on the engine on the event loop: anything that touches the database runs
on a thread with a deadline, so /cluster/health answers at once while a long query runs.
Routes are registered by path (`add_route`), so the cluster layer can add its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable

log = logging.getLogger("quantadb.http")

Response = tuple[int, str, bytes]  # status, content type, body
Handler = Callable[[], Awaitable[Response]]

_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 400: "Bad Request",
            503: "Service Unavailable", 500: "Internal Server Error"}
MAX_HEADER_BYTES = 16384


def json_response(status: int, data: Any) -> Response:
    return status, "application/json", (json.dumps(data, sort_keys=True) + "\n").encode()


class HttpServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.routes: dict[str, Handler] = {}
        self._server: asyncio.AbstractServer | None = None

    def add_route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    async def start(self) -> tuple[str, int]:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            status, ctype, body, method = await self._respond(head)
            writer.write(f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\n"
                         f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n".encode() + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _respond(self, head: bytes) -> tuple[int, str, bytes, str]:
        try:
            method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        except ValueError:
            return *json_response(400, {"error": "bad request"}), "GET"
        path = target.split("?", 1)[0]
        handler = self.routes.get(path)
        if handler is None:
            return *json_response(404, {"error": f"no such path: {path}"}), method
        if method not in ("GET", "HEAD"):
            return *json_response(405, {"error": "only GET is supported"}), method
        try:
            return *(await handler()), method
        except Exception:
            log.exception("[http] %s failed", path)
            return *json_response(500, {"error": "internal error"}), method
