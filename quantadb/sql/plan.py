"""Plan nodes: what the binder builds, the optimizer rewrites and the executor runs.

Every node lists its output `columns` (name, type, and for plain table columns the table OID
and attnum that RowDescription reports). Expressions inside a node refer to the columns of
its input by position (`ColumnRef.index`); a join's condition sees the left columns followed
by the right ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from quantadb.sql.expr import AggRef, Call, Expr, OuterRef, walk
from quantadb.types.registry import SqlType


@dataclass(frozen=True)
class PlanColumn:
    name: str
    type: SqlType
    table_oid: int = 0
    attnum: int = 0


@dataclass(eq=False)
class Plan:
    estimated_rows: float = field(default=1000.0, kw_only=True)

    def children(self) -> list["Plan"]:
        return []

    def explained_children(self) -> list["Plan"]:
        return self.children()


@dataclass(eq=False)
class Result(Plan):
    """One row of no columns (SELECT without FROM)."""

    columns: list[PlanColumn] = field(default_factory=list)


@dataclass(eq=False)
class TableScan(Plan):
    """Visible rows of a stored table; `rowid_column` adds the row ids as a last int8 column."""

    rel_oid: int
    table_name: str
    attnums: list[int]
    columns: list[PlanColumn]
    filter: Expr | None = None
    with_rowids: bool = False
    # SELECT ... FOR "update" / "no key update" / "share" / "key share", maybe + " nowait" / " skip locked"
    lock_mode: str = ""
    # (LIMIT, OFFSET) of a Limit right above a locking scan: it locks rows in order and stops once it
    # has that many, as PostgreSQL's LockRows under its Limit locks only the rows the Limit takes
    lock_limit: tuple[Expr, Expr | None] | None = None
    locked_above: bool = False  # its rows (row ids in its last column) are locked by a LockRows above it
    # privileges are checked elsewhere: on the view it is read through, or (a MERGE target whose
    # columns the statement does not read) on the MERGE's actions
    via_view: bool = False
    # only the rows with a NULL in one of these columns, found from the table's NULL masks: those an
    # index on them does not hold, read beside an ordered index scan (sql/index_order.py)
    null_in: tuple[int, ...] = ()
    alias: str = ""  # the name the statement reads it by, where not table_name (EXPLAIN's "on t t1")


@dataclass(eq=False)
class CurrentOfScan(TableScan):
    """UPDATE/DELETE ... WHERE CURRENT OF: the row the cursor named by `cursor` (a text value:
    a name, or a PL/pgSQL refcursor variable) stands on, if still visible (PostgreSQL's Tid Scan)."""

    cursor: Expr | None = None


@dataclass(eq=False)
class IndexScan(Plan):
    """Rows found through an index: equality `keys` (hash or btree), keys from an array (`any_of`)
    or a btree range; `ordered` ones come in the btree's key order (a Sort it replaces)."""

    rel_oid: int
    table_name: str
    index_oid: int
    index_name: str
    attnums: list[int]
    columns: list[PlanColumn]
    keys: list[Expr] | None = None  # equality on every column of the index
    # arrays of keys of the index's leading columns (`a = 1 AND b IN (...)`, `col = ANY(...)`): the rows
    # of every combination of their elements, or, `paired` (a join lookup's keys), of the elements in step
    any_of: list[Expr] | None = None
    paired: bool = False
    # a btree range: bounds on the index's leading columns (equal values, then a range's end)
    low: list[Expr] | None = None
    high: list[Expr] | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    ordered: str = ""  # "asc" / "desc": in the btree's key order, read in chunks (for a LIMIT)
    backward: bool = False  # an ordered scan against the index's declared order (DESC, NULLS FIRST)
    filter: Expr | None = None
    with_rowids: bool = False
    lock_mode: str = ""
    lock_limit: tuple[Expr, Expr | None] | None = None  # as TableScan's
    locked_above: bool = False
    via_view: bool = False
    index_cond: Expr | None = None  # the conjuncts of the scan's filter the keys or bounds stand for
    # index columns that may be NULL in a row the scan wants: the index does not hold such rows, the
    # table's NULL masks find them (checked against index_cond and the filter)
    missing: tuple[int, ...] = ()
    alias: str = ""  # as TableScan's


@dataclass(eq=False)
class MergeAppend(Plan):
    """Two inputs, each in the order of `keys`, merged: an ordered IndexScan (`left`, read as far as
    a LIMIT wants) and the sorted rows the index does not hold (`right`: a NULL in a key column)."""

    left: Plan
    right: Plan
    keys: list[tuple[Expr, bool, bool]]  # (expr, descending, nulls_first) over either input's columns
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.left, self.right]



