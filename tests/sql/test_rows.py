"""Row values (record): ROW(...) constructors, whole-row references, field selection, records in
json, and functions returning record (OUT columns) in FROM and in the select list."""


def test_row_constructor_text_output(sql):
    sql.check("SELECT ROW('foo', 'bar', NULL), ROW(), ROW(NULL), ROW(1, ROW(2, 'a b'), ARRAY[1, 2])",
              [("(foo,bar,)", "()", "()", '(1,"(2,""a b"")","{1,2}")')])
    sql.check("SELECT ROW(''), ROW('\"'), ROW(' a '), ROW('x\\y'), pg_typeof(ROW(true, 1, 'hello'))",
              [('("")', '("""")', '(" a ")', '("x\\\\y")', "record")])
    sql.check("SELECT ARRAY[ROW(1, 'a'), ROW(2, NULL)], ROW(1, 2)::text",
              [('{"(1,a)","(2,)"}', "(1,2)")])


def test_row_null_tests_look_at_every_field(sql):
    sql.check("SELECT ROW(1, NULL) IS NULL, ROW(NULL, NULL) IS NULL, ROW(1, NULL) IS NOT NULL, "
              "ROW(1, 2) IS NOT NULL", [("f", "t", "f", "t")])


def test_row_comparisons_go_field_by_field(sql):
    sql.check("SELECT ROW(1, 'a') = ROW(1, 'a'), ROW(1, NULL) = ROW(1, 2), (1, 2) < (1, 3), "
              "ROW(1, 2) IS DISTINCT FROM ROW(1, NULL), (1, NULL) IS NOT DISTINCT FROM (1, NULL), "
              "(1, 2) IS DISTINCT FROM (1, 2)", [("t", None, "t", "t", "t", "f")])
    sql.error("SELECT ROW(1, 2) IS DISTINCT FROM ROW(1, 2, 3)", "42601", "unequal number of entries in row expressions")


def test_row_subqueries_compare_whole_rows(sql):
    sql.check("SELECT (1, 2) = (SELECT 1, 2), (1, NULL) = (SELECT 2, 2), (1, NULL) = (SELECT 1, 2), "
              "(1, 2) < (SELECT 1, 3), (1, 2) IN (SELECT 1, 3 UNION SELECT 1, 2), (1, 2) NOT IN (SELECT 1, 3), "
              "(1, 2) < ANY (SELECT 1, 3)", [("t", "f", None, "t", "t", "t", "t")])
    sql.check("SELECT a FROM (VALUES (1, 2), (3, 4)) t(a, b) WHERE (a, b) IN (SELECT 3, 4)", [("3",)])
    sql.check("SELECT t1 = t2, t1 < t2 FROM (VALUES (1, 'a')) t1(x, y), (VALUES (1, 'b')) t2(x, y)",
              [("f", "t")])
    # a record-valued expression against a subquery of one record column compares as one value
    sql.check("SELECT (SELECT ROW(1, NULL::int)) = (SELECT ROW(1, NULL::int)), (SELECT ROW(1, 2)) = (SELECT ROW(1, 2)), "
              "(SELECT ROW(1, 2)) IN (SELECT ROW(1, 2)), (SELECT ROW(1, 2)) = ANY (SELECT ROW(1, 3))",
              [("t", "t", "t", "f")])
    sql.error("SELECT (1, 2) = (SELECT 1)", "42601", "subquery has too few columns")
    sql.error("SELECT (1, 2) IN (SELECT 1, 2, 3)", "42601", "subquery has too many columns")


def test_a_range_variables_star_in_a_row_constructor_stands_for_its_columns(sql):
    sql.setup("CREATE TABLE rt (a int, b text);\nINSERT INTO rt VALUES (1, 'x')")
    sql.check("SELECT ROW(rt.*), ROW(rt.*, 5), ROW(1, rt.*) = ROW(1, 1, 'x'), ROW(rt.*) IS NOT NULL, "
              "(1, 1, 'x') IN ((1, rt.a, rt.b)) FROM rt", [("(1,x)", "(1,x,5)", "t", "t", "t")])
    sql.check("SELECT ROW(s.*), ROW(s.*) IS NULL FROM rt LEFT JOIN rt s ON false", [("(,)", "t")])


def test_case_over_rows_of_different_field_types(sql):
    sql.check("SELECT CASE WHEN false THEN ROW(1.1, INTERVAL '1') ELSE ROW(0, INTERVAL '1') END, "
              "CASE WHEN true THEN NULL ELSE ROW(2) END, CASE WHEN false THEN NULL ELSE ROW(NULL) END",
              [("(0,00:00:01)", None, "()")])


def test_whole_row_references_and_field_selection(sql):
    sql.setup("CREATE TABLE t (x int, y text);\nINSERT INTO t VALUES (1, 'a'), (2, NULL)")
    # a table's whole row has the table's row type, whose OID differs between the servers
    sql.check("SELECT t, (t).y, (ROW(x, y)).f1 FROM t", [("(1,a)", "a", "1"), ("(2,)", None, "2")],
              same_types=False)
    sql.check("SELECT row_to_json(t), to_jsonb(t.*) FROM t WHERE x = 1",
              [('{"x":1,"y":"a"}', '{"x": 1, "y": "a"}')])
    sql.check("SELECT jsonb_agg(t.* ORDER BY x), json_agg(t ORDER BY x) FROM t",
              [('[{"x": 1, "y": "a"}, {"x": 2, "y": null}]', '[{"x":1,"y":"a"}, \n {"x":2,"y":null}]')])
    sql.check("SELECT (SELECT s FROM t AS s WHERE s.x = t.x + 1) FROM t WHERE x = 1", [("(2,)",)],
              same_types=False)
    sql.error("SELECT (ROW(1, 2)).f3", "42703", 'could not identify column "f3" in record data type')


