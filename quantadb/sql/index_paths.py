"""Index paths: where the planner reads a table through an index instead of scanning it
(sql/optimizer.py runs these rules in its order).

- use_indexes: a scan whose filter pins every column of an index to constants or parameters
  (`=`), gives each of them a list of keys or a value (`a = 1 AND b IN (...)`, `= ANY(array)`, an
  OR of equalities, `(a, b) IN ((1, 2), ...)`), or bounds a btree's leading columns (equalities,
  then `<`, `<=`, `>`, `>=`, BETWEEN or a LIKE prefix on the next one) becomes an IndexScan; the
  remaining conjuncts stay as its filter. The index holds no row with a NULL key column: a range
  on fewer than all its columns also reads the rows with a NULL in the others (IndexScan.missing:
  from the table's NULL masks, which cost nothing where a column has no NULL). An index column
  that holds an expression (engine/ddl/index_exprs.py) is matched by a structurally equal
  expression; a partial index only when the filter implies its predicate.
- sql/index_order.py reads a btree in key order for ORDER BY ... LIMIT, with btree_bounds.
- use_index_lookups: a join whose side scans a table by equality keys that lead an index may read
  it through the index instead, with the other side's keys (sql/joins.py, exec/join.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from quantadb.sql import plan as P
from quantadb.sql.expr import (ArrayExpr, BoolOp, Call, Cast, ColumnRef, Const, Expr, InList, NullTest, OuterRef,
                               Param, QuantifiedCompare, SubqueryExpr, conjoin, conjuncts, expr_key, transform, walk)
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
    non-volatile calls, outer references (a correlated subquery or LATERAL item runs once
    per outer row: an index scan keyed by the outer row's value is PostgreSQL's parameterized
    index scan), and uncorrelated scalar subqueries (run once: PostgreSQL's InitPlan parameter)?"""
    return all(isinstance(n, (Const, Param, Call, Cast, ArrayExpr, OuterRef)) and not (isinstance(n, Call) and n.volatile)
               or isinstance(n, SubqueryExpr) and n.kind == "scalar" and not n.correlated
               for n in walk(e))


def _comparison(c: Expr, scan: P.TableScan, keyed: dict[tuple, int]) -> tuple[int, str, Expr] | None:
    """(attnum, op, value) for `column op value` (either side), value free of columns; an
    expression `keyed` knows stands for its index column's attnum."""
    if not (isinstance(c, Call) and c.name in ("=", "<", "<=", ">", ">=") and len(c.args) == 2):
        return None
    for a, b, op in ((c.args[0], c.args[1], c.name), (c.args[1], c.args[0], _FLIP.get(c.name, c.name))):
        if isinstance(a, Cast) and isinstance(a.arg, ColumnRef) and _widened(a.arg.type.pg, a.type.pg):
            a = a.arg  # an integer column read wider (a UNION's bigint arm) compares as itself
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


