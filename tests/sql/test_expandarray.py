"""information_schema._pg_expandarray (a record-returning set function with a polymorphic OUT
column), in the shapes the PostgreSQL JDBC driver's DatabaseMetaData.getPrimaryKeys sends."""


def test_expandarray_rows_and_fields(sql):
    sql.check("SELECT information_schema._pg_expandarray(ARRAY['a', NULL, 'c'])",
              [("(a,1)",), ("(,2)",), ("(c,3)",)])
    sql.check("SELECT x, n, pg_typeof(x) FROM information_schema._pg_expandarray(ARRAY[5, 6])",
              [("5", "1", "integer"), ("6", "2", "integer")])
    sql.check("SELECT (information_schema._pg_expandarray(ARRAY[3.5, 1])).x", [("3.5",), ("1",)])
    sql.check("SELECT information_schema._pg_expandarray(ARRAY[[1, 2], [3, 4]])", [("(,1)",), ("(,2)",)])
    sql.check("SELECT information_schema._pg_expandarray(NULL::int[])", [])


def test_expandarray_as_jdbc_get_primary_keys(sql):
    sql.setup("CREATE TABLE pk2 (a int, b int, c text, PRIMARY KEY (c, a))")
    sql.check("SELECT result.column_name, result.key_seq FROM ("
              " SELECT a.attname AS column_name, (information_schema._pg_expandarray(i.indkey)).n AS key_seq,"
              " information_schema._pg_expandarray(i.indkey) AS keys, a.attnum AS a_attnum"
              " FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)"
              " JOIN pg_catalog.pg_index i ON (a.attrelid = i.indrelid)"
              " WHERE ct.relname = 'pk2' AND i.indisprimary) result"
              " WHERE result.a_attnum = (result.keys).x ORDER BY result.key_seq",
              [("c", "1"), ("a", "2")])
