"""Advisory locks (engine/advisory.py) as PostgreSQL 15's: session and transaction level, shared
and exclusive, the two key spaces, unlock warnings, waits under lock_timeout, deadlocks (through
row locks too), pg_locks and pg_blocking_pids (QUANTADB_TEST_DSN runs these against it)."""

from __future__ import annotations

import time
import uuid

import psycopg
from concurrency import Waiting, awaiting_relation_lock, new_table


def _key() -> int:
    return uuid.uuid4().int & 0x7FFFFFFFFFFF


def _waiting_advisory(observer, pid: int) -> bool:
    return observer.q("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s AND NOT granted",
                      (pid,)) == [(1,)]


def test_a_transaction_level_lock_goes_with_its_transaction(clients):
    a, b, _, _ = clients
    k = _key()
    a.q(f"SELECT pg_advisory_xact_lock({k})")  # its own implicit transaction
    assert b.q(f"SELECT pg_try_advisory_xact_lock({k})") == [(True,)]
    a.q("BEGIN")
    a.q(f"SELECT pg_advisory_xact_lock_shared({k})")
    assert b.q(f"SELECT pg_try_advisory_lock({k})") == [(False,)]
    assert b.q(f"SELECT pg_try_advisory_lock_shared({k})") == [(True,)]
    assert a.q(f"SELECT pg_advisory_unlock_shared({k})") == [(False,)]  # not by an unlock
    a.q("ROLLBACK")
    assert b.q(f"SELECT pg_advisory_unlock_shared({k}), pg_try_advisory_lock({k}), pg_advisory_unlock({k})") == [
        (True, True, True)]


def test_session_locks_count_and_unlock_with_warnings(clients):
    a, b, _, _ = clients
    k = _key()
    warnings = []
    a.conn.add_notice_handler(lambda d: warnings.append(d.message_primary))
    assert a.q(f"SELECT pg_advisory_lock({k}), pg_advisory_lock({k})") == [("", "")]
    assert a.q(f"SELECT pg_advisory_unlock({k})") == [(True,)]
    assert b.q(f"SELECT pg_try_advisory_lock({k})") == [(False,)]  # taken twice: still held once
    assert a.q(f"SELECT pg_advisory_unlock({k}), pg_advisory_unlock({k})") == [(True, False)]
    assert warnings == ["you don't own a lock of type ExclusiveLock"]
    assert a.q(f"SELECT pg_advisory_unlock_shared({k})") == [(False,)]
    assert warnings[-1] == "you don't own a lock of type ShareLock"
    assert b.q(f"SELECT pg_try_advisory_lock({k})") == [(True,)]
    b.q("SELECT pg_advisory_unlock_all()")


def test_a_bigint_key_and_a_pair_of_integers_are_different_locks(clients):
    a, b, obs, _ = clients
    k = _key() & 0x7FFFFFFF
    a.q(f"SELECT pg_advisory_lock({k}), pg_advisory_lock(7, {k})")
    assert b.q(f"SELECT pg_try_advisory_lock(0, {k}), pg_try_advisory_lock({k}), pg_try_advisory_lock(7, {k})") == [
        (True, False, False)]
    rows = obs.q("SELECT classid, objid, objsubid, mode, granted FROM pg_locks WHERE locktype = 'advisory' "
                 "AND pid = %s ORDER BY objsubid, classid", (a.pid,))
    assert rows == [(0, k, 1, "ExclusiveLock", True), (7, k, 2, "ExclusiveLock", True)]
    a.q("SELECT pg_advisory_unlock_all()")
    b.q("SELECT pg_advisory_unlock_all()")


def test_a_wait_ends_at_the_unlock_or_at_lock_timeout(clients):
    a, b, obs, _ = clients
    k = _key()
    a.q(f"SELECT pg_advisory_lock({k})")
    waiting = Waiting(b, obs, f"SELECT pg_advisory_lock_shared({k})", waits=_waiting_advisory)
    assert obs.q("SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND pid = %s AND NOT granted",
                 (b.pid,)) == [("ShareLock",)]
    a.q(f"SELECT pg_advisory_unlock({k})")
    assert waiting.join() == [("",)]
    a.q("SET lock_timeout = '100ms'")
    assert a.q(f"SELECT pg_advisory_lock({k})") == ("ERR", "55P03", "canceling statement due to lock timeout")
    a.q("RESET lock_timeout")
    b.q("SELECT pg_advisory_unlock_all()")


