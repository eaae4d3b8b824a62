"""Waiters for one row go on in the order they came, as PostgreSQL's tuple locks make them: the
first waiter holds the row's tuple lock and waits for the row's transaction, a later one waits for
the tuple lock. When the transaction ends the first gets the row; the later one then waits for it."""

from __future__ import annotations

import time

import pytest

from interleave import HANG_S, Background, compare, make_table, sessions, table_rows, wait_until_waiting

LOCKS = ("SELECT l.locktype, l.mode, l.granted, a.application_name FROM pg_locks l "
         "JOIN pg_stat_activity a ON a.pid = l.pid "
         "WHERE l.locktype = 'tuple' OR l.locktype = 'transactionid' AND NOT l.granted ORDER BY 4, 1")


def locks_once_waiting(obs, waiters: int) -> list:
    """The tuple and awaited locks once `waiters` sessions show theirs: a QuantaDB session shows
    'active' a moment before its wait is registered, and between its wait on the event loop and
    on a worker thread."""
    deadline = time.monotonic() + HANG_S
    while True:
        rows = obs.q(LOCKS)
        if len({r[3] for r in rows if not r[2]}) >= waiters or time.monotonic() > deadline:
            return rows
        time.sleep(0.01)


def second_waiter_queues(target, deadlock_timeout: str, first: str, second: str, end: str) -> dict:
    make_table(target, "wo_t", rows="(1, 0), (2, 0)")
    a, b, c, obs = sessions(target, 4)
    for sess, name in ((a, "wo_a"), (b, "wo_b"), (c, "wo_c")):
        sess.q(f"SET application_name = '{name}'")
    for sess in (b, c):  # past it, a wait goes on on a worker thread in QuantaDB: both ways are tried
        sess.q(f"SET deadlock_timeout = '{deadlock_timeout}'")
    a.q("BEGIN")
    a.q("UPDATE wo_t SET v = v + 1 WHERE id = 1")
    b.q("BEGIN"), c.q("BEGIN")
    bg_b = Background(b, first)
    out = {"b_waits": wait_until_waiting(obs, bg_b)}
    bg_c = Background(c, second)
    out["c_waits"] = wait_until_waiting(obs, bg_c)
    out["locks"] = locks_once_waiting(obs, 2)
    out["a_end"] = a.q(end)
    out["b"] = bg_b.join()
    out["c_still_waits"] = wait_until_waiting(obs, bg_c)
    out["locks_after"] = locks_once_waiting(obs, 1 if out["c_still_waits"] else 0)
    out["b_commit"] = b.q("COMMIT")
    out["c"] = bg_c.join()
    out["c_commit"] = c.q("COMMIT")
    out["final"] = table_rows(target, "wo_t")
    a.close(), b.close(), c.close(), obs.close()
    return out


@pytest.mark.parametrize("deadlock_timeout", ["1s", "10ms"])
@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK"])
def test_the_first_waiter_gets_the_row_and_the_second_waits_for_it(targets, deadlock_timeout, end):
    v = 1 if end == "COMMIT" else 0
    compare(targets, second_waiter_queues, {
        "b_waits": True, "c_waits": True,
        "locks": [("transactionid", "ShareLock", False, "wo_b"), ("tuple", "RowShareLock", True, "wo_b"),
                  ("tuple", "AccessExclusiveLock", False, "wo_c")],
        "a_end": end, "b": [(1, v)], "c_still_waits": True,
        "locks_after": [("transactionid", "ShareLock", False, "wo_c"), ("tuple", "AccessExclusiveLock", True, "wo_c")],
        "b_commit": "COMMIT", "c": "DELETE 1", "c_commit": "COMMIT", "final": [(2, 0)]},
        deadlock_timeout=deadlock_timeout, end=end, first="SELECT * FROM wo_t WHERE id = 1 FOR SHARE",
        second="DELETE FROM wo_t WHERE id = 1")


def test_waiters_in_modes_that_do_not_conflict_go_on_together(targets):
    """Two FOR SHARE waiters both hold the row's tuple lock (RowShareLock does not conflict with
    itself) and both get the row when its writer ends; a later UPDATE waits for the two."""
    compare(targets, second_waiter_queues, {
        "b_waits": True, "c_waits": True,
        "locks": [("transactionid", "ShareLock", False, "wo_b"), ("tuple", "RowShareLock", True, "wo_b"),
                  ("transactionid", "ShareLock", False, "wo_c"), ("tuple", "RowShareLock", True, "wo_c")],
        "a_end": "COMMIT", "b": [(1, 1)], "c_still_waits": False, "locks_after": [],
        "b_commit": "COMMIT", "c": [(1, 1)], "c_commit": "COMMIT", "final": [(1, 1), (2, 0)]},
        deadlock_timeout="1s", end="COMMIT", first="SELECT * FROM wo_t WHERE id = 1 FOR SHARE",
        second="SELECT * FROM wo_t WHERE id = 1 FOR SHARE")


