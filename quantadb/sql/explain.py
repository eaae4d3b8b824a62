"""EXPLAIN's tree: QuantaDB's plan as PostgreSQL 15's EXPLAIN shows it (explain.c's ExplainNode).

Each plan node becomes an `ExplainNode` named as PostgreSQL names the same operation ("Seq Scan",
"Hash Join", "HashAggregate", "Insert"), with its properties in PostgreSQL's key names and order,
costs from sql/explain_cost.py, and conditions deparsed by sql/deparse.py. Nodes PostgreSQL does
not have are folded into the node below them as PostgreSQL would show that plan: a `Filter` becomes
the Filter line of its input (One-Time Filter on a Result), a `Project` only changes its input's
width and VERBOSE Output. Where PostgreSQL has a node QuantaDB's operator does inside itself, it is
shown: the Hash under a Hash Join's inner side, the Append under a UNION, LockRows above a locking
scan, the Nested Loop of a LATERAL function call; a one-row VALUES is the Result PostgreSQL makes it.

Column names are qualified by their table's alias as PostgreSQL's: in a scan's own conditions only with
VERBOSE; in joins', sorts' and groups' keys and in VERBOSE Output when the statement reads more than
one relation; always where a subquery names the row of the query around it. A table or CTE read
twice is named the second time by its alias numbered (`t t_1`), as PostgreSQL's set_rtable_names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from quantadb.sql import explain_cost as C
from quantadb.sql import explain_nodes
from quantadb.sql import expr as E
from quantadb.sql import plan as P
from quantadb.sql.catalog import CatalogView
from quantadb.sql.deparse import Deparser
from quantadb.sql.explain_tree import ExplainNode
from quantadb.sql.quoting import quote_ident
from quantadb.sql.scope import ROW_SYSTEM_COLUMNS
from quantadb.types.context import FormatContext


_ROW_SYSTEM_IMPLS = frozenset("row_" + name for name in ROW_SYSTEM_COLUMNS)


@dataclass
class _ExprText(Deparser):
    """Deparser for EXPLAIN: column names come already quoted (and maybe qualified); aggregates,
    window calls, parameters and subqueries print as explain.c prints them."""

    builder: Any = None  # ExplainBuilder: where subqueries become subplans
    outer: list[list[str]] = field(default_factory=list)  # enclosing queries' column names

    def text(self, e: E.Expr, show_implicit: bool = False) -> str:
        if isinstance(e, E.ColumnRef):
            return self.columns[e.index] if e.index < len(self.columns) else quote_ident(e.name)
        if isinstance(e, E.OuterRef):
            level = self.outer[-e.depth] if e.depth <= len(self.outer) else []
            return level[e.index] if e.index < len(level) else quote_ident(e.name)
        if isinstance(e, E.Param):  # its value (EXPLAIN EXECUTE, a client's), as a custom plan shows it
            params = self.builder.params
            return self.const(E.Const(params[e.number - 1], e.type)) if e.number <= len(params) else f"${e.number}"
        if isinstance(e, E.AggRef):
            args = ", ".join(self.text(a, True) for a in e.args) or "*"
            return f"{e.name}({'DISTINCT ' if e.distinct else ''}{args})"
        if isinstance(e, E.WindowCall):
            return f"{e.name}(" + ", ".join(self.text(a, True) for a in e.args) + ") OVER (?)"
        if isinstance(e, E.SubqueryExpr):
            return self.builder.subplan_ref(e, self.columns, self.outer)
        if isinstance(e, E.Subscript):
            index = self.text(e.index, True) if e.index is not None else ""
            upper = ":" + self.text(e.upper, True) if e.is_slice and e.upper is not None else \
                (":" if e.is_slice else "")
            base = self.text(e.base)
            return f"{base if isinstance(e.base, (E.ColumnRef, E.OuterRef)) else f'({base})'}[{index}{upper}]"
        if isinstance(e, E.CaseTest):
            return "CASE_TEST_EXPR"
        if isinstance(e, E.Call) and e.impl in _ROW_SYSTEM_IMPLS:  # a stored row's xmin & co. (scope.RowSystemColumn)
            rowid = self.text(e.args[1])  # (named as its ctid)
            return rowid[:-len("ctid")] + e.name if rowid.endswith("ctid") else e.name
        return super().text(e, show_implicit)

    def case(self, c: E.Case) -> str:
        """On one line, as EXPLAIN prints it (no PRETTYFLAG_INDENT)."""
        return re.sub(r"\n *", " ", super().case(c)).strip()


class Names(list):
    """Column names as a node's expressions show them, and `qualified`: the same, alias-qualified."""

    qualified: list[str]


