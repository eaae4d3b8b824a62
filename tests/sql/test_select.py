"""SELECT clauses: HAVING without GROUP BY, LIMIT coercion, ORDER BY of set operations, FROM aliases."""


def setup_t(sql):
    sql.setup("""
        CREATE TABLE t (v1 int, v2 int);
        INSERT INTO t VALUES (1, 2), (2, 3);
    """)


def test_having_without_group_by_makes_one_group(sql):
    setup_t(sql)
    sql.check("SELECT 42 HAVING true", [("42",)])
    sql.check("SELECT 42 HAVING false", [])
    sql.check("SELECT count(*) FROM t HAVING count(*) > 1", [("2",)])
    sql.error("SELECT v1 FROM t HAVING true", "42803")


def test_limit_takes_assignment_cast(sql):
    sql.check("SELECT v FROM generate_series(0, 10) AS g(v) ORDER BY v LIMIT 1.5 * 2", [("0",), ("1",), ("2",)],
              ordered=True)
    sql.check("SELECT v FROM generate_series(0, 10) AS g(v) ORDER BY v LIMIT 2.5 OFFSET 8.4",
              [("8",), ("9",), ("10",)], ordered=True)


def test_set_operation_order_by_output_columns_only(sql):
    setup_t(sql)
    sql.check("SELECT v1 FROM t UNION ALL SELECT v2 FROM t ORDER BY v1 DESC LIMIT 2", [("3",), ("2",)],
              ordered=True)
    sql.check("SELECT v1 AS x FROM t UNION SELECT v2 FROM t ORDER BY 1", [("1",), ("2",), ("3",)], ordered=True)
    sql.error("SELECT v1 FROM t UNION ALL SELECT v2 FROM t ORDER BY v1 + 1", "0A000",
              "invalid UNION/INTERSECT/EXCEPT ORDER BY clause")


def test_table_name_specified_twice(sql):
    setup_t(sql)
    sql.error("WITH a (id) AS (SELECT 1) SELECT * FROM a, a", "42712", 'table name "a" specified more than once')
    sql.error("SELECT * FROM t JOIN t ON true", "42712")
    sql.check("SELECT count(*) FROM t, t AS u", [("4",)])


def test_star_except_is_not_postgresql(sql):
    setup_t(sql)
    sql.error("SELECT * EXCEPT (v1) FROM t", "42601")


def test_distinct_on_expressions_need_not_be_selected(sql):
    sql.setup("""
        CREATE TABLE d (v1 int, v2 int, v3 int);
        INSERT INTO d VALUES (1, 2, 3), (1, 1, 5), (2, 7, 8), (2, 9, 1);
    """)
    sql.check("SELECT DISTINCT ON (v1) v2 + v1 FROM d ORDER BY v1", [("3",), ("9",)])
    sql.check("SELECT DISTINCT ON (v1) v2 FROM d ORDER BY v1, v3 DESC", [("1",), ("7",)])
    sql.check("SELECT DISTINCT ON (1) v1 AS x, v2 FROM d ORDER BY 1, 2", [("1", "1"), ("2", "7")])
    sql.check("SELECT DISTINCT ON (v1 + 1) v2 FROM d ORDER BY v1 + 1, v2 DESC", [("2",), ("9",)])
    sql.check("SELECT DISTINCT ON (v1, v2) v3 FROM d ORDER BY v2, v1, v3", [("5",), ("3",), ("8",), ("1",)],
              ordered=True)
    sql.error("SELECT DISTINCT ON (v1) v2 FROM d ORDER BY v2", "42P10")


def test_aggregate_with_distinct_and_order_by(sql):
    sql.setup("""
        CREATE TABLE s (v1 text, v2 int);
        INSERT INTO s VALUES ('a', 1), ('b', 2), ('a', 3), (NULL, 4);
    """)
    sql.check("SELECT string_agg(DISTINCT v1, ',' ORDER BY v1 DESC), array_agg(DISTINCT v2 ORDER BY v2 DESC) FROM s",
              [("b,a", "{4,3,2,1}")])
    sql.error("SELECT string_agg(DISTINCT v1, ',' ORDER BY v2) FROM s", "42P10",
              "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")


def test_same_table_name_in_two_schemas(sql):
    sql.setup("""
        CREATE SCHEMA s1;
        CREATE SCHEMA s2;
        CREATE TABLE s1.a (id int, x int);
        CREATE TABLE s2.a (id int, y int);
        INSERT INTO s1.a VALUES (1, 10);
        INSERT INTO s2.a VALUES (1, 20);
    """)
    sql.check("SELECT s1.a.x, s2.a.y FROM s1.a JOIN s2.a ON s1.a.id = s2.a.id", [("10", "20")])
    sql.error("SELECT a.x FROM s1.a, s2.a", "42P09", 'table reference "a" is ambiguous')
    sql.error("SELECT * FROM s1.a AS t, s2.a AS t", "42712")
    sql.check("SELECT t.x, s1.a.id FROM s1.a AS t, s1.a", [("10", "1")])


def test_unquoted_identifiers_fold_to_lower_case(sql):
    sql.setup("""
        CREATE TABLE T (V1 int, v2 int);
        INSERT INTO T (V1, V2) VALUES (1, 2);
        CREATE TABLE "Q" (a int);
    """)
    sql.check("SELECT V1, t.V2 AS Foo, v1 AS \"Bar\" FROM t", [("1", "2", "1")], columns=["v1", "foo", "Bar"])
    sql.error("SELECT \"V1\" FROM t", "42703")
    sql.error("SELECT * FROM q", "42P01")
    sql.check("SELECT * FROM \"Q\"", [])


