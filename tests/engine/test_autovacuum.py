"""Autovacuum on a real server: it reclaims the versions an update-heavy table leaves behind,
keeps the ones an open snapshot still needs, and pg_stat_user_tables shows it as PostgreSQL's
does (n_live_tup, n_dead_tup, last_autovacuum, autovacuum_count, vacuum_count).

Its relation lock is PostgreSQL 15's: ShareUpdateExclusive on the table it works on, shown in
pg_locks under the autovacuum worker's pid; a table locked in a conflicting mode by an open
transaction is skipped (VACOPT_SKIP_LOCKED), and an autovacuum that holds its lock gives way to a
lock request queued behind it ("canceling autovacuum task")."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg import errors
from serverproc import start_server

ROWS = 10
UPDATES = 1500
THRESHOLD = 1000 + 0.2 * ROWS  # autovacuum's: autovacuum_vacuum_threshold + scale_factor * live rows
TRIES = 5
LOCKS = ("SELECT l.mode, l.granted, a.backend_type, a.query FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
         "WHERE l.locktype = 'relation' AND l.relation = %s::regclass")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(str(tmp_path_factory.mktemp("quantadb-data")), "--autovacuum-naptime-s", "0.2")
    yield srv
    srv.stop()


def table_stats(conn: psycopg.Connection, name: str) -> dict:
    cur = conn.execute("SELECT n_live_tup, n_dead_tup, last_autovacuum, autovacuum_count, vacuum_count, "
                       "last_vacuum FROM pg_stat_user_tables WHERE relname = %s", (name,))
    names = [d.name for d in cur.description]
    return dict(zip(names, cur.fetchone()))


def wait_for(conn: psycopg.Connection, name: str, done, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        stats = table_stats(conn, name)
        if done(stats) or time.monotonic() > deadline:
            return stats
        time.sleep(0.1)


def churn(conn: psycopg.Connection, table: str, updates: int) -> None:
    with conn.cursor() as cur:
        for i in range(updates):
            cur.execute(f"UPDATE {table} SET v = v + 1 WHERE id = %s", (i % ROWS + 1,))


def test_autovacuum_reclaims_dead_versions(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE churned (id int PRIMARY KEY, v int)")
        conn.execute(f"INSERT INTO churned SELECT g, 0 FROM generate_series(1, {ROWS}) g")
        fresh = table_stats(conn, "churned")
        assert (fresh["n_live_tup"], fresh["n_dead_tup"], fresh["autovacuum_count"]) == (ROWS, 0, 0)
        assert fresh["last_autovacuum"] is None
        churn(conn, "churned", UPDATES)
        stats = wait_for(conn, "churned", lambda s: s["autovacuum_count"] >= 1 and s["n_dead_tup"] <= THRESHOLD)
        assert stats["autovacuum_count"] >= 1 and stats["last_autovacuum"] is not None, stats
        # what the churn left after the last autovacuum stays until it passes the threshold again
        assert stats["n_dead_tup"] <= THRESHOLD and stats["n_live_tup"] == ROWS, stats
        assert stats["vacuum_count"] == 0 and stats["last_vacuum"] is None
        # the rows are whole and their index still finds each of them
        assert conn.execute("SELECT sum(v) FROM churned").fetchone()[0] == UPDATES
        for key in range(1, ROWS + 1):
            assert conn.execute("SELECT v FROM churned WHERE id = %s", (key,)).fetchone()[0] == UPDATES // ROWS


def test_autovacuum_keeps_what_an_open_snapshot_sees(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn, psycopg.connect(server.dsn) as reader:
        conn.execute("CREATE TABLE held (id int PRIMARY KEY, v int)")
        conn.execute(f"INSERT INTO held SELECT g, 0 FROM generate_series(1, {ROWS}) g")
        reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        assert reader.execute("SELECT sum(v) FROM held").fetchone()[0] == 0
        churn(conn, "held", UPDATES)
        stats = wait_for(conn, "held", lambda s: s["autovacuum_count"] >= 1)
        assert stats["autovacuum_count"] >= 1, stats
        # the snapshot's versions survived the vacuum; the ones it cannot see yet still count as dead
        assert reader.execute("SELECT sum(v) FROM held").fetchone()[0] == 0
        assert reader.execute("SELECT v FROM held WHERE id = 3").fetchone()[0] == 0
        assert stats["n_dead_tup"] > 0, stats
        reader.commit()
        stats = wait_for(conn, "held", lambda s: s["n_dead_tup"] <= THRESHOLD)
        assert stats["n_dead_tup"] <= THRESHOLD, stats
        assert conn.execute("SELECT sum(v) FROM held").fetchone()[0] == UPDATES


def test_vacuum_statement_counts_as_vacuum(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE swept (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO swept VALUES (1, 0), (2, 0)")
        conn.execute("DELETE FROM swept WHERE id = 1")
        assert table_stats(conn, "swept")["n_dead_tup"] == 1
        conn.execute("VACUUM swept")  # returns once the table is vacuumed, as in PostgreSQL
        stats = table_stats(conn, "swept")
        assert stats["vacuum_count"] == 1 and stats["last_vacuum"] is not None, stats
        assert (stats["n_live_tup"], stats["n_dead_tup"]) == (1, 0), stats


def test_autovacuum_runs_while_writers_wait_for_row_locks(server):
    """Clients queueing for one hot row (pgbench's branches) must not keep VACUUM out: a
    statement waiting for a row lock has let go of the rows it read and holds nothing."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE hot (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO hot VALUES (1, 0)")
    stop = threading.Event()
    done = [0] * 6

    def writer(n: int) -> None:
        with psycopg.connect(server.dsn) as c:
            while not stop.is_set():
                c.execute("UPDATE hot SET v = v + 1 WHERE id = 1")
                time.sleep(0.001)  # hold the row lock across a round trip, as pgbench's transaction does
                c.commit()
                done[n] += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(len(done))]
    for t in threads:
        t.start()
    try:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            stats = wait_for(conn, "hot", lambda s: s["autovacuum_count"] >= 2, timeout_s=60)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert stats["autovacuum_count"] >= 2, stats
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT v FROM hot").fetchone()[0] == sum(done)


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
    conn.execute(f"INSERT INTO {name} SELECT g, 0 FROM generate_series(1, {ROWS}) g")


