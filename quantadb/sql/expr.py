"""Bound expressions: the binder's output, typed and name-resolved.

Every node carries its result `type` (a SqlType). Column references point at a position in
the input row of the operator that evaluates them (`ColumnRef.index`), so the executor never
looks names up. Function and operator calls name their implementation by `impl`, a key into
`quantadb.exec.functions.SCALARS` (the SQL layer may not import the executor).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from quantadb.types import registry as R
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
    """A scalar function or operator call. `strict` calls return NULL when any argument is NULL.
    `routine`: the bound body of a user-defined SQL function (sql/functions/user.py);
    `domain`: what coerce_to_domain checks (sql/bind_domain.py)."""

    name: str
    impl: str
    args: list[Expr]
    type: SqlType
    strict: bool = True
    volatile: bool = False
    routine: Any = None
    domain: Any = None

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
    """AND / OR / NOT with SQL three-valued logic."""

    op: str  # "and" | "or" | "not"
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
    """CASE WHEN c1 THEN r1 ... ELSE e END. A simple CASE (CASE subject WHEN v1 ...) keeps its
    `subject`, computed once per row, and each condition compares a CaseTest with the value."""

    whens: list[tuple[Expr, Expr]]
    default: Expr | None
    type: SqlType
    subject: Expr | None = None

    def children(self) -> list[Expr]:
        out = [self.subject] if self.subject is not None else []
        out += [e for pair in self.whens for e in pair]
        return out + ([self.default] if self.default is not None else [])


@dataclass(eq=False)
class CaseTest(Expr):
    """The subject of the innermost simple CASE being evaluated (PostgreSQL's CaseTestExpr)."""

    type: SqlType


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
    eq_impl: str = ""

    def children(self) -> list[Expr]:
        return [self.arg, *self.items]


@dataclass(eq=False)
class DistinctTest(Expr):
    """a IS [NOT] DISTINCT FROM b, built on the type's `=` call (`negated` = IS DISTINCT FROM)."""

    eq: Call
    negated: bool
    type: SqlType

    def children(self) -> list[Expr]:
        return [self.eq]


@dataclass(eq=False)
class QuantifiedCompare(Expr):
    """arg op ANY/ALL (array): `op_impl` compares arg with each element."""

    arg: Expr
    array: Expr
    op_impl: str
    all: bool
    type: SqlType

    def children(self) -> list[Expr]:
        return [self.arg, self.array]


@dataclass(eq=False)
class Subscript(Expr):
    """array[i] or array[lo:hi] (1-based, PostgreSQL semantics: out of range gives NULL)."""

    base: Expr
    index: Expr | None
    upper: Expr | None
    is_slice: bool
    type: SqlType

    def children(self) -> list[Expr]:
        return [e for e in (self.base, self.index, self.upper) if e is not None]


@dataclass(eq=False)
class WindowCall(Expr):
    """A window function call: evaluated by the Window operator, referenced by position after it."""

    name: str
    impl: str
    args: list[Expr]
    type: SqlType
    partition_by: list[Expr] = field(default_factory=list)
    order_by: list[tuple[Expr, bool, bool]] = field(default_factory=list)
    frame: tuple | None = None  # (mode, start, start_offset, end, end_offset, exclude)
    is_aggregate: bool = False
    distinct: bool = False
    filter: Expr | None = None

    def children(self) -> list[Expr]:
        out = list(self.args) + list(self.partition_by) + [e for e, _, _ in self.order_by]
        return out + ([self.filter] if self.filter is not None else [])


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


def conjuncts(e: Expr) -> list[Expr]:
    """The conjuncts of an AND (nested ANDs flattened); [e] for anything else."""
    if isinstance(e, BoolOp) and e.op == "and":
        return [c for a in e.args for c in conjuncts(a)]
    return [e]


def conjoin(parts: list[Expr]) -> Expr | None:
    """The AND of `parts` (None for none, the one part alone)."""
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else BoolOp("and", parts, SqlType(R.BOOL))


def expr_key(expr: Expr) -> tuple:
    """A hashable structural identity: equal keys mean the same computation (GROUP BY matching)."""
    parts: list = [type(expr).__name__]
    for name, value in vars(expr).items():
        if isinstance(value, Expr):
            parts.append((name, expr_key(value)))
        elif isinstance(value, list):
            parts.append((name, tuple(expr_key(v) if isinstance(v, Expr) else _plain(v) for v in value)))
        elif name == "plan":
            parts.append((name, id(value)))
        else:
            parts.append((name, _plain(value)))
    return tuple(parts)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(expr_key(v) if isinstance(v, Expr) else _plain(v) for v in value)
    if isinstance(value, (list, dict, set)):
        return repr(value)
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


def transform(expr: Expr, fn) -> Expr:
    """Rebuild `expr` bottom-up; `fn(node)` returns a replacement or None to keep recursing."""
    replaced = fn(expr)
    if replaced is not None:
        return replaced
    changes = {}
    for name, value in vars(expr).items():
        if isinstance(value, Expr):
            changes[name] = transform(value, fn)
        elif isinstance(value, list) and value and any(isinstance(v, (Expr, tuple)) for v in value):
            changes[name] = [_transform_item(v, fn) for v in value]
    if not changes:
        return expr
    clone = copy.copy(expr)
    for name, value in changes.items():
        setattr(clone, name, value)
    return clone


def _transform_item(value: Any, fn) -> Any:
    if isinstance(value, Expr):
        return transform(value, fn)
    if isinstance(value, tuple):
        return tuple(_transform_item(v, fn) for v in value)
    return value
