"""A correlated aggregate subquery, `(SELECT agg(...) FROM x WHERE x.k = t.k ...)`, in a select list
or a WHERE, planned as x grouped by its keys and left-joined (sql/decorrelate.py): PostgreSQL 15's values,
with keys no group has (count 0, the others NULL), NULL keys, expressions over the aggregate,
FILTER and DISTINCT, several keys, and the shapes left as subqueries."""

from __future__ import annotations

SCHEMA = """
    CREATE TABLE so (id int PRIMARY KEY, k int, g int);
    INSERT INTO so VALUES (1, 10, 1), (2, 20, 1), (3, NULL, 2), (4, 40, 2), (5, 10, 3), (6, 99, 1);
    CREATE TABLE si (k int, g int, v int);
    INSERT INTO si VALUES (10, 1, 5), (10, 1, 7), (10, 3, NULL), (40, 9, 1), (NULL, 2, 4), (20, 1, 2)
"""


def test_aggregates_per_outer_row(sql):
    sql.setup(SCHEMA)
    sql.check("SELECT id, (SELECT count(*) FROM si WHERE si.k = so.k) FROM so",
              [("1", "3"), ("2", "1"), ("3", "0"), ("4", "1"), ("5", "3"), ("6", "0")])
    sql.check("SELECT id, (SELECT sum(v) FROM si WHERE si.k = so.k AND si.g = so.g), "
              "(SELECT max(v) + 1 FROM si WHERE so.k = si.k) FROM so",
              [("1", "12", "8"), ("2", "2", "3"), ("3", None, None), ("4", None, "2"), ("5", None, "8"),
               ("6", None, None)])
    sql.check("SELECT id, (SELECT count(v) FILTER (WHERE v > 4) + count(DISTINCT g) FROM si WHERE si.k = so.k "
              "AND si.v IS NOT NULL) AS n FROM so WHERE id < 4", [("1", "3"), ("2", "1"), ("3", "0")])
    sql.check("SELECT id, (SELECT coalesce(string_agg(v::text, ',' ORDER BY v), '-') FROM si WHERE si.k = so.k) "
              "FROM so WHERE id IN (1, 6)", [("1", "5,7"), ("6", "-")])
    sql.check("SELECT k, (SELECT count(*) FROM si WHERE si.k = so.k) AS n FROM so ORDER BY n DESC, k LIMIT 2",
              [("10", "3"), ("10", "3")])


def test_aggregates_in_a_where(sql):
    sql.setup(SCHEMA)
    sql.check("SELECT id FROM so WHERE (SELECT count(*) FROM si WHERE si.k = so.k) = 0", [("3",), ("6",)])
    sql.check("SELECT id, g FROM so WHERE g <= (SELECT avg(g) FROM si WHERE si.k = so.k) AND id > 1",
              [("2", "1"), ("4", "2")])
    sql.check("SELECT count(*) FROM so WHERE coalesce((SELECT max(v) FROM si WHERE si.k = so.k), 0) > 1 "
              "OR id = 3", [("4",)])
    sql.check("UPDATE so SET g = 0 WHERE (SELECT count(*) FROM si WHERE si.k = so.k) > 1 RETURNING id",
              [("1",), ("5",)])


def test_shapes_left_as_subqueries(sql):
    sql.setup(SCHEMA)
    sql.check("SELECT id, (SELECT count(*) FROM si WHERE si.k > so.k) FROM so WHERE id < 3", [("1", "2"), ("2", "1")])
    sql.check("SELECT id, (SELECT v FROM si WHERE si.k = so.k AND v > 6) FROM so WHERE id IN (1, 2)",
              [("1", "7"), ("2", None)])
    sql.check("SELECT id, (SELECT count(*) FROM si WHERE si.k = so.k GROUP BY g ORDER BY 1 LIMIT 1) FROM so "
              "WHERE id IN (1, 6)", [("1", "1"), ("6", None)])
    sql.check("SELECT id, (SELECT count(*) FROM si WHERE si.k = so.k HAVING count(*) > 1) FROM so WHERE id IN (1, 2)",
              [("1", "3"), ("2", None)])
