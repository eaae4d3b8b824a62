"""Autovacuum on a real server: it reclaims the versions an update-heavy table leaves behind,
keeps the ones an open snapshot still needs, and pg_stat_user_tables shows it as PostgreSQL's
does (n_live_tup, n_dead_tup, last_autovacuum, autovacuum_count, vacuum_count)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from serverproc import start_server

ROWS = 10
UPDATES = 1500
THRESHOLD = 1000 + 0.2 * ROWS  # autovacuum's: autovacuum_vacuum_threshold + scale_factor * live rows


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
