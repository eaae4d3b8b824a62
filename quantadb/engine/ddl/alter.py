"""ALTER TABLE / INDEX / SEQUENCE / VIEW and ALTER SCHEMA: the relation-level actions (renames,
constraints, owner, schema, storage options, sequence options); column actions are in
alter_columns.py."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl import alter_columns as C
from quantadb.engine.ddl.common import check_type_name, require_owner, session_txn
from quantadb.engine.ddl.generated import rename_references
from quantadb.engine.ddl.index_exprs import renamed_keys
from quantadb.engine.ddl.renames import Followed, following, store_followed
from quantadb.engine.ddl.row_types import refuse_row_type_retype, reshaping_values
from quantadb.engine.ddl.sequences import alter_sequence
from quantadb.engine.ddl.tables import add_constraint, validate_check, validate_foreign_key
from quantadb.engine.ddl.triggers import enable_trigger
from quantadb.engine.membership import new_owner
from quantadb.engine.privileges import owns, schema_create
from quantadb.engine.results import Result
from quantadb.errors import (
    DuplicateColumn,
    DuplicateObject,
    DuplicateSchema,
    DuplicateTable,
    InsufficientPrivilege,
    InvalidSchemaName,
    InvalidTableDefinition,
    UndefinedObject,
    UndefinedTable,
    WrongObjectType,
)
from quantadb.sql import ddl_stmts as D
from quantadb.sql.view_updatable import checked_view_options
from quantadb.storage.catalog import RelationDef
from quantadb.types.domains import type_oid

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def alter(session: "Session", stmt: D.AlterRelation) -> Result:
    hit = session.catalog().resolve_relation(list(stmt.name))
    if hit is None or hit.relation is None:
        if stmt.if_exists:
            session.notice(f'relation "{stmt.name[-1]}" does not exist, skipping')
            return Result(tag=f"ALTER {stmt.kind}")
        raise UndefinedTable(f'relation "{stmt.name[-1]}" does not exist')
    rel = hit.relation
    require_owner(session, rel)
    for action in stmt.actions:
        rel = _alter_action(session, rel, action)
    return Result(tag=f"ALTER {stmt.kind}")


def _alter_action(session: "Session", rel: RelationDef, action: D.AlterAction) -> RelationDef:
    store, txn = session.store, session_txn(session)
    followed: Followed = {}  # what follows a rename (renames.py)
    match action:
        case D.AddColumn(spec, if_not_exists):
            if rel.type_oid and type_oid(spec.type) in (rel.type_oid, rel.array_type_oid):
                raise InvalidTableDefinition(f"composite type {rel.name} cannot be made a member of itself")
            return reshaping_values(session, rel, lambda names: names if spec.name in names else names + [spec.name],
                                    lambda: C.add_column(session, rel, spec, if_not_exists))
        case D.DropColumn(name, if_exists, cascade):
            return reshaping_values(session, rel, lambda names: [n for n in names if n != name],
                                    lambda: C.drop_column(session, rel, name, if_exists, cascade))
        case D.SetColumnType(name, new_type, using):
            refuse_row_type_retype(session, rel)
            return C.change_type(session, rel, C.column(rel, name), new_type, using)
        case D.AddConstraint(con):
            return add_constraint(session, rel, con)
        case D.DropConstraint(name, if_exists):
            return _drop_constraint(session, rel, name, if_exists)
        case D.ValidateConstraint(name):
            return _validate_constraint(session, rel, name)
        case D.AlterConstraint(name, deferrable, deferred):
            rel = _alter_constraint(rel, name, deferrable, deferred)
        case D.EnableTrigger():
            return enable_trigger(session, rel, action)
        case D.AlterSequenceOptions(spec):
            if rel.kind != "S":
                raise WrongObjectType(f'"{rel.name}" is not a sequence')
            return alter_sequence(session, rel, spec)
        case D.SetOwner(role):
            _set_owner(session, rel, role)
            return store.catalog.relation(store.snapshot(txn), rel.oid)
        case D.SetSchema(schema):
            _set_schema(session, rel, schema)
            return store.catalog.relation(store.snapshot(txn), rel.oid)
        case D.RenameColumn(old, new):
            col = C.column(rel, old)
            if rel.column(new) is not None:
                raise DuplicateColumn(f'column "{new}" of relation "{rel.name}" already exists')
            own = (rel.oid, col.attnum - 1, new) if rel.kind in ("v", "m") else None
            followed = following(session, columns={(rel.oid, col.attnum): new}, output=own)
            rel = renamed_keys(session, rename_references(C.replace_column(rel, replace(col, name=new)), old, new))
        case D.RenameRelation(new):
            if store.catalog.find_relation(session.catalog().snap, rel.database, rel.namespace, new) is not None:
                raise DuplicateTable(f'relation "{new}" already exists')
            if rel.type_oid:
                check_type_name(session, rel.namespace, new, creating=False)
            followed = following(session, {rel.oid: (session.catalog().namespace_name(rel.namespace), new)})
            rel = replace(rel, name=new)
        case D.RenameConstraint(old, new):
            rel = _rename_constraint(session, rel, old, new)
        case D.SetColumnDefault(name, default):
            rel = C.set_default(rel, name, default)
        case D.DropExpression(name, if_exists):
            rel = C.drop_expression(session, rel, name, if_exists)
        case D.SetColumnNotNull(name, not_null):
            rel = C.set_not_null(session, rel, name, not_null)
        case D.AddIdentity(name, always, spec):
            rel = C.add_identity(session, rel, name, always, spec)
        case D.AlterIdentity(name, always, spec):
            rel = C.alter_identity(session, rel, name, always, spec)
        case D.DropIdentity(name, if_exists):
            rel = C.drop_identity(session, rel, name, if_exists)
        case D.SetStorageOptions(set_, reset):
            keys = {o.split("=", 1)[0] for o in set_} | set(reset)
            rel = replace(rel, options=tuple(o for o in rel.options if o.split("=", 1)[0] not in keys) + set_)
            if rel.kind == "v":
                rel = checked_view_options(session.catalog(), rel)
    if rel.oid in followed:
        rel = replace(rel, **followed.pop(rel.oid))
    store.alter_relation(txn, rel)
    store_followed(session, followed)
    return rel


def _alter_constraint(rel: RelationDef, name: str, deferrable: bool, deferred: bool) -> RelationDef:
    """ALTER CONSTRAINT: a foreign key's deferral, for the transactions that start after (a
    running one's SET CONSTRAINTS and kept checks stay as they are, engine/deferred.py)."""
    con = next((c for c in rel.constraints if c.name == name), None)
    if con is None:
        raise UndefinedObject(f'constraint "{name}" of relation "{rel.name}" does not exist')
    if con.kind != "f":
        raise WrongObjectType(f'constraint "{name}" of relation "{rel.name}" is not a foreign key constraint')
    changed = replace(con, deferrable=deferrable, deferred=deferred)
    return replace(rel, constraints=tuple(changed if c is con else c for c in rel.constraints))


