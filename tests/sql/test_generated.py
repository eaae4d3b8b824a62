"""Stored generated columns (GENERATED ALWAYS AS (expr) STORED), checked against PostgreSQL 15:
values computed on INSERT / UPDATE / ON CONFLICT / COPY, explicit writes refused, the
expression's rules, ALTER TABLE (ADD COLUMN, DROP EXPRESSION, DROP COLUMN, TYPE) and the
catalog (pg_attribute, pg_attrdef, information_schema)."""

import psycopg


def test_insert_and_update_compute_the_value(sql):
    sql.setup("""
        CREATE TABLE g (a int, b text, c int GENERATED ALWAYS AS (a * 2) STORED,
                        d text GENERATED ALWAYS AS (lower(b) || '!') STORED);
        INSERT INTO g (a, b) VALUES (1, 'X');
        INSERT INTO g VALUES (2, 'Y');
        INSERT INTO g VALUES (3, 'Z', DEFAULT, DEFAULT);
        INSERT INTO g (a, c) VALUES (4, DEFAULT);
        INSERT INTO g (a, b) SELECT 5, 'Q';
        UPDATE g SET a = 10, c = DEFAULT WHERE a = 1;
        UPDATE g SET b = 'W' WHERE a = 2
    """)
    sql.check("SELECT a, b, c, d FROM g", [("10", "X", "20", "x!"), ("2", "W", "4", "w!"), ("3", "Z", "6", "z!"),
                                            ("4", None, "8", None), ("5", "Q", "10", "q!")])
    sql.check("UPDATE g SET a = a + 1 WHERE a = 3 RETURNING a, c", [("4", "8")])
    sql.check("INSERT INTO g (a) VALUES (7) RETURNING c, d", [("14", None)])


def test_explicit_values_are_refused(sql):
    sql.setup("CREATE TABLE g (a int PRIMARY KEY, c int GENERATED ALWAYS AS (a + 1) STORED)")
    for stmt in ("INSERT INTO g VALUES (1, 5)", "INSERT INTO g (a, c) VALUES (1, NULL)",
                 "INSERT INTO g (a, c) SELECT 1, 2"):
        sql.error(stmt, "428C9", 'cannot insert a non-DEFAULT value into column "c"')
    sql.setup("INSERT INTO g VALUES (1)")
    sql.error("UPDATE g SET c = 1", "428C9", 'column "c" can only be updated to DEFAULT')
    sql.error("UPDATE g SET c = c", "428C9", 'column "c" can only be updated to DEFAULT')


def test_on_conflict_do_update_recomputes(sql):
    sql.setup("""
        CREATE TABLE g (a int PRIMARY KEY, b int, c int GENERATED ALWAYS AS (a * 100 + b) STORED);
        INSERT INTO g (a, b) VALUES (1, 1)
    """)
    sql.check("INSERT INTO g (a, b) VALUES (1, 7) ON CONFLICT (a) DO UPDATE SET b = excluded.b + 1 RETURNING *",
              [("1", "8", "108")])
    sql.check("INSERT INTO g (a, b) VALUES (2, 3) ON CONFLICT (a) DO UPDATE SET b = 0 RETURNING c", [("203",)])


def test_constraints_see_the_generated_value(sql):
    sql.setup("CREATE TABLE g (a int, c int GENERATED ALWAYS AS (a - 1) STORED NOT NULL CHECK (c >= 0))")
    sql.error("INSERT INTO g VALUES (0)", "23514", 'new row for relation "g" violates check constraint "g_c_check"')
    sql.error("INSERT INTO g VALUES (NULL)", "23502")
    sql.setup("CREATE UNIQUE INDEX g_c ON g (c); INSERT INTO g VALUES (3)")
    sql.error("INSERT INTO g VALUES (3)", "23505", 'duplicate key value violates unique constraint "g_c"')
    sql.check("SELECT a, c FROM g WHERE c = 2", [("3", "2")])


def test_expression_rules(sql):
    sql.setup("CREATE TABLE t0 (x int)")
    cases = [
        ("CREATE TABLE h (a int, c int GENERATED ALWAYS AS (c * 2) STORED)", "42P17",
         'cannot use generated column "c" in column generation expression'),
        ("CREATE TABLE h (a int, b int GENERATED ALWAYS AS (a) STORED, c int GENERATED ALWAYS AS (b * 2) STORED)",
         "42P17", 'cannot use generated column "b" in column generation expression'),
        ("CREATE TABLE h (a int, c int GENERATED ALWAYS AS (e * 2) STORED)", "42703", 'column "e" does not exist'),
        ("CREATE TABLE h (a int, c float8 GENERATED ALWAYS AS (random()) STORED)", "42P17",
         "generation expression is not immutable"),
        ("CREATE TABLE h (a int, c timestamptz GENERATED ALWAYS AS (now()) STORED)", "42P17",
         "generation expression is not immutable"),
        ("CREATE TABLE h (a text, c timestamptz GENERATED ALWAYS AS (a::timestamptz) STORED)", "42P17",
         "generation expression is not immutable"),
        ("CREATE TABLE h (a int, c int GENERATED ALWAYS AS ((SELECT 1)) STORED)", "0A000",
         "cannot use subquery in column generation expression"),
        ("CREATE TABLE h (a int, c int GENERATED ALWAYS AS (sum(a)) STORED)", "42803",
         "aggregate functions are not allowed in column generation expressions"),
        ("CREATE TABLE h (a int, c int GENERATED ALWAYS AS (row_number() OVER ()) STORED)", "42P20",
         "window functions are not allowed in column generation expressions"),
        ("CREATE TABLE h (a int, c int GENERATED ALWAYS AS (a) STORED DEFAULT 5)", "42601",
         'both default and generation expression specified for column "c" of table "h"'),
        ("CREATE TABLE h (a int GENERATED ALWAYS AS IDENTITY GENERATED ALWAYS AS (1) STORED)", "42601",
         'both identity and generation expression specified for column "a" of table "h"'),
        ("ALTER TABLE t0 ADD COLUMN c int GENERATED ALWAYS AS (random()) STORED", "42P17",
         "generation expression is not immutable"),
    ]
    for stmt, state, message in cases:
        sql.error(stmt, state, message)


