"""Partial indexes (CREATE [UNIQUE] INDEX ... WHERE predicate), checked against PostgreSQL 15:
uniqueness among the rows the predicate holds only (inserts, updates moving rows in and out,
aborts, VACUUM, bulk and single-row writes), ON CONFLICT inferring the index, the planner using
it only when the query implies the predicate, the catalog (pg_index.indpred, pg_get_indexdef,
psql's \\d, pg_dump), the predicate's rules and DDL on the columns it reads."""

import subprocess

import psycopg
import pytest
from dumping import dump_and_restore, same_on_both

DUPLICATE = 'duplicate key value violates unique constraint "{}"'


def test_unique_among_the_rows_the_predicate_holds(sql):
    sql.setup("""
        CREATE TABLE u (id int PRIMARY KEY, email text, deleted_at int);
        CREATE UNIQUE INDEX u_email ON u (email) WHERE deleted_at IS NULL;
        INSERT INTO u VALUES (1, 'a', NULL), (2, 'a', 1), (3, 'a', 2)
    """)
    sql.error("INSERT INTO u VALUES (4, 'a', NULL)", "23505", DUPLICATE.format("u_email"))
    sql.error("UPDATE u SET deleted_at = NULL WHERE id = 2", "23505", DUPLICATE.format("u_email"))
    sql.setup("UPDATE u SET deleted_at = 5 WHERE id = 1; UPDATE u SET deleted_at = NULL WHERE id = 2")
    sql.check("SELECT * FROM u", [("1", "a", "5"), ("2", "a", None), ("3", "a", "2")])
    # a row that leaves the predicate in an aborted transaction is still in the index afterwards
    sql.setup("BEGIN; UPDATE u SET deleted_at = 9 WHERE id = 2; INSERT INTO u VALUES (5, 'a', NULL); ROLLBACK")
    sql.error("INSERT INTO u VALUES (5, 'a', NULL)", "23505", DUPLICATE.format("u_email"))
    sql.setup("INSERT INTO u VALUES (6, 'a', 3), (7, 'b', NULL); DELETE FROM u WHERE id = 7")
    sql.setup("VACUUM u")
    sql.setup("INSERT INTO u VALUES (7, 'b', NULL)")
    sql.error("INSERT INTO u VALUES (8, 'b', NULL)", "23505", DUPLICATE.format("u_email"))
    sql.check("SELECT id FROM u WHERE email = 'a' AND deleted_at IS NULL", [("2",)])
    sql.check("SELECT id FROM u WHERE email = 'a'", [("1",), ("2",), ("3",), ("6",)])


def test_bulk_writes_and_a_boolean_predicate(sql):
    sql.setup("""
        CREATE TABLE b (id int PRIMARY KEY, k int, active bool, note text);
        CREATE UNIQUE INDEX b_k ON b (k) WHERE active;
        INSERT INTO b SELECT g, g % 100, g <= 100, 'x' FROM generate_series(1, 1000) g
    """)
    sql.error("INSERT INTO b SELECT g, g % 100, true, 'x' FROM generate_series(1001, 1100) g", "23505",
              DUPLICATE.format("b_k"))
    sql.setup("""
        UPDATE b SET active = false WHERE id BETWEEN 1 AND 50;
        UPDATE b SET active = true WHERE id BETWEEN 101 AND 150;
        DELETE FROM b WHERE id BETWEEN 51 AND 100;
        UPDATE b SET active = true WHERE id BETWEEN 151 AND 200
    """)
    sql.setup("VACUUM b")
    sql.setup("""
        INSERT INTO b SELECT g, g % 100 + 100, true, 'y' FROM generate_series(2001, 2100) g
    """)
    sql.error("UPDATE b SET active = true WHERE id = 201", "23505", DUPLICATE.format("b_k"))
    sql.check("SELECT count(*), sum(k) FROM b WHERE active", [("200", "19900")])
    sql.check("SELECT id FROM b WHERE k = 7 AND active", [("107",)])
    sql.check("SELECT count(*) FROM b WHERE k = 7", [("10",)])


