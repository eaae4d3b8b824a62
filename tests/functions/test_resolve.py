"""Operator/function resolution and common-type selection, against PostgreSQL 15's answers."""

import pytest

from quantadb.errors import AmbiguousFunction, CannotCoerce, DatatypeMismatch, UndefinedFunction
from quantadb.sql.functions import (
    functions_named, implicit_coercible, resolve_function, resolve_operator, select_common_type,
)
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

T = {name: SqlType(R.lookup(name)) for name in (
    "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bpchar", "unknown", "date",
    "timestamp", "timestamptz", "interval", "bool", "jsonb", "_int4", "_text", "time")}


@pytest.mark.parametrize("left,op,right,ret", [
    ("int4", "+", "int4", "int4"), ("int4", "+", "int8", "int8"), ("int2", "+", "int2", "int2"),
    ("int2", "+", "int4", "int4"), ("int4", "+", "numeric", "numeric"), ("float4", "*", "int4", "float8"),
    ("int2", "+", "float4", "float8"), ("int8", "*", "float4", "float8"), ("numeric", "+", "float4", "float8"),
    ("int4", "/", "int4", "int4"), ("int4", "%", "int8", "int8"), ("int4", "^", "int4", "float8"),
    ("date", "+", "int4", "date"), ("date", "-", "date", "int4"), ("date", "+", "interval", "timestamp"),
    ("timestamp", "-", "timestamp", "interval"), ("timestamptz", "-", "unknown", "interval"),
    ("date", "-", "unknown", "int4"), ("interval", "*", "int4", "interval"), ("text", "||", "int4", "text"),
    ("unknown", "||", "int4", "text"), ("int4", "||", "text", "text"), ("varchar", "||", "varchar", "text"),
    ("varchar", "=", "bpchar", "bool"), ("unknown", "=", "int4", "bool"), ("_int4", "||", "int4", "_int4"),
    ("jsonb", "->>", "unknown", "text"), ("jsonb", "->", "int4", "jsonb"), ("text", "~~", "unknown", "bool"),
    ("int4", "!=", "int8", "bool"),
])
def test_operator_result_types(left, op, right, ret):
    assert resolve_operator(op, T[left], T[right]).ret == T[ret]


def test_operator_casts_each_side():
    m = resolve_operator("=", T["unknown"], T["int4"])
    assert m.sig.impl == "int4eq" and m.arg_types == (T["int4"], T["int4"])
    m = resolve_operator("*", T["float4"], T["int4"])
    assert m.arg_types == (T["float4"], T["float8"])


def test_prefix_operators():
    assert resolve_operator("-", None, T["int2"]).ret == T["int2"]
    assert resolve_operator("-", None, T["interval"]).ret == T["interval"]
    with pytest.raises(UndefinedFunction) as e:
        resolve_operator("-", None, T["text"])
    assert str(e.value) == "operator does not exist: - text"
    assert e.value.hint == ("No operator matches the given name and argument type. "
                            "You might need to add an explicit type cast.")


def test_operator_errors():
    with pytest.raises(UndefinedFunction) as e:
        resolve_operator("+", T["int4"], T["text"])
    assert e.value.sqlstate == "42883"
    assert str(e.value) == "operator does not exist: integer + text"
    assert e.value.hint == ("No operator matches the given name and argument types. "
                            "You might need to add explicit type casts.")
    with pytest.raises(AmbiguousFunction) as e:
        resolve_operator("+", T["unknown"], T["unknown"])
    assert e.value.sqlstate == "42725"
    assert str(e.value) == "operator is not unique: unknown + unknown"
    assert e.value.hint == "Could not choose a best candidate operator. You might need to add explicit type casts."
    with pytest.raises(UndefinedFunction, match="operator does not exist: integer = text"):
        resolve_operator("=", T["int4"], T["text"])


def test_unknowns_resolve_to_text():
    m = resolve_operator("=", T["unknown"], T["unknown"])
    assert m.sig.impl == "text_eq"
    assert resolve_operator("||", T["unknown"], T["unknown"]).ret == T["text"]


