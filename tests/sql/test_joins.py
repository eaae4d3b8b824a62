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


def setup_using(sql):
    sql.setup("""
        CREATE TABLE t1 (v1 int, v2 int);
        CREATE TABLE t2 (v1 int, v3 int);
        CREATE TABLE t3 (v2 int, v4 bigint);
        INSERT INTO t1 VALUES (1, 2), (5, 6);
        INSERT INTO t2 VALUES (1, 3), (7, 8);
        INSERT INTO t3 VALUES (2, 9);
    """)


def test_using_columns_come_first_in_star(sql):
    setup_using(sql)
    sql.check("SELECT * FROM t1 JOIN t2 USING (v1) JOIN t3 USING (v2)", [("2", "1", "3", "9")],
              columns=["v2", "v1", "v3", "v4"])
    sql.check("SELECT * FROM t1 NATURAL JOIN t2", [("1", "2", "3")], columns=["v1", "v2", "v3"])
    sql.check("SELECT t1.*, t2.* FROM t1 JOIN t2 USING (v1)", [("1", "2", "1", "3")])


def test_using_column_of_outer_joins_takes_the_present_side(sql):
    setup_using(sql)
    sql.check("SELECT * FROM t1 RIGHT JOIN t2 USING (v1)", [("1", "2", "3"), ("7", None, "8")])
    sql.check("SELECT v1, t1.v1, t2.v1 FROM t1 FULL JOIN t2 USING (v1)",
              [("1", "1", "1"), ("5", "5", None), ("7", None, "7")])
    sql.check("SELECT * FROM t1 LEFT JOIN t3 USING (v2) WHERE v4 IS NULL", [("6", "5", None)])


def test_lateral_function_in_from_sees_earlier_items(sql):
    sql.setup("""
        CREATE TABLE ta (arr int[]);
        INSERT INTO ta VALUES (ARRAY[1, 2]), (ARRAY[3]);
    """)
    sql.check("SELECT * FROM ta CROSS JOIN unnest(ta.arr) WITH ORDINALITY AS x (elts, num)",
              [("{1,2}", "1", "1"), ("{1,2}", "2", "2"), ("{3}", "3", "1")], columns=["arr", "elts", "num"])
    sql.check("SELECT * FROM ta, generate_series(1, array_length(ta.arr, 1)) AS g",
              [("{1,2}", "1"), ("{1,2}", "2"), ("{3}", "1")], columns=["arr", "g"])
    sql.check("SELECT * FROM unnest(ARRAY['c', 'a']) WITH ORDINALITY", [("c", "1"), ("a", "2")],
              columns=["unnest", "ordinality"])
