"""The tables and connection EXPLAIN's tests (test_explain*.py) use, made and analyzed once per
module: on the test server, or on the server QUANTADB_TEST_DSN names (PostgreSQL 15, whose planner
needs the statistics to choose the plans the tests ask for)."""

from __future__ import annotations

import os

import psycopg
import pytest

TABLES = "ex_t, ex_u, ex_big"
SETUP = ("CREATE TABLE ex_t (a int PRIMARY KEY, b text, c numeric, d float8)",
         "INSERT INTO ex_t SELECT g, 'x' || g, g, g FROM generate_series(1, 1000) g",
         "CREATE TABLE ex_u (a int, e int)",
         "INSERT INTO ex_u SELECT g, g % 10 FROM generate_series(1, 100) g",
         "CREATE TABLE ex_big (id int, k int, v text)",
         "INSERT INTO ex_big SELECT g, g % 50, 'v' || g FROM generate_series(1, 5000) g",
         f"ANALYZE {TABLES}")


@pytest.fixture(scope="module")
def conn(request):
    dsn = os.environ.get("QUANTADB_TEST_DSN") or request.getfixturevalue("server").dsn
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(f"DROP TABLE IF EXISTS {TABLES}")
        for statement in SETUP:
            c.execute(statement)
        yield c
        c.execute(f"DROP TABLE IF EXISTS {TABLES}")
