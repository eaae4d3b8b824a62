"""PL/pgSQL errors as PostgreSQL 15 reports them: syntax errors at CREATE (42601 with the position
in the statement), runtime errors with their CONTEXT lines, RAISE's levels, options and
conditions, notices with their fields, and EXCEPTION blocks that roll back what they wrote
(QUANTADB_TEST_DSN runs these against PostgreSQL)."""

from __future__ import annotations

import pytest
from plpgsql_support import dsn, pl  # noqa: F401 - fixtures


def test_syntax_errors_at_create(pl):
    sql = "CREATE FUNCTION bad() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  x := 1;\nEND $$"
    diag = pl.error(sql, "42601")
    assert diag.message_primary == '"x" is not a known variable'
    assert int(diag.statement_position) == sql.index("x :=") + 1
    sql = "CREATE FUNCTION bad() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  foo bar;\nEND $$"
    diag = pl.error(sql, "42601")
    assert diag.message_primary == 'syntax error at or near "foo"'
    assert int(diag.statement_position) == sql.index("foo") + 1
    diag = pl.error("CREATE FUNCTION bad() RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF true THEN RETURN 1; END $$",
                    "42601")
    assert diag.message_primary == "syntax error at end of input"
    diag = pl.error("CREATE FUNCTION bad() RETURNS void LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'a % b'; END $$",
                    "42601")
    assert diag.message_primary == "too few parameters specified for RAISE"
    diag = pl.error("CREATE FUNCTION bad() RETURNS void LANGUAGE plpgsql AS $$ BEGIN NULL; "
                    "EXCEPTION WHEN no_such_thing THEN NULL; END $$", "42704")
    assert diag.message_primary == 'unrecognized exception condition "no_such_thing"'
    assert pl.error("DO $$ BEGIN x := 1; END $$", "42601").message_primary == '"x" is not a known variable'
    assert pl.q("SELECT count(*) FROM pg_proc WHERE proname = 'bad'") == [(0,)]


def test_runtime_error_context(pl):
    pl.q("""CREATE FUNCTION divide(a int) RETURNS int LANGUAGE plpgsql AS $$
        DECLARE x int;
        BEGIN
            x := a / 0;
            RETURN x;
        END $$""")
    pl.q("CREATE FUNCTION outer_fn() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN divide(1) + 1; END $$")
    pl.q("CREATE FUNCTION perf() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1 / 0; END $$")
    diag = pl.error("SELECT divide(1)", "22012")
    assert (diag.message_primary, diag.context) == ("division by zero",
                                                   "PL/pgSQL function divide(integer) line 4 at assignment")
    diag = pl.error("SELECT outer_fn()", "22012")
    assert diag.context == ("PL/pgSQL function divide(integer) line 4 at assignment\n"
                            "PL/pgSQL function outer_fn() line 1 at RETURN")
    diag = pl.error("SELECT perf()", "22012")
    assert diag.context == 'SQL statement "SELECT 1 / 0"\nPL/pgSQL function perf() line 1 at PERFORM'
    pl.q("CREATE TABLE u (id int PRIMARY KEY)")
    diag = pl.error("DO $$ BEGIN INSERT INTO u VALUES (1); INSERT INTO u VALUES (1); END $$", "23505")
    assert diag.context == ('SQL statement "INSERT INTO u VALUES (1)"\n'
                            "PL/pgSQL function inline_code_block line 1 at SQL statement")
    assert diag.constraint_name == "u_pkey"
    assert pl.q("SELECT count(*) FROM u") == [(0,)]


def test_missing_return_and_ambiguous_names(pl):
    pl.q("CREATE FUNCTION nothing() RETURNS int LANGUAGE plpgsql AS $$ BEGIN END $$")
    diag = pl.error("SELECT nothing()", "2F005")
    assert (diag.message_primary, diag.context) == ("control reached end of function without RETURN",
                                                   "PL/pgSQL function nothing()")
    pl.q("CREATE TABLE people (id int, name text)")
    pl.q("INSERT INTO people VALUES (1, 'ann')")
    pl.q("""CREATE FUNCTION who(id int) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE result text;
        BEGIN SELECT name INTO result FROM people WHERE id = id; RETURN result; END $$""")
    pl.q("""CREATE FUNCTION who2(p_id int) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE result text;
        BEGIN SELECT name INTO result FROM people WHERE people.id = p_id; RETURN result; END $$""")
    diag = pl.error("SELECT who(1)", "42702")
    assert diag.message_primary == 'column reference "id" is ambiguous'
    assert diag.message_detail == "It could refer to either a PL/pgSQL variable or a table column."
    assert diag.internal_query == "SELECT name             FROM people WHERE id = id"
    assert diag.context == "PL/pgSQL function who(integer) line 3 at SQL statement"
    assert pl.one("SELECT who2(1)") == "ann"
    pl.q("""CREATE FUNCTION who3(id int) RETURNS text LANGUAGE plpgsql AS $$
        #variable_conflict use_column
        BEGIN RETURN (SELECT name FROM people WHERE people.id = who3.id AND id = 1); END $$""")
    assert pl.one("SELECT who3(1)") == "ann"


