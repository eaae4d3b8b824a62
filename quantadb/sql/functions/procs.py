"""pg_proc: built-in functions, aggregates, window and set-returning functions, from tables.

Each row is (name, args, ret, impl) with optional flags; `fn`, `agg`, `win` and `srf` add a
row of the matching kind. Aliases share one impl (ceil/ceiling, substr/substring, ...).
"""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.types.registry import (
    ANY, ANYARRAY, ANYELEMENT, ANYENUM, ANYNONARRAY, BOOL, BPCHAR, BYTEA, CHAR, DATE, FLOAT4, FLOAT8, INT2, INT4,
    INT8, INTERVAL, JSON, JSONB, NAME, NUMERIC, OID, RECORD, PgType, TEXT, TID, TIME, TIMESTAMP, TIMESTAMPTZ,
    TIMETZ, UUID, VARBIT, VARCHAR, array_of,
)

TEXT_ARRAY = array_of(TEXT)
INT_TYPES = ((INT2, "int2"), (INT4, "int4"), (INT8, "int8"))
NUM_TYPES = INT_TYPES + ((FLOAT4, "float4"), (FLOAT8, "float8"), (NUMERIC, "numeric_"))


def fn(names: str, args: tuple[PgType, ...], ret: PgType, impl: str, **kw: object) -> None:
    for name in names.split():
        add_function(name, args, ret, impl, **kw)


def agg(names: str, args: tuple[PgType, ...], ret: PgType, impl: str, **kw: object) -> None:
    fn(names, args, ret, impl, kind="a", strict=False, **kw)


def win(names: str, args: tuple[PgType, ...], ret: PgType, impl: str) -> None:
    fn(names, args, ret, impl, kind="w", strict=False)


def srf(names: str, args: tuple[PgType, ...], ret: PgType, impl: str, **kw: object) -> None:
    fn(names, args, ret, impl, kind="s", **kw)


# --- math -------------------------------------------------------------------------------
for t, p in NUM_TYPES:
    fn("abs", (t,), t, p + "abs")
for t, p in INT_TYPES + ((NUMERIC, "numeric_"),):
    fn("mod", (t, t), t, p + "mod")
FLOAT8_UNARY = (("round", "dround"), ("trunc", "dtrunc"), ("ceil ceiling", "dceil"), ("floor", "dfloor"),
                ("sign", "dsign"), ("sqrt", "dsqrt"), ("cbrt", "dcbrt"), ("exp", "dexp"), ("ln", "dlog1"),
                ("log log10", "dlog10"), ("degrees", "degrees"), ("radians", "radians"), ("sin", "dsin"),
                ("cos", "dcos"), ("tan", "dtan"), ("asin", "dasin"), ("acos", "dacos"), ("atan", "datan"),
                ("cot", "dcot"))
for names, impl in FLOAT8_UNARY:
    fn(names, (FLOAT8,), FLOAT8, impl)
NUMERIC_UNARY = (("round", "numeric_round"), ("trunc", "numeric_trunc"), ("ceil ceiling", "numeric_ceil"),
                 ("floor", "numeric_floor"), ("sign", "numeric_sign"), ("sqrt", "numeric_sqrt"),
                 ("exp", "numeric_exp"), ("ln", "numeric_ln"), ("log log10", "numeric_log10"),
                 ("scale", "numeric_scale"))
for names, impl in NUMERIC_UNARY:
    fn(names, (NUMERIC,), INT4 if impl == "numeric_scale" else NUMERIC, impl)
