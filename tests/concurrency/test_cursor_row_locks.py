"""A cursor of SELECT ... FOR UPDATE/SHARE locks each row when FETCH or MOVE first passes over
it, as PostgreSQL 15's LockRows under the cursor's portal: another session may change a row the
cursor has not reached, and the cursor then reads that row as a SELECT ... FOR UPDATE would under
READ COMMITTED (its newest version if it still qualifies, else not at all; a row being changed is
waited for), fails 40001 under REPEATABLE READ, and NOWAIT / SKIP LOCKED act at the FETCH."""

from __future__ import annotations

import threading

import pytest

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting

ROWS = "(1, 0), (2, 0), (3, 0), (4, 0), (5, 0)"
CURSOR = "DECLARE c CURSOR FOR SELECT * FROM c_lock WHERE v < 10 ORDER BY id {}"


def rows_not_yet_fetched(target, clause: str) -> dict:
    """b changes rows a's cursor has not reached without waiting; the ones it fetched or moved
    over are locked. a then reads the changed rows as they are now, or not (no longer qualifying,
    deleted)."""
    make_table(target, "c_lock", ROWS)
    a, b = sessions(target, 2)
    out = {}
    a.q("BEGIN")
    out["declare"] = a.q(CURSOR.format(clause))
    b.q("SET lock_timeout = '100ms'")
    out["b_before_fetch"] = b.q("UPDATE c_lock SET v = v + 1 WHERE id = 1")
    out["a_fetch"] = a.q("FETCH c")
    out["b_fetched_row"] = b.q("UPDATE c_lock SET v = v + 1 WHERE id = 1")
    out["a_move"] = a.q("MOVE 1 IN c")
    out["b_moved_over_row"] = b.q("UPDATE c_lock SET v = v + 1 WHERE id = 2")
    out["b_ahead"] = [b.q("UPDATE c_lock SET v = v + 1 WHERE id = 3"), b.q("UPDATE c_lock SET v = 50 WHERE id = 4"),
                      b.q("DELETE FROM c_lock WHERE id = 5")]
    out["a_rest"] = a.q("FETCH c")
    out["a_current_of"] = a.q("UPDATE c_lock SET v = v + 100 WHERE CURRENT OF c RETURNING *")
    out["a_end"] = [a.q("FETCH ALL FROM c"), a.q("COMMIT")]
    out["final"] = table_rows(target, "c_lock")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("clause", ["FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE"])
def test_rows_are_locked_as_the_cursor_reaches_them(targets, clause):
    compare(targets, rows_not_yet_fetched, {
        "declare": "DECLARE CURSOR", "b_before_fetch": "UPDATE 1", "a_fetch": [(1, 1)],
        "b_fetched_row": ("ERR", "55P03"),
        "a_move": "MOVE 1", "b_moved_over_row": ("ERR", "55P03"), "b_ahead": ["UPDATE 1", "UPDATE 1", "DELETE 1"],
        "a_rest": [(3, 1)], "a_current_of": [(3, 101)], "a_end": [[], "COMMIT"],
        "final": [(1, 1), (2, 0), (3, 101), (4, 50)]}, clause=clause)


def row_being_changed(target, change: str, cursor: str = "") -> dict:
    """b is changing row 2 (or what `change` says) when a's FETCH reaches it: a waits for b, then
    reads the row as b left it. `cursor`: another than CURSOR's, fetched from at once."""
    make_table(target, "c_lock", ROWS)
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    a.q(cursor or CURSOR.format("FOR UPDATE"))
    b.q("BEGIN")
    out["b_change"] = b.q(change)
    if not cursor:
        out["a_first"] = a.q("FETCH c")
    committing = threading.Event()
    bg = Background(a, "FETCH c", markers={"b_committing": committing})
    out["a_waits"] = wait_until_waiting(obs, bg)
    committing.set()
    b.q("COMMIT")
    out["a_fetch"] = bg.join()
    out["a_returned_after_b_commit"] = bg.seen["b_committing"]
    out["a_end"] = [a.q("FETCH ALL FROM c"), a.q("COMMIT")]
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("change, fetched, rest", [
    ("UPDATE c_lock SET v = 5 WHERE id = 2", [(2, 5)], [(3, 0), (4, 0), (5, 0)]),
    ("UPDATE c_lock SET v = 50 WHERE id = 2", [(3, 0)], [(4, 0), (5, 0)]),
    ("DELETE FROM c_lock WHERE id = 2", [(3, 0)], [(4, 0), (5, 0)]),
])
def test_a_row_being_changed_is_waited_for(targets, change, fetched, rest):
    compare(targets, row_being_changed, {
        "b_change": change.split()[0] + " 1", "a_first": [(1, 0)], "a_waits": True, "a_fetch": fetched,
        "a_returned_after_b_commit": True, "a_end": [rest, "COMMIT"]}, change=change)


