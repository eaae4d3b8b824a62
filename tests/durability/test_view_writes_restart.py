"""Writes through an updatable view after a restart: they are the base table's INSERT, UPDATE
and DELETE records (the view is rewritten away before anything is logged), so recovery (WAL
replay after kill -9, or the checkpoint a clean shutdown writes) gives back the rows a committed
statement left through the view, and none of an aborted one; the view's check option still holds
after it."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_rows_written_through_a_view_survive_a_restart(qdb, tmp_path, how):
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, s text, n int DEFAULT 0)")
        conn.execute("CREATE VIEW v AS SELECT id, s AS label, n * 2 AS dbl FROM t WHERE id > 0 WITH CHECK OPTION")
        conn.execute("CREATE VIEW vv AS SELECT id AS k, label FROM v WHERE id < 100")
        conn.execute("INSERT INTO v (id, label) SELECT i, 'row' || i FROM generate_series(1, 30) i")
        conn.execute("UPDATE vv SET label = upper(label) WHERE k <= 10")
        conn.execute("DELETE FROM v WHERE dbl = 0 AND id > 25")
        conn.execute("INSERT INTO v (id, label) VALUES (5, 'dup') ON CONFLICT (id) DO UPDATE SET label = 'conflict'")
        with conn.transaction():  # rolled back: recovery must not apply it
            conn.execute("DELETE FROM vv")
            raise psycopg.Rollback()
        expected = conn.execute("SELECT * FROM t ORDER BY id").fetchall()
        assert len(expected) == 25 and expected[4] == (5, "conflict", 0) and expected[9] == (10, "ROW10", 0)
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == expected
        with pytest.raises(psycopg.errors.WithCheckOptionViolation):
            conn.execute("INSERT INTO vv VALUES (-1, 'x')")
        assert conn.execute("UPDATE vv SET label = 'after' WHERE k = 7 RETURNING k, label").fetchall() == [
            (7, "after")]
