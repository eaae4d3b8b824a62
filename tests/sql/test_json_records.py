"""json(b)_to_record(set) with a column definition list, and functions in FROM as PostgreSQL 15
binds them: the list only for a function returning record, required there; a strict function of
NULL is still a row (a set-returning one none)."""


def test_to_record_reads_each_member_by_its_fields_type(sql):
    sql.check("""SELECT * FROM jsonb_to_record('{"a":1,"b":"x","c":[1,2],"d":{"e":1},"f":true,"g":null}')
                 AS r(a int, b text, c int[], d jsonb, f bool, g text, h int)""",
              [("1", "x", "{1,2}", '{"e": 1}', "t", None, None)], columns=list("abcdfgh"))
    sql.check("""SELECT * FROM jsonb_to_record('{"a":{"b":1},"n":1.5,"m":[[1,2],[3,4]]}') AS r(a text, n numeric, m int[])""",
              [('{"b": 1}', "1.5", "{{1,2},{3,4}}")])
    sql.check("""SELECT * FROM json_to_record('{"a":1,"b":"x"}') AS r(a int, b text)""", [("1", "x")])
    sql.check("SELECT * FROM jsonb_to_record(NULL) AS r(a int)", [(None,)])


def test_to_recordset_and_a_lateral_call(sql):
    sql.check("""SELECT * FROM json_to_recordset('[{"a":1},{"a":2,"b":"y"}]') AS r(a int, b text)""",
              [("1", None), ("2", "y")])
    sql.check("""SELECT t.id, r.* FROM (VALUES (1, '{"a":5}'::jsonb), (2, '{"a":6}')) t(id, j),
                 jsonb_to_record(t.j) AS r(a int)""", [("1", "5"), ("2", "6")])


def test_errors(sql):
    sql.error("""SELECT * FROM jsonb_to_record('{"a":"x"}') AS r(a int)""", "22P02",
              'invalid input syntax for type integer: "x"')
    sql.error("SELECT * FROM jsonb_to_record('[1]') AS r(a int)", "22023", "cannot call populate_composite on an array")
    sql.error("""SELECT * FROM jsonb_to_recordset('{"a":1}') AS r(a int)""", "22023",
              "cannot call jsonb_to_recordset on a non-array")
    sql.error("SELECT * FROM jsonb_to_recordset('[1]') AS r(a int)", "22023",
              "argument of jsonb_to_recordset must be an array of objects")
    sql.error("""SELECT * FROM jsonb_to_record('{"a":1}') AS r""", "42601",
              'a column definition list is required for functions returning "record"')
    sql.error("SELECT * FROM generate_series(1, 2) AS g(a int)", "42601",
              'a column definition list is only allowed for functions returning "record"', position=42)


def test_a_strict_function_of_null_in_from(sql):
    sql.check("SELECT * FROM abs(NULL::int)", [(None,)], columns=["abs"])
    sql.check("SELECT * FROM generate_series(NULL::int, 3)", [])
    sql.error("SELECT * FROM sum(1)", "42803", "aggregate functions are not allowed in functions in FROM")


def test_json_functions_read_json_as_its_text(sql):
    """json (not jsonb) keeps its members as written and in order, duplicates too."""
    sql.check("""SELECT json_object_keys('{"b":1,"a":2,"b":3}')""", [("b",), ("a",), ("b",)], ordered=True)
    sql.check("""SELECT * FROM json_each('{"a":{"b":1},"c":[1, 2]}')""", [("a", '{"b":1}'), ("c", "[1, 2]")])
    sql.check("""SELECT * FROM json_each_text('{"a":null,"b":"x","c":{"d": 1}}')""",
              [("a", None), ("b", "x"), ("c", '{"d": 1}')])
    sql.check("""SELECT json_array_elements('[{"x":1}, 2]')""", [('{"x":1}',), ("2",)])
    sql.check("""SELECT json_array_elements_text('[null, "a", {"b": 1}]')""", [(None,), ("a",), ('{"b": 1}',)])
    sql.check("""SELECT * FROM json_to_record('{"a":{"b":1},"c":null,"t":{"u":2}}') AS r(a json, c json, t text)""",
              [('{"b":1}', None, '{"u":2}')])


def test_json_function_errors_name_the_json_function(sql):
    for statement, message in (
            ("SELECT json_object_keys('[1]')", "cannot call json_object_keys on an array"),
            ("SELECT json_object_keys('1')", "cannot call json_object_keys on a scalar"),
            ("SELECT json_array_elements('{}')", "cannot call json_array_elements on a non-array"),
            ("SELECT json_array_elements('1')", "cannot call json_array_elements on a scalar"),
            ("SELECT jsonb_array_elements('{}')", "cannot extract elements from an object"),
            ("SELECT json_each('[1]')", "cannot deconstruct an array as an object"),
            ("SELECT json_each('1')", "cannot deconstruct a scalar"),
            ("SELECT jsonb_each('[1]')", "cannot call jsonb_each on a non-object")):
        sql.error(statement, "22023", message)
