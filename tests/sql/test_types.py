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
