"""INSERT / UPDATE forms: column-count rules, multi-column assignment from a subquery, RETURNING,
array element assignment, errors naming columns and range variables, COPY of a write."""

import psycopg
import pytest


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


def test_data_modifying_with_queries(sql):
    sql.setup("CREATE TABLE w1 (id int PRIMARY KEY, v int);\nCREATE TABLE w2 (id int, v int)")
    sql.check("WITH ins AS (INSERT INTO w1 VALUES (1, 10), (2, 20) RETURNING id, v) "
              "SELECT * FROM ins", [("1", "10"), ("2", "20")])
    sql.setup("WITH ins AS (INSERT INTO w1 VALUES (3, 30) RETURNING id, v) INSERT INTO w2 SELECT * FROM ins")
    sql.check("SELECT * FROM w2", [("3", "30")])
    sql.check("WITH d AS (DELETE FROM w1 WHERE v = 10 RETURNING *) SELECT count(*) FROM d", [("1",)])
    sql.check("WITH u AS (UPDATE w1 SET v = v + 1 RETURNING id, v) SELECT * FROM u", [("2", "21"), ("3", "31")])
    sql.check("WITH a (x, y) AS (DELETE FROM w2 RETURNING *) SELECT y, x FROM a", [("30", "3")])
    # runs to completion even when nothing reads it, or LIMIT stops reading
    sql.check("WITH d AS (DELETE FROM w1 WHERE id = 2) SELECT 1", [("1",)])
    sql.check("WITH a AS (INSERT INTO w1 VALUES (4, 40), (5, 50) RETURNING v) SELECT * FROM a LIMIT 1", [("40",)])
    sql.check("SELECT id FROM w1", [("3",), ("4",), ("5",)])
    sql.check("WITH a AS (INSERT INTO w1 VALUES (6, 60) RETURNING id), b AS (INSERT INTO w2 SELECT id, 1 FROM a "
              "RETURNING *) SELECT * FROM b", [("6", "1")])


def test_with_on_insert_update_delete(sql):
    sql.setup("CREATE TABLE w2 (id int, v int);\nINSERT INTO w2 VALUES (1, 1), (2, 2)")
    sql.setup("WITH x AS (SELECT 3, 4) INSERT INTO w2 SELECT * FROM x")
    sql.setup("WITH x AS (SELECT 1 AS id) UPDATE w2 SET v = 5 WHERE id IN (SELECT id FROM x)")
    sql.setup("WITH x AS (SELECT 2 AS id) DELETE FROM w2 WHERE id IN (SELECT id FROM x)")
    sql.check("SELECT * FROM w2", [("1", "5"), ("3", "4")])


def test_data_modifying_with_errors(sql):
    sql.setup("CREATE TABLE w1 (id int, v int)")
    sql.error("WITH d AS (DELETE FROM w1) SELECT * FROM d", "0A000", 'WITH query "d" does not have a RETURNING clause')
    sql.error("SELECT * FROM (WITH d AS (DELETE FROM w1 RETURNING *) SELECT * FROM d) s", "0A000",
              "WITH clause containing a data-modifying statement must be at the top level")


def test_returning_system_columns_and_upsert_row_order(sql):
    """RETURNING (xmax <> 0) tells an upsert's updated rows from its inserted ones (a common
    idiom), tableoid names the table, and the rows come back in the order they were proposed."""
    sql.setup("CREATE TABLE rsc (id int PRIMARY KEY, v int);\nINSERT INTO rsc VALUES (2, 2)")
    sql.check("INSERT INTO rsc VALUES (1, 1), (2, 20), (3, 3) ON CONFLICT (id) DO UPDATE SET v = excluded.v "
              "RETURNING id, v, xmax <> 0 AS updated, xmin = txid_current()::text::xid AS mine, "
              "tableoid::regclass", [("1", "1", "f", "t", "rsc"), ("2", "20", "t", "t", "rsc"),
                                     ("3", "3", "f", "t", "rsc")], ordered=True)
    sql.check("INSERT INTO rsc VALUES (5, 5), (2, 0), (4, 4) ON CONFLICT (id) DO UPDATE SET v = 7 "
              "WHERE rsc.v > 100 RETURNING id", [("5",), ("4",)], ordered=True)
    sql.check("UPDATE rsc SET v = v + 1 WHERE id = 1 RETURNING xmax", [("0",)])
    sql.check("DELETE FROM rsc WHERE id = 1 RETURNING xmax = txid_current()::text::xid", [("t",)])


