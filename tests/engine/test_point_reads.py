"""Reads by index equality run by engine/point.py: the same rows as the general executor, for
parameters and constants, NULL keys, composite keys, old and uncommitted versions, and in the
simple protocol (auto-parameterized) as in the extended one."""

from __future__ import annotations

import uuid

import psycopg


def _table(conn: psycopg.Connection) -> str:
    name = f"pr_{uuid.uuid4().hex[:8]}"
    conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, a int, b text, c numeric(10, 2))")
    conn.execute(f"CREATE UNIQUE INDEX {name}_ab ON {name} (a, b)")
    conn.execute(f"INSERT INTO {name} SELECT g, g % 10, 'b' || g, g / 4.0 FROM generate_series(1, 200) g")
    return name


def test_point_reads_match_the_rows(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        t = _table(conn)
        assert conn.execute(f"SELECT b, c FROM {t} WHERE id = %s", [7]).fetchall() == [("b7", 1.75)]
        assert conn.execute(f"SELECT * FROM {t} WHERE id = 8").fetchall() == [(8, 8, "b8", 2)]
        assert conn.execute(f"SELECT id FROM {t} WHERE id = %s", [None]).fetchall() == []
        assert conn.execute(f"SELECT id FROM {t} WHERE id = 1000").fetchall() == []
        cur = conn.execute(f"SELECT c, id FROM {t} WHERE id = %s", [1000])
        assert cur.fetchall() == [] and [d.name for d in cur.description] == ["c", "id"]
        assert conn.execute(f"SELECT id FROM {t} WHERE a = %s AND b = %s", [3, "b13"]).fetchall() == [(13,)]
        for _ in range(6):  # past psycopg's prepare threshold: named prepared statements
            assert conn.execute(f"SELECT a FROM {t} WHERE id = %s", [12]).fetchone() == (2,)


def test_point_reads_see_their_snapshot(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as a, psycopg.connect(server.dsn, autocommit=True) as b:
        t = _table(a)
        a.execute(f"UPDATE {t} SET b = 'new' WHERE id = 5")
        b.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        assert b.execute(f"SELECT b FROM {t} WHERE id = 5").fetchall() == [("new",)]
        a.execute(f"UPDATE {t} SET b = 'newer' WHERE id = 5")
        a.execute("BEGIN")
        a.execute(f"DELETE FROM {t} WHERE id = 5")
        assert a.execute(f"SELECT b FROM {t} WHERE id = 5").fetchall() == []
        assert b.execute(f"SELECT b FROM {t} WHERE id = 5").fetchall() == [("new",)]
        b.execute("COMMIT")
        assert b.execute(f"SELECT b FROM {t} WHERE id = 5").fetchall() == [("newer",)]
        a.execute("ROLLBACK")
        assert a.execute(f"SELECT b FROM {t} WHERE id = 5").fetchall() == [("newer",)]
