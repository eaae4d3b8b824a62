"""Errors point where PostgreSQL 15's do: the ErrorResponse's P field (psql's `LINE 1: ...` and
caret), counted in characters from 1 at the start of the client's Query message."""

import psycopg
import pytest

SETUP = """CREATE TABLE pt (id int PRIMARY KEY, a int, b text, ts timestamp);
CREATE TABLE pu (id int, a int, c text)"""

BINDING = [  # (statement, SQLSTATE, position)
    # names that do not resolve: the (first part of the) name
    ("SELECT nope FROM pt", "42703", 8),
    ("SELECT * FROM nosuch", "42P01", 15),
    ("SELECT * FROM public.nosuch", "42P01", 15),
    ("SELECT 1 FROM pt, nosuch", "42P01", 19),
    ("SELECT * FROM pt WHERE EXISTS (SELECT 1 FROM nosuch)", "42P01", 46),
    ("INSERT INTO nosuch VALUES (1)", "42P01", 13),
    ("UPDATE nosuch SET a = 1", "42P01", 8),
    ("DELETE FROM nosuch", "42P01", 13),
    ("MERGE INTO nosuch USING pu ON nosuch.id = pu.id WHEN MATCHED THEN DO NOTHING", "42P01", 12),
    ("SELECT nosuch.* FROM pt", "42P01", 8),
    ("SELECT a FROM pt, pu", "42702", 8),
    ("SELECT a FROM pt GROUP BY nope", "42703", 27),
    ("INSERT INTO pt (nope) VALUES (1)", "42703", 17),
    ("UPDATE pt SET nope = 1", "42703", 15),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN MATCHED THEN UPDATE SET nope = 1", "42703", 70),
    ("INSERT INTO pt VALUES (1) ON CONFLICT (nope) DO NOTHING", "42703", 39),
    ("SELECT a::nosuchtype FROM pt", "42704", 11),
    ("SELECT CAST(a AS nosuchtype) FROM pt", "42704", 18),
    # functions: the name; operators: the operator
    ("SELECT nofunc(1)", "42883", 8),
    ("SELECT abs('a', 1)", "42883", 8),
    ("SELECT round(1.5, 2, 3)", "42883", 8),
    ("SELECT 1, lower()", "42883", 11),
    ("SELECT sum(b) FROM pt", "42883", 8),
    ("SELECT abs(a) + lower(a) FROM pt", "42883", 17),
    ("SELECT 1 + 'a'::text", "42883", 10),
    ("SELECT a FROM pt WHERE b = 1", "42883", 26),
    ("SELECT a FROM pt WHERE (a)::int + (b) = 1", "42883", 33),
    ("SELECT -b FROM pt", "42883", 8),
    ("SELECT a FROM pt WHERE a LIKE 1", "42883", 26),
    ("SELECT abs(a + b) FROM pt", "42883", 14),
    ("SELECT 1 FROM pt WHERE a = ANY(b)", "42809", 26),
    # types: where the expression that does not fit begins
    ("SELECT * FROM pt WHERE b", "42804", 24),
    ("SELECT 1 FROM pt JOIN pu ON pt.a", "42804", 29),
    ("SELECT count(*) FROM pt HAVING count(*) + 1", "42804", 32),
    ("SELECT CASE WHEN a THEN 1 END FROM pt", "42804", 18),
    ("SELECT NOT a FROM pt", "42804", 12),
    ("SELECT a FROM pt WHERE a IS TRUE", "42804", 24),
    ("SELECT coalesce(a, b) FROM pt", "42804", 20),
    ("SELECT a FROM pt UNION SELECT b FROM pt", "42804", 31),
    ("SELECT a FROM pt WHERE a IN (1, b)", "42883", 26),
    ("SELECT a FROM pt WHERE a NOT IN (1, b)", "42883", 26),
    ("INSERT INTO pt SELECT b FROM pt", "42804", 23),
    ("UPDATE pt SET ts = 1", "42804", 20),
    ("SELECT a, count(*) FROM pt", "42803", 8),
    # a literal its type cannot read: the literal (also once the simple protocol parameterized it)
    ("SELECT 1 FROM pt WHERE a = '1x'", "22P02", 28),
    ("SELECT a FROM pt WHERE a = 'zz' AND id = 2", "22P02", 28),
    ("SELECT a FROM pt WHERE a BETWEEN 'x' AND 2", "22P02", 34),
    ("SELECT a FROM pt WHERE a IN ('x', 2)", "22P02", 30),
    ("UPDATE pt SET a = 'x'", "22P02", 19),
    ("VALUES (1), ('a')", "22P02", 14),
    ("SELECT a FROM pt LIMIT 'x'", "22P02", 24),
    # select-list positions and counts
    ("SELECT sum(a) FROM pt GROUP BY 2", "42P10", 32),
    ("SELECT a FROM pt ORDER BY 3", "42P10", 27),
    ("INSERT INTO pt (id, a) VALUES (1, 2, 3)", "42601", 38),
    ("INSERT INTO pt (id, a, b) VALUES (1, 2)", "42601", 24),
    ("INSERT INTO pt (id, a) SELECT 1, 2, 3", "42601", 37),
    # texts rewritten before parsing (dollar quotes, E'' strings, ::regclass[]) point into the client's
    ("SELECT $$abc$$::int", "22P02", 8),
    ("SELECT $q$it's$q$, E'\\n', nope", "42703", 27),
    ("SELECT '{1}'::int[], $$a$$::regclass[]", "22P02", 22),
    ("SELECT $$a$$ || 'b' || $t$c$t$ || nope", "42703", 35),
]

