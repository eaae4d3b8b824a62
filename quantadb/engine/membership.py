"""Role membership (pg_auth_members): GRANT role TO role, REVOKE role FROM role, and the sets of
roles that privilege checks and SET ROLE consult.

A membership is kept on the member's RoleDef (`member_of`: the role, its grantor and the admin
option), so granting one is an ALTER of the member, WAL-logged and replayed like any other.

As in PostgreSQL 15, a role has the privileges of the roles it is a member of, directly or
through other roles, as long as each role along the way has INHERIT (has_privs_of_role:
`ActingRoles`); SET ROLE and pg_has_role(..., 'MEMBER') look at membership alone, INHERIT or not
(is_member_of_role). Superusers are members of everything. Who may grant a role: a superuser, a
role with CREATEROLE, or a member holding it WITH ADMIN OPTION; a superuser role only a
superuser. A grant that would make a role a member of itself fails (0LP01).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from quantadb.engine.results import Result
from quantadb.errors import InsufficientPrivilege, InvalidGrantOperation, UndefinedObject
from quantadb.sql.lexer import tokenize
from quantadb.storage.catalog import Catalog, RoleDef, RoleMembership

if TYPE_CHECKING:
    from quantadb.engine.session import Session
    from quantadb.storage.txn import Snapshot

PG_DATABASE_OWNER = 6171  # membership is implicit (the database's owner): no explicit members
PG_READ_ALL_DATA, PG_WRITE_ALL_DATA = 6181, 6182


@dataclass(frozen=True)
class ActingRoles:
    """A role and the roles whose privileges it has: OIDs to match owners, names to match ACL
    grantees (aclitems name roles)."""

    oids: frozenset[int]
    names: frozenset[str]


def acting_roles(catalog: Catalog, snap: Snapshot, role_oid: int) -> ActingRoles:
    oids = _closure(catalog, snap, role_oid, through_inherit=True)
    names = frozenset(r.name for r in (catalog.role(snap, oid) for oid in oids) if r is not None)
    return ActingRoles(oids, names)


def member_roles(catalog: Catalog, snap: Snapshot, role_oid: int) -> frozenset[int]:
    """The roles `role_oid` is a member of, itself included, whatever their INHERIT."""
    return _closure(catalog, snap, role_oid, through_inherit=False)


def _closure(catalog: Catalog, snap: Snapshot, start: int, through_inherit: bool) -> frozenset[int]:
    seen, todo = {start}, [start]
    while todo:
        role = catalog.role(snap, todo.pop())
        if role is None or through_inherit and not role.inherit:
            continue
        for m in role.member_of:
            if m.role not in seen:
                seen.add(m.role)
                todo.append(m.role)
    return frozenset(seen)


def is_admin_of(catalog: Catalog, snap: Snapshot, role_oid: int, granted: int) -> bool:
    """Does `role_oid`, or a role it is a member of, hold `granted` WITH ADMIN OPTION?"""
    for oid in member_roles(catalog, snap, role_oid):
        role = catalog.role(snap, oid)
        if role is not None and any(m.role == granted and m.admin_option for m in role.member_of):
            return True
    return False


def new_owner(session: "Session", name: str) -> RoleDef:
    """ALTER ... OWNER TO name (CURRENT_USER, SESSION_USER too): a role that is no superuser
    may give its objects only to roles it is a member of."""
    snap = session.catalog().snap
    role = _role(session, snap, name)
    if not session.superuser and role.oid not in member_roles(session.store.catalog, snap, session.role_oid):
        raise InsufficientPrivilege(f'must be member of role "{role.name}"')
    return role


# -- GRANT / REVOKE role ----------------------------------------------------------------------------

def run_membership(session: "Session", text: str, grant: bool) -> Result:
    """GRANT role [, ...] TO role_spec [, ...] [WITH ADMIN OPTION] [GRANTED BY role_spec];
    REVOKE [ADMIN OPTION FOR] role [, ...] FROM role_spec [, ...] [GRANTED BY role_spec]
    [CASCADE | RESTRICT]."""
    words = [t.value for t in tokenize(text)]
    admin_only = not grant and words[1:4] == ["admin", "option", "for"]
    target = "to" if grant else "from"
    cut = words.index(target)
    granted_names = _names(words[4 if admin_only else 1:cut])
    tail = words[cut + 1:]
    end = next((i for i, w in enumerate(tail) if w in ("with", "granted", "cascade", "restrict")), len(tail))
    member_names, clauses = _names(tail[:end]), tail[end:]
    with_admin = grant and clauses[:3] == ["with", "admin", "option"]
    store, txn = session.store, session._ensure_txn()
    snap = store.snapshot(txn)
    grantor = session.role_oid
    if "granted" in clauses:
        grantor = _role(session, snap, clauses[clauses.index("granted") + 2]).oid
        if grantor != session.role_oid and not session.superuser:
            raise InsufficientPrivilege("must be superuser to set grantor")
    granted = [_role(session, snap, name) for name in granted_names]
    members = [_role(session, snap, name) for name in member_names]
    for role in granted:
        _check_may_grant(session, snap, role)
        for member in members:
            current = store.catalog.role(store.snapshot(txn), member.oid)  # this statement's earlier changes
            if grant:
                _grant(session, txn, role, current, grantor, with_admin)
            else:
                _revoke(session, txn, role, current, admin_only)
    return Result(tag=f"{'GRANT' if grant else 'REVOKE'} ROLE")


def grant_memberships(session: "Session", members: list[str], roles: list[str], admin: bool = False) -> None:
    """CREATE ROLE's IN ROLE / ROLE / ADMIN: memberships granted by the current user."""
    store, txn = session.store, session._ensure_txn()
    for role_name in roles:
        for member_name in members:
            snap = store.snapshot(txn)
            role, member = _role(session, snap, role_name), _role(session, snap, member_name)
            _check_may_grant(session, snap, role)
            _grant(session, txn, role, member, session.role_oid, admin)


