"""MERGE beside a concurrent writer of a target row, checked against PostgreSQL 15: it waits for
the row's writer, then under READ COMMITTED re-checks the row's new version (the WHEN clauses
from the first, or WHEN NOT MATCHED when the row is gone); under REPEATABLE READ it fails 40001.
"""

from __future__ import annotations

import threading

import pytest

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting, waits_for_xid

MERGE = """MERGE INTO c_merge c USING (VALUES (1, 10), (3, 30)) AS s(id, d) ON c.id = s.id
           WHEN MATCHED AND c.v > 0 THEN UPDATE SET v = c.v + s.d
           WHEN MATCHED THEN DELETE
           WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.d)"""


def merge_behind_writer(target, iso: str, change: str, end: str = "COMMIT") -> dict:
    """a changes a row and holds it; b's MERGE waits for a's COMMIT (or ROLLBACK), then acts on
    what it finds."""
    make_table(target, "c_merge")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    out["a_change"] = a.q(change)
    b.q(f"BEGIN ISOLATION LEVEL {iso}")
    b.q("SELECT count(*) FROM c_merge")  # b's snapshot (REPEATABLE READ) predates a's commit
    committing = threading.Event()
    bg = Background(b, MERGE, markers={"a_committing": committing})
    out["b_waits"] = wait_until_waiting(obs, bg)
    # (on QuantaDB the statement shows active a moment before it waits: on the way to a worker
    # thread, which runs it again, on a new snapshot if a had committed by then)
    waits_for_xid(obs, b.pid, a.q("SELECT pg_current_xact_id_if_assigned()::text")[0][0])
    committing.set()
    a.q(end)
    out["b_merge"] = bg.join()
    out["b_returned_after_a_commit"] = bg.seen["a_committing"]
    out["b_end"] = b.q("COMMIT")
    out["final"] = table_rows(target, "c_merge")
    a.close(), b.close(), obs.close()
    return out


def test_read_committed_rechecks_an_updated_row_from_the_first_clause(targets):
    # on b's snapshot row 1 has v = 0 (DELETE); its new version has v = 5: the first clause updates it
    compare(targets, merge_behind_writer, {
        "a_change": "UPDATE 1", "b_waits": True, "b_merge": "MERGE 2", "b_returned_after_a_commit": True,
        "b_end": "COMMIT", "final": [(1, 15), (2, 0), (3, 30)]},
        iso="read committed", change="UPDATE c_merge SET v = 5 WHERE id = 1")


def test_read_committed_inserts_when_the_matched_row_was_deleted(targets):
    compare(targets, merge_behind_writer, {
        "a_change": "DELETE 1", "b_waits": True, "b_merge": "MERGE 2", "b_returned_after_a_commit": True,
        "b_end": "COMMIT", "final": [(1, 10), (2, 0), (3, 30)]},
        iso="read committed", change="DELETE FROM c_merge WHERE id = 1")


@pytest.mark.parametrize("change", ["UPDATE c_merge SET v = 5 WHERE id = 1", "DELETE FROM c_merge WHERE id = 1"])
def test_repeatable_read_fails_40001(targets, change):
    result = compare(targets, merge_behind_writer, iso="repeatable read", change=change)
    assert (result["b_merge"], result["b_end"]) == (("ERR", "40001"), "ROLLBACK")


@pytest.mark.parametrize("iso", ["read committed", "repeatable read"])
@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK"])
def test_an_insert_that_waited_for_the_same_key(targets, iso, end):
    """a inserts key 3 and holds it: b's WHEN NOT MATCHED insert of 3 waits for a, then fails with
    23505 if a committed (the statement is not run again to find the row matched), or inserts."""
    expected = {"a_change": "INSERT 0 1", "b_waits": True, "b_returned_after_a_commit": True}
    if end == "COMMIT":
        expected.update(b_merge=("ERR", "23505"), b_end="ROLLBACK", final=[(1, 0), (2, 0), (3, 99)])
    else:
        expected.update(b_merge="MERGE 2", b_end="COMMIT", final=[(2, 0), (3, 30)])
    compare(targets, merge_behind_writer, expected, iso=iso, change="INSERT INTO c_merge VALUES (3, 99)", end=end)


def merge_then_writer(target) -> dict:
    """The other way round: a row b's MERGE updated is locked until b commits."""
    make_table(target, "c_merge")
    a, b, obs = sessions(target, 3)
    out = {}
    b.q("BEGIN")
    out["b_merge"] = b.q(MERGE)
    committing = threading.Event()
    bg = Background(a, "UPDATE c_merge SET v = v + 1 WHERE id IN (1, 2)", markers={"b_committing": committing})
    out["a_waits"] = wait_until_waiting(obs, bg)
    committing.set()
    b.q("COMMIT")
    out["a_update"] = bg.join()
    out["a_returned_after_b_commit"] = bg.seen["b_committing"]
    out["final"] = table_rows(target, "c_merge")
    a.close(), b.close(), obs.close()
    return out


def test_rows_a_merge_deleted_stay_locked_until_it_commits(targets):
    # b's MERGE deletes row 1 (v = 0) and inserts 3; a's UPDATE waits, then finds only row 2
    compare(targets, merge_then_writer, {
        "b_merge": "MERGE 2", "a_waits": True, "a_update": "UPDATE 1", "a_returned_after_b_commit": True,
        "final": [(2, 1), (3, 30)]})


def test_sessions_do_not_see_an_uncommitted_merge(targets):
    def scenario(target) -> dict:
        make_table(target, "c_merge")
        a, b = sessions(target, 2)
        a.q("BEGIN")
        a.q(MERGE)
        out = {"other": b.q("SELECT * FROM c_merge ORDER BY id"), "own": a.q("SELECT * FROM c_merge ORDER BY id")}
        a.q("ROLLBACK")
        out["after_rollback"] = table_rows(target, "c_merge")
        a.close(), b.close()
        return out
    compare(targets, scenario, {"other": [(1, 0), (2, 0)], "own": [(2, 0), (3, 30)],
                                "after_rollback": [(1, 0), (2, 0)]})



def test_relation_locks(targets):
    """RowExclusive on the target (DO NOTHING alone too), AccessShare on the data source."""
    def scenario(target) -> dict:
        make_table(target, "c_merge")
        make_table(target, "c_merge_src")
        a, = sessions(target, 1)
        out = {}
        for action in ("DELETE", "DO NOTHING"):
            a.q("BEGIN")
            a.q(f"MERGE INTO c_merge USING c_merge_src s ON c_merge.id = s.id WHEN MATCHED THEN {action}")
            out[action] = a.q("SELECT relation::regclass::text, mode FROM pg_locks WHERE pid = pg_backend_pid() "
                              "AND locktype = 'relation' AND relation::regclass::text IN ('c_merge', 'c_merge_src') "
                              "ORDER BY 1, 2")
            a.q("ROLLBACK")
        a.close()
        return out
    locks = [("c_merge", "RowExclusiveLock"), ("c_merge_src", "AccessShareLock")]
    compare(targets, scenario, {"DELETE": locks, "DO NOTHING": locks})