fn("round", (NUMERIC, INT4), NUMERIC, "numeric_round")
fn("trunc", (NUMERIC, INT4), NUMERIC, "numeric_trunc")
fn("power pow", (FLOAT8, FLOAT8), FLOAT8, "dpow")
fn("power pow", (NUMERIC, NUMERIC), NUMERIC, "numeric_power")
fn("trim_scale", (NUMERIC,), NUMERIC, "numeric_trim_scale")
fn("factorial", (INT8,), NUMERIC, "numeric_fac")
fn("width_bucket", (FLOAT8, FLOAT8, FLOAT8, INT4), INT4, "width_bucket")
fn("width_bucket", (NUMERIC, NUMERIC, NUMERIC, INT4), INT4, "width_bucket")
fn("width_bucket", (ANYELEMENT, ANYARRAY), INT4, "width_bucket_array")
fn("min_scale", (NUMERIC,), INT4, "numeric_min_scale")
fn("log", (NUMERIC, NUMERIC), NUMERIC, "numeric_log")
fn("div", (NUMERIC, NUMERIC), NUMERIC, "numeric_div_trunc")
fn("atan2", (FLOAT8, FLOAT8), FLOAT8, "datan2")
fn("pi", (), FLOAT8, "pi")
fn("random", (), FLOAT8, "drandom", volatile=True)
fn("gcd", (INT4, INT4), INT4, "int4gcd")
fn("gcd", (INT8, INT8), INT8, "int8gcd")
fn("lcm", (INT4, INT4), INT4, "int4lcm")
fn("lcm", (INT8, INT8), INT8, "int8lcm")
fn("greatest", (ANYELEMENT,), ANYELEMENT, "greatest", strict=False, variadic=True)
fn("least", (ANYELEMENT,), ANYELEMENT, "least", strict=False, variadic=True)
fn("num_nulls", (ANY,), INT4, "num_nulls", strict=False, variadic=True)
fn("num_nonnulls", (ANY,), INT4, "num_nonnulls", strict=False, variadic=True)
fn("gen_random_uuid", (), UUID, "gen_random_uuid", volatile=True)

