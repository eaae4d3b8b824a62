"""pg_dump 15 both ways with user functions: functions, a procedure, a table default and CHECK
and a view calling them restore from PostgreSQL into QuantaDB and from QuantaDB into
PostgreSQL with no error, and answer the same."""

from __future__ import annotations

import shutil

import pytest
from dumping import dump_and_restore
from harness import Connection

SCHEMA = """
create schema calc;
create function calc.three() returns int language sql immutable as 'select 3';
create function add_to(a int, b int default 10) returns int language sql return a + b;
create function evens(n int) returns table(v int, sq int) language sql stable
    as $$ select g, g * g from generate_series(2, n, 2) g $$;
create table items (id int default calc.three(), qty int check (qty <> calc.three()));
insert into items (qty) values (1), (2);
create view totals as select add_to(sum(qty)::int) as total from items;
create procedure bump(by_n int) language sql as 'update items set qty = qty + by_n';
comment on function add_to(int, int) is 'adds';
revoke execute on function evens(int) from public;
"""

READ_BACK = [
    "select id, qty from items order by qty",
    "select * from totals",
    "select add_to(1), add_to(1, 2), calc.three()",
    "select * from evens(6)",
    "select proname, pg_get_function_arguments(oid), pg_get_function_result(oid), prokind, provolatile, proacl,"
    " obj_description(oid, 'pg_proc') from pg_proc where proname in ('three', 'add_to', 'evens', 'bump')"
    " order by proname",
]


@pytest.mark.parametrize("direction", ["postgres_to_quantadb", "quantadb_to_postgres"])
def test_functions_dump_and_restore(quantadb_server, postgres_server, tmp_path, direction):
    if postgres_server is None or shutil.which("pg_dump") is None:
        pytest.fail("PostgreSQL 15 and pg_dump are installed on every machine of the project")
    source, target = (postgres_server, quantadb_server) if direction == "postgres_to_quantadb" else \
        (quantadb_server, postgres_server)
    dbname = f"fdump_{direction}"
    dump_and_restore(source, target, tmp_path, dbname, SCHEMA)
    pg, qdb = Connection(postgres_server.dsn(dbname)), Connection(quantadb_server.dsn(dbname))
    try:
        for conn in (pg, qdb):
            assert conn.run("call bump(10)").sqlstate is None
        for query in READ_BACK:
            want, got = pg.run(query), qdb.run(query)
            assert want.sqlstate is None, f"postgresql: {query}: {want.message}"
            assert (got.sqlstate, got.rows) == (None, want.rows), f"{query}: {got.message}"
    finally:
        pg.close(), qdb.close()
