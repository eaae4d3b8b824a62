"""CREATE/ALTER/DROP ROLE and GRANT/REVOKE.

Passwords are stored as PostgreSQL stores them (SCRAM-SHA-256 verifiers; an md5 hash given
as 'md5...' is kept as is). GRANT and REVOKE are in engine/privileges.py, role membership in
engine/membership.py. DROP ROLE refuses a role that owns objects or appears in an ACL (2BP01,
listing them as PostgreSQL's pg_shdepend would) and takes its memberships with it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import kind_word
from quantadb.engine.membership import forget_role, grant_memberships
from quantadb.engine.privileges import parse_aclitem
from quantadb.engine.results import Result
from quantadb.errors import (DependentObjectsStillExist, DuplicateObject, InsufficientPrivilege, ObjectInUse,
                             ReservedName, UndefinedObject)
from quantadb.sql.functions.user import signature_text
from quantadb.storage.catalog import BOOTSTRAP_SUPERUSER, PREDEFINED_ROLES, DatabaseDef, RoleDef
from quantadb.util.passwords import scram_verifier

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def _stored_password(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    if text.startswith("SCRAM-SHA-256$") or (text.startswith("md5") and len(text) == 35):
        return text
    return scram_verifier(text)


_PREDEFINED = frozenset(oid for oid, _ in PREDEFINED_ROLES)


def run_role(session: "Session", u) -> Result:
    store = session.store
    txn = session._ensure_txn()
    snap = store.snapshot(txn)
    word = "USER" if u.is_user else "ROLE"
    if not session.superuser:
        me = store.catalog.find_role(snap, session.user)
        if me is None or not me.createrole:
            raise InsufficientPrivilege(f"permission denied to {u.kind} role")
    if u.kind == "create":
        name = u.names[0]
        if name.startswith("pg_"):
            raise ReservedName(f'role name "{name}" is reserved',
                               detail='Role names starting with "pg_" are reserved.')
        if store.catalog.find_role(snap, name) is not None:
            raise DuplicateObject(f'role "{name}" already exists')
        opts = dict(u.options)
        password = _stored_password(opts.pop("password", None))
        opts.pop("bypassrls", None)
        role = RoleDef(store.allocate_oid(txn), name, password=password, login=bool(opts.pop("login", False)),
                       **{k: v for k, v in opts.items() if k in RoleDef.__dataclass_fields__})
        store.create_role(txn, role)
        grant_memberships(session, [name], opts.get("in_role", []))
        grant_memberships(session, opts.get("role_members", []), [name])
        grant_memberships(session, opts.get("admin_members", []), [name], admin=True)
        return Result(tag=f"CREATE {word}")
    if u.kind == "alter":
        role = store.catalog.find_role(snap, u.names[0])
        if role is None:
            raise UndefinedObject(f'role "{u.names[0]}" does not exist')
        if role.oid in _PREDEFINED:
            raise ReservedName(f'role name "{role.name}" is reserved', detail="Cannot alter reserved roles.")
        opts = dict(u.options)
        if "rename" in opts:
            role = replace(role, name=opts.pop("rename"))
        if "password" in opts:
            role = replace(role, password=_stored_password(opts.pop("password")))
        role = replace(role, **{k: v for k, v in opts.items() if k in RoleDef.__dataclass_fields__})
        store.alter_role(txn, role)
        return Result(tag=f"ALTER {word}")
    for name in u.names:
        role = store.catalog.find_role(snap, name)
        if role is None:
            if u.if_exists:
                session.notice(f'role "{name}" does not exist, skipping')
                continue
            raise UndefinedObject(f'role "{name}" does not exist')
        if role.oid in _PREDEFINED or role.oid == BOOTSTRAP_SUPERUSER:
            raise DependentObjectsStillExist(f"cannot drop role {name} because it is required by the database system")
        if role.name == session.user:
            raise ObjectInUse("current user cannot be dropped")
        if role.name == session.session_user:
            raise ObjectInUse("session user cannot be dropped")
        if role.superuser and not session.superuser:
            raise InsufficientPrivilege("must be superuser to drop superusers")
        dependents = _dependents(session, snap, role)
        if dependents:
            raise DependentObjectsStillExist(f'role "{name}" cannot be dropped because some objects depend on it',
                                             detail="\n".join(dependents))
        forget_role(session, txn, role.oid)
        store.drop_role(txn, role.oid)
    return Result(tag=f"DROP {word}")


def _dependents(session: "Session", snap, role: RoleDef) -> list[str]:
    """What keeps `role` from being dropped: objects it owns and ACLs that name it, in this
    database one by one, in others counted (as PostgreSQL's DETAIL lists pg_shdepend)."""
    catalog = session.store.catalog
    found, elsewhere = [], {}

    def named(acl: tuple[str, ...]) -> bool:
        return any(role.name in parse_aclitem(item)[::2] for item in acl)

    for db in catalog.databases(snap):
        here = db.oid == session.database_oid
        objects = [(f"database {db.name}", db)]
        objects += [(f"{kind_word(r.kind)} {r.name}", r) for r in catalog.relations(snap, db.oid) if r.kind != "i"]
        objects += [(f"schema {ns.name}", ns) for ns in catalog.namespaces(snap, db.oid)]
        objects += [(f"{'procedure' if fn.kind == 'p' else 'function'} {signature_text(fn)}", fn)
                    for fn in catalog.functions(snap, db.oid)]
        for label, obj in objects:
            for what, hit in (("owner of", obj.owner == role.oid), ("privileges for", obj.owner != role.oid and named(obj.acl))):
                if not hit:
                    continue
                if here or isinstance(obj, DatabaseDef):
                    found.append(f"{what} {label}")
                else:
                    elsewhere[db.name] = elsewhere.get(db.name, 0) + 1
    found += [f"{n} object{'s' if n > 1 else ''} in database {name}" for name, n in elsewhere.items()]
    return found


def run_grant(session: "Session", u) -> Result:
    from quantadb.engine.privileges import run_grant as grant_or_revoke
    return grant_or_revoke(session, u.text, u.grant)
