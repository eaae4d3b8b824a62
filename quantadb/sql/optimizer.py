"""Optimizer rules: small passes over the plan tree, applied in a fixed order.

1. push_filters: a Filter's conjuncts move below joins to the side they refer to, and
   into the scan they sit on (evaluated per segment, before anything is copied); a constant
   false/NULL conjunct replaces the whole filter.
2. use_indexes: a scan whose filter pins the leading columns of an index to constants or
   parameters (`=`), gives a one-column index's keys as a list (`IN (...)`, `= ANY(array)`), or
   bounds a btree column (`<`, `<=`, `>`, `>=`, BETWEEN), becomes an IndexScan; the remaining
   conjuncts stay as its filter. An index column that holds an expression
   (engine/ddl/index_exprs.py) is matched by a structurally equal expression.
3. use_index_order: `ORDER BY col LIMIT n` over a scan, col NOT NULL with a one-column btree
   index, reads the index in key order and stops after n rows instead of sorting the table.
4. prune_columns: scans read only the columns the operators above them use.
5. use_index_lookups: a join whose right side scans a table by an indexed equality key may
   read it through the index instead, with the left side's keys (sql/joins.py, exec/join.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from quantadb.sql import plan as P
from quantadb.sql.expr import (ArrayExpr, BoolOp, Call, Cast, ColumnRef, Const, Expr, InList, NullTest, OuterRef,
                               Param, QuantifiedCompare, SubqueryExpr, expr_key, transform, walk)
from quantadb.sql.joins import split_equi_keys
from quantadb.storage.catalog import RelationDef
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


class IndexCatalog(Protocol):
    def indexes_of(self, table_oid: int) -> list[RelationDef]: ...

    def relation(self, oid: int) -> RelationDef | None: ...


# table oid -> {attnum: expression} of its index expression columns, column references by attnum
IndexExpressions = Callable[[int], dict[int, Expr]]


def optimize(plan: P.Plan, catalog: IndexCatalog, expressions: IndexExpressions | None = None) -> P.Plan:
    plan = push_filters(plan)
    plan = use_indexes(plan, catalog, expressions)
    plan = use_index_order(plan, catalog)
    plan = prune_columns(plan)
    plan = use_index_lookups(plan, catalog)  # after pruning: its IndexScan copies the pruned scan
    for sub in _subqueries(plan):
        sub.plan = optimize(sub.plan, catalog, expressions)
    return plan


def _subqueries(plan: P.Plan) -> list[SubqueryExpr]:
    """The subqueries in the expressions of the plan's nodes (not those nested in them)."""
    found = []
    for node in _nodes(plan):
        for value in vars(node).values():
            for e in _flattened(value):
                if isinstance(e, Expr):
                    found.extend(n for n in walk(e) if isinstance(n, SubqueryExpr))
    return found


def _flattened(value) -> list:
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flattened(v)]
    return [value]


# -- predicate pushdown ------------------------------------------------------------------------

def conjuncts(e: Expr) -> list[Expr]:
    if isinstance(e, BoolOp) and e.op == "and":
        return [c for a in e.args for c in conjuncts(a)]
    return [e]


def conjoin(parts: list[Expr]) -> Expr | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else BoolOp("and", parts, SqlType(R.BOOL))


def _columns_used(e: Expr) -> set[int] | None:
    """Input positions an expression reads; None if it has side effects or outer references."""
    used = set()
    for n in walk(e):
        if isinstance(n, ColumnRef):
            used.add(n.index)
        elif isinstance(n, OuterRef) or getattr(n, "plan", None) is not None:
            return None
        elif isinstance(n, Call) and n.volatile:
            return None
    return used


