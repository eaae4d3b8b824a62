"""pgcli (from the `test` extra) against the real server.

Two ways: its own completion refresher (PGExecute's catalog queries for schemas, tables,
columns, foreign keys, views, types, databases and functions) feeding its completer, asked for
what follows "SELECT * FROM " and "SELECT  FROM tbl"; and the pgcli program itself under a
pseudo-terminal, where Tab completes a table name and a column name in a query that then runs.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from pgcli.completion_refresher import CompletionRefresher
from pgcli.pgexecute import PGExecute
from pgspecial.main import PGSpecial
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

SCHEMA = """
DROP VIEW IF EXISTS clients_pgcli_big;
DROP TABLE IF EXISTS clients_pgcli_orders;
DROP TABLE IF EXISTS clients_pgcli_customers;
CREATE TABLE clients_pgcli_customers (id int PRIMARY KEY, full_name text NOT NULL);
CREATE TABLE clients_pgcli_orders (id int PRIMARY KEY, customer_id int REFERENCES clients_pgcli_customers(id),
                                   order_total numeric(8,2));
CREATE VIEW clients_pgcli_big AS SELECT id, order_total FROM clients_pgcli_orders WHERE order_total > 100;
INSERT INTO clients_pgcli_customers VALUES (1, 'Ada');
INSERT INTO clients_pgcli_orders VALUES (7, 1, 250.00);
"""


@pytest.fixture(scope="module")
def completer(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
    executor = PGExecute(database="postgres", user="postgres", host=server.host, port=server.port,
                         sslmode="disable")
    done = []
    # What `refresh` runs in its background thread, here in the foreground: an error fails the test.
    CompletionRefresher()._bg_refresh(executor, PGSpecial(), done.append, None, {"single_connection": True})
    executor.conn.close()
    return done[0]


def suggestions(completer, text: str, cursor: int | None = None) -> list[str]:
    doc = Document(text, len(text) if cursor is None else cursor)
    return [c.text for c in completer.get_completions(doc, CompleteEvent())]


def test_completes_relations_after_from(completer) -> None:
    names = suggestions(completer, "SELECT * FROM ")
    assert {"clients_pgcli_customers", "clients_pgcli_orders", "clients_pgcli_big", "public"} <= set(names)
    assert suggestions(completer, "SELECT * FROM clients_pgcli_cu") == ["clients_pgcli_customers"]


def test_completes_columns_of_the_table(completer) -> None:
    # the table's columns first, then functions and keywords
    names = suggestions(completer, "SELECT  FROM clients_pgcli_orders", cursor=len("SELECT "))
    assert names[:3] == ["customer_id", "id", "order_total"], names[:10]
    assert "full_name" not in names
    view_columns = suggestions(completer, "SELECT  FROM clients_pgcli_big", cursor=len("SELECT "))
    assert view_columns[:2] == ["id", "order_total"], view_columns[:10]


def test_completes_join_condition_from_foreign_key(completer) -> None:
    names = suggestions(completer, "SELECT * FROM clients_pgcli_orders o JOIN ")
    assert names[0] == "clients_pgcli_customers ON clients_pgcli_customers.id = o.customer_id"


class Terminal:
    """pgcli on a pseudo-terminal: write keystrokes, read until some bytes appear."""

    def __init__(self, server, home: Path) -> None:
        pgcli = shutil.which("pgcli", path=str(Path(sys.executable).parent))
        assert pgcli, "pgcli is not installed (the test extra)"
        env = {**os.environ, "XDG_CONFIG_HOME": str(home), "PAGER": "cat", "TERM": "xterm", "PGSSLMODE": "disable"}
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([pgcli, "--less-chatty", "-h", server.host, "-p", str(server.port),
                                      "-U", "postgres", "postgres"],
                                     stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = b""

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_for(self, *tokens: bytes, timeout: float = 30, since: int = 0) -> bytes | None:
        """The first of `tokens` written after offset `since`, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = [t for t in tokens if t in self.seen[since:]]
            if found or time.monotonic() > deadline:
                return found[0] if found else None
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the program has exited
                    return None
                if b"\x1b[6n" in chunk:  # prompt_toolkit asks where the cursor is; a terminal answers
                    self.type(b"\x1b[1;1R")
                self.seen += chunk

    def settle(self, seconds: float) -> None:
        """Keep reading the screen for a while (the completion menu comes from a worker thread)."""
        self.wait_for(timeout=seconds)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)


@pytest.fixture
def terminal(server, completer, tmp_path):
    term = Terminal(server, tmp_path)
    yield term
    term.close()


def test_pgcli_program_completes_and_runs(terminal) -> None:
    assert terminal.wait_for(b"postgres>"), terminal.seen[-2000:]
    # Only prefixes are typed: the query runs only if Tab completed the table and the column name.
    # The menu pops up while typing once the background refresh has loaded the catalog, and Tab
    # takes its first entry; until then the query fails and is tried again.
    for _ in range(10):
        mark = len(terminal.seen)
        for prefix in (b"SELECT * FROM clients_pgcli_ord", b" WHERE order_to"):
            terminal.type(prefix)
            terminal.settle(1.0)
            terminal.type(b"\t")
            terminal.settle(0.3)
        terminal.type(b" > 0\r")
        if terminal.wait_for(b"250.00", b"does not exist", since=mark) == b"250.00":
            break
    else:
        raise AssertionError(terminal.seen[-3000:])
    assert b"SELECT 1" in terminal.seen[mark:]
    terminal.type(b"\\q\r")
    assert terminal.proc.wait(30) == 0
