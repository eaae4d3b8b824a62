"""MERGE (PostgreSQL 15), checked against PostgreSQL: the WHEN clauses in order (first match
wins), each action's INSERT/UPDATE/DELETE rules (defaults, generated and identity columns,
domains, NOT NULL, CHECK, UNIQUE, foreign keys), a target row matched twice, the command tag,
and PostgreSQL's errors for what MERGE refuses."""

import psycopg
import pytest


def test_clauses_run_in_order_first_match_wins(sql):
    sql.setup("""
        CREATE TABLE t (id int PRIMARY KEY, v int, note text DEFAULT 'new');
        INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, 'd');
        CREATE TABLE s (id int, v int);
        INSERT INTO s VALUES (1, 1), (2, 2), (3, -3), (5, 5), (6, -6), (7, 7);
        MERGE INTO t USING s ON t.id = s.id
            WHEN MATCHED AND s.v < 0 THEN DELETE
            WHEN MATCHED AND s.v = 2 THEN DO NOTHING
            WHEN MATCHED THEN UPDATE SET v = t.v + s.v, note = 'upd'
            WHEN NOT MATCHED AND s.v < 0 THEN DO NOTHING
            WHEN NOT MATCHED AND s.id = 7 THEN INSERT (id, v) VALUES (s.id, s.v * 100)
            WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)
    """)
    sql.check("SELECT id, v, note FROM t", [("1", "11", "upd"), ("2", "20", "b"), ("4", "40", "d"),
                                              ("5", "5", "new"), ("7", "700", "new")])


def test_sources_and_aliases(sql):
    sql.setup("""
        CREATE TABLE t (id int PRIMARY KEY, v text);
        INSERT INTO t VALUES (1, 'one');
        MERGE INTO t AS x USING (VALUES (1, 'uno'), (2, 'dos')) AS v(id, name) ON x.id = v.id
            WHEN MATCHED THEN UPDATE SET v = v.name
            WHEN NOT MATCHED THEN INSERT VALUES (v.id, v.name);
        MERGE INTO public.t x USING (SELECT g AS id FROM generate_series(2, 3) g) AS s ON x.id = s.id
            WHEN MATCHED THEN UPDATE SET v = upper(x.v)
            WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id);
        WITH src AS (SELECT 1 AS id, 'eins' AS v) MERGE INTO t USING src ON t.id = src.id
            WHEN MATCHED THEN UPDATE SET v = src.v;
        CREATE TABLE u (id int, v text);
        INSERT INTO u VALUES (3, 'drei');
        MERGE INTO t USING u ON t.id = u.id AND u.v LIKE 'd%' WHEN MATCHED THEN UPDATE SET v = u.v;
        MERGE INTO t USING u JOIN (VALUES (3, '!'), (4, '?')) AS w(id, mark) ON u.id = w.id - 1 ON t.id = w.id
            WHEN NOT MATCHED THEN INSERT VALUES (w.id, u.v || w.mark);
        MERGE INTO t USING (u JOIN t AS old USING (id)) AS j ON t.id = j.id + 1 WHEN MATCHED THEN DELETE;
        MERGE INTO t USING u CROSS JOIN (VALUES ('!')) AS m(mark) ON t.id = u.id - 1
            WHEN MATCHED THEN UPDATE SET v = t.v || m.mark;
        MERGE INTO t USING u NATURAL JOIN (SELECT 3 AS id, 'drei' AS v) AS k ON t.id = k.id - 2
            WHEN MATCHED THEN UPDATE SET v = k.v
    """)
    sql.check("SELECT * FROM t", [("1", "drei"), ("2", "DOS!"), ("3", "drei")])


def test_no_matches_and_only_not_matched(sql):
    sql.setup("""
        CREATE TABLE t (id int, v int);
        INSERT INTO t VALUES (1, 1);
        CREATE TABLE empty (id int, v int);
        MERGE INTO t USING empty ON t.id = empty.id WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (9, 9);
        MERGE INTO t USING (SELECT 2 AS id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES;
        MERGE INTO t USING (SELECT 1 AS id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (5, 5)
    """)
    sql.check("SELECT * FROM t", [("1", "1"), (None, None)])


