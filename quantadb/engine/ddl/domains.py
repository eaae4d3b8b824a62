"""ALTER DOMAIN's constraint and default forms: ADD [CONSTRAINT name] CHECK (...) [NOT VALID],
DROP CONSTRAINT [IF EXISTS], VALIDATE CONSTRAINT, RENAME CONSTRAINT, SET / DROP DEFAULT,
SET / DROP NOT NULL.

Each makes a new version of the domain's TypeDef (WAL-logged and replayed as any ALTER TYPE);
columns of the domain see it from their next statement on (sql/bind_domain.py current_domain).
A new CHECK (unless NOT VALID), VALIDATE CONSTRAINT and SET NOT NULL first read the values
already stored in every column of the domain, or of a domain over it, as PostgreSQL's
validateDomainConstraint and AlterDomainNotNull do.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import quote_ident, quote_relation, run_sql
from quantadb.errors import (
    CheckViolation,
    DuplicateObject,
    FeatureNotSupported,
    NotNullViolation,
    UndefinedObject,
)
from quantadb.sql import type_stmts as T
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.parse import parse_expression
from quantadb.sql.plan import PlanColumn
from quantadb.sql.scope import Scope
from quantadb.sql.stored_exprs import parse_stored
from quantadb.storage.catalog import RelationDef, TypeDef
from quantadb.types.domains import base_type, domain_oids, element_domain_type
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

ACTIONS = ("add_check", "drop_constraint", "validate", "rename_constraint", "set_default", "drop_default",
           "set_not_null", "drop_not_null")


def constraint_name(session: "Session", namespace: int, domain: str, taken: set[str]) -> str:
    """ChooseConstraintName: d_check, then d_check1, d_check2 ..., one no constraint of the
    schema (a table's or a domain's) has, nor one in `taken`."""
    catalog = session.catalog()
    taken = taken | {con.name for rel in catalog.relations() if rel.namespace == namespace for con in rel.constraints}
    taken |= {name for t in catalog.types() if t.namespace == namespace for name, _ in t.checks}
    name, n = f"{domain}_check", 0
    while name in taken:
        n += 1
        name = f"{domain}_check{n}"
    return name


def bind_check(session: "Session", base: SqlType, text: str) -> None:
    """A CHECK must bind over VALUE of the base type, to boolean (42804 otherwise), with no
    subquery or aggregate (as PostgreSQL's parser refuses them there)."""
    scope = Scope()
    scope.add("", [PlanColumn("value", SqlType(base.pg, base.typmod))])
    QueryBinder(session.catalog(), [], session.format_context).expr_binder(scope).bind_bool(
        parse_stored(text, "check constraint"), "CHECK")


def alter_domain(session: "Session", t: TypeDef, stmt: T.AlterType) -> TypeDef | None:
    """The domain's new definition, or None when there is nothing to change (IF EXISTS)."""
    names = [name for name, _ in t.checks]
    if stmt.action == "add_check":
        return _add_check(session, t, stmt, names)
    if stmt.action == "set_default":
        binder = QueryBinder(session.catalog(), [], session.format_context).expr_binder(Scope())
        binder.coerce(binder.bind(parse_expression(stmt.new_value)), base_type(t.sql_type()), "a")
        return replace(t, default=stmt.new_value)
    if stmt.action == "drop_default":
        return replace(t, default=None)
    if stmt.action == "set_not_null":
        if not t.not_null:
            for rel, col in _stored_columns(session, t):
                if _any_row(session, rel, f"{quote_ident(col)} IS NULL"):
                    raise NotNullViolation(f'column "{col}" of table "{rel.name}" contains null values')
        return replace(t, not_null=True)
    if stmt.action == "drop_not_null":
        return replace(t, not_null=False)
    if stmt.value not in names:
        if stmt.action == "rename_constraint":
            raise UndefinedObject(f'constraint "{stmt.value}" for domain {t.name} does not exist')
        message = f'constraint "{stmt.value}" of domain "{t.name}" does not exist'
        if stmt.action == "drop_constraint" and stmt.if_not_exists:
            session.notice(message + ", skipping")
            return None
        raise UndefinedObject(message)
    if stmt.action == "rename_constraint":
        if stmt.new_value in names:
            raise DuplicateObject(f'constraint "{stmt.new_value}" for domain {t.name} already exists')
        return replace(t, checks=tuple((stmt.new_value if name == stmt.value else name, text) for name, text in t.checks),
                       not_valid=tuple(stmt.new_value if name == stmt.value else name for name in t.not_valid))
    if stmt.action == "validate":
        if stmt.value in t.not_valid:
            _check_rows(session, t, dict(t.checks)[stmt.value])
        return replace(t, not_valid=tuple(name for name in t.not_valid if name != stmt.value))
    at = names.index(stmt.value)  # drop_constraint
    return replace(t, checks=t.checks[:at] + t.checks[at + 1:], check_oids=t.check_oids[:at] + t.check_oids[at + 1:],
                   not_valid=tuple(name for name in t.not_valid if name != stmt.value))


def _add_check(session: "Session", t: TypeDef, stmt: T.AlterType, names: list[str]) -> TypeDef:
    name = stmt.value or constraint_name(session, t.namespace, t.name, set(names))
    if name in names:
        raise DuplicateObject(f'constraint "{name}" for domain "{t.name}" already exists')
    bind_check(session, t.base, stmt.new_value)
    if not stmt.not_valid:
        _check_rows(session, t, stmt.new_value)
    oid = session.store.allocate_oid(session._ensure_txn())
    return replace(t, checks=(*t.checks, (name, stmt.new_value)), check_oids=(*t.check_oids, oid),
                   not_valid=(*t.not_valid, name) if stmt.not_valid else t.not_valid)


def _check_rows(session: "Session", t: TypeDef, check: str) -> None:
    """23514 when a stored value of the domain fails `check` (a NULL result passes, as in a CHECK)."""
    for rel, col in _stored_columns(session, t):
        if _any_row(session, rel, f"NOT ({check})", col):
            raise CheckViolation(f'column "{col}" of table "{rel.name}" contains values that violate the new constraint')


def _stored_columns(session: "Session", t: TypeDef) -> list[tuple[RelationDef, str]]:
    """The columns holding values of the domain (or of a domain over it) in relations with rows;
    0A000 for an array of it, which PostgreSQL 15 does not read either."""
    found = []
    for rel in session.catalog().relations():
        for c in rel.columns:
            element = element_domain_type(c.type) if not c.dropped else None
            if element is not None and t.oid in domain_oids(element):
                raise FeatureNotSupported(f'cannot alter type "{t.name}" because column "{rel.name}.{c.name}" uses it')
            if not c.dropped and rel.kind in ("r", "m") and t.oid in domain_oids(c.type):
                found.append((rel, c.name))
    return found


def _any_row(session: "Session", rel: RelationDef, condition: str, value_of: str | None = None) -> bool:
    """Whether a row of `rel` meets `condition` (over the column `value_of` named VALUE, if given)."""
    source = quote_relation(session, rel)
    if value_of is not None:
        source = f"(SELECT {quote_ident(value_of)} AS value FROM {source}) AS d"
    return run_sql(session, f"SELECT 1 FROM {source} WHERE {condition} LIMIT 1").tag != "SELECT 0"
