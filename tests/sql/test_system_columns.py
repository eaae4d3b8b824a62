"""System columns of stored rows (sql/scope.py's RowSystemColumn, engine/system.py's row_xmin &
co.) and the tid type: xmin and xmax name the transactions that wrote and deleted a row version,
ctid its place, as PostgreSQL's. Each case runs on QuantaDB and on PostgreSQL 15."""

from __future__ import annotations


def test_ctid_numbers_a_small_tables_row_versions_from_0_1(sql):
    sql.setup("CREATE TABLE t (a int PRIMARY KEY, b text);\nINSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'x')")
    sql.check("SELECT ctid, a FROM t ORDER BY a", [("(0,1)", "1"), ("(0,2)", "2"), ("(0,3)", "3")], ordered=True)
    # an UPDATE writes a new version, in a new place
    sql.check("UPDATE t SET b = 'z' WHERE a = 2 RETURNING a", [("2",)])
    sql.check("SELECT ctid FROM t WHERE a = 2", [("(0,4)",)])
    sql.check("SELECT max(ctid), min(ctid), count(*) FILTER (WHERE ctid > '(0,1)') FROM t", [("(0,4)", "(0,1)", "2")])


def test_ctid_tells_duplicate_rows_apart(sql):
    sql.setup("CREATE TABLE d (v text);\nINSERT INTO d VALUES ('a'), ('b'), ('a'), ('a'), ('b'), ('c')")
    sql.check("DELETE FROM d x USING d y WHERE x.v = y.v AND x.ctid < y.ctid RETURNING x.v",
              [("a",), ("a",), ("b",)])
    sql.check("SELECT v, ctid FROM d ORDER BY v", [("a", "(0,4)"), ("b", "(0,5)"), ("c", "(0,6)")], ordered=True)
    sql.check("SELECT v FROM d WHERE ctid = (SELECT min(ctid) FROM d)", [("a",)])
    sql.check("SELECT v FROM d x WHERE ctid > (SELECT min(ctid) FROM d y WHERE y.v <= x.v)", [("b",), ("c",)])


def test_xmin_is_the_writing_transaction_and_xmax_zero_while_the_row_lives(sql):
    sql.setup("CREATE TABLE t (a int PRIMARY KEY, b text)")
    sql.check("BEGIN; INSERT INTO t VALUES (1, 'x'), (2, 'y') ON CONFLICT DO NOTHING; "
              "SELECT a, xmin::text = txid_current()::text, xmax FROM t", [("1", "t", "0"), ("2", "t", "0")])
    sql.check("UPDATE t SET b = 'z' WHERE a = 1 AND xmin::text = txid_current()::text RETURNING a", [("1",)])
    sql.check("COMMIT; SELECT count(DISTINCT xmin::text), bool_and(xmin::text <> txid_current()::text) FROM t",
              [("1", "t")])


def test_an_update_guarded_by_xmin_misses_a_row_changed_since(sql):
    """Optimistic concurrency (an ORM's row version): read xmin, update only that version."""
    sql.setup("CREATE TABLE acct (id int PRIMARY KEY, balance int);\nINSERT INTO acct VALUES (1, 100)")
    sql.setup("CREATE TABLE seen AS SELECT xmin::text AS version FROM acct WHERE id = 1")
    sql.check("UPDATE acct SET balance = 90 WHERE id = 1 AND xmin::text = (SELECT version FROM seen) RETURNING balance",
              [("90",)])
    sql.check("UPDATE acct SET balance = 80 WHERE id = 1 AND xmin::text = (SELECT version FROM seen) RETURNING balance",
              [])
    sql.check("SELECT balance FROM acct", [("90",)])


def test_system_columns_through_joins_views_and_subqueries(sql):
    sql.setup("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1), (2);\n"
              "CREATE VIEW v AS SELECT a, ctid AS place, xmin AS version FROM t")
    sql.check("SELECT a, place, version = version FROM v", [("1", "(0,1)", "t"), ("2", "(0,2)", "t")])
    sql.check("SELECT x.a, y.ctid FROM t x JOIN t y ON x.ctid = y.ctid", [("1", "(0,1)"), ("2", "(0,2)")])
    sql.check("SELECT a, (SELECT count(*) FROM t y WHERE y.ctid <= t.ctid) FROM t", [("1", "1"), ("2", "2")])
    sql.check("WITH c AS (SELECT ctid, a FROM t) SELECT * FROM c", [("(0,1)", "1"), ("(0,2)", "2")])
    sql.setup("CREATE FUNCTION place_of(k int) RETURNS tid LANGUAGE plpgsql AS $$\n"
              "DECLARE r tid; BEGIN SELECT ctid INTO r FROM t WHERE a = k; RETURN r; END $$")
    sql.check("SELECT place_of(2)", [("(0,2)",)])
    sql.check("SELECT t.xmin = t.xmin, pg_typeof(xmin), pg_typeof(xmax), pg_typeof(ctid) FROM t WHERE a = 1",
              [("t", "xid", "xid", "tid")])
    # not part of a row's columns
    sql.check("SELECT * FROM t WHERE a = 1", [("1",)], columns=["a"])
    sql.check("SELECT t FROM t WHERE a = 1", [("(1)",)], same_types=False)
    sql.error("SELECT xmin FROM t x, t y", "42702", 'column reference "xmin" is ambiguous')
    sql.error("SELECT xmin FROM t x JOIN t y ON true", "42703", 'column "xmin" does not exist')  # (a JOIN's own columns)
    sql.error("SELECT ctid FROM (SELECT * FROM t) s", "42703", 'column "ctid" does not exist')
    sql.error("SELECT xmin FROM generate_series(1, 2) g", "42703", 'column "xmin" does not exist')


def test_tid_input_output_and_comparison(sql):
    # tidin reads each number as C's strtol does: spaces before it, not after
    sql.check("SELECT '(1,2)'::tid, ' ( 4294967295, 65535)'::tid, '(-1,0)'::tid, '(,2)'::tid, '(+1,-0) x'::tid",
              [("(1,2)", "(4294967295,65535)", "(4294967295,0)", "(0,2)", "(1,0)")])
    sql.check("SELECT '(0,2)'::tid < '(1,1)', '(1,1)'::tid = '(1,1)', '(1,2)'::tid >= '(1,3)', "
              "'(2,1)'::tid <> '(2,1)'", [("t", "t", "f", "f")])
    sql.error("SELECT '(1)'::tid", "22P02", 'invalid input syntax for type tid: "(1)"')
    sql.error("SELECT '(1,65536)'::tid", "22P02", 'invalid input syntax for type tid: "(1,65536)"')
    sql.error("SELECT '(1,2'::tid", "22P02", 'invalid input syntax for type tid: "(1,2"')
    sql.error("SELECT '(1 ,2)'::tid", "22P02", 'invalid input syntax for type tid: "(1 ,2)"')
    sql.error("SELECT '(-2147483649,1)'::tid", "22P02", 'invalid input syntax for type tid: "(-2147483649,1)"')
