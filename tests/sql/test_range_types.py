"""Range types (int4range, int8range, numrange, tsrange, tstzrange, daterange) checked against
PostgreSQL 15: text input and output with canonical forms, PG's errors for malformed literals,
constructors, lower/upper & co., every range operator, and ranges as table columns (ORDER BY,
DISTINCT, GROUP BY, indexes, UNIQUE, COPY) plus their pg_type and pg_range rows."""

MALFORMED = 'malformed range literal: "{}"'
ORDER_ERROR = "range lower bound must be less than or equal to range upper bound"


def test_text_input_output_and_canonical_forms(sql):
    sql.check("SELECT '[1,3]'::int4range, '(1,3]'::int4range, '(1,2)'::int4range, '[1,1)'::int4range, "
              "'(,)'::int4range, '[,5]'::int8range",
              [("[1,4)", "[2,4)", "empty", "empty", "(,)", "(,6)")])
    sql.check("SELECT '  empty  '::int4range, 'EMPTY'::numrange, '[1.50,2)'::numrange, '[1,1]'::numrange",
              [("empty", "empty", "[1.50,2)", "[1,1]")])
    sql.check("SELECT '[2020-01-01,2020-01-05]'::daterange, '[-infinity,infinity]'::daterange, "
              "'(2020-01-01,infinity]'::daterange",
              [("[2020-01-01,2020-01-06)", "[-infinity,infinity]", "[2020-01-02,infinity]")])
    # bounds with spaces are quoted on output; quotes and backslashes in the input are unescaped
    sql.check("""SELECT '["2020-01-01 10:00","2020-01-02")'::tsrange, '[" 1","2 ")'::int4range,
                        '[ 3 , 5 ]'::int4range""",
              [('["2020-01-01 10:00:00","2020-01-02 00:00:00")', "[1,2)", "[3,6)")])
    sql.check("SELECT numrange(1, 'Infinity'), numrange('-Infinity', 1, '[]')", [("[1,Infinity)", "[-Infinity,1]")])
    # numeric NaN sorts above every number, as in numeric's comparisons
    sql.check("SELECT numrange(1, 'NaN'), numrange('NaN', 'NaN', '[]') @> 'NaN'::numeric, "
              "numrange(1, 'NaN') * numrange(5, NULL), numrange(1, 'NaN') > numrange(1, 'Infinity')",
              [("[1,NaN)", "t", "[5,NaN)", "t")])
    sql.error("SELECT numrange('NaN', 1)", "22000", ORDER_ERROR)
    sql.check("SELECT '[1,2)'::int4range::text, '[1,2)'::text::int4range", [("[1,2)", "[1,2)")])


def test_malformed_literals_and_bound_order(sql):
    for text, detail in (("1,2", "left"), ("empty x", "empty"), ("[1 2]", "comma"), ("[1,2,3]", "commas"),
                         ("[1,2) x", "junk"), ("[1,2", "end"), ('[1,"2', "end")):
        sql.error(f"SELECT '{text}'::int4range", "22P02", MALFORMED.format(text))
    sql.error("SELECT '[a,2)'::int4range", "22P02", 'invalid input syntax for type integer: "a"')
    sql.error("SELECT '[3,1]'::int4range", "22000", ORDER_ERROR)
    sql.error("SELECT int4range(5, 1)", "22000", ORDER_ERROR)
    sql.error("SELECT '[1,2147483647]'::int4range", "22003", "integer out of range")


def test_constructors(sql):
    sql.check("SELECT int4range(1, 5), int4range(1, 5, '[]'), int4range(NULL, 5), int4range(5, NULL, '[]'), "
              "int4range(NULL, NULL), numrange(1, 2, '()'), numrange(1.5, 2.5, '[]')",
              [("[1,5)", "[1,6)", "(,5)", "[5,)", "(,)", "(1,2)", "[1.5,2.5]")])
    sql.check("SELECT tsrange('2020-01-01', '2020-01-02'), daterange('2020-01-01', '2020-01-01', '[]'), "
              "int8range(-9223372036854775808, 9223372036854775807)",
              [('["2020-01-01 00:00:00","2020-01-02 00:00:00")', "[2020-01-01,2020-01-02)",
                "[-9223372036854775808,9223372036854775807)")])
    sql.error("SELECT int4range(1, 5, 'x')", "42601", "invalid range bound flags")
    sql.error("SELECT int4range(1, 5, NULL)", "22000", "range constructor flags argument must not be null")
    sql.error("SELECT int8range(1, 9223372036854775807, '[]')", "22003", "bigint out of range")


