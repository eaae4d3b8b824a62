"""Result column names as PostgreSQL chooses them (FigureColname in parse_target.c)."""

from __future__ import annotations

import re

from sqlglot import exp

from quantadb.sql.expr import Expr, SubqueryExpr
from quantadb.sql.parse import to_sql
from quantadb.sql.typenames import from_datatype
from quantadb.types import registry as R
from quantadb.types.domains import domain_of

# sqlglot node classes whose PostgreSQL column name is fixed.
_FIXED = {
    exp.Tuple: "row", exp.Coalesce: "coalesce", exp.Nullif: "nullif", exp.Greatest: "greatest",
    exp.Least: "least", exp.Array: "array", exp.Exists: "exists", exp.CurrentTimestamp: "current_timestamp", exp.CurrentVersion: "version",
    exp.CurrentDate: "current_date", exp.CurrentTime: "current_time", exp.CurrentUser: "current_user",
    exp.SessionUser: "session_user", exp.CurrentSchema: "current_schema", exp.CurrentCatalog: "current_catalog",
    exp.Localtimestamp: "localtimestamp", exp.Localtime: "localtime", exp.Extract: "extract", exp.StrPosition: "position",
    exp.Substring: "substring", exp.TimestampTrunc: "date_trunc", exp.TimeToStr: "to_char",
    exp.LogicalAnd: "bool_and", exp.LogicalOr: "bool_or", exp.GroupConcat: "string_agg",
    exp.ArrayAgg: "array_agg", exp.Explode: "unnest", exp.ExplodingGenerateSeries: "generate_series",
    exp.GenerateSeries: "generate_series", exp.Stddev: "stddev", exp.Variance: "variance",
    exp.VariancePop: "var_pop", exp.StddevPop: "stddev_pop", exp.StddevSamp: "stddev_samp",
    exp.Interval: "interval", exp.Boolean: "bool", exp.Count: "count", exp.Overlay: "overlay",
    exp.AtTimeZone: "timezone",
}


def column_name(node: exp.Expression, bound: Expr | None = None) -> str:
    """The result column's name for the select-list item `node` (bound to `bound`, if known: a
    scalar subquery whose first item is a star takes its column's name, known only once bound)."""
    name, _ = _figure(node)
    if name is None and isinstance(bound, SubqueryExpr) and bound.kind == "scalar" and bound.plan.columns:
        return bound.plan.columns[0].name
    return name or "?column?"


def _figure(node: exp.Expression) -> tuple[str | None, int]:
    """(name, strength): 2 = a real name, 1 = a type name from a cast, 0 = none."""
    if isinstance(node, exp.Paren):
        return _figure(node.this)
    if isinstance(node, exp.Column):  # t.* is no name (a scalar subquery's is its column's)
        return (None, 0) if isinstance(node.this, exp.Star) else (node.name, 2)
    if isinstance(node, exp.Identifier):  # (record).field is named after the field
        return node.name, 2
    if isinstance(node, exp.Case):  # named after its ELSE result when that has a real name
        name, strength = _figure(node.args["default"]) if node.args.get("default") else (None, 0)
        return (name, 2) if strength == 2 else ("case", 1)
    if isinstance(node, exp.Dot):
        inner = node.expression
        return (_figure(inner) if isinstance(inner, exp.Expression) else (str(inner), 2))
    if isinstance(node, (exp.Cast, exp.TryCast)):
        inner = node.this.this if isinstance(node.this, exp.Paren) else node.this
        if isinstance(inner, exp.Column) and isinstance(inner.this, exp.Star) and inner.table:
            return inner.table, 2  # t.*::text is named t, as FigureColname names a ColumnRef
        name, strength = _figure(node.this)
        if strength == 2:
            return name, 2
        try:
            cast_to = from_datatype(node.args["to"])
            target = cast_to.pg
            domain = domain_of(cast_to) if cast_to.extra else None
            if domain is not None:  # a domain's own name, not its base type's
                return domain.name, 1
            # an array cast is named after its element type, as PostgreSQL does ('{}'::text[] -> text)
            return (R.element_of(target) if target.is_array else target).name, 1
        except Exception:  # an unknown type fails later with the right error
            return None, 0
    if isinstance(node, exp.Trim):
        position = str(node.args.get("position") or "").upper()
        return {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(position, "btrim"), 2
    if isinstance(node, exp.Bracket):  # a[1] is named after a
        return _figure(node.this)
    if isinstance(node, exp.Window):
        return _figure(node.this)
    if isinstance(node, (exp.Filter, exp.WithinGroup)):
        return _figure(node.this)
    if isinstance(node, exp.Subquery):
        inner = node.this
        if isinstance(inner, exp.Select) and inner.expressions:
            first = inner.expressions[0]
            if isinstance(first, exp.Alias):
                return first.alias, 2
            return _figure(first)
        return None, 0
    for cls, fixed in _FIXED.items():
        if type(node) is cls:
            return fixed, 2
    if isinstance(node, exp.Anonymous):
        return node.name.lower(), 2
    if isinstance(node, exp.Func) and not isinstance(node, (exp.Binary, exp.Unary)) and type(node).__module__.startswith("sqlglot"):
        if isinstance(node, (exp.And, exp.Or, exp.Not, exp.Is, exp.In, exp.Between, exp.Like, exp.MatchAgainst)):
            return None, 0
        return function_name(node), 2
    return None, 0


_CALL_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def function_name(node: exp.Func) -> str:
    """PostgreSQL's name for a function sqlglot parsed into one of its own classes (JSONBObjectAgg
    -> jsonb_object_agg): what sqlglot's PostgreSQL generator writes, else the class's SQL name."""
    m = _CALL_NAME.match(to_sql(node))
    return (m.group(1) if m else type(node).sql_names()[0]).lower()
