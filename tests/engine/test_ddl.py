"""DDL and constraints through a real server: CREATE/ALTER/DROP, defaults, serial, NOT NULL,
CHECK, UNIQUE, PRIMARY KEY, FOREIGN KEY actions, views, schemas, sequences, databases."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from psycopg import errors


@pytest.fixture
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop schema if exists ddl cascade")
        c.execute("create schema ddl")
        c.execute("set search_path = ddl, public")
        yield c


def test_create_table_with_constraints_and_defaults(conn):
    conn.execute("""create table items (
        id serial primary key,
        name varchar(10) not null,
        price numeric(8,2) default 9.99 check (price >= 0),
        code text unique)""")
    cur = conn.execute("insert into items (name, code) values ('a', 'x'), ('b', null) returning id, price")
    assert cur.fetchall() == [(1, Decimal("9.99")), (2, Decimal("9.99"))]
    with pytest.raises(errors.NotNullViolation) as e:
        conn.execute("insert into items (name) values (null)")
    assert 'column "name" of relation "items"' in str(e.value)
    with pytest.raises(errors.CheckViolation) as e:
        conn.execute("insert into items (name, price) values ('c', -1)")
    assert e.value.diag.constraint_name == "items_price_check"
    with pytest.raises(errors.UniqueViolation) as e:
        conn.execute("insert into items (name, code) values ('d', 'x')")
    assert e.value.diag.constraint_name == "items_code_key"
    assert e.value.diag.message_detail == "Key (code)=(x) already exists."
    with pytest.raises(errors.StringDataRightTruncation):
        conn.execute("insert into items (name) values ('much too long')")
    assert conn.execute("select currval('items_id_seq')").fetchone()[0] >= 2


def test_foreign_keys(conn):
    conn.execute("create table parent (id int primary key)")
    conn.execute("create table child (id int primary key, pid int references parent on delete cascade)")
    conn.execute("create table other (id int primary key, pid int references parent (id) on delete set null)")
    conn.execute("create table strict (pid int references parent)")
    conn.execute("insert into parent values (1), (2), (3)")
    conn.execute("insert into child values (10, 1), (11, 2)")
    conn.execute("insert into other values (20, 2)")
    with pytest.raises(errors.ForeignKeyViolation) as e:
        conn.execute("insert into child values (12, 99)")
    assert e.value.diag.message_detail == 'Key (pid)=(99) is not present in table "parent".'
    conn.execute("delete from parent where id = 2")
    assert conn.execute("select id from child order by id").fetchall() == [(10,)]
    assert conn.execute("select pid from other").fetchall() == [(None,)]
    conn.execute("insert into strict values (3)")
    with pytest.raises(errors.ForeignKeyViolation):
        conn.execute("delete from parent where id = 3")
    with pytest.raises(errors.DependentObjectsStillExist):
        conn.execute("drop table parent")


def test_foreign_key_actions_match_keys_as_equality_does(conn):
    """As in PostgreSQL 15: a NULL key references nothing, so deleting a parent row whose key is
    NULL leaves a child's NULL alone; NaN equals NaN; and ON UPDATE CASCADE gives each child the
    new key of its own parent, also when two parents share a column's old value."""
    conn.execute("create table p (a int unique, f float8 unique, n numeric unique)")
    conn.execute("create table c (a int references p (a) on delete cascade,"
                 " f float8 references p (f) on update cascade, n numeric references p (n))")
    conn.execute("insert into p values (null, 1, 1), (1, 'NaN', 'NaN')")
    conn.execute("insert into c values (null, null, null), (1, 'NaN', 'NaN')")
    conn.execute("delete from p where a is null")
    assert conn.execute("select count(*) from c").fetchone() == (2,)
    conn.execute("update p set f = 2 where a = 1")
    assert conn.execute("select f from c where a = 1").fetchone() == (2.0,)
    with pytest.raises(errors.ForeignKeyViolation) as e:
        conn.execute("update p set n = 5 where a = 1")
    assert str(e.value).startswith('update or delete on table "p" violates foreign key constraint "c_n_fkey"')
    assert e.value.diag.message_detail == 'Key (n)=(NaN) is still referenced from table "c".'
    conn.execute("create table p2 (a int, b int, unique (a, b))")
    conn.execute("create table c2 (a int, b int, foreign key (a, b) references p2 (a, b) on update cascade)")
    conn.execute("insert into p2 values (1, 1), (2, 1), (3, 3)")
    conn.execute("insert into c2 values (1, 1), (2, 1), (3, 3), (null, 1)")
    conn.execute("update p2 set b = case a when 1 then 5 when 2 then 6 else b end")
    assert conn.execute("select a, b from c2 order by a").fetchall() == [(1, 5), (2, 6), (3, 3), (None, 1)]


