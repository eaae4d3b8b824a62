"""FETCH over the wire, as PostgreSQL 15 sends it. A BINARY cursor's rows come in their binary
send format (RowDescription's format codes 1) over the simple query protocol, as
exec_simple_query picks for a FETCH of a binary cursor; over the extended protocol the Bind's
result formats decide. A prepared FETCH describes the cursor it finds at Bind. Runs against
PostgreSQL with QUANTADB_TEST_DSN."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from psycopg.pq import ExecStatus

ROW_1 = [b"\x00\x00\x00\x01", b"x", b"?\xf8\x00\x00\x00\x00\x00\x00", b"\x00\x02\x00\x00\x00\x00\x00\x02\x00\x02\t\xc4",
         b"\x01", b"\x00\x00\x1c\x8a",
         b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x14\x00\x00\x00\x02\x00\x00\x00\x01"
         b"\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x02"]
ROW_1_TEXT = [b"1", b"x", b"1.5", b"2.25", b"t", b"2020-01-02", b"{1,2}"]


@pytest.fixture
def conn(dsn):
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS bincur")
        c.execute("CREATE TABLE bincur (a int, b text, c float8, d numeric, e bool, f date, g int8[])")
        c.execute("INSERT INTO bincur VALUES (1, 'x', 1.5, 2.25, true, '2020-01-02', '{1,2}'),"
                  " (2, NULL, NULL, NULL, NULL, NULL, NULL)")
        yield c
        c.execute("DROP TABLE bincur")


def _values(result) -> list[list[bytes | None]]:
    return [[result.get_value(r, i) for i in range(result.nfields)] for r in range(result.ntuples)]


def test_simple_protocol_fetch_is_binary(conn):
    pg = conn.pgconn
    result = pg.exec_(b"BEGIN; DECLARE c BINARY CURSOR FOR SELECT * FROM bincur ORDER BY a; FETCH 2 FROM c")
    assert result.status == ExecStatus.TUPLES_OK
    assert [result.fformat(i) for i in range(result.nfields)] == [1] * 7
    assert _values(result) == [ROW_1, [b"\x00\x00\x00\x02"] + [None] * 6]
    # MOVE sends no rows; a FETCH past the end still describes its columns as binary
    assert pg.exec_(b"MOVE BACKWARD ALL IN c").command_status == b"MOVE 1"
    result = pg.exec_(b"FETCH 0 FROM c")
    assert result.ntuples == 0 and [result.fformat(i) for i in range(result.nfields)] == [1] * 7
    pg.exec_(b"COMMIT")
    # a cursor declared without BINARY still fetches text
    result = pg.exec_(b"BEGIN; DECLARE t CURSOR FOR SELECT * FROM bincur ORDER BY a; FETCH 1 FROM t")
    assert [result.fformat(i) for i in range(result.nfields)] == [0] * 7 and _values(result) == [ROW_1_TEXT]
    pg.exec_(b"COMMIT")


def test_extended_protocol_fetch_follows_the_bind(conn):
    pg = conn.pgconn
    conn.execute("BEGIN")
    conn.execute("DECLARE c BINARY CURSOR FOR SELECT * FROM bincur ORDER BY a")
    text = pg.exec_params(b"FETCH 1 FROM c", [], result_format=0)
    assert [text.fformat(i) for i in range(text.nfields)] == [0] * 7 and _values(text) == [ROW_1_TEXT]
    binary = pg.exec_params(b"FETCH 1 FROM c", [], result_format=1)
    assert [binary.fformat(i) for i in range(binary.nfields)] == [1] * 7
    assert _values(binary) == [[b"\x00\x00\x00\x02"] + [None] * 6]
    conn.execute("COMMIT")
    # psycopg's own FETCH (extended, text unless asked) reads the values back
    conn.execute("BEGIN")
    conn.execute("DECLARE c BINARY CURSOR FOR SELECT a, b, f FROM bincur ORDER BY a")
    assert conn.execute("FETCH 1 FROM c").fetchall() == [(1, "x", datetime.date(2020, 1, 2))]
    assert conn.cursor(binary=True).execute("FETCH 1 FROM c").fetchall() == [(2, None, None)]
    conn.execute("COMMIT")


def test_a_prepared_fetch_describes_the_cursor_it_finds(conn):
    """The cursor a prepared FETCH names may be declared again over another query (psycopg
    prepares a statement it runs often): each Bind describes that query's rows."""
    for query, row in (("SELECT a FROM bincur ORDER BY a", (1,)),
                       ("SELECT a, b, e FROM bincur ORDER BY a", (1, "x", True)),
                       ("SELECT f, g FROM bincur ORDER BY a", (datetime.date(2020, 1, 2), [1, 2]))):
        conn.execute("BEGIN")
        conn.execute(f"DECLARE c CURSOR FOR {query}")
        assert conn.execute("FETCH 1 FROM c", prepare=True).fetchall() == [row]
        assert conn.cursor(binary=True).execute("FETCH ABSOLUTE 1 FROM c", prepare=True).fetchall() == [row]
        conn.execute("COMMIT")


def test_a_prepared_fetch_keeps_what_its_parse_described(conn):
    """A Bind describes the portal, not the statement: Describe of the prepared FETCH shows the
    cursor it found at Parse (or none), whatever later Binds found."""
    pg = conn.pgconn
    conn.execute("BEGIN")
    assert pg.prepare(b"fetch_none", b"FETCH 1 FROM c").status == ExecStatus.COMMAND_OK
    conn.execute("DECLARE c CURSOR FOR SELECT a FROM bincur ORDER BY a")
    assert pg.prepare(b"fetch_a", b"FETCH 1 FROM c").status == ExecStatus.COMMAND_OK
    conn.execute("CLOSE c")
    conn.execute("DECLARE c CURSOR FOR SELECT b, e FROM bincur ORDER BY a")
    for name in (b"fetch_none", b"fetch_a"):
        ran = pg.exec_prepared(name, [])
        assert [ran.fname(i) for i in range(ran.nfields)] == [b"b", b"e"]
    described = [pg.describe_prepared(name) for name in (b"fetch_none", b"fetch_a")]
    assert [[d.fname(i) for i in range(d.nfields)] for d in described] == [[], [b"a"]]
    conn.execute("COMMIT")
