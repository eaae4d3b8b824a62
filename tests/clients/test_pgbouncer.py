"""PgBouncer (Debian's package) in transaction pooling mode in front of the real server: pgbench
over the simple and extended protocols with 8 clients sharing 3 server connections, and
psycopg queries, all through the pooler.

PgBouncer refuses to run as root, and CI runs as root: then it is started with `-u nobody`, and
its files live in a directory that user can read and write. auth_type=trust: PgBouncer asks no
password, but the user must be listed in auth_file; QuantaDB trusts loopback connections.
Prepared statements (pgbench -M prepared) through transaction pooling need PgBouncer >= 1.21
(max_prepared_statements); with an older one that run is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import psycopg.rows
import pytest

from pgbench_driver import assert_clean_run, balances, create_database, pgbench, run_bench

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
DB = "clients_bouncer"
POOL_SIZE = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _version() -> tuple[int, ...]:
    out = subprocess.run([PGBOUNCER, "--version"], capture_output=True, text=True).stdout
    return tuple(int(p) for p in re.search(r"PgBouncer (\d+)\.(\d+)", out).groups())


class Bouncer:
    def __init__(self, server, workdir: Path) -> None:
        self.port = _free_port()
        self.dir = workdir
        prepared = "max_prepared_statements = 50\n" if _version() >= (1, 21) else ""
        (workdir / "userlist.txt").write_text('"postgres" ""\n')
        (workdir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{DB} = host={server.host} port={server.port} dbname={DB}\n"
            f"postgres = host={server.host} port={server.port} dbname=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {workdir / 'userlist.txt'}\nadmin_users = postgres\n"
            f"pool_mode = transaction\ndefault_pool_size = {POOL_SIZE}\nmax_client_conn = 100\n"
            f"logfile = {workdir / 'pgbouncer.log'}\npidfile = {workdir / 'pgbouncer.pid'}\n"
            "ignore_startup_parameters = extra_float_digits\n" + prepared)
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([PGBOUNCER, *user, str(workdir / "pgbouncer.ini")],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"pgbouncer did not start: {self.log()}")
                time.sleep(0.1)

    def log(self) -> str:
        path = self.dir / "pgbouncer.log"
        text = path.read_text() if path.exists() else ""
        if self.proc.poll() is not None:
            text += self.proc.stdout.read()
        return text[-4000:]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


@pytest.fixture(scope="module")
def bouncer(server):
    assert os.path.exists(PGBOUNCER), "pgbouncer is not installed (scripts/setup/10-clients.sh)"
    create_database(server.conninfo(), DB)
    pgbench(server.port, DB, "-i", "-s", "1", "-q")  # straight to QuantaDB: init is not the point here
    workdir = Path(tempfile.mkdtemp(prefix="quantadb-pgbouncer-"))
    workdir.chmod(0o777)  # written by the unprivileged user PgBouncer switches to
    b = Bouncer(server, workdir)
    yield b
    b.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def _bench(server, bouncer: Bouncer, mode: str) -> None:
    result = run_bench(bouncer.port, DB, "-n", "-M", mode, "-c", "8", "-j", "2", "-t", "20")
    assert_clean_run(result)
    assert result.processed == 160, result.output
    a, t, b, h = balances(server.conninfo(dbname=DB))
    assert a == t == b == h, bouncer.log()


@pytest.mark.parametrize("mode", ["simple", "extended"])
def test_pgbench_through_transaction_pooling(server, bouncer: Bouncer, mode: str) -> None:
    _bench(server, bouncer, mode)


def test_pgbench_prepared_through_transaction_pooling(server, bouncer: Bouncer) -> None:
    if _version() < (1, 21):
        pytest.skip(f"PgBouncer {'.'.join(map(str, _version()))} has no max_prepared_statements (1.21+)")
    _bench(server, bouncer, "prepared")


def test_psycopg_through_transaction_pooling(server, bouncer: Bouncer) -> None:
    # prepare_threshold=None: server-side prepared statements do not survive transaction pooling
    conninfo = f"host=127.0.0.1 port={bouncer.port} user=postgres dbname={DB} sslmode=disable"
    with psycopg.connect(conninfo, prepare_threshold=None) as conn:
        conn.execute("DROP TABLE IF EXISTS clients_bouncer_t")
        conn.execute("CREATE TABLE clients_bouncer_t (x int)")
        conn.commit()
        with conn.transaction():
            conn.execute("INSERT INTO clients_bouncer_t SELECT g FROM generate_series(1, 5) g")
            assert conn.execute("SELECT sum(x) FROM clients_bouncer_t").fetchone() == (15,)
        with pytest.raises(psycopg.errors.DivisionByZero), conn.transaction():
            conn.execute("INSERT INTO clients_bouncer_t VALUES (100)")
            conn.execute("SELECT 1 / 0")
        assert conn.execute("SELECT count(*) FROM clients_bouncer_t").fetchone() == (5,)
        rows = conn.execute("SELECT bid, count(*) FROM pgbench_accounts WHERE aid <= %s GROUP BY bid",
                            [10]).fetchall()
        assert rows == [(1, 10)]
        assert conn.execute("SELECT %s::text || %s", ["pooled", "!"]).fetchone() == ("pooled!",)
    # the admin console: every client above shared at most POOL_SIZE server connections
    with psycopg.connect(conninfo.replace(DB, "pgbouncer"), autocommit=True,
                         row_factory=psycopg.rows.dict_row) as admin:
        pool = next(r for r in admin.execute("SHOW POOLS").fetchall() if r["database"] == DB)
    assert 1 <= sum(v for k, v in pool.items() if k.startswith("sv_")) <= POOL_SIZE, pool
