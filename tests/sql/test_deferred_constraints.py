"""Deferrable foreign keys (engine/deferred.py): DEFERRABLE [INITIALLY DEFERRED], SET CONSTRAINTS,
checks at COMMIT; and their catalog rows. Each case runs on QuantaDB and on PostgreSQL 15."""

from __future__ import annotations

import pytest

SCHEMA = ("CREATE TABLE dp (id int PRIMARY KEY);\n"
          "CREATE TABLE dc (id int, pid int REFERENCES dp DEFERRABLE INITIALLY DEFERRED,"
          " qid int REFERENCES dp (id) DEFERRABLE)")


@pytest.fixture
def fk(sql):
    sql.setup(SCHEMA)
    return sql


def test_a_deferred_key_may_arrive_before_its_referenced_row_until_commit(fk):
    fk.check("BEGIN; INSERT INTO dc VALUES (1, 5); INSERT INTO dp VALUES (5); COMMIT; SELECT * FROM dc",
             [("1", "5", None)])
    fk.setup("BEGIN;\nINSERT INTO dc VALUES (2, 6)")
    fk.error("COMMIT", "23503", 'insert or update on table "dc" violates foreign key constraint "dc_pid_fkey"')
    # the failed COMMIT rolled the transaction back
    fk.check("SELECT count(*), current_setting('transaction_isolation') IS NOT NULL FROM dc", [("1", "t")])


def test_what_commit_checks_is_the_tables_as_they_are_then(fk):
    fk.setup("INSERT INTO dp VALUES (5);\nINSERT INTO dc VALUES (1, 5)")
    # a row whose key had no referenced row, deleted before COMMIT
    fk.check("BEGIN; INSERT INTO dc VALUES (3, 7); DELETE FROM dc WHERE id = 3; COMMIT; SELECT count(*) FROM dc",
             [("1",)])
    # a referenced row deleted and inserted again
    fk.check("BEGIN; DELETE FROM dp WHERE id = 5; INSERT INTO dp VALUES (5); COMMIT; SELECT count(*) FROM dp",
             [("1",)])
    # the referenced row rolled back to a savepoint
    fk.setup("BEGIN;\nINSERT INTO dc VALUES (6, 10);\nSAVEPOINT s;\nINSERT INTO dp VALUES (10);\nROLLBACK TO s")
    fk.error("COMMIT", "23503")
    # a referenced row deleted while still referenced (NO ACTION, deferred)
    fk.setup("BEGIN;\nDELETE FROM dp WHERE id = 5")
    fk.error("COMMIT", "23503", 'update or delete on table "dp" violates foreign key constraint "dc_pid_fkey" '
             'on table "dc"')
    fk.check("BEGIN; UPDATE dc SET pid = 12 WHERE id = 1; UPDATE dp SET id = 12 WHERE id = 5; COMMIT; "
             "SELECT id, pid FROM dc", [("1", "12")])


def test_deferrable_initially_immediate_checks_at_once_until_set_constraints_defers_it(fk):
    fk.setup("BEGIN")
    fk.error("INSERT INTO dc (id, qid) VALUES (4, 8)", "23503",
             'insert or update on table "dc" violates foreign key constraint "dc_qid_fkey"')
    fk.setup("ROLLBACK")
    fk.check("BEGIN; SET CONSTRAINTS ALL DEFERRED; INSERT INTO dc (id, qid) VALUES (4, 8); INSERT INTO dp VALUES (8); "
             "COMMIT; SELECT id, qid FROM dc", [("4", "8")])
    # made immediate again, the kept checks run at the SET CONSTRAINTS
    fk.setup("BEGIN;\nSET CONSTRAINTS dc_qid_fkey DEFERRED;\nINSERT INTO dc (id, qid) VALUES (5, 9)")
    fk.error("SET CONSTRAINTS ALL IMMEDIATE", "23503")
    fk.setup("ROLLBACK")
    fk.setup("BEGIN;\nSET CONSTRAINTS public.dc_pid_fkey IMMEDIATE")
    fk.error("INSERT INTO dc VALUES (7, 11)", "23503")
    fk.setup("ROLLBACK")


