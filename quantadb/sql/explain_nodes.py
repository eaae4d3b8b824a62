"""Each plan node kind as EXPLAIN shows it: its PostgreSQL node name, properties, conditions and
cost (sql/explain.py's builder walks the tree and names the columns)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from quantadb.sql import explain_cost as C
from quantadb.sql import expr as E
from quantadb.sql import plan as P
from quantadb.sql.explain_tree import ExplainNode
from quantadb.sql.quoting import quote_ident

if TYPE_CHECKING:
    from quantadb.sql.explain import ExplainBuilder

_JOIN_TYPES = {"inner": "Inner", "cross": "Inner", "left": "Left", "right": "Right", "full": "Full",
               "semi": "Semi", "anti": "Anti"}
_OPERATIONS = {P.Insert: "Insert", P.Update: "Update", P.Delete: "Delete", P.Merge: "Merge"}
SCANS = (P.TableScan, P.IndexScan, P.VirtualScan, P.CteScan, P.FunctionScan, P.Values)  # a relation each


def build(b: "ExplainBuilder", plan: P.Plan) -> ExplainNode:
    return _BUILDERS[type(plan)](b, plan)


def _quals(e: E.Expr | None) -> int:
    return len(E.conjuncts(e)) if e is not None else 0


def _upper(b: "ExplainBuilder", name: str, plan: P.Plan, children: list[ExplainNode],
           operators: int = 0) -> ExplainNode:
    """A node over its children: their costs, then handing its rows on."""
    startup = max((c.cost.startup for c in children), default=0.0)
    total = sum(c.cost.total for c in children) + C.per_row(plan.estimated_rows, operators)
    return ExplainNode(name, name, cost=C.Cost(startup, total), rows=plan.estimated_rows,
                       width=b.width(plan), children=children)


def _relation(b: "ExplainBuilder", rel_oid: int, table_name: str, alias: str) -> tuple[list, str]:
    """The Relation Name / Schema / Alias properties and the text's " on t t1"."""
    rel = b.catalog.relation(rel_oid)
    schema = b.catalog.namespace_name(rel.namespace) if rel is not None else "public"
    alias = alias or table_name
    head: list = [("Relation Name", table_name)]
    if b.verbose:
        head.append(("Schema", schema))
    head.append(("Alias", alias))
    shown = f"{quote_ident(schema)}.{quote_ident(table_name)}" if b.verbose else quote_ident(table_name)
    return head, f" on {shown}" + ("" if alias == table_name else f" {quote_ident(alias)}")


def _scan_names(b: "ExplainBuilder", plan: P.Plan) -> list[str]:
    return b.names(plan, b.verbose)


def _upper_names(b: "ExplainBuilder", plan: P.Plan) -> list[str]:
    return b.names(plan, b.verbose or b.multi)


def _table_scan(b: "ExplainBuilder", plan: P.TableScan) -> ExplainNode:
    head, target = _relation(b, plan.rel_oid, plan.table_name, b.refname(plan))
    width = b.width(plan)
    table_rows = max(b.catalog.estimated_rows(plan.rel_oid), plan.estimated_rows)
    node = ExplainNode("Seq Scan", "Seq Scan", target, head, C.seq_scan(table_rows, width, _quals(plan.filter)),
                       plan.estimated_rows, width)
    names = _scan_names(b, plan)
    # the rows an index beside it misses (sql/index_order.py): a NULL in one of those columns
    nulls = [f"({names[plan.attnums.index(a)]} IS NULL)" for a in plan.null_in if a in plan.attnums]
    quals = ([b.expr(plan.filter, names)] if plan.filter is not None else []) + \
        ([nulls[0] if len(nulls) == 1 else "(" + " OR ".join(nulls) + ")"] if nulls else [])
    if quals:
        node.details.append(("Filter", _conjoined(quals)))
        node.filtered = (plan, None)
    return _locked(b, plan, node)


