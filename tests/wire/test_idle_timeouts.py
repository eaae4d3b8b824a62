"""idle_session_timeout and idle_in_transaction_session_timeout end a connection that waits too
long for its client's next request, with PostgreSQL 15's FATAL errors (57P05, 25P03); the
transaction left open is rolled back."""

from __future__ import annotations

import time

import psycopg
import pytest


def test_idle_in_transaction_timeout_ends_the_session_and_rolls_back(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as admin:
        admin.execute("CREATE TABLE idle_txn_t (a int)")
        conn = psycopg.connect(server.dsn, autocommit=True)
        conn.execute("SET idle_in_transaction_session_timeout = 300")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO idle_txn_t VALUES (1)")
        time.sleep(1.0)
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout,
                           match="terminating connection due to idle-in-transaction timeout"):
            conn.execute("SELECT 1")
        assert conn.closed
        assert admin.execute("SELECT count(*) FROM idle_txn_t").fetchone() == (0,)


def test_idle_in_transaction_timeout_leaves_an_idle_session_alone(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("SET idle_in_transaction_session_timeout = 200")
        time.sleep(0.6)
        assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.execute("BEGIN")
        conn.execute("SELECT 1")
        time.sleep(0.1)  # each request restarts the wait
        conn.execute("SELECT 1")
        time.sleep(0.1)
        conn.execute("COMMIT")


def test_idle_session_timeout_from_the_startup_packet(server) -> None:
    conn = psycopg.connect(server.dsn, autocommit=True, options="-c idle_session_timeout=300")
    time.sleep(1.0)
    with pytest.raises(psycopg.errors.IdleSessionTimeout, match="terminating connection due to idle-session timeout"):
        conn.execute("SELECT 1")
    assert conn.closed


def test_idle_session_timeout_does_not_apply_inside_a_transaction_block(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("SET idle_session_timeout = 200")
        conn.execute("BEGIN")
        time.sleep(0.6)
        assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.execute("COMMIT")
        conn.execute("SET idle_session_timeout = 0")
        time.sleep(0.4)
        assert conn.execute("SELECT 2").fetchone() == (2,)