def test_defaults_generated_identity_and_domains(sql):
    sql.setup("""
        CREATE DOMAIN pos AS int CHECK (VALUE > 0);
        CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, k int UNIQUE, v pos DEFAULT 7,
                        twice int GENERATED ALWAYS AS (v * 2) STORED);
        INSERT INTO t (k) VALUES (1);
        CREATE TABLE s (k int, v int);
        INSERT INTO s VALUES (1, 3), (2, NULL), (3, 4);
        MERGE INTO t USING s ON t.k = s.k
            WHEN MATCHED THEN UPDATE SET v = s.v
            WHEN NOT MATCHED AND s.v IS NULL THEN INSERT (k) VALUES (s.k)
            WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, DEFAULT);
        MERGE INTO t USING (SELECT 10 AS id, 9 AS k) s ON t.k = s.k
            WHEN NOT MATCHED THEN INSERT (id, k) OVERRIDING SYSTEM VALUE VALUES (s.id, s.k)
    """)
    sql.check("SELECT id, k, v, twice FROM t", [("1", "1", "3", "6"), ("2", "2", "7", "14"), ("3", "3", "7", "14"),
                                                 ("10", "9", "7", "14")])
    sql.error("MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET twice = 1", "428C9",
              'column "twice" can only be updated to DEFAULT')
    sql.error("MERGE INTO t USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT (id, k) VALUES (5, 5)", "428C9",
              'cannot insert a non-DEFAULT value into column "id"')
    sql.error("MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = -1", "23514",
              'value for domain pos violates check constraint "pos_check"')


def test_constraints_apply(sql):
    sql.setup("""
        CREATE TABLE p (id int PRIMARY KEY);
        INSERT INTO p VALUES (1), (2);
        CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL CHECK (v < 100), p int REFERENCES p);
        INSERT INTO t VALUES (1, 1, 1), (2, 2, 2);
        CREATE TABLE s (id int, v int, p int);
        INSERT INTO s VALUES (1, 5, 1), (3, 3, 2)
    """)
    sql.error("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = NULL", "23502",
              'null value in column "v" of relation "t" violates not-null constraint')
    sql.error("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, 500, 1)", "23514",
              'new row for relation "t" violates check constraint "t_v_check"')
    sql.error("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET id = 2", "23505",
              'duplicate key value violates unique constraint "t_pkey"')
    sql.error("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, 1, 9)", "23503",
              'insert or update on table "t" violates foreign key constraint "t_p_fkey"')
    sql.error("MERGE INTO p USING s ON p.id = s.p WHEN MATCHED THEN DELETE", "23503",
              'update or delete on table "p" violates foreign key constraint "t_p_fkey" on table "t"')
    # a failed MERGE changed nothing; one that deletes a key and inserts it again succeeds
    sql.setup("""
        MERGE INTO t USING (VALUES (2, 'del'), (2, 'ins')) AS s(id, what) ON t.id = s.id AND s.what = 'del'
            WHEN MATCHED THEN DELETE
            WHEN NOT MATCHED THEN INSERT VALUES (s.id, 42, 1)
    """)
    sql.check("SELECT * FROM t", [("1", "1", "1"), ("2", "42", "1")])


def test_target_row_matched_twice(sql):
    sql.setup("""
        CREATE TABLE t (id int, v int);
        INSERT INTO t VALUES (1, 0), (2, 0);
        CREATE TABLE s (id int, v int);
        INSERT INTO s VALUES (1, 1), (1, 2), (2, 5)
    """)
    sql.error("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v", "21000",
              "MERGE command cannot affect row a second time")
    sql.error("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "21000",
              "MERGE command cannot affect row a second time")
    # twice matched but acted on once: no error
    sql.setup("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.v <> 1 THEN UPDATE SET v = s.v")
    sql.check("SELECT * FROM t", [("1", "2"), ("2", "5")])
    sql.setup("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DO NOTHING")


