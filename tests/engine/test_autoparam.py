"""Auto-parameterization of simple-protocol statements: a query shape seen before is turned
into its template without lexing, and must give exactly what the lexer-based path gives."""

from __future__ import annotations

import pytest

from quantadb.engine.autoparam import parameterize, single_template
from quantadb.sql.lexer import split_statements

SHAPES = [
    ("SELECT abalance FROM pgbench_accounts WHERE aid = {};", ["4711", "12", "99999999999"]),
    ("  select * from t where a = -{} and b = 'it''s {}' ; ", ["5", "2147483648", "0"]),
    ("select * from t where a = - {} and b <> '{}'", ["77", "x", ""]),
    ("select x::varchar({}) from t where y in (1, {}, 3e4)", ["10", "2.5", ".5"]),
    ("INSERT INTO h (a, b, c) VALUES ({}, 'v{}', CURRENT_TIMESTAMP)", ["1", "22"]),
    ("update t1 set c2 = c2 + {} where id = {} returning c2", ["-3", "1e5"]),
    ("select {}::int, t2.c3 from t2 where c3 > {}", ["5", "6"]),
    ("select * from t where a = -{}", ["5", "'5'", "6"]),  # a string in a number's place
]


def _lexed(sql: str):
    statements = split_statements(sql)
    if len(statements) != 1:
        return None
    text = statements[0][0]
    template = parameterize(text)
    return None if template is None else (text, template)


@pytest.mark.parametrize("shape,values", SHAPES)
def test_known_shapes_give_the_lexers_template(shape: str, values: list[str]) -> None:
    for v in values:  # the first text teaches the shape, the others reuse it
        sql = shape.format(v, v)
        assert single_template(sql) == _lexed(sql), sql


@pytest.mark.parametrize("sql", [
    "select 1; select 2",
    "select E'a\\n' from t where a = 5",
    "select $1 from t where a = 5",
    "select a -- 5\nfrom t where a = 5",
    "select /* 'x' */ a from t where a = 5",
    'select "a1" from t where a = 5',
    "select $$x$$ from t where a = 5",
    "select 'a'\n'b' from t where a = 5",
    "show search_path",
    "select a from t",
])
def test_other_queries_take_the_lexer(sql: str) -> None:
    for _ in range(2):  # learning, then a lookup of what was learnt
        assert single_template(sql) in (None, _lexed(sql))
