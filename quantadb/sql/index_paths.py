"""Index paths: where the planner reads a table through an index instead of scanning it
(sql/optimizer.py runs these rules in its order).

- use_indexes: a scan whose filter pins the leading columns of an index to constants or
  parameters (`=`), gives a one-column index's keys as a list (`IN (...)`, `= ANY(array)`, an OR
  of equalities), bounds a btree column (`<`, `<=`, `>`, `>=`, BETWEEN, a LIKE prefix), becomes
  an IndexScan; the remaining conjuncts stay as its filter. An index column that holds an
  expression (engine/ddl/index_exprs.py) is matched by a structurally equal expression; a
  partial index only when the filter implies its predicate.
- use_index_order: `ORDER BY col LIMIT n` over a scan of a column with a one-column btree index
  reads the index in key order and stops after n rows instead of sorting the table.
- use_index_lookups: a join whose side scans a table by an indexed equality key may read it
  through the index instead, with the other side's keys (sql/joins.py, exec/join.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from quantadb.sql import plan as P
from quantadb.sql.expr import (ArrayExpr, BoolOp, Call, Cast, ColumnRef, Const, Expr, InList, NullTest, OuterRef,
                               Param, QuantifiedCompare, conjoin, conjuncts, expr_key, transform, walk)
from quantadb.sql.joins import split_equi_keys
from quantadb.storage.catalog import RelationDef
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


class IndexCatalog(Protocol):
    def indexes_of(self, table_oid: int) -> list[RelationDef]: ...

    def relation(self, oid: int) -> RelationDef | None: ...


# table oid -> {attnum: expression} of its index expression columns, column references by attnum
IndexExpressions = Callable[[int], dict[int, Expr]]


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