@pytest.mark.parametrize("stmt, sqlstate, message", [
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *", "42601",
     'syntax error at or near "RETURNING"'),
    ("MERGE INTO t USING s ON t.id = s.id", "42601", "syntax error at end of input"),
    ("MERGE INTO t USING VALUES (1) ON true WHEN MATCHED THEN DELETE", "42601", 'syntax error at or near "("'),
    ("MERGE INTO t USING s, s AS s2 ON true WHEN MATCHED THEN DELETE", "42601", 'syntax error at or near ","'),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN UPDATE SET v = 1", "42601",
     'syntax error at or near "UPDATE"'),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN INSERT VALUES (1)", "42601",
     'syntax error at or near "INSERT"'),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE", "42601",
     'syntax error at or near "BY"'),
    ("WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE) SELECT 1", "0A000",
     "MERGE not supported in WITH query"),
    ("MERGE INTO t USING (SELECT 1 AS id) ON true WHEN MATCHED THEN DELETE", "42601",
     "subquery in FROM must have an alias"),
    ("MERGE INTO t USING (VALUES (1)) ON true WHEN MATCHED THEN DELETE", "42601", "VALUES in FROM must have an alias"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE WHEN MATCHED AND t.v > 1 THEN DELETE", "42601",
     "unreachable WHEN clause specified after unconditional WHEN clause"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN DO NOTHING WHEN NOT MATCHED THEN INSERT VALUES (1)",
     "42601", "unreachable WHEN clause specified after unconditional WHEN clause"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET nope = 1", "42703",
     'column "nope" of relation "t" does not exist'),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.nope", "42703",
     "column s.nope does not exist"),
    ("MERGE INTO t USING s ON t.id = s.nope WHEN MATCHED THEN DELETE", "42703", "column s.nope does not exist"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = 1, v = 2", "42601",
     'multiple assignments to same column "v"'),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (1, 2, 3)", "42601",
     "INSERT has more expressions than target columns"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, v) VALUES (1)", "42601",
     "INSERT has more target columns than expressions"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, id) VALUES (1, 2)", "42701",
     'column "id" specified more than once'),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, t.v)", "42P01",
     'invalid reference to FROM-clause entry for table "t"'),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND sum(s.v) > 1 THEN DELETE", "42803",
     "aggregate functions are not allowed in MERGE WHEN conditions"),
    ("MERGE INTO t USING s ON sum(s.v) > 0 WHEN MATCHED THEN DELETE", "42803",
     "aggregate functions are not allowed in JOIN conditions"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = sum(s.v)", "42803",
     "aggregate functions are not allowed in UPDATE"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (sum(s.v), 1)", "42803",
     "aggregate functions are not allowed in VALUES"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND row_number() OVER () > 1 THEN DELETE", "42P20",
     "window functions are not allowed in MERGE WHEN conditions"),
    ("UPDATE t SET v = sum(v)", "42803", "aggregate functions are not allowed in UPDATE"),
    ("INSERT INTO t VALUES (1, sum(1))", "42803", "aggregate functions are not allowed in VALUES"),
    ("MERGE INTO tv USING s ON tv.id = s.id WHEN MATCHED THEN DELETE", "0A000",
     'cannot execute MERGE on relation "tv"'),
    ("MERGE INTO tm USING s ON tm.id = s.id WHEN MATCHED THEN DELETE", "0A000",
     'cannot execute MERGE on relation "tm"'),
    ("MERGE INTO sq USING s ON true WHEN MATCHED THEN DELETE", "0A000", 'cannot execute MERGE on relation "sq"'),
    ("MERGE INTO t_pkey USING s ON true WHEN MATCHED THEN DELETE", "42809", '"t_pkey" is an index'),
    ("MERGE INTO nosuch USING s ON true WHEN MATCHED THEN DELETE", "42P01", 'relation "nosuch" does not exist'),
    ("MERGE INTO t USING nosuch ON true WHEN MATCHED THEN DELETE", "42P01", 'relation "nosuch" does not exist'),
    ("MERGE INTO t USING t ON true WHEN MATCHED THEN DELETE", "42712", 'name "t" specified more than once'),
    ("MERGE INTO t USING s AS t ON true WHEN MATCHED THEN DELETE", "42712", 'name "t" specified more than once'),
])
def test_errors(sql, stmt, sqlstate, message):
    sql.setup("""
        CREATE TABLE t (id int PRIMARY KEY, v int);
        CREATE TABLE s (id int, v int);
        CREATE VIEW tv AS SELECT * FROM t;
        CREATE MATERIALIZED VIEW tm AS SELECT * FROM t;
        CREATE SEQUENCE sq
    """)
    sql.error(stmt, sqlstate, message)


