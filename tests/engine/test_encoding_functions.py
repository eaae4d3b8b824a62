"""encode/decode, convert_from/convert_to, length in an encoding, overlay, regexp_count and array_ndims, with the answers
PostgreSQL 15.18 gave for the same statements."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors


@pytest.fixture
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        yield c


def test_values_match_postgresql(conn):
    row = conn.execute(
        r"""select encode('\x00ff'::bytea, 'hex'), encode('abc'::bytea, 'base64'),
                   encode('\x615c01'::bytea, 'escape'), decode('YWJj', 'base64'), decode('00ff', 'hex'),
                   convert_from('\xc3b1', 'UTF8'), overlay('Txxxxas' placing 'hom' from 2 for 4),
                   overlay('Txxxxas' placing 'hom' from 2), regexp_count('ABCABCAXYaxy', 'A.'),
                   regexp_count('ABCABCAXYaxy', 'A.', 1, 'i'), array_ndims(array[[1,2],[3,4]]),
                   array_ndims(array[1])""").fetchone()
    assert row == ("00ff", "YWJj", "a\\\\\x01", b"abc", b"\x00\xff", "ñ", "Thomas", "Thomxas", 3, 4, 2, 1)
    long = conn.execute("select encode(decode(repeat('ab', 60), 'hex'), 'base64')").fetchone()[0]
    assert long.split("\n") == ["q6ur" * 19, "q6ur"]  # base64 lines of 76 characters


def test_errors(conn):
    with pytest.raises(errors.InvalidParameterValue):
        conn.execute("select decode('zz', 'hex')")
    with pytest.raises(errors.InvalidParameterValue):
        conn.execute("select encode('a'::bytea, 'rot13')")
    with pytest.raises(errors.CharacterNotInRepertoire):
        conn.execute(r"select convert_from('\xff', 'UTF8')")


def test_length_in_an_encoding(conn):
    row = conn.execute(r"""select length('\xe282ac'::bytea, 'UTF8'), length('\xe282ac'::bytea, 'LATIN1'),
                                  length(null::bytea, 'UTF8')""").fetchone()
    assert row == (1, 3, None)
    with pytest.raises(errors.CharacterNotInRepertoire):
        conn.execute(r"select length('\xff'::bytea, 'UTF8')")


@pytest.mark.parametrize("call, message", [
    (r"length('\xe282'::bytea, 'foo')", 'invalid encoding name "foo"'),
    (r"convert_from('\xe282'::bytea, 'foo')", 'invalid source encoding name "foo"'),
    ("convert_to('a', 'foo')", 'invalid destination encoding name "foo"'),
])
def test_unknown_encoding_names_the_argument_as_postgresql(conn, call, message):
    with pytest.raises(errors.InvalidParameterValue, match=message):
        conn.execute(f"select {call}")


def test_length_takes_at_most_two_arguments(conn):
    with pytest.raises(errors.UndefinedFunction, match=r"length\(unknown, unknown, unknown\)"):
        conn.execute("select length('a', 'b', 'c')")
