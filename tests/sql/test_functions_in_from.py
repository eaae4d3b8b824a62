"""Functions in FROM: column names (OUT parameter, alias, function), a scalar function's range
variable standing for its value, ROWS FROM and multi-argument unnest zipping sets with NULL
padding, set-returning functions in GROUP BY, and alias-count errors."""


def test_column_names_of_functions_in_from(sql):
    sql.check("SELECT * FROM jsonb_array_elements('[1, 2]') e", [("1",), ("2",)], columns=["value"])
    sql.check("SELECT e.value, e FROM jsonb_array_elements('[1, 2]') e", [("1", "1"), ("2", "2")])
    sql.check("SELECT * FROM json_array_elements_text('[\"x\", \"y\"]') WITH ORDINALITY",
              [("x", "1"), ("y", "2")], columns=["value", "ordinality"])
    sql.check("SELECT * FROM unnest(ARRAY[1, 2]) u", [("1",), ("2",)], columns=["u"])
    sql.check("SELECT * FROM generate_series(1, 2)", [("1",), ("2",)], columns=["generate_series"])
    sql.check("SELECT v.value FROM jsonb_array_elements('[{\"k\": 1}, {\"j\": 2}]') v WHERE v.value ? 'k'",
              [('{"k": 1}',)])


def test_whole_row_of_a_scalar_function_is_its_value(sql):
    sql.check("SELECT g, g + 1 FROM generate_series(1, 2) AS g(n)", [("1", "2"), ("2", "3")])
    sql.check("SELECT e FROM jsonb_each('{\"a\": 1}') e", [("(a,1)",)])
    sql.check("SELECT r FROM ROWS FROM (generate_series(1, 2), generate_series(3, 5)) AS r",
              [("(1,3)",), ("(2,4)",), ("(,5)",)])


def test_rows_from_and_multi_argument_unnest_pad_with_nulls(sql):
    sql.check("SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a', 'b', 'c']) AS t(x, y)",
              [("1", "a"), ("2", "b"), (None, "c")], columns=["x", "y"], ordered=True)
    sql.check("SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a'])", [("1", "a"), ("2", None)],
              columns=["unnest", "unnest"], ordered=True)
    sql.check("SELECT * FROM unnest(ARRAY[1, 2], NULL::int[]) AS u(a, b)", [("1", None), ("2", None)], ordered=True)
    sql.check("SELECT * FROM ROWS FROM (jsonb_each('{\"a\": 1, \"b\": 2}'), generate_series(1, 3)) AS r",
              [("a", "1", "1"), ("b", "2", "2"), (None, None, "3")], columns=["key", "value", "generate_series"],
              ordered=True)
    sql.check("SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY['x'])) WITH ORDINALITY AS r(a, b, n)",
              [("1", "x", "1"), ("2", None, "2"), ("3", None, "3")], ordered=True)
    sql.setup("CREATE TABLE fif_arrays (a int, arr int[]);\n"
              "INSERT INTO fif_arrays VALUES (1, '{1,2,2}'), (2, '{2,3}'), (1, '{3}')")
    sql.check("SELECT a, x, y FROM fif_arrays, unnest(fif_arrays.arr, ARRAY[a]) AS u(x, y)",
              [("1", "1", "1"), ("1", "2", None), ("1", "2", None), ("1", "3", "1"), ("2", "2", "2"),
               ("2", "3", None)])


def test_set_returning_functions_in_group_by(sql):
    sql.setup("CREATE TABLE fif_groups (a int, arr int[]);\n"
              "INSERT INTO fif_groups VALUES (1, '{1,2,2}'), (2, '{2,3}'), (1, '{3}')")
    sql.check("SELECT generate_series(1, 3) AS g, count(*) FROM (VALUES (1)) v GROUP BY 1",
              [("1", "1"), ("2", "1"), ("3", "1")])
    sql.check("SELECT a, unnest(arr) u, count(*) FROM fif_groups GROUP BY 1, 2",
              [("1", "1", "1"), ("1", "2", "2"), ("1", "3", "1"), ("2", "2", "1"), ("2", "3", "1")])
    sql.check("SELECT unnest(arr) + 1 AS u1, count(*) FROM fif_groups GROUP BY 1",
              [("2", "1"), ("3", "3"), ("4", "2")])
    sql.check("SELECT count(*) FROM fif_groups GROUP BY unnest(arr) HAVING count(*) > 1", [("2",), ("3",)])


def test_too_many_column_aliases(sql):
    sql.setup("CREATE TABLE fif_join (a int, arr int[])")
    sql.error("SELECT * FROM generate_series(1, 2) AS g(x, y)", "42P10",
              'table "g" has 1 columns available but 2 columns specified')
    sql.error("SELECT * FROM (SELECT 1) AS s(x, y)", "42P10",
              'table "s" has 1 columns available but 2 columns specified')
    sql.error("SELECT * FROM (VALUES (1)) v(a, b)", "42P10",
              'table "v" has 1 columns available but 2 columns specified')
    sql.error("WITH w(a, b) AS (SELECT 1) SELECT * FROM w", "42P10",
              'WITH query "w" has 1 columns available but 2 columns specified')
    sql.error("SELECT * FROM (fif_join x JOIN fif_join y USING (a, arr)) j(p, q, r)", "42P10",
              'join expression "j" has 2 columns available but 3 columns specified')
