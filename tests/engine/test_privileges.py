"""Table and schema privileges as PostgreSQL 15 enforces them: owners and superusers may do
anything, other roles what GRANT gave them (42501 otherwise), views read with their owner's
rights; PUBLIC may use but not create in the public schema."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors


@pytest.fixture(scope="module")
def setup(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop role if exists priv_bob")
        c.execute("create role priv_bob login")
        c.execute("drop table if exists priv_t")
        c.execute("create table priv_t (id int primary key, secret text)")
        c.execute("insert into priv_t values (1, 'x')")
        c.execute("drop view if exists priv_v")
        c.execute("create view priv_v as select id from priv_t")
    return server


def bob(server):
    return psycopg.connect(server.conninfo(user="priv_bob"), autocommit=True)


def test_no_privilege_no_access(setup):
    with bob(setup) as c:
        with pytest.raises(errors.InsufficientPrivilege) as e:
            c.execute("select * from priv_t")
        assert str(e.value) == "permission denied for table priv_t"
        with pytest.raises(errors.InsufficientPrivilege):
            c.execute("insert into priv_t values (2, 'y')")
        with pytest.raises(errors.InsufficientPrivilege) as e:
            c.execute("drop table priv_t")
        assert str(e.value) == "must be owner of table priv_t"


def test_grant_and_revoke(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant select, insert on table priv_t to priv_bob")
        acl = admin.execute("select relacl::text from pg_class where relname = 'priv_t'").fetchone()[0]
        assert "priv_bob=ar/postgres" in acl
        with bob(setup) as c:
            assert c.execute("select id from priv_t where id = 1").fetchall() == [(1,)]
            c.execute("insert into priv_t values (3, 'z')")
            with pytest.raises(errors.InsufficientPrivilege):
                c.execute("update priv_t set secret = 'w' where id = 3")
            with pytest.raises(errors.InsufficientPrivilege):
                c.execute("truncate priv_t")
        admin.execute("revoke insert on priv_t from priv_bob")
        with bob(setup) as c:
            with pytest.raises(errors.InsufficientPrivilege):
                c.execute("insert into priv_t values (4, 'q')")
            assert c.execute("select count(*) from priv_t where id in (1, 3, 4)").fetchone() == (2,)
        admin.execute("revoke all on priv_t from priv_bob")


def test_view_reads_with_its_owners_rights(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant select on priv_v to public")
    with bob(setup) as c:
        assert (1,) in c.execute("select id from priv_v order by id").fetchall()
        with pytest.raises(errors.InsufficientPrivilege):
            c.execute("select * from priv_t")


def test_owner_has_every_privilege(setup):
    with bob(setup) as c:
        with pytest.raises(errors.InsufficientPrivilege) as e:
            c.execute("create table bobs (a int)")
        assert str(e.value) == "permission denied for schema public"
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant create on schema public to priv_bob")
    with bob(setup) as c:
        c.execute("drop table if exists bobs")
        c.execute("create table bobs (a int)")
        c.execute("insert into bobs values (1)")
        c.execute("truncate bobs")
        c.execute("drop table bobs")


def test_has_table_privilege_reports_the_acl(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant select on priv_v to priv_bob")
        q = "select has_table_privilege('priv_bob', %s, %s)"
        assert admin.execute(q, ("priv_v", "SELECT")).fetchone() == (True,)
        assert admin.execute(q, ("priv_t", "select, insert")).fetchone() == (False,)
        assert admin.execute("select has_table_privilege('priv_t', 'DELETE')").fetchone() == (True,)  # superuser
        with pytest.raises(errors.UndefinedObject):
            admin.execute("select has_table_privilege('nobody_here', 'priv_t', 'SELECT')")
        with pytest.raises(errors.InvalidParameterValue):
            admin.execute(q, ("priv_t", "SELE CT"))
        with pytest.raises(errors.UndefinedTable):
            admin.execute(q, ("no_such_table", "SELECT"))


def test_schema_usage_and_create(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("drop schema if exists priv_s cascade")
        admin.execute("create schema priv_s")
        admin.execute("create table priv_s.inside (a int)")
        admin.execute("grant select on priv_s.inside to priv_bob")
        assert admin.execute("select nspacl from pg_namespace where nspname = 'priv_s'").fetchone() == (None,)
        assert admin.execute("select has_schema_privilege('priv_bob', 'priv_s', 'usage'), "
                             "has_schema_privilege('priv_bob', 'pg_catalog', 'USAGE'), "
                             "has_schema_privilege('priv_bob', 'public', 'usage, create')").fetchone() \
            == (False, True, True)
        with pytest.raises(errors.InvalidSchemaName):
            admin.execute("select has_schema_privilege('priv_bob', 'no_such_schema', 'usage')")
        with pytest.raises(errors.InvalidParameterValue):
            admin.execute("select has_schema_privilege('priv_bob', 'priv_s', 'select')")
        with pytest.raises(errors.InvalidGrantOperation):
            admin.execute("grant select on schema priv_s to priv_bob")
        with pytest.raises(errors.SyntaxError):
            admin.execute("grant frobnicate on schema priv_s to priv_bob")
        with pytest.raises(errors.InvalidSchemaName):
            admin.execute("grant usage on schema no_such_schema to priv_bob")
    with bob(setup) as c:
        with pytest.raises(errors.InsufficientPrivilege) as e:
            c.execute("select * from priv_s.inside")
        assert str(e.value) == "permission denied for schema priv_s"
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant usage on schema priv_s to priv_bob")
        assert admin.execute("select nspacl from pg_namespace where nspname = 'priv_s'").fetchone() == (
            ["postgres=UC/postgres", "priv_bob=U/postgres"],)
    with bob(setup) as c:
        assert c.execute("select count(*) from priv_s.inside").fetchone() == (0,)
        with pytest.raises(errors.InsufficientPrivilege) as e:
            c.execute("create table priv_s.mine (a int)")
        assert str(e.value) == "permission denied for schema priv_s"
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant create on schema priv_s to priv_bob")
    with bob(setup) as c:
        c.execute("create table priv_s.mine (a int)")
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("revoke all on schema priv_s from priv_bob")
    with bob(setup) as c:
        with pytest.raises(errors.InsufficientPrivilege):
            c.execute("select count(*) from priv_s.inside")


def test_sequence_privileges(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("drop table if exists priv_serial, priv_ident")
        admin.execute("create table priv_serial (id serial, v text)")
        admin.execute("create table priv_ident (id int generated always as identity, v text)")
        admin.execute("grant insert, select on priv_serial, priv_ident to priv_bob")
        assert admin.execute("select has_sequence_privilege('priv_bob', 'priv_serial_id_seq', 'usage')"
                             ).fetchone() == (False,)
    with bob(setup) as c:
        with pytest.raises(errors.InsufficientPrivilege) as e:
            c.execute("insert into priv_serial (v) values ('a')")
        assert str(e.value) == "permission denied for sequence priv_serial_id_seq"
        c.execute("insert into priv_ident (v) values ('a')")  # identity columns need no grant
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant usage on sequence priv_serial_id_seq to priv_bob")
        assert admin.execute("select relacl from pg_class where relname = 'priv_serial_id_seq'").fetchone() == (
            ["postgres=rwU/postgres", "priv_bob=U/postgres"],)
        with pytest.raises(errors.InvalidGrantOperation):
            admin.execute("grant insert on sequence priv_serial_id_seq to priv_bob")
    with bob(setup) as c:
        c.execute("insert into priv_serial (v) values ('a')")
        assert c.execute("select currval('priv_serial_id_seq')").fetchone() == (1,)
        with pytest.raises(errors.InsufficientPrivilege):
            c.execute("select setval('priv_serial_id_seq', 10)")


def test_database_privileges(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("drop database if exists priv_db")
        admin.execute("create database priv_db")
        assert admin.execute("select datacl from pg_database where datname = 'priv_db'").fetchone() == (None,)
        assert admin.execute("select has_database_privilege('priv_bob', 'priv_db', 'connect, create')").fetchone() \
            == (True,)
        admin.execute("revoke connect on database priv_db from public")
        assert admin.execute("select datacl from pg_database where datname = 'priv_db'").fetchone() == (
            ["=T/postgres", "postgres=CTc/postgres"],)
    with pytest.raises(psycopg.OperationalError, match='permission denied for database "priv_db"'):
        psycopg.connect(setup.conninfo(user="priv_bob", dbname="priv_db"))
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant connect on database priv_db to priv_bob")
    with psycopg.connect(setup.conninfo(user="priv_bob", dbname="priv_db"), autocommit=True) as c:
        with pytest.raises(errors.InsufficientPrivilege) as e:
            c.execute("create schema bobs_things")
        assert str(e.value) == "permission denied for database priv_db"
        with pytest.raises(errors.InsufficientPrivilege):
            c.execute("create database bobs_db")
        with pytest.raises(errors.InsufficientPrivilege):
            c.execute("drop database postgres")
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("grant create on database priv_db to priv_bob")
    with psycopg.connect(setup.conninfo(user="priv_bob", dbname="priv_db"), autocommit=True) as c:
        c.execute("create schema bobs_things")
        c.execute("create table bobs_things.t (a int)")  # the schema's owner may create in it
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        admin.execute("drop database priv_db")


def test_template_databases(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        assert admin.execute("select datname, datistemplate, datallowconn, datacl from pg_database "
                             "where datname like 'template%' order by 1").fetchall() == [
            ("template0", True, False, ["=c/postgres", "postgres=CTc/postgres"]),
            ("template1", True, True, ["=c/postgres", "postgres=CTc/postgres"])]
        with pytest.raises(errors.WrongObjectType):
            admin.execute("drop database template1")
    with pytest.raises(psycopg.OperationalError, match='database "template0" is not currently accepting connections'):
        psycopg.connect(setup.conninfo(dbname="template0"))
    with psycopg.connect(setup.conninfo(dbname="template1")) as c:
        assert c.execute("select current_database()").fetchone() == ("template1",)


def test_predefined_roles(setup):
    with psycopg.connect(setup.dsn, autocommit=True) as admin:
        names = {r[0] for r in admin.execute("select rolname from pg_roles where not rolcanlogin").fetchall()}
        assert {"pg_monitor", "pg_signal_backend", "pg_read_all_data", "pg_database_owner"} <= names
        with pytest.raises(errors.ReservedName):
            admin.execute("create role pg_mine")
        with pytest.raises(errors.ReservedName):
            admin.execute("alter role pg_monitor login")
        with pytest.raises(errors.DependentObjectsStillExist):
            admin.execute("drop role pg_monitor")
