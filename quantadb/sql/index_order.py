"""Index order for ORDER BY ... LIMIT (sql/optimizer.py runs the rule after use_indexes):
a scan whose rows a Sort orders by the columns of a btree index (after the leading columns its
filter pins with `=`) reads the index in key order, forwards or backwards, and stops when the
LIMIT has its rows, as PostgreSQL's Index Scan under a Limit does.

The index holds no row with a NULL in a key column: those rows come from the table's NULL masks
(TableScan.null_in: nothing to read where a column has no NULL), sorted, and join the index's rows
as one block before or after them when a NULL can only be in the first ordering column, else
merged into them (MergeAppend). As PostgreSQL's btree, the index gives NULLs last ascending and
first descending: other NULL orders (and mixed directions) keep their Sort, except for one key.
"""

from __future__ import annotations

from quantadb.sql import plan as P
from quantadb.sql.expr import ColumnRef, conjoin, conjuncts
from quantadb.sql.index_paths import (IndexCatalog, IndexExpressions, btree_bounds, comparisons_of, key_array,
                                      listed_columns, missing_columns, nullable_columns, usable_indexes)
from quantadb.storage.catalog import INDOPTION_DESC, INDOPTION_NULLS_FIRST, RelationDef, key_setting
from quantadb.storage.index_desc import stored_descending
from quantadb.types import registry as R

# the types whose keys sort in Python as the index orders them (a list of keys is read in order)
_LISTED_IN_ORDER = (R.INT2, R.INT4, R.INT8, R.TEXT, R.VARCHAR, R.DATE, R.TIMESTAMP, R.TIMESTAMPTZ)


def use_index_order(plan: P.Plan, catalog: IndexCatalog, expressions: IndexExpressions | None = None) -> P.Plan:
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, use_index_order(value, catalog, expressions))
    if isinstance(plan, P.Limit) and isinstance(plan.child, P.Sort):
        ordered = _ordered_source(plan.child, catalog, expressions)
        if ordered is not None:
            plan.child = ordered
    return plan


def _ordered_source(sort: P.Sort, catalog: IndexCatalog, expressions: IndexExpressions | None) -> P.Plan | None:
    """The Sort's input read in its keys' order through a btree index (under an Incremental Sort
    when the index orders only the leading keys), or None. The keys must be columns passed up
    through Projects as is (those after the first that is not may follow an Incremental Sort)."""
    chain, node = _under_projects(sort)
    scan = _table_scan(node)
    if scan is None:
        return None
    keys = []
    for key, d, nf in sort.keys:
        position = _scan_column(key, chain)
        if position is None:
            break
        keys.append((ColumnRef(position, scan.columns[position].type), d, nf))
    found = _index_order(scan, keys, len(sort.keys), catalog, expressions) if keys else None
    if found is None:
        return None
    source, presorted = found
    if chain:
        chain[-1].child = source
        source = sort.child
    if presorted < len(sort.keys):
        return P.IncrementalSort(source, sort.keys, presorted, sort.columns, estimated_rows=sort.estimated_rows)
    return source


def index_gives_order(sort: P.Sort, catalog: IndexCatalog) -> bool:
    """Would PostgreSQL read the rows under `sort` in its order through a btree index, sorting
    nothing, as it does for a cursor (whose plan is chosen for its first rows)? The keys are
    columns of the scan below, in an index's column order (columns the scan's filter pins with `=`
    left out), one direction, NULLs where the btree puts them. For sql/cursor_rows.py: only then
    is a cursor's plan a simply updatable scan in PostgreSQL."""
    chain, node = _under_projects(sort)
    scan = _as_table_scan(node)
    positions = [_scan_column(key, chain) for key, _, _ in sort.keys]
    if scan is None or None in positions:
        return False
    parts = conjuncts(scan.filter) if scan.filter is not None else []
    pinned = {c[0] for c, _ in comparisons_of(scan, parts, None) if c is not None and c[1] == "="}
    keys = [(scan.attnums[p], d, nf) for p, (_, d, nf) in zip(positions, sort.keys) if scan.attnums[p] not in pinned]
    return not keys or any(index.method == "btree" and _in_index_order(index, pinned, keys)
                           for index in usable_indexes(scan, parts, catalog, None))


