"""EXPLAIN in PostgreSQL 15's text format (sql/explain*.py, engine/explain.py): node names,
aliases, costs, conditions deparsed as PostgreSQL's, VERBOSE output, subplans, ANALYZE's counters
and summary, EXPLAIN EXECUTE and the options' errors. The plans asked for are ones PostgreSQL 15
chooses too, and the assertions hold on it (QUANTADB_TEST_DSN runs them against a given server)."""

from __future__ import annotations

import re

import pytest
from explain_tables import conn  # noqa: F401 (the fixture)
from psycopg import errors

COSTS = r"  \(cost=\d+\.\d\d\.\.\d+\.\d\d rows=\d+ width=\d+\)"
ACTUAL = r" \(actual time=\d+\.\d{3}\.\.\d+\.\d{3} rows=\d+ loops=\d+\)"


def plan(conn, query: str) -> list[str]:
    return [r[0] for r in conn.execute(query)]


def test_a_scan_shows_its_table_alias_costs_and_filter(conn):
    lines = plan(conn, "EXPLAIN SELECT * FROM ex_t t1 WHERE b = 'x'")
    assert re.fullmatch("Seq Scan on ex_t t1" + COSTS, lines[0]), lines
    assert lines[1:] == ["  Filter: (b = 'x'::text)"]


def test_an_index_scan_shows_its_index_and_condition(conn):
    lines = plan(conn, "EXPLAIN SELECT * FROM ex_t WHERE a = 5")
    assert re.fullmatch("Index Scan using ex_t_pkey on ex_t" + COSTS, lines[0]), lines
    assert lines[1:] == ["  Index Cond: (a = 5)"]


def test_an_index_condition_names_a_key_column_the_query_does_not_read(conn):
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT b FROM ex_t WHERE a = 5") == [
        "Index Scan using ex_t_pkey on ex_t", "  Index Cond: (a = 5)"]


def test_costs_off_leaves_out_the_numbers(conn):
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT * FROM ex_t WHERE b LIKE 'x%' AND d > 5") == [
        "Seq Scan on ex_t", "  Filter: ((b ~~ 'x%'::text) AND (d > '5'::double precision))"]
    assert plan(conn, "EXPLAIN (COSTS false) SELECT 1") == ["Result"]


def test_a_hash_join_hashes_its_inner_side_and_qualifies_its_keys(conn):
    lines = plan(conn, "EXPLAIN (COSTS OFF) SELECT * FROM ex_big b JOIN ex_u ON b.k = ex_u.e")
    assert lines[0] == "Hash Join" and lines[1] == "  Hash Cond: (b.k = ex_u.e)", lines
    assert "  ->  Hash" in lines
    assert "  ->  Seq Scan on ex_big b" in lines


def test_an_outer_join_names_its_kind_and_scan_filters_stay_unqualified(conn):
    lines = plan(conn, "EXPLAIN (COSTS OFF) SELECT * FROM ex_big b LEFT JOIN ex_u ON b.k = ex_u.e WHERE b.v <> 'x'")
    assert lines[0] == "Hash Left Join", lines
    assert "        Filter: (v <> 'x'::text)" in lines


def test_sort_and_group_keys(conn):
    lines = plan(conn, "EXPLAIN SELECT e, count(*) FROM ex_u GROUP BY e ORDER BY e")
    assert re.fullmatch("Sort" + COSTS, lines[0]) and lines[1] == "  Sort Key: e", lines
    assert re.fullmatch("  ->  HashAggregate" + COSTS, lines[2]) and lines[3] == "        Group Key: e", lines
    assert re.fullmatch("        ->  Seq Scan on ex_u" + COSTS, lines[4]), lines
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT a FROM ex_u ORDER BY a DESC, e")[1] == "  Sort Key: a DESC, e"


def test_having_is_the_aggregates_filter(conn):
    lines = plan(conn, "EXPLAIN (COSTS OFF) SELECT e FROM ex_u GROUP BY e HAVING count(*) > 1")
    assert lines[:3] == ["HashAggregate", "  Group Key: e", "  Filter: (count(*) > 1)"], lines


