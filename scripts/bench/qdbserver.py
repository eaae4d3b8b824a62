"""A QuantaDB node as a subprocess for benchmarks, on a data directory the caller keeps.

    with QuantaDBServer(data_dir) as qdb:
        print(qdb.dsn, qdb.ready_seconds, qdb.rss_bytes())

Durability is off by default (`--fsync off`), matching the throwaway PostgreSQL of pgserver.py;
`fsync=True` matches `PgServer(durable=True)`.
`ready_seconds` is the time from process start to the first answered `SELECT 1`, which is the
restart time when the data directory already holds data.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg

from pgserver import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class QuantaDBServer:
    def __init__(self, data_dir: str, *, fsync: bool = False, timeout_s: float = 600.0) -> None:
        self.data_dir = data_dir
        self.fsync = fsync
        self.timeout_s = timeout_s
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.ready_seconds = 0.0

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def start(self) -> "QuantaDBServer":
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "quantadb", "serve", "--data-dir", self.data_dir, "--port", str(self.port),
             "--http-port", "0", "--log-level", "warning", "--fsync", "on" if self.fsync else "off"], cwd=ROOT)
        while time.monotonic() - started < self.timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"QuantaDB exited with {self.proc.returncode} while starting")
            if self._answers():
                self.ready_seconds = time.monotonic() - started
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("QuantaDB did not start in time")

    def _answers(self) -> bool:
        try:
            with psycopg.connect(self.dsn, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def rss_bytes(self) -> int:
        """Resident set size of the server process, from /proc/PID/status (VmRSS)."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc status")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "QuantaDBServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