# --- strings ----------------------------------------------------------------------------
T, I = TEXT, INT4
STRING_FNS = (
    ("length char_length character_length", (T,), I, "textlen"),
    ("length char_length character_length", (BPCHAR,), I, "bpcharlen"),
    ("length octet_length", (BYTEA,), I, "byteaoctetlen"),
    ("octet_length", (T,), I, "textoctetlen"), ("bit_length", (T,), I, "bitlength"),
    ("length bit_length", (VARBIT,), I, "varbit_length"), ("octet_length", (VARBIT,), I, "varbit_octet_length"),
    ("lower", (T,), T, "lower"), ("upper", (T,), T, "upper"), ("initcap", (T,), T, "initcap"),
    ("substring substr", (T, I, I), T, "text_substr"), ("substring substr", (T, I), T, "text_substr"),
    ("substring", (T, T), T, "textregexsubstr"), ("substring", (T, T, T), T, "similar_substring"),
    ("position strpos", (T, T), I, "textpos"),
    ("btrim", (T,), T, "btrim"), ("btrim", (T, T), T, "btrim"), ("ltrim", (T,), T, "ltrim"),
    ("ltrim", (T, T), T, "ltrim"), ("rtrim", (T,), T, "rtrim"), ("rtrim", (T, T), T, "rtrim"),
    ("lpad", (T, I), T, "lpad"), ("lpad", (T, I, T), T, "lpad"), ("rpad", (T, I), T, "rpad"),
    ("rpad", (T, I, T), T, "rpad"), ("replace", (T, T, T), T, "replace_text"),
    ("translate", (T, T, T), T, "translate"), ("split_part", (T, T, I), T, "split_part"),
    ("left", (T, I), T, "text_left"), ("right", (T, I), T, "text_right"), ("repeat", (T, I), T, "repeat"),
    ("reverse", (T,), T, "text_reverse"), ("starts_with", (T, T), BOOL, "starts_with"),
    ("ascii", (T,), I, "ascii"), ("chr", (I,), T, "chr"), ("md5", (T,), T, "md5_text"),
    ("md5", (BYTEA,), T, "md5_bytea"), ("to_hex", (I,), T, "to_hex32"), ("to_hex", (INT8,), T, "to_hex64"),
    ("quote_ident", (T,), T, "quote_ident"), ("quote_literal", (T,), T, "quote_literal"),
    ("quote_literal", (ANYELEMENT,), T, "quote_literal"),
    ("regexp_replace", (T, T, T), T, "textregexreplace"), ("regexp_replace", (T, T, T, T), T, "textregexreplace"),
    ("regexp_replace", (T, T, T, I), T, "textregexreplace"), ("regexp_replace", (T, T, T, I, I), T, "textregexreplace"),
    ("regexp_replace", (T, T, T, I, I, T), T, "textregexreplace"),
    ("regexp_match", (T, T), TEXT_ARRAY, "regexp_match"), ("regexp_match", (T, T, T), TEXT_ARRAY, "regexp_match"),
    ("regexp_split_to_array", (T, T), TEXT_ARRAY, "regexp_split_to_array"),
    ("regexp_split_to_array", (T, T, T), TEXT_ARRAY, "regexp_split_to_array"),
    ("regexp_count", (T, T), I, "regexp_count"), ("regexp_count", (T, T, I), I, "regexp_count"),
    ("regexp_count", (T, T, I, T), I, "regexp_count"),
    ("regexp_instr", (T, T), I, "regexp_instr"), ("regexp_instr", (T, T, I), I, "regexp_instr"),
    ("regexp_instr", (T, T, I, I), I, "regexp_instr"), ("regexp_instr", (T, T, I, I, I), I, "regexp_instr"),
    ("regexp_instr", (T, T, I, I, I, T), I, "regexp_instr"), ("regexp_instr", (T, T, I, I, I, T, I), I, "regexp_instr"),
    ("regexp_substr", (T, T), T, "regexp_substr"), ("regexp_substr", (T, T, I), T, "regexp_substr"),
    ("regexp_substr", (T, T, I, I), T, "regexp_substr"), ("regexp_substr", (T, T, I, I, T), T, "regexp_substr"),
    ("regexp_substr", (T, T, I, I, T, I), T, "regexp_substr"),
    ("regexp_like", (T, T), BOOL, "regexp_like"), ("regexp_like", (T, T, T), BOOL, "regexp_like"),
    ("like_escape", (T, T), T, "like_escape"), ("similar_to_escape", (T,), T, "similar_to_escape"),
    ("similar_to_escape", (T, T), T, "similar_to_escape"),
)
for names, args, ret, impl in STRING_FNS:
    fn(names, args, ret, impl)
fn("quote_nullable", (T,), T, "quote_nullable", strict=False)
fn("quote_nullable", (ANYELEMENT,), T, "quote_nullable", strict=False)
fn("concat", (ANY,), T, "concat", strict=False, variadic=True)
fn("concat_ws", (T, ANY), T, "concat_ws", strict=False, variadic=True)
fn("format", (T,), T, "format", strict=False)
fn("format", (T, ANY), T, "format", strict=False, variadic=True)
fn("string_to_array", (T, T), TEXT_ARRAY, "text_to_array", strict=False)
fn("string_to_array", (T, T, T), TEXT_ARRAY, "text_to_array", strict=False)
fn("array_to_string", (ANYARRAY, T), T, "array_to_text")
fn("array_to_string", (ANYARRAY, T, T), T, "array_to_text", strict=False)