def test_limit_costs_a_share_of_its_input(conn):
    lines = plan(conn, "EXPLAIN SELECT * FROM ex_t ORDER BY b LIMIT 3")
    limit, sort = (re.search(r"cost=([\d.]+)\.\.([\d.]+) rows=(\d+)", line).groups() for line in lines[:2])
    assert lines[0].startswith("Limit") and lines[1].startswith("  ->  Sort"), lines
    assert limit[2] == "3" and float(limit[1]) <= float(sort[1])


def test_verbose_shows_outputs_and_schema_qualified_relations(conn):
    lines = plan(conn, "EXPLAIN (VERBOSE, COSTS OFF) SELECT a, e + 1 FROM ex_u WHERE e > 3")
    assert lines == ["Seq Scan on public.ex_u", "  Output: a, (e + 1)", "  Filter: (ex_u.e > 3)"]


def test_a_with_query_read_once_is_planned_in_place(conn):
    """PostgreSQL 12's inlining: a plain WITH query read once (or NOT MATERIALIZED) is planned
    as a subquery where it is read, so the reader's condition reaches its index; read twice,
    MATERIALIZED, or calling a volatile function, it is computed once."""
    assert plan(conn, "EXPLAIN (COSTS OFF) WITH w AS (SELECT * FROM ex_t) SELECT * FROM w WHERE a = 5") == [
        "Index Scan using ex_t_pkey on ex_t", "  Index Cond: (a = 5)"]
    for query in ("WITH w AS (SELECT * FROM ex_t) SELECT * FROM w WHERE a = 5 UNION ALL SELECT * FROM w",
                  "WITH w AS MATERIALIZED (SELECT * FROM ex_t) SELECT * FROM w WHERE a = 5",
                  "WITH w AS (SELECT a, random() AS r FROM ex_t) SELECT a FROM w WHERE a = 5"):
        assert "CTE w" in [line.strip() for line in plan(conn, f"EXPLAIN (COSTS OFF) {query}")], query
    lines = plan(conn, "EXPLAIN (COSTS OFF) WITH w AS NOT MATERIALIZED (SELECT * FROM ex_t) "
                       "SELECT * FROM w WHERE a = 5 UNION ALL SELECT * FROM w WHERE a = 6")
    assert lines == ["Append", "  ->  Index Scan using ex_t_pkey on ex_t", "        Index Cond: (a = 5)",
                     "  ->  Index Scan using ex_t_pkey on ex_t ex_t_1", "        Index Cond: (a = 6)"]


def test_verbose_returning_of_an_update_from_names_both_tables(conn):
    lines = plan(conn, "EXPLAIN (VERBOSE, COSTS OFF) UPDATE ex_u SET e = 0 FROM ex_t WHERE ex_u.a = ex_t.a "
                       "RETURNING ex_t.b, ex_u.e, ex_u.a + 1")
    assert lines[:2] == ["Update on public.ex_u", "  Output: ex_t.b, ex_u.e, (ex_u.a + 1)"]


def test_a_cte_and_an_initplan_are_shown_under_the_node_using_them(conn):
    lines = plan(conn, "EXPLAIN (COSTS OFF) WITH w AS MATERIALIZED (SELECT * FROM ex_u) SELECT * FROM w WHERE a > 1")
    assert lines == ["CTE Scan on w", "  Filter: (a > 1)", "  CTE w", "    ->  Seq Scan on ex_u"]
    lines = plan(conn, "EXPLAIN (COSTS OFF) SELECT * FROM ex_u WHERE e = (SELECT max(e) FROM ex_u)")
    assert lines == ["Seq Scan on ex_u", "  Filter: (e = $0)", "  InitPlan 1 (returns $0)", "    ->  Aggregate",
                     "          ->  Seq Scan on ex_u ex_u_1"]  # (a second scan of a table: its name numbered)
    assert plan(conn, "EXPLAIN (COSTS OFF) INSERT INTO ex_u SELECT * FROM ex_u") == [
        "Insert on ex_u", "  ->  Seq Scan on ex_u ex_u_1"]


