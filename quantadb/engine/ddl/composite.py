"""CREATE TYPE name AS (field type, ...) and ALTER TYPE's ... ATTRIBUTE actions.

A composite type is a TypeDef of kind "c": its fields and the OID of the pg_class row
(relkind 'c') that PostgreSQL gives every composite type, which the pg_class and pg_attribute
generators list. Values are tuples in field order (types/composite.py), so changing the fields
of a type some column (or another composite type) uses would leave stored values out of step
with them: ADD, DROP and ALTER ATTRIBUTE are refused then (0A000; PostgreSQL keeps a dropped
attribute's slot in every value instead). RENAME ATTRIBUTE changes no value and is always allowed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.results import Result
from quantadb.errors import DuplicateColumn, FeatureNotSupported, InvalidTableDefinition, UndefinedColumn
from quantadb.sql import type_stmts as T
from quantadb.sql.bind_support import check_collation_name
from quantadb.sql.typenames import parse_type_name
from quantadb.storage.catalog import TypeDef
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

Field = tuple[str, SqlType]


def create_composite(session: "Session", namespace: int, name: str, stmt: T.CreateComposite) -> Result:
    fields: list[Field] = []
    for field, type_text, collation in stmt.fields:
        _check_new_field(fields, field, name)
        fields.append((field, _field_type(field, type_text, collation)))
    store, txn = session.store, session._ensure_txn()
    # in the order PostgreSQL takes them: the relation, the array type, the type
    relid, array_oid, oid = store.allocate_oid(txn), store.allocate_oid(txn), store.allocate_oid(txn)
    store.create_type(txn, TypeDef(oid, session.database_oid, namespace, name, "c", array_oid,
                                   owner=session.role_oid, fields=tuple(fields), relid=relid))
    return Result(tag="CREATE TYPE")


def _check_new_field(fields: list[Field], field: str, type_name: str, relation: bool = False) -> None:
    if any(f == field for f, _ in fields):
        if relation:
            raise DuplicateColumn(f'column "{field}" of relation "{type_name}" already exists')
        raise DuplicateColumn(f'column "{field}" specified more than once')


def _field_type(field: str, type_text: str, collation: str | None) -> SqlType:
    """An attribute's type; its COLLATE must name a collation of a collatable type (every
    collation orders as C here, so none is kept)."""
    t = parse_type_name(type_text)
    if t.pg.category == "P":  # CheckAttributeType
        raise InvalidTableDefinition(f'column "{field}" has pseudo-type {R.format_type(t.pg)}')
    if collation is not None:
        check_collation_name(collation, t)
    return t


def alter_composite(session: "Session", t: TypeDef, stmt: T.AlterType, users: list[str]) -> TypeDef | None:
    """The type after one ... ATTRIBUTE action; `users` names what stores values of it
    ("column c of table t"). None when there is nothing to change (DROP ATTRIBUTE IF EXISTS)."""
    fields = list(t.fields)
    names = [f for f, _ in fields]
    if stmt.action != "add_attribute" and stmt.value not in names:
        if stmt.action == "drop_attribute" and stmt.if_not_exists:
            session.notice(f'column "{stmt.value}" of relation "{t.name}" does not exist, skipping')
            return None
        raise UndefinedColumn(f'column "{stmt.value}" of relation "{t.name}" does not exist')
    if stmt.action == "rename_attribute":
        _check_new_field(fields, stmt.new_value, t.name, relation=True)
        at = names.index(stmt.value)
        fields[at] = (stmt.new_value, fields[at][1])
        return replace(t, fields=tuple(fields))
    if users:
        raise FeatureNotSupported(f'cannot change the attributes of type "{t.name}" while {users[0]} uses it',
                                  hint="Only RENAME ATTRIBUTE is supported on a type in use.")
    if stmt.action == "add_attribute":
        _check_new_field(fields, stmt.value, t.name, relation=True)
        fields.append((stmt.value, _field_type(stmt.value, stmt.new_value, stmt.collation)))
    elif stmt.action == "drop_attribute":
        del fields[names.index(stmt.value)]
    else:  # alter_attribute: no value holds the type, so no value converts
        at = names.index(stmt.value)
        fields[at] = (stmt.value, _field_type(stmt.value, stmt.new_value, stmt.collation))
    return replace(t, fields=tuple(fields))
