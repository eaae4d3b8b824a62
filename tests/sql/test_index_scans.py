"""Index scans the planner chooses for lists of keys (`IN (...)`, `= ANY(array)`) and for
`ORDER BY col LIMIT n` (a btree read in key order, forwards or backwards, stopping early): the
same rows as PostgreSQL 15 gives, through updates, deletes, uncommitted writes, NULLs and
duplicates. That the index is used shows in pg_stat_user_indexes (tests/engine/test_cumulative_stats.py)."""


def _table(sql) -> None:
    sql.setup("""
        CREATE TABLE ix (id int PRIMARY KEY, g int NOT NULL, v text, n int);
        CREATE INDEX ix_g ON ix (g);
        CREATE INDEX ix_n ON ix (n);
        INSERT INTO ix SELECT i, i % 7, 'v' || i, CASE WHEN i % 5 = 0 THEN NULL ELSE i END
        FROM generate_series(1, 3000) i;
        UPDATE ix SET v = 'updated' WHERE id IN (2, 2999);
        DELETE FROM ix WHERE id IN (3, 2998)
    """)


def test_lists_of_keys(sql):
    _table(sql)
    sql.check("SELECT id, v FROM ix WHERE id IN (1, 2, 3, 2, NULL, 5000)", [("1", "v1"), ("2", "updated")])
    sql.check("SELECT id FROM ix WHERE id = ANY(ARRAY[4, 4, 2999])", [("4",), ("2999",)])
    sql.check("SELECT id FROM ix WHERE id = ANY(ARRAY[[5, 6], [7, 8]])", [("5",), ("6",), ("7",), ("8",)])
    sql.check("SELECT count(*) FROM ix WHERE id = ANY(NULL::int[])", [("0",)])
    sql.check("SELECT count(*) FROM ix WHERE id = ANY('{}'::int[])", [("0",)])
    sql.check("SELECT id FROM ix WHERE id IN (10::int8, 5000000000, 11::int2)", [("10",), ("11",)])
    sql.check("SELECT id FROM ix WHERE id IN (20, 21, 22) AND v <> 'v21'", [("20",), ("22",)])
    sql.check("SELECT count(*) FROM ix WHERE g IN (1, 2)", [("857",)])
    sql.check("SELECT id FROM ix WHERE id NOT IN (1, 2) AND id < 5", [("4",)])
    sql.check("SELECT id FROM ix WHERE n = ANY(ARRAY[1, 5, NULL])", [("1",)])
    sql.check("SELECT id FROM ix WHERE id = 1 OR id = 4 OR id IN (6, 3) OR 7 = id", [("1",), ("4",), ("6",), ("7",)])
    sql.check("SELECT id FROM ix WHERE (id = 1 OR id = NULL) AND v = 'v1'", [("1",)])
    sql.check("SELECT count(*) FROM ix WHERE id = 1 OR g = 2", [("429",)])


def test_lists_of_keys_see_uncommitted_writes_and_lock(sql):
    _table(sql)
    sql.setup("BEGIN; DELETE FROM ix WHERE id = 1; UPDATE ix SET v = 'mine' WHERE id = 4")
    sql.check("SELECT id, v FROM ix WHERE id IN (1, 4)", [("4", "mine")])
    sql.check("SELECT id FROM ix WHERE id IN (4, 6) FOR UPDATE", [("4",), ("6",)])
    sql.setup("ROLLBACK")
    sql.check("SELECT id, v FROM ix WHERE id IN (1, 4)", [("1", "v1"), ("4", "v4")])


