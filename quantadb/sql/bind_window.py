"""Binding window function calls: `f(args) [FILTER (WHERE ..)] OVER (window)` into a WindowCall.

The function is resolved as a window function (row_number, rank, lag, ...) or as an aggregate
used as a window. The window comes from the OVER clause, possibly naming or extending a window
of the query's WINDOW clause. The frame is normalised to
`(mode, start, start_offset, end, end_offset, exclude)`: mode "rows", "range" or "groups"; start/end
"unbounded preceding", "preceding", "current row", "following", "unbounded following";
exclude "no others", "current row", "group" or "ties". An offset is `(value, bound, key)`:
`value` the bound offset expression; for RANGE, `bound` computes the frame boundary value of
each row (the ORDER BY key minus/plus the offset, by the sort direction) and `key` the ORDER BY
key in the boundary's type, so the executor compares the two by plain ordering.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from quantadb.errors import (
    FeatureNotSupported,
    UndefinedObject,
    WindowingError,
    WrongObjectType,
)
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql import functions as F
from quantadb.sql.bind_expr import ExprBinder
from quantadb.sql.expr import Expr, WindowCall
from quantadb.sql.parse import to_sql
from quantadb.sql.sqlglot_shapes import FUNCTION_SHAPES, function_args
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

INT4 = SqlType(R.INT4)
INT8 = SqlType(R.INT8)
DEFAULT_FRAME = ("range", "unbounded preceding", None, "current row", None, "no others")
ORDERED_SET = ("percentile_cont", "percentile_disc", "mode")
# sqlglot's names for PostgreSQL aggregates it parses into its own classes
_PG_NAMES = {"bitwise_and_agg": "bit_and", "bitwise_or_agg": "bit_or", "bitwise_xor_agg": "bit_xor",
             "j_s_o_n_array_agg": "json_agg"}


@dataclass
class _Spec:
    """A window definition before binding: sqlglot nodes."""

    partition: list[exp.Expression] = field(default_factory=list)
    order: list[exp.Expression] = field(default_factory=list)
    frame: exp.WindowSpec | None = None


def bind_window_call(binder: ExprBinder, node: exp.Window) -> WindowCall:
    func = node.this
    filter_node = None
    if isinstance(func, exp.Filter):
        filter_node, func = func.expression.this, func.this
    if isinstance(func, (exp.IgnoreNulls, exp.RespectNulls)):
        word = "IGNORE" if isinstance(func, exp.IgnoreNulls) else "RESPECT"
        raise SqlSyntaxError(f'syntax error at or near "{word}"')
    _reject_nested(node)
    spec = _window_spec(node)
    name, arg_nodes, distinct, agg_order = _call_parts(func)
    if isinstance(func, exp.WithinGroup) or name in ORDERED_SET:
        raise FeatureNotSupported(f"OVER is not supported for ordered-set aggregate {name}")
    args = [binder.bind(a) for a in arg_nodes]
    if name in ("lag", "lead") and len(args) == 3:
        common = F.select_common_type([args[0].type, args[2].type], name)
        args = [binder.coerce(args[0], common), args[1], binder.coerce(args[2], common)]
    match = F.resolve_function(name, [a.type for a in args])
    kind = match.sig.kind
    if kind not in ("a", "w"):
        raise WrongObjectType(f"OVER specified, but {name} is not a window function nor an aggregate function")
    if distinct:
        raise FeatureNotSupported("DISTINCT is not implemented for window functions")
    if agg_order:
        raise FeatureNotSupported("aggregate ORDER BY is not implemented for window functions")
    if filter_node is not None and kind == "w":
        raise FeatureNotSupported("FILTER is not implemented for non-aggregate window functions")
    args = [binder.coerce(a, t) for a, t in zip(args, match.arg_types)]
    partition_by = [binder.bind(p) for p in spec.partition]
    order_by = [_sort_key(binder, o) for o in spec.order]
    frame = _bind_frame(binder, spec.frame, order_by)
    filter_expr = binder.bind_bool(filter_node, "FILTER") if filter_node is not None else None
    call = WindowCall(name, match.sig.impl, args, match.ret, partition_by, order_by, frame,
                      is_aggregate=kind == "a", distinct=False, filter=filter_expr)
    binder.windows.append(call)
    return call


# -- the function -----------------------------------------------------------------------------------

def _call_parts(func: exp.Expression) -> tuple[str, list[exp.Expression], bool, bool]:
    """(name, argument nodes, DISTINCT, has an aggregate ORDER BY) of the called function."""
    if isinstance(func, exp.WithinGroup):
        inner = func.this
        name = inner.name.lower() if isinstance(inner, exp.Anonymous) else type(inner).sql_names()[0].lower()
        return name, [], False, False
    if isinstance(func, exp.Count):
        arg = func.this
        if arg is None or isinstance(arg, exp.Star):
            return "count", [], False, False
        if isinstance(arg, exp.Distinct):
            return "count", list(arg.expressions), True, False
        return "count", [arg], False, False
    if isinstance(func, exp.Anonymous):
        name, arg_nodes = func.name.lower(), list(func.expressions)
    elif type(func) in FUNCTION_SHAPES:
        name, arg_nodes = FUNCTION_SHAPES[type(func)](func)
    elif isinstance(func, exp.Func):
        name, arg_nodes = type(func).sql_names()[0].lower(), function_args(func)
        name = _PG_NAMES.get(name, name)
    else:
        raise SqlSyntaxError("syntax error at or near \"OVER\"")
    distinct = has_order = False
    if arg_nodes and isinstance(arg_nodes[0], exp.Distinct):
        distinct = True
        arg_nodes = list(arg_nodes[0].expressions) + arg_nodes[1:]
    if arg_nodes and isinstance(arg_nodes[0], exp.Order):
        has_order = True
        arg_nodes = [arg_nodes[0].this] + arg_nodes[1:]
    return name, arg_nodes, distinct, has_order


def _reject_nested(node: exp.Window) -> None:
    parts = [node.this, *(node.args.get("partition_by") or [])]
    if node.args.get("order") is not None:
        parts.append(node.args["order"])
    for part in parts:
        for inner in part.find_all(exp.Window):
            if inner.find_ancestor(exp.Select, exp.Subquery) is node.find_ancestor(exp.Select, exp.Subquery):
                raise WindowingError("window function calls cannot be nested")


# -- the window ---------------------------------------------------------------------------------------

def check_window_definitions(binder: ExprBinder, select: exp.Select) -> None:
    """The WINDOW clause's column references must resolve whether a call uses the window or not, as
    PostgreSQL's parse analysis reads every definition (42703 for an unknown column)."""
    for definition in select.args.get("windows") or []:
        for column in definition.find_all(exp.Column):
            if column.find_ancestor(exp.Select) is select:  # (a subquery's columns are its own)
                binder.bind(column)


