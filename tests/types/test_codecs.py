"""Wire codecs: text output byte-exact with PostgreSQL 15, binary layouts, round trips, errors."""

import math
import uuid
from decimal import Decimal

import pytest

from quantadb.errors import (
    InvalidBinaryRepresentation,
    InvalidParameterValue,
    InvalidTextRepresentation,
    NumericValueOutOfRange,
)
from quantadb.types import registry as r
from quantadb.types import textio as tx
from quantadb.types.codecs import (
    FormatContext,
    binary_decoder,
    binary_encoder,
    column_to_values,
    format_value,
    text_decoder,
    text_encoder,
    values_to_column,
)
from quantadb.types.jsonb import JSON_NULL
from quantadb.types.values import Interval


def text_out(t, values, ctx=FormatContext()):
    return text_encoder(t, ctx)(values_to_column(t, values))


def bin_out(t, values):
    return binary_encoder(t)(values_to_column(t, values))


# Expected strings obtained from PostgreSQL 15.18 with psql -At.
@pytest.mark.parametrize("t,value,expected", [
    (r.BOOL, True, "t"), (r.INT2, -32768, "-32768"), (r.INT8, 2**63 - 1, "9223372036854775807"),
    (r.FLOAT8, 1e20, "1e+20"), (r.FLOAT8, 1e15, "1e+15"), (r.FLOAT8, 1e14, "100000000000000"),
    (r.FLOAT8, 1234567890123456.0, "1.234567890123456e+15"), (r.FLOAT8, 0.0001, "0.0001"),
    (r.FLOAT8, 1e-05, "1e-05"), (r.FLOAT8, 1.5e-07, "1.5e-07"), (r.FLOAT8, 0.1, "0.1"),
    (r.FLOAT8, -0.0, "-0"), (r.FLOAT8, 3.14159265358979, "3.14159265358979"), (r.FLOAT8, 5e-324, "5e-324"),
    (r.FLOAT8, math.nan, "NaN"), (r.FLOAT8, -math.inf, "-Infinity"), (r.FLOAT8, 100.0, "100"),
    (r.FLOAT4, 123456789012345.0, "1.2345679e+14"), (r.FLOAT4, 1234567.0, "1.234567e+06"),
    (r.FLOAT4, 123456.0, "123456"), (r.FLOAT4, 3.14159265358979, "3.1415927"), (r.FLOAT4, 1e6, "1e+06"),
    (r.FLOAT4, 0.1, "0.1"), (r.FLOAT4, 3.4e38, "3.4e+38"),
    (r.NUMERIC, Decimal("12.3400"), "12.3400"), (r.NUMERIC, Decimal("NaN"), "NaN"),
    (r.NUMERIC, Decimal("1E+3"), "1000"), (r.NUMERIC, Decimal("-0"), "0"),
    (r.BYTEA, b"\x0a\x0b", "\\x0a0b"), (r.TEXT, "héllo", "héllo"),
    (r.UUID, uuid.UUID("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    (r.DATE, 8887, "2024-05-01"), (r.TIME, 45_296_500_000, "12:34:56.5"),
    (r.TIMESTAMP, 767_882_096_500_000, "2024-05-01 12:34:56.5"),
    (r.TIMESTAMPTZ, 767_882_096_500_000, "2024-05-01 12:34:56.5+00"),
    (r.INTERVAL, Interval(14, 3, 14_706_500_000), "1 year 2 mons 3 days 04:05:06.5"),
    (r.JSONB, {"b": [1, 2], "a": 1, "aa": None}, '{"a": 1, "b": [1, 2], "aa": null}'),
    (r.JSON, '{"b":1,  "a":2}', '{"b":1,  "a":2}'),
    (r.array_of(r.TEXT), ["a b", 'c"d', None, ""], '{"a b","c\\"d",NULL,""}'),
    (r.array_of(r.NUMERIC), [Decimal("1.5"), None], "{1.5,NULL}"),
    (r.array_of(r.INT4), [[1, 2], [3, 4]], "{{1,2},{3,4}}"),
    (r.array_of(r.TEXT), ["NULL", "a\\b", "{x}"], '{"NULL","a\\\\b","{x}"}'),
    (r.OID, 4294967295, "4294967295"), (r.PG_LSN, (22 << 32) | 0xB374D848, "16/B374D848"),
])
def test_text_output_matches_postgres(t, value, expected):
    assert text_out(r.sql(t), [value]) == [expected.encode()]
    assert format_value(t, value) == expected


def test_bpchar_padded_to_typmod_and_nulls():
    assert text_out(r.sql(r.BPCHAR, r.varchar_typmod(5)), ["ab", None]) == [b"ab   ", None]
    assert text_out(r.sql(r.INT4), [1, None, 3]) == [b"1", None, b"3"]
    assert text_out(r.sql(r.BOOL), [True, None, False]) == [b"t", None, b"f"]


def test_session_settings_change_text_output():
    ctx = FormatContext(timezone="Asia/Kolkata", extra_float_digits=0, bytea_output="escape")
    assert text_out(r.sql(r.TIMESTAMPTZ), [767_882_096_500_000], ctx) == [b"2024-05-01 18:04:56.5+05:30"]
    assert text_out(r.sql(r.FLOAT8), [1 / 3], ctx) == [b"0.333333333333333"]
    assert text_out(r.sql(r.FLOAT4), [1 / 3], ctx) == [b"0.333333"]
    assert text_out(r.sql(r.BYTEA), [b"a\\\x01"], ctx) == [b"a\\\\\\001"]


# Expected bytes from PostgreSQL 15 *_send functions.
@pytest.mark.parametrize("t,value,expected_hex", [
    (r.INT4, 5, "00000005"), (r.FLOAT8, 1.5, "3ff8000000000000"), (r.DATE, 8887, "000022b7"),
    (r.TIMESTAMPTZ, 767_882_096_500_000, "0002ba627b975d20"),
    (r.INTERVAL, Interval(14, 3, 14_706_500_000), "000000036c9361a0000000030000000e"),
    (r.array_of(r.INT4), [1, None, 3],
     "00000001000000010000001700000003000000010000000400000001ffffffff0000000400000003"),
    (r.UUID, uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "a0eebc999c0b4ef8bb6d6bb9bd380a11"),
    (r.JSONB, {"a": 1}, "017b2261223a20317d"),
    (r.NUMERIC, Decimal("-1.50"), "000200004000000200011388"),
    (r.NUMERIC, Decimal("12345.678"), "0003000100000003000109291a7c"),
    (r.NUMERIC, Decimal("0.00001"), "0001fffe0000000503e8"), (r.NUMERIC, Decimal(10**20), "00010005000000000001"),
    (r.NUMERIC, Decimal("0.000"), "0000000000000003"), (r.NUMERIC, Decimal("NaN"), "00000000c0000000"),
    (r.BOOL, True, "01"), (r.OID, 4294967295, "ffffffff"),
])
def test_binary_output_matches_postgres(t, value, expected_hex):
    assert bin_out(r.sql(t), [value]) == [bytes.fromhex(expected_hex)]
    assert str(binary_decoder(r.sql(t))(bytes.fromhex(expected_hex))) == str(value)


@pytest.mark.parametrize("t,value,expected_hex", [
    (r.INT2VECTOR, "1 3", "0000000100000000000000150000000200000000000000020001000000020003"),
    (r.INT2VECTOR, "", "0000000100000000000000150000000000000000"),
    (r.OIDVECTOR, "0 26", "00000001000000000000001a00000002000000000000000400000000000000040000001a"),
    (r.CHAR, "", "00"),
])
def test_binary_output_of_catalog_vectors_and_char(t, value, expected_hex):
    """int2vectorsend/oidvectorsend are array_send with lower bound 0 (asyncpg decodes pg_index.indkey
    so); charsend of the empty "char" (pg_attribute.attgenerated) is a zero byte."""
    assert bin_out(r.sql(t), [value]) == [bytes.fromhex(expected_hex)]


def test_binary_input_of_zero_char_is_empty():
    assert binary_decoder(r.sql(r.CHAR))(b"\x00") == ""


ROUND_TRIP = [
    (r.BOOL, [True, False, None]), (r.INT2, [-32768, 32767]), (r.INT4, [0, -(2**31)]),
    (r.INT8, [2**63 - 1, None]), (r.FLOAT4, [0.5, -1.25]), (r.FLOAT8, [0.1, 1e300, -5e-324]),
    (r.NUMERIC, [Decimal("3.14"), Decimal("-100"), Decimal("Infinity"), Decimal("0.0001")]),
    (r.TEXT, ["a", "", "ü€"]), (r.VARCHAR, ["x y"]), (r.NAME, ["pg_class"]), (r.CHAR, ["c"]),
    (r.BYTEA, [b"\x00\xff", b""]), (r.DATE, [0, -800_000, 2_000_000]), (r.TIME, [0, 86_399_999_999]),
    (r.TIMESTAMP, [0, -(10**15), 10**16]), (r.TIMESTAMPTZ, [767_882_096_500_000]),
    (r.INTERVAL, [Interval(1, -2, 3), Interval(0, 0, -1)]), (r.UUID, [uuid.UUID(int=12345)]),
    (r.JSONB, [{"k": [1, Decimal("2.5"), "s", JSON_NULL, True]}, 3, "x", JSON_NULL]), (r.JSON, ['[1, {"a": 2}]']),
    (r.array_of(r.INT8), [[1, None, 3], []]), (r.array_of(r.TEXT), [["a,b", "", None, "NULL"]]),
    (r.array_of(r.FLOAT8), [[[1.5, 2.0], [3.0, None]]]), (r.array_of(r.DATE), [[0, 1]]),
    (r.VARBIT, ["10110"]), (r.PG_LSN, [123456789]), (r.MONEY, [-123456]),
]


@pytest.mark.parametrize("t,values", ROUND_TRIP, ids=[t.name for t, _ in ROUND_TRIP])
def test_round_trips(t, values):
    st = r.sql(t)
    col = values_to_column(st, values)
    assert column_to_values(st, col) == values
    text_dec, bin_dec = text_decoder(st), binary_decoder(st)
    assert [None if v is None else text_dec(v) for v in text_encoder(st)(col)] == values
    assert [None if v is None else bin_dec(v) for v in binary_encoder(st)(col)] == values


@pytest.mark.parametrize("text", ["t", "TRUE", " yes ", "on", "1", "y", "tr"])
def test_bool_true_spellings(text):
    assert text_decoder(r.sql(r.BOOL))(text) is True


@pytest.mark.parametrize("text", ["f", "False", "no", "off", "0", "n", "of"])
def test_bool_false_spellings(text):
    assert text_decoder(r.sql(r.BOOL))(text.encode()) is False


@pytest.mark.parametrize("t,text,exc,sqlstate,message", [
    (r.INT4, "abc", InvalidTextRepresentation, "22P02", 'invalid input syntax for type integer: "abc"'),
    (r.INT4, "1.5", InvalidTextRepresentation, "22P02", 'invalid input syntax for type integer: "1.5"'),
    (r.INT4, "99999999999", NumericValueOutOfRange, "22003", 'value "99999999999" is out of range for type integer'),
    (r.INT2, "40000", NumericValueOutOfRange, "22003", 'value "40000" is out of range for type smallint'),
    (r.BOOL, "maybe", InvalidTextRepresentation, "22P02", 'invalid input syntax for type boolean: "maybe"'),
    (r.NUMERIC, "x", InvalidTextRepresentation, "22P02", 'invalid input syntax for type numeric: "x"'),
    (r.FLOAT8, "1e400", NumericValueOutOfRange, "22003", '"1e400" is out of range for type double precision'),
    (r.FLOAT4, "1e50", NumericValueOutOfRange, "22003", '"1e50" is out of range for type real'),
    (r.FLOAT4, "x", InvalidTextRepresentation, "22P02", 'invalid input syntax for type real: "x"'),
    (r.UUID, "x", InvalidTextRepresentation, "22P02", 'invalid input syntax for type uuid: "x"'),
    (r.array_of(r.INT4), "{1,2", InvalidTextRepresentation, "22P02", 'malformed array literal: "{1,2"'),
    (r.JSONB, '{"a":}', InvalidTextRepresentation, "22P02", "invalid input syntax for type json"),
    (r.BYTEA, "\\xzz", InvalidParameterValue, "22023", 'invalid hexadecimal digit: "z"'),
    (r.DATE, "x", Exception, "22007", 'invalid input syntax for type date: "x"'),
])
def test_text_input_errors(t, text, exc, sqlstate, message):
    with pytest.raises(exc) as e:
        text_decoder(r.sql(t))(text)
    assert e.value.sqlstate == sqlstate
    assert e.value.message == message


def test_array_input_forms():
    dec = text_decoder(r.sql(r.array_of(r.TEXT)))
    assert dec('{ a , "b c" ,NULL, "NULL", "x\\"y"}') == ["a", "b c", None, "NULL", 'x"y']
    assert dec("{}") == []
    assert text_decoder(r.sql(r.array_of(r.INT4)))("{{1,2},{3,4}}") == [[1, 2], [3, 4]]
    assert text_decoder(r.sql(r.array_of(r.INT4)))("[1:2]={5,6}") == [5, 6]
    with pytest.raises(InvalidTextRepresentation) as e:
        text_decoder(r.sql(r.array_of(r.INT4)))("{{1},{2,3}}")
    assert "matching dimensions" in e.value.detail


def test_jsonb_input_normalises():
    value = text_decoder(r.sql(r.JSONB))('{"b": 1, "a": 2.50, "a": 3}')
    assert format_value(r.JSONB, value) == '{"a": 3, "b": 1}'
    assert format_value(r.JSONB, {"x": "tab\tquote\"é"}) == '{"x": "tab\\tquote\\"é"}'


def test_binary_input_errors():
    with pytest.raises(InvalidBinaryRepresentation):
        binary_decoder(r.sql(r.INT4))(b"\x00\x01")
    with pytest.raises(InvalidBinaryRepresentation):
        binary_decoder(r.sql(r.JSONB))(b"\x02{}")


def test_invalid_utf8_rejected():
    with pytest.raises(Exception) as e:
        text_decoder(r.sql(r.TEXT))(b"\xff")
    assert e.value.sqlstate == "22021"


@pytest.mark.parametrize("parse,text", [  # PostgreSQL 15 answers 22P02 for each
    (tx.parse_numeric, "١٢٣"), (tx.parse_float, "１.５"), (tx.parse_numeric, "\u00a01.5"),
    (tx.parse_float, "1.5\u2003"), (tx.parse_bool, "\u00a0true"),
])
def test_only_ascii_digits_and_spaces(parse, text):
    with pytest.raises(InvalidTextRepresentation):
        parse(text)


def test_ascii_spaces_around_numbers_and_booleans():
    assert tx.parse_numeric(" \t1.5\n") == Decimal("1.5")
    assert tx.parse_float("\v-1e5\f") == -100000.0
    assert tx.parse_bool(" true\r") is True
