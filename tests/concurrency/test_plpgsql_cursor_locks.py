"""PL/pgSQL's cursors of SELECT ... FOR UPDATE lock rows as they are fetched, as a SQL cursor's
(test_cursor_row_locks.py) and as PostgreSQL 15's: OPEN locks nothing, a cursor FOR loop locks
a row at a time, and a FOR loop over such a query (or EXECUTE's) ten at a time (its prefetch);
rows not reached are another session's to change meanwhile. The body of the loop waits on an advisory lock the
script holds, so the other session acts while the loop stands on its first row."""

from __future__ import annotations

import time

import pytest

from interleave import HANG_S, Background, Sess, compare, make_table, sessions, wait_until_waiting

OPEN = """CREATE OR REPLACE FUNCTION open_locked(n int) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c refcursor; BEGIN
  OPEN c FOR SELECT * FROM c_lock WHERE id <= n ORDER BY id FOR UPDATE; RETURN c;
END $$"""

LOOP = """CREATE OR REPLACE FUNCTION loop_locked() RETURNS int LANGUAGE plpgsql AS $$
DECLARE c CURSOR FOR SELECT * FROM c_lock ORDER BY id FOR UPDATE; r record; n int := 0; BEGIN
  {loop}
    n := n + 1;
    IF n = 1 THEN PERFORM pg_advisory_lock(7); PERFORM pg_advisory_unlock(7); END IF;
  END LOOP;
  RETURN n;
END $$"""


def _table(target) -> None:
    make_table(target, "c_lock", "")
    s = Sess(target)
    s.q("INSERT INTO c_lock SELECT g, 0 FROM generate_series(1, 30) g")
    s.close()


def opened_cursor(target) -> dict:
    """A function OPENs a cursor that a's SQL then FETCHes: b changes a row not fetched yet, not
    one fetched; the cursor reads b's change (READ COMMITTED) and moves forward only."""
    _table(target)
    a, b = sessions(target, 2)
    a.q(OPEN)
    b.q("SET lock_timeout = '100ms'")
    a.q("BEGIN")
    out = {"open": a.q("SELECT open_locked(20)")}
    out["b_ahead"] = b.q("UPDATE c_lock SET v = 1 WHERE id = 3")
    out["a_fetch"] = a.q('FETCH 2 FROM "<unnamed portal 1>"')
    out["b_fetched"] = b.q("UPDATE c_lock SET v = 1 WHERE id = 2")
    out["a_next"] = a.q('FETCH 1 FROM "<unnamed portal 1>"')
    out["a_prior"] = a.q('FETCH PRIOR FROM "<unnamed portal 1>"')
    a.q("ROLLBACK")
    a.close(), b.close()
    return out


def test_open_locks_rows_as_fetch_reaches_them(targets):
    compare(targets, opened_cursor, {
        "open": [("<unnamed portal 1>",)], "b_ahead": "UPDATE 1", "a_fetch": [(1, 0), (2, 0)],
        "b_fetched": ("ERR", "55P03"), "a_next": [(3, 1)], "a_prior": ("ERR", "55000")})


def _advisory_waiter(obs: Sess) -> bool:
    deadline = time.monotonic() + HANG_S
    while time.monotonic() < deadline:
        if obs.q("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == [(1,)]:
            return True
        time.sleep(0.01)
    return False


def loop_on_its_first_row(target, loop: str) -> dict:
    """While a's loop stands on its first row, b tries rows 1, 2, 10, 11 and 25."""
    _table(target)
    a, b, obs = sessions(target, 3)
    a.q(LOOP.format(loop=loop))
    b.q("SET lock_timeout = '100ms'")
    obs.q("SELECT pg_advisory_lock(7)")
    bg = Background(a, "SELECT loop_locked()")
    # (waiting in its body: on QuantaDB, an active statement may not have reached it yet)
    out = {"a_waits": wait_until_waiting(obs, bg) and _advisory_waiter(obs)}
    out["b"] = [b.q(f"UPDATE c_lock SET v = 2 WHERE id = {i}") for i in (1, 2, 10, 11, 25)]
    obs.q("SELECT pg_advisory_unlock(7)")
    out["a"] = bg.join()
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("loop, locked", [
    ("FOR r IN c LOOP", 1),
    ("FOR r IN SELECT * FROM c_lock ORDER BY id FOR UPDATE LOOP", 3),
    ("FOR r IN EXECUTE 'SELECT * FROM c_lock ORDER BY id FOR UPDATE' LOOP", 3),
])
def test_a_loop_locks_rows_as_it_reaches_them(targets, loop, locked):
    b = [("ERR", "55P03")] * locked + ["UPDATE 1"] * (5 - locked)
    compare(targets, loop_on_its_first_row, {"a_waits": True, "b": b, "a": [(30,)]}, loop=loop)
