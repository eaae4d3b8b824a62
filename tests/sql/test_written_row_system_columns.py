"""System columns of the row versions a statement writes, locks or reads back in one session, as
PostgreSQL 15's: RETURNING ctid/xmin/xmax/tableoid of INSERT, UPDATE, DELETE and ON CONFLICT; the
xid a SAVEPOINT's writes carry (storage/txn.py's Clog.shown); a row locker's xid in xmax. xids
differ between the two servers, so cases compare them with each other. Each case runs on QuantaDB
and on PostgreSQL 15."""

from __future__ import annotations

MINE = "txid_current()::text::xid"


def test_returning_has_the_written_versions_system_columns(sql):
    sql.setup("CREATE TABLE rt (id int PRIMARY KEY, v text)")
    sql.check(f"BEGIN; INSERT INTO rt VALUES (1, 'a'), (2, 'b') "
              f"RETURNING id, ctid, xmin = {MINE}, xmax, tableoid::regclass, tableoid = 'rt'::regclass",
              [("1", "(0,1)", "t", "0", "rt", "t"), ("2", "(0,2)", "t", "0", "rt", "t")])
    # UPDATE: the new version's; DELETE: the deleted version's, its xmax the deleting transaction
    sql.check(f"UPDATE rt SET v = 'c' WHERE id = 1 RETURNING ctid, xmin = {MINE}, xmax", [("(0,3)", "t", "0")])
    sql.check(f"DELETE FROM rt WHERE id = 2 RETURNING ctid, xmin = {MINE}, xmax = {MINE}, v", [("(0,2)", "t", "t", "b")])
    sql.check("COMMIT; SELECT ctid, id FROM rt", [("(0,3)", "1")])
    sql.check("UPDATE rt SET v = 'd' FROM (VALUES (1)) s(k) WHERE id = s.k RETURNING rt.ctid, rt.xmax, s.k",
              [("(0,4)", "0", "1")])


def test_an_upserts_updated_row_keeps_its_lock_as_xmax(sql):
    """The idiom RETURNING (xmax <> 0) tells updated rows from inserted ones: PostgreSQL locks the row
    it found, and the new version keeps that lock; after the commit too."""
    sql.setup("CREATE TABLE up (id int PRIMARY KEY, v text);\nINSERT INTO up VALUES (1, 'a')")
    sql.check(f"INSERT INTO up VALUES (1, 'x'), (2, 'y') ON CONFLICT (id) DO UPDATE SET v = 'u' "
              f"RETURNING id, ctid, xmax = {MINE}, xmax <> 0 AS updated",
              [("1", "(0,2)", "t", "t"), ("2", "(0,3)", "f", "f")])
    sql.check("SELECT id, v, xmax = xmin FROM up", [("1", "u", "t"), ("2", "y", "f")])


def test_a_savepoints_writes_carry_its_own_xid(sql):
    """PostgreSQL gives a subtransaction that writes its own xid: the rows written under a SAVEPOINT
    show it in xmin (and a deleted or locked row in xmax), pg_locks lists it, while txid_current()
    stays the top-level one; ROLLBACK TO takes its rows away and leaves the others' as they were."""
    sql.setup("CREATE TABLE sp (a int PRIMARY KEY, b text)")
    sql.check("BEGIN; INSERT INTO sp VALUES (1, 'top'); SAVEPOINT s1; "
              f"INSERT INTO sp VALUES (2, 'sub') RETURNING xmin = {MINE}", [("f",)])
    sql.check("SELECT a, xmin = txid_current()::text::xid, xmin = pg_current_xact_id()::text::xid FROM sp",
              [("1", "t", "t"), ("2", "f", "f")])
    sql.check("SELECT count(DISTINCT xmin::text), count(*) FILTER (WHERE xmin::text IN (SELECT transactionid::text "
              "FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'transactionid')) FROM sp", [("2", "2")])
    # a statement inside the savepoint writes under its xid, as does a nested one under its own
    sql.check("UPDATE sp SET b = 'sub2' WHERE a = 1 RETURNING xmin = (SELECT xmin FROM sp WHERE a = 2)", [("t",)])
    sql.check("SAVEPOINT s2; DELETE FROM sp WHERE a = 2 RETURNING xmax <> xmin, xmax = {0}".format(MINE),
              [("t", "f")])
    sql.check("RELEASE s2; SELECT count(*), count(DISTINCT xmin::text) FROM sp", [("1", "1")])
    sql.check("ROLLBACK TO s1; SELECT a, b, xmin = {0}, xmax <> 0 FROM sp".format(MINE), [("1", "top", "t", "t")])
    sql.check("INSERT INTO sp VALUES (3, 'again') RETURNING xmin <> {0}".format(MINE), [("t",)])
    sql.check("COMMIT; SELECT a, b FROM sp", [("1", "top"), ("3", "again")])
    sql.check("SELECT count(DISTINCT xmin::text) FROM sp", [("2",)])


def test_a_locked_rows_xmax_is_its_lockers_xid_and_stays(sql):
    """SELECT FOR UPDATE/SHARE sets the row's xmax to the locker (lock-only: the row lives on), which
    stays after the locker ends, committed or not; an UPDATE by the locker carries the lock to the
    new version, a plain UPDATE's new version has none."""
    sql.setup("CREATE TABLE lk (id int PRIMARY KEY, v int);\nINSERT INTO lk VALUES (1, 1), (2, 2), (3, 3)")
    sql.check(f"BEGIN; SELECT id FROM lk WHERE id = 1 FOR UPDATE; SELECT id, xmax = {MINE} FROM lk",
              [("1", "t"), ("2", "f"), ("3", "f")])
    sql.check(f"SELECT id FROM lk WHERE id = 2 FOR SHARE; UPDATE lk SET v = 10 WHERE id <= 2 "
              f"RETURNING id, xmin = {MINE}, xmax = {MINE}", [("1", "t", "t"), ("2", "t", "t")])
    sql.check("UPDATE lk SET v = 30 WHERE id = 3 RETURNING xmax", [("0",)])
    sql.check("COMMIT; SELECT id, v, xmax = xmin FROM lk", [("1", "10", "t"), ("2", "10", "t"), ("3", "30", "f")])
    sql.check("BEGIN; SELECT id FROM lk WHERE id = 3 FOR NO KEY UPDATE; ROLLBACK; "
              "SELECT id, v, xmax <> 0, xmax <> xmin FROM lk WHERE id = 3", [("3", "30", "t", "t")])
    sql.check("UPDATE lk SET v = 31 WHERE id = 3 RETURNING xmax", [("0",)])
