"""A new row's foreign key is checked after the row is written, as PostgreSQL's RI triggers run
at the statement's end: a row may reference a row the same statement writes (or itself), a unique
key's violation is reported first, and a write that must wait for its target row waits before
its key is checked (and checks none if the row is gone by then)."""

from __future__ import annotations

import pytest

from interleave import Background, compare, sessions, table_rows, wait_until_waiting


def _tables(target) -> None:
    s = sessions(target, 1)[0]
    for sql in ("DROP TABLE IF EXISTS fo_c", "DROP TABLE IF EXISTS fo_tree", "DROP TABLE IF EXISTS fo_p",
                "CREATE TABLE fo_p (id int PRIMARY KEY)", "INSERT INTO fo_p VALUES (1), (2)",
                "CREATE TABLE fo_c (id int PRIMARY KEY, pid int REFERENCES fo_p ON DELETE CASCADE)",
                "INSERT INTO fo_c VALUES (1, 1), (2, 2)",
                "CREATE TABLE fo_tree (id int PRIMARY KEY, parent int REFERENCES fo_tree)"):
        s.q(sql)
    s.close()


def statements_alone(target) -> dict:
    _tables(target)
    s = sessions(target, 1)[0]
    out = {sql: s.q(sql) for sql in (
        "INSERT INTO fo_tree VALUES (2, 1), (1, NULL)",  # a reference to a later row of the statement
        "INSERT INTO fo_tree VALUES (3, 3)",  # to itself
        "UPDATE fo_tree SET parent = 4, id = 4 WHERE id = 3",
        "INSERT INTO fo_c VALUES (1, 99)",  # a duplicate key with a missing reference: 23505 first
        "INSERT INTO fo_c VALUES (3, 99)",
        "INSERT INTO fo_c VALUES (3, 2) ON CONFLICT (id) DO UPDATE SET pid = 99",
        "INSERT INTO fo_c VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET pid = 99",
    )}
    out["tree"] = table_rows(target, "fo_tree")
    out["children"] = table_rows(target, "fo_c")
    s.close()
    return out


def test_the_key_is_checked_after_the_write(targets):
    compare(targets, statements_alone, {
        "INSERT INTO fo_tree VALUES (2, 1), (1, NULL)": "INSERT 0 2",
        "INSERT INTO fo_tree VALUES (3, 3)": "INSERT 0 1",
        "UPDATE fo_tree SET parent = 4, id = 4 WHERE id = 3": "UPDATE 1",
        "INSERT INTO fo_c VALUES (1, 99)": ("ERR", "23505"),
        "INSERT INTO fo_c VALUES (3, 99)": ("ERR", "23503"),
        "INSERT INTO fo_c VALUES (3, 2) ON CONFLICT (id) DO UPDATE SET pid = 99": "INSERT 0 1",
        "INSERT INTO fo_c VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET pid = 99": ("ERR", "23503"),
        "tree": [(1, None), (2, 1), (4, 4)], "children": [(1, 1), (2, 2), (3, 2)]})


def waits_before_the_check(target, end: str) -> dict:
    """A's DELETE of parent 2 cascades to child 2; B's UPDATE of child 2 to a missing parent waits
    for A, then updates nothing (A committed) or fails on its key (A rolled back)."""
    _tables(target)
    a, b, obs = sessions(target, 3)
    a.q("BEGIN")
    out = {"a_delete": a.q("DELETE FROM fo_p WHERE id = 2")}
    bg = Background(b, "UPDATE fo_c SET pid = 99 WHERE id = 2")
    out["b_waits"] = wait_until_waiting(obs, bg)
    out["a_end"] = a.q(end)
    out["b"] = bg.join()
    out["children"] = table_rows(target, "fo_c")
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("end,b,children", [("COMMIT", "UPDATE 0", [(1, 1)]),
                                            ("ROLLBACK", ("ERR", "23503"), [(1, 1), (2, 2)])])
def test_a_write_waits_for_its_row_before_its_key_is_checked(targets, end, b, children):
    compare(targets, waits_before_the_check, {"a_delete": "DELETE 1", "b_waits": True, "a_end": end, "b": b,
                                              "children": children}, end=end)


def key_check_behind_a_lock(target, lock: str) -> dict:
    """A new child row's key check locks its parent KEY SHARE: behind FOR UPDATE it waits, beside
    FOR NO KEY UPDATE, FOR SHARE or an UPDATE that keeps the key it does not."""
    _tables(target)
    a, b, obs = sessions(target, 3)
    a.q("BEGIN")
    a.q(lock)
    bg = Background(b, "INSERT INTO fo_c VALUES (3, 2)")
    out = {"b_waits": wait_until_waiting(obs, bg)}
    out["a_end"] = a.q("ROLLBACK")
    out["b"] = bg.join()
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("lock,waits", [("SELECT * FROM fo_p WHERE id = 2 FOR UPDATE", True),
                                        ("SELECT * FROM fo_p WHERE id = 2 FOR NO KEY UPDATE", False),
                                        ("SELECT * FROM fo_p WHERE id = 2 FOR SHARE", False)])
def test_a_key_check_waits_behind_for_update_only(targets, lock, waits):
    compare(targets, key_check_behind_a_lock, {"b_waits": waits, "a_end": "ROLLBACK", "b": "INSERT 0 1"}, lock=lock)