def test_building_over_existing_rows(sql):
    sql.setup("CREATE TABLE t (id int, v text, ok bool); INSERT INTO t VALUES (1, 'a', true), (2, 'a', false)")
    sql.setup("CREATE UNIQUE INDEX t_v ON t (v) WHERE ok")
    sql.setup("DROP INDEX t_v; INSERT INTO t VALUES (3, 'a', true)")
    sql.error("CREATE UNIQUE INDEX t_v ON t (v) WHERE ok", "23505", 'could not create unique index "t_v"')
    sql.setup("CREATE UNIQUE INDEX t_v ON t (v) WHERE ok AND id > 1")
    sql.error("INSERT INTO t VALUES (4, 'a', true)", "23505", DUPLICATE.format("t_v"))
    sql.check("INSERT INTO t VALUES (1, 'a', true) RETURNING id", [("1",)])


def test_on_conflict_infers_the_partial_index(sql):
    sql.setup("""
        CREATE TABLE oc (id int PRIMARY KEY, email text, deleted_at int, n int);
        CREATE UNIQUE INDEX oc_email ON oc (email) WHERE deleted_at IS NULL;
        INSERT INTO oc VALUES (1, 'a', NULL, 1), (2, 'a', 5, 1)
    """)
    no_match = "there is no unique or exclusion constraint matching the ON CONFLICT specification"
    sql.error("INSERT INTO oc VALUES (3, 'a', NULL, 1) ON CONFLICT (email) DO NOTHING", "42P10", no_match)
    sql.error("INSERT INTO oc VALUES (3, 'a', NULL, 1) ON CONFLICT (email) WHERE n > 0 DO NOTHING", "42P10", no_match)
    sql.check("INSERT INTO oc VALUES (3, 'a', NULL, 1) ON CONFLICT (email) WHERE deleted_at IS NULL "
              "DO NOTHING RETURNING id", [])
    sql.check("INSERT INTO oc VALUES (3, 'a', NULL, 1) ON CONFLICT (email) WHERE deleted_at IS NULL AND n > 0 "
              "DO UPDATE SET n = oc.n + 10 RETURNING id, n", [("1", "11")])
    # a proposed row outside the predicate conflicts with nothing in the index
    sql.check("INSERT INTO oc VALUES (4, 'a', 7, 1) ON CONFLICT (email) WHERE deleted_at IS NULL "
              "DO UPDATE SET n = 0 RETURNING id, n", [("4", "1")])
    sql.check("INSERT INTO oc VALUES (5, 'z', NULL, 1), (6, 'z', NULL, 2), (7, 'z', 1, 3), (8, 'z', 1, 4) "
              "ON CONFLICT (email) WHERE deleted_at IS NULL DO NOTHING RETURNING id", [("5",), ("7",), ("8",)])
    sql.check("INSERT INTO oc VALUES (9, 'z', NULL, 1) ON CONFLICT DO NOTHING RETURNING id", [])
    sql.error("INSERT INTO oc VALUES (9, 'y', NULL, 1), (10, 'y', NULL, 2) ON CONFLICT (email) "
              "WHERE deleted_at IS NULL DO UPDATE SET n = 0", "21000",
              "ON CONFLICT DO UPDATE command cannot affect row a second time")
    # inferred when the WHERE implies the predicate as PostgreSQL proves it
    sql.setup("CREATE TABLE r (id int, n int, email text); CREATE UNIQUE INDEX r_e ON r (email) WHERE n >= 10 "
              "AND n <= 200; INSERT INTO r VALUES (1, 50, 'e50')")
    sql.check("INSERT INTO r VALUES (2, 60, 'e50') ON CONFLICT (email) WHERE n > 20 AND n < 100 DO NOTHING "
              "RETURNING id", [])
    sql.error("INSERT INTO r VALUES (2, 60, 'e50') ON CONFLICT (email) WHERE n > 5 AND n < 100 DO NOTHING",
              "42P10", no_match)
    # a whole-table unique index matches whatever the WHERE says
    sql.setup("CREATE UNIQUE INDEX oc_n ON oc (n, id)")
    sql.check("INSERT INTO oc VALUES (1, 'q', NULL, 11) ON CONFLICT (id, n) WHERE n > 100 DO NOTHING RETURNING id",
              [])


