"""node-postgres (npm `pg`, installed by scripts/setup/10-clients.sh with `npm ci`) through the
real server: node/pg_client.js runs the queries and prints JSON, asserted on here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def report(server) -> dict:
    node = shutil.which("node")
    assert node, "node is not installed (scripts/setup/10-clients.sh)"
    assert (NODE_DIR / "node_modules" / "pg").is_dir(), "run scripts/setup/10-clients.sh (npm ci)"
    # TZ=UTC: node-postgres turns a date into a local-midnight Date; the script prints its UTC day.
    out = subprocess.run([node, "pg_client.js", server.host, str(server.port)], cwd=NODE_DIR,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "TZ": "UTC"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_parameterized_types_round_trip(report: dict) -> None:
    assert report["server_version"].startswith("15.")
    assert report["inserted"] == [1, 2, 3]
    assert report["rows"] == [
        {"id": 1, "name": "alpha", "qty": 10, "tags": ["x", "y z"], "scores": [1, 2, 3], "born": "2024-05-01",
         "note": None},
        {"id": 2, "name": "O'Brien \"q\"", "qty": -5, "tags": [], "scores": [], "born": "1999-12-31",
         "note": "has note"},
        {"id": 3, "name": None, "qty": None, "tags": None, "scores": None, "born": None, "note": None},
    ]


def test_parameters_in_expressions(report: dict) -> None:
    assert report["filtered"] == [{"id": 1}]
    assert report["any_array"] == [2, 3]
    assert report["is_null"] == {"n": True, "plus": 42}
    assert report["date_param"] == {"next_day": "2024-02-29", "day": "2024-02-28"}


def test_named_statement_reused(report: dict) -> None:
    assert report["named"] == ["alpha", "O'Brien \"q\"", None, "alpha"]


def test_transactions_and_errors(report: dict) -> None:
    assert report["after_tx"] == [{"id": 1, "qty": 15}, {"id": 2, "qty": -5}, {"id": 3, "qty": None}]
    assert report["errors"] == ["22012", "25P02"]
    assert report["update_count"] == 2


def test_pool(report: dict) -> None:
    assert report["pool"] == [2, 4, 6, 8, 10, 12]