# --- arrays -----------------------------------------------------------------------------
fn("array_length", (ANYARRAY, I), I, "array_length")
fn("array_upper", (ANYARRAY, I), I, "array_upper")
fn("array_lower", (ANYARRAY, I), I, "array_lower")
fn("cardinality", (ANYARRAY,), I, "array_cardinality")
fn("array_position", (ANYARRAY, ANYELEMENT), I, "array_position", strict=False)
fn("array_append", (ANYARRAY, ANYELEMENT), ANYARRAY, "array_append", strict=False)
fn("array_prepend", (ANYELEMENT, ANYARRAY), ANYARRAY, "array_prepend", strict=False)
fn("array_cat", (ANYARRAY, ANYARRAY), ANYARRAY, "array_cat", strict=False)
fn("array_remove", (ANYARRAY, ANYELEMENT), ANYARRAY, "array_remove", strict=False)
fn("array_replace", (ANYARRAY, ANYELEMENT, ANYELEMENT), ANYARRAY, "array_replace", strict=False)
fn("array_dims", (ANYARRAY,), T, "array_dims")
fn("array_positions", (ANYARRAY, ANYELEMENT), array_of(INT4), "array_positions", strict=False)
fn("array_fill", (ANYELEMENT, array_of(INT4)), ANYARRAY, "array_fill", strict=False)
fn("trim_array", (ANYARRAY, INT4), ANYARRAY, "trim_array")
for _bits in (224, 256, 384, 512):
    fn(f"sha{_bits}", (BYTEA,), BYTEA, f"sha{_bits}")
# each type's binary send function (typsend), callable from SQL; the receive functions take
# `internal` in PostgreSQL and so cannot be
for _t, _send in ((BOOL, "boolsend"), (BYTEA, "byteasend"), (CHAR, "charsend"), (NAME, "namesend"),
                  (INT2, "int2send"), (INT4, "int4send"), (INT8, "int8send"), (T, "textsend"), (OID, "oidsend"),
                  (FLOAT4, "float4send"), (FLOAT8, "float8send"), (BPCHAR, "bpcharsend"),
                  (VARCHAR, "varcharsend"), (DATE, "date_send"), (TIME, "time_send"), (TIMETZ, "timetz_send"),
                  (TIMESTAMP, "timestamp_send"), (TIMESTAMPTZ, "timestamptz_send"), (INTERVAL, "interval_send"),
                  (NUMERIC, "numeric_send"), (UUID, "uuid_send"), (JSON, "json_send"), (JSONB, "jsonb_send")):
    fn(_send, (_t,), BYTEA, "typsend")
fn("normalize", (T,), T, "unicode_normalize")
fn("normalize", (T, T), T, "unicode_normalize")
fn("date_bin", (INTERVAL, TIMESTAMP, TIMESTAMP), TIMESTAMP, "date_bin")
fn("date_bin", (INTERVAL, TIMESTAMPTZ, TIMESTAMPTZ), TIMESTAMPTZ, "date_bin")

# --- date/time --------------------------------------------------------------------------
fn("now current_timestamp transaction_timestamp", (), TIMESTAMPTZ, "now")
fn("statement_timestamp", (), TIMESTAMPTZ, "statement_timestamp")
fn("clock_timestamp", (), TIMESTAMPTZ, "clock_timestamp", volatile=True)
fn("localtimestamp", (), TIMESTAMP, "localtimestamp")
fn("current_time", (), TIMETZ, "current_time")
fn("localtime", (), TIME, "localtime")
fn("current_date", (), DATE, "current_date")
fn("date_trunc", (T, TIMESTAMP), TIMESTAMP, "timestamp_trunc")
fn("date_trunc", (T, TIMESTAMPTZ), TIMESTAMPTZ, "timestamptz_trunc")
fn("date_trunc", (T, TIMESTAMPTZ, T), TIMESTAMPTZ, "timestamptz_trunc")
fn("date_trunc", (T, INTERVAL), INTERVAL, "interval_trunc")
for t, p in ((TIMESTAMP, "timestamp"), (TIMESTAMPTZ, "timestamptz"), (DATE, "date"), (INTERVAL, "interval"),
             (TIME, "time")):
    fn("date_part", (T, t), FLOAT8, f"{p}_part")
    fn("extract", (T, t), NUMERIC, f"extract_{p}")
    if t is not TIME:
        fn("isfinite", (t,), BOOL, f"{p}_finite")
