"""Joins: parenthesised join trees in FROM, with and without an alias."""


def setup_ab(sql):
    sql.setup("""
        CREATE TABLE a (x int, y int);
        CREATE TABLE b (x int, z int);
        INSERT INTO a VALUES (1, 10), (2, 20);
        INSERT INTO b VALUES (1, 100), (3, 300);
    """)


def test_parenthesised_cross_join(sql):
    setup_ab(sql)
    sql.check("SELECT * FROM (a CROSS JOIN b AS bb) WHERE a.x > 1",
              [("2", "20", "1", "100"), ("2", "20", "3", "300")], columns=["x", "y", "x", "z"])
    sql.check("SELECT count(*) FROM (a AS a1 CROSS JOIN a AS a2)", [("4",)])


def test_parenthesised_join_joined_again(sql):
    setup_ab(sql)
    sql.check("SELECT a.y, b.z, a2.y FROM (a LEFT JOIN b ON a.x = b.x) LEFT JOIN a AS a2 ON a2.x = b.x",
              [("10", "100", "10"), ("20", None, None)])


def test_aliased_join_exposes_merged_columns(sql):
    setup_ab(sql)
    sql.check("SELECT * FROM (a JOIN b USING (x)) AS j", [("1", "10", "100")], columns=["x", "y", "z"])
    sql.check("SELECT j.* FROM (a JOIN b USING (x)) AS j (p, q, r)", [("1", "10", "100")], columns=["p", "q", "r"])
