"""Real QuantaDB servers as subprocesses (`python -m quantadb serve`), for tests.

Import it by this module's name (`from serverproc import start_server`), never through
`conftest`: several conftest.py files exist and whichever was imported first owns that name.
Every server gets ports 0 and a data directory its caller takes from pytest's tmp_path_factory
(which removes old runs' directories); the chosen ports are read from its log line
`[node] listening sql=HOST:PORT http=HOST:PORT`.
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

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"\[node\] listening sql=(\S+):(\d+) http=(\S+):(\d+)")


@dataclass
class ServerProcess:
    proc: subprocess.Popen
    data_dir: str
    host: str = ""
    port: int = 0
    http_port: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user=postgres dbname=postgres sslmode=disable"

    def conninfo(self, **kw: str) -> str:
        parts = {"host": self.host, "port": str(self.port), "user": "postgres", "dbname": "postgres",
                 "sslmode": "disable", **kw}
        return " ".join(f"{k}={v}" for k, v in parts.items())

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def log_text(self) -> str:
        return "".join(self.log)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        """Kill without warning (a crash), and reap the process."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"server did not stop within {timeout}s:\n{self.log_text()[-3000:]}")


def start_server(data_dir: str, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 60.0, fsync: bool = False,
                 server_class: type[ServerProcess] = ServerProcess) -> ServerProcess:
    """Start `quantadb serve` with extra command-line `args`; returns once it listens.
    fsync is off unless a test is about durability."""
    cmd = [sys.executable, "-m", "quantadb", "serve", "--data-dir", data_dir, "--host", "127.0.0.1",
           "--port", "0", "--http-port", "0", "--fsync", "on" if fsync else "off", *args]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("QUANTADB_")}
    full_env.update(env or {})
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=full_env)
    server = server_class(proc, data_dir)
    ready = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            server.log.append(line)
            m = LISTENING.search(line)
            if m and not ready.is_set():
                server.host, server.port, server.http_port = m.group(1), int(m.group(2)), int(m.group(4))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.1):
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"server did not start:\n{server.log_text()}")
    if not server.port:
        proc.wait(10)
        raise AssertionError(f"server exited with {proc.returncode}:\n{server.log_text()}")
    return server


