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
