"""SERIALIZABLE in the engine (storage/ssi.py): an implicit transaction's commit, at Sync, checks
for dangerous structures as COMMIT does; a replica (a read-only node) refuses SERIALIZABLE, as
PostgreSQL's hot standby does: it cannot know what the primary's serializable transactions read."""

from __future__ import annotations

import pytest
from concurrency import Waiting, new_table
from inprocess import InProcessDb

from quantadb.errors import SerializationFailure

REFUSED = ("0A000", "cannot use serializable mode in a hot standby")


@pytest.fixture
def replica():
    db = InProcessDb()
    db.db.read_only = True
    yield db
    db.db.read_only = False
    db.close()


@pytest.mark.parametrize("asked", ["BEGIN ISOLATION LEVEL SERIALIZABLE",
                                   "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY"])
def test_begin_serializable_fails_on_a_replica(replica, asked):
    assert replica.run(asked) == REFUSED
    assert replica.run("SELECT 1") == ("SELECT 1", [(1,)])  # no block was opened


@pytest.mark.parametrize("asked", ["SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                                   "SET transaction_isolation = serializable"])
def test_switching_to_serializable_fails_on_a_replica(replica, asked):
    replica.execute("BEGIN")
    assert replica.run(asked) == REFUSED
    assert replica.run("ROLLBACK")[0] == "ROLLBACK"
    assert replica.run("BEGIN ISOLATION LEVEL REPEATABLE READ")[0] == "BEGIN"  # the hint's way
    assert replica.run("SELECT 1") == ("SELECT 1", [(1,)])
    replica.execute("COMMIT")


def test_a_serializable_default_fails_on_a_replica_at_the_first_snapshot(replica):
    replica.db.read_only = False
    replica.execute("CREATE TABLE t (id int)")
    replica.db.read_only = True
    replica.execute("SET default_transaction_isolation = serializable")
    assert replica.run("SELECT * FROM t") == REFUSED
    assert replica.run("BEGIN")[0] == "BEGIN"  # no snapshot yet: the level can still change
    assert replica.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")[0] == "SET"
    assert replica.run("SELECT * FROM t") == ("SELECT 0", [])
    replica.execute("COMMIT")
    assert replica.run("BEGIN ISOLATION LEVEL REPEATABLE READ")[0] == "BEGIN"
    assert replica.run("SELECT * FROM t") == ("SELECT 0", [])
    replica.execute("COMMIT")
    replica.db.read_only = False  # promoted: SERIALIZABLE runs
    assert replica.run("SELECT * FROM t") == ("SELECT 0", [])


def test_an_implicit_transaction_doomed_meanwhile_fails_at_sync():
    """The write skew, the second side an implicit transaction of two statements (extended
    protocol: one transaction until Sync): the first side's COMMIT dooms it; its Sync fails with
    40001 and rolls it back."""
    db = InProcessDb(("CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1), (2, 1)"))
    other = db.db.connect("postgres", "postgres", {}, 3, 4)
    try:
        other.parse("", "SET default_transaction_isolation = serializable", [])
        other.bind("", "", [], [], [])
        other.execute("", 0, inline=False)
        other.sync()
        db.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        assert db.execute("SELECT count(*) FROM t WHERE v = 1") == ("SELECT 1", [(2,)])
        for sql in ("SELECT count(*) FROM t WHERE v = 1", "UPDATE t SET v = 0 WHERE id = 2"):
            other.parse("", sql, [])
            other.bind("", "", [], [], [])
            other.execute("", 0, inline=False)
        db.execute("UPDATE t SET v = 0 WHERE id = 1")
        assert db.execute("COMMIT")[0] == "COMMIT"
        with pytest.raises(SerializationFailure) as failed:
            other.sync()
        assert failed.value.detail == "Reason code: Canceled on identification as a pivot, during commit attempt."
        assert other.state.txn is None
        assert db.execute("SELECT * FROM t ORDER BY id") == ("SELECT 2", [(1, 0), (2, 1)])
    finally:
        other.close()
        db.close()


def test_an_implicit_commit_that_waits_then_checks_for_dangerous_structures(clients):
    """An implicit serializable transaction whose commit must first wait (ON COMMIT DELETE ROWS
    and another session's lock on the table) is doomed meanwhile: once the wait ends, its
    commit fails with 40001 as PostgreSQL's (PreCommit_CheckForSerializationFailure comes after
    the ON COMMIT actions). Runs on PostgreSQL 15 with QUANTADB_TEST_DSN."""
    a, b, t, obs = clients
    x, y = new_table(t), new_table(t)
    a.q("SET default_transaction_isolation = serializable")
    a.q("CREATE TEMP TABLE tt (n int) ON COMMIT DELETE ROWS")
    (name, oid), = a.q("SELECT pg_my_temp_schema()::regnamespace::text || '.tt', 'tt'::regclass::oid")
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {name} IN ACCESS SHARE MODE") == "LOCK TABLE"
    t.q("BEGIN ISOLATION LEVEL SERIALIZABLE")
    assert t.q(f"SELECT count(*) FROM {x}") == [(2,)]
    commit = Waiting(a, obs, f"WITH r AS (SELECT count(*) AS n FROM {y}), "
                             f"u AS (UPDATE {x} SET v = 0 WHERE id = 1 RETURNING 1) INSERT INTO tt SELECT n FROM r",
                     waits=lambda o, pid: o.q("SELECT mode FROM pg_locks WHERE pid = %s AND relation = %s AND NOT granted",
                                              (pid, oid)) == [("AccessExclusiveLock",)])
    assert t.q(f"UPDATE {y} SET v = 0 WHERE id = 1") == "UPDATE 1"
    assert t.q("COMMIT") == "COMMIT"  # a read y and wrote x, t read x and wrote y: a is the pivot
    b.q("COMMIT")
    assert commit.join() == ("ERR", "40001", "could not serialize access due to read/write dependencies among "
                                             "transactions")
    assert a.detail == "Reason code: Canceled on identification as a pivot, during commit attempt."
    assert t.q(f"SELECT v FROM {x} ORDER BY id") == [(10,), (20,)]
    a.q("RESET default_transaction_isolation")