def _names(words: list[str]) -> list[str]:
    return [w for w in words if w not in (",", "group")]


def _role(session: "Session", snap: Snapshot, name: str) -> RoleDef:
    if name in ("current_user", "current_role"):
        name = session.user
    elif name == "session_user":
        name = session.session_user
    role = session.store.catalog.find_role(snap, name)
    if role is None:
        raise UndefinedObject(f'role "{name}" does not exist')
    return role


def _check_may_grant(session: "Session", snap: Snapshot, role: RoleDef) -> None:
    if role.oid == PG_DATABASE_OWNER:
        raise InvalidGrantOperation(f'role "{role.name}" cannot have explicit members')
    if session.superuser:
        return
    if role.superuser:
        raise InsufficientPrivilege("must be superuser to alter superusers")
    me = session.store.catalog.role(snap, session.role_oid)
    if not (me is not None and me.createrole) and not is_admin_of(session.store.catalog, snap, session.role_oid,
                                                                    role.oid):
        raise InsufficientPrivilege(f'must have admin option on role "{role.name}"')


def _grant(session: "Session", txn, role: RoleDef, member: RoleDef, grantor: int, admin: bool) -> None:
    store = session.store
    existing = next((m for m in member.member_of if m.role == role.oid), None)
    if existing is not None and (not admin or existing.admin_option):
        session.notice(f'role "{member.name}" is already a member of role "{role.name}"')
        return
    if member.oid in member_roles(store.catalog, store.snapshot(txn), role.oid):  # a cycle (or itself)
        raise InvalidGrantOperation(f'role "{role.name}" is a member of role "{member.name}"')
    kept = tuple(m for m in member.member_of if m.role != role.oid)
    store.alter_role(txn, replace(member, member_of=kept + (RoleMembership(role.oid, grantor, admin),)))


def _revoke(session: "Session", txn, role: RoleDef, member: RoleDef, admin_only: bool) -> None:
    existing = next((m for m in member.member_of if m.role == role.oid), None)
    if existing is None:
        session.notice(f'role "{member.name}" is not a member of role "{role.name}"', "01000", "WARNING")
        return
    kept = tuple(m for m in member.member_of if m.role != role.oid)
    if admin_only:
        kept += (replace(existing, admin_option=False),)
    session.store.alter_role(txn, replace(member, member_of=kept))


def forget_role(session: "Session", txn, dropped: int) -> None:
    """DROP ROLE: every membership in the dropped role goes with it."""
    store = session.store
    for role in store.catalog.roles(store.snapshot(txn)):
        if any(m.role == dropped for m in role.member_of):
            store.alter_role(txn, replace(role, member_of=tuple(m for m in role.member_of if m.role != dropped)))
