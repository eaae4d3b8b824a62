"""Functions added beside the function library: degree-based and hyperbolic trigonometry, time zones,
bytea bits and substrings, operator functions (booleq), float input, numeric series checks, settings."""


def test_degree_trigonometry_is_exact_at_special_angles(sql):
    sql.check("SELECT sind(30), sind(-390), cosd(60), cosd(180), tand(45), tand(-135), tand(180), cotd(45), "
              "asind(0.5), acosd(-0.5), atand(1), atan2d(1, -1)",
              [("0.5", "-0.5", "0.5", "-1", "1", "1", "0", "1", "30", "120", "45", "135")])
    sql.check("SELECT tand(90), cotd(0), sind('NaN')", [("Infinity", "Infinity", "NaN")])
    sql.error("SELECT sind('Infinity')", "22003", "input is out of range")
    sql.error("SELECT asind(1.5)", "22003", "input is out of range")


def test_hyperbolic_functions(sql):
    sql.check("SELECT sinh(0), cosh(0), tanh(0), asinh(0), acosh(1), atanh(0), atanh(1), atanh(-1)",
              [("0", "1", "0", "0", "0", "0", "Infinity", "-Infinity")])
    sql.error("SELECT acosh(0.5)", "22003")
    sql.error("SELECT atanh(1.1)", "22003")


def test_at_time_zone(sql):
    sql.check("SELECT timestamptz '2020-06-01 12:00:00+00' AT TIME ZONE 'America/New_York', "
              "timestamp '2020-06-01 12:00:00' AT TIME ZONE 'America/New_York', "
              "timezone('Europe/Moscow', '2011-03-27 02:00:00 UTC'::timestamptz), "
              "'infinity'::timestamptz AT TIME ZONE 'UTC', NULL::timestamp AT TIME ZONE 'UTC'",
              [("2020-06-01 08:00:00", "2020-06-01 16:00:00+00", "2011-03-27 06:00:00", "infinity", None)],
              columns=["timezone"] * 5)
    sql.error("SELECT now() AT TIME ZONE 'nosuch'", "22023")


def test_bytea_bytes_and_bits(sql):
    sql.check("SELECT get_byte('\\x1234567890'::bytea, 0), get_bit('\\x1234567890'::bytea, 30), "
              "set_bit('\\x1234567890'::bytea, 30, 0), set_byte('\\x1234567890'::bytea, 2, 37), "
              "bit_count('\\x0f0f'::bytea)",
              [("18", "1", "\\x1234563890", "\\x1234257890", "8")])
    sql.error("SELECT get_byte('\\x12'::bytea, 1)", "2202E", "index 1 out of valid range, 0..0")
    sql.error("SELECT set_bit('\\x12'::bytea, 1, 2)", "22023", "new bit must be 0 or 1")


def test_send_functions_give_the_binary_wire_format(sql):
    """Each type's typsend, as PostgreSQL 15 prints its bytea result; NULL in, NULL out."""
    sql.check("SELECT int8send(2147483647), int2send(-2::int2), float4send(1.5), boolsend(true), "
              "numeric_send(12.50), date_send('2020-01-02'), timetz_send('01:02:03+02'), "
              "interval_send('1 day 2 hours'), jsonb_send('{\"a\":1}'), bpcharsend('ab'::char(4)), int4send(NULL)",
              [("\\x000000007fffffff", "\\xfffe", "\\x3fc00000", "\\x01", "\\x0002000000000002000c1388",
                "\\x00001c8a", "\\x00000000dde878c0ffffe3e0", "\\x00000001ad2748000000000100000000",
                "\\x017b2261223a20317d", "\\x61622020", None)])


def test_bytea_trim(sql):
    sql.check("SELECT trim(LEADING '\\x9012'::bytea FROM '\\x1234567890'::bytea), "
              "trim(TRAILING '\\x9012'::bytea FROM '\\x1234567890'::bytea), "
              "trim('\\x9012'::bytea FROM '\\x1234567890'::bytea)",
              [("\\x34567890", "\\x12345678", "\\x345678")])


def test_text_concatenation_casts_booleans_to_words(sql):
    sql.check("SELECT '1' || true, false || 'x', '1' || 1.01 || 'A' || true, concat('a', true)",
              [("1true", "falsex", "11.01Atrue", "at")])


def test_comparison_operator_functions(sql):
    sql.check("SELECT booleq(true, false), boolne(true, false), int4lt(1, 2), texteq('a', 'a'), text_lt('a', 'b')",
              [("f", "t", "t", "t", "t")])


def test_signed_nan_float_input(sql):
    sql.check("SELECT '-NaN'::float8, '+nan'::real", [("NaN", "NaN")])


def test_bytea_substr_and_bit_length(sql):
    sql.check("SELECT substr('abcde'::bytea, 2, 7), substr('abcde'::bytea, -2, 5), substr('abcde'::bytea, 2), "
              "bit_length('abc'::bytea)", [("\\x62636465", "\\x6162", "\\x62636465", "24")])


def test_numeric_generate_series_rejects_nan_and_infinity(sql):
    sql.error("SELECT * FROM generate_series('infinity'::numeric, 10::numeric)", "22023",
              "start value cannot be infinity")
    sql.error("SELECT * FROM generate_series(0::numeric, 'nan'::numeric)", "22023", "stop value cannot be NaN")
    sql.error("SELECT * FROM generate_series(0::numeric, 10::numeric, 'infinity'::numeric)", "22023",
              "step size cannot be infinity")


