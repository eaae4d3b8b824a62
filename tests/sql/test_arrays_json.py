"""Arrays and json checked against PostgreSQL: casts pushed into nested ARRAY[...], array
concatenation across ranks, jsonb null as a value (not SQL NULL), jsonb_build_object's keys."""


def test_cast_reaches_nested_array_constructors(sql):
    sql.check("SELECT ARRAY[ARRAY[1, true]]::bool[][], ARRAY[ARRAY['1', '0']]::int[], ARRAY[1.5, 2]::int[]",
              [("{{t,t}}", "{{1,0}}", "{2,2}")])


def test_concatenation_across_ranks(sql):
    sql.check("SELECT ARRAY[ARRAY[1, 2]] || ARRAY[3, 4], ARRAY[1, 2] || ARRAY[ARRAY[3, 4]], "
              "array_cat(ARRAY[2], ARRAY[ARRAY[1]]), array_cat(ARRAY[ARRAY[2]], ARRAY[ARRAY[ARRAY[1]]]), "
              "array_cat('{}'::int[], ARRAY[[1]])",
              [("{{1,2},{3,4}}", "{{1,2},{3,4}}", "{{2},{1}}", "{{{2}},{{1}}}", "{{1}}")])
    sql.error("SELECT ARRAY[[1, 2]] || 3", "22000", "argument must be empty or one-dimensional array")
    sql.error("SELECT array_cat(ARRAY[[1, 2]], ARRAY[[1, 2, 3]])", "2202E", "cannot concatenate incompatible arrays")


def test_jsonb_null_is_a_value(sql):
    sql.check("SELECT 'null'::jsonb, 'null'::jsonb IS NULL, jsonb_typeof('null'), "
              "'{\"a\": null}'::jsonb -> 'a', ('{\"a\": null}'::jsonb -> 'a') IS NULL",
              [("null", "f", "null", "null", "f")])
    sql.check("SELECT v, v IS NULL FROM (VALUES ('null'::jsonb), (NULL)) t(v)", [("null", "f"), (None, "t")])
    sql.error("SELECT jsonb_array_length('null')", "22023", "cannot get array length of a scalar")


def test_jsonb_build_object_keys_must_be_scalars(sql):
    for key in ("ARRAY[]::int[]", "jsonb '{}'", "ROW()"):
        sql.error(f"SELECT jsonb_build_object({key}, 1)", "22023",
                  "key value must be scalar, not array, composite, or json")


def test_json_arrow_inside_function_arguments(sql):
    sql.check("SELECT jsonb_typeof(v -> 'k'), coalesce(v -> 'k', '\"?\"'), jsonb_typeof(v -> 'k' -> 0) "
              "FROM (VALUES ('{\"k\": [1]}'::jsonb), ('{}')) t(v)",
              [("array", "[1]", "number"), (None, '"?"', None)])


def test_polymorphic_functions_need_a_typed_argument(sql):
    for call in ("to_json('abc')", "array_ndims('{2,3}')", "array_length('{1,2}', 1)", "to_jsonb(NULL)"):
        sql.error(f"SELECT {call}", "42804", "could not determine polymorphic type because input has type unknown")
    # the anycompatible family reads untyped arguments as text
    sql.check("SELECT array_cat('{1}', '{2}'), array_position('{1,2}', 2), array_replace('{1,2}', 2, 3), "
              "array_replace(ARRAY[1, NULL, 2], NULL, 9)", [("{1,2}", "2", "{1,3}", "{1,9,2}")])


