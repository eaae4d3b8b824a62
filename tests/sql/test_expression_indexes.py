"""Indexes on expressions (CREATE [UNIQUE] INDEX ... ON t (lower(v)), ((a || b))), checked
against PostgreSQL 15: uniqueness with PostgreSQL's DETAIL, the catalog (pg_index, pg_get_indexdef,
pg_indexes, the index's pg_attribute), the expression's rules, DROP INDEX / DROP COLUMN /
ALTER COLUMN TYPE / RENAME COLUMN, and the planner using the index for the same expression."""

import subprocess

import psycopg
import pytest


def _detail(dsn: str, statements: list[str]) -> tuple[str, str, str]:
    """(sqlstate, message, detail) of the last statement, the others having succeeded."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for stmt in statements[:-1]:
            conn.execute(stmt)
        with pytest.raises(psycopg.Error) as failed:
            conn.execute(statements[-1])
        d = failed.value.diag
        return failed.value.sqlstate, d.message_primary, d.message_detail


@pytest.fixture
def both(sql):
    """DSNs of the test's database on QuantaDB and (when it runs) PostgreSQL."""
    return [server.dsn(sql.name) for _, server in sql.servers]


def test_unique_expression_index_enforces_uniqueness(sql, both):
    sql.setup("""
        CREATE TABLE users (id int PRIMARY KEY, email varchar(40), first text, last text);
        CREATE UNIQUE INDEX users_email ON users (lower(email));
        CREATE UNIQUE INDEX users_name ON users ((first || ' ' || last));
        INSERT INTO users VALUES (1, 'Ann@X.org', 'Ann', 'Lee')
    """)
    for dsn in both:
        assert _detail(dsn, ["INSERT INTO users VALUES (2, 'ann@x.ORG', 'Bo', 'Lee')"]) == (
            "23505", 'duplicate key value violates unique constraint "users_email"',
            "Key (lower(email::text))=(ann@x.org) already exists.")
        assert _detail(dsn, ["INSERT INTO users VALUES (3, 'b@x.org', 'Ann', 'Lee')"]) == (
            "23505", 'duplicate key value violates unique constraint "users_name"',
            "Key (((first || ' '::text) || last))=(Ann Lee) already exists.")
    sql.setup("""
        INSERT INTO users VALUES (2, 'bo@x.org', 'Bo', 'Lee');
        UPDATE users SET email = 'BO@y.org' WHERE id = 2
    """)
    sql.error("UPDATE users SET email = 'ANN@x.org' WHERE id = 2", "23505",
              'duplicate key value violates unique constraint "users_email"')
    sql.check("INSERT INTO users VALUES (5, 'ann@X.ORG', 'Cy', 'Do') ON CONFLICT DO NOTHING RETURNING id", [])
    sql.check("SELECT id, email FROM users WHERE lower(email) = 'bo@y.org'", [("2", "BO@y.org")])
    sql.check("SELECT * FROM users WHERE id = 1", [("1", "Ann@X.org", "Ann", "Lee")],
              columns=["id", "email", "first", "last"])
    # the expression's stored values stay out of sight
    sql.check("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0", [("4",)])
    sql.check("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users'", [("4",)])
    sql.check("SELECT relnatts FROM pg_class WHERE relname = 'users'", [("4",)])


def test_building_a_unique_index_over_duplicates(sql, both):
    sql.setup("CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'A'), (2, 'a')")
    for dsn in both:
        assert _detail(dsn, ["CREATE UNIQUE INDEX t_lv ON t (lower(v))"]) == (
            "23505", 'could not create unique index "t_lv"', "Key (lower(v))=(a) is duplicated.")
    sql.setup("CREATE INDEX t_lv ON t (lower(v))")
    sql.check("SELECT id FROM t WHERE lower(v) = 'a'", [("1",), ("2",)])


