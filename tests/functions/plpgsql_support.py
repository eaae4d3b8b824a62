"""Shared fixtures of the PL/pgSQL tests: a connection whose objects live in a fresh schema
(dropped afterwards), on QuantaDB or on the server QUANTADB_TEST_DSN names (PostgreSQL 15, to
check the expectations), and the notices it received."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import psycopg
import pytest


@dataclass(frozen=True)
class Notice:
    severity: str
    sqlstate: str
    message: str
    detail: str | None
    hint: str | None
    context: str | None


class Conn:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.notices: list[Notice] = []  # (psycopg's Diagnostic lives only during the callback)
        conn.add_notice_handler(lambda d: self.notices.append(Notice(
            d.severity, d.sqlstate, d.message_primary, d.message_detail, d.message_hint, d.context)))

    def q(self, sql: str, params: tuple | None = None) -> list[tuple]:
        cur = self.conn.execute(sql, params)
        return cur.fetchall() if cur.description else []

    def one(self, sql: str, params: tuple | None = None):
        return self.q(sql, params)[0][0]

    def error(self, sql: str, sqlstate: str) -> psycopg.errors.Diagnostic:
        with pytest.raises(psycopg.Error) as info:
            self.conn.execute(sql)
        assert info.value.sqlstate == sqlstate, (info.value.sqlstate, str(info.value))
        return info.value.diag


@pytest.fixture
def dsn(request):
    given = os.environ.get("QUANTADB_TEST_DSN")
    return given if given else request.getfixturevalue("server").dsn


@pytest.fixture
def pl(dsn):
    schema = f"pl_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path = {schema}")
        yield Conn(conn)
        conn.execute("RESET search_path")
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