def test_order_by_an_indexed_column_with_limit(sql):
    _table(sql)
    sql.check("SELECT id, v FROM ix ORDER BY id LIMIT 3", [("1", "v1"), ("2", "updated"), ("4", "v4")], ordered=True)
    sql.check("SELECT id FROM ix ORDER BY id DESC LIMIT 3", [("3000",), ("2999",), ("2997",)], ordered=True)
    sql.check("SELECT id FROM ix ORDER BY id LIMIT 2 OFFSET 2", [("4",), ("5",)], ordered=True)
    sql.check("SELECT id FROM ix WHERE g = 3 ORDER BY id DESC LIMIT 2", [("2999",), ("2992",)], ordered=True)
    sql.check("SELECT id FROM ix WHERE id > 1500 ORDER BY id LIMIT 2", [("1501",), ("1502",)], ordered=True)
    sql.check("SELECT id FROM ix WHERE id < 1500 ORDER BY id DESC LIMIT 2", [("1499",), ("1498",)], ordered=True)
    sql.check("SELECT v FROM ix ORDER BY id LIMIT 2", [("v1",), ("updated",)], ordered=True)
    sql.check("SELECT id, g FROM ix ORDER BY id, g LIMIT 2", [("1", "1"), ("2", "2")], ordered=True)
    # a filter that keeps no row late in the order: the scan reads on to the end
    sql.check("SELECT id FROM ix WHERE v = 'v1' ORDER BY id DESC LIMIT 5", [("1",)], ordered=True)
    sql.check("SELECT id FROM ix WHERE v = 'none' ORDER BY id LIMIT 5", [])
    # a nullable column: NULLs sort last ascending, first descending (the index holds none)
    sql.check("SELECT n FROM ix ORDER BY n DESC LIMIT 2", [(None,), (None,)], ordered=True)
    sql.check("SELECT id FROM ix WHERE n IS NULL ORDER BY n, id LIMIT 2", [("5",), ("10",)], ordered=True)
    sql.check("SELECT n FROM ix WHERE id > 2990 ORDER BY n DESC NULLS LAST LIMIT 3", [("2999",), ("2997",),
                                                                                       ("2996",)], ordered=True)
    sql.check("SELECT n FROM ix WHERE id < 12 ORDER BY n LIMIT 3 OFFSET 7", [("11",), (None,), (None,)], ordered=True)
    sql.check("SELECT n FROM ix WHERE id > 2990 ORDER BY n NULLS FIRST LIMIT 3", [(None,), (None,), ("2991",)],
              ordered=True)
    sql.check("SELECT count(*) FROM (SELECT n FROM ix ORDER BY n DESC LIMIT 1000) s WHERE n IS NULL", [("600",)])


def test_order_by_with_limit_sees_uncommitted_writes(sql):
    _table(sql)
    sql.setup("BEGIN; DELETE FROM ix WHERE id = 1; INSERT INTO ix VALUES (0, 0, 'new', 0), (5000, 0, 'last', 0)")
    sql.check("SELECT id, v FROM ix ORDER BY id LIMIT 2", [("0", "new"), ("2", "updated")], ordered=True)
    sql.check("SELECT id, v FROM ix ORDER BY id DESC LIMIT 1", [("5000", "last")], ordered=True)
    sql.check("SELECT id FROM ix ORDER BY id LIMIT 1 FOR UPDATE", [("0",)], ordered=True)
    sql.setup("ROLLBACK")
    sql.check("SELECT id FROM ix ORDER BY id LIMIT 1", [("1",)], ordered=True)


def _orders(sql) -> None:
    _table(sql)
    sql.setup("""
        CREATE TABLE od (oid int PRIMARY KEY, ix_id bigint, qty int);
        INSERT INTO od VALUES (1, 1, 10), (2, 1, 20), (3, 3, 30), (4, NULL, 40), (5, 2999, 50), (6, 9999, 60)
    """)


def test_joins_read_the_right_table_by_the_left_keys(sql):
    _orders(sql)
    sql.check("SELECT o.oid, i.v FROM od o JOIN ix i ON i.id = o.ix_id",
              [("1", "v1"), ("2", "v1"), ("5", "updated")])
    sql.check("SELECT o.oid, i.v FROM od o LEFT JOIN ix i ON i.id = o.ix_id",
              [("1", "v1"), ("2", "v1"), ("3", None), ("4", None), ("5", "updated"), ("6", None)])
    sql.check("SELECT o.oid FROM od o JOIN ix i ON i.id = o.ix_id AND i.g = 1", [("1",), ("2",)])
    sql.check("SELECT i.v, o.oid FROM ix i JOIN od o ON i.id = o.ix_id",  # the big table on the left
              [("v1", "1"), ("v1", "2"), ("updated", "5")])
    sql.check("SELECT i.id, o.oid FROM ix i LEFT JOIN od o ON i.id = o.ix_id WHERE i.id < 3",
              [("1", "1"), ("1", "2"), ("2", None)])
    sql.check("SELECT o.oid FROM od o JOIN ix i ON i.id = o.ix_id WHERE i.v <> 'v1'", [("5",)])
    sql.check("SELECT o.oid FROM od o WHERE EXISTS (SELECT 1 FROM ix i WHERE i.id = o.ix_id)",
              [("1",), ("2",), ("5",)])
    sql.check("SELECT o.oid FROM od o WHERE NOT EXISTS (SELECT 1 FROM ix i WHERE i.id = o.ix_id)",
              [("3",), ("4",), ("6",)])
    sql.check("SELECT o.oid, (SELECT v FROM ix i WHERE i.id = o.ix_id + 1) FROM od o",
              [("1", "updated"), ("2", "updated"), ("3", "v4"), ("4", None), ("5", "v3000"), ("6", None)])
    sql.check("SELECT o.oid, x.n FROM od o, LATERAL (SELECT n FROM ix i WHERE i.g = o.oid ORDER BY i.id LIMIT 1) x",
              [("1", "1"), ("2", "2"), ("3", None), ("4", "4"), ("5", None), ("6", "6")])


