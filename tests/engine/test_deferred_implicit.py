"""Deferred foreign keys in an implicit transaction (engine/deferred.py): the statements of one
Query message, or the extended-protocol messages up to a Sync (a psycopg pipeline), are one
transaction, checked when it ends, as in PostgreSQL 15. QUANTADB_TEST_DSN runs these against it."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from concurrency import Waiting, awaiting_relation_lock
from psycopg import pq
from psycopg.pq import DiagnosticField


@pytest.fixture
def tables(clients):
    a = clients[0]
    name = f"di_{uuid.uuid4().hex[:8]}"
    a.q(f"CREATE TABLE {name}_p (id int PRIMARY KEY)")
    a.q(f"CREATE TABLE {name}_c (id int REFERENCES {name}_p DEFERRABLE INITIALLY DEFERRED)")
    yield name
    a.q(f"DROP TABLE {name}_c, {name}_p")


def test_a_query_of_several_statements_is_checked_at_its_end(clients, tables):
    a = clients[0]
    a.q(f"INSERT INTO {tables}_c VALUES (1); INSERT INTO {tables}_p VALUES (1)")
    assert a.q(f"INSERT INTO {tables}_c VALUES (2); SELECT 1") == ("ERR", "23503", (
        f'insert or update on table "{tables}_c" violates foreign key constraint "{tables}_c_id_fkey"'))
    assert a.q(f"SELECT id FROM {tables}_c") == [(1,)]  # the failed end rolled the Query back


def _pipeline(dsn: str, statements: list[str]) -> list[str]:
    """libpq's pipeline mode: the statements (extended protocol) then one Sync; each result's
    status and SQLSTATE as the server answered them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        pg = conn.pgconn
        pg.enter_pipeline_mode()
        for sql in statements:
            pg.send_query_params(sql.encode(), None)
        pg.pipeline_sync()
        out: list[str] = []
        while not out or out[-1] != "PIPELINE_SYNC":
            result = pg.get_result()
            if result is not None:
                status = pq.ExecStatus(result.status).name
                out.append(status if status != "FATAL_ERROR" else result.error_field(DiagnosticField.SQLSTATE).decode())
        pg.exit_pipeline_mode()
        return out


def test_a_pipeline_up_to_its_sync_is_checked_at_the_sync(dsn, tables):
    assert _pipeline(dsn, [f"INSERT INTO {tables}_c VALUES (3)", f"INSERT INTO {tables}_p VALUES (3)"]) == [
        "COMMAND_OK", "COMMAND_OK", "PIPELINE_SYNC"]
    assert _pipeline(dsn, [f"INSERT INTO {tables}_c VALUES (4)", "SELECT 1"]) == [
        "COMMAND_OK", "TUPLES_OK", "23503", "PIPELINE_SYNC"]
    with psycopg.connect(dsn) as conn:
        assert conn.execute(f"SELECT id FROM {tables}_c").fetchall() == [(3,)]


def test_the_check_at_the_end_waits_for_a_row_being_deleted(clients, tables):
    a, b, obs, _ = clients
    a.q(f"INSERT INTO {tables}_p VALUES (5), (6)")
    b.q("BEGIN")
    b.q(f"DELETE FROM {tables}_p WHERE id IN (5, 6)")
    query = Waiting(a, obs, f"INSERT INTO {tables}_c VALUES (5); INSERT INTO {tables}_c VALUES (5)",
                    waits=awaiting_relation_lock)
    b.q("ROLLBACK")  # the row stays: the check passes
    assert query.join() == "INSERT 0 1"
    b.q("BEGIN")
    b.q(f"DELETE FROM {tables}_p WHERE id = 6")
    query = Waiting(a, obs, f"INSERT INTO {tables}_c VALUES (6); SELECT 1", waits=awaiting_relation_lock)
    b.q("COMMIT")
    assert query.join()[:2] == ("ERR", "23503")
    assert a.q(f"SELECT count(*) FROM {tables}_c") == [(2,)]
