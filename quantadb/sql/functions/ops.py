"""pg_operator: every operator QuantaDB knows, generated from per-type tables.

Impl names follow pg_proc (int4pl, float8div, numeric_add, texteq...). Same-type operators
suffice for the integer families: PostgreSQL's cross-type int24pl etc. yield the same result
types as resolving to the wider same-type operator (int2 + int4 -> int4 + int4 -> int4).
"""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.sql.functions.signature import add_operator as op
from quantadb.types.registry import (
    ANYARRAY, ANYELEMENT, ANYENUM, ANYNONARRAY, BIT, BOOL, BPCHAR, BYTEA, CHAR, DATE, FLOAT4, FLOAT8, INT2, INT4,
    INT8, INTERVAL, JSON, JSONB, NAME, NUMERIC, OID, RECORD, TEXT, TID, TIME, TIMESTAMP, TIMESTAMPTZ, TIMETZ,
    UUID, VARBIT, XID, XID8, array_of,
)

TEXT_ARRAY = array_of(TEXT)

# (type, impl prefix) for the arithmetic families.
INTS = ((INT2, "int2"), (INT4, "int4"), (INT8, "int8"))
FLOATS = ((FLOAT4, "float4"), (FLOAT8, "float8"))
ARITH = {"+": "pl", "-": "mi", "*": "mul", "/": "div"}
NUMERIC_ARITH = {"+": "numeric_add", "-": "numeric_sub", "*": "numeric_mul", "/": "numeric_div",
                 "%": "numeric_mod", "^": "numeric_power"}

for t, p in INTS + FLOATS:
    for sym, suffix in ARITH.items():
        op(sym, (t, t), t, p + suffix)
    op("-", (t,), t, p + "um")
    op("+", (t,), t, p + "up")
    op("@", (t,), t, p + "abs")
for t, p in INTS:
    op("%", (t, t), t, p + "mod")
    for sym, suffix in (("&", "and"), ("|", "or"), ("#", "xor")):
        op(sym, (t, t), t, p + suffix)
    op("~", (t,), t, p + "not")
    op("<<", (t, INT4), t, p + "shl")
    op(">>", (t, INT4), t, p + "shr")
# PostgreSQL's cross-type families (int48pl, float84mul, int24lt...): they decide result types
# such as float4 * int4 -> float8 (the float8 side is the preferred type).
CROSS = ((INT2, INT4, INT4, "int24"), (INT4, INT2, INT4, "int42"), (INT2, INT8, INT8, "int28"),
         (INT8, INT2, INT8, "int82"), (INT4, INT8, INT8, "int48"), (INT8, INT4, INT8, "int84"),
         (FLOAT4, FLOAT8, FLOAT8, "float48"), (FLOAT8, FLOAT4, FLOAT8, "float84"))
for left, right, ret, p in CROSS:
    for sym, suffix in ARITH.items():
        op(sym, (left, right), ret, p + suffix)
    for sym, suffix in {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}.items():
        op(sym, (left, right), BOOL, p + suffix)
for sym, impl in NUMERIC_ARITH.items():
    op(sym, (NUMERIC, NUMERIC), NUMERIC, impl)
op("-", (NUMERIC,), NUMERIC, "numeric_uminus")
op("+", (NUMERIC,), NUMERIC, "numeric_uplus")
op("@", (NUMERIC,), NUMERIC, "numeric_abs")
op("^", (FLOAT8, FLOAT8), FLOAT8, "dpow")
op("|/", (FLOAT8,), FLOAT8, "dsqrt")
op("||/", (FLOAT8,), FLOAT8, "dcbrt")

