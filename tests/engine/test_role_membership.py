"""Role membership (engine/membership.py) as PostgreSQL 15 has it: GRANT/REVOKE role, privileges
through INHERIT roles, SET ROLE to any role one is a member of, ADMIN OPTION, cycles refused,
pg_auth_members / pg_has_role / information_schema / psql's \\du, CREATE ROLE's IN ROLE / ROLE /
ADMIN, the predefined pg_read_all_data and pg_write_all_data, and DROP ROLE refusing a role that
owns objects or holds privileges. Each outcome was checked on PostgreSQL 15 (QUANTADB_TEST_DSN
runs these against a server given by its DSN)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import errors


class Roles:
    """Roles and a table named uniquely per test (roles are cluster-wide), dropped afterwards."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.suffix = uuid.uuid4().hex[:6]
        self.made: list[str] = []
        self.table = f"rm_t_{self.suffix}"
        conn.execute(f"CREATE TABLE {self.table} (a int)")

    def __call__(self, name: str, options: str = "") -> str:
        role = f"{name}_{self.suffix}"
        self.conn.execute(f"CREATE ROLE {role} {options}")
        self.made.append(role)
        return role

    def q(self, sql: str):
        return self.conn.execute(sql)

    def cleanup(self) -> None:
        self.conn.execute("RESET ROLE")
        self.conn.execute("RESET SESSION AUTHORIZATION")
        self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        for role in reversed(self.made):
            self.conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def roles(dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        made = Roles(conn)
        yield made
        made.cleanup()


def memberships(r: Roles, member: str) -> list[tuple[str, bool]]:
    return r.q("SELECT g.rolname, admin_option FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
               f"JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = '{member}' ORDER BY 1").fetchall()


def test_members_have_the_privileges_of_inheriting_roles(roles):
    group, inheriting, plain = roles("g"), roles("u"), roles("n", "NOINHERIT")
    roles.q(f"GRANT SELECT ON {roles.table} TO {group}")
    assert roles.q(f"GRANT {group} TO {inheriting}, {plain}").statusmessage == "GRANT ROLE"
    assert memberships(roles, inheriting) == [(group, False)]
    assert roles.q(f"SELECT has_table_privilege('{inheriting}', '{roles.table}', 'SELECT'), "
                   f"has_table_privilege('{plain}', '{roles.table}', 'SELECT'), "
                   f"pg_has_role('{inheriting}', '{group}', 'USAGE'), pg_has_role('{plain}', '{group}', 'USAGE'), "
                   f"pg_has_role('{plain}', '{group}', 'MEMBER')").fetchone() == (True, False, True, False, True)
    roles.q(f"SET ROLE {inheriting}")
    assert roles.q(f"SELECT count(*) FROM {roles.table}").fetchone() == (0,)
    roles.q(f"SET ROLE {plain}")
    with pytest.raises(errors.InsufficientPrivilege, match=f"permission denied for table {roles.table}"):
        roles.q(f"SELECT count(*) FROM {roles.table}")
    roles.q("RESET ROLE")
    roles.q(f"SET SESSION AUTHORIZATION {plain}")
    roles.q(f"SET ROLE {group}")  # a NOINHERIT member uses the role's privileges by SET ROLE
    assert roles.q("SELECT current_user").fetchone() == (group,)
    assert roles.q(f"SELECT count(*) FROM {roles.table}").fetchone() == (0,)
    roles.q("RESET ROLE")
    with pytest.raises(errors.InsufficientPrivilege, match=f'permission denied to set role "{inheriting}"'):
        roles.q(f"SET ROLE {inheriting}")


def test_grant_and_revoke_role_as_postgresql_reports_them(roles):
    group, member, other = roles("g"), roles("u"), roles("o")
    roles.q(f"GRANT {group} TO {member}")
    notices: list[str] = []
    roles.conn.add_notice_handler(lambda d: notices.append(d.message_primary))
    roles.q(f"GRANT {group} TO {member}")
    assert notices == [f'role "{member}" is already a member of role "{group}"']
    with pytest.raises(errors.InvalidGrantOperation, match=f'role "{member}" is a member of role "{group}"'):
        roles.q(f"GRANT {member} TO {group}")
    with pytest.raises(errors.InvalidGrantOperation, match=f'role "{group}" is a member of role "{group}"'):
        roles.q(f"GRANT {group} TO {group}")
    with pytest.raises(errors.UndefinedObject, match='role "rm_nosuch" does not exist'):
        roles.q(f"GRANT {group} TO rm_nosuch")
    roles.q(f"REVOKE {group} FROM {member}")
    assert memberships(roles, member) == []
    roles.q(f"REVOKE {group} FROM {member}")
    assert notices[-1] == f'role "{member}" is not a member of role "{group}"'
    roles.q(f"GRANT {group} TO {other} WITH ADMIN OPTION")
    roles.q(f"REVOKE ADMIN OPTION FOR {group} FROM {other}")
    assert memberships(roles, other) == [(group, False)]


def test_admin_option_lets_a_member_grant_the_role(roles):
    group, admin, member = roles("g"), roles("a"), roles("u")
    roles.q(f"GRANT {group} TO {admin} WITH ADMIN OPTION")
    roles.q(f"SET SESSION AUTHORIZATION {member}")
    with pytest.raises(errors.InsufficientPrivilege, match=f'must have admin option on role "{group}"'):
        roles.q(f"GRANT {group} TO {member}")
    roles.q(f"SET SESSION AUTHORIZATION {admin}")
    roles.q(f"GRANT {group} TO {member}")
    roles.q("RESET SESSION AUTHORIZATION")
    grantor = roles.q("SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.grantor "
                      f"WHERE m.member = '{member}'::regrole").fetchone()
    assert grantor == (admin,)
    rows = roles.q("SELECT grantee, role_name, is_grantable FROM information_schema.applicable_roles "
                   f"WHERE role_name = '{group}' ORDER BY 1").fetchall()
    assert rows == sorted([(admin, group, "YES"), (member, group, "NO")])


def test_create_role_memberships_and_owner_privileges(roles):
    group, other = roles("g"), roles("h")
    member = roles("u", f"IN ROLE {group}, {other}")
    leader = roles("l", f"ROLE {member} ADMIN {group}")
    assert memberships(roles, member) == sorted([(group, False), (leader, False), (other, False)])
    assert memberships(roles, group) == [(leader, True)]
    roles.q(f"ALTER TABLE {roles.table} OWNER TO {group}")
    roles.q(f"SET ROLE {member}")  # the owner's members may alter, grant and drop as it
    roles.q(f"ALTER TABLE {roles.table} ADD COLUMN b int")
    roles.q(f"GRANT SELECT ON {roles.table} TO {other}")
    roles.q("RESET ROLE")
    roles.q(f"REVOKE {group} FROM {member}")
    roles.q(f"SET ROLE {member}")
    with pytest.raises(errors.InsufficientPrivilege, match=f"must be owner of table {roles.table}"):
        roles.q(f"ALTER TABLE {roles.table} ADD COLUMN c int")
    roles.q("RESET ROLE")


def test_drop_role_refuses_while_objects_depend_on_it(roles):
    owner, grantee, member = roles("o"), roles("g"), roles("m", "CREATEROLE")
    roles.q(f"GRANT {owner} TO {member}")
    roles.q(f"ALTER TABLE {roles.table} OWNER TO {owner}")
    with pytest.raises(errors.DependentObjectsStillExist) as info:
        roles.q(f"DROP ROLE {owner}")
    assert info.value.diag.message_primary == f'role "{owner}" cannot be dropped because some objects depend on it'
    assert info.value.diag.message_detail == f"owner of table {roles.table}"
    roles.q(f"ALTER TABLE {roles.table} OWNER TO CURRENT_USER")
    roles.q(f"GRANT SELECT ON {roles.table} TO {grantee}")
    with pytest.raises(errors.DependentObjectsStillExist) as info:
        roles.q(f"DROP ROLE {grantee}")
    assert info.value.diag.message_detail == f"privileges for table {roles.table}"
    roles.q(f"DROP ROLE {owner}")  # its memberships go with it
    assert memberships(roles, member) == []
    roles.q(f"SET SESSION AUTHORIZATION {member}")
    with pytest.raises(errors.ObjectInUse, match="current user cannot be dropped"):
        roles.q(f"DROP ROLE {member}")
    roles.q("RESET SESSION AUTHORIZATION")
    roles.q(f"REVOKE SELECT ON {roles.table} FROM {grantee}")


def test_predefined_read_and_write_all_data(roles):
    reader, writer = roles("r"), roles("w")
    roles.q(f"GRANT pg_read_all_data TO {reader}")
    roles.q(f"GRANT pg_write_all_data TO {writer}")
    roles.q(f"INSERT INTO {roles.table} VALUES (1)")
    roles.q(f"SET ROLE {reader}")
    assert roles.q(f"SELECT count(*) FROM {roles.table}").fetchone() == (1,)
    with pytest.raises(errors.InsufficientPrivilege):
        roles.q(f"INSERT INTO {roles.table} VALUES (2)")
    roles.q(f"SET ROLE {writer}")
    roles.q(f"INSERT INTO {roles.table} VALUES (2)")
    with pytest.raises(errors.InsufficientPrivilege):
        roles.q(f"SELECT count(*) FROM {roles.table}")
    roles.q("RESET ROLE")


def test_reassign_owned_and_drop_owned(roles):
    old, new, reader = roles("o"), roles("n"), roles("r")
    schema = f"rm_s_{roles.suffix}"
    roles.q(f"CREATE SCHEMA {schema} AUTHORIZATION {old}")
    roles.q(f"SET ROLE {old}")
    roles.q(f"CREATE TABLE {schema}.t (a int)")
    roles.q(f"CREATE VIEW {schema}.v AS SELECT * FROM {schema}.t")
    roles.q(f"CREATE FUNCTION {schema}.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1'")
    roles.q(f"GRANT SELECT ON {schema}.t TO {reader}")
    roles.q("RESET ROLE")
    roles.q(f"GRANT SELECT ON {roles.table} TO {old}")
    with pytest.raises(errors.DependentObjectsStillExist) as info:
        roles.q(f"DROP ROLE {old}")
    assert info.value.diag.message_detail.splitlines() == [
        f"privileges for table {roles.table}", f"owner of schema {schema}", f"owner of table {schema}.t",
        f"owner of view {schema}.v", f"owner of function {schema}.f(integer)"]
    assert roles.q(f"REASSIGN OWNED BY {old} TO {new}").statusmessage == "REASSIGN OWNED"
    assert roles.q(f"SELECT relowner::regrole::text, relacl::text[] FROM pg_class WHERE oid = '{schema}.t'::regclass"
                   ).fetchone() == (new, [f"{new}=arwdDxt/{new}", f"{reader}=r/{new}"])
    assert roles.q(f"SELECT proowner::regrole::text FROM pg_proc WHERE oid = '{schema}.f(int)'::regprocedure"
                   ).fetchone() == (new,)
    roles.q(f"DROP OWNED BY {old}")  # what is left: the privilege on the test's table
    roles.q(f"DROP ROLE {old}")
    assert roles.q(f"DROP OWNED BY {new}").statusmessage == "DROP OWNED"  # the schema with what it holds
    assert roles.q(f"SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'").fetchone() == (0,)
    with pytest.raises(errors.UndefinedObject, match='role "rm_nosuch" does not exist'):
        roles.q("REASSIGN OWNED BY rm_nosuch TO CURRENT_USER")
