"""Functions added for the conformance corpus, checked against PostgreSQL 15: jsonb_set,
array_to_json, row_to_json(r, pretty), array_dims/positions/fill, trim_array, string_to_table,
lcm, bit_xor, the sha2 family, normalize, date_bin."""


def test_jsonb_set(sql):
    sql.check("SELECT jsonb_set('{\"a\":1}', '{a}', '2'), jsonb_set('{\"a\":[1,2]}', '{a,1}', '9'), "
              "jsonb_set('{\"a\":1}', '{b}', '2'), jsonb_set('{\"a\":1}', '{b}', '2', false), "
              "jsonb_set('[1,2]', '{-1}', '0'), jsonb_set('[1,2]', '{5}', '0')",
              [('{"a": 2}', '{"a": [1, 9]}', '{"a": 1, "b": 2}', '{"a": 1}', "[1, 0]", "[1, 2, 0]")])


def test_jsonb_insert(sql):
    sql.check("SELECT jsonb_insert('{\"a\": [0, 1, 2]}', '{a, 1}', '\"new\"'), "
              "jsonb_insert('{\"a\": [0, 1, 2]}', '{a, 1}', '\"new\"', true), "
              "jsonb_insert('{\"a\": {\"b\": 1}}', '{a, c}', '2'), jsonb_insert('[1]', '{-5}', '0', true), "
              "jsonb_insert('[1, 2]', '{-1}', '0', true), jsonb_insert('[]', '{0}', '0'), "
              "jsonb_insert('{\"a\": 1}', '{b, c}', '2')",
              [('{"a": [0, "new", 1, 2]}', '{"a": [0, 1, "new", 2]}', '{"a": {"b": 1, "c": 2}}', "[0, 1]",
                "[1, 2, 0]", "[0]", '{"a": 1}')])
    sql.error("SELECT jsonb_insert('{\"a\": {\"b\": 1}}', '{a, b}', '2')", "22023", "cannot replace existing key")
    sql.error("SELECT jsonb_insert('1', '{0}', '2')", "22023", "cannot set path in scalar")
    sql.error("SELECT jsonb_set('1', '{0}', '2')", "22023", "cannot set path in scalar")
    sql.error("SELECT jsonb_insert('{\"a\": [1]}', '{a, x}', '0')", "22P02",
              'path element at position 2 is not an integer: "x"')
    sql.error("SELECT jsonb_set('{\"a\": 1}', '{a, null}', '0')", "22004", "path element at position 2 is null")


def test_json_building_keeps_each_values_own_form(sql):
    """json_build_object/array and to_json render a value as PostgreSQL's datum_to_json: records and
    arrays compact, json values verbatim, jsonb in jsonb's spacing; json keeps duplicate keys."""
    sql.check("SELECT json_build_object('a', 1, 'a', 2, 'j', '{\"x\": [1, 2]}'::jsonb, 's', '{\"y\" :  3}'::json, "
              "'r', ROW(1, '{\"z\":1}'::jsonb)), json_build_array(ROW('{\"y\" :  3}'::json), ARRAY[1, 2]), "
              "json_build_object(true, 1, 2.5, 'x')",
              [('{"a" : 1, "a" : 2, "j" : {"x": [1, 2]}, "s" : {"y" :  3}, "r" : {"f1":1,"f2":{"z": 1}}}',
                '[{"f1":{"y" :  3}}, [1,2]]', '{"true" : 1, "2.5" : "x"}')])
    sql.error("SELECT json_build_object(NULL, 1)", "22023", "argument 1 cannot be null")


def test_factorial(sql):
    sql.check("SELECT factorial(0), factorial(25), pg_typeof(factorial(3))",
              [("1", "15511210043330985984000000", "numeric")])
    sql.error("SELECT factorial(-1)", "22003", "factorial of a negative number is undefined")


def test_json_of_arrays_and_rows(sql):
    sql.check("SELECT array_to_json(ARRAY[1, 2]), array_to_json(ARRAY[[1, 2], [3, 4]], true), "
              "row_to_json(ROW(1, 'a'), true)", [("[1,2]", "[[1,2],\n [3,4]]", '{"f1":1,\n "f2":"a"}')])


def test_array_functions(sql):
    sql.check("SELECT array_dims(ARRAY[[1, 2]]), array_dims('{}'::int[]), array_positions(ARRAY[1, 2, 1], 1), "
              "array_positions(ARRAY[1, NULL], NULL), array_fill('x'::text, ARRAY[2, 3]), "
              "array_fill(NULL::int, ARRAY[2]), trim_array(ARRAY[1, 2, 3], 1)",
              [("[1:1][1:2]", None, "{1,3}", "{2}", "{{x,x,x},{x,x,x}}", "{NULL,NULL}", "{1,2}")])
    sql.error("SELECT trim_array(ARRAY[1, 2, 3], 4)", "2202E", "number of elements to trim must be between 0 and 3")
    sql.check("SELECT string_to_table('a,x,,c', ',', 'x')", [("a",), (None,), ("",), ("c",)], ordered=True)


def test_integer_and_aggregate_functions(sql):
    sql.check("SELECT lcm(4, 6), lcm(0, 5), lcm(-4::bigint, 6::bigint), "
              "(SELECT bit_xor(x) FROM (VALUES (1), (3), (NULL)) t(x))", [("12", "0", "12", "2")])


def test_hashes_normalize_date_bin(sql):
    sql.check("SELECT sha256('abc'::bytea), sha224(''), normalize('a')",
              [("\\xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                "\\xd14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", "a")])
    sql.check("SELECT date_bin('15 minutes', timestamp '2020-02-11 15:44:17', timestamp '2001-01-01'), "
              "date_bin('1 day', timestamptz '2020-02-11 15:44:17+00', timestamptz '2001-01-01 03:00+00')",
              [("2020-02-11 15:30:00", "2020-02-11 03:00:00+00")])
    sql.error("SELECT date_bin('1 month', timestamp '2020-02-11', timestamp '2001-01-01')", "0A000",
              "timestamps cannot be binned into intervals containing months or years")
