"""PL/pgSQL functions, procedures and DO blocks (quantadb/plpgsql/): what they return and do, as
PostgreSQL 15 answers the same statements (QUANTADB_TEST_DSN runs them against it)."""

from __future__ import annotations

from decimal import Decimal

from plpgsql_support import dsn, pl  # noqa: F401 - fixtures


def test_scalar_function_with_declarations_and_if(pl):
    pl.q("""CREATE FUNCTION grade(score int) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
            label text;
            bonus CONSTANT int := 5;
            total int = score + bonus;
        BEGIN
            IF total >= 90 THEN label := 'A';
            ELSIF total >= 80 THEN label := 'B';
            ELSEIF total >= 70 THEN label = 'C';
            ELSE label := 'F';
            END IF;
            RETURN label || ' (' || total || ')';
        END $$""")
    assert pl.q("SELECT grade(90), grade(76), grade(66), grade(10)") == [("A (95)", "B (81)", "C (71)", "F (15)")]
    assert pl.q("SELECT grade(g) FROM generate_series(84, 86) g ORDER BY 1") == [("A (90)",), ("A (91)",), ("B (89)",)]


def test_case_statement_both_forms(pl):
    pl.q("""CREATE FUNCTION kind(x int) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN
            CASE x WHEN 1, 2 THEN RETURN 'small'; WHEN 3 THEN RETURN 'three'; ELSE NULL; END CASE;
            CASE WHEN x < 0 THEN RETURN 'negative'; WHEN x > 100 THEN RETURN 'big'; END CASE;
        END $$""")
    assert pl.q("SELECT kind(2), kind(3), kind(-4), kind(500)") == [("small", "three", "negative", "big")]
    diag = pl.error("SELECT kind(50)", "20000")
    assert diag.message_primary == "case not found"
    assert diag.message_hint == "CASE statement is missing ELSE part."
    assert diag.context == "PL/pgSQL function kind(integer) line 4 at CASE"


def test_loops_exit_continue_and_labels(pl):
    pl.q("""CREATE FUNCTION walk() RETURNS text LANGUAGE plpgsql AS $$
        DECLARE s text := ''; i int := 0;
        BEGIN
            <<outer>> LOOP
                i := i + 1;
                EXIT outer WHEN i > 6;
                CONTINUE WHEN i % 2 = 0;
                s := s || i;
            END LOOP outer;
            WHILE i > 0 LOOP i := i - 3; s := s || '.'; END LOOP;
            FOR j IN REVERSE 10..1 BY 4 LOOP s := s || j; END LOOP;
            FOR j IN 1 .. 3 LOOP
                <<inner>> FOR k IN 1..3 LOOP
                    EXIT inner WHEN k > j;
                    s := s || '*';
                END LOOP;
            END LOOP;
            RETURN s;
        EXCEPTION WHEN others THEN RETURN 'handler';
        END $$""")
    assert pl.one("SELECT walk()") == "135...1062******"


def test_foreach_over_arrays_and_slices(pl):
    pl.q("""CREATE FUNCTION sum_all(a int[]) RETURNS int LANGUAGE plpgsql AS $$
        DECLARE x int; total int := 0;
        BEGIN
            FOREACH x IN ARRAY a LOOP total := total + x; END LOOP;
            RETURN total;
        END $$""")
    pl.q("""CREATE FUNCTION rows_of(a int[]) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE r int[]; s text := '';
        BEGIN
            FOREACH r SLICE 1 IN ARRAY a LOOP s := s || r::text; END LOOP;
            RETURN s;
        END $$""")
    assert pl.q("SELECT sum_all(ARRAY[1, 2, 3]), sum_all(ARRAY[[1, 2], [3, 4]])") == [(6, 10)]
    assert pl.one("SELECT rows_of(ARRAY[[1, 2], [3, 4]])") == "{1,2}{3,4}"