def test_set_operations(conn):
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT a FROM ex_t UNION ALL SELECT a FROM ex_u") == [
        "Append", "  ->  Seq Scan on ex_t", "  ->  Seq Scan on ex_u"]
    lines = plan(conn, "EXPLAIN (COSTS OFF) SELECT a FROM ex_t UNION SELECT a FROM ex_u")
    assert lines[:3] == ["HashAggregate", "  Group Key: ex_t.a", "  ->  Append"], lines


def test_values_function_and_result_scans(conn):
    assert plan(conn, "EXPLAIN (COSTS OFF) VALUES (1), (2)") == ['Values Scan on "*VALUES*"']
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT * FROM generate_series(1, 3)") == \
        ["Function Scan on generate_series"]
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT 1 WHERE false") == ["Result", "  One-Time Filter: false"]


def test_dml_is_shown_as_its_modify_node(conn):
    lines = plan(conn, "EXPLAIN UPDATE ex_u SET e = 1 WHERE a = 3")
    assert re.fullmatch(r"Update on ex_u  \(cost=\d+\.\d\d\.\.\d+\.\d\d rows=0 width=0\)", lines[0]), lines
    assert re.fullmatch("  ->  Seq Scan on ex_u" + COSTS, lines[1]) and lines[2] == "        Filter: (a = 3)"
    assert plan(conn, "EXPLAIN (COSTS OFF) DELETE FROM ex_u x WHERE a = 3")[:2] == \
        ["Delete on ex_u x", "  ->  Seq Scan on ex_u x"]


def test_analyze_counts_rows_loops_and_times(conn):
    lines = plan(conn, "EXPLAIN ANALYZE SELECT * FROM ex_u WHERE e > 3")
    assert re.fullmatch("Seq Scan on ex_u" + COSTS + ACTUAL, lines[0]), lines
    assert "rows=60 loops=1)" in lines[0]
    assert lines[1:3] == ["  Filter: (e > 3)", "  Rows Removed by Filter: 40"]
    assert re.fullmatch(r"Planning Time: \d+\.\d{3} ms", lines[3]) and re.fullmatch(r"Execution Time: \d+\.\d{3} ms",
                                                                                    lines[4]), lines


def test_analyze_counts_the_rows_an_index_scans_filter_removes(conn):
    assert plan(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM ex_t "
                      "WHERE a < 50 AND b LIKE '%5'") == [
        "Index Scan using ex_t_pkey on ex_t (actual rows=5 loops=1)", "  Index Cond: (a < 50)",
        "  Filter: (b ~~ '%5'::text)", "  Rows Removed by Filter: 44"]


def test_analyze_options(conn):
    lines = plan(conn, "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY OFF) SELECT e, count(*) FROM ex_u GROUP BY e")
    assert lines[:2] == ["HashAggregate (actual rows=10 loops=1)", "  Group Key: e"], lines
    assert lines[-1] == "  ->  Seq Scan on ex_u (actual rows=100 loops=1)"  # (PostgreSQL: Batches, Memory Usage)
    lines = plan(conn, "EXPLAIN (ANALYZE, BUFFERS, WAL, SETTINGS, COSTS OFF) SELECT 1")
    assert lines[0].startswith("Result (actual time=") and lines[-1].startswith("Execution Time:"), lines
    assert plan(conn, "EXPLAIN (SUMMARY, COSTS OFF) SELECT 1")[1].startswith("Planning Time:")


