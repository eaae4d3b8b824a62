"""The HTTP status API of a running node, and its 503 when not serving."""

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest

from quantadb.http.routes import NodeView, install
from quantadb.http.server import HttpServer


def get(url: str, timeout: float = 10.0) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read()


def test_health(server):
    status, ctype, body = get(server.http_url + "/cluster/health")
    assert status == 200 and ctype == "application/json"
    assert json.loads(body)["status"] == "ok"


def test_status_and_nodes(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("SELECT 1")
        status, _, body = get(server.http_url + "/cluster/status")
        data = json.loads(body)
        assert status == 200
        assert data["role"] == "primary" and data["node_id"] and data["version"]
        assert data["connections"] >= 1
        assert isinstance(data["current_lsn"], int) and data["data_dir_bytes"] >= 0
        assert data["uptime_s"] >= 0
    status, _, body = get(server.http_url + "/cluster/nodes")
    nodes = json.loads(body)["nodes"]
    assert status == 200 and len(nodes) == 1 and nodes[0]["role"] == "primary"
    assert get(server.http_url + "/primary")[0] == 200
    assert get(server.http_url + "/replica")[0] == 503
    assert get(server.http_url + "/nope")[0] == 404


def test_metrics(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("SELECT 1")
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT * FROM metrics_missing_table")
    status, ctype, body = get(server.http_url + "/metrics")
    text = body.decode()
    assert status == 200 and ctype.startswith("text/plain")
    for name in ("quantadb_connections", 'quantadb_statements_total{command="SELECT"}',
                 "quantadb_statement_duration_seconds_bucket", 'quantadb_errors_total{sqlstate="42P01"}',
                 "quantadb_wal_bytes_written_total", "quantadb_wal_fsync_duration_seconds_sum"):
        assert name in text, name


def test_health_answers_while_a_long_query_runs(server):
    done = threading.Event()

    def long_query():
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_sleep(4)")
        done.set()

    t = threading.Thread(target=long_query)
    t.start()
    time.sleep(0.5)
    assert get(server.http_url + "/cluster/health", timeout=2.0)[0] == 200
    assert get(server.http_url + "/cluster/status", timeout=2.0)[0] == 200
    assert not done.is_set()
    t.join()


def test_health_503_when_not_serving():
    async def go():
        http = HttpServer("127.0.0.1", 0)
        serving = False
        install(http, NodeView(node_id="n", version="0", sql_address="", http_address="", data_dir="",
                               started=time.monotonic(), serving=lambda: serving, connections=lambda: 0,
                               current_lsn=lambda: 0, db_stats=dict, render_metrics=lambda: b"",
                               metrics_content_type="text/plain"))
        host, port = await http.start()
        try:
            status, _, body = await asyncio.to_thread(get, f"http://{host}:{port}/cluster/health")
            assert status == 503 and json.loads(body)["status"] == "unavailable"
        finally:
            await http.stop()
    asyncio.run(go())