def test_a_value_of_the_wrong_type_names_its_column(sql):
    sql.setup("CREATE TABLE wt (id int, a int[], n numeric)")
    sql.error("INSERT INTO wt (id, a) VALUES (2, 'x'::text)", "42804",
              'column "a" is of type integer[] but expression is of type text')
    sql.error("INSERT INTO wt (id, a) VALUES (2, 5)", "42804",
              'column "a" is of type integer[] but expression is of type integer')
    sql.error("INSERT INTO wt (a) SELECT now()", "42804",
              'column "a" is of type integer[] but expression is of type timestamp with time zone')
    sql.error("UPDATE wt SET n = true", "42804", 'column "n" is of type numeric but expression is of type boolean')


def test_update_of_array_elements(sql):
    sql.setup("""
        CREATE TABLE ae (id int PRIMARY KEY, a int[], m text[], n int);
        INSERT INTO ae VALUES (1, '{1,2,3}', '{x}', 0), (2, NULL, NULL, 0), (3, '{}', NULL, 0)
    """)
    sql.setup("UPDATE ae SET a[2] = 5 WHERE id = 1")
    sql.setup("UPDATE ae SET a[5] = 9, m[1] = 'y' WHERE id = 1")
    sql.setup("UPDATE ae SET a[1] = 7, a[2] = '8' WHERE id = 1")
    sql.setup("UPDATE ae SET a[1] = n + 4 WHERE id IN (2, 3)")
    sql.check("SELECT id, a, m FROM ae", [("1", "{7,8,3,NULL,9}", "{y}"), ("2", "{4}", None), ("3", "{4}", None)])
    sql.error("UPDATE ae SET a = '{1}', a[1] = 2", "42601", 'multiple assignments to same column "a"')
    sql.error("UPDATE ae SET a[NULL] = 1", "22004", "array subscript in assignment must not be null")
    sql.error("UPDATE ae SET n[1] = 1", "42804", "cannot subscript type integer because it does not support subscripting")
    sql.error("UPDATE ae SET a[1] = 'x'", "22P02", 'invalid input syntax for type integer: "x"')


def test_references_to_a_table_not_in_from(sql):
    sql.setup("CREATE TABLE rf (id int, v int)")
    sql.error("SELECT rf.id FROM rf AS x", "42P01", 'invalid reference to FROM-clause entry for table "rf"')
    sql.error("SELECT zz.id FROM rf", "42P01", 'missing FROM-clause entry for table "zz"')
    sql.error("SELECT rf.zz FROM rf", "42703", "column rf.zz does not exist")
    sql.error("UPDATE rf r SET r.v = 1", "42703", 'column "r" of relation "rf" does not exist')


def test_copy_of_a_write_needs_returning(quantadb_server):
    """COPY (DELETE ...) TO without RETURNING is refused, and deletes nothing (PostgreSQL checks first)."""
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS copy_ret; CREATE TABLE copy_ret (id int); INSERT INTO copy_ret VALUES (1), (2)")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="COPY query must have a RETURNING clause"):
            with conn.cursor().copy("COPY (DELETE FROM copy_ret WHERE id = 1) TO STDOUT") as copy:
                list(copy)
        with conn.cursor().copy("COPY (DELETE FROM copy_ret WHERE id = 1 RETURNING id) TO STDOUT") as copy:
            assert [bytes(row) for row in copy] == [b"1\n"]
        assert conn.execute("SELECT * FROM copy_ret").fetchall() == [(2,)]


def test_returning_reads_the_from_and_using_items(sql):
    sql.setup("CREATE TABLE ua (id int, v int);\nCREATE TABLE ub (id int, w text);\n"
              "INSERT INTO ua VALUES (1, 10), (2, 20);\nINSERT INTO ub VALUES (1, 'x')")
    sql.check("UPDATE ua SET v = v + 1 FROM ub WHERE ua.id = ub.id RETURNING *", [("1", "11", "1", "x")],
              columns=["id", "v", "id", "w"])
    sql.check("UPDATE ua SET v = 0 FROM ub AS u2 WHERE ua.id = 2 RETURNING u2.w, ua.v, u2.id + ua.id",
              [("x", "0", "3")])
    sql.check("UPDATE ua SET v = 5 FROM ub WHERE false RETURNING ub.w", [])
    sql.check("DELETE FROM ua USING ub WHERE ua.id = ub.id RETURNING ub.*, ua.v", [("1", "x", "11")])
    sql.check("SELECT id, v FROM ua", [("2", "0")])
