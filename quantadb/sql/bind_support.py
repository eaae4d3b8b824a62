"""What the expression binder's modules share: the common SQL types and small helpers over
sqlglot nodes and bound expressions."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import DatatypeMismatch, SyntaxError as SqlSyntaxError, UndefinedObject
from quantadb.sql.expr import Call, Cast, ColumnRef, Const, Expr
from quantadb.types import registry as R
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import anonymous_fields, record_fields, record_type

BOOL = SqlType(R.BOOL)
UNKNOWN = SqlType(R.UNKNOWN)
TEXT = SqlType(R.TEXT)
INT8 = SqlType(R.INT8)


def vector_as_array(expr: Expr) -> Expr:
    """int2vector / oidvector as the int2[] / oid[] they are binary-coercible to."""
    if expr.type.pg in (R.INT2VECTOR, R.OIDVECTOR):
        return Cast(expr, SqlType(R.array_of(R.INT2 if expr.type.pg is R.INT2VECTOR else R.OID)), False)
    return expr


def as_record(plan, shape: SqlType):
    """A subquery's columns as one record column, to compare with a row of type `shape`."""
    from quantadb.sql.plan import PlanColumn, Project
    width = len(record_fields(shape))
    if width and width != len(plan.columns):
        raise SqlSyntaxError(f"subquery has too {'many' if len(plan.columns) > width else 'few'} columns")
    refs = [ColumnRef(i, c.type, c.name) for i, c in enumerate(plan.columns)]
    row = Call("row", "row", refs, record_type(anonymous_fields([r.type for r in refs])), strict=False)
    return Project(plan, [row], [PlanColumn("row", row.type)], estimated_rows=plan.estimated_rows)


def row_items(node: exp.Expression) -> list | None:
    """The fields of a row constructor, `(a, b)` or `ROW(a, ...)`; None for anything else."""
    while isinstance(node, exp.Paren) and isinstance(node.this, exp.Tuple):
        node = node.this
    if isinstance(node, exp.Tuple):
        return list(node.expressions)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "row":
        return list(node.expressions)
    return None


def type_name(t: SqlType) -> str:
    return R.format_type(t.pg, t.typmod)


# the collations there are, with their pg_collation OIDs: all behave as C (byte order)
COLLATIONS = {"default": 100, "C": 950, "POSIX": 951, "ucs_basic": 12340}


def check_collation(ident: exp.Expression, t: SqlType) -> None:
    """COLLATE on an expression or a column: the collation must exist (names are case-sensitive
    once quoted) and the type must be collatable."""
    word = ident.this if isinstance(ident, exp.Column) else ident  # a column's COLLATE C parses as a column
    check_collation_name(word.name if getattr(word, "quoted", False) or isinstance(word, exp.Literal)
                         else word.name.lower(), t)


def check_collation_name(name: str, t: SqlType) -> None:
    """check_collation for a name already read (unquoted names folded to lower case)."""
    if name not in COLLATIONS:
        raise UndefinedObject(f'collation "{name}" for encoding "UTF8" does not exist')
    if (R.element_of(t.pg) if t.pg.is_array else t.pg) not in R.STRING_TYPES:  # text[] is collatable too
        raise DatatypeMismatch(f"collations are not supported by type {type_name(t)}")


def strict_call(call: Call) -> Expr:
    """A strict function of a NULL constant is NULL, folded as PostgreSQL's planner does: the
    other arguments are never evaluated (`x / 0 = NULL` raises nothing)."""
    if call.strict and any(isinstance(a, Const) and a.value is None for a in call.args):
        return Const(None, call.type)
    return call


def row_compare_impl(impl: str) -> str:
    """A row compared with a row subquery compares field by field with SQL's NULL rules
    (rowcompare_eq & co.), where whole row values compare as btrecordcmp (record_eq & co.)."""
    return "rowcompare_" + impl[len("record_"):] if impl.startswith("record_") else impl


def check_record_comparison(left: SqlType, right: SqlType) -> None:
    """Two rows whose fields are known compare only when they have as many (record_eq's check,
    made when binding; a pair of fields of other types fails when compared: exec/functions/rows.py)."""
    lf, rf = record_fields(left), record_fields(right)
    if lf and rf and len(lf) != len(rf):
        raise DatatypeMismatch("cannot compare record types with different numbers of columns")
