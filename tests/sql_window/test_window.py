"""Window functions through the real server, against PostgreSQL 15's recorded answers.

cases.sql holds the statements (setup first); expected.json PostgreSQL's results, written by
record.py. Values compare as text, errors by SQLSTATE and message.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from record import answer

HERE = Path(__file__).parent
CASES = json.loads((HERE / "expected.json").read_text())
# Window calls over grouped rows need the query binder to rewrite binder.windows after aggregation.
NEEDS_GROUPED_HOOK = {"select g, sum(x), rank() over (order by sum(x) desc) from win_t group by g order by g"}


@pytest.fixture(scope="module")
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        yield c


def test_window_functions_match_postgresql(conn) -> None:
    mismatches = []
    for case in CASES:
        if case["sql"] in NEEDS_GROUPED_HOOK:
            continue
        expected = {k: v for k, v in case.items() if k != "sql"}
        got = answer(conn, case["sql"])
        if got != expected:
            mismatches.append(f"{case['sql']}\n  got:      {got}\n  expected: {expected}")
    assert not mismatches, "\n".join(mismatches)


def test_window_over_grouped_rows(conn) -> None:
    for case in CASES:
        if case["sql"] in NEEDS_GROUPED_HOOK:
            assert answer(conn, case["sql"]) == {k: v for k, v in case.items() if k != "sql"}
