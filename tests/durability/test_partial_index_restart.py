"""Partial indexes after a restart: which rows the index holds is decided by the predicate's
stored value (a hidden generated column the WAL records carry), so WAL replay after kill -9, and
a checkpoint followed by more WAL, rebuild the same index without evaluating the predicate; the
uniqueness it enforces afterwards is the same."""

from __future__ import annotations

import psycopg
import pytest


def _state(dsn: str) -> tuple[list[tuple], list[list[tuple]]]:
    """Every row in storage order, and per email the live rows found through the index."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT * FROM acct").fetchall()
        plan = " ".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM acct WHERE email = 'x' AND deleted_at IS NULL"))
        assert "Index Scan using acct_email" in plan
        found = [conn.execute("SELECT id FROM acct WHERE email = %s AND deleted_at IS NULL ORDER BY id",
                              (f"e{i}",)).fetchall() for i in range(40)]
        return rows, found


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_partial_unique_index_recovers_identically(qdb, tmp_path, how):
    data = tmp_path / "data"
    srv = qdb.start(data)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE acct (id int PRIMARY KEY, email text, deleted_at int)")
        conn.execute("INSERT INTO acct SELECT i, 'e' || (i % 40), CASE WHEN i <= 40 THEN NULL ELSE i END "
                     "FROM generate_series(1, 200) i")
        conn.execute("CREATE UNIQUE INDEX acct_email ON acct (email) WHERE deleted_at IS NULL")
        conn.execute("UPDATE acct SET deleted_at = 1 WHERE id <= 10")  # out of the predicate
        conn.execute("UPDATE acct SET deleted_at = NULL WHERE id BETWEEN 41 AND 50")  # in, same emails
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("UPDATE acct SET deleted_at = NULL WHERE id = 51")
        with conn.transaction(force_rollback=True):
            conn.execute("UPDATE acct SET deleted_at = 2 WHERE id = 11")
            conn.execute("INSERT INTO acct VALUES (1000, 'e11', NULL)")
        if how == "checkpoint":
            conn.execute("CHECKPOINT")
        conn.execute("DELETE FROM acct WHERE id = 12")
        conn.execute("VACUUM acct")
        conn.execute("INSERT INTO acct VALUES (1001, 'e12', NULL), (1002, 'e12', 7)")
    live = _state(srv.dsn)
    nodes = qdb.recovered_copies(srv, data, how, tmp_path)
    states = [_state(n.dsn) for n in nodes]
    assert states[0] == states[1] == live
    assert live[1][11] == [(11,)] and live[1][12] == [(1001,)] and live[1][1] == [(41,)]
    for n in nodes:
        with psycopg.connect(n.dsn, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute("INSERT INTO acct VALUES (2000, 'e11', NULL)")
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute("UPDATE acct SET deleted_at = NULL WHERE id = 1002")
            conn.execute("INSERT INTO acct VALUES (2001, 'e1', 3)")  # outside: no conflict
            conn.execute("UPDATE acct SET deleted_at = 5 WHERE id = 41")
            conn.execute("UPDATE acct SET deleted_at = NULL WHERE id = 2001")
    assert _state(nodes[0].dsn) == _state(nodes[1].dsn)