def test_bound_functions(sql):
    sql.check("SELECT lower(int4range(1, 5)), upper(int4range(1, 5)), lower('empty'::int4range), "
              "upper(int4range(1, NULL)), lower(numrange(1.5, 2)), upper(daterange('2020-01-01', '2020-02-01'))",
              [("1", "5", None, None, "1.5", "2020-02-01")])
    sql.check("SELECT isempty('empty'::int4range), isempty(int4range(1, 2)), lower_inc(int4range(1, 2)), "
              "upper_inc(int4range(1, 2, '[]')), lower_inf(int4range(NULL, 2)), upper_inf('empty'::int4range), "
              "lower_inc(numrange(1, 2, '(]')), upper_inc(numrange(1, 2, '(]'))",
              [("t", "f", "t", "f", "t", "f", "f", "t")])
    sql.check("SELECT range_merge(int4range(1, 3), int4range(5, 7)), range_merge('empty', int4range(1, 2)), "
              "range_merge(numrange(1, 2, '[]'), numrange(0, 1))", [("[1,7)", "[1,2)", "[0,2]")])


def test_containment_overlap_and_position(sql):
    sql.check("SELECT int4range(1, 5) @> 3, int4range(1, 5) @> 5, int4range(1, 5) @> int4range(2, 3), "
              "3 <@ int4range(1, 5), int4range(2, 3) <@ int4range(1, 5), int4range(1, 5) @> 'empty'::int4range, "
              "'empty'::int4range @> int4range(1, 2), numrange(1, 2, '(]') @> 1.0",
              [("t", "f", "t", "t", "t", "t", "f", "f")])
    sql.check("SELECT int4range(1, 5) && int4range(5, 7), int4range(1, 5) && int4range(4, 7), "
              "int4range(1, 5) << int4range(5, 7), int4range(5, 7) >> int4range(1, 5), "
              "numrange(1, 5, '[]') << numrange(5, 7)",
              [("f", "t", "t", "t", "f")])
    sql.check("SELECT int4range(1, 5) &< int4range(2, 5), int4range(1, 6) &< int4range(2, 5), "
              "int4range(1, 5) &> int4range(1, 3), int4range(0, 5) &> int4range(1, 3), "
              "'empty'::int4range &< int4range(1, 2)",
              [("t", "f", "t", "f", "f")])
    sql.check("SELECT int4range(1, 5) -|- int4range(5, 7), numrange(1, 5) -|- numrange(5, 7), "
              "numrange(1, 5, '[]') -|- numrange(5, 7), numrange(5, 7, '(]') -|- numrange(1, 5, '[]'), "
              "int4range(1, 5) -|- int4range(NULL, 1)",
              [("t", "t", "f", "t", "t")])
    sql.check("SELECT tstzrange('2020-01-01 00:00+00', NULL) @> '2021-06-01 00:00+00'::timestamptz, "
              "daterange('2020-01-01', 'infinity') @> 'infinity'::date", [("t", "f")])
    # the element must have the range's subtype exactly (anyrange, anyelement)
    for query in ("SELECT int4range(1, 5) @> 2::bigint", "SELECT int8range(1, 5) @> 2", "SELECT numrange(1, 2) @> 1",
                  "SELECT 1 <@ numrange(1, 2)"):
        sql.error(query, "42883")
    sql.check("SELECT int8range(1, 5) @> 2::bigint, numrange(1, 2) @> 1.5, int4range(1, 5) @> '[2,3)'",
              [("t", "t", "t")])
    # an untyped literal beside a range is read as a range (§10.2 step 2a), as in PostgreSQL
    sql.error("SELECT int4range(1, 5) @> '3'", "22P02", MALFORMED.format("3"))


def test_union_intersection_difference(sql):
    sql.check("SELECT int4range(1, 5) + int4range(5, 7), int4range(1, 5) * int4range(3, 7), "
              "int4range(1, 5) - int4range(3, 7), int4range(1, 5) - int4range(0, 2), "
              "int4range(1, 5) * int4range(6, 7), int4range(1, 5) + 'empty'",
              [("[1,7)", "[3,5)", "[1,3)", "[2,5)", "empty", "[1,5)")])
    sql.check("SELECT numrange(1, 5, '[]') - numrange(3, 7), numrange(1, 5) - numrange(1, 5), "
              "numrange(3, 7) - numrange(1, 5, '[]'), numrange(NULL, 5) - numrange(2, NULL), "
              "numrange(1, 5, '[]') + numrange(5, 7, '(]')",
              [("[1,3)", "empty", "(5,7)", "(,2)", "[1,7]")])
    sql.error("SELECT int4range(1, 3) + int4range(5, 7)", "22000", "result of range union would not be contiguous")
    sql.error("SELECT int4range(1, 10) - int4range(3, 7)", "22000",
              "result of range difference would not be contiguous")


def test_ordering_operators(sql):
    sql.check("SELECT int4range(1, 5) = int4range(1, 5), int4range(1, 5) = '[1,4]', "
              "int4range(1, 5) < int4range(1, 6), 'empty'::int4range < int4range(1, 2), "
              "int4range(NULL, 2) < int4range(1, 2), numrange(1, 2, '[]') > numrange(1, 2), "
              "numrange(1, 5, '(]') > numrange(1, 5, '[]'), int4range(1, 5) <> int4range(1, NULL)",
              [("t", "t", "t", "t", "t", "t", "t", "t")])


