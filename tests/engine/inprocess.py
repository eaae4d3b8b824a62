"""An in-process database with one session, for white-box engine tests: statements run through
Session's extended-protocol calls (Parse, Bind, Execute, Sync) without a server."""

from __future__ import annotations

import shutil
import tempfile

from quantadb.engine.database import Database
from quantadb.errors import SqlError
from quantadb.exec.columns import column_values


class InProcessDb:
    def __init__(self, setup: tuple[str, ...] = ()) -> None:
        self.data_dir = tempfile.mkdtemp(prefix="qdb-test-")
        self.db = Database.open(self.data_dir, fsync=False)
        self.session = self.db.connect("postgres", "postgres", {}, 1, 2)
        for sql in setup:
            self.execute(sql)

    def execute(self, sql: str, params: tuple = ()) -> tuple[str, list[tuple]]:
        """(command tag, returned rows); an error is raised (after its Sync)."""
        s = self.session
        s.parse("", sql, [])
        s.bind("", "", [0], [None if p is None else str(p).encode() for p in params], [])
        try:
            result = s.execute("", 0, inline=False)
        except SqlError:
            s.sync()
            raise
        s.close_portal("")
        done = s.sync()
        if done is not None:
            done.result()
        rows = [list(zip(*[column_values(c) for c in b.columns])) for b in result.batches]
        return result.tag, [r for part in rows for r in part]

    def run(self, sql: str, params: tuple = ()) -> tuple:
        """execute()'s result, or (SQLSTATE, message) of its error."""
        try:
            return self.execute(sql, params)
        except SqlError as e:
            return e.sqlstate, str(e)

    def close(self) -> None:
        self.session.close()
        self.db.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)
