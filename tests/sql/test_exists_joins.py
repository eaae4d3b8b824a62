"""[NOT] EXISTS subqueries correlated by equalities, planned as semi and anti joins
(sql/decorrelate.py): the rows PostgreSQL 15 gives, with NULL keys, duplicate matches, several
keys, expressions, the subquery's own conditions and LIMIT, and the shapes left as subqueries
(OR, a correlation that is not an equality, one reaching two levels out); through UPDATE and
DELETE too. EXPLAIN shows the join."""

from __future__ import annotations

SCHEMA = """
    CREATE TABLE eo (id int, k int, g int, name text);
    INSERT INTO eo VALUES (1, 10, 1, 'a'), (2, 20, 1, 'b'), (3, NULL, 2, 'c'), (4, 40, 2, 'd'), (5, 10, 3, 'e');
    CREATE TABLE ei (k int, g int, tag text);
    INSERT INTO ei VALUES (10, 1, 'x'), (10, 1, 'y'), (10, 3, 'x'), (40, 9, 'x'), (NULL, 2, 'z'), (20, 1, NULL);
    CREATE INDEX ei_k ON ei (k)
"""


def test_exists_and_not_exists_give_each_outer_row_once(sql):
    sql.setup(SCHEMA)
    sql.check("SELECT id FROM eo WHERE EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k) ORDER BY id",
              [("1",), ("2",), ("4",), ("5",)])
    sql.check("SELECT id FROM eo WHERE NOT EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k) ORDER BY id", [("3",)])
    sql.check("SELECT id FROM eo WHERE EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k AND ei.g = eo.g) ORDER BY id",
              [("1",), ("2",), ("5",)])
    sql.check("SELECT id FROM eo WHERE EXISTS (SELECT * FROM ei WHERE eo.k + 0 = ei.k AND tag = 'x' LIMIT 1) "
              "AND id > 1 ORDER BY id", [("4",), ("5",)])
    sql.check("SELECT id FROM eo WHERE NOT EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k AND tag IS NULL) "
              "AND NOT EXISTS (SELECT 1 FROM ei WHERE ei.g = eo.g) ORDER BY id", [])
    sql.check("SELECT g, count(*) FROM eo WHERE EXISTS (SELECT 1 FROM ei JOIN eo e2 ON e2.k = ei.k "
              "WHERE ei.g = eo.g) GROUP BY g ORDER BY g", [("1", "2"), ("3", "1")])


def test_in_subquery_gives_each_outer_row_once(sql):
    """`x IN (SELECT ...)` as a semi join: duplicates and NULLs in the subquery, a NULL x, a
    subquery's column of another type; NOT IN and a correlated IN stay subqueries."""
    sql.setup(SCHEMA)
    sql.check("SELECT id FROM eo WHERE k IN (SELECT k FROM ei) ORDER BY id", [("1",), ("2",), ("4",), ("5",)])
    sql.check("SELECT id FROM eo WHERE k IN (SELECT k FROM ei WHERE tag = 'x') AND g < 3 ORDER BY id",
              [("1",), ("4",)])
    sql.check("SELECT id FROM eo WHERE k + 0 IN (SELECT k::int8 * 1 FROM ei) ORDER BY id",
              [("1",), ("2",), ("4",), ("5",)])
    sql.check("SELECT id FROM eo WHERE k NOT IN (SELECT k FROM ei WHERE k IS NOT NULL) ORDER BY id", [])
    sql.check("SELECT id FROM eo WHERE k NOT IN (SELECT k FROM ei) ORDER BY id", [])
    sql.check("SELECT id FROM eo WHERE k IN (SELECT k FROM ei WHERE ei.g = eo.g) ORDER BY id",
              [("1",), ("2",), ("5",)])
    sql.check("SELECT count(*) FROM eo WHERE g IN (SELECT g FROM ei) OR id = 4", [("5",)])


def test_shapes_left_as_subqueries_give_the_same_rows(sql):
    sql.setup(SCHEMA)
    sql.check("SELECT id FROM eo WHERE EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k) OR id = 3 ORDER BY id",
              [("1",), ("2",), ("3",), ("4",), ("5",)])
    sql.check("SELECT id FROM eo WHERE EXISTS (SELECT 1 FROM ei WHERE ei.k > eo.k) ORDER BY id",
              [("1",), ("2",), ("5",)])
    sql.check("SELECT id FROM eo WHERE EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k OFFSET 1) ORDER BY id",
              [("1",), ("5",)])
    sql.check("SELECT id, (SELECT count(*) FROM ei WHERE EXISTS (SELECT 1 FROM eo e2 WHERE e2.k = ei.k AND "
              "e2.g = eo.g)) FROM eo ORDER BY id", [("1", "4"), ("2", "4"), ("3", "1"), ("4", "1"), ("5", "3")])
    sql.check("SELECT g FROM eo GROUP BY g HAVING EXISTS (SELECT 1 FROM ei WHERE ei.g = eo.g) ORDER BY g",
              [("1",), ("2",), ("3",)])


def test_writes_filtered_by_exists(sql):
    sql.setup(SCHEMA)
    sql.check("UPDATE eo SET name = 'hit' WHERE EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k AND tag = 'x') "
              "RETURNING id", [("1",), ("4",), ("5",)])
    sql.check("DELETE FROM eo WHERE NOT EXISTS (SELECT 1 FROM ei WHERE ei.g = eo.g AND ei.k IS NOT NULL) "
              "RETURNING id", [("3",), ("4",)])
    sql.check("SELECT id, name FROM eo ORDER BY id", [("1", "hit"), ("2", "b"), ("5", "hit")])


def test_explain_shows_the_semi_and_anti_join(sql):
    sql.setup(SCHEMA)
    for join, query in (("Semi Join", "SELECT id FROM eo WHERE EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k)"),
                        ("Anti Join", "SELECT id FROM eo WHERE NOT EXISTS (SELECT 1 FROM ei WHERE ei.k = eo.k)")):
        for label, conn in sql.conns.items():
            lines = [row[0] for row in conn.run(f"EXPLAIN (COSTS OFF) {query}").rows]
            assert any(join in line for line in lines), (label, lines)