def test_alter_table(conn):
    conn.execute("create table t (a int)")
    conn.execute("insert into t values (1), (2)")
    conn.execute("alter table t add column b text default 'x' not null")
    assert conn.execute("select a, b from t order by a").fetchall() == [(1, "x"), (2, "x")]
    conn.execute("alter table t rename column b to c")
    conn.execute("alter table t add constraint t_pk primary key (a)")
    with pytest.raises(errors.UniqueViolation):
        conn.execute("insert into t values (1, 'y')")
    conn.execute("alter table t drop constraint t_pk")
    conn.execute("insert into t values (1, 'y')")
    conn.execute("alter table t drop column c")
    assert conn.execute("select * from t order by a").fetchall() == [(1,), (1,), (2,)]
    conn.execute("alter table t alter column a type bigint")
    assert conn.execute("select sum(a) from t").fetchone() == (4,)
    conn.execute("alter table t rename to t2")
    with pytest.raises(errors.UndefinedTable):
        conn.execute("select * from t")
    assert conn.execute("select count(*) from t2").fetchone() == (3,)


def test_views_sequences_indexes(conn):
    conn.execute("create table base (k int, v text)")
    conn.execute("insert into base values (1, 'one'), (2, 'two')")
    conn.execute("create view big (key) as select k from base where k > 1")
    assert conn.execute("select key from big").fetchall() == [(2,)]
    conn.execute("create sequence s start 10 increment by 5")
    assert [conn.execute("select nextval('s')").fetchone()[0] for _ in range(3)] == [10, 15, 20]
    conn.execute("create index base_k on base (k)")
    conn.execute("create unique index base_v on base (v)")
    with pytest.raises(errors.UniqueViolation):
        conn.execute("insert into base values (3, 'one')")
    plan = "\n".join(r[0] for r in conn.execute("explain select * from base where k = 2"))
    assert "Index Scan using base_k" in plan
    conn.execute("drop index base_k")
    conn.execute("drop view big")
    conn.execute("drop table if exists base, nothing_here")


def test_if_exists_and_duplicates(conn):
    conn.execute("create table dup (a int)")
    with pytest.raises(errors.DuplicateTable):
        conn.execute("create table dup (a int)")
    conn.execute("create table if not exists dup (a int)")
    conn.execute("drop table if exists never_was")
    with pytest.raises(errors.UndefinedTable):
        conn.execute("drop table never_was")
    with pytest.raises(errors.WrongObjectType):
        conn.execute("drop view dup")


def test_transactional_ddl(conn):
    conn.execute("begin")
    conn.execute("create table ephemeral (a int)")
    conn.execute("insert into ephemeral values (1)")
    conn.execute("rollback")
    with pytest.raises(errors.UndefinedTable):
        conn.execute("select * from ephemeral")


def test_create_table_as_and_truncate(conn):
    conn.execute("create table src as select g as n, g * 2 as doubled from generate_series(1, 5) g")
    assert conn.execute("select sum(doubled) from src").fetchone() == (30,)
    conn.execute("truncate src")
    assert conn.execute("select count(*) from src").fetchone() == (0,)


