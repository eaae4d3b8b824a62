"""INSERT, UPDATE and DELETE through automatically updatable views (PostgreSQL 15's CREATE VIEW,
"Updatable Views"): what is updatable and PostgreSQL's errors (SQLSTATE, message, DETAIL, HINT)
when not, column mapping, the views' conditions, WITH [CASCADED | LOCAL] CHECK OPTION, nested
views, RETURNING, view defaults, ON CONFLICT, UPDATE ... FROM / DELETE ... USING, prepared
statements, privileges, MERGE's refusal and the catalog's answers. Every outcome was checked on
PostgreSQL 15: QUANTADB_TEST_DSN runs this module against a server given by its DSN."""

from __future__ import annotations

import uuid

import psycopg
import pytest


@pytest.fixture
def db(dsn):
    """A connection whose search_path is a fresh schema, dropped afterwards."""
    schema = f"uv_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path = {schema}")
        yield conn
        conn.execute("RESET ROLE")
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def rows(conn, sql, params=None):
    return conn.execute(sql, params).fetchall()


def error(conn, sql) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql)
    return info.value


def check_error(conn, sql, sqlstate, message, detail=None, hint=None):
    e = error(conn, sql)
    assert (e.sqlstate, e.diag.message_primary, e.diag.message_detail, e.diag.message_hint) == \
        (sqlstate, message, detail, hint)


HINTS = {
    "insert into": "To enable inserting into the view, provide an INSTEAD OF INSERT trigger or an unconditional "
                   "ON INSERT DO INSTEAD rule.",
    "update": "To enable updating the view, provide an INSTEAD OF UPDATE trigger or an unconditional "
              "ON UPDATE DO INSTEAD rule.",
    "delete from": "To enable deleting from the view, provide an INSTEAD OF DELETE trigger or an unconditional "
                   "ON DELETE DO INSTEAD rule.",
}


def test_writes_through_a_view_reach_the_base_table(db):
    db.execute("CREATE TABLE t (a int PRIMARY KEY, b text DEFAULT 'bdef', c int)")
    db.execute("INSERT INTO t VALUES (-1, 'neg', 0)")
    db.execute("CREATE VIEW v AS SELECT a, b AS label, c + 1 AS c1 FROM t WHERE a > 0")
    assert rows(db, "INSERT INTO v (a) VALUES (1) RETURNING *") == [(1, "bdef", None)]
    assert rows(db, "INSERT INTO v VALUES (2, 'x') RETURNING a, label, c1") == [(2, "x", None)]
    db.execute("UPDATE t SET c = 10 WHERE a = 2")
    # UPDATE and DELETE see only the view's rows; RETURNING computes c1 from the new row
    assert rows(db, "UPDATE v SET label = 'all' RETURNING a, label, c1") == [(1, "all", None), (2, "all", 11)]
    assert rows(db, "SELECT * FROM t ORDER BY a") == [(-1, "neg", 0), (1, "all", None), (2, "all", 10)]
    assert rows(db, "DELETE FROM v WHERE label = 'all' AND a = 1 RETURNING *") == [(1, "all", None)]
    db.execute("DELETE FROM v")
    assert rows(db, "SELECT * FROM t") == [(-1, "neg", 0)]
    # INSERT does not check the view's condition without a check option
    db.execute("INSERT INTO v VALUES (-5)")
    assert rows(db, "SELECT a FROM t ORDER BY a") == [(-5,), (-1,)]


