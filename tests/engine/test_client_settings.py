"""Settings that client drivers read from pg_settings / current_setting(), with PostgreSQL 15's
values: the JDBC driver's DatabaseMetaData.getImportedKeys reads max_index_keys, SQLAlchemy's
table reflection compares relam with current_setting('default_table_access_method')."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.parametrize("name,value,context", [
    ("max_index_keys", "32", "internal"),
    ("max_function_args", "100", "internal"),
    ("default_table_access_method", "heap", "user"),
])
def test_setting_as_postgres_reports_it(server, name: str, value: str, context: str) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        row = conn.execute("SELECT setting, context FROM pg_settings WHERE name = %s", [name]).fetchone()
        assert row == (value, context)
        assert conn.execute("SELECT current_setting(%s)", [name]).fetchone()[0] == value