def _widened(column: R.PgType, read_as: R.PgType) -> bool:
    return column in _INTEGERS and read_as in _INTEGERS and _INTEGERS.index(column) <= _INTEGERS.index(read_as)


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
    indexes = usable_indexes(plan, parts, catalog, expressions)
    if not indexes:
        return plan
    comparisons = comparisons_of(plan, parts, expressions)
    equal = {cmp[0]: (cmp[2], c) for cmp, c in comparisons if cmp is not None and cmp[1] == "="}
    # equality on all columns of an index: a point lookup (prefer unique indexes)
    for index in sorted(indexes, key=lambda i: (not i.unique, len(i.index_columns))):
        cols = index.index_columns
        if all(a in equal for a in cols):
            used = [equal[a][1] for a in cols]
            return _index_scan(plan, index, parts, used, keys=[equal[a][0] for a in cols],
                               estimated_rows=1 if index.unique else 10)
    # keys from lists or arrays (and equalities) on every column of an index
    listed = listed_columns(parts, plan)
    rows = [(r, c) for c in parts for r in [_row_keys(c, plan)] if r is not None]
    for index in sorted(indexes, key=lambda i: not i.unique) if listed or rows else ():
        found = _listed_columns(index, listed, equal)
        if found is not None:
            return _index_scan(plan, index, parts, found[1], any_of=found[0], estimated_rows=10)
        for r, c in rows:  # `(a, b) IN ((1, 2), (3, 4))`: the index's columns' keys in step
            if r.keys() == set(index.index_columns):
                return _index_scan(plan, index, parts, [c], any_of=[r[a] for a in index.index_columns],
                                   paired=True, estimated_rows=10)
    # a btree range: equalities on leading columns, then a range on the next one
    nullable = nullable_columns(plan, catalog)
    ranges = [(b, index, missing_columns(index, b.width(), nullable)) for index in indexes if index.method == "btree"
              for b in [btree_bounds(index, parts, comparisons, plan)] if b is not None and b.width()]
    if not ranges:
        return plan
    bounds, index, missing = max(ranges, key=lambda r: (r[0].pinned, r[0].width(), not r[2], -len(r[1].index_columns)))
    return _index_scan(plan, index, parts, bounds.used, low=bounds.low, high=bounds.high,
                       low_inclusive=bounds.low_inclusive, high_inclusive=bounds.high_inclusive, missing=missing,
                       estimated_rows=max(plan.estimated_rows / 4, 1))


def comparisons_of(scan: P.TableScan, parts: list[Expr], expressions: IndexExpressions | None) -> list:
    """((attnum, op, value) or None, conjunct) for each conjunct of a scan's filter (see _comparison)."""
    keyed = _keyed(scan, expressions)
    return [(_comparison(c, scan, keyed), c) for c in parts]


def usable_indexes(scan: P.TableScan, parts: list[Expr], catalog: IndexCatalog,
                   expressions: IndexExpressions | None) -> list[RelationDef]:
    """The scan's indexes, a partial one only where the filter (`parts`) implies its predicate."""
    indexes = [i for i in catalog.indexes_of(scan.rel_oid) if i.index_columns]
    if any(i.predicate_column for i in indexes):
        hidden = expressions(scan.rel_oid) if expressions is not None else {}
        indexes = [i for i in indexes if _implies(parts, scan, i, hidden)]
    return indexes


def _index_scan(scan: P.TableScan, index: RelationDef, parts: list[Expr], used: list[Expr], **how) -> P.IndexScan:
    """`scan` read through `index`, the conjuncts `used` becoming its index condition."""
    taken = {id(c) for c in used}
    return P.IndexScan(scan.rel_oid, scan.table_name, index.oid, index.name, scan.attnums, scan.columns,
                       filter=conjoin([c for c in parts if id(c) not in taken]), index_cond=conjoin(used),
                       with_rowids=scan.with_rowids, lock_mode=scan.lock_mode, via_view=scan.via_view,
                       alias=scan.alias, **how)


def nullable_columns(scan: P.TableScan, catalog: IndexCatalog) -> set[int]:
    """Attnums of the scan's table that may hold NULL."""
    table = catalog.relation(scan.rel_oid)
    return {c.attnum for c in table.columns if not c.not_null} if table is not None else set(scan.attnums)


def missing_columns(index: RelationDef, width: int, nullable: set[int]) -> tuple[int, ...]:
    """The columns of `index` after its first `width` (which a scan's keys or bounds make non-NULL)
    that may be NULL: rows with a NULL there are not in the index (IndexScan.missing)."""
    return tuple(a for a in index.index_columns[width:] if a in nullable)


def listed_columns(parts: list[Expr], scan: P.TableScan) -> dict[int, tuple[Expr, Expr]]:
    """attnum -> (array of keys, the conjunct) for each column a conjunct gives a list of keys
    (see _listed_keys), the first such conjunct."""
    listed: dict[int, tuple[Expr, Expr]] = {}
    for c in parts:
        found = _listed_keys(c, scan)
        if found is not None:
            listed.setdefault(found[0], (found[1], c))
    return listed


