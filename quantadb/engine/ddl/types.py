"""CREATE TYPE ... AS ENUM, ALTER TYPE, DROP TYPE, CREATE DOMAIN, DROP DOMAIN (composite types'
CREATE and ... ATTRIBUTE actions: engine/ddl/composite.py).

A type is a catalog object (storage TypeDef, kind "type"): created, changed and dropped in the
session's transaction like a table, WAL-logged and replayed. Its labels are pg_enum's rows:
each has an OID and a float sort order, so ADD VALUE BEFORE/AFTER takes the midpoint of its
neighbours (as PostgreSQL's AddEnumLabel) and no stored value changes. Values are stored as
their labels (types/enums.py), so RENAME VALUE also updates the rows holding the old label.
A domain keeps its base type and constraints' texts; columns and casts of it check them
(types/domains.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import (
    creation_namespace,
    kind_word,
    notice_cascade,
    quote_ident,
    quote_relation,
    run_sql,
)
from quantadb.engine.ddl.composite import alter_composite, create_composite
from quantadb.engine.ddl.domains import ACTIONS as DOMAIN_ACTIONS
from quantadb.engine.ddl.domains import alter_domain, bind_check, constraint_name
from quantadb.engine.results import Result
from quantadb.errors import (
    DatatypeMismatch,
    DependentObjectsStillExist,
    DuplicateObject,
    InsufficientPrivilege,
    InvalidParameterValue,
    UndefinedObject,
    UniqueViolation,
    WrongObjectType,
)
from quantadb.sql import type_stmts as T
from quantadb.sql.typenames import parse_type_name
from quantadb.storage.catalog import FunctionDef, RelationDef, TypeDef
from quantadb.types import registry as R
from quantadb.types.domains import domain_of, type_oid

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_NAMEDATALEN = 63


def run_type_statement(session: "Session", stmt: T.TypeStmt) -> Result:
    if isinstance(stmt, T.CreateEnum):
        return _create_enum(session, stmt)
    if isinstance(stmt, T.CreateDomain):
        return _create_domain(session, stmt)
    if isinstance(stmt, T.CreateComposite):
        return create_composite(session, *_new_type(session, stmt.name), stmt)
    if isinstance(stmt, T.DropTypes):
        return _drop(session, stmt)
    return _alter(session, stmt)


def _name(parts: tuple[str, ...]) -> str:
    return ".".join(parts)


def _check_label(label: str) -> None:
    if len(label.encode()) > _NAMEDATALEN:
        raise InvalidParameterValue(f'invalid enum label "{label}"',
                                    detail=f"Labels must be {_NAMEDATALEN} bytes or less.")


def _new_type(session: "Session", parts: tuple[str, ...]) -> tuple[int, str]:
    """The schema and name of a new type: no type (nor table, whose row type it would be) has it."""
    namespace, name = creation_namespace(session, parts)
    catalog = session.catalog()
    if session.store.catalog.find_relation(catalog.snap, session.database_oid, namespace, name) is not None or \
            session.store.catalog.find_type(catalog.snap, session.database_oid, namespace, name) is not None:
        raise DuplicateObject(f'type "{name}" already exists')
    return namespace, name


def _create_domain(session: "Session", stmt: T.CreateDomain) -> Result:
    namespace, name = _new_type(session, stmt.name)
    base = parse_type_name(stmt.base)
    if base.pg.category == "P":
        raise DatatypeMismatch(f'"{R.format_type(base.pg)}" is not a valid base type for a domain')
    checks, taken = [], set()
    for given, text in stmt.checks:
        check_name = given or constraint_name(session, namespace, name, taken)
        taken.add(check_name)
        checks.append((check_name, text))
    store, txn = session.store, session._ensure_txn()
    under = domain_of(base)  # a domain over a domain takes its DEFAULT, as PostgreSQL's DefineDomain
    default = stmt.default if stmt.default is not None or under is None else under.default
    definition = TypeDef(0, session.database_oid, namespace, name, "d", 0, owner=session.role_oid, base=base,
                         not_null=stmt.not_null, default=default, checks=tuple(checks))
    # the constraints must bind (and the default convert) over the base type, as at CREATE in PostgreSQL
    for _, text in checks:
        bind_check(session, base, text)
    if stmt.default is not None:
        run_sql(session, f"SELECT ({stmt.default})::{stmt.base} WHERE false")
    array_oid, oid = store.allocate_oid(txn), store.allocate_oid(txn)  # in the order PostgreSQL takes them
    check_oids = tuple(store.allocate_oid(txn) for _ in checks)
    store.create_type(txn, replace(definition, oid=oid, array_oid=array_oid, check_oids=check_oids))
    return Result(tag="CREATE DOMAIN")


def _create_enum(session: "Session", stmt: T.CreateEnum) -> Result:
    namespace, name = _new_type(session, stmt.name)
    store, txn = session.store, session._ensure_txn()
    for label in stmt.labels:
        _check_label(label)
    array_oid, oid = store.allocate_oid(txn), store.allocate_oid(txn)  # in the order PostgreSQL takes them
    if len(set(stmt.labels)) != len(stmt.labels):  # what PostgreSQL's pg_enum unique index says
        dup = next(x for i, x in enumerate(stmt.labels) if x in stmt.labels[:i])
        raise UniqueViolation('duplicate key value violates unique constraint "pg_enum_typid_label_index"',
                              detail=f"Key (enumtypid, enumlabel)=({oid}, {dup}) already exists.")
    labels = tuple((store.allocate_oid(txn), float(i + 1), label) for i, label in enumerate(stmt.labels))
    store.create_type(txn, TypeDef(oid, session.database_oid, namespace, name, "e", array_oid, labels,
                                   owner=session.role_oid))
    return Result(tag="CREATE TYPE")


def _find(session: "Session", parts: tuple[str, ...]) -> TypeDef:
    found = session.catalog().find_type(list(parts))
    if found is None:
        raise UndefinedObject(f'type "{_name(parts)}" does not exist')
    return found


def alter_row_type(session: "Session", t: TypeDef, stmt: T.AlterType) -> Result:
    """ALTER TYPE of a relation's row type: RENAME ATTRIBUTE renames the relation's column, as in
    PostgreSQL; the other attribute actions find no composite type, the rest belong to ALTER TABLE."""
    if stmt.action == "rename_attribute":
        rel = session.catalog().relation(t.relid)
        run_sql(session, f"ALTER TABLE {quote_relation(session, rel)} RENAME COLUMN {quote_ident(stmt.value)} "
                         f"TO {quote_ident(stmt.new_value)}")
        return Result(tag="ALTER TYPE")
    if stmt.action.endswith("_attribute"):
        raise WrongObjectType(f'"{t.name}" is not a composite type')
    raise WrongObjectType(f"{t.name} is a table's row type", hint="Use ALTER TABLE instead.")


def _require_owner(session: "Session", t: TypeDef) -> None:
    if not session.superuser and t.owner != session.role_oid:
        raise InsufficientPrivilege(f"must be owner of type {t.name}")


def dependent_columns(session: "Session", t: TypeDef) -> list[tuple[RelationDef, str]]:
    """The (table, column) pairs whose column is of the type or of its array type."""
    return [(rel, c.name) for rel in session.catalog().relations() for c in rel.columns
            if not c.dropped and type_oid(c.type) in (t.oid, t.array_oid)]


def _drop(session: "Session", stmt: T.DropTypes) -> Result:
    catalog = session.catalog()
    found: list[TypeDef] = []
    for parts in stmt.names:
        t = catalog.find_type(list(parts))
        if t is None:
            if not stmt.if_exists:
                raise UndefinedObject(f'type "{_name(parts)}" does not exist')
            session.notice(f'type "{_name(parts)}" does not exist, skipping')
            continue
        if stmt.domain and t.kind != "d":
            raise WrongObjectType(f'"{t.name}" is not a domain')
        if t.relkind != "c":  # a relation's row type goes with the relation
            word = kind_word(t.relkind)
            raise DependentObjectsStillExist(f"cannot drop type {t.name} because {word} {t.name} requires it",
                                             hint=f"You can drop {word} {t.name} instead.")
        _require_owner(session, t)
        found.append(t)
    for t in found:
        drop_type(session, t, stmt.cascade)
    return Result(tag="DROP DOMAIN" if stmt.domain else "DROP TYPE")


def drop_type(session: "Session", t: TypeDef, cascade: bool) -> None:
    """Drop `t`; with `cascade`, what depends on it too (else 2BP01 while some exists)."""
    dependents = type_dependents(session, t)
    if dependents and not cascade:
        lines = [f"{what} depends on type {on}" for what, on, _ in dependents]
        raise DependentObjectsStillExist(f"cannot drop type {t.name} because other objects depend on it",
                                         detail="\n".join(lines),
                                         hint="Use DROP ... CASCADE to drop the dependent objects too.")
    notice_cascade(session, [what for what, _, _ in dependents])
    drop_dependents(session, dependents)
    session.store.drop_type(session._ensure_txn(), t.oid)


def drop_types(session: "Session", types: list[TypeDef]) -> None:
    """Drop `types` and what depends on them, quietly (DROP SCHEMA ... CASCADE's own notice)."""
    for t in types:
        if session.store.catalog.type_(session.catalog().snap, t.oid) is not None:  # not gone with another
            drop_dependents(session, type_dependents(session, t))
            session.store.drop_type(session._ensure_txn(), t.oid)


def drop_dependents(session: "Session", dependents: list[tuple[str, str, object]]) -> None:
    """The objects type_dependents found: columns and attributes of the type, functions taking or
    returning it, domains over it."""
    txn = session._ensure_txn()
    for _, _, obj in dependents:
        if isinstance(obj, tuple) and isinstance(obj[0], TypeDef):  # a composite type's attribute
            outer, field = obj
            outer = session.store.catalog.type_(session.catalog().snap, outer.oid)
            alter_composite(session, outer, T.AlterType((outer.name,), "drop_attribute", field),
                            type_users(session, outer))
        elif isinstance(obj, tuple):
            rel, col = obj
            run_sql(session, f"ALTER TABLE {quote_relation(session, rel)} DROP COLUMN {quote_ident(col)}")
        elif isinstance(obj, FunctionDef) and session.catalog().function(obj.oid) is not None:
            session.store.drop_function(txn, obj.oid)
    for _, _, obj in reversed(dependents):
        if isinstance(obj, TypeDef):
            session.store.drop_type(txn, obj.oid)


def type_dependents(session: "Session", t: TypeDef) -> list[tuple[str, str, object]]:
    """(what, the type it depends on, the TypeDef, (table, column), (composite type, field) or
    FunctionDef) for the columns and composite types' fields of `t`, the functions taking or
    returning it and the domains over it, theirs too, in the order PostgreSQL reports them: what
    depends on the array type first, then what depends on the type in the order it was made, a
    domain followed by what depends on it."""
    catalog = session.catalog()
    types, functions = catalog.types(), catalog.functions()
    columns = [(rel, c) for rel in catalog.relations() for c in rel.columns if not c.dropped]

    def direct(x: TypeDef, oid: int, of: str) -> list[tuple[int, list[tuple[str, str, object]]]]:
        found = [(c.oid, [(f"column {field} of composite type {c.name}", of, (c, field))])
                 for c in types for field, ft in c.fields if type_oid(ft) == oid]
        found += [(rel.oid, [(f"column {col.name} of table {rel.name}", of, (rel, col.name))])
                  for rel, col in columns if type_oid(col.type) == oid]
        found += [(d.oid, [(f"type {d.name}", of, d)] + visit(d)) for d in types
                  if d.kind == "d" and type_oid(d.base) == oid]
        for fn in functions:
            if any(type_oid(a) == oid for a in fn.arg_types + (fn.return_type,)):
                args = ", ".join(catalog.format_type(type_oid(a)) for a in fn.input_types)
                found.append((fn.oid, [(f"function {fn.name}({args})", of, fn)]))
        return found

    def visit(x: TypeDef) -> list[tuple[str, str, object]]:
        found = sorted(direct(x, x.array_oid, x.name + "[]"), key=lambda e: e[0]) if x.array_oid else []
        found += sorted(direct(x, x.oid, x.name), key=lambda e: e[0])
        return [entry for _, entries in found for entry in entries]
    return visit(t)


def type_users(session: "Session", t: TypeDef) -> list[tuple]:
    """What stores values of `t`, in the order PostgreSQL's find_composite_type_dependencies finds
    them: (table, column) of it (or of a domain over it, or of an array) and (composite type,
    attribute) with a field of it while some table stores values of that composite type."""
    return [obj for _, _, obj in type_dependents(session, t) if isinstance(obj, tuple) and
            (isinstance(obj[0], RelationDef) or type_users(session, obj[0]))]


def _alter(session: "Session", stmt: T.AlterType) -> Result:
    t = _find(session, stmt.name)
    if stmt.domain and t.kind != "d":  # (ALTER's messages do not quote the name, DROP's do)
        raise WrongObjectType(f"{t.name} is not a domain")
    if stmt.action in ("add_value", "rename_value") and t.kind != "e":
        raise WrongObjectType(f"{t.name} is not an enum")
    if stmt.action.endswith("_attribute") and t.kind != "c":
        raise WrongObjectType(f"{t.name} is not a composite type")
    if t.relkind != "c":
        return alter_row_type(session, t, stmt)
    _require_owner(session, t)
    txn = session._ensure_txn()
    if stmt.action == "add_value":
        new = _add_value(session, t, stmt)
        if new is None:
            return Result(tag="ALTER TYPE")
    elif stmt.action == "rename_value":
        new = _rename_value(t, stmt.value, stmt.new_value)
    elif stmt.action.endswith("_attribute"):
        alter_composite(session, t, stmt, type_users(session, t))
        return Result(tag="ALTER TYPE")
    elif stmt.action in DOMAIN_ACTIONS:
        new = alter_domain(session, t, stmt)
        if new is None:
            return Result(tag="ALTER DOMAIN")
    elif stmt.action == "rename":
        if session.store.catalog.find_type(session.catalog().snap, t.database, t.namespace, stmt.value) is not None:
            raise DuplicateObject(f'type "{stmt.value}" already exists')
        new = replace(t, name=stmt.value)
    elif stmt.action == "owner":
        role = session.store.catalog.find_role(session.catalog().snap, stmt.value)
        if role is None:
            raise UndefinedObject(f'role "{stmt.value}" does not exist')
        new = replace(t, owner=role.oid)
    else:
        ns = session.catalog().namespace_oid(stmt.value)
        if ns is None:
            raise UndefinedObject(f'schema "{stmt.value}" does not exist')
        new = replace(t, namespace=ns)
    session.store.alter_type(txn, new)
    if stmt.action == "rename_value":
        _relabel_rows(session, new, stmt.value, stmt.new_value)
    return Result(tag="ALTER DOMAIN" if stmt.domain else "ALTER TYPE")


def comment_on_type(session: "Session", u) -> Result:
    """COMMENT ON TYPE name IS 'text' | NULL."""
    t = _find(session, tuple(u.name))
    _require_owner(session, t)
    if t.relkind != "c":  # a relation's row type: kept on the relation
        rel = session.catalog().relation(t.relid)
        session.store.alter_relation(session._ensure_txn(), replace(rel, type_comment=u.comment))
    else:
        session.store.alter_type(session._ensure_txn(), replace(t, comment=u.comment))
    return Result(tag="COMMENT")


def _add_value(session: "Session", t: TypeDef, stmt: T.AlterType) -> TypeDef | None:
    labels = {label: order for _, order, label in t.labels}
    if stmt.value in labels:
        if stmt.if_not_exists:
            session.notice(f'enum label "{stmt.value}" already exists, skipping', "42710")
            return None
        raise DuplicateObject(f'enum label "{stmt.value}" already exists')
    _check_label(stmt.value)
    orders = sorted(labels.values())
    if stmt.neighbour is None:
        order = orders[-1] + 1 if orders else 1.0
    else:
        if stmt.neighbour not in labels:
            raise InvalidParameterValue(f'"{stmt.neighbour}" is not an existing enum label')
        at = orders.index(labels[stmt.neighbour])
        if stmt.after:
            order = (orders[at] + orders[at + 1]) / 2 if at + 1 < len(orders) else orders[at] + 1
        else:
            order = (orders[at - 1] + orders[at]) / 2 if at > 0 else orders[at] - 1
    oid = session.store.allocate_oid(session._ensure_txn())
    session.state.new_enum_labels |= {oid}
    return replace(t, labels=t.labels + ((oid, order, stmt.value),))


def _rename_value(t: TypeDef, old: str, new: str) -> TypeDef:
    names = [label for _, _, label in t.labels]
    if old not in names:
        raise InvalidParameterValue(f'"{old}" is not an existing enum label')
    if new in names:
        raise DuplicateObject(f'enum label "{new}" already exists')
    _check_label(new)
    return replace(t, labels=tuple((oid, order, new if label == old else label) for oid, order, label in t.labels))


def _relabel_rows(session: "Session", t: TypeDef, old: str, new: str) -> None:
    """Rows store labels: those holding the old one get the new (new row versions, so the
    rename stays transactional)."""
    for rel, col in dependent_columns(session, t):
        if rel.kind != "r":
            continue
        c = rel.column(col)
        if c is None or c.type.pg.oid != t.oid:
            continue
        column = quote_ident(col)
        run_sql(session, f"UPDATE {quote_relation(session, rel)} SET {column} = {_literal(new)} "
                         f"WHERE {column}::text = {_literal(old)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
