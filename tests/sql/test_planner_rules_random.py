"""Seeded random queries over the shapes the optimizer rewrites (sql/decorrelate.py, the WITH
inlining, conditions pushed through select lists, group keys and UNION ALL, InitPlan keys):
[NOT] EXISTS, IN and NOT IN subqueries, scalar subqueries (aggregates in select lists among them),
WITH queries, views, grouped views,
UNION ALL, and UPDATE/DELETE filtered by them (rolled back), over tables with NULLs and duplicate
keys. Each query's rows (or SQLSTATE) must be PostgreSQL 15's; without a reference PostgreSQL
there is nothing to compare with, and the test is skipped."""

from __future__ import annotations

import random

import pytest

SCHEMA = """
    CREATE TABLE fa (id int PRIMARY KEY, k int, g int, s text);
    CREATE TABLE fb (k int, g int, t text);
    CREATE INDEX fb_k ON fb (k);
    INSERT INTO fa SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 13 END, i % 4, 's' || (i % 5)
        FROM generate_series(1, 60) i;
    INSERT INTO fb SELECT CASE WHEN i % 9 = 0 THEN NULL ELSE i % 17 END, i % 5,
        CASE WHEN i % 4 = 0 THEN NULL ELSE 't' || (i % 3) END FROM generate_series(1, 40) i;
    CREATE VIEW fv AS SELECT id, k + 1 AS k1, g, upper(s) AS us FROM fa;
    CREATE VIEW fg AS SELECT g, count(*) AS n, max(k) AS mk FROM fa GROUP BY g
"""


class Queries:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def _pick(self, *options: str) -> str:
        return self.rnd.choice(options)

    def _correlation(self, alias: str) -> str:
        key = self._pick(f"{alias}.k = fb.k", f"fb.k = {alias}.k + 0", f"{alias}.g = fb.g",
                         f"fb.k = {alias}.k AND fb.g = {alias}.g")
        return key + self._pick("", " AND fb.t = 't1'", " AND fb.t IS NULL", " AND fb.g > 1")

    def predicate(self, alias: str = "fa") -> str:
        r, n = self.rnd.randrange(9), self.rnd.randrange
        return [
            lambda: f"EXISTS (SELECT 1 FROM fb WHERE {self._correlation(alias)})",
            lambda: f"NOT EXISTS (SELECT 1 FROM fb WHERE {self._correlation(alias)})",
            lambda: f"{alias}.k IN (SELECT k FROM fb WHERE g {self._pick('<', '>', '=')} {n(5)})",
            lambda: f"{alias}.k NOT IN (SELECT k FROM fb WHERE k IS NOT NULL AND g = {n(5)})",
            lambda: f"{alias}.g = (SELECT max(g) FROM fb WHERE k = {n(17)})",
            lambda: f"{alias}.id {self._pick('=', '<', '>=')} {n(70)}",
            lambda: f"({self.predicate(alias)} OR {alias}.g = {n(4)})",
            lambda: f"EXISTS (SELECT 1 FROM fb WHERE {self._correlation(alias)} LIMIT 1)",
            lambda: f"{alias}.k {self._pick('<', '>', '=')} {n(13)}",
        ][r]()

    def query(self) -> str:
        n = self.rnd.randrange
        where = " AND ".join(self.predicate() for _ in range(self.rnd.randint(1, 3)))
        return [
            lambda: f"SELECT fa.id FROM fa WHERE {where}",
            lambda: f"WITH c AS (SELECT * FROM fa WHERE {self.predicate()}) SELECT id FROM c WHERE {self.predicate('c')}",
            lambda: f"SELECT id, k1 FROM fv WHERE k1 {self._pick('=', '>', '<')} {n(14)} AND id > {n(50)}",
            lambda: f"SELECT g, n FROM fg WHERE g {self._pick('=', '>', '<>')} {n(4)} AND n > {n(20)}",
            lambda: f"SELECT * FROM (SELECT id, k FROM fa UNION ALL SELECT k, g FROM fb) u WHERE k = {n(13)} "
                    f"AND id > {n(30)}",
            lambda: f"SELECT g, count(*) FROM fa WHERE {where} GROUP BY g HAVING g > {n(3)}",
            lambda: f"SELECT fa.id, fb.t FROM fa JOIN fb ON fb.k = fa.k WHERE {where}",
            lambda: f"SELECT fa.id, ({self._aggregate()}) FROM fa WHERE {self.predicate()}",
            lambda: f"SELECT fa.id FROM fa WHERE ({self._aggregate()}) {self._pick('=', '>', '<')} {n(4)} "
                    f"{self._pick('AND', 'OR')} {self.predicate()}",
        ][n(9)]()

    def _aggregate(self) -> str:
        """A correlated aggregate subquery (a grouped join: sql/decorrelate.py)."""
        value = self._pick("count(*)", "sum(g)", "count(t) + 1", "coalesce(min(g), -1)", "max(g)")
        return f"SELECT {value} FROM fb WHERE {self._correlation('fa')}"

    def write(self) -> str:
        where = " AND ".join(self.predicate() for _ in range(self.rnd.randint(1, 2)))
        return self._pick(f"UPDATE fa SET s = 'x' WHERE {where} RETURNING id",
                          f"DELETE FROM fa WHERE {where} RETURNING id",
                          f"UPDATE fa SET g = fa.g + 1 FROM fb WHERE fb.k = fa.k AND {where} RETURNING fa.id")


def _outcome(conn, sql: str) -> tuple:
    r = conn.run(sql)
    return (r.sqlstate,) if r.sqlstate else tuple(sorted(r.rows, key=repr))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_queries_give_postgresqls_rows(sql, seed):
    if "postgresql" not in sql.conns:
        pytest.skip("no reference PostgreSQL to compare with")
    sql.setup(SCHEMA)
    queries = Queries(seed)
    for _ in range(250):
        text = queries.query()
        got = {label: _outcome(conn, text) for label, conn in sql.conns.items()}
        assert got["quantadb"] == got["postgresql"], text
    for _ in range(50):
        text = queries.write()
        got = {}
        for label, conn in sql.conns.items():
            conn.run("BEGIN")
            got[label] = _outcome(conn, text)
            conn.run("ROLLBACK")
        assert got["quantadb"] == got["postgresql"], text
