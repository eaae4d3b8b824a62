"""Triggers: CREATE TRIGGER with PL/pgSQL trigger functions, fired by every write path, shown in
the catalog, kept across a crash. Each expectation holds on PostgreSQL 15 too (run the module
with QUANTADB_TEST_DSN pointing at one)."""

from __future__ import annotations

import os
import subprocess

import psycopg
import pytest

from plpgsql_support import dsn, pl  # noqa: F401  (fixtures)

AUDIT = """
CREATE TABLE audit (n serial, info text);
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit (info) VALUES (TG_NAME || ' ' || TG_WHEN || ' ' || TG_LEVEL || ' ' || TG_OP || ' '
                                   || coalesce(NEW::text, '-') || ' ' || coalesce(OLD::text, '-'));
  RETURN coalesce(NEW, OLD);
END $$;
"""


def _audit(pl) -> list[str]:
    return [r[0] for r in pl.q("SELECT info FROM audit ORDER BY n")]


def test_before_row_trigger_changes_new_and_null_skips_the_row(pl):
    pl.q("CREATE TABLE t (id int PRIMARY KEY, a int, b text)")
    pl.q("""CREATE FUNCTION fix() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.a < 0 THEN RETURN NULL; END IF;
              NEW.b := upper(NEW.b);
              RETURN NEW;
            END $$""")
    pl.q("CREATE TRIGGER t_fix BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION fix()")
    cur = pl.conn.execute("INSERT INTO t VALUES (1, 1, 'abc'), (2, -1, 'neg'), (3, 3, 'x') RETURNING b")
    assert cur.rowcount == 2 and cur.fetchall() == [("ABC",), ("X",)]
    assert pl.conn.execute("UPDATE t SET a = -5 WHERE id = 1").rowcount == 0
    assert pl.conn.execute("UPDATE t SET b = 'low' WHERE id = 3").rowcount == 1
    assert pl.q("SELECT * FROM t ORDER BY id") == [(1, 1, "ABC"), (3, 3, "LOW")]
    # one row by its key: the single-row write path fires them too
    pl.q("INSERT INTO t VALUES (4, 4, 'one')")
    assert pl.one("SELECT b FROM t WHERE id = 4") == "ONE"


def test_generated_columns_follow_what_a_before_trigger_wrote(pl):
    pl.q("CREATE TABLE g (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int DEFAULT 7)")
    pl.q("""CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.a := NEW.a + 100; RETURN NEW; END $$""")
    pl.q("CREATE TRIGGER g_bump BEFORE INSERT OR UPDATE ON g FOR EACH ROW EXECUTE FUNCTION bump()")
    pl.q("INSERT INTO g (a) VALUES (1)")
    assert pl.q("SELECT * FROM g") == [(101, 202, 7)]
    pl.q("UPDATE g SET c = 8")
    assert pl.q("SELECT * FROM g") == [(201, 402, 8)]


def test_before_delete_returning_null_keeps_the_row(pl):
    pl.q("CREATE TABLE t (id int PRIMARY KEY)")
    pl.q("INSERT INTO t VALUES (1), (2), (3)")
    pl.q("""CREATE FUNCTION keep_two() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF OLD.id = 2 THEN RETURN NULL; END IF; RETURN OLD; END $$""")
    pl.q("CREATE TRIGGER t_keep BEFORE DELETE ON t FOR EACH ROW EXECUTE FUNCTION keep_two()")
    assert pl.conn.execute("DELETE FROM t").rowcount == 2
    assert pl.q("SELECT id FROM t") == [(2,)]