def test_two_sessions_waiting_on_each_others_locks_deadlock(clients):
    a, b, obs, _ = clients
    k1, k2 = _key(), _key()
    for c, k in ((a, k1), (b, k2)):
        c.q("BEGIN")
        c.q(f"SELECT pg_advisory_xact_lock({k})")
    waits = [Waiting(a, obs, f"SELECT pg_advisory_xact_lock({k2})", waits=_waiting_advisory)]
    waits.append(Waiting(b, obs, f"SELECT pg_advisory_xact_lock({k1})",
                         waits=lambda o, pid: _waiting_advisory(o, pid) or waits[0].done.is_set()))
    # one fails with the deadlock (PostgreSQL: the one whose deadlock_timeout runs out first); its
    # ROLLBACK lets the other have the lock
    while not any(w.done.is_set() for w in waits):
        waits[0].done.wait(0.05)
    victim = 0 if waits[0].done.is_set() else 1
    assert waits[victim].join() == ("ERR", "40P01", "deadlock detected")
    (a, b)[victim].q("ROLLBACK")
    assert waits[1 - victim].join() == [("",)]
    (a, b)[1 - victim].q("COMMIT")


def test_pg_blocking_pids_names_the_holder_of_an_advisory_lock(clients):
    a, b, obs, _ = clients
    k = _key()
    a.q(f"SELECT pg_advisory_lock_shared({k})")
    waiting = Waiting(b, obs, f"SELECT pg_advisory_lock({k})", waits=_waiting_advisory)
    assert obs.q("SELECT pg_blocking_pids(%s)", (b.pid,)) == [([a.pid],)]
    a.q(f"SELECT pg_advisory_unlock_shared({k})")
    assert waiting.join() == [("",)]
    assert obs.q("SELECT pg_blocking_pids(%s)", (b.pid,)) == [([],)]
    b.q("SELECT pg_advisory_unlock_all()")


def test_an_advisory_wait_that_closes_a_cycle_through_a_row_lock_deadlocks(clients):
    a, b, obs, _ = clients
    table, k = new_table(a), _key()
    a.q("BEGIN")
    a.q(f"UPDATE {table} SET v = 11 WHERE id = 1")
    b.q("BEGIN")
    b.q(f"SELECT pg_advisory_xact_lock({k})")
    row_wait = Waiting(b, obs, f"UPDATE {table} SET v = 12 WHERE id = 1", waits=awaiting_relation_lock)
    time.sleep(1.2)  # b's own deadlock check (after deadlock_timeout) has found no cycle
    assert a.q(f"SELECT pg_advisory_xact_lock({k})") == ("ERR", "40P01", "deadlock detected")
    (database,), = obs.q("SELECT oid FROM pg_database WHERE datname = current_database()")
    lines = a.detail.splitlines()
    assert lines[0] == (f"Process {a.pid} waits for ExclusiveLock on advisory lock "
                        f"[{database},{k >> 32},{k & 0xFFFFFFFF},1]; blocked by process {b.pid}.")
    assert lines[1].startswith(f"Process {b.pid} waits for ShareLock on transaction ")
    assert lines[1].endswith(f"; blocked by process {a.pid}.")
    a.q("ROLLBACK")
    assert row_wait.join() == "UPDATE 1"
    b.q("COMMIT")
    assert a.q(f"SELECT v FROM {table} WHERE id = 1") == [(12,)]


def test_a_row_lock_wait_that_closes_a_cycle_through_an_advisory_lock_deadlocks(clients):
    a, b, obs, _ = clients
    table, k = new_table(a), _key()
    a.q("BEGIN")
    a.q(f"SELECT pg_advisory_xact_lock({k})")
    b.q("BEGIN")
    b.q(f"UPDATE {table} SET v = 21 WHERE id = 2")
    waits = [Waiting(b, obs, f"SELECT pg_advisory_xact_lock({k})", waits=_waiting_advisory)]
    time.sleep(1.2)
    waits.insert(0, Waiting(a, obs, f"UPDATE {table} SET v = 22 WHERE id = 2",
                            waits=lambda o, pid: awaiting_relation_lock(o, pid) or waits[0].done.is_set()))
    # PostgreSQL fails the row lock's waiter, whose deadlock_timeout runs out first; QuantaDB's
    # storage does not see the advisory wait, and the advisory waiter's next look finds the cycle.
    # The failed transaction lets its locks go at once (its block waits for ROLLBACK): the other goes on
    while not any(w.done.is_set() for w in waits):
        waits[0].done.wait(0.05)
    results = [waits[0].join(), waits[1].join()]
    victim = results.index(("ERR", "40P01", "deadlock detected"))
    assert results[1 - victim] == ["UPDATE 1", [("",)]][1 - victim]
    (a, b)[victim].q("ROLLBACK")
    (a, b)[1 - victim].q("COMMIT")


def test_a_session_that_ends_lets_its_locks_go(clients, dsn):
    _, b, _, _ = clients
    k = _key()
    gone = psycopg.connect(dsn, autocommit=True)
    gone.execute(f"SELECT pg_advisory_lock({k}), pg_advisory_lock_shared({k} + 1)")
    gone.close()
    for _ in range(200):  # (the server notices the closed connection a moment later)
        if b.q(f"SELECT pg_try_advisory_lock({k})") == [(True,)]:
            break
    assert b.q(f"SELECT pg_try_advisory_lock({k} + 1)") == [(True,)]
    b.q("SELECT pg_advisory_unlock_all()")
