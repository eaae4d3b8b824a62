"""Foreign keys under REPEATABLE READ, as PostgreSQL's RI triggers run there: a referenced row's
DELETE or key UPDATE looks at the referencing rows committed since the snapshot too (NO ACTION
fails with 23503; CASCADE and SET NULL, which would change rows the snapshot does not see, with
40001), and a new referencing row whose parent a transaction deleted (or moved) since the snapshot
fails with 40001. Before, such a DELETE left the newer child row referencing nothing."""

from __future__ import annotations

import pytest

from interleave import compare, sessions


def parent_changed_after_a_child_came(target, iso: str, action: str, statement: str) -> dict:
    s = sessions(target, 1)[0]
    for sql in ("DROP TABLE IF EXISTS fi_c", "DROP TABLE IF EXISTS fi_p", "CREATE TABLE fi_p (id int PRIMARY KEY)",
                "INSERT INTO fi_p VALUES (1), (2)", f"CREATE TABLE fi_c (id int PRIMARY KEY, pid int REFERENCES fi_p {action})"):
        s.q(sql)
    a, b = sessions(target, 2)
    out = {"a_begin": a.q(f"BEGIN ISOLATION LEVEL {iso}"), "a_snapshot": a.q("SELECT count(*) FROM fi_c"),
           "b_child": b.q("INSERT INTO fi_c VALUES (7, 1)")}
    out["a"] = a.q(statement)
    out["a_end"] = a.q("COMMIT")
    out["children"] = s.q("SELECT c.id, c.pid, p.id FROM fi_c c LEFT JOIN fi_p p ON p.id = c.pid ORDER BY 1")
    a.close(), b.close(), s.close()
    return out


@pytest.mark.parametrize("action,statement,result,children", [
    ("", "DELETE FROM fi_p WHERE id = 1", ("ERR", "23503"), [(7, 1, 1)]),
    ("ON DELETE CASCADE", "DELETE FROM fi_p WHERE id = 1", ("ERR", "40001"), [(7, 1, 1)]),
    ("ON DELETE SET NULL", "DELETE FROM fi_p WHERE id = 1", ("ERR", "40001"), [(7, 1, 1)]),
    ("ON UPDATE CASCADE", "UPDATE fi_p SET id = 5 WHERE id = 1", ("ERR", "40001"), [(7, 1, 1)]),
])
def test_repeatable_read_sees_the_children_committed_since(targets, action, statement, result, children):
    compare(targets, parent_changed_after_a_child_came, {
        "a_begin": "BEGIN", "a_snapshot": [(0,)], "b_child": "INSERT 0 1", "a": result, "a_end": "ROLLBACK",
        "children": children}, iso="REPEATABLE READ", action=action, statement=statement)


def test_read_committed_cascades_to_them(targets):
    compare(targets, parent_changed_after_a_child_came, {
        "a_begin": "BEGIN", "a_snapshot": [(0,)], "b_child": "INSERT 0 1", "a": "DELETE 1", "a_end": "COMMIT",
        "children": []}, iso="READ COMMITTED", action="ON DELETE CASCADE", statement="DELETE FROM fi_p WHERE id = 1")


def child_after_the_parent_changed(target, change: str) -> dict:
    s = sessions(target, 1)[0]
    for sql in ("DROP TABLE IF EXISTS fi_c", "DROP TABLE IF EXISTS fi_p", "CREATE TABLE fi_p (id int PRIMARY KEY, v int)",
                "INSERT INTO fi_p VALUES (1, 0), (2, 0)", "CREATE TABLE fi_c (id int PRIMARY KEY, pid int REFERENCES fi_p)"):
        s.q(sql)
    a, b = sessions(target, 2)
    out = {"a_begin": a.q("BEGIN ISOLATION LEVEL REPEATABLE READ"), "a_snapshot": a.q("SELECT count(*) FROM fi_p"),
           "b": b.q(change), "a": a.q("INSERT INTO fi_c VALUES (7, 1)"), "a_end": a.q("COMMIT")}
    a.close(), b.close(), s.close()
    return out


@pytest.mark.parametrize("change,result", [("DELETE FROM fi_p WHERE id = 1", ("ERR", "40001")),
                                           ("UPDATE fi_p SET id = 9 WHERE id = 1", ("ERR", "40001")),
                                           ("UPDATE fi_p SET v = 1 WHERE id = 1", "INSERT 0 1")])
def test_a_new_child_of_a_parent_gone_since_the_snapshot_fails_40001(targets, change, result):
    tag = change.split()[0] + " 1"
    compare(targets, child_after_the_parent_changed, {
        "a_begin": "BEGIN", "a_snapshot": [(2,)], "b": tag, "a": result,
        "a_end": "COMMIT" if result == "INSERT 0 1" else "ROLLBACK"}, change=change)