def test_joins_by_index_see_uncommitted_writes(sql):
    _orders(sql)
    sql.setup("BEGIN; DELETE FROM ix WHERE id = 1; INSERT INTO ix VALUES (9999, 0, 'new', 0)")
    sql.check("SELECT o.oid, i.v FROM od o JOIN ix i ON i.id = o.ix_id", [("5", "updated"), ("6", "new")])
    sql.setup("ROLLBACK")
    sql.check("SELECT o.oid, i.v FROM od o JOIN ix i ON i.id = o.ix_id",
              [("1", "v1"), ("2", "v1"), ("5", "updated")])


def test_like_with_a_fixed_prefix(sql):
    sql.setup("""
        CREATE TABLE words (w text, vc varchar(20));
        CREATE INDEX words_w ON words (w);
        CREATE INDEX words_vc ON words (vc);
        INSERT INTO words SELECT x, x FROM unnest(ARRAY['abc', 'abcd', 'abd', 'ab', 'ab%c', 'ab_c', 'Abc', 'äbc',
            'äb', 'b', 'a\\bc', '']) x;
        INSERT INTO words SELECT 'zz' || g, 'zz' || g FROM generate_series(1, 2000) g
    """)
    sql.check("SELECT w FROM words WHERE w LIKE 'abc%'", [("abc",), ("abcd",)])
    sql.check("SELECT w FROM words WHERE w LIKE 'ab_'", [("abc",), ("abd",)])
    sql.check("SELECT w FROM words WHERE w LIKE 'ab\\%%'", [("ab%c",)])
    sql.check("SELECT w FROM words WHERE w LIKE 'ab\\_c'", [("ab_c",)])
    sql.check("SELECT w FROM words WHERE w LIKE 'äb%'", [("äbc",), ("äb",)])
    sql.check("SELECT w FROM words WHERE w LIKE 'ab'", [("ab",)])
    sql.check("SELECT count(*) FROM words WHERE w LIKE '%'", [("2012",)])
    sql.check("SELECT w FROM words WHERE w LIKE 'a\\\\b%'", [("a\\bc",)])
    sql.check("SELECT vc FROM words WHERE vc LIKE 'zz2000%' AND vc <> 'zz1'", [("zz2000",)])
    sql.check("SELECT w FROM words WHERE w NOT LIKE 'zz%' AND w LIKE 'a%' AND w > 'abc'", [("abcd",), ("abd",)])


def test_with_queries_use_indexes(sql):
    """A WITH query's plan is optimized as the statement's own: its key lookups use the index
    (counted in pg_stat_user_indexes), a recursive one's first term too."""
    sql.setup("CREATE TABLE wx (id int PRIMARY KEY, v text);\n"
              "INSERT INTO wx SELECT i, 'v' || i FROM generate_series(1, 3000) i")
    sql.check("WITH k AS MATERIALIZED (SELECT id, v FROM wx WHERE id = 2) SELECT * FROM k", [("2", "v2")])
    sql.check("WITH RECURSIVE r(id) AS (SELECT id FROM wx WHERE id = 5 UNION ALL SELECT id + 1 FROM r WHERE id < 7) "
              "SELECT * FROM r", [("5",), ("6",), ("7",)])
    sql.check("SELECT pg_stat_force_next_flush()", [("",)])
    sql.check("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'wx_pkey'", [("2",)])