def _current_of_scan(b: "ExplainBuilder", plan: P.CurrentOfScan) -> ExplainNode:
    """WHERE CURRENT OF's one row: PostgreSQL's Tid Scan (one random page, one row)."""
    head, target = _relation(b, plan.rel_oid, plan.table_name, b.refname(plan))
    width = b.width(plan)
    node = ExplainNode("Tid Scan", "Tid Scan", target, head, C.Cost(0.0, C.RANDOM_PAGE_COST + C.CPU_TUPLE_COST),
                       1, width)
    cursor = plan.cursor.value if isinstance(plan.cursor, E.Const) else b.expr(plan.cursor, [])
    node.details.append(("TID Cond", f"CURRENT OF {cursor}"))
    return node


def _locked(b: "ExplainBuilder", plan: P.TableScan | P.IndexScan, scan: ExplainNode) -> ExplainNode:
    """SELECT ... FOR UPDATE: PostgreSQL's LockRows above the scan that locks its rows."""
    if not plan.lock_mode or plan.locked_above:
        return scan
    scan.relationship, scan.counted = "Outer", plan
    return ExplainNode("LockRows", "LockRows", cost=C.Cost(scan.cost.startup, scan.cost.total + C.per_row(scan.rows)),
                       rows=scan.rows, width=scan.width, children=[scan], counted=plan)


def _index_scan(b: "ExplainBuilder", plan: P.IndexScan, key_text: list[str] | None = None) -> ExplainNode:
    head, target = _relation(b, plan.rel_oid, plan.table_name, b.refname(plan))
    backward = plan.backward
    head = [("Scan Direction", "Backward" if backward else "Forward"), ("Index Name", plan.index_name), *head]
    width = b.width(plan)
    table_rows = max(b.catalog.estimated_rows(plan.rel_oid), plan.estimated_rows)
    node = ExplainNode("Index Scan", "Index Scan Backward" if backward else "Index Scan",
                       f" using {quote_ident(plan.index_name)}{target}", head,
                       C.index_scan(table_rows, width, plan.estimated_rows, _quals(plan.filter)),
                       plan.estimated_rows, width)
    names = _scan_names(b, plan)
    cond = b.expr(plan.index_cond, names) if plan.index_cond is not None else _key_cond(b, plan, names, key_text)
    if cond:
        node.details.append(("Index Cond", cond))
    if plan.filter is not None:
        node.details.append(("Filter", b.expr(plan.filter, names)))
        node.filtered = (plan, None)
    return _locked(b, plan, node)


def _key_cond(b: "ExplainBuilder", plan: P.IndexScan, names: list[str], key_text: list[str] | None) -> str:
    """An index lookup by keys: `(col = key)` for each index column the keys are for."""
    index = b.catalog.relation(plan.index_oid)
    if index is None:
        return ""
    if key_text is None:
        keys = plan.keys if plan.keys is not None else plan.any_of or []
        key_text = [b.expr(k, names) if plan.keys is not None else f"ANY ({b.expr(k, names)})" for k in keys]
    # (else a join's lookup: one key of the other side at a time, as a parameterized scan's)
    # (a key column the plan does not read is named as the table names it)
    table = b.catalog.relation(plan.rel_oid)
    by_attnum = {c.attnum: c.name for c in table.columns} if table is not None else {}
    by_attnum.update(zip(plan.attnums, names))
    parts = [f"({by_attnum.get(a, '?')} = {k})" for a, k in zip(index.index_columns, key_text)]
    return _conjoined(parts) if parts else ""


def _virtual_scan(b: "ExplainBuilder", plan: P.VirtualScan) -> ExplainNode:
    """A generated catalog table: a Seq Scan of it, as PostgreSQL reads its catalogs."""
    schema, _, name = plan.source.rpartition(".")
    width = b.width(plan)
    head = [("Relation Name", name)] + ([("Schema", schema)] if b.verbose else []) + [("Alias", name)]
    node = ExplainNode("Seq Scan", "Seq Scan", f" on {plan.source if b.verbose else name}", head,
                       C.seq_scan(plan.estimated_rows, width, _quals(plan.filter)), plan.estimated_rows, width)
    if plan.filter is not None:
        node.details.append(("Filter", b.expr(plan.filter, _scan_names(b, plan))))
    return node