def _window_spec(node: exp.Window) -> _Spec:
    """The OVER clause, with a referenced named window merged in (PostgreSQL's copy rules)."""
    select = node.find_ancestor(exp.Select)
    named = {}
    for definition in (select.args.get("windows") or []) if select is not None else []:
        named[definition.this.name] = definition
    return _merge(node, named, set())


def _merge(node: exp.Window, named: dict[str, exp.Window], seen: set[str]) -> _Spec:
    order = node.args.get("order")
    own = _Spec(list(node.args.get("partition_by") or []), list(order.expressions) if order is not None else [],
                node.args.get("spec"))
    ref = node.args.get("alias")
    if ref is None:
        return own
    ref_name = ref.name
    if ref_name not in named or ref_name in seen:
        raise UndefinedObject(f'window "{ref_name}" does not exist')
    base = _merge(named[ref_name], named, seen | {ref_name})
    if not own.partition and not own.order and own.frame is None:
        return base  # OVER w: the named window as it is, frame included
    if own.partition:
        raise WindowingError(f'cannot override PARTITION BY clause of window "{ref_name}"')
    if own.order and base.order:
        raise WindowingError(f'cannot override ORDER BY clause of window "{ref_name}"')
    if base.frame is not None:
        raise WindowingError(f'cannot copy window "{ref_name}" because it has a frame clause')
    return _Spec(base.partition, own.order or base.order, own.frame)