def test_computed_columns_are_not_updatable(db):
    db.execute("CREATE TABLE t (a int, b text)")
    db.execute("CREATE VIEW v AS SELECT a, upper(b) AS ub, 'k' AS k FROM t")
    detail = "View columns that are not columns of their base relation are not updatable."
    check_error(db, "INSERT INTO v VALUES (1, 'x')", "0A000", 'cannot insert into column "ub" of view "v"', detail)
    check_error(db, "INSERT INTO v (a, k) VALUES (1, 'x')", "0A000", 'cannot insert into column "k" of view "v"',
                detail)
    check_error(db, "UPDATE v SET ub = 'y'", "0A000", 'cannot update column "ub" of view "v"', detail)
    check_error(db, "UPDATE v SET nope = 1", "42703", 'column "nope" of relation "v" does not exist')
    db.execute("INSERT INTO v VALUES (1)")
    db.execute("INSERT INTO t VALUES (2, 'two')")
    assert rows(db, "UPDATE v SET a = a * 10 WHERE ub = 'TWO' RETURNING *") == [(20, "TWO", "k")]
    # a subquery's aggregate is not the view's own: the view stays updatable
    db.execute("CREATE TABLE limits (top int)")
    db.execute("INSERT INTO limits VALUES (30)")
    db.execute("CREATE VIEW vm AS SELECT a, (SELECT max(top) FROM limits) AS mx FROM t WHERE a > 1")
    assert rows(db, "INSERT INTO vm (a) VALUES (30) RETURNING *") == [(30, 30)]
    assert rows(db, "UPDATE vm SET a = a + 1 WHERE mx = a RETURNING a") == [(31,)]


def test_array_elements_through_renamed_columns(db):
    db.execute("CREATE TABLE t (id int, xs int[], ys int[])")
    db.execute("CREATE VIEW v AS SELECT id, ys AS xs, xs AS ys FROM t")
    db.execute("INSERT INTO v VALUES (1, '{1,2,3}', '{7}')")
    assert rows(db, "UPDATE v SET xs[2] = 20, xs[3] = 30, ys[1] = 70 RETURNING *") == [(1, [1, 20, 30], [70])]
    assert rows(db, "SELECT * FROM t") == [(1, [70], [1, 20, 30])]


def test_a_base_column_shown_twice_is_written_once(db):
    db.execute("CREATE TABLE t (a int, b int)")
    db.execute("CREATE VIEW v AS SELECT a, a AS a2, b FROM t")
    for sql in ("INSERT INTO v (a, a2) VALUES (1, 2)", "INSERT INTO v VALUES (1, 2)", "UPDATE v SET a = 1, a2 = 2"):
        check_error(db, sql, "42601", 'multiple assignments to same column "a"')
    assert rows(db, "INSERT INTO v (a2, b) VALUES (1, 2) RETURNING *") == [(1, 1, 2)]


@pytest.mark.parametrize("query, detail", [
    ("SELECT DISTINCT a FROM t", "Views containing DISTINCT are not automatically updatable."),
    ("SELECT a, count(*) FROM t GROUP BY a", "Views containing GROUP BY are not automatically updatable."),
    ("SELECT 1 AS a FROM t HAVING count(*) > 0", "Views containing HAVING are not automatically updatable."),
    ("SELECT a FROM t UNION SELECT a FROM t",
     "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable."),
    ("WITH w AS (SELECT a FROM t) SELECT a FROM w", "Views containing WITH are not automatically updatable."),
    ("SELECT a FROM t LIMIT 1", "Views containing LIMIT or OFFSET are not automatically updatable."),
    ("SELECT a FROM t OFFSET 1", "Views containing LIMIT or OFFSET are not automatically updatable."),
    ("SELECT max(a) AS a FROM t", "Views that return aggregate functions are not automatically updatable."),
    ("SELECT a, row_number() OVER () AS n FROM t",
     "Views that return window functions are not automatically updatable."),
    ("SELECT a, generate_series(1, 2) AS g FROM t",
     "Views that return set-returning functions are not automatically updatable."),
    ("SELECT t.a FROM t, t AS t2", "Views that do not select from a single table or view are not automatically updatable."),
    ("SELECT 1 AS a", "Views that do not select from a single table or view are not automatically updatable."),
    ("SELECT a FROM (SELECT a FROM t) s",
     "Views that do not select from a single table or view are not automatically updatable."),
])
def test_views_that_are_not_updatable(db, query, detail):
    db.execute("CREATE TABLE t (a int)")
    db.execute(f"CREATE VIEW v AS {query}")
    for verb, sql in (("insert into", "INSERT INTO v VALUES (1)"), ("update", "UPDATE v SET a = 1"),
                      ("delete from", "DELETE FROM v")):
        check_error(db, sql, "55000", f'cannot {verb} view "v"', detail, HINTS[verb])
    assert rows(db, "SELECT pg_relation_is_updatable('v'::regclass, false), is_updatable, is_insertable_into "
                    "FROM information_schema.views WHERE table_name = 'v' AND table_schema = current_schema()") \
        == [(0, "NO", "NO")]