def _values(b: "ExplainBuilder", plan: P.Values) -> ExplainNode:
    if len(plan.rows) == 1:  # one row: PostgreSQL's planner makes it a Result
        return _result(b, plan)
    return ExplainNode("Values Scan", "Values Scan", ' on "*VALUES*"', [("Alias", "*VALUES*")],
                       C.Cost(0.0, C.per_row(len(plan.rows), len(plan.columns))), len(plan.rows), b.width(plan))


def _function_scan(b: "ExplainBuilder", plan: P.FunctionScan) -> ExplainNode:
    call = plan.calls[0]
    name, alias = call.name, plan.alias or call.name
    schema = "pg_catalog" if call.routine is None else ""  # (a user function's is its catalog entry's)
    shown = f"{schema}.{quote_ident(name)}" if b.verbose and schema else quote_ident(name)
    head = [("Function Name", name)] + ([("Schema", schema)] if b.verbose and schema else []) + [("Alias", alias)]
    node = ExplainNode("Function Scan", "Function Scan", f" on {shown}" + ("" if alias == name else f" {quote_ident(alias)}"),
                       head, C.Cost(0.0, C.per_row(plan.estimated_rows, len(plan.calls))), plan.estimated_rows,
                       b.width(plan))
    if b.verbose:
        names = b.names(plan.child, True) if plan.child is not None else []
        node.details.append(("Function Call", ", ".join(b.expr(c, names) for c in plan.calls)))
    if plan.child is None:
        return node
    outer = b.child(plan.child, "Outer")  # LATERAL: called once per row of the input
    node.relationship, node.counted = "Inner", plan
    return ExplainNode("Nested Loop", "Nested Loop", head=[("Join Type", "Inner")],
                       cost=C.nested_loop(outer.cost, node.cost, outer.rows, plan.estimated_rows, 0),
                       rows=plan.estimated_rows, width=node.width, children=[outer, node], counted=plan)


def _cte_scan(b: "ExplainBuilder", plan: P.CteScan) -> ExplainNode:
    working = id(plan.cte) in b.working
    if not working:
        b.cte(plan.cte)
    name, alias = "WorkTable Scan" if working else "CTE Scan", b.refname(plan)
    shown = quote_ident(plan.cte.name) + ("" if alias == plan.cte.name else f" {quote_ident(alias)}")
    return ExplainNode(name, name, f" on {shown}", [("CTE Name", plan.cte.name), ("Alias", alias)],
                       C.Cost(0.0, C.per_row(plan.estimated_rows)), plan.estimated_rows, b.width(plan))


def _filter(b: "ExplainBuilder", plan: P.Filter) -> ExplainNode:
    """A filter shows as its input's Filter line (One-Time Filter on a Result without input)."""
    node = b.node(plan.child)
    scan = isinstance(plan.child, SCANS)
    text = b.expr(plan.predicate, _scan_names(b, plan.child) if scan else _upper_names(b, plan.child))
    key = "One-Time Filter" if node.node_type == "Result" and not node.children else "Filter"
    existing = next((i for i, (k, _) in enumerate(node.details) if k == key), None)
    if existing is None:
        node.details.append((key, text))
    else:
        node.details[existing] = (key, f"({node.details[existing][1]} AND {text})")
    if key == "Filter":
        node.filtered = (plan.child, plan)
    child_rows = node.rows
    node.cost = C.Cost(node.cost.startup, node.cost.total + child_rows * _quals(plan.predicate) * C.CPU_OPERATOR_COST)
    node.rows, node.counted, node.output = min(plan.estimated_rows, node.rows), plan, None
    return node


def _project(b: "ExplainBuilder", plan: P.Project) -> ExplainNode:
    """A projection is no node of its own: it sets its input's output and width."""
    node = b.node(plan.child)
    _upper_names(b, plan)  # (the subqueries among its expressions become its subplans)
    computed = sum(not isinstance(e, E.ColumnRef) for e in plan.exprs)
    node.cost = C.Cost(node.cost.startup, node.cost.total + node.rows * computed * C.CPU_OPERATOR_COST)
    node.width, node.counted, node.output = b.width(plan), plan, None
    return node