def test_set_returning_and_table_functions(pl):
    pl.q("CREATE TABLE items (id int PRIMARY KEY, name text)")
    pl.q("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')")
    pl.q("""CREATE FUNCTION tens(n int) RETURNS SETOF int LANGUAGE plpgsql AS $$
        BEGIN
            FOR i IN 1..n LOOP RETURN NEXT i * 10; END LOOP;
            RETURN QUERY SELECT id FROM items WHERE id < 3 ORDER BY id;
            RETURN;
        END $$""")
    pl.q("""CREATE FUNCTION named(min_id int) RETURNS TABLE (item_id int, label text) LANGUAGE plpgsql AS $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT i.id, i.name FROM items i WHERE i.id >= min_id ORDER BY i.id LOOP
                item_id := r.id;
                label := upper(r.name);
                RETURN NEXT;
            END LOOP;
        END $$""")
    pl.q("""CREATE FUNCTION all_items() RETURNS SETOF items LANGUAGE plpgsql AS $$
        BEGIN RETURN QUERY EXECUTE 'SELECT * FROM items WHERE id <> $1 ORDER BY id' USING 2; END $$""")
    assert pl.q("SELECT * FROM tens(2)") == [(10,), (20,), (1,), (2,)]
    assert pl.q("SELECT * FROM named(2)") == [(2, "TWO"), (3, "THREE")]
    assert pl.q("SELECT id, name FROM all_items()") == [(1, "one"), (3, "three")]
    assert pl.q("SELECT count(*) FROM tens(5)") == [(7,)]


def test_out_inout_parameters_and_records(pl):
    pl.q("""CREATE FUNCTION split(full_name text, OUT first text, OUT last text) LANGUAGE plpgsql AS $$
        BEGIN first := split_part(full_name, ' ', 1); last := split_part(full_name, ' ', 2); END $$""")
    pl.q("CREATE FUNCTION bump(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$")
    pl.q("""CREATE FUNCTION pair(a int) RETURNS int LANGUAGE plpgsql AS $$
        DECLARE r record;
        BEGIN SELECT a AS x, a * 2 AS y INTO r; RETURN r.y; END $$""")
    assert pl.q("SELECT * FROM split('Ada Lovelace')") == [("Ada", "Lovelace")]
    assert pl.q("SELECT (split('Alan Turing')).last") == [("Turing",)]
    assert pl.one("SELECT bump(41)") == 42
    assert pl.one("SELECT pair(21)") == 42


def test_rowtype_type_alias_and_select_into(pl):
    pl.q("CREATE TABLE acct (id int PRIMARY KEY, owner text, balance numeric(10, 2))")
    pl.q("INSERT INTO acct VALUES (1, 'ann', 100.50), (2, 'bob', 7)")
    pl.q("""CREATE FUNCTION show_acct(int) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
            wanted ALIAS FOR $1;
            a acct%ROWTYPE;
            doubled acct.balance%TYPE;
            who doubled%TYPE;
        BEGIN
            SELECT * INTO STRICT a FROM acct WHERE id = wanted;
            doubled := a.balance * 2;
            who := 0;
            a.owner := initcap(a.owner);
            RETURN a.owner || ' ' || doubled;
        END $$""")
    assert pl.one("SELECT show_acct(1)") == "Ann 201.00"
    diag = pl.error("SELECT show_acct(9)", "P0002")
    assert diag.message_primary == "query returned no rows"
    assert diag.context == "PL/pgSQL function show_acct(integer) line 8 at SQL statement"