def test_not_in_copy(quantadb_server):
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS merge_copy; CREATE TABLE merge_copy (id int); INSERT INTO merge_copy VALUES (1)")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="MERGE not supported in COPY"):
            with conn.cursor().copy("COPY (MERGE INTO merge_copy USING (SELECT 1 AS id) s ON merge_copy.id = s.id "
                                    "WHEN MATCHED THEN DELETE) TO STDOUT") as copy:
                list(copy)
        assert conn.execute("SELECT * FROM merge_copy").fetchall() == [(1,)]
        conn.execute("DROP TABLE merge_copy")


def test_read_only_transaction(sql):
    sql.setup("CREATE TABLE t (id int); CREATE TABLE s (id int)")
    sql.setup("BEGIN READ ONLY")
    sql.setup("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DO NOTHING")  # writes nothing: allowed
    sql.error("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "25006",
              "cannot execute MERGE in a read-only transaction")
    sql.setup("ROLLBACK")


def test_command_tag_counts_rows_changed(quantadb_server):
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS merge_tag_t, merge_tag_s")
        conn.execute("CREATE TABLE merge_tag_t (id int PRIMARY KEY, v int)")
        conn.execute("CREATE TABLE merge_tag_s (id int, v int)")
        conn.execute("INSERT INTO merge_tag_t VALUES (1, 1), (2, 2), (3, 3)")
        conn.execute("INSERT INTO merge_tag_s VALUES (1, 10), (2, 20), (3, 30), (4, 40)")
        cur = conn.execute("""MERGE INTO merge_tag_t t USING merge_tag_s s ON t.id = s.id
                              WHEN MATCHED AND s.id = 1 THEN DELETE
                              WHEN MATCHED AND s.id = 2 THEN DO NOTHING
                              WHEN MATCHED THEN UPDATE SET v = s.v
                              WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)""")
        assert (cur.statusmessage, cur.rowcount) == ("MERGE 3", 3)
        assert cur.description is None
        cur = conn.execute("MERGE INTO merge_tag_t t USING merge_tag_s s ON t.id = s.id "
                           "WHEN MATCHED AND s.v = %s THEN UPDATE SET v = %s", [30, 33])
        assert cur.statusmessage == "MERGE 1"
        assert conn.execute("SELECT * FROM merge_tag_t ORDER BY id").fetchall() == [(2, 2), (3, 33), (4, 40)]
        conn.execute("DROP TABLE merge_tag_t, merge_tag_s")