def _join(b: "ExplainBuilder", plan: P.Join) -> ExplainNode:
    nleft = len(plan.left.columns)
    names = _upper_names(b, plan)
    hash_keys, rest = _split_condition(plan.condition, nleft) if plan.kind != "cross" else ([], plan.condition)
    kind = "" if plan.kind in ("inner", "cross") else plan.kind.capitalize() + " "
    head = [("Join Type", _JOIN_TYPES[plan.kind])]
    if plan.index_lookup is not None:  # the other side's keys look rows up through an index
        side, keys, scan = plan.index_lookup
        other = plan.right if side == "left" else plan.left
        looked_up = _index_scan(b, scan, [b.expr(k, _upper_names(b, other)) for k in keys])
        looked_up.counted = scan
        # as PostgreSQL's parameterized index scan: the inner side, its keys from the outer row
        outer, inner = b.child(other, "Outer"), looked_up
        inner.relationship = "Inner"
        if plan.kind == "semi" and side == "left":  # as PostgreSQL's inner join over the right side's distinct keys
            kind, head = "", [("Join Type", "Inner")]
            outer = _hashed(outer, outer.rows, outer.width, [b.expr(k, _upper_names(b, other)) for k in keys])
            outer.relationship = "Outer"
        rest = rest if hash_keys else plan.condition  # (the equalities are the lookup's Index Cond)
        hash_keys = []
    elif hash_keys:
        outer = b.child(plan.left, "Outer")
        hashed = b.child(plan.right, "Outer")
        inner = ExplainNode("Hash", "Hash", cost=C.Cost(hashed.cost.total, hashed.cost.total), rows=hashed.rows,
                            width=hashed.width, children=[hashed], relationship="Inner", counted=plan.right,
                            output=hashed.output)
    else:
        outer = b.child(plan.left, "Outer")
        saved = b.outer
        if plan.lateral:  # the right side reads the left row, whose columns it names qualified
            b.outer = [*saved, b.names(plan.left, True)]
        inner = b.child(plan.right, "Inner")
        b.outer = saved
    if hash_keys:
        name = f"Hash {kind}Join"
        cost = C.hash_join(outer.cost, inner.cost, outer.rows, plan.estimated_rows, len(hash_keys))
    else:
        name = f"Nested Loop {kind}Join" if kind else "Nested Loop"
        cost = C.nested_loop(outer.cost, inner.cost, outer.rows, plan.estimated_rows, _quals(rest))
    node = ExplainNode("Hash Join" if hash_keys else "Nested Loop", name,
                       head=head, cost=cost, rows=plan.estimated_rows, width=b.width(plan), children=[outer, inner])
    node.details.append(("Inner Unique", False))
    if hash_keys:
        node.details.append(("Hash Cond", _conjoined([b.expr(k, names) for k in hash_keys])))
    if rest is not None and not (isinstance(rest, E.Const) and rest.value is True):
        node.details.append(("Join Filter", b.expr(rest, names)))
    return node


def _split_condition(condition: E.Expr | None, nleft: int) -> tuple[list[E.Expr], E.Expr | None]:
    """The hash join's keys (`left = right` conjuncts, each side over one input) and the rest."""
    if condition is None:
        return [], None
    keys, rest = [], []
    for c in E.conjuncts(condition):
        if isinstance(c, E.Call) and c.name == "=" and len(c.args) == 2 and \
                {_side(c.args[0], nleft), _side(c.args[1], nleft)} == {"l", "r"}:
            keys.append(c if _side(c.args[0], nleft) == "l" else replace(c, args=c.args[::-1]))  # outer's first
        else:
            rest.append(c)
    return keys, E.conjoin(rest) if rest else None


def _side(e: E.Expr, nleft: int) -> str:
    refs = {n.index < nleft for n in E.walk(e) if isinstance(n, E.ColumnRef)}
    return "l" if refs == {True} else "r" if refs == {False} else ""


def _conjoined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def _sort_keys(b: "ExplainBuilder", child: P.Plan, keys: list[tuple[E.Expr, bool, bool]]) -> list[str]:
    names = _upper_names(b, child)
    out = []
    for e, desc, nulls_first in keys:
        text = b.expr(e, names) + (" DESC" if desc else "")
        if nulls_first != desc:
            text += " NULLS FIRST" if nulls_first else " NULLS LAST"
        out.append(text)
    return out


