"""Fixtures of the concurrency tests (concurrency.py): four clients of the test server, or of
the server QUANTADB_TEST_DSN names (PostgreSQL 15, to check an outcome there first)."""

from __future__ import annotations

import pytest
from concurrency import Client


@pytest.fixture
def clients(dsn):
    made = [Client(dsn) for _ in range(4)]
    yield made
    for c in made:
        c.conn.close()
