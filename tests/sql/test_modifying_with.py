"""Data-modifying WITH queries share the statement's snapshot, as in PostgreSQL: no part of the
statement sees what another part wrote (only RETURNING passes rows on), a row changed twice in one
statement takes one change, and each WITH query runs once and to completion, when first read or
after the rest of the statement. A subquery in RETURNING reads the same snapshot."""


def _table(sql):
    sql.setup("CREATE TABLE t (id int PRIMARY KEY, v int);\nINSERT INTO t VALUES (1, 0), (2, 0), (3, 0)")


def test_the_main_query_does_not_see_the_with_querys_writes(sql):
    _table(sql)
    sql.check("WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT count(*) FROM t", [("3",)])
    sql.check("SELECT count(*) FROM t", [("2",)])
    sql.check("WITH u AS (UPDATE t SET v = 1 WHERE id = 2 RETURNING *) SELECT * FROM t", [("2", "0"), ("3", "0")])
    sql.check("WITH i AS (INSERT INTO t VALUES (4, 0) RETURNING *) "
              "SELECT (SELECT count(*) FROM t WHERE id = 4), (SELECT count(*) FROM i)", [("0", "1")])
    sql.check("WITH i AS (INSERT INTO t VALUES (5, 0) RETURNING *) DELETE FROM t WHERE id = 5 RETURNING *", [])
    sql.check("SELECT id, v FROM t", [("2", "1"), ("3", "0"), ("4", "0"), ("5", "0")])
    # nor do WITH queries see each other's writes
    sql.check("WITH a AS (INSERT INTO t VALUES (6, 0) RETURNING *), b AS (SELECT count(*) FROM t) "
              "SELECT * FROM b, (SELECT count(*) FROM a) x", [("4", "1")])
    # the main INSERT still meets the key a WITH query inserted
    sql.error("WITH i AS (INSERT INTO t VALUES (7, 0) RETURNING *) INSERT INTO t VALUES (7, 1)", "23505")


def test_in_a_transaction_block_earlier_statements_stay_visible(sql):
    _table(sql)
    sql.check("BEGIN; UPDATE t SET v = 10 WHERE id = 1; "
              "WITH u AS (UPDATE t SET v = v + 1 RETURNING *) SELECT sum(v) FROM t", [("10",)])


def test_a_row_changed_twice_takes_one_change(sql):
    _table(sql)
    # the main UPDATE reads the WITH query: that runs first, and the main one leaves its row alone
    sql.check("WITH u AS (UPDATE t SET v = 30 WHERE id = 3 RETURNING *) "
              "UPDATE t SET v = 40 FROM u WHERE t.id = u.id RETURNING t.*", [])
    sql.check("SELECT v FROM t WHERE id = 3", [("30",)])
    # nothing reads it: it runs after the main statement, and finds the row changed
    sql.check("WITH u AS (UPDATE t SET v = 10 WHERE id = 3 RETURNING *) UPDATE t SET v = 20 WHERE id = 3 "
              "RETURNING *", [("3", "20")])
    sql.check("SELECT v FROM t WHERE id = 3", [("20",)])
    sql.check("WITH d AS (DELETE FROM t WHERE id = 2 RETURNING *) UPDATE t SET v = 99 WHERE id = 2 RETURNING *",
              [("2", "99")])
    sql.check("SELECT v FROM t WHERE id = 2", [("99",)])
    # unread WITH queries run after the statement, the last first
    sql.check("WITH a AS (UPDATE t SET v = 50 WHERE id = 3 RETURNING *), "
              "b AS (UPDATE t SET v = 60 WHERE id = 3 RETURNING *) SELECT 1", [("1",)])
    sql.check("SELECT v FROM t WHERE id = 3", [("60",)])
    # both read: the one read first changes the row, the other returns nothing
    sql.check("WITH a AS (UPDATE t SET v = 70 WHERE id = 3 RETURNING *), "
              "b AS (UPDATE t SET v = 80 WHERE id = 3 RETURNING *) SELECT * FROM a, b", [])
    sql.check("WITH a AS (DELETE FROM t WHERE id = 1 RETURNING *), "
              "b AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT (SELECT count(*) FROM a), "
              "(SELECT count(*) FROM b)", [("1", "0")])


