"""Binding PostgreSQL's conditional expressions: CASE, COALESCE, NULLIF, GREATEST and LEAST. Their
branches convert to one common type; a branch that cannot is where the error points. A mixin of
ExprBinder."""

from __future__ import annotations

from sqlglot import exp

from quantadb.sql import functions as F
from quantadb.sql.bind_support import TEXT
from quantadb.sql.expr import Call, Case, CaseTest, Coalesce, Const, Expr
from quantadb.sql.positions import expr_location
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


class ConditionalBinder:
    """Conditional forms of ExprBinder (uses its bind, bind_bool, coerce and operator)."""

    def common_type(self, args: list[Expr], nodes: list[exp.Expression], context: str) -> SqlType:
        """The type the branches `args` (bound from `nodes`) convert to; unknown ones are text."""
        common = F.select_common_type([a.type for a in args], context, lambda i: expr_location(nodes[i]))
        return TEXT if common.pg is R.UNKNOWN else common

    def _Case(self, node: exp.Case) -> Expr:
        subject = self.bind(node.this) if node.this is not None else None
        whens = []
        nodes = []
        for branch in node.args["ifs"]:
            cond_node, result_node = branch.this, branch.args["true"]
            if subject is not None:
                cond = self.operator("=", CaseTest(subject.type), self.bind(cond_node), fold=False)
            else:
                cond = self.bind_bool(cond_node, "CASE/WHEN")
            whens.append((cond, self.bind(result_node)))
            nodes.append(result_node)
        default = self.bind(node.args["default"]) if node.args.get("default") is not None else None
        results = [r for _, r in whens] + ([default] if default is not None else [])
        common = self.common_type(results, nodes + [node.args.get("default")], "CASE")
        whens = [(c, self.coerce(r, common)) for c, r in whens]
        default = self.coerce(default, common) if default is not None else None
        return Case(whens, default, common, subject)

    def _Coalesce(self, node: exp.Coalesce) -> Expr:
        nodes = [node.this, *node.expressions]
        args = [self.bind(a) for a in nodes]
        common = self.common_type(args, nodes, "COALESCE")
        return Coalesce([self.coerce(a, common) for a in args], common)

    def _Nullif(self, node: exp.Nullif) -> Expr:
        a, b = self.bind(node.this), self.bind(node.expression)
        eq = self.operator("=", a, b, fold=False)
        a = eq.args[0]
        return Case([(eq, Const(None, a.type))], a, a.type)

    def _Greatest(self, node: exp.Expression) -> Expr:
        return self._extreme(node, "greatest")

    def _Least(self, node: exp.Expression) -> Expr:
        return self._extreme(node, "least")

    def _extreme(self, node: exp.Expression, name: str) -> Expr:
        nodes = [node.this, *node.expressions]
        args = [self.bind(a) for a in nodes]
        common = self.common_type(args, nodes, name.upper())
        args = [self.coerce(a, common) for a in args]
        match = F.resolve_function(name, [a.type for a in args])
        return Call(name, match.sig.impl, args, common, strict=False)
