"""A scripted stand-in for the engine, so the protocol layer is tested on its own.

Statements it understands (case-sensitive, one per `;`):
  SELECT 1                one int4 row          ROWS n      n int4 rows (column "n")
  BATCHES n m             n batches of m int4 rows               DURABLE s   tag "COMMIT", durable after s seconds
  SLEEP s                 runs on a worker, cancelable (57014)
  ERROR                   raises 42P01          NOTICE     a NOTICE, then tag "DO"
  BEGIN / COMMIT / ROLLBACK                     transaction status I/T/E and 25P02
  COPY IN                 text COPY FROM STDIN, counts lines; a line "bad" raises 22P04
  COPY OUT n              COPY TO STDOUT of n lines
  SET x                   ParameterStatus application_name=x
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from quantadb.engine.notify import NotifyHub
from quantadb.engine.results import ColumnDesc, CopyOut, Result, RunInWorker
from quantadb.errors import (BadCopyFileFormat, DuplicatePreparedStatement, InFailedSqlTransaction,
                             InvalidCatalogName, InvalidCursorName, InvalidSqlStatementName, Notice,
                             QueryCanceled, SqlError, UndefinedTable)
from quantadb.types import registry
from quantadb.types.column import Batch, Column
from quantadb.types.context import FormatContext

INT4 = registry.sql(registry.by_oid(23))


@dataclass
class Role:
    name: str
    can_login: bool
    password: str | None
    superuser: bool = False


class FakeDatabase:
    def __init__(self, roles: dict[str, str | None] | None = None) -> None:
        self.roles = roles or {}
        self.sessions: list[FakeSession] = []

    def role_auth(self, user: str) -> Role | None:
        if user == "nologin":
            return Role(user, False, None)
        if user not in self.roles:
            return None
        return Role(user, True, self.roles[user])

    def connect(self, user, database, params, pid, secret) -> "FakeSession":
        if database == "nope":
            raise InvalidCatalogName(f'database "{database}" does not exist')
        s = FakeSession(user, params)
        self.sessions.append(s)
        return s

    def current_lsn(self) -> int:
        return 42

    def stats(self) -> dict:
        return {"wal_bytes_written": 10, "wal_fsync_count": 1, "wal_fsync_seconds": 0.001, "data_dir_bytes": 100}

    def close(self) -> None:
        pass


class _CopyIn:
    binary = False
    column_count = 1

    def __init__(self) -> None:
        self.lines = 0

    def feed(self, data: bytes) -> None:
        for line in data.decode().splitlines():
            if line == "bad":
                raise BadCopyFileFormat("invalid input")
            if line != "\\.":
                self.lines += 1

    def finish(self, *, inline: bool) -> Result:
        return Result(tag=f"COPY {self.lines}")

    def fail(self, reason: str) -> SqlError:
        return QueryCanceled(reason)


def _rows(n: int, name: str = "n") -> Result:
    col = Column(np.arange(1, n + 1, dtype=np.int32))
    return Result(tag=f"SELECT {n}", columns=[ColumnDesc(name, INT4)], batches=[Batch([col], n)], formats=[0])


class FakeSettings:
    def __init__(self) -> None:
        self.changed: dict[str, str] = {}  # reported settings changed since the last take_reports
        self.version = 0

    def get(self, name: str) -> str | None:
        return None  # every setting at its default (no idle timeouts)


class FakeSession:
    def __init__(self, user: str, params: dict[str, str]) -> None:
        self.user = user
        self.params = params
        self.transaction_status = "I"
        self.format_context = FormatContext()
        self.statements: dict[str, str] = {}
        self.portals: dict[str, list] = {}
        self.canceled = threading.Event()
        self.notices: list[Notice] = []
        self.notifications = NotifyHub().session(0, 0)  # none ever arrives
        self.settings = FakeSettings()
        self.closed = False
        self.query_text = ""  # the statement running or last run, as the wire layer logs it with an error
        self.rounds = 0  # rounds and Queries answered by point_round / point_query
        self.in_one_call = True  # answer them so (else: the messages' general path)

    def startup_parameters(self) -> dict[str, str]:
        return {"server_version": "15.8", "client_encoding": self.params.get("client_encoding", "UTF8"),
                "application_name": self.params.get("application_name", ""), "DateStyle": "ISO, MDY",
                "integer_datetimes": "on", "standard_conforming_strings": "on", "TimeZone": "UTC"}

    def take_reports(self):
        out = (self.settings.changed, self.notices)
        self.settings.changed, self.notices = {}, []
        return out

    def split(self, sql: str) -> list[str]:
        return [s.strip() for s in sql.split(";") if s.strip()]

    def run(self, stmt: str, *, inline: bool, max_rows: int = 0, formats: list[int] | None = None) -> Result:
        if self.transaction_status == "E" and stmt not in ("COMMIT", "ROLLBACK"):
            raise InFailedSqlTransaction("current transaction is aborted, commands ignored until end of "
                                         "transaction block")
        self.query_text = stmt
        try:
            return self._run(stmt, inline)
        except SqlError:
            self.statement_failed()
            raise

    def row_lock_wait(self) -> None:
        return None  # no row locks here: a statement that must wait (SLEEP) runs on a worker

    def statement_failed(self) -> None:
        if self.transaction_status == "T":
            self.transaction_status = "E"

    def _run(self, stmt: str, inline: bool) -> Result:
        word, _, arg = stmt.partition(" ")
        if stmt == "SELECT 1":
            r = _rows(1, "?column?")
        elif word == "ROWS":
            r = _rows(int(arg))
        elif word == "BATCHES":
            n, m = map(int, arg.split())
            r = _rows(m)
            r.batches = r.batches * n
            r.tag = f"SELECT {n * m}"
        elif word == "DURABLE":
            done: Future = Future()
            threading.Timer(float(arg), done.set_result, (None,)).start()
            r = Result(tag="COMMIT", durable=done)
        elif word == "SLEEP":
            if inline:
                raise RunInWorker()
            self.canceled.clear()
            if self.canceled.wait(float(arg)):
                raise QueryCanceled("canceling statement due to user request")
            r = Result(tag="SELECT 0", columns=[ColumnDesc("pg_sleep", INT4)], batches=[], formats=[0])
        elif stmt == "ERROR":
            raise UndefinedTable('relation "missing" does not exist', position=15)
        elif stmt == "NOTICE":
            self.notices.append(Notice("hello from the engine"))
            r = Result(tag="DO")
        elif stmt == "BEGIN":
            self.transaction_status = "T"
            r = Result(tag="BEGIN")
        elif stmt in ("COMMIT", "ROLLBACK"):
            r = Result(tag="ROLLBACK" if self.transaction_status == "E" else stmt)
            self.transaction_status = "I"
        elif stmt == "COPY IN":
            r = Result(copy_in=_CopyIn())
        elif word == "COPY" and arg.startswith("OUT"):
            n = int(arg.split()[1])
            r = Result(copy_out=CopyOut(False, 1, [f"{i}\n".encode() for i in range(n)], f"COPY {n}"))
        elif word == "SET":
            self.settings.changed["application_name"] = arg
            r = Result(tag="SET")
        else:
            from quantadb.errors import SyntaxError as PgSyntaxError
            raise PgSyntaxError(f'syntax error at or near "{word}"', position=1)
        return r

    def end_query(self, failed: bool):
        return None

    # extended protocol
    def parse(self, name: str, sql: str, param_oids: list[int]) -> None:
        if name and name in self.statements:
            raise DuplicatePreparedStatement(f'prepared statement "{name}" already exists')
        self.statements[name] = sql.rstrip(";").strip()

    def bind(self, portal, statement, param_formats, params, result_formats) -> None:
        if statement not in self.statements:
            raise InvalidSqlStatementName(f'prepared statement "{statement}" does not exist')
        self.portals[portal] = [self.statements[statement], result_formats, None]

    def point_round(self, statement, param_formats, params, result_formats):
        """A prepared `SELECT 1` outside a transaction block as one round (engine/point_round.py);
        anything else goes message by message."""
        if not self.in_one_call or self.statements.get(statement) != "SELECT 1" or self.transaction_status != "I" \
                or len(result_formats) > 1:
            return None
        self.portals.clear()  # the round's Sync ends them
        self.rounds += 1
        result = self._run("SELECT 1", inline=True)
        formats = list(result_formats) or [0]
        return result.columns, result.columns, formats, result.batches[0], result.tag

    def point_query(self, stmt: str):
        """A Query of `SELECT 1` alone outside a transaction block in one call (engine/point_round.py)."""
        if not self.in_one_call or stmt != "SELECT 1" or self.transaction_status != "I":
            return None
        self.rounds += 1
        result = self._run(stmt, inline=True)
        return result.columns, result.batches[0], result.tag

    def _columns(self, sql: str):
        if sql == "SELECT 1":
            return [ColumnDesc("?column?", INT4)]
        if sql.startswith("ROWS"):
            return [ColumnDesc("n", INT4)]
        return None

    def describe_statement(self, name: str):
        if name not in self.statements:
            raise InvalidSqlStatementName(f'prepared statement "{name}" does not exist')
        return [], self._columns(self.statements[name])

    def describe_portal(self, name: str):
        if name not in self.portals:
            raise InvalidCursorName(f'portal "{name}" does not exist')
        sql, formats, _ = self.portals[name]
        cols = self._columns(sql)
        return cols, ([formats[0] if formats else 0] * len(cols) if cols else [])

    def execute(self, portal: str, max_rows: int, *, inline: bool) -> Result:
        if portal not in self.portals:
            raise InvalidCursorName(f'portal "{portal}" does not exist')
        entry = self.portals[portal]
        sql, formats, pending = entry
        if pending is None:
            if not sql:
                return Result(empty=True)
            pending = entry[2] = self.run(sql, inline=inline)
        if pending.columns is None or not max_rows:
            del self.portals[portal]
            pending.formats = [formats[0] if formats else 0] * len(pending.columns or [])
            return pending
        col = pending.batches[0].columns[0] if pending.batches else Column(np.zeros(0, np.int32))
        take, rest = col.data[:max_rows], col.data[max_rows:]
        pending.batches = [Batch([Column(rest)], len(rest))]
        out = Result(columns=pending.columns, batches=[Batch([Column(take)], len(take))],
                     formats=[formats[0] if formats else 0])
        if len(rest) == 0 and len(take) < max_rows:
            out.tag = pending.tag
        return out

    def close_statement(self, name: str) -> None:
        self.statements.pop(name, None)

    def close_portal(self, name: str) -> None:
        self.portals.pop(name, None)

    def sync(self):
        if self.transaction_status == "I":
            self.portals.clear()
        return None

    def cancel(self) -> None:
        self.canceled.set()

    def close(self) -> None:
        self.closed = True