fn("age", (TIMESTAMP, TIMESTAMP), INTERVAL, "timestamp_age")
fn("age", (TIMESTAMPTZ, TIMESTAMPTZ), INTERVAL, "timestamptz_age")
fn("age", (TIMESTAMP,), INTERVAL, "timestamp_age")
fn("age", (TIMESTAMPTZ,), INTERVAL, "timestamptz_age")
fn("make_date", (I, I, I), DATE, "make_date")
fn("make_time", (I, I, FLOAT8), TIME, "make_time")
fn("make_timestamp", (I, I, I, I, I, FLOAT8), TIMESTAMP, "make_timestamp")
fn("make_timestamptz", (I, I, I, I, I, FLOAT8), TIMESTAMPTZ, "make_timestamptz")
fn("make_timestamptz", (I, I, I, I, I, FLOAT8, T), TIMESTAMPTZ, "make_timestamptz")
MAKE_INTERVAL_ARGS = (I, I, I, I, I, I, FLOAT8)  # years months weeks days hours mins secs, all defaulted
for k in range(len(MAKE_INTERVAL_ARGS) + 1):
    fn("make_interval", MAKE_INTERVAL_ARGS[:k], INTERVAL, "make_interval")
for t, p in ((TIMESTAMP, "timestamp"), (TIMESTAMPTZ, "timestamptz"), (INTERVAL, "interval"),
             (NUMERIC, "numeric"), (INT4, "int4"), (INT8, "int8"), (FLOAT4, "float4"), (FLOAT8, "float8")):
    fn("to_char", (t, T), T, f"{p}_to_char")
fn("to_date", (T, T), DATE, "to_date")
fn("to_timestamp", (FLOAT8,), TIMESTAMPTZ, "float8_timestamptz")
fn("to_timestamp", (T, T), TIMESTAMPTZ, "to_timestamp")
fn("to_number", (T, T), NUMERIC, "numeric_to_number")
fn("justify_days", (INTERVAL,), INTERVAL, "interval_justify_days")
fn("justify_hours", (INTERVAL,), INTERVAL, "interval_justify_hours")
fn("justify_interval", (INTERVAL,), INTERVAL, "interval_justify_interval")

# --- json -------------------------------------------------------------------------------
for j in ("json", "jsonb"):
    J = JSON if j == "json" else JSONB
    fn(f"{j}_typeof", (J,), T, f"{j}_typeof")
    fn(f"{j}_array_length", (J,), I, f"{j}_array_length")
    fn(f"{j}_build_object", (), J, f"{j}_build_object", strict=False)
    fn(f"{j}_build_object", (ANY,), J, f"{j}_build_object", strict=False, variadic=True)
    fn(f"{j}_build_array", (), J, f"{j}_build_array", strict=False)
    fn(f"{j}_build_array", (ANY,), J, f"{j}_build_array", strict=False, variadic=True)
    fn(f"to_{j}", (ANYELEMENT,), J, f"to_{j}")
    fn(f"{j}_extract_path", (J, T), J, f"{j}_extract_path", variadic=True)
    fn(f"{j}_extract_path_text", (J, T), T, f"{j}_extract_path_text", variadic=True)
    srf(f"{j}_object_keys", (J,), T, f"{j}_object_keys")
    srf(f"{j}_array_elements", (J,), J, f"{j}_array_elements", out=(("value", J),))
    srf(f"{j}_array_elements_text", (J,), T, f"{j}_array_elements_text", out=(("value", T),))
    srf(f"{j}_each", (J,), RECORD, f"{j}_each", out=(("key", T), ("value", J)))
    srf(f"{j}_each_text", (J,), RECORD, f"{j}_each_text", out=(("key", T), ("value", T)))
    # their fields are the caller's column definition list (bind_from, exec/functions/jsonrecord.py)
    fn(f"{j}_to_record", (J,), RECORD, f"{j}_to_record")
    srf(f"{j}_to_recordset", (J,), RECORD, f"{j}_to_recordset")
    # the fields of the first argument's row type; a member the object lacks keeps its value there
    fn(f"{j}_populate_record", (ANYELEMENT, J), ANYELEMENT, f"{j}_populate_record", strict=False)
    srf(f"{j}_populate_recordset", (ANYELEMENT, J), ANYELEMENT, f"{j}_populate_recordset", strict=False)
