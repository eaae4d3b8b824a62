"""EXPLAIN (FORMAT JSON | YAML | XML) as PostgreSQL 15 writes them: one row, typed json / text / xml,
PostgreSQL's key names; and the statement pgAdmin's graphical Explain sends. The assertions hold on
PostgreSQL 15 too (QUANTADB_TEST_DSN runs them against a given server)."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from explain_tables import conn  # noqa: F401 (the fixture)

JSON_OID, TEXT_OID, XML_OID = 114, 25, 142
# pgAdmin 4's sqleditor/sql/default/explain_plan.sql (its template for servers before 16) as pgAdmin
# renders it (trim_blocks) for the Explain button (analyze false) and Explain Analyze
PGADMIN_EXPLAIN = ("EXPLAIN (FORMAT JSON, ANALYZE {analyze}, VERBOSE false, COSTS true, TIMING {analyze}, "
                   "BUFFERS {analyze}, SUMMARY {analyze}, SETTINGS false, WAL {analyze}) {query}")
PGADMIN_TEMPLATES = Path(__file__).resolve().parents[2] / ".venv-pgadmin/lib/python3.11/site-packages/pgadmin4/pgadmin"
RENDER = """
import sys, jinja2
root = sys.argv[1]
env = jinja2.Environment(loader=jinja2.FileSystemLoader([root + "/tools/sqleditor/templates", root + "/tools/templates"]),
                         trim_blocks=True)
on = sys.argv[2] == "true"
print(env.get_template("sqleditor/sql/default/explain_plan.sql").render(
    sql="SELECT 1", format="json", analyze=on, verbose=False, costs=True, buffers=on, timing=on, summary=on,
    settings=False, wal=on), end="")
"""
SCAN_KEYS = {"Node Type", "Parallel Aware", "Async Capable", "Relation Name", "Alias", "Startup Cost", "Total Cost",
             "Plan Rows", "Plan Width"}
ACTUAL_KEYS = {"Actual Startup Time", "Actual Total Time", "Actual Rows", "Actual Loops"}


def explain(conn, query: str) -> tuple[int, list]:
    """The result column's type OID and its rows."""
    cur = conn.execute(query)
    return cur.description[0].type_code, cur.fetchall()


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def test_json_is_one_row_of_type_json_with_postgresqls_keys(conn):
    oid, rows = explain(conn, "EXPLAIN (FORMAT JSON) SELECT * FROM ex_t x WHERE b = 'y'")
    assert oid == JSON_OID and len(rows) == 1
    [query] = rows[0][0]
    assert list(query) == ["Plan"]
    plan = query["Plan"]
    assert set(plan) == SCAN_KEYS | {"Filter"}
    assert (plan["Node Type"], plan["Relation Name"], plan["Alias"], plan["Filter"]) == \
        ("Seq Scan", "ex_t", "x", "(b = 'y'::text)")
    assert plan["Startup Cost"] <= plan["Total Cost"] and plan["Plan Width"] > 0


def test_json_index_scan(conn):
    _, rows = explain(conn, "EXPLAIN (FORMAT JSON) SELECT * FROM ex_t WHERE a = 5")
    plan = rows[0][0][0]["Plan"]
    assert set(plan) == SCAN_KEYS | {"Scan Direction", "Index Name", "Index Cond"}
    assert (plan["Node Type"], plan["Index Name"], plan["Scan Direction"], plan["Index Cond"]) == \
        ("Index Scan", "ex_t_pkey", "Forward", "(a = 5)")


def test_json_join_children_and_costs(conn):
    _, rows = explain(conn, "EXPLAIN (FORMAT JSON) SELECT * FROM ex_big u JOIN ex_t t ON t.b = u.k::text")
    plan = rows[0][0][0]["Plan"]
    assert plan["Node Type"] == "Hash Join" and plan["Join Type"] == "Inner"
    assert plan["Hash Cond"] == "((u.k)::text = t.b)"  # (the outer side's key first)
    assert [c["Parent Relationship"] for c in plan["Plans"]] == ["Outer", "Inner"]
    assert plan["Plans"][1]["Node Type"] == "Hash"
    for node in nodes(plan):  # a node's cost includes its children's
        for child in node.get("Plans", []):
            assert node["Total Cost"] >= child["Total Cost"] and node["Startup Cost"] >= child["Startup Cost"]


