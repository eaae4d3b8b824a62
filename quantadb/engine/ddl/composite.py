"""CREATE TYPE name AS (field type, ...) and ALTER TYPE's ... ATTRIBUTE actions.

A composite type is a TypeDef of kind "c": its fields and the OID of the pg_class row
(relkind 'c') that PostgreSQL gives every composite type, which the pg_class and pg_attribute
generators list. Values are tuples in field order (types/composite.py), so ADD and DROP
ATTRIBUTE rewrite the values a table column of the type holds (`_rewrite_values`); ALTER
ATTRIBUTE ... TYPE is refused while a column uses the type, as in PostgreSQL. RENAME ATTRIBUTE
changes no value.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import dropped_column, quote_ident, quote_relation, run_sql
from quantadb.engine.results import Result
from quantadb.errors import DuplicateColumn, FeatureNotSupported, InvalidTableDefinition, UndefinedColumn
from quantadb.sql import type_stmts as T
from quantadb.sql.bind_support import check_collation_name
from quantadb.sql.typenames import parse_type_name
from quantadb.storage.catalog import ColumnDef, RelationDef, TypeDef
from quantadb.types import registry as R
from quantadb.types.domains import type_oid
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


def alter_composite(session: "Session", t: TypeDef, stmt: T.AlterType, users: list[tuple[object, str]]) -> None:
    """One ... ATTRIBUTE action, stored. `users` holds what stores values of the type: (table,
    column) pairs and (composite type, attribute) pairs."""
    fields = list(t.fields)
    names = [f for f, _ in fields]
    if stmt.action != "add_attribute" and stmt.value not in names:
        if stmt.action == "drop_attribute" and stmt.if_not_exists:
            session.notice(f'column "{stmt.value}" of relation "{t.name}" does not exist, skipping')
            return
        raise UndefinedColumn(f'column "{stmt.value}" of relation "{t.name}" does not exist')
    keep = list(range(len(fields)))  # the old positions of the new fields' values (None: NULL)
    if stmt.action == "rename_attribute":
        _check_new_field(fields, stmt.new_value, t.name, relation=True)
        at = names.index(stmt.value)
        fields[at] = (stmt.new_value, fields[at][1])
        users = []  # no value changes
    elif stmt.action == "add_attribute":
        _check_new_field(fields, stmt.value, t.name, relation=True)
        fields.append((stmt.value, _field_type(stmt.value, stmt.new_value, stmt.collation)))
        keep.append(None)
    elif stmt.action == "drop_attribute":
        del fields[names.index(stmt.value)]
        del keep[names.index(stmt.value)]
    else:  # alter_attribute: no value may hold the type (find_composite_type_dependencies)
        if users:
            owner, field = users[0]
            raise FeatureNotSupported(f'cannot alter type "{t.name}" because column "{owner.name}.{field}" uses it')
        at = names.index(stmt.value)
        fields[at] = (stmt.value, _field_type(stmt.value, stmt.new_value, stmt.collation))
    new = replace(t, fields=tuple(fields))
    _rewrite_values(session, t, new, keep, users)


def _rewrite_values(session: "Session", old: TypeDef, new: TypeDef, keep: list[int | None],
                    users: list[tuple[object, str]]) -> None:
    """Store `new` and reshape the values columns of it hold (stage_values, restore_values)."""
    staged = stage_values(session, old, keep, users)
    session.store.alter_type(session._ensure_txn(), new)
    restore_values(session, new.oid, staged)


Staged = list[tuple[int, ColumnDef, ColumnDef, bool]]  # (table OID, column of the type, hidden text column, an array?)


def stage_values(session: "Session", old: TypeDef, keep: list[int | None], users: list[tuple[object, str]]) -> Staged:
    """Before a composite type's fields change (ALTER TYPE ... ATTRIBUTE, or ALTER TABLE ADD / DROP
    COLUMN of a table whose row type some column holds): each value's new fields as record_out
    text into a hidden column while the type has the old fields (`keep`: the old positions of the
    new fields, None for a new one), for restore_values to read back under the new fields
    (PostgreSQL keeps a dropped attribute's slot in every value instead). A table column of the
    type or of a one-dimensional array of it is rewritten: values inside other composite types or
    domains are refused (0A000)."""
    store, txn = session.store, session._ensure_txn()
    type_name = session.catalog().format_type(old.oid)
    columns = []
    for owner, name in users:
        column = owner.column(name) if isinstance(owner, RelationDef) else None
        if column is None or owner.kind != "r" or type_oid(column.type) not in (old.oid, old.array_oid):
            raise FeatureNotSupported(f'cannot add or drop attributes of type "{old.name}" while '
                                      f'column "{owner.name}.{name}" holds its values inside another type')
        columns.append((owner, column))
    staged = []
    for rel, column in columns:
        rel = session.catalog().relation(rel.oid)
        attnum = max(c.attnum for c in rel.columns) + 1
        hidden = ColumnDef(attnum, f"........pg.retype.{attnum}........", SqlType(R.TEXT))
        store.alter_relation(txn, replace(rel, columns=rel.columns + (hidden,)))
        value, array = quote_ident(column.name), type_oid(column.type) == old.array_oid
        if array:  # each element's text read under the old fields, in order; a NULL element stays one
            _check_plain_arrays(session, rel, column, old)
            text = (f"CASE WHEN {value} IS NULL THEN NULL ELSE ARRAY(SELECT {_reshaped('(e.x::' + type_name + ')', old, keep)} "
                    f"FROM unnest({value}::text[]) WITH ORDINALITY AS e(x, n) ORDER BY e.n)::text END")
        else:
            text = _reshaped(value, old, keep)
        run_sql(session, f"UPDATE {quote_relation(session, rel)} SET {quote_ident(hidden.name)} = {text}")
        staged.append((rel.oid, column, hidden, array))
    return staged


def _check_plain_arrays(session: "Session", rel: RelationDef, column: ColumnDef, old: TypeDef) -> None:
    """The rewrite reads an array's elements in order into a new one-dimensional array: more
    dimensions would be lost, so they are refused (0A000)."""
    value = quote_ident(column.name)
    found = run_sql(session, f"SELECT 1 FROM {quote_relation(session, rel)} WHERE array_ndims({value}) > 1 LIMIT 1")
    if found.batches and found.batches[0].length:
        raise FeatureNotSupported(f'cannot add or drop attributes of type "{old.name}" while column '
                                  f'"{rel.name}.{column.name}" holds multidimensional arrays of it')


def _reshaped(value: str, old: TypeDef, keep: list[int | None]) -> str:
    """The record_out text of value `value` (SQL) of the type with the fields `keep` selects."""
    fields = ", ".join("NULL" if i is None else f"({value}).{quote_ident(old.fields[i][0])}" for i in keep)
    return f"CASE WHEN {value}::text IS NULL THEN NULL ELSE ROW({fields})::text END"


def restore_values(session: "Session", type_oid_: int, staged: Staged) -> None:
    """The staged texts read back as values of the type's new fields; the hidden columns dropped."""
    store, txn = session.store, session._ensure_txn()
    type_name = session.catalog().format_type(type_oid_)
    for oid, column, hidden, array in staged:
        rel = session.catalog().relation(oid)
        run_sql(session, f"UPDATE {quote_relation(session, rel)} SET {quote_ident(column.name)} = "
                         f"{quote_ident(hidden.name)}::{type_name}{'[]' if array else ''}")
        store.alter_relation(txn, replace(rel, columns=tuple(dropped_column(c) if c.attnum == hidden.attnum else c
                                                              for c in rel.columns)))
