"""PL/pgSQL cursors as PostgreSQL 15 has them: bound cursors with arguments, refcursor variables,
OPEN / FETCH / MOVE / CLOSE, cursor FOR loops, and the portals they open shared with the
session's SQL (a function returning an open refcursor for the caller's FETCH). QUANTADB_TEST_DSN
runs these against PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest
from plpgsql_support import dsn, pl  # noqa: F401 - fixtures


@pytest.fixture
def t(pl):
    pl.q("CREATE TABLE t (a int, b text)")
    pl.q("INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 5) g")
    return pl


def test_function_returns_an_open_refcursor(t):
    t.q("""CREATE FUNCTION rows_of() RETURNS refcursor LANGUAGE plpgsql AS $$
        DECLARE c refcursor;
        BEGIN
            OPEN c FOR SELECT a, b FROM t WHERE a > 2 ORDER BY a;
            RETURN c;
        END $$""")
    with t.conn.transaction():
        assert t.one("SELECT rows_of()") == "<unnamed portal 1>"
        assert t.q("SELECT name, statement, is_holdable, is_scrollable FROM pg_cursors") == [
            ("<unnamed portal 1>", "SELECT a, b FROM t WHERE a > 2 ORDER BY a", False, True)]
        cur = t.conn.execute('FETCH ALL IN "<unnamed portal 1>"')
        assert [d.name for d in cur.description] == ["a", "b"]
        assert cur.fetchall() == [(3, "r3"), (4, "r4"), (5, "r5")]
        assert t.one("SELECT rows_of()") == "<unnamed portal 2>"
        assert t.q('FETCH 1 FROM "<unnamed portal 2>"') == [(3, "r3")]
        t.q('CLOSE "<unnamed portal 2>"')
    # the cursors ended with the transaction
    assert t.error('FETCH ALL IN "<unnamed portal 1>"', "34000").message_primary == \
        'cursor "<unnamed portal 1>" does not exist'


def test_named_refcursor_shared_with_sql(t):
    t.q("""CREATE FUNCTION open_named(n refcursor) RETURNS refcursor LANGUAGE plpgsql AS $$
        BEGIN
            OPEN n FOR SELECT a FROM t WHERE a > 3;
            RETURN n;
        END $$""")
    t.q("""CREATE FUNCTION next_of(n refcursor) RETURNS int LANGUAGE plpgsql AS $$
        DECLARE x int;
        BEGIN
            FETCH n INTO x;
            RETURN x;
        END $$""")
    with t.conn.transaction():
        assert t.one("SELECT open_named('mycur')") == "mycur"
        assert t.q("FETCH NEXT FROM mycur") == [(4,)]
        assert t.one("SELECT next_of('mycur')") == 5  # a function FETCHes from the SQL cursor
        t.q("DECLARE sqlcur CURSOR FOR SELECT a * 10 FROM t ORDER BY a DESC")
        assert t.one("SELECT next_of('sqlcur')") == 50  # and from a cursor SQL declared
        diag = t.error("SELECT open_named('mycur')", "42P03")
        assert diag.message_primary == 'cursor "mycur" already in use'
        assert diag.context == "PL/pgSQL function open_named(refcursor) line 3 at OPEN"


def test_fetch_directions_found_and_row_count(t):
    t.q("""CREATE FUNCTION walk() RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
            c SCROLL CURSOR FOR SELECT a FROM t ORDER BY a;
            x int;
            n int;
            out text := '';
        BEGIN
            OPEN c;
            FETCH c INTO x;                 out := out || x || found || ' ';
            FETCH LAST FROM c INTO x;       out := out || x || ' ';
            FETCH PRIOR FROM c INTO x;      out := out || x || ' ';
            FETCH FIRST FROM c INTO x;      out := out || x || ' ';
            FETCH ABSOLUTE 3 FROM c INTO x; out := out || x || ' ';
            FETCH RELATIVE -1 FROM c INTO x; out := out || x || ' ';
            FETCH BACKWARD FROM c INTO x;   out := out || x || ' ';
            FETCH FORWARD IN c INTO x;      out := out || x || ' ';
            MOVE FORWARD 2 FROM c;
            GET DIAGNOSTICS n = ROW_COUNT;  out := out || 'moved' || n || found || ' ';
            FETCH c INTO x;                 out := out || x || ' ';
            FETCH c INTO x;                 out := out || coalesce(x::text, 'null') || found || ' ';
            MOVE BACKWARD ALL FROM c;
            GET DIAGNOSTICS n = ROW_COUNT;  out := out || 'back' || n || found || ' ';
            MOVE LAST FROM c;               out := out || found || ' ';
            MOVE NEXT FROM c;               out := out || found;
            CLOSE c;
            RETURN out;
        END $$""")
    assert t.one("SELECT walk()") == "1true 5 4 1 3 2 1 2 moved2true 5 nullfalse back5true true false"


def test_cursor_arguments_and_for_loops(t):
    t.q("""CREATE FUNCTION span(lo int, hi int) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
            c CURSOR (low int, high int) FOR SELECT a, b FROM t WHERE a BETWEEN low AND high ORDER BY a;
            out text := '';
            r record;
        BEGIN
            FOR row IN c(lo, high := hi) LOOP  -- the loop variable declares itself
                out := out || row.b || ' ';
            END LOOP;
            out := out || found || ' ';
            OPEN c(high := 2, low := 1);  -- closed after the loop: it opens again
            FETCH c INTO r;
            out := out || r.a || ' ' || c;
            CLOSE c;
            FOR row IN c(10, 20) LOOP
                out := out || 'never';
            END LOOP;
            RETURN out || ' ' || found;
        END $$""")
    assert t.one("SELECT span(2, 4)") == "r2 r3 r4 true 1 c false"


def test_open_for_execute_and_exit_from_loop(t):
    t.q("""CREATE FUNCTION dyn(k int) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
            c refcursor;
            d CURSOR FOR SELECT a FROM t ORDER BY a;
            x int;
            out text := '';
        BEGIN
            OPEN c NO SCROLL FOR EXECUTE 'SELECT a FROM ' || quote_ident('t') || ' WHERE a >= $1 ORDER BY a' USING k;
            LOOP
                FETCH c INTO x;
                EXIT WHEN NOT found;
                out := out || x;
            END LOOP;
            CLOSE c;
            FOR r IN d LOOP
                EXIT WHEN r.a = 2;
            END LOOP;
            OPEN d;  -- the loop closed it as it left
            CLOSE d;
            RETURN out;
        END $$""")
    assert t.one("SELECT dyn(3)") == "345"


def test_cursor_opened_in_a_failed_block_is_gone(t):
    t.q("""CREATE FUNCTION retry() RETURNS int LANGUAGE plpgsql AS $$
        DECLARE c CURSOR FOR SELECT a FROM t ORDER BY a; x int;
        BEGIN
            BEGIN
                OPEN c;
                PERFORM 1 / 0;
            EXCEPTION WHEN division_by_zero THEN
                NULL;
            END;
            OPEN c;
            MOVE ABSOLUTE 2 FROM c;
            FETCH c INTO x;
            RETURN x;
        END $$""")
    assert t.one("SELECT retry()") == 3


def test_runtime_errors(t):
    diag = t.error("""DO $$ DECLARE c CURSOR FOR SELECT 1; BEGIN OPEN c; OPEN c; END $$""", "42P03")
    assert (diag.message_primary, diag.context) == ('cursor "c" already in use',
                                                    "PL/pgSQL function inline_code_block line 1 at OPEN")
    diag = t.error("DO $$ DECLARE c CURSOR FOR SELECT 1; BEGIN OPEN c; CLOSE c; CLOSE c; END $$", "34000")
    assert (diag.message_primary, diag.context) == ('cursor "c" does not exist',
                                                    "PL/pgSQL function inline_code_block line 1 at CLOSE")
    diag = t.error("DO $$ DECLARE c refcursor; x int; BEGIN FETCH c INTO x; END $$", "22004")
    assert diag.message_primary == 'cursor variable "c" is null'
    diag = t.error("DO $$ DECLARE c refcursor := 'nope'; BEGIN MOVE c; END $$", "34000")
    assert (diag.message_primary, diag.context) == ('cursor "nope" does not exist',
                                                    "PL/pgSQL function inline_code_block line 1 at MOVE")
    diag = t.error("""DO $$ DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t; x int;
        BEGIN OPEN c; FETCH c INTO x; FETCH PRIOR FROM c INTO x; END $$""", "55000")
    assert (diag.message_primary, diag.message_hint) == ("cursor can only scan forward",
                                                         "Declare it with SCROLL option to enable backward scan.")
    diag = t.error("""DO $$ DECLARE c refcursor; x int;
        BEGIN OPEN c FOR SELECT 1; FETCH ABSOLUTE NULL FROM c INTO x; END $$""", "22004")
    assert diag.message_primary == "relative or absolute cursor position is null"
    diag = t.error("DO $$ DECLARE c refcursor; BEGIN OPEN c FOR DELETE FROM t; END $$", "42P11")
    assert (diag.message_primary, diag.context) == ("cannot open DELETE query as cursor",
                                                    "PL/pgSQL function inline_code_block line 1 at OPEN")
    diag = t.error("DO $$ DECLARE c refcursor; BEGIN OPEN c FOR EXECUTE 'INSERT INTO t VALUES (6)'; END $$", "42P11")
    assert diag.message_primary == "cannot open INSERT query as cursor"
    assert t.one("SELECT count(*) FROM t") == 5
    t.q("""DO $$ DECLARE c refcursor; x int;
        BEGIN OPEN c FOR INSERT INTO t VALUES (6) RETURNING a; FETCH c INTO x; ASSERT x = 6; END $$""")
    assert t.one("SELECT count(*) FROM t") == 6


@pytest.mark.parametrize("body, sqlstate, message, at", [
    ("DECLARE c CURSOR (k int) FOR SELECT k; BEGIN OPEN c; END", "42601", 'cursor "c" has arguments', "; END"),
    ("DECLARE c CURSOR FOR SELECT 1; BEGIN OPEN c(1); END", "42601", 'cursor "c" has no arguments', "(1)"),
    ("DECLARE c CURSOR (k int) FOR SELECT k; BEGIN OPEN c(1, 2); END", "42601",
     'too many arguments for cursor "c"', ", 2"),
    ("DECLARE c CURSOR (k int, j int) FOR SELECT k; BEGIN OPEN c(j := 1); END", "42601",
     'not enough arguments for cursor "c"', "); END"),
    ("DECLARE c CURSOR (k int) FOR SELECT k; BEGIN OPEN c(z := 1); END", "42601",
     'cursor "c" has no argument named "z"', "z :="),
    ("DECLARE c refcursor; x int; BEGIN FETCH FORWARD 2 FROM c INTO x; END", "0A000",
     "FETCH statement cannot return multiple rows", "FETCH"),
    ("DECLARE c int; BEGIN OPEN c FOR SELECT 1; END", "42804", 'variable "c" must be of type cursor or refcursor',
     "c FOR"),
    ("DECLARE c refcursor; BEGIN FOR r IN c LOOP END LOOP; END", "42601",
     "cursor FOR loop must use a bound cursor variable", "c LOOP"),
    ("DECLARE c refcursor; x int; BEGIN FETCH NEXT c INTO x; END", "42601",
     'expected FROM or IN at or near "c"', "c INTO"),
])
def test_syntax_errors_at_create(t, body, sqlstate, message, at):
    sql = f"CREATE FUNCTION bad() RETURNS void LANGUAGE plpgsql AS $$ {body} $$"
    diag = t.error(sql, sqlstate)
    assert diag.message_primary == message
    assert int(diag.statement_position) == sql.index(at) + 1


def test_sql_cursor_scroll_options(t):
    with t.conn.transaction():
        t.q("DECLARE fwd NO SCROLL CURSOR FOR SELECT a FROM t ORDER BY a")
        t.q("DECLARE plain CURSOR FOR SELECT a FROM t ORDER BY a")
        t.q("DECLARE back SCROLL CURSOR FOR SELECT a FROM t ORDER BY a")
        assert t.q("SELECT name, is_scrollable FROM pg_cursors ORDER BY name") == [
            ("back", True), ("fwd", False), ("plain", True)]
        assert t.q("FETCH 2 FROM fwd") == [(1,), (2,)]
        assert t.q("FETCH ABSOLUTE 4 FROM fwd") == [(4,)]
        assert t.q("FETCH PRIOR FROM back") == []
        assert t.q("FETCH LAST FROM plain") == [(5,)]
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            t.conn.execute("FETCH BACKWARD 1 FROM fwd")


def test_cursor_loop_outlives_commit_in_procedure(t):
    t.q("CREATE TABLE log (a int)")
    t.q("""CREATE PROCEDURE copy_rows() LANGUAGE plpgsql AS $$
        DECLARE c CURSOR FOR SELECT a FROM t ORDER BY a;
        BEGIN
            FOR r IN c LOOP
                INSERT INTO log VALUES (r.a * 10);
                IF r.a % 2 = 0 THEN COMMIT; ELSE ROLLBACK; END IF;
            END LOOP;
        END $$""")
    t.q("CALL copy_rows()")
    assert t.q("SELECT a FROM log ORDER BY a") == [(20,), (40,)]
    assert t.q("SELECT count(*) FROM pg_cursors") == [(0,)]


def test_fetch_past_the_end_and_dynamic_statement_text(t):
    t.q("""CREATE FUNCTION past_end() RETURNS text LANGUAGE plpgsql AS $$
        DECLARE c refcursor; r record; s text;
        BEGIN
            OPEN c FOR EXECUTE 'SELECT a, b FROM t WHERE a > ' || 4;
            SELECT statement INTO s FROM pg_cursors WHERE name = c::text;
            FETCH c INTO r;
            FETCH c INTO r;  -- past the end: a row of NULLs, not NULL
            RETURN s || ' ' || r::text || ' ' || (r.a IS NULL) || ' ' || found;
        END $$""")
    assert t.one("SELECT past_end()") == "SELECT a, b FROM t WHERE a > 4 (,) true false"


def test_rollback_to_savepoint_closes_the_cursors_opened_since(t):
    t.q("""CREATE FUNCTION opener(n refcursor) RETURNS refcursor LANGUAGE plpgsql AS $$
        BEGIN OPEN n FOR SELECT a FROM t ORDER BY a; RETURN n; END $$""")
    with t.conn.transaction():
        t.q("SELECT opener('kept')")
        t.q("SAVEPOINT s")
        t.q("SELECT opener('gone')")
        t.q("CLOSE kept")  # (a cursor closed stays closed)
        t.q("ROLLBACK TO SAVEPOINT s")
        assert t.q("SELECT name FROM pg_cursors") == []
        assert t.one("SELECT opener('gone')") == "gone"  # its name is free again
        assert t.q("FETCH 1 FROM gone") == [(1,)]