def test_a_view_without_updatable_columns_takes_delete_only(db):
    db.execute("CREATE TABLE t (a int)")
    db.execute("INSERT INTO t VALUES (1), (2)")
    db.execute("CREATE VIEW v AS SELECT a + 1 AS x FROM t")
    detail = "Views that have no updatable columns are not automatically updatable."
    check_error(db, "INSERT INTO v VALUES (1)", "55000", 'cannot insert into view "v"', detail, HINTS["insert into"])
    check_error(db, "UPDATE v SET x = 1", "55000", 'cannot update view "v"', detail, HINTS["update"])
    assert db.execute("DELETE FROM v WHERE x = 2").rowcount == 1
    assert rows(db, "SELECT a FROM t") == [(2,)]


def test_renamed_columns_and_nested_views(db):
    db.execute("CREATE TABLE t (id int PRIMARY KEY, n int, s text)")
    db.execute("CREATE VIEW v1 (k, num, label) AS SELECT id, n, s FROM t WHERE id < 100")
    db.execute("CREATE VIEW v2 AS SELECT label AS name, k, num * 2 AS dbl FROM v1 WHERE num >= 0")
    assert rows(db, "INSERT INTO v2 (k, name) VALUES (1, 'one') RETURNING *") == [("one", 1, None)]
    db.execute("INSERT INTO v1 VALUES (2, 5, 'two'), (3, -1, 'neg'), (200, 1, 'big')")
    assert rows(db, "UPDATE v2 SET name = upper(name) RETURNING k, name, dbl") == [(2, "TWO", 10)]
    check_error(db, "UPDATE v2 SET dbl = 1", "0A000", 'cannot update column "dbl" of view "v2"',
                "View columns that are not columns of their base relation are not updatable.")
    assert db.execute("DELETE FROM v2").rowcount == 1
    assert rows(db, "SELECT id, n, s FROM t ORDER BY id") == [(1, None, "one"), (3, -1, "neg"), (200, 1, "big")]


def test_check_options(db):
    db.execute("CREATE TABLE t (a int NOT NULL, b text)")
    db.execute("CREATE VIEW pos AS SELECT * FROM t WHERE a > 0 WITH CHECK OPTION")
    check_error(db, "INSERT INTO pos VALUES (-1, 'x')", "44000", 'new row violates check option for view "pos"',
                "Failing row contains (-1, x).")
    # the table's constraints come first; a NULL condition fails the check too
    check_error(db, "INSERT INTO pos VALUES (NULL, 'x')", "23502",
                'null value in column "a" of relation "t" violates not-null constraint', "Failing row contains (null, x).")
    db.execute("CREATE VIEW pos_b AS SELECT * FROM t WHERE a > 0 AND b <> '' WITH CHECK OPTION")
    check_error(db, "INSERT INTO pos_b VALUES (1, NULL)", "44000", 'new row violates check option for view "pos_b"',
                "Failing row contains (1, null).")
    db.execute("INSERT INTO pos VALUES (5, 'ok')")
    check_error(db, "UPDATE pos SET a = -a", "44000", 'new row violates check option for view "pos"',
                "Failing row contains (-5, ok).")
    # CASCADED (the default) checks the views under it; LOCAL only its own and those with options
    db.execute("CREATE VIEW plain AS SELECT * FROM t WHERE a < 100")
    db.execute("CREATE VIEW local_v WITH (check_option = local) AS SELECT * FROM plain WHERE a > 10")
    db.execute("CREATE VIEW cascaded_v AS SELECT * FROM plain WHERE a > 10 WITH CASCADED CHECK OPTION")
    db.execute("INSERT INTO local_v VALUES (500, 'local')")
    check_error(db, "INSERT INTO cascaded_v VALUES (500, 'c')", "44000",
                'new row violates check option for view "plain"', "Failing row contains (500, c).")
    check_error(db, "INSERT INTO local_v VALUES (5, 'l')", "44000", 'new row violates check option for view "local_v"',
                "Failing row contains (5, l).")
    db.execute("CREATE VIEW over_pos AS SELECT * FROM pos WHERE a < 1000")
    check_error(db, "INSERT INTO over_pos VALUES (-3, 'x')", "44000", 'new row violates check option for view "pos"',
                "Failing row contains (-3, x).")
    db.execute("INSERT INTO over_pos VALUES (2000, 'x')")
    assert rows(db, "SELECT a FROM t ORDER BY a") == [(5,), (500,), (2000,)]