def test_select_into_and_create_table_as_with_no_data(conn):
    """SELECT ... INTO [TEMP] t creates the table (it returned the rows instead), through the simple
    protocol too; WITH NO DATA makes the columns only. Tags as PostgreSQL 15's."""
    conn.execute("create table si (a int, b text)")
    conn.execute("insert into si values (1, 'x'), (2, 'y'), (3, 'z')")
    simple = psycopg.ClientCursor(conn)
    assert simple.execute("select a into temp si_t from si where a < 3").statusmessage == "SELECT 2"
    assert conn.execute("select a, b into si_p from si where b > 'x'").statusmessage == "SELECT 2"
    assert conn.execute("select array_agg(a order by a) from si_t").fetchone() == ([1, 2],)
    assert conn.execute("select * from si_p order by a").fetchall() == [(2, "y"), (3, "z")]
    assert conn.execute("create table si_e as select a, b from si with no data").statusmessage == "CREATE TABLE AS"
    assert conn.execute("select count(*) from si_e").fetchone() == (0,)
    assert conn.execute("select column_name from information_schema.columns where table_name = 'si_e' "
                        "order by ordinal_position").fetchall() == [("a",), ("b",)]
    assert conn.execute("create table if not exists si_e as select 1").statusmessage == "CREATE TABLE AS"
    with pytest.raises(errors.DuplicateTable):
        conn.execute("select a into si_p from si")


