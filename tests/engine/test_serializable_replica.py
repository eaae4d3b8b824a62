"""A replica (a read-only node) refuses SERIALIZABLE, as PostgreSQL's hot standby does: it cannot
know what the primary's serializable transactions read (storage/ssi.py)."""

from __future__ import annotations

import pytest
from inprocess import InProcessDb

REFUSED = ("0A000", "cannot use serializable mode in a hot standby")


@pytest.fixture
def replica():
    db = InProcessDb()
    db.db.read_only = True
    yield db
    db.db.read_only = False
    db.close()


@pytest.mark.parametrize("asked", ["BEGIN ISOLATION LEVEL SERIALIZABLE",
                                   "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY"])
def test_begin_serializable_fails_on_a_replica(replica, asked):
    assert replica.run(asked) == REFUSED
    assert replica.run("SELECT 1") == ("SELECT 1", [(1,)])  # no block was opened


@pytest.mark.parametrize("asked", ["SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                                   "SET transaction_isolation = serializable"])
def test_switching_to_serializable_fails_on_a_replica(replica, asked):
    replica.execute("BEGIN")
    assert replica.run(asked) == REFUSED
    assert replica.run("ROLLBACK")[0] == "ROLLBACK"
    assert replica.run("BEGIN ISOLATION LEVEL REPEATABLE READ")[0] == "BEGIN"  # the hint's way
    assert replica.run("SELECT 1") == ("SELECT 1", [(1,)])
    replica.execute("COMMIT")


def test_a_serializable_default_fails_on_a_replica(replica):
    replica.execute("SET default_transaction_isolation = serializable")
    assert replica.run("SELECT 1") == REFUSED
    replica.db.read_only = False  # promoted: SERIALIZABLE runs
    assert replica.run("SELECT 1") == ("SELECT 1", [(1,)])
