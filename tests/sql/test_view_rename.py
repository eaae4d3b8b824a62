"""Views follow the renames of what they read, as PostgreSQL's views (which hold OIDs) do: a table,
a column, a view or a view's column renamed, a table moved to another schema, a schema renamed.
The view's own column names stay; pg_get_viewdef names the objects anew (the checks look for
the parts PostgreSQL and QuantaDB print alike, in any case: QuantaDB does not deparse views as
ruleutils.c does)."""


def _viewdef_has(sql, view: str, *parts: str) -> None:
    tests = ", ".join(f"position({p.lower()!r} in lower(pg_get_viewdef({view!r}::regclass))) > 0" for p in parts)
    sql.check(f"SELECT {tests}", [tuple("t" for _ in parts)])


def test_rename_column_keeps_the_output_name(sql):
    sql.setup("""
        CREATE TABLE t (a int, b text, c int);
        INSERT INTO t VALUES (1, 'x', 10), (2, 'y', 20), (-1, 'z', 30);
        CREATE VIEW v AS SELECT a, b AS bb, c + 1 AS c1 FROM t WHERE a > 0 ORDER BY a;
        CREATE VIEW q AS SELECT r.a, r.c FROM t AS r WHERE r.a = (SELECT max(a) FROM t);
        ALTER TABLE t RENAME COLUMN a TO x;
        ALTER TABLE t RENAME COLUMN b TO y;
    """)
    sql.check("SELECT * FROM v", [("1", "x", "11"), ("2", "y", "21")], columns=["a", "bb", "c1"], ordered=True)
    sql.check("SELECT a, c FROM q", [("2", "20")], columns=["a", "c"])
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 'v'::regclass ORDER BY attnum",
              [("a",), ("bb",), ("c1",)], ordered=True)
    _viewdef_has(sql, "v", "x AS a", "y AS bb", "x > 0")
    _viewdef_has(sql, "q", "r.x AS a", "r.x = ")
    sql.error("SELECT x FROM v", "42703", 'column "x" does not exist')


def test_star_is_expanded_when_the_view_is_created(sql):
    sql.setup("""
        CREATE TABLE t (a int, b text);
        INSERT INTO t VALUES (1, 'x');
        CREATE VIEW w AS SELECT * FROM t;
        CREATE VIEW w2 AS SELECT t.*, 7 AS k FROM t;
        ALTER TABLE t ADD COLUMN c int;
        ALTER TABLE t RENAME COLUMN a TO x;
    """)
    sql.check("SELECT * FROM w", [("1", "x")], columns=["a", "b"])
    sql.check("SELECT * FROM w2", [("1", "x", "7")], columns=["a", "b", "k"])
    _viewdef_has(sql, "w", "t.x AS a", "t.b")
    sql.setup("INSERT INTO w VALUES (2, 'y')")  # still automatically updatable
    sql.check("SELECT x, b, c FROM t", [("1", "x", None), ("2", "y", None)])


def test_rename_table_and_view(sql):
    sql.setup("""
        CREATE TABLE t (a int, b text);
        INSERT INTO t VALUES (1, 'x'), (2, 'y');
        CREATE VIEW v AS SELECT t.a, t.b FROM t WHERE t.a > 1;
        CREATE VIEW vv AS SELECT v.a, count(*) AS n FROM v JOIN t USING (a) GROUP BY v.a;
        ALTER TABLE t RENAME TO t2;
        ALTER VIEW v RENAME TO v2;
        ALTER VIEW v2 RENAME COLUMN a TO aa;
    """)
    sql.check("SELECT * FROM v2", [("2", "y")], columns=["aa", "b"])
    sql.check("SELECT * FROM vv", [("2", "1")], columns=["a", "n"])
    _viewdef_has(sql, "v2", "t2.a AS aa", "t2.b", "t2.a > 1")
    _viewdef_has(sql, "vv", "v2", "t2")
    sql.error("SELECT * FROM t", "42P01", 'relation "t" does not exist')


def test_using_join_keeps_the_old_column_names(sql):
    sql.setup("""
        CREATE TABLE t (a int, b text);
        CREATE TABLE u (a int, c text);
        INSERT INTO t VALUES (1, 'x'), (2, 'y');
        INSERT INTO u VALUES (1, 'p');
        CREATE VIEW j AS SELECT a, b, c FROM t JOIN u USING (a);
        CREATE VIEW n AS SELECT * FROM t NATURAL JOIN u;
        ALTER TABLE u RENAME COLUMN a TO k;
        ALTER TABLE t RENAME COLUMN b TO bb;
    """)
    sql.check("SELECT * FROM j", [("1", "x", "p")], columns=["a", "b", "c"])
    sql.check("SELECT * FROM n", [("1", "x", "p")], columns=["a", "b", "c"])
    _viewdef_has(sql, "j", "u(a, c)", "USING (a)")


