"""Fixtures for crash tests: a real `quantadb serve` subprocess that can be killed with SIGKILL
and restarted on the same data directory.

`qdb` is a factory: `srv = qdb.start(data_dir)` starts a node on 127.0.0.1 with ports 0 (the
ports are read from its `[node] listening sql=HOST:PORT http=HOST:PORT` line) and returns once
it listens; `srv.kill9()` kills it without warning, `srv.stop()` sends SIGTERM (clean shutdown,
which checkpoints) and asserts exit code 0; `qdb.restart(srv, data_dir, how)` ends it either way
and starts it again; `qdb.recovered_copies(...)` recovers two copies of its data directory. Every node still running at the end of the test is
killed, so a failing test never leaves a process behind.

Durability is exercised with the server's default `fsync = on`: a SIGKILL does not lose the
operating system's page cache, so what these tests prove is the WAL/recovery logic (acknowledged
means logged before the reply; recovery applies exactly the committed transactions).
"""

from __future__ import annotations

import shutil

import psycopg
import pytest
from serverproc import ServerProcess, start_server

START_TIMEOUT_S = 60.0


class Node(ServerProcess):
    def stop(self, timeout: float = 60.0) -> None:  # a clean shutdown must exit 0
        code = super().stop(timeout=timeout)
        assert code == 0, f"server exit code {code}:\n{self.log_text()[-3000:]}"


class NodeFactory:
    def __init__(self) -> None:
        self.started: list[Node] = []

    def start(self, data_dir: str, *args: str) -> Node:
        node = start_server(str(data_dir), *args, timeout=START_TIMEOUT_S, fsync=True, server_class=Node)
        self.started.append(node)
        return node

    def restart(self, node: Node, data_dir: str, how: str) -> Node:
        """`node` again on `data_dir` after a CHECKPOINT and a clean stop ("checkpoint") or a
        kill -9 ("kill9")."""
        if how == "checkpoint":
            with psycopg.connect(node.dsn, autocommit=True) as conn:
                conn.execute("CHECKPOINT")
            node.stop()
        else:
            node.kill9()
        return self.start(data_dir)

    def recovered_copies(self, node: Node, data_dir, how: str, parent) -> list[Node]:
        """End `node` ("kill9", else a clean stop) and start two nodes on copies of its data
        directory: both recoveries must agree with each other and with what it served."""
        node.kill9() if how == "kill9" else node.stop()
        copies = [parent / "copy1", parent / "copy2"]
        for copy in copies:
            shutil.copytree(data_dir, copy)
        return [self.start(copy) for copy in copies]

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
