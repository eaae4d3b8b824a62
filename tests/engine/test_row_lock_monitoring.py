"""What other sessions see of a row lock, as in PostgreSQL 15: the locked row's xmax is the
locker's xid; a session waiting for the row shows in pg_locks with a ShareLock not granted on the
holder's xid and a granted tuple lock on the row, pg_blocking_pids names the holder, and the lock
monitoring query of the PostgreSQL wiki (concurrency.BLOCKED_BY) pairs the two sessions. Each
outcome was checked on PostgreSQL 15 first (QUANTADB_TEST_DSN runs these against a server given
by its DSN)."""

from __future__ import annotations

import pytest
from concurrency import BLOCKED_BY, Waiting
from concurrency import new_table as _table


@pytest.mark.parametrize("waiter_sql, tuple_mode", [
    ("UPDATE {t} SET v = 11 WHERE id = 1", "ExclusiveLock"),
    ("DELETE FROM {t} WHERE id = 1", "AccessExclusiveLock"),
    ("SELECT v FROM {t} WHERE id = 1 FOR SHARE", "RowShareLock"),
])
def test_a_row_lock_waiter_shows_in_pg_locks_as_postgresql_s(clients, waiter_sql, tuple_mode):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    [(holder_xid,)] = a.q("SELECT txid_current()::text")
    assert a.q(f"SELECT v FROM {t} WHERE id = 1 FOR UPDATE") == [(10,)]
    assert obs.q(f"SELECT id, xmax::text = %s FROM {t} ORDER BY id", (holder_xid,)) == [(1, True), (2, False)]
    b.q("BEGIN")
    waiter_sql = waiter_sql.format(t=t)
    waiting = Waiting(b, obs, waiter_sql)
    locks = obs.q("SELECT locktype, relation::regclass::text, page, tuple, transactionid::text, mode, granted "
                  "FROM pg_locks WHERE pid = %s AND locktype IN ('transactionid', 'tuple') AND "
                  "(locktype = 'tuple' OR NOT granted)", (b.pid,))
    assert sorted(locks, key=str) == sorted([("transactionid", None, None, None, holder_xid, "ShareLock", False),
                                             ("tuple", t, 0, 1, None, tuple_mode, True)], key=str)
    assert obs.q("SELECT pg_blocking_pids(%s)", (b.pid,)) == [([a.pid],)]
    assert obs.q(BLOCKED_BY) == [(b.pid, a.pid)]
    assert obs.q("SELECT query FROM pg_stat_activity WHERE pid = %s", (b.pid,)) == [(waiter_sql,)]
    a.q("COMMIT")
    assert waiting.join() in ("UPDATE 1", "DELETE 1", [(10,)])
    assert obs.q("SELECT count(*) FROM pg_locks WHERE locktype = 'tuple' OR NOT granted") == [(0,)]
    b.q("COMMIT")


def test_a_locked_rows_xmax_names_a_locker_while_several_share_it(clients):
    """With two sharers PostgreSQL's xmax is a MultiXactId (QuantaDB shows the newest sharer's xid):
    either way it is set while they hold the lock, and stays after they end."""
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    b.q("BEGIN")
    assert a.q(f"SELECT v FROM {t} WHERE id = 1 FOR SHARE") == [(10,)]
    assert b.q(f"SELECT v FROM {t} WHERE id = 1 FOR SHARE") == [(10,)]
    assert obs.q(f"SELECT id, xmax::text <> '0' FROM {t} ORDER BY id") == [(1, True), (2, False)]
    a.q("COMMIT")
    b.q("ROLLBACK")
    assert obs.q(f"SELECT id, v, xmax::text <> '0' FROM {t} ORDER BY id") == [(1, 10, True), (2, 20, False)]


def _updated_under_a_savepoint(a, obs, t: str) -> tuple[str, str]:
    """a updates row 1 of t under SAVEPOINT s: (its top xid, the other xid the row's xmax shows)."""
    a.q("BEGIN")
    [(top,)] = a.q("SELECT txid_current()::text")
    a.q("SAVEPOINT s")
    a.q(f"UPDATE {t} SET v = 5 WHERE id = 1")
    [(sub,)] = obs.q(f"SELECT xmax::text FROM {t} WHERE id = 1")
    assert sub != top
    return top, sub


def test_a_waiter_for_a_row_written_under_a_savepoint_waits_on_the_savepoints_xid(clients):
    """The row's xmax is the subtransaction's xid, which the holder holds as well as its top one:
    the waiter's ShareLock is on it, and ROLLBACK TO the savepoint lets the waiter go on."""
    a, b, obs, _ = clients
    t = _table(a)
    top, sub = _updated_under_a_savepoint(a, obs, t)
    assert sorted(obs.q("SELECT transactionid::text FROM pg_locks WHERE pid = %s AND locktype = 'transactionid'",
                        (a.pid,))) == sorted([(top,), (sub,)])
    writer = Waiting(b, obs, f"UPDATE {t} SET v = 10 WHERE id = 1")
    assert obs.q("SELECT transactionid::text, mode FROM pg_locks WHERE pid = %s AND NOT granted",
                 (b.pid,)) == [(sub, "ShareLock")]
    assert obs.q(BLOCKED_BY) == [(b.pid, a.pid)]
    a.q("ROLLBACK TO s")
    assert writer.join() == "UPDATE 1"
    a.q("COMMIT")
    assert obs.q(f"SELECT v FROM {t} ORDER BY id") == [(10,), (20,)]


def test_a_deadlock_report_names_the_savepoints_xid_a_row_shows(clients):
    a, b, obs, _ = clients
    t = _table(a)
    _, sub = _updated_under_a_savepoint(a, obs, t)
    b.q("BEGIN")
    b.q(f"UPDATE {t} SET v = 21 WHERE id = 2")
    first = Waiting(a, obs, f"UPDATE {t} SET v = 12 WHERE id = 2")
    second = b.q(f"UPDATE {t} SET v = 22 WHERE id = 1")
    outcomes = [first.join(), second]
    [failed] = [o for o in outcomes if o != "UPDATE 1"]
    assert failed[:2] == ("ERR", "40P01")
    detail = (a if outcomes[0] is failed else b).detail
    assert f"waits for ShareLock on transaction {sub};" in detail
    a.q("ROLLBACK")
    b.q("ROLLBACK")
