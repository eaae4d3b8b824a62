"""Temporary tables as in PostgreSQL: private to their session, found before search_path,
gone when the session ends, ON COMMIT DROP / DELETE ROWS / PRESERVE ROWS."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors


def connect(server):
    return psycopg.connect(server.dsn, autocommit=True)


def test_temp_table_is_private_and_shadows_a_permanent_one(server):
    with connect(server) as admin:
        admin.execute("drop table if exists tt_shadow")
        admin.execute("create table tt_shadow (a int)")
        admin.execute("insert into tt_shadow values (1)")
    with connect(server) as a, connect(server) as b:
        a.execute("create temp table tt_shadow (a int, b text)")
        a.execute("insert into tt_shadow values (2, 'mine')")
        assert a.execute("select * from tt_shadow").fetchall() == [(2, "mine")]
        assert a.execute("select * from pg_temp.tt_shadow").fetchall() == [(2, "mine")]
        assert a.execute("select * from public.tt_shadow").fetchall() == [(1,)]
        assert b.execute("select * from tt_shadow").fetchall() == [(1,)]  # b has no temp table
        schema, persistence = a.execute(
            "select n.nspname, c.relpersistence from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where c.oid = 'tt_shadow'::regclass").fetchone()
        assert schema.startswith("pg_temp_") and persistence == "t"
        assert a.execute("select pg_my_temp_schema()::regnamespace::text").fetchone() == (schema,)
        assert b.execute("select pg_is_other_temp_schema(%s::regnamespace)", (schema,)).fetchone() == (True,)
        # the same statement text in two sessions must not share a plan
        assert b.execute("select count(*) from tt_shadow").fetchone() == (1,)
        assert a.execute("select count(*) from tt_shadow").fetchone() == (1,)
    with connect(server) as c:
        assert c.execute("select count(*) from pg_class where relname = 'tt_shadow'").fetchone() == (1,)
        assert c.execute("select count(*) from pg_namespace where nspname = %s", (schema,)).fetchone() == (0,)


def test_on_commit_actions(server):
    with connect(server) as c:
        c.execute("begin")
        c.execute("create temp table tt_drop (a int) on commit drop")
        c.execute("insert into tt_drop values (1)")
        assert c.execute("select count(*) from tt_drop").fetchone() == (1,)
        c.execute("commit")
        with pytest.raises(errors.UndefinedTable):
            c.execute("select * from tt_drop")
        c.execute("create temp table tt_rows (a serial, b int) on commit delete rows")
        c.execute("begin")
        c.execute("insert into tt_rows (b) values (1), (2)")
        assert c.execute("select count(*) from tt_rows").fetchone() == (2,)
        c.execute("commit")
        assert c.execute("select count(*) from tt_rows").fetchone() == (0,)
        c.execute("create temp table tt_keep (a int) on commit preserve rows")
        c.execute("insert into tt_keep values (1)")
        assert c.execute("select count(*) from tt_keep").fetchone() == (1,)
        c.execute("create temporary table tt_as as select 1 as x")
        assert c.execute("select x from tt_as").fetchall() == [(1,)]
        with pytest.raises(errors.InvalidTableDefinition):
            c.execute("create table tt_bad (a int) on commit drop")


def test_on_commit_delete_rows_empties_what_each_transaction_wrote(server):
    """As PostgreSQL 15: rows written outside a block are gone when the next statement (an
    autocommit read, a point read) looks; statements of one implicit transaction (a multi-statement
    Query, a pipeline) see them; so does nothing after a SQL function's body wrote them."""
    with connect(server) as c:
        c.execute("create temp table tt_each (a int primary key) on commit delete rows")
        c.execute("create function pg_temp.tt_each_add(v int) returns void language sql as "
                  "'insert into pg_temp.tt_each values (v)'")
        assert c.execute("insert into tt_each values (1) returning a").fetchall() == [(1,)]
        assert c.execute("select count(*) from tt_each").fetchone() == (0,)
        assert c.execute("select * from tt_each where a = 1").fetchall() == []
        cur = c.execute("insert into tt_each values (2); select count(*) from tt_each")
        cur.nextset()
        assert cur.fetchall() == [(1,)]
        with c.pipeline():
            c.execute("insert into tt_each values (3)")
            cur = c.execute("select count(*) from tt_each")
        assert cur.fetchall() == [(1,)]
        c.execute("select pg_temp.tt_each_add(4)")
        assert c.execute("select count(*) from tt_each").fetchone() == (0,)


def test_rolled_back_temp_schema_is_made_again(server):
    with connect(server) as c:
        c.execute("begin")
        c.execute("create temp table tt_first (a int)")
        c.execute("rollback")
        c.execute("create temp table tt_second (a int)")
        c.execute("insert into tt_second values (1)")
        assert c.execute("select count(*) from tt_second").fetchone() == (1,)


def test_temp_tables_survive_no_restart(start_quantadb):
    srv = start_quantadb()
    c = psycopg.connect(srv.dsn, autocommit=True)
    c.execute("create temp table tt_crash (a int)")
    c.execute("insert into tt_crash values (1)")
    srv.kill9()
    c.close()
    again = start_quantadb(data_dir=srv.data_dir)
    with psycopg.connect(again.dsn) as c2:
        assert c2.execute("select count(*) from pg_class where relname = 'tt_crash'").fetchone() == (0,)
        assert c2.execute("select count(*) from pg_namespace where nspname like 'pg_temp_%'").fetchone() == (0,)


def test_discard_drops_temporary_tables(server):
    with connect(server) as c:
        c.execute("create temp table tt_discard (a serial)")
        c.execute("create temp table tt_discard2 (a int) on commit delete rows")
        c.execute("discard temp")
        with pytest.raises(errors.UndefinedTable):
            c.execute("select * from tt_discard")
        c.execute("create temp table tt_discard (a int)")
        c.execute("discard all")
        with pytest.raises(errors.UndefinedTable):
            c.execute("select * from tt_discard")
        assert c.execute("select count(*) from pg_class where relname like 'tt_discard%'").fetchone() == (0,)