def test_foreign_keys_need_a_whole_table_unique_index(sql):
    sql.setup("CREATE TABLE p (id int, live bool); CREATE UNIQUE INDEX p_id ON p (id) WHERE live")
    sql.error("CREATE TABLE c (pid int REFERENCES p (id))", "42830",
              'there is no unique constraint matching given keys for referenced table "p"')


def test_catalog(sql):
    sql.setup("""
        CREATE TABLE t (id int PRIMARY KEY, email text, deleted_at timestamp, n int, s text, flag bool);
        CREATE UNIQUE INDEX t_email ON t (email) WHERE deleted_at IS NULL;
        CREATE INDEX t_n ON t (n) WHERE n > 0 AND s IS NOT NULL;
        CREATE INDEX t_l ON t (lower(email)) WHERE s = 'x';
        CREATE INDEX t_f ON t (id) INCLUDE (n) WHERE flag
    """)
    sql.check("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), pg_get_expr(indpred, indrelid), "
              "pg_get_expr(indexprs, indrelid) FROM pg_index WHERE indrelid = 't'::regclass", [
                  ("t_pkey", "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)", None, None),
                  ("t_email", "CREATE UNIQUE INDEX t_email ON public.t USING btree (email) WHERE (deleted_at IS NULL)",
                   "(deleted_at IS NULL)", None),
                  ("t_n", "CREATE INDEX t_n ON public.t USING btree (n) WHERE ((n > 0) AND (s IS NOT NULL))",
                   "((n > 0) AND (s IS NOT NULL))", None),
                  ("t_l", "CREATE INDEX t_l ON public.t USING btree (lower(email)) WHERE (s = 'x'::text)",
                   "(s = 'x'::text)", "lower(email)"),
                  ("t_f", "CREATE INDEX t_f ON public.t USING btree (id) INCLUDE (n) WHERE flag", "flag", None)])
    sql.check("SELECT pg_get_indexdef('t_n'::regclass, 0, true)",
              [("CREATE INDEX t_n ON t USING btree (n) WHERE n > 0 AND s IS NOT NULL",)])
    sql.check("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 't_email'",
              [("t_email", "CREATE UNIQUE INDEX t_email ON public.t USING btree (email) WHERE (deleted_at IS NULL)")])
    sql.check("SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0", [("6",)])
    sql.check("SELECT * FROM t", [], columns=["id", "email", "deleted_at", "n", "s", "flag"])
    out = [subprocess.run(["psql", "-X", "-d", server.dsn(sql.name), "-c", r"\d t"], capture_output=True,
                          text=True, timeout=60).stdout for _, server in sql.servers]
    assert '"t_email" UNIQUE, btree (email) WHERE deleted_at IS NULL' in out[0]
    assert '"t_n" btree (n) WHERE n > 0 AND s IS NOT NULL' in out[0]
    assert all(o == out[0] for o in out)


def test_predicate_rules(sql):
    sql.setup("CREATE TABLE t (id int, ts timestamptz)")
    immutable = "functions in index predicate must be marked IMMUTABLE"
    sql.error("CREATE INDEX i ON t (id) WHERE random() > 0.5", "42P17", immutable)
    sql.error("CREATE INDEX i ON t (id) WHERE ts > now()", "42P17", immutable)
    sql.error("CREATE INDEX i ON t (id) WHERE count(*) > 0", "42803", "aggregate functions are not allowed in index predicates")
    sql.error("CREATE INDEX i ON t (id) WHERE id IN (SELECT 1)", "0A000", "cannot use subquery in index predicate")
    sql.error("CREATE INDEX i ON t (id) WHERE id", "42804", "argument of WHERE must be type boolean, not type integer")
    sql.error("CREATE INDEX i ON t (id) WHERE nope > 0", "42703", 'column "nope" does not exist')


