"""encode/decode, convert_from, overlay, regexp_count and array_ndims, with the answers
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
