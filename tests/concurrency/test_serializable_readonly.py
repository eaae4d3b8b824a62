"""Read-only SERIALIZABLE transactions, and the summary of old committed ones, checked against
PostgreSQL 15: DEFERRABLE ones wait at their first snapshot until it is known safe (taking a new
one when it is not), under statement_timeout and cancel but not lock_timeout; a READ ONLY one lets
go of its SIREAD locks once every read-write transaction beside it has ended harmlessly; pg_dump
--serializable-deferrable waits for one; a write skew with a transaction summarized long ago fails.
"""

from __future__ import annotations

import subprocess
import threading
import time

import psycopg

from interleave import HANG_S, Background, Sess, compare

SER = "BEGIN ISOLATION LEVEL SERIALIZABLE"
DEFERRABLE = "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE"


def setup(target, *statements: str) -> None:
    s = Sess(target)
    for sql in statements:
        assert not isinstance(s.q(sql), tuple), sql
    s.close()


def wait_for_safe_snapshot(observer: Sess, bg: Background) -> bool:
    """True once bg's statement waits for a safe snapshot (pg_stat_activity's IPC/SafeSnapshot),
    False if it returns first."""
    deadline = time.monotonic() + HANG_S
    while not bg.done.is_set():
        assert time.monotonic() < deadline, f"never waited: {bg.sql}"
        if observer.q("SELECT wait_event FROM pg_stat_activity WHERE pid = %s", (bg.sess.pid,)) == [("SafeSnapshot",)]:
            return not bg.done.is_set()
        time.sleep(0.01)
    return False


def error(sess: Sess, sql: str):
    try:
        sess.conn.execute(sql)
    except psycopg.Error as exc:
        return exc.sqlstate, exc.diag.message_primary
    return None


def test_a_deferrable_transaction_waits_for_the_writer_beside_it_then_reads_its_first_snapshot(targets):
    """The writer commits with no rw-conflict out: the snapshot b took before that commit is
    safe, and b reads on it (without the writer's update) and commits."""
    def scenario(target):
        setup(target, "DROP TABLE IF EXISTS d_wait", "CREATE TABLE d_wait (id int PRIMARY KEY, v int)",
              "INSERT INTO d_wait VALUES (1, 0), (2, 0)")
        a, b, z = Sess(target), Sess(target), Sess(target)
        committed = threading.Event()
        a.q(SER)
        a.q("UPDATE d_wait SET v = 1 WHERE id = 1")
        b.q(DEFERRABLE)
        bg = Background(b, "SELECT * FROM d_wait ORDER BY 1", markers={"committed": committed})
        out = {"waited": wait_for_safe_snapshot(z, bg)}
        committed.set()
        out["a_commit"] = a.q("COMMIT")
        out["read"] = bg.join()
        out["returned_after_commit"] = bg.seen["committed"]
        out["b_commit"] = b.q("COMMIT")
        for sess in (a, b, z):
            sess.close()
        return out
    compare(targets, scenario, {"waited": True, "a_commit": "COMMIT", "read": [(1, 0), (2, 0)],
                                "returned_after_commit": True, "b_commit": "COMMIT"})


def test_a_deferrable_transaction_takes_a_new_snapshot_when_its_first_turns_out_unsafe(targets):
    """The read-only anomaly's setting: the writer read the batch number that another transaction
    then moved on and committed, before b's snapshot. When the writer commits its receipt (a
    conflict out to that earlier commit) b's first snapshot, which shows the new batch without the
    receipt, is unsafe: b reads on a new one, which has both."""
    def scenario(target):
        setup(target, "DROP TABLE IF EXISTS d_ctl", "CREATE TABLE d_ctl (id int PRIMARY KEY, v int)",
              "INSERT INTO d_ctl VALUES (1, 1)", "DROP TABLE IF EXISTS d_rcpt",
              "CREATE TABLE d_rcpt (id int PRIMARY KEY, batch int)")
        a, c = Sess(target), Sess(target)
        a.q(SER)
        a.q("SELECT v FROM d_ctl WHERE id = 1")
        c.q(SER)
        c.q("UPDATE d_ctl SET v = 2 WHERE id = 1")
        assert c.q("COMMIT") == "COMMIT"
        b, z = Sess(target), Sess(target)
        committed = threading.Event()
        a.q("INSERT INTO d_rcpt VALUES (1, 1)")
        b.q(DEFERRABLE)
        bg = Background(b, "SELECT (SELECT v FROM d_ctl WHERE id = 1), (SELECT count(*) FROM d_rcpt)",
                        markers={"committed": committed})
        out = {"waited": wait_for_safe_snapshot(z, bg)}
        committed.set()
        out["a_commit"] = a.q("COMMIT")
        out["read"] = bg.join()
        out["b_commit"] = b.q("COMMIT")
        for sess in (a, b, c, z):
            sess.close()
        return out
    compare(targets, scenario, {"waited": True, "a_commit": "COMMIT", "read": [(2, 1)], "b_commit": "COMMIT"})


