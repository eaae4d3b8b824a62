"""Cumulative statistics (engine/pgstat.py): pg_stat_user_tables, pg_stat_user_indexes and
pg_stat_database count scans, rows written and transactions as PostgreSQL 15 does. PostgreSQL
makes a transaction's counts visible within a second of its end (QuantaDB at its end), so the
tests wait for the counts they expect. QUANTADB_TEST_DSN runs them against a server given by its
DSN (they pass on PostgreSQL 15)."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from psycopg import errors

TABLE_COUNTS = "seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, n_tup_ins, n_tup_upd, n_tup_del"


@pytest.fixture
def conn(dsn):  # (dsn: conftest.py's, the test server or QUANTADB_TEST_DSN)
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def made(conn):
    """make(columns, rows, *indexed) -> the name of a new table, filled by `INSERT INTO t rows`,
    with an index on each column named in `indexed` (named t_column), analyzed unless analyze=False
    (PostgreSQL's ANALYZE right after the insert counts its rows live twice: not yet flushed, they
    are counted again when they are); dropped afterwards."""
    names: list[str] = []

    def make(columns: str, rows: str, *indexed: str, analyze: bool = True) -> str:
        name = f"st_{uuid.uuid4().hex[:8]}"
        names.append(name)
        conn.execute(f"CREATE TABLE {name} ({columns})")
        conn.execute(f"INSERT INTO {name} {rows}")
        for column in indexed:
            conn.execute(f"CREATE INDEX {name}_{column} ON {name} ({column})")
        if analyze:
            conn.execute(f"ANALYZE {name}")
        return name
    yield make
    for name in names:
        conn.execute(f"DROP TABLE {name}")


@pytest.fixture
def table(conn):
    """A table of 100 rows with a primary key and an index on v, once its inserts are counted."""
    name = f"st_{uuid.uuid4().hex[:8]}"
    conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)")
    conn.execute(f"CREATE INDEX {name}_v ON {name} (v)")
    conn.execute(f"INSERT INTO {name} SELECT g, g FROM generate_series(1, 100) g")
    eventually(conn, lambda: table_counts(conn, name)["n_tup_ins"], 100)
    yield name
    conn.execute(f"DROP TABLE {name}")


def eventually(conn: psycopg.Connection, read, expected, timeout: float = 10.0):
    """Wait until read() gives `expected` (a callable: until it holds for what read() gives)."""
    deadline = time.monotonic() + timeout
    while True:
        conn.execute("SELECT pg_stat_force_next_flush()")
        got = read()
        if expected(got) if callable(expected) else got == expected:
            return
        assert time.monotonic() < deadline, f"the statistics stayed at {got}"
        time.sleep(0.1)


def table_counts(conn: psycopg.Connection, name: str) -> dict:
    cur = conn.execute(f"SELECT {TABLE_COUNTS} FROM pg_stat_user_tables WHERE relname = %s", [name])
    return dict(zip(TABLE_COUNTS.split(", "), cur.fetchone()))


def index_counts(conn: psycopg.Connection, name: str) -> tuple:
    return conn.execute("SELECT idx_scan, idx_tup_read, idx_tup_fetch FROM pg_stat_user_indexes "
                        "WHERE indexrelname = %s", [name]).fetchone()


def test_point_reads_count_index_scans_and_fetches(conn, table):
    before = table_counts(conn, table)
    for key in (5, 6, 500):  # the last finds nothing
        conn.execute(f"SELECT v FROM {table} WHERE id = %s", [key], prepare=True)
    conn.execute(f"SELECT v FROM {table} WHERE id = 7")  # simple protocol
    eventually(conn, lambda: index_counts(conn, f"{table}_pkey"), (4, 3, 3))
    after = table_counts(conn, table)
    assert after["idx_scan"] - before["idx_scan"] == 4  # the table's: its indexes' sum
    assert after["idx_tup_fetch"] - before["idx_tup_fetch"] == 3
    assert after["seq_scan"] == before["seq_scan"]


def test_sequential_scans_count_the_rows_read(conn, table):
    before = table_counts(conn, table)
    assert conn.execute(f"SELECT count(*) FROM {table} WHERE v + 0 > 90").fetchone() == (10,)
    expected = (before["seq_scan"] + 1, before["seq_tup_read"] + 100)  # every row read, not just those kept
    eventually(conn, lambda: (table_counts(conn, table)["seq_scan"], table_counts(conn, table)["seq_tup_read"]),
               expected)


def test_writes_are_counted_committed_or_not(conn, table):
    conn.execute(f"UPDATE {table} SET v = v + 1 WHERE id = 7")
    conn.execute(f"UPDATE {table} SET v = v + 1 WHERE id > 90")
    conn.execute(f"DELETE FROM {table} WHERE id = 9")
    with conn.transaction(force_rollback=True):  # rows inserted and rolled back count as inserted
        conn.execute(f"INSERT INTO {table} VALUES (2000, 0), (2001, 0)")
    eventually(conn, lambda: [table_counts(conn, table)[k] for k in ("n_tup_ins", "n_tup_upd", "n_tup_del")],
               [102, 11, 1])


def test_copy_counts_its_rows(conn, table):
    with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
        for i in range(101, 111):
            copy.write_row((i, i))
    eventually(conn, lambda: table_counts(conn, table)["n_tup_ins"], 110)


def test_a_table_without_index_has_null_index_counts(conn, made):
    counts = table_counts(conn, made("a int", "VALUES (1)"))
    assert (counts["idx_scan"], counts["idx_tup_fetch"]) == (None, None)


def test_database_counts_transactions_and_rows(conn, dsn, table):
    def database():
        return conn.execute("SELECT xact_commit, xact_rollback, tup_inserted, tup_deleted FROM pg_stat_database "
                            "WHERE datname = current_database()").fetchone()
    eventually(conn, database, lambda got: got[2] >= 100)
    commits, rollbacks, inserted, deleted = database()
    with psycopg.connect(dsn) as other:
        other.execute(f"INSERT INTO {table} VALUES (3000, 0)")
        other.commit()
        other.execute(f"DELETE FROM {table} WHERE id = 3000")
        other.rollback()
    eventually(conn, database, lambda got: got[0] > commits and got[1] > rollbacks and got[2] > inserted
               and got[3] > deleted)


def test_resetting_a_tables_counters(conn, table):
    conn.execute(f"SELECT count(*) FROM {table}")
    eventually(conn, lambda: table_counts(conn, table)["seq_scan"], lambda got: got >= 1)
    conn.execute(f"SELECT pg_stat_reset_single_table_counters('{table}'::regclass)")
    eventually(conn, lambda: table_counts(conn, table)["n_tup_ins"], 0)
    assert table_counts(conn, table)["seq_scan"] == 0


def test_resetting_needs_a_superuser(conn):
    role = f"st_{uuid.uuid4().hex[:8]}"
    conn.execute(f"CREATE ROLE {role}")
    try:
        conn.execute(f"SET ROLE {role}")
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied for function pg_stat_reset"):
            conn.execute("SELECT pg_stat_reset()")
    finally:
        conn.execute("RESET ROLE")
        conn.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize("key", [5, 70000, 2**40])  # psycopg sends them as int2, int4 and int8
def test_an_integer_key_of_another_width_uses_the_index(conn, table, key):
    """int4 = int2 / int8 is an index search (btree's cross-type integer operators); a key out of
    the column's range finds nothing."""
    before = index_counts(conn, f"{table}_pkey")[0]
    assert conn.execute(f"SELECT v FROM {table} WHERE id = %s", [key]).fetchall() == ([(5,)] if key == 5 else [])
    assert conn.execute(f"SELECT count(*) FROM {table} WHERE id < %s", [key]).fetchone() == (min(key - 1, 100),)
    eventually(conn, lambda: index_counts(conn, f"{table}_pkey")[0], before + 2)


def test_a_simple_query_uses_the_partial_index_its_literal_implies(conn):
    """A simple-protocol query is planned with its literals (not as a parameterized template)
    when a partial index's predicate may depend on them."""
    name = f"st_{uuid.uuid4().hex[:8]}"
    conn.execute(f"CREATE TABLE {name} (id int, status text, n int)")
    conn.execute(f"INSERT INTO {name} SELECT g, CASE WHEN g % 100 = 0 THEN 'open' ELSE 'done' END, g "
                 "FROM generate_series(1, 5000) g")
    conn.execute(f"CREATE INDEX {name}_open ON {name} (n) WHERE status = 'open'")
    conn.execute(f"ANALYZE {name}")
    try:
        for status in ("open", "open", "done"):  # the last cannot use the index
            result = conn.pgconn.exec_(f"SELECT id FROM {name} WHERE status = '{status}' AND n = 500".encode())
            assert result.ntuples == (1 if status == "open" else 0)
        eventually(conn, lambda: index_counts(conn, f"{name}_open")[0], 2)
    finally:
        conn.execute(f"DROP TABLE {name}")



@pytest.mark.parametrize("query, rows, scans", [  # PostgreSQL 15 counts a scan per key of a list
    ("SELECT id FROM {} WHERE id IN (3, 4, 300000)", [(3,), (4,)], 3),
    ("SELECT id FROM {} WHERE id = ANY(%s)", [(5,), (6,)], 2),
    ("SELECT id FROM {} WHERE id = 7 OR id = 8", [(7,), (8,)], 2),
    ("SELECT id FROM {} ORDER BY id DESC LIMIT 2", [(20000,), (19999,)], 1),
    ("SELECT id FROM {} ORDER BY v LIMIT 2", [(1,), (2,)], 1),  # v is nullable: its NULLs would come last
])
def test_lists_of_keys_and_order_by_limit_use_the_index(conn, made, query, rows, scans):
    name = made("id int PRIMARY KEY, v int", "SELECT g, g FROM generate_series(1, 20000) g", "v")
    assert conn.execute(query.format(name), [[5, 6]] if "%s" in query else None).fetchall() == rows
    index = f"{name}_v" if "ORDER BY v" in query else f"{name}_pkey"
    eventually(conn, lambda: index_counts(conn, index)[0], scans)


@pytest.mark.parametrize("query", [
    "SELECT s.k, b.v FROM {small} s JOIN {big} b ON b.id = s.k",
    "SELECT s.k, b.v FROM {big} b JOIN {small} s ON b.id = s.k",
    "SELECT s.k FROM {small} s WHERE EXISTS (SELECT 1 FROM {big} b WHERE b.id = s.k * 2)",
    "SELECT s.k, (SELECT v FROM {big} b WHERE b.id = s.k + 1) FROM {small} s",
])
def test_joins_and_correlated_subqueries_read_by_index(conn, made, query):
    """A few rows on the left look the big table up by its index, as PostgreSQL's nested loop
    with an inner index scan; the exact count of scans differs (PostgreSQL counts one a row)."""
    big = made("id int PRIMARY KEY, v int", "SELECT g, g FROM generate_series(1, 20000) g")
    small = made("k int", "VALUES (3), (5), (30000)")
    assert len(conn.execute(query.format(big=big, small=small)).fetchall()) in (2, 3)
    eventually(conn, lambda: index_counts(conn, f"{big}_pkey")[0], lambda got: got >= 1)


def test_a_like_prefix_reads_a_range_of_the_index(conn, made):
    name = made("w text", "SELECT 'w' || g FROM generate_series(1, 20000) g", "w")
    assert conn.execute(f"SELECT count(*) FROM {name} WHERE w LIKE 'w19999%'").fetchone() == (1,)
    eventually(conn, lambda: index_counts(conn, f"{name}_w")[0], 1)


ROW_COUNTS = "n_tup_ins, n_tup_upd, n_tup_del, n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum"


def row_counts(conn: psycopg.Connection, name: str) -> tuple:
    return conn.execute(f"SELECT {ROW_COUNTS} FROM pg_stat_user_tables WHERE relname = %s", [name]).fetchone()


def maintenance(conn: psycopg.Connection, name: str) -> tuple:
    return conn.execute("SELECT vacuum_count, last_vacuum IS NOT NULL, analyze_count, last_analyze IS NOT NULL "
                        "FROM pg_stat_user_tables WHERE relname = %s", [name]).fetchone()


def test_live_and_dead_rows_are_counted_by_transactions(conn, made):
    """A rolled-back insert is a dead row at once (storage keeps it until VACUUM); so are the rows
    a savepoint rolled back, and the old versions of updated and deleted rows."""
    name = made("id int PRIMARY KEY, v int", "SELECT g, g FROM generate_series(1, 10) g", analyze=False)
    with conn.transaction(force_rollback=True):
        conn.execute(f"INSERT INTO {name} SELECT g, g FROM generate_series(11, 15) g")
    conn.execute(f"DELETE FROM {name} WHERE id <= 2")
    conn.execute(f"UPDATE {name} SET v = 0 WHERE id BETWEEN 3 AND 5")
    with conn.transaction():
        conn.execute(f"INSERT INTO {name} VALUES (100, 1)")
        with conn.transaction(force_rollback=True):  # a savepoint rolled back
            conn.execute(f"INSERT INTO {name} SELECT g, g FROM generate_series(20, 23) g")
    eventually(conn, lambda: row_counts(conn, name), (20, 3, 2, 9, 14, 16, 20))
    assert maintenance(conn, name) == (0, False, 0, False)
    conn.execute(f"VACUUM {name}")
    eventually(conn, lambda: row_counts(conn, name), (20, 3, 2, 9, 0, 16, 0))
    assert maintenance(conn, name) == (1, True, 0, False)
    conn.execute(f"ANALYZE {name}")
    eventually(conn, lambda: row_counts(conn, name), (20, 3, 2, 9, 0, 0, 0))
    assert maintenance(conn, name) == (1, True, 1, True)


def test_truncate_zeroes_live_and_dead_rows_when_it_commits(conn, made):
    """What a transaction wrote before its TRUNCATE is forgotten if it commits, what it wrote
    after if it rolls back (PostgreSQL's pgstat_count_truncate)."""
    name = made("id int, v int", "SELECT g, g FROM generate_series(1, 10) g", analyze=False)
    conn.execute(f"DELETE FROM {name} WHERE id = 1")
    eventually(conn, lambda: row_counts(conn, name), (10, 0, 1, 9, 1, 11, 10))
    with conn.transaction():
        conn.execute(f"INSERT INTO {name} VALUES (100, 1)")
        conn.execute(f"TRUNCATE {name}")
        conn.execute(f"INSERT INTO {name} VALUES (101, 1), (102, 1)")
    eventually(conn, lambda: row_counts(conn, name), (12, 0, 1, 2, 0, 13, 2))
    with conn.transaction(force_rollback=True):
        conn.execute(f"INSERT INTO {name} VALUES (200, 1)")
        conn.execute(f"TRUNCATE {name}")
        conn.execute(f"INSERT INTO {name} VALUES (201, 1), (202, 1)")
    eventually(conn, lambda: row_counts(conn, name), (13, 0, 1, 2, 1, 13, 3))


def test_a_statement_run_again_after_a_lock_wait_counts_once(conn, dsn, made):
    """A statement that wrote and then met a row lock waits and runs again (QuantaDB undoes the
    first attempt): its rows count once, as in PostgreSQL, where it just waits."""
    deleted = made("id int PRIMARY KEY", "SELECT generate_series(1, 3)", analyze=False)
    locked = made("id int PRIMARY KEY, v int", "SELECT g, 0 FROM generate_series(1, 3) g", analyze=False)
    with psycopg.connect(dsn) as holder:
        holder.execute(f"UPDATE {locked} SET v = 1 WHERE id = 1")
        waiter = threading.Thread(target=conn.execute, args=(
            f"WITH d AS (DELETE FROM {deleted} WHERE id = 1 RETURNING id) "
            f"UPDATE {locked} SET v = 2 WHERE id IN (SELECT id FROM d)",))
        waiter.start()
        eventually(holder, lambda: holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' "
                                                  "AND NOT granted").fetchone()[0], 1)
    waiter.join()
    eventually(conn, lambda: row_counts(conn, deleted), (3, 0, 1, 2, 1, 4, 3))
    assert conn.execute(f"SELECT v FROM {locked} WHERE id = 1").fetchone() == (2,)


def test_vacuum_leaves_out_rows_an_insert_still_in_progress_wrote(conn, dsn, made):
    """Their transaction counts them when it commits: VACUUM counting them too counted them twice."""
    name = made("id int", "SELECT generate_series(1, 5)", analyze=False)
    eventually(conn, lambda: row_counts(conn, name)[3], 5)
    with psycopg.connect(dsn) as other:
        other.execute(f"INSERT INTO {name} SELECT generate_series(6, 8)")
        other.execute(f"DELETE FROM {name} WHERE id = 1")
        conn.execute(f"VACUUM {name}")
        eventually(conn, lambda: row_counts(conn, name)[3:5], (5, 0))
        other.commit()
        other.execute("SELECT pg_stat_force_next_flush()")
    eventually(conn, lambda: row_counts(conn, name)[3:5], (7, 1))
    conn.execute(f"ANALYZE {name}")
    eventually(conn, lambda: row_counts(conn, name)[3:5], (7, 1))