def key_array(value: Expr) -> ArrayExpr:
    """One key as an array of keys (IndexScan.any_of)."""
    return ArrayExpr([value], SqlType(R.array_of(value.type.pg)))


def _listed_columns(index: RelationDef, listed: dict[int, tuple[Expr, Expr]],
                    equal: dict[int, tuple[Expr, Expr]]) -> tuple[list[Expr], list[Expr]] | None:
    """(an array of keys per index column, the conjuncts they come from) when each column of `index`
    is given a list of keys (`listed`) or a value (`equal`: an index expression's); None otherwise."""
    if not all(a in listed or a in equal for a in index.index_columns):
        return None
    arrays, used = [], []
    for a in index.index_columns:
        if a in listed:
            arrays.append(listed[a][0])
            used.append(listed[a][1])
        else:
            value, c = equal[a]
            arrays.append(key_array(value))
            used.append(c)
    return arrays, used


@dataclass
class Bounds:
    """A btree range: `pinned` leading index columns equal to values, then maybe a range on the next."""

    low: list[Expr] | None
    high: list[Expr] | None
    low_inclusive: bool
    high_inclusive: bool
    pinned: int
    used: list[Expr]

    def width(self) -> int:
        """How many leading index columns the range bounds."""
        return max(len(self.low or ()), len(self.high or ()))


def btree_bounds(index: RelationDef, parts: list[Expr], comparisons: list, scan: P.TableScan) -> Bounds | None:
    """The range of `index` the conjuncts `parts` (with their `comparisons`) bound (width 0: none),
    or None when they pin every column. The index holds no row with a NULL key column: a range on
    fewer than all its columns misses the rows with a NULL in the others."""
    cols = index.index_columns
    by_column: dict[int, list[tuple[str, Expr, Expr]]] = {}
    for cmp, c in comparisons:
        if cmp is not None:
            by_column.setdefault(cmp[0], []).append((cmp[1], cmp[2], c))
    values, used = [], []
    for a in cols:
        eq = next(((v, c) for op, v, c in by_column.get(a, ()) if op == "="), None)
        if eq is None:
            break
        values.append(eq[0])
        used.append(eq[1])
    pinned = len(values)
    if pinned == len(cols):
        return None  # (a point lookup)
    low = high = None
    low_incl = high_incl = True
    for op, v, c in by_column.get(cols[pinned], ()):
        if op in (">", ">=") and low is None:
            low, low_incl = v, op == ">="
            used.append(c)
        elif op in ("<", "<=") and high is None:
            high, high_incl = v, op == "<="
            used.append(c)
    if low is None and high is None:  # `col LIKE 'abc%'`: the range of strings starting with abc
        prefix = next((p for p in (_like_prefix(c, scan, cols[pinned]) for c in parts) if p), None)
        if prefix is not None:  # (the LIKE stays in the filter: the range holds more than it matches)
            low, high, high_incl = Const(prefix[0], prefix[2]), Const(prefix[1], prefix[2]), False
    return Bounds(values + [low] if low is not None else (values or None),
                  values + [high] if high is not None else (values or None), low_incl, high_incl, pinned, used)


def _like_prefix(c: Expr, scan: P.TableScan, attnum: int) -> tuple[str, str, SqlType] | None:
    """For `column LIKE 'abc%...'` on `attnum` (text or varchar): the strings from 'abc' up to,
    not including, 'abd' hold every match, in the C collation the server has (code point order,
    which the index keeps); None for another condition or a pattern without a fixed prefix."""
    if not (isinstance(c, Call) and c.name == "~~" and len(c.args) == 2):
        return None
    column, pattern = c.args
    if isinstance(column, Cast) and isinstance(column.arg, ColumnRef) and column.arg.type.pg is R.VARCHAR:
        column = column.arg  # a varchar column's LIKE reads it as text (the same strings)
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