class ExplainBuilder:
    """Builds the ExplainNode tree of one statement's plan."""

    def __init__(self, catalog: CatalogView, fmt: FormatContext, reg_name: Callable[[str, int], str],
                 verbose: bool = False, params: list | None = None) -> None:
        self.catalog = catalog
        self.params = params or []  # the values of the statement's parameters (EXPLAIN EXECUTE)
        self.fmt = fmt
        self.reg_name = reg_name
        self.verbose = verbose
        self.multi = False  # more than one relation read: upper keys are qualified
        self._subplans: list[ExplainNode] = []  # met while deparsing the node being built
        self._subplan_refs: dict[int, str] = {}
        self._ctes: dict[int, ExplainNode] = {}
        self.working: set[int] = set()  # recursive CTEs whose recursive term is being built
        self._plan_id = 0
        self._names: dict[tuple[int, bool], Names] = {}
        self.outer: list[list[str]] = []  # the enclosing rows' qualified names (OuterRef depth 1 is last)
        self.refnames: dict[int, str] = {}  # id(scan) -> the unique name it is shown by

    def build(self, plan: P.Plan) -> ExplainNode:
        """The statement's tree: its plan, the CTEs it reads under the top node."""
        self.multi = sum(isinstance(n, explain_nodes.SCANS) for n in _by_query_level(plan)) > 1
        self.refnames = _refnames(plan)
        root = self.node(plan)
        self._attach(root, list(self._ctes.values()))
        return root

    # -- naming -----------------------------------------------------------------------------------------

    def expr(self, e: E.Expr, names: list[str]) -> str:
        return _ExprText(names, self.fmt, self.reg_name, builder=self, outer=self.outer).text(e)

    def names(self, plan: P.Plan, prefix: bool) -> Names:
        """How expressions above `plan` name its output columns."""
        key = (id(plan), prefix)
        if key not in self._names:
            names = Names(self._compute_names(plan, prefix))
            names.qualified = names if prefix else self.names(plan, True)
            self._names[key] = names
        return self._names[key]

    def _compute_names(self, plan: P.Plan, prefix: bool) -> list[str]:
        cols = getattr(plan, "columns", [])
        qualifier = self._qualifier(plan)
        if qualifier is not None:
            return [f"{qualifier}.{quote_ident(c.name)}" if prefix else quote_ident(c.name) for c in cols]
        if isinstance(plan, P.Join):
            return self.names(plan.left, prefix) + self.names(plan.right, prefix)
        if isinstance(plan, P.Values):  # one row, shown as a Result: its values
            return [self.expr(e, []) for e in plan.rows[0]]
        if isinstance(plan, (P.Project, P.ProjectSet)):
            child = self.names(plan.child, prefix)
            return [self.expr(e, child) for e in plan.exprs]
        if isinstance(plan, P.Aggregate):
            child = self.names(plan.child, prefix)
            out = [self.expr(e, child) for e in plan.group_exprs] + [self.expr(a, child) for a in plan.aggs]
            return out + ["GROUPING()"] * (len(cols) - len(out))
        if isinstance(plan, P.Window):
            child = self.names(plan.child, prefix)
            return child + [self.expr(f, child) for f in plan.funcs]
        if isinstance(plan, (P.Insert, P.Update, P.Delete)):
            # RETURNING reads the written row (its columns by the table's name), its row id (the
            # system columns'), then an UPDATE's FROM or DELETE's USING items' columns (exec/modify._returning)
            lead = 0 if isinstance(plan, P.Insert) else 1  # (the row id)
            passed = getattr(plan, "passed", 0)
            written = plan.source.columns[lead:len(plan.source.columns) - passed]
            row = [f"{quote_ident(plan.table_name)}.{name}" if prefix else name
                   for name in [quote_ident(c.name) for c in written] + ["ctid"]]
            others = self.names(plan.source, prefix)[len(plan.source.columns) - passed:] if passed else []
            return [self.expr(e, row + others) for e in plan.returning or []]
        children = plan.children()
        if children:
            return self.names(children[0], prefix)[:len(cols)] if cols else self.names(children[0], prefix)
        return [quote_ident(c.name) for c in cols]

    def refname(self, plan: P.TableScan | P.IndexScan | P.CteScan) -> str:
        default = plan.cte.name if isinstance(plan, P.CteScan) else plan.alias or plan.table_name
        return self.refnames.get(id(plan), default)

    def _qualifier(self, plan: P.Plan) -> str | None:
        if isinstance(plan, (P.TableScan, P.IndexScan, P.CteScan)):
            return quote_ident(self.refname(plan))
        if isinstance(plan, P.VirtualScan):
            return quote_ident(plan.source.rsplit(".", 1)[-1])
        if isinstance(plan, P.FunctionScan):
            return quote_ident(plan.alias or plan.calls[0].name)
        if isinstance(plan, P.Values) and len(plan.rows) > 1:
            return '"*VALUES*"'
        return None

    # -- subplans ---------------------------------------------------------------------------------------

    def subplan_ref(self, e: E.SubqueryExpr, names: list[str], outer: list[list[str]]) -> str:
        """How an expression shows a subquery: `$n` for an InitPlan's value, `(SubPlan n)` else."""
        if id(e) in self._subplan_refs:
            return self._subplan_refs[id(e)]
        self._plan_id += 1
        number = self._plan_id
        init = not e.correlated and e.kind in ("scalar", "exists", "array")
        # a subquery's references to this row are qualified, as PostgreSQL prints a Param's referent
        saved, self.outer = self.outer, [*outer, getattr(names, "qualified", names)]
        pending, self._subplans = self._subplans, []
        node = self.node(e.plan)
        self._attach(node, self._subplans)
        self._subplans, self.outer = pending, saved
        if init:
            node.relationship, node.subplan_name = "InitPlan", f"InitPlan {number} (returns ${number - 1})"
            ref = f"${number - 1}"
        else:
            node.relationship, node.subplan_name = "SubPlan", f"SubPlan {number}"
            # an IN's subquery runs once into a set, as PostgreSQL's hashed SubPlan (its test is not shown)
            ref = f"(hashed SubPlan {number})" if e.kind == "in" and not e.correlated else f"(SubPlan {number})"
            if e.negated:
                ref = f"(NOT {ref})"
        self._subplans.append(node)
        self._subplan_refs[id(e)] = ref
        return ref

    def cte(self, cte: P.CteDef) -> None:
        if id(cte) in self._ctes or cte.plan is None:
            return
        self._ctes[id(cte)] = ExplainNode("", "")  # placeholder: a CTE may read itself
        if cte.recursive_plan is not None:
            first = self.child(cte.plan, "Outer")
            self.working.add(id(cte))
            second = self.child(cte.recursive_plan, "Inner")
            self.working.discard(id(cte))
            # (the recursive term's cost and rows counted ten times over: its iterations are not estimated)
            node = ExplainNode("Recursive Union", "Recursive Union", rows=first.rows + 10 * second.rows,
                               cost=C.Cost(first.cost.startup, first.cost.total + 10 * second.cost.total),
                               width=first.width, children=[first, second], counted=cte)
        else:
            node = self.node(cte.plan)
        node.relationship, node.subplan_name = "InitPlan", f"CTE {cte.name}"
        self._ctes[id(cte)] = node

    def _attach(self, node: ExplainNode, subplans: list[ExplainNode]) -> None:
        """InitPlans, SubPlans and CTEs under the node that uses them, their costs in its own."""
        for sub in subplans:
            node.children.append(sub)
            if sub.relationship == "SubPlan":  # run for each row
                node.cost = C.Cost(node.cost.startup, node.cost.total + sub.cost.total * max(node.rows, 1.0))
            else:  # run once, before the node's first row
                node.cost = C.Cost(node.cost.startup + sub.cost.total, node.cost.total + sub.cost.total)

    # -- nodes ------------------------------------------------------------------------------------------

    def node(self, plan: P.Plan) -> ExplainNode:
        """`plan` as EXPLAIN shows it, with the subplans its expressions hold."""
        pending, self._subplans = self._subplans, []
        node = explain_nodes.build(self, plan)
        self._attach(node, self._subplans)
        self._subplans = pending
        if node.counted is None:
            node.counted = plan
        if self.verbose and node.output is None:  # (show_plan_tlist: qualified when several relations)
            node.output = list(self.names(plan, self.multi)) or None
        return node

    def child(self, plan: P.Plan, relationship: str) -> ExplainNode:
        node = self.node(plan)
        node.relationship = relationship
        return node

    def width(self, plan: P.Plan) -> int:
        return C.row_width([c.type for c in getattr(plan, "columns", [])])


