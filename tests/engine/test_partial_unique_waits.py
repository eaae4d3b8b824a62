"""A partial unique index between concurrent transactions, as in PostgreSQL 15: an insert waits
for a running transaction's row only when that row is in the index (its predicate holds), and
then fails or goes ahead by what the other transaction did."""

from __future__ import annotations

import uuid

import pytest
from concurrency import Client, Waiting, running


@pytest.fixture
def clients(server):
    made = [Client(server.dsn) for _ in range(3)]
    yield made
    for c in made:
        c.conn.close()


def _table(c: Client) -> str:
    name = f"pu_{uuid.uuid4().hex[:8]}"
    c.q(f"CREATE TABLE {name} (id int, email text, deleted_at int)")
    c.q(f"CREATE UNIQUE INDEX {name}_email ON {name} (email) WHERE deleted_at IS NULL")
    return name


@pytest.mark.parametrize("end, outcome", [("COMMIT", "23505"), ("ROLLBACK", "INSERT 0 1")])
def test_insert_waits_for_a_running_insert_of_the_key(clients, end, outcome):
    a, b, obs = clients
    t = _table(a)
    a.q("BEGIN")
    a.q(f"INSERT INTO {t} VALUES (1, 'x', NULL)")
    waiting = Waiting(b, obs, f"INSERT INTO {t} VALUES (2, 'x', NULL)", waits=running)
    a.q(end)
    result = waiting.join()
    assert (result[1] if isinstance(result, tuple) else result) == outcome


def test_a_running_row_outside_the_predicate_makes_no_one_wait(clients):
    a, b, _ = clients
    t = _table(a)
    a.q("BEGIN")
    a.q(f"INSERT INTO {t} VALUES (1, 'x', 5)")
    assert b.q(f"INSERT INTO {t} VALUES (2, 'x', NULL)") == "INSERT 0 1"
    a.q("COMMIT")
    assert b.q(f"SELECT id FROM {t} ORDER BY id") == [(1,), (2,)]


def test_insert_waits_for_a_row_leaving_the_predicate(clients):
    a, b, obs = clients
    t = _table(a)
    a.q(f"INSERT INTO {t} VALUES (1, 'x', NULL)")
    a.q("BEGIN")
    a.q(f"UPDATE {t} SET deleted_at = 1 WHERE id = 1")
    waiting = Waiting(b, obs, f"INSERT INTO {t} VALUES (2, 'x', NULL)", waits=running)
    a.q("COMMIT")
    assert waiting.join() == "INSERT 0 1"