def test_ddl_on_the_columns_the_predicate_reads(sql):
    sql.setup("""
        CREATE TABLE d (id int PRIMARY KEY, k int, live bool, note text);
        INSERT INTO d VALUES (1, 1, true, 'x'), (2, 1, false, 'y');
        CREATE UNIQUE INDEX d_k ON d (k) WHERE live;
        CREATE INDEX d_note ON d (note) WHERE note <> 'x' AND live;
        ALTER TABLE d RENAME COLUMN live TO alive
    """)
    sql.check("SELECT pg_get_indexdef('d_k'::regclass)", [("CREATE UNIQUE INDEX d_k ON public.d USING btree (k) WHERE alive",)])
    sql.error("INSERT INTO d VALUES (3, 1, true)", "23505", DUPLICATE.format("d_k"))
    sql.setup("ALTER TABLE d ALTER COLUMN k TYPE bigint")
    sql.error("INSERT INTO d VALUES (3, 1, true)", "23505", DUPLICATE.format("d_k"))
    sql.setup("INSERT INTO d VALUES (3, 1, false, 'z')")
    sql.check("SELECT id FROM d WHERE note <> 'x' AND alive AND note = 'y'", [])
    sql.setup("ALTER TABLE d DROP COLUMN note")
    sql.check("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'd'", [
        ("d_pkey", "CREATE UNIQUE INDEX d_pkey ON public.d USING btree (id)"),
        ("d_k", "CREATE UNIQUE INDEX d_k ON public.d USING btree (k) WHERE alive")])
    sql.setup("DROP INDEX d_k; INSERT INTO d VALUES (4, 1, true)")
    sql.check("SELECT * FROM d", [("1", "1", "t"), ("2", "1", "f"), ("3", "1", "f"), ("4", "1", "t")],
              columns=["id", "k", "alive"])


def test_planner_uses_it_only_when_the_query_implies_the_predicate(quantadb_server):
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS pp")
        conn.execute("CREATE TABLE pp (id int, email text, deleted_at int, n int)")
        conn.execute("INSERT INTO pp SELECT i, 'e' || (i % 50), CASE WHEN i % 3 = 0 THEN NULL ELSE i END, i "
                     "FROM generate_series(1, 600) i")
        conn.execute("CREATE INDEX pp_email ON pp (email) WHERE deleted_at IS NULL")
        conn.execute("CREATE INDEX pp_n ON pp (n) WHERE n > 100 AND email <> 'e1'")

        def plan(query: str, *params) -> str:
            return "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, params or None))

        def ids(query: str, *params) -> list[int]:
            return sorted(r[0] for r in conn.execute(query, params or None))
        assert "Index Scan using pp_email" in plan("SELECT id FROM pp WHERE email = 'e3' AND deleted_at IS NULL")
        assert "Index Scan using pp_email" in plan("SELECT id FROM pp WHERE deleted_at IS NULL AND email = %s", "e3")
        assert "Seq Scan" in plan("SELECT id FROM pp WHERE email = 'e3'")
        assert "Seq Scan" in plan("SELECT id FROM pp WHERE email = 'e3' AND deleted_at IS NOT NULL")
        assert "Index Scan using pp_n" in plan("SELECT id FROM pp WHERE n > 100 AND email <> 'e1' AND n < 110")
        assert "Seq Scan" in plan("SELECT id FROM pp WHERE n < 110")
        assert ids("SELECT id FROM pp WHERE email = 'e3' AND deleted_at IS NULL") == [3, 153, 303, 453]
        assert len(ids("SELECT id FROM pp WHERE email = 'e3'")) == 12
        assert ids("SELECT id FROM pp WHERE n < 5") == [1, 2, 3, 4]
        assert ids("SELECT id FROM pp WHERE n > 100 AND email <> 'e1' AND n < 105") == [102, 103, 104]
        # what follows from the filter's conjuncts, as PostgreSQL proves it
        conn.execute("CREATE INDEX pp_big ON pp (n) WHERE n > 500")
        conn.execute("CREATE INDEX pp_deleted ON pp (deleted_at) WHERE deleted_at IS NOT NULL")
        conn.execute("CREATE INDEX pp_id ON pp (id) WHERE n >= 10 AND n <= 20")
        assert "Index Scan using pp_big" in plan("SELECT id FROM pp WHERE n = 550")
        assert "Index Scan using pp_big" in plan("SELECT id FROM pp WHERE n >= 501")
        assert "Seq Scan" in plan("SELECT id FROM pp WHERE n >= 500")
        assert "Index Scan using pp_deleted" in plan("SELECT id FROM pp WHERE deleted_at = 8")
        assert "Index Scan using pp_deleted" in plan("SELECT id FROM pp WHERE deleted_at = %s", 8)
        assert "Index Scan using pp_id" in plan("SELECT id FROM pp WHERE id = 15 AND n > 12 AND n < 16")
        assert "Seq Scan" in plan("SELECT id FROM pp WHERE id = 15 AND n > 12 AND n < 21")
        assert ids("SELECT id FROM pp WHERE n = 550") == [550]
        assert ids("SELECT id FROM pp WHERE deleted_at = %s", 8) == [8]
        assert ids("SELECT id FROM pp WHERE id = 15 AND n > 12 AND n < 16") == [15]
        conn.execute("UPDATE pp SET deleted_at = NULL WHERE id = 4")
        assert ids("SELECT id FROM pp WHERE email = 'e4' AND deleted_at IS NULL") == [4, 54, 204, 354, 504]
        conn.execute("DROP TABLE pp")


