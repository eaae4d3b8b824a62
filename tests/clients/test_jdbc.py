"""The PostgreSQL JDBC driver (Debian's libpostgresql-jdbc-java, installed by
scripts/setup/10-clients.sh) through the real server: jdbc/JdbcClient.java is compiled here
with javac, run with java, and prints JSON asserted on below."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

JAR = Path("/usr/share/java/postgresql.jar")
SOURCE = Path(__file__).parent / "jdbc" / "JdbcClient.java"


@pytest.fixture(scope="module")
def report(server, tmp_path_factory) -> dict:
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac and java, "a JDK is not installed (scripts/setup/10-clients.sh)"
    assert JAR.exists(), "libpostgresql-jdbc-java is not installed (scripts/setup/10-clients.sh)"
    classes = tmp_path_factory.mktemp("jdbc-classes")
    built = subprocess.run([javac, "-d", str(classes), "-cp", str(JAR), str(SOURCE)],
                           capture_output=True, text=True, timeout=180)
    assert built.returncode == 0, built.stderr
    out = subprocess.run([java, "-cp", f"{JAR}:{classes}", "JdbcClient", server.host, str(server.port)],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_connects_as_postgres_15(report: dict) -> None:
    assert report["product"].startswith("PostgreSQL 15.")


def test_prepared_statements_switch_to_server_side(report: dict) -> None:
    """prepareThreshold=5: from the fifth execution the driver uses a named server statement."""
    prepared = report["prepared"]
    assert prepared["insert_server_prepared"] is True
    assert prepared["select_server_prepared"] is True
    assert prepared["rows"] == [[i, f"customer {i}", f"{i}.25", f"2024-05-{i:02d}", "odd" if i % 2 else "NULL"]
                                for i in range(1, 11)]
    assert prepared["select_types"] == ["id:int4", "customer:varchar", "total:numeric", "placed:date", "note:text"]


def test_batch_and_transaction(report: dict) -> None:
    assert report["batch"] == {"inserted": 3, "sum_qty": 60}
    assert report["transaction"] == ["committed", "committed", "odd"]


def test_database_metadata(report: dict) -> None:
    assert report["tables"] == ["public.clients_jdbc_lines:TABLE", "public.clients_jdbc_orders:TABLE"]
    assert report["columns"] == [["id", "int4", 10, "NO", 1], ["customer", "varchar", 40, "NO", 2],
                                 ["total", "numeric", 10, "YES", 3], ["placed", "date", 13, "YES", 4],
                                 ["note", "text", 2147483647, "YES", 5]]
    assert report["primary_keys"] == [["order_id", 1, "clients_jdbc_lines_pkey"],
                                      ["line", 2, "clients_jdbc_lines_pkey"]]
    assert report["imported_keys"] == [["clients_jdbc_orders", "id", "order_id", "clients_jdbc_lines_order_id_fkey"]]


def test_type_info(report: dict) -> None:
    """getTypeInfo: java.sql.Types INTEGER, VARCHAR, NUMERIC and ARRAY (pg_type.typinput = array_in)."""
    assert report["type_info"] == {"int4": 4, "_int4": 2003, "varchar": 12, "numeric": 2, "_text": 2003}