def test_keys_from_uncorrelated_subqueries_use_the_index(sql):
    """`col = (SELECT ...)` and ranges over one: the subquery runs once and its value keys the
    index scan (PostgreSQL's InitPlan parameter), counted in pg_stat_user_indexes."""
    sql.setup("CREATE TABLE sx (id int PRIMARY KEY, v text);\n"
              "INSERT INTO sx SELECT i, 'v' || i FROM generate_series(1, 3000) i;\n"
              "CREATE TABLE sk (k int);\n"
              "INSERT INTO sk VALUES (7), (9)")
    sql.check("SELECT id, v FROM sx WHERE id = (SELECT max(k) FROM sk)", [("9", "v9")])
    sql.check("SELECT id FROM sx WHERE id > (SELECT min(k) FROM sk) AND id <= (SELECT max(k) FROM sk) + 1",
              [("8",), ("9",), ("10",)])
    sql.check("SELECT id FROM sx WHERE id = (SELECT k FROM sk WHERE k < 0)", [])
    sql.error("SELECT id FROM sx WHERE id = (SELECT k FROM sk)", "21000",
              "more than one row returned by a subquery used as an expression")
    sql.check("SELECT pg_stat_force_next_flush()", [("",)])
    sql.check("SELECT idx_scan >= 3 FROM pg_stat_user_indexes WHERE indexrelname = 'sx_pkey'", [("t",)])


def test_conditions_on_a_union_all_reach_each_arm(sql):
    """A condition over UNION ALL filters each arm, so each arm's key lookup uses its index (arms
    of other types than the union's give the same rows; PostgreSQL filters above them)."""
    sql.setup("CREATE TABLE ua (id int PRIMARY KEY, v int);\n"
              "INSERT INTO ua SELECT i, i % 10 FROM generate_series(1, 3000) i;\n"
              "CREATE TABLE ub (id int PRIMARY KEY, v int);\n"
              "INSERT INTO ub SELECT i, i % 10 FROM generate_series(1, 3000) i")
    sql.check("SELECT * FROM (SELECT * FROM ua UNION ALL SELECT id, v + 1 FROM ub) u WHERE id = 5",
              [("5", "5"), ("5", "6")])
    sql.check("SELECT count(*) FROM (SELECT id FROM ua UNION ALL SELECT id FROM ub UNION ALL SELECT 5) u "
              "WHERE id = 5 AND id > 1", [("3",)])
    sql.check("SELECT pg_stat_force_next_flush()", [("",)])
    sql.check("SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE indexrelname IN ('ua_pkey', 'ub_pkey')",
              [("ua_pkey", "2"), ("ub_pkey", "2")])
    sql.check("SELECT * FROM (SELECT v FROM ua UNION SELECT v FROM ub) u WHERE v = 3", [("3",)])
    sql.check("SELECT * FROM (SELECT id, v FROM ua UNION ALL SELECT id::int8 * 2, v FROM ub) u "
              "WHERE id IN (4, 5000000000) AND v > 0", [("4", "4"), ("4", "2")])


def test_conditions_on_group_keys_filter_before_grouping(sql):
    """A condition on a grouped subquery's or view's group keys (or a HAVING without aggregates)
    filters the rows before they are grouped, so a key lookup uses the index; a condition on an
    aggregate, an aggregate without GROUP BY and grouping sets keep it above."""
    sql.setup("CREATE TABLE gx (id int PRIMARY KEY, g int);\n"
              "INSERT INTO gx SELECT i, i % 4 FROM generate_series(1, 3000) i;\n"
              "CREATE VIEW gx_v AS SELECT id, count(*) AS n, max(g) AS top FROM gx GROUP BY id")
    sql.check("SELECT * FROM gx_v WHERE id = 6", [("6", "1", "2")])
    sql.check("SELECT g, count(*) FROM gx GROUP BY g HAVING g = 3 AND count(*) > 1", [("3", "750")])
    sql.check("SELECT * FROM (SELECT g, count(*) FROM gx GROUP BY ROLLUP (g)) s WHERE g IS NULL", [(None, "3000")])
    sql.check("SELECT pg_stat_force_next_flush()", [("",)])
    sql.check("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'gx_pkey'", [("1",)])
    sql.check("SELECT * FROM (SELECT count(*) AS c FROM gx WHERE g > 5) s WHERE c = 0", [("0",)])