def test_alter_table(sql):
    sql.setup("""
        CREATE TABLE g (a int, b text);
        INSERT INTO g VALUES (1, 'x'), (2, NULL);
        ALTER TABLE g ADD COLUMN c int GENERATED ALWAYS AS (a * 10) STORED;
        ALTER TABLE g ADD COLUMN d text GENERATED ALWAYS AS (b || '-') STORED
    """)
    sql.check("SELECT a, c, d FROM g", [("1", "10", "x-"), ("2", "20", None)])
    sql.error("ALTER TABLE g DROP COLUMN a", "2BP01", "cannot drop column a of table g because other objects "
                                                     "depend on it")
    sql.error("ALTER TABLE g ALTER COLUMN a TYPE bigint", "0A000",
              "cannot alter type of a column used by a generated column")
    sql.error("ALTER TABLE g ALTER COLUMN c SET DEFAULT 5", "42601", 'column "c" of relation "g" is a generated column')
    sql.error("ALTER TABLE g ALTER COLUMN a DROP EXPRESSION", "55000",
              'column "a" of relation "g" is not a stored generated column')
    sql.setup("""
        ALTER TABLE g ALTER COLUMN c DROP EXPRESSION;
        ALTER TABLE g ALTER COLUMN c DROP EXPRESSION IF EXISTS;
        UPDATE g SET c = 0 WHERE a = 1;
        INSERT INTO g (a, c) VALUES (3, 3);
        ALTER TABLE g ALTER COLUMN d TYPE varchar(10);
        INSERT INTO g (a, b) VALUES (4, 'y')
    """)
    sql.check("SELECT a, c, d FROM g", [("1", "0", "x-"), ("2", "20", None), ("3", "3", None), ("4", None, "y-")])
    sql.check("SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = 'g'::regclass AND attnum > 0 "
              "AND NOT attisdropped",
              [("a", ""), ("b", ""), ("c", ""), ("d", "s")])
    sql.setup("ALTER TABLE g DROP COLUMN b CASCADE")
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 'g'::regclass AND attnum > 0 "
              "AND NOT attisdropped", [("a",), ("c",)])


def test_catalog(sql):
    sql.setup("""
        CREATE TABLE g (a int, v varchar(20), c int GENERATED ALWAYS AS (a + 1) STORED,
                        d text GENERATED ALWAYS AS (lower(v)) STORED)
    """)
    sql.check("SELECT attname, attgenerated, atthasdef FROM pg_attribute WHERE attrelid = 'g'::regclass "
              "AND attnum > 0", [("a", "", "f"), ("v", "", "f"), ("c", "s", "t"), ("d", "s", "t")])
    sql.check("SELECT adnum, pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'g'::regclass",
              [("3", "(a + 1)"), ("4", "lower((v)::text)")])
    sql.check("SELECT column_name, column_default, is_generated, generation_expression FROM information_schema.columns "
              "WHERE table_name = 'g'", [("a", None, "NEVER", None), ("v", None, "NEVER", None),
                                         ("c", None, "ALWAYS", "(a + 1)"), ("d", None, "ALWAYS", "lower((v)::text)")])


def test_copy(quantadb_server):
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS gcopy")
        conn.execute("CREATE TABLE gcopy (a int, c int GENERATED ALWAYS AS (a * 3) STORED)")
        with conn.cursor().copy("COPY gcopy FROM STDIN") as copy:
            copy.write(b"1\n2\n")
        assert conn.execute("SELECT a, c FROM gcopy ORDER BY a").fetchall() == [(1, 3), (2, 6)]
        with conn.cursor().copy("COPY gcopy TO STDOUT") as copy:
            assert b"".join(bytes(b) for b in copy) == b"1\n2\n"
        try:
            with conn.cursor().copy("COPY gcopy (a, c) FROM STDIN") as copy:
                copy.write(b"1\t1\n")
            raise AssertionError("COPY into a generated column succeeded")
        except psycopg.Error as e:
            assert e.sqlstate == "42P10" and str(e.diag.message_primary) == 'column "c" is a generated column'
        conn.execute("DROP TABLE gcopy")
