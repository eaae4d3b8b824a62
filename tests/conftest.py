"""Shared fixtures: real QuantaDB servers as subprocesses (see serverproc.py).

`server` is one session-scoped node for the whole test run (per xdist worker); tests that need
special settings (TLS, auth rules, max_connections) start their own with `start_quantadb`.
Stopping sends SIGTERM and asserts exit code 0.
"""

from __future__ import annotations

import os

import pytest
from serverproc import ServerProcess, start_server

__all__ = ["ServerProcess", "start_server"]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = start_server(str(tmp_path_factory.mktemp("quantadb-data")))
    yield srv
    code = srv.stop()
    assert code == 0, f"server exit code {code}:\n{srv.log_text()[-3000:]}"


@pytest.fixture
def dsn(request):
    """The DSN of the test server, or of the server QUANTADB_TEST_DSN names (PostgreSQL 15, to
    check there what a test expects)."""
    given = os.environ.get("QUANTADB_TEST_DSN")
    return given if given else request.getfixturevalue("server").dsn


@pytest.fixture
def start_quantadb(tmp_path_factory):
    """Start extra servers with custom flags: `start_quantadb("--max-connections", "2")`.

    Each is stopped (SIGTERM) at the end of the test if the test did not stop it itself.
    """
    started: list[ServerProcess] = []

    def start(*args: str, data_dir: str | None = None, env: dict[str, str] | None = None) -> ServerProcess:
        srv = start_server(data_dir or str(tmp_path_factory.mktemp("quantadb-data")), *args, env=env)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        if srv.proc.poll() is None:
            srv.stop()
