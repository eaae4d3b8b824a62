"""READ COMMITTED's re-check of a row an UPDATE or DELETE finds changed by a transaction that
committed while it waited, as PostgreSQL 15's EvalPlanQual: the row's newest version is acted on
if it still qualifies; rows the statement's snapshot did not find (inserted meanwhile, or changed
to qualify) are left alone."""

from __future__ import annotations

import threading

import pytest

from interleave import Background, compare, make_table, sessions, table_rows, wait_until_waiting, waits_for_xid


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


# -- a join's other rows, and subqueries: EvalPlanQual keeps the rows the first attempt joined, and
# evaluates subqueries on the statement's first snapshot (an InitPlan's value is kept); only the
# target's row is read at its newest version

JOINED_TABLES = ["DROP TABLE IF EXISTS rc_u", "CREATE TABLE rc_u (k int, w int)", "INSERT INTO rc_u VALUES (1, 10), (2, 20)"]


def joined(target, writer: list[str], statement: str, setup: list[str] = (), also: str = "") -> dict:
    """rc_t (1, 0), (2, 0) and rc_u (1, 10), (2, 20); `writer` changes them and holds rc_t's row 1
    while `statement` waits for it; `also`: a query whose rows the outcome holds too."""
    make_table(target, "rc_t", rows="(1, 0), (2, 0)")
    a, b, obs = sessions(target, 3)
    for sql in [*JOINED_TABLES, *setup]:
        assert obs.q(sql)[0] != "ERR", sql
    a.q("BEGIN")
    for sql in writer:
        assert a.q(sql)[0] != "ERR", sql
    a_xid = a.q("SELECT txid_current()")[0][0]
    bg = Background(b, statement)
    out = {"waits": wait_until_waiting(obs, bg)}
    waits_for_xid(obs, b.pid, a_xid)  # (not only running: a function's statement may come to the row later)
    out["a_commit"] = a.q("COMMIT")
    result = bg.join()
    out["result"] = sorted(result) if isinstance(result, list) else result  # (RETURNING's rows)
    out["final"] = table_rows(target, "rc_t")
    if also:
        out["also"] = obs.q(also)
    a.close(), b.close(), obs.close()
    return out


