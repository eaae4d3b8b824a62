"""Statements that wait inside COPY FROM's or an INSERT's triggers and inside EXECUTE's arguments:
as in PostgreSQL 15 the statement that waits does so where it stands, so COPY writes each row once
and every trigger's or function's side effect (a row it inserts, nextval(), RAISE NOTICE) happens
once. And EXECUTE's prepared statement that waits re-checks the rows it found, as any UPDATE, its
arguments evaluated once."""

from __future__ import annotations

import threading

import psycopg
import pytest

from interleave import HANG_S, Background, compare, make_table, sessions, table_rows, wait_until_pid_waits, waits_for_xid

SETUP = ["DROP TABLE IF EXISTS cw_dest", "CREATE TABLE cw_dest (k int)",
         "DROP TABLE IF EXISTS cw_log", "CREATE TABLE cw_log (n bigint)",
         "DROP SEQUENCE IF EXISTS cw_seq", "CREATE SEQUENCE cw_seq"]
# a side effect of each kind, then an UPDATE of the row the other transaction holds
BODY = ("INSERT INTO cw_log VALUES (nextval('cw_seq')); RAISE NOTICE 'cw %', {arg}; "
        "UPDATE cw_t SET v = v + 1 WHERE id = 1;")
TRIGGER = ("CREATE OR REPLACE FUNCTION cw_trig() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           + BODY.format(arg="NEW.k") + " RETURN NEW; END $$")
FUNCTION = ("CREATE OR REPLACE FUNCTION cw_f(k int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
            + BODY.format(arg="k") + " RETURN k; END $$")


class CopyIn:
    """COPY `sql` FROM STDIN of `rows` on a thread (as Background runs a statement)."""

    def __init__(self, sess, sql: str, rows: list[tuple]) -> None:
        self.sess, self.sql, self.rows = sess, sql, rows
        self.result = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.sess.conn.cursor() as cur:
                with cur.copy(self.sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
                self.result = cur.statusmessage
        except BaseException as exc:  # noqa: BLE001 - reported through the outcome
            self.result = ("EXC", getattr(exc, "sqlstate", None) or repr(exc))
        self.done.set()

    def join(self):
        self.thread.join(HANG_S)
        assert not self.thread.is_alive(), f"statement never returned: {self.sql}"
        return self.result


def waiting_side_effects(target, setup: list[str], statement) -> dict:
    """cw_t's row 1 is held by a; `statement(b)` (started on a thread) fires cw_trig or calls cw_f,
    which waits for it. What it did once a committed: its result, cw_t, the rows COPY wrote, the
    log, the sequence and b's notices."""
    make_table(target, "cw_t")
    a, b, obs = sessions(target, 3)
    for sql in [*SETUP, *setup]:
        assert obs.q(sql)[0] != "ERR", sql
    notices: list[str] = []
    b.conn.add_notice_handler(lambda d: notices.append(d.message_primary))
    a.q("BEGIN")
    a.q("UPDATE cw_t SET v = 10 WHERE id = 1")
    a_xid = a.q("SELECT txid_current()")[0][0]
    bg = statement(b)
    out = {"waits": wait_until_pid_waits(obs, b.pid, bg.done.is_set, "the statement")}
    waits_for_xid(obs, b.pid, a_xid)
    out["a_commit"] = a.q("COMMIT")
    out["result"] = bg.join()
    out["notices"] = sorted(notices)
    if b.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:  # (a block: its writes to see)
        out["b_commit"] = b.q("COMMIT")
    out["cw_t"] = table_rows(target, "cw_t")
    out["dest"] = obs.q("SELECT k, count(*) FROM cw_dest GROUP BY k ORDER BY k")
    out["log"] = obs.q("SELECT n FROM cw_log ORDER BY n")
    out["seq"] = obs.q("SELECT last_value FROM cw_seq")
    a.close(), b.close(), obs.close()
    return out


ONCE = {"waits": True, "a_commit": "COMMIT", "cw_t": [(1, 13), (2, 0)], "dest": [(1, 1), (2, 1), (3, 1)],
        "log": [(1,), (2,), (3,)], "seq": [(3,)], "notices": ["cw 1", "cw 2", "cw 3"]}


@pytest.mark.parametrize("timing", ["BEFORE", "AFTER"])
def test_copy_whose_trigger_waits_writes_each_row_once(targets, timing):
    setup = [TRIGGER, f"CREATE TRIGGER cw_dest_trig {timing} INSERT ON cw_dest FOR EACH ROW EXECUTE FUNCTION cw_trig()"]
    compare(targets, waiting_side_effects, {**ONCE, "result": "COPY 3"}, setup=setup,
            statement=lambda b: CopyIn(b, "COPY cw_dest FROM STDIN", [(1,), (2,), (3,)]))


@pytest.mark.parametrize("statement", ["INSERT INTO cw_dest VALUES (1), (2), (3)",
                                       "INSERT INTO cw_dest SELECT * FROM generate_series(1, 3)"])
def test_an_insert_whose_trigger_waits_fires_it_once_a_row(targets, statement):
    """Not attempted on the event loop first, whose attempt would run again on a worker thread."""
    setup = [TRIGGER, "CREATE TRIGGER cw_dest_trig AFTER INSERT ON cw_dest FOR EACH ROW EXECUTE FUNCTION cw_trig()"]
    compare(targets, waiting_side_effects, {**ONCE, "result": "INSERT 0 3"}, setup=setup,
            statement=lambda b: Background(b, statement))


def test_copy_in_a_transaction_block_whose_trigger_waits_writes_each_row_once(targets):
    """In a block, after a row the block wrote before: a retried attempt would find it too."""
    setup = [TRIGGER, "CREATE TRIGGER cw_dest_trig AFTER INSERT ON cw_dest FOR EACH ROW EXECUTE FUNCTION cw_trig()"]

    def statement(b):
        b.q("BEGIN")
        b.q("INSERT INTO cw_log VALUES (0)")
        return CopyIn(b, "COPY cw_dest FROM STDIN", [(1,), (2,), (3,)])

    compare(targets, waiting_side_effects, {**ONCE, "result": "COPY 3", "b_commit": "COMMIT",
                                            "log": [(0,), (1,), (2,), (3,)]}, setup=setup, statement=statement)


@pytest.mark.parametrize("statement", ["INSERT INTO cw_dest VALUES ($1)", "SELECT $1"])
def test_execute_whose_argument_waits_calls_its_function_once(targets, statement):
    """EXECUTE's argument calls cw_f, whose UPDATE waits: cw_f runs once, as the statement does."""
    def run(b):
        assert b.q("DEALLOCATE ALL") == "DEALLOCATE ALL"
        assert b.q(f"PREPARE cw_p(int) AS {statement}") == "PREPARE"
        return Background(b, "EXECUTE cw_p(cw_f(1) + cw_f(2) + cw_f(3) - 5)")

    inserted = statement.startswith("INSERT")
    compare(targets, waiting_side_effects, {**ONCE, "result": "INSERT 0 1" if inserted else [(1,)],
                                            "dest": [(1, 1)] if inserted else []}, setup=[FUNCTION], statement=run)


def prepared_update(target, argument: str, statement: str = "UPDATE cw_t SET v = v * 10 + $1 WHERE v >= 1") -> dict:
    """EXECUTE of an UPDATE that waits for a's row: it re-checks the rows it found (the row a
    inserted meanwhile is left alone, as by any UPDATE), its argument evaluated once."""
    make_table(target, "cw_t", rows="(1, 1), (2, 1)")
    a, b, obs = sessions(target, 3)
    for sql in [*SETUP, FUNCTION]:
        assert obs.q(sql)[0] != "ERR", sql
    notices: list[str] = []
    b.conn.add_notice_handler(lambda d: notices.append(d.message_primary))
    b.q(f"PREPARE cw_p(int) AS {statement}")
    a.q("BEGIN"), a.q("UPDATE cw_t SET v = 2 WHERE id = 1"), a.q("INSERT INTO cw_t VALUES (3, 1)")
    a_xid = a.q("SELECT txid_current()")[0][0]
    bg = Background(b, f"EXECUTE cw_p({argument})")
    out = {"waits": wait_until_pid_waits(obs, b.pid, bg.done.is_set, bg.sql)}
    waits_for_xid(obs, b.pid, a_xid)
    out["a_commit"] = a.q("COMMIT")
    out["result"], out["notices"] = bg.join(), notices
    out["cw_t"] = table_rows(target, "cw_t")
    out["log"], out["seq"] = obs.q("SELECT n FROM cw_log ORDER BY n"), obs.q("SELECT last_value FROM cw_seq")
    a.close(), b.close(), obs.close()
    return out


PREPARED = {"0": ("UPDATE 2", [(1, 20), (2, 10), (3, 1)], [], [(1,)], []),
            "nextval('cw_seq')::int - 1": ("UPDATE 2", [(1, 20), (2, 10), (3, 1)], [], [(1,)], []),
            # cw_f's UPDATE of row 1 waits, then adds 1 to its newest version; the statement's
            # snapshot, taken after its arguments, sees a's rows
            "cw_f(0) - 1": ("UPDATE 3", [(1, 29), (2, 9), (3, 9)], [(1,)], [(1,)], ["cw 0"])}


@pytest.mark.parametrize("argument", sorted(PREPARED))
def test_execute_of_an_update_that_waits_rechecks_and_evaluates_its_argument_once(targets, argument):
    result, final, log, seq, notices = PREPARED[argument]
    compare(targets, prepared_update, {"waits": True, "a_commit": "COMMIT", "result": result, "notices": notices,
                                       "cw_t": final, "log": log, "seq": seq}, argument=argument)


def test_execute_of_a_statement_that_writes_before_it_waits_writes_once(targets):
    """Its data-modifying WITH inserts, then its UPDATE waits: the insert is not made twice."""
    compare(targets, prepared_update, {"waits": True, "a_commit": "COMMIT", "result": "UPDATE 2", "notices": [],
                                       "cw_t": [(1, 20), (2, 10), (3, 1)], "log": [(7,)], "seq": [(1,)]},
            argument="7", statement="WITH x AS (INSERT INTO cw_log VALUES ($1)) UPDATE cw_t SET v = v * 10 WHERE v >= 1")
