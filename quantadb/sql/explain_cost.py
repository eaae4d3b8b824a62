"""EXPLAIN's cost model: PostgreSQL's cost units, with a much simpler arithmetic than costsize.c.

The units are PostgreSQL's defaults: reading a page in sequence costs 1 (seq_page_cost), at random 4
(random_page_cost); handling a row 0.01 (cpu_tuple_cost), an index entry 0.005
(cpu_index_tuple_cost), an operator or function call 0.0025 (cpu_operator_cost). A table's pages are
estimated from its rows times their width over 8192 bytes. Every node has a startup cost (before its
first row) and a total cost (all its rows), each at least its children's, as PostgreSQL's do, except
under a Limit, which stops reading early (its total is the share of its child's it reads). The rows
are the planner's estimates (`Plan.estimated_rows`); the numbers are not PostgreSQL's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from quantadb.types import registry as R
from quantadb.types.registry import SqlType

SEQ_PAGE_COST = 1.0
RANDOM_PAGE_COST = 4.0
CPU_TUPLE_COST = 0.01
CPU_INDEX_TUPLE_COST = 0.005
CPU_OPERATOR_COST = 0.0025
PAGE_BYTES = 8192
_VARLENA_WIDTH = 32  # get_typavgwidth's guess for a variable-width value of unknown length


@dataclass
class Cost:
    startup: float
    total: float


def type_width(t: SqlType) -> int:
    """get_typavgwidth: a fixed-width type's length; a varchar(n)/char(n) by its maximum, else 32."""
    if t.pg.typlen > 0:
        return t.pg.typlen
    if t.pg in (R.VARCHAR, R.BPCHAR) and t.typmod > 4:
        most = t.typmod  # (n + the 4-byte header)
        return most if most < 32 else 32 + (min(most, 1000) - 32) // 2
    return _VARLENA_WIDTH


def row_width(types: list[SqlType]) -> int:
    return sum(type_width(t) for t in types)


def pages(rows: float, width: int) -> float:
    return max(1.0, math.ceil(rows * max(width, 1) / PAGE_BYTES))


def seq_scan(table_rows: float, width: int, quals: int) -> Cost:
    """Every page in sequence, every row handled and each of its quals evaluated."""
    return Cost(0.0, pages(table_rows, width) * SEQ_PAGE_COST
                + table_rows * (CPU_TUPLE_COST + quals * CPU_OPERATOR_COST))


def index_scan(table_rows: float, width: int, rows: float, quals: int) -> Cost:
    """The btree's descent first, then per row an index entry, a random heap page (at most the
    table's pages) and its quals."""
    startup = (math.ceil(math.log2(table_rows + 2)) + 50) * CPU_OPERATOR_COST
    heap = min(rows, pages(table_rows, width)) * RANDOM_PAGE_COST
    return Cost(startup, startup + heap + rows * (CPU_INDEX_TUPLE_COST + CPU_TUPLE_COST + quals * CPU_OPERATOR_COST))


def per_row(rows: float, operators: int = 0) -> float:
    """What a node adds to its input's cost for `rows` rows: handing each on, `operators` calls each."""
    return rows * (CPU_TUPLE_COST + operators * CPU_OPERATOR_COST)


def sort(child: Cost, rows: float, keys: int) -> Cost:
    """All input read before the first row: n log2 n comparisons, each of `keys` operator calls."""
    n = max(rows, 2.0)
    startup = child.total + 2.0 * CPU_OPERATOR_COST * max(keys, 1) * n * math.log2(n)
    return Cost(startup, startup + n * CPU_OPERATOR_COST)


def limit(child: Cost, child_rows: float, rows: float) -> Cost:
    """The share of its input a Limit reads."""
    fraction = min(1.0, rows / child_rows) if child_rows > 0 else 1.0
    return Cost(child.startup, child.startup + (child.total - child.startup) * fraction)


def hash_join(outer: Cost, inner: Cost, outer_rows: float, rows: float, keys: int) -> Cost:
    """The inner side hashed first; then each outer row probes it."""
    startup = outer.startup + inner.total
    return Cost(startup, outer.total + inner.total + outer_rows * keys * CPU_OPERATOR_COST + per_row(rows))


def nested_loop(outer: Cost, inner: Cost, outer_rows: float, rows: float, quals: int) -> Cost:
    """The inner side read once per outer row."""
    startup = outer.startup + inner.startup
    rescans = max(outer_rows, 1.0)
    return Cost(startup, outer.total + rescans * inner.total + rescans * quals * CPU_OPERATOR_COST + per_row(rows))


def aggregate(child: Cost, child_rows: float, groups: float, calls: int, hashed: bool) -> Cost:
    """Every input row through each grouping key and aggregate; hashed, the groups come out after."""
    work = child.total + child_rows * max(calls, 1) * CPU_OPERATOR_COST
    if hashed:
        return Cost(work, work + per_row(groups))
    return Cost(work, work + CPU_TUPLE_COST)
