"""User functions as catalog objects: they survive a restart (from the WAL alone and from a
checkpoint), belong to one database, and psql's \\df and \\sf show them."""

from __future__ import annotations

import subprocess
import threading

import psycopg
import pytest
from psycopg import errors


@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
def test_functions_survive_restart(start_quantadb, stop):
    srv = start_quantadb()
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        c.execute("create function before_cp(x int) returns int language sql immutable as 'select x + 1'")
        c.execute("checkpoint")
        c.execute("create function after_cp(x int) returns setof int language sql"
                  " as 'select g from generate_series(1, x) g'")
        c.execute("create procedure gone_proc() language sql as 'select 1'")
        c.execute("drop procedure gone_proc")
        c.execute("begin")
        c.execute("drop function before_cp")
        c.execute("create function rolled_back() returns int language sql as 'select 1'")
        c.execute("rollback")
        c.execute("create database other")
    if stop == "sigterm":
        assert srv.stop() == 0
    else:
        srv.kill9()
    again = start_quantadb(data_dir=srv.data_dir)
    with psycopg.connect(again.dsn, autocommit=True) as c:
        assert c.execute("select before_cp(1), (select sum(a) from after_cp(4) a)").fetchone() == (2, 10)
        names = c.execute("select proname from pg_proc where oid >= 16384 order by 1").fetchall()
        assert names == [("after_cp",), ("before_cp",)]
        with pytest.raises(errors.UndefinedFunction):
            c.execute("select rolled_back()")
    with psycopg.connect(again.dsn.replace("dbname=postgres", "dbname=other"), autocommit=True) as c:
        with pytest.raises(errors.UndefinedFunction):  # each database has its own functions
            c.execute("select before_cp(1)")


def test_psql_describes_functions(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop schema if exists dfs cascade")
        c.execute("create schema dfs")
        c.execute("create function dfs.area(w int, h int default 2) returns int language sql immutable"
                  " as 'select w * h'")
        c.execute("create procedure dfs.noop(x int) language sql as 'select x'")
    result = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", server.host, "-p", str(server.port),
                             "-U", "postgres", "-d", "postgres", "-c", "\\df dfs.*", "-c", "\\sf dfs.area"],
                            text=True, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert " dfs    | area | integer          | w integer, h integer DEFAULT 2 | func" in lines
    assert " dfs    | noop |                  | IN x integer                   | proc" in lines
    assert "CREATE OR REPLACE FUNCTION dfs.area(w integer, h integer DEFAULT 2)" in lines
    assert " IMMUTABLE" in lines and "AS $function$select w * h$function$" in lines


def test_concurrent_create_of_one_signature_waits_then_fails(server):
    """A CREATE FUNCTION meeting another transaction's uncommitted one of that name waits for
    it, then finds it (42723), as PostgreSQL's unique index on pg_proc makes it do."""
    outcome: dict[str, object] = {}
    with psycopg.connect(server.dsn) as first, psycopg.connect(server.dsn, autocommit=True) as second:
        first.execute("create function racing(int) returns int language sql as 'select 1'")

        def create_again() -> None:
            try:
                second.execute("create function racing(int) returns int language sql as 'select 2'")
                outcome["second"] = "created"
            except errors.DuplicateFunction as e:
                outcome["second"] = str(e)

        worker = threading.Thread(target=create_again)
        worker.start()
        first.commit()
        worker.join(30)
        assert outcome == {"second": 'function "racing" already exists with same argument types'}
        assert second.execute("select racing(0)").fetchone() == (1,)
        second.execute("drop function racing(int)")


def test_errors_in_bodies_name_the_function_and_statement(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop function if exists outer_dz(int), dz(int)")
        c.execute("create function dz(int) returns int language sql as 'select 10 / $1 from (values (1)) v'")
        c.execute("create function outer_dz(int) returns int language sql"
                  " as 'select 1 from (values (1)) v; select dz($1)'")
        with pytest.raises(errors.DivisionByZero) as e:
            c.execute("select outer_dz(0)")
        assert e.value.diag.context == 'SQL function "dz" statement 1\nSQL function "outer_dz" statement 2'
        c.execute("drop function outer_dz(int), dz(int)")
