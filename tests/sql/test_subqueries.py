"""Subqueries: correlated references resolve to the enclosing query's current row."""


def setup_t(sql):
    sql.setup("""
        CREATE TABLE t (a int, b int, c int);
        INSERT INTO t VALUES (1, 2, 3), (4, 5, 6), (NULL, 5, 1);
    """)


def test_correlated_scalar_subquery_over_aliased_self(sql):
    setup_t(sql)
    sql.check("SELECT a, (SELECT count(*) FROM t AS x WHERE x.b < t.b) FROM t",
              [("1", "0"), ("4", "1"), (None, "1")], columns=["a", "count"])


def test_correlated_exists_and_in(sql):
    setup_t(sql)
    sql.check("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM t x WHERE x.b < t.b)", [("4",), (None,)])
    sql.check("SELECT a FROM t WHERE a IN (SELECT x.a FROM t x WHERE x.b = t.b)", [("1",), ("4",)])


def test_correlated_reference_without_from(sql):
    setup_t(sql)
    sql.check("SELECT (SELECT t.c + 1) AS d FROM t", [("4",), ("7",), ("2",)], columns=["d"])


def test_reference_two_levels_out(sql):
    setup_t(sql)
    sql.check("SELECT c, (SELECT (SELECT t.c * 10) FROM t AS y WHERE y.a = 1) FROM t",
              [("3", "30"), ("6", "60"), ("1", "10")])


def test_correlated_subquery_over_grouped_columns(sql):
    sql.setup("""
        CREATE TABLE a (id int, g int, v int);
        CREATE TABLE b (id int, w text);
        INSERT INTO a VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30), (4, NULL, 40);
        INSERT INTO b VALUES (1, 'x'), (1, 'y'), (3, 'z'), (NULL, 'n');
    """)
    sql.check("SELECT g, sum(v), (SELECT count(*) FROM b WHERE b.id = a.g) FROM a GROUP BY g",
              [("1", "30", "2"), ("2", "30", "0"), (None, "40", "0")])
    sql.check("SELECT g, (SELECT (SELECT count(*) FROM b WHERE b.id = a.g)) AS c FROM a GROUP BY g ORDER BY c, g",
              [("2", "0"), (None, "0"), ("1", "2")], ordered=True)
    sql.check("SELECT g FROM a GROUP BY g HAVING (SELECT count(*) FROM b WHERE b.id = a.g) > 0", [("1",)])
    sql.error("SELECT g, (SELECT count(*) FROM b WHERE b.id = a.id) FROM a GROUP BY g", "42803",
              'subquery uses ungrouped column "a.id" from outer query')
