"""The interleaving harness of the concurrency tests: sessions, statements that must wait on a
thread, and `compare`, which runs a scenario on PostgreSQL 15 and then on QuantaDB.

A statement that must wait runs on a thread (`Background`); the script waits until the server
shows it executing (pg_stat_activity: state 'active'; on PostgreSQL also wait_event_type 'Lock'),
checks it has not returned, sets an event, and only then lets the other session end: the waiting
statement records whether that event was set when it returned. No timing is asserted; threads are
joined with a generous bound so a hang fails instead of blocking the run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg

HANG_S = 30.0  # bound for anything that must end; never asserted as a duration


class Sess:
    def __init__(self, target) -> None:
        self.target = target
        self.conn = psycopg.connect(target.dsn, autocommit=True, connect_timeout=10)
        self.pid = self.conn.info.backend_pid
        self.q("SET lock_timeout = '30s'")  # a lost wake-up fails instead of hanging

    def q(self, sql: str, params: tuple | None = None):
        """Rows for a query, the command tag otherwise, ("ERR", SQLSTATE) for an SQL error."""
        try:
            cur = self.conn.execute(sql, params)
        except psycopg.OperationalError as exc:
            if exc.sqlstate is None:
                raise
            return ("ERR", exc.sqlstate)
        except psycopg.Error as exc:
            return ("ERR", exc.sqlstate)
        if cur.description is not None:
            return cur.fetchall()
        return cur.statusmessage

    def close(self) -> None:
        self.conn.close()


class Background:
    """Run one statement on a thread; remember which `markers` were set when it returned."""

    def __init__(self, sess: Sess, sql: str, params: tuple | None = None, markers: dict | None = None) -> None:
        self.sess, self.sql, self.params = sess, sql, params
        self.markers = markers or {}
        self.result = None
        self.seen: dict[str, bool] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self.sess.q(self.sql, self.params)
        except BaseException as exc:  # noqa: BLE001 - reported through the outcome
            self.result = ("EXC", repr(exc))
        self.seen = {name: ev.is_set() for name, ev in self.markers.items()}
        self.done.set()

    def join(self):
        self.thread.join(HANG_S)
        assert not self.thread.is_alive(), f"statement never returned: {self.sql}"
        return self.result


def wait_until_waiting(observer: Sess, bg: Background) -> bool:
    """True once `bg`'s statement is executing on the server and has not returned (it waits)."""
    return wait_until_pid_waits(observer, bg.sess.pid, bg.done.is_set, bg.sql)


def wait_until_pid_waits(observer: Sess, pid: int, done: Callable[[], bool], what: str) -> bool:
    """True once backend `pid` executes a statement that waits, False if `done()` first."""
    deadline = time.monotonic() + HANG_S
    lock_wait_visible = observer.target.name == "postgres"
    while time.monotonic() < deadline:
        if done():
            return False
        rows = observer.q("SELECT state, wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,))
        if rows and rows[0][0] == "active" and (not lock_wait_visible or rows[0][1] == "Lock"):
            return not done()
        time.sleep(0.01)
    raise AssertionError(f"statement never started waiting: {what}")


def waits_for_xid(observer, pid: int, xid: int) -> None:
    """Until backend `pid` waits for transaction `xid`'s end (pg_locks)."""
    deadline = time.monotonic() + HANG_S
    while not observer.q("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted AND transactionid::text = %s",
                         (pid, str(xid))):
        assert time.monotonic() < deadline, f"backend {pid} never waited for {xid}"
        time.sleep(0.01)


def sessions(target, n: int) -> list[Sess]:
    return [Sess(target) for _ in range(n)]


def make_table(target, name: str, rows: str = "(1, 0), (2, 0)") -> None:
    s = Sess(target)
    s.q(f"DROP TABLE IF EXISTS {name}")
    assert s.q(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)") == "CREATE TABLE"
    if rows:
        s.q(f"INSERT INTO {name} VALUES {rows}")
    s.close()


def table_rows(target, name: str) -> list[tuple]:
    s = Sess(target)
    rows = s.q(f"SELECT * FROM {name} ORDER BY 1")
    s.close()
    return rows


def compare(targets, scenario, expected: dict | None = None, **kw) -> dict:
    """Run `scenario` on PostgreSQL (checked against `expected`), then on QuantaDB (== PostgreSQL)."""
    pg, qdb = targets
    want = scenario(pg, **kw)
    if expected is not None:
        assert want == expected, f"the script does not do what it says on PostgreSQL: {want}"
    got = scenario(qdb, **kw)
    assert got == want, f"QuantaDB {got} != PostgreSQL {want}"
    return got