HOLD = "UPDATE rc_t SET v = 1 WHERE id = 1"  # the writer's change of the row the statement waits for
JOINED = {
    # the joined row changed: the statement's SET reads it as it was
    "from_joined_row_changed": ([HOLD, "UPDATE rc_u SET w = 99 WHERE k = 1"],
                                "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k",
                                "UPDATE 2", [(1, 11), (2, 20)]),
    # ... and still qualifies, as it did
    "from_joined_row_changed_not_to_qualify": ([HOLD, "UPDATE rc_u SET w = 5 WHERE k = 1"],
                                               "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u "
                                               "WHERE rc_t.id = u.k AND u.w >= 10", "UPDATE 2", [(1, 11), (2, 20)]),
    "from_joined_row_deleted": ([HOLD, "DELETE FROM rc_u WHERE k = 1"],
                                "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k",
                                "UPDATE 2", [(1, 11), (2, 20)]),
    # a row inserted meanwhile is not joined
    "from_row_inserted_meanwhile": ([HOLD, "INSERT INTO rc_u VALUES (1, 100)"],
                                    "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k",
                                    "UPDATE 2", [(1, 11), (2, 20)]),
    "from_returning": ([HOLD, "UPDATE rc_u SET w = 99 WHERE k = 1"],
                       "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k RETURNING rc_t.id, rc_t.v, u.w",
                       [(1, 11, 10), (2, 20, 20)], [(1, 11), (2, 20)]),
    "using_joined_row_deleted": ([HOLD, "DELETE FROM rc_u WHERE k = 1"],
                                 "DELETE FROM rc_t USING rc_u u WHERE rc_t.id = u.k", "DELETE 2", []),
    "using_joined_row_changed_not_to_qualify": ([HOLD, "UPDATE rc_u SET w = 0 WHERE k = 1"],
                                                "DELETE FROM rc_t USING rc_u u WHERE rc_t.id = u.k AND u.w > 0",
                                                "DELETE 2", []),
    "using_subquery": ([HOLD, "DELETE FROM rc_u WHERE k = 1"],
                       "DELETE FROM rc_t USING (SELECT k FROM rc_u WHERE w > 0) s WHERE s.k = rc_t.id", "DELETE 2", []),
    # the target joined with itself: the other side's row as it was
    "self_join": (["UPDATE rc_t SET v = 5 WHERE id = 2", "UPDATE rc_t SET v = 7 WHERE id = 1"],
                  "UPDATE rc_t SET v = rc_t.v + o.v FROM rc_t o WHERE o.id = 3 - rc_t.id", "UPDATE 2", [(1, 7), (2, 5)]),
    "from_grouped_subquery": ([HOLD, "INSERT INTO rc_u VALUES (1, 1000)"],
                              "UPDATE rc_t SET v = rc_t.v + s.total FROM (SELECT k, sum(w) AS total FROM rc_u GROUP BY k) s "
                              "WHERE s.k = rc_t.id", "UPDATE 2", [(1, 11), (2, 20)]),
    "from_with_query": ([HOLD, "UPDATE rc_u SET w = 99 WHERE k = 1"],
                        "WITH s AS (SELECT * FROM rc_u) UPDATE rc_t SET v = rc_t.v + s.w FROM s WHERE rc_t.id = s.k",
                        "UPDATE 2", [(1, 11), (2, 20)]),
    # a data-modifying WITH: its own write stays hidden from the re-check's reads
    "from_with_update": ([HOLD, "UPDATE rc_u SET w = 99 WHERE k = 1"],
                         "WITH x AS (UPDATE rc_u SET w = w + 1 WHERE k = 2 RETURNING *) "
                         "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k", "UPDATE 2", [(1, 11), (2, 20)]),
    # rows a subquery locks (FOR UPDATE) are read at their newest versions
    "from_locked_rows": ([HOLD, "UPDATE rc_u SET w = 99 WHERE k = 1"],
                         "UPDATE rc_t SET v = rc_t.v + s.w FROM (SELECT * FROM rc_u FOR UPDATE) s WHERE rc_t.id = s.k",
                         "UPDATE 2", [(1, 100), (2, 20)]),
    # subqueries: uncorrelated (an InitPlan, or a semi-join) and correlated, in WHERE and in SET
    "where_in": ([HOLD, "DELETE FROM rc_u WHERE k = 1"],
                 "UPDATE rc_t SET v = v + 100 WHERE id IN (SELECT k FROM rc_u)", "UPDATE 2", [(1, 101), (2, 100)]),
    "where_exists_correlated": ([HOLD, "UPDATE rc_u SET w = 0 WHERE k = 1"],
                                "UPDATE rc_t SET v = v + 100 WHERE EXISTS (SELECT 1 FROM rc_u u WHERE u.k = rc_t.id AND u.w > 0)",
                                "UPDATE 2", [(1, 101), (2, 100)]),
    "where_scalar": ([HOLD, "UPDATE rc_u SET w = 0 WHERE k = 1"],
                     "UPDATE rc_t SET v = v + 100 WHERE v < (SELECT min(w) FROM rc_u)", "UPDATE 2", [(1, 101), (2, 100)]),
    "where_target_subquery": (["UPDATE rc_t SET v = 5 WHERE id = 1", "UPDATE rc_t SET v = 0 WHERE id = 2"],
                              "UPDATE rc_t SET v = v + 100 WHERE id IN (SELECT id FROM rc_t WHERE v = 0)",
                              "UPDATE 2", [(1, 105), (2, 100)]),
    "set_scalar": ([HOLD, "UPDATE rc_u SET w = 50 WHERE k = 1"],
                   "UPDATE rc_t SET v = v + (SELECT max(w) FROM rc_u)", "UPDATE 2", [(1, 21), (2, 20)]),
    "set_correlated": ([HOLD, "UPDATE rc_u SET w = 50 WHERE k = 1"],
                       "UPDATE rc_t SET v = v + (SELECT w FROM rc_u u WHERE u.k = rc_t.id)", "UPDATE 2", [(1, 11), (2, 20)]),
    # a correlated subquery reads the target's newest version, and the other table as it was
    "set_correlated_on_the_newest_row": (["UPDATE rc_t SET v = 2 WHERE id = 1", "INSERT INTO rc_u VALUES (1, 7)"],
                                         "UPDATE rc_t SET v = (SELECT count(*) FROM rc_u u WHERE u.k = rc_t.id) * 100 + v",
                                         "UPDATE 2", [(1, 102), (2, 100)]),
}
FUNCTIONS = {
    # a STABLE function reads the statement's snapshot; a VOLATILE one takes a new snapshot
    "stable_function": ("CREATE OR REPLACE FUNCTION rc_w(int) RETURNS int LANGUAGE sql STABLE AS "
                        "$$ SELECT w FROM rc_u WHERE k = $1 $$", [(1, 11), (2, 20)]),
    "volatile_function": ("CREATE OR REPLACE FUNCTION rc_w(int) RETURNS int LANGUAGE plpgsql VOLATILE AS "
                          "$$ BEGIN RETURN (SELECT w FROM rc_u WHERE k = $1); END $$", [(1, 100), (2, 20)]),
}