def test_ordered_set_aggregate_of_a_null_fraction(sql):
    sql.check("SELECT percentile_cont(NULL) WITHIN GROUP (ORDER BY a), percentile_disc(NULL) WITHIN GROUP (ORDER BY a) "
              "FROM (VALUES (1::float8), (3)) t(a)", [(None, None)])


def test_synchronize_seqscans_is_a_setting(sql):
    sql.setup("SET synchronize_seqscans TO off")
    sql.check("SHOW synchronize_seqscans", [("off",)])


def test_calls_sqlglot_would_rename_stay_as_written(sql):
    sql.error("SELECT now(1)", "42883", "function now(integer) does not exist")
    sql.error("SELECT array_join(ARRAY[1], ',')", "42883", "function array_join(integer[], unknown) does not exist")
    sql.check("SELECT now() = current_timestamp", [("t",)])


def test_timestamp_plus_huge_interval_is_out_of_range(sql):
    for base in ("DATE '2022-08-09'", "TIMESTAMP '2022-08-09 00:00:00'", "TIMESTAMPTZ '2022-08-09 00:00:00+00'"):
        sql.error(f"SELECT {base} - INTERVAL '-2147483648 days'", "22008", "timestamp out of range")


def test_unknown_explain_option(sql):
    sql.error("EXPLAIN (trace) SELECT 1", "42601", 'unrecognized EXPLAIN option "trace"')
    sql.error('EXPLAIN ("VERBOSE") SELECT 1', "42601", 'unrecognized EXPLAIN option "VERBOSE"')


def test_regression_aggregates(sql):
    """corr, covar_* and regr_* over (Y, X), skipping rows where either is NULL; values as
    PostgreSQL 15 prints them (the same accumulation, so the same last digits)."""
    data = "(VALUES (1, 2.5), (2, 3.1), (3.7, 4), (NULL, 5), (4, NULL), (5.5, 9.25)) v(y, x)"
    sql.check(f"SELECT corr(y, x), covar_pop(y, x), covar_samp(y, x), regr_slope(y, x), regr_intercept(y, x), "
              f"regr_r2(y, x), regr_count(y, x), regr_avgx(y, x), regr_sxx(y, x) FROM {data}",
              [("0.9218631054098494", "4.220625", "5.6275", "0.5904649485212147", "0.2674339300937758",
                "0.8498315851158913", "4", "4.7125", "28.591874999999995")],
              columns=["corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "regr_r2",
                       "regr_count", "regr_avgx", "regr_sxx"])
    sql.check("SELECT g, corr(y, x), regr_slope(y, x), covar_samp(y, x) FROM (VALUES (1, 1, 1), (1, 2, 2), "
              "(2, 3, 3), (2, 3, 4), (3, 1, 1)) v(g, y, x) GROUP BY g ORDER BY g",
              [("1", "1", "1", "0.5"), ("2", None, "0", "0"), ("3", None, None, None)], ordered=True)
    sql.check("SELECT corr(y, x) FROM (VALUES ('infinity'::float8, 1), (2, 2)) v(y, x)", [("NaN",)])


def test_width_bucket(sql):
    sql.check("SELECT width_bucket(5.35, 0.024, 10.06, 5), width_bucket(5.35::float8, 0.024, 10.06, 5), "
              "width_bucket(10, 0, 10, 5), width_bucket(3, 10, 0, 5), width_bucket(0.9999999999999999999, 0, 1, 3), "
              "width_bucket(5, array[1, 3, 5, 10]), width_bucket('m', array['a', 'z'])",
              [("3", "3", "6", "4", "3", "3", "1")])
    sql.error("SELECT width_bucket(1, 0, 10, 0)", "2201G", "count must be greater than zero")
    sql.error("SELECT width_bucket(1, 5, 5, 3)", "2201G", "lower bound cannot equal upper bound")
    sql.error("SELECT width_bucket(1, 0, 'infinity'::float8, 3)", "2201G", "lower and upper bounds must be finite")
    sql.error("SELECT width_bucket(2, array[1, null])", "22004", "thresholds array must not contain NULLs")


def test_pg_size_bytes_reads_pg_size_pretty_units(sql):
    sql.check("SELECT pg_size_bytes('10 MB'), pg_size_bytes('1.5 GB'), pg_size_bytes('-2kb'), "
              "pg_size_bytes(' 12 bytes '), pg_size_bytes('1e3'), pg_size_bytes('-.5 kB')",
              [("10485760", "1610612736", "-2048", "12", "1000", "-512")])
    sql.error("SELECT pg_size_bytes('10 XB')", "22023", 'invalid size: "10 XB"')
    sql.error("SELECT pg_size_bytes('abc')", "22023", 'invalid size: "abc"')


def test_percentiles_of_an_array_of_fractions(sql):
    data = "(VALUES (1, 'a', interval '1 day'), (2.5, 'b', interval '3 days'), (7, 'c', interval '1 hour')) v(x, t, i)"
    sql.check("SELECT percentile_cont(array[0.25, 0.5, NULL]) WITHIN GROUP (ORDER BY x), "
              "percentile_disc(array[0.25, 0.5, 1]) WITHIN GROUP (ORDER BY x), "
              f"percentile_cont(array[0.5]) WITHIN GROUP (ORDER BY i), percentile_disc(array[0.1]) WITHIN GROUP (ORDER BY t) "
              f"FROM {data}", [("{1.75,2.5,NULL}", "{1,2.5,7}", '{"1 day"}', "{a}")])
    sql.error("SELECT percentile_cont(array[1.5]) WITHIN GROUP (ORDER BY x) FROM (VALUES (1)) v(x)", "22003",
              "percentile value 1.5 is not between 0 and 1")
