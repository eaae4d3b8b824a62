import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import Sql, start_postgres, start_quantadb, wait_gone  # noqa: E402


@pytest.fixture(scope="session")
def quantadb_server():
    with tempfile.TemporaryDirectory(prefix="quantadb-sqltest-") as tmp:
        proc, server = start_quantadb(tmp)
        yield server
        wait_gone(proc)


@pytest.fixture(scope="session")
def postgres_server():
    """The reference PostgreSQL 15, or None where it cannot run (checks then use the stated rows only)."""
    with tempfile.TemporaryDirectory(prefix="quantadb-sqltest-pg-") as tmp:
        started = start_postgres(tmp)
        if started is None:
            yield None
            return
        server, stop = started
        yield server
        stop()


@pytest.fixture
def sql(quantadb_server, postgres_server):
    s = Sql(quantadb_server, postgres_server)
    yield s
    s.close()
