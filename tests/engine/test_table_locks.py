"""Relation-level locks (storage/locks.py, engine/locking.py) as PostgreSQL 15's: DDL waits for
transactions that use the table, queries wait behind uncommitted DDL and then see its result,
LOCK TABLE's modes conflict per PostgreSQL's table, the queue keeps an AccessExclusive request
from being starved, and waits fail as PostgreSQL's do (NOWAIT, lock_timeout, deadlocks).
Each outcome was checked on PostgreSQL 15 first (QUANTADB_TEST_DSN runs these against a server
given by its DSN)."""

from __future__ import annotations

import re

import pytest
from concurrency import Client, Waiting
from concurrency import new_table as _table


def test_alter_waits_for_a_reader_and_proceeds_at_its_commit(clients):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"SELECT v FROM {t} WHERE id = 1") == [(10,)]
    alter = Waiting(b, obs, f"ALTER TABLE {t} ADD COLUMN w int DEFAULT 7")
    assert a.q(f"SELECT * FROM {t} WHERE id = 1") == [(1, 10)]  # the reader's table has not changed
    a.q("COMMIT")
    assert alter.join() == "ALTER TABLE"
    assert obs.q(f"SELECT * FROM {t} ORDER BY id") == [(1, 10, 7), (2, 20, 7)]


@pytest.mark.parametrize("ddl", ["ALTER TABLE {t} ADD COLUMN w int DEFAULT 7", "TRUNCATE {t}", "DROP TABLE {t}"])
def test_select_waits_behind_uncommitted_ddl_then_sees_it(clients, ddl):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(ddl.format(t=t)) in ("ALTER TABLE", "TRUNCATE TABLE", "DROP TABLE")
    reader = Waiting(b, obs, f"SELECT * FROM {t} ORDER BY id")
    a.q("COMMIT")
    expected = {"ALTER": [(1, 10, 7), (2, 20, 7)], "TRUNC": [],
                "DROP ": ("ERR", "42P01", f'relation "{t}" does not exist')}[ddl[:5]]
    assert reader.join() == expected


def test_select_behind_rolled_back_alter_sees_the_old_table(clients):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    a.q(f"ALTER TABLE {t} DROP COLUMN v")
    reader = Waiting(b, obs, f"SELECT * FROM {t} WHERE id = 2")
    a.q("ROLLBACK")
    assert reader.join() == [(2, 20)]


@pytest.mark.parametrize("held, requested, conflicts", [
    ("ACCESS SHARE", "ACCESS EXCLUSIVE", True),
    ("ACCESS EXCLUSIVE", "ACCESS SHARE", True),
    ("ROW EXCLUSIVE", "SHARE", True),
    ("SHARE", "ROW EXCLUSIVE", True),
    ("SHARE", "SHARE", False),
    ("EXCLUSIVE", "ACCESS SHARE", False),
    ("EXCLUSIVE", "ROW SHARE", True),
    ("SHARE UPDATE EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", True),
    ("SHARE UPDATE EXCLUSIVE", "ROW EXCLUSIVE", False),
    ("ROW SHARE", "ROW EXCLUSIVE", False),
])
def test_lock_table_modes_conflict_as_postgresql(clients, held, requested, conflicts):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"LOCK TABLE {t} IN {held} MODE") == "LOCK TABLE"
    b.q("BEGIN")
    if conflicts:
        waiting = Waiting(b, obs, f"LOCK TABLE {t} IN {requested} MODE")
        a.q("COMMIT")
        assert waiting.join() == "LOCK TABLE"
    else:
        assert b.q(f"LOCK TABLE {t} IN {requested} MODE") == "LOCK TABLE"
        a.q("COMMIT")
    b.q("COMMIT")


def test_lock_nowait_and_lock_timeout(clients):
    a, b, _, _ = clients
    t = _table(a)
    a.q("BEGIN")
    a.q(f"LOCK {t} IN SHARE MODE")
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {t} IN EXCLUSIVE MODE NOWAIT") == \
        ("ERR", "55P03", f'could not obtain lock on relation "{t}"')
    b.q("ROLLBACK")
    b.q("SET lock_timeout = '100ms'")
    assert b.q(f"INSERT INTO {t} VALUES (3, 30)") == ("ERR", "55P03", "canceling statement due to lock timeout")
    b.q("SET lock_timeout = 0")
    b.q("SET statement_timeout = '100ms'")
    assert b.q(f"UPDATE {t} SET v = 0") == ("ERR", "57014", "canceling statement due to statement timeout")
    b.q("RESET statement_timeout")
    assert b.q(f"SELECT count(*) FROM {t}") == [(2,)]  # Share does not conflict with AccessShare
    a.q("COMMIT")
    assert b.q(f"INSERT INTO {t} VALUES (3, 30)") == "INSERT 0 1"