def _in_index_order(index: RelationDef, pinned: set[int], keys: list[tuple[int, bool, bool]]) -> bool:
    """Are the sort `keys` (attnum, DESC, NULLS FIRST) the index's columns after those `pinned`,
    each in its declared order (ASC|DESC, NULLS), or each reversed?"""
    following = [(p, a) for p, a in enumerate(index.index_columns) if a not in pinned][:len(keys)]
    if [a for _, a in following] != [a for a, _, _ in keys]:
        return False
    options = [key_setting(index.index_options, p) for p, _ in following]
    declared = [(bool(o & INDOPTION_DESC), bool(o & INDOPTION_NULLS_FIRST)) for o in options]
    return all((d, nf) == k for k, (_, d, nf) in zip(declared, keys)) or \
        all((not d, not nf) == k for k, (_, d, nf) in zip(declared, keys))


def _under_projects(sort: P.Sort) -> tuple[list[P.Project], P.Plan]:
    """The Projects right under `sort`, top first, and the node under them."""
    chain, node = [], sort.child
    while isinstance(node, P.Project):
        chain.append(node)
        node = node.child
    return chain, node


def _scan_column(key, chain: list[P.Project]) -> int | None:
    """The position in the scan under the Projects `chain` of the column `key` passes up as is."""
    if not isinstance(key, ColumnRef):
        return None
    position = key.index
    for project in chain:
        e = project.exprs[position]
        if not isinstance(e, ColumnRef):
            return None
        position = e.index
    return position


def _table_scan(node: P.Plan) -> P.TableScan | None:
    """The scan `node` stands for, as a TableScan with its whole filter (an IndexScan by a range
    gives back the conjuncts its bounds came from); None for another node or a lookup by keys."""
    if isinstance(node, (P.TableScan, P.IndexScan)) and node.with_rowids or \
            isinstance(node, P.IndexScan) and (node.keys is not None or node.any_of is not None):
        return None
    return _as_table_scan(node)


def _as_table_scan(node: P.Plan) -> P.TableScan | None:
    """A TableScan or IndexScan as a TableScan with its whole filter (an IndexScan gives back the
    conjuncts its keys or bounds came from); None for another node."""
    if isinstance(node, P.TableScan):
        return node
    if not isinstance(node, P.IndexScan):
        return None
    parts = (conjuncts(node.index_cond) if node.index_cond else []) + (conjuncts(node.filter) if node.filter else [])
    return P.TableScan(node.rel_oid, node.table_name, node.attnums, node.columns, filter=conjoin(parts),
                       lock_mode=node.lock_mode, via_view=node.via_view, alias=node.alias,
                       estimated_rows=node.estimated_rows)


def _index_order(scan: P.TableScan, keys: list[tuple[ColumnRef, bool, bool]], total: int, catalog: IndexCatalog,
                 expressions: IndexExpressions | None) -> tuple[P.Plan, int] | None:
    """The scan through a btree index in the order of the leading sort `keys` (on the scan's
    columns; of `total`), and how many keys that order covers."""
    parts = conjuncts(scan.filter) if scan.filter is not None else []
    comparisons = comparisons_of(scan, parts, expressions)
    nullable = nullable_columns(scan, catalog)
    listed = listed_columns(parts, scan)
    attnums = [scan.attnums[k.index] for k, _, _ in keys]
    found = []
    for index in usable_indexes(scan, parts, catalog, expressions):
        if index.method != "btree":
            continue
        bounds = btree_bounds(index, parts, comparisons, scan)
        direction, presorted, backward = _direction(index, bounds.pinned, attnums, keys, total, nullable) \
            if bounds else ("", 0, False)
        if direction:
            found.append((presorted, bounds.pinned, -len(found), index, bounds, direction, backward))
    if not found:
        return None
    # the index that orders most keys, then the one the filter's equalities narrow most
    presorted, _, _, index, bounds, direction, backward = max(found, key=lambda f: f[:3])
    used, width, how = bounds.used, bounds.width(), {
        "low": bounds.low, "high": bounds.high, "low_inclusive": bounds.low_inclusive,
        "high_inclusive": bounds.high_inclusive}
    keyed = listed.get(index.index_columns[bounds.pinned]) if width == bounds.pinned else None
    if keyed is not None and R.BY_OID.get(keyed[0].type.pg.elem_oid) in _LISTED_IN_ORDER and \
            stored_descending(index.index_options, len(index.index_columns)) is None:
        # `a IN (...) ORDER BY a, b`: each key's rows in turn, the keys in order
        used, width = [*used, keyed[1]], width + 1
        how = {"any_of": [*map(key_array, bounds.low or []), keyed[0]]}
    indexed = P.IndexScan(scan.rel_oid, scan.table_name, index.oid, index.name, scan.attnums, scan.columns,
                          ordered=direction, backward=backward,
                          filter=conjoin([c for c in parts if all(c is not u for u in used)]),
                          index_cond=conjoin(used), lock_mode=scan.lock_mode, via_view=scan.via_view, alias=scan.alias,
                          estimated_rows=scan.estimated_rows, **how)
    missing = list(missing_columns(index, width, nullable))
    if not missing:
        return indexed, presorted
    leading = next(a for a in attnums if a not in index.index_columns[:bounds.pinned])
    block_first = keys[attnums.index(leading)][2] if missing == [leading] else None
    return _with_null_rows(scan, indexed, keys[:presorted], missing, block_first), presorted