def push_filters(plan: P.Plan) -> P.Plan:
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, push_filters(value))
    if not isinstance(plan, P.Filter):
        return plan
    child = plan.child
    parts = _gated(conjuncts(plan.predicate))
    if isinstance(child, P.Filter):  # merge stacked filters
        return push_filters(P.Filter(child.child, conjoin(conjuncts(child.predicate) + parts), plan.columns,
                                     estimated_rows=plan.estimated_rows))
    if isinstance(child, P.TableScan):
        existing = conjuncts(child.filter) if child.filter is not None else []
        child.filter = conjoin(existing + parts)
        child.estimated_rows = plan.estimated_rows
        return child
    if isinstance(child, P.Join) and child.kind in ("inner", "cross", "left") and not child.lateral:
        nleft = len(child.left.columns)
        keep, to_left, to_right = [], [], []
        for c in parts:
            used = _columns_used(c)
            if used is None or not used:
                keep.append(c)
            elif max(used) < nleft:
                to_left.append(c)
            elif min(used) >= nleft and child.kind != "left":
                to_right.append(_shift(c, nleft))
            elif child.kind in ("inner", "cross"):
                child.condition = conjoin(([child.condition] if child.condition is not None else []) + [c])
                child.kind = "inner"
            else:
                keep.append(c)
        if to_left:
            child.left = push_filters(P.Filter(child.left, conjoin(to_left), child.left.columns,
                                               estimated_rows=max(child.left.estimated_rows / 3, 1)))
        if to_right:
            child.right = push_filters(P.Filter(child.right, conjoin(to_right), child.right.columns,
                                                estimated_rows=max(child.right.estimated_rows / 3, 1)))
        _push_join_condition(child)
        if not keep:
            return child
        return P.Filter(child, conjoin(keep), plan.columns, estimated_rows=plan.estimated_rows)
    return plan


def _gated(parts: list[Expr]) -> list[Expr]:
    """A constant false or NULL conjunct decides the whole filter: PostgreSQL makes it a one-time
    gate, so the other conjuncts are never evaluated (and never raise, e.g. on overflow)."""
    if any(isinstance(c, Const) and (c.value is None or c.value is False) for c in parts):
        return [Const(False, SqlType(R.BOOL))]
    return parts


def _push_join_condition(join: P.Join) -> None:
    """Conjuncts of an inner join's ON that touch one side only become filters on that side."""
    if join.kind != "inner" or join.condition is None:
        return
    nleft = len(join.left.columns)
    keep, to_left, to_right = [], [], []
    for c in conjuncts(join.condition):
        used = _columns_used(c)
        if used and max(used) < nleft:
            to_left.append(c)
        elif used and min(used) >= nleft:
            to_right.append(_shift(c, nleft))
        else:
            keep.append(c)
    join.condition = conjoin(keep)
    if to_left:
        join.left = push_filters(P.Filter(join.left, conjoin(to_left), join.left.columns,
                                          estimated_rows=max(join.left.estimated_rows / 3, 1)))
    if to_right:
        join.right = push_filters(P.Filter(join.right, conjoin(to_right), join.right.columns,
                                           estimated_rows=max(join.right.estimated_rows / 3, 1)))


def _shift(e: Expr, by: int) -> Expr:
    return transform(e, lambda n: ColumnRef(n.index - by, n.type, n.name) if isinstance(n, ColumnRef) else None)


# -- index selection ---------------------------------------------------------------------------

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _pinned_value(e: Expr) -> bool:
    """Is `e` one value for the whole scan: constants, parameters, casts, arrays of them and
    non-volatile calls, and outer references (a correlated subquery or LATERAL item runs once
    per outer row: an index scan keyed by the outer row's value is PostgreSQL's parameterized
    index scan)?"""
    return all(isinstance(n, (Const, Param, Call, Cast, ArrayExpr, OuterRef)) and not (isinstance(n, Call) and n.volatile)
               for n in walk(e))


