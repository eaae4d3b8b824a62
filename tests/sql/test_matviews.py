"""Materialized views as in PostgreSQL 15: rows kept at CREATE and REFRESH, WITH NO DATA leaves
them unpopulated (55000 on read), indexes on them, read-only to DML, their catalog rows."""


def test_create_refresh_and_read(sql):
    sql.setup("""
        CREATE TABLE t (a int, b text);
        INSERT INTO t VALUES (1, 'x'), (2, 'y');
        CREATE MATERIALIZED VIEW mv AS SELECT a, upper(b) AS u FROM t WHERE a > 0;
        CREATE MATERIALIZED VIEW mv_empty (x) AS SELECT a FROM t WITH NO DATA;
        INSERT INTO t VALUES (3, 'z');
    """)
    sql.check("SELECT a, u FROM mv", [("1", "X"), ("2", "Y")])
    sql.error("SELECT * FROM mv_empty", "55000", 'materialized view "mv_empty" has not been populated')
    sql.check("SELECT matviewname, ispopulated FROM pg_matviews", [("mv", "t"), ("mv_empty", "f")])
    sql.check("SELECT relname, relkind, relispopulated FROM pg_class WHERE relname LIKE 'mv%'",
              [("mv", "m", "t"), ("mv_empty", "m", "f")])
    sql.setup("REFRESH MATERIALIZED VIEW mv; REFRESH MATERIALIZED VIEW mv_empty")
    sql.check("SELECT a, u FROM mv", [("1", "X"), ("2", "Y"), ("3", "Z")])
    sql.check("SELECT x FROM mv_empty", [("1",), ("2",), ("3",)])
    sql.setup("REFRESH MATERIALIZED VIEW mv WITH NO DATA")
    sql.error("SELECT * FROM mv", "55000")
    sql.error("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", "0A000")


def test_indexes_dml_and_drop(sql):
    sql.setup("""
        CREATE TABLE t (a int);
        INSERT INTO t SELECT generate_series(1, 10);
        CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;
        CREATE INDEX mv_a ON mv (a);
    """)
    sql.check("SELECT a FROM mv WHERE a = 7", [("7",)])
    sql.check("SELECT indexname FROM pg_indexes WHERE tablename = 'mv'", [("mv_a",)])
    sql.error("INSERT INTO mv VALUES (1)", "42809", 'cannot change materialized view "mv"')
    sql.error("COPY mv TO STDOUT", "42809", 'cannot copy from materialized view "mv"')
    sql.error("DROP VIEW mv", "42809", '"mv" is not a view')
    sql.error("REFRESH MATERIALIZED VIEW t", "0A000", '"t" is not a materialized view')
    sql.setup("DROP MATERIALIZED VIEW mv")
    sql.check("SELECT count(*) FROM pg_class WHERE relname IN ('mv', 'mv_a')", [("0",)])


def test_more_column_names_than_columns(sql):
    sql.error("CREATE VIEW v (a, b) AS SELECT 1", "42601", "CREATE VIEW specifies more column names than columns")
    sql.error("CREATE TABLE t2 (a, b) AS SELECT 1", "42601", "too many column names were specified")
    sql.error("CREATE MATERIALIZED VIEW m (a, b) AS SELECT 1", "42601", "too many column names were specified")


def test_a_view_over_a_with_query_read_once(sql):
    """The WITH query is planned where it is read (inlined); the view's stored query is the one
    bound at its definition."""
    sql.setup("CREATE MATERIALIZED VIEW mv_cte AS WITH cte(v1, v2) AS (VALUES ('a1', ARRAY[1, 2]), "
              "('a2', ARRAY[3, 4]), ('b', ARRAY[5, 6])) SELECT v1, 1 = ANY(v2) AS any FROM cte WHERE v1 LIKE 'a%';\n"
              "CREATE TABLE mv_t (a int, b int);\n"
              "INSERT INTO mv_t VALUES (1, 2);\n"
              "CREATE VIEW mv_v AS WITH c AS (SELECT * FROM mv_t) SELECT * FROM c;\n"
              "ALTER TABLE mv_t RENAME COLUMN a TO aa")
    sql.check("SELECT * FROM mv_cte", [("a1", "t"), ("a2", "f")])
    sql.check("SELECT * FROM mv_v", [("1", "2")])
