"""A point read alone in its implicit transaction, answered in one call (engine/point_round.py):
a prepared one's Bind, Describe, Execute and Sync, or a simple Query of one, must be
indistinguishable from the general path: the rows, pg_stat_activity, the statistics, relation
locks, privileges and errors. psycopg's `prepare=True` sends the round as libpq's
PQsendQueryPrepared does; its ClientCursor sends a simple Query with the literal in it.
QUANTADB_TEST_DSN runs the tests against another server (they pass on PostgreSQL 15)."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from psycopg import errors, sql
from test_cumulative_stats import eventually, index_counts


@pytest.fixture
def conn(dsn):
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def other(dsn):
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def table(conn):
    name = f"pr_{uuid.uuid4().hex[:8]}"
    conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v text)")
    conn.execute(f"INSERT INTO {name} SELECT g, 'v' || g FROM generate_series(1, 1000) g")
    yield name
    conn.execute(f"DROP TABLE IF EXISTS {name}")


def read(conn: psycopg.Connection, table: str, key, binary: bool = False) -> list:
    cur = conn.cursor(binary=binary)
    return cur.execute(f"SELECT v FROM {table} WHERE id = %s", [key], prepare=True).fetchall()


def simple_read(conn: psycopg.Connection, table: str, key) -> list:
    return psycopg.ClientCursor(conn).execute(f"SELECT v FROM {table} WHERE id = %s", [key]).fetchall()


def test_a_simple_query_sees_the_latest_committed_row(conn, other, table):
    assert simple_read(conn, table, 7) == [("v7",)]
    other.execute(f"UPDATE {table} SET v = 'new' WHERE id = 7")
    assert simple_read(conn, table, 7) == [("new",)]
    with other.transaction():  # uncommitted: not seen
        other.execute(f"DELETE FROM {table} WHERE id = 7")
        assert simple_read(conn, table, 7) == [("new",)]
    assert simple_read(conn, table, 7) == []
    assert simple_read(conn, table, 4) == [("v4",)]
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    before = other.execute("SELECT now()").fetchone()[0]
    simple_read(conn, table, 5)
    state, query, query_start = other.execute("SELECT state, query, query_start FROM pg_stat_activity "
                                              "WHERE pid = %s", [conn.info.backend_pid]).fetchone()
    assert (state, query) == ("idle", f"SELECT v FROM {table} WHERE id = 5")
    assert query_start >= before


def test_simple_queries_count_and_wait_as_statements(conn, other, dsn, table):
    simple_read(conn, table, 1)
    index = f"{table}_pkey"
    eventually(conn, lambda: index_counts(conn, index)[0], 1)
    queries = commits_around(conn, lambda: [simple_read(conn, table, key) for key in range(1, 11)])
    assert queries - commits_around(conn, lambda: None) == 10
    eventually(conn, lambda: index_counts(conn, index)[0], 11)
    assert read_behind_access_exclusive(conn, other, dsn, table, simple_read) == [("during",)]


def test_each_round_sees_the_latest_committed_row(conn, other, table):
    assert read(conn, table, 7) == [("v7",)]
    other.execute(f"UPDATE {table} SET v = 'new' WHERE id = 7")
    assert read(conn, table, 7) == [("new",)]
    assert read(conn, table, 7, binary=True) == [("new",)]
    other.execute(f"DELETE FROM {table} WHERE id = 7")
    assert read(conn, table, 7) == []
    assert read(conn, table, None) == []
    with other.transaction():  # uncommitted: not seen
        other.execute(f"INSERT INTO {table} VALUES (7, 'uncommitted')")
        assert read(conn, table, 7) == []
    assert read(conn, table, 7) == [("uncommitted",)]
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_pg_stat_activity_shows_the_round_as_a_statement(conn, other, table):
    read(conn, table, 3)  # prepared
    conn.execute("SELECT 42")
    before = other.execute("SELECT now()").fetchone()[0]
    read(conn, table, 3)
    state, query, query_start, xact_start = other.execute(
        "SELECT state, query, query_start, xact_start FROM pg_stat_activity WHERE pid = %s",
        [conn.info.backend_pid]).fetchone()
    assert (state, query, xact_start) == ("idle", f"SELECT v FROM {table} WHERE id = $1", None)
    assert query_start >= before


def commits_around(conn: psycopg.Connection, work) -> int:
    """pg_stat_database's xact_commit after work() less before it (the two reads add their own)."""
    def commits() -> int:
        conn.execute("SELECT pg_stat_force_next_flush()")
        return conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]
    before = commits()
    work()
    return commits() - before


