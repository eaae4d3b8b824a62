"""Expressions: array subscripts, empty arrays, COLLATE (and columns' collations), three-part names,
negated quantified LIKE."""


def test_array_subscripts_are_one_based(sql):
    sql.setup("""
        CREATE TABLE ta (a int[]);
        INSERT INTO ta VALUES (ARRAY[5, 6, 7]);
    """)
    sql.check("SELECT a[1], a[2:3], a[1 + 1], (a)[3], (ARRAY[5, 6])[2], a[0], a[4] FROM ta",
              [("5", "{6,7}", "6", "7", "6", None, None)])


def test_empty_array_needs_a_type(sql):
    sql.error("SELECT ARRAY[]", "42P18", "cannot determine type of empty array")
    sql.check("SELECT ARRAY[]::int[]", [("{}",)], columns=["array"])


def test_collate(sql):
    sql.check("SELECT 'b' COLLATE \"C\" < 'a', 'x' COLLATE \"POSIX\"", [("f", "x")])
    sql.error("SELECT 123 COLLATE \"C\"", "42804", "collations are not supported by type integer")
    sql.error("SELECT 'a' COLLATE \"c\"", "42704")


def test_column_collations_are_checked(sql):
    sql.setup('CREATE TABLE tc (a text COLLATE "C", b varchar(3) COLLATE "POSIX")')
    sql.error("CREATE TABLE td (a text COLLATE C)", "42704")  # unquoted: c
    sql.error('CREATE TABLE td (a text COLLATE "pOsIx")', "42704",
              'collation "pOsIx" for encoding "UTF8" does not exist')
    sql.error('CREATE TABLE td (b int COLLATE "C")', "42804", "collations are not supported by type integer")


def test_a_three_part_name_is_only_this_database(sql):
    sql.error("SELECT * FROM database_name.information_schema.tables", "0A000",
              'cross-database references are not implemented: "database_name.information_schema.tables"')


def test_negated_like_with_any_and_all(sql):
    sql.check("SELECT 'a' NOT LIKE SOME (ARRAY['b', NULL]), 'a' NOT LIKE ALL (ARRAY['b', 'a']), "
              "'a' NOT ILIKE ANY (ARRAY['A'])", [("t", "f", "f")])


def test_row_comparisons(sql):
    sql.setup("""
        CREATE TABLE t (a int, b int);
        INSERT INTO t VALUES (1, 2), (1, 3), (2, 1), (NULL, 1), (1, NULL);
    """)
    sql.check("SELECT a, b, (a, b) = (1, 2), (a, b) <> (1, 2), (a, b) < (1, 3), ROW(a, b) >= ROW(1, 3), "
              "(a, b) IN ((1, 2), (2, 1)) FROM t",
              [("1", "2", "t", "f", "t", "f", "t"), ("1", "3", "f", "t", "f", "t", "f"),
               ("2", "1", "f", "t", "f", "t", "t"), (None, "1", "f", "t", None, None, None),
               ("1", None, None, None, None, None, None)])
    sql.error("SELECT (1, 2) = (1, 2, 3)", "42601", "unequal number of entries in row expressions")


def test_aggregate_order_by_after_last_argument(sql):
    sql.check("SELECT jsonb_object_agg(v, w ORDER BY v), json_agg(v ORDER BY w DESC) "
              "FROM (VALUES ('a', 1), ('b', 2)) AS x (v, w)",
              [('{"a": 1, "b": 2}', '["b", "a"]')], columns=["jsonb_object_agg", "json_agg"])


def test_similar_to_with_escape(sql):
    sql.check("SELECT 'foobar' NOT SIMILAR TO 'f%' ESCAPE '', 'a_c' SIMILAR TO 'a#_c' ESCAPE '#', "
              "'abc' SIMILAR TO 'a#_c' ESCAPE '#'", [("f", "t", "f")])


def test_is_unknown_takes_booleans_only(sql):
    sql.check("SELECT true IS UNKNOWN, NULL IS UNKNOWN, 't' IS NOT UNKNOWN, (NULL::bool) IS NOT UNKNOWN",
              [("f", "t", "t", "f")])
    sql.error("SELECT 1 IS UNKNOWN", "42804", "argument of IS UNKNOWN must be type boolean, not type integer")
    sql.error("SELECT 'a' IS NOT UNKNOWN", "22P02")


def test_array_constructor_cast_applies_to_elements(sql):
    sql.check("SELECT ARRAY[1, true]::bool[], ARRAY[1.5, 2]::int[], ARRAY['1', '2']::int8[], "
              "ARRAY[ARRAY[1, 0]]::bool[][]", [("{t,t}", "{2,2}", "{1,2}", "{{t,f}}")])