# Comparison families: (type, impl prefix); impl = prefix + eq/ne/lt/le/gt/ge.
COMPARISONS = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
COMPARABLE = (
    (INT2, "int2"), (INT4, "int4"), (INT8, "int8"), (FLOAT4, "float4"), (FLOAT8, "float8"),
    (NUMERIC, "numeric_"), (OID, "oid"), (BOOL, "bool"), (TEXT, "text_"), (BPCHAR, "bpchar"),
    (NAME, "name"), (CHAR, "char"), (BYTEA, "bytea"), (DATE, "date_"), (TIME, "time_"),
    (TIMETZ, "timetz_"), (TIMESTAMP, "timestamp_"), (TIMESTAMPTZ, "timestamptz_"),
    (INTERVAL, "interval_"), (UUID, "uuid_"), (JSONB, "jsonb_"), (ANYARRAY, "array_"), (BIT, "bit_"),
    (VARBIT, "bit_"), (TID, "tid"), (XID8, "xid8"),
)
for t, p in COMPARABLE:
    for sym, suffix in COMPARISONS.items():
        op(sym, (t, t), BOOL, p + suffix)
        # the operator's function is callable by name too (booleq, int4lt; text's are texteq/textne)
        add_function(("text" if t is TEXT and suffix in ("eq", "ne") else p) + suffix, (t, t), BOOL, p + suffix)

# xid compares only for (in)equality, also with an integer (`xmax <> 0`: xideqint4, xidneqint4)
for sym, suffix in (("=", "eq"), ("<>", "ne")):
    op(sym, (XID, XID), BOOL, "xid" + suffix)
    op(sym, (XID, INT4), BOOL, "xidint4" + suffix)

# Enums compare by their labels' declaration order (enum_lt & co., on any enum type).
for sym, suffix in COMPARISONS.items():
    op(sym, (ANYENUM, ANYENUM), BOOL, "enum_" + suffix)
    add_function("enum_" + suffix, (ANYENUM, ANYENUM), BOOL, "enum_" + suffix)

op("NOT", (BOOL,), BOOL, "boolnot")

# Strings.
op("||", (TEXT, TEXT), TEXT, "textcat")
op("||", (ANYNONARRAY, TEXT), TEXT, "anytextcat")
op("||", (TEXT, ANYNONARRAY), TEXT, "textanycat")
op("||", (BYTEA, BYTEA), BYTEA, "byteacat")
PATTERN_OPS = {"~~": "textlike", "!~~": "textnlike", "~~*": "texticlike", "!~~*": "texticnlike",
               "~": "textregexeq", "!~": "textregexne", "~*": "texticregexeq", "!~*": "texticregexne"}
for sym, impl in PATTERN_OPS.items():
    op(sym, (TEXT, TEXT), BOOL, impl)
op("^@", (TEXT, TEXT), BOOL, "starts_with")

# Date/time arithmetic.
DATETIME_OPS = (
    ("+", DATE, INT4, DATE, "date_pli"), ("+", INT4, DATE, DATE, "integer_pl_date"),
    ("-", DATE, INT4, DATE, "date_mii"), ("-", DATE, DATE, INT4, "date_mi"),
    ("+", DATE, INTERVAL, TIMESTAMP, "date_pl_interval"), ("+", INTERVAL, DATE, TIMESTAMP, "interval_pl_date"),
    ("-", DATE, INTERVAL, TIMESTAMP, "date_mi_interval"),
    ("+", DATE, TIME, TIMESTAMP, "datetime_pl"), ("+", TIME, DATE, TIMESTAMP, "timedate_pl"),
    ("+", TIMESTAMP, INTERVAL, TIMESTAMP, "timestamp_pl_interval"),
    ("+", INTERVAL, TIMESTAMP, TIMESTAMP, "interval_pl_timestamp"),
    ("-", TIMESTAMP, INTERVAL, TIMESTAMP, "timestamp_mi_interval"),
    ("-", TIMESTAMP, TIMESTAMP, INTERVAL, "timestamp_mi"),
    ("+", TIMESTAMPTZ, INTERVAL, TIMESTAMPTZ, "timestamptz_pl_interval"),
    ("+", INTERVAL, TIMESTAMPTZ, TIMESTAMPTZ, "interval_pl_timestamptz"),
    ("-", TIMESTAMPTZ, INTERVAL, TIMESTAMPTZ, "timestamptz_mi_interval"),
    ("-", TIMESTAMPTZ, TIMESTAMPTZ, INTERVAL, "timestamptz_mi"),
    ("+", INTERVAL, INTERVAL, INTERVAL, "interval_pl"), ("-", INTERVAL, INTERVAL, INTERVAL, "interval_mi"),
    ("*", INTERVAL, FLOAT8, INTERVAL, "interval_mul"), ("*", FLOAT8, INTERVAL, INTERVAL, "mul_d_interval"),
    ("/", INTERVAL, FLOAT8, INTERVAL, "interval_div"),
    ("+", TIME, INTERVAL, TIME, "time_pl_interval"), ("+", INTERVAL, TIME, TIME, "interval_pl_time"),
    ("-", TIME, INTERVAL, TIME, "time_mi_interval"), ("-", TIME, TIME, INTERVAL, "time_mi_time"),
)
for sym, left, right, ret, impl in DATETIME_OPS:
    op(sym, (left, right), ret, impl)