def test_found_row_count_and_returning_into(pl):
    pl.q("CREATE TABLE t (id serial PRIMARY KEY, v int)")
    pl.q("""CREATE FUNCTION work() RETURNS text LANGUAGE plpgsql AS $$
        DECLARE new_id int; n bigint; s text := '';
        BEGIN
            INSERT INTO t (v) VALUES (10) RETURNING id INTO new_id;
            INSERT INTO t (v) SELECT g FROM generate_series(1, 4) g;
            GET DIAGNOSTICS n = ROW_COUNT;
            s := s || new_id || '/' || n;
            UPDATE t SET v = v + 1 WHERE v > 100;
            s := s || '/' || FOUND;
            DELETE FROM t WHERE v < 3;
            GET DIAGNOSTICS n = ROW_COUNT;
            s := s || '/' || n || '/' || FOUND;
            PERFORM * FROM t WHERE v = 10;
            RETURN s || '/' || FOUND;
        END $$""")
    assert pl.one("SELECT work()") == "1/4/false/2/true/true"
    assert pl.one("SELECT count(*) FROM t") == 3


def test_execute_dynamic_sql(pl):
    pl.q("CREATE TABLE nums (n int)")
    pl.q("INSERT INTO nums SELECT g FROM generate_series(1, 10) g")
    pl.q("""CREATE FUNCTION count_over(tab text, floor int) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE c bigint;
        BEGIN
            EXECUTE format('SELECT count(*) FROM %I WHERE n > $1', tab) INTO c USING floor;
            EXECUTE 'UPDATE nums SET n = n * 10 WHERE n = $1' USING floor;
            RETURN c;
        END $$""")
    assert pl.one("SELECT count_over('nums', 7)") == 3
    assert pl.one("SELECT max(n) FROM nums") == 70
    diag = pl.error("""DO $$ DECLARE x int; BEGIN EXECUTE 'SELECT n FROM nums' INTO STRICT x; END $$""", "P0003")
    assert diag.message_primary == "query returned more than one row"


def test_procedure_call_and_do_block(pl):
    pl.q("CREATE TABLE ledger (id int PRIMARY KEY, balance numeric NOT NULL)")
    pl.q("INSERT INTO ledger VALUES (1, 100), (2, 50)")
    pl.q("""CREATE PROCEDURE transfer(src int, dst int, amount numeric) LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE ledger SET balance = balance - amount WHERE id = src;
            UPDATE ledger SET balance = balance + amount WHERE id = dst;
            IF (SELECT balance FROM ledger WHERE id = src) < 0 THEN
                RAISE EXCEPTION 'insufficient funds in account %', src;
            END IF;
        END $$""")
    pl.q("CALL transfer(1, 2, 30)")
    diag = pl.error("CALL transfer(1, 2, 500)", "P0001")
    assert diag.message_primary == "insufficient funds in account 1"
    assert diag.context == "PL/pgSQL function transfer(integer,integer,numeric) line 6 at RAISE"
    assert pl.q("SELECT id, balance FROM ledger ORDER BY id") == [(1, Decimal("70")), (2, Decimal("80"))]
    pl.q("DO $$ BEGIN UPDATE ledger SET balance = 0 WHERE id = 2; END $$")
    pl.q("DO LANGUAGE plpgsql $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM ledger; "
         "RAISE NOTICE 'rows: %', n; END $$")
    assert pl.one("SELECT balance FROM ledger WHERE id = 2") == 0
    assert pl.notices[-1].message == "rows: 2"
    assert pl.error("DO LANGUAGE plperl $$ 1; $$", "42704").message_primary == 'language "plperl" does not exist'


def test_recursion_defaults_and_checks(pl):
    pl.q("""CREATE FUNCTION fib(n int) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
            IF n < 2 THEN RETURN n; END IF;
            RETURN fib(n - 1) + fib(n - 2);
        END $$""")
    pl.q("""CREATE FUNCTION depth(n int) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN IF n = 0 THEN RETURN 0; END IF; RETURN 1 + depth(n - 1); END $$""")
    pl.q("CREATE FUNCTION positive(x int) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RETURN x > 0; END $$")
    pl.q("CREATE FUNCTION next_code() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'c-' || 7; END $$")
    pl.q("CREATE TABLE guarded (x int CHECK (positive(x)), code text DEFAULT next_code())")
    assert pl.q("SELECT fib(15), depth(200)") == [(610, 200)]
    pl.q("INSERT INTO guarded (x) VALUES (3)")
    assert pl.q("SELECT x, code FROM guarded") == [(3, "c-7")]
    assert pl.error("INSERT INTO guarded (x) VALUES (-1)", "23514")