def _by_query_level(plan: P.Plan) -> Iterator[P.Plan]:
    """Every plan node, the statement's own first, then those of the CTEs and subqueries they
    read, level by level (the order of PostgreSQL's range table)."""
    level, seen = [plan], set()
    while level:
        nested: list[P.Plan] = []
        for root in level:
            for node in _tree(root):
                yield node
                if isinstance(node, P.CteScan) and id(node.cte) not in seen:
                    seen.add(id(node.cte))
                    nested += [p for p in (node.cte.plan, node.cte.recursive_plan) if p is not None]
                for e in P.plan_expressions(node):  # (an index scan shows its keys' twice: keys, Index Cond)
                    for n in E.walk(e):
                        if isinstance(n, E.SubqueryExpr) and id(n.plan) not in seen:
                            seen.add(id(n.plan))
                            nested.append(n.plan)
        level = nested


def _tree(plan: P.Plan) -> Iterator[P.Plan]:
    yield plan
    for child in plan.explained_children():
        yield from _tree(child)


def _refnames(plan: P.Plan) -> dict[int, str]:
    """The name each scan of a table or CTE goes by: its alias, or where an earlier one has it,
    that alias numbered (`t_1`), as PostgreSQL's set_rtable_names makes them unique."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for node in _by_query_level(plan):
        if isinstance(node, P.Insert):  # its target is named first, as the range table's first entry
            taken.add(node.table_name)
        if isinstance(node, P.TableScan) and node.null_in:
            continue  # (the rows an index scan of the same relation misses: that scan's name)
        if isinstance(node, (P.TableScan, P.IndexScan, P.CteScan)):
            base = node.cte.name if isinstance(node, P.CteScan) else node.alias or node.table_name
            name, n = base, 0
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            names[id(node)] = name
    return names
