"""More sessions waiting for one row lock than there are CPUs (or than any small worker pool):
the lock holder must still be able to run statements that need a worker thread and commit, and
every waiter must then go on. A fixed pool of a few threads filled with waiters used to stall
them all until lock_timeout."""

from __future__ import annotations

import threading

import psycopg

WAITERS = 8


def test_holder_progresses_while_many_sessions_wait_for_its_row(server):
    with psycopg.connect(server.dsn, autocommit=True) as admin:
        admin.execute("drop table if exists many_waiters")
        admin.execute("create table many_waiters (id int primary key, n int)")
        admin.execute("insert into many_waiters values (1, 0)")
    holder = psycopg.connect(server.dsn, autocommit=True)
    holder.execute("begin")
    holder.execute("update many_waiters set n = n + 1 where id = 1")
    results: list[object] = []

    def wait_for_row() -> None:
        with psycopg.connect(server.dsn, autocommit=True) as c:
            c.execute("set lock_timeout = '20s'")
            try:
                results.append(c.execute("update many_waiters set n = n + 1 where id = 1").statusmessage)
            except psycopg.Error as exc:
                results.append(exc.sqlstate)

    threads = [threading.Thread(target=wait_for_row) for _ in range(WAITERS)]
    for t in threads:
        t.start()
    with psycopg.connect(server.dsn, autocommit=True) as observer:
        for _ in range(400):  # until every waiter is blocked on the server
            waiting = observer.execute("select count(*) from pg_stat_activity where state = 'active' "
                                       "and query like 'update many_waiters%'").fetchone()[0]
            if waiting == WAITERS:
                break
            threading.Event().wait(0.05)
    holder.execute("select pg_sleep(0.01)")  # a statement that runs on a worker thread
    holder.execute("commit")
    holder.close()
    for t in threads:
        t.join(60)
    assert results == ["UPDATE 1"] * WAITERS
    with psycopg.connect(server.dsn) as c:
        assert c.execute("select n from many_waiters").fetchone() == (WAITERS + 1,)