def _sort(b: "ExplainBuilder", plan: P.Sort) -> ExplainNode:
    child = b.child(plan.child, "Outer")
    node = ExplainNode("Sort", "Sort", cost=C.sort(child.cost, child.rows, len(plan.keys)), rows=plan.estimated_rows,
                       width=b.width(plan), children=[child])
    node.details.append(("Sort Key", _sort_keys(b, plan.child, plan.keys)))
    return node


def _incremental_sort(b: "ExplainBuilder", plan: P.IncrementalSort) -> ExplainNode:
    child = b.child(plan.child, "Outer")
    full = C.sort(child.cost, child.rows, len(plan.keys))
    node = ExplainNode("Incremental Sort", "Incremental Sort",
                       cost=C.Cost(child.cost.startup + (full.startup - child.cost.total) / 10, full.total),
                       rows=plan.estimated_rows, width=b.width(plan), children=[child])
    keys = _sort_keys(b, plan.child, plan.keys)
    node.details += [("Sort Key", keys), ("Presorted Key", keys[:plan.presorted])]
    return node


def _merge_append(b: "ExplainBuilder", plan: P.MergeAppend) -> ExplainNode:
    node = _upper(b, "Merge Append", plan, [b.child(c, "Member") for c in (plan.left, plan.right)], operators=1)
    node.details.append(("Sort Key", _sort_keys(b, plan.left, plan.keys)))
    return node


def _limit(b: "ExplainBuilder", plan: P.Limit) -> ExplainNode:
    child = b.child(plan.child, "Outer")
    rows = min(child.rows, plan.estimated_rows)
    if isinstance(plan.limit, E.Const) and isinstance(plan.limit.value, int):
        rows = min(rows, plan.limit.value)
    return ExplainNode("Limit", "Limit", cost=C.limit(child.cost, child.rows, rows), rows=rows,
                       width=b.width(plan), children=[child])


def _aggregate(b: "ExplainBuilder", plan: P.Aggregate) -> ExplainNode:
    child = b.child(plan.child, "Outer")
    hashed = bool(plan.group_exprs)
    sets = plan.grouping_sets if plan.grouping_sets and len(plan.grouping_sets) > 1 else None
    # the grand total of GROUPING SETS ((), ...) is no hash key: PostgreSQL's MixedAggregate
    strategy = "Mixed" if sets and not all(sets) else "Hashed" if hashed else "Plain"
    name = {"Mixed": "MixedAggregate", "Hashed": "HashAggregate", "Plain": "Aggregate"}[strategy]
    node = ExplainNode("Aggregate", name, head=[("Strategy", strategy), ("Partial Mode", "Simple")],
                       cost=C.aggregate(child.cost, child.rows, plan.estimated_rows,
                                        len(plan.group_exprs) + len(plan.aggs), hashed),
                       rows=plan.estimated_rows, width=b.width(plan), children=[child])
    names = _upper_names(b, plan.child)
    if sets:
        node.details.append(("Grouping Sets", [[("Hash Keys" if s else "Group Keys",
                                                 [b.expr(plan.group_exprs[i], names) for i in s])] for s in sets]))
    elif plan.group_exprs:
        node.details.append(("Group Key", [b.expr(e, names) for e in plan.group_exprs]))
    return node


def _distinct(b: "ExplainBuilder", plan: P.Distinct) -> ExplainNode:
    child = b.child(plan.child, "Outer")
    if plan.on:
        return _upper(b, "Unique", plan, [child], operators=len(plan.on))
    return _hashed(child, plan.estimated_rows, b.width(plan), _upper_names(b, plan.child)[:len(plan.columns)])


def _hashed(child: ExplainNode, rows: float, width: int, keys: list[str]) -> ExplainNode:
    """A HashAggregate grouping `child`'s rows by `keys` (PostgreSQL's way to make them distinct)."""
    node = ExplainNode("Aggregate", "HashAggregate", head=[("Strategy", "Hashed"), ("Partial Mode", "Simple")],
                       cost=C.aggregate(child.cost, child.rows, rows, len(keys), True), rows=rows, width=width,
                       children=[child])
    node.details.append(("Group Key", keys))
    return node