def test_records_and_nested_arrays_in_json(sql):
    sql.check("SELECT to_jsonb(ROW(42, 'Fred said \"Hi.\"'::text)), row_to_json(ROW(1, 'a')), "
              "to_jsonb(ROW(ROW(1, ARRAY[1, 3]), 'x', NULL))",
              [('{"f1": 42, "f2": "Fred said \\"Hi.\\""}', '{"f1":1,"f2":"a"}',
                '{"f1": {"f1": 1, "f2": [1, 3]}, "f2": "x", "f3": null}')])
    sql.check("SELECT to_jsonb(ARRAY[ARRAY['a', 'b'], ARRAY['c', 'd']]), "
              "(SELECT json_agg(a) FROM (VALUES (ARRAY[1, 2]), (ARRAY[3])) v(a))",
              [('[["a", "b"], ["c", "d"]]', "[[1,2], \n [3]]")])


def test_functions_returning_record(sql):
    doc = "'{\"b\": [1, 2], \"a\": null, \"c\": \"x\"}'"
    sql.check(f"SELECT * FROM jsonb_each({doc})", [("a", "null"), ("b", "[1, 2]"), ("c", '"x"')],
              columns=["key", "value"], ordered=True)
    sql.check(f"SELECT k, v, n FROM json_each_text({doc}) WITH ORDINALITY AS e(k, v, n)",
              [("b", "[1, 2]", "1"), ("a", None, "2"), ("c", "x", "3")], ordered=True)
    sql.check(f"SELECT jsonb_each_text({doc})", [("(a,)",), ('(b,"[1, 2]")',), ("(c,x)",)])
    sql.check(f"SELECT (jsonb_each({doc})).key", [("a",), ("b",), ("c",)])
    sql.check("SELECT t.k, e.* FROM (VALUES (1, '{\"a\": 1}'::jsonb)) t(k, j), jsonb_each(t.j) e",
              [("1", "a", "1")])
    sql.error("SELECT * FROM jsonb_each('[1]')", "22023", "cannot call jsonb_each on a non-object")
    # an OUT column of a polymorphic function takes the argument's element type
    sql.check("SELECT (information_schema._pg_expandarray(ARRAY['a', 'b'])).x, "
              "(information_schema._pg_expandarray(ARRAY['a', 'b'])).n", [("a", "1"), ("b", "2")])
    sql.check("SELECT x + 1, n FROM information_schema._pg_expandarray(ARRAY[5, 6])", [("6", "1"), ("7", "2")])


def test_set_returning_calls_inside_expressions(sql):
    sql.check("SELECT unnest(ARRAY[1, 2, 3]) * unnest(ARRAY[10, 100])", [("10",), ("200",), (None,)])
    sql.check("SELECT x, generate_series(1, x) + 1 FROM (VALUES (1), (2), (0)) t(x)",
              [("1", "2"), ("2", "2"), ("2", "3")])
    sql.check("SELECT array_lower(ARRAY[ARRAY[2, 3], ARRAY[4, 5]], generate_series(0, 3)), "
              "array_length(ARRAY[ARRAY[2, 3, 4], ARRAY[4, 5, 6]], 2)",
              [(None, "3"), ("1", "3"), ("1", "3"), (None, "3")])
    sql.check("SELECT generate_subscripts(ARRAY[ARRAY[1, 2], ARRAY[3, 4], ARRAY[5, 6]], 2)", [("1",), ("2",)])


def test_whole_row_references_null_test_every_field(sql):
    """t IS NULL when every field is NULL, IS NOT NULL when none is: a row with some NULL fields is neither."""
    sql.check("SELECT t IS NULL, t IS NOT NULL FROM (VALUES (1, NULL), (NULL, NULL), (1, 2)) t(a, b)",
              [("f", "f"), ("t", "f"), ("f", "t")], ordered=True)


def test_null_extended_row_is_null_as_a_whole(sql):
    """The row an outer join makes up for a missing match is NULL itself, not a row of NULLs:
    count(c.*) counts matches, row_to_json gives NULL; a real row of NULLs still counts."""
    sql.setup("CREATE TABLE wr_p (id int PRIMARY KEY, name text);\n"
              "CREATE TABLE wr_c (id int, pid int, note text);\n"
              "CREATE TABLE wr_n (a int, b int);\n"
              "INSERT INTO wr_p VALUES (1, 'a'), (2, 'b'), (3, 'c');\n"
              "INSERT INTO wr_c VALUES (10, 1, 'x'), (11, 1, NULL), (12, 2, 'y');\n"
              "INSERT INTO wr_n VALUES (1, NULL), (NULL, NULL)")
    sql.check("SELECT p.id, count(c.*) FROM wr_p p LEFT JOIN wr_c c ON c.pid = p.id GROUP BY p.id",
              [("1", "2"), ("2", "1"), ("3", "0")])
    sql.check("SELECT p.id, row_to_json(q) FROM wr_p p LEFT JOIN wr_p q ON q.id = p.id + 1",
              [("1", '{"id":2,"name":"b"}'), ("2", '{"id":3,"name":"c"}'), ("3", None)])
    sql.check("SELECT count(wr_n.*) FROM wr_n", [("2",)])
    sql.check("SELECT x.a, count(n.*) FROM (VALUES (1), (5)) x(a) LEFT JOIN wr_n n ON n.a = x.a GROUP BY x.a",
              [("1", "1"), ("5", "0")])