def test_raise_levels_options_and_notices(pl):
    pl.q("""CREATE FUNCTION talk(n int) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
            RAISE NOTICE 'n is %, null is %, percent %%', n, NULL USING HINT = 'a hint', DETAIL = 'some detail';
            RAISE WARNING 'careful';
            RAISE INFO 'info';
            RAISE DEBUG 'not shown';
            RETURN n;
        END $$""")
    assert pl.one("SELECT talk(7)") == 7
    shown = [(n.severity, n.sqlstate, n.message, n.detail, n.hint, n.context) for n in pl.notices]
    assert shown == [
        ("NOTICE", "00000", "n is 7, null is <NULL>, percent %", "some detail", "a hint",
         "PL/pgSQL function talk(integer) line 3 at RAISE"),
        ("WARNING", "01000", "careful", None, None, "PL/pgSQL function talk(integer) line 4 at RAISE"),
        ("INFO", "00000", "info", None, None, "PL/pgSQL function talk(integer) line 5 at RAISE"),
    ]
    pl.q("SET client_min_messages = warning")
    pl.notices.clear()
    pl.q("SELECT talk(1)")
    assert [n.severity for n in pl.notices] == ["WARNING", "INFO"]
    pl.q("RESET client_min_messages")


@pytest.mark.parametrize("statement, sqlstate, message", [
    ("RAISE EXCEPTION 'boom %', 1 + 1", "P0001", "boom 2"),
    ("RAISE 'plain'", "P0001", "plain"),
    ("RAISE division_by_zero", "22012", "division_by_zero"),
    ("RAISE SQLSTATE '22023'", "22023", "22023"),
    ("RAISE EXCEPTION 'coded' USING ERRCODE = 'unique_violation'", "23505", "coded"),
    ("RAISE EXCEPTION USING MESSAGE = 'by option', ERRCODE = '12345'", "12345", "by option"),
    ("RAISE check_violation USING MESSAGE = 'named'", "23514", "named"),
    ("ASSERT 1 > 2, 'one is not greater'", "P0004", "one is not greater"),
    ("ASSERT false", "P0004", "assertion failed"),
])
def test_raise_and_assert_errors(pl, statement, sqlstate, message):
    diag = pl.error(f"DO $$ BEGIN {statement}; END $$", sqlstate)
    assert diag.message_primary == message
    assert diag.context == f"PL/pgSQL function inline_code_block line 1 at {statement.split()[0]}"


def test_exception_blocks_roll_back_their_writes(pl):
    pl.q("CREATE TABLE log (id int PRIMARY KEY, note text)")
    pl.q("""CREATE FUNCTION attempt() RETURNS text LANGUAGE plpgsql AS $$
        DECLARE outcome text := '';
        BEGIN
            INSERT INTO log VALUES (1, 'kept');
            BEGIN
                INSERT INTO log VALUES (2, 'undone');
                UPDATE log SET note = 'changed' WHERE id = 1;
                PERFORM 1 / 0;
            EXCEPTION
                WHEN unique_violation THEN outcome := 'wrong handler';
                WHEN division_by_zero OR numeric_value_out_of_range THEN
                    outcome := SQLSTATE || ' ' || SQLERRM;
            END;
            BEGIN
                INSERT INTO log VALUES (1, 'duplicate');
            EXCEPTION WHEN SQLSTATE '23505' THEN
                outcome := outcome || ' / dup';
            END;
            BEGIN
                INSERT INTO log VALUES (3, 'fine');
            EXCEPTION WHEN others THEN outcome := outcome || ' / never';
            END;
            RETURN outcome;
        END $$""")
    assert pl.one("SELECT attempt()") == "22012 division by zero / dup"
    assert pl.q("SELECT id, note FROM log ORDER BY id") == [(1, "kept"), (3, "fine")]


