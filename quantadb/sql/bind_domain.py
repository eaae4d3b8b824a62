"""The constraints a conversion to a domain checks, bound once per statement (types/domains.py),
as the statement's catalog has them (ALTER DOMAIN changes them under existing columns)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from quantadb.sql.expr import Call, Expr
from quantadb.sql.parse import parse_expression
from quantadb.sql.plan import PlanColumn
from quantadb.sql.scope import Scope
from quantadb.sql.typenames import current_user_type
from quantadb.types.domains import (
    Domain,
    array_domain_type,
    domain_of,
    element_domain_type,
)
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.sql.bind_expr import ExprBinder


@dataclass(frozen=True)
class DomainChecks:
    """What exec's coerce_to_domain checks, all in the name of the domain converted to: NOT NULL
    (of it or of a domain under it), then each CHECK, the base domain's first and each domain's in
    name order (as PostgreSQL's typcache), bound over the one column VALUE (a NULL passes a CHECK,
    as in a table's)."""

    name: str
    not_null: bool
    checks: tuple[tuple[str, Expr], ...]
    array: bool = False  # the value is an array of the domain: each element is checked


def coerce_to_domain(binder: "ExprBinder", e: Expr, target: SqlType, context: str) -> Expr:
    """`e` converted to domain-typed `target` (or to an array of a domain): to the base type, then
    checked against the domain as it is now."""
    target = current_domain(target)
    base = binder.coerce(e, SqlType(target.pg, target.typmod), context)
    checks = bind_domain_checks(binder, target)
    return Call(checks.name, "coerce_to_domain", [base], target, strict=False, domain=checks)


def bind_domain_checks(binder: "ExprBinder", target: SqlType) -> DomainChecks:
    """`target`: a domain-typed SqlType, or an array of a domain, as current_domain gives it."""
    element = element_domain_type(target)
    if element is not None:
        return replace(bind_domain_checks(binder, element), array=True)
    scope = Scope()
    scope.add("", [PlanColumn("value", SqlType(target.pg, target.typmod))])
    inner = type(binder)(scope, [], binder.fmt, binder.bind_subquery, binder.resolve_regclass)
    chain = _chain(target)
    checks = tuple((name, inner.bind_bool(parse_expression(text), "CHECK"))
                   for domain in chain for name, text in sorted(domain.checks))
    return DomainChecks(chain[-1].name, any(d.not_null for d in chain), checks)


def _chain(t: SqlType) -> list[Domain]:
    """The domain `t` is and the domains under it (a domain over a domain), base first."""
    chain = []
    domain = domain_of(t)
    while domain is not None:
        chain.append(domain)
        under = SqlType(t.pg, t.typmod, domain.base_extra)
        domain = domain_of(current_domain(under)) if domain.base_extra else None
    return chain[::-1]


def current_domain(t: SqlType) -> SqlType:
    """Domain-typed `t` (or an array of a domain) with the domain's constraints and default as
    they are now (a column's type holds them as they were when it was created); `t` itself when
    the domain is gone."""
    element = element_domain_type(t)
    if element is not None:
        return array_domain_type(current_domain(element))
    domain = domain_of(t)
    now = current_user_type(domain.oid) if domain is not None else None
    return SqlType(t.pg, t.typmod, now.extra) if now is not None and domain_of(now) is not None else t