def test_lock_table_outside_a_block_and_on_what_cannot_be_locked(clients):
    a, _, _, _ = clients
    t = _table(a)
    assert a.q(f"LOCK TABLE {t}") == ("ERR", "25P01", "LOCK TABLE can only be used in transaction blocks")
    a.q(f"CREATE SEQUENCE {t}_s")
    a.q("BEGIN")
    assert a.q(f"LOCK TABLE {t}_s") == ("ERR", "42809", f'cannot lock relation "{t}_s"')
    a.q("ROLLBACK")
    a.q("BEGIN")
    assert a.q("LOCK TABLE no_such_table_here") == ("ERR", "42P01", 'relation "no_such_table_here" does not exist')
    a.q("ROLLBACK")


def test_lock_table_on_a_view_locks_its_tables(clients):
    a, b, obs, _ = clients
    t = _table(a)
    a.q(f"CREATE VIEW {t}_v AS SELECT id FROM {t}")
    a.q("BEGIN")
    assert a.q(f"LOCK TABLE {t}_v") == "LOCK TABLE"
    reader = Waiting(b, obs, f"SELECT count(*) FROM {t}")
    a.q("COMMIT")
    assert reader.join() == [(2,)]


def test_deadlock_between_two_lock_tables(clients):
    a, b, obs, _ = clients
    t1, t2 = _table(a), _table(a)
    a.q("BEGIN")
    a.q(f"LOCK TABLE {t1}")
    b.q("BEGIN")
    b.q(f"LOCK TABLE {t2}")
    first = Waiting(a, obs, f"LOCK TABLE {t2}")
    second = b.q(f"LOCK TABLE {t1}")
    _one_deadlocks(a, b, first, second, "LOCK TABLE", "LOCK TABLE")
    failed = b if isinstance(second, tuple) else a
    other = a if failed is b else b
    lines = failed.detail.split("\n")
    assert len(lines) == 2
    assert re.fullmatch(rf"Process {failed.pid} waits for AccessExclusiveLock on relation \d+ of database \d+; "
                        rf"blocked by process {other.pid}\.", lines[0])
    assert re.fullmatch(rf"Process {other.pid} waits for AccessExclusiveLock on relation \d+ of database \d+; "
                        rf"blocked by process {failed.pid}\.", lines[1])


def _one_deadlocks(a: Client, b: Client, first: Waiting, second, first_done, second_done) -> None:
    """Of two waits closing a cycle one fails with 40P01 (PostgreSQL: the one whose deadlock_timeout
    runs out first, the earlier waiter; QuantaDB: the wait that closes it), the other then proceeds
    once the failed transaction rolls back."""
    if isinstance(second, tuple):
        assert second[:3] == ("ERR", "40P01", "deadlock detected")
        b.q("ROLLBACK")
        assert first.join() == first_done
        a.q("COMMIT")
    else:
        assert second == second_done
        result = first.join()
        assert result[:3] == ("ERR", "40P01", "deadlock detected")
        a.q("ROLLBACK")
        b.q("COMMIT")


def test_deadlock_through_a_row_lock_and_a_relation_lock(clients):
    a, b, obs, _ = clients
    t1, t2 = _table(a), _table(a)
    a.q("BEGIN")
    a.q(f"UPDATE {t1} SET v = 11 WHERE id = 1")  # a row lock of a on t1
    b.q("BEGIN")
    b.q(f"LOCK TABLE {t2} IN SHARE MODE")  # b blocks writers of t2
    first = Waiting(a, obs, f"INSERT INTO {t2} VALUES (3, 30)")
    second = b.q(f"UPDATE {t1} SET v = 12 WHERE id = 1")  # waits for a's row: a cycle
    _one_deadlocks(a, b, first, second, "INSERT 0 1", "UPDATE 1")
    assert obs.q(f"SELECT v FROM {t1} WHERE id = 1") in ([(11,)], [(12,)])