def test_check_option_catalog_and_errors(db):
    db.execute("CREATE TABLE t (a int)")
    db.execute("CREATE VIEW c AS SELECT a FROM t WHERE a > 0 WITH CHECK OPTION")
    db.execute("CREATE VIEW l AS SELECT a FROM t WITH LOCAL CHECK OPTION")
    db.execute("CREATE VIEW n AS SELECT a FROM t")
    db.execute("ALTER VIEW n SET (check_option = local)")
    assert rows(db, "SELECT relname, reloptions FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                    "AND relkind = 'v' ORDER BY relname") == \
        [("c", ["check_option=cascaded"]), ("l", ["check_option=local"]), ("n", ["check_option=local"])]
    assert rows(db, "SELECT table_name, check_option FROM information_schema.views "
                    "WHERE table_schema = current_schema() ORDER BY 1") == \
        [("c", "CASCADED"), ("l", "LOCAL"), ("n", "LOCAL")]
    check_error(db, "CREATE VIEW d AS SELECT DISTINCT a FROM t WITH CHECK OPTION", "0A000",
                "WITH CHECK OPTION is supported only on automatically updatable views",
                hint="Views containing DISTINCT are not automatically updatable.")
    check_error(db, "CREATE VIEW x WITH (check_option = sometimes) AS SELECT a FROM t", "22023",
                'invalid value for enum option "check_option": sometimes', 'Valid values are "local" and "cascaded".')


def test_view_defaults(db):
    db.execute("CREATE TABLE t (id int, s text DEFAULT 'table', n int DEFAULT 7)")
    db.execute("CREATE VIEW v AS SELECT id, s AS label, n FROM t")
    db.execute("ALTER VIEW v ALTER COLUMN label SET DEFAULT 'view'")
    assert rows(db, "INSERT INTO v (id) VALUES (1) RETURNING *") == [(1, "view", 7)]
    assert rows(db, "INSERT INTO v VALUES (2, DEFAULT, DEFAULT) RETURNING *") == [(2, "view", 7)]
    db.execute("INSERT INTO t (id) VALUES (3)")
    assert rows(db, "UPDATE v SET label = DEFAULT, n = 1 WHERE id = 3 RETURNING *") == [(3, "view", 1)]
    assert rows(db, "SELECT * FROM t ORDER BY id") == [(1, "view", 7), (2, "view", 7), (3, "view", 1)]


def test_on_conflict_through_a_view(db):
    db.execute("CREATE TABLE t (id int PRIMARY KEY, n int, s text)")
    db.execute("CREATE VIEW v AS SELECT id AS k, n, s AS label, n * 2 AS dbl FROM t WHERE id < 100 "
               "WITH CHECK OPTION")
    db.execute("INSERT INTO v VALUES (1, 1, 'A')")
    assert rows(db, "INSERT INTO v VALUES (1, 5, 'b') ON CONFLICT (k) DO UPDATE "
                    "SET label = excluded.label || v.label, n = excluded.dbl RETURNING *") == [(1, 10, "bA", 20)]
    assert rows(db, "INSERT INTO v VALUES (1, 0, 'z') ON CONFLICT DO NOTHING RETURNING *") == []
    check_error(db, "INSERT INTO v VALUES (1, 5, 'c') ON CONFLICT (k) DO UPDATE SET k = 500", "44000",
                'new row violates check option for view "v"', "Failing row contains (500, 10, bA).")
    check_error(db, "INSERT INTO v VALUES (1, 5, 'z') ON CONFLICT (dbl) DO NOTHING", "42P10",
                "there is no unique or exclusion constraint matching the ON CONFLICT specification")
    assert rows(db, "SELECT * FROM t") == [(1, 10, "bA")]


def test_update_from_delete_using_and_prepared(db):
    db.execute("CREATE TABLE t (id int, v int)")
    db.execute("INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")
    db.execute("CREATE TABLE m (id int, delta int)")
    db.execute("INSERT INTO m VALUES (1, 100), (2, 200), (3, 300)")
    db.execute("CREATE VIEW v AS SELECT id, v AS val FROM t WHERE id > 1")
    assert db.execute("UPDATE v SET val = val + m.delta FROM m WHERE m.id = v.id").rowcount == 2
    assert db.execute("DELETE FROM v USING m WHERE m.id = v.id AND m.delta = 300").rowcount == 1
    assert rows(db, "SELECT * FROM t ORDER BY id") == [(1, 1), (2, 202)]
    for value in (7, 8):  # the second execution runs the prepared plan
        assert rows(db, "UPDATE v SET val = %s WHERE id = %s RETURNING val", (value, 2), ) == [(value,)]
    db.execute("CREATE OR REPLACE VIEW v AS SELECT id, v AS val FROM t WHERE id > 5")
    assert rows(db, "UPDATE v SET val = %s WHERE id = %s RETURNING val", (9, 2)) == []
    db.execute("PREPARE ins(int) AS INSERT INTO v VALUES ($1, $1)")
    db.execute("EXECUTE ins(6)")
    db.execute("ALTER TABLE t ADD COLUMN note text")
    db.execute("EXECUTE ins(7)")
    assert rows(db, "SELECT * FROM t ORDER BY id") == [(1, 1, None), (2, 8, None), (6, 6, None), (7, 7, None)]
    db.execute("DEALLOCATE ins")


def test_merge_into_a_view_is_refused(db):
    db.execute("CREATE TABLE t (id int)")
    db.execute("CREATE VIEW v AS SELECT id FROM t")
    check_error(db, "MERGE INTO v USING t ON v.id = t.id WHEN MATCHED THEN DELETE", "0A000",
                'cannot execute MERGE on relation "v"', "This operation is not supported for views.")


def test_updatability_in_the_catalog(db):
    db.execute("CREATE TABLE t (a int, b int)")
    db.execute("CREATE VIEW v AS SELECT a, b + 1 AS b1 FROM t")
    db.execute("CREATE VIEW vv AS SELECT b1, a FROM v")
    db.execute("CREATE VIEW e AS SELECT a + b AS s FROM t")
    db.execute("CREATE VIEW d AS SELECT DISTINCT a FROM t")
    assert rows(db, "SELECT c.relname, pg_relation_is_updatable(c.oid, false), pg_column_is_updatable(c.oid, 1::int2, "
                    "false), pg_column_is_updatable(c.oid, 2::int2, false) FROM pg_class c "
                    "WHERE relnamespace = current_schema()::regnamespace ORDER BY 1") == \
        [("d", 0, False, False), ("e", 16, False, False), ("t", 28, True, True), ("v", 28, True, False),
         ("vv", 28, False, True)]
    assert rows(db, "SELECT table_name, is_updatable, is_insertable_into, is_trigger_updatable, is_trigger_deletable, "
                    "is_trigger_insertable_into FROM information_schema.views "
                    "WHERE table_schema = current_schema() ORDER BY 1") == \
        [("d", "NO", "NO", "NO", "NO", "NO"), ("e", "NO", "NO", "NO", "NO", "NO"),
         ("v", "YES", "YES", "NO", "NO", "NO"), ("vv", "YES", "YES", "NO", "NO", "NO")]
    assert rows(db, "SELECT table_name, column_name, is_updatable FROM information_schema.columns "
                    "WHERE table_schema = current_schema() ORDER BY 1, 2") == \
        [("d", "a", "NO"), ("e", "s", "NO"), ("t", "a", "YES"), ("t", "b", "YES"), ("v", "a", "YES"),
         ("v", "b1", "NO"), ("vv", "a", "YES"), ("vv", "b1", "NO")]
    assert rows(db, "SELECT table_name, is_insertable_into FROM information_schema.tables "
                    "WHERE table_schema = current_schema() ORDER BY 1") == \
        [("d", "NO"), ("e", "NO"), ("t", "YES"), ("v", "YES"), ("vv", "YES")]


def test_privileges_are_the_views_and_its_owners(db):
    suffix = uuid.uuid4().hex[:6]
    user, owner = f"uv_user_{suffix}", f"uv_owner_{suffix}"
    db.execute(f"CREATE ROLE {user}")
    db.execute(f"CREATE ROLE {owner}")
    try:
        db.execute(f"GRANT USAGE ON SCHEMA {db.execute('SELECT current_schema()').fetchone()[0]} TO {user}, {owner}")
        db.execute("CREATE TABLE t (a int)")
        db.execute("CREATE VIEW v AS SELECT a FROM t")
        db.execute(f"ALTER VIEW v OWNER TO {owner}")
        db.execute(f"GRANT INSERT, SELECT ON v TO {user}")
        db.execute(f"SET ROLE {user}")
        check_error(db, "INSERT INTO v VALUES (1)", "42501", "permission denied for table t")  # the owner's
        check_error(db, "INSERT INTO t VALUES (1)", "42501", "permission denied for table t")
        db.execute("RESET ROLE")
        db.execute(f"GRANT INSERT ON t TO {owner}")
        db.execute(f"SET ROLE {user}")
        db.execute("INSERT INTO v VALUES (1)")
        check_error(db, "UPDATE v SET a = 2", "42501", "permission denied for view v")
        check_error(db, "DELETE FROM v", "42501", "permission denied for view v")
        db.execute("RESET ROLE")
        # a security_invoker view: the user's own privileges count for the table
        db.execute("CREATE VIEW si WITH (security_invoker = TRUE) AS SELECT a FROM t")
        db.execute(f"ALTER VIEW si OWNER TO {owner}")
        db.execute(f"GRANT INSERT ON si TO {user}")
        db.execute(f"SET ROLE {user}")
        check_error(db, "INSERT INTO si VALUES (2)", "42501", "permission denied for table t")
        db.execute("RESET ROLE")
        assert rows(db, "SELECT reloptions FROM pg_class WHERE relname = 'si' "
                        "AND relnamespace = current_schema()::regnamespace") == [(["security_invoker=true"],)]
        assert rows(db, "SELECT a FROM t") == [(1,)]
        db.execute("DROP VIEW si")
        db.execute("DROP VIEW v")
        db.execute("DROP TABLE t")
    finally:
        db.execute("RESET ROLE")
        db.execute(f"DROP OWNED BY {user}, {owner}")
        db.execute(f"DROP ROLE {user}")
        db.execute(f"DROP ROLE {owner}")


def test_a_write_through_a_view_locks_the_view(dsn, db):
    db.execute("CREATE TABLE t (a int)")
    db.execute("CREATE VIEW v AS SELECT a FROM t")
    schema = db.execute("SELECT current_schema()").fetchone()[0]
    with psycopg.connect(dsn) as writer:  # its transaction stays open, holding RowExclusiveLock on v
        writer.execute(f"SET search_path = {schema}")
        writer.execute("INSERT INTO v VALUES (1)")
        db.execute("SET lock_timeout = '200ms'")
        check_error(db, "DROP VIEW v", "55P03", "canceling statement due to lock timeout")
        writer.rollback()
    db.execute("RESET lock_timeout")
    db.execute("DROP VIEW v")


def test_update_and_delete_through_a_view_use_the_base_tables_index(db):
    db.execute("CREATE TABLE t (id int PRIMARY KEY, a int)")
    db.execute("INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g")
    db.execute("CREATE VIEW v AS SELECT id, a FROM t WHERE a > 0")
    db.execute("CREATE VIEW vc AS SELECT id, a, a * 2 AS dbl FROM t WHERE a > 0")
    for sql in ("UPDATE v SET a = 6 WHERE id = 5", "UPDATE vc SET a = 6 WHERE id = 5 AND dbl > 3",
                "DELETE FROM vc WHERE id = 5"):
        plan = "\n".join(r[0] for r in rows(db, f"EXPLAIN (COSTS OFF) {sql}"))
        assert "Index Scan using t_pkey on t" in plan, plan
    assert rows(db, "UPDATE vc SET a = 7 WHERE id = 5 AND dbl > 3 RETURNING *") == [(5, 7, 14)]
    db.execute("UPDATE t SET a = -1 WHERE id = 9")  # outside the views: a write by key through them misses it
    assert db.execute("UPDATE v SET a = 1 WHERE id = 9").rowcount == 0
    assert db.execute("DELETE FROM vc WHERE id = 9").rowcount == 0
    assert rows(db, "SELECT a FROM t WHERE id = 9") == [(-1,)]
