"""pg_dump round trips for the tests: a schema made on one server, dumped with pg_dump 15 and
restored with psql into a new database on another."""

from __future__ import annotations

import subprocess
from pathlib import Path


def psql(port: int, dbname: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-X", "-q",
                           "-v", "ON_ERROR_STOP=1", "-d", dbname, *args],
                          capture_output=True, text=True, timeout=120, check=False)


def dump_and_restore(source, target, tmp_path: Path, dbname: str, schema: str, jobs: int = 0) -> None:
    """`schema` made on `source` in a new database `dbname`, pg_dump'ed, restored into `target`'s:
    as a script through psql, or with `jobs` as a directory dump by that many workers (which
    read the leader's exported snapshot), restored by pg_restore."""
    for server in (source, target):
        server.admin(f"DROP DATABASE IF EXISTS {dbname}")
        server.admin(f"CREATE DATABASE {dbname}")
    made = psql(source.port, dbname, "-c", schema)
    assert made.returncode == 0, made.stderr
    dump = tmp_path / f"{dbname}.{'dir' if jobs else 'sql'}"
    form = ["-Fd", "-j", str(jobs)] if jobs else []
    dumped = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-p", str(source.port), "-U", "postgres", *form,
                             "-f", str(dump), dbname], capture_output=True, text=True, timeout=120,
                            check=False)
    assert dumped.returncode == 0, dumped.stderr
    if jobs:
        restored = subprocess.run(["pg_restore", "-h", "127.0.0.1", "-p", str(target.port), "-U", "postgres",
                                   "-j", str(jobs), "-d", dbname, str(dump)], capture_output=True, text=True,
                                  timeout=120, check=False)
    else:
        restored = psql(target.port, dbname, "-f", str(dump))
    assert restored.returncode == 0 and "ERROR" not in restored.stderr, restored.stderr


def same_on_both(postgres, quantadb, dbname: str, queries: tuple[str, ...]) -> None:
    """Each query gives QuantaDB's database `dbname` what it gives PostgreSQL's (rows, or error)."""
    from harness import Connection
    pg, qdb = Connection(postgres.dsn(dbname)), Connection(quantadb.dsn(dbname))
    try:
        for query in queries:
            want, got = pg.run(query), qdb.run(query)
            assert (got.sqlstate, got.message, got.rows) == (want.sqlstate, want.message, want.rows), query
    finally:
        pg.close(), qdb.close()
