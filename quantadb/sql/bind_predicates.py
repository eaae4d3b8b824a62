"""Binding predicates: IS [NOT] NULL/TRUE/..., IS [NOT] DISTINCT FROM, BETWEEN, IN, ANY/ALL,
EXISTS, scalar and row subqueries, and row comparisons. A mixin of ExprBinder."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import DatatypeMismatch, FeatureNotSupported, SyntaxError as SqlSyntaxError, WrongObjectType
from quantadb.sql import functions as F
from quantadb.sql.bind_support import BOOL, TEXT, as_record, row_compare_impl, row_items, type_name, vector_as_array
from quantadb.sql.expr import (BoolOp, Call, ColumnRef, DistinctTest, Expr, InList, NullTest, QuantifiedCompare,
                               SubqueryExpr)
from quantadb.sql.parse import to_sql
from quantadb.sql.positions import expr_location
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


class PredicateBinder:
    """Predicate forms of ExprBinder (uses its bind, coerce, operator, call and subquery binding)."""

    def _row_compare(self, op: str, lefts: list, rights: list) -> Expr:
        """ROW(a, b) op ROW(c, d): = and <> pairwise, ordering operators lexicographically (the
        first pair that is not equal decides; a NULL there makes the result NULL)."""
        lefts, rights = self.bind_row_items(lefts), self.bind_row_items(rights)
        if len(lefts) != len(rights):
            raise SqlSyntaxError("unequal number of entries in row expressions")
        if op not in ("=", "<>", "<", "<=", ">", ">="):
            raise FeatureNotSupported(f"operator {op} is not supported for row expressions")
        pairs = list(zip(lefts, rights))
        if op in ("=", "<>"):
            tests = [self.operator(op, a, b) for a, b in pairs]
            return tests[0] if len(tests) == 1 else BoolOp("and" if op == "=" else "or", tests, BOOL)
        strict = op[0]
        result = self.operator(op, *pairs[-1])
        for a, b in reversed(pairs[:-1]):
            result = BoolOp("or", [self.operator(strict, a, b),
                                   BoolOp("and", [self.operator("=", a, b), result], BOOL)], BOOL)
        return result

    def _Is(self, node: exp.Is, negated: bool = False) -> Expr:
        target = node.expression
        negated = negated or bool(node.args.get("negate"))
        if isinstance(target, exp.Null) and row_items(node.this) is not None:
            # ROW(a, b) IS NULL: every field is NULL; IS NOT NULL: no field is
            tests = [NullTest(f, negated, BOOL) for f in self.bind_row_items(row_items(node.this))]
            return tests[0] if len(tests) == 1 else BoolOp("and", tests, BOOL)
        arg = self.bind(node.this)
        if isinstance(target, exp.Null):
            return NullTest(arg, negated, BOOL)
        if isinstance(target, exp.Var) and target.name == "UNKNOWN" or isinstance(target, exp.Boolean):
            test = "UNKNOWN" if isinstance(target, exp.Var) else "TRUE" if target.this else "FALSE"
            if arg.type.pg not in (R.BOOL, R.UNKNOWN):
                raise DatatypeMismatch(f"argument of IS {'NOT ' if negated else ''}{test} must be type boolean, "
                                       f"not type {type_name(arg.type)}", position=expr_location(node.this))
            arg = self.coerce(arg, BOOL)
            if test == "UNKNOWN":
                return NullTest(arg, negated, BOOL)
            test = Call("is " + ("true" if target.this else "false"), "booltest_" + ("true" if target.this else "false"),
                        [arg], BOOL, strict=False)
            return BoolOp("not", [test], BOOL) if negated else test
        raise FeatureNotSupported(f"unsupported IS: {to_sql(node)}")

    def _NullSafeEQ(self, node: exp.Expression) -> Expr:
        return self._distinct_test(node, False)

    def _NullSafeNEQ(self, node: exp.Expression) -> Expr:
        return self._distinct_test(node, True)

    def _distinct_test(self, node: exp.Expression, distinct: bool) -> Expr:
        """a IS [NOT] DISTINCT FROM b; rows compare field by field (distinct if any pair is)."""
        lefts, rights = row_items(node.this), row_items(node.expression)
        if lefts is None or rights is None:
            lefts, rights = [node.this], [node.expression]
        elif len(lefts) != len(rights):
            raise SqlSyntaxError("unequal number of entries in row expressions")
        tests = [DistinctTest(self.operator("=", self.bind(a), self.bind(b), fold=False), distinct, BOOL)
                 for a, b in zip(lefts, rights)]
        return tests[0] if len(tests) == 1 else BoolOp("or" if distinct else "and", tests, BOOL)

    def _Between(self, node: exp.Between) -> Expr:
        arg = self.bind(node.this)
        low, high = self.bind(node.args["low"]), self.bind(node.args["high"])
        if node.args.get("symmetric"):
            a = BoolOp("and", [self.operator(">=", arg, low), self.operator("<=", arg, high)], BOOL)
            b = BoolOp("and", [self.operator(">=", arg, high), self.operator("<=", arg, low)], BOOL)
            return BoolOp("or", [a, b], BOOL)
        return BoolOp("and", [self.operator(">=", arg, low), self.operator("<=", arg, high)], BOOL)

    def _In(self, node: exp.In, negated: bool = False) -> Expr:
        """`negated`: x NOT IN (list), PostgreSQL's `x <> ALL (ARRAY[...])`."""
        query = node.args.get("query")
        if negated and (query is not None or row_items(node.this) is not None):
            return BoolOp("not", [self._In(node)], BOOL)
        if query is not None:
            arg = self.bind(node.this)
            return self._subquery_compare(arg, "=", query.this if isinstance(query, exp.Subquery) else query,
                                          "in", False)
        if row_items(node.this) is not None:  # (a, b) IN ((1, 2), (3, 4))
            row = row_items(node.this)
            tests = []
            for item in node.expressions:
                if row_items(item) is None:
                    raise SqlSyntaxError("unequal number of entries in row expressions")
                tests.append(self._row_compare("=", row, row_items(item)))
            return tests[0] if len(tests) == 1 else BoolOp("or", tests, BOOL)
        arg = self.bind(node.this)
        items = [self.bind(i) for i in node.expressions]
        if node.args.get("unnest"):
            raise FeatureNotSupported("IN UNNEST is not supported")
        try:
            common = F.select_common_type([arg.type] + [i.type for i in items], "IN",
                                          lambda i: expr_location(([node.this] + node.expressions)[i]))
        except DatatypeMismatch:  # no common type: each item is compared on its own, as PostgreSQL does
            tests = [self.operator("<>" if negated else "=", arg, i) for i in items]
            return tests[0] if len(tests) == 1 else BoolOp("and" if negated else "or", tests, BOOL)
        arg = self.coerce(arg, common)
        items = [self.coerce(i, common) for i in items]
        eq = F.resolve_operator("=", common, common)
        return InList(arg, items, negated, BOOL, eq.sig.impl)

    def _quantified(self, left_node: exp.Expression, op: str, right_node: exp.Expression) -> Expr:
        is_all = isinstance(right_node, exp.All) or (isinstance(right_node, exp.Anonymous)
                                                     and right_node.name.lower() == "all")
        inner = right_node.this if not isinstance(right_node, exp.Anonymous) else right_node.expressions[0]
        while isinstance(inner, exp.Paren):
            inner = inner.this
        left = self.bind(left_node)
        if isinstance(inner, (exp.Select, exp.Union, exp.Subquery)):
            return self._subquery_compare(left, op, inner.this if isinstance(inner, exp.Subquery) else inner,
                                          "all" if is_all else "any", False)
        array = vector_as_array(self.bind(inner))
        if array.type.pg is R.UNKNOWN:
            elem = left.type if left.type.pg is not R.UNKNOWN else TEXT
            array = self.coerce(array, SqlType(R.array_of(elem.pg)))
        if not array.type.pg.is_array:
            raise WrongObjectType("op ANY/ALL (array) requires array on right side")
        elem_type = SqlType(R.element_of(array.type.pg), array.type.typmod)
        match = F.resolve_operator(op, left.type, elem_type)
        left = self.coerce(left, match.arg_types[0])
        if match.arg_types[1].pg is not elem_type.pg:
            array = self.coerce(array, SqlType(R.array_of(match.arg_types[1].pg)))
        return QuantifiedCompare(left, array, match.sig.impl, is_all, BOOL)

    def _subquery_compare(self, arg: Expr, op: str, query: exp.Expression, kind: str, negated: bool) -> Expr:
        plan, correlated = self.bind_subquery(query, self.scope)
        # (a, b) IN (SELECT x, y ...): compare whole rows (a subquery of one record column: as it is)
        if arg.type.pg is R.RECORD and not (len(plan.columns) == 1 and plan.columns[0].type.pg is R.RECORD):
            plan = as_record(plan, arg.type)
        if len(plan.columns) != 1:
            raise SqlSyntaxError("subquery has too many columns")
        col_type = plan.columns[0].type
        match = F.resolve_operator(op, arg.type, col_type)
        arg = self.coerce(arg, match.arg_types[0])
        if match.arg_types[1].pg is not col_type.pg:  # compare through a cast of the subquery's column
            from quantadb.sql.plan import PlanColumn, Project
            target = match.arg_types[1]
            cast = self.coerce(ColumnRef(0, col_type, plan.columns[0].name), target)
            plan = Project(plan, [cast], [PlanColumn(plan.columns[0].name, target)],
                           estimated_rows=plan.estimated_rows)
        impl = row_compare_impl(match.sig.impl) if arg.type.pg is R.RECORD else match.sig.impl
        return SubqueryExpr(kind, plan, BOOL, arg, impl, negated, correlated)

    def _Exists(self, node: exp.Exists) -> Expr:
        query = node.this
        plan, correlated = self.bind_subquery(query.this if isinstance(query, exp.Subquery) else query, self.scope)
        return SubqueryExpr("exists", plan, BOOL, correlated=correlated)

    def _Subquery(self, node: exp.Subquery) -> Expr:
        plan, correlated = self.bind_subquery(node.this, self.scope)
        if len(plan.columns) != 1:
            raise SqlSyntaxError("subquery must return only one column")
        return SubqueryExpr("scalar", plan, plan.columns[0].type, correlated=correlated)

    def _Select(self, node: exp.Select) -> Expr:
        return self._Subquery(exp.Subquery(this=node))
