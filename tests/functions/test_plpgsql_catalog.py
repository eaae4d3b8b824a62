"""PL/pgSQL functions as catalog objects: pg_proc names the language and keeps the body (psql's
\\df+ and \\sf read them), the definition survives a restart (checkpoint and WAL), and a
function created in a transaction that rolls back is gone."""

from __future__ import annotations

import subprocess
import threading
import time

import psycopg
import pytest
from psycopg import errors
from plpgsql_support import dsn, pl  # noqa: F401 - fixtures

BODY = "\nBEGIN\n  RETURN x * 2;\nEND\n"


def test_pg_proc_and_psql_show_the_body(pl, dsn):
    pl.q(f"CREATE FUNCTION twice(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $${BODY}$$")
    row = pl.q("SELECT l.lanname, p.prosrc, p.provolatile FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
               "WHERE p.proname = 'twice'")
    assert row == [("plpgsql", BODY, "i")]
    schema = pl.one("SELECT current_schema()")
    result = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", f"\\sf {schema}.twice",
                             "-c", f"\\df+ {schema}.twice"], text=True, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert f"CREATE OR REPLACE FUNCTION {schema}.twice(x integer)" in lines
    assert " LANGUAGE plpgsql" in lines
    assert "  RETURN x * 2;" in lines
    assert any("| plpgsql  |" in line for line in lines), lines


def test_trigger_functions_are_accepted_and_stored(pl):
    pl.q("""CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.updated := now(); RETURN NEW; END $$""")
    assert pl.q("SELECT prorettype::regtype::text FROM pg_proc WHERE proname = 'touch'") == [("trigger",)]
    with pytest.raises(psycopg.Error) as info:
        pl.q("SELECT touch()")
    assert info.value.sqlstate == "0A000"


def test_function_survives_restart(start_quantadb):
    srv = start_quantadb()
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        c.execute(f"CREATE FUNCTION before_cp(x int) RETURNS int LANGUAGE plpgsql AS $${BODY}$$")
        c.execute("CHECKPOINT")
        c.execute("CREATE PROCEDURE after_cp(n int) LANGUAGE plpgsql AS $$ BEGIN PERFORM n; END $$")
        c.execute("""CREATE FUNCTION series(n int) RETURNS SETOF int LANGUAGE plpgsql AS $$
            BEGIN FOR i IN 1..n LOOP RETURN NEXT i; END LOOP; END $$""")
        c.execute("BEGIN")
        c.execute("CREATE FUNCTION rolled_back() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$")
        c.execute("ROLLBACK")
    srv.kill9()
    again = start_quantadb(data_dir=srv.data_dir)
    with psycopg.connect(again.dsn, autocommit=True) as c:
        assert c.execute("SELECT before_cp(21), (SELECT sum(s) FROM series(4) s)").fetchone() == (42, 10)
        c.execute("CALL after_cp(1)")
        with pytest.raises(errors.UndefinedFunction):
            c.execute("SELECT rolled_back()")


def test_commits_inside_a_procedure_are_durable(start_quantadb):
    """What a procedure committed stays after a crash even though the CALL then failed; what it
    wrote after its last COMMIT is gone."""
    srv = start_quantadb()
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        c.execute("CREATE TABLE t (v int)")
        c.execute("""CREATE PROCEDURE fill() LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO t VALUES (1);
                COMMIT;
                INSERT INTO t VALUES (2);
                RAISE EXCEPTION 'stop';
            END $$""")
        with pytest.raises(errors.RaiseException):
            c.execute("CALL fill()")
        assert c.execute("SELECT v FROM t").fetchall() == [(1,)]
    srv.kill9()
    again = start_quantadb(data_dir=srv.data_dir)
    with psycopg.connect(again.dsn, autocommit=True) as c:
        assert c.execute("SELECT v FROM t").fetchall() == [(1,)]


def test_a_wait_after_a_commit_in_a_procedure_repeats_only_its_statement(pl, dsn):
    """A procedure commits, then updates a row another transaction holds: it waits there and goes
    on; the work committed before the wait is done once (checked on PostgreSQL 15 too)."""
    pl.q("CREATE TABLE jobs (id int PRIMARY KEY, n int); INSERT INTO jobs VALUES (1, 0)")
    pl.q("CREATE TABLE steps (s text)")
    pl.q("""CREATE PROCEDURE work() LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO steps VALUES ('before');
              COMMIT;
              UPDATE jobs SET n = n + 1 WHERE id = 1;
              INSERT INTO steps VALUES ('after');
            END $$""")
    schema = pl.one("SELECT current_schema()")
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as observer:
        holder.execute(f"UPDATE {schema}.jobs SET n = 10 WHERE id = 1")
        done = threading.Thread(target=lambda: pl.q("CALL work()"))
        done.start()
        deadline = time.monotonic() + 10
        while not observer.execute("SELECT 1 FROM pg_stat_activity WHERE query = 'CALL work()' "
                                   "AND wait_event_type = 'Lock'").fetchall():
            assert time.monotonic() < deadline, "the CALL never waited for the row"
            time.sleep(0.02)
        holder.commit()
        done.join(10)
    assert not done.is_alive()
    assert pl.q("SELECT n FROM jobs") == [(11,)]
    assert sorted(pl.q("SELECT s FROM steps")) == [("after",), ("before",)]