SYNTAX = [
    ("SELECT 1 +", 11),
    ("SELECT * FROM pt WHERE", 23),
    ("INSERT INTO pt VALUES (1,", 26),
    ("SELECT f(", 10),
    ("SELECT $$ab$$ + , 1", 17),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN", 45),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN MATCHED THEN UPDATE SET", 69),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN MATCHED THEN UPDATE SET a = 1,", 76),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN MATCHED AND THEN DELETE", 58),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN MATCHED THEN UPDATE SET a = 1 b = 2", 76),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN NOT MATCHED THEN INSERT VALUES (1,", 80),
    ("MERGE INTO pt USING pu ON pt.id = pu.id WHEN MATCHED THEN INSERT VALUES (1)", 59),
]


@pytest.mark.parametrize("statement,sqlstate,position", BINDING, ids=[b[0] for b in BINDING])
def test_binding_errors_point_where_postgresql_does(sql, statement, sqlstate, position):
    sql.setup(SETUP)
    sql.error(statement, sqlstate, position=position)


@pytest.mark.parametrize("statement,position", SYNTAX, ids=[s[0] for s in SYNTAX])
def test_syntax_errors_point_where_postgresql_does(sql, statement, position):
    sql.setup(SETUP)
    sql.error(statement, "42601", position=position)


def test_positions_count_from_the_start_of_the_query_message(sql):
    sql.setup(SETUP)
    sql.error("SELECT 1; SELECT nope FROM pt", "42703", position=18)
    sql.error("EXPLAIN SELECT nope FROM pt", "42703", position=16)
    sql.error("PREPARE p1 AS SELECT nope FROM pt", "42703", position=22)
    sql.error("SELECT 1; EXPLAIN (COSTS OFF) SELECT 1 + 'a'::text", "42883", position=40)
    sql.error("SELECT 1;\nSELECT a\n  FROM pt WHERE b + 1 = 2", "42883", position=38)


def test_messages_match(sql):
    sql.setup(SETUP)
    sql.error("SELECT a FROM pt WHERE a IS NOT TRUE", "42804",
              "argument of IS NOT TRUE must be type boolean, not type integer", position=24)
    sql.error("SELECT 1 FROM pt WHERE a = ANY(b)", "42809", "op ANY/ALL (array) requires array on right side")


def test_the_extended_protocol_too(sql, quantadb_server, postgres_server):
    sql.setup(SETUP)
    for server in filter(None, (quantadb_server, postgres_server)):
        with psycopg.connect(server.dsn(sql.name), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.UndefinedFunction) as caught:
                conn.execute("SELECT a FROM pt WHERE b = %s::int", (1,))
            assert caught.value.diag.statement_position == "26"
            with pytest.raises(psycopg.errors.UndefinedColumn) as caught:  # blanks before the statement count
                conn.execute("\n   SELECT nope FROM pt WHERE a = %s", (1,))
            assert caught.value.diag.statement_position == "12"
