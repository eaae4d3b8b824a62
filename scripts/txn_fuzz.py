"""Differential fuzz of interleaved transactions: QuantaDB against PostgreSQL 15, step by step.

Three sessions on each server run the same random schedule of statements (BEGIN at an isolation
level, reads, row locks, UPDATE/DELETE/INSERT, ON CONFLICT, savepoints, COMMIT/ROLLBACK) over a
small table, or with `--schema fk` a parent and a child with a foreign key. A step goes to a
session that is not waiting; after it, every waiting session is looked at on both servers (a lock
not granted in pg_locks) and every statement's outcome compared: its rows, command tag or
SQLSTATE, and whether it waits. The first difference ends a schedule and prints it. The schedule
depends only on the seed while both servers agree, so a difference replays with the same seed.

Deadlocks are timed as PostgreSQL's: once a step leaves a session waiting, the fuzz waits past
deadlock_timeout (1 s on both) before the next, so the waiter whose timeout passes first is the
same on both sides. Not a test: blocking is timing-dependent, and some differences are known (see
the README's "Not yet").

    .venv/bin/python scripts/txn_fuzz.py QUANTADB_DSN POSTGRES_DSN [--seed 1] [--schedules 20]
        [--steps 40] [--schema plain|single|fk] [--levels "READ COMMITTED,REPEATABLE READ"]
"""

from __future__ import annotations

import argparse
import queue
import random
import threading
import time
from typing import Any

import psycopg

SETTLE_S = 1.3  # past deadlock_timeout: a waiter's deadlock check has run before the next step
SESSIONS = 3


class Session:
    """One connection whose statements run on a thread; `done` is clear while one runs."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.conn.execute("SET lock_timeout = '20s'")
        self.pid = self.conn.info.backend_pid
        self.statements: queue.Queue[str] = queue.Queue()
        self.result: Any = None
        self.done = threading.Event()
        self.done.set()
        threading.Thread(target=self._run, daemon=True).start()

    def submit(self, sql: str) -> None:
        self.done.clear()
        self.statements.put(sql)

    def _run(self) -> None:
        while True:
            sql = self.statements.get()
            try:
                cur = self.conn.execute(sql)
                self.result = cur.fetchall() if cur.description is not None else cur.statusmessage
            except psycopg.Error as e:
                self.result = ("ERR", e.sqlstate)
            self.done.set()


class Server:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.observer = psycopg.connect(dsn, autocommit=True)
        self.sessions = [Session(dsn) for _ in range(SESSIONS)]

    def waits(self, i: int) -> bool:
        """Does session i's statement wait for a lock (False once it has returned)?"""
        s = self.sessions[i]
        for _ in range(400):
            if s.done.is_set():
                return False
            if self.observer.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted",
                                     (s.pid,)).fetchone()[0]:
                return True
            time.sleep(0.005)
        raise RuntimeError(f"statement neither returned nor waits on {self.dsn}")

    def close(self) -> None:
        for s in self.sessions:
            s.conn.close()
        self.observer.close()


class Schedule:
    """The random statements of one schedule, over the schema chosen."""

    def __init__(self, rnd: random.Random, schema: str, levels: list[str]) -> None:
        self.rnd, self.schema, self.levels = rnd, schema, levels

    def setup(self) -> list[str]:
        rnd = self.rnd
        rows = ", ".join(f"({i}, {rnd.randint(0, 3)}, {rnd.randint(0, 3)})" for i in range(1, 6))
        out = ["DROP TABLE IF EXISTS fc", "DROP TABLE IF EXISTS ft",
               "CREATE TABLE ft (id int PRIMARY KEY, v int NOT NULL, g int)", f"INSERT INTO ft VALUES {rows}"]
        if self.schema == "fk":
            out += ["CREATE TABLE fc (id int PRIMARY KEY, pid int REFERENCES ft ON DELETE CASCADE "
                    "ON UPDATE CASCADE, w int)", "INSERT INTO fc VALUES (1, 1, 0), (2, 2, 0), (3, 2, 0)"]
        return out

    def begin(self) -> str:
        return f"BEGIN ISOLATION LEVEL {self.rnd.choice(self.levels)}"

    def statement(self) -> str:
        rnd = self.rnd
        k, x, c = rnd.randint(1, 6), rnd.randint(0, 3), rnd.randint(1, 5)
        lock = rnd.choice(["FOR UPDATE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR KEY SHARE"])
        lock += rnd.choice(["", "", " NOWAIT", " SKIP LOCKED"])
        common = ["SELECT * FROM ft ORDER BY id", f"SELECT * FROM ft WHERE id = {k} {lock}",
                  f"UPDATE ft SET v = v + 1 WHERE id = {k}", f"UPDATE ft SET id = id + 10 WHERE id = {k}",
                  f"DELETE FROM ft WHERE id = {k}", f"INSERT INTO ft VALUES ({k}, 0, {x})",
                  "SAVEPOINT s1", "ROLLBACK TO s1", "COMMIT", "COMMIT", "ROLLBACK"]
        more = {
            "plain": [f"SELECT id, v FROM ft WHERE g = {x} ORDER BY id {lock}",
                      f"SELECT id FROM ft WHERE v > {x} ORDER BY id LIMIT 1 {lock}",
                      f"UPDATE ft SET v = v * 2 WHERE g = {x}", f"UPDATE ft SET g = g + 1 WHERE v > {x}",
                      f"UPDATE ft SET g = {x} WHERE id = {k} RETURNING id, v, g",
                      f"DELETE FROM ft WHERE g = {x} RETURNING id",
                      f"INSERT INTO ft VALUES ({k}, 0, {x}) ON CONFLICT (id) DO UPDATE SET v = ft.v + 100 RETURNING v",
                      f"INSERT INTO ft VALUES ({k}, 0, {x}) ON CONFLICT DO NOTHING",
                      "SELECT sum(v), count(*) FROM ft", f"UPDATE ft SET v = (SELECT max(v) FROM ft) + 1 WHERE id = {k}"],
            "single": [f"UPDATE ft SET g = {x} WHERE id = {k} RETURNING id, v, g",
                       f"INSERT INTO ft VALUES ({k}, 0, {x}) ON CONFLICT (id) DO UPDATE SET v = ft.v + 100 RETURNING v",
                       f"INSERT INTO ft VALUES ({k}, 0, {x}) ON CONFLICT DO NOTHING",
                       "SELECT sum(v), count(*) FROM ft", "RELEASE s1"],
            "fk": ["SELECT * FROM fc ORDER BY id", f"INSERT INTO fc VALUES ({c + 10 * rnd.randint(0, 3)}, {k}, 0)",
                   f"UPDATE fc SET pid = {k} WHERE id = {c}", f"UPDATE fc SET w = w + 1 WHERE id = {c}",
                   f"DELETE FROM fc WHERE id = {c}", f"SELECT * FROM fc WHERE pid = {k} ORDER BY id {lock}"],
        }[self.schema]
        return rnd.choice(common + more)


