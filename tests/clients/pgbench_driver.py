"""Run PostgreSQL 15's pgbench against a server and read what it reports.

Shared by test_pgbench.py (straight to QuantaDB) and test_pgbouncer.py (through PgBouncer).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import psycopg

PGBENCH = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"


@dataclass
class BenchResult:
    output: str
    processed: int
    expected: int
    failed: int


def pgbench(port: int, dbname: str, *args: str, timeout: float = 300) -> str:
    """pgbench with `args` against 127.0.0.1:port/dbname; asserts it exits 0 and returns its output."""
    env = {**os.environ, "PGPASSWORD": "", "PGSSLMODE": "disable"}
    out = subprocess.run([PGBENCH, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", *args, dbname],
                         capture_output=True, text=True, env=env, timeout=timeout)
    text = out.stdout + out.stderr
    assert out.returncode == 0, f"pgbench {' '.join(args)} exited {out.returncode}:\n{text[-4000:]}"
    return text


def run_bench(port: int, dbname: str, *args: str) -> BenchResult:
    """A benchmark run (not -i): pgbench's own counts of processed and failed transactions."""
    text = pgbench(port, dbname, *args)
    processed = re.search(r"number of transactions actually processed: (\d+)(?:/(\d+))?", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    assert processed and failed, text
    done = int(processed.group(1))
    return BenchResult(text, done, int(processed.group(2) or done), int(failed.group(1)))


def assert_clean_run(result: BenchResult) -> None:
    assert result.failed == 0, result.output
    assert result.processed == result.expected > 0, result.output
    assert "error" not in result.output.lower(), result.output


def balances(conninfo: str) -> tuple[int, int, int, int]:
    """sum(abalance), sum(tbalance), sum(bbalance), sum(history.delta): equal after any number of
    complete TPC-B transactions on freshly initialised tables."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts),"
            " (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers),"
            " (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches),"
            " (SELECT coalesce(sum(delta), 0) FROM pgbench_history)").fetchone()
    return tuple(int(v) for v in row)


def create_database(conninfo: str, name: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
