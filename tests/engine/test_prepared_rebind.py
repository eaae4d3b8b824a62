"""A prepared statement keeps its plan between executions only while what it was planned
against holds: the catalog, the settings (search_path) and the temporary schema. Point reads,
which run without a statement savepoint, still see the transaction's own writes and lose them
with ROLLBACK TO."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest


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


def _table(conn: psycopg.Connection) -> str:
    name = f"pc_{uuid.uuid4().hex[:8]}"
    conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)")
    conn.execute(f"INSERT INTO {name} VALUES (1, 1)")
    return name


def test_a_plan_bound_on_uncommitted_ddl_is_not_shared(server) -> None:
    """Plans are shared between sessions per catalog version: one bound by a transaction that
    has just added a CHECK must not apply that uncommitted constraint to another session."""
    with psycopg.connect(server.dsn, autocommit=True) as a, psycopg.connect(server.dsn, autocommit=True) as c:
        t = _table(a)
        a.execute(f"INSERT INTO {t} VALUES (2, 2)")
        update = f"UPDATE {t} SET v = %s WHERE id = %s"
        a.execute("BEGIN")
        a.execute(f"ALTER TABLE {t} ADD CONSTRAINT small CHECK (v < 100)")
        a.execute(update, [5, 1], prepare=True)
        waiting = threading.Thread(target=lambda: c.execute(update, [500, 2], prepare=True))
        waiting.start()  # it waits for A's lock on the table, as in PostgreSQL
        while a.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone() != (1,):
            time.sleep(0.01)
        a.execute("ROLLBACK")
        waiting.join(30)
        assert c.execute(f"SELECT id, v FROM {t} ORDER BY id").fetchall() == [(1, 1), (2, 500)]


def test_a_plan_bound_on_an_old_repeatable_read_snapshot_is_not_shared(server) -> None:
    """A REPEATABLE READ transaction binds on its snapshot, which does not see a CHECK committed
    since: that plan is its own, and a fresh session still checks the constraint. (Its snapshot is
    taken on another table: a lock on this one would make the ALTER wait for it.)"""
    with psycopg.connect(server.dsn, autocommit=True) as a, psycopg.connect(server.dsn, autocommit=True) as b, \
            psycopg.connect(server.dsn, autocommit=True) as c:
        t, other = _table(a), _table(a)
        update = f"UPDATE {t} SET v = %s WHERE id = %s"
        a.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        a.execute(f"SELECT 1 FROM {other}")
        b.execute(f"ALTER TABLE {t} ADD CONSTRAINT small CHECK (v < 100)")
        a.execute(update, [5, 1], prepare=True)
        a.execute("ROLLBACK")
        with pytest.raises(psycopg.errors.CheckViolation):
            c.execute(update, [500, 1], prepare=True)
        with pytest.raises(psycopg.errors.CheckViolation):
            a.execute(update, [500, 1], prepare=True)  # A's next transaction sees it too
        assert c.execute(f"SELECT v FROM {t}").fetchone() == (1,)


def test_a_committed_role_change_reaches_sessions_that_looked_meanwhile(server) -> None:
    """A change to a role (not a relation) also ends what sessions derived from the catalog
    before it committed: a superuser made NOSUPERUSER in a block loses access on COMMIT."""
    role = f"r_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.dsn, autocommit=True) as admin:
        t = _table(admin)
        admin.execute(f"CREATE ROLE {role} LOGIN SUPERUSER")
        with psycopg.connect(server.conninfo(user=role), autocommit=True) as user:
            admin.execute("BEGIN")
            admin.execute(f"ALTER ROLE {role} NOSUPERUSER")
            assert user.execute(f"SELECT v FROM {t}").fetchone() == (1,)
            admin.execute("COMMIT")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                user.execute(f"SELECT v FROM {t}")


def test_prepared_statement_result_type_is_fixed(server) -> None:
    """A client decodes rows by the RowDescription it was sent: once the catalog changes a prepared
    statement's result columns, PostgreSQL refuses to run it (0A000), for Parse as for PREPARE.
    The DDL comes from another session: psycopg drops its own prepared statements after DDL."""
    with psycopg.connect(server.dsn, autocommit=True) as conn, \
            psycopg.connect(server.dsn, autocommit=True) as ddl:
        t = f"rt_{uuid.uuid4().hex[:8]}"
        ddl.execute(f"CREATE TABLE {t} (a int, b text)")
        ddl.execute(f"INSERT INTO {t} VALUES (1, 'x')")
        star, narrow = f"SELECT * FROM {t}", f"SELECT a FROM {t}"
        for _ in range(2):
            assert conn.execute(star, prepare=True).fetchall() == [(1, "x")]
            assert conn.execute(narrow, prepare=True).fetchall() == [(1,)]
        conn.execute(f"PREPARE p AS SELECT * FROM {t}")
        ddl.execute(f"CREATE INDEX ON {t} (a)")  # the plan changes, its result does not
        assert conn.execute(star, prepare=True).fetchall() == [(1, "x")]
        assert conn.execute("EXECUTE p").fetchall() == [(1, "x")]

        ddl.execute(f"ALTER TABLE {t} ADD COLUMN c int")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="cached plan must not change result type"):
            conn.execute(star, prepare=True)
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="cached plan must not change result type"):
            conn.execute("EXECUTE p")
        assert conn.execute(narrow, prepare=True).fetchall() == [(1,)]

        ddl.execute(f"ALTER TABLE {t} RENAME COLUMN a TO a2")  # a name is part of the result type
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            conn.execute("EXECUTE p")
        conn.execute("DEALLOCATE p")
        conn.execute(f"PREPARE p AS SELECT * FROM {t}")
        cur = conn.execute("EXECUTE p")
        assert [d.name for d in cur.description] == ["a2", "b", "c"]
        assert cur.fetchall() == [(1, "x", None)]