def test_collate_keeps_unknown_literals_unknown(sql):
    sql.check("SELECT '1' COLLATE \"C\" > 2, ('1' COLLATE \"C\") = 1", [("f", "t")])


def test_multidimensional_subscripts(sql):
    sql.check("SELECT (v1::integer[][])[2][1], (v1::int[])[1][1], (v1::int[])[1][1][1] "
              "FROM (VALUES ('{{1}, {2}}')) AS t (v1)", [("2", "1", None)], columns=["v1", "v1", "v1"])
    sql.check("SELECT (arr::varchar[][][])[1][2][3], (ARRAY[1, 2])[1][1] "
              "FROM (VALUES ('{{{1, 2, 3}, {4, 5, 6}}}')) AS t (arr)", [("6", None)])


def test_strict_operator_of_null_constant_is_null(sql):
    sql.setup("""
        CREATE TABLE n (c int);
        INSERT INTO n VALUES (1), (2);
    """)
    sql.check("SELECT * FROM n WHERE c / 0 = NULL", [])
    sql.check("SELECT c / 0 + NULL, length(NULL), concat(NULL, 'a') FROM n",
              [(None, None, "a"), (None, None, "a")])


def test_explicit_cast_of_literal_truncates(sql):
    sql.check("SELECT 123.456::numeric(5,1), 'abc'::varchar(2), 'abc'::char(5) || '|'", [("123.5", "ab", "abc|")])
    sql.setup("CREATE TABLE v (s varchar(2))")
    sql.error("INSERT INTO v VALUES ('abc')", "22001")


def test_distinct_from_and_nullif_with_null_constants(sql):
    sql.check("SELECT a IS DISTINCT FROM NULL, a IS NOT DISTINCT FROM NULL, NULLIF(a, NULL) "
              "FROM (VALUES (1), (NULL)) AS v (a)", [("t", "f", "1"), ("f", "t", None)])


def test_constant_null_conjunct_gates_the_filter(sql):
    # PostgreSQL turns `x BETWEEN NULL AND y` into a one-time NULL gate: x is never computed
    sql.setup("CREATE TABLE g (a int, b float8);\nINSERT INTO g VALUES (6315, 1.5), (1, 2)")
    sql.check("SELECT b FROM g WHERE 90 + a * - CAST(- a AS integer) * 55 BETWEEN NULL AND b", [])
    sql.check("SELECT count(*) FROM g WHERE a * a * 55 > 0 AND NULL", [("0",)])


def test_other_dialects_set_operations_are_syntax_errors(sql):
    sql.error("SELECT 1 UNION CORRESPONDING SELECT 1", "42601", 'syntax error at or near "CORRESPONDING"')
    sql.error("SELECT 1 UNION BY NAME SELECT 1", "42601", 'syntax error at or near "BY"')


def test_numeric_nan_and_infinity_in_math_functions(sql):
    sql.check("SELECT x, ln(x), sqrt(x), exp(x), log(x), log(2, x), log(x, 8), scale(x) "
              "FROM (VALUES ('NaN'::numeric), ('Infinity')) t(x)",
              [("NaN", "NaN", "NaN", "NaN", "NaN", "NaN", "NaN", None),
               ("Infinity", "Infinity", "Infinity", "Infinity", "Infinity", "Infinity", "0", None)])
    sql.check("SELECT exp('-Infinity'::numeric), log('Infinity'::numeric, 'Infinity'), 'NaN'::numeric % 0, "
              "'Infinity'::numeric % 2, 5 % 'Infinity'::numeric, div('-Infinity'::numeric, -2), div(1, 'Infinity'::numeric)",
              [("0", "NaN", "NaN", "NaN", "5", "Infinity", "0")])
    for call, message in (("ln('-Infinity'::numeric)", "cannot take logarithm of a negative number"),
                          ("sqrt('-Infinity'::numeric)", "cannot take square root of a negative number"),
                          ("log(0::numeric, 'Infinity')", "cannot take logarithm of zero"),
                          ("power('-Infinity'::numeric, 0.5)",
                           "a negative number raised to a non-integer power yields a complex result"),
                          ("power(0::numeric, '-Infinity')", "zero raised to a negative power is undefined")):
        sql.error(f"SELECT {call}", "2201E" if "logarithm" in message else "2201F", message)
    pairs = [("'NaN'", "0", "1"), ("1", "'NaN'", "1"), ("2", "'NaN'", "NaN"), ("'Infinity'", "-2", "0"),
             ("'Infinity'", "0", "1"), ("'-Infinity'", "3", "-Infinity"), ("'-Infinity'", "2", "Infinity"),
             ("'-Infinity'", "-3", "0"), ("2", "'Infinity'", "Infinity"), ("0.5", "'Infinity'", "0"),
             ("0.5", "'-Infinity'", "Infinity"), ("-1", "'Infinity'", "1"), ("0", "'Infinity'", "0")]
    for a, b, want in pairs:
        sql.check(f"SELECT power({a}::numeric, {b}::numeric)", [(want,)])


