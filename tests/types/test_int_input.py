"""Integer text input (int2in, int4in, int8in) against PostgreSQL 15.18's answers to
`SELECT $1::text::int2|int4|int8`: each spelling as a Bind parameter (bytes, the decoder's
fast path for plain digits) and as a COPY field or cast (str)."""

import pytest

from quantadb.errors import (
    CharacterNotInRepertoire,
    InvalidTextRepresentation,
    NumericValueOutOfRange,
)
from quantadb.types import registry as r
from quantadb.types.codecs import FormatContext, text_decoder

TYPES = {"int2": (r.INT2, "smallint"), "int4": (r.INT4, "integer"), "int8": (r.INT8, "bigint")}

# Accepted by all three types, with this value.
ACCEPTED = [
    ("0", 0), ("-0", 0), ("+0", 0), ("123", 123), ("-123", -123), ("+123", 123), (" 123", 123),
    ("123 ", 123), ("\t123\n", 123), ("\v\f\r 42 \r\f\v", 42), (" +7 ", 7),
    ("00000000000000000000123", 123), ("-000000000000000000000000000032768", -32768),
    ("-" + "0" * 5000 + "7", -7),
]

# Refused by all three types with 22P02: signs without digits, inner blanks, underscores (PG 16
# takes those, 15 does not), non-ASCII digits and blanks, other notations.
SYNTAX_ERRORS = [
    "", " ", "-", "+", "- 123", "--1", "+-1", "1 2", "1_000", "12a", "0x1A", "1e3", "1.0",
    "\u0661\u0662\u0663", "\uff11\uff12\uff13", "\u00b2", "\U0001d7d9", "\u00a0123", "123\u00a0",
    "\u2003123", "\x1c123",
]

# The edges of each range: a value, or None for 22003 (out of range).
RANGES = {
    "int2": [("32767", 32767), ("32768", None), ("-32768", -32768), ("-32769", None),
             ("2147483647", None), ("-9223372036854775809", None)],
    "int4": [("32768", 32768), ("-32769", -32769), ("2147483647", 2147483647), ("2147483648", None),
             ("-2147483648", -2147483648), ("-2147483649", None), ("9223372036854775807", None)],
    "int8": [("2147483648", 2147483648), ("-2147483649", -2147483649),
             ("9223372036854775807", 9223372036854775807), ("9223372036854775808", None),
             ("-9223372036854775808", -9223372036854775808), ("-9223372036854775809", None),
             ("99999999999999999999999", None), ("9" * 5000, None)],
}


def decode(type_key: str, data: bytes | str):
    return text_decoder(r.sql(TYPES[type_key][0]))(data)


def spellings(text: str) -> list[bytes | str]:
    return [text, text.encode()]


@pytest.mark.parametrize("type_key", TYPES)
@pytest.mark.parametrize("text,value", ACCEPTED)
def test_accepted_spellings(type_key, text, value):
    for data in spellings(text):
        assert decode(type_key, data) == value


@pytest.mark.parametrize("type_key", TYPES)
@pytest.mark.parametrize("text", SYNTAX_ERRORS)
def test_syntax_errors(type_key, text):
    for data in spellings(text):
        with pytest.raises(InvalidTextRepresentation) as e:
            decode(type_key, data)
        assert e.value.sqlstate == "22P02"
        assert e.value.message == f'invalid input syntax for type {TYPES[type_key][1]}: "{text}"'


@pytest.mark.parametrize("type_key,text,value", [(k, t, v) for k, edges in RANGES.items() for t, v in edges])
def test_range_edges(type_key, text, value):
    for data in spellings(text):
        if value is not None:
            assert decode(type_key, data) == value
            continue
        with pytest.raises(NumericValueOutOfRange) as e:
            decode(type_key, data)
        assert e.value.sqlstate == "22003"
        assert e.value.message == f'value "{text}" is out of range for type {TYPES[type_key][1]}'


def test_undecodable_bytes():
    with pytest.raises(CharacterNotInRepertoire) as e:
        decode("int4", b"1\xff")
    assert e.value.sqlstate == "22021"


def test_client_encoding_decodes_the_message():
    latin1 = text_decoder(r.sql(r.INT4), FormatContext(client_encoding="LATIN1"))
    assert latin1(b"-42") == -42
    with pytest.raises(InvalidTextRepresentation) as e:
        latin1(b"\xa042")
    assert e.value.message == 'invalid input syntax for type integer: "\xa042"'