def test_a_safe_snapshot_wait_ends_with_statement_timeout_or_a_cancel_not_lock_timeout(targets):
    def scenario(target):
        setup(target, "DROP TABLE IF EXISTS d_cancel", "CREATE TABLE d_cancel (id int PRIMARY KEY, v int)",
              "INSERT INTO d_cancel VALUES (1, 0)")
        a, b, z = Sess(target), Sess(target), Sess(target)
        a.q(SER)
        a.q("UPDATE d_cancel SET v = 1 WHERE id = 1")
        b.q(DEFERRABLE)
        b.q("SET lock_timeout = '50ms'")
        b.q("SET statement_timeout = '300ms'")
        out = {"timeout": error(b, "SELECT v FROM d_cancel")}
        b.q("ROLLBACK")
        b.q("SET statement_timeout = 0")
        b.q(DEFERRABLE)
        bg = Background(b, "SELECT v FROM d_cancel")
        assert wait_for_safe_snapshot(z, bg)
        z.q("SELECT pg_cancel_backend(%s)", (b.pid,))
        out["canceled"] = bg.join()
        out["after"] = b.q("SELECT 1")
        b.q("ROLLBACK")
        out["a_commit"] = a.q("COMMIT")
        for sess in (a, b, z):
            sess.close()
        return out
    compare(targets, scenario, {"timeout": ("57014", "canceling statement due to statement timeout"),
                                "canceled": ("ERR", "57014"), "after": ("ERR", "25P02"), "a_commit": "COMMIT"})


def test_a_read_only_transaction_lets_go_of_its_siread_locks_once_safe(targets):
    """b (READ ONLY) reads beside a read-write a; a commits without a conflict out: b can no
    longer be part of an anomaly, and at its next read its SIREAD locks are gone."""
    def scenario(target):
        setup(target, "DROP TABLE IF EXISTS d_safe", "CREATE TABLE d_safe (id int PRIMARY KEY, v int)",
              "INSERT INTO d_safe VALUES (1, 0), (2, 0)")
        a, b, z = Sess(target), Sess(target), Sess(target)
        locks = "SELECT count(*) FROM pg_locks WHERE mode = 'SIReadLock' AND pid = %s"
        a.q(SER)
        a.q("UPDATE d_safe SET v = 1 WHERE id = 1")
        b.q("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY")
        out = {"read": b.q("SELECT v FROM d_safe WHERE id = 2")}
        out["held"] = z.q(locks, (b.pid,))[0][0] > 0
        out["a_commit"] = a.q("COMMIT")
        out["read_again"] = b.q("SELECT v FROM d_safe ORDER BY id")
        out["held_after"] = z.q(locks, (b.pid,))
        out["b_commit"] = b.q("COMMIT")
        for sess in (a, b, z):
            sess.close()
        return out
    compare(targets, scenario, {"read": [(0,)], "held": True, "a_commit": "COMMIT", "read_again": [(0,), (0,)],
                                "held_after": [(0,)], "b_commit": "COMMIT"})


def test_pg_dump_serializable_deferrable_waits_for_a_safe_snapshot(quantadb, tmp_path):
    """pg_dump --serializable-deferrable beside an open read-write serializable transaction waits
    (SafeSnapshot) until it commits, then dumps the rows as they were before that commit."""
    setup(quantadb, "DROP TABLE IF EXISTS d_dump", "CREATE TABLE d_dump (id int PRIMARY KEY, v text)",
          "INSERT INTO d_dump VALUES (1, 'before')")
    a, z = Sess(quantadb), Sess(quantadb)
    a.q(SER)
    a.q("UPDATE d_dump SET v = 'after' WHERE id = 1")
    out = tmp_path / "dump.sql"
    dump = subprocess.Popen(["pg_dump", "--serializable-deferrable", "-t", "d_dump", "-f", str(out),
                             "-d", quantadb.dsn + " application_name=d_dump"], stderr=subprocess.PIPE, text=True)
    try:
        sql = "SELECT wait_event FROM pg_stat_activity WHERE application_name = 'd_dump'"
        deadline = time.monotonic() + HANG_S
        while dump.poll() is None and z.q(sql) != [("SafeSnapshot",)]:
            assert time.monotonic() < deadline, "pg_dump never waited"
            time.sleep(0.01)
        assert dump.poll() is None, dump.stderr.read()
        assert a.q("COMMIT") == "COMMIT"
        assert dump.wait(HANG_S) == 0, dump.stderr.read()
    finally:
        if dump.poll() is None:
            dump.kill()
            dump.wait()
    text = out.read_text()
    assert "1\tbefore" in text and "after" not in text
    for sess in (a, z):
        sess.close()