@dataclass(eq=False)
class VirtualScan(Plan):
    """A generated table (pg_catalog, information_schema): rows come from `source` at run time."""

    source: str  # the generator's name, e.g. "pg_catalog.pg_class"
    columns: list[PlanColumn]
    filter: Expr | None = None



@dataclass(eq=False)
class Values(Plan):
    rows: list[list[Expr]]
    columns: list[PlanColumn]



@dataclass(eq=False)
class Materialized(Plan):
    """Rows already in memory, e.g. the parsed data of COPY FROM."""

    batch: Any
    columns: list[PlanColumn]


@dataclass(eq=False)
class FunctionScan(Plan):
    """Set-returning functions in FROM (generate_series, unnest): one, or several zipped (ROWS
    FROM), each call giving one column or one per OUT parameter; `ordinality` adds a counter."""

    calls: list[Call]
    columns: list[PlanColumn]
    ordinality: bool = False
    child: Plan | None = None  # LATERAL input: the call's arguments refer to its columns
    alias: str = ""  # the name the statement reads it by, where not the function's (EXPLAIN's "on f x")

    def children(self) -> list[Plan]:
        return [self.child] if self.child else []



@dataclass(eq=False)
class ProjectSet(Plan):
    """Set-returning functions in a select list: each input row yields as many rows as its longest set."""

    child: Plan
    exprs: list[Expr]  # Call nodes of kind 's' at top level, or plain expressions
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]


@dataclass(eq=False)
class Filter(Plan):
    child: Plan
    predicate: Expr
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]


@dataclass(eq=False)
class Project(Plan):
    child: Plan
    exprs: list[Expr]
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]



@dataclass(eq=False)
class Join(Plan):
    """kind: inner, left, right, full, cross, semi, anti. `condition` is over left+right columns;
    its equality conjuncts (sql/joins.py) are the hash join's keys."""

    kind: str
    left: Plan
    right: Plan
    columns: list[PlanColumn]
    condition: Expr | None = None
    lateral: bool = False  # the right side is re-run for each left row (its OuterRefs see left columns)
    # ("right" | "left", the other side's keys, IndexScan of that side's table by lists of keys in its
    # index's column order): read instead of the side when the other side has few distinct keys
    # (index_paths.use_index_lookups)
    index_lookup: tuple[str, list[Expr], "IndexScan"] | None = None

    def children(self) -> list[Plan]:
        return [self.left, self.right]


    def explained_children(self) -> list[Plan]:
        """The children EXPLAIN shows: an index lookup in place of the side it reads."""
        if self.index_lookup is None:
            return self.children()
        side, _, scan = self.index_lookup
        return [scan, self.right] if side == "left" else [self.left, scan]


@dataclass(eq=False)
class Aggregate(Plan):
    """Groups by `group_exprs` (one grouping set each in `grouping_sets`, as indexes into
    group_exprs); outputs the group keys, then the aggregates, then (with several grouping
    sets) a GROUPING() bitmask."""

    child: Plan
    group_exprs: list[Expr]
    aggs: list[AggRef]
    columns: list[PlanColumn]
    grouping_sets: list[list[int]] | None = None

    def children(self) -> list[Plan]:
        return [self.child]



@dataclass(eq=False)
class Window(Plan):
    """Appends one column per window function call to its input."""

    child: Plan
    funcs: list[Any]  # WindowCall
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]



@dataclass(eq=False)
class Sort(Plan):
    child: Plan
    keys: list[tuple[Expr, bool, bool]]  # (expr, descending, nulls_first)
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]