@pytest.mark.parametrize("name,args,ret,impl", [
    ("round", ["numeric"], "numeric", "numeric_round"), ("round", ["float8"], "float8", "dround"),
    ("round", ["int4"], "float8", "dround"), ("round", ["int4", "int4"], "numeric", "numeric_round"),
    ("round", ["unknown"], "float8", "dround"), ("abs", ["int2"], "int2", "int2abs"),
    ("sum", ["int2"], "int8", "int2_sum"), ("sum", ["int4"], "int8", "int4_sum"),
    ("sum", ["int8"], "numeric", "int8_sum"), ("sum", ["float4"], "float4", "float4_sum"),
    ("avg", ["int8"], "numeric", "int8_avg"), ("avg", ["float4"], "float8", "float4_avg"),
    ("max", ["unknown"], "text", "max"), ("max", ["varchar"], "text", "max"), ("count", [], "int8", "count_star"),
    ("count", ["jsonb"], "int8", "count"), ("length", ["unknown"], "int4", "textlen"),
    ("length", ["varchar"], "int4", "textlen"), ("length", ["bpchar"], "int4", "bpcharlen"),
    ("substr", ["unknown", "int4"], "text", "text_substr"), ("greatest", ["int4", "numeric"], "numeric", "greatest"),
    ("array_append", ["_int4", "int4"], "_int4", "array_append"),
    ("concat", ["unknown", "int4", "date"], "text", "concat"),
    ("date_part", ["unknown", "timestamptz"], "float8", "timestamptz_part"),
    ("extract", ["unknown", "date"], "numeric", "extract_date"), ("unnest", ["_text"], "text", "unnest"),
    ("generate_series", ["int4", "int4"], "int4", "generate_series_int4"),
    ("generate_series", ["int4", "int8"], "int8", "generate_series_int8"),
    ("make_interval", [], "interval", "make_interval"), ("now", [], "timestamptz", "now"),
    ("to_char", ["timestamp", "unknown"], "text", "timestamp_to_char"),
    ("to_char", ["int4", "unknown"], "text", "int4_to_char"),
    ("jsonb_build_object", ["unknown", "int4"], "jsonb", "jsonb_build_object"),
    ("string_agg", ["text", "unknown"], "text", "string_agg"),
    ("percentile_cont", ["numeric", "int4"], "float8", "percentile_cont"),
    ("array_agg", ["int4"], "_int4", "array_agg"),
])
def test_function_resolution(name, args, ret, impl):
    m = resolve_function(name, [T[a] for a in args])
    assert (m.ret, m.sig.impl) == (T[ret], impl)


def test_function_errors():
    with pytest.raises(UndefinedFunction) as e:
        resolve_function("foo", [T["int4"], T["unknown"]])
    assert str(e.value) == "function foo(integer, unknown) does not exist"
    assert e.value.hint == ("No function matches the given name and argument types. "
                            "You might need to add explicit type casts.")
    with pytest.raises(UndefinedFunction, match=r"function length\(integer\) does not exist"):
        resolve_function("length", [T["int4"]])
    with pytest.raises(UndefinedFunction, match=r"function foo\(\) does not exist"):
        resolve_function("foo", [])


@pytest.mark.parametrize("types,result", [
    (["int4", "int4"], "int4"), (["int2", "int8"], "int8"), (["int2", "int8", "numeric"], "numeric"),
    (["int4", "float4"], "float4"), (["unknown", "unknown"], "text"), (["unknown", "int4"], "int4"),
    (["varchar", "text"], "varchar"), (["text", "varchar"], "text"), (["date", "timestamptz"], "timestamptz"),
    (["float4", "numeric"], "float4"),
])
def test_select_common_type(types, result):
    assert select_common_type([T[t] for t in types], "UNION") == T[result]


def test_select_common_type_errors_and_typmod():
    with pytest.raises(DatatypeMismatch, match="UNION types integer and timestamp with time zone cannot be matched"):
        select_common_type([T["int4"], T["timestamptz"]], "UNION")
    with pytest.raises(DatatypeMismatch, match="CASE types integer and text cannot be matched"):
        select_common_type([T["int4"], T["text"]], "CASE")
    v10 = SqlType(R.VARCHAR, R.varchar_typmod(10))
    assert select_common_type([v10, v10], "UNION") == v10
    assert select_common_type([v10, SqlType(R.VARCHAR, R.varchar_typmod(5))], "UNION").typmod == -1
    with pytest.raises(DatatypeMismatch, match="VALUES types interval and time without time zone cannot be matched"):
        select_common_type([T["interval"], T["time"]], "VALUES")
    with pytest.raises(CannotCoerce, match="UNION could not convert type uuid to jsonb"):
        select_common_type([T["jsonb"], SqlType(R.UUID)], "UNION")


def test_implicit_coercible():
    assert implicit_coercible(T["int4"], T["int8"])
    assert not implicit_coercible(T["int8"], T["int4"])
    assert implicit_coercible(T["unknown"], T["date"])
    assert implicit_coercible(T["_int4"], SqlType(R.array_of(R.INT8)))


def test_functions_named():
    kinds = {s.kind for s in functions_named("sum")}
    assert kinds == {"a"}
    assert {s.kind for s in functions_named("generate_series")} == {"s"}
    assert functions_named("no_such") == []


def test_function_style_casts():
    m = resolve_function("date", [T["timestamp"]])
    assert (m.sig.impl, m.arg_types, m.ret) == ("cast_function", (T["timestamp"],), T["date"])
    assert resolve_function("numeric", [T["unknown"]]).arg_types == (T["text"],)
    assert resolve_function("text", [T["int4"]]).ret == T["text"]
    with pytest.raises(UndefinedFunction, match=r"function int2vector\(integer\) does not exist"):
        resolve_function("int2vector", [T["int4"]])