def _row_keys(c: Expr, scan: P.TableScan) -> dict[int, ArrayExpr] | None:
    """attnum -> array of values, read in step, of an OR of ANDs of `column = value` (a row
    comparison `(a, b) IN ((1, 2), (3, 4))`) naming the same columns in each; None otherwise."""
    rows = []
    for alternative in (c.args if isinstance(c, BoolOp) and c.op == "or" else [c]):
        tests = alternative.args if isinstance(alternative, BoolOp) and alternative.op == "and" else [alternative]
        items = [_key_items(t) for t in tests]
        if any(i is None or len(i[1]) != 1 for i in items):
            return None
        rows.append({scan.attnums[column.index]: (column, values[0]) for column, values in items})
    if len(rows[0]) < 2 or any(r.keys() != rows[0].keys() for r in rows):
        return None
    return {a: ArrayExpr([r[a][1] for r in rows], SqlType(R.array_of(column.type.pg)))
            for a, (column, _) in rows[0].items()}


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
    """Give a join an IndexScan of one side's table by its equality keys, read with the other
    side's keys: of the right side, for a join where only right rows matching a left key matter
    (inner, left, semi, anti); else of the left side of an inner or semi join (then the right
    side runs first: a semi join's left rows are those some right key finds). The keys must be columns that lead an index (not partial); the rows with a NULL in its
    other columns are read apart (IndexScan.missing: the join matches them); the scan's filter
    goes with it."""
    for name, value in list(vars(plan).items()):
        if isinstance(value, P.Plan):
            setattr(plan, name, use_index_lookups(value, catalog))
    if not isinstance(plan, P.Join) or plan.kind not in ("inner", "left", "semi", "anti") or plan.lateral:
        return plan
    left_keys, right_keys, _ = split_equi_keys(plan.condition, len(plan.left.columns))
    found = []  # the bigger table is the one to look up: the other side runs first
    for side, scan, pairs in (("right", plan.right, list(zip(right_keys, left_keys))),
                              ("left", plan.left if plan.kind in ("inner", "semi") else None,
                               list(zip(left_keys, right_keys)))):
        lookup = _lookup_scan(scan, pairs, catalog)
        if lookup is not None:
            found.append((scan.estimated_rows, side == "right", (side, *lookup)))
    if found:
        plan.index_lookup = max(found, key=lambda f: f[:2])[2]
    return plan


def _lookup_scan(scan: P.Plan | None, pairs: list[tuple[Expr, Expr]],
                 catalog: IndexCatalog) -> tuple[list[Expr], P.IndexScan] | None:
    """An IndexScan of `scan`'s table by columns of its side of the key `pairs` that lead an index,
    and the other side's keys to give it, in the index's column order."""
    if not isinstance(scan, P.TableScan) or scan.lock_mode or scan.with_rowids:
        return None
    other = {}
    for own, theirs in pairs:
        if isinstance(own, ColumnRef) and _index_comparable(own.type.pg, theirs.type.pg):
            other.setdefault(scan.attnums[own.index], theirs)
    nullable = nullable_columns(scan, catalog)
    best = None
    for index in catalog.indexes_of(scan.rel_oid):
        cols = index.index_columns
        width = next((i for i, a in enumerate(cols) if a not in other), len(cols))
        if width and not index.predicate_column and (width == len(cols) or index.method == "btree"):
            rank = (width == len(cols) and index.unique, width, not missing_columns(index, width, nullable),
                    -len(cols))
            if best is None or rank > best[0]:
                best = (rank, index, width)
    if best is None:
        return None
    _, index, width = best
    return [other[a] for a in index.index_columns[:width]], P.IndexScan(
        scan.rel_oid, scan.table_name, index.oid, index.name, scan.attnums, scan.columns, filter=scan.filter,
        via_view=scan.via_view, missing=missing_columns(index, width, nullable), alias=scan.alias,
        estimated_rows=scan.estimated_rows)