@pytest.mark.parametrize("case", sorted(JOINED))
def test_a_recheck_keeps_the_rows_the_first_attempt_joined(targets, case):
    writer, statement, result, final = JOINED[case]
    compare(targets, joined, {"waits": True, "a_commit": "COMMIT", "result": result, "final": final},
            writer=writer, statement=statement)


@pytest.mark.parametrize("case", sorted(FUNCTIONS))
def test_a_function_called_in_a_recheck_reads_by_its_volatility(targets, case):
    function, final = FUNCTIONS[case]
    compare(targets, joined, {"waits": True, "a_commit": "COMMIT", "result": "UPDATE 2", "final": final},
            writer=[HOLD, "UPDATE rc_u SET w = 99 WHERE k = 1"], statement="UPDATE rc_t SET v = v + rc_w(id)",
            setup=[function])


KEY_MOVED = {
    # to a row of the first snapshot that it did not join
    "to_a_row_not_joined": (["INSERT INTO rc_u VALUES (3, 30)"], ["UPDATE rc_t SET id = 3 WHERE id = 1"],
                            "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k",
                            "UPDATE 1", [(2, 20), (3, 0)]),
    # to the row another target row joined
    "to_another_targets_row": (["UPDATE rc_t SET v = id"], ["UPDATE rc_t SET v = 2 WHERE id = 1"],
                               "UPDATE rc_t SET v = rc_t.v * 100 + u.w FROM rc_u u WHERE u.k = rc_t.v",
                               "UPDATE 1", [(1, 2), (2, 220)]),
    "delete_using": (["UPDATE rc_t SET v = id"], ["UPDATE rc_t SET v = 2 WHERE id = 1"],
                     "DELETE FROM rc_t USING rc_u u WHERE u.k = rc_t.v", "DELETE 1", [(1, 2)]),
    # its newest version still joins the row it joined
    "still_joined": (["UPDATE rc_t SET v = id"], ["UPDATE rc_t SET id = 5 WHERE id = 1"],
                     "UPDATE rc_t SET v = rc_t.v * 100 + u.w FROM rc_u u WHERE u.k = rc_t.v",
                     "UPDATE 2", [(2, 220), (5, 110)]),
}


@pytest.mark.parametrize("case", sorted(KEY_MOVED))
def test_a_target_row_whose_join_key_moved_is_not_joined_anew(targets, case):
    setup, writer, statement, result, final = KEY_MOVED[case]
    compare(targets, joined, {"waits": True, "a_commit": "COMMIT", "result": result, "final": final},
            writer=writer, setup=setup, statement=statement)


# -- an UPDATE or DELETE in a function re-checks by itself, as each statement in PostgreSQL does: the
# calling statement goes on, and the function's earlier statements are not run again

IN_FUNCTIONS = ["UPDATE rc_t SET v = 1", "DROP TABLE IF EXISTS rc_x", "DROP FUNCTION IF EXISTS rc_f()", "DROP TABLE IF EXISTS rc_log", "CREATE TABLE rc_log (n int)"]
FUNCTION_WRITER = ["UPDATE rc_t SET v = 2 WHERE id = 1", "INSERT INTO rc_t VALUES (3, 1)"]
PLPGSQL = ("CREATE OR REPLACE FUNCTION rc_f() RETURNS int LANGUAGE plpgsql AS $$ DECLARE n int; BEGIN "
           "INSERT INTO rc_log SELECT count(*) FROM rc_t WHERE v >= 1; {} "
           "GET DIAGNOSTICS n = ROW_COUNT; RETURN n; END $$")
