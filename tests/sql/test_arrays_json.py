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