def _comparison(c: Expr, scan: P.TableScan, keyed: dict[tuple, int]) -> tuple[int, str, Expr] | None:
    """(attnum, op, value) for `column op value` (either side), value free of columns; an
    expression `keyed` knows stands for its index column's attnum."""
    if not (isinstance(c, Call) and c.name in ("=", "<", "<=", ">", ">=") and len(c.args) == 2):
        return None
    for a, b, op in ((c.args[0], c.args[1], c.name), (c.args[1], c.args[0], _FLIP.get(c.name, c.name))):
        if isinstance(a, ColumnRef):
            attnum = scan.attnums[a.index]
        elif keyed and not isinstance(a, (Const, Param)):
            attnum = keyed.get(expression_shape(a))
        else:
            continue
        # an enum range does not qualify, as the index orders the labels as text, not by declaration
        # (types/enums.py)
        if attnum is not None and _pinned_value(b) and _index_comparable(a.type.pg, b.type.pg) and \
                (op == "=" or a.type.pg.enum is None):
            return attnum, op, b
    return None


_INTEGERS = (R.INT2, R.INT4, R.INT8)


def _index_comparable(column: R.PgType, value: R.PgType) -> bool:
    """Can an index over `column`'s type be searched with a `value`-typed key? A key of its own
    type, or of another integer width: PostgreSQL's btree integer_ops have the cross-type
    operators (int4 = int8), and a key out of the column's range finds nothing. It matters:
    psycopg sends a Python int as the narrowest of int2, int4 and int8. Other cross-type
    comparisons do not qualify: the index holds the column type's values."""
    return column is value or (column in _INTEGERS and value in _INTEGERS)


def expression_shape(e: Expr) -> tuple:
    """expr_key without what does not change the value: the names column references carry,
    and whether a cast was written (`lower(v::text)` is `lower(v)` over varchar v)."""
    def plain(n: Expr) -> Expr | None:
        if isinstance(n, ColumnRef):
            return ColumnRef(n.index, n.type)
        if isinstance(n, Cast) and not n.explicit:
            return Cast(transform(n.arg, plain), n.type)
        return None
    return expr_key(transform(e, plain))


def _keyed(scan: P.TableScan, expressions: IndexExpressions | None) -> dict[tuple, int]:
    """The scan's index expression columns: shape of the expression over the scan's columns -> attnum."""
    found = expressions(scan.rel_oid) if expressions is not None else {}
    position = {a: i for i, a in enumerate(scan.attnums)}
    out = {}
    for attnum, e in found.items():
        if all(n.index in position for n in walk(e) if isinstance(n, ColumnRef)):
            out[expression_shape(transform(e, lambda n: ColumnRef(position[n.index], n.type)
                                 if isinstance(n, ColumnRef) else None))] = attnum
    return out


def _implies(parts: list[Expr], scan: P.TableScan, index: RelationDef, hidden: dict[int, Expr]) -> bool:
    """Whether a filter (its conjuncts) implies a partial index's predicate, so the index holds
    every row the filter keeps."""
    if not index.predicate_column:
        return True
    predicate = hidden.get(index.predicate_column)
    position = {a: i for i, a in enumerate(scan.attnums)}
    if predicate is None or any(n.index not in position for n in walk(predicate) if isinstance(n, ColumnRef)):
        return False
    predicate = transform(predicate, lambda n: ColumnRef(position[n.index], n.type) if isinstance(n, ColumnRef)
                          else None)
    return predicate_implied(parts, predicate)


# the types whose values compare in Python as in SQL (a range proof compares two constants)
_ORDERED = (R.INT2, R.INT4, R.INT8, R.FLOAT4, R.FLOAT8, R.NUMERIC, R.DATE, R.TIMESTAMP, R.TIMESTAMPTZ)
_WITHIN_OPS = ("=", "<", "<=", ">", ">=")
# (filter's op, predicate's op) -> how the filter's constant must compare with the predicate's
_WITHIN = {("=", "="): "==", ("=", ">"): ">", ("=", ">="): ">=", ("=", "<"): "<", ("=", "<="): "<=",
           (">", ">"): ">=", (">", ">="): ">=", (">=", ">"): ">", (">=", ">="): ">=",
           ("<", "<"): "<=", ("<", "<="): "<=", ("<=", "<"): "<", ("<=", "<="): "<="}


