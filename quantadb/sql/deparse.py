"""Bound expressions as PostgreSQL's ruleutils.c prints stored ones (pg_get_expr,
pg_get_constraintdef): every operator, AND/OR/NOT and IS [NOT] NULL in its own parentheses,
constants with their type (`'none'::text`, `'-1'::integer`, `1.5`), casts as `(x)::type`, IN
lists as `= ANY (ARRAY[...])`, CASE laid out on lines (PRETTYFLAG_INDENT).

Implicit casts are shown (`(0)::numeric`) except at the top of the expression and directly
under AND/OR/NOT, as ruleutils' `showimplicit` flag does. Constraints and defaults are stored as
the SQL the user wrote; `deparse_stored` binds that text against the table to print it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from quantadb.sql import expr as E
from quantadb.sql.functions.signature import OPERATORS
from quantadb.sql.quoting import quote_ident
from quantadb.types import registry as R
from quantadb.types.codecs import format_value
from quantadb.types.context import FormatContext

_INDENT = 4  # PRETTYINDENT_VAR
_OPERATOR_CHARS = set("+-*/<>=~!@#%^&|`?")
# functions the grammar spells as keywords (SQLValueFunction): printed as the keyword
_KEYWORD_FUNCTIONS = {"current_date": "CURRENT_DATE", "current_time": "CURRENT_TIME",
                      "current_timestamp": "CURRENT_TIMESTAMP",
                      "localtimestamp": "LOCALTIMESTAMP", "localtime": "LOCALTIME",
                      "current_user": "CURRENT_USER", "session_user": "SESSION_USER",
                      "current_role": "CURRENT_ROLE", "current_catalog": "CURRENT_CATALOG"}
@dataclass
class Deparser:
    """`columns`: names of the ColumnRef positions; `reg_name(type name, oid)`: how a reg*
    constant names its object (the catalog's business, not the binder's); `pretty`: the
    PRETTYFLAG_PAREN form (`pg_get_constraintdef(oid, true)`, psql's \\d), which leaves out
    the parentheses precedence makes redundant (isSimpleNode)."""

    columns: list[str]
    fmt: FormatContext
    reg_name: Callable[[str, int], str]
    pretty: bool = False
    indent: int = 0

    def text(self, e: E.Expr, show_implicit: bool = False) -> str:
        if isinstance(e, E.Call) and e.domain is not None:  # a conversion to a domain shows as its value
            return self.text(e.args[0], show_implicit)
        if isinstance(e, E.Const):
            return self.const(e)
        if isinstance(e, E.ColumnRef):
            return quote_ident(self.columns[e.index] if e.index < len(self.columns) else e.name)
        if isinstance(e, E.Cast):
            if not e.explicit and not show_implicit:
                return self.text(e.arg)
            return self.cast(e)
        if isinstance(e, E.Call):
            return self.call(e)
        if isinstance(e, E.BoolOp):
            if e.op == "not":
                return self._own_parens(f"NOT {self._arg(e.args[0], e, False)}")
            return self._own_parens(f" {e.op.upper()} ".join(self._arg(a, e, False) for a in e.args))
        if isinstance(e, E.NullTest):
            return self._own_parens(f"{self._arg(e.arg, e)} IS {'NOT ' if e.negated else ''}NULL")
        if isinstance(e, E.DistinctTest):
            left, right = (self._arg(a, e) for a in e.eq.args)
            return self._own_parens(f"{left} IS {'' if e.negated else 'NOT '}DISTINCT FROM {right}")
        if isinstance(e, E.InList):  # the parser's form of IN: a ScalarArrayOpExpr over an ARRAY[]
            items = ", ".join(self.text(i, True) for i in e.items)
            op, quantifier = ("<>", "ALL") if e.negated else ("=", "ANY")
            return self._own_parens(f"{self._arg(e.arg, e)} {op} {quantifier} (ARRAY[{items}])")
        if isinstance(e, E.QuantifiedCompare):
            op = operator_symbol(e.op_impl)
            quantifier = "ALL" if e.all else "ANY"
            return self._own_parens(f"{self._arg(e.arg, e)} {op} {quantifier} ({self._arg(e.array, e)})")
        if isinstance(e, E.ArrayExpr):
            return "ARRAY[" + ", ".join(self.text(i, True) for i in e.items) + "]"
        if isinstance(e, E.Coalesce):
            return "COALESCE(" + ", ".join(self.text(a, True) for a in e.args) + ")"
        if isinstance(e, E.Case):
            return self.case(e)
        raise ValueError(f"no deparse form for {type(e).__name__}")

    def _own_parens(self, text: str) -> str:
        """Operators, boolean operators and tests parenthesise themselves unless pretty."""
        return text if self.pretty else f"({text})"

    def _arg(self, e: E.Expr, parent: E.Expr, show_implicit: bool = True) -> str:
        """get_rule_expr_paren: in pretty form, parentheses where `e` is not simple under `parent`."""
        text = self.text(e, show_implicit)
        if self.pretty and not _is_simple(_shown(e, show_implicit), parent):
            return f"({text})"
        return text

    def const(self, c: E.Const, show_type: bool = True) -> str:
        """get_const_expr: unlabelled where the literal alone has the type (non-negative int4,
        float-looking numeric, bool), else quoted and labelled."""
        t = c.type
        label = f"::{self.type_label(t)}" if show_type else ""
        if c.value is None:
            return "NULL" + label
        if t.pg is R.BOOL:
            return "true" if c.value else "false"
        if t.pg in R.NAME_RESOLVED_REG_TYPES:
            return _quote(self.reg_name(t.pg.name, c.value)) + label
        text = format_value(t, c.value, self.fmt)
        if t.pg is R.INT4 and not text.startswith("-"):
            return text
        if t.pg is R.NUMERIC and text[:1].isdigit() and any(ch in text for ch in ".eE"):
            return text + (label if t.typmod >= 0 else "")
        if t.pg is R.UNKNOWN:
            return _quote(text)
        return _quote(text) + label

    def cast(self, e: E.Cast) -> str:
        """get_coercion_expr: a constant already of the type (a typmod coercion) prints bare."""
        arg = e.arg
        if isinstance(arg, E.Const) and arg.type.pg is e.type.pg and arg.type.typmod < 0:
            inner = self.const(arg, show_type=False)
        elif self.pretty:
            inner = self._arg(arg, e, False)
        else:
            inner = f"({self.text(arg)})"
        return f"{inner}::{self.type_label(e.type)}"

    def type_label(self, t: R.SqlType) -> str:
        """format_type_with_typemod: bpchar without a length is `bpchar` (`character` means
        char(1)); a user type is named as regtype names it (schema-qualified when not visible)."""
        if t.pg is R.BPCHAR and t.typmod < 0:
            return "bpchar"
        elem = R.element_of(t.pg) if t.pg.is_array else t.pg
        if elem.enum is not None:
            return self.reg_name("regtype", t.pg.oid)
        return R.format_type(t.pg, t.typmod)

    def call(self, c: E.Call) -> str:
        if _is_operator(c):
            if len(c.args) == 1:
                return self._own_parens(f"{c.name} {self._arg(c.args[0], c)}")
            return self._own_parens(f"{self._arg(c.args[0], c)} {c.name} {self._arg(c.args[1], c)}")
        if c.name in _KEYWORD_FUNCTIONS and not c.args:
            return _KEYWORD_FUNCTIONS[c.name]
        # a user function: schema-qualified when the search path would not find it (regproc's name)
        name = self.reg_name("regproc", c.routine.fn.oid) if c.routine is not None else quote_ident(c.name)
        return f"{name}(" + ", ".join(self.text(a, True) for a in c.args) + ")"

    def case(self, c: E.Case) -> str:
        """CASE under PRETTYFLAG_INDENT: each keyword on its own line (appendContextKeyword)."""
        outer = self.indent
        self.indent += _INDENT
        parts = ["\n" + " " * outer + "CASE" + (f" {self.text(c.subject)}" if c.subject is not None else "")]
        for cond, result in c.whens:
            # a simple CASE's condition is `CaseTest = value`: the value is what it shows
            shown = cond.args[1] if c.subject is not None and isinstance(cond, E.Call) else cond
            parts.append("\n" + " " * self.indent + f"WHEN {self.text(shown)} THEN {self.text(result, True)}")
        default = c.default if c.default is not None else E.Const(None, c.type)
        parts.append("\n" + " " * self.indent + f"ELSE {self.text(default, True)}")
        self.indent = outer
        parts.append("\n" + " " * outer + "END")
        return "".join(parts)


def looks_like_function(e: E.Expr) -> bool:
    """ruleutils.c looks_like_function: does `e` print as a function call (so an index key
    needs no parentheses around it)?"""
    e = _shown(e, False)
    return isinstance(e, E.Coalesce) or (isinstance(e, E.Call) and not _is_operator(e)
                                         and e.name not in _KEYWORD_FUNCTIONS)


def _is_operator(e: E.Expr) -> bool:
    return isinstance(e, E.Call) and bool(e.name) and set(e.name) <= _OPERATOR_CHARS


def _shown(e: E.Expr, show_implicit: bool) -> E.Expr:
    """The node that prints for `e` (an implicit cast left out prints its argument)."""
    while isinstance(e, E.Cast) and not e.explicit and not show_implicit:
        e = e.arg
    return e


def _is_simple(node: E.Expr, parent: E.Expr) -> bool:
    """ruleutils.c isSimpleNode for the nodes the binder makes: can `node` print without
    parentheses as an argument of `parent`?"""
    if isinstance(node, (E.Const, E.ColumnRef, E.Cast, E.ArrayExpr, E.Coalesce, E.Case)):
        return True
    if isinstance(node, E.Call) and not _is_operator(node):
        return True
    if isinstance(node, (E.Call, E.DistinctTest)):  # an operator
        if _is_operator(parent) and len(parent.args) == 2:
            return _simple_under_operator(node, parent)
        return isinstance(parent, E.BoolOp)
    if isinstance(node, E.BoolOp):
        if not isinstance(parent, E.BoolOp):
            return False
        return parent.op in ("and", "or") and (node.op != "or" or parent.op == "or")
    if isinstance(node, E.NullTest):
        return isinstance(parent, E.BoolOp)
    return False


def _simple_under_operator(node: E.Expr, parent: E.Call) -> bool:
    """Arithmetic inside arithmetic: tighter binding, or the left operand at equal priority."""
    if not (_is_operator(node) and len(node.args) == 2):
        return False
    priority = {"+": 0, "-": 0, "*": 1, "/": 1, "%": 1}
    op, parent_op = priority.get(node.name), priority.get(parent.name)
    if op is None or parent_op is None:
        return False
    if op != parent_op:
        return op > parent_op
    return node is parent.args[0] or _shown(parent.args[0], True) is node


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def operator_symbol(impl: str) -> str:
    """The operator an implementation name belongs to (ScalarArrayOpExpr keeps only the impl)."""
    for key, sigs in OPERATORS.items():
        if any(s.impl == impl for s in sigs):
            return key.rsplit("/", 1)[0]
    return impl