@dataclass(eq=False)
class LockRows(Plan):
    """SELECT ... FOR UPDATE/SHARE's row locks taken above a Sort, as PostgreSQL's LockRows under its
    Limit: rows are locked in the sorted order until `lock_limit` rows are held (SKIP LOCKED passes
    over others'), from the row ids the scan of `rel_oid` put in the child's last column, which the
    output leaves out."""

    child: Plan
    rel_oid: int
    lock_mode: str
    lock_limit: tuple[Expr, Expr | None] | None
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]


@dataclass(eq=False)
class IncrementalSort(Plan):
    """A Sort whose input comes ordered by its first `presorted` keys (an ordered index scan): it
    sorts one group of equal leading keys at a time, so a Limit above stops it early."""

    child: Plan
    keys: list[tuple[Expr, bool, bool]]  # (expr, descending, nulls_first)
    presorted: int
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]



@dataclass(eq=False)
class Limit(Plan):
    child: Plan
    limit: Expr | None
    offset: Expr | None
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.child]


@dataclass(eq=False)
class Distinct(Plan):
    """DISTINCT (on all columns) or DISTINCT ON (`on` expressions: first row per key, input sorted)."""

    child: Plan
    columns: list[PlanColumn]
    on: list[Expr] | None = None

    def children(self) -> list[Plan]:
        return [self.child]



@dataclass(eq=False)
class SetOp(Plan):
    kind: str  # union intersect except
    all: bool
    left: Plan
    right: Plan
    columns: list[PlanColumn]

    def children(self) -> list[Plan]:
        return [self.left, self.right]



@dataclass(eq=False)
class CteScan(Plan):
    """Reads a WITH query, computed once per statement (`cte.plan`), or the working table of a
    recursive CTE."""

    cte: "CteDef"
    columns: list[PlanColumn]



@dataclass(eq=False)
class CteDef:
    name: str
    plan: Plan | None = None
    recursive_plan: Plan | None = None  # the recursive term of WITH RECURSIVE
    union_all: bool = True
    columns: list[PlanColumn] = field(default_factory=list)
    correlated: bool = False  # reads a row of an enclosing query: computed once per such row
    modifying: bool = False  # `plan` is an Insert/Update/Delete; its rows are what RETURNING gives
    inline: Any = None  # how to bind the query again where it is read, when it is inlined (bind_with.py)


@dataclass(eq=False)
class ModifyingCtes(Plan):
    """Runs `child`, then those of the statement's data-modifying WITH queries it did not read, in
    reverse order, as PostgreSQL does: each runs once and to completion, when first read or after
    the rest of the statement (sql/bind_with.py). `under_write`: `child` is the source of an
    INSERT/UPDATE/DELETE/MERGE, whose runner does this around its writes. Without WITH queries
    (`ctes` empty) it marks a statement whose called functions write (bind_with.reading_one_snapshot)."""

    child: Plan
    ctes: list[CteDef]
    columns: list[PlanColumn]
    under_write: bool = False

    def children(self) -> list[Plan]:
        return [self.child]


@dataclass(eq=False)
class RowChecks:
    """What a new row version must satisfy: NOT NULL columns and CHECK constraints, both over
    the full row (one value per attnum position), and foreign keys (checked by the engine)."""

    not_null: list[tuple[int, str]] = field(default_factory=list)  # (position in row, column name)
    checks: list[tuple[str, Expr]] = field(default_factory=list)  # (constraint name, predicate)
    foreign_keys: list[Any] = field(default_factory=list)  # storage ConstraintDef of kind "f"
    # written through views: (view name, condition) of their check options, NULL failing too
    view_checks: list[tuple[str, Expr]] = field(default_factory=list)
    # the positions a "Failing row contains" lists: not dropped or hidden (index expression) columns
    shown: list[int] | None = None
    # of a table with triggers: the stored generated columns' expressions by position (as
    # generation_exprs), computed again after its BEFORE row triggers
    generated: dict[int, Expr] = field(default_factory=dict)
    # ... and of an UPDATE, the attnums its SET assigns (UPDATE OF's triggers fire on them)
    updated: frozenset[int] | None = None


@dataclass(eq=False)
class Insert(Plan):
    """`source` yields a full new row: one column per attnum 1..max (dropped slots NULL), cast."""

    rel_oid: int
    table_name: str
    source: Plan
    returning: list[Expr] | None
    columns: list[PlanColumn]
    row_checks: RowChecks = field(default_factory=RowChecks)
    on_conflict: Any = None  # OnConflict
    # written through a view: the (relation OID, privilege) pairs it needs instead of the table's
    view_privileges: list[tuple[int, str]] | None = None

    def children(self) -> list[Plan]:
        return [self.source]