def predicate_implied(parts: list[Expr], predicate: Expr) -> bool:
    """Whether the conjuncts `parts` imply `predicate` (a partial index's, over the same columns):
    each of its conjuncts is one of `parts`, or follows from one as PostgreSQL's
    predicate_implied_by proves the usual cases: a strict comparison on a column implies the
    column IS NOT NULL, and `col op c1` implies `col op c2` when the range holds (`a = 7` or
    `a > 5` implies `a > 0`). What cannot be proved leaves the index unused, never a wrong result."""
    have = {expression_shape(c) for c in parts}
    return all(expression_shape(c) in have or any(_proves(p, c) for p in parts) for c in conjuncts(predicate))


def _proves(given: Expr, wanted: Expr) -> bool:
    if isinstance(wanted, NullTest) and wanted.negated and isinstance(wanted.arg, ColumnRef):
        return (isinstance(given, Call) and given.strict and given.name in (*_WITHIN_OPS, "<>")
                and any(isinstance(a, ColumnRef) and a.index == wanted.arg.index for a in given.args))
    g, w = _column_bound(given), _column_bound(wanted)
    if g is None or w is None or g[0] != w[0] or (g[1], w[1]) not in _WITHIN:
        return False
    try:
        return {"==": g[2] == w[2], ">": g[2] > w[2], ">=": g[2] >= w[2], "<": g[2] < w[2],
                "<=": g[2] <= w[2]}[_WITHIN[g[1], w[1]]]
    except (TypeError, ArithmeticError):  # (a NaN numeric does not order: nothing proved)
        return False


def _column_bound(e: Expr) -> tuple[int, str, object] | None:
    """(column position, op, constant) of `column op constant` (either side) over an ordered type."""
    if not (isinstance(e, Call) and e.name in _WITHIN_OPS and len(e.args) == 2):
        return None
    for a, b, op in ((e.args[0], e.args[1], e.name), (e.args[1], e.args[0], _FLIP.get(e.name, e.name))):
        if isinstance(a, ColumnRef) and isinstance(b, Const) and b.value is not None \
                and a.type.pg is b.type.pg and a.type.pg in _ORDERED:
            return a.index, op, b.value
    return None


