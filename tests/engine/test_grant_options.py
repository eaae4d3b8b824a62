"""GRANT ... WITH GRANT OPTION and what follows from it, as PostgreSQL 15 does it (checked
statement by statement against it): the `*` in aclitems, has_*_privilege(... WITH GRANT OPTION),
grants made on by a grantee, the warnings for privileges a role cannot grant, REVOKE GRANT
OPTION FOR and CASCADE, GRANTED BY, and information_schema.table_privileges."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

ROLES = ("go_alice", "go_bob", "go_carol")


@pytest.fixture()
def table(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop table if exists go_t")
        for role in ROLES:
            c.execute(f"drop role if exists {role}")
            c.execute(f"create role {role} login")
        c.execute("create table go_t (id int)")
    yield server
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop table if exists go_t")


def as_role(server, role: str) -> psycopg.Connection:
    return psycopg.connect(server.conninfo(user=role), autocommit=True)


def acl(conn) -> str:
    return conn.execute("select relacl::text from pg_class where relname = 'go_t'").fetchone()[0]


def notices(conn) -> list[str]:
    seen: list[str] = []
    conn.add_notice_handler(lambda d: seen.append(f"{d.severity_nonlocalized} {d.sqlstate} {d.message_primary}"))
    return seen


def test_grant_option_shows_in_the_acl_and_in_has_table_privilege(table):
    with psycopg.connect(table.dsn, autocommit=True) as admin:
        admin.execute("grant select on go_t to go_alice")
        admin.execute("grant insert, update on go_t to go_alice with grant option")
        assert acl(admin) == "{postgres=arwdDxt/postgres,go_alice=a*rw*/postgres}"
        row = admin.execute(
            "select has_table_privilege('go_alice', 'go_t', 'INSERT WITH GRANT OPTION'),"
            " has_table_privilege('go_alice', 'go_t', 'SELECT WITH GRANT OPTION'),"
            " has_table_privilege('go_alice', 'go_t', 'select with grant option, insert'),"
            " has_table_privilege('postgres', 'go_t', 'DELETE WITH GRANT OPTION'),"
            " has_any_column_privilege('go_alice', 'go_t', 'update with grant option')").fetchone()
        assert row == (True, False, True, True, True)
        with pytest.raises(errors.InvalidGrantOperation, match="grant options can only be granted to roles"):
            admin.execute("grant update on go_t to public with grant option")


@pytest.mark.parametrize("privilege", ["SELECT  WITH GRANT OPTION", "SELECT WITH  GRANT OPTION", "SELECT INSERT"])
def test_privilege_strings_are_spelled_as_postgresql_takes_them(table, privilege):
    with psycopg.connect(table.dsn, autocommit=True) as admin:
        with pytest.raises(errors.InvalidParameterValue, match="unrecognized privilege type"):
            admin.execute("select has_table_privilege('go_alice', 'go_t', %s)", (privilege,))


def test_column_and_function_privilege_arguments(table):
    with psycopg.connect(table.dsn, autocommit=True) as admin:
        with pytest.raises(errors.InvalidParameterValue, match='unrecognized privilege type: "DELETE"'):
            admin.execute("select has_any_column_privilege('go_alice', 'go_t', 'DELETE')")
        with pytest.raises(errors.UndefinedFunction, match=r'function "invalid_func\(\)" does not exist'):
            admin.execute("select has_function_privilege('go_alice', 'invalid_func()', 'EXECUTE')")
        assert admin.execute("select has_function_privilege('go_alice', 'now()', 'EXECUTE')").fetchone() == (True,)


def test_a_grantee_grants_on_only_what_it_may(table):
    with psycopg.connect(table.dsn, autocommit=True) as admin:
        admin.execute("grant select on go_t to go_alice")
        admin.execute("grant insert, update on go_t to go_alice with grant option")
        with as_role(table, "go_alice") as alice:
            seen = notices(alice)
            alice.execute("grant insert on go_t to go_bob with grant option")
            alice.execute("grant select on go_t to go_bob")
            alice.execute("grant select, update on go_t to go_bob")
            alice.execute("grant all on go_t to go_bob")  # ALL: no warning for what it cannot grant
            assert seen == ['WARNING 01007 no privileges were granted for "go_t"',
                            'WARNING 01007 not all privileges were granted for "go_t"']
        with as_role(table, "go_bob") as bob:
            bob.execute("grant insert on go_t to go_carol")
        assert acl(admin) == ("{postgres=arwdDxt/postgres,go_alice=a*rw*/postgres,go_bob=a*w/go_alice,"
                              "go_carol=a/go_bob}")
        with as_role(table, "go_carol") as carol:
            carol.execute("insert into go_t values (1)")
            seen = notices(carol)
            carol.execute("grant select on go_t to go_bob")  # holds INSERT only: a warning, no error
            assert seen == ['WARNING 01007 no privileges were granted for "go_t"']
        rows = admin.execute("select grantor, grantee, privilege_type, is_grantable from"
                             " information_schema.table_privileges where table_name = 'go_t'"
                             " and grantee <> 'postgres' order by 1, 2, 3").fetchall()
        assert rows == [("go_alice", "go_bob", "INSERT", "YES"), ("go_alice", "go_bob", "UPDATE", "NO"),
                        ("go_bob", "go_carol", "INSERT", "NO"), ("postgres", "go_alice", "INSERT", "YES"),
                        ("postgres", "go_alice", "SELECT", "NO"), ("postgres", "go_alice", "UPDATE", "YES")]


def test_revoking_a_grant_option_takes_the_grants_made_with_it(table):
    with psycopg.connect(table.dsn, autocommit=True) as admin:
        admin.execute("grant insert, update on go_t to go_alice with grant option")
        with as_role(table, "go_alice") as alice:
            alice.execute("grant insert on go_t to go_bob with grant option")
        with as_role(table, "go_bob") as bob:
            bob.execute("grant insert on go_t to go_carol")
        with pytest.raises(errors.DependentPrivilegeDescriptorsStillExist, match="dependent privileges exist"):
            admin.execute("revoke grant option for insert on go_t from go_alice")
        admin.execute("revoke grant option for insert on go_t from go_alice cascade")
        assert acl(admin) == "{postgres=arwdDxt/postgres,go_alice=aw*/postgres}"
        with as_role(table, "go_bob") as bob:  # holds nothing any more
            with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table go_t"):
                bob.execute("revoke insert on go_t from go_carol")
        with as_role(table, "go_alice") as alice:
            seen = notices(alice)
            alice.execute("revoke select on go_t from go_bob")
            assert seen == ['WARNING 01006 no privileges could be revoked for "go_t"']
        admin.execute("revoke all on go_t from go_alice cascade")
        assert acl(admin) == "{postgres=arwdDxt/postgres}"


def test_granted_by_must_be_the_current_user(table):
    with psycopg.connect(table.dsn, autocommit=True) as admin:
        with pytest.raises(errors.UndefinedObject, match='role "root" does not exist'):
            admin.execute("grant select on go_t to go_alice granted by root")
        with pytest.raises(errors.FeatureNotSupported, match="grantor must be current user"):
            admin.execute("grant select on go_t to go_alice granted by go_bob")
        admin.execute("grant select on go_t to go_alice granted by postgres")
        admin.execute("revoke select on go_t from go_alice granted by current_user")
        assert acl(admin) == "{postgres=arwdDxt/postgres}"
