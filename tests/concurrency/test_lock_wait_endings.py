"""How a row-lock wait ends, checked against PostgreSQL 15: the holder's end, lock_timeout or
statement_timeout past the first moments of the wait, a cancel request, the waiter's client
vanishing, and chains of waiters. QuantaDB waits for a row lock on its event loop first and on
a worker thread once the wait lasts (wire/connection.py): each ending must be the same either way.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from interleave import (HANG_S, Background, Sess, compare, make_table, sessions, table_rows, wait_until_pid_waits,
                        wait_until_waiting)


def timed_out_wait(target, setting: str) -> dict:
    make_table(target, "w_timeout")
    a, b = sessions(target, 2)
    out = {}
    a.q("BEGIN")
    a.q("UPDATE w_timeout SET v = 1 WHERE id = 1")
    b.q(f"SET {setting} = '400ms'")  # longer than the event loop's part of a wait
    b.q("BEGIN")
    b.q("UPDATE w_timeout SET v = 20 WHERE id = 2")
    out["wait"] = b.q("UPDATE w_timeout SET v = 10 WHERE id = 1")
    out["rollback"] = b.q("ROLLBACK")
    out["a_commit"] = a.q("COMMIT")
    out["final"] = table_rows(target, "w_timeout")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("setting, sqlstate", [("lock_timeout", "55P03"), ("statement_timeout", "57014")])
def test_a_long_wait_ends_at_its_timeout(targets, setting, sqlstate):
    compare(targets, timed_out_wait, {"wait": ("ERR", sqlstate), "rollback": "ROLLBACK", "a_commit": "COMMIT",
                                      "final": [(1, 1), (2, 0)]}, setting=setting)


def canceled_wait(target) -> dict:
    make_table(target, "w_cancel")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    a.q("UPDATE w_cancel SET v = 1 WHERE id = 1")
    bg = Background(b, "UPDATE w_cancel SET v = 10 WHERE id = 1")
    out["b_waits"] = wait_until_waiting(obs, bg)
    out["cancel"] = obs.q("SELECT pg_cancel_backend(%s)", (b.pid,))
    out["b_update"] = bg.join()
    out["b_goes_on"] = b.q("SELECT count(*) FROM w_cancel")
    out["a_commit"] = a.q("COMMIT")
    out["final"] = table_rows(target, "w_cancel")
    a.close(), b.close(), obs.close()
    return out


def test_a_cancel_request_ends_a_wait(targets):
    compare(targets, canceled_wait, {"b_waits": True, "cancel": [(True,)], "b_update": ("ERR", "57014"),
                                     "b_goes_on": [(2,)], "a_commit": "COMMIT", "final": [(1, 1), (2, 0)]})


def vanished_waiter(target) -> dict:
    make_table(target, "w_vanish")
    a, b, c, obs = sessions(target, 4)
    out = {}
    a.q("BEGIN")
    a.q("UPDATE w_vanish SET v = 1 WHERE id = 1")
    b.q("BEGIN")
    b.q("UPDATE w_vanish SET v = 20 WHERE id = 2")  # holds row 2 while it waits for row 1
    bg = Background(b, "UPDATE w_vanish SET v = 10 WHERE id = 1")
    out["b_waits"] = wait_until_waiting(obs, bg)
    b.conn.pgconn.finish()  # the client vanishes mid-transaction, its statement still waiting
    bg.join()
    out["row_2_free"] = c.q("UPDATE w_vanish SET v = 30 WHERE id = 2")  # its transaction was rolled back
    out["b_gone"] = _poll(obs, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (b.pid,), [(0,)])
    out["b_locks"] = obs.q("SELECT count(*) FROM pg_locks WHERE pid = %s", (b.pid,))
    out["a_commit"] = a.q("COMMIT")
    out["final"] = table_rows(target, "w_vanish")
    a.close(), c.close(), obs.close()
    return out


def test_a_waiter_whose_client_vanishes_leaves_nothing_behind(targets):
    compare(targets, vanished_waiter, {"b_waits": True, "row_2_free": "UPDATE 1", "b_gone": [(0,)],
                                       "b_locks": [(0,)], "a_commit": "COMMIT", "final": [(1, 1), (2, 30)]})


def chain_of_waiters(target) -> dict:
    """C waits for B, which waits for A: A's commit lets B on, B's lets C on, in that order."""
    make_table(target, "w_chain")
    a, b, c, obs = sessions(target, 4)
    out = {}
    a.q("BEGIN")
    a.q("UPDATE w_chain SET v = v + 1 WHERE id = 1")
    b.q("BEGIN")
    b.q("UPDATE w_chain SET v = v + 10 WHERE id = 2")
    a_ends, b_ends = threading.Event(), threading.Event()
    b_wait = Background(b, "UPDATE w_chain SET v = v + 10 WHERE id = 1", markers={"a_ends": a_ends})
    out["b_waits"] = wait_until_waiting(obs, b_wait)
    c_wait = Background(c, "UPDATE w_chain SET v = v + 100 WHERE id = 2", markers={"b_ends": b_ends})
    out["c_waits"] = wait_until_waiting(obs, c_wait)
    a_ends.set()
    out["a_commit"] = a.q("COMMIT")
    out["b_update"] = b_wait.join()
    out["b_after_a"] = b_wait.seen["a_ends"]
    out["c_still_waits"] = not c_wait.done.is_set()
    b_ends.set()
    out["b_commit"] = b.q("COMMIT")
    out["c_update"] = c_wait.join()
    out["c_after_b"] = c_wait.seen["b_ends"]
    out["final"] = table_rows(target, "w_chain")
    a.close(), b.close(), c.close(), obs.close()
    return out


def test_a_chain_of_waiters_goes_on_in_order(targets):
    compare(targets, chain_of_waiters, {"b_waits": True, "c_waits": True, "a_commit": "COMMIT",
                                        "b_update": "UPDATE 1", "b_after_a": True, "c_still_waits": True,
                                        "b_commit": "COMMIT", "c_update": "UPDATE 1", "c_after_b": True,
                                        "final": [(1, 11), (2, 110)]})


def pipelined_wait(target) -> dict:
    """A pipeline whose first statement waits: the rest is answered after it, in order."""
    make_table(target, "w_pipe")
    a, obs = sessions(target, 2)
    out = {}
    a.q("BEGIN")
    a.q("UPDATE w_pipe SET v = 1 WHERE id = 1")
    conn = psycopg.connect(target.dsn, autocommit=True)
    results: list = []

    def run() -> None:
        with conn.pipeline():
            curs = [conn.execute("UPDATE w_pipe SET v = v + 10 WHERE id = 1 RETURNING v"),
                    conn.execute("SELECT v FROM w_pipe WHERE id = 1"),
                    conn.execute("UPDATE w_pipe SET v = v + 10 WHERE id = 2 RETURNING v")]
        results.extend(cur.fetchall() for cur in curs)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    out["waits"] = wait_until_pid_waits(obs, conn.info.backend_pid, lambda: not t.is_alive(), "the pipeline")
    out["a_commit"] = a.q("COMMIT")
    t.join(HANG_S)
    out["results"] = results
    conn.close(), a.close(), obs.close()
    return out


def test_a_pipeline_behind_a_waiting_statement_keeps_its_order(targets):
    compare(targets, pipelined_wait, {"waits": True, "a_commit": "COMMIT",
                                      "results": [[(11,)], [(11,)], [(10,)]]})


def _poll(sess: Sess, sql: str, params: tuple, want: list, tries: int = 300) -> list:
    """The query's rows once they are `want` (a backend's exit is not instant), else the last ones."""
    rows = sess.q(sql, params)
    for _ in range(tries):
        if rows == want:
            break
        time.sleep(0.01)
        rows = sess.q(sql, params)
    return rows
