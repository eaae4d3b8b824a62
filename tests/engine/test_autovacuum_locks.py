"""Autovacuum's relation lock, as PostgreSQL 15's: ShareUpdateExclusive on the table it works on,
shown in pg_locks under the autovacuum worker's pid; a table locked in a conflicting mode by an
open transaction is skipped (VACOPT_SKIP_LOCKED), and an autovacuum that holds its lock gives way
to a lock request queued behind it ("canceling autovacuum task")."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg import errors
from serverproc import start_server

TRIES = 5
UPDATES = 1100  # past autovacuum's threshold (1000 + 0.2 * the rows) for a table of 10 rows

LOCKS = ("SELECT l.mode, l.granted, a.backend_type, a.query FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
         "WHERE l.locktype = 'relation' AND l.relation = %s::regclass")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(str(tmp_path_factory.mktemp("quantadb-data")), "--autovacuum-naptime-s", "0.2")
    yield srv
    srv.stop()


def autovacuums(conn: psycopg.Connection, name: str) -> int:
    return conn.execute("SELECT autovacuum_count FROM pg_stat_user_tables WHERE relname = %s", [name]).fetchone()[0]


def wait_until(check, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while not (got := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return got


def make(conn: psycopg.Connection, name: str) -> None:
    conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)")
    conn.execute(f"INSERT INTO {name} SELECT g, 0 FROM generate_series(1, 10) g")


def churn(conn: psycopg.Connection, name: str) -> None:
    with conn.cursor() as cur:
        for i in range(UPDATES):
            cur.execute(f"UPDATE {name} SET v = v + 1 WHERE id = %s", (i % 10 + 1,))


def test_a_table_locked_by_an_open_transaction_is_skipped(server):
    """A transaction that altered the table (AccessExclusive) and is still open keeps autovacuum
    out of it until it ends; autovacuum does not wait for it meanwhile."""
    with psycopg.connect(server.dsn, autocommit=True) as conn, psycopg.connect(server.dsn) as ddl:
        make(conn, "altered")
        make(conn, "other")
        ddl.execute("ALTER TABLE altered ADD COLUMN w int")
        ddl.execute("UPDATE altered SET v = v + 1")
        churn(ddl, "altered")  # dead versions enough for autovacuum (once committed)
        churn(conn, "other")
        # the rounds go in OID order: the one that vacuums `other` skipped `altered`
        wait_until(lambda: autovacuums(conn, "other") >= 1)
        assert autovacuums(conn, "altered") == 0
        assert sorted(row[:3] for row in conn.execute(LOCKS, ["altered"])) == [
            ("AccessExclusiveLock", True, "client backend"), ("RowExclusiveLock", True, "client backend")]
        ddl.commit()
        wait_until(lambda: autovacuums(conn, "altered") >= 1)
        assert conn.execute("SELECT count(*), sum(v) FROM altered").fetchone() == (10, 10 + UPDATES)


def test_the_lock_shows_in_pg_locks_and_gives_way_to_a_waiting_request(server):
    """While a statement runs autovacuum waits for it (it renumbers rows), holding its lock; a
    LOCK TABLE queued behind that lock cancels it instead of waiting."""
    with psycopg.connect(server.dsn, autocommit=True) as conn, psycopg.connect(server.dsn) as locker, \
            psycopg.connect(server.dsn, autocommit=True) as sleeper:
        make(conn, "busy")
        sleeping = threading.Thread(target=lambda: _sleep(sleeper))
        sleeping.start()
        try:
            wait_until(lambda: conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                                            "'SELECT pg_sleep%' AND state = 'active'").fetchone()[0] == 1)
            churn(conn, "busy")
            for _ in range(TRIES):  # autovacuum lets go of its lock for a moment every second: try again then
                held = wait_until(lambda: conn.execute(LOCKS, ["busy"]).fetchall())
                assert held == [("ShareUpdateExclusiveLock", True, "autovacuum worker",
                                 "autovacuum: VACUUM public.busy")]
                locker.execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
                if "canceling autovacuum task" in server.log_text():
                    break
                locker.commit()
            assert "canceling autovacuum task" in server.log_text()
            assert sleeping.is_alive()  # granted while autovacuum still waited for the statement
            assert conn.execute(LOCKS, ["busy"]).fetchall() == [
                ("AccessExclusiveLock", True, "client backend", "LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")]
            assert autovacuums(conn, "busy") == 0
            locker.commit()
        finally:
            conn.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")
            sleeping.join()
        wait_until(lambda: autovacuums(conn, "busy") >= 1)


def _sleep(conn: psycopg.Connection) -> None:
    try:
        conn.execute("SELECT pg_sleep(60)")
    except errors.QueryCanceled:
        pass
