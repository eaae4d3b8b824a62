"""Where SELECT's locking clause is allowed: PostgreSQL 15 refuses it (0A000) over rows that do not
stand for table rows, naming the clause's strength and the first reason in its own order."""

import pytest

SETUP = "CREATE TABLE lj (id int PRIMARY KEY, v int);\nINSERT INTO lj SELECT g, g FROM generate_series(1, 5) g"

REFUSED = [
    ("SELECT count(*) FROM lj FOR UPDATE", "FOR UPDATE is not allowed with aggregate functions"),
    ("SELECT DISTINCT v FROM lj LIMIT 1 FOR NO KEY UPDATE", "FOR NO KEY UPDATE is not allowed with DISTINCT clause"),
    ("SELECT v FROM lj GROUP BY v LIMIT 1 FOR KEY SHARE", "FOR KEY SHARE is not allowed with GROUP BY clause"),
    ("SELECT 1 FROM lj HAVING true FOR UPDATE", "FOR UPDATE is not allowed with HAVING clause"),
    ("SELECT sum(v) OVER () FROM lj FOR SHARE", "FOR SHARE is not allowed with window functions"),
    ("SELECT generate_series(1, 2) FROM lj FOR UPDATE",
     "FOR UPDATE is not allowed with set-returning functions in the target list"),
    ("SELECT id FROM lj UNION SELECT 1 FOR UPDATE", "FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT"),
    ("SELECT id FROM lj EXCEPT (SELECT 1 FOR SHARE)", "FOR SHARE is not allowed with UNION/INTERSECT/EXCEPT"),
    ("SELECT DISTINCT v FROM lj GROUP BY v HAVING true FOR UPDATE", "FOR UPDATE is not allowed with DISTINCT clause"),
]


@pytest.mark.parametrize("statement,message", REFUSED, ids=[r[0] for r in REFUSED])
def test_locking_clause_refused_as_postgresql(sql, statement, message):
    sql.setup(SETUP)
    sql.error(statement, "0A000", message)


def test_locking_clause_allowed_below_an_aggregate_and_over_a_function(sql):
    sql.setup(SETUP)
    sql.check("SELECT count(*) FROM (SELECT * FROM lj FOR UPDATE) s", [("5",)])
    sql.check("SELECT * FROM generate_series(1, 2) FOR UPDATE", [("1",), ("2",)])
    sql.check("SELECT v FROM lj WHERE id = 2 FOR KEY SHARE", [("2",)])
