"""Stored generated columns and expression indexes after a restart: their values are stored and
logged like any column's, so recovery (WAL replay after kill -9, or the checkpoint a clean
shutdown writes) gives back the same rows without evaluating an expression, and writes after the
restart compute them again."""

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
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM g ORDER BY id").fetchall() == expected
        conn.execute("UPDATE g SET v = 'After', n = 21 WHERE id = 100")
        assert conn.execute("SELECT lv, n2 FROM g WHERE id = 100").fetchone() == ("after", 42)
        assert conn.execute("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'g'::regclass "
                            "AND attname = 'n2'").fetchone() == ("s",)


def _state(dsn: str) -> tuple[list[tuple], list[tuple]]:
    """Every row in storage order, and every row found again through the expression index."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT * FROM e").fetchall()
        found = [conn.execute("SELECT id FROM e WHERE lower(v) = %s", (v.lower(),)).fetchall()
                 for _, v, *_ in rows]
        plan = " ".join(r[0] for r in conn.execute("EXPLAIN SELECT id FROM e WHERE lower(v) = 'x'"))
        assert "Index Scan using e_lv" in plan
        return rows, found


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_expression_index_recovers_identically(qdb, tmp_path, how):
    """Recovering the same data directory twice gives the same rows, in the same order, and the
    same index (apply stores the logged values; it never evaluates the expression)."""
    data = tmp_path / "data"
    srv = qdb.start(data)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE e (id int PRIMARY KEY, v text, n int GENERATED ALWAYS AS (length(v)) STORED)")
        conn.execute("INSERT INTO e (id, v) SELECT i, 'Val' || i FROM generate_series(1, 100) i")
        conn.execute("CREATE UNIQUE INDEX e_lv ON e (lower(v))")
        conn.execute("UPDATE e SET v = 'NEW' || id WHERE id % 7 = 0")
        conn.execute("DELETE FROM e WHERE id % 11 = 0")
        conn.execute("INSERT INTO e (id, v) VALUES (500, 'Last')")
        if how == "checkpoint":
            conn.execute("CHECKPOINT")
            conn.execute("INSERT INTO e (id, v) VALUES (501, 'After Checkpoint')")
    live = _state(srv.dsn)
    nodes = qdb.recovered_copies(srv, data, how, tmp_path)
    states = [_state(n.dsn) for n in nodes]
    assert states[0] == states[1] == live
    assert all(ids == [(row[0],)] for row, ids in zip(*live))
    for n in nodes:
        with psycopg.connect(n.dsn, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute("INSERT INTO e (id, v) VALUES (900, 'VAL1')")
            conn.execute("INSERT INTO e (id, v) VALUES (901, 'Fresh')")
    assert _state(nodes[0].dsn) == _state(nodes[1].dsn)
