"""A PL/pgSQL function's variables: one Var per declared name, in a chain of block namespaces
(PostgreSQL's PLpgSQL_nsitem list): a name is looked up from the innermost block out, and
`label.name` in the block of that label (the function's name labels its parameters' block).

Values are kept as the SQL engine represents them (a record as a tuple, its fields' names and
types on its SqlType); a value assigned to a variable is converted to the variable's type
as an assignment cast would (`convert`), falling back to text I/O as PL/pgSQL does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quantadb.errors import NullValueNotAllowed, SqlError
from quantadb.exec.columns import column_values
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate
from quantadb.sql.bind_expr import ExprBinder
from quantadb.sql.expr import Const, Expr
from quantadb.sql.scope import Scope
from quantadb.types import registry as R
from quantadb.types.codecs import DEFAULT_CONTEXT
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import is_rowtype, record_fields


@dataclass(eq=False)
class Var:
    name: str
    type: SqlType
    value: Any = None
    constant: bool = False
    not_null: bool = False
    declared_row: bool = False  # %ROWTYPE / a table's row type: its fields are fixed

    @property
    def is_record(self) -> bool:
        """A row variable: of type record, or of a composite type (a parameter of a table's row type)."""
        return is_rowtype(self.type.pg)


class Namespace:
    """One block's variables, and the enclosing blocks'."""

    def __init__(self, parent: "Namespace | None", label: str | None) -> None:
        self.parent = parent
        self.label = label
        self.vars: dict[str, Var] = {}

    def add(self, var: Var) -> Var:
        self.vars[var.name] = var
        return var

    def find(self, name: str) -> Var | None:
        ns: Namespace | None = self
        while ns is not None:
            var = ns.vars.get(name)
            if var is not None:
                return var
            ns = ns.parent
        return None

    def labelled(self, label: str) -> "Namespace | None":
        ns: Namespace | None = self
        while ns is not None:
            if ns.label == label:
                return ns
            ns = ns.parent
        return None

    def resolve(self, name: str, qualifier: list[str]) -> tuple[Var, str | None] | None:
        """The variable (and record field) `qualifier.name` names, as plpgsql_ns_lookup reads
        `a`, `block.a`, `rec.f` and `block.rec.f`."""
        if not qualifier:
            var = self.find(name)
            return (var, None) if var is not None else None
        if len(qualifier) == 1:
            block = self.labelled(qualifier[0])
            if block is not None and name in block.vars:
                return block.vars[name], None
            rec = self.find(qualifier[0])
            return (rec, name) if rec is not None and rec.is_record else None
        if len(qualifier) == 2:
            block = self.labelled(qualifier[0])
            rec = block.vars.get(qualifier[1]) if block is not None else None
            return (rec, name) if rec is not None and rec.is_record else None
        return None


def convert(value: Any, src: SqlType, dst: SqlType, ctx: EvalContext) -> Any:
    """`value` of type `src` as a value of `dst` (exec_cast_value)."""
    if value is None or dst.pg is src.pg and (dst.typmod < 0 or dst.typmod == src.typmod) or \
            dst.pg is R.RECORD:
        return value
    return column_values(evaluate(cast_expr(Const(value, src), dst), Batch([], 1), ctx))[0]


def cast_expr(operand: Expr, dst: SqlType) -> Expr:
    """`operand` converted as an assignment cast would, else through text (the source's output
    read by the target's input), as PL/pgSQL converts what it assigns."""
    if dst.pg is R.RECORD or operand.type == dst:
        return operand
    binder = ExprBinder(Scope(), [], DEFAULT_CONTEXT, None, None)
    try:
        return binder.coerce(operand, dst, "a")
    except SqlError:
        return binder.coerce(binder.coerce(operand, SqlType(R.TEXT), "e"), dst, "e")


def check_not_null(var: Var) -> None:
    if var.not_null and var.value is None:
        raise NullValueNotAllowed(f'null value cannot be assigned to variable "{var.name}" declared NOT NULL')


def assign(var: Var, value: Any, src: SqlType, ctx: EvalContext) -> None:
    """var := value (of type src): converted to the variable's type; a RECORD variable takes the
    value's row type, a row-typed one converts field by field."""
    if var.is_record and not var.declared_row:
        var.type = src if is_rowtype(src.pg) else var.type
        var.value = value
        return
    if var.is_record:
        fields = record_fields(var.type)
        given = record_fields(src)
        value = None if value is None else tuple(
            convert(v, given[i][1] if i < len(given) else SqlType(R.UNKNOWN), t, ctx) if i < len(value) else None
            for i, ((_, t), v) in enumerate(zip(fields, list(value) + [None] * len(fields))))
        var.value = value
        return
    var.value = convert(value, src, var.type, ctx)
    check_not_null(var)