IN_FUNCTION = {
    "plpgsql_update": ([PLPGSQL.format("UPDATE rc_t SET v = v * 10 WHERE v >= 1;")], FUNCTION_WRITER,
                       "SELECT rc_f()", [(2,)], [(1, 20), (2, 10), (3, 1)], [(2,)]),
    "plpgsql_delete": ([PLPGSQL.format("DELETE FROM rc_t WHERE v >= 1;")], FUNCTION_WRITER,
                       "SELECT rc_f()", [(2,)], [(3, 1)], [(2,)]),
    # called by an UPDATE, which writes once
    "plpgsql_update_called_by_update": ([PLPGSQL.format("UPDATE rc_t SET v = v * 10 WHERE v >= 1;")], FUNCTION_WRITER,
                                        "UPDATE rc_u SET w = rc_f() WHERE k = 1", "UPDATE 1",
                                        [(1, 20), (2, 10), (3, 1)], [(2,)]),
    # its join's other rows as the statement's first attempt read them
    "plpgsql_update_from": ([PLPGSQL.format("UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k;")],
                            ["UPDATE rc_t SET v = 2 WHERE id = 1", "UPDATE rc_u SET w = 99 WHERE k = 1"],
                            "SELECT rc_f()", [(2,)], [(1, 12), (2, 21)], [(2,)]),
    "sql_update": (["CREATE OR REPLACE FUNCTION rc_f() RETURNS SETOF int LANGUAGE sql AS "
                    "$$ UPDATE rc_t SET v = v * 10 WHERE v >= 1 RETURNING v $$"], FUNCTION_WRITER,
                   "SELECT count(*) FROM rc_f()", [(2,)], [(1, 20), (2, 10), (3, 1)], []),
    # an uncorrelated subquery's value is the first attempt's: its function writes once
    "writing_initplan": (["CREATE OR REPLACE FUNCTION rc_f() RETURNS int LANGUAGE plpgsql AS "
                          "$$ BEGIN INSERT INTO rc_log VALUES (7); RETURN 1; END $$"], ["UPDATE rc_t SET v = 2 WHERE id = 1"],
                         "UPDATE rc_t SET v = v + 10 WHERE id = (SELECT rc_f())", "UPDATE 1", [(1, 12), (2, 1)], [(7,)]),
    # a procedure's (which may COMMIT), and a DO block's
    "procedure_update": (["CREATE OR REPLACE PROCEDURE rc_p() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO rc_log VALUES (-1); "
                          "COMMIT; UPDATE rc_t SET v = v * 10 WHERE v >= 1; "
                          "INSERT INTO rc_log SELECT count(*) FROM rc_t WHERE v >= 10; END $$"], FUNCTION_WRITER,
                         "CALL rc_p()", "CALL", [(1, 20), (2, 10), (3, 1)], [(-1,), (2,)]),
    "do_update": ([], FUNCTION_WRITER, "DO $$ BEGIN UPDATE rc_t SET v = v * 10 WHERE v >= 1; END $$", "DO",
                  [(1, 20), (2, 10), (3, 1)], []),
    # a trigger's: the statement that fired it writes once
    "trigger_update": (["DROP TABLE IF EXISTS rc_x", "CREATE TABLE rc_x (k int)", "INSERT INTO rc_x VALUES (0)",
                        "CREATE OR REPLACE FUNCTION rc_f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "INSERT INTO rc_log VALUES (NEW.k); UPDATE rc_t SET v = v * 10 WHERE v >= 1; RETURN NEW; END $$",
                        "CREATE TRIGGER rc_x_after AFTER UPDATE ON rc_x FOR EACH ROW EXECUTE FUNCTION rc_f()"],
                       FUNCTION_WRITER, "UPDATE rc_x SET k = k + 1", "UPDATE 1", [(1, 20), (2, 10), (3, 1)], [(1,)]),
}


@pytest.mark.parametrize("case", sorted(IN_FUNCTION))
def test_a_statement_in_a_function_rechecks_by_itself(targets, case):
    setup, writer, statement, result, final, logged = IN_FUNCTION[case]
    compare(targets, joined, {"waits": True, "a_commit": "COMMIT", "result": result, "final": final, "also": logged},
            writer=writer, statement=statement, setup=[*IN_FUNCTIONS, *setup], also="SELECT * FROM rc_log")


def chained(target) -> dict:
    """The statement waits for a's row, then for c's: its last attempt still reads rc_u as its
    first did, not as the second (after d's commit) would."""
    make_table(target, "rc_t", rows="(1, 0), (2, 0)")
    a, b, c, d, obs = sessions(target, 5)
    for sql in JOINED_TABLES:
        obs.q(sql)
    a.q("BEGIN"), a.q("UPDATE rc_t SET v = 1 WHERE id = 1")
    c.q("BEGIN"), c.q("UPDATE rc_t SET v = 2 WHERE id = 2")
    c_xid = c.q("SELECT txid_current()")[0][0]
    bg = Background(b, "UPDATE rc_t SET v = rc_t.v + u.w FROM rc_u u WHERE rc_t.id = u.k")
    out = {"waits": wait_until_waiting(obs, bg), "d": d.q("UPDATE rc_u SET w = 77 WHERE k = 2")}
    out["a_commit"] = a.q("COMMIT")
    waits_for_xid(obs, b.pid, c_xid)
    out["c_commit"] = c.q("COMMIT")
    out["result"], out["final"] = bg.join(), table_rows(target, "rc_t")
    for s in (a, b, c, d, obs):
        s.close()
    return out


def test_a_chain_of_waits_reads_the_joined_rows_as_the_first_attempt(targets):
    compare(targets, chained, {"waits": True, "d": "UPDATE 1", "a_commit": "COMMIT", "c_commit": "COMMIT",
                               "result": "UPDATE 2", "final": [(1, 11), (2, 22)]})
