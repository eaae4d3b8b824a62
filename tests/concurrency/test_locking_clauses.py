"""The locking clause's variants, checked against PostgreSQL 15: NOWAIT and SKIP LOCKED, a LIMIT
that bounds the rows locked (a job queue's, also through a WITH query), a subquery filter that
locks only the rows returned, and FOR SHARE locks shared among sessions. Scripted interleavings
as in test_isolation.py (interleave.py says how waits are observed).
"""

from __future__ import annotations

import threading

import pytest

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting


def nowait(target, clause: str) -> dict:
    """b asks for locked rows with NOWAIT / SKIP LOCKED: it must return without waiting for a.
    If it waits instead, a ends after a bound and the outcome shows b returned only then."""
    make_table(target, "c_nowait", rows="(1, 0), (2, 0), (3, 0)")
    a, b = sessions(target, 2)
    out = {}
    a.q("BEGIN")
    out["a_locks"] = a.q("SELECT id FROM c_nowait WHERE id = 2 FOR UPDATE")
    b.q("BEGIN")
    ending = threading.Event()
    bg = Background(b, f"SELECT id FROM c_nowait ORDER BY id FOR UPDATE {clause}", markers={"a_ending": ending})
    bg.done.wait(5)  # a bound, not a measurement: a correct server answers at once
    ending.set()
    a.q("ROLLBACK")
    out["b_result"] = bg.join()
    out["b_returned_while_a_held_the_lock"] = not bg.seen["a_ending"]
    b.q("ROLLBACK")
    a.close(), b.close()
    return out


def test_for_update_nowait_fails_at_once_with_55P03(targets):
    compare(targets, nowait, {"a_locks": [(2,)], "b_result": ("ERR", "55P03"),
                              "b_returned_while_a_held_the_lock": True}, clause="NOWAIT")


def test_for_update_skip_locked_skips_the_locked_row(targets):
    compare(targets, nowait, {"a_locks": [(2,)], "b_result": [(1,), (3,)],
                              "b_returned_while_a_held_the_lock": True}, clause="SKIP LOCKED")


def job_queue(target, order: str) -> dict:
    """Workers take jobs with `LIMIT n FOR UPDATE SKIP LOCKED`: each locks only the rows it takes."""
    make_table(target, "c_jobs", ", ".join(f"({i}, 0)" for i in range(1, 301)))
    a, b, c = sessions(target, 3)
    out = {}
    take = f"SELECT id FROM c_jobs WHERE v = 0 {order} LIMIT %s FOR UPDATE SKIP LOCKED"
    a.q("BEGIN"), b.q("BEGIN")
    out["a"] = a.q(take, (2,))
    out["b"] = b.q(take, (1,))
    out["b_offset"] = b.q(f"SELECT id FROM c_jobs WHERE v = 0 {order} LIMIT 1 OFFSET 1 FOR UPDATE SKIP LOCKED")
    taken = {r[0] for rows in out.values() for r in rows}
    free = min(set(range(1, 301)) - taken)
    out["next_free_row_is_free"] = c.q(f"SELECT id FROM c_jobs WHERE id = {free} FOR UPDATE NOWAIT") == [(free,)]
    a.q("ROLLBACK"), b.q("ROLLBACK")
    a.close(), b.close(), c.close()
    return out


@pytest.mark.parametrize("order", ["ORDER BY id", ""])
def test_a_limit_for_update_locks_only_the_rows_it_returns(targets, order):
    compare(targets, job_queue, {"a": [(1,), (2,)], "b": [(3,)], "b_offset": [(4,)], "next_free_row_is_free": True},
            order=order)  # (b's own row is not skipped: OFFSET passes over it)


@pytest.mark.parametrize("order", ["ORDER BY id DESC", "ORDER BY mod(id, 7), id", "ORDER BY v, id DESC"])
def test_a_limit_for_update_locks_the_first_rows_of_its_order(targets, order):
    got = compare(targets, job_queue, order=order)  # through the index backwards, or above a Sort
    assert got["next_free_row_is_free"]