def test_the_statistics_count_each_round(conn, table):
    read(conn, table, 1)  # prepared
    index = f"{table}_pkey"
    eventually(conn, lambda: index_counts(conn, index)[0], 1)
    rounds = commits_around(conn, lambda: [read(conn, table, key) for key in range(1, 11)])
    assert rounds - commits_around(conn, lambda: None) == 10
    eventually(conn, lambda: index_counts(conn, index)[0], 11)


def read_behind_access_exclusive(conn, other, dsn: str, table: str, reader) -> list:
    """reader(conn, table, 1) while `other` holds ACCESS EXCLUSIVE on the table: it waits (as
    pg_stat_activity shows) until `other` has changed the row and committed; the rows it read."""
    other.execute("BEGIN")
    other.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table)))
    got: list = []
    waiting = threading.Thread(target=lambda: got.append(reader(conn, table, 1)))
    waiting.start()
    with psycopg.connect(dsn, autocommit=True) as watcher:
        eventually(watcher, lambda: watcher.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                                    [conn.info.backend_pid]).fetchone()[0], "Lock")
    assert got == []
    other.execute(f"UPDATE {table} SET v = 'during' WHERE id = 1")
    other.execute("COMMIT")
    waiting.join(10)
    return got[0]


def test_a_round_waits_for_an_access_exclusive_lock(conn, other, dsn, table):
    read(conn, table, 1)  # prepared and planned
    assert read_behind_access_exclusive(conn, other, dsn, table, read) == [("during",)]


def test_a_revoked_privilege_fails_the_round(conn, dsn, table):
    role = f"pr_role_{uuid.uuid4().hex[:6]}"
    conn.execute(f"CREATE ROLE {role} LOGIN")
    conn.execute(f"GRANT SELECT ON {table} TO {role}")
    try:
        with psycopg.connect(dsn, user=role, autocommit=True) as limited:
            assert read(limited, table, 2) == [("v2",)]
            conn.execute(f"REVOKE SELECT ON {table} FROM {role}")
            with pytest.raises(errors.InsufficientPrivilege):
                read(limited, table, 2)
            conn.execute(f"GRANT SELECT ON {table} TO {role}")
            assert read(limited, table, 2) == [("v2",)]
    finally:
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


def test_set_role_checks_the_round_as_that_role(conn, table):
    role = f"pr_role_{uuid.uuid4().hex[:6]}"
    conn.execute(f"CREATE ROLE {role}")
    try:
        assert read(conn, table, 3) == [("v3",)]  # planned and allowed as the superuser
        conn.execute(f"SET ROLE {role}")
        with pytest.raises(errors.InsufficientPrivilege):
            read(conn, table, 3)
        conn.execute("RESET ROLE")
        assert read(conn, table, 3) == [("v3",)]
    finally:
        conn.execute("RESET ROLE")
        conn.execute(f"DROP ROLE {role}")


def test_a_parameter_that_does_not_decode_is_an_error(conn, table):
    assert read(conn, table, "4") == [("v4",)]
    with pytest.raises(errors.InvalidTextRepresentation):
        read(conn, table, "four")
    assert read(conn, table, "4") == [("v4",)]


def test_rounds_under_repeatable_read_and_after_a_schema_change(conn, table):
    conn.execute("SET default_transaction_isolation = 'repeatable read'")
    assert read(conn, table, 5) == [("v5",)]
    conn.execute("RESET default_transaction_isolation")
    conn.execute(f"ALTER TABLE {table} ADD COLUMN w int DEFAULT 1")
    assert read(conn, table, 5) == [("v5",)]
    conn.execute(f"DROP TABLE {table}")
    with pytest.raises(errors.UndefinedTable):
        read(conn, table, 5)
