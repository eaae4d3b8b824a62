"""Dropping and emptying temporary tables takes AccessExclusive on each, as PostgreSQL 15's drop
and truncate: a superuser can lock another session's temporary table by its pg_temp_N name, and
then DISCARD TEMP, ON COMMIT DELETE ROWS and the end of the owning session wait for that lock
(engine/ddl/temp.py). Each outcome was checked on PostgreSQL 15 first (QUANTADB_TEST_DSN runs
these against a server given by its DSN)."""

from __future__ import annotations

import time

import psycopg
import pytest
from concurrency import HANG_S, Client, Waiting


def _temp_table(a: Client, on_commit: str = "") -> tuple[str, int]:
    """A temporary table of `a`: (its name qualified by a's temporary schema, its OID)."""
    a.q(f"CREATE TEMP TABLE tt (x int) {on_commit}")
    (schema, oid), = a.q("SELECT pg_my_temp_schema()::regnamespace::text, 'tt'::regclass::oid")
    return f"{schema}.tt", oid


def _waits_for_access_exclusive(oid: int):
    def waits(observer: Client, pid: int) -> bool:
        return observer.q("SELECT mode FROM pg_locks WHERE pid = %s AND relation = %s AND NOT granted",
                          (pid, oid)) == [("AccessExclusiveLock",)]
    return waits


def test_discard_temp_waits_for_a_lock_on_a_temporary_table(clients):
    a, b, obs, _ = clients
    name, oid = _temp_table(a)
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {name} IN ACCESS SHARE MODE") == "LOCK TABLE"
    discard = Waiting(a, obs, "DISCARD TEMP", waits=_waits_for_access_exclusive(oid))
    assert obs.q("SELECT pg_blocking_pids(%s)", (a.pid,)) == [([b.pid],)]
    b.q("COMMIT")
    assert discard.join() == "DISCARD TEMP"
    assert a.q("SELECT count(*) FROM pg_class WHERE oid = %s", (oid,)) == [(0,)]


@pytest.mark.parametrize("block", [True, False], ids=["commit", "implicit"])
def test_on_commit_delete_rows_waits_for_a_lock_on_the_table(clients, block):
    a, b, obs, _ = clients
    name, oid = _temp_table(a, "ON COMMIT DELETE ROWS")
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {name} IN ACCESS SHARE MODE") == "LOCK TABLE"
    if block:
        a.q("BEGIN")
        assert a.q("INSERT INTO tt VALUES (1)") == "INSERT 0 1"
        commit = Waiting(a, obs, "COMMIT", waits=_waits_for_access_exclusive(oid))
    else:  # the implicit transaction's end waits
        commit = Waiting(a, obs, "INSERT INTO tt VALUES (1)", waits=_waits_for_access_exclusive(oid))
    b.q("COMMIT")
    assert commit.join() == ("COMMIT" if block else "INSERT 0 1")
    assert a.q("SELECT count(*) FROM tt") == [(0,)]
    assert a.q("SELECT 1") == [(1,)]


def test_a_commit_that_used_no_temporary_table_does_not_empty_them(clients):
    a, b, _, _ = clients
    name, _ = _temp_table(a, "ON COMMIT DELETE ROWS")
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {name} IN ACCESS SHARE MODE") == "LOCK TABLE"
    a.q("BEGIN")
    assert a.q("SELECT 1") == [(1,)]
    assert a.q("COMMIT") == "COMMIT"  # nothing to empty: no lock to wait for
    b.q("COMMIT")


def test_the_end_of_a_session_waits_for_a_lock_on_its_temporary_table(clients):
    a, b, obs, _ = clients
    name, oid = _temp_table(a)
    a.q("SET lock_timeout = '100ms'")  # not for this wait: nothing would drop the table later
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {name} IN ACCESS SHARE MODE") == "LOCK TABLE"
    a.conn.close()
    deadline = time.monotonic() + HANG_S
    while not _waits_for_access_exclusive(oid)(obs, a.pid):  # the ended session's drop waits
        assert time.monotonic() < deadline, "the drop of the temporary table never waited"
        time.sleep(0.01)
    assert obs.q("SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s",
                 (a.pid,)) == [("Lock", "relation")]
    assert obs.q("SELECT pg_blocking_pids(%s)", (a.pid,)) == [([b.pid],)]
    b.q("COMMIT")
    while obs.q("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (a.pid,)) != [(0,)]:
        assert time.monotonic() < deadline, "the ended session stayed"
        time.sleep(0.01)
    assert obs.q("SELECT count(*) FROM pg_class WHERE oid = %s", (oid,)) == [(0,)]


def test_a_session_terminated_while_its_commit_waits_drops_its_tables_once_free(clients):
    a, b, obs, _ = clients
    name, oid = _temp_table(a, "ON COMMIT DELETE ROWS")
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {name} IN ACCESS SHARE MODE") == "LOCK TABLE"
    commit = Waiting(a, obs, "INSERT INTO tt VALUES (1)", waits=_waits_for_access_exclusive(oid))
    assert obs.q("SELECT pg_terminate_backend(%s)", (a.pid,)) == [(True,)]
    # the session's end drops the table: it waits for the lock still (PostgreSQL's client hears
    # of its end only then, QuantaDB's at once)
    assert obs.q("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (a.pid,)) == [(1,)]
    b.q("COMMIT")
    assert commit.join()[0] == "ERR"
    deadline = time.monotonic() + HANG_S
    while obs.q("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (a.pid,)) != [(0,)]:
        assert time.monotonic() < deadline, "the ended session stayed"
        time.sleep(0.01)
    assert obs.q("SELECT count(*) FROM pg_class WHERE oid = %s", (oid,)) == [(0,)]


def test_a_commit_whose_on_commit_wait_times_out_is_rolled_back(clients):
    a, b, _, _ = clients
    name, _ = _temp_table(a, "ON COMMIT DELETE ROWS")
    a.q("CREATE TEMP TABLE kept (x int)")
    b.q("BEGIN")
    assert b.q(f"LOCK TABLE {name} IN ACCESS SHARE MODE") == "LOCK TABLE"
    a.q("SET lock_timeout = '100ms'")
    a.q("BEGIN")
    assert a.q("INSERT INTO kept VALUES (1)") == "INSERT 0 1"
    assert a.q("COMMIT") == ("ERR", "55P03", "canceling statement due to lock timeout")
    assert a.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    b.q("COMMIT")
    assert a.q("SELECT count(*) FROM kept") == [(0,)]
