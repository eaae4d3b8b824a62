"""Composite types after a restart: the type (a catalog object with its fields), the columns of it,
of arrays of it and of a composite type holding it, and their rows come back from the checkpoint
a clean shutdown writes and from WAL replay after kill -9; a renamed attribute stays renamed, the
values rewritten by DROP / ADD ATTRIBUTE stay rewritten."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_composite_types_survive_restart(qdb, tmp_path, how):
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TYPE pair AS (x int, y text, d date)")
        conn.execute("CREATE TYPE holder AS (h int, p pair)")
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, c pair, cs pair[], w holder)")
        conn.execute("INSERT INTO t VALUES (1, '(1,\"a b\",2020-01-01)', ARRAY['(2,,)'::pair], '(9,\"(3,z,)\")'), "
                     "(2, NULL, NULL, NULL), (3, '(,,)', '{}', ROW(4, NULL))")
        conn.execute("UPDATE t SET c.y = 'upd' WHERE id = 3")
        conn.execute("ALTER TYPE pair RENAME ATTRIBUTE d TO day")
        conn.execute("CREATE TYPE solo AS (p int, q text)")
        conn.execute("CREATE TABLE s (v solo)")
        conn.execute("INSERT INTO s VALUES ('(1,a)'), (NULL)")
        conn.execute("ALTER TYPE solo DROP ATTRIBUTE p")
        conn.execute("ALTER TYPE solo ADD ATTRIBUTE r int")
        assert conn.execute("SELECT v::text FROM s ORDER BY v").fetchall() == [("(a,)",), (None,)]
        expected = conn.execute("SELECT id, c::text, cs::text, w::text, (c).day FROM t ORDER BY id").fetchall()
        assert expected[0][1] == '(1,"a b",2020-01-01)' and expected[2][1] == "(,upd,)"
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT id, c::text, cs::text, w::text, (c).day FROM t ORDER BY id").fetchall() == expected
        assert conn.execute("SELECT ((w).p).y FROM t WHERE id = 1").fetchone() == ("z",)
        assert conn.execute("SELECT v::text, (v).r FROM s ORDER BY v").fetchall() == [("(a,)", None), (None, None)]
        assert conn.execute("SELECT id FROM t ORDER BY c").fetchall() == [(1,), (3,), (2,)]
        conn.execute("INSERT INTO t VALUES (4, ROW(5, 'e', NULL), NULL, NULL)")
        assert conn.execute("SELECT (c).x FROM t WHERE id = 4").fetchone() == (5,)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute("DROP TYPE pair")


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
def test_table_row_types_survive_restart(qdb, tmp_path, how):
    """A table's row type comes back with the table (same OID, its columns as fields after ADD /
    RENAME COLUMN), and so do the columns of it in another table and their reshaped values."""
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE item (a int, b text)")
        conn.execute("CREATE TABLE box (id int, it item, its item[])")
        conn.execute("INSERT INTO box VALUES (1, ROW(1, 'x'), ARRAY[ROW(2, 'y')::item]), (2, NULL, NULL)")
        conn.execute("ALTER TABLE item ADD COLUMN c date")
        conn.execute("ALTER TABLE item RENAME COLUMN b TO bb")
        conn.execute("CREATE FUNCTION item_a(i item) RETURNS int LANGUAGE sql AS 'SELECT i.a'")
        expected = conn.execute("SELECT id, it::text, its::text, (it).bb, item_a(it) FROM box ORDER BY id").fetchall()
        assert expected[0][1:] == ("(1,x,)", '{"(2,y,)"}', "x", 1)
        oid = conn.execute("SELECT reltype FROM pg_class WHERE relname = 'item'").fetchone()[0]
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT id, it::text, its::text, (it).bb, item_a(it) FROM box ORDER BY id").fetchall() \
            == expected
        assert conn.execute("SELECT 'item'::regtype::oid, '(5,q,2020-01-02)'::item::text").fetchone() == \
            (oid, "(5,q,2020-01-02)")
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute("DROP TABLE item")
