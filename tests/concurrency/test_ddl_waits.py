"""Schema changes that must wait for running writers, checked against PostgreSQL 15: a unique
index cannot be judged while another transaction's insert of a duplicate is undecided."""

from __future__ import annotations

import threading

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting


def unique_index_race(target, end: str) -> dict:
    make_table(target, "c_uidx", rows="(1, 7)")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    out["a_insert"] = a.q("INSERT INTO c_uidx VALUES (2, 7)")
    ending = threading.Event()
    bg = Background(b, "CREATE UNIQUE INDEX c_uidx_v ON c_uidx (v)", markers={"a_ending": ending})
    out["b_waits"] = wait_until_waiting(obs, bg)
    ending.set()
    out["a_end"] = a.q(end)
    out["b_create"] = bg.join()
    out["b_returned_after_a_ended"] = bg.seen["a_ending"]
    out["index"] = obs.q("SELECT count(*) FROM pg_indexes WHERE indexname = 'c_uidx_v'")
    out["final"] = table_rows(target, "c_uidx")
    a.close(), b.close(), obs.close()
    return out


def test_unique_index_build_waits_then_fails_when_the_duplicate_commits(targets):
    compare(targets, unique_index_race, {
        "a_insert": "INSERT 0 1", "b_waits": True, "a_end": "COMMIT", "b_create": ("ERR", "23505"),
        "b_returned_after_a_ended": True, "index": [(0,)], "final": [(1, 7), (2, 7)]}, end="COMMIT")


def test_unique_index_build_waits_then_succeeds_when_the_duplicate_rolls_back(targets):
    compare(targets, unique_index_race, {
        "a_insert": "INSERT 0 1", "b_waits": True, "a_end": "ROLLBACK", "b_create": "CREATE INDEX",
        "b_returned_after_a_ended": True, "index": [(1,)], "final": [(1, 7)]}, end="ROLLBACK")