def test_json_group_and_sort_keys_are_lists(conn):
    _, rows = explain(conn, "EXPLAIN (FORMAT JSON, COSTS OFF) SELECT k, count(*) FROM ex_big GROUP BY k ORDER BY k")
    sort = rows[0][0][0]["Plan"]
    agg = sort["Plans"][0]
    assert (sort["Node Type"], sort["Sort Key"]) == ("Sort", ["k"])
    assert (agg["Node Type"], agg["Strategy"], agg["Group Key"]) == ("Aggregate", "Hashed", ["k"])
    assert "Startup Cost" not in sort


def test_json_analyze_and_summary(conn):
    _, rows = explain(conn, "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM ex_big WHERE k > 45")
    query = rows[0][0][0]
    assert list(query) == ["Plan", "Planning Time", "Triggers", "Execution Time"]
    plan = query["Plan"]
    assert ACTUAL_KEYS <= set(plan)
    assert (plan["Actual Rows"], plan["Actual Loops"], plan["Rows Removed by Filter"]) == (400, 1, 4600)
    _, rows = explain(conn, "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON) SELECT 1")
    query = rows[0][0][0]
    assert list(query) == ["Plan", "Triggers"] and "Actual Total Time" not in query["Plan"]


def test_json_verbose_output_and_dml(conn):
    _, rows = explain(conn, "EXPLAIN (VERBOSE, FORMAT JSON) SELECT a FROM ex_t")
    plan = rows[0][0][0]["Plan"]
    assert (plan["Schema"], plan["Output"]) == ("public", ["a"])
    _, rows = explain(conn, "EXPLAIN (FORMAT JSON) DELETE FROM ex_t WHERE b = 'none'")
    plan = rows[0][0][0]["Plan"]
    assert (plan["Node Type"], plan["Operation"], plan["Relation Name"]) == ("ModifyTable", "Delete", "ex_t")
    assert plan["Plans"][0]["Parent Relationship"] == "Outer"


def test_json_initplan(conn):
    _, rows = explain(conn, "EXPLAIN (FORMAT JSON) SELECT * FROM ex_big WHERE k = (SELECT max(k) FROM ex_big)")
    plan = rows[0][0][0]["Plan"]
    init = [c for c in plan["Plans"] if c["Parent Relationship"] == "InitPlan"]
    assert [c["Subplan Name"] for c in init] == ["InitPlan 1 (returns $0)"]
    assert plan["Filter"] == "(k = $0)"


@pytest.mark.parametrize("analyze", ["false", "true"])
def test_the_statement_is_the_one_pgadmin_renders(analyze):
    python = PGADMIN_TEMPLATES.parents[4] / "bin/python"
    if not (PGADMIN_TEMPLATES / "tools/sqleditor/templates").is_dir():
        pytest.skip("pgAdmin is not installed (scripts/setup/20-pgadmin.sh)")
    rendered = subprocess.run([str(python), "-c", RENDER, str(PGADMIN_TEMPLATES), analyze], capture_output=True,
                              text=True, check=True).stdout
    assert rendered.strip() == PGADMIN_EXPLAIN.format(analyze=analyze, query="SELECT 1")


