"""READ COMMITTED's re-check of a row an UPDATE or DELETE finds changed by a transaction that
committed while it waited, as PostgreSQL 15's EvalPlanQual: the row's newest version is acted on
if it still qualifies; rows the statement's snapshot did not find (inserted meanwhile, or changed
to qualify) are left alone."""

from __future__ import annotations

import threading

import pytest

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting


def recheck(target, rows: str, writer: list[str], statement: str) -> dict:
    make_table(target, "rc_t", rows=rows)
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    for sql in writer:
        a.q(sql)
    ended = threading.Event()
    bg = Background(b, statement, markers={"a_ended": ended})
    out["waits"] = wait_until_waiting(obs, bg)
    ended.set()
    out["a_commit"] = a.q("COMMIT")
    out["result"] = bg.join()
    out["after_a"] = bg.seen["a_ended"]
    out["final"] = table_rows(target, "rc_t")
    a.close(), b.close(), obs.close()
    return out


ROWS = {"changed_to_qualify": "(1, 1), (2, 0)"}
CASES = {
    # the row changed and still qualifies: its newest version is updated; the row inserted meanwhile is not
    "update_skips_a_new_row": (["UPDATE rc_t SET v = 2 WHERE id = 1", "INSERT INTO rc_t VALUES (3, 1)"],
                               "UPDATE rc_t SET v = v * 10 WHERE v >= 1",
                               "UPDATE 2", [(1, 20), (2, 10), (3, 1)]),
    "delete_skips_a_new_row": (["UPDATE rc_t SET v = 2 WHERE id = 1", "INSERT INTO rc_t VALUES (3, 1)"],
                               "DELETE FROM rc_t WHERE v >= 1", "DELETE 2", [(3, 1)]),
    # the row no longer qualifies
    "no_longer_qualifies": (["UPDATE rc_t SET v = 0 WHERE id = 1"], "UPDATE rc_t SET v = v + 100 WHERE v >= 1",
                            "UPDATE 1", [(1, 0), (2, 101)]),
    # its key moved away, and another row took the key: neither is the row the statement found
    "key_moved": (["UPDATE rc_t SET id = 10 WHERE id = 1", "INSERT INTO rc_t VALUES (1, 7)"],
                  "UPDATE rc_t SET v = 5 WHERE id = 1", "UPDATE 0", [(1, 7), (2, 1), (10, 1)]),
    # a row that did not qualify for the statement's snapshot and does now is not taken
    "changed_to_qualify": (["UPDATE rc_t SET v = 2 WHERE id = 1", "UPDATE rc_t SET v = 1 WHERE id = 2"],
                           "UPDATE rc_t SET v = v * 10 WHERE v >= 1", "UPDATE 1", [(1, 20), (2, 1)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_changed_row_is_rechecked_at_its_newest_version(targets, case):
    writer, statement, tag, final = CASES[case]
    compare(targets, recheck, {"waits": True, "a_commit": "COMMIT", "result": tag, "after_a": True, "final": final},
            rows=ROWS.get(case, "(1, 1), (2, 1)"), writer=writer, statement=statement)
