"""CREATE/ALTER/DROP ROLE and GRANT/REVOKE.

Passwords are stored as PostgreSQL stores them (SCRAM-SHA-256 verifiers; an md5 hash given
as 'md5...' is kept as is). GRANT and REVOKE are in engine/privileges.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.results import Result
from quantadb.errors import (DependentObjectsStillExist, DuplicateObject, InsufficientPrivilege, ReservedName,
                             UndefinedObject)
from quantadb.storage.catalog import BOOTSTRAP_SUPERUSER, PREDEFINED_ROLES, RoleDef
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
        store.drop_role(txn, role.oid)
    return Result(tag=f"DROP {word}")


def run_grant(session: "Session", u) -> Result:
    from quantadb.engine.privileges import run_grant as grant_or_revoke
    return grant_or_revoke(session, u.text, u.grant)
