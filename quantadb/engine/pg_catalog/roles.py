"""Cluster-wide catalogs: pg_database, and the roles (pg_authid, pg_roles, pg_user, pg_shadow,
pg_group, pg_auth_members, information_schema's enabled_roles and applicable_roles)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from quantadb.engine.membership import PG_DATABASE_OWNER
from quantadb.engine.pg_catalog.relations import frozen_xid
from quantadb.engine.pg_catalog.tables import Row, rows
from quantadb.engine.pg_catalog.types import DEFAULT_TABLESPACE
from quantadb.storage.catalog import RoleDef

if TYPE_CHECKING:
    from quantadb.engine.session import Session

UTF8_ENCODING = 6
LOCALE = "C"


def _snapshot(session: "Session"):
    return session.catalog().snap


@rows("pg_catalog.pg_database")
def pg_database(session: "Session") -> Iterator[Row]:
    frozen = frozen_xid(session)
    for db in session.store.catalog.databases(_snapshot(session)):
        yield {"oid": db.oid, "datname": db.name, "datdba": db.owner, "encoding": UTF8_ENCODING,
               "datlocprovider": "c", "datistemplate": db.is_template, "datallowconn": db.allow_connections,
               "datconnlimit": -1, "datfrozenxid": frozen, "datminmxid": 1, "dattablespace": DEFAULT_TABLESPACE,
               "datcollate": LOCALE, "datctype": LOCALE, "datacl": list(db.acl) or None}


def _roles(session: "Session") -> list[RoleDef]:
    return session.store.catalog.roles(_snapshot(session))


def _role_flags(role: RoleDef) -> Row:
    return {"rolname": role.name, "rolsuper": role.superuser, "rolinherit": role.inherit,
            "rolcreaterole": role.createrole, "rolcreatedb": role.createdb, "rolcanlogin": role.login,
            "rolreplication": role.replication, "rolbypassrls": role.superuser,
            "rolconnlimit": role.connection_limit, "oid": role.oid}


@rows("pg_catalog.pg_authid")
def pg_authid(session: "Session") -> Iterator[Row]:
    for role in _roles(session):
        yield {**_role_flags(role), "rolpassword": role.password}


@rows("pg_catalog.pg_roles")
def pg_roles(session: "Session") -> Iterator[Row]:
    for role in _roles(session):
        yield {**_role_flags(role), "rolpassword": "********"}


def _user_row(role: RoleDef, password: str | None) -> Row:
    return {"usename": role.name, "usesysid": role.oid, "usecreatedb": role.createdb, "usesuper": role.superuser,
            "userepl": role.replication, "usebypassrls": role.superuser, "passwd": password,
            }


@rows("pg_catalog.pg_user")
def pg_user(session: "Session") -> Iterator[Row]:
    for role in _roles(session):
        if role.login:
            yield _user_row(role, "********")


@rows("pg_catalog.pg_shadow")
def pg_shadow(session: "Session") -> Iterator[Row]:
    for role in _roles(session):
        if role.login:
            yield _user_row(role, role.password)


@rows("pg_catalog.pg_group")
def pg_group(session: "Session") -> Iterator[Row]:
    for role in _roles(session):
        if not role.login:
            yield {"groname": role.name, "grosysid": role.oid,
                   "grolist": [r.oid for r in _roles(session) if any(m.role == role.oid for m in r.member_of)]}


@rows("pg_catalog.pg_auth_members")
def pg_auth_members(session: "Session") -> Iterator[Row]:
    for role in _roles(session):
        for m in role.member_of:
            yield {"roleid": m.role, "member": role.oid, "grantor": m.grantor, "admin_option": m.admin_option}


def _usable(session: "Session") -> frozenset[int] | None:
    """The roles whose privileges the current user has (None: a superuser has every one)."""
    return None if session.superuser else session.acting.oids


@rows("information_schema.enabled_roles")
def enabled_roles(session: "Session") -> Iterator[Row]:
    usable = _usable(session)
    for role in _roles(session):
        if usable is None or role.oid in usable:
            yield {"role_name": role.name}


@rows("information_schema.applicable_roles")
def applicable_roles(session: "Session") -> Iterator[Row]:
    """Memberships of the roles the current user can use, and the database owner's implicit
    membership in pg_database_owner."""
    usable = _usable(session)
    roles = {r.oid: r for r in _roles(session)}
    db = session.store.catalog.database(_snapshot(session), session.database_oid)
    edges = [(r.oid, m.role, m.admin_option) for r in roles.values() for m in r.member_of]
    edges += [(db.owner, PG_DATABASE_OWNER, False)] if db is not None else []
    for member, role, admin in edges:
        if (usable is None or member in usable) and member in roles and role in roles:
            yield {"grantee": roles[member].name, "role_name": roles[role].name, "is_grantable": "YES" if admin else "NO"}
