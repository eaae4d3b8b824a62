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


def test_settings_in_the_options_startup_parameter(server) -> None:
    """libpq's options (PGOPTIONS) set settings as PostgreSQL 15 reads them: -c name=value or
    --name=value, backslash-escaped spaces; a parameter of the packet's own wins."""
    options = r"-c statement_timeout=5s --lock-timeout=2s -c application_name=from\ options"
    with psycopg.connect(server.dsn, autocommit=True, options=options, application_name="own") as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
        assert conn.execute("SHOW lock_timeout").fetchone() == ("2s",)
        assert conn.execute("SHOW application_name").fetchone() == ("own",)
        assert ("statement_timeout", "5s") in [(n, v) for n, v, _ in conn.execute("SHOW ALL").fetchall()]
    with psycopg.connect(server.dsn, autocommit=True, options=r"-c application_name=a\ b") as conn:
        assert conn.execute("SHOW application_name").fetchone() == ("a b",)


@pytest.mark.parametrize("options,message", [
    ("-c statement_timeout=5x", 'invalid value for parameter "statement_timeout": "5x"'),
    ("-x", "invalid command-line argument for server process: -x"),
    ("-c statement_timeout", "-c statement_timeout requires a value"),
])
def test_bad_options_end_the_connection(server, options: str, message: str) -> None:
    with pytest.raises(psycopg.OperationalError, match=message):
        psycopg.connect(server.dsn, options=options)


def test_pg_settings_source_of_startup_and_session_values(server) -> None:
    """As PostgreSQL 15: 'client' for a start-up value (even one equal to the default) until SET
    changes it, 'session' after SET, 'client' again after RESET."""
    with psycopg.connect(server.dsn, autocommit=True, options="-c statement_timeout=5s -c lock_timeout=0") as conn:
        def source(name: str) -> str:
            return conn.execute("SELECT source FROM pg_settings WHERE name = %s", [name]).fetchone()[0]
        assert (source("statement_timeout"), source("lock_timeout"), source("work_mem")) == ("client", "client",
                                                                                               "default")
        conn.execute("SET statement_timeout = '6s'")
        conn.execute("SET work_mem = '8MB'")
        assert (source("statement_timeout"), source("work_mem")) == ("session", "session")
        conn.execute("RESET statement_timeout")
        assert source("statement_timeout") == "client"


@pytest.mark.parametrize("statement", ["SET deadlock_timeout = '10ms'", "RESET deadlock_timeout",
                                       "SELECT set_config('deadlock_timeout', '10ms', false)"])
def test_a_superuser_setting_refuses_other_roles(server, statement: str) -> None:
    """deadlock_timeout (context superuser) decides which waiter of a deadlock fails: another role
    may not change it, as in PostgreSQL; a superuser may."""
    with psycopg.connect(server.dsn, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS cs_plain")
        admin.execute("CREATE ROLE cs_plain LOGIN")
        admin.execute(statement)
    try:
        with psycopg.connect(server.dsn.replace("user=postgres", "user=cs_plain"), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege,
                               match='permission denied to set parameter "deadlock_timeout"'):
                conn.execute(statement)
            assert conn.execute("SHOW deadlock_timeout").fetchone() == ("1s",)
    finally:
        with psycopg.connect(server.dsn, autocommit=True) as admin:
            admin.execute("DROP ROLE cs_plain")
