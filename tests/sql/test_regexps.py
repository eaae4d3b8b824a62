"""regexp_* functions: PostgreSQL's option letters and their errors, match iteration (empty
matches, the n-th match, a start position), splitting, regexp_matches as a set; also TRIM(...
FROM a, b), SIMILAR TO's substring markers and E'' byte escapes."""


def test_flags_apply_in_order_and_are_checked(sql):
    sql.check("SELECT regexp_match('abc', 'B', 'ic'), regexp_match('abc', 'B', 'ci'), "
              "regexp_match(E'a\\nb', '^b', 'n'), regexp_match(E'a\\nb', 'a.b', 'n'), regexp_match('a.b', '.', 'q')",
              [(None, "{b}", "{b}", None, "{.}")])
    sql.error("SELECT regexp_matches('abc', 'b', 'z')", "22023", 'invalid regular expression option: "z"')
    sql.error("SELECT regexp_count('foobar', 'b..', 1, 'g')", "22023",
              'regexp_count() does not support the "global" option')
    sql.error("SELECT regexp_match('foobar', 'b..', 'g')", "22023",
              'regexp_match() does not support the "global" option')


def test_regexp_replace_start_and_nth_match(sql):
    sql.check("SELECT regexp_replace('A PostgreSQL function', 'a|e|i|o|u', 'X', 1, 3, 'i'), "
              "regexp_replace('A PostgreSQL function', 'a|e|i|o|u', 'X', 1, 0, 'i'), "
              "regexp_replace('abcabc', 'b', 'X', 3), regexp_replace('abcabc', 'b', 'X', 'g'), "
              "regexp_replace('abc', '(b)', '[\\1\\&]'), regexp_replace('abc', 'x*', '-', 'g')",
              [("A PostgrXSQL function", "X PXstgrXSQL fXnctXXn", "abcaXc", "aXcaXc", "a[bb]c", "-a-b-c-")])
    sql.error("SELECT regexp_replace('abc', 'b', 'X', 0)", "22023", 'invalid value for parameter "start": 0')
    sql.error("SELECT regexp_replace('abc', 'b', 'X', 1, -1)", "22023", 'invalid value for parameter "n": -1')


def test_split_ignores_degenerate_matches(sql):
    sql.check("SELECT regexp_split_to_array('abc', ''), regexp_split_to_array('', ','), "
              "regexp_split_to_array('the quick', '\\s*'), regexp_split_to_array(',a,', ',')",
              [("{a,b,c}", '{""}', "{t,h,e,q,u,i,c,k}", '{"",a,""}')])
    sql.check("SELECT regexp_split_to_table('hello world', '\\s+')", [("hello",), ("world",)])


def test_regexp_matches_is_a_set(sql):
    sql.check("SELECT regexp_matches('foobarbequebazilbarfbonk', '(b[^b]+)(b[^b]+)', 'g')",
              [("{bar,beque}",), ("{bazil,barf}",)], ordered=True)
    sql.check("SELECT regexp_matches('abab', 'x*', 'g')", [('{""}',)] * 5)
    sql.check("SELECT count(*) FROM (SELECT regexp_matches('abcabc', 'Bc')) s", [("0",)])
    sql.check("SELECT count(*) FROM (SELECT regexp_matches('abcabc', NULL)) s", [("0",)])


def test_count_instr_substr_like(sql):
    sql.check("SELECT regexp_count('ABCABCAXYaxy', 'A.', 1, 'i'), regexp_instr('abcabc', 'b'), "
              "regexp_instr('abcabc', 'b(c)', 1, 2, 1, '', 1), regexp_substr('abcabc', 'b.', 1, 2), "
              "regexp_like('abc', 'B', 'i') AS l1, regexp_like('abc', 'B') AS l2",
              [("4", "2", "7", "bc", "t", "f")])
    sql.error("SELECT regexp_instr('abc', 'b', 1, 1, 2)", "22023", 'invalid value for parameter "endoption": 2')


def test_any_parameter_keeps_unknown_literals(sql):
    sql.check("SELECT pg_typeof('123'), pg_typeof(NULL), pg_typeof(1)", [("unknown", "unknown", "integer")])


def test_trim_with_from_before_the_arguments(sql):
    sql.check("SELECT trim(both FROM 'abcxyzabc', 'cba'), trim(FROM 'abcxyzabc', 'cba'), trim(leading FROM '  x '), "
              "trim(both 'x' FROM 'xaxx'), trim(FROM '\\x1234567890'::bytea, '\\x9012'::bytea)",
              [("xyz", "xyz", "x ", "a", "\\x345678")])


def test_similar_to_ignores_substring_markers(sql):
    sql.check("SELECT 'foobar' SIMILAR TO '%#\"o_b#\"%' ESCAPE '#', 'foobar' NOT SIMILAR TO '%#\"o_b#\"%' ESCAPE '#', "
              "substring('foobar' FROM '%#\"o_b#\"%' FOR '#')", [("t", "f", "oob")])


def test_escape_string_byte_escapes_are_utf8(sql):
    sql.check("SELECT e'\\x41\\101\\u0041', e'\\xc3\\xa9', E'it''s'", [("AAA", "é", "it's")])
    sql.error("SELECT e'\\x80'", "22021", 'invalid byte sequence for encoding "UTF8": 0x80')
    sql.error("SELECT e'\\xc3\\x28'", "22021", 'invalid byte sequence for encoding "UTF8": 0xc3 0x28')
