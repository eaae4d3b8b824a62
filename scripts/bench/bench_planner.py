"""Query shapes whose speed is the planner's, on QuantaDB and PostgreSQL 15 side by side.

A table `big` (--rows rows, a primary key) and `small` (1,000 rows, an index), then each shape:
a key lookup through a WITH query, through a view with computed columns, through a grouped view
and over a UNION ALL; a key from an uncorrelated scalar subquery; correlated EXISTS and NOT
EXISTS; a correlated count(*) in a select list. Each query runs --runs times after one warm-up;
the best time is kept. Prints milliseconds and the ratio (PostgreSQL time / QuantaDB time: > 1
means QuantaDB is faster), and checks that both servers return the same rows.

    .venv/bin/python scripts/bench/bench_planner.py [--rows 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgserver import PgServer  # noqa: E402
from qdbserver import QuantaDBServer  # noqa: E402

SETUP = [
    "CREATE TABLE big (id int PRIMARY KEY, v int, name text)",
    "INSERT INTO big SELECT g, g % 7, 'n' || g FROM generate_series(1, {rows}) g",
    "CREATE TABLE small (id int, name text)",
    "INSERT INTO small SELECT g, 'n' || g FROM generate_series(1, 1000) g",
    "CREATE INDEX small_id ON small (id)",
    "CREATE VIEW big_v AS SELECT id, v + 1 AS w, upper(name) AS uname FROM big",
    "CREATE VIEW big_g AS SELECT id, count(*) AS n, max(v) AS top FROM big GROUP BY id",
    "ANALYZE",
]

QUERIES = {
    "WITH query read once, key lookup": "WITH j AS (SELECT * FROM big) SELECT * FROM j WHERE id = 5",
    "view with computed columns, key lookup": "SELECT * FROM big_v WHERE id = 5",
    "grouped view, key lookup": "SELECT * FROM big_g WHERE id = 5",
    "UNION ALL, key lookup": "SELECT * FROM (SELECT id, v FROM big UNION ALL SELECT id, v + 1 FROM big) u "
                             "WHERE id = 5",
    "key = (uncorrelated subquery)": "SELECT * FROM big WHERE id = (SELECT max(id) FROM small)",
    "correlated EXISTS": "SELECT count(*) FROM big WHERE EXISTS (SELECT 1 FROM small WHERE small.id = big.id "
                         "AND name = 'n5')",
    "correlated NOT EXISTS": "SELECT count(*) FROM big WHERE NOT EXISTS (SELECT 1 FROM small "
                             "WHERE small.id = big.id)",
    "correlated count(*) in a select list": "SELECT count(*), sum(c) FROM (SELECT id, (SELECT count(*) FROM small "
                                            "WHERE small.id = big.id) AS c FROM big WHERE id < 20000) x",
}


def measure(dsn: str, rows: int, runs: int) -> dict[str, tuple[float, list]]:
    """Best-of-`runs` milliseconds and the rows of each query."""
    out = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for stmt in SETUP:
            conn.execute(stmt.format(rows=rows))
        for label, sql in QUERIES.items():
            result = conn.execute(sql).fetchall()  # (warm-up: plans and caches)
            best = float("inf")
            for _ in range(runs):
                started = time.perf_counter()
                conn.execute(sql).fetchall()
                best = min(best, time.perf_counter() - started)
            out[label] = (best * 1000, sorted(result))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of `big`")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per query (best is kept)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="quantadb-bench-planner-") as data_dir:
        with QuantaDBServer(data_dir) as server:
            quanta = measure(server.dsn, args.rows, args.runs)
    with PgServer() as server:
        postgres = measure(server.dsn, args.rows, args.runs)
    print(f"big: {args.rows} rows; best of {args.runs}; ratio = PostgreSQL time / QuantaDB time")
    print(f"{'query':42} {'QuantaDB ms':>12} {'PostgreSQL ms':>14} {'ratio':>7}  rows")
    for label in QUERIES:
        (q_ms, q_rows), (p_ms, p_rows) = quanta[label], postgres[label]
        same = "same" if q_rows == p_rows else "DIFFER"
        print(f"{label:42} {q_ms:12.2f} {p_ms:14.2f} {p_ms / q_ms:7.2f}  {same}")


if __name__ == "__main__":
    main()