def _sort_key(binder: ExprBinder, o: exp.Expression) -> tuple[Expr, bool, bool]:
    if not isinstance(o, exp.Ordered):
        return binder.bind(o), False, False
    desc = bool(o.args.get("desc"))
    # sqlglot fills nulls_first from its dialect default; PostgreSQL: NULLS LAST for ASC, FIRST for DESC
    explicit = "NULLS" in to_sql(o).upper()
    nulls_first = bool(o.args.get("nulls_first")) if explicit else desc
    return binder.bind(o.this), desc, nulls_first


# -- the frame ----------------------------------------------------------------------------------------

def _bind_frame(binder: ExprBinder, spec: exp.WindowSpec | None, order_by: list[tuple[Expr, bool, bool]]) -> tuple:
    if spec is None:
        return DEFAULT_FRAME
    mode = str(spec.args.get("kind") or "range").lower()
    start, start_node = _bound(spec.args.get("start"), spec.args.get("start_side"))
    if spec.args.get("end") is None:
        end, end_node = "current row", None
    else:
        end, end_node = _bound(spec.args.get("end"), spec.args.get("end_side"))
    _check_bounds(start, end)
    if mode == "groups" and not order_by:
        raise WindowingError("GROUPS mode requires an ORDER BY clause")
    exclude = spec.args.get("exclude")
    exclude = exclude.name.lower() if exclude is not None else "no others"
    return (mode, start, _offset(binder, mode, start, start_node, order_by), end,
            _offset(binder, mode, end, end_node, order_by), exclude)


def _bound(value: object, side: object) -> tuple[str, exp.Expression | None]:
    side = str(side or "").lower()
    if isinstance(value, str) or value is None:
        text = str(value or "").upper()
        if text == "UNBOUNDED":
            return f"unbounded {side or 'preceding'}", None
        if text == "CURRENT ROW":
            return "current row", None
        raise SqlSyntaxError(f'syntax error at or near "{value}"')
    return side or "preceding", value


def _check_bounds(start: str, end: str) -> None:
    if start == "unbounded following":
        raise WindowingError("frame start cannot be UNBOUNDED FOLLOWING")
    if end == "unbounded preceding":
        raise WindowingError("frame end cannot be UNBOUNDED PRECEDING")
    if start == "current row" and end == "preceding":
        raise WindowingError("frame starting from current row cannot have preceding rows")
    if start == "following" and end in ("preceding", "current row"):
        raise WindowingError("frame starting from following row cannot have preceding rows")


def _offset(binder: ExprBinder, mode: str, kind: str, node: exp.Expression | None,
            order_by: list[tuple[Expr, bool, bool]]) -> tuple | None:
    if node is None:
        return None
    value = binder.bind(node)
    if mode != "range":
        return binder.coerce(value, INT8, "a"), None, None
    if len(order_by) != 1:
        raise WindowingError("RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
    key, desc, _ = order_by[0]
    key_type, offset_type = _range_types(key.type)
    if not F.implicit_coercible(value.type, offset_type):
        raise FeatureNotSupported(f"RANGE with offset PRECEDING/FOLLOWING is not supported for column type "
                              f"{R.format_type(key.type.pg, -1)} and offset type {R.format_type(value.type.pg, -1)}")
    value = binder.coerce(value, offset_type)
    key = binder.coerce(key, key_type)
    subtract = (kind == "preceding") != desc
    bound = binder.operator("-" if subtract else "+", key, value)
    return value, bound, binder.coerce(key, bound.type)


def _range_types(t: SqlType) -> tuple[SqlType, SqlType]:
    """The type the ORDER BY key is compared in, and the offset's type, for RANGE offsets."""
    pg = t.pg
    if pg in (R.INT2, R.INT4, R.INT8):
        return INT8, INT8
    if pg in (R.FLOAT4, R.FLOAT8):
        return SqlType(R.FLOAT8), SqlType(R.FLOAT8)
    if pg is R.NUMERIC:
        return SqlType(R.NUMERIC), SqlType(R.NUMERIC)
    if pg in (R.DATE, R.TIMESTAMP):
        return SqlType(R.TIMESTAMP), SqlType(R.INTERVAL)
    if pg in (R.TIMESTAMPTZ, R.TIME, R.INTERVAL):
        return SqlType(pg), SqlType(R.INTERVAL)
    raise FeatureNotSupported(f"RANGE with offset PRECEDING/FOLLOWING is not supported for column type "
                              f"{R.format_type(pg, -1)}")