def test_catalog(sql):
    sql.setup("""
        CREATE TABLE t (id int, v1 varchar(10), a text, b text);
        CREATE UNIQUE INDEX t_l ON t (lower(v1));
        CREATE INDEX ON t ((a || ' ' || b));
        CREATE INDEX ON t (id, upper(a));
        CREATE INDEX ON t ((id + 1), (id * 2))
    """)
    sql.check("SELECT indexrelid::regclass::text, indkey::text, pg_get_expr(indexprs, indrelid), "
              "pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 't'::regclass", [
                  ("t_l", "0", "lower((v1)::text)", "CREATE UNIQUE INDEX t_l ON public.t USING btree (lower((v1)::text))"),
                  ("t_expr_idx", "0", "((a || ' '::text) || b)",
                   "CREATE INDEX t_expr_idx ON public.t USING btree ((((a || ' '::text) || b)))"),
                  ("t_id_upper_idx", "1 0", "upper(a)", "CREATE INDEX t_id_upper_idx ON public.t USING btree (id, upper(a))"),
                  ("t_expr_expr1_idx", "0 0", "(id + 1), (id * 2)",
                   "CREATE INDEX t_expr_expr1_idx ON public.t USING btree (((id + 1)), ((id * 2)))")])
    sql.check("SELECT pg_get_indexdef('t_l'::regclass, 0, true), pg_get_indexdef('t_l'::regclass, 1, true), "
              "pg_get_indexdef('t_l'::regclass, 1, false), pg_get_indexdef('t_expr_idx'::regclass, 1, true)",
              [("CREATE UNIQUE INDEX t_l ON t USING btree (lower(v1::text))", "lower(v1::text)",
                "lower((v1)::text)", "((a || ' '::text) || b)")])
    sql.check("SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
              "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_index i ON i.indexrelid = c.oid "
              "WHERE i.indrelid = 't'::regclass", [
                  ("t_l", "1", "lower", "text"), ("t_expr_idx", "1", "expr", "text"),
                  ("t_id_upper_idx", "1", "id", "integer"), ("t_id_upper_idx", "2", "upper", "text"),
                  ("t_expr_expr1_idx", "1", "expr", "integer"), ("t_expr_expr1_idx", "2", "expr1", "integer")])
    sql.check("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 't_l'",
              [("t_l", "CREATE UNIQUE INDEX t_l ON public.t USING btree (lower((v1)::text))")])
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0",
              [("id",), ("v1",), ("a",), ("b",)])


def test_expression_rules(sql):
    sql.setup("CREATE TABLE t (id int, a text)")
    sql.error("CREATE INDEX i ON t (random())", "42P17", "functions in index expression must be marked IMMUTABLE")
    sql.error("CREATE INDEX i ON t ((a::timestamptz))", "42P17",
              "functions in index expression must be marked IMMUTABLE")
    sql.error("CREATE INDEX i ON t (nope(a))", "42883", "function nope(text) does not exist")
    sql.error("CREATE INDEX i ON t ((nope))", "42703", 'column "nope" does not exist')
    sql.error("CREATE INDEX i ON t (sum(id))", "42803", "aggregate functions are not allowed in index expressions")


def test_ddl_on_referenced_columns(sql, both):
    sql.setup("""
        CREATE TABLE u (id int PRIMARY KEY, v varchar(10), w text);
        INSERT INTO u VALUES (1, 'A', 'x'), (2, 'b', 'y');
        CREATE UNIQUE INDEX u_lv ON u (lower(v));
        CREATE INDEX u_w ON u ((w || '!'));
        CREATE INDEX u_w2 ON u ((w || '!'));
        ALTER TABLE u ALTER COLUMN v TYPE text
    """)
    sql.check("SELECT pg_get_indexdef('u_lv'::regclass)", [("CREATE UNIQUE INDEX u_lv ON public.u USING btree (lower(v))",)])
    sql.error("INSERT INTO u VALUES (3, 'a')", "23505", 'duplicate key value violates unique constraint "u_lv"')
    sql.setup("ALTER TABLE u RENAME COLUMN v TO vv; DROP INDEX u_w2")
    for dsn in both:
        assert _detail(dsn, ["INSERT INTO u VALUES (3, 'B')"])[2] == "Key (lower(vv))=(b) already exists."
    sql.check("SELECT pg_get_indexdef('u_lv'::regclass)", [("CREATE UNIQUE INDEX u_lv ON public.u USING btree (lower(vv))",)])
    sql.check("SELECT id FROM u WHERE (w || '!') = 'y!'", [("2",)])
    sql.setup("ALTER TABLE u DROP COLUMN w")
    sql.check("SELECT indexname FROM pg_indexes WHERE tablename = 'u'", [("u_pkey",), ("u_lv",)])
    sql.setup("DROP INDEX u_lv; INSERT INTO u VALUES (3, 'a'); CREATE INDEX u_lv ON u (lower(vv))")
    sql.check("SELECT id FROM u WHERE lower(vv) = 'a'", [("1",), ("3",)])
    sql.check("SELECT * FROM u", [("1", "A"), ("2", "b"), ("3", "a")], columns=["id", "vv"])