def use_indexes(plan: P.Plan, catalog: IndexCatalog, expressions: IndexExpressions | None = None) -> P.Plan:
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, use_indexes(value, catalog, expressions))
    if not isinstance(plan, P.TableScan) or plan.filter is None:
        return plan
    parts = conjuncts(plan.filter)
    indexes = [i for i in catalog.indexes_of(plan.rel_oid) if i.index_columns]
    if any(i.predicate_column for i in indexes):
        hidden = expressions(plan.rel_oid) if expressions is not None else {}
        indexes = [i for i in indexes if _implies(parts, plan, i, hidden)]
    if not indexes:
        return plan
    keyed = _keyed(plan, expressions)
    comparisons = [(_comparison(c, plan, keyed), c) for c in parts]
    equal = {cmp[0]: (cmp[2], c) for cmp, c in comparisons if cmp is not None and cmp[1] == "="}
    # equality on all columns of an index: a point lookup (prefer unique indexes)
    for index in sorted(indexes, key=lambda i: (not i.unique, len(i.index_columns))):
        cols = index.index_columns
        if all(a in equal for a in cols):
            used = {id(equal[a][1]) for a in cols}
            rest = [c for c in parts if id(c) not in used]
            return P.IndexScan(plan.rel_oid, plan.table_name, index.oid, index.name, plan.attnums, plan.columns,
                               keys=[equal[a][0] for a in cols], filter=conjoin(rest), with_rowids=plan.with_rowids,
                               lock_mode=plan.lock_mode, via_view=plan.via_view, estimated_rows=1 if index.unique else 10)
    # keys from a list or an array, on a one-column index
    for c in parts:
        listed = _listed_keys(c, plan)
        index = listed and next((i for i in sorted(indexes, key=lambda i: not i.unique)
                                 if i.index_columns == (listed[0],)), None)
        if index:
            rest = [p for p in parts if p is not c]
            return P.IndexScan(plan.rel_oid, plan.table_name, index.oid, index.name, plan.attnums, plan.columns,
                               any_of=listed[1], filter=conjoin(rest), with_rowids=plan.with_rowids,
                               lock_mode=plan.lock_mode, via_view=plan.via_view, estimated_rows=10)
    # a range on the first column of a btree index
    for index in indexes:
        if index.method != "btree" or len(index.index_columns) != 1:
            continue
        attnum = index.index_columns[0]
        low = high = None
        low_incl = high_incl = True
        used = set()
        for cmp, c in comparisons:
            if cmp is None or cmp[0] != attnum or cmp[1] == "=":
                continue
            if cmp[1] in (">", ">=") and low is None:
                low, low_incl = cmp[2], cmp[1] == ">="
                used.add(id(c))
            elif cmp[1] in ("<", "<=") and high is None:
                high, high_incl = cmp[2], cmp[1] == "<="
                used.add(id(c))
        if low is None and high is None:  # `col LIKE 'abc%'`: the range of strings starting with abc
            prefix = next((p for p in (_like_prefix(c, plan, attnum) for c in parts) if p), None)
            if prefix is None:
                continue
            low, high, high_incl = Const(prefix[0], prefix[2]), Const(prefix[1], prefix[2]), False
            # the LIKE stays in the filter: the range holds more than it matches
        rest = [c for c in parts if id(c) not in used]
        return P.IndexScan(plan.rel_oid, plan.table_name, index.oid, index.name, plan.attnums, plan.columns,
                           low=low, high=high, low_inclusive=low_incl, high_inclusive=high_incl,
                           filter=conjoin(rest), with_rowids=plan.with_rowids, lock_mode=plan.lock_mode,
                           via_view=plan.via_view, estimated_rows=max(plan.estimated_rows / 4, 1))
    return plan


def _like_prefix(c: Expr, scan: P.TableScan, attnum: int) -> tuple[str, str, SqlType] | None:
    """For `column LIKE 'abc%...'` on `attnum` (text or varchar): the strings from 'abc' up to,
    not including, 'abd' hold every match, in the C collation the server has (code point order,
    which the index keeps); None for another condition or a pattern without a fixed prefix."""
    if not (isinstance(c, Call) and c.name == "~~" and len(c.args) == 2):
        return None
    column, pattern = c.args
    if not (isinstance(column, ColumnRef) and scan.attnums[column.index] == attnum
            and column.type.pg in (R.TEXT, R.VARCHAR) and isinstance(pattern, Const) and isinstance(pattern.value, str)):
        return None
    prefix = []
    chars = iter(pattern.value)
    for ch in chars:
        if ch in "%_":
            break
        prefix.append(next(chars, "") if ch == "\\" else ch)  # LIKE's default escape
    if not prefix or not prefix[-1] or ord(prefix[-1]) >= 0x10FFFF:
        return None
    low = "".join(prefix)
    return low, low[:-1] + chr(ord(low[-1]) + 1), column.type


def _listed_keys(c: Expr, scan: P.TableScan) -> tuple[int, Expr] | None:
    """(attnum, array of keys) of `column IN (values)`, `column = ANY(array)` or an OR of
    `column = value` and IN lists on one column, the values pinned (see _pinned_value) and of a
    type the column's index takes; None for anything else."""
    if isinstance(c, QuantifiedCompare) and not c.all and c.op_impl.endswith("eq"):
        column, keys = c.arg, c.array
        if not (isinstance(column, ColumnRef) and _pinned_value(keys)):
            return None
        element = R.BY_OID.get(keys.type.pg.elem_oid)
        if element is None or not _index_comparable(column.type.pg, element):
            return None
    else:
        listed = _key_items(c)
        if listed is None:
            return None
        column, items = listed
        keys = ArrayExpr(items, SqlType(R.array_of(column.type.pg)))
    if column.type.pg.elem_oid:  # an array column: its keys are arrays, not the elements
        return None
    return scan.attnums[column.index], keys