def test_databases(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop database if exists other_db")
        c.execute("create database other_db")
        with pytest.raises(errors.DuplicateDatabase):
            c.execute("create database other_db")
    with psycopg.connect(server.conninfo(dbname="other_db"), autocommit=True) as c:
        c.execute("create table only_here (a int)")
        assert c.execute("select current_database()").fetchone() == ("other_db",)
    with psycopg.connect(server.dsn, autocommit=True) as c:
        with pytest.raises(errors.UndefinedTable):
            c.execute("select * from only_here")
        c.execute("drop database other_db")
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(server.conninfo(dbname="other_db"))
    assert "does not exist" in str(e.value)


def test_comments_on_tables_and_columns(conn):
    conn.execute("create table notes (id int, body text)")
    conn.execute("comment on table notes is 'field notes'")
    conn.execute("comment on column notes.body is 'the text'")
    conn.execute("comment on column ddl.notes.id is 'key'")
    conn.execute("comment on column notes.id is null")
    assert conn.execute("select obj_description('notes'::regclass, 'pg_class'), "
                        "col_description('notes'::regclass, 2), col_description('notes'::regclass, 1)"
                        ).fetchone() == ("field notes", "the text", None)
    assert conn.execute("select objsubid, description from pg_description where objoid = 'notes'::regclass "
                        "order by objsubid").fetchall() == [(0, "field notes"), (2, "the text")]
    with pytest.raises(errors.UndefinedColumn):
        conn.execute("comment on column notes.nope is 'x'")
    with pytest.raises(errors.UndefinedTable):
        conn.execute("comment on column nope.id is 'x'")


def test_named_column_constraints_keep_their_names(conn):
    conn.execute("create table named (id int constraint named_id primary key, "
                 "code text constraint code_once unique, n int constraint n_positive check (n > 0))")
    names = conn.execute("select conname from pg_constraint where conrelid = 'named'::regclass "
                         "order by conname").fetchall()
    assert names == [("code_once",), ("n_positive",), ("named_id",)]


@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
def test_materialized_view_survives_restart(start_quantadb, stop):
    srv = start_quantadb()
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        c.execute("create table mvsrc (a int)")
        c.execute("insert into mvsrc select generate_series(1, 5)")
        c.execute("create materialized view mvr as select a * 10 as b from mvsrc")
        c.execute("create index mvr_b on mvr (b)")
        c.execute("insert into mvsrc values (6)")
        c.execute("refresh materialized view mvr")
    if stop == "sigterm":
        assert srv.stop() == 0
    else:
        srv.kill9()
    again = start_quantadb(data_dir=srv.data_dir)
    with psycopg.connect(again.dsn) as c:
        assert c.execute("select b from mvr order by b").fetchall() == [(b * 10,) for b in range(1, 7)]
        assert c.execute("select b from mvr where b = 30").fetchall() == [(30,)]


def test_index_on_a_view_is_refused_and_the_data_directory_still_restarts(start_quantadb):
    srv = start_quantadb()
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        c.execute("create table ixbase (a int)")
        c.execute("create view ixview as select a from ixbase")
        with pytest.raises(errors.WrongObjectType) as e:
            c.execute("create index on ixview (a)")
        assert e.value.diag.message_primary == 'cannot create index on relation "ixview"'
        assert e.value.diag.message_detail == "This operation is not supported for views."
    srv.kill9()
    again = start_quantadb(data_dir=srv.data_dir)
    with psycopg.connect(again.dsn) as c:
        assert c.execute("select count(*) from ixview").fetchone() == (0,)


def test_indexes_on_arrays_and_jsonb(conn):
    """Array and jsonb values are lists, dicts and mixed kinds: an index keys them in their
    type's order (they made CREATE INDEX and every later INSERT fail with XX000)."""
    conn.execute("create table docs (id int, tags int[], body jsonb, born date unique)")
    conn.execute("""insert into docs values (1, '{1,2}', '1', '2020-01-01'), (2, '{3}', '"s"', '2020-01-02'),
                    (3, '{3,null}', '{"a": 1}', '2020-01-03'), (4, null, '[]', '2020-01-04')""")
    conn.execute("create index on docs (tags)")
    conn.execute("create unique index docs_body on docs (body)")
    conn.execute("""insert into docs values (5, '{5}', '{"a": [1, {"b": null}]}', '2020-01-05')""")
    assert conn.execute("select id from docs where tags = '{3,NULL}'").fetchall() == [(3,)]
    assert conn.execute("""select id from docs where body = '{"a": [1, {"b": null}]}'""").fetchall() == [(5,)]
    # jsonb's btree order: object > array > boolean > number > string > null, [] lowest
    assert conn.execute("select id from docs where body > '1' order by body").fetchall() == [(3,), (5,)]
    assert conn.execute("select id from docs order by tags nulls first").fetchall() == \
        [(4,), (1,), (2,), (3,), (5,)]
    with pytest.raises(errors.UniqueViolation) as e:
        conn.execute("""insert into docs values (6, '{6}', '{"a": 1.0}', '2020-01-06')""")  # equals {"a": 1}
    assert e.value.diag.message_detail == 'Key (body)=({"a": 1.0}) already exists.'
    with pytest.raises(errors.UniqueViolation) as e:
        conn.execute("""insert into docs values (7, '{7}', '7', '2020-01-01')""")
    assert e.value.diag.message_detail == "Key (born)=(2020-01-01) already exists."
    conn.execute("insert into docs values (8, '{3}', '8', '2020-01-08')")
    with pytest.raises(errors.UniqueViolation) as e:
        conn.execute("create unique index on docs (tags)")
    assert e.value.diag.message_detail == "Key (tags)=({3}) is duplicated."


def test_relation_sizes_count_indexes(conn):
    conn.execute("create table sized (id int primary key, v text)")
    conn.execute("create view sized_view as select * from sized")
    conn.execute("insert into sized select g, 'x' || g from generate_series(1, 1000) g")
    table, indexes, total, index, view = conn.execute(
        "select pg_relation_size('sized'), pg_indexes_size('sized'), pg_total_relation_size('sized'), "
        "pg_relation_size('sized_pkey'), pg_relation_size('sized_view')").fetchone()
    assert table > 0 and indexes > 0 and index == indexes and total == table + indexes
    assert view == 0
