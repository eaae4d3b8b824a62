"""A throwaway PostgreSQL 15 for benchmarks: initdb + pg_ctl in a temporary directory.

    with PgServer() as pg:
        print(pg.dsn)

Listens on 127.0.0.1 only, trust auth, superuser "postgres", locale C, TimeZone UTC,
durability off (it is scratch) unless `durable=True`, which keeps PostgreSQL's defaults
(fsync, synchronous_commit, full_page_writes on). As root, the server runs as the "postgres" OS user.
Same recipe as ../shared/conformance/pg-up.sh.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile


def _bindir() -> str:
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if os.path.exists(os.path.join(out, "initdb")):
            return out
    if shutil.which("initdb"):
        return os.path.dirname(shutil.which("initdb"))
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise RuntimeError("cannot find initdb (install postgresql)")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, port: int | None = None, *, durable: bool = False) -> None:
        self.port = port or free_port()
        self.durable = durable
        self.bindir = _bindir()
        self.tmp = tempfile.mkdtemp(prefix="pgbench-ref-")
        self.datadir = os.path.join(self.tmp, "data")
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "-m", "-s", "/bin/bash", "postgres"], check=True)
            self.run_as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.tmp, "postgres")

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.run_as, *cmd], check=True, capture_output=True)

    def start(self) -> "PgServer":
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.datadir, "-U", "postgres",
                  "--auth=trust", "--locale=C", "--encoding=UTF8")
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.tmp}'\n"
                    "max_connections = 100\ntimezone = 'UTC'\nlog_min_messages = warning\n")
            if not self.durable:
                f.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-l",
                  os.path.join(self.tmp, "server.log"), "-w", "-t", "60", "start")
        return self

    def postmaster_pid(self) -> int:
        with open(os.path.join(self.datadir, "postmaster.pid")) as f:
            return int(f.readline())

    def stop(self) -> None:
        subprocess.run([*self.run_as, os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-m", "fast",
                        "-w", "stop"], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "PgServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
