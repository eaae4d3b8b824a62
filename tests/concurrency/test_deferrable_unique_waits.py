"""A DEFERRABLE unique key that a concurrent transaction also wrote, not yet committed: the check
(at the statement's end, or at COMMIT while deferred) waits for that transaction and fails only if
it committed, as in PostgreSQL 15; and COPY's rows are checked as an INSERT's."""

from __future__ import annotations

import threading

import pytest

from interleave import Background, Sess, compare, sessions, table_rows, wait_until_waiting


def _table(target, name: str, deferred: bool) -> None:
    s = Sess(target)
    s.q(f"DROP TABLE IF EXISTS {name} CASCADE")
    s.q(f"CREATE TABLE {name} (k int, CONSTRAINT {name}_k UNIQUE (k) DEFERRABLE"
        f"{' INITIALLY DEFERRED' if deferred else ''})")
    s.q(f"CREATE OR REPLACE FUNCTION {name}_ins(k int) RETURNS int LANGUAGE plpgsql AS "
        f"$$ BEGIN INSERT INTO {name} VALUES (k); RETURN k; END $$")
    s.close()


def concurrent_key(target, deferred: bool, other_ends: str, by_function: bool) -> dict:
    name = "dw_d" if deferred else "dw_i"
    _table(target, name, deferred)
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    a.q(f"INSERT INTO {name} VALUES (1)")
    b.q("BEGIN")
    ended = threading.Event()
    insert = f"SELECT {name}_ins(1)" if by_function else f"INSERT INTO {name} VALUES (1)"
    if deferred:  # the INSERT does not wait: the COMMIT's check does
        out["b_insert"] = b.q(insert)
        bg = Background(b, "COMMIT", markers={"a_ended": ended})
    else:  # (a function's statement checks at its own end)
        bg = Background(b, insert, markers={"a_ended": ended})
    out["b_waits"] = wait_until_waiting(obs, bg)
    ended.set()
    out["a_end"] = a.q(other_ends)
    out["b_result"] = bg.join()
    out["b_after_a"] = bg.seen["a_ended"]
    if not deferred:
        out["b_commit"] = b.q("COMMIT")
    out["final"] = table_rows(target, name)
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("deferred", [False, True])
@pytest.mark.parametrize("other_ends", ["COMMIT", "ROLLBACK"])
@pytest.mark.parametrize("by_function", [False, True])
def test_a_check_waits_for_a_concurrent_writer_of_the_key(targets, deferred, other_ends, by_function):
    committed = other_ends == "COMMIT"
    inserted = [(1,)] if by_function else "INSERT 0 1"
    expected = {"b_waits": True, "a_end": other_ends, "b_after_a": True, "final": [(1,)],
                "b_result": ("ERR", "23505") if committed else ("COMMIT" if deferred else inserted)}
    if deferred:
        expected["b_insert"] = inserted
    else:
        expected["b_commit"] = "ROLLBACK" if committed else "COMMIT"
    compare(targets, concurrent_key, expected, deferred=deferred, other_ends=other_ends, by_function=by_function)


def copied_keys(target) -> dict:
    _table(target, "dw_copy", deferred=False)
    s = Sess(target)
    out = {}
    for rows in ("1\n2\n", "3\n3\n"):
        try:
            with s.conn.cursor().copy("COPY dw_copy FROM STDIN") as copy:
                copy.write(rows)
            out[rows] = "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is the SQLSTATE
            out[rows] = getattr(exc, "sqlstate", repr(exc))
    out["final"] = table_rows(target, "dw_copy")
    s.close()
    return out


def test_copy_rows_are_checked(targets):
    compare(targets, copied_keys, {"1\n2\n": "ok", "3\n3\n": "23505", "final": [(1,), (2,)]})
