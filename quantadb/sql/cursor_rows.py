"""The plan a cursor runs so that WHERE CURRENT OF can find its rows in their table (see
engine/current_of.py): the query's plan with the row ids of the one table it reads passed up as
a last column. As in PostgreSQL, a query whose rows stand for rows of one table: a scan under
filters, projections, sorts and limits only (execCurrentOf's search_plan_tree); with FOR
UPDATE/SHARE too (PostgreSQL's row marks), where the table must be the locked one.
"""

from __future__ import annotations

import copy

from quantadb.sql import plan as P
from quantadb.sql.expr import ColumnRef
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

_INT8 = SqlType(R.INT8)
_PASSING = (P.Project, P.Filter, P.Sort, P.IncrementalSort, P.Limit)  # keep their child's rows as they are


def updatable_plan(plan: P.Plan) -> tuple[P.Plan, int, bool]:
    """The plan to run for a cursor: a copy of `plan` with the row ids of the one table it scans
    as a last column, that table's OID (0 and `plan` itself if its rows stand for no one table's),
    and whether it locks rows (FOR UPDATE/SHARE)."""
    locked = any(getattr(node, "lock_mode", "") for node in P.walk_plan(plan)) or \
        any(isinstance(node, P.LockRows) for node in P.walk_plan(plan))
    chain: list[P.Plan] = []
    node = plan
    while isinstance(node, _PASSING):
        chain.append(node)
        node = node.child
    if type(node) not in (P.TableScan, P.IndexScan):
        return plan, 0, locked
    chain = [copy.copy(n) for n in chain]
    scan = copy.copy(node)
    for upper, lower in zip(chain, chain[1:] + [scan]):
        upper.child = lower
    if not scan.with_rowids:
        scan.with_rowids = True
        scan.columns = [*scan.columns, P.PlanColumn("ctid", _INT8)]
    position, below = len(scan.attnums), scan
    for node in reversed(chain):
        if isinstance(node, P.Project):
            node.exprs = [*node.exprs, ColumnRef(position, _INT8, "ctid")]
            node.columns = [*node.columns, P.PlanColumn("ctid", _INT8)]
            position = len(node.exprs) - 1
        else:
            node.columns = list(below.columns)
        below = node
    top = chain[0] if chain else scan
    if position != len(top.columns) - 1:
        width = len(plan.columns)
        exprs = [ColumnRef(i, c.type) for i, c in enumerate(top.columns[:width])]
        top = P.Project(top, [*exprs, ColumnRef(position, _INT8, "ctid")], [*top.columns[:width],
                        P.PlanColumn("ctid", _INT8)], estimated_rows=top.estimated_rows)
    return top, scan.rel_oid, locked