def locked_by_another(target, clause: str, iso: str = "READ COMMITTED") -> dict:
    """Row 2 is locked (or, for REPEATABLE READ, changed and committed) by b when a's FETCH reaches it."""
    make_table(target, "c_lock", ROWS)
    a, b = sessions(target, 2)
    out = {}
    a.q(f"BEGIN ISOLATION LEVEL {iso}")
    a.q(CURSOR.format(clause))
    out["a_first"] = a.q("FETCH c")
    b.q("BEGIN")
    out["b_lock"] = b.q("SELECT * FROM c_lock WHERE id = 2 FOR UPDATE")
    if iso != "READ COMMITTED":
        out["b_lock"] = [b.q("UPDATE c_lock SET v = 1 WHERE id = 2"), b.q("COMMIT")]
    out["a_fetch"] = a.q("FETCH 2 FROM c")
    out["a_end"] = a.q("COMMIT")
    b.q("COMMIT")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("clause, fetched", [("FOR UPDATE NOWAIT", ("ERR", "55P03")),
                                             ("FOR UPDATE SKIP LOCKED", [(3, 0), (4, 0)])])
def test_nowait_and_skip_locked_act_at_the_fetch(targets, clause, fetched):
    compare(targets, locked_by_another, {
        "a_first": [(1, 0)], "b_lock": [(2, 0)], "a_fetch": fetched,
        "a_end": "ROLLBACK" if fetched[0] == "ERR" else "COMMIT"}, clause=clause)


def test_repeatable_read_fails_40001_at_the_fetch(targets):
    compare(targets, locked_by_another, {
        "a_first": [(1, 0)], "b_lock": ["UPDATE 1", "COMMIT"], "a_fetch": ("ERR", "40001"), "a_end": "ROLLBACK"},
        clause="FOR UPDATE", iso="REPEATABLE READ")


def own_changes_and_direction(target) -> dict:
    """a's own change of rows its cursor has not reached: they are passed over, as PostgreSQL's
    LockRows skips a row its own transaction changed since the cursor's snapshot. A FETCH backward
    fails: such a cursor is NO SCROLL."""
    make_table(target, "c_lock", ROWS)
    a = sessions(target, 1)[0]
    out = {}
    a.q("BEGIN")
    a.q(CURSOR.format("FOR UPDATE"))
    out["a_own"] = [a.q("UPDATE c_lock SET v = 7 WHERE id = 2"), a.q("DELETE FROM c_lock WHERE id = 3")]
    out["a_fetch"] = a.q("FETCH 3 FROM c")
    out["a_prior"] = a.q("FETCH PRIOR FROM c")
    a.q("ROLLBACK")
    a.close()
    return out


def test_own_changes_and_fetch_backward(targets):
    compare(targets, own_changes_and_direction, {
        "a_own": ["UPDATE 1", "DELETE 1"], "a_fetch": [(1, 0), (4, 0), (5, 0)], "a_prior": ("ERR", "55000")})


def joined_rows_changed(target, clause: str) -> dict:
    """A join's cursor: b changes rows of both tables before a's FETCH reaches them. A table the
    cursor locks is read anew (its row, and the join's condition); one it does not lock is read as
    the cursor read it."""
    make_table(target, "c_lock", ROWS)
    make_table(target, "c_other", ROWS)
    a, b = sessions(target, 2)
    a.q("BEGIN")
    a.q(f"DECLARE c CURSOR FOR SELECT * FROM c_lock JOIN c_other USING (id) WHERE c_lock.v < 10 ORDER BY id {clause}")
    out = {"b": [b.q("UPDATE c_lock SET v = 5 WHERE id = 2"), b.q("UPDATE c_other SET v = 7 WHERE id = 3"),
                 b.q("UPDATE c_lock SET v = 50 WHERE id = 4")]}
    out["a_fetch"] = a.q("FETCH ALL FROM c")
    out["a_end"] = a.q("COMMIT")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("clause, fetched", [
    ("FOR UPDATE", [(1, 0, 0), (2, 5, 0), (3, 0, 7), (5, 0, 0)]),
    ("FOR UPDATE OF c_lock", [(1, 0, 0), (2, 5, 0), (3, 0, 0), (5, 0, 0)]),
    ("FOR SHARE OF c_other", [(1, 0, 0), (2, 0, 0), (3, 0, 7), (4, 0, 0), (5, 0, 0)]),
])
def test_a_joins_locked_tables_are_read_anew(targets, clause, fetched):
    compare(targets, joined_rows_changed, {"b": ["UPDATE 1"] * 3, "a_fetch": fetched, "a_end": "COMMIT"},
            clause=clause)


def one_row_joined_twice(target) -> dict:
    """A locked row joined with two rows of a table the cursor does not lock, changed by b before
    a's FETCH reaches it: each of the two is read anew with its own other row."""
    make_table(target, "c_lock", ROWS)
    make_table(target, "c_other", "(1, 1), (2, 1), (3, 2), (4, 2)")
    a, b = sessions(target, 2)
    a.q("BEGIN")
    a.q("DECLARE c CURSOR FOR SELECT c_lock.*, c_other.id FROM c_lock JOIN c_other ON c_other.v = c_lock.id"
        " ORDER BY c_other.id FOR UPDATE OF c_lock")
    out = {"a_first": a.q("FETCH c"), "b": b.q("UPDATE c_lock SET v = 5 WHERE id = 2")}
    out["a_fetch"] = a.q("FETCH ALL FROM c")
    out["a_end"] = a.q("COMMIT")
    a.close(), b.close()
    return out


