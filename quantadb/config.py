"""Node settings: defaults < TOML config file < QUANTADB_* environment variables < flags.

Every setting has the same name in all three places: `max_connections` in the file,
`QUANTADB_MAX_CONNECTIONS` in the environment, `--max-connections` on the command line.
`auth` is a list of pg_hba.conf lines (see wire/hba.py); in the environment the lines are
separated by `;`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from typing import Any, Mapping

from quantadb.wire.hba import parse_rules


# asyncio event loop implementations a node can run on
EVENT_LOOPS = ("uvloop", "asyncio")


@dataclass
class Settings:
    data_dir: str = "./data"
    host: str = "127.0.0.1"
    port: int = 5432
    http_host: str = ""
    http_port: int = 8432
    node_id: str = "node1"
    tls_cert: str = ""
    tls_key: str = ""
    auth: list[str] = field(default_factory=list)
    max_connections: int = 100
    max_message_bytes: int = 64 * 1024 * 1024
    statement_timeout_ms: int = 0
    shutdown_grace_s: float = 10.0
    fsync: bool = True
    autovacuum_naptime_s: float = 5.0
    log_level: str = "info"
    event_loop: str = "uvloop"

    def validate(self) -> None:
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("tls_cert and tls_key must be given together")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if self.autovacuum_naptime_s <= 0:
            raise ValueError("autovacuum_naptime_s must be positive")
        if self.max_message_bytes < 1024:
            raise ValueError("max_message_bytes must be at least 1024")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"invalid log_level {self.log_level!r}")
        if self.event_loop not in EVENT_LOOPS:
            raise ValueError(f"event_loop must be one of {', '.join(EVENT_LOOPS)}, not {self.event_loop!r}")
        parse_rules(self.auth)


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
HELP = {
    "data_dir": "directory of the database files (created if missing)",
    "host": "address to listen on for SQL (and HTTP unless http_host is set)",
    "port": "PostgreSQL protocol port; 0 picks a free one",
    "http_host": "address for the HTTP status API (default: host)",
    "http_port": "HTTP status API port; 0 picks a free one",
    "node_id": "this node's name in /cluster/status",
    "tls_cert": "PEM certificate (chain) for TLS; needs tls_key",
    "tls_key": "PEM private key for TLS",
    "auth": "pg_hba.conf line 'TYPE DATABASE USER ADDRESS METHOD' (repeatable; default: trust from "
            "loopback, scram-sha-256 from elsewhere)",
    "max_connections": "sessions beyond this are refused with 53300",
    "max_message_bytes": "a larger protocol message ends its connection (08P01)",
    "statement_timeout_ms": "default statement_timeout of every session; 0 = none",
    "shutdown_grace_s": "on SIGTERM, how long running statements may finish before they are canceled",
    "fsync": "flush the WAL to disk at commit (off is faster and not crash-safe)",
    "autovacuum_naptime_s": "seconds between autovacuum's looks at the tables (PostgreSQL's autovacuum_naptime)",
    "log_level": "debug, info, warning or error",
    "event_loop": "uvloop (the libuv loop: less CPU per request) or asyncio (the standard library's)",
}
ENV_PREFIX = "QUANTADB_"


def _convert(name: str, value: Any, source: str) -> Any:
    kind = FIELDS[name].type
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "on", "yes"):
                return True
            if text in ("0", "false", "off", "no"):
                return False
            raise ValueError(value)
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "list[str]":
            if isinstance(value, str):
                return [line.strip() for line in value.split(";") if line.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(value)
            return list(value)
        if not isinstance(value, (str, int, float)):
            raise ValueError(value)
        return str(value)
    except ValueError:
        raise ValueError(f"invalid value for {name} in {source}: {value!r}") from None


def load(flags: Mapping[str, Any], config_file: str | None = None,
         environ: Mapping[str, str] | None = None) -> Settings:
    """Merge the sources; `flags` holds only the flags the user gave (None values ignored)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG") or None
    if config_file:
        with open(config_file, "rb") as f:
            data = tomllib.load(f)
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in FIELDS:
                raise ValueError(f"unrecognized setting {key!r} in {config_file}")
            values[name] = _convert(name, value, config_file)
    for name in FIELDS:
        env = environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            values[name] = _convert(name, env, ENV_PREFIX + name.upper())
    for name, value in flags.items():
        if value is not None:
            values[name] = _convert(name, value, "--" + name.replace("_", "-"))
    settings = Settings(**values)
    settings.validate()
    return settings
