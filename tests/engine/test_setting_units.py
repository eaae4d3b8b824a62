"""Settings with a unit, as PostgreSQL 15 reads and shows them (guc.c's parse_int and
_ShowOption): a value may be given in any unit of its kind, SHOW and current_setting() give it
in the largest unit that divides it exactly, pg_settings.setting in the base unit."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

TIME_HINT = 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".'
MEMORY_HINT = 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".'


@pytest.fixture
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        yield c


def _shown(conn: psycopg.Connection, name: str, value: str) -> tuple[str, str, str]:
    """(SHOW, current_setting(), pg_settings.setting) after SET name = 'value'."""
    conn.execute(f"set {name} = '{value}'")
    show = conn.execute(f"show {name}").fetchone()[0]
    current, setting = conn.execute("select current_setting(%s), setting from pg_settings where name = %s",
                                    [name, name]).fetchone()
    conn.execute(f"reset {name}")
    return show, current, setting


@pytest.mark.parametrize("value,shown,base", [
    ("7s", "7s", "7000"), ("7 s", "7s", "7000"), (" 7s ", "7s", "7000"), ("1min", "1min", "60000"),
    ("100ms", "100ms", "100"), ("1h", "1h", "3600000"), ("1d", "1d", "86400000"), ("25h", "25h", "90000000"),
    ("7000", "7s", "7000"), ("60000", "1min", "60000"), ("90000", "90s", "90000"), ("1500", "1500ms", "1500"),
    ("0", "0", "0"), ("1.5s", "1500ms", "1500"), ("1.5min", "90s", "90000"), ("1e3", "1s", "1000"),
    # fractions round half-even; strtol's base 0 reads octal and hex
    ("1500us", "2ms", "2"), ("2.5ms", "2ms", "2"), ("7.5", "8ms", "8"), ("0.5ms", "0", "0"),
    ("010", "8ms", "8"), ("0x10", "16ms", "16"),
])
def test_statement_timeout_units(conn, value: str, shown: str, base: str) -> None:
    assert _shown(conn, "statement_timeout", value) == (shown, shown, base)


@pytest.mark.parametrize("name,value,shown,base", [
    ("lock_timeout", "2s", "2s", "2000"), ("lock_timeout", "500", "500ms", "500"),
    ("deadlock_timeout", "10ms", "10ms", "10"), ("deadlock_timeout", "2min", "2min", "120000"),
    ("idle_in_transaction_session_timeout", "10min", "10min", "600000"),
    ("work_mem", "64MB", "64MB", "65536"), ("work_mem", "4096", "4MB", "4096"), ("work_mem", "1000", "1000kB", "1000"),
    ("work_mem", "1024kB", "1MB", "1024"), ("work_mem", "1.5MB", "1536kB", "1536"),
    ("work_mem", "1TB", "1TB", "1073741824"),
    ("maintenance_work_mem", "1GB", "1GB", "1048576"), ("maintenance_work_mem", "1024", "1MB", "1024"),
])
def test_other_settings_with_units(conn, name: str, value: str, shown: str, base: str) -> None:
    assert _shown(conn, name, value) == (shown, shown, base)


def test_defaults_and_units_in_pg_settings(conn) -> None:
    rows = conn.execute("select name, setting, unit, current_setting(name) from pg_settings where name in "
                        "('deadlock_timeout', 'maintenance_work_mem', 'shared_buffers', 'statement_timeout', "
                        "'work_mem') order by name").fetchall()
    assert rows == [("deadlock_timeout", "1000", "ms", "1s"), ("maintenance_work_mem", "65536", "kB", "64MB"), ("shared_buffers", "16384", "8kB", "128MB"),
                    ("statement_timeout", "0", "ms", "0"), ("work_mem", "4096", "kB", "4MB")]
    assert conn.execute("show shared_buffers").fetchone() == ("128MB",)


def test_set_config_returns_the_value_with_its_unit(conn) -> None:
    assert conn.execute("select set_config('lock_timeout', '90000', false)").fetchone() == ("90s",)
    conn.execute("begin")
    conn.execute("set local lock_timeout = '2min'")
    assert conn.execute("show lock_timeout").fetchone() == ("2min",)
    conn.execute("commit")
    assert conn.execute("show lock_timeout").fetchone() == ("90s",)
    conn.execute("reset lock_timeout")


@pytest.mark.parametrize("name,value,hint", [
    ("statement_timeout", "7x", TIME_HINT), ("statement_timeout", "7S", TIME_HINT),
    ("statement_timeout", "7s x", TIME_HINT), ("statement_timeout", "abc", None), ("statement_timeout", "", None),
    ("statement_timeout", "2147483648", "Value exceeds integer range."),
    ("statement_timeout", "1e10", "Value exceeds integer range."),
    ("work_mem", "1mb", MEMORY_HINT), ("work_mem", "3x", MEMORY_HINT),
    ("extra_float_digits", "2s", None),  # no unit for a setting without one
])
def test_invalid_values(conn, name: str, value: str, hint: str | None) -> None:
    with pytest.raises(errors.InvalidParameterValue) as e:
        conn.execute(f"set {name} = '{value}'")
    assert e.value.diag.message_primary == f'invalid value for parameter "{name}": "{value}"'
    assert e.value.diag.message_hint == hint


@pytest.mark.parametrize("name,value,message", [
    ("statement_timeout", "-1", '-1 ms is outside the valid range for parameter "statement_timeout" (0 .. 2147483647)'),
    ("deadlock_timeout", "0", '0 ms is outside the valid range for parameter "deadlock_timeout" (1 .. 2147483647)'),
    ("idle_in_transaction_session_timeout", "-1s",
     '-1000 ms is outside the valid range for parameter "idle_in_transaction_session_timeout" (0 .. 2147483647)'),
    ("work_mem", "63", '63 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)'),
    ("work_mem", "2048B", '2 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)'),
    ("maintenance_work_mem", "1000",
     '1000 kB is outside the valid range for parameter "maintenance_work_mem" (1024 .. 2147483647)'),
    ("extra_float_digits", "4", '4 is outside the valid range for parameter "extra_float_digits" (-15 .. 3)'),
    ("max_parallel_workers_per_gather", "2000",
     '2000 is outside the valid range for parameter "max_parallel_workers_per_gather" (0 .. 1024)'),
    ("random_page_cost", "-1", '-1 is outside the valid range for parameter "random_page_cost" (0 .. 1.79769e+308)'),
])
def test_values_outside_the_bounds_pg_settings_gives(conn, name: str, value: str, message: str) -> None:
    with pytest.raises(errors.InvalidParameterValue) as e:
        conn.execute(f"set {name} = '{value}'")
    assert e.value.diag.message_primary == message


def test_numbers_without_a_unit(conn) -> None:
    assert _shown(conn, "extra_float_digits", "1.5") == ("2", "2", "2")
    assert _shown(conn, "extra_float_digits", "0x2") == ("2", "2", "2")
    assert _shown(conn, "random_page_cost", "1e3") == ("1000", "1000", "1000")
    assert _shown(conn, "random_page_cost", "1.5") == ("1.5", "1.5", "1.5")
    with pytest.raises(errors.InvalidParameterValue, match='invalid value for parameter "random_page_cost": "2ms"'):
        conn.execute("set random_page_cost = '2ms'")