fn("row_to_json", (RECORD,), JSON, "row_to_json")
fn("row_to_json", (RECORD, BOOL), JSON, "row_to_json_pretty")
fn("array_to_json", (ANYARRAY,), JSON, "array_to_json")
fn("array_to_json", (ANYARRAY, BOOL), JSON, "array_to_json_pretty")
fn("jsonb_set", (JSONB, TEXT_ARRAY, JSONB), JSONB, "jsonb_set")
fn("jsonb_set", (JSONB, TEXT_ARRAY, JSONB, BOOL), JSONB, "jsonb_set")
fn("jsonb_insert", (JSONB, TEXT_ARRAY, JSONB), JSONB, "jsonb_insert")
fn("jsonb_insert", (JSONB, TEXT_ARRAY, JSONB, BOOL), JSONB, "jsonb_insert")
fn("jsonb_pretty", (JSONB,), T, "jsonb_pretty")
fn("jsonb_strip_nulls", (JSONB,), JSONB, "jsonb_strip_nulls")

# --- set-returning ----------------------------------------------------------------------
for t, p in ((INT4, "int4"), (INT8, "int8"), (NUMERIC, "numeric")):
    srf("generate_series", (t, t), t, f"generate_series_{p}")
    srf("generate_series", (t, t, t), t, f"generate_series_{p}")
srf("generate_series", (TIMESTAMP, TIMESTAMP, INTERVAL), TIMESTAMP, "generate_series_timestamp")
srf("generate_series", (TIMESTAMPTZ, TIMESTAMPTZ, INTERVAL), TIMESTAMPTZ, "generate_series_timestamptz")
srf("unnest", (ANYARRAY,), ANYELEMENT, "unnest")
# information_schema._pg_expandarray: (element, 1-based position) rows; JDBC's getPrimaryKeys uses it
srf("_pg_expandarray", (ANYARRAY,), RECORD, "_pg_expandarray", out=(("x", ANYELEMENT), ("n", INT4)))
srf("generate_subscripts", (ANYARRAY, INT4), INT4, "generate_subscripts")
srf("generate_subscripts", (ANYARRAY, INT4, BOOL), INT4, "generate_subscripts")
srf("regexp_split_to_table", (T, T), T, "regexp_split_to_table")
srf("string_to_table", (T, T), T, "string_to_table", strict=False)
srf("string_to_table", (T, T, T), T, "string_to_table", strict=False)
srf("regexp_split_to_table", (T, T, T), T, "regexp_split_to_table")
srf("regexp_matches", (T, T), TEXT_ARRAY, "regexp_matches")
srf("regexp_matches", (T, T, T), TEXT_ARRAY, "regexp_matches")

# --- aggregates -------------------------------------------------------------------------
agg("count", (), INT8, "count_star")
agg("count", (ANY,), INT8, "count")
SUM_AVG = ((INT2, INT8, NUMERIC), (INT4, INT8, NUMERIC), (INT8, NUMERIC, NUMERIC), (FLOAT4, FLOAT4, FLOAT8),
           (FLOAT8, FLOAT8, FLOAT8), (NUMERIC, NUMERIC, NUMERIC), (INTERVAL, INTERVAL, INTERVAL))
for t, sum_ret, avg_ret in SUM_AVG:
    agg("sum", (t,), sum_ret, f"{t.name}_sum")
    agg("avg", (t,), avg_ret, f"{t.name}_avg")
    if t is not INTERVAL:
        stat_ret = FLOAT8 if t in (FLOAT4, FLOAT8) else NUMERIC
        for name in ("stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"):
            agg(name, (t,), stat_ret, f"{name}_{'float' if stat_ret is FLOAT8 else 'numeric'}")