def job_queue_with(target, write: str) -> dict:
    """The queue taken by a WITH query that locks (`WITH j AS (... LIMIT n FOR UPDATE SKIP LOCKED)
    UPDATE/DELETE ... FROM j`): its LIMIT bounds the rows it locks as at the top level."""
    make_table(target, "c_jobs", ", ".join(f"({i}, 0)" for i in range(1, 301)))
    a, b = sessions(target, 2)
    pick = "WITH j AS (SELECT id FROM c_jobs WHERE v = 0 ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) "
    take = pick + (" UPDATE c_jobs SET v = 1 FROM j WHERE c_jobs.id = j.id RETURNING c_jobs.id" if write == "update"
                   else " DELETE FROM c_jobs USING j WHERE c_jobs.id = j.id RETURNING c_jobs.id")
    a.q("BEGIN"), b.q("BEGIN")
    out = {"a": sorted(a.q(take, (2,))), "b": sorted(b.q(take, (1,)))}
    a.q("ROLLBACK"), b.q("ROLLBACK")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("write", ["update", "delete"])
def test_a_with_query_for_update_limit_locks_only_the_rows_it_returns(targets, write):
    compare(targets, job_queue_with, {"a": [(1,), (2,)], "b": [(3,)]}, write=write)


def locked_by_exists(target, how: str) -> dict:
    """SELECT ... WHERE [NOT] EXISTS / IN (subquery) FOR UPDATE locks the rows it returns, not the
    rows its scan read before the subquery's test."""
    make_table(target, "c_pick", "(1, 0), (2, 1), (3, 0)")
    a, b = sessions(target, 2)
    a.q("BEGIN")
    out = {"a": a.q(f"SELECT id FROM c_pick p WHERE {how} FOR UPDATE")}
    out["free"] = b.q("SELECT id FROM c_pick WHERE id = 2 FOR UPDATE NOWAIT")
    a.q("ROLLBACK")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("how", ["EXISTS (SELECT 1 FROM c_pick q WHERE q.id = p.id AND q.v = 0)",
                                 "id IN (SELECT id FROM c_pick WHERE v = 0)"])
def test_a_subquery_filter_for_update_locks_only_the_rows_returned(targets, how):
    compare(targets, locked_by_exists, {"a": [(1,), (3,)], "free": [(2,)]}, how=how)


def share_locks(target) -> dict:
    make_table(target, "c_share")
    a, b, c, obs = sessions(target, 4)
    out = {}
    a.q("BEGIN")
    b.q("BEGIN")
    out["a_share"] = a.q("SELECT id FROM c_share WHERE id = 1 FOR SHARE")
    out["b_share"] = b.q("SELECT id FROM c_share WHERE id = 1 FOR SHARE")  # compatible: no wait
    out["b_key_share"] = b.q("SELECT id FROM c_share WHERE id = 1 FOR KEY SHARE")
    ending = threading.Event()
    bg = Background(c, "UPDATE c_share SET v = v + 1 WHERE id = 1", markers={"both_ending": ending})
    out["update_waits"] = wait_until_waiting(obs, bg)
    ending.set()
    out["a_commit"] = a.q("COMMIT")
    out["still_waiting"] = not bg.done.is_set() and wait_until_waiting(obs, bg)  # b still holds its share lock
    out["b_commit"] = b.q("COMMIT")
    out["update"] = bg.join()
    out["final"] = table_rows(target, "c_share")
    a.close(), b.close(), c.close(), obs.close()
    return out


def test_for_share_locks_are_shared_and_block_updates_until_all_end(targets):
    compare(targets, share_locks, {"a_share": [(1,)], "b_share": [(1,)], "b_key_share": [(1,)],
                                   "update_waits": True, "a_commit": "COMMIT", "still_waiting": True,
                                   "b_commit": "COMMIT", "update": "UPDATE 1", "final": [(1, 1), (2, 0)]})