def test_rollback_to_savepoint_releases_the_locks_taken_since(clients):
    a, b, _, _ = clients
    t = _table(a)
    a.q("BEGIN")
    a.q("SAVEPOINT s")
    a.q(f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE")
    a.q("ROLLBACK TO SAVEPOINT s")
    b.q("SET lock_timeout = '5s'")
    assert b.q(f"SELECT count(*) FROM {t}") == [(2,)]
    a.q("SAVEPOINT s2")
    a.q(f"LOCK TABLE {t} IN SHARE MODE")
    a.q("RELEASE SAVEPOINT s2")
    a.q("SAVEPOINT s3")
    a.q("ROLLBACK TO SAVEPOINT s3")  # the lock taken under s2 belongs to the transaction now
    b.q("SET lock_timeout = '100ms'")
    assert b.q(f"INSERT INTO {t} VALUES (3, 30)") == ("ERR", "55P03", "canceling statement due to lock timeout")
    a.q("COMMIT")


def test_queued_alter_is_not_starved_by_new_readers(clients):
    a, b, c, obs = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"SELECT count(*) FROM {t}") == [(2,)]
    alter = Waiting(b, obs, f"ALTER TABLE {t} ADD COLUMN w int DEFAULT 5")
    reader = Waiting(c, obs, f"SELECT * FROM {t} ORDER BY id")  # queued behind the ALTER
    assert a.q(f"SELECT count(*) FROM {t}") == [(2,)]  # a holder does not queue behind it
    a.q("COMMIT")
    assert alter.join() == "ALTER TABLE"
    assert reader.join() == [(1, 10, 5), (2, 20, 5)]


def test_pg_locks_shows_held_and_awaited_relation_locks(clients):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    a.q(f"SELECT count(*) FROM {t}")
    a.q(f"LOCK TABLE {t} IN SHARE MODE")
    b.q("BEGIN")
    Waiting(b, obs, f"LOCK TABLE {t} IN ROW EXCLUSIVE MODE")
    rows = obs.q("SELECT pid, mode, granted, fastpath, database = (SELECT oid FROM pg_database "
                 "WHERE datname = current_database()) FROM pg_locks "
                 f"WHERE locktype = 'relation' AND relation = '{t}'::regclass ORDER BY pid = %s, mode",
                 (b.pid,))
    # the reader's fast-path lock moved to the shared table when a strong one came: no longer fastpath
    assert rows == [(a.pid, "AccessShareLock", True, False, True), (a.pid, "ShareLock", True, False, True),
                    (b.pid, "RowExclusiveLock", False, False, True)]
    assert obs.q("SELECT pg_blocking_pids(%s)", (b.pid,)) == [([a.pid],)]
    vxids = obs.q("SELECT DISTINCT virtualtransaction FROM pg_locks WHERE pid = %s AND locktype = 'relation'",
                  (a.pid,))
    assert len(vxids) == 1
    # columns another kind of lock has no use for are NULL, as in PostgreSQL's pg_locks
    kinds = obs.q("SELECT DISTINCT locktype, database IS NULL, relation IS NULL, transactionid IS NULL, "
                  "virtualxid IS NULL, classid IS NULL, objsubid IS NULL FROM pg_locks WHERE pid = %s AND locktype <> 'transactionid' "
                  f"AND (relation IS NULL OR relation = '{t}'::regclass) ORDER BY 1", (a.pid,))
    assert kinds == [("relation", False, False, True, True, True, True),
                     ("virtualxid", True, True, True, False, True, True)]
    a.q("COMMIT")
    b.q("COMMIT")


@pytest.mark.parametrize("script, shown", [
    (["SELECT * FROM {t} WHERE id = 1 FOR UPDATE", "UPDATE {t} SET v = 0 WHERE id = 2"], 1),
    (["SAVEPOINT s", "SAVEPOINT s2", "INSERT INTO {t} VALUES (9, 9) ON CONFLICT DO NOTHING"], 3),
    (["SAVEPOINT s", "INSERT INTO {t} VALUES (9, 9) ON CONFLICT DO NOTHING", "ROLLBACK TO s",
      "SELECT * FROM {t} WHERE id = 1 FOR UPDATE"], 2),
    (["SAVEPOINT s", "SELECT * FROM {t} FOR UPDATE", "RELEASE s", "SAVEPOINT q", "UPDATE {t} SET v = v + 1"], 2),
])
def test_pg_locks_shows_the_xids_of_the_transaction_and_its_open_savepoints(clients, script, shown):
    """As PostgreSQL's: the top-level xid and one per open savepoint that wrote (its parents get
    theirs first); a released or rolled-back one's lock is gone, and the subtransaction a statement
    runs in here (to undo an attempt that must wait) is not shown."""
    a, _, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    for statement in script:
        a.q(statement.format(t=t))
    assert obs.q("SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'transactionid'",
                 (a.pid,)) == [(shown,)]
    a.q("ROLLBACK")


