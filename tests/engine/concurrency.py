"""Clients for the concurrency tests: connections that return what a statement gave (rows, tag
or error) instead of raising, and a statement run on a thread that must wait for another
transaction (conftest.py's `clients` fixture makes four)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import psycopg

HANG_S = 30.0  # bound for anything that must end; never asserted as a duration

# the usual "who blocks whom" query (PostgreSQL wiki, Lock Monitoring)
BLOCKED_BY = """
SELECT blocked.pid, blocking.pid FROM pg_catalog.pg_locks blocked
JOIN pg_catalog.pg_locks blocking ON blocking.locktype = blocked.locktype
    AND blocking.database IS NOT DISTINCT FROM blocked.database
    AND blocking.relation IS NOT DISTINCT FROM blocked.relation
    AND blocking.page IS NOT DISTINCT FROM blocked.page
    AND blocking.tuple IS NOT DISTINCT FROM blocked.tuple
    AND blocking.virtualxid IS NOT DISTINCT FROM blocked.virtualxid
    AND blocking.transactionid IS NOT DISTINCT FROM blocked.transactionid
    AND blocking.classid IS NOT DISTINCT FROM blocked.classid
    AND blocking.objid IS NOT DISTINCT FROM blocked.objid
    AND blocking.objsubid IS NOT DISTINCT FROM blocked.objsubid
    AND blocking.pid != blocked.pid
WHERE NOT blocked.granted AND blocking.granted"""


class Client:
    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.pid = self.conn.info.backend_pid
        self.detail: str | None = None  # the last error's DETAIL

    def q(self, sql: str, params: tuple | None = None, *, prepare: bool | None = None):
        """Rows for a query, the command tag otherwise, ("ERR", SQLSTATE, message) for an SQL
        error. With parameters the statement is prepared unless `prepare` says otherwise, as
        pgbench -M prepared sends it."""
        try:
            cur = self.conn.execute(sql, params, prepare=params is not None if prepare is None else prepare)
        except psycopg.Error as exc:
            self.detail = exc.diag.message_detail
            return ("ERR", exc.sqlstate, exc.diag.message_primary)
        return cur.fetchall() if cur.description is not None else cur.statusmessage


def new_table(c: Client) -> str:
    """A new table (id int PRIMARY KEY, v int) holding (1, 10) and (2, 20)."""
    name = f"tl_{uuid.uuid4().hex[:8]}"
    c.q(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)")
    c.q(f"INSERT INTO {name} VALUES (1, 10), (2, 20)")
    return name


def awaiting_relation_lock(observer: Client, pid: int) -> bool:
    """pg_locks shows the session's request not granted (a relation lock, or for a row lock the
    ShareLock on the holder's transaction ID)."""
    return observer.q("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (pid,)) == [(1,)]


def running(observer: Client, pid: int) -> bool:
    """The session is running its statement."""
    if observer.q("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)) != [("active",)]:
        return False
    time.sleep(0.05)  # on its way to the row lock
    return True


class Waiting:
    """One statement on a thread that must wait for another transaction: `waits` (observer, pid)
    tells when it does, and it must not have finished by then."""

    def __init__(self, client: Client, observer: Client, sql: str, params: tuple | None = None, *,
                 prepare: bool | None = None,
                 waits: Callable[[Client, int], bool] = awaiting_relation_lock) -> None:
        self.result = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(client, sql, params, prepare), daemon=True)
        self.thread.start()
        deadline = time.monotonic() + HANG_S
        while not waits(observer, client.pid):
            assert not self.done.is_set(), f"did not wait: {sql} -> {self.result}"
            assert time.monotonic() < deadline, f"never waited: {sql}"
            time.sleep(0.01)
        assert not self.done.is_set(), f"did not wait: {sql} -> {self.result}"

    def _run(self, client: Client, sql: str, params: tuple | None, prepare: bool | None) -> None:
        self.result = client.q(sql, params, prepare=prepare)
        self.done.set()

    def join(self):
        self.thread.join(HANG_S)
        assert not self.thread.is_alive(), "the waiting statement never returned"
        return self.result