def reached_rows_held(target, second: str) -> dict:
    """B's UPDATE of every row waits for row 3, which A holds: PostgreSQL has updated rows 1 and 2
    by then, so C's write of row 1 waits for B (and B then for nothing)."""
    make_table(target, "wo_r", rows="(1, 0), (2, 0), (3, 0), (4, 0)")
    a, b, c, obs = sessions(target, 4)
    a.q("BEGIN")
    a.q("UPDATE wo_r SET v = 1 WHERE id = 3")
    b.q("BEGIN")
    bg_b = Background(b, "UPDATE wo_r SET v = v + 10 WHERE v >= 0")
    out = {"b_waits": wait_until_waiting(obs, bg_b)}
    bg_c = Background(c, second)
    out["c_waits"] = wait_until_waiting(obs, bg_c)
    out["a_commit"] = a.q("COMMIT")
    out["b"] = bg_b.join()
    out["b_commit"] = b.q("COMMIT")
    out["c"] = bg_c.join()
    out["final"] = table_rows(target, "wo_r")
    a.close(), b.close(), c.close(), obs.close()
    return out


@pytest.mark.parametrize("second,c_result,final", [
    ("UPDATE wo_r SET v = 100 WHERE id = 1", "UPDATE 1", [(1, 100), (2, 10), (3, 11), (4, 10)]),
    ("DELETE FROM wo_r WHERE id = 2", "DELETE 1", [(1, 10), (3, 11), (4, 10)]),
    ("SELECT id FROM wo_r WHERE id = 1 FOR SHARE", [(1,)], [(1, 10), (2, 10), (3, 11), (4, 10)]),
])
def test_a_statement_waiting_for_a_row_holds_the_rows_it_reached(targets, second, c_result, final):
    compare(targets, reached_rows_held, {"b_waits": True, "c_waits": True, "a_commit": "COMMIT", "b": "UPDATE 4",
                                          "b_commit": "COMMIT", "c": c_result, "final": final}, second=second)


def holder_does_not_queue(target) -> dict:
    """A waiter that holds a lock on the row already does not queue behind the row's other waiters
    (PostgreSQL's heap_lock_tuple skips the tuple lock then): C's UPDATE of the key waits for A's
    KEY SHARE, A's FOR UPDATE for X's lock; when X ends A goes on, and C waits for A."""
    make_table(target, "wo_h", rows="(1, 0)")
    x, a, c, obs = sessions(target, 4)
    for sess, name in ((x, "wo_x"), (a, "wo_a"), (c, "wo_c")):
        sess.q(f"SET application_name = '{name}'")
        sess.q("BEGIN")
    x.q("SELECT * FROM wo_h WHERE id = 1 FOR NO KEY UPDATE")
    out = {"a_key_share": a.q("SELECT * FROM wo_h WHERE id = 1 FOR KEY SHARE")}
    bg_c = Background(c, "UPDATE wo_h SET id = 2 WHERE id = 1")
    out["c_waits"] = wait_until_waiting(obs, bg_c)
    bg_a = Background(a, "SELECT * FROM wo_h WHERE id = 1 FOR UPDATE")
    out["a_waits"] = wait_until_waiting(obs, bg_a)
    out["locks"] = locks_once_waiting(obs, 2)
    out["x_end"] = x.q("ROLLBACK")
    out["a"] = bg_a.join()
    out["c_still_waits"] = wait_until_waiting(obs, bg_c)
    out["a_commit"] = a.q("COMMIT")
    out["c"] = bg_c.join()
    out["c_commit"] = c.q("COMMIT")
    out["final"] = table_rows(target, "wo_h")
    x.close(), a.close(), c.close(), obs.close()
    return out


def test_a_waiter_holding_the_row_does_not_queue_behind_others(targets):
    compare(targets, holder_does_not_queue, {
        "a_key_share": [(1, 0)], "c_waits": True, "a_waits": True,
        "locks": [("transactionid", "ShareLock", False, "wo_a"), ("transactionid", "ShareLock", False, "wo_c"),
                  ("tuple", "AccessExclusiveLock", True, "wo_c")],
        "x_end": "ROLLBACK", "a": [(1, 0)], "c_still_waits": True, "a_commit": "COMMIT", "c": "UPDATE 1",
        "c_commit": "COMMIT", "final": [(2, 0)]})