def key_share_after_committed_update(target, iso: str, how: str) -> dict:
    """b changes a row's non-key column and commits after a's snapshot (a cursor's, or REPEATABLE
    READ's): a's FOR KEY SHARE does not conflict with that update, so it returns the version of its
    snapshot (no re-read, no 40001), and holds the row's new version too: c may change its other
    columns but neither its key nor delete it."""
    make_table(target, "c_keyshr", rows="(1, 0), (2, 0)")
    a, b, c = sessions(target, 3)
    out = {}
    a.q(f"BEGIN ISOLATION LEVEL {iso}")
    query = "SELECT * FROM c_keyshr ORDER BY id FOR KEY SHARE"
    if how == "cursor":
        a.q(f"DECLARE c CURSOR FOR {query}")
    else:
        a.q("SELECT 1 FROM c_keyshr LIMIT 1")  # (takes the snapshot)
    out["b_update"] = b.q("UPDATE c_keyshr SET v = 5 WHERE id = 1")
    out["a_locks"] = a.q("FETCH ALL FROM c" if how == "cursor" else query)
    c.q("SET lock_timeout = '100ms'")
    out["c_changes"] = [c.q("UPDATE c_keyshr SET v = 6 WHERE id = 1"), c.q("UPDATE c_keyshr SET id = 10 WHERE id = 1"),
                        c.q("DELETE FROM c_keyshr WHERE id = 1")]
    out["a_end"] = a.q("COMMIT")
    out["final"] = table_rows(target, "c_keyshr")
    a.close(), b.close(), c.close()
    return out


@pytest.mark.parametrize("iso, how", [("READ COMMITTED", "cursor"), ("REPEATABLE READ", "cursor"),
                                      ("REPEATABLE READ", "select")])
def test_for_key_share_returns_its_snapshots_version_of_a_row_updated_keeping_its_key(targets, iso, how):
    compare(targets, key_share_after_committed_update, {
        "b_update": "UPDATE 1", "a_locks": [(1, 0), (2, 0)],
        "c_changes": ["UPDATE 1", ("ERR", "55P03"), ("ERR", "55P03")], "a_end": "COMMIT",
        "final": [(1, 6), (2, 0)]}, iso=iso, how=how)


def several_lockers_xmax(target) -> dict:
    """What xmax shows of a version several transactions hold at once: a MultiXactId, a number of
    its own (not one of their xids), a new one for each locker or updater that joins, kept after
    they end; one locker alone shows its xid."""
    make_table(target, "c_multi", rows="(1, 0), (2, 0), (3, 0)")
    a, b, c, obs = sessions(target, 4)
    xids = []
    for s in (a, b, c):
        s.q("BEGIN")
        xids.append(s.q("SELECT txid_current()")[0][0])

    def xmax(row: int) -> int:
        return int(obs.q(f"SELECT xmax::text FROM c_multi WHERE id = {row}")[0][0])
    a.q("SELECT 1 FROM c_multi WHERE id = 1 FOR SHARE")
    out = {"one_locker": xmax(1) == xids[0]}
    b.q("SELECT 1 FROM c_multi WHERE id = 1 FOR SHARE")
    first = xmax(1)
    c.q("SELECT 1 FROM c_multi WHERE id = 1 FOR KEY SHARE")
    second = xmax(1)
    a.q("SELECT 1 FROM c_multi WHERE id = 2 FOR KEY SHARE")
    out["b_updates_past_a"] = b.q("UPDATE c_multi SET v = 5 WHERE id = 2")
    third = xmax(2)
    out["multis"] = [first not in xids, second - first, third - second]
    names = dict(zip(xids, "abc"))
    out["members"] = [[(names[int(x)], mode) for x, mode in
                       obs.q(f"SELECT xid::text, mode FROM pg_get_multixact_members('{multi}')")]
                      for multi in (first, second, third)]
    out["not_yet"] = obs.q(f"SELECT * FROM pg_get_multixact_members('{third + 1}')")
    a.q("SELECT 1 FROM c_multi WHERE id = 3 FOR SHARE")
    a.q("SELECT 1 FROM c_multi WHERE id = 3 FOR UPDATE")
    out["one_locker_twice"] = xmax(3) == xids[0]
    for s in (a, b, c):
        s.q("COMMIT")
    out["after"] = [xmax(1) == second, xmax(2) == xids[0], xmax(3) == xids[0]]
    a.close(), b.close(), c.close(), obs.close()
    return out


def test_several_lockers_show_a_multixact_id_in_xmax(targets):
    compare(targets, several_lockers_xmax, {
        "one_locker": True, "b_updates_past_a": "UPDATE 1", "multis": [True, 1, 1],
        "members": [[("a", "sh"), ("b", "sh")], [("a", "sh"), ("b", "sh"), ("c", "keysh")],
                    [("a", "keysh"), ("b", "nokeyupd")]],
        "not_yet": ("ERR", "XX000"), "one_locker_twice": True, "after": [True, True, True]})