@dataclass(eq=False)
class OnConflict:
    """ON CONFLICT: `updates` are the new row's values over (existing row ++ excluded row)."""

    index_oids: list[int]  # the arbiter unique indexes
    action: str  # "nothing" | "update"
    updates: list[Expr] = field(default_factory=list)  # one per attnum position
    where: Expr | None = None


@dataclass(eq=False)
class Update(Plan):
    """`source` yields the row id (first column) and then the new value of every column of the
    table in attnum order; `returning` is evaluated over the new row."""

    rel_oid: int
    table_name: str
    source: Plan
    returning: list[Expr] | None
    columns: list[PlanColumn]
    row_checks: RowChecks = field(default_factory=RowChecks)
    # written through a view: the (relation OID, privilege) pairs it needs instead of the table's
    view_privileges: list[tuple[int, str]] | None = None
    passed: int = 0  # source columns after the table's: the FROM items' columns RETURNING reads

    def children(self) -> list[Plan]:
        return [self.source]


@dataclass(eq=False)
class Delete(Plan):
    """`source` yields the row id (first column) and the old row (for RETURNING and foreign keys)."""

    rel_oid: int
    table_name: str
    source: Plan
    returning: list[Expr] | None
    columns: list[PlanColumn]
    # written through a view: the (relation OID, privilege) pairs it needs instead of the table's
    view_privileges: list[tuple[int, str]] | None = None
    passed: int = 0  # source columns after the old row: the USING items' columns RETURNING reads

    def children(self) -> list[Plan]:
        return [self.source]


@dataclass(eq=False)
class MergeAction:
    """A WHEN clause of MERGE. `write` (None: DO NOTHING) reads the joined rows that take this
    action from `rows`, which the executor fills (a CteScan of it is the write's leaf)."""

    matched: bool
    condition: Expr | None
    rows: CteDef
    write: "Insert | Update | Delete | None"


@dataclass(eq=False)
class Merge(Plan):
    """MERGE: `source` joins the data source to the target (the source's columns, then the target
    row, then its row id at `rowid_index`, NULL where no target row matched); each joined row takes
    the first action whose `matched` and condition fit it."""

    rel_oid: int
    table_name: str
    source: Plan
    rowid_index: int
    actions: list[MergeAction]
    columns: list[PlanColumn] = field(default_factory=list)

    def children(self) -> list[Plan]:
        return [self.source] + [a.write for a in self.actions if a.write is not None]

    def explained_children(self) -> list[Plan]:
        """As PostgreSQL's EXPLAIN: the join (its actions are no plan nodes there, and their
        writes read the rows the executor gives them)."""
        return [self.source]



# -- walking plans ----------------------------------------------------------------------------------

def walk_plan(plan: Plan) -> Iterator[Plan]:
    """`plan` and every plan below it, depth first."""
    yield plan
    for child in plan.children():
        yield from walk_plan(child)


def plan_expressions(plan: Plan) -> Iterator[Expr]:
    """The expressions a plan node holds directly (not those of its children)."""
    for name, value in vars(plan).items():
        if isinstance(value, Expr):
            yield value
        elif isinstance(value, list):
            for v in value:
                if isinstance(v, Expr):
                    yield v
                elif isinstance(v, (list, tuple)):
                    for w in v:
                        if isinstance(w, Expr):
                            yield w


def is_correlated_to(plan: Plan, depth: int) -> bool:
    """Does `plan` refer to columns `depth` or more levels out (from a subquery's view)?"""
    for node in walk_plan(plan):
        for e in plan_expressions(node):
            for n in walk(e):
                if isinstance(n, OuterRef) and n.depth >= depth:
                    return True
                if hasattr(n, "plan") and isinstance(getattr(n, "plan"), Plan):
                    if is_correlated_to(n.plan, depth + 1):
                        return True
        if isinstance(node, CteScan) and node.cte.correlated:
            return True  # (conservative when the WITH belongs to an enclosing query: then it only runs more often)
    return False
