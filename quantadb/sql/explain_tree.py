"""One node of EXPLAIN's output, in the terms PostgreSQL's explain.c prints (sql/explain.py builds them,
sql/explain_format.py prints them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quantadb.sql.explain_cost import Cost


@dataclass(eq=False)
class ExplainNode:
    node_type: str  # "Node Type"
    name: str  # the text format's name: "Hash Left Join", "Index Scan Backward", "Insert"
    target: str = ""  # the text format's " using t_pkey on t t1"
    head: list[tuple[str, Any]] = field(default_factory=list)  # properties before the costs
    cost: Cost = field(default_factory=lambda: Cost(0.0, 0.0))
    rows: float = 0.0
    width: int = 0
    output: list[str] | None = None  # VERBOSE
    details: list[tuple[str, Any]] = field(default_factory=list)  # after the costs: str or list[str]
    children: list["ExplainNode"] = field(default_factory=list)
    relationship: str = ""  # "Parent Relationship": Outer, Inner, Member, InitPlan, SubPlan
    subplan_name: str = ""  # "CTE w", "InitPlan 1 (returns $0)", "SubPlan 2"
    counted: Any = None  # the plan node whose EXPLAIN ANALYZE counters it shows
    filtered: Any = None  # (input plan, its filtered output plan): Rows Removed by Filter