def test_privileges(sql):
    sql.setup("""
        CREATE TABLE t (id int PRIMARY KEY, v int);
        CREATE TABLE s (id int, v int);
        INSERT INTO s VALUES (1, 1);
        DROP ROLE IF EXISTS merge_user;
        CREATE ROLE merge_user;
        GRANT SELECT ON s TO merge_user;
        GRANT SELECT, UPDATE ON t TO merge_user;
        SET ROLE merge_user
    """)
    ok = "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN DO NOTHING"
    sql.setup(ok)
    for stmt in ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
                 "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)"):
        sql.error(stmt, "42501", "permission denied for table t")
    sql.setup("RESET ROLE; REVOKE SELECT ON s FROM merge_user; SET ROLE merge_user")
    sql.error(ok, "42501", "permission denied for table s")
    # SELECT on the target only when the statement reads its columns
    sql.setup("""
        RESET ROLE;
        GRANT SELECT ON s TO merge_user;
        REVOKE SELECT ON t FROM merge_user;
        GRANT INSERT ON t TO merge_user;
        SET ROLE merge_user;
        MERGE INTO t USING s ON s.id > 5 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v);
        MERGE INTO t USING s ON s.id = 1 WHEN MATCHED THEN UPDATE SET v = s.v + 1
    """)
    for stmt in ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)",
                 "MERGE INTO t USING s ON true WHEN MATCHED AND t.v > 0 THEN UPDATE SET v = 1",
                 "MERGE INTO t USING s ON true WHEN MATCHED THEN UPDATE SET v = (SELECT t.v + 1)"):
        sql.error(stmt, "42501", "permission denied for table t")
    sql.check("SELECT * FROM s", [("1", "1")])
    sql.setup("RESET ROLE; DROP OWNED BY merge_user; DROP ROLE merge_user")


def test_subqueries_and_a_dropped_column(sql):
    sql.setup("""
        CREATE TABLE t (id int PRIMARY KEY, a int, b int DEFAULT -1, v int);
        ALTER TABLE t DROP COLUMN a;
        INSERT INTO t VALUES (1, 1, 1), (2, 2, 2);
        CREATE TABLE s (id int, w int);
        INSERT INTO s VALUES (1, 10), (3, 30);
        MERGE INTO t USING s ON t.id = s.id
            WHEN MATCHED AND (SELECT count(*) FROM s) > 1 THEN UPDATE SET (b, v) = (SELECT 7, max(w) FROM s)
            WHEN NOT MATCHED AND s.w IN (SELECT w FROM s) THEN INSERT (id, v) VALUES (s.id, (SELECT min(w) FROM s))
    """)
    sql.check("SELECT * FROM t", [("1", "7", "30"), ("2", "2", "2"), ("3", "-1", "10")])
    sql.setup("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = t.v + t.b, b = DEFAULT")
    sql.check("SELECT * FROM t", [("1", "-1", "37"), ("2", "2", "2"), ("3", "-1", "9")])


def test_few_source_rows_into_a_larger_table(sql):
    # (a source this much smaller than the target finds its rows through the key's index)
    sql.setup("""
        CREATE TABLE t (a int, b text, v int, PRIMARY KEY (a, b));
        INSERT INTO t SELECT i, 'k' || i % 3, i FROM generate_series(1, 300) i;
        CREATE TABLE n (id int UNIQUE, v int);
        INSERT INTO n SELECT i, i FROM generate_series(1, 300) i;
        MERGE INTO t USING (VALUES (5, 'k2', 50), (6, 'k2', 60), (NULL, 'k1', 0)) AS s(a, b, v)
            ON t.a = s.a AND t.b = s.b
            WHEN MATCHED THEN UPDATE SET v = s.v
            WHEN NOT MATCHED THEN INSERT VALUES (coalesce(s.a, 0), s.b, s.v);
        MERGE INTO n USING (SELECT 7::int8 AS id UNION ALL SELECT 1000) s ON n.id = s.id
            WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (s.id, -1);
        MERGE INTO n USING (SELECT 8 AS id) s ON n.id = s.id AND n.v > 100 WHEN MATCHED THEN DELETE
    """)
    sql.check("SELECT * FROM t WHERE a IN (0, 5, 6) ORDER BY a, b", [("0", "k1", "0"), ("5", "k2", "50"),
                                                                   ("6", "k0", "6"), ("6", "k2", "60")], ordered=True)
    sql.check("SELECT count(*), sum(v) FROM t", [("302", str(sum(range(1, 301)) + 50 - 5 + 60))])
    sql.check("SELECT * FROM n WHERE id IN (7, 8, 1000)", [("8", "8"), ("1000", "-1")])
    sql.error("MERGE INTO n USING (VALUES (9), (9)) AS s(id) ON n.id = s.id WHEN MATCHED THEN UPDATE SET v = 0",
              "21000", "MERGE command cannot affect row a second time")