def test_range_columns(sql):
    sql.setup("""
        CREATE TABLE rt (id int, r int4range, d daterange, n numrange);
        INSERT INTO rt VALUES (1, '[1,5)', '[2020-01-01,2020-02-01)', '[1.5,2)'), (2, 'empty', NULL, '(,)'),
            (3, NULL, '[2020-01-01,2020-01-05]', '[0,1]'), (4, '[1,5]', 'empty', '(1,2)'),
            (5, '(,3)', '(,)', NULL), (6, '[1,5)', '[2020-01-01,)', '[1.5,2)')
    """)
    sql.check("SELECT id, r FROM rt ORDER BY r, id",
              [("2", "empty"), ("5", "(,3)"), ("1", "[1,5)"), ("6", "[1,5)"), ("4", "[1,6)"), ("3", None)],
              ordered=True)
    sql.check("SELECT id FROM rt ORDER BY n DESC NULLS LAST, id",
              [("1",), ("6",), ("4",), ("3",), ("2",), ("5",)], ordered=True)
    sql.check("SELECT DISTINCT d FROM rt ORDER BY d",
              [("empty",), ("(,)",), ("[2020-01-01,2020-01-06)",), ("[2020-01-01,2020-02-01)",),
               ("[2020-01-01,)",), (None,)], ordered=True)
    sql.check("SELECT r, count(*) FROM rt GROUP BY r",
              [("empty", "1"), ("(,3)", "1"), ("[1,5)", "2"), ("[1,6)", "1"), (None, "1")])
    sql.check("SELECT id FROM rt WHERE r @> 3", [("1",), ("4",), ("6",)])
    sql.check("SELECT id FROM rt WHERE d @> '2020-01-03'::date", [("1",), ("3",), ("5",), ("6",)])
    sql.check("SELECT id, r * '[2,3)' FROM rt WHERE id < 3", [("1", "[2,3)"), ("2", "empty")])
    sql.setup("CREATE INDEX rt_r ON rt (r)")
    sql.check("SELECT id FROM rt WHERE r = '[1,4]'", [("1",), ("6",)])
    sql.check("SELECT id FROM rt WHERE r > '[1,5)'", [("4",)])
    sql.error("CREATE UNIQUE INDEX rt_n ON rt (n)", "23505")


def test_unique_range_column_update_and_copy(sql):
    sql.setup("""
        CREATE TABLE ru (r int4range PRIMARY KEY, t tsrange);
        INSERT INTO ru VALUES ('[1,3]', '["2020-01-01 10:00", "2020-01-01 12:00")'), ('[5,6)', '(,)')
    """)
    sql.error("INSERT INTO ru VALUES ('[1,4)', NULL)", "23505",
              'duplicate key value violates unique constraint "ru_pkey"')
    sql.setup("UPDATE ru SET r = r + '[6,8)' WHERE r = '[5,6)'")
    sql.check("SELECT * FROM ru ORDER BY r",
              [("[1,4)", '["2020-01-01 10:00:00","2020-01-01 12:00:00")'), ("[5,8)", "(,)")], ordered=True)
    sql.check("SELECT array_agg(ROW(r, 1) ORDER BY r) FROM ru", [('{"(\\"[1,4)\\",1)","(\\"[5,8)\\",1)"}',)])
    sql.check("SELECT array_agg(r ORDER BY r)::text, ARRAY[int4range(1, 2), '[3,5]']::text, "
              "'{\"[1,2)\",\"[3,4]\"}'::int4range[] FROM ru",
              [('{"[1,4)","[5,8)"}', '{"[1,2)","[3,6)"}', '{"[1,2)","[3,5)"}')])


def test_catalog_rows(sql):
    sql.check("SELECT rngtypid::regtype, rngsubtype::regtype, rngcollation, rngsubopc, rngcanonical, rngsubdiff "
              "FROM pg_range",
              [("int4range", "integer", "0", "1978", "int4range_canonical", "int4range_subdiff"),
               ("numrange", "numeric", "0", "3125", "-", "numrange_subdiff"),
               ("tsrange", "timestamp without time zone", "0", "3128", "-", "tsrange_subdiff"),
               ("tstzrange", "timestamp with time zone", "0", "3127", "-", "tstzrange_subdiff"),
               ("daterange", "date", "0", "3122", "daterange_canonical", "daterange_subdiff"),
               ("int8range", "bigint", "0", "3124", "int8range_canonical", "int8range_subdiff")])
    sql.check("SELECT t.typname, t.typtype, t.typalign, t.typstorage, a.typname, t.typinput, t.typreceive "
              "FROM pg_type t JOIN pg_type a ON a.oid = t.typarray WHERE t.typtype = 'r'",
              [(n, "r", al, "x", "_" + n, "range_in", "range_recv") for n, al in
               (("int4range", "i"), ("numrange", "i"), ("tsrange", "d"), ("tstzrange", "d"), ("daterange", "i"),
                ("int8range", "d"))])
    sql.check("SELECT pg_typeof(int4range(1, 2)), pg_typeof(lower(int8range(1, 2))), format_type(3913, -1)",
              [("int4range", "bigint", "daterange[]")])
