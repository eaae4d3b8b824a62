"""An in-process wire server over the scripted FakeDatabase, on a thread with its own loop.

Test modules import the fixtures they use from here (`from fakeserver import fake`).
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from dataclasses import dataclass

import pytest

from fakedb import FakeDatabase

from quantadb.wire.server import WireConfig, WireServer


@dataclass
class FakeServer:
    host: str
    port: int
    db: FakeDatabase
    wire: WireServer
    loop: asyncio.AbstractEventLoop

    def dsn(self, user: str = "alice", dbname: str = "db", **extra: str) -> str:
        parts = {"host": self.host, "port": str(self.port), "user": user, "dbname": dbname, "sslmode": "disable"}
        parts.update(extra)
        return " ".join(f"{k}={v}" for k, v in parts.items())

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.wire.shutdown(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


def start_fake(roles: dict[str, str | None] | None = None, **config) -> FakeServer:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    db = FakeDatabase(roles)
    config.setdefault("port", 0)
    config.setdefault("shutdown_grace_s", 2.0)
    wire = WireServer(db, WireConfig(**config))
    host, port = asyncio.run_coroutine_threadsafe(wire.start(), loop).result(10)
    return FakeServer(host, port, db, wire, loop)


@pytest.fixture(scope="module")
def fake():
    server = start_fake(max_message_bytes=1 << 20)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A CA and a server certificate for 127.0.0.1/localhost, made with the openssl command."""
    d = tmp_path_factory.mktemp("tls")
    run = lambda *a: subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=QuantaDB test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf")
    return d