def test_index_over_a_generated_column(sql):
    sql.setup("""
        CREATE TABLE g (id int, v text, lv text GENERATED ALWAYS AS (lower(v)) STORED);
        CREATE UNIQUE INDEX g_x ON g ((lv || '#'));
        INSERT INTO g (id, v) VALUES (1, 'Ab')
    """)
    sql.error("INSERT INTO g (id, v) VALUES (2, 'aB')", "23505", 'duplicate key value violates unique constraint "g_x"')
    sql.check("SELECT id FROM g WHERE (lv || '#') = 'ab#'", [("1",)])


def test_writes_keep_the_index_right(quantadb_server):
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS ew")
        conn.execute("CREATE TABLE ew (id int PRIMARY KEY, v text)")
        conn.execute("CREATE INDEX ew_lv ON ew (lower(v))")
        with conn.cursor().copy("COPY ew FROM STDIN") as copy:
            copy.write(b"1\tOne\n2\tTWO\n")
        conn.execute("INSERT INTO ew SELECT i, 'V' || i FROM generate_series(3, 300) i")
        conn.execute("UPDATE ew SET v = 'Three' WHERE id = 3")
        conn.execute("INSERT INTO ew VALUES (4, 'x') ON CONFLICT (id) DO UPDATE SET v = 'FOUR'")
        conn.execute("DELETE FROM ew WHERE id = 5")
        for v, ids in (("one", [1]), ("two", [2]), ("three", [3]), ("four", [4]), ("v5", []), ("v6", [6]), ("v3", [])):
            assert [r[0] for r in conn.execute("SELECT id FROM ew WHERE lower(v) = %s", (v,))] == ids
        assert conn.execute("SELECT count(*) FROM ew WHERE lower(v) >= 'v7' AND lower(v) < 'v8'").fetchone() == (11,)
        conn.execute("DROP TABLE ew")


def test_planner_uses_the_index_for_the_same_expression(quantadb_server):
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS ep")
        conn.execute("CREATE TABLE ep (id int, v varchar(20), a text, b text)")
        conn.execute("INSERT INTO ep SELECT i, 'V' || i, 'a' || i, 'b' || i FROM generate_series(1, 500) i")
        conn.execute("CREATE INDEX ep_lv ON ep (lower(v))")
        conn.execute("CREATE INDEX ep_ab ON ep ((a || ' ' || b))")
        conn.execute("CREATE INDEX ep_mix ON ep (id, upper(a))")

        def plan(query: str, *params) -> str:
            return "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, params or None))
        assert "Index Scan using ep_lv on ep" in plan("SELECT * FROM ep WHERE lower(v) = 'v5'")
        assert "Index Scan using ep_lv on ep" in plan("SELECT * FROM ep WHERE 'v5' = lower(v::text)")
        assert "Index Scan using ep_lv on ep" in plan("SELECT * FROM ep WHERE lower(v) > 'v9'")
        assert "Index Scan using ep_lv on ep" in plan("SELECT * FROM ep WHERE lower(v) = %s", "v7")
        assert "Index Scan using ep_ab on ep" in plan("SELECT id FROM ep WHERE a || ' ' || b = 'a7 b7'")
        assert "Index Scan using ep_mix on ep" in plan("SELECT id FROM ep WHERE upper(a) = 'A9' AND id = 9")
        assert "Index Scan using ep_lv on ep" in plan("UPDATE ep SET b = 'z' WHERE lower(v) = 'v9'")
        assert "Seq Scan" in plan("SELECT * FROM ep WHERE upper(v) = 'V5'")
        assert conn.execute("SELECT id FROM ep WHERE lower(v) = %s", ("v7",)).fetchall() == [(7,)]
        assert conn.execute("SELECT id FROM ep WHERE a || ' ' || b = 'a8 b8'").fetchall() == [(8,)]
        assert conn.execute("SELECT id FROM ep WHERE upper(a) = 'A9' AND id = 9").fetchall() == [(9,)]
        assert conn.execute("SELECT count(*) FROM ep WHERE lower(v) > 'v9'").fetchone() == (10,)
        conn.execute("DROP TABLE ep")