def test_jsonb_null_round_trips_through_tables(sql):
    sql.setup("CREATE TABLE j (id int, v jsonb);\n"
              "INSERT INTO j VALUES (1, 'null'), (2, '{\"a\": null}'::jsonb -> 'a'), (3, NULL), (4, '1'), (5, '[]'), "
              "(6, '{\"a\": [null]}'), (7, '\"s\"');\n"
              "INSERT INTO j SELECT id + 10, v FROM j")
    sql.check("SELECT id, v, v IS NULL, jsonb_typeof(v) FROM j WHERE id < 10",
              [("1", "null", "f", "null"), ("2", "null", "f", "null"), ("3", None, "t", None), ("4", "1", "f", "number"),
               ("5", "[]", "f", "array"), ("6", '{"a": [null]}', "f", "object"), ("7", '"s"', "f", "string")])
    sql.check("SELECT count(*), count(v), count(*) FILTER (WHERE v = 'null') FROM j", [("14", "12", "4")])
    sql.check("SELECT jsonb_agg(v ORDER BY id), jsonb_agg(v ORDER BY v) FROM j WHERE id < 10",
              [('[null, null, null, 1, [], {"a": [null]}, "s"]', '[[], null, null, "s", 1, {"a": [null]}, null]')])
    sql.check("SELECT x, x IS NULL FROM jsonb_array_elements('[null, 1]') x", [("null", "f"), ("1", "f")])
    sql.check("SELECT jsonb_build_object('a', NULL), to_jsonb(NULL::int) IS NULL, ARRAY['null'::jsonb, NULL]",
              [('{"a": null}', "t", '{"null",NULL}')])


def test_jsonb_values_group_and_sort_in_jsonb_order(sql):
    """Object > array > boolean > number > string > null; arrays by length first; objects by pair
    count, then keys and values; an empty top-level array sorts below null."""
    values = ["null", "[]", '"b"', '"ab"', "1", "-2.5", "true", "false", "[1]", "[0, 5]", '["a"]', "[null]", "[[]]",
              "{}", '{"b": 1}', '{"a": 2}', '{"aa": 0}', '{"a": 1, "b": 1}', '{"a": []}', '{"a": null}', "null"]
    rows = ", ".join(f"('{v}'::jsonb)" for v in values)
    want = ["[]", "null", '"ab"', '"b"', "-2.5", "1", "false", "true", "[null]", '["a"]', "[1]", "[[]]", "[0, 5]",
            "{}", '{"a": null}', '{"a": 2}', '{"a": []}', '{"aa": 0}', '{"b": 1}', '{"a": 1, "b": 1}']
    sql.check(f"SELECT DISTINCT v FROM (VALUES {rows}) t(v) ORDER BY v", [(w,) for w in want], ordered=True)
    sql.check(f"SELECT v, count(*) FROM (VALUES {rows}) t(v) WHERE v < '[]' OR v = 'null' GROUP BY v",
              [("null", "2")])
    sql.check(f"SELECT v, rank() OVER (ORDER BY v DESC) FROM (VALUES {rows}) t(v) WHERE jsonb_typeof(v) = 'string'",
              [('"b"', "1"), ('"ab"', "2")])


def test_jsonb_null_survives_wal_replay_and_checkpoint(tmp_path):
    """Replay of the INSERT record (kill -9), then a checkpoint's segments (clean restart)."""
    from harness import Connection, start_quantadb, wait_gone

    def rows(server) -> list:
        c = Connection(server.dsn())
        try:
            return c.run("SELECT id, v, v IS NULL FROM j ORDER BY id").rows
        finally:
            c.close()
    want = [("1", "null", "f"), ("2", None, "t"), ("3", '[null, {"a": null}]', "f")]
    proc, server = start_quantadb(str(tmp_path))
    c = Connection(server.dsn())
    for stmt in ("CREATE TABLE j (id int, v jsonb)", "INSERT INTO j VALUES (1, 'null'), (2, NULL), "
                 "(3, '[null, {\"a\": null}]')"):
        assert c.run(stmt).sqlstate is None
    c.close()
    proc.kill()
    proc.wait()
    proc, server = start_quantadb(str(tmp_path))
    assert rows(server) == want
    Connection(server.dsn()).run("CHECKPOINT")
    wait_gone(proc)
    proc, server = start_quantadb(str(tmp_path))
    try:
        assert rows(server) == want
    finally:
        wait_gone(proc)


def test_cardinality_counts_every_element(sql):
    sql.check("SELECT cardinality(array[[1,2],[3,4]]), cardinality('{}'::int[]), cardinality(array[1, null])",
              [("4", "0", "2")])


def test_fewer_subscripts_than_dimensions_give_null(sql):
    sql.check("SELECT ('{{1,2},{3,4}}'::int[])[1] IS NULL, ('{{1,2},{3,4}}'::int[])[2][1], "
              "('{{{1,2}},{{3,4}}}'::int[])[2][1] IS NULL, ('{{{1,2}},{{3,4}}}'::int[])[2][1][2]",
              [("t", "3", "t", "4")])