def test_analyze_runs_a_write(conn):
    conn.execute("BEGIN")
    try:
        lines = plan(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) INSERT INTO ex_u VALUES (500, 1)")
        assert lines[0] == "Insert on ex_u (actual rows=0 loops=1)", lines
        assert conn.execute("SELECT count(*) FROM ex_u WHERE a = 500").fetchone()[0] == 1
        lines = plan(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) DELETE FROM ex_u WHERE a = 500")
        assert lines[:4] == ["Delete on ex_u (actual rows=0 loops=1)", "  ->  Seq Scan on ex_u (actual rows=1 loops=1)",
                             "        Filter: (a = 500)", "        Rows Removed by Filter: 100"], lines
        assert conn.execute("SELECT count(*) FROM ex_u WHERE a = 500").fetchone()[0] == 0
    finally:
        conn.execute("ROLLBACK")


def test_explain_execute_plans_the_prepared_statement(conn):
    conn.execute("PREPARE ex_p(int) AS SELECT * FROM ex_t WHERE a = $1")
    try:
        lines = plan(conn, "EXPLAIN (COSTS OFF) EXECUTE ex_p(3)")
        assert lines == ["Index Scan using ex_t_pkey on ex_t", "  Index Cond: (a = 3)"]  # (a custom plan)
        analyzed = plan(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE ex_p(3)")
        assert analyzed[0] == "Index Scan using ex_t_pkey on ex_t (actual rows=1 loops=1)", analyzed
    finally:
        conn.execute("DEALLOCATE ex_p")
    with pytest.raises(errors.InvalidSqlStatementName):
        conn.execute("EXPLAIN EXECUTE ex_nope(1)")


@pytest.mark.parametrize("query, error, message", [
    ("EXPLAIN (FORMAT foo) SELECT 1", errors.InvalidParameterValue,
     'unrecognized value for EXPLAIN option "format": "foo"'),
    ("EXPLAIN (TIMING) SELECT 1", errors.InvalidParameterValue, "EXPLAIN option TIMING requires ANALYZE"),
    ("EXPLAIN (WAL) SELECT 1", errors.InvalidParameterValue, "EXPLAIN option WAL requires ANALYZE"),
    ("EXPLAIN (ANALYZE maybe) SELECT 1", errors.SyntaxError, "analyze requires a Boolean value"),
    ("EXPLAIN (bogus) SELECT 1", errors.SyntaxError, 'unrecognized EXPLAIN option "bogus"'),
])
def test_option_errors(conn, query, error, message):
    with pytest.raises(error) as raised:
        conn.execute(query)
    assert raised.value.diag.message_primary == message
    if "FORMAT" in query or "bogus" in query:
        assert raised.value.diag.statement_position == "10"


def test_correlated_subplans_name_the_outer_row_qualified(conn):
    # (a correlation by equality makes a grouped join instead: sql/decorrelate.py)
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT (SELECT max(e) FROM ex_u WHERE ex_u.a < ex_t.a + 1) FROM ex_t") == [
        "Seq Scan on ex_t", "  SubPlan 1", "    ->  Aggregate", "          ->  Seq Scan on ex_u",
        "                Filter: (a < (ex_t.a + 1))"]
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT * FROM ex_t WHERE a NOT IN (SELECT e FROM ex_u)") == [
        "Seq Scan on ex_t", "  Filter: (NOT (hashed SubPlan 1))", "  SubPlan 1", "    ->  Seq Scan on ex_u"]
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT * FROM ex_t LEFT JOIN LATERAL "
                      "(SELECT * FROM ex_u WHERE ex_u.a = ex_t.a LIMIT 1) s ON true") == [
        "Nested Loop Left Join", "  ->  Seq Scan on ex_t", "  ->  Limit", "        ->  Seq Scan on ex_u",
        "              Filter: (a = ex_t.a)"]


