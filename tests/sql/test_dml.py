"""INSERT / UPDATE forms: column-count rules, multi-column assignment from a subquery."""


def test_insert_column_list_must_be_filled(sql):
    sql.setup("CREATE TABLE t (v1 int, v2 int, v3 text)")
    sql.error("INSERT INTO t (v1, v2) VALUES (1)", "42601", "INSERT has more target columns than expressions")
    sql.error("INSERT INTO t (v1, v2) SELECT 1", "42601", "INSERT has more target columns than expressions")
    sql.error("INSERT INTO t (v1) VALUES (1, 2)", "42601", "INSERT has more expressions than target columns")
    sql.setup("INSERT INTO t VALUES (1)")
    sql.check("SELECT * FROM t", [("1", None, None)])


def test_update_set_row_from_subquery(sql):
    sql.setup("""
        CREATE TABLE t (v1 int, v2 int, v3 text);
        INSERT INTO t (v1, v2) VALUES (2, 3), (4, 5);
        UPDATE t SET (v1, v2) = (SELECT 666, 888) WHERE v1 = 2;
        UPDATE t SET (v1, v3) = (SELECT t.v2 * 10, 'x') WHERE v1 = 4;
    """)
    sql.check("SELECT * FROM t", [("666", "888", None), ("50", "5", "x")])
    sql.error("UPDATE t SET (v1, v2) = (SELECT 1)", "42601", "number of columns does not match number of values")
    sql.error("UPDATE t SET (v1, v2) = (SELECT 1, 2 UNION ALL SELECT 3, 4)", "21000")