def test_a_table_locked_by_an_open_transaction_is_skipped(server):
    """A transaction that altered the table (AccessExclusive) and is still open keeps autovacuum
    out of it until it ends; autovacuum does not wait for it meanwhile."""
    with psycopg.connect(server.dsn, autocommit=True) as conn, psycopg.connect(server.dsn) as ddl:
        make(conn, "altered")
        make(conn, "other")
        ddl.execute("ALTER TABLE altered ADD COLUMN w int")
        ddl.execute("UPDATE altered SET v = v + 1")
        churn(ddl, "altered", UPDATES)  # dead versions enough for autovacuum (once committed)
        churn(conn, "other", UPDATES)
        # the rounds go in OID order: the one that vacuums `other` skipped `altered`
        wait_until(lambda: autovacuums(conn, "other") >= 1)
        assert autovacuums(conn, "altered") == 0
        assert sorted(row[:3] for row in conn.execute(LOCKS, ["altered"])) == [
            ("AccessExclusiveLock", True, "client backend"), ("RowExclusiveLock", True, "client backend")]
        ddl.commit()
        wait_until(lambda: autovacuums(conn, "altered") >= 1)
        assert conn.execute("SELECT count(*), sum(v) FROM altered").fetchone() == (ROWS, ROWS + UPDATES)


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
            churn(conn, "busy", UPDATES)
            for _ in range(TRIES):  # autovacuum lets go of its lock for a moment every second: try again then
                held = wait_until(lambda: conn.execute(LOCKS, ["busy"]).fetchall())
                # (VACUUM ANALYZE when the round also found the table past its analyze threshold,
                # which depends on when the statistics reached it: as PostgreSQL's worker shows it)
                assert [row[:3] for row in held] == [("ShareUpdateExclusiveLock", True, "autovacuum worker")]
                assert held[0][3] in ("autovacuum: VACUUM public.busy", "autovacuum: VACUUM ANALYZE public.busy")
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


def test_autovacuum_analyzes_a_table_changed_past_its_threshold(server):
    """autovacuum_analyze_threshold (50) + autovacuum_analyze_scale_factor (0.1) * live rows: 100
    updates of 10 rows are past it, not past the vacuum's threshold."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        make(conn, "changed")
        with conn.transaction():  # counted at once: one autoanalyze
            churn(conn, "changed", 100)
        query = ("SELECT autoanalyze_count, last_autoanalyze IS NOT NULL, analyze_count, n_mod_since_analyze, "
                 "n_live_tup, autovacuum_count FROM pg_stat_user_tables WHERE relname = 'changed'")
        stats = wait_until(lambda: (got := conn.execute(query).fetchone())[0] >= 1 and got)
        assert stats == (1, True, 0, 0, ROWS, 0)
