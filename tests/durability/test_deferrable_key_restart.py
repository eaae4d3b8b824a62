"""A DEFERRABLE key after a restart: its index stays one whose keys are checked at the statement's
end (pg_index.indimmediate false, from the catalog), whether the table comes back by WAL replay
after kill -9 or from a checkpoint."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_a_deferrable_key_is_still_checked_at_the_statements_end(qdb, tmp_path, how):
    data = tmp_path / "data"
    srv = qdb.start(data)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE dk (id int PRIMARY KEY DEFERRABLE, v int)")
        conn.execute("INSERT INTO dk SELECT i, i FROM generate_series(1, 5) i")
        if how == "checkpoint":
            conn.execute("CHECKPOINT")
    for node in qdb.recovered_copies(srv, data, how, tmp_path):
        with psycopg.connect(node.dsn, autocommit=True) as conn:
            conn.execute("UPDATE dk SET id = id + 1")  # duplicates until the statement's end
            assert conn.execute("SELECT min(id), max(id) FROM dk").fetchone() == (2, 6)
            assert conn.execute("SELECT indimmediate FROM pg_index WHERE indexrelid = 'dk_pkey'::regclass"
                                ).fetchone() == (False,)
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute("UPDATE dk SET id = 2")
