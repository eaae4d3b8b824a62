"""Keywords as names, as PostgreSQL 15's grammar takes them: after a dot any keyword is a name
(`s.only`, `t.select`: attr_name is a ColLabel), and an unreserved keyword is a name anywhere a
name stands, aliases included. A column-name keyword (BETWEEN, VALUES) names columns."""

import pytest

RESERVED_AFTER_A_DOT = ["only", "select", "union", "with", "where", "from", "on", "using", "when", "order"]
UNRESERVED = ["alter", "drop", "insert", "revoke", "rollback", "lock", "exclude", "if"]


@pytest.mark.parametrize("word", RESERVED_AFTER_A_DOT)
def test_any_keyword_after_a_dot(sql, word):
    sql.setup(f"CREATE SCHEMA s;\nCREATE TABLE s.{word} (x int);\nINSERT INTO s.{word} VALUES (1)")
    sql.check(f"SELECT s.{word}.x FROM s.{word}", [("1",)])
    sql.check(f'SELECT t.{word} FROM (SELECT 2 AS "{word}") t', [("2",)])
    sql.setup(f"UPDATE s.{word} SET x = 3;\nDROP TABLE s.{word}")


@pytest.mark.parametrize("word", UNRESERVED)
def test_unreserved_keywords_are_names(sql, word):
    sql.setup(f"CREATE TABLE {word} ({word} int);\nINSERT INTO {word} ({word}) VALUES (1)")
    sql.check(f"SELECT {word} FROM {word}", [("1",)], columns=[word])
    sql.check(f"SELECT {word}.{word} FROM {word} WHERE {word} = 1", [("1",)])
    sql.check(f"SELECT t.{word} FROM {word} t", [("1",)])
    sql.check(f"SELECT x {word} FROM (SELECT 2 x) s", [("2",)], columns=[word])
    sql.check(f"SELECT * FROM {word} {word}", [("1",)])
    sql.setup(f"UPDATE {word} SET {word} = 2 WHERE {word} = 1;\nDROP TABLE {word}")


def test_column_name_keywords_name_columns(sql):
    sql.setup("CREATE TABLE kw (between int, values int);\nINSERT INTO kw VALUES (1, 2)")
    sql.check("SELECT between, values FROM kw", [("1", "2")], columns=["between", "values"])
    sql.check("SELECT kw.between FROM kw WHERE between = 1", [("1",)])
    sql.check("SELECT between FROM kw WHERE values BETWEEN 1 AND 3", [("1",)])
    sql.check("SELECT between BETWEEN 0 AND 1 FROM kw WHERE between BETWEEN between AND values", [("t",)])
    sql.setup("DROP TABLE kw")


def test_if_is_no_function(sql):
    sql.error("SELECT if(1, 2, 3)", "42883", "function if(integer, integer, integer) does not exist")