def test_with_queries_run_to_completion(sql):
    _table(sql)
    sql.check("WITH i AS (INSERT INTO t SELECT g, 0 FROM generate_series(10, 19) g RETURNING *) "
              "SELECT id FROM i LIMIT 1", [("10",)])
    sql.check("WITH i AS (INSERT INTO t SELECT g, 0 FROM generate_series(20, 29) g RETURNING *) SELECT 1", [("1",)])
    sql.check("SELECT count(*) FROM t", [("23",)])


def test_no_cursor_over_a_data_modifying_with_query(sql):
    _table(sql)
    sql.error("BEGIN; DECLARE c CURSOR FOR WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "0A000",
              "DECLARE CURSOR must not contain data-modifying statements in WITH")


def test_foreign_keys_are_checked_at_the_end_of_the_statement(sql):
    """As PostgreSQL's RI triggers: after every part ran, whichever order they ran in."""
    sql.setup("CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (id int REFERENCES p)")
    sql.setup("WITH n AS (INSERT INTO p VALUES (1) RETURNING id) INSERT INTO c VALUES (1)")
    sql.setup("WITH n AS (INSERT INTO p VALUES (2) RETURNING id) INSERT INTO c SELECT id FROM n")
    sql.setup("WITH u AS (UPDATE p SET id = 20 WHERE id = 2 RETURNING id) UPDATE c SET id = 20 WHERE id = 2")
    sql.check("SELECT id FROM c", [("1",), ("20",)])
    sql.setup("WITH d AS (DELETE FROM c WHERE id = 1 RETURNING id) DELETE FROM p WHERE id = 1")
    sql.setup("WITH d AS (DELETE FROM p WHERE id = 20 RETURNING id) DELETE FROM c WHERE id IN (SELECT id FROM d)")
    sql.check("SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM c)", [("0", "0")])
    sql.setup("INSERT INTO p VALUES (3);\nINSERT INTO c VALUES (3)")
    sql.error("WITH d AS (DELETE FROM p WHERE id = 3 RETURNING id) SELECT 1", "23503")
    sql.error("WITH n AS (INSERT INTO p VALUES (7) RETURNING id) INSERT INTO c VALUES (8)", "23503")


def test_a_sql_function_with_a_data_modifying_with_query(sql):
    _table(sql)
    sql.setup("CREATE FUNCTION ins(x int) RETURNS bigint LANGUAGE sql AS "
              "$$ WITH i AS (INSERT INTO t VALUES (x, 0) RETURNING id) SELECT count(*) FROM t $$")
    sql.check("SELECT ins(4)", [("3",)])
    sql.check("WITH i AS (INSERT INTO t VALUES (5, 0) RETURNING id) SELECT ins(6), (SELECT count(*) FROM t)",
              [("4", "4")])  # the unread WITH query runs last
    sql.check("SELECT count(*) FROM t", [("6",)])
    # its next statement sees what the first wrote
    sql.setup("CREATE FUNCTION ins2(x int) RETURNS bigint LANGUAGE sql AS "
              "$$ WITH i AS (INSERT INTO t VALUES (x, 0) RETURNING id) SELECT 1; SELECT count(*) FROM t $$")
    sql.check("SELECT ins2(7)", [("7",)])


def test_a_subquery_in_returning_reads_the_table_as_before_the_statement(sql):
    sql.setup("CREATE TABLE rr (a int);\nINSERT INTO rr VALUES (1)")
    sql.check("INSERT INTO rr VALUES (40) RETURNING (SELECT max(a) FROM rr)", [("1",)])
    sql.check("UPDATE rr SET a = a + 1 RETURNING a, (SELECT sum(a) FROM rr)", [("2", "41"), ("41", "41")])
    sql.check("DELETE FROM rr WHERE a = 41 RETURNING (SELECT count(*) FROM rr)", [("2",)])
    sql.check("SELECT a FROM rr", [("2",)])