def _union_members(plan: P.Plan) -> list[P.Plan]:
    """The inputs of nested UNION ALLs, which PostgreSQL's Append takes side by side."""
    if isinstance(plan, P.SetOp) and plan.kind == "union" and plan.all:
        return _union_members(plan.left) + _union_members(plan.right)
    return [plan]


def _set_op(b: "ExplainBuilder", plan: P.SetOp) -> ExplainNode:
    members = _union_members(plan.left) + _union_members(plan.right) if plan.kind == "union" else \
        [plan.left, plan.right]
    append = _upper(b, "Append", plan, [b.child(m, "Member") for m in members])
    append.rows = sum(c.rows for c in append.children)
    if plan.kind == "union" and plan.all:
        return append
    append.relationship, append.counted = "Outer", None
    if plan.kind == "union":
        return _hashed(append, plan.estimated_rows, b.width(plan), _upper_names(b, plan.left))
    command = plan.kind.capitalize() + (" All" if plan.all else "")
    return ExplainNode("SetOp", f"HashSetOp {command}", head=[("Strategy", "Hashed"), ("Command", command)],
                       cost=C.aggregate(append.cost, append.rows, plan.estimated_rows, len(plan.columns), True),
                       rows=plan.estimated_rows, width=b.width(plan), children=[append])


def _modify(b: "ExplainBuilder", plan: P.Insert | P.Update | P.Delete | P.Merge) -> ExplainNode:
    operation = _OPERATIONS[type(plan)]
    head, target = _relation(b, plan.rel_oid, plan.table_name, _target_alias(plan))
    child = b.child(plan.explained_children()[0], "Outer")
    returning = getattr(plan, "returning", None)
    node = ExplainNode("ModifyTable", operation, target, [("Operation", operation), *head],
                       C.Cost(child.cost.startup, child.cost.total + C.per_row(child.rows) if returning else
                              child.cost.total),
                       child.rows if returning else 0, b.width(plan) if returning else 0, children=[child])
    if isinstance(plan, P.Insert) and plan.on_conflict is not None:
        node.details.append(("Conflict Resolution", plan.on_conflict.action.upper()))
    return node


def _target_alias(plan: P.Plan) -> str:
    """The alias of an UPDATE's / DELETE's target: that of the scan of its table below."""
    for node in P.walk_plan(plan.explained_children()[0]):
        if isinstance(node, (P.TableScan, P.IndexScan)) and node.rel_oid == plan.rel_oid and node.with_rowids:
            return node.alias
    return ""


def _modifying_ctes(b: "ExplainBuilder", plan: P.ModifyingCtes) -> ExplainNode:
    for cte in plan.ctes:
        b.cte(cte)
    return b.node(plan.child)


def _single(name: str, operators: int = 0) -> Callable:
    def build_one(b: "ExplainBuilder", plan: P.Plan) -> ExplainNode:
        return _upper(b, name, plan, [b.child(c, "Outer") for c in plan.explained_children()], operators=operators)
    return build_one


def _result(b: "ExplainBuilder", plan: P.Plan) -> ExplainNode:
    return ExplainNode("Result", "Result", cost=C.Cost(0.0, C.per_row(1)), rows=1, width=b.width(plan))


_BUILDERS: dict[type, Callable] = {
    P.Result: _result, P.Materialized: _single("Result"), P.TableScan: _table_scan, P.IndexScan: _index_scan,
    P.VirtualScan: _virtual_scan, P.Values: _values, P.FunctionScan: _function_scan, P.CteScan: _cte_scan,
    P.Filter: _filter, P.Project: _project, P.Join: _join, P.Sort: _sort, P.IncrementalSort: _incremental_sort,
    P.MergeAppend: _merge_append, P.Limit: _limit, P.Aggregate: _aggregate, P.Distinct: _distinct,
    P.SetOp: _set_op, P.Insert: _modify, P.Update: _modify, P.Delete: _modify, P.Merge: _modify,
    P.ModifyingCtes: _modifying_ctes, P.Window: _single("WindowAgg", 1), P.ProjectSet: _single("ProjectSet", 1),
    P.LockRows: _single("LockRows"), P.CurrentOfScan: _current_of_scan,
}