@pytest.mark.parametrize("direction", ["postgres_to_quantadb", "quantadb_to_postgres"])
def test_pg_dump_round_trip(quantadb_server, postgres_server, tmp_path, direction):
    if postgres_server is None:
        pytest.fail("PostgreSQL 15 is installed on every machine of the project")
    schema = """
        create table acct (id int primary key, email text, deleted_at timestamp, score int);
        create unique index acct_email on acct (email) where deleted_at is null;
        create index acct_hi on acct (lower(email)) where score > 10 and deleted_at is null;
        insert into acct values (1, 'a', null, 5), (2, 'a', '2024-01-01', 20), (3, 'B', null, 30);
    """
    dbname = f"partial_{direction}"
    source, target = ((postgres_server, quantadb_server) if direction == "postgres_to_quantadb"
                      else (quantadb_server, postgres_server))
    dump_and_restore(source, target, tmp_path, dbname, schema)
    same_on_both(postgres_server, quantadb_server, dbname,
                 ("select indexname, indexdef from pg_indexes where tablename = 'acct' order by 1",
                  "select * from acct order by id",
                  "insert into acct values (4, 'a', null, 1)"))


def test_on_a_materialized_view(sql):
    """A materialized view's rows are made again with the index's hidden column (its UPDATE would
    be refused); REFRESH computes it over the query's rows."""
    sql.setup("""
        CREATE MATERIALIZED VIEW mv (a, s) AS SELECT g, 'X' || g FROM generate_series(1, 20) g;
        CREATE UNIQUE INDEX mv_s ON mv (s) WHERE a > 5;
        CREATE INDEX mv_l ON mv (lower(s))
    """)
    sql.setup("REFRESH MATERIALIZED VIEW mv")
    sql.check("SELECT a FROM mv WHERE s = 'X7' AND a > 5", [("7",)])
    sql.check("SELECT a FROM mv WHERE lower(s) = 'x3'", [("3",)])
    sql.check("SELECT * FROM mv WHERE a < 3", [("1", "X1"), ("2", "X2")], columns=["a", "s"])
    sql.setup("DROP INDEX mv_l")
    sql.setup("REFRESH MATERIALIZED VIEW mv")
    sql.check("SELECT count(*) FROM mv WHERE a > 5", [("15",)])
    sql.setup("CREATE MATERIALIZED VIEW mv2 AS SELECT 1 AS k FROM generate_series(1, 3); "
              "CREATE UNIQUE INDEX ON mv2 (k) WHERE k > 1")
    sql.error("CREATE UNIQUE INDEX ON mv2 (k)", "23505", 'could not create unique index "mv2_k_idx1"')
