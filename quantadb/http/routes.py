"""The status endpoints of a single node.

  GET /cluster/health   200 {"status": "ok"} while serving SQL, else 503
  GET /cluster/status   node id, role, version, uptime, connections, WAL LSN, data size
  GET /cluster/nodes    the members (one on a single node)
  GET /primary          200 on the primary, 503 elsewhere (for load balancers)
  GET /replica          200 on a replica, 503 elsewhere
  GET /metrics          Prometheus text
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Callable

from quantadb.http.server import HttpServer, Response, json_response

ENGINE_DEADLINE_S = 0.5


@dataclass
class NodeView:
    """What the routes need to know about the node; every callable may block."""

    node_id: str
    version: str
    sql_address: str
    http_address: str
    data_dir: str
    started: float
    serving: Callable[[], bool]
    connections: Callable[[], int]
    current_lsn: Callable[[], int]
    db_stats: Callable[[], dict[str, Any]]
    render_metrics: Callable[[], bytes]
    metrics_content_type: str
    role: str = "primary"


async def _off_loop(fn: Callable[[], Any], default: Any = None) -> Any:
    try:
        return await asyncio.wait_for(asyncio.to_thread(fn), ENGINE_DEADLINE_S)
    except Exception:
        return default


def install(server: HttpServer, node: NodeView) -> None:
    async def health() -> Response:
        up = node.serving()
        return json_response(200 if up else 503, {"status": "ok" if up else "unavailable",
                                                   "node_id": node.node_id, "role": node.role})

    async def status() -> Response:
        lsn = await _off_loop(node.current_lsn)
        stats = await _off_loop(node.db_stats, {})
        return json_response(200, {
            "node_id": node.node_id, "role": node.role, "version": node.version,
            "uptime_s": round(time.monotonic() - node.started, 3),
            "connections": node.connections(), "current_lsn": lsn,
            "data_dir": node.data_dir, "data_dir_bytes": (stats or {}).get("data_dir_bytes"),
            "sql_address": node.sql_address, "http_address": node.http_address,
            "serving": node.serving(),
        })

    async def nodes() -> Response:
        return json_response(200, {"nodes": [{
            "node_id": node.node_id, "role": node.role, "sql_address": node.sql_address,
            "http_address": node.http_address, "healthy": node.serving()}]})

    async def primary() -> Response:
        ok = node.role == "primary" and node.serving()
        return json_response(200 if ok else 503, {"role": node.role})

    async def replica() -> Response:
        ok = node.role == "replica" and node.serving()
        return json_response(200 if ok else 503, {"role": node.role})

    async def metrics() -> Response:
        body = await asyncio.wait_for(asyncio.to_thread(node.render_metrics), 5.0)
        return 200, node.metrics_content_type, body

    server.add_route("/cluster/health", health)
    server.add_route("/cluster/status", status)
    server.add_route("/cluster/nodes", nodes)
    server.add_route("/primary", primary)
    server.add_route("/replica", replica)
    server.add_route("/metrics", metrics)