def _direction(index: RelationDef, pinned: int, attnums: list[int], keys: list, total: int,
               nullable: set[int]) -> tuple[str, int, bool]:
    """("asc" or "desc": the way its stored keys are read, how many leading sort `keys` (on
    `attnums`) it orders, whether that is backwards) when the index, its first `pinned` columns
    equal to values, orders at least the first key that is not pinned: the keys in its column
    order (pinned ones anywhere), each in its column's declared order (ASC|DESC, NULLS) or each
    reversed, as a PostgreSQL btree's scan forwards or backwards (a lone key may have its NULLs
    either side). After its last column, a unique index of NOT NULL columns leaves no ties for the
    other keys. ("", 0, False) otherwise."""
    cols = index.index_columns
    following = cols[pinned:]
    stored = stored_descending(index.index_options, len(cols)) or (False,) * len(cols)
    backward, matched, covered = None, 0, 0
    for i, (a, (_, d, nf)) in enumerate(zip(attnums, keys)):
        if a in cols[:pinned]:
            covered = i + 1
            continue
        if matched == len(following) or a != following[matched]:
            break
        option = key_setting(index.index_options, pinned + matched)
        reversed_ = d != bool(option & INDOPTION_DESC)
        if (backward is not None and reversed_ != backward) or \
                (a in nullable and nf != (bool(option & INDOPTION_NULLS_FIRST) != reversed_) and total > 1):
            break
        # (the stored keys ascend, a DESC column's too unless the index's columns go both ways)
        direction = d != stored[pinned + matched]
        backward, matched, covered = reversed_, matched + 1, i + 1
    if backward is None:
        return "", 0, False
    if matched == len(following) and index.unique and index.immediate and not nullable & set(cols):
        covered = total
    return ("desc" if direction else "asc"), covered, backward


def _with_null_rows(scan: P.TableScan, indexed: P.IndexScan, keys: list, missing: list[int],
                    block_first: bool | None) -> P.Plan:
    """The ordered index scan and the rows it misses (a NULL in a `missing` column), sorted. When
    only the first ordering column may be NULL, they tie on it: one block, first if `block_first`
    (a Limit reads them only if the index's rows do not fill it), else merged into the index's."""
    nulls: P.Plan = P.TableScan(scan.rel_oid, scan.table_name, scan.attnums, scan.columns, filter=scan.filter,
                                lock_mode=scan.lock_mode, via_view=scan.via_view, null_in=tuple(missing), alias=scan.alias,
                                estimated_rows=1)
    if len(keys) > 1:
        nulls = P.Sort(nulls, keys, scan.columns, estimated_rows=1)
    if block_first is not None:
        parts = [nulls, indexed] if block_first else [indexed, nulls]
        return P.SetOp("union", True, *parts, scan.columns, estimated_rows=scan.estimated_rows)
    return P.MergeAppend(indexed, nulls, keys, scan.columns, estimated_rows=scan.estimated_rows)