def test_deferrable_as_a_setting_and_whom_its_wait_is_blocked_by(targets):
    """transaction_deferrable shows it (BEGIN's, SET TRANSACTION's, default_transaction_deferrable's);
    it is set before the first query only, and a snapshot-importing transaction cannot be it; a
    waiting one is blocked by no lock (pg_blocking_pids) but by the writers beside it
    (pg_safe_snapshot_blocking_pids)."""
    def scenario(target):
        setup(target, "DROP TABLE IF EXISTS d_set", "CREATE TABLE d_set (id int PRIMARY KEY, v int)",
              "INSERT INTO d_set VALUES (1, 0)")
        a, b, z = Sess(target), Sess(target), Sess(target)
        out = {}
        b.q(DEFERRABLE)
        out["begin"] = b.q("SHOW transaction_deferrable")
        b.q("SELECT 1")
        out["late"] = error(b, "SET TRANSACTION NOT DEFERRABLE")
        b.q("ROLLBACK")
        b.q("BEGIN")
        b.q("SELECT 1")
        out["late_isolation"] = error(b, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        b.q("ROLLBACK")
        b.q("BEGIN")
        b.q("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE")
        out["set"] = b.q("SHOW transaction_deferrable")
        b.q("ROLLBACK")
        out["after"] = b.q("SHOW transaction_deferrable")
        b.q("SET default_transaction_deferrable = on")
        b.q("BEGIN")
        out["default"] = b.q("SHOW transaction_deferrable")
        b.q("ROLLBACK")
        b.q("SET default_transaction_deferrable = off")
        a.q("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY")
        exported = a.q("SELECT pg_export_snapshot()")[0][0]
        b.q(DEFERRABLE)
        out["import"] = error(b, f"SET TRANSACTION SNAPSHOT '{exported}'")
        b.q("ROLLBACK")
        a.q("COMMIT")
        a.q(SER)
        a.q("UPDATE d_set SET v = 1 WHERE id = 1")
        b.q(DEFERRABLE)
        bg = Background(b, "SELECT v FROM d_set")
        assert wait_for_safe_snapshot(z, bg)
        out["blocking"] = z.q("SELECT pg_blocking_pids(%s)", (b.pid,))
        out["safe_blocking"] = z.q("SELECT pg_safe_snapshot_blocking_pids(%s) = ARRAY[%s]::int[]", (b.pid, a.pid))
        a.q("COMMIT")
        out["read"] = bg.join()
        b.q("COMMIT")
        for sess in (a, b, z):
            sess.close()
        return out
    compare(targets, scenario, {
        "begin": [("on",)], "late": ("25001", "SET TRANSACTION [NOT] DEFERRABLE must be called before any query"),
        "late_isolation": ("25001", "SET TRANSACTION ISOLATION LEVEL must be called before any query"),
        "set": [("on",)], "after": [("off",)], "default": [("on",)],
        "import": ("0A000", "a snapshot-importing transaction must not be READ ONLY DEFERRABLE"),
        "blocking": [([],)], "safe_blocking": [(True,)], "read": [(0,)]})


def test_a_write_skew_with_a_transaction_committed_many_commits_ago_still_fails(targets):
    """l reads the table and stays open; w reads row 1 and inserts (l -rw-> w), commits; then 250
    serializable commits beside l (QuantaDB summarizes w's locks past 200 kept); l's update of
    row 1 (w -rw-> l) closes the cycle and fails as on PostgreSQL."""
    def scenario(target):
        setup(target, "DROP TABLE IF EXISTS d_sum", "CREATE TABLE d_sum (id int PRIMARY KEY, v int)",
              "INSERT INTO d_sum VALUES (1, 0), (2, 0)")
        long_, w = Sess(target), Sess(target)
        long_.q(SER)
        out = {"scan": long_.q("SELECT count(*) FROM d_sum")}
        w.q(SER)
        w.q("SELECT v FROM d_sum WHERE id = 1")
        w.q("INSERT INTO d_sum VALUES (3, 0)")
        out["w_commit"] = w.q("COMMIT")
        for i in range(250):
            assert not isinstance(w.q(f"{SER}; INSERT INTO d_sum VALUES ({100 + i}, 0); COMMIT"), tuple)
        try:
            long_.conn.execute("UPDATE d_sum SET v = 1 WHERE id = 1")
            out["update"] = "UPDATE"
        except psycopg.Error as exc:
            out["update"] = (exc.sqlstate, exc.diag.message_detail)
        long_.q("ROLLBACK")
        for sess in (long_, w):
            sess.close()
        return out
    pivot = ("40001", "Reason code: Canceled on identification as a pivot, during write.")
    compare(targets, scenario, {"scan": [(2,)], "w_commit": "COMMIT", "update": pivot})
