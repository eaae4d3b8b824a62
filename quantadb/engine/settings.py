"""Run-time settings (GUCs): their defaults, which ones clients are told about, SET/RESET
semantics including SET LOCAL and rollback of SET inside a failed transaction."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from quantadb import __version__
from quantadb.errors import InsufficientPrivilege, InvalidParameterValue, SqlError, UndefinedObject
from quantadb.types.datetime import canonical_zone_name

SERVER_VERSION = "15.8"
SERVER_VERSION_NUM = "150008"
VERSION_STRING = (f"PostgreSQL {SERVER_VERSION} (QuantaDB {__version__}) on x86_64-pc-linux-gnu, "
                  f"compiled by Python, 64-bit")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    report: bool = False  # GUC_REPORT: sent as ParameterStatus when it changes
    category: str = "Client Connection Defaults"
    description: str = ""
    vartype: str = "string"  # bool integer real string enum
    unit: str | None = None
    context: str = "user"  # user superuser backend postmaster internal
    read_only: bool = False


_SETTINGS = [
    Setting("server_version", SERVER_VERSION, True, "Preset Options", "Shows the server version.", context="internal",
            read_only=True),
    Setting("server_version_num", SERVER_VERSION_NUM, False, "Preset Options", "Shows the server version as an integer.",
            "integer", context="internal", read_only=True),
    Setting("server_encoding", "UTF8", True, "Preset Options", "Shows the server (database) character set encoding.",
            context="internal", read_only=True),
    Setting("client_encoding", "UTF8", True, description="Sets the client's character set encoding."),
    Setting("DateStyle", "ISO, MDY", True, description="Sets the display format for date and time values."),
    Setting("IntervalStyle", "postgres", True, description="Sets the display format for interval values.",
            vartype="enum"),
    Setting("TimeZone", "UTC", True, description="Sets the time zone for displaying and interpreting time stamps."),
    Setting("integer_datetimes", "on", True, "Preset Options", "Shows whether datetimes are integer based.", "bool",
            context="internal", read_only=True),
    Setting("standard_conforming_strings", "on", True, "Version and Platform Compatibility",
            "Causes '...' strings to treat backslashes literally.", "bool"),
    Setting("is_superuser", "on", True, "Preset Options", "Shows whether the current user is a superuser.", "bool",
            context="internal", read_only=True),
    Setting("session_authorization", "postgres", True, description="Sets the session user name.",
            read_only=True),
    Setting("application_name", "", True, "Reporting and Logging",
            "Sets the application name to be reported in statistics and logs."),
    Setting("default_transaction_read_only", "off", True, description="Sets the default read-only status of new "
            "transactions.", vartype="bool"),
    Setting("in_hot_standby", "off", True, "Preset Options", "Shows whether hot standby is currently active.", "bool",
            context="internal", read_only=True),
    Setting("scram_iterations", "4096", False, "Connections and Authentication",
            "Sets the iteration count for SCRAM secret generation.", "integer"),
    Setting("search_path", '"$user", public', description="Sets the schema search order for names that are not "
            "schema-qualified."),
    Setting("default_table_access_method", "heap",
            description="Sets the default table access method for new tables."),
    Setting("default_tablespace", "", description="Sets the default tablespace to create tables and indexes in."),
    Setting("temp_tablespaces", "", description="Sets the tablespace(s) to use for temporary tables and sort files."),
    Setting("default_transaction_isolation", "read committed", description="Sets the transaction isolation level of "
            "each new transaction.", vartype="enum"),
    Setting("transaction_isolation", "read committed", description="Sets the current transaction's isolation level.",
            vartype="enum"),
    Setting("transaction_read_only", "off", description="Sets the current transaction's read-only status.",
            vartype="bool"),
    Setting("transaction_deferrable", "off", vartype="bool"),
    Setting("default_transaction_deferrable", "off", vartype="bool"),
    Setting("statement_timeout", "0", vartype="integer", unit="ms",
            description="Sets the maximum allowed duration of any statement."),
    Setting("lock_timeout", "0", vartype="integer", unit="ms",
            description="Sets the maximum allowed duration of any wait for a lock."),
    Setting("deadlock_timeout", "1000", category="Lock Management", vartype="integer", unit="ms", context="superuser",
            description="Sets the time to wait on a lock before checking for deadlock."),
    Setting("idle_in_transaction_session_timeout", "0", vartype="integer", unit="ms",
            description="Sets the maximum allowed idle time between queries, when in a transaction."),
    Setting("idle_session_timeout", "0", vartype="integer", unit="ms",
            description="Sets the maximum allowed idle time between queries, when not in a transaction."),
    Setting("synchronous_commit", "on", category="Write-Ahead Log", vartype="enum",
            description="Sets the current transaction's synchronization level."),
    Setting("extra_float_digits", "1", vartype="integer",
            description="Sets the number of digits displayed for floating-point values."),
    Setting("bytea_output", "hex", vartype="enum", description="Sets the output format for bytea."),
    Setting("max_connections", "100", category="Connections and Authentication", vartype="integer",
            context="postmaster", read_only=True),
    Setting("max_identifier_length", "63", category="Preset Options", vartype="integer", context="internal",
            read_only=True),
    Setting("max_index_keys", "32", category="Preset Options", vartype="integer", context="internal",
            read_only=True, description="Shows the maximum number of index keys."),
    Setting("max_function_args", "100", category="Preset Options", vartype="integer", context="internal",
            read_only=True, description="Shows the maximum number of function arguments."),
    Setting("block_size", "8192", category="Preset Options", vartype="integer", context="internal", read_only=True),
    Setting("lc_collate", "C", category="Preset Options", context="internal", read_only=True),
    Setting("lc_ctype", "C", category="Preset Options", context="internal", read_only=True),
    Setting("lc_messages", "C"),
    Setting("lc_monetary", "C"),
    Setting("lc_numeric", "C"),
    Setting("lc_time", "C"),
    Setting("default_text_search_config", "pg_catalog.english"),
    Setting("client_min_messages", "notice", vartype="enum"),
    Setting("log_min_messages", "warning", vartype="enum", context="superuser"),
    # the server logs to its standard output; pgAdmin's dashboard asks before reading log files
    Setting("log_destination", "stderr", category="Reporting and Logging / Where to Log",
            description="Sets the destination for server log output.", context="sighup", read_only=True),
    Setting("logging_collector", "off", category="Reporting and Logging / Where to Log",
            description="Start a subprocess to capture stderr, csvlog and/or jsonlog into log files.",
            vartype="bool", context="postmaster", read_only=True),
    Setting("jit", "off", vartype="bool"),
    Setting("row_security", "on", vartype="bool"),
    Setting("check_function_bodies", "on", vartype="bool"),
    Setting("xmloption", "content", vartype="enum"),
    Setting("timezone_abbreviations", "Default"),
    Setting("max_parallel_workers_per_gather", "0", vartype="integer"),
    Setting("work_mem", "4096", vartype="integer", unit="kB"),
    Setting("maintenance_work_mem", "65536", vartype="integer", unit="kB"),
    Setting("shared_buffers", "16384", vartype="integer", unit="8kB", context="postmaster", read_only=True),
    Setting("wal_level", "replica", vartype="enum", context="postmaster", read_only=True),
    Setting("data_directory_mode", "0700", vartype="integer", context="internal", read_only=True),
    Setting("enable_seqscan", "on", vartype="bool"),
    Setting("enable_indexscan", "on", vartype="bool"),
    Setting("enable_hashjoin", "on", vartype="bool"),
    Setting("synchronize_seqscans", "on", vartype="bool"),
    Setting("random_page_cost", "4", vartype="real"),
    Setting("track_io_timing", "off", vartype="bool"),
    Setting("password_encryption", "scram-sha-256", vartype="enum"),
    Setting("role", "none"),
    Setting("session_replication_role", "origin", vartype="enum"),
    Setting("array_nulls", "on", vartype="bool"),
    Setting("escape_string_warning", "on", vartype="bool"),
    Setting("backslash_quote", "safe_encoding", vartype="enum"),
    Setting("quote_all_identifiers", "off", vartype="bool"),
    Setting("ssl", "off", vartype="bool", context="postmaster", read_only=True),
    Setting("port", "5432", vartype="integer", context="postmaster", read_only=True),
    Setting("listen_addresses", "127.0.0.1", context="postmaster", read_only=True),
]

SETTINGS: dict[str, Setting] = {s.name.lower(): s for s in _SETTINGS}
REPORTED = [s.name for s in _SETTINGS if s.report]

# pg_settings' min_val/max_val of the numeric settings and enumvals of the enum ones, as
# PostgreSQL 15 reports them (pgAdmin builds its editors of role and database variables from them)
_MAX_INT = "2147483647"
BOUNDS: dict[str, tuple[str, str]] = {
    "block_size": ("8192", "8192"), "data_directory_mode": ("0", "511"), "deadlock_timeout": ("1", _MAX_INT),
    "extra_float_digits": ("-15", "3"),
    "idle_in_transaction_session_timeout": ("0", _MAX_INT), "idle_session_timeout": ("0", _MAX_INT),
    "lock_timeout": ("0", _MAX_INT),
    "maintenance_work_mem": ("1024", _MAX_INT), "max_connections": ("1", "262143"),
    "max_function_args": ("100", "100"), "max_identifier_length": ("63", "63"), "max_index_keys": ("32", "32"),
    "max_parallel_workers_per_gather": ("0", "1024"), "port": ("1", "65535"),
    "random_page_cost": ("0", "1.79769e+308"), "scram_iterations": ("1", _MAX_INT),
    "server_version_num": (SERVER_VERSION_NUM, SERVER_VERSION_NUM), "shared_buffers": ("16", "1073741823"),
    "statement_timeout": ("0", _MAX_INT), "work_mem": ("64", _MAX_INT),
}
_LEVELS = ("debug5", "debug4", "debug3", "debug2", "debug1")
_ISOLATIONS = ("serializable", "repeatable read", "read committed", "read uncommitted")
ENUM_VALUES: dict[str, tuple[str, ...]] = {
    "IntervalStyle": ("postgres", "postgres_verbose", "sql_standard", "iso_8601"),
    "backslash_quote": ("safe_encoding", "on", "off"), "bytea_output": ("escape", "hex"),
    "client_min_messages": (*_LEVELS, "log", "notice", "warning", "error"),
    "default_transaction_isolation": _ISOLATIONS, "transaction_isolation": _ISOLATIONS,
    "log_min_messages": (*_LEVELS, "info", "notice", "warning", "error", "log", "fatal", "panic"),
    "password_encryption": ("md5", "scram-sha-256"), "session_replication_role": ("origin", "replica", "local"),
    "synchronous_commit": ("local", "remote_write", "remote_apply", "on", "off"),
    "wal_level": ("minimal", "replica", "logical"), "xmloption": ("content", "document"),
}

_BOOL_TRUE = {"on", "true", "yes", "1", "t", "y"}
_BOOL_FALSE = {"off", "false", "no", "0", "f", "n"}
_ENCODINGS = {"utf8": "UTF8", "unicode": "UTF8", "sqlascii": "SQL_ASCII", "latin1": "LATIN1"}
_ISOLATION = {"read committed", "read uncommitted", "repeatable read", "serializable"}


def normalize(name: str, value: str) -> str:
    """Validate and canonicalise a value as PostgreSQL would show it back."""
    setting = SETTINGS[name.lower()]
    if setting.vartype == "bool":
        v = value.strip().lower()
        if v in _BOOL_TRUE:
            return "on"
        if v in _BOOL_FALSE:
            return "off"
        raise InvalidParameterValue(f'parameter "{setting.name}" requires a Boolean value')
    if setting.name == "client_encoding":
        key = "".join(ch for ch in value.lower() if ch.isalnum())
        if key not in _ENCODINGS:
            raise InvalidParameterValue(f'invalid value for parameter "client_encoding": "{value}"')
        return _ENCODINGS[key]
    if setting.name in ("transaction_isolation", "default_transaction_isolation"):
        v = " ".join(value.lower().split())
        if v not in _ISOLATION:
            raise InvalidParameterValue(f'invalid value for parameter "{setting.name}": "{value}"')
        return v
    if setting.name == "TimeZone":
        return _timezone(value)
    if setting.name == "DateStyle":
        parts = [p.strip().upper() for p in value.replace(" ", ",").split(",") if p.strip()]
        style = next((p for p in parts if p in ("ISO", "SQL", "POSTGRES", "GERMAN")), "ISO")
        order = next((p for p in parts if p in ("MDY", "DMY", "YMD", "US", "EUROPEAN", "NONEURO")), "MDY")
        order = {"US": "MDY", "NONEURO": "MDY", "EUROPEAN": "DMY"}.get(order, order)
        if style != "ISO":
            raise InvalidParameterValue(f'invalid value for parameter "DateStyle": "{value}"',
                                        detail="Only the ISO output style is supported.")
        return f"ISO, {order}"
    if setting.name == "IntervalStyle" and value.lower() != "postgres":
        raise InvalidParameterValue(f'invalid value for parameter "IntervalStyle": "{value}"',
                                    detail="Only the postgres interval style is supported.")
    if setting.vartype == "integer":
        return _integer(setting, value)
    if setting.vartype == "real":
        return _real(setting, value)
    if setting.name == "synchronous_commit":
        v = value.lower()
        if v not in ("on", "off", "local", "remote_write", "remote_apply", "true", "false", "yes", "no", "1", "0"):
            raise InvalidParameterValue(f'invalid value for parameter "synchronous_commit": "{value}"')
        return {"true": "on", "yes": "on", "1": "on", "false": "off", "no": "off", "0": "off"}.get(v, v)
    return value


# Units a value may be given in, largest first, as PostgreSQL's unit conversion tables (guc.c),
# in bytes or milliseconds; a setting's base unit is one of them (shared_buffers' is 8kB blocks).
_MEMORY_UNITS = {"TB": 1024.0 ** 4, "GB": 1024.0 ** 3, "MB": 1024.0 ** 2, "kB": 1024.0, "B": 1.0}
_TIME_UNITS = {"d": 86400000.0, "h": 3600000.0, "min": 60000.0, "s": 1000.0, "ms": 1.0, "us": 0.001}
_MEMORY_HINT = 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".'
_TIME_HINT = 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".'
# base unit: (its table, its size in the table's unit, the hint for a unit not in the table)
_BASE_UNITS = {"kB": (_MEMORY_UNITS, 1024.0, _MEMORY_HINT), "8kB": (_MEMORY_UNITS, 8192.0, _MEMORY_HINT),
               "ms": (_TIME_UNITS, 1.0, _TIME_HINT)}
_INT_MIN, _INT_MAX = -(2 ** 31), 2 ** 31 - 1
# strtol(value, &end, 0), then strtod when it stops at a decimal point or exponent, as parse_int
_STRTOL = re.compile(r"\s*[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_STRTOD = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _conversions(unit: str) -> list[tuple[str, float]]:
    """(unit name, how many base units it is), largest first, for a setting of base `unit`."""
    table, size, _hint = _BASE_UNITS[unit]
    return [(name, factor / size) for name, factor in table.items()]


def _number(value: str) -> tuple[float, str] | None:
    """The number `value` starts with and the rest after it, stripped, as PostgreSQL's parse_int
    reads it: strtol with base 0 (so 010 is octal, 0x10 hex), and strtod if that stops at a
    decimal point or exponent. None if it does not start with a number."""
    match = _STRTOL.match(value)
    end = match.end() if match else 0
    if value[end:end + 1] in (".", "e", "E"):
        match = _STRTOD.match(value)
        if match is None:
            return None
        number = float(match.group())
    elif match is None:
        return None
    else:
        text = match.group().strip()
        digits = text.lstrip("+-")
        base = 16 if digits[:2] in ("0x", "0X") else 8 if len(digits) > 1 and digits[0] == "0" else 10
        number = float(int(text, base))
    return number, value[match.end():].strip()


def _integer(setting: Setting, value: str) -> str:
    """The value in the setting's base unit, as PostgreSQL's parse_int and its range check: a unit
    (case-sensitive) is allowed only for a setting that has one, a fraction is rounded half-even."""
    invalid = f'invalid value for parameter "{setting.name}": "{value}"'
    parsed = _number(value)
    if parsed is None or math.isinf(parsed[0]):
        raise InvalidParameterValue(invalid)
    number, unit = parsed
    if unit:
        if setting.unit is None:
            raise InvalidParameterValue(invalid)
        conversions = _conversions(setting.unit)
        names = [name for name, _ in conversions]
        if unit not in names:
            raise InvalidParameterValue(invalid, hint=_BASE_UNITS[setting.unit][2])
        i = names.index(unit)
        number *= conversions[i][1]
        if i + 1 < len(conversions):  # "1.5s" is 1500 ms: a fraction rounds to the next smaller unit
            smaller = conversions[i + 1][1]
            number = round(number / smaller) * smaller
    result = round(number)
    if not _INT_MIN <= result <= _INT_MAX:
        raise InvalidParameterValue(invalid, hint="Value exceeds integer range.")
    low, high = BOUNDS.get(setting.name, (str(_INT_MIN), str(_INT_MAX)))
    if not int(low) <= result <= int(high):
        unit_name = f" {setting.unit}" if setting.unit else ""
        raise InvalidParameterValue(f'{result}{unit_name} is outside the valid range for parameter '
                                    f'"{setting.name}" ({low} .. {high})')
    return str(result)


def _real(setting: Setting, value: str) -> str:
    """As PostgreSQL's parse_real (strtod) and its range check; shown as C's %g."""
    match = _STRTOD.match(value)
    if match is None or value[match.end():].strip():
        raise InvalidParameterValue(f'invalid value for parameter "{setting.name}": "{value}"')
    number = float(match.group())
    low, high = BOUNDS[setting.name]
    if not float(low) <= number <= float(high):
        raise InvalidParameterValue(f'{number:g} is outside the valid range for parameter "{setting.name}" '
                                    f'({low} .. {high})')
    return f"{number:g}"


def display(setting: Setting, value: str) -> str:
    """The value as SHOW and current_setting() give it: an integer with a unit in the largest
    unit that divides it exactly (7000 ms is 7s, 1500 ms 1500ms, 4096 kB 4MB), as PostgreSQL's
    convert_int_from_base_unit; pg_settings.setting keeps the number in the base unit."""
    if setting.unit is None or setting.vartype != "integer" or int(value) <= 0:
        return value
    number = int(value)
    # the base unit (factor 1) or a smaller one always qualifies
    name, factor = next((name, factor) for name, factor in _conversions(setting.unit)
                        if factor <= 1.0 or number % int(factor) == 0)
    return f"{round(number / factor)}{name}"


def _timezone(value: str) -> str:
    v = value.strip()
    if v.lower() in ("utc", "gmt", "z", "zulu", "etc/utc"):
        return "UTC" if v.lower() != "etc/utc" else "Etc/UTC"
    canonical = canonical_zone_name(v)
    if canonical is not None:
        return canonical
    try:
        hours = float(v)
    except ValueError:
        raise InvalidParameterValue(f'invalid value for parameter "TimeZone": "{value}"') from None
    # a bare number is hours east of UTC (POSIX spells the sign the other way)
    return f"<{'+' if hours >= 0 else '-'}{abs(hours):02g}>{'-' if hours >= 0 else '+'}{abs(hours):g}"


class Settings:
    """One session's values. SET inside a transaction is undone if it rolls back; SET LOCAL at
    its end either way."""

    def __init__(self, startup: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = {k: s.default for k, s in SETTINGS.items()}
        self.session_defaults: dict[str, str] = dict(self.values)
        self.custom: dict[str, str] = {}
        self._txn_saved: dict[str, str] | None = None
        self._local_saved: dict[str, str] = {}
        self.changed: dict[str, str] = {}
        self.version = 0  # bumped by every change of a value: caches derived from values compare it
        self.from_client: set[str] = set()  # given at start-up (pg_settings.source 'client')
        # the start-up packet's settings (and those of its `options`); a value a setting does not
        # take ends the connection (FATAL 22023), as in PostgreSQL. Parameters QuantaDB does not
        # know are passed over: drivers send PostgreSQL settings it has no use for
        for name, value in (startup or {}).items():
            key = name.lower()
            if key in SETTINGS and not SETTINGS[key].read_only:
                try:
                    v = normalize(key, value.strip("'"))
                except SqlError as exc:
                    exc.severity = "FATAL"
                    raise
                self.values[key] = v
                self.session_defaults[key] = v
                self.from_client.add(key)

    def get(self, name: str) -> str | None:
        key = name.lower()
        if key in self.values:
            return self.values[key]
        return self.custom.get(key)

    def show(self, name: str) -> tuple[str, str]:
        """(column name, value) for SHOW and current_setting(), with its unit; 42704 for an unknown
        parameter."""
        key = name.lower()
        if key in SETTINGS:
            setting = SETTINGS[key]
            return setting.name, display(setting, self.values[key])
        if key in self.custom:
            return name, self.custom[key]
        raise UndefinedObject(f'unrecognized configuration parameter "{name}"')

    def set(self, name: str, value: str | None, *, local: bool = False, in_txn: bool = False,
            superuser: bool = True) -> None:
        """SET (RESET: value None). A custom "prefix.name" is created on first use, and SET LOCAL
        and rollback restore it like any other (to '' if it is new, as PostgreSQL's placeholder).
        `superuser`: may the current user set a setting of context superuser?"""
        key = name.lower()
        if key in SETTINGS:
            setting = SETTINGS[key]
            if setting.read_only and key not in ("session_authorization",):
                raise InvalidParameterValue(f'parameter "{setting.name}" cannot be changed')
            if setting.context == "superuser" and not superuser:
                raise InsufficientPrivilege(f'permission denied to set parameter "{setting.name}"')
            new = self.session_defaults[key] if value is None else normalize(key, value)
        elif "." in key:
            new = value or ""
        else:
            raise UndefinedObject(f'unrecognized configuration parameter "{name}"')
        if in_txn:
            old = self.get(key) or ""
            if local:
                self._local_saved.setdefault(key, old)
            elif self._txn_saved is not None:
                self._txn_saved.setdefault(key, old)
        self.set_config_option(key, new)

    def begin(self) -> None:
        self._txn_saved = {}
        self._local_saved = {}

    def end(self, committed: bool) -> None:
        """Transaction end: undo SET LOCAL always, plain SET on rollback."""
        if not self._local_saved and (committed or not self._txn_saved):  # nothing SET: most transactions
            self._txn_saved = None
            return
        restore = dict(self._local_saved)
        if not committed and self._txn_saved:
            for k, v in self._txn_saved.items():
                restore.setdefault(k, v)
        for k, v in restore.items():
            self.set_config_option(k, v)
        self._txn_saved = None
        self._local_saved = {}

    def reset_all(self, *, in_txn: bool = False) -> None:
        """RESET ALL: undone by a rollback like each RESET (`in_txn`: inside a transaction block)."""
        for key, setting in SETTINGS.items():
            if not setting.read_only:
                self.set(key, None, in_txn=in_txn)
        for key in list(self.custom):
            self.set(key, None, in_txn=in_txn)

    def set_config_option(self, key: str, value: str, *, session_default: bool = False) -> None:
        """Every change of a value goes through here (so `version` changes with it): SET's, and
        those the server makes, as PostgreSQL's SetConfigOption, without SET's checks or its
        undoing at transaction end (`session_default`: also what RESET returns to)."""
        setting = SETTINGS.get(key)
        values = self.values if setting is not None else self.custom
        if session_default:
            self.session_defaults[key] = value
        if values.get(key) != value:
            values[key] = value
            self.version += 1
            if setting is not None and setting.report:
                self.changed[setting.name] = value

    def source(self, key: str) -> str:
        """pg_settings.source: where the current value comes from."""
        value = self.values[key]
        if key in self.from_client and value == self.session_defaults[key]:
            return "client"
        return "default" if value == SETTINGS[key].default else "session"

    def take_changes(self) -> dict[str, str]:
        out, self.changed = self.changed, {}
        return out

    def reported(self) -> dict[str, str]:
        return {name: self.values[name.lower()] for name in REPORTED}
