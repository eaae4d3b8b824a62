"""Fixtures for crash tests: a real `quantadb serve` subprocess that can be killed with SIGKILL
and restarted on the same data directory.

`qdb` is a factory: `srv = qdb.start(data_dir)` starts a node on 127.0.0.1 with ports 0 (the
ports are read from its `[node] listening sql=HOST:PORT http=HOST:PORT` line) and returns once
it listens; `srv.kill9()` kills it without warning, `srv.stop()` sends SIGTERM (clean shutdown,
which checkpoints) and asserts exit code 0. Every node still running at the end of the test is
killed, so a failing test never leaves a process behind.

Durability is exercised with the server's default `fsync = on`: a SIGKILL does not lose the
operating system's page cache, so what these tests prove is the WAL/recovery logic (acknowledged
means logged before the reply; recovery applies exactly the committed transactions).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"\[node\] listening sql=(\S+):(\d+) http=(\S+):(\d+)")
START_TIMEOUT_S = 60.0


@dataclass
class Node:
    proc: subprocess.Popen
    data_dir: str
    host: str = ""
    port: int = 0
    http_port: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user=postgres dbname=postgres sslmode=disable"

    def log_text(self) -> str:
        return "".join(self.log)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, timeout: float = 60.0) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"server did not stop within {timeout}s:\n{self.log_text()[-3000:]}")
        assert code == 0, f"server exit code {code}:\n{self.log_text()[-3000:]}"


def _start(data_dir: str, *args: str) -> Node:
    cmd = [sys.executable, "-m", "quantadb", "serve", "--data-dir", data_dir, "--host", "127.0.0.1",
           "--port", "0", "--http-port", "0", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANTADB_")}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    node = Node(proc, data_dir)
    ready = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            node.log.append(line)
            m = LISTENING.search(line)
            if m and not ready.is_set():
                node.host, node.port, node.http_port = m.group(1), int(m.group(2)), int(m.group(4))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready.wait(0.1):
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"server did not start:\n{node.log_text()}")
    if not node.port:
        proc.wait(10)
        raise AssertionError(f"server exited with {proc.returncode}:\n{node.log_text()}")
    return node


class NodeFactory:
    def __init__(self) -> None:
        self.started: list[Node] = []

    def start(self, data_dir: str, *args: str) -> Node:
        node = _start(str(data_dir), *args)
        self.started.append(node)
        return node

    def cleanup(self) -> None:
        for node in self.started:
            if node.alive():
                node.proc.kill()
                node.proc.wait()


@pytest.fixture
def qdb():
    factory = NodeFactory()
    yield factory
    factory.cleanup()
