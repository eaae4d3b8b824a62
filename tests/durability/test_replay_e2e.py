"""End to end: the same data directory (checkpoint + WAL) recovered twice gives the same tables,
down to row order.

A concurrent workload (inserts, updates, deletes, MERGE, rollbacks, a sequence, NULLs, text) runs on a
server; the server is stopped (kill -9: recovery replays the WAL; or SIGTERM: it checkpoints on
the way out); the data directory is copied twice, both copies are started, and every table is
read in full without ORDER BY on each: the rows and their order must be identical, and equal
(rows and order) to what the live server returned just before it stopped. Then the same statements
run on both copies must again leave identical tables (same sequence values, same row order).
"""

from __future__ import annotations

import random
import shutil
import threading

import psycopg
import pytest

TABLES = ("items", "events")


def workload(dsn: str, client_no: int, rounds: int) -> None:
    rng = random.Random(client_no)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for r in range(rounds):
            conn.execute("BEGIN")
            k = rng.randint(1, 200)
            conn.execute("INSERT INTO events (client, note, amount) VALUES (%s, %s, %s)",
                         (client_no, f"round {r} key {k}" if r % 7 else None, rng.randint(-5, 5)))
            conn.execute("UPDATE items SET qty = qty + 1, label = label || %s WHERE id = %s", ("+", k))
            if r % 3 == 1:  # the key this transaction holds already, or one a DELETE took away
                conn.execute("MERGE INTO items USING (SELECT %s AS id) s ON items.id = s.id "
                             "WHEN MATCHED THEN UPDATE SET qty = items.qty * 2 "
                             "WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'merged', 0)", (k,))
            if r % 5 == 0:
                conn.execute("DELETE FROM items WHERE id = %s", (rng.randint(1, 200),))
            if r % 6 == 0:
                conn.execute("INSERT INTO items VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
                             (200 + client_no * 1000 + r, f"new {client_no}/{r}", r))
            try:
                conn.execute("ROLLBACK" if r % 4 == 3 else "COMMIT")
            except psycopg.errors.SerializationFailure:
                conn.execute("ROLLBACK")
            except psycopg.errors.DeadlockDetected:
                conn.execute("ROLLBACK")


def snapshot(dsn: str) -> dict[str, list[tuple]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}


def more_statements(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO events (client, note, amount) SELECT 99, 'after', g FROM generate_series(1, 20) g")
        conn.execute("UPDATE items SET qty = qty * 2 WHERE id % 3 = 0")
        conn.execute("DELETE FROM events WHERE amount < 0")
        conn.execute("INSERT INTO items VALUES (100000, 'last', 0)")


def run_workload(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, label text, qty int)")
        conn.execute("CREATE TABLE events (id serial PRIMARY KEY, client int, note text, amount int)")
        conn.execute("INSERT INTO items SELECT g, 'item ' || g, 0 FROM generate_series(1, 200) g")
    threads = [threading.Thread(target=workload, args=(dsn, i, 60)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM items WHERE id % 17 = 0")


def multiset(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=repr)


@pytest.mark.parametrize("how", ["kill9", "sigterm"])
def test_recovering_the_same_data_dir_twice_gives_identical_tables(qdb, tmp_path, how):
    data_dir = tmp_path / "data"
    node = qdb.start(str(data_dir))
    run_workload(node.dsn)
    live = snapshot(node.dsn)
    if how == "kill9":
        node.kill9()
    else:
        node.stop()
    copies = [tmp_path / "copy1", tmp_path / "copy2"]
    for c in copies:
        shutil.copytree(data_dir, c)
    nodes = [qdb.start(str(c)) for c in copies]
    states = [snapshot(n.dsn) for n in nodes]
    for t in TABLES:
        assert states[0][t] == states[1][t], f"{t}: the two recoveries differ (contents or row order)"
        assert multiset(states[0][t]) == multiset(live[t]), f"{t}: recovery differs from the live server"
        assert states[0][t] == live[t], f"{t}: recovery changed the row order of the live server"
    assert len(live["events"]) > 50 and len(live["items"]) > 150
    for n in nodes:
        more_statements(n.dsn)
    after = [snapshot(n.dsn) for n in nodes]
    for t in TABLES:
        assert after[0][t] == after[1][t], f"{t}: the same statements on both recoveries differ"
    for n in nodes:
        n.stop()