def _key_items(c: Expr) -> tuple[ColumnRef, list[Expr]] | None:
    """(column, values) of `column IN (values)`, `column = value`, or an OR of them on one column."""
    if isinstance(c, InList) and not c.negated and isinstance(c.arg, ColumnRef) and all(map(_pinned_value, c.items)):
        return c.arg, list(c.items)
    if isinstance(c, Call) and c.name == "=" and len(c.args) == 2:
        for column, value in (c.args, reversed(c.args)):
            if isinstance(column, ColumnRef) and _pinned_value(value) and \
                    _index_comparable(column.type.pg, value.type.pg):
                return column, [value]
        return None
    if isinstance(c, BoolOp) and c.op == "or":
        parts = [_key_items(a) for a in c.args]
        if any(p is None for p in parts) or len({p[0].index for p in parts}) != 1:
            return None
        return parts[0][0], [v for p in parts for v in p[1]]
    return None


# -- index lookups for joins ------------------------------------------------------------------------

def use_index_lookups(plan: P.Plan, catalog: IndexCatalog) -> P.Plan:
    """Give a join an IndexScan of one side's table by an equality key, read with the other
    side's keys: of the right side, for a join where only right rows matching a left key matter
    (inner, left, semi, anti); else of the left side of an inner join (then the right side runs
    first). The key must be a column with a one-column index (not partial); the scan's filter
    goes with it."""
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, use_index_lookups(value, catalog))
    if not isinstance(plan, P.Join) or plan.kind not in ("inner", "left", "semi", "anti") or plan.lateral:
        return plan
    left_keys, right_keys, _ = split_equi_keys(plan.condition, len(plan.left.columns))
    keys = list(zip(left_keys, right_keys))
    found = []  # the bigger table is the one to look up: the other side runs first
    for side, scan, pairs in (("right", plan.right, [(r, k) for k, r in keys]),
                              ("left", plan.left if plan.kind == "inner" else None, keys)):
        for own, other in pairs:
            lookup = _lookup_scan(scan, own, other, catalog)
            if lookup is not None:
                found.append((scan.estimated_rows, side == "right", (side, other, lookup)))
                break
    if found:
        plan.index_lookup = max(found, key=lambda f: f[:2])[2]
    return plan


def _lookup_scan(scan: P.Plan | None, own: Expr, other: Expr, catalog: IndexCatalog) -> P.IndexScan | None:
    """An IndexScan of `scan`'s table by the column `own`, to be given the values of `other`."""
    if not isinstance(scan, P.TableScan) or scan.lock_mode or scan.with_rowids or not isinstance(own, ColumnRef) \
            or not _index_comparable(own.type.pg, other.type.pg):
        return None
    attnum = scan.attnums[own.index]
    index = next((i for i in sorted(catalog.indexes_of(scan.rel_oid), key=lambda i: not i.unique)
                  if i.index_columns == (attnum,) and not i.predicate_column), None)
    if index is None:
        return None
    return P.IndexScan(scan.rel_oid, scan.table_name, index.oid, index.name, scan.attnums, scan.columns,
                       filter=scan.filter, via_view=scan.via_view, estimated_rows=scan.estimated_rows)


# -- index order for ORDER BY ... LIMIT -------------------------------------------------------------

def use_index_order(plan: P.Plan, catalog: IndexCatalog) -> P.Plan:
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, use_index_order(value, catalog))
    if isinstance(plan, P.Limit) and isinstance(plan.child, P.Sort):
        ordered = _ordered_source(plan.child, catalog)
        if ordered is not None:
            plan.child = ordered
    return plan


