"""CREATE/ALTER/DROP ROLE and GRANT/REVOKE.

Passwords are stored as PostgreSQL stores them (SCRAM-SHA-256 verifiers; an md5 hash given
as 'md5...' is kept as is). GRANT and REVOKE are in engine/privileges.py, role membership in
engine/membership.py. DROP ROLE refuses a role that owns objects or appears in an ACL (2BP01,
listing them as PostgreSQL's pg_shdepend would) and takes its memberships with it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import kind_word, run_sql
from quantadb.engine.membership import forget_role, grant_memberships
from quantadb.engine.pg_catalog.deparse import qualified
from quantadb.engine.privileges import format_aclitem, owns, parse_aclitem
from quantadb.engine.results import Result
from quantadb.errors import (DependentObjectsStillExist, DuplicateObject, InsufficientPrivilege, ObjectInUse,
                             ReservedName, UndefinedObject)
from quantadb.sql.functions.user import signature_text
from quantadb.sql.quoting import quote_ident
from quantadb.storage.catalog import (BOOTSTRAP_SUPERUSER, PREDEFINED_ROLES, DatabaseDef, FunctionDef, NamespaceDef,
                                     RelationDef, RoleDef)
from quantadb.types import registry as R
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
    database one by one in OID order, in others counted (as PostgreSQL's DETAIL lists
    pg_shdepend)."""
    catalog, view = session.store.catalog, session.catalog()
    found: list[tuple[int, str]] = []
    elsewhere: dict[str, int] = {}

    def named(acl: tuple[str, ...]) -> bool:
        return any(role.name in parse_aclitem(item)[::2] for item in acl)

    for db in catalog.databases(snap):
        here = db.oid == session.database_oid
        objects = [(f"database {db.name}", db)]
        objects += [(f"{kind_word(r.kind)} {qualified(view, r, visible_bare=True)}", r)
                    for r in catalog.relations(snap, db.oid) if r.kind != "i"]
        objects += [(f"schema {ns.name}", ns) for ns in catalog.namespaces(snap, db.oid)]
        objects += [(f"{'procedure' if fn.kind == 'p' else 'function'} {_function_name(view, fn)}", fn)
                    for fn in catalog.functions(snap, db.oid)]
        for label, obj in objects:
            owner = obj.owner == role.oid
            if not owner and not named(obj.acl):
                continue
            if here or isinstance(obj, DatabaseDef):
                found.append((obj.oid, f"{'owner of' if owner else 'privileges for'} {label}"))
            else:
                elsewhere[db.name] = elsewhere.get(db.name, 0) + 1
    return [text for _, text in sorted(found)] + \
        [f"{n} object{'s' if n > 1 else ''} in database {name}" for name, n in elsewhere.items()]


def _function_name(view, fn: FunctionDef) -> str:
    """f(integer), schema-qualified when its schema is not on the search path."""
    schema = view.namespace_name(fn.namespace)
    return signature_text(fn) if schema in view.effective_path() else f"{quote_ident(schema)}.{signature_text(fn)}"


def run_grant(session: "Session", u) -> Result:
    from quantadb.engine.privileges import run_grant as grant_or_revoke
    return grant_or_revoke(session, u.text, u.grant)


# -- REASSIGN OWNED / DROP OWNED ----------------------------------------------------------------------

def run_owned(session: "Session", u) -> Result:
    """REASSIGN OWNED BY roles TO role: the objects of this database, and the databases, that the
    roles own change owner (grants they made as owners become the new owner's). DROP OWNED BY
    roles [CASCADE]: the objects of this database they own are dropped, and the privileges granted
    to them here and on databases revoked. Either needs the privileges of every role named."""
    store, txn = session.store, session._ensure_txn()
    snap = store.snapshot(txn)
    named = [_existing_role(session, snap, name) for name in u.roles]
    word = "reassign" if u.kind == "reassign" else "drop"
    if u.kind == "reassign":
        named.append(_existing_role(session, snap, u.new_owner))
    if not all(owns(session, role.oid) for role in named):
        raise InsufficientPrivilege(f"permission denied to {word} objects")
    if u.kind == "reassign":
        new = named.pop()
        _reassign(session, txn, {r.name: r.oid for r in named}, new)
        return Result(tag="REASSIGN OWNED")
    _drop_owned(session, txn, {r.oid for r in named}, {r.name for r in named}, u.cascade)
    return Result(tag="DROP OWNED")