def test_create_or_replace_and_assignment_conversions(pl):
    pl.q("CREATE FUNCTION f(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN x; END $$")
    pl.q("CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN x * 2; END $$")
    pl.q("""CREATE FUNCTION conv() RETURNS text LANGUAGE plpgsql AS $$
        DECLARE i int; n numeric(6, 2); t text; d date;
        BEGIN
            i := 2.6;
            n := 3.14159;
            t := 42;
            d := '2024-02-29';
            i := '17';
            RETURN i || ' ' || n || ' ' || t || ' ' || (d + 1);
        END $$""")
    assert pl.one("SELECT f(21)") == 42
    assert pl.one("SELECT conv()") == "17 3.14 42 2024-03-01"


def test_call_returns_inout_parameters(pl):
    pl.q("""CREATE PROCEDURE bump(INOUT a int, INOUT b text, step int DEFAULT 1) LANGUAGE plpgsql AS $$
        BEGIN a := a + step; b := b || '!'; END $$""")
    cur = pl.conn.execute("CALL bump(1, 'x', 5)")
    assert [d.name for d in cur.description] == ["a", "b"]
    assert cur.fetchall() == [(6, "x!")]
    assert pl.q("CALL bump(1, 'y')") == [(2, "y!")]


def test_nested_call_and_transaction_control(pl):
    pl.q("CREATE TABLE t (v int)")
    pl.q("""CREATE PROCEDURE batches(n int) LANGUAGE plpgsql AS $$
        BEGIN
            FOR i IN 1..n LOOP
                INSERT INTO t VALUES (i);
                IF i % 2 = 0 THEN COMMIT; ELSE ROLLBACK; END IF;
            END LOOP;
        END $$""")
    pl.q("CREATE PROCEDURE times_ten(INOUT x int) LANGUAGE plpgsql AS $$ BEGIN x := x * 10; END $$")
    pl.q("""CREATE PROCEDURE outer_proc() LANGUAGE plpgsql AS $$
        DECLARE y int := 4;
        BEGIN
            CALL times_ten(y);
            INSERT INTO t VALUES (y);
            COMMIT AND CHAIN;
            CALL batches(2);
        END $$""")
    pl.q("CALL batches(4)")
    pl.q("CALL outer_proc()")
    pl.q("DO $$ BEGIN INSERT INTO t VALUES (100); COMMIT; INSERT INTO t VALUES (101); ROLLBACK; END $$")
    assert pl.q("SELECT v FROM t ORDER BY v") == [(2,), (2,), (4,), (40,), (100,)]
    pl.q("BEGIN")
    diag = pl.error("CALL batches(2)", "2D000")
    assert (diag.message_primary, diag.context) == ("invalid transaction termination",
                                                   "PL/pgSQL function batches(integer) line 5 at ROLLBACK")
    pl.q("ROLLBACK")
    pl.q("CREATE PROCEDURE guarded() LANGUAGE plpgsql AS $$ BEGIN BEGIN COMMIT; EXCEPTION WHEN others THEN RAISE; "
         "END; END $$")
    assert pl.error("CALL guarded()", "2D000").message_primary == "cannot commit while a subtransaction is active"
    pl.q("CREATE FUNCTION committing() RETURNS int LANGUAGE plpgsql AS $$ BEGIN COMMIT; RETURN 1; END $$")
    assert pl.error("SELECT committing()", "2D000").message_primary == "invalid transaction termination"
    pl.q("CREATE PROCEDURE bad_target() LANGUAGE plpgsql AS $$ BEGIN CALL times_ten(5); END $$")
    diag = pl.error("CALL bad_target()", "42601")
    assert diag.message_primary == ('procedure parameter "x" is an output parameter but corresponding argument '
                                    'is not writable')