def test_on_conflict_infers_an_expression_index(sql):
    sql.setup("""
        CREATE TABLE oc (id int, email text);
        CREATE UNIQUE INDEX oc_e ON oc (lower(email));
        INSERT INTO oc VALUES (1, 'A')
    """)
    sql.check("INSERT INTO oc VALUES (2, 'a') ON CONFLICT (lower(email)) DO UPDATE SET id = excluded.id "
              "RETURNING *", [("2", "A")])
    sql.check("INSERT INTO oc VALUES (3, 'a') ON CONFLICT (lower(email)) DO NOTHING RETURNING *", [])
    sql.error("INSERT INTO oc VALUES (3, 'a') ON CONFLICT (upper(email)) DO NOTHING", "42P10",
              "there is no unique or exclusion constraint matching the ON CONFLICT specification")
    sql.check("SELECT id, email FROM oc", [("2", "A")])


def test_psql_describe_matches_postgres(sql):
    """psql's \\d lists the expression indexes and the generated columns as PostgreSQL 15's does."""
    sql.setup("""
        CREATE TABLE d (id int PRIMARY KEY, v varchar(20), a text, b text,
                        n int GENERATED ALWAYS AS (id * 2) STORED);
        CREATE UNIQUE INDEX d_lv ON d (lower(v));
        CREATE INDEX d_ab ON d ((a || ' ' || b), id)
    """)
    out = [subprocess.run(["psql", "-X", "-d", server.dsn(sql.name), "-c", r"\d d"], capture_output=True,
                          text=True, timeout=60).stdout for _, server in sql.servers]
    assert 'generated always as (id * 2) stored' in out[0]
    assert '"d_lv" UNIQUE, btree (lower(v::text))' in out[0]
    assert '"d_ab" btree (((a || \' \'::text) || b), id)' in out[0]
    assert all(o == out[0] for o in out)


def test_include_columns(sql):
    """INCLUDE columns are catalog only here (entries are row ids), but show as PostgreSQL shows them."""
    sql.setup("CREATE TABLE inc_t (a int, b int, c int, d int);\n"
              "CREATE INDEX inc_idx ON inc_t (a, (b + c + (1 + 1))) INCLUDE (d)")
    sql.check("SELECT pg_get_indexdef('inc_idx'::regclass, 0, true), pg_get_indexdef('inc_idx'::regclass, 3, true), "
              "pg_get_indexdef('inc_idx'::regclass, -1, true), pg_get_indexdef('inc_idx'::regclass, 4, true)",
              [("CREATE INDEX inc_idx ON inc_t USING btree (a, (b + c + (1 + 1))) INCLUDE (d)", "d", "", "")])
    sql.check("SELECT indnatts, indnkeyatts, indkey FROM pg_index WHERE indexrelid = 'inc_idx'::regclass",
              [("3", "2", "1 0 4")])
    sql.error("CREATE INDEX ON inc_t (a) INCLUDE (nosuch)", "42703", 'column "nosuch" does not exist')
    sql.setup("CREATE INDEX ON inc_t (lower(a::text)) INCLUDE (c, d)")  # named for its INCLUDE columns too
    sql.check("SELECT indexname FROM pg_indexes WHERE tablename = 'inc_t'", [("inc_idx",), ("inc_t_lower_c_d_idx",)])