def _validate_constraint(session: "Session", rel: RelationDef, name: str) -> RelationDef:
    """VALIDATE CONSTRAINT: check the rows a NOT VALID constraint was added over, then mark it valid."""
    con = next((c for c in rel.constraints if c.name == name), None)
    if con is None:
        raise UndefinedObject(f'constraint "{name}" of relation "{rel.name}" does not exist')
    if con.kind not in ("c", "f"):
        raise WrongObjectType(f'constraint "{name}" of relation "{rel.name}" is not a foreign key or check constraint')
    if con.validated:
        return rel
    if con.kind == "c":
        validate_check(session, rel, con)
    else:
        validate_foreign_key(session, rel, con)
    rel = replace(rel, constraints=tuple(replace(c, validated=True) if c.oid == con.oid else c
                                         for c in rel.constraints))
    session.store.alter_relation(session_txn(session), rel)
    return rel


def _drop_constraint(session: "Session", rel: RelationDef, name: str, if_exists: bool) -> RelationDef:
    con = next((c for c in rel.constraints if c.name == name), None)
    if con is None:
        if if_exists:
            session.notice(f'constraint "{name}" of relation "{rel.name}" does not exist, skipping')
            return rel
        raise UndefinedObject(f'constraint "{name}" of relation "{rel.name}" does not exist')
    store, txn = session.store, session_txn(session)
    rel = replace(rel, constraints=tuple(c for c in rel.constraints if c.oid != con.oid))
    store.alter_relation(txn, rel)
    if con.index_oid:
        store.drop_relation(txn, con.index_oid)
    return rel


