"""Binding expressions: sqlglot nodes in, typed `sql.expr` nodes out.

Names resolve against a Scope; operators and functions resolve through `sql.functions`
(PostgreSQL's type-conversion rules); untyped literals and parameters take the type their
context asks for (`coerce`). Subqueries are handed back to the query binder. Predicates
(IS, BETWEEN, IN, ANY/ALL, EXISTS, row comparisons) are bind_predicates.py's, function and
aggregate calls bind_calls.py's.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Callable

from sqlglot import exp

from quantadb.errors import (
    CannotCoerce,
    DatatypeMismatch,
    FeatureNotSupported,
    IndeterminateDatatype,
    InvalidTextRepresentation,
    SqlError,
)
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql import functions as F
from quantadb.sql.bind_calls import CallBinder
from quantadb.sql.bind_columns import ColumnBinder
from quantadb.sql.bind_conditional import ConditionalBinder
from quantadb.sql.bind_domain import coerce_to_domain
from quantadb.sql.bind_predicates import PredicateBinder
from quantadb.sql.bind_support import (BOOL, TEXT, UNKNOWN, as_record, check_collation, check_record_comparison,
                                        row_compare_impl, row_items, strict_call, type_name, vector_as_array)
from quantadb.sql.expr import (
    AggRef,
    ArrayExpr,
    BoolOp,
    Call,
    Cast,
    Const,
    Expr,
    Param,
    SubqueryExpr,
    Subscript,
    WindowCall,
)
from quantadb.sql.functions import procs_bytea as _procs_bytea  # noqa: F401  (get_byte, set_bit, ... pg_proc rows)
from quantadb.sql.functions import procs_timezone as _procs_timezone  # noqa: F401  (timezone()'s pg_proc rows)
from quantadb.sql.functions import procs_trig as _procs_trig  # noqa: F401  (sind, cosh, ... pg_proc rows)
from quantadb.sql.functions import procs_typeinfo as _procs_typeinfo  # noqa: F401  (pg_typeof's pg_proc row)
from quantadb.sql.names import function_name
from quantadb.sql.parse import to_sql
from quantadb.sql.positions import error_position, expr_location, token_position
from quantadb.sql.scope import Scope
from quantadb.sql.sqlglot_shapes import (
    BINARY_OPS,
    FUNCTION_SHAPES,
    NEGATED_OPS,
    function_args,
    json_path_arg,
)
from quantadb.sql.typenames import from_datatype
from quantadb.types import registry as R
from quantadb.types.casts import can_cast
from quantadb.types.codecs import FormatContext, text_decoder
from quantadb.types.domains import is_domain_type, type_oid
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import anonymous_fields, array_type, element_type, record_type



class ExprBinder(ColumnBinder, CallBinder, PredicateBinder, ConditionalBinder):
    """Binds expressions of one query level.

    `aggregates` collects AggRefs when aggregates are allowed here (select list, HAVING,
    ORDER BY of a query); `windows` collects window calls likewise. `bind_subquery` binds a
    nested query with this scope as its parent and returns (plan, correlated).
    """

    def __init__(self, scope: Scope, params: list[SqlType], fmt: FormatContext,
                 bind_subquery: Callable[[exp.Expression, Scope], tuple[object, bool]],
                 resolve_regclass: Callable[[str, str], int] | None = None) -> None:
        self.scope = scope
        self.params = params
        self.fmt = fmt
        self.bind_subquery = bind_subquery
        self.resolve_regclass = resolve_regclass
        self.aggregates: list[AggRef] | None = None
        self.windows: list[WindowCall] | None = None
        self.context = "this context"  # for "aggregate functions are not allowed in WHERE"
        self.uses_outer = False
        # a strict function of a NULL constant is bound as NULL (bind_support.strict_call); not a
        # function in FROM, whose NULL result is still a row (or, for a set, none)
        self.fold_strict_nulls = True
        self.recorder = None  # a view_refs.References noting what column references resolve to

    # -- entry points -------------------------------------------------------------------------

    def bind(self, node: exp.Expression) -> Expr:
        try:
            return self._bind(node)
        except SqlError as error:
            if error.position is None:
                error.position = error_position(node, error)
            raise

    def _bind(self, node: exp.Expression) -> Expr:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is not None:
            return method(node)
        if type(node) in BINARY_OPS:
            return self._binary(node, BINARY_OPS[type(node)])
        if type(node) in FUNCTION_SHAPES:
            name, args = FUNCTION_SHAPES[type(node)](node)
            if name in ("->", "->>"):
                return self.operator(name, self.bind(args[0]), self.bind(json_path_arg(args[1])))
            return self.call(name, args, node)
        if isinstance(node, exp.Func):
            return self.call(function_name(node), function_args(node), node)
        raise FeatureNotSupported(f"unsupported expression: {to_sql(node)[:80]}")

    def bind_bool(self, node: exp.Expression, clause: str) -> Expr:
        return self.bool_operand(self.bind(node), node, clause)

    def bool_operand(self, e: Expr, node: exp.Expression, clause: str) -> Expr:
        """A bound operand of a boolean clause, cast to boolean or refused as PostgreSQL does."""
        try:
            e = self.coerce(e, BOOL)
        except DatatypeMismatch:  # no cast to boolean: PostgreSQL names the clause (coerce_to_boolean)
            pass
        if e.type.pg is not R.BOOL:
            raise DatatypeMismatch(f"argument of {clause} must be type boolean, not type {type_name(e.type)}",
                                   position=expr_location(node))
        return e

    # -- coercion -------------------------------------------------------------------------------

    def coerce(self, e: Expr, target: SqlType, context: str = "i") -> Expr:
        """Convert `e` to `target` as an implicit (i) / assignment (a) / explicit (e) cast would."""
        if is_domain_type(target) and type_oid(e.type) != type_oid(target):
            return coerce_to_domain(self, e, target, context)
        if e.type.pg is R.UNKNOWN or (isinstance(e, Param) and self.params[e.number - 1].pg is R.UNKNOWN):
            if isinstance(e, Const):
                return self._typed_literal(e.value, target)
            if isinstance(e, Param):
                self.params[e.number - 1] = SqlType(target.pg, -1)
                e = Param(e.number, SqlType(target.pg, -1))
                return e if target.typmod < 0 else Cast(e, target, context == "e")
            return Cast(e, target, context == "e")
        if e.type.pg is target.pg:
            if target.typmod < 0 or e.type.typmod == target.typmod or context == "i":
                return e
            return Cast(e, target, context == "e")
        if target.pg is R.RECORD and not target.extra and e.type.pg.composite is not None:
            return e  # a composite value is a record as it is (record_eq, row_to_json read its fields)
        level = can_cast(e.type.pg, target.pg)
        allowed = {"i": ("i",), "a": ("i", "a"), "e": ("i", "a", "e")}[context]
        if level not in allowed:
            if context == "e":
                raise CannotCoerce(f"cannot cast type {type_name(e.type)} to {type_name(target)}")
            raise DatatypeMismatch(f"column is of type {type_name(target)} but expression is of type "
                                   f"{type_name(e.type)}" if context == "a" else
                                   f"cannot cast type {type_name(e.type)} to {type_name(target)}")
        return Cast(e, target, context == "e")

    def coerce_at(self, e: Expr, target: SqlType, node: exp.Expression | None, context: str = "i") -> Expr:
        """coerce(), an error pointing at `node`, the parse node `e` was bound from (a literal the
        target type cannot read), as PostgreSQL's does."""
        try:
            return self.coerce(e, target, context)
        except SqlError as error:
            if error.position is None and node is not None:
                error.position = expr_location(node)
            raise

    def assign(self, value: exp.Expression | Expr, target: SqlType, column: str,
               at: exp.Expression | None = None) -> Expr:
        """A value INSERT or UPDATE stores in `column`: bound if it is still a parse node, then
        converted as an assignment; a type that does not convert fails naming the column, pointing
        at the value (or `at`, the node a bound value came from), as PostgreSQL's transformAssignedExpr."""
        node = value if isinstance(value, exp.Expression) else at
        e = self.bind(value) if isinstance(value, exp.Expression) else value
        try:
            return self.coerce(e, target, "a")
        except DatatypeMismatch as error:
            if not error.message.startswith("column is of type"):  # (a domain's own errors)
                raise
            raise DatatypeMismatch(f'column "{column}" is of type {type_name(target)} but expression is of type '
                                   f"{type_name(e.type)}", hint="You will need to rewrite or cast the expression.",
                                   position=expr_location(node) if node is not None else None) from None
        except SqlError as error:  # a literal the column's type cannot read
            if error.position is None and node is not None:
                error.position = expr_location(node)
            raise

    def _typed_literal(self, text: str | None, target: SqlType, explicit: bool = False) -> Expr:
        if target.pg is R.UNKNOWN:
            target = TEXT
        if text is None:
            return Const(None, target)
        if target.pg in R.NAME_RESOLVED_REG_TYPES and self.resolve_regclass:
            return Const(self.resolve_regclass(target.pg.name, text), target)
        value = text_decoder(SqlType(target.pg, -1), self.fmt)(text)
        if target.typmod >= 0:
            return Cast(Const(value, SqlType(target.pg, -1)), target, explicit)
        return Const(value, target)

    # -- leaves ---------------------------------------------------------------------------------

    def _Literal(self, node: exp.Literal) -> Expr:
        if node.is_string:
            return Const(node.this, UNKNOWN)
        text = node.this
        if any(c in text for c in ".eE"):
            return Const(Decimal(text), SqlType(R.NUMERIC))
        value = int(text)
        if -2**31 <= value < 2**31:
            return Const(value, SqlType(R.INT4))
        if -2**63 <= value < 2**63:
            return Const(value, SqlType(R.INT8))
        return Const(Decimal(value), SqlType(R.NUMERIC))

    def _ByteString(self, node: exp.Expression) -> Expr:  # sqlglot reads E'...' as a byte string
        return Const(node.this, UNKNOWN)

    _RawString = _ByteString
    _National = _ByteString

    def _BitString(self, node: exp.Expression) -> Expr:
        """B'0101': a bit string of its own length."""
        bits = node.this
        if any(c not in "01" for c in bits):
            raise InvalidTextRepresentation(f'"{next(c for c in bits if c not in "01")}" is not a valid binary digit')
        return Const(bits, SqlType(R.BIT, len(bits)))

    def _HexString(self, node: exp.Expression) -> Expr:
        """X'1F': a bit string, four bits a digit."""
        digits = node.this
        try:
            bits = "".join(f"{int(d, 16):04b}" for d in digits)
        except ValueError:
            raise InvalidTextRepresentation(f'"{next(d for d in digits if d not in "0123456789abcdefABCDEF")}" '
                                            "is not a valid hexadecimal digit") from None
        return Const(bits, SqlType(R.BIT, len(bits)))

    def _Null(self, node: exp.Null) -> Expr:
        return Const(None, UNKNOWN)

    def _Boolean(self, node: exp.Boolean) -> Expr:
        return Const(bool(node.this), BOOL)

    def _Paren(self, node: exp.Paren) -> Expr:
        return self.bind(node.this)

    def _CurrentOf(self, node: exp.Expression) -> Expr:
        # only an UPDATE's or DELETE's own WHERE is CURRENT OF (bind_current_of.py); PostgreSQL's grammar
        # has it nowhere else
        raise SqlSyntaxError(f'syntax error at or near "{node.meta.get("of", "of")}"', position=token_position(node))

    def _Alias(self, node: exp.Alias) -> Expr:
        return self.bind(node.this)

    def _Collate(self, node: exp.Collate) -> Expr:
        e = self.bind(node.this)
        check_collation(node.expression, e.type)
        return e  # every collation sorts as C

    def _Parameter(self, node: exp.Expression) -> Expr:
        number = int(node.name)
        while len(self.params) < number:
            self.params.append(UNKNOWN)
        return Param(number, self.params[number - 1])

    _Placeholder = _Parameter

    def _Interval(self, node: exp.Interval) -> Expr:
        text = node.this.name if isinstance(node.this, exp.Literal) else node.this.sql()
        unit = node.args.get("unit")
        if unit is not None:
            text = f"{text} {unit.name}"
        return self._typed_literal(text, SqlType(R.INTERVAL))

    def _Var(self, node: exp.Var) -> Expr:
        return self._Column(exp.Column(this=exp.Identifier(this=node.name)))

    # -- operators ------------------------------------------------------------------------------

    def _binary(self, node: exp.Expression, op: str) -> Expr:
        right_node = node.expression
        if _is_quantified(right_node):
            if node.args.get("negate"):  # x NOT LIKE ANY (...) applies NOT LIKE to each element
                op = NEGATED_OPS[op]
            return self._quantified(node.this, op, right_node)
        if row_items(node.this) is not None and row_items(right_node) is not None:
            result = self._row_compare(op, row_items(node.this), row_items(right_node))
            return BoolOp("not", [result], BOOL) if node.args.get("negate") else result
        left = self.bind(node.this)
        # (a, b) = (SELECT x, y ...) compares rows; a record-valued expression (a scalar subquery
        # of a ROW(...), a whole row) compares as one value
        if row_items(node.this) is not None and isinstance(right_node, exp.Subquery):
            plan, correlated = self.bind_subquery(right_node.this, self.scope)
            plan = as_record(plan, left.type)
            call = self.operator(op, left, SubqueryExpr("scalar", plan, plan.columns[0].type, correlated=correlated))
            return replace(call, impl=row_compare_impl(call.impl)) if isinstance(call, Call) else call
        right = self.bind(json_path_arg(right_node))
        if op == "similar to":
            right = self.call_bound("similar_to_escape", [right])
            op = "~"
        negate = bool(node.args.get("negate"))
        if negate and op in NEGATED_OPS:  # NOT LIKE is the !~~ operator, as in PostgreSQL's grammar
            op, negate = NEGATED_OPS[op], False
        result = self.operator(op, left, right)
        return BoolOp("not", [result], BOOL) if negate else result

    def _Lambda(self, node: exp.Expression) -> Expr:
        """sqlglot reads `f(x -> 'k')` as a lambda; PostgreSQL has none: it is json's -> operator."""
        params = node.expressions
        if len(params) != 1:
            raise FeatureNotSupported(f"unsupported expression: {to_sql(node)[:80]}")
        left = exp.Column(this=params[0]) if isinstance(params[0], exp.Identifier) else params[0]
        # `v -> 'k' -> 0` arrives as v => ('k' -> 0): v -> 'k' belongs at the chain's far left
        chain, body = [], node.this
        while isinstance(body, (exp.JSONExtract, exp.JSONExtractScalar)):
            chain.append(body)
            body = body.this
        tree: exp.Expression = exp.JSONExtract(this=left, expression=body)
        for link in reversed(chain):
            link = link.copy()
            link.set("this", tree)
            tree = link
        return self.bind(tree)

    def _MakeInterval(self, node: exp.Expression) -> Expr:
        """make_interval(years, months, weeks, days, hours, mins, secs), positionally or by name
        (days => 3): the fields before the last one given default to 0."""
        fields = ("year", "month", "week", "day", "hour", "minute", "second")
        given = [i for i, f in enumerate(fields) if node.args.get(f) is not None]
        args = []
        for i, f in enumerate(fields[:given[-1] + 1] if given else ()):
            value = node.args.get(f)
            args.append(value.expression if isinstance(value, exp.Kwarg) else
                        value if value is not None else exp.Literal.number(0))
        return self.call("make_interval", args, node)

    def _RegexpLike(self, node: exp.Expression) -> Expr:  # regexp_like(s, p, flags) shares ~'s node
        if node.args.get("flag") is not None:
            return self.call("regexp_like", [node.this, node.expression, node.args["flag"]], node)
        return self._binary(node, "~")

    def operator(self, op: str, left: Expr | None, right: Expr, fold: bool = True) -> Expr:
        """The resolved operator call; `fold=False` keeps it a Call even over NULL constants (for
        the forms that take it apart: IS DISTINCT FROM, NULLIF)."""
        match = F.resolve_operator(op, left.type if left is not None else None, right.type)
        args = [right] if left is None else [left, right]
        args = [self.coerce(a, t) for a, t in zip(args, match.arg_types)]
        if match.sig.impl.startswith("record_"):
            check_record_comparison(args[0].type, args[1].type)
        call = Call(op, match.sig.impl, args, match.ret, match.sig.strict, match.sig.volatile)
        return strict_call(call) if fold else call

    def _Neg(self, node: exp.Neg) -> Expr:
        inner = node.this
        if isinstance(inner, exp.Literal) and not inner.is_string:
            lit = self._Literal(inner)  # fold the sign into the constant, as PostgreSQL's grammar does
            value = -lit.value
            if lit.type.pg is R.INT8 and -value == 2**31:
                return Const(int(value), SqlType(R.INT4))
            if lit.type.pg is R.NUMERIC and isinstance(value, Decimal) and value == -2**63:
                return Const(int(value), SqlType(R.INT8))
            return Const(value, lit.type)
        return self.operator("-", None, self.bind(inner))

    def _clock(self, node: exp.Expression) -> Expr:
        """CURRENT_TIMESTAMP, CURRENT_TIME, LOCALTIMESTAMP, LOCALTIME, with their (p) a rounding
        to p fractional digits."""
        call = self.call(function_name(node), [], node)
        precision = node.this
        return call if precision is None else Cast(call, SqlType(call.type.pg, int(precision.name)), False)

    _CurrentTimestamp = _CurrentTime = _Localtimestamp = _Localtime = _clock

    def _PrefixOperator(self, node: exp.Expression) -> Expr:
        return self.operator(node.args["op"], None, self.bind(node.this))

    def _Escape(self, node: exp.Expression) -> Expr:
        """x [NOT] LIKE pattern ESCAPE e: rewrite the pattern to use backslash, PostgreSQL's default."""
        like = node.this
        op = BINARY_OPS.get(type(like))
        if op == "similar to":
            pattern = self.call_bound("similar_to_escape", [self.bind(like.expression), self.bind(node.expression)])
            return self.operator("!~" if like.args.get("negate") else "~", self.bind(like.this), pattern)
        if op not in ("~~", "~~*"):
            raise FeatureNotSupported(f"ESCAPE is not supported here: {to_sql(node)[:60]}")
        if like.args.get("negate"):
            op = NEGATED_OPS[op]
        pattern = self.call_bound("like_escape", [self.bind(like.expression), self.bind(node.expression)])
        return self.operator(op, self.bind(like.this), pattern)

    def _BitwiseNot(self, node: exp.Expression) -> Expr:
        return self.operator("~", None, self.bind(node.this))

    def _MatchAgainst(self, node: exp.Expression) -> Expr:
        """sqlglot reads `a @@ b` as MatchAgainst(this=b, expressions=[a])."""
        return self.operator("@@", self.bind(node.expressions[0]), self.bind(node.this))

    def _Not(self, node: exp.Not) -> Expr:
        inner = node.this
        if isinstance(inner, exp.Not):  # `!! q` arrives as NOT NOT q: tsquery's negation
            operand = self.bind(inner.this)
            if operand.type.pg is R.TSQUERY:
                return self.operator("!!", None, operand)
            return BoolOp("not", [BoolOp("not", [self.bool_operand(operand, inner.this, "NOT")], BOOL)], BOOL)
        if isinstance(inner, (exp.Like, exp.ILike, exp.RegexpLike, exp.RegexpILike)) and type(inner) in BINARY_OPS:
            op = NEGATED_OPS[BINARY_OPS[type(inner)]]
            return self.operator(op, self.bind(inner.this), self.bind(inner.expression))
        if isinstance(inner, exp.In):  # x NOT IN (...) (NOT (x IN ...) keeps its parentheses)
            return self._In(inner, negated=True)
        if isinstance(inner, exp.Is) and isinstance(inner.expression, (exp.Boolean, exp.Var)):  # x IS NOT TRUE
            return self._Is(inner, negated=True)
        return BoolOp("not", [self.bind_bool(inner, "NOT")], BOOL)

    def _And(self, node: exp.And) -> Expr:
        return BoolOp("and", [self.bind_bool(n, "AND") for n in node.flatten()], BOOL)

    def _Or(self, node: exp.Or) -> Expr:
        return BoolOp("or", [self.bind_bool(n, "OR") for n in node.flatten()], BOOL)

    def _Array(self, node: exp.Array) -> Expr:
        if len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Query):  # ARRAY(query)
            q = node.expressions[0]
            plan, correlated = self.bind_subquery(q.this if isinstance(q, exp.Subquery) else q, self.scope)
            elem = plan.columns[0].type
            return SubqueryExpr("array", plan, array_type(elem), correlated=correlated)
        items = [self.bind(i) for i in node.expressions]
        if not items:
            raise IndeterminateDatatype("cannot determine type of empty array")
        common = F.select_common_type([i.type for i in items], "ARRAY")
        if common.pg is R.UNKNOWN:
            common = TEXT
        items = [self.coerce(i, common) for i in items]
        if common.pg.is_array:  # ARRAY[ARRAY[..], ..] -> a two-dimensional value, kept as nested lists
            return ArrayExpr(items, common)
        return ArrayExpr(items, array_type(common))

    def _Bracket(self, node: exp.Bracket) -> Expr:
        base = self.bind(node.this)
        if isinstance(base, Subscript) and not base.is_slice and isinstance(node.this, exp.Bracket):
            # a[i][j] subscripts one multi-dimensional array: the first step keeps the array type
            base = Subscript(base.base, base.index, None, False, base.base.type)
        zero_based = base.type.pg in (R.INT2VECTOR, R.OIDVECTOR)  # the catalog's vectors subscript from 0
        base = vector_as_array(base)
        if base.type.pg is R.NAME and not isinstance(node.expressions[0], exp.Slice):
            # name is a fixed array of "char" in PostgreSQL: typname[0] is its first character
            position = self.coerce(self.bind(node.expressions[0]), SqlType(R.INT4))
            first = self.operator("+", position, Const(1, SqlType(R.INT4)))
            char = self.call_bound("substr", [self.coerce(base, TEXT), first, Const(1, SqlType(R.INT4))])
            return self.coerce(char, SqlType(R.CHAR), "e")
        if not base.type.pg.is_array:
            raise DatatypeMismatch(f"cannot subscript type {type_name(base.type)} because it does not support subscripting")
        elem = element_type(SqlType(base.type.pg, -1, base.type.extra))
        index = node.expressions[0]
        if isinstance(index, exp.Slice):
            lo = self.coerce(self.bind(index.this), SqlType(R.INT4)) if index.this else None
            hi = self.coerce(self.bind(index.expression), SqlType(R.INT4)) if index.expression else None
            return Subscript(base, lo, hi, True, base.type)
        position = self.coerce(self.bind(index), SqlType(R.INT4))
        if zero_based:
            position = self.operator("+", position, Const(1, SqlType(R.INT4)))
        return Subscript(base, position, None, False, elem)

    def _Cast(self, node: exp.Cast) -> Expr:
        return self._cast(node.this, from_datatype(node.args["to"]))

    def _cast(self, inner: exp.Expression, target: SqlType) -> Expr:
        if is_domain_type(target):  # the base type's cast, then the domain's checks (each element's for d[])
            return self.coerce(self._cast(inner, SqlType(target.pg, target.typmod)), target, "e")
        if _is_array_constructor(inner) and target.pg.is_array:
            return self._typed_array(inner, target)
        arg = self.bind(inner)
        if isinstance(arg, Const) and arg.type.pg is R.UNKNOWN:
            return self._typed_literal(arg.value, target, explicit=True)
        if target.pg in R.NAME_RESOLVED_REG_TYPES and \
                arg.type.pg in R.STRING_TYPES and isinstance(arg, Const) and self.resolve_regclass:
            return Const(self.resolve_regclass(target.pg.name, arg.value), target)
        return self.coerce(arg, target, "e")

    _TryCast = _Cast

    def _typed_array(self, node: exp.Array, target: SqlType) -> Expr:
        """ARRAY[...]::t[] casts each element to t, as PostgreSQL pushes the type into the
        constructor, down through nested ARRAY[...] sub-arrays (ARRAY[ARRAY[1, true]]::bool[])."""
        if not node.expressions:
            return Const([], target)
        if all(_is_array_constructor(i) for i in node.expressions):
            return ArrayExpr([self._typed_array(i, target) for i in node.expressions], target)
        element = SqlType(R.element_of(target.pg), target.typmod)
        items = [self.bind(i) for i in node.expressions]
        if all(i.type.pg.is_array for i in items):
            return ArrayExpr([self.coerce(i, target, "e") for i in items], target)
        return ArrayExpr([self.coerce(i, element, "e") for i in items], target)

    def _AtTimeZone(self, node: exp.Expression) -> Expr:
        return self.call("timezone", [node.args["zone"], node.this], node)

    def _Tuple(self, node: exp.Tuple) -> Expr:
        """ROW(a, b, ...): an anonymous record; untyped literals become text fields; `t.*` stands
        for t's columns."""
        fields = [self.coerce(f, TEXT) if f.type.pg is R.UNKNOWN else f for f in self.bind_row_items(node.expressions)]
        return Call("row", "row", fields, record_type(anonymous_fields([f.type for f in fields])), strict=False)

    def _Dot(self, node: exp.Dot) -> Expr:
        inner = node.expression
        if isinstance(inner, exp.Anonymous) and isinstance(node.this, exp.Identifier):  # schema.f(...)
            return self._Anonymous(inner, node.this.name)
        if isinstance(inner, (exp.Anonymous, exp.Func)):  # schema-qualified function: pg_catalog.f(...)
            return self.bind(inner)
        if isinstance(inner, exp.Identifier) and isinstance(node.this, (exp.Paren, exp.Dot, exp.Bracket)):
            # (record).field.field, and an element's: a[1].field
            return self._field_select(self.bind(node.this), inner.name)
        raise FeatureNotSupported(f"unsupported expression: {to_sql(node)[:80]}")

    def _Operator(self, node: exp.Expression) -> Expr:  # OPERATOR(pg_catalog.~), also before ANY/ALL
        op = node.args["operator"].split(".")[-1].strip()
        if _is_quantified(node.expression):
            return self._binary(node, op)
        return self.operator(op, self.bind(node.this), self.bind(node.expression))


def _is_quantified(node: exp.Expression) -> bool:
    """ANY/SOME/ALL (array or subquery) on an operator's right."""
    return isinstance(node, (exp.Any, exp.All)) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in ("any", "all", "some"))


def _is_array_constructor(node: exp.Expression) -> bool:
    """ARRAY[...] with elements (not ARRAY(subquery))."""
    return isinstance(node, exp.Array) and not (
        len(node.expressions) == 1 and isinstance(node.expressions[0], (exp.Select, exp.Subquery)))