def _ordered_source(sort: P.Sort, catalog: IndexCatalog) -> P.Plan | None:
    """The Sort's input read in its first key's order through a btree index, or None. The key
    must be a column passed up through Projects as is; later keys only break ties, so they may
    stay unsorted only when the index is unique and the column NOT NULL. An index holds no
    NULLs: a nullable column's rows with NULL come from a scan for them, after the index's rows
    (NULLS LAST: read only if the LIMIT still wants rows) or before them (NULLS FIRST)."""
    key, descending, nulls_first = sort.keys[0]
    if not isinstance(key, ColumnRef):
        return None
    chain, node, position = [], sort.child, key.index
    while isinstance(node, P.Project):
        expr = node.exprs[position]
        if not isinstance(expr, ColumnRef):
            return None
        chain.append(node)
        node, position = node.child, expr.index
    if not isinstance(node, (P.TableScan, P.IndexScan)) or node.with_rowids:
        return None
    attnum = node.attnums[position]
    table = catalog.relation(node.rel_oid)
    column = table and next((c for c in table.columns if c.attnum == attnum), None)
    if column is None or (not column.not_null and len(sort.keys) > 1):
        return None
    index = next((i for i in catalog.indexes_of(node.rel_oid) if i.method == "btree" and i.index_columns == (attnum,)
                  and not i.predicate_column and (i.unique or len(sort.keys) == 1)), None)
    if index is None:
        return None
    direction = "desc" if descending else "asc"
    if isinstance(node, P.IndexScan):  # already a range of that index (keys or a list: not in order)
        if node.index_oid != index.oid or node.keys is not None or node.any_of is not None:
            return None
        node.ordered = direction
        scan = node
    else:
        scan = P.IndexScan(node.rel_oid, node.table_name, index.oid, index.name, node.attnums, node.columns,
                           ordered=direction, filter=node.filter, lock_mode=node.lock_mode, via_view=node.via_view,
                           estimated_rows=node.estimated_rows)
        if not column.not_null:  # (a range scan of the column above holds no NULL)
            is_null = NullTest(ColumnRef(position, column.type), False, SqlType(R.BOOL))
            nulls = P.TableScan(node.rel_oid, node.table_name, node.attnums, node.columns,
                                filter=conjoin([is_null, *(conjuncts(node.filter) if node.filter else [])]),
                                lock_mode=node.lock_mode, via_view=node.via_view, estimated_rows=1)
            parts = [nulls, scan] if nulls_first else [scan, nulls]
            scan = P.SetOp("union", True, *parts, node.columns, estimated_rows=node.estimated_rows)
    if chain:
        chain[-1].child = scan
        return sort.child
    return scan


# -- projection pruning ----------------------------------------------------------------------------

def _refs(exprs) -> set[int]:
    out: set[int] = set()
    for e in exprs:
        if e is None:
            continue
        for n in walk(e):
            if isinstance(n, ColumnRef):
                out.add(n.index)
    return out


def _remap(e, mapping: dict[int, int]):
    if e is None:
        return None
    return transform(e, lambda n: ColumnRef(mapping[n.index], n.type, n.name) if isinstance(n, ColumnRef) else None)


def _has_correlation(plan: P.Plan) -> bool:
    """Subqueries and LATERAL joins address rows by position: leave such plans unpruned."""
    for node in _nodes(plan):
        if isinstance(node, P.Join) and node.lateral:
            return True
        for value in vars(node).values():
            for e in (value if isinstance(value, list) else [value]):
                items = e if isinstance(e, tuple) else (e,)
                for item in items:
                    if hasattr(item, "children") and not isinstance(item, P.Plan):
                        for n in walk(item):
                            if getattr(n, "plan", None) is not None or isinstance(n, OuterRef):
                                return True
    return False


def _nodes(plan: P.Plan):
    yield plan
    for child in plan.children():
        yield from _nodes(child)


def prune_columns(plan: P.Plan) -> P.Plan:
    """Scans read only the columns the plan above them uses."""
    if _has_correlation(plan):
        return plan
    new, _ = _prune(plan, set(range(len(plan.columns))))
    return new


