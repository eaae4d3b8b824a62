"""pg_dump 15 both ways with enum types and domains: types (one in another schema, one with labels added
BEFORE/AFTER: PostgreSQL refuses a new label in the transaction that added it, and psql -c runs
one), columns and arrays of them, a default and a CHECK using them, domains with NOT NULL, DEFAULT and
CHECKs (named, renamed, added by ALTER DOMAIN, one NOT VALID), a domain over a domain and an array of a
domain, a function over the types (pg_dump's empty search path: its arguments schema-qualified), restore from
PostgreSQL into QuantaDB and from QuantaDB into PostgreSQL with no error, and answer the same; the same
with tables' row types used by other tables, a function and a composite type."""

from __future__ import annotations

import shutil

import pytest
from dumping import dump_and_restore
from harness import Connection

SCHEMA = """
create schema paint;
create type paint.color as enum ('red', 'green', 'blue');
create type mood as enum ('sad', 'ok', 'happy');
alter type mood add value 'meh' before 'ok';
alter type mood add value 'ecstatic' after 'happy';
create table people (id int primary key, m mood default 'ok' check (m <> 'sad'), c paint.color, past mood[]);
insert into people values (1, 'happy', 'blue', '{sad,happy}'), (2, 'happy', null, null), (3, default, 'red', '{}');
comment on type mood is 'how one feels';
create domain posint as integer constraint positive check (value > 0);
create domain paint.code as varchar(8) not null default 'none' check (value <> 'bad');
create table stock (n posint, c paint.code);
insert into stock values (1, 'a'), (2, default);
alter domain posint add constraint small check (value < 1000) not valid;
alter domain posint add check (value <> 13);
alter domain posint set default 5;
alter domain paint.code rename constraint code_check to not_bad;
create domain small as posint check (value < 100);
create table tally (s small, many posint[], moods mood[]);
insert into tally values (50, '{1,2}', '{ok,happy}'), (default, null, null);
create function cheer(m mood, c paint.color) returns mood language sql as $$ select m $$;
"""

READ_BACK = [
    "select id, m, c, past from people order by m, id",
    "select enum_range(null::mood)::text, enum_range(null::paint.color)::text",
    "select t.typname, n.nspname, t.typtype, obj_description(t.oid, 'pg_type') from pg_type t"
    " join pg_namespace n on n.oid = t.typnamespace where t.typname in ('mood', 'color', '_mood') order by 1",
    "select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid"
    " where t.typname = 'mood' order by e.enumsortorder",
    "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'people'::regclass"
    " and attnum > 0 order by attnum",
    "select * from stock order by n",
    "select s, many::text, moods::text from tally order by s",
    "select cheer('ok', 'red'), pg_get_function_arguments('cheer'::regproc)",
    "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'tally'::regclass and attnum > 0"
    " order by attnum",
    "select typname, typbasetype::regtype, typdefault from pg_type where typname = 'small'",
    "select t.typname, c.conname, c.convalidated, pg_get_constraintdef(c.oid), t.typdefault from pg_constraint c"
    " join pg_type t on t.oid = c.contypid where t.typname in ('posint', 'code') order by 1, 2",
    "select t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull, c.conname"
    " from pg_type t left join pg_constraint c on c.contypid = t.oid where t.typtype = 'd'"
    " and t.typname in ('posint', 'code') order by 1, 5",
]


def _restored(quantadb_server, postgres_server, tmp_path, direction: str, dbname: str, schema: str,
              read_back: list[str]) -> tuple[Connection, Connection]:
    """`schema` dumped one way and restored; `read_back` answers the same on both: the connections."""
    if postgres_server is None or shutil.which("pg_dump") is None:
        pytest.fail("PostgreSQL 15 and pg_dump are installed on every machine of the project")
    source, target = (postgres_server, quantadb_server) if direction == "postgres_to_quantadb" else \
        (quantadb_server, postgres_server)
    dump_and_restore(source, target, tmp_path, dbname, schema)
    pg, qdb = Connection(postgres_server.dsn(dbname)), Connection(quantadb_server.dsn(dbname))
    for query in read_back:
        want, got = pg.run(query), qdb.run(query)
        assert want.sqlstate is None, f"postgresql: {query}: {want.message}"
        assert (got.sqlstate, got.rows) == (None, want.rows), f"{query}: {got.message}"
    return pg, qdb


@pytest.mark.parametrize("direction", ["postgres_to_quantadb", "quantadb_to_postgres"])
def test_enum_types_dump_and_restore(quantadb_server, postgres_server, tmp_path, direction):
    pg, qdb = _restored(quantadb_server, postgres_server, tmp_path, direction, f"tdump_{direction}", SCHEMA, READ_BACK)
    try:
        for conn in (pg, qdb):
            assert conn.run("insert into people values (9, 'sad')").sqlstate == "23514"
            assert conn.run("insert into stock values (0, 'x')").sqlstate == "23514"
            assert conn.run("insert into stock values (3, 'bad')").sqlstate == "23514"
            assert conn.run("insert into stock values (13, 'x')").sqlstate == "23514"
            assert conn.run("insert into tally values (100)").sqlstate == "23514"
            assert conn.run("insert into tally values (1, '{1,-1}')").sqlstate == "23514"
            assert conn.run("insert into stock values (3, null)").sqlstate == "23502"
    finally:
        pg.close(), qdb.close()


ROW_SCHEMA = """
create table point2 (x int, y text);
insert into point2 values (1, 'a');
create table holder (id int, p point2, ps point2[]);
insert into holder values (1, row(2, 'b'), array[row(3, 'c')::point2]), (2, null, null);
create function px(p point2) returns int language sql as $$ select p.x $$;
create type wrap as (inner_p point2, n int);
create table wraps (w wrap);
insert into wraps values (row(row(4, 'd'), 5));
create view pv as select * from point2;
"""

ROW_READ_BACK = [
    "select id, p, ps, px(p), (p).y from holder order by id",
    "select w, (w).inner_p.y from wraps",
    "select pv from pv",
    "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'holder'::regclass"
    " and attnum > 0 order by attnum",
    "select t.typname, t.typtype, c.relname, c.relkind from pg_type t join pg_class c on c.oid = t.typrelid"
    " where t.typname in ('point2', 'wrap', 'pv', 'holder') order by 1",
]


@pytest.mark.parametrize("direction", ["postgres_to_quantadb", "quantadb_to_postgres"])
def test_table_row_types_dump_and_restore(quantadb_server, postgres_server, tmp_path, direction):
    """A table's row type used by another table's columns (and an array of it), a function and a
    composite type: pg_dump orders the table before them (pg_depend) and both servers restore it."""
    pg, qdb = _restored(quantadb_server, postgres_server, tmp_path, direction, f"trowdump_{direction}",
                        ROW_SCHEMA, ROW_READ_BACK)
    pg.close(), qdb.close()
