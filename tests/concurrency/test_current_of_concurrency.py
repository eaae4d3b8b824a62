"""UPDATE ... WHERE CURRENT OF beside another session's writes to the cursor's row, checked
against PostgreSQL 15: under READ COMMITTED the row's newest committed version is acted on (once
its writer ended, if it still runs), a deleted row is not; REPEATABLE READ fails 40001; a FOR
UPDATE cursor's fetched row is locked until the cursor's transaction ends."""

from __future__ import annotations

import threading

import pytest

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting

CURSOR = "DECLARE c CURSOR FOR SELECT * FROM c_cur ORDER BY id"
CURRENT_OF = "UPDATE c_cur SET v = v + 100 WHERE CURRENT OF c RETURNING *"


def change_before_current_of(target, change: str | tuple[str, ...], committed: bool, iso: str = "read committed",
                             key: bool = True) -> dict:
    """a's cursor stands on row 1; b changes it (committed at once, or held until a waits), with
    one statement or several in one transaction. `key`: the table has its primary key (the new
    version could be found by it)."""
    make_table(target, "c_cur", "(1, 0), (2, 0), (3, 0)")
    a, b, obs = sessions(target, 3)
    if not key:  # (and no ORDER BY: PostgreSQL's sort over a scan is not simply updatable)
        a.q("ALTER TABLE c_cur DROP CONSTRAINT c_cur_pkey")
    changes = (change,) if isinstance(change, str) else change
    out = {}
    a.q(f"BEGIN ISOLATION LEVEL {iso}")
    a.q(CURSOR if key else "DECLARE c CURSOR FOR SELECT * FROM c_cur")
    out["a_fetch"] = a.q("FETCH c")
    if committed:
        b.q("BEGIN")
        for one in changes:
            out["b_change"] = b.q(one)
        b.q("COMMIT")
        out["a_current_of"] = a.q(CURRENT_OF)
    else:
        b.q("BEGIN")
        for one in changes:
            out["b_change"] = b.q(one)
        committing = threading.Event()
        bg = Background(a, CURRENT_OF, markers={"b_committing": committing})
        out["a_waits"] = wait_until_waiting(obs, bg)
        committing.set()
        b.q("COMMIT")
        out["a_current_of"] = bg.join()
        out["a_returned_after_b_commit"] = bg.seen["b_committing"]
    out["a_end"] = a.q("COMMIT")
    out["final"] = table_rows(target, "c_cur")
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("committed", [True, False])
def test_an_updated_row_is_acted_on_in_its_new_version(targets, committed):
    expected = {"a_fetch": [(1, 0)], "b_change": "UPDATE 1", "a_current_of": [(1, 105)], "a_end": "COMMIT",
                "final": [(1, 105), (2, 0), (3, 0)]}
    if not committed:
        expected.update(a_waits=True, a_returned_after_b_commit=True)
    compare(targets, change_before_current_of, expected, change="UPDATE c_cur SET v = v + 5 WHERE id = 1",
            committed=committed)


@pytest.mark.parametrize("committed", [True, False])
def test_a_row_without_a_unique_key_is_followed_through_a_bulk_update(targets, committed):
    expected = {"a_fetch": [(1, 0)], "b_change": "UPDATE 3", "a_current_of": [(1, 105)], "a_end": "COMMIT",
                "final": [(1, 105), (2, 5), (3, 5)]}
    if not committed:
        expected.update(a_waits=True, a_returned_after_b_commit=True)
    compare(targets, change_before_current_of, expected, change="UPDATE c_cur SET v = v + 5",
            committed=committed, key=False)


@pytest.mark.parametrize("key", [True, False])
def test_a_row_updated_twice_is_followed_to_its_newest_version(targets, key):
    compare(targets, change_before_current_of, {
        "a_fetch": [(1, 0)], "b_change": "UPDATE 3", "a_current_of": [(1, 110)], "a_end": "COMMIT",
        "final": [(1, 110), (2, 5), (3, 5)]},
        change=("UPDATE c_cur SET v = v + 5 WHERE id = 1", "UPDATE c_cur SET v = v + 5"), committed=True, key=key)


@pytest.mark.parametrize("committed", [True, False])
def test_a_deleted_row_is_not(targets, committed):
    expected = {"a_fetch": [(1, 0)], "b_change": "DELETE 1", "a_current_of": [], "a_end": "COMMIT",
                "final": [(2, 0), (3, 0)]}
    if not committed:
        expected.update(a_waits=True, a_returned_after_b_commit=True)
    compare(targets, change_before_current_of, expected, change="DELETE FROM c_cur WHERE id = 1",
            committed=committed)