def test_when_not_matched_cannot_see_the_target(quantadb_server):
    """PostgreSQL's hints (the checks above compare messages only)."""
    with psycopg.connect(quantadb_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS merge_hint_t, merge_hint_s")
        conn.execute("CREATE TABLE merge_hint_t (id int, only_t int)")
        conn.execute("CREATE TABLE merge_hint_s (id int)")
        merge = "MERGE INTO merge_hint_t t USING merge_hint_s s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES "
        with pytest.raises(psycopg.errors.UndefinedColumn) as err:
            conn.execute(merge + "(s.id, only_t)")
        assert err.value.diag.message_hint == ('There is a column named "only_t" in table "t", but it cannot be '
                                              'referenced from this part of the query.')
        with pytest.raises(psycopg.errors.UndefinedTable) as err:
            conn.execute(merge + "(s.id, t.only_t)")
        assert err.value.diag.message_hint == ('There is an entry for table "t", but it cannot be referenced from '
                                              'this part of the query.')
        conn.execute(merge + "(s.id, (SELECT max(only_t) FROM merge_hint_t))")  # a subquery's own scope
        conn.execute("DROP TABLE merge_hint_t, merge_hint_s")


def test_in_a_sql_function(sql):
    sql.setup("""
        CREATE TABLE counts (id int PRIMARY KEY, n int);
        CREATE FUNCTION bump(k int) RETURNS void LANGUAGE sql AS $$
            MERGE INTO counts USING (SELECT k AS id) s ON counts.id = s.id
            WHEN MATCHED THEN UPDATE SET n = counts.n + 1 WHEN NOT MATCHED THEN INSERT VALUES (s.id, 1) $$;
        CREATE FUNCTION bump_stable(k int) RETURNS void LANGUAGE sql STABLE AS $$
            MERGE INTO counts USING (SELECT k AS id) s ON counts.id = s.id WHEN MATCHED THEN DELETE $$
    """)
    sql.check("SELECT 'done' FROM (SELECT bump(1), bump(2)) calls", [("done",)])
    sql.check("SELECT 'done' FROM (SELECT bump(1)) calls", [("done",)])
    sql.check("SELECT * FROM counts", [("1", "2"), ("2", "1")])
    sql.error("SELECT bump_stable(1)", "0A000", "MERGE is not allowed in a non-volatile function")
    sql.error("CREATE FUNCTION bad(k int) RETURNS int LANGUAGE sql AS "
              "$$ MERGE INTO counts USING (SELECT k AS id) s ON counts.id = s.id WHEN MATCHED THEN DELETE $$",
              "42P13", "return type mismatch in function declared to return integer")


def test_with_a_data_modifying_query(sql):
    sql.setup("""
        CREATE TABLE t (id int PRIMARY KEY, n int);
        CREATE TABLE log (id int, n int);
        INSERT INTO t VALUES (1, 1);
        WITH ins AS (INSERT INTO log VALUES (1, 10), (2, 20) RETURNING *)
        MERGE INTO t USING ins ON t.id = ins.id
            WHEN MATCHED THEN UPDATE SET n = ins.n WHEN NOT MATCHED THEN INSERT VALUES (ins.id, ins.n)
    """)
    sql.check("SELECT * FROM t", [("1", "10"), ("2", "20")])
    sql.check("SELECT * FROM log", [("1", "10"), ("2", "20")])