op("-", (INTERVAL,), INTERVAL, "interval_um")

# JSON.
JSON_OPS = (
    ("->", JSONB, TEXT, JSONB, "jsonb_object_field"), ("->", JSONB, INT4, JSONB, "jsonb_array_element"),
    ("->>", JSONB, TEXT, TEXT, "jsonb_object_field_text"),
    ("->>", JSONB, INT4, TEXT, "jsonb_array_element_text"),
    ("#>", JSONB, TEXT_ARRAY, JSONB, "jsonb_extract_path_op"),
    ("#>>", JSONB, TEXT_ARRAY, TEXT, "jsonb_extract_path_text_op"),
    ("->", JSON, TEXT, JSON, "json_object_field"), ("->", JSON, INT4, JSON, "json_array_element"),
    ("->>", JSON, TEXT, TEXT, "json_object_field_text"), ("->>", JSON, INT4, TEXT, "json_array_element_text"),
    ("#>", JSON, TEXT_ARRAY, JSON, "json_extract_path_op"),
    ("#>>", JSON, TEXT_ARRAY, TEXT, "json_extract_path_text_op"),
    ("@>", JSONB, JSONB, BOOL, "jsonb_contains"), ("<@", JSONB, JSONB, BOOL, "jsonb_contained"),
    ("?", JSONB, TEXT, BOOL, "jsonb_exists"), ("?|", JSONB, TEXT_ARRAY, BOOL, "jsonb_exists_any"),
    ("?&", JSONB, TEXT_ARRAY, BOOL, "jsonb_exists_all"), ("||", JSONB, JSONB, JSONB, "jsonb_concat"),
    ("-", JSONB, TEXT, JSONB, "jsonb_delete"), ("-", JSONB, INT4, JSONB, "jsonb_delete_idx"),
)
for sym, left, right, ret, impl in JSON_OPS:
    op(sym, (left, right), ret, impl)

# Whole records (a row subquery, a whole-row reference): field by field, record_eq & co.
for sym, suffix in COMPARISONS.items():
    op(sym, (RECORD, RECORD), BOOL, "record_" + suffix, strict=False)

# Arrays (the comparisons are in COMPARABLE).
op("@>", (ANYARRAY, ANYARRAY), BOOL, "arraycontains")
op("<@", (ANYARRAY, ANYARRAY), BOOL, "arraycontained")
op("&&", (ANYARRAY, ANYARRAY), BOOL, "arrayoverlap")
op("||", (ANYARRAY, ANYARRAY), ANYARRAY, "array_cat", strict=False)
op("||", (ANYARRAY, ANYELEMENT), ANYARRAY, "array_append", strict=False)
op("||", (ANYELEMENT, ANYARRAY), ANYARRAY, "array_prepend", strict=False)

# Bit strings (varbit.c): bit(n) and varbit alike; || gives varbit.
for t in (BIT, VARBIT):
    for sym, impl in (("|", "bitor"), ("&", "bitand"), ("#", "bitxor")):
        op(sym, (t, t), t, impl)
    op("~", (t,), t, "bitnot")
    op("<<", (t, INT4), t, "bitshiftleft")
    op(">>", (t, INT4), t, "bitshiftright")
op("||", (VARBIT, VARBIT), VARBIT, "bitcat")
