"""A prepared statement keeps its plan between executions only while what it was planned
against holds: the catalog, the settings (search_path) and the temporary schema. Point reads,
which run without a statement savepoint, still see the transaction's own writes and lose them
with ROLLBACK TO."""

from __future__ import annotations

import uuid

import psycopg


def test_prepared_statement_follows_search_path_and_ddl(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        a, b = f"sa_{uuid.uuid4().hex[:8]}", f"sb_{uuid.uuid4().hex[:8]}"
        for schema, value in ((a, "in a"), (b, "in b")):
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"CREATE TABLE {schema}.t (id int PRIMARY KEY, v text)")
            conn.execute(f"INSERT INTO {schema}.t VALUES (1, %s)", [value])
        conn.execute(f"SET search_path = {a}")
        query = "SELECT v FROM t WHERE id = %s"
        for _ in range(3):
            assert conn.execute(query, [1], prepare=True).fetchone() == ("in a",)
        conn.execute(f"SET search_path = {b}")
        assert conn.execute(query, [1], prepare=True).fetchone() == ("in b",)
        conn.execute(f"UPDATE {b}.t SET v = 'changed' WHERE id = 1")
        conn.execute(f"ALTER TABLE {b}.t RENAME TO gone")
        try:
            conn.execute(query, [1], prepare=True)
            raise AssertionError("the renamed table was still found")
        except psycopg.errors.UndefinedTable:
            pass
        conn.execute(f"CREATE TABLE {b}.t (id int PRIMARY KEY, v text)")
        conn.execute(f"INSERT INTO {b}.t VALUES (1, 'new table')")
        assert conn.execute(query, [1], prepare=True).fetchone() == ("new table",)
        conn.execute(f"SET search_path = {a}")
        assert conn.execute(query, [1], prepare=True).fetchone() == ("in a",)


def test_point_reads_in_a_block_with_savepoints(server) -> None:
    with psycopg.connect(server.dsn) as conn:
        t = f"pb_{uuid.uuid4().hex[:8]}"
        conn.execute(f"CREATE TABLE {t} (id int PRIMARY KEY, v int)")
        conn.execute(f"INSERT INTO {t} VALUES (1, 10)")
        conn.commit()
        query = f"SELECT v FROM {t} WHERE id = %s"
        conn.execute(f"UPDATE {t} SET v = 11 WHERE id = 1")
        assert conn.execute(query, [1], prepare=True).fetchone() == (11,)
        conn.execute("SAVEPOINT s")
        conn.execute(f"UPDATE {t} SET v = 12 WHERE id = 1")
        assert conn.execute(query, [1], prepare=True).fetchone() == (12,)
        conn.execute("ROLLBACK TO SAVEPOINT s")
        assert conn.execute(query, [1], prepare=True).fetchone() == (11,)
        try:
            conn.execute(f"SELECT v / 0 FROM {t} WHERE id = %s", [1], prepare=True)
            raise AssertionError("a division by zero was accepted")
        except psycopg.errors.DivisionByZero:
            pass
        try:
            conn.execute(query, [1], prepare=True)
            raise AssertionError("the failed block ran a statement")
        except psycopg.errors.InFailedSqlTransaction:
            pass
        conn.execute("ROLLBACK TO SAVEPOINT s")
        assert conn.execute(query, [1], prepare=True).fetchone() == (11,)
        conn.commit()
        assert conn.execute(query, [1]).fetchone() == (11,)