def test_prepared_statement_after_a_concurrent_alter_sees_the_new_table(clients):
    a, b, obs, _ = clients
    t = _table(a)
    insert = f"INSERT INTO {t} VALUES (%s, %s)"  # no result type to change (SELECT * would fail 0A000)
    b.q("BEGIN")
    assert b.q(insert, (3, 30), prepare=True) == "INSERT 0 1"
    alter = Waiting(a, obs, f"ALTER TABLE {t} ADD COLUMN w int DEFAULT 3")
    assert b.q(insert, (4, 40), prepare=True) == "INSERT 0 1"
    b.q("COMMIT")
    assert alter.join() == "ALTER TABLE"
    assert b.q(insert, (5, 50), prepare=True) == "INSERT 0 1"
    assert obs.q(f"SELECT * FROM {t} WHERE id >= 3 ORDER BY id") == [(3, 30, 3), (4, 40, 3), (5, 50, 3)]
    a.q("BEGIN")
    a.q(f"ALTER TABLE {t} DROP COLUMN v")
    reader = Waiting(b, obs, f"SELECT * FROM {t} WHERE id = 2", prepare=True)
    a.q("COMMIT")
    assert reader.join() == [(2, 3)]


def test_create_index_blocks_writers_not_readers(clients):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    a.q(f"CREATE INDEX ON {t} (v)")
    assert b.q(f"SELECT v FROM {t} WHERE id = 2") == [(20,)]  # Share does not conflict with AccessShare
    writer = Waiting(b, obs, f"UPDATE {t} SET v = 21 WHERE id = 2")
    a.q("COMMIT")
    assert writer.join() == "UPDATE 1"


def test_add_foreign_key_takes_share_row_exclusive_on_both_tables(clients):
    a, b, obs, _ = clients
    parent, child = _table(a), _table(a)
    a.q("BEGIN")
    assert a.q(f"ALTER TABLE {child} ADD CONSTRAINT {child}_fk FOREIGN KEY (id) REFERENCES {parent} (id)") == \
        "ALTER TABLE"
    assert b.q(f"SELECT count(*) FROM {parent}") == [(2,)]
    assert b.q(f"SELECT count(*) FROM {child}") == [(2,)]
    writer = Waiting(b, obs, f"INSERT INTO {parent} VALUES (3, 30)")
    a.q("COMMIT")
    assert writer.join() == "INSERT 0 1"
    a.q("BEGIN")
    a.q(f"CREATE TABLE {child}_2 (id int REFERENCES {parent})")  # the same on the referenced table
    assert b.q(f"SELECT count(*) FROM {parent}") == [(3,)]
    writer = Waiting(b, obs, f"DELETE FROM {parent} WHERE id = 3")
    a.q("COMMIT")
    assert writer.join() == "DELETE 1"


def test_analyze_takes_share_update_exclusive(clients):
    a, b, _, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"ANALYZE {t}") == "ANALYZE"
    assert b.q(f"SELECT mode FROM pg_locks WHERE relation = '{t}'::regclass") == [("ShareUpdateExclusiveLock",)]
    a.q("COMMIT")
    assert a.q("ANALYZE no_such_table_here") == ("ERR", "42P01", 'relation "no_such_table_here" does not exist')


@pytest.mark.parametrize("create", ["CREATE TABLE {t} (id int)", "CREATE TEMP TABLE {t} (id int) ON COMMIT DROP",
                                    "CREATE VIEW {t} AS SELECT 1 AS one", "CREATE SEQUENCE {t}"])
def test_a_new_relation_is_locked_access_exclusive_until_the_end(clients, create):
    a, _, obs, _ = clients
    t = f"tl_new_{a.pid}"
    a.q("BEGIN")
    assert not isinstance(a.q(create.format(t=t)), tuple)
    oid = a.q(f"SELECT '{t}'::regclass::oid")[0][0]
    assert obs.q("SELECT mode, granted FROM pg_locks WHERE pid = %s AND relation = %s",
                 (a.pid, oid)) == [("AccessExclusiveLock", True)]
    a.q("ROLLBACK")
