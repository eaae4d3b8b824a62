"""Bound expressions: the binder's output, typed and name-resolved.

Every node carries its result `type` (a SqlType). Column references point at a position in
the input row of the operator that evaluates them (`ColumnRef.index`), so the executor never
looks names up. Function and operator calls name their implementation by `impl`, a key into
`quantadb.exec.functions.SCALARS` (the SQL layer may not import the executor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quantadb.types.registry import SqlType


class Expr:
    type: SqlType

    def children(self) -> list["Expr"]:
        return []


@dataclass(eq=False)
class Const(Expr):
    """A literal or a folded constant; `value` is in the type's representation (None = NULL)."""

    value: Any
    type: SqlType


@dataclass(eq=False)
class Param(Expr):
    """$n (1-based), typed by inference or by the client's Parse."""

    number: int
    type: SqlType


@dataclass(eq=False)
class ColumnRef(Expr):
    index: int
    type: SqlType
    name: str = ""


@dataclass(eq=False)
class OuterRef(Expr):
    """A column of an enclosing query's row (correlated subquery); `depth` 1 = immediate parent."""

    depth: int
    index: int
    type: SqlType
    name: str = ""


@dataclass(eq=False)
class Call(Expr):
    """A scalar function or operator call. `strict` calls return NULL when any argument is NULL."""

    name: str
    impl: str
    args: list[Expr]
    type: SqlType
    strict: bool = True
    volatile: bool = False

    def children(self) -> list[Expr]:
        return self.args


@dataclass(eq=False)
class Cast(Expr):
    arg: Expr
    type: SqlType
    explicit: bool = True

    def children(self) -> list[Expr]:
        return [self.arg]


@dataclass(eq=False)
class BoolOp(Expr):
    """AND / OR with SQL three-valued logic; NOT is a Call."""

    op: str  # "and" | "or"
    args: list[Expr]
    type: SqlType

    def children(self) -> list[Expr]:
        return self.args


@dataclass(eq=False)
class NullTest(Expr):
    arg: Expr
    negated: bool  # IS NOT NULL
    type: SqlType

    def children(self) -> list[Expr]:
        return [self.arg]


@dataclass(eq=False)
class Case(Expr):
    """CASE WHEN c1 THEN r1 ... ELSE e END (a simple CASE is rewritten to this form)."""

    whens: list[tuple[Expr, Expr]]
    default: Expr | None
    type: SqlType

    def children(self) -> list[Expr]:
        out = [e for pair in self.whens for e in pair]
        return out + ([self.default] if self.default is not None else [])


@dataclass(eq=False)
class Coalesce(Expr):
    args: list[Expr]
    type: SqlType

    def children(self) -> list[Expr]:
        return self.args


@dataclass(eq=False)
class InList(Expr):
    """x IN (a, b, c) with NULL semantics; all items already coerced to a common type."""

    arg: Expr
    items: list[Expr]
    negated: bool
    type: SqlType

    def children(self) -> list[Expr]:
        return [self.arg, *self.items]


@dataclass(eq=False)
class ArrayExpr(Expr):
    """ARRAY[a, b, c]."""

    items: list[Expr]
    type: SqlType

    def children(self) -> list[Expr]:
        return self.items


@dataclass(eq=False)
class SubqueryExpr(Expr):
    """A subquery used as a value: kind is 'scalar', 'exists', 'in' (arg IN (subquery)),
    'any'/'all' (arg op ANY/ALL (subquery)) or 'array' (ARRAY(subquery))."""

    kind: str
    plan: Any  # sql.plan.Plan
    type: SqlType
    arg: Expr | None = None
    op_impl: str = ""
    negated: bool = False
    correlated: bool = False

    def children(self) -> list[Expr]:
        return [self.arg] if self.arg is not None else []


@dataclass(eq=False)
class AggRef(Expr):
    """An aggregate call inside a grouped query, replaced by the aggregate's output column."""

    name: str
    impl: str
    args: list[Expr]
    type: SqlType
    distinct: bool = False
    filter: Expr | None = None
    order_by: list[tuple[Expr, bool, bool]] = field(default_factory=list)  # (expr, desc, nulls_first)

    def children(self) -> list[Expr]:
        out = list(self.args)
        if self.filter is not None:
            out.append(self.filter)
        return out + [e for e, _, _ in self.order_by]


def walk(expr: Expr):
    """Pre-order traversal of an expression tree."""
    yield expr
    for child in expr.children():
        yield from walk(child)
