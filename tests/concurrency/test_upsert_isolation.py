"""INSERT ... ON CONFLICT under REPEATABLE READ and SERIALIZABLE: the row it conflicts with must
be one the transaction's snapshot sees, or it fails with 40001 rather than skip or update a row
committed since (PostgreSQL's ExecCheckTupleVisible), whether that row was there already or the
statement waited for its writer."""

from __future__ import annotations

import pytest

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting

UPSERTS = {
    "nothing": "INSERT INTO up_t VALUES ({k}, 5) ON CONFLICT DO NOTHING",
    "update": "INSERT INTO up_t VALUES ({k}, 5) ON CONFLICT (id) DO UPDATE SET v = up_t.v + 100 RETURNING v",
}


def upsert_after_a_commit(target, iso: str, action: str, key: int, wait: bool) -> dict:
    """B's snapshot is taken; A inserts key 9 and updates key 1, and commits before B's upsert
    (wait False) or while B's upsert waits for it (wait True)."""
    make_table(target, "up_t", rows="(1, 0)")
    a, b, obs = sessions(target, 3)
    out = {"b_begin": b.q(f"BEGIN ISOLATION LEVEL {iso}"), "b_first": b.q("SELECT count(*) FROM up_t")}
    a.q("BEGIN")
    a.q("INSERT INTO up_t VALUES (9, 1)")
    a.q("UPDATE up_t SET v = 7 WHERE id = 1")
    upsert = UPSERTS[action].format(k=key)
    if wait:
        bg = Background(b, upsert)
        out["b_waits"] = wait_until_waiting(obs, bg)
        out["a_commit"] = a.q("COMMIT")
        out["b_upsert"] = bg.join()
    else:
        out["a_commit"] = a.q("COMMIT")
        out["b_upsert"] = b.q(upsert)
    out["b_end"] = b.q("COMMIT")
    out["final"] = table_rows(target, "up_t")
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("wait", [False, True])
@pytest.mark.parametrize("key", [1, 9])
@pytest.mark.parametrize("action", sorted(UPSERTS))
@pytest.mark.parametrize("iso", ["REPEATABLE READ", "SERIALIZABLE"])
def test_a_conflict_with_a_row_committed_since_the_snapshot_fails_40001(targets, iso, action, key, wait):
    expected = {"b_begin": "BEGIN", "b_first": [(1,)], "a_commit": "COMMIT", "b_upsert": ("ERR", "40001"),
                "b_end": "ROLLBACK", "final": [(1, 7), (9, 1)]}
    if wait:
        expected["b_waits"] = True
    compare(targets, upsert_after_a_commit, expected, iso=iso, action=action, key=key, wait=wait)


def test_read_committed_acts_on_the_committed_row(targets):
    compare(targets, upsert_after_a_commit, {
        "b_begin": "BEGIN", "b_first": [(1,)], "a_commit": "COMMIT", "b_upsert": [(107,)], "b_end": "COMMIT",
        "final": [(1, 107), (9, 1)]}, iso="READ COMMITTED", action="update", key=1, wait=False)
