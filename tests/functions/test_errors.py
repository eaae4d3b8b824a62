"""Errors raised by the implementations: SQLSTATE classes and PostgreSQL's message texts."""

import pytest

from quantadb import errors as E
from sqleval import evaluate, series

CASES = [
    ("+", [("2147483647", "int4"), ("1", "int4")], E.NumericValueOutOfRange, "integer out of range"),
    ("+", [("32767", "int2"), ("1", "int2")], E.NumericValueOutOfRange, "smallint out of range"),
    ("*", [("9223372036854775807", "int8"), ("2", "int8")], E.NumericValueOutOfRange, "bigint out of range"),
    ("-", [("-9223372036854775808", "int8"), ("1", "int8")], E.NumericValueOutOfRange, "bigint out of range"),
    ("/", [("1", "int4"), ("0", "int4")], E.DivisionByZero, "division by zero"),
    ("%", [("5", "int4"), ("0", "int4")], E.DivisionByZero, "division by zero"),
    ("/", [("-2147483648", "int4"), ("-1", "int4")], E.NumericValueOutOfRange, "integer out of range"),
    ("*", [("1e308", "float8"), ("10", "float8")], E.NumericValueOutOfRange, "value out of range: overflow"),
    ("*", [("1e-308", "float8"), ("1e-308", "float8")], E.NumericValueOutOfRange, "value out of range: underflow"),
    ("/", [("1", "float8"), ("0", "float8")], E.DivisionByZero, "division by zero"),
    ("/", [("1.0", "numeric"), ("0", "numeric")], E.DivisionByZero, "division by zero"),
    ("-", [("-32768", "int2")], E.NumericValueOutOfRange, "smallint out of range"),
    ("^", [("0", "float8"), ("-1", "float8")], E.InvalidArgumentForPowerFunction,
     "zero raised to a negative power is undefined"),
    ("+", [("2020-01-01", "date"), ("2147483647", "int4")], E.DatetimeFieldOverflow, "date out of range"),
]


@pytest.mark.parametrize("op,args,exc,message", CASES)
def test_operator_errors(op, args, exc, message):
    with pytest.raises(exc) as info:
        evaluate(op, *args, op=True)
    assert str(info.value) == message


FUNCTION_CASES = [
    ("abs", [("-2147483648", "int4")], E.NumericValueOutOfRange, "integer out of range"),
    ("sqrt", [("-1", "float8")], E.InvalidArgumentForPowerFunction, "cannot take square root of a negative number"),
    ("ln", [("0", "float8")], E.InvalidArgumentForLogarithm, "cannot take logarithm of zero"),
    ("ln", [("-1", "numeric")], E.InvalidArgumentForLogarithm, "cannot take logarithm of a negative number"),
    ("substr", [("abc", "text"), ("1", "int4"), ("-1", "int4")], E.SubstringError,
     "negative substring length not allowed"),
    ("split_part", [("a", "text"), (",", "text"), ("0", "int4")], E.InvalidParameterValue,
     "field position must not be zero"),
    ("make_date", [("2023", "int4"), ("2", "int4"), ("30", "int4")], E.DatetimeFieldOverflow,
     "date field value out of range: 2023-02-30"),
    ("date_part", [("foo", "text"), ("2020-01-01 00:00+00", "timestamptz")], E.InvalidParameterValue,
     'unit "foo" not recognized for type timestamp with time zone'),
    ("extract", [("hour", "text"), ("2020-01-01", "date")], E.FeatureNotSupported,
     'unit "hour" not supported for type date'),
    ("jsonb_array_length", [("{}", "jsonb")], E.InvalidParameterValue, "cannot get array length of a non-array"),
    ("chr", [("0", "int4")], E.ProgramLimitExceeded, "null character not permitted"),
    ("format", [("%s %s", "text"), ("1", "int4")], E.InvalidParameterValue, "too few arguments for format()"),
    ("jsonb_build_object", [("a", "text")], E.InvalidParameterValue, "argument list must have even number of elements"),
]


@pytest.mark.parametrize("name,args,exc,message", FUNCTION_CASES)
def test_function_errors(name, args, exc, message):
    with pytest.raises(exc) as info:
        evaluate(name, *args)
    assert str(info.value) == message


def test_errors_ignore_null_rows():
    # NULL slots hold filler values: a 0 divisor there must not raise.
    assert evaluate("/", (["4", "1"], "int4"), (["2", None], "int4"), op=True) == ["2", None]


def test_generate_series_zero_step():
    with pytest.raises(E.InvalidParameterValue, match="step size cannot equal zero"):
        series("generate_series", ("1", "int4"), ("5", "int4"), ("0", "int4"))