@pytest.mark.parametrize("analyze", ["false", "true"])
def test_pgadmins_explain_statement(conn, analyze):
    """What pgAdmin's Explain / Explain Analyze send, and what its visualizer reads (Explain/index.jsx)."""
    query = PGADMIN_EXPLAIN.format(analyze=analyze, query="SELECT * FROM ex_big u JOIN ex_t t ON t.a = u.k")
    oid, rows = explain(conn, query)
    assert oid == JSON_OID and len(rows) == 1
    result = json.loads(json.dumps(rows[0][0]))
    assert isinstance(result, list) and len(result) == 1 and "Plan" in result[0]
    for node in nodes(result[0]["Plan"]):
        assert {"Node Type", "Startup Cost", "Total Cost", "Plan Rows", "Plan Width"} <= set(node)
        if analyze == "true":
            assert ACTUAL_KEYS <= set(node)
    if analyze == "true":
        assert {"Planning Time", "Execution Time"} <= set(result[0])


def test_yaml(conn):
    oid, rows = explain(conn, "EXPLAIN (FORMAT YAML, COSTS OFF) SELECT * FROM ex_t WHERE b = 'y'")
    assert oid == TEXT_OID and len(rows) == 1
    assert rows[0][0].splitlines() == [
        "- Plan: ", '    Node Type: "Seq Scan"', "    Parallel Aware: false", "    Async Capable: false",
        '    Relation Name: "ex_t"', '    Alias: "ex_t"', "    Filter: \"(b = 'y'::text)\""]


def test_yaml_children_and_lists(conn):
    _, rows = explain(conn, "EXPLAIN (FORMAT YAML, COSTS OFF) SELECT * FROM ex_t ORDER BY b")
    lines = rows[0][0].splitlines()
    assert lines[:5] == ["- Plan: ", '    Node Type: "Sort"', "    Parallel Aware: false", "    Async Capable: false",
                         "    Sort Key: "]
    assert lines[5:8] == ['      - "b"', "    Plans: ", '      - Node Type: "Seq Scan"']
    assert '        Parent Relationship: "Outer"' in lines


def test_xml(conn):
    oid, rows = explain(conn, "EXPLAIN (FORMAT XML) SELECT b FROM ex_t ORDER BY b")
    assert oid == XML_OID and len(rows) == 1
    text = rows[0][0]
    assert text.startswith('<explain xmlns="http://www.postgresql.org/2009/explain">\n  <Query>\n    <Plan>\n')
    ns = {"e": "http://www.postgresql.org/2009/explain"}
    plan = ET.fromstring(text).find("e:Query/e:Plan", ns)
    assert plan.find("e:Node-Type", ns).text == "Sort"
    assert [i.text for i in plan.findall("e:Sort-Key/e:Item", ns)] == ["b"]
    child = plan.find("e:Plans/e:Plan", ns)
    assert child.find("e:Node-Type", ns).text == "Seq Scan" and child.find("e:Relation-Name", ns).text == "ex_t"
    assert float(plan.find("e:Total-Cost", ns).text) >= float(child.find("e:Total-Cost", ns).text)


@pytest.mark.parametrize("query", [
    "SELECT * FROM ex_big b JOIN ex_u ON b.k = ex_u.e WHERE ex_u.a > 5",
    "SELECT e, count(*) FROM ex_u GROUP BY e HAVING count(*) > 2 ORDER BY e",
    "WITH w AS MATERIALIZED (SELECT * FROM ex_u) SELECT * FROM w WHERE a > 1",
    "SELECT * FROM ex_u WHERE e = (SELECT max(k) FROM ex_big)",
    "SELECT a FROM ex_t UNION SELECT a FROM ex_u",
    "SELECT (SELECT max(e) FROM ex_u WHERE ex_u.a = ex_t.a) FROM ex_t",
])
def test_every_node_costs_at_least_its_inputs(conn, query):
    """Startup cost up to total cost, and a node's total at least each input's (but a Limit's, which
    stops reading early)."""
    _, rows = explain(conn, "EXPLAIN (FORMAT JSON) " + query)
    for node in nodes(rows[0][0][0]["Plan"]):
        assert 0 <= node["Startup Cost"] <= node["Total Cost"] and node["Plan Width"] >= 0
        for child in node.get("Plans", []):
            if node["Node Type"] != "Limit":
                assert node["Total Cost"] >= child["Total Cost"], (node["Node Type"], child["Node Type"])