def test_set_schema_and_rename_schema(sql):
    sql.setup("""
        CREATE SCHEMA s;
        CREATE TABLE t (a int);
        INSERT INTO t VALUES (5);
        CREATE VIEW v AS SELECT a FROM t;
        CREATE MATERIALIZED VIEW m AS SELECT a * 2 AS d FROM t;
        ALTER TABLE t SET SCHEMA s;
        ALTER SCHEMA s RENAME TO s2;
        INSERT INTO s2.t VALUES (6);
    """)
    sql.check("SELECT a FROM v", [("5",), ("6",)])
    sql.setup("REFRESH MATERIALIZED VIEW m")
    sql.check("SELECT d FROM m", [("10",), ("12",)])
    _viewdef_has(sql, "v", "FROM s2.t")
    _viewdef_has(sql, "m", "FROM s2.t")


def test_subqueries_ctes_and_materialized_views(sql):
    sql.setup("""
        CREATE TABLE t (a int, b int);
        CREATE TABLE u (k int);
        INSERT INTO t VALUES (1, 10), (2, 20);
        INSERT INTO u VALUES (2);
        CREATE VIEW v AS WITH w AS (SELECT a, b FROM t)
            SELECT s.a, s.b FROM (SELECT a, b FROM w) s WHERE EXISTS (SELECT 1 FROM u WHERE u.k = s.a);
        CREATE MATERIALIZED VIEW m AS SELECT a, sum(b) AS total FROM t GROUP BY a;
        ALTER TABLE t RENAME COLUMN a TO x;
        ALTER TABLE u RENAME COLUMN k TO kk;
        ALTER TABLE u RENAME TO uu;
        ALTER MATERIALIZED VIEW m RENAME COLUMN total TO s;
        INSERT INTO t VALUES (3, 30);
        REFRESH MATERIALIZED VIEW m;
    """)
    sql.check("SELECT * FROM v", [("2", "20")], columns=["a", "b"])
    sql.check("SELECT * FROM m", [("1", "10"), ("2", "20"), ("3", "30")], columns=["a", "s"])
    _viewdef_has(sql, "m", "x AS a", "AS s")


def test_a_rolled_back_rename_leaves_the_view_as_it_was(sql):
    sql.setup("""
        CREATE TABLE t (a int);
        INSERT INTO t VALUES (1);
        CREATE VIEW v AS SELECT a FROM t;
        BEGIN;
        ALTER TABLE t RENAME COLUMN a TO x;
        ROLLBACK;
    """)
    sql.check("SELECT a FROM v", [("1",)])
    sql.check("SELECT position('x' in pg_get_viewdef('v'::regclass)) = 0", [("t",)])


def test_whole_rows_and_functions_follow(sql):
    sql.setup("""
        CREATE SCHEMA s;
        CREATE TABLE t (a int, b text);
        INSERT INTO t VALUES (1, 'x');
        CREATE FUNCTION s.twice(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2';
        SET search_path = public, s;
        CREATE VIEW v AS SELECT row_to_json(t) AS j, twice(a) AS d FROM t;
        RESET search_path;
        ALTER TABLE t RENAME TO t2;
        ALTER SCHEMA s RENAME TO s2;
    """)
    sql.check("SELECT j::text, d FROM v", [('{"a":1,"b":"x"}', "2")])
    _viewdef_has(sql, "v", "s2.twice(")


def test_parenthesized_joins(sql):
    sql.setup("""
        CREATE TABLE t (a int, b text);
        CREATE TABLE u (a int, c text);
        INSERT INTO t VALUES (1, 'x');
        INSERT INTO u VALUES (1, 'p');
        CREATE VIEW j AS SELECT j.b, j.c FROM (t JOIN u ON t.a = u.a) AS j;
        CREATE VIEW k AS SELECT t.b, u.c FROM (t JOIN u ON t.a = u.a);
        ALTER TABLE t RENAME COLUMN b TO bb;
        ALTER TABLE u RENAME TO uu;
        ALTER TABLE t RENAME COLUMN bb TO b;
    """)
    sql.check("SELECT * FROM j", [("x", "p")], columns=["b", "c"])
    sql.check("SELECT * FROM k", [("x", "p")], columns=["b", "c"])
