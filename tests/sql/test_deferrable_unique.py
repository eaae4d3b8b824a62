"""DEFERRABLE unique and primary key constraints (storage/unique_checks.py, engine/deferred.py):
checked at the end of the statement, or at COMMIT while deferred; their catalog rows; what they
cannot be (ON CONFLICT arbiters, referenced keys). Each case runs on QuantaDB and PostgreSQL 15."""

from __future__ import annotations

import pytest

SCHEMA = ("CREATE TABLE up (id int PRIMARY KEY DEFERRABLE, v int);\n"
          "INSERT INTO up VALUES (1, 10), (2, 20), (3, 30);\n"
          "CREATE TABLE ud (k int, CONSTRAINT ud_k UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)")


@pytest.fixture
def keys(sql):
    sql.setup(SCHEMA)
    return sql


def test_a_statement_may_hold_duplicates_until_its_end(keys):
    keys.check("UPDATE up SET id = id + 1 RETURNING id", [("2",), ("3",), ("4",)])
    keys.check("UPDATE up SET id = 5 - id; SELECT id, v FROM up", [("1", "30"), ("2", "20"), ("3", "10")])
    keys.error("UPDATE up SET id = 1", "23505", 'duplicate key value violates unique constraint "up_pkey"')
    keys.error("INSERT INTO up VALUES (4, 0), (4, 1)", "23505")
    keys.check("SELECT count(*) FROM up", [("3",)])


def test_a_deferred_one_is_checked_at_commit(keys):
    keys.check("BEGIN; INSERT INTO ud VALUES (1), (1); SELECT k FROM ud WHERE k = 1", [("1",), ("1",)])
    keys.error("COMMIT", "23505", 'duplicate key value violates unique constraint "ud_k"')
    keys.check("SELECT count(*) FROM ud", [("0",)])  # the failed COMMIT rolled back
    # duplicates gone again before COMMIT, or rolled back to a savepoint, pass
    keys.check("BEGIN; INSERT INTO ud VALUES (2); INSERT INTO ud VALUES (2); DELETE FROM ud WHERE ctid = "
               "(SELECT max(ctid) FROM ud); COMMIT; SELECT k FROM ud", [("2",)])
    keys.check("BEGIN; INSERT INTO ud VALUES (3); SAVEPOINT s; INSERT INTO ud VALUES (3); ROLLBACK TO s; COMMIT; "
               "SELECT k FROM ud ORDER BY k", [("2",), ("3",)])
    # an implicit transaction of several statements ends checked
    keys.error("INSERT INTO ud VALUES (4); INSERT INTO ud VALUES (4)", "23505")
    keys.check("SELECT count(*) FROM ud WHERE k = 4", [("0",)])


def test_a_functions_statement_is_checked_at_its_own_end(keys):
    """As PostgreSQL checks what a query wrote when that query ends, a statement a function runs
    fails there, though the function removes the duplicate before its caller ends; a deferred
    constraint's keys wait for COMMIT as the caller's do."""
    keys.setup("CREATE FUNCTION dup_then_drop() RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
               "INSERT INTO up VALUES (1, 0); DELETE FROM up WHERE v = 0; RETURN 1; END $$;\n"
               "CREATE FUNCTION sql_dup_then_drop() RETURNS int LANGUAGE sql AS $$ "
               "INSERT INTO up VALUES (2, 0); DELETE FROM up WHERE v = 0; SELECT 1 $$;\n"
               "CREATE FUNCTION deferred_dup() RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
               "INSERT INTO ud VALUES (7), (7); DELETE FROM ud WHERE ctid = (SELECT max(ctid) FROM ud); "
               "RETURN 1; END $$")
    keys.error("SELECT dup_then_drop()", "23505", 'duplicate key value violates unique constraint "up_pkey"')
    keys.error("SELECT sql_dup_then_drop()", "23505", 'duplicate key value violates unique constraint "up_pkey"')
    keys.check("SELECT id, v FROM up", [("1", "10"), ("2", "20"), ("3", "30")])
    keys.check("BEGIN; SELECT deferred_dup(); COMMIT; SELECT k FROM ud", [("7",)])
    # the INSERT's duplicate is checked before its AFTER trigger's statement could move the other row
    keys.setup("CREATE FUNCTION shift() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "UPDATE up SET id = id + 10 WHERE id = NEW.id AND v <> NEW.v; RETURN NULL; END $$;\n"
               "CREATE TRIGGER up_shift AFTER INSERT ON up FOR EACH ROW EXECUTE FUNCTION shift()")
    keys.error("INSERT INTO up VALUES (2, 0)", "23505", 'duplicate key value violates unique constraint "up_pkey"')
    keys.check("SELECT id, v FROM up ORDER BY id", [("1", "10"), ("2", "20"), ("3", "30")])


def test_set_constraints_moves_the_check(keys):
    keys.setup("BEGIN;\nINSERT INTO ud VALUES (1), (1)")
    keys.error("SET CONSTRAINTS ud_k IMMEDIATE", "23505", 'duplicate key value violates unique constraint "ud_k"')
    keys.setup("ROLLBACK")
    keys.setup("BEGIN;\nSET CONSTRAINTS ALL IMMEDIATE")
    keys.error("INSERT INTO ud VALUES (1), (1)", "23505")
    keys.setup("ROLLBACK")
    keys.check("BEGIN; SET CONSTRAINTS up_pkey DEFERRED; UPDATE up SET id = 1; UPDATE up SET id = v / 10; COMMIT; "
               "SELECT id FROM up", [("1",), ("2",), ("3",)])


def test_catalog_rows_and_definitions(keys):
    keys.check("SELECT c.relname, i.indisunique, i.indimmediate FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
               "WHERE c.relname IN ('up_pkey', 'ud_k')", [("up_pkey", "t", "f"), ("ud_k", "t", "f")])
    keys.check("SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred FROM pg_constraint "
               "WHERE conname IN ('up_pkey', 'ud_k')",
               [("up_pkey", "PRIMARY KEY (id) DEFERRABLE", "t", "f"),
                ("ud_k", "UNIQUE (k) DEFERRABLE INITIALLY DEFERRED", "t", "t")])
    keys.check("SELECT table_name, is_deferrable, initially_deferred FROM information_schema.table_constraints "
               "WHERE constraint_name IN ('up_pkey', 'ud_k')", [("up", "YES", "NO"), ("ud", "YES", "YES")])
    keys.setup("ALTER TABLE ud ADD CONSTRAINT ud_k2 UNIQUE (k) DEFERRABLE;\n"
               "CREATE TABLE ul (LIKE up INCLUDING INDEXES)")
    keys.check("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname IN ('ud_k2', 'ul_pkey')",
               [("ud_k2", "UNIQUE (k) DEFERRABLE"), ("ul_pkey", "PRIMARY KEY (id) DEFERRABLE")])


def test_what_a_deferrable_key_cannot_be(keys):
    keys.error("INSERT INTO ud VALUES (1) ON CONFLICT (k) DO NOTHING", "55000",
               "ON CONFLICT does not support deferrable unique constraints/exclusion constraints as arbiters")
    keys.error("INSERT INTO up VALUES (1, 1) ON CONFLICT DO NOTHING", "55000")
    keys.error("CREATE TABLE uref (x int REFERENCES up)", "55000",
               'cannot use a deferrable primary key for referenced table "up"')
    keys.error("CREATE TABLE uref (x int REFERENCES ud (k))", "55000",
               'cannot use a deferrable unique constraint for referenced table "ud"')
    keys.error("CREATE TABLE bad (a int UNIQUE NOT DEFERRABLE INITIALLY DEFERRED)", "42601")
