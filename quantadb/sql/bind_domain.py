"""The constraints a conversion to a domain checks, bound once per statement (types/domains.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from quantadb.sql.expr import Expr
from quantadb.sql.parse import parse_expression
from quantadb.sql.plan import PlanColumn
from quantadb.sql.scope import Scope
from quantadb.types.domains import Domain
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.sql.bind_expr import ExprBinder


@dataclass(frozen=True)
class DomainChecks:
    """What exec's coerce_to_domain checks: NOT NULL, then each CHECK, bound over the one
    column VALUE (a NULL passes a CHECK, as in a table's)."""

    name: str
    not_null: bool
    checks: tuple[tuple[str, Expr], ...]


def bind_domain_checks(binder: "ExprBinder", domain: Domain, base: SqlType) -> DomainChecks:
    scope = Scope()
    scope.add("", [PlanColumn("value", base)])
    inner = type(binder)(scope, [], binder.fmt, binder.bind_subquery, binder.resolve_regclass)
    checks = tuple((name, inner.bind_bool(parse_expression(text), "CHECK")) for name, text in domain.checks)
    return DomainChecks(domain.name, domain.not_null, checks)