for t in (INT2, INT4, INT8, FLOAT4, FLOAT8, NUMERIC, OID, TEXT, BPCHAR, DATE, TIME, TIMESTAMP, TIMESTAMPTZ,
          INTERVAL, ANYARRAY, ANYENUM, TID):
    agg("min", (t,), t, "min")
    agg("max", (t,), t, "max")
fn("enum_first", (ANYENUM,), ANYENUM, "enum_first", strict=False)
fn("enum_last", (ANYENUM,), ANYENUM, "enum_last", strict=False)
fn("enum_range", (ANYENUM,), ANYARRAY, "enum_range", strict=False)
fn("enum_range", (ANYENUM, ANYENUM), ANYARRAY, "enum_range", strict=False)
for _name in ("corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy",
              "regr_slope", "regr_intercept", "regr_r2"):
    agg(_name, (FLOAT8, FLOAT8), FLOAT8, _name)
agg("regr_count", (FLOAT8, FLOAT8), INT8, "regr_count")
agg("bool_and every", (BOOL,), BOOL, "bool_and")
agg("bool_or", (BOOL,), BOOL, "bool_or")
for t, _ in INT_TYPES:
    agg("bit_and", (t,), t, "bit_and")
    agg("bit_or", (t,), t, "bit_or")
    agg("bit_xor", (t,), t, "bit_xor")
agg("string_agg", (T, T), T, "string_agg")
agg("string_agg", (BYTEA, BYTEA), BYTEA, "string_agg")
agg("array_agg", (ANYNONARRAY,), ANYARRAY, "array_agg")
agg("json_agg", (ANYELEMENT,), JSON, "json_agg")
agg("jsonb_agg", (ANYELEMENT,), JSONB, "jsonb_agg")
agg("json_object_agg", (ANY, ANY), JSON, "json_object_agg")
agg("jsonb_object_agg", (ANY, ANY), JSONB, "jsonb_object_agg")
# Ordered-set aggregates: (direct fraction, WITHIN GROUP ordered value).
agg("percentile_cont", (FLOAT8, FLOAT8), FLOAT8, "percentile_cont")
agg("percentile_cont", (FLOAT8, INTERVAL), INTERVAL, "percentile_cont")
agg("percentile_disc", (FLOAT8, ANYELEMENT), ANYELEMENT, "percentile_disc")
agg("percentile_cont", (array_of(FLOAT8), FLOAT8), array_of(FLOAT8), "percentile_cont")
agg("percentile_cont", (array_of(FLOAT8), INTERVAL), array_of(INTERVAL), "percentile_cont")
agg("percentile_disc", (array_of(FLOAT8), ANYELEMENT), ANYARRAY, "percentile_disc")
agg("mode", (ANYELEMENT,), ANYELEMENT, "mode")

# --- window functions (evaluated by the window operator) --------------------------------
win("row_number", (), INT8, "row_number")
win("rank", (), INT8, "rank")
win("dense_rank", (), INT8, "dense_rank")
win("percent_rank", (), FLOAT8, "percent_rank")
win("cume_dist", (), FLOAT8, "cume_dist")
win("ntile", (I,), I, "ntile")
for name in ("lag", "lead"):
    win(name, (ANYELEMENT,), ANYELEMENT, name)
    win(name, (ANYELEMENT, I), ANYELEMENT, name)
    win(name, (ANYELEMENT, I, ANYELEMENT), ANYELEMENT, name)
win("first_value", (ANYELEMENT,), ANYELEMENT, "first_value")
win("last_value", (ANYELEMENT,), ANYELEMENT, "last_value")
win("nth_value", (ANYELEMENT, I), ANYELEMENT, "nth_value")