def _rename_constraint(session: "Session", rel: RelationDef, old: str, new: str) -> RelationDef:
    """The constraint and, for a key, the index that implements it (as PostgreSQL renames both)."""
    con = next((c for c in rel.constraints if c.name == old), None)
    if con is None:
        raise UndefinedObject(f'constraint "{old}" for table "{rel.name}" does not exist')
    store, txn = session.store, session_txn(session)
    if con.index_oid and store.catalog.find_relation(session.catalog().snap, rel.database, rel.namespace,
                                                     new) is not None:
        raise DuplicateTable(f'relation "{new}" already exists')
    if any(c.name == new for c in rel.constraints):
        raise DuplicateObject(f'constraint "{new}" for relation "{rel.name}" already exists')
    if con.index_oid:
        store.alter_relation(txn, replace(store.catalog.relation(store.snapshot(txn), con.index_oid), name=new))
    return replace(rel, constraints=tuple(replace(c, name=new) if c.oid == con.oid else c for c in rel.constraints))


def _dependents(session: "Session", rel: RelationDef) -> list[RelationDef]:
    """The relation with what goes along with it: its indexes and the sequences it owns."""
    out = [rel]
    if rel.kind == "r":
        out += session.catalog().indexes_of(rel.oid)
        out += [s for s in session.catalog().relations()
                if s.kind == "S" and s.sequence is not None and s.sequence.owned_by
                and s.sequence.owned_by[0] == rel.oid]
    return out


def _set_owner(session: "Session", rel: RelationDef, role_name: str) -> None:
    store, txn = session.store, session_txn(session)
    role = new_owner(session, role_name)
    for member in _dependents(session, rel):
        store.alter_relation(txn, replace(store.catalog.relation(store.snapshot(txn), member.oid), owner=role.oid))


def _set_schema(session: "Session", rel: RelationDef, schema: str) -> None:
    store, txn = session.store, session_txn(session)
    ns = session.catalog().namespace_oid(schema)
    if ns is None:
        raise InvalidSchemaName(f'schema "{schema}" does not exist')
    schema_create(session, ns)
    if ns == rel.namespace:
        return
    members = _dependents(session, rel)
    followed = following(session, {m.oid: (schema, m.name) for m in members})
    for member in members:
        if store.catalog.find_relation(store.snapshot(txn), rel.database, ns, member.name) is not None:
            raise DuplicateTable(f'relation "{member.name}" already exists in schema "{schema}"')
        if member.type_oid:
            check_type_name(session, ns, member.name, creating=False)
        store.alter_relation(txn, replace(store.catalog.relation(store.snapshot(txn), member.oid), namespace=ns))
    store_followed(session, followed)


def alter_schema(session: "Session", stmt: D.AlterSchema) -> Result:
    store, txn = session.store, session_txn(session)
    snap = store.snapshot(txn)
    ns = store.catalog.find_namespace(snap, session.database_oid, stmt.name)
    if ns is None:
        raise InvalidSchemaName(f'schema "{stmt.name}" does not exist')
    if not owns(session, ns.owner):
        raise InsufficientPrivilege(f"must be owner of schema {stmt.name}")
    followed: Followed = {}
    if stmt.new_name is not None:
        if store.catalog.find_namespace(snap, session.database_oid, stmt.new_name) is not None:
            raise DuplicateSchema(f'schema "{stmt.new_name}" already exists')
        followed = following(session, {r.oid: (stmt.new_name, r.name) for r in session.catalog().relations()
                                       if r.namespace == ns.oid}, schema=(ns.name, stmt.new_name))
        ns = replace(ns, name=stmt.new_name)
    else:
        ns = replace(ns, owner=new_owner(session, stmt.owner).oid)
    store.alter_namespace(txn, ns)
    store_followed(session, followed)
    return Result(tag="ALTER SCHEMA")
