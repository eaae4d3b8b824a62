"""Enum types and domains after a restart: the type, its labels (added BEFORE/AFTER, renamed), the columns of
it (and of arrays of it, of a domain over a domain) and the rows are catalog objects and rows like any, so recovery (WAL replay after kill -9, or
the checkpoint a clean shutdown writes) gives back the same order and the same errors; a rolled
back ALTER TYPE stays rolled back."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_enum_types_survive_restart(qdb, tmp_path, how):
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, m mood, ms mood[])")
        conn.execute("INSERT INTO t VALUES (1, 'happy', '{ok}'), (2, 'sad', NULL), (3, 'ok', '{sad,happy}')")
        conn.execute("ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
        conn.execute("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'")
        conn.execute("INSERT INTO t VALUES (4, 'meh', NULL)")
        with conn.transaction():
            conn.execute("CREATE TYPE gone AS ENUM ('x')")
            conn.execute("DROP TYPE gone")
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            with conn.transaction():
                conn.execute("ALTER TYPE mood ADD VALUE 'never'")
                conn.execute("INSERT INTO t VALUES (5, 'bad', NULL)")
        expected = conn.execute("SELECT id, m, ms FROM t ORDER BY m, id").fetchall()
        assert [r[1] for r in expected] == ["blue", "meh", "ok", "happy"]
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT id, m, ms FROM t ORDER BY m, id").fetchall() == expected
        assert conn.execute("SELECT enum_range(NULL::mood)::text").fetchone() == ("{blue,meh,ok,happy}",)
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            conn.execute("SELECT 'never'::mood")
        conn.execute("ALTER TYPE mood ADD VALUE 'zen'")
        conn.execute("INSERT INTO t VALUES (6, 'zen', '{zen}')")
        assert conn.execute("SELECT max(m) FROM t").fetchone() == ("zen",)
        assert conn.execute("SELECT count(*) FROM pg_type WHERE typname = 'gone'").fetchone() == (0,)


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_domains_survive_restart(qdb, tmp_path, how):
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE DOMAIN posint AS int NOT NULL DEFAULT 7 CHECK (VALUE > 0)")
        conn.execute("CREATE TABLE t (id int, n posint)")
        conn.execute("INSERT INTO t VALUES (1, 5), (2, DEFAULT)")
        conn.execute("CREATE DOMAIN small AS posint CHECK (VALUE < 100)")
        conn.execute("CREATE TABLE s (id int, m small, ms posint[])")
        conn.execute("INSERT INTO s VALUES (1, 50, '{1,2}'), (2, DEFAULT, NULL)")
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT id, n FROM t ORDER BY id").fetchall() == [(1, 5), (2, 7)]
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO t VALUES (3, -1)")
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute("INSERT INTO t VALUES (3, NULL)")
        assert conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                            "WHERE attrelid = 't'::regclass AND attname = 'n'").fetchone() == ("posint",)
        # a domain over it and an array of it
        assert conn.execute("SELECT id, m, ms FROM s ORDER BY id").fetchall() == [(1, 50, [1, 2]), (2, 7, None)]
        for bad in ("(3, 0, NULL)", "(3, 100, NULL)", "(3, 1, '{1,-1}')"):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(f"INSERT INTO s VALUES {bad}")
        assert conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 's'::regclass "
                            "AND attnum > 1 ORDER BY attnum").fetchall() == [("small",), ("posint[]",)]


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_altered_domains_survive_restart(qdb, tmp_path, how):
    """ALTER DOMAIN's changes are catalog versions like any: the constraints added (one NOT VALID),
    renamed and dropped, NOT NULL and the DEFAULT come back; one rolled back stays rolled back."""
    srv = qdb.start(tmp_path / "data")
    constraints = ("SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE contypid = 'posint'::regtype ORDER BY 1")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE DOMAIN posint AS int CHECK (VALUE <> 13)")
        conn.execute("CREATE TABLE t (id int, n posint)")
        conn.execute("INSERT INTO t VALUES (1, 5), (2, -1)")
        conn.execute("ALTER DOMAIN posint ADD CONSTRAINT pos CHECK (VALUE > 0) NOT VALID")
        conn.execute("ALTER DOMAIN posint RENAME CONSTRAINT posint_check TO not13")
        conn.execute("ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 100)")
        conn.execute("ALTER DOMAIN posint DROP CONSTRAINT small")
        conn.execute("ALTER DOMAIN posint SET NOT NULL")
        conn.execute("ALTER DOMAIN posint SET DEFAULT 7")
        with pytest.raises(psycopg.errors.CheckViolation):
            with conn.transaction():
                conn.execute("ALTER DOMAIN posint DROP CONSTRAINT pos")
                conn.execute("ALTER DOMAIN posint ADD CONSTRAINT big CHECK (VALUE > 1000)")
        expected = conn.execute(constraints).fetchall()
        assert expected == [("not13", True, "CHECK ((VALUE <> 13))"), ("pos", False, "CHECK ((VALUE > 0)) NOT VALID")]
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute(constraints).fetchall() == expected
        with pytest.raises(psycopg.errors.CheckViolation, match='"pos"'):
            conn.execute("INSERT INTO t VALUES (3, 0)")
        with pytest.raises(psycopg.errors.CheckViolation, match='"not13"'):
            conn.execute("INSERT INTO t VALUES (3, 13)")
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute("INSERT INTO t VALUES (3, NULL)")
        conn.execute("INSERT INTO t (id) VALUES (4)")
        conn.execute("INSERT INTO t VALUES (5, 500)")
        assert conn.execute("SELECT id, n FROM t ORDER BY id").fetchall() == [(1, 5), (2, -1), (4, 7), (5, 500)]
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("ALTER DOMAIN posint VALIDATE CONSTRAINT pos")


COLUMN_TYPES = ["int[]", "text[]", "numeric", "jsonb", "interval", "uuid", "bytea", "int4range", "tsvector", "mood"]


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_columns_of_nulls_survive_restart(qdb, tmp_path, how):
    """A checkpoint writes each column's arrays: a column every row of which is NULL (here over
    40 rows, where the encoder packs arrays differently) must read back, or the data directory
    does not open (an int[] column of NULLs did that)."""
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
        columns = ", ".join(f"c{i} {t}" for i, t in enumerate(COLUMN_TYPES))
        conn.execute(f"CREATE TABLE t (id int, {columns})")
        conn.execute("INSERT INTO t (id) SELECT g FROM generate_series(1, 40) g")
        conn.execute("INSERT INTO t (id, c0, c2) VALUES (41, '{1,NULL}', 1.5)")
        expected = conn.execute("SELECT * FROM t ORDER BY id").fetchall()
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == expected