def run_schedule(qdb_dsn: str, pg_dsn: str, seed: int, steps: int, schema: str,
                 levels: list[str]) -> tuple[list[str], str | None]:
    """The schedule's log, and its first difference (None: none)."""
    schedule = Schedule(random.Random(seed), schema, levels)
    setup = schedule.setup()
    for dsn in (qdb_dsn, pg_dsn):
        with psycopg.connect(dsn, autocommit=True) as conn:
            for sql in setup:
                conn.execute(sql)
    qdb, pg = Server(qdb_dsn), Server(pg_dsn)
    in_txn = [False] * SESSIONS
    waiting: set[int] = set()
    log: list[str] = []
    try:
        for _ in range(steps):
            free = [i for i in range(SESSIONS) if i not in waiting]
            if not free:
                break
            i = schedule.rnd.choice(free)
            sql = schedule.statement() if in_txn[i] else schedule.begin()
            in_txn[i] = sql not in ("COMMIT", "ROLLBACK")
            for server in (qdb, pg):
                server.sessions[i].submit(sql)
            log.append(f"s{i}: {sql}")
            waiting.add(i)
            time.sleep(0.02)
            if any(pg.waits(j) or qdb.waits(j) for j in waiting):
                time.sleep(SETTLE_S)
            for j in sorted(waiting):
                q_waits, p_waits = qdb.waits(j), pg.waits(j)
                if q_waits != p_waits:
                    return log, f"s{j} waits: QuantaDB {q_waits}, PostgreSQL {p_waits}"
                if not p_waits:
                    waiting.discard(j)
                    got, want = qdb.sessions[j].result, pg.sessions[j].result
                    log.append(f"   -> s{j} {want!r}")
                    if got != want:
                        return log, f"s{j}: QuantaDB {got!r}, PostgreSQL {want!r}"
        return log, _final_difference(qdb, pg, waiting, schema)
    finally:
        qdb.close()
        pg.close()


def _final_difference(qdb: Server, pg: Server, waiting: set[int], schema: str) -> str | None:
    for server in (qdb, pg):
        for j in waiting:
            server.sessions[j].conn.cancel()
        for s in server.sessions:
            s.done.wait(5)
            s.submit("ROLLBACK")
            s.done.wait(5)
    tables = ["ft", "fc"] if schema == "fk" else ["ft"]
    rows = [[server.observer.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables]
            for server in (qdb, pg)]
    return None if rows[0] == rows[1] else f"tables at the end: QuantaDB {rows[0]}, PostgreSQL {rows[1]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("quantadb_dsn")
    ap.add_argument("postgres_dsn")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--schedules", type=int, default=20)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--schema", choices=("plain", "single", "fk"), default="plain",
                    help="plain: one table; single: one-row writes only; fk: a parent and a child")
    ap.add_argument("--levels", default="READ COMMITTED,REPEATABLE READ")
    args = ap.parse_args()
    levels = args.levels.split(",")
    differing = 0
    for seed in range(args.seed, args.seed + args.schedules):
        log, difference = run_schedule(args.quantadb_dsn, args.postgres_dsn, seed, args.steps, args.schema, levels)
        if difference:
            differing += 1
            print(f"== seed {seed}: {difference}\n" + "\n".join(log), flush=True)
    print(f"{args.schedules} schedules, {differing} with a difference")


if __name__ == "__main__":
    main()
