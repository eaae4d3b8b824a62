"""Stored generated columns after a restart: the values are stored and logged like any column,
so recovery (WAL replay after kill -9, or the checkpoint a clean shutdown writes) gives back the
same rows without evaluating the expression, and writes after the restart compute it again."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_generated_columns_survive_restart(qdb, tmp_path, how):
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE g (id int PRIMARY KEY, v text, n int,"
                     " lv text GENERATED ALWAYS AS (lower(v)) STORED)")
        conn.execute("INSERT INTO g (id, v, n) SELECT i, 'Row' || i, i FROM generate_series(1, 50) i")
        conn.execute("ALTER TABLE g ADD COLUMN n2 int GENERATED ALWAYS AS (n * 2) STORED")
        conn.execute("UPDATE g SET v = 'CHANGED', n = 0 WHERE id <= 5")
        conn.execute("INSERT INTO g (id, v, n) VALUES (100, 'AbC', 7) ON CONFLICT (id) DO NOTHING")
        expected = conn.execute("SELECT * FROM g ORDER BY id").fetchall()
        assert expected[0] == (1, "CHANGED", 0, "changed", 0) and expected[-1] == (100, "AbC", 7, "abc", 14)
        if how == "checkpoint":
            conn.execute("CHECKPOINT")
    if how == "kill9":
        srv.kill9()
    else:
        srv.stop()
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM g ORDER BY id").fetchall() == expected
        conn.execute("UPDATE g SET v = 'After', n = 21 WHERE id = 100")
        assert conn.execute("SELECT lv, n2 FROM g WHERE id = 100").fetchone() == ("after", 42)
        assert conn.execute("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'g'::regclass "
                            "AND attname = 'n2'").fetchone() == ("s",)