def test_handler_errors_reraise_and_stacked_diagnostics(pl):
    pl.q("CREATE TABLE k (id int PRIMARY KEY)")
    pl.q("""CREATE FUNCTION details() RETURNS text LANGUAGE plpgsql AS $$
        DECLARE st text; msg text; det text; tab text; con text;
        BEGIN
            INSERT INTO k VALUES (1);
            INSERT INTO k VALUES (1);
            RETURN 'not reached';
        EXCEPTION WHEN others THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                tab = TABLE_NAME, con = CONSTRAINT_NAME;
            RETURN concat_ws('|', st, msg, det, tab, con);
        END $$""")
    assert pl.one("SELECT details()") == ('23505|duplicate key value violates unique constraint "k_pkey"|'
                                          'Key (id)=(1) already exists.|k|k_pkey')
    assert pl.q("SELECT count(*) FROM k") == [(0,)]
    pl.q("""CREATE FUNCTION rethrow() RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
            BEGIN
                RAISE EXCEPTION 'inner' USING ERRCODE = 'P0099';
            EXCEPTION WHEN others THEN
                RAISE NOTICE 'caught %', SQLSTATE;
                RAISE;
            END;
        END $$""")
    diag = pl.error("SELECT rethrow()", "P0099")
    assert diag.message_primary == "inner"
    assert pl.notices[-1].message == "caught P0099"
    pl.q("""CREATE FUNCTION uncaught(d int) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
            RETURN 1 / d;
        EXCEPTION WHEN unique_violation THEN RETURN -1;
        END $$""")
    assert pl.error("SELECT uncaught(0)", "22012").context == "PL/pgSQL function uncaught(integer) line 3 at RETURN"
    diag = pl.error("DO $$ BEGIN RAISE; END $$", "0Z002")
    assert diag.message_primary == "RAISE without parameters cannot be used outside an exception handler"


def test_strict_into_errors(pl):
    pl.q("CREATE TABLE s (v int)")
    pl.q("INSERT INTO s VALUES (1), (2)")
    diag = pl.error("DO $$ DECLARE x int; BEGIN SELECT v INTO STRICT x FROM s; END $$", "P0003")
    assert diag.message_primary == "query returned more than one row"
    assert diag.message_hint == "Make sure the query returns a single row, or use LIMIT 1."
    diag = pl.error("DO $$ DECLARE x int; BEGIN SELECT v INTO STRICT x FROM s WHERE v > 5; END $$", "P0002")
    assert diag.message_primary == "query returned no rows"
    pl.q("DO $$ DECLARE x int; BEGIN SELECT v INTO x FROM s ORDER BY v DESC; RAISE NOTICE '%', x; END $$")
    assert pl.notices[-1].message == "2"
    diag = pl.error("DO $$ DECLARE x int NOT NULL := 1; BEGIN x := NULL; END $$", "22004")
    assert diag.message_primary == 'null value cannot be assigned to variable "x" declared NOT NULL'
    pl.q("BEGIN")
    diag = pl.error("DO $$ BEGIN COMMIT; END $$", "2D000")
    assert diag.message_primary == "invalid transaction termination"
    pl.q("ROLLBACK")


def test_privileges_of_the_caller_or_the_definer(pl):
    role = "pl_" + pl.one("SELECT current_schema()")[3:]
    schema = pl.one("SELECT current_schema()")
    pl.q("CREATE TABLE secret (v int)")
    pl.q("INSERT INTO secret VALUES (42)")
    pl.q("CREATE FUNCTION peek() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT v FROM secret); END $$")
    pl.q("CREATE FUNCTION peek_definer() RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$ "
         "DECLARE r int; BEGIN SELECT v INTO r FROM secret; RETURN r; END $$")
    pl.q(f"CREATE ROLE {role}")
    try:
        pl.q(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        pl.q(f"SET ROLE {role}")
        diag = pl.error("SELECT peek()", "42501")
        assert diag.message_primary == "permission denied for table secret"
        assert pl.one("SELECT peek_definer()") == 42
    finally:
        pl.q("RESET ROLE")
        pl.q(f"REVOKE USAGE ON SCHEMA {schema} FROM {role}")
        pl.q(f"DROP ROLE {role}")
