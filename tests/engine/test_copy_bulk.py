"""COPY FROM text, the column-at-a-time path (engine/copy_decode.py): the same data loaded into
QuantaDB and PostgreSQL 15 reads back the same, and bad data fails with the same error."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sql"))
from harness import start_postgres


@pytest.fixture(scope="module")
def servers(server):
    with tempfile.TemporaryDirectory(prefix="quantadb-copytest-pg-") as tmp:
        started = start_postgres(tmp)
        if started is None:
            pytest.skip("PostgreSQL 15 is not installed")
        pg, stop = started
        try:
            yield [server.dsn, pg.dsn()]
        finally:
            stop()


def _load(dsn: str, ddl: str, text: str, query: str) -> list[tuple] | tuple[str, str, str]:
    """The rows of `query` after the COPY, as text; or the error (SQLSTATE, message, context line)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS cb")
        conn.execute(ddl)
        try:
            with conn.cursor().copy("COPY cb FROM STDIN") as copy:
                lines = text.splitlines(keepends=True)
                for start in range(0, len(lines), 1000):  # separate CopyData messages
                    copy.write("".join(lines[start:start + 1000]))
        except psycopg.Error as e:
            line = next((p for p in (e.diag.context or "").split(", ") if p.startswith("line")), "")
            return e.sqlstate, e.diag.message_primary, line
        return [tuple(None if v is None else str(v) for v in row) for row in conn.execute(query).fetchall()]


CASES = {
    "numeric keeps each value's scale": (
        "CREATE TABLE cb (n numeric)", "1.5\n2.25\n-0.000\n10\n\\N\n007.10\n", "SELECT n FROM cb"),
    "numeric(15,2) rounds half away from zero": (
        "CREATE TABLE cb (n numeric(15,2))", "1.5\n2.255\n-2.245\n0.004\n-0.005\n123\n-0.00\n",
        "SELECT n, n * 2, sum(n) OVER () FROM cb"),
    "numeric(15,2) uniform scale with NULLs": (
        "CREATE TABLE cb (i int, n numeric(15,2))", "1\t1.50\n2\t\\N\n3\t-99.99\n4\t0.00\n",
        "SELECT i, n, n + 1 FROM cb ORDER BY i"),
    "numeric wider than int64": (
        "CREATE TABLE cb (a numeric(20,2), b numeric)",
        "123456789012345678.91\t99999999999999999999.5\n-1.00\t1234567890123456789\n",
        "SELECT a, b, a + b, sum(a) OVER () FROM cb ORDER BY a"),
    "numeric(18,0) overflow": ("CREATE TABLE cb (n numeric(18,0))", "1\n1000000000000000000\n", "SELECT n FROM cb"),
    "numeric(5,2) overflow by rounding": ("CREATE TABLE cb (n numeric(5,2))", "1.5\n999.995\n", "SELECT n FROM cb"),
    "dates": ("CREATE TABLE cb (d date)", "2000-01-01\n1999-12-31\n2024-02-29\n0001-01-01\n9999-12-31\n",
              "SELECT d, d - date '2000-01-01' FROM cb"),
    "no such date": ("CREATE TABLE cb (d date)", "2024-02-29\n2021-02-29\n", "SELECT d FROM cb"),
    "char(n) pads, varchar(n) keeps": (
        "CREATE TABLE cb (c char(5), v varchar(5))", "a\ta\nabcde\tabcde\nab \tab \n", "SELECT c || '|', v || '|' FROM cb"),
    "char(n) values differing in trailing blanks": (
        "CREATE TABLE cb (c char(3), t text)", "a\ta\na \ta \na\ta\nb\t\\N\n",
        "SELECT c || '|', t || '|', count(*) FROM cb GROUP BY c, t"),
    "escapes and NULLs beside plain chunks": (
        "CREATE TABLE cb (i int, t text, n numeric(6,2))",
        "".join(f"{i}\tw{i % 3}\t{i % 7}.5\n" for i in range(40_000)) + "40000\tx\\ty\t\\N\n-1\t\\N\t1\n",
        "SELECT t, count(*), sum(n), count(n) FROM cb GROUP BY t"),
    "varchar(n) too long": ("CREATE TABLE cb (v varchar(3))", "abc\nabcd\n", "SELECT v FROM cb"),
    "integer out of range": ("CREATE TABLE cb (i int, j int)", "1\t2\n2147483648\t1\n", "SELECT i FROM cb"),
    "missing column": ("CREATE TABLE cb (i int, j int)", "1\t2\n3\t4\n5\n", "SELECT i FROM cb"),
    "many rows, several batches": (
        "CREATE TABLE cb (i int, n numeric(12,2), d date)",
        "".join(f"{i}\t{i * 37 % 100000 - 50000}.{i % 100:02d}\t20{i % 30:02d}-0{i % 9 + 1}-1{i % 10}\n"
                for i in range(150_000)),
        "SELECT count(*), sum(n), avg(n), min(n), max(n), sum(i), min(d), max(d) FROM cb"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_copy_text_matches_postgresql(servers, name):
    ddl, text, query = CASES[name]
    quantadb, postgres = (_load(dsn, ddl, text, query) for dsn in servers)
    if isinstance(postgres, list):
        assert sorted(quantadb, key=repr) == sorted(postgres, key=repr)
    else:
        assert quantadb == postgres