def test_numeric_integer_powers_at_postgresql_15_scale(sql):
    sql.check("SELECT power(2::numeric, 100), power(10::numeric, -3), 0::numeric ^ 0, 0::numeric ^ 0.5, 2.5 ^ 2",
              [("1267650600228229401496703205376.0000000000000000", "0.0010000000000000", "1.0000000000000000",
                "0.0000000000000000", "6.2500000000000000")])


def test_float_negative_zero_and_infinities(sql):
    sql.check("SELECT ceil(-0.5::float8), exp('-Infinity'::float8), 1 / 'Infinity'::float8, sign('-0'::float8), "
              "sign('NaN'::float8), sign('NaN'::numeric)", [("-0", "0", "0", "0", "0", "NaN")])
    sql.error("SELECT exp(-1000::float8)", "22003", "value out of range: underflow")


def test_numeric_power_limits_and_scale_functions(sql):
    sql.check("SELECT power(2::numeric, -100) = 0, length(power(0.5::numeric, 10000000000)::text), "
              "power(-2::numeric, 3), min_scale(8.4100), trim_scale(8.4100), trim_scale(10.0), min_scale('NaN')",
              [("t", "1002", "-8.0000000000000000", "2", "8.41", "10", None)])
    sql.error("SELECT power(10::numeric, 2147483648)", "22003", "value overflows numeric format")
    sql.error("SELECT pow(100000, -200000000000000)", "22003", "value out of range: underflow")


def test_square_and_cube_root_operators(sql):
    sql.check("SELECT |/ 16, ||/ 27::float8 > 2.99, |/ 2::numeric > 1.41, pg_typeof(|/ 2::numeric), 2 * |/ 4, "
              "(|/ ('-0'::numeric))::text",
              [("4", "t", "t", "double precision", "4", "0")],
              columns=["?column?", "?column?", "?column?", "pg_typeof", "?column?", "text"])


def test_absolute_value_operator(sql):
    """Prefix `@` is abs() (sqlglot reads it as a variable's sigil); `$1` beside it stays a parameter."""
    sql.check("SELECT @ -5, @ -2.5, @ 3::int2, 2 + @ -1, @ -1.5::float8, pg_typeof(@ -2::int8)",
              [("5", "2.5", "3", "3", "1.5", "bigint")],
              columns=["?column?"] * 5 + ["pg_typeof"])


def test_numeric_beyond_float_range_fails_to_cast(sql):
    sql.error("SELECT '1e309'::numeric::float8", "22003")
    sql.error("SELECT '1e309'::numeric > '1'::float4", "22003")
    sql.error("SELECT '1e39'::numeric::float4", "22003", '"1000000000000000000000000000000000000000" is out of range '
              "for type real")
    sql.check("SELECT x::float8 FROM (VALUES ('1.5'::numeric), ('Infinity'), ('NaN')) t(x)",
              [("1.5",), ("Infinity",), ("NaN",)])


def test_a_simple_case_computes_its_subject_once(sql):
    # a volatile subject drawn once per row matches one of its four values: never NULL
    sql.check("SELECT count(*) FILTER (WHERE c IS NULL) FROM (SELECT CASE (random() * 3)::int WHEN 0 THEN 'a' "
              "WHEN 1 THEN 'b' WHEN 2 THEN 'c' WHEN 3 THEN 'd' END AS c FROM generate_series(1, 2000)) s", [("0",)])
    sql.check("SELECT CASE x WHEN 1 THEN 'one' WHEN 1 + 1 THEN 'two' ELSE 'other' END, "
              "CASE x WHEN 1 THEN CASE x + 1 WHEN 2 THEN 'nested' END END, CASE NULL::int WHEN NULL THEN 'n' ELSE 'e' END "
              "FROM (VALUES (1), (2), (3)) v (x)",
              [("one", "nested", "e"), ("two", None, "e"), ("other", None, "e")])
