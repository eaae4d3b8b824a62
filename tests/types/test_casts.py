"""Casts: results and errors compared with PostgreSQL 15."""

from decimal import Decimal

import numpy as np
import pytest

from quantadb.errors import NumericValueOutOfRange, StringDataRightTruncation
from quantadb.types import registry as r
from quantadb.types.casts import can_cast, cast_column, cast_value
from quantadb.types.codecs import FormatContext, format_value
from quantadb.types.column import Column
from quantadb.types.rowtypes import record_type

S = r.sql
NUM = S(r.NUMERIC)


@pytest.mark.parametrize("value,src,dst,expected", [
    (2.5, S(r.FLOAT8), S(r.INT4), 2), (3.5, S(r.FLOAT8), S(r.INT4), 4), (-2.5, S(r.FLOAT8), S(r.INT4), -2),
    (Decimal("2.5"), NUM, S(r.INT4), 3), (Decimal("-2.5"), NUM, S(r.INT4), -3),
    (1 / 3, S(r.FLOAT8), NUM, Decimal("0.333333333333333")), (0.1, S(r.FLOAT4), NUM, Decimal("0.1")),
    (True, S(r.BOOL), S(r.TEXT), "true"), (True, S(r.BOOL), S(r.INT4), 1), (7, S(r.INT4), S(r.BOOL), True),
    (Decimal("12.345"), NUM, S(r.NUMERIC, r.numeric_typmod(4, 2)), Decimal("12.35")),
    (Decimal("0.5"), NUM, S(r.NUMERIC, r.numeric_typmod(3, 3)), Decimal("0.500")),
    (-1, S(r.INT4), S(r.OID), 4294967295), (4294967295, S(r.OID), S(r.INT4), -1),
    ("ab ", S(r.BPCHAR, r.varchar_typmod(3)), S(r.VARCHAR), "ab"),
    ("abcd", S(r.TEXT), S(r.VARCHAR, r.varchar_typmod(3)), "abc"),
    ("ab", S(r.TEXT), S(r.BPCHAR, r.varchar_typmod(4)), "ab  "),
    ("42", S(r.TEXT), S(r.INT8), 42), (42, S(r.INT8), S(r.TEXT), "42"),
    ("{1,2}", S(r.TEXT), S(r.array_of(r.INT4)), [1, 2]),
    ([1, None], S(r.array_of(r.INT4)), S(r.array_of(r.INT8)), [1, None]),
    ('{"b":1,"a":2}', S(r.JSON), S(r.JSONB), {"a": 2, "b": 1}),
    ({"b": 1, "a": 2}, S(r.JSONB), S(r.JSON), '{"a": 2, "b": 1}'),
    (Decimal("5"), S(r.JSONB), S(r.INT4), 5), (8887, S(r.DATE), S(r.TIMESTAMP), 8887 * 86_400_000_000),
    (None, S(r.INT4), S(r.TEXT), None),
])
def test_cast_values(value, src, dst, expected):
    assert cast_value(value, src, dst) == expected


def test_timezone_dependent_casts():
    ctx = FormatContext(timezone="Asia/Kolkata")
    ts = cast_value("2024-05-01 23:30+00", S(r.TEXT), S(r.TIMESTAMPTZ), ctx)
    assert format_value(r.DATE, cast_value(ts, S(r.TIMESTAMPTZ), S(r.DATE), ctx)) == "2024-05-02"
    midnight = cast_value(8887, S(r.DATE), S(r.TIMESTAMPTZ), ctx)
    assert format_value(r.TIMESTAMPTZ, midnight, ctx) == "2024-05-01 00:00:00+05:30"


@pytest.mark.parametrize("value,src,dst,message", [
    (70000, S(r.INT4), S(r.INT2), "smallint out of range"),
    (2**40, S(r.INT8), S(r.INT4), "integer out of range"),
    (1e20, S(r.FLOAT8), S(r.INT8), "bigint out of range"),
    (float("nan"), S(r.FLOAT8), S(r.INT4), "integer out of range"),
    (Decimal("1e10"), NUM, S(r.INT4), "integer out of range"),
    (Decimal("123.456"), NUM, S(r.NUMERIC, r.numeric_typmod(4, 2)), "numeric field overflow"),
])
def test_out_of_range(value, src, dst, message):
    with pytest.raises(NumericValueOutOfRange) as e:
        cast_value(value, src, dst)
    assert e.value.sqlstate == "22003"
    assert e.value.message == message


def test_numeric_overflow_detail():
    with pytest.raises(NumericValueOutOfRange) as e:
        cast_value(Decimal("123.456"), NUM, S(r.NUMERIC, r.numeric_typmod(4, 2)))
    assert e.value.detail == "A field with precision 4, scale 2 must round to an absolute value less than 10^2."
    with pytest.raises(NumericValueOutOfRange) as e:
        cast_value(Decimal("1"), NUM, S(r.NUMERIC, r.numeric_typmod(3, 3)))
    assert e.value.detail == "A field with precision 3, scale 3 must round to an absolute value less than 1."