def test_expressions_are_deparsed_on_one_line(conn):
    conn.execute("DROP TABLE IF EXISTS ex_arr")
    conn.execute("CREATE TABLE ex_arr (a int, c int[])")
    try:
        lines = plan(conn, "EXPLAIN (VERBOSE, COSTS OFF) SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END, "
                           "CASE a WHEN 1 THEN 2 END, c[1], a::text FROM ex_arr WHERE CASE WHEN a > 1 THEN true END")
        assert lines == ["Seq Scan on public.ex_arr",
                         "  Output: CASE WHEN (a > 1) THEN 'x'::text ELSE 'y'::text END, "
                         "CASE a WHEN 1 THEN 2 ELSE NULL::integer END, c[1], (a)::text",
                         "  Filter: CASE WHEN (ex_arr.a > 1) THEN true ELSE NULL::boolean END"]
    finally:
        conn.execute("DROP TABLE ex_arr")


def test_analyze_counts_ctes(conn):
    lines = plan(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) WITH RECURSIVE r(n) AS "
                       "(SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r")
    assert lines == ["CTE Scan on r (actual rows=10 loops=1)", "  CTE r",
                     "    ->  Recursive Union (actual rows=10 loops=1)", "          ->  Result (actual rows=1 loops=1)",
                     "          ->  WorkTable Scan on r r_1 (actual rows=1 loops=10)",
                     "                Filter: (n < 10)", "                Rows Removed by Filter: 0"]
    conn.execute("BEGIN")
    try:
        lines = plan(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                           "WITH x AS (INSERT INTO ex_u VALUES (1000, 1) RETURNING *) SELECT * FROM x")
        assert lines[:3] == ["CTE Scan on x (actual rows=1 loops=1)", "  CTE x", "    ->  Insert on ex_u (actual rows=1 loops=1)"]
    finally:
        conn.execute("ROLLBACK")


def test_parameters_bound_to_explain(conn):
    """A client's parameters: in the conditions as constants, and used by ANALYZE's run."""
    lines = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM ex_t "
                                        "WHERE a = %s AND b = %s", [5, "x5"])]
    assert lines == ["Index Scan using ex_t_pkey on ex_t (actual rows=1 loops=1)",
                     "  Index Cond: (a = '5'::smallint)", "  Filter: (b = 'x5'::text)"]


def test_function_scans_and_one_row_values(conn):
    assert plan(conn, "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM ex_u, unnest(ARRAY[ex_u.a, ex_u.e]) x") == [
        "Nested Loop", "  Output: ex_u.a, ex_u.e, x.x", "  ->  Seq Scan on public.ex_u", "        Output: ex_u.a, ex_u.e",
        "  ->  Function Scan on pg_catalog.unnest x", "        Output: x.x",
        "        Function Call: unnest(ARRAY[ex_u.a, ex_u.e])"]
    assert plan(conn, "EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO ex_u VALUES (1, 2)") == [
        "Insert on public.ex_u", "  ->  Result", "        Output: 1, 2"]


def test_grouping_sets_show_a_key_line_per_set(conn):
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT a, e, count(*) FROM ex_u GROUP BY GROUPING SETS ((a), (e), ())") == [
        "MixedAggregate", "  Hash Key: a", "  Hash Key: e", "  Group Key: ()", "  ->  Seq Scan on ex_u"]
    assert plan(conn, "EXPLAIN (COSTS OFF) SELECT a, e, count(*) FROM ex_u GROUP BY GROUPING SETS ((a), (e))") == [
        "HashAggregate", "  Hash Key: a", "  Hash Key: e", "  ->  Seq Scan on ex_u"]


def test_analyze_runs_the_statement_once(conn):
    """Every node counted in one run: a volatile call is made once per row, not once per node above it."""
    conn.execute("DROP SEQUENCE IF EXISTS ex_seq")
    conn.execute("CREATE SEQUENCE ex_seq")
    try:
        plan(conn, "EXPLAIN ANALYZE SELECT x FROM (SELECT nextval('ex_seq') AS x FROM generate_series(1, 3)) s "
                   "WHERE x > 0 ORDER BY x LIMIT 5")
        assert conn.execute("SELECT nextval('ex_seq')").fetchone()[0] == 4
    finally:
        conn.execute("DROP SEQUENCE ex_seq")
