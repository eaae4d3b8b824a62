"""Functions taking "any"/anyelement print each argument with its own type's output function."""

from sqleval import one


def test_any_arguments_print_as_postgres():
    assert one("concat", ("a", "text"), ("1.5", "float8"), ("7", "int4"), ("2024-01-02", "date")) == "a1.572024-01-02"
    assert one("to_jsonb", ("1.5", "float8")) == "1.5"
    assert one("json_build_object", ("k", "text"), ("2.5", "float4")) == '{"k" : 2.5}'
    assert one("quote_literal", ("2.5", "float8")) == "'2.5'"
    assert one("||", ("2.5", "float8"), ("x", "text"), op=True) == "2.5x"
    assert one("format", ("%s|%L", "text"), ("2.5", "float8"), ("3", "int8")) == "2.5|'3'"


def test_numeric_infinities_and_variadic_extremes():
    assert one("-", ("Infinity", "numeric"), ("Infinity", "numeric"), op=True) == "NaN"
    assert one("greatest", ("1.5", "float8"), (None, "float8"), ("3", "float8")) == "3"
    assert one("least", ("2", "int8"), ("1", "int8")) == "1"
    assert one("~", ("abc", "text"), ("abc", "text"), op=True) == "t"
    assert one("similar_to_escape", ("a%", "text")) == "^(?:a.*)$"


def test_function_style_casts():
    assert one("date", ("2024-01-02 10:00", "timestamp")) == "2024-01-02"
    assert one("int4", ("2.7", "numeric")) == "3"
    assert one("text", ("12", "int4")) == "12"