def test_after_row_and_statement_triggers_write_an_audit(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (id int PRIMARY KEY, a int)")
    pl.q("CREATE TRIGGER t_row AFTER INSERT OR UPDATE OR DELETE ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.q("CREATE TRIGGER t_stmt AFTER INSERT OR UPDATE OR DELETE ON t EXECUTE PROCEDURE audit_row()")
    pl.q("INSERT INTO t VALUES (1, 10), (2, 20)")
    pl.q("UPDATE t SET a = a + 1 WHERE id = 2")
    pl.q("UPDATE t SET a = 0 WHERE id = 99")  # no row: the statement trigger still fires
    pl.q("DELETE FROM t WHERE id = 1")
    assert _audit(pl) == [
        "t_row AFTER ROW INSERT (1,10) -", "t_row AFTER ROW INSERT (2,20) -", "t_stmt AFTER STATEMENT INSERT - -",
        "t_row AFTER ROW UPDATE (2,21) (2,20)", "t_stmt AFTER STATEMENT UPDATE - -",
        "t_stmt AFTER STATEMENT UPDATE - -",
        "t_row AFTER ROW DELETE - (1,10)", "t_stmt AFTER STATEMENT DELETE - -"]


def test_trigger_variables(pl):
    pl.q("CREATE TABLE t (id int)")
    pl.q("CREATE TABLE seen (v text)")
    pl.q("""CREATE FUNCTION show() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO seen VALUES (concat_ws(',', TG_NAME, TG_WHEN, TG_LEVEL, TG_OP, TG_TABLE_NAME,
                TG_TABLE_SCHEMA = current_schema, TG_RELID = 't'::regclass, TG_NARGS, TG_ARGV[0], TG_ARGV[1]));
              RETURN NEW;
            END $$""")
    pl.q("CREATE TRIGGER t_show BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION show('first', 2)")
    pl.q("INSERT INTO t VALUES (1)")
    assert pl.one("SELECT v FROM seen") == "t_show,BEFORE,ROW,INSERT,t,t,t,2,first,2"


def test_when_condition_and_update_of_columns(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (id int PRIMARY KEY, a int, b int)")
    pl.q("INSERT INTO t VALUES (1, 1, 1)")
    pl.q("CREATE TRIGGER t_of AFTER UPDATE OF a ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.q("CREATE TRIGGER t_when AFTER UPDATE ON t FOR EACH ROW WHEN (NEW.b > OLD.b) EXECUTE FUNCTION audit_row()")
    pl.q("UPDATE t SET b = 0")
    assert _audit(pl) == []
    pl.q("UPDATE t SET a = 5")
    pl.q("UPDATE t SET b = 7")
    pl.q("UPDATE t SET a = a")  # SET names the column: UPDATE OF fires though the value stays
    assert _audit(pl) == ["t_of AFTER ROW UPDATE (1,5,0) (1,1,0)", "t_when AFTER ROW UPDATE (1,5,7) (1,5,0)",
                          "t_of AFTER ROW UPDATE (1,5,7) (1,5,7)"]
    pl.error("CREATE TRIGGER bad AFTER INSERT ON t FOR EACH ROW WHEN (OLD.a > 0) EXECUTE FUNCTION audit_row()",
             "42P17")


def test_triggers_of_one_event_fire_in_name_order(pl):
    pl.q("CREATE TABLE t (id int, path text)")
    for name in ("b_second", "a_first", "c_third"):
        pl.q(f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN NEW.path := concat(NEW.path, '{name[0]}'); RETURN NEW; END $$""")
        pl.q(f"CREATE TRIGGER {name} BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION {name}()")
    pl.q("INSERT INTO t VALUES (1, '')")
    assert pl.one("SELECT path FROM t") == "abc"


def test_an_error_in_a_trigger_aborts_the_statement_with_its_context(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (a int)")
    pl.q("""CREATE FUNCTION small() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.a > 5 THEN
    RAISE EXCEPTION 'too big: %', NEW.a;
  END IF;
  RETURN NEW;
END $$""")
    pl.q("CREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.q("CREATE TRIGGER t_small BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION small()")
    diag = pl.error("INSERT INTO t VALUES (1), (10)", "P0001")
    assert diag.message_primary == "too big: 10"
    assert diag.context == "PL/pgSQL function small() line 4 at RAISE"
    assert pl.q("SELECT count(*) FROM t") == [(0,)] and _audit(pl) == []


def test_enable_disable_and_drop_trigger(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (a int)")
    pl.q("CREATE TRIGGER t1 AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.q("CREATE TRIGGER t2 AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.q("ALTER TABLE t DISABLE TRIGGER t1")
    pl.q("INSERT INTO t VALUES (1)")
    pl.q("ALTER TABLE t DISABLE TRIGGER ALL")
    pl.q("INSERT INTO t VALUES (2)")
    pl.q("ALTER TABLE t ENABLE TRIGGER USER")
    pl.q("DROP TRIGGER t2 ON t")
    pl.q("INSERT INTO t VALUES (3)")
    assert _audit(pl) == ["t2 AFTER ROW INSERT (1) -", "t1 AFTER ROW INSERT (3) -"]
    assert pl.error("DROP TRIGGER t2 ON t", "42704").message_primary == 'trigger "t2" for table "t" does not exist'
    pl.q("DROP TRIGGER IF EXISTS t2 ON t")
    assert pl.notices[-1].message == 'trigger "t2" for relation "t" does not exist, skipping'
    pl.error("ALTER TABLE t ENABLE TRIGGER nosuch", "42704")


def test_create_trigger_errors(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (a int)")
    pl.q("CREATE TRIGGER t1 AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    assert pl.error("CREATE TRIGGER t1 AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()",
                    "42710").message_primary == 'trigger "t1" for relation "t" already exists'
    pl.q("CREATE OR REPLACE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.error("CREATE TRIGGER t2 AFTER INSERT ON t EXECUTE FUNCTION nosuch()", "42883")
    pl.q("CREATE FUNCTION plain() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    assert pl.error("CREATE TRIGGER t2 AFTER INSERT ON t EXECUTE FUNCTION plain()",
                    "42P17").message_primary == "function plain must return type trigger"
    pl.error("SELECT audit_row()", "0A000")


def test_drop_function_used_by_a_trigger(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (a int)")
    pl.q("CREATE TRIGGER t1 AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
    diag = pl.error("DROP FUNCTION audit_row()", "2BP01")
    assert diag.message_primary == "cannot drop function audit_row() because other objects depend on it"
    assert diag.message_detail == "trigger t1 on table t depends on function audit_row()"
    pl.q("DROP FUNCTION audit_row() CASCADE")
    assert pl.notices[-1].message == "drop cascades to trigger t1 on table t"
    pl.q("INSERT INTO t VALUES (1)")
    assert pl.one("SELECT count(*) FROM pg_trigger WHERE tgrelid = 't'::regclass") == 0


def test_every_write_path_fires_them(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE p (id int PRIMARY KEY)")
    pl.q("CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p ON DELETE CASCADE)")
    pl.q("CREATE TRIGGER c_row BEFORE INSERT OR UPDATE OR DELETE ON c FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.q("INSERT INTO p VALUES (1), (2)")
    pl.q("INSERT INTO c SELECT 10, 1")
    with pl.conn.cursor().copy("COPY c FROM STDIN") as copy:
        copy.write("11\t1\n")
    pl.q("CREATE VIEW cv AS SELECT * FROM c")
    pl.q("UPDATE cv SET pid = 2 WHERE id = 11")
    pl.q("INSERT INTO c VALUES (10, 2) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid")
    pl.q("""MERGE INTO c USING (VALUES (12, 1)) v(id, pid) ON c.id = v.id
            WHEN NOT MATCHED THEN INSERT VALUES (v.id, v.pid)""")
    pl.q("DELETE FROM p WHERE id = 1")
    assert _audit(pl) == [
        "c_row BEFORE ROW INSERT (10,1) -", "c_row BEFORE ROW INSERT (11,1) -",
        "c_row BEFORE ROW UPDATE (11,2) (11,1)",
        "c_row BEFORE ROW INSERT (10,2) -", "c_row BEFORE ROW UPDATE (10,2) (10,1)",
        "c_row BEFORE ROW INSERT (12,1) -", "c_row BEFORE ROW DELETE - (12,1)"]


def test_foreign_key_actions_fire_the_referencing_tables_triggers(pl):
    pl.q(AUDIT)
    pl.q("CREATE TABLE p (id int PRIMARY KEY)")
    pl.q("CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p ON UPDATE CASCADE ON DELETE SET NULL)")
    pl.q("INSERT INTO p VALUES (1), (2)")
    pl.q("INSERT INTO c VALUES (10, 1), (11, 2)")
    pl.q("CREATE TRIGGER c_row BEFORE UPDATE OR DELETE ON c FOR EACH ROW EXECUTE FUNCTION audit_row()")
    pl.q("UPDATE p SET id = 5 WHERE id = 1")
    pl.q("DELETE FROM p WHERE id = 2")
    assert _audit(pl) == ["c_row BEFORE ROW UPDATE (10,5) (10,1)", "c_row BEFORE ROW UPDATE (11,) (11,2)"]


def test_statement_triggers_of_merge_and_on_conflict(pl):
    """MERGE fires the statement triggers of each kind of action it has, rows or not; INSERT ... ON
    CONFLICT DO UPDATE those of INSERT and UPDATE."""
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (id int PRIMARY KEY, v int)")
    pl.q("INSERT INTO t VALUES (1, 1)")
    pl.q("CREATE TRIGGER s_before BEFORE INSERT OR UPDATE OR DELETE ON t EXECUTE FUNCTION audit_row()")
    pl.q("CREATE TRIGGER s_after AFTER INSERT OR UPDATE OR DELETE ON t EXECUTE FUNCTION audit_row()")
    pl.q("""MERGE INTO t USING (VALUES (1, 5), (2, 6)) s(id, v) ON t.id = s.id
            WHEN MATCHED AND s.v > 100 THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v
            WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)""")
    pl.q("INSERT INTO t VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET v = excluded.v")
    assert [a.split(" ")[0] + " " + a.split(" ")[3] for a in _audit(pl)] == [
        "s_before INSERT", "s_before UPDATE", "s_before DELETE", "s_after DELETE", "s_after UPDATE", "s_after INSERT",
        "s_before INSERT", "s_before UPDATE", "s_after UPDATE", "s_after INSERT"]


def test_catalog_and_psql_show_them(pl, dsn):
    pl.q("CREATE TABLE w (a int, b int)")
    pl.q("CREATE FUNCTION wf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
    pl.q("CREATE TRIGGER w1 BEFORE UPDATE OF a, b OR INSERT ON w FOR EACH ROW WHEN (new.a > 0) "
         "EXECUTE FUNCTION wf('x', 'it''s', 3)")
    pl.q("CREATE TRIGGER w2 AFTER DELETE ON w EXECUTE PROCEDURE wf()")
    pl.q("ALTER TABLE w DISABLE TRIGGER w2")
    assert pl.q("SELECT tgname, tgtype, tgenabled, tgisinternal, tgattr::text, tgargs, tgnargs, tgfoid = 'wf'::regproc "
                "FROM pg_trigger WHERE tgrelid = 'w'::regclass ORDER BY 1") == [
        ("w1", 23, "O", False, "1 2", b"x\x00it's\x003\x00", 3, True),
        ("w2", 8, "D", False, "", b"", 0, True)]
    schema = pl.one("SELECT current_schema")
    assert pl.q("SELECT pg_get_triggerdef(oid), pg_get_triggerdef(oid, true) FROM pg_trigger "
                "WHERE tgname = 'w1' AND tgrelid = 'w'::regclass") == [(
        f"CREATE TRIGGER w1 BEFORE INSERT OR UPDATE OF a, b ON {schema}.w FOR EACH ROW WHEN ((new.a > 0)) "
        "EXECUTE FUNCTION wf('x', 'it''s', '3')",
        "CREATE TRIGGER w1 BEFORE INSERT OR UPDATE OF a, b ON w FOR EACH ROW WHEN (new.a > 0) "
        "EXECUTE FUNCTION wf('x', 'it''s', '3')")]
    assert pl.q("SELECT trigger_name, event_manipulation, action_order, action_condition, action_statement, "
                "action_orientation, action_timing FROM information_schema.triggers "
                "WHERE event_object_table = 'w' AND event_object_schema = current_schema ORDER BY 1, 2") == [
        ("w1", "INSERT", 1, "(new.a > 0)", "EXECUTE FUNCTION wf('x', 'it''s', '3')", "ROW", "BEFORE"),
        ("w1", "UPDATE", 1, "(new.a > 0)", "EXECUTE FUNCTION wf('x', 'it''s', '3')", "ROW", "BEFORE"),
        ("w2", "DELETE", 1, None, "EXECUTE FUNCTION wf()", "STATEMENT", "AFTER")]
    out = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", f"\\d {schema}.w"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split("Triggers:\n", 1)[1] == (
        f"    w1 BEFORE INSERT OR UPDATE OF a, b ON {schema}.w FOR EACH ROW WHEN (new.a > 0) "
        f"EXECUTE FUNCTION {schema}.wf('x', 'it''s', '3')\n"
        "Disabled user triggers:\n"
        f"    w2 AFTER DELETE ON {schema}.w FOR EACH STATEMENT EXECUTE FUNCTION {schema}.wf()\n\n")


def test_pg_get_triggerdef_recreates_the_trigger(pl):
    """pg_dump restores a trigger from pg_get_triggerdef's text: the same text comes back."""
    pl.q(AUDIT)
    pl.q("CREATE TABLE t (a int, b int)")
    pl.q("CREATE TRIGGER t1 AFTER UPDATE OF b ON t FOR EACH ROW WHEN (new.a > 0) EXECUTE FUNCTION audit_row('x')")
    definition = "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 't'::regclass"
    first = pl.one(definition)
    pl.q("DROP TRIGGER t1 ON t")
    pl.q(first)
    assert pl.one(definition) == first


@pytest.mark.skipif(bool(os.environ.get("QUANTADB_TEST_DSN")), reason="restarts a QuantaDB server")
def test_a_trigger_survives_a_crash(tmp_path):
    from serverproc import start_server
    server = start_server(str(tmp_path))
    try:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute(AUDIT)
            conn.execute("CREATE TABLE t (a int)")
            conn.execute("CREATE TRIGGER t1 AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_row()")
        server.kill9()
        server = start_server(str(tmp_path))
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("INSERT INTO t VALUES (1)")
            assert conn.execute("SELECT info FROM audit").fetchall() == [("t1 AFTER ROW INSERT (1) -",)]
            assert conn.execute("SELECT tgname FROM pg_trigger").fetchall() == [("t1",)]
    finally:
        server.stop()
