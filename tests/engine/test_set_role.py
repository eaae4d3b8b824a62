"""SET ROLE and SET SESSION AUTHORIZATION as PostgreSQL 15 does them (checked against it):
privileges are checked, and objects owned, as the role set; SET LOCAL ends with the transaction
and a rolled-back SET is undone; RESET and NONE/DEFAULT go back. A superuser session user may set
any role, another role only itself and the roles it is a member of (test_role_membership.py);
only a role that logged in as a superuser may change the session authorization, which also ends
a SET ROLE."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors


@pytest.fixture()
def admin(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop table if exists sr_t, sr_made")
        for role in ("sr_a", "sr_b"):
            c.execute(f"drop role if exists {role}")
        c.execute("create role sr_a")
        c.execute("create role sr_b login")
        c.execute("create table sr_t (id int)")
        c.execute("grant create on schema public to sr_a")
        yield c
        c.execute("reset role")
        c.execute("drop table if exists sr_t, sr_made")
        c.execute("revoke create on schema public from sr_a")


def whoami(conn) -> tuple[str, str]:
    return conn.execute("select current_user, session_user").fetchone()


def test_set_role_checks_privileges_as_that_role(admin):
    admin.execute("set role sr_a")
    assert whoami(admin) == ("sr_a", "postgres")
    assert admin.execute("show role").fetchone() == ("sr_a",)
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table sr_t"):
        admin.execute("select * from sr_t")
    admin.execute("create table sr_made (id int)")
    owner = admin.execute("select tableowner from pg_tables where tablename = 'sr_made'").fetchone()
    assert owner == ("sr_a",)
    admin.execute("reset role")
    assert whoami(admin) == ("postgres", "postgres")
    assert admin.execute("select count(*) from sr_t").fetchone() == (0,)


def test_set_role_follows_the_transaction(admin):
    admin.execute("begin")
    admin.execute("set local role sr_a")
    assert whoami(admin)[0] == "sr_a"
    admin.execute("commit")
    assert whoami(admin)[0] == "postgres"
    admin.execute("begin")
    admin.execute("set role sr_a")
    admin.execute("rollback")
    assert whoami(admin)[0] == "postgres"
    admin.execute("set role 'sr_a'")
    assert whoami(admin)[0] == "sr_a"
    admin.execute("set role none")
    assert whoami(admin)[0] == "postgres"


def test_who_may_set_which_role(admin, server):
    with pytest.raises(errors.InvalidParameterValue, match='role "nosuch" does not exist'):
        admin.execute("set role nosuch")
    with psycopg.connect(server.conninfo(user="sr_b"), autocommit=True) as b:
        with pytest.raises(errors.InsufficientPrivilege, match='permission denied to set role "sr_a"'):
            b.execute("set role sr_a")
        b.execute("set role sr_b")
        assert whoami(b) == ("sr_b", "sr_b")


def test_set_session_authorization(admin, server):
    admin.execute("set role sr_a")
    admin.execute("set session authorization sr_b")
    assert whoami(admin) == ("sr_b", "sr_b")
    assert admin.execute("show role").fetchone() == ("none",)
    with pytest.raises(errors.InsufficientPrivilege, match='permission denied to set role "sr_a"'):
        admin.execute("set role sr_a")  # sr_b is no superuser
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table sr_t"):
        admin.execute("select * from sr_t")
    with pytest.raises(errors.InvalidParameterValue, match='role "nosuch" does not exist'):
        admin.execute("set session authorization nosuch")
    admin.execute("reset session authorization")
    assert whoami(admin) == ("postgres", "postgres")
    admin.execute("begin")
    admin.execute("set session authorization sr_b")
    admin.execute("rollback")
    assert whoami(admin) == ("postgres", "postgres")
    admin.execute("set session authorization sr_b")
    admin.execute("set session authorization default")
    assert whoami(admin) == ("postgres", "postgres")
    with psycopg.connect(server.conninfo(user="sr_b"), autocommit=True) as b:
        with pytest.raises(errors.InsufficientPrivilege,
                           match='permission denied to set session authorization "postgres"'):
            b.execute("set session authorization postgres")
        b.execute("set session authorization sr_b")
