"""MERGE's writes after a restart: its inserts, updates and deletes are the same WAL records as
INSERT's, UPDATE's and DELETE's, so recovery (WAL replay after kill -9, or the checkpoint a clean
shutdown writes) gives back the rows a committed MERGE left, and none of an aborted one."""

from __future__ import annotations

import psycopg
import pytest

MERGE = """MERGE INTO t USING s ON t.id = s.id
           WHEN MATCHED AND s.v < 0 THEN DELETE
           WHEN MATCHED THEN UPDATE SET v = t.v + s.v
           WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)"""


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_merge_survives_restart(qdb, tmp_path, how):
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int, twice int GENERATED ALWAYS AS (v * 2) STORED)")
        conn.execute("CREATE TABLE s (id int, v int)")
        conn.execute("INSERT INTO t (id, v) SELECT i, i FROM generate_series(1, 40) i")
        conn.execute("INSERT INTO s SELECT i, CASE WHEN i % 5 = 0 THEN -1 ELSE 100 END FROM generate_series(21, 60) i")
        assert conn.execute(MERGE).statusmessage == "MERGE 40"
        with conn.transaction():  # rolled back: recovery must not apply it
            conn.execute("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE")
            raise psycopg.Rollback()
        expected = conn.execute("SELECT * FROM t ORDER BY id").fetchall()
        assert len(expected) == 40 + 20 - 4 and expected[20] == (21, 121, 242)
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == expected
        # the primary key index came back too: a MERGE after the restart finds its rows through it
        assert conn.execute(MERGE).statusmessage == "MERGE 40"
        assert conn.execute("SELECT id, v FROM t WHERE id IN (21, 25, 41, 45) ORDER BY id").fetchall() == [
            (21, 221), (25, -1), (41, 200)]