def _existing_role(session: "Session", snap, name: str) -> RoleDef:
    name = {"current_user": session.user, "current_role": session.user, "session_user": session.session_user}.get(
        name, name)
    role = session.store.catalog.find_role(snap, name)
    if role is None:
        raise UndefinedObject(f'role "{name}" does not exist')
    return role


def _owned_objects(session: "Session", snap) -> list:
    """This database's relations, schemas and functions, and every database."""
    catalog, db = session.store.catalog, session.database_oid
    return [*catalog.relations(snap, db), *catalog.namespaces(snap, db), *catalog.functions(snap, db),
            *catalog.databases(snap)]


def _reassign(session: "Session", txn, old: dict[str, int], new: RoleDef) -> None:
    store = session.store
    for obj in _owned_objects(session, store.snapshot(txn)):
        if obj.owner not in old.values():
            continue
        acl = tuple(_regranted(item, old, new.name) for item in obj.acl)
        _alter_object(store, txn, replace(obj, owner=new.oid, acl=acl))


def _regranted(item: str, old: dict[str, int], new_name: str) -> str:
    grantee, privileges, grantor = parse_aclitem(item)
    rename = {name: new_name for name in old}
    return format_aclitem(rename.get(grantee, grantee), privileges, rename.get(grantor, grantor))


def _drop_owned(session: "Session", txn, oids: set[int], names: set[str], cascade: bool) -> None:
    store = session.store
    behaviour = "CASCADE" if cascade else "RESTRICT"
    drops = []
    for obj in _owned_objects(session, store.snapshot(txn)):
        if isinstance(obj, DatabaseDef) or obj.owner not in oids:
            continue
        if isinstance(obj, NamespaceDef):
            drops.append((3, f"DROP SCHEMA IF EXISTS {quote_ident(obj.name)} {behaviour}"))
        elif isinstance(obj, FunctionDef):
            word = "PROCEDURE" if obj.kind == "p" else "FUNCTION"
            args = ", ".join(R.format_type(t.pg, t.typmod) for t in obj.input_types)
            drops.append((2, f"DROP {word} IF EXISTS {_qualified(session, obj)}({args}) {behaviour}"))
        elif obj.kind in _DROP_WORDS:
            what = f"{_DROP_WORDS[obj.kind]} IF EXISTS {_qualified(session, obj)}"
            drops.append((_DROP_ORDER[obj.kind], f"DROP {what} {behaviour}"))
    for _, sql in sorted(drops, key=lambda d: d[0]):  # views before tables, schemas last
        run_sql(session, sql)
    for obj in _owned_objects(session, store.snapshot(txn)):
        kept = tuple(item for item in obj.acl if parse_aclitem(item)[0] not in names)
        if kept != obj.acl:
            _alter_object(store, txn, replace(obj, acl=kept))


_DROP_WORDS = {"v": "VIEW", "m": "MATERIALIZED VIEW", "r": "TABLE", "p": "TABLE", "S": "SEQUENCE"}
_DROP_ORDER = {"v": 0, "m": 0, "r": 1, "p": 1, "S": 2}


def _qualified(session: "Session", obj: RelationDef | FunctionDef) -> str:
    return f"{quote_ident(session.catalog().namespace_name(obj.namespace))}.{quote_ident(obj.name)}"


def _alter_object(store, txn, obj) -> None:
    alter = {RelationDef: store.alter_relation, NamespaceDef: store.alter_namespace, FunctionDef: store.alter_function,
             DatabaseDef: store.alter_database}[type(obj)]
    alter(txn, obj)