def test_a_locked_row_joined_twice_is_read_anew_twice(targets):
    compare(targets, one_row_joined_twice, {"a_first": [(1, 0, 1)], "b": "UPDATE 1",
                                            "a_fetch": [(1, 0, 2), (2, 5, 3), (2, 5, 4)], "a_end": "COMMIT"})


def limited_cursor(target, clause: str) -> dict:
    """A cursor under a LIMIT/OFFSET locks only what the FETCHes read: rows not reached are b's
    to change; a row b deleted before a's FETCH reached it leaves room for the next one (the LIMIT
    counts the rows locked, as PostgreSQL's Limit over its LockRows); the OFFSET's rows are locked."""
    make_table(target, "c_lock", "(1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0)")
    a, b = sessions(target, 2)
    b.q("SET lock_timeout = '100ms'")
    a.q("BEGIN")
    a.q(f"DECLARE c CURSOR FOR SELECT * FROM c_lock ORDER BY id LIMIT 3 OFFSET 1 {clause}")
    out = {"b_ahead": [b.q("UPDATE c_lock SET v = 1 WHERE id = 3"), b.q("DELETE FROM c_lock WHERE id = 4")]}
    out["a_first"] = a.q("FETCH c")
    out["b_locked"] = [b.q("UPDATE c_lock SET v = 2 WHERE id = 1"), b.q("UPDATE c_lock SET v = 2 WHERE id = 2")]
    out["b_not_reached"] = b.q("UPDATE c_lock SET v = 2 WHERE id = 5")
    out["a_rest"] = a.q("FETCH ALL FROM c")
    out["b_after"] = [b.q("UPDATE c_lock SET v = 3 WHERE id = 5"), b.q("UPDATE c_lock SET v = 3 WHERE id = 6")]
    out["a_end"] = [a.q("FETCH ALL FROM c"), a.q("COMMIT")]
    a.close(), b.close()
    return out


@pytest.mark.parametrize("clause", ["FOR UPDATE", "FOR NO KEY UPDATE"])
def test_a_cursor_under_a_limit_locks_rows_as_it_reaches_them(targets, clause):
    compare(targets, limited_cursor, {
        "b_ahead": ["UPDATE 1", "DELETE 1"], "a_first": [(2, 0)], "b_locked": [("ERR", "55P03")] * 2,
        "b_not_reached": "UPDATE 1", "a_rest": [(3, 1), (5, 2)], "b_after": [("ERR", "55P03"), "UPDATE 1"],
        "a_end": [[], "COMMIT"]}, clause=clause)


def self_join_cursor(target, clause: str) -> dict:
    """A cursor that reads its table twice locks each reference's row as FETCH reaches it; a row
    changed before is read anew, the join's condition too."""
    make_table(target, "c_lock", ROWS)
    a, b = sessions(target, 2)
    b.q("SET lock_timeout = '100ms'")
    a.q("BEGIN")
    a.q("DECLARE c CURSOR FOR SELECT x.id, y.id, y.v FROM c_lock x JOIN c_lock y ON y.id = x.id + 1 "
        f"WHERE y.v < 10 ORDER BY x.id {clause}")
    out = {"b_ahead": [b.q("UPDATE c_lock SET v = 1 WHERE id = 4"), b.q("UPDATE c_lock SET v = 50 WHERE id = 5")]}
    out["a_first"] = a.q("FETCH c")
    out["b_fetched"] = [b.q("UPDATE c_lock SET v = 2 WHERE id = 1"), b.q("UPDATE c_lock SET v = 2 WHERE id = 2")]
    out["a_rest"] = a.q("FETCH ALL FROM c")
    out["a_end"] = a.q("COMMIT")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("clause, locked", [("FOR UPDATE", [("ERR", "55P03")] * 2),
                                            ("FOR UPDATE OF y", ["UPDATE 1", ("ERR", "55P03")])])
def test_a_self_joins_references_are_locked_as_the_cursor_reaches_them(targets, clause, locked):
    compare(targets, self_join_cursor, {
        "b_ahead": ["UPDATE 1", "UPDATE 1"], "a_first": [(1, 2, 0)], "b_fetched": locked,
        "a_rest": [(2, 3, 0), (3, 4, 1)], "a_end": "COMMIT"}, clause=clause)


def test_a_wait_for_an_offset_row_passes_it_over_after(targets):
    """b holds the row a's OFFSET passes over: a's first FETCH waits for it, then passes it over."""
    compare(targets, row_being_changed, {
        "b_change": [(1,)], "a_waits": True, "a_fetch": [(2, 0)], "a_returned_after_b_commit": True,
        "a_end": [[(3, 0)], "COMMIT"]}, change="SELECT id FROM c_lock WHERE id = 1 FOR UPDATE",
        cursor="DECLARE c CURSOR FOR SELECT * FROM c_lock ORDER BY id LIMIT 2 OFFSET 1 FOR UPDATE")
