"""SQL-in / rows-out checks against a real QuantaDB server, with PostgreSQL 15 as the oracle.

Every check states the rows PostgreSQL returns. When a reference PostgreSQL is available (it is
installed on every machine of the project; `pg-up.sh` of the conformance corpus starts one) the
same statements also run there and the stated rows must match it too, so an expectation can never
drift from PostgreSQL's behaviour. Values are compared as the servers' text output.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import pq

REPO = Path(__file__).resolve().parents[2]
_NAMES = itertools.count()


@dataclass
class Result:
    sqlstate: str | None = None
    message: str | None = None
    columns: list[str] = field(default_factory=list)
    oids: list[int] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    position: int | None = None  # an error's P field: where psql puts its caret


class Connection:
    """One libpq connection; results come back as text, exactly as a client sees them."""

    def __init__(self, dsn: str) -> None:
        self.conn = pq.PGconn.connect(dsn.encode())
        if self.conn.status != pq.ConnStatus.OK:
            raise ConnectionError(self.conn.get_error_message().decode())

    def run(self, sql: str) -> Result:
        r = self.conn.exec_(sql.encode())
        if r.status in (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.BAD_RESPONSE):
            state = r.error_field(pq.DiagnosticField.SQLSTATE)
            message = r.error_field(pq.DiagnosticField.MESSAGE_PRIMARY)
            position = r.error_field(pq.DiagnosticField.STATEMENT_POSITION)
            return Result(state.decode() if state else "?", message.decode() if message else "",
                          position=int(position) if position else None)
        return Result(
            columns=[r.fname(j).decode() for j in range(r.nfields)],
            oids=[r.ftype(j) for j in range(r.nfields)],
            rows=[tuple(None if v is None else v.decode() for v in (r.get_value(i, j) for j in range(r.nfields)))
                  for i in range(r.ntuples)])

    def close(self) -> None:
        self.conn.finish()


class Server:
    """A server both sides of a check can create scratch databases on."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user=postgres dbname={dbname}"

    def admin(self, sql: str) -> None:
        c = Connection(self.dsn())
        try:
            r = c.run(sql)
            if r.sqlstate:
                raise RuntimeError(f"{sql}: {r.message}")
        finally:
            c.close()


def start_quantadb(data_dir: str) -> tuple[subprocess.Popen, Server]:
    proc = subprocess.Popen([sys.executable, "-m", "quantadb", "serve", "--data-dir", data_dir, "--port", "0",
                             "--http-port", "0"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        m = re.search(r"\[node\] listening sql=([\d.]+):(\d+)", line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, Server(m.group(1), int(m.group(2)))
    raise RuntimeError("quantadb did not start")


def _pg_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres(base: str) -> tuple[Server, callable] | None:
    """A scratch PostgreSQL (C locale, UTC) or None when none is installed or it will not start."""
    if os.environ.get("QUANTADB_TEST_PG_DSN"):
        m = re.search(r"port=(\d+)", os.environ["QUANTADB_TEST_PG_DSN"])
        return Server("127.0.0.1", int(m.group(1)) if m else 5432), lambda: None
    bindir = _pg_bindir()
    if bindir is None:
        return None
    data = Path(base) / "pgdata"
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None or subprocess.run(["id", "postgres"], capture_output=True).returncode:
            return None
        run_as = ["runuser", "-u", "postgres", "--"]
        os.chmod(base, 0o777)
    data.mkdir(mode=0o700)
    if run_as:
        shutil.chown(data, "postgres")
    port = _free_port()
    init = subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                           "--locale=C", "--encoding=UTF8"], capture_output=True)
    if init.returncode:
        return None
    with open(data / "postgresql.conf", "a") as f:
        f.write(f"listen_addresses='127.0.0.1'\nport={port}\nunix_socket_directories='{data}'\n"
                "timezone='UTC'\nfsync=off\nsynchronous_commit=off\nfull_page_writes=off\n")
    ctl = [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data / "log"), "-w", "-t", "60"]
    if subprocess.run([*ctl, "start"], capture_output=True).returncode:
        return None
    return Server("127.0.0.1", port), lambda: subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True)


class Sql:
    """The `sql` fixture: a fresh database on QuantaDB (and on the reference PostgreSQL)."""

    def __init__(self, qdb: Server, pg: Server | None) -> None:
        self.name = f"t{os.getpid()}_{next(_NAMES)}"
        self.servers = [("quantadb", qdb)] + ([("postgresql", pg)] if pg else [])
        self.conns: dict[str, Connection] = {}
        for label, server in self.servers:
            server.admin(f"CREATE DATABASE {self.name}")
            self.conns[label] = Connection(server.dsn(self.name))

    def close(self) -> None:
        for label, server in self.servers:
            self.conns[label].close()
            server.admin(f"DROP DATABASE IF EXISTS {self.name}")

    def _both(self, sql: str) -> dict[str, Result]:
        return {label: conn.run(sql) for label, conn in self.conns.items()}

    def setup(self, script: str) -> None:
        """Run statements (separated by ';' at line ends) that must succeed everywhere."""
        for stmt in (s.strip() for s in re.split(r";\s*\n", script)):
            if not stmt:
                continue
            for label, r in self._both(stmt).items():
                assert r.sqlstate is None, f"{label}: {stmt}: {r.message}"

    def check(self, sql: str, rows: list[tuple], *, columns: list[str] | None = None, ordered: bool = False,
              same_types: bool = True) -> None:
        """`sql` returns `rows` (text values, None for NULL), in that order when `ordered`."""
        results = self._both(sql)
        for label, r in results.items():
            assert r.sqlstate is None, f"{label}: {sql}: {r.sqlstate} {r.message}"
            got = r.rows if ordered else sorted(r.rows, key=_sort_key)
            want = [tuple(x) for x in rows] if ordered else sorted((tuple(x) for x in rows), key=_sort_key)
            assert got == want, f"{label}: {sql}"
            if columns is not None:
                assert r.columns == columns, f"{label}: {sql}"
        if same_types and "postgresql" in results:
            q, p = results["quantadb"], results["postgresql"]
            assert (q.columns, q.oids) == (p.columns, p.oids), f"column names/types differ: {sql}"

    def error(self, sql: str, sqlstate: str, message: str | None = None, *, position: int | None = None) -> None:
        """`sql` fails with `sqlstate` (and, if given, exactly this primary message and position)."""
        for label, r in self._both(sql).items():
            assert r.sqlstate == sqlstate, f"{label}: {sql}: got {r.sqlstate} {r.message}"
            if message is not None:
                assert r.message == message, f"{label}: {sql}"
            if position is not None:
                assert r.position == position, f"{label}: {sql}: position {r.position}"


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, v or "") for v in row)


def wait_gone(proc: subprocess.Popen) -> None:
    proc.terminate()
    deadline = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