def test_set_constraints_errors(fk):
    fk.setup("BEGIN")
    fk.error("SET CONSTRAINTS nosuch DEFERRED", "42704", 'constraint "nosuch" does not exist')
    fk.setup("ROLLBACK;\nBEGIN")
    fk.error("SET CONSTRAINTS dp_pkey DEFERRED", "42809", 'constraint "dp_pkey" is not deferrable')
    fk.setup("ROLLBACK")
    fk.check("SET CONSTRAINTS ALL DEFERRED; SELECT 1", [("1",)])  # (a WARNING outside a block)


def test_deferrability_in_the_catalog_and_in_definitions(sql):
    sql.setup("CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (a int, b int, d int);\n"
              "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p DEFERRABLE INITIALLY DEFERRED;\n"
              "ALTER TABLE c ADD CONSTRAINT g FOREIGN KEY (b) REFERENCES p NOT DEFERRABLE INITIALLY IMMEDIATE NOT VALID;\n"
              "ALTER TABLE c ADD CONSTRAINT h FOREIGN KEY (d) REFERENCES p INITIALLY DEFERRED")
    sql.check("SELECT conname, condeferrable, condeferred, pg_get_constraintdef(oid) FROM pg_constraint "
              "WHERE conrelid = 'c'::regclass",
              [("f", "t", "t", "FOREIGN KEY (a) REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED"),
               ("g", "f", "f", "FOREIGN KEY (b) REFERENCES p(id) NOT VALID"),
               ("h", "t", "t", "FOREIGN KEY (d) REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED")])
    sql.check("SELECT constraint_name, is_deferrable, initially_deferred FROM information_schema.table_constraints "
              "WHERE table_name = 'c'", [("f", "YES", "YES"), ("g", "NO", "NO"), ("h", "YES", "YES")])
    sql.error("CREATE TABLE e (a int REFERENCES p NOT DEFERRABLE INITIALLY DEFERRED)", "42601",
              "constraint declared INITIALLY DEFERRED must be DEFERRABLE")


def test_alter_constraint_gives_a_foreign_key_a_new_deferral(fk):
    fk.setup("ALTER TABLE dc ALTER CONSTRAINT dc_pid_fkey")  # nothing said: NOT DEFERRABLE INITIALLY IMMEDIATE
    fk.setup("BEGIN")
    fk.error("INSERT INTO dc VALUES (1, 5)", "23503")
    fk.setup("ROLLBACK")
    fk.setup("ALTER TABLE dc ALTER CONSTRAINT dc_qid_fkey INITIALLY DEFERRED")
    fk.check("BEGIN; INSERT INTO dc (id, qid) VALUES (2, 6); INSERT INTO dp VALUES (6); COMMIT; SELECT id, qid FROM dc",
             [("2", "6")])
    fk.check("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'dc'::regclass",
             [("dc_pid_fkey", "FOREIGN KEY (pid) REFERENCES dp(id)"),
              ("dc_qid_fkey", "FOREIGN KEY (qid) REFERENCES dp(id) DEFERRABLE INITIALLY DEFERRED")])
    fk.setup("ALTER TABLE dc ADD CONSTRAINT dc_ck CHECK (id > 0)")
    fk.error("ALTER TABLE dc ALTER CONSTRAINT dc_ck DEFERRABLE", "42809",
             'constraint "dc_ck" of relation "dc" is not a foreign key constraint')
    fk.error("ALTER TABLE dc ALTER CONSTRAINT nope DEFERRABLE", "42704",
             'constraint "nope" of relation "dc" does not exist')
    fk.error("ALTER TABLE dc ALTER CONSTRAINT dc_pid_fkey NOT DEFERRABLE INITIALLY DEFERRED", "42601",
             "constraint declared INITIALLY DEFERRED must be DEFERRABLE")
    fk.error("ALTER TABLE dc ALTER CONSTRAINT dc_pid_fkey NOT VALID", "0A000",
             "FOREIGN KEY constraints cannot be marked NOT VALID")
