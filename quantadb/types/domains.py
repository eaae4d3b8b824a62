"""Domains (CREATE DOMAIN name AS base ...): a base type with constraints.

A value of a domain is a value of its base type, stored and sent as one (PostgreSQL's
RowDescription names the base type too), and operators and functions see the base type. So a
domain-typed expression is the base type's SqlType marked in `extra` with a `Domain`: the
domain's OID, name, NOT NULL and CHECK texts (over VALUE). Only what converts a value *to* the
domain (a cast, an INSERT or UPDATE of a domain column, COPY) reads the mark, and checks the
constraints (sql/bind_expr.py coerce, exec/functions/domains.py). The mark is the domain as it
was when the column or expression took it: ALTER DOMAIN changes constraints under existing
columns, so what checks them looks the domain up again by OID (sql/bind_domain.py current_domain). A
domain over a domain carries its base domain's mark (`base_extra`): converting to it checks the
base domain's constraints first. The domain also has a PgType of its own OID (pg_type rows, format_type,
regtype) and, for a domain created with one, an array type (`_name`): a column of `d[]` is the
base type's array marked with the domain ("domain[]"), and converting to it checks every element.
It is sent as the base type's array too, where PostgreSQL names `_name` in RowDescription (an
OID clients cannot decode without asking the catalog).
"""

from __future__ import annotations

import dataclasses

from quantadb.types import registry as r
from quantadb.types.registry import PgType, SqlType

# the extra of a domain-typed SqlType:
# (("domain", oid, name, not_null, ((check name, text), ...), default, base domain's extra),)
_TAG = "domain"
_ARRAY_TAG = "domain[]"  # an array of a domain: ((_ARRAY_TAG, the element's mark),)


@dataclasses.dataclass(frozen=True)
class Domain:
    oid: int
    name: str
    not_null: bool
    checks: tuple[tuple[str, str], ...]
    default: str | None = None
    base_extra: tuple = ()  # the base domain's mark, () over a type that is no domain


def domain_type(oid: int, name: str, base: SqlType, not_null: bool, checks: tuple[tuple[str, str], ...],
                default: str | None) -> SqlType:
    return SqlType(base.pg, base.typmod, ((_TAG, oid, name, not_null, tuple(checks), default, tuple(base.extra)),))


def domain_of(t: SqlType) -> Domain | None:
    """The domain an expression's type is, or None for any other type (records included)."""
    extra = t.extra
    if len(extra) == 1 and isinstance(extra[0], tuple) and extra[0] and extra[0][0] == _TAG:
        _, oid, name, not_null, checks, default, *base = extra[0]  # (marks logged before domains over domains: 6)
        return Domain(oid, name, not_null, tuple(tuple(c) for c in checks), default, tuple(base[0]) if base else ())
    return None


def array_domain_type(element: SqlType) -> SqlType:
    """The type of `d[]` for domain-typed `element`."""
    return SqlType(r.array_of(element.pg), element.typmod, ((_ARRAY_TAG, element.extra[0]),))


def element_domain_type(t: SqlType) -> SqlType | None:
    """The domain-typed element of an array-of-domain `t`, else None."""
    extra = t.extra
    if len(extra) == 1 and isinstance(extra[0], tuple) and len(extra[0]) == 2 and extra[0][0] == _ARRAY_TAG:
        return SqlType(r.element_of(t.pg), t.typmod, (tuple(extra[0][1]),))
    return None


def is_domain_type(t: SqlType) -> bool:
    """A domain or an array of one: what converting to checks constraints."""
    return bool(t.extra) and (domain_of(t) is not None or element_domain_type(t) is not None)


def type_oid(t: SqlType) -> int:
    """The OID a catalog names `t` by: the domain's for a domain-typed one, the domain's array
    type's for an array of a domain."""
    if not t.extra:
        return t.pg.oid
    element = element_domain_type(t)
    if element is not None:
        return r.BY_OID[domain_of(element).oid].array_oid
    domain = domain_of(t)
    return domain.oid if domain is not None else t.pg.oid


def base_type(t: SqlType) -> SqlType:
    """What a domain-typed `t` converts to first: its base domain, or the plain base type."""
    domain = domain_of(t)
    return SqlType(t.pg, t.typmod, domain.base_extra if domain is not None else ())


def domain_oids(t: SqlType) -> list[int]:
    """The domain `t` is and the domains under it (a domain over a domain), outermost first."""
    oids = []
    domain = domain_of(t) if t.extra else None
    while domain is not None:
        oids.append(domain.oid)
        domain = domain_of(SqlType(t.pg, t.typmod, domain.base_extra)) if domain.base_extra else None
    return oids


def define(oid: int, name: str, base: SqlType, array_oid: int = 0) -> PgType:
    """The domain's own PgType (its OID, the base type's representation) and its array type's,
    known by OID (for the catalogs: values of them are of the base types)."""
    t = dataclasses.replace(base.pg, oid=oid, name=name, array_oid=array_oid, elem_oid=0, sql_name="",
                            preferred=False)
    r.BY_OID[oid] = t
    if array_oid:
        r.BY_OID[array_oid] = PgType(array_oid, "_" + name, -1, "A", r.array_of(base.pg).dtype, 0, oid, name + "[]")
    return t