@pytest.mark.parametrize("committed", [True, False])
def test_repeatable_read_fails_40001(targets, committed):
    expected = {"a_fetch": [(1, 0)], "b_change": "UPDATE 1", "a_current_of": ("ERR", "40001"), "a_end": "ROLLBACK",
                "final": [(1, 5), (2, 0), (3, 0)]}
    if not committed:
        expected.update(a_waits=True, a_returned_after_b_commit=True)
    compare(targets, change_before_current_of, expected, change="UPDATE c_cur SET v = v + 5 WHERE id = 1",
            committed=committed, iso="repeatable read")


def for_update_cursor(target) -> dict:
    """a's FOR UPDATE cursor fetched row 1: b's update of it waits for a's COMMIT, then applies
    to the row a's CURRENT OF updated."""
    make_table(target, "c_cur", "(1, 0), (2, 0)")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    a.q("DECLARE c CURSOR FOR SELECT * FROM c_cur ORDER BY id FOR UPDATE")
    out["a_fetch"] = a.q("FETCH c")
    committing = threading.Event()
    bg = Background(b, "UPDATE c_cur SET v = v + 1 WHERE id = 1 RETURNING *", markers={"a_committing": committing})
    out["b_waits"] = wait_until_waiting(obs, bg)
    out["a_current_of"] = a.q(CURRENT_OF)
    committing.set()
    out["a_end"] = a.q("COMMIT")
    out["b_update"] = bg.join()
    out["b_returned_after_a_commit"] = bg.seen["a_committing"]
    out["final"] = table_rows(target, "c_cur")
    a.close(), b.close(), obs.close()
    return out


def test_a_for_update_cursor_locks_its_row(targets):
    compare(targets, for_update_cursor, {
        "a_fetch": [(1, 0)], "b_waits": True, "a_current_of": [(1, 100)], "a_end": "COMMIT",
        "b_update": [(1, 101)], "b_returned_after_a_commit": True, "final": [(1, 101), (2, 0)]})


def vacuum_while_open(target) -> dict:
    """Another session's VACUUM, while a's cursor stands on a row: a's CURRENT OF still updates
    that row (QuantaDB's VACUUM, which renumbers rows, leaves the table until a's cursor is gone)."""
    make_table(target, "c_cur", ", ".join(f"({i}, {i})" for i in range(1, 11)))
    a, b = sessions(target, 2)
    out = {"delete": b.q("DELETE FROM c_cur WHERE id <= 5")}
    a.q("BEGIN")
    a.q("DECLARE c CURSOR FOR SELECT * FROM c_cur")
    out["a_fetch"] = a.q("FETCH 2 FROM c")
    out["vacuum"] = b.q("VACUUM c_cur")
    out["a_current_of"] = a.q("UPDATE c_cur SET v = -1 WHERE CURRENT OF c RETURNING *")
    out["a_end"] = a.q("COMMIT")
    out["final"] = table_rows(target, "c_cur")
    a.close(), b.close()
    return out


def test_vacuum_beside_an_open_cursor(targets):
    compare(targets, vacuum_while_open, {
        "delete": "DELETE 5", "a_fetch": [(6, 6), (7, 7)], "vacuum": "VACUUM", "a_current_of": [(7, -1)],
        "a_end": "COMMIT", "final": [(6, 6), (7, -1), (8, 8), (9, 9), (10, 10)]})


def for_update_of(target) -> dict:
    """FOR UPDATE OF one table of a join locks that table's rows only (a cursor's CURRENT OF can
    name that table only): another session updates the other table's row without waiting."""
    make_table(target, "c_cur", "(1, 0), (2, 0)")
    make_table(target, "c_other", "(1, 0), (2, 0)")
    a, b = sessions(target, 2)
    a.q("BEGIN")
    a.q("DECLARE c CURSOR FOR SELECT * FROM c_cur JOIN c_other USING (id) ORDER BY id FOR UPDATE OF c_cur")
    out = {"a_fetch": a.q("FETCH c")}
    b.q("SET lock_timeout = '100ms'")
    out["b_other"] = b.q("UPDATE c_other SET v = 7 WHERE id = 1")
    out["b_locked"] = b.q("UPDATE c_cur SET v = 7 WHERE id = 1")
    out["a_current_of"] = a.q("UPDATE c_cur SET v = 9 WHERE CURRENT OF c RETURNING *")
    out["a_end"] = a.q("COMMIT")
    a.close(), b.close()
    return out


def test_for_update_of_locks_the_named_table(targets):
    compare(targets, for_update_of, {
        "a_fetch": [(1, 0, 0)], "b_other": "UPDATE 1", "b_locked": ("ERR", "55P03"), "a_current_of": [(1, 9)],
        "a_end": "COMMIT"})
