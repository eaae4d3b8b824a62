"""Type names and type introspection."""


def test_multidimensional_array_type_name(sql):
    sql.setup("""
        CREATE TABLE lt (v1 int[][]);
        INSERT INTO lt VALUES (ARRAY[[1, 2], [3, 4]]);
    """)
    sql.check("SELECT v1, pg_typeof(v1) FROM lt", [("{{1,2},{3,4}}", "integer[]")])


def test_pg_typeof_reports_resolved_types(sql):
    sql.check("SELECT pg_typeof(1), pg_typeof(1.5::float8), pg_typeof(ARRAY[1]), pg_typeof('x'::varchar(3)), "
              "pg_typeof(1::int2 + 1::int8), pg_typeof(2.0 * 3)",
              [("integer", "double precision", "integer[]", "character varying", "bigint", "numeric")])


def test_unknown_select_items_become_text(sql):
    sql.setup("CREATE TABLE ti (a int, b text)")
    sql.check("SELECT 'x', NULL, 'x' COLLATE \"C\", (SELECT 'z')", [("x", None, "x", "z")])
    sql.check("SELECT * FROM (SELECT 'a' AS c) AS s WHERE c = 'a'", [("a",)])
    sql.setup("""
        INSERT INTO ti SELECT '1', 'x';
        INSERT INTO ti (a) SELECT '2' WHERE true;
    """)
    sql.check("SELECT a, b FROM ti", [("1", "x"), ("2", None)])


def test_dollar_quoted_strings_anywhere_a_string_goes(sql):
    sql.check("SELECT DATE $$1999-01-01$$, $$it's$$, $a$x$$y$a$, '$$' || $$'$$, $$a\\nb$$",
              [("1999-01-01", "it's", "x$$y", "$$'", "a\\nb")])


def test_extract_is_numeric_date_part_is_float(sql):
    sql.check("SELECT date_part('year', date '2020-05-01'), extract(year FROM date '2020-05-01'), "
              "extract(epoch FROM timestamp '2020-01-01 00:00:01.5'), extract(second FROM time '10:11:12.5')",
              [("2020", "2020", "1577836801.500000", "12.500000")], columns=["date_part", "extract", "extract", "extract"])


def test_substr_keeps_its_name(sql):
    sql.check("SELECT substr('hello', 2, 3), substring('hello' FROM 2 FOR 2)", [("ell", "el")],
              columns=["substr", "substring"])


def test_functions_keep_the_name_and_arguments_written(sql):
    sql.check("SELECT mod(7, 3), power(2, 3), ceiling(1.5), char_length('ab'), strpos('abc', 'b'), "
              "array_prepend(0, ARRAY[1]), array_position(ARRAY[1, 2], 2), initcap('ab cd'), to_hex(255)",
              [("1", "8", "2", "2", "2", "{0,1}", "2", "Ab Cd", "ff")],
              columns=["mod", "power", "ceiling", "char_length", "strpos", "array_prepend", "array_position",
                       "initcap", "to_hex"])
    sql.check("SELECT variance(x), var_samp(x) FROM (VALUES (1), (2)) AS v (x)",
              [("0.50000000000000000000", "0.50000000000000000000")], columns=["variance", "var_samp"])


def test_dates_read_in_datestyle_field_order(sql):
    sql.setup("SET datestyle = 'ISO, DMY'")
    sql.check("SELECT '01/02/2014'::date, '01/02/03'::date, '01.02.2014 10:00'::timestamp, '2014/01/02'::date",
              [("2014-02-01", "2003-02-01", "2014-02-01 10:00:00", "2014-01-02")])
    sql.setup("SET datestyle = 'ISO, YMD'")
    sql.check("SELECT '01/02/03'::date", [("2001-02-03",)])
    sql.setup("SET datestyle = 'ISO, MDY'")
    sql.check("SELECT '01/02/2014'::date", [("2014-01-02",)])


def test_uuid_input_forms(sql):
    """Braces, upper case, and a hyphen after any group of four digits, as PostgreSQL reads them."""
    sql.check("SELECT '{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}'::uuid, 'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11'::uuid, "
              "'A0EEBC999C0B4EF8BB6D6BB9BD380A11'::uuid",
              [("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",) * 3])
    for bad in ("a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-"):
        sql.error(f"SELECT '{bad}'::uuid", "22P02", f'invalid input syntax for type uuid: "{bad}"')


def test_bit_strings(sql):
    """B'...' and X'...' literals are bit strings; the bitwise operators, shifts, concatenation,
    lengths and comparisons of varbit.c; bit(n) takes exactly n bits, varbit(n) at most n."""
    sql.check("SELECT B'101' | B'011', B'1010' & B'0110', B'101' # B'011', ~B'101', B'101' << 1, B'1011' >> -1, "
              "B'1' || B'0', pg_typeof(B'1' || B'0'), X'1F', length(B'10101'), octet_length(B'101010101'), "
              "B'11' > B'101', B'1'::varbit < B'10'",
              [("111", "0010", "110", "010", "010", "0110", "10", "bit varying", "00011111", "5", "2", "t", "t")])
    sql.check("SELECT B'101'::bit(2), B'10'::bit(4), B'101'::varbit(2), B'101'::varbit::bit(3)",
              [("10", "1000", "10", "101")])
    sql.error("SELECT B'10' | B'101'", "22026", "cannot OR bit strings of different sizes")
    sql.setup("CREATE TABLE bits_t (b bit(3), v varbit(2))")
    sql.error("INSERT INTO bits_t VALUES (B'1', NULL)", "22026", "bit string length 1 does not match type bit(3)")
    sql.error("INSERT INTO bits_t VALUES (NULL, B'111')", "22001", "bit string too long for type bit varying(2)")
