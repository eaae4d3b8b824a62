"""Fixtures for concurrency tests: one real QuantaDB server and one PostgreSQL 15 (the oracle),
both session-scoped.

`quantadb` starts `python -m quantadb serve` on 127.0.0.1 with ports 0 and a fresh data dir (the
ports are read from the `[node] listening sql=HOST:PORT http=HOST:PORT` line) and stops it with
SIGTERM at the end (asserting exit code 0). `postgres` starts a scratch PostgreSQL with
/work/shared/conformance/pg-up.sh on a free port and purges it at the end; the tests are skipped
if it cannot start. `targets` gives both as `Target`s, PostgreSQL first.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"\[node\] listening sql=(\S+):(\d+) http=(\S+):(\d+)")
CONFORMANCE = Path("/work/shared/conformance")


@dataclass
class Target:
    name: str  # "postgres" or "quantadb"
    dsn: str
    log: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def quantadb(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("quantadb-concurrency"))
    cmd = [sys.executable, "-m", "quantadb", "serve", "--data-dir", data_dir, "--host", "127.0.0.1",
           "--port", "0", "--http-port", "0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANTADB_")}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    log: list[str] = []
    found: dict[str, int] = {}
    ready = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            log.append(line)
            m = LISTENING.search(line)
            if m and not ready.is_set():
                found["port"] = int(m.group(2))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 60
    while not ready.wait(0.1):
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError("quantadb did not start:\n" + "".join(log))
    if "port" not in found:
        proc.wait(10)
        raise AssertionError(f"quantadb exited with {proc.returncode}:\n" + "".join(log))
    yield Target("quantadb", f"host=127.0.0.1 port={found['port']} user=postgres dbname=postgres sslmode=disable", log)
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("quantadb did not stop:\n" + "".join(log[-50:]))
    assert code == 0, f"quantadb exit code {code}:\n" + "".join(log[-50:])


@pytest.fixture(scope="session")
def postgres():
    port = _free_port()
    data_dir = f"/tmp/qdb-concurrency-pg-{port}"
    up = subprocess.run([str(CONFORMANCE / "pg-up.sh"), str(port), data_dir], capture_output=True, text=True,
                        timeout=120)
    if up.returncode != 0:
        pytest.skip(f"PostgreSQL 15 (the oracle) did not start: {up.stderr.strip()[-500:]}")
    yield Target("postgres", f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable")
    subprocess.run([str(CONFORMANCE / "pg-down.sh"), str(port), data_dir, "--purge"], capture_output=True,
                   timeout=120)


@pytest.fixture
def targets(postgres, quantadb):
    return [postgres, quantadb]