def test_assignment_length_check():
    with pytest.raises(StringDataRightTruncation) as e:
        cast_value("abcd", S(r.TEXT), S(r.VARCHAR, r.varchar_typmod(3)), explicit=False)
    assert e.value.sqlstate == "22001"
    assert e.value.message == "value too long for type character varying(3)"
    # trailing blanks beyond the length are dropped silently, as in PostgreSQL
    assert cast_value("abc  ", S(r.TEXT), S(r.VARCHAR, r.varchar_typmod(3)), explicit=False) == "abc"


def test_vectorized_cast_keeps_nulls():
    col = Column(np.array([1.5, 0.0, 2.5]), np.array([True, False, True]))
    out = cast_column(col, S(r.FLOAT8), S(r.INT4))
    assert out.data.dtype == np.int32
    assert out.data[[0, 2]].tolist() == [2, 2]
    assert out.valid.tolist() == [True, False, True]


@pytest.mark.parametrize("src", [r.TIMESTAMP, r.TIMESTAMPTZ])
@pytest.mark.parametrize("dst", [r.TIME, r.TIMETZ])
def test_an_infinite_timestamp_has_no_time_of_day(src, dst):
    """As PostgreSQL 15's timestamp_time and timestamptz_time(tz): NULL, not an error or a time."""
    if (src, dst) == (r.TIMESTAMP, r.TIMETZ):
        return  # that one goes through timestamptz
    big = np.iinfo(np.int64)
    col = Column(np.array([big.max, 3_723_000_000, big.min, 0]), np.array([True, True, True, False]))
    out = cast_column(col, S(src), S(dst), FormatContext(timezone="America/New_York"))
    assert out.valid.tolist() == [False, True, False, False]


@pytest.mark.parametrize("src,dst,context", [
    (r.INT4, r.INT8, "i"), (r.INT8, r.INT4, "a"), (r.FLOAT8, r.INT4, "a"), (r.INT4, r.NUMERIC, "i"),
    (r.NUMERIC, r.FLOAT8, "i"), (r.BOOL, r.INT4, "e"), (r.INT4, r.BOOL, "e"), (r.TEXT, r.INT4, "e"),
    (r.INT4, r.TEXT, "a"), (r.VARCHAR, r.TEXT, "i"), (r.DATE, r.TIMESTAMPTZ, "i"),
    (r.TIMESTAMPTZ, r.DATE, "a"), (r.JSON, r.JSONB, "a"), (r.JSONB, r.INT4, "e"), (r.INT4, r.OID, "i"),
    (r.UNKNOWN, r.DATE, "i"), (r.array_of(r.INT4), r.array_of(r.INT8), "i"), (r.DATE, r.INT4, None),
])
def test_can_cast_contexts(src, dst, context):
    assert can_cast(src, dst) == context


# Converters are built once per context and type pair: each context keeps its own, so one
# built under a setting never serves another.

def test_converters_follow_each_contexts_time_zone():
    ts = cast_value("2024-05-01 23:30+00", S(r.TEXT), S(r.TIMESTAMPTZ))
    contexts = [FormatContext(), FormatContext(timezone="Asia/Kolkata"), FormatContext()]
    for _ in range(2):
        got = [cast_value(ts, S(r.TIMESTAMPTZ), S(r.TIMESTAMP), ctx, explicit=False) for ctx in contexts]
        assert [format_value(r.TIMESTAMP, v) for v in got] == [
            "2024-05-01 23:30:00", "2024-05-02 05:00:00", "2024-05-01 23:30:00"]


class Names:
    """reg_names of a session whose only relation is `name` (oid `oid`)."""

    def __init__(self, name: str, oid: int) -> None:
        self.rel = (name, oid)

    def name(self, kind: str, oid: int) -> str:
        return self.rel[0] if oid == self.rel[1] else str(oid)

    def oid(self, kind: str, text: str) -> int:
        return self.rel[1] if text == self.rel[0] else 0


def test_converters_follow_each_contexts_catalog():
    # equal settings, so equal contexts, but each reads names in its own session's catalog
    a, b = FormatContext(reg_names=Names("t", 16384)), FormatContext(reg_names=Names("t", 16390))
    for _ in range(2):
        assert cast_value("t", S(r.TEXT), S(r.REGCLASS), a) == 16384
        assert cast_value("t", S(r.TEXT), S(r.REGCLASS), b) == 16390
        assert cast_value(16390, S(r.REGCLASS), S(r.TEXT), b) == "t"
        assert cast_value(16390, S(r.REGCLASS), S(r.TEXT), a) == "16390"


def test_records_convert_by_their_own_field_types():
    # record types compare equal whatever their fields: the fields decide the text
    as_bool = record_type([("f1", S(r.BOOL))])
    as_int = record_type([("f1", S(r.INT4))])
    ctx = FormatContext()
    for _ in range(2):
        assert cast_value((True,), as_bool, S(r.TEXT), ctx) == "(t)"
        assert cast_value((1,), as_int, S(r.TEXT), ctx) == "(1)"


class Probe:
    """Constant folding's stand-in context: every read of a setting refuses."""

    def __getattr__(self, name: str):
        raise LookupError(name)


def test_casts_under_a_probe_read_only_the_settings_they_need():
    assert cast_value(42, S(r.INT8), S(r.TEXT), Probe()) == "42"
    with pytest.raises(LookupError, match="zone"):
        cast_value(0, S(r.TIMESTAMPTZ), S(r.TIMESTAMP), Probe())
