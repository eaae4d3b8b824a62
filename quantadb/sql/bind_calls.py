"""Binding function calls: plain calls (PostgreSQL's function resolution, `any` parameters, strict
calls of NULL folded), aggregates (DISTINCT, ORDER BY, FILTER, WITHIN GROUP, GROUPING) and
window calls (bind_window.py). A mixin of ExprBinder, as PredicateBinder is."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import (
    GroupingError,
    IndeterminateDatatype,
    InvalidColumnReference,
    UndefinedFunction,
    WindowingError,
)
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql import functions as F
from quantadb.sql.bind_support import strict_call
from quantadb.sql.expr import AggRef, Call, Cast, Const, Expr, expr_key
from quantadb.sql.functions.user import user_call
from quantadb.sql.sqlglot_shapes import function_args
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


class CallBinder:
    routines = None  # the QueryBinder, whose catalog has the user functions (sql/functions/user.py)

    def _Anonymous(self, node: exp.Anonymous, schema: str | None = None) -> Expr:
        name = node.name.lower()
        if name == "row" and schema is None:
            return self._Tuple(exp.Tuple(expressions=node.expressions))
        return self.call(name, list(node.expressions), node, schema)

    def _Count(self, node: exp.Count) -> Expr:
        arg = node.this
        if arg is None or isinstance(arg, exp.Star):
            return self._aggregate("count", [], node, distinct=False)
        if isinstance(arg, exp.Distinct):
            return self._aggregate("count", list(arg.expressions), node, distinct=True)
        return self._aggregate("count", [arg], node, distinct=False)

    def _Grouping(self, node: exp.Expression) -> Expr:
        """GROUPING(a, b): arguments of any type; the grouped query rewrites it over its keys."""
        if self.aggregates is None:
            raise GroupingError(f"grouping operations are not allowed in {self.context}")
        return Call("grouping", "grouping", [self.bind(a) for a in node.expressions], SqlType(R.INT4), strict=False)

    def _Filter(self, node: exp.Expression) -> Expr:
        agg = self.bind(node.this)
        if not isinstance(agg, AggRef):
            raise SqlSyntaxError("FILTER specified, but it is not an aggregate function")
        saved, self.aggregates = self.aggregates, None
        try:
            agg.filter = self.bind_bool(node.expression.this, "FILTER")
        finally:
            self.aggregates = saved
        return agg

    def _WithinGroup(self, node: exp.Expression) -> Expr:
        func = node.this
        name = type(func).sql_names()[0].lower() if not isinstance(func, exp.Anonymous) else func.name.lower()
        args = function_args(func) if not isinstance(func, exp.Anonymous) else list(func.expressions)
        order = node.expression
        keys = order.expressions if isinstance(order, exp.Order) else [order]
        agg = self._aggregate(name, args + [k.this if isinstance(k, exp.Ordered) else k for k in keys], node,
                              distinct=False)
        return agg

    def call(self, name: str, arg_nodes: list, node: exp.Expression, schema: str | None = None) -> Expr:
        distinct = False
        order_nodes = None
        if arg_nodes and isinstance(arg_nodes[0], exp.Order):  # array_agg(x ORDER BY y) shapes
            order_nodes = arg_nodes[0].expressions
            arg_nodes = [arg_nodes[0].this] + arg_nodes[1:]
        elif len(arg_nodes) > 1 and isinstance(arg_nodes[-1], exp.Order):  # jsonb_object_agg(k, v ORDER BY y)
            order_nodes = arg_nodes[-1].expressions
            arg_nodes = arg_nodes[:-1] + [arg_nodes[-1].this]
        if arg_nodes and isinstance(arg_nodes[0], exp.Distinct):
            distinct = True
            arg_nodes = list(arg_nodes[0].expressions) + arg_nodes[1:]
        if len(arg_nodes) == 1 and isinstance(arg_nodes[0], exp.Star) and _is_aggregate(name):
            arg_nodes = []  # pg_catalog.count(*) arrives as an ordinary call with a star argument
        if _is_aggregate(name):
            return self._aggregate(name, arg_nodes, node, distinct, order_nodes)
        if any(isinstance(a, exp.Kwarg) for a in arg_nodes):  # named notation: f(a => 1)
            args = [self.bind(a.expression if isinstance(a, exp.Kwarg) else a) for a in arg_nodes]
            names = [a.this.name.lower() if isinstance(a, exp.Kwarg) else None for a in arg_nodes]
            try:
                user = user_call(self, name, args, schema, names)
            except UndefinedFunction:
                user = None
            if user is None:
                raise UndefinedFunction(f"function {name}({', '.join(_named(n, a) for n, a in zip(names, args))})"
                                        " does not exist", hint="No function matches the given name and argument "
                                        "types. You might need to add explicit type casts.")
            return user
        args = [self.bind(a) for a in arg_nodes]
        return self.call_bound(name, args, schema)

    def call_bound(self, name: str, args: list[Expr], schema: str | None = None) -> Expr:
        user = user_call(self, name, args, schema)
        if user is not None:
            return user
        try:
            match = F.resolve_function(name, [a.type for a in args])
        except UndefinedFunction:
            # int2vector / oidvector act as arrays for array functions (unnest(indkey))
            if not any(a.type.pg in (R.INT2VECTOR, R.OIDVECTOR) for a in args):
                raise
            args = [Cast(a, SqlType(R.array_of(R.INT2 if a.type.pg is R.INT2VECTOR else R.OID)), False)
                    if a.type.pg in (R.INT2VECTOR, R.OIDVECTOR) else a for a in args]
            match = F.resolve_function(name, [a.type for a in args])
        # an "any" parameter takes an untyped literal as it is (pg_typeof('x') is unknown)
        declared = match.sig.args
        args = [a if _untyped_for_any(a, declared[min(i, len(declared) - 1)] if declared else None)
                else self.coerce(a, t) for i, (a, t) in enumerate(zip(args, match.arg_types))]
        call = Call(name, match.sig.impl, args, match.ret, match.sig.strict, match.sig.volatile)
        # (a set of a NULL input is empty)
        return call if match.sig.kind == "s" or not self.fold_strict_nulls else strict_call(call)

    def _aggregate(self, name: str, arg_nodes: list, node: exp.Expression, distinct: bool,
                   order_nodes: list | None = None) -> Expr:
        if self.aggregates is None:
            raise GroupingError(f"aggregate functions are not allowed in {self.context}")
        saved, self.aggregates = self.aggregates, None
        try:
            args = [self.bind(a) for a in arg_nodes]
            order_by = []
            for o in order_nodes or []:
                key = self.bind(o.this if isinstance(o, exp.Ordered) else o)
                desc = bool(o.args.get("desc")) if isinstance(o, exp.Ordered) else False
                nulls_first = bool(o.args.get("nulls_first")) if isinstance(o, exp.Ordered) else desc
                order_by.append((key, desc, nulls_first))
        finally:
            self.aggregates = saved
        if distinct and order_by:
            arg_keys = {expr_key(a) for a in args}
            if any(expr_key(key) not in arg_keys for key, _, _ in order_by):
                raise InvalidColumnReference("in an aggregate with DISTINCT, ORDER BY expressions must appear in "
                                             "argument list")
        for a in args:
            if a.type.pg is R.UNKNOWN and not isinstance(a, Const):
                raise IndeterminateDatatype("could not determine data type of parameter")
        match = F.resolve_function(name, [a.type for a in args])
        if match.sig.kind != "a":
            raise UndefinedFunction(f"function {name} is not an aggregate")
        args = [self.coerce(a, t) for a, t in zip(args, match.arg_types)]
        agg = AggRef(name, match.sig.impl, args, match.ret, distinct, None, order_by)
        self.aggregates.append(agg)
        return agg

    def _Window(self, node: exp.Window) -> Expr:
        if self.windows is None:
            raise WindowingError(f"window functions are not allowed in {self.context}")
        from quantadb.sql.bind_window import bind_window_call
        return bind_window_call(self, node)


def _named(name: str | None, arg: Expr) -> str:
    shown = R.format_type(arg.type.pg, -1)
    return shown if name is None else f"{name} => {shown}"


def _untyped_for_any(arg: Expr, param: R.PgType | None) -> bool:
    return param is R.ANY and isinstance(arg, Const) and arg.type.pg is R.UNKNOWN


def _is_aggregate(name: str) -> bool:
    kinds = {s.kind for s in F.functions_named(name)}
    return "a" in kinds and "f" not in kinds