def test_order_by_arrays(sql):
    sql.setup("""
        CREATE TABLE tl (a int[]);
        INSERT INTO tl VALUES (ARRAY[1, NULL]), (ARRAY[1, 2]), (ARRAY[1]), (NULL), (ARRAY[0, 5]), ('{}'),
                              ('{{2,3},{4,5}}');
    """)
    expected = [("{}",), ("{0,5}",), ("{1}",), ("{1,2}",), ("{1,NULL}",), ("{{2,3},{4,5}}",), (None,)]
    sql.check("SELECT * FROM tl ORDER BY 1", expected, ordered=True)
    sql.check("SELECT * FROM tl ORDER BY 1 DESC", expected[::-1], ordered=True)


def test_order_by_ambiguous_output_name(sql):
    sql.error("SELECT 1 AS a, 2 AS a ORDER BY a", "42702", 'ORDER BY "a" is ambiguous')
    sql.check("SELECT x AS a, x AS a FROM (VALUES (2), (1)) AS v (x) ORDER BY a", [("1", "1"), ("2", "2")],
              ordered=True)


def test_values_with_order_by_and_limit(sql):
    sql.check("VALUES (1, 'a'), (2, 'b') ORDER BY 1 DESC", [("2", "b"), ("1", "a")], ordered=True)
    sql.check("VALUES (1, 'a'), (2, 'b') ORDER BY column2 DESC LIMIT 1", [("2", "b")])


def test_limit_all(sql):
    sql.check("SELECT x FROM generate_series(1, 3) AS x ORDER BY x LIMIT ALL OFFSET 1", [("2",), ("3",)],
              ordered=True)


def test_set_operation_resolves_unknown_branches(sql):
    sql.check("SELECT 1 UNION SELECT NULL", [("1",), (None,)])
    sql.check("SELECT pg_typeof(x) FROM (SELECT 1 UNION SELECT NULL) AS s (x) LIMIT 1", [("integer",)])
    sql.check("SELECT 'a' UNION SELECT 'b'", [("a",), ("b",)])
    sql.error("SELECT 1 UNION ALL SELECT 'x'", "22P02")


def test_output_names_ambiguous_in_order_by_and_group_by(sql):
    sql.setup("CREATE TABLE t5 (a int, b int);\nINSERT INTO t5 VALUES (1, 2), (2, 1)")
    sql.error("SELECT a AS v, b AS v FROM t5 ORDER BY v", "42702", 'ORDER BY "v" is ambiguous')
    sql.error("SELECT a AS v, b AS v FROM t5 GROUP BY v", "42702", 'GROUP BY "v" is ambiguous')
    sql.check("SELECT a AS v, a AS v FROM t5 GROUP BY v ORDER BY v", [("1", "1"), ("2", "2")], ordered=True)


def test_unary_plus_is_an_operator(sql):
    sql.setup("CREATE TABLE t5 (a int, b int);\nINSERT INTO t5 VALUES (1, 2)")
    sql.check("SELECT +a, + a AS x, +(a), 3 - +a, +1.5, +(-b), pg_typeof(+a::int2) FROM t5",
              [("1", "1", "1", "2", "1.5", "-2", "smallint")],
              columns=["?column?", "x", "?column?", "?column?", "?column?", "?column?", "pg_typeof"])
    sql.error("SELECT +a::text FROM t5", "42883", "operator does not exist: + text")
    sql.error("SELECT +interval '1 day'", "42883", "operator does not exist: + interval")


def test_unary_plus_inside_calls_and_sort_keys(sql):
    """Every place that prints a parsed node back to text (function names, NULLS in ORDER BY,
    error messages) must know prefix +; the conformance corpus has `sum(+ + col0)`."""
    sql.setup("CREATE TABLE t6 (a int);\nINSERT INTO t6 VALUES (1), (3)")
    sql.check("SELECT sum(+ + a), count(+a), - + avg(DISTINCT +a)::int FROM t6", [("4", "2", "-2")])
    sql.check("SELECT a FROM t6 ORDER BY + a DESC NULLS LAST", [("3",), ("1",)], ordered=True)
    sql.check("SELECT a, sum(+a) OVER (ORDER BY +a) FROM t6", [("1", "1"), ("3", "4")], ordered=True)


def test_a_scalar_subquery_of_a_star_is_named_after_its_column(sql):
    sql.check("SELECT (SELECT * FROM (SELECT 3 y) s), (SELECT s.* FROM (SELECT 4 w) s), (SELECT 1 + 1), "
              "(SELECT t.* FROM (SELECT 5) t)", [("3", "4", "2", "5")], columns=["y", "w", "?column?", "?column?"])
    sql.check("WITH w AS (SELECT abs(-7)) SELECT (SELECT * FROM w)", [("7",)], columns=["abs"])


def test_operator_syntax_before_any_and_all(sql):
    """pg_dump -t filters relkind with `OPERATOR(pg_catalog.=) ANY (array[...])`."""
    sql.check("SELECT x FROM generate_series(1, 4) x WHERE x OPERATOR(pg_catalog.=) ANY (array[1, 3])",
              [("1",), ("3",)])
    sql.check("SELECT x FROM generate_series(1, 4) x WHERE x OPERATOR(pg_catalog.<) ALL (array[3, 4])",
              [("1",), ("2",)])
