"""Aggregates against PostgreSQL 15 (expected texts from psql over VALUES lists)."""

import numpy as np
import pytest

from quantadb.errors import NumericValueOutOfRange
from sqleval import aggregate

INTS = (["1", "2", None, "4"], "int4")


@pytest.mark.parametrize("name,expected", [
    ("avg", "2.3333333333333333"), ("sum", "7"), ("count", "3"), ("min", "1"), ("max", "4"),
    ("stddev", "1.5275252316519467"), ("variance", "2.3333333333333333"), ("stddev_pop", "1.2472191289246471"),
    ("var_pop", "1.5555555555555556"),
])
def test_int4_aggregates(name, expected):
    assert aggregate(name, INTS) == [expected]


def test_count_star():
    assert aggregate("count", groups=[0, 0, 1, 0]) == ["3", "1"]


@pytest.mark.parametrize("name,expected", [
    ("avg", "2.6250000000000000"), ("sum", "7.875"), ("stddev", "1.3520817282989960"),
    ("var_samp", "1.8281250000000000"),
])
def test_numeric_aggregates(name, expected):
    assert aggregate(name, (["1.5", "2.25", "4.125"], "numeric")) == [expected]


@pytest.mark.parametrize("name,expected", [
    ("avg", "2.625"), ("sum", "7.875"), ("stddev", "1.352081728298996"), ("min", "1.5"), ("max", "4.125"),
])
def test_float8_aggregates(name, expected):
    assert aggregate(name, (["1.5", "2.25", "4.125"], "float8")) == [expected]


def test_int8_sums_are_exact():
    big = (["9223372036854775807", "9223372036854775807"], "int8")
    assert aggregate("sum", big) == ["18446744073709551614"]
    pair = (["9223372036854775807", "1"], "int8")
    assert aggregate("avg", pair) == ["4611686018427387904"]
    assert aggregate("avg", (["1", "2"], "int8")) == ["1.5000000000000000"]


def test_int4_sum_overflowing_bigint_raises():
    values = (["2147483647"] * 3, "int4")
    assert aggregate("sum", values) == ["6442450941"]
    with pytest.raises(NumericValueOutOfRange, match="bigint out of range"):
        from quantadb.exec.functions.aggregates import _int_sum_to_int8
        from quantadb.types.column import Column
        _int_sum_to_int8([Column(np.array([2 ** 62, 2 ** 62], dtype=np.int64))], np.zeros(2, np.int64), 1, None, None)


def test_grouped_with_empty_groups():
    assert aggregate("sum", (["1", "2", "3"], "int4"), groups=[0, 2, 2]) == ["1", None, "5"]
    assert aggregate("avg", (["1", "2", "3"], "numeric"), groups=[1, 1, 1]) == [None, "2.0000000000000000"]
    assert aggregate("min", (["b", "a", "C"], "text")) == ["C"]
    assert aggregate("max", (["b", "a", "C"], "text")) == ["b"]
    assert aggregate("max", (["NaN", "1", "Infinity"], "float8")) == ["NaN"]
    assert aggregate("min", (["NaN", "1"], "float8")) == ["1"]
    assert aggregate("max", (["NaN", "1"], "numeric")) == ["NaN"]


def test_collecting_aggregates():
    values = (["a", None, "c"], "text")
    assert aggregate("string_agg", values, ([", "] * 3, "text")) == ["a, c"]
    assert aggregate("array_agg", values) == ["{a,NULL,c}"]
    assert aggregate("json_agg", values) == ['["a", null, "c"]']
    assert aggregate("jsonb_agg", values) == ['["a", null, "c"]']
    keys, vals = (["a", "b"], "text"), (["1", "2"], "int4")
    assert aggregate("json_object_agg", keys, vals) == ['{ "a" : 1, "b" : 2 }']
    assert aggregate("jsonb_object_agg", keys, vals) == ['{"a": 1, "b": 2}']


def test_boolean_and_bit_aggregates():
    bools = (["true", "false", None], "bool")
    assert aggregate("bool_and", bools) == ["f"]
    assert aggregate("bool_or", bools) == ["t"]
    assert aggregate("every", (["true", None], "bool")) == ["t"]
    assert aggregate("bit_and", (["12", "10"], "int4")) == ["8"]
    assert aggregate("bit_or", (["12", "10"], "int4")) == ["14"]


def test_ordered_set_aggregates():
    values = (["1", "2", "3", "10"], "float8")
    assert aggregate("percentile_cont", (["0.5"] * 4, "float8"), values) == ["2.5"]
    assert aggregate("percentile_cont", (["0.25"] * 4, "float8"), values) == ["1.75"]
    assert aggregate("percentile_disc", (["0.5"] * 4, "float8"), (["1", "2", "3", "10"], "int4")) == ["2"]
    assert aggregate("mode", (["1", "2", "2", "3", "3"], "int4")) == ["2"]


def test_distinct_and_misc():
    values = (["1", "1", "2", None], "int4")
    assert aggregate("count", values, distinct=True) == ["2"]
    assert aggregate("sum", values, distinct=True) == ["3"]
    assert aggregate("variance", (["1", "1"], "int4")) == ["0"]
    assert aggregate("sum", (["1 day", "2 hours"], "interval")) == ["1 day 02:00:00"]
    assert aggregate("avg", (["1 day", "2 hours"], "interval")) == ["13:00:00"]
    assert aggregate("sum", ([], "int4")) == [None]
