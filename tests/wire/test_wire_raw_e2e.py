"""Exact protocol sequences against the real engine (raw sockets, bytes we build)."""

import struct

import pytest
from rawclient import (FLUSH, SYNC, RawClient, bind, describe, error_fields, execute, kinds, msg, parse, query,
                       startup_packet)


@pytest.fixture
def raw(server):
    c = RawClient(server.host, server.port)
    got = c.connect(user="postgres", database="postgres", some_unknown_guc="1", application_name="raw")
    assert kinds(got).endswith("KZ")
    yield c
    c.close()


def test_negotiate_protocol_version_with_grease(server):
    c = RawClient(server.host, server.port)
    c.send(startup_packet({"user": "postgres", "database": "postgres", "_pq_.test_protocol_negotiation": "x"},
                          code=(3 << 16) | 9999))
    got = c.read_until("Z")
    assert got[0][0] == "v" and struct.unpack("!ii", got[0][1][:8]) == (0, 1)
    assert got[1] == ("R", b"\0\0\0\0")


def test_parse_describe_flush_without_sync(raw):
    raw.send(parse("q1", "SELECT 1 AS one") + describe("S", "q1") + FLUSH)
    got = [raw.read() for _ in range(3)]
    assert kinds(got) == "1tT"
    raw.send(bind("", "q1") + execute("") + SYNC)
    got = raw.read_until()
    assert kinds(got) == "2DCZ" and got[1][1] == b"\0\x01\0\0\0\x011"


def test_error_skips_to_sync(raw):
    raw.send(parse("", "SELECT * FROM raw_missing_table") + bind("", "") + execute("") + query("SELECT 1") + SYNC)
    got = raw.read_until()
    assert kinds(got) == "EZ" and error_fields(got[0][1])["C"] == "42P01" and got[-1][1] == b"I"


def test_implicit_transaction_of_a_multi_statement_query(raw):
    raw.send(query("DROP TABLE IF EXISTS raw_tx; CREATE TABLE raw_tx (a int)"))
    raw.read_until()
    raw.send(query("INSERT INTO raw_tx VALUES (1); SELECT * FROM raw_missing_table; INSERT INTO raw_tx VALUES (2)"))
    assert kinds(raw.read_until()) == "CEZ"
    raw.send(query("SELECT count(*) FROM raw_tx"))
    got = raw.read_until()
    assert got[1][1] == b"\0\x01\0\0\0\x010"  # the first INSERT was rolled back with the rest


def test_named_portal_survives_sync_inside_begin(raw):
    raw.send(query("BEGIN"))
    assert raw.read_until()[-1][1] == b"T"
    raw.send(parse("", "SELECT g FROM generate_series(1, 5) AS g") + bind("cur", "") + execute("cur", 2) + SYNC)
    assert kinds(raw.read_until()) == "12DDsZ"
    raw.send(execute("cur", 2) + SYNC)
    assert kinds(raw.read_until()) == "DDsZ"
    raw.send(execute("cur", 2) + SYNC)
    got = raw.read_until()
    assert kinds(got) == "DCZ" and got[1][1] == b"SELECT 1\0"
    raw.send(query("COMMIT"))
    assert raw.read_until()[-1][1] == b"I"


def test_copy_from_stdin_with_terminator_and_empty_string(raw):
    raw.send(query("DROP TABLE IF EXISTS raw_copy; CREATE TABLE raw_copy (a int, b text)"))
    raw.read_until()
    raw.send(query("COPY raw_copy FROM STDIN"))
    assert raw.read()[0] == "G"
    raw.send(msg(b"d", b"1\tx\n2\t\n") + msg(b"d", b"3\t\\N\n\\.\n") + msg(b"c"))
    got = raw.read_until()
    assert kinds(got) == "CZ" and got[0][1] == b"COPY 3\0"
    raw.send(query("SELECT count(*) FROM raw_copy WHERE b = ''"))
    assert raw.read_until()[1][1] == b"\0\x01\0\0\0\x011"


@pytest.mark.parametrize("sql", ["", ";", "-- just a comment"])
def test_empty_queries(raw, sql):
    raw.send(query(sql))
    assert kinds(raw.read_until()) == "IZ"


def test_simple_query_template_follows_catalog_and_settings(raw):
    """A simple-protocol query shape seen before skips re-checking its template (session.py) only
    while catalog and settings are unchanged: after DDL or SET it binds anew, and errors are
    still those of the text the client sent."""
    def ask(sql):
        raw.send(query(sql))
        return raw.read_until()

    ask("DROP TABLE IF EXISTS raw_tpl; CREATE TABLE raw_tpl (a int, b text)")
    ask("INSERT INTO raw_tpl VALUES (1, 'x'), (2, 'y')")
    for value, expected in ((1, b"x"), (2, b"y"), (3, None)):
        got = ask(f"SELECT b FROM raw_tpl WHERE a = {value}")
        rows = [body for kind, body in got if kind == "D"]
        assert rows == ([] if expected is None else [b"\0\x01\0\0\0\x01" + expected])
    ask("DROP TABLE raw_tpl")
    got = ask("SELECT b FROM raw_tpl WHERE a = 1")
    fields = error_fields(got[0][1])
    assert kinds(got) == "EZ" and fields["C"] == "42P01" and '"raw_tpl"' in fields["M"]
    ask("CREATE TABLE raw_tpl (a int, b int)")
    ask("INSERT INTO raw_tpl VALUES (1, 10)")
    got = ask("SELECT b FROM raw_tpl WHERE a = 1")
    assert [body for kind, body in got if kind == "D"] == [b"\0\x01\0\0\0\x0210"]
    ask("CREATE SCHEMA IF NOT EXISTS raw_tpl_s; CREATE TABLE raw_tpl_s.raw_tpl (a int, b text)")
    ask("INSERT INTO raw_tpl_s.raw_tpl VALUES (1, 'other')")
    ask("SET search_path = raw_tpl_s, public")
    got = ask("SELECT b FROM raw_tpl WHERE a = 1")
    assert [body for kind, body in got if kind == "D"] == [b"\0\x01\0\0\0\x05other"]
    ask("RESET search_path; DROP TABLE raw_tpl; DROP SCHEMA raw_tpl_s CASCADE")


def _column_names(row_description: bytes) -> list[str]:
    (n,), names, at = struct.unpack("!h", row_description[:2]), [], 2
    for _ in range(n):
        end = row_description.index(b"\0", at)
        names.append(row_description[at:end].decode())
        at = end + 1 + 18
    return names


def test_a_fetch_portal_keeps_the_columns_of_its_bind(raw):
    """Two portals of one prepared FETCH, bound before and after its cursor was declared again:
    each describes the cursor it found at its Bind, the statement the one of its Parse (as
    PostgreSQL 15's)."""
    raw.send(query("BEGIN; DECLARE c CURSOR FOR SELECT 1 AS a"))
    raw.read_until()
    raw.send(parse("s", "FETCH 1 FROM c") + bind("p1", "s") + SYNC)
    assert kinds(raw.read_until()) == "12Z"
    raw.send(query("CLOSE c; DECLARE c CURSOR FOR SELECT 2 AS b, 3 AS bb"))
    raw.read_until()
    raw.send(bind("p2", "s") + describe("P", "p2") + describe("P", "p1") + describe("S", "s") + SYNC)
    got = raw.read_until()
    assert kinds(got) == "2TTtTZ"
    assert [_column_names(body) for kind, body in got if kind == "T"] == [["b", "bb"], ["a"], ["a"]]
    raw.send(query("ROLLBACK"))
    raw.read_until()