def _identity(n: int) -> dict[int, int]:
    return {i: i for i in range(n)}


def _prune(plan: P.Plan, needed: set[int]) -> tuple[P.Plan, dict[int, int]]:
    """Rebuild `plan` producing at least `needed` of its columns; returns the old->new position map."""
    if isinstance(plan, (P.TableScan, P.IndexScan)):
        ncols = len(plan.attnums)
        keep_set = {i for i in needed if i < ncols} | {i for i in _refs([plan.filter]) if i < ncols}
        if isinstance(plan, P.IndexScan):
            keep_set |= {i for i in _refs(plan.keys or []) | _refs([plan.low, plan.high]) if i < ncols}
        keep = sorted(keep_set)
        if len(keep) == ncols:
            return plan, _identity(len(plan.columns))
        mapping = {old: new for new, old in enumerate(keep)}
        if plan.with_rowids:  # the row id column stays last
            mapping[ncols] = len(keep)
        plan.attnums = [plan.attnums[i] for i in keep]
        plan.columns = [plan.columns[i] for i in keep] + (plan.columns[ncols:] if plan.with_rowids else [])
        plan.filter = _remap(plan.filter, mapping)
        if isinstance(plan, P.IndexScan):
            plan.keys = [_remap(k, mapping) for k in plan.keys] if plan.keys else plan.keys
        return plan, mapping
    if isinstance(plan, P.Project):
        child, mapping = _prune(plan.child, _refs(plan.exprs))
        plan.child = child
        plan.exprs = [_remap(e, mapping) for e in plan.exprs]
        return plan, _identity(len(plan.columns))
    if isinstance(plan, (P.Filter, P.Sort, P.Limit)):
        extra = _refs([plan.predicate]) if isinstance(plan, P.Filter) else (
            _refs([k for k, _, _ in plan.keys]) if isinstance(plan, P.Sort) else set())
        child, mapping = _prune(plan.child, needed | extra)
        plan.child = child
        if isinstance(plan, P.Filter):
            plan.predicate = _remap(plan.predicate, mapping)
        elif isinstance(plan, P.Sort):
            plan.keys = [(_remap(k, mapping), d, nf) for k, d, nf in plan.keys]
        plan.columns = list(child.columns)  # these operators pass their input's columns through
        return plan, mapping
    if isinstance(plan, P.Aggregate):
        inputs = _refs(plan.group_exprs)
        for agg in plan.aggs:
            inputs |= _refs(agg.args) | _refs([agg.filter]) | _refs([k for k, _, _ in agg.order_by])
        child, mapping = _prune(plan.child, inputs)
        plan.child = child
        plan.group_exprs = [_remap(e, mapping) for e in plan.group_exprs]
        for agg in plan.aggs:
            agg.args = [_remap(a, mapping) for a in agg.args]
            agg.filter = _remap(agg.filter, mapping)
            agg.order_by = [(_remap(k, mapping), d, nf) for k, d, nf in agg.order_by]
        return plan, _identity(len(plan.columns))
    if isinstance(plan, P.Join) and not plan.lateral:
        nleft = len(plan.left.columns)
        cond = _refs([plan.condition])
        want = needed | cond
        left, lmap = _prune(plan.left, {i for i in want if i < nleft})
        right, rmap = _prune(plan.right, {i - nleft for i in want if i >= nleft})
        new_nleft = len(left.columns)
        mapping = {i: lmap[i] for i in lmap}
        mapping.update({i + nleft: rmap[i] + new_nleft for i in rmap})
        plan.left, plan.right = left, right
        plan.condition = _remap(plan.condition, mapping)
        plan.columns = list(left.columns) + list(right.columns)
        return plan, mapping
    # anything else needs every column of its inputs
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            child, _ = _prune(value, set(range(len(value.columns))))
            setattr(plan, name, child)
    return plan, _identity(len(plan.columns))
