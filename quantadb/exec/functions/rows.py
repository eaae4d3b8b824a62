"""Row constructors: ROW(a, b, ...) and whole-row references build record values (tuples).

Two comparisons of row values: record_eq & co. compare whole values as PostgreSQL's btrecordcmp
(a NULL field equals a NULL field and sorts after every value: a composite column, a whole-row
reference), and rowcompare_eq & co. compare a row with a row subquery's field by field with
SQL's NULL rules ((a, b) = (SELECT ...), (a, b) IN (SELECT ...)).
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import DatatypeMismatch
from quantadb.exec.functions import scalar
from quantadb.exec.keys import value_sort_key
from quantadb.types.codecs import column_to_values, values_to_column
from quantadb.types.column import Column
from quantadb.types.registry import format_type
from quantadb.types.rowtypes import record_fields


def record_column(fields: list[Column], n: int | None = None) -> Column:
    """One record per row from the field columns (a NULL field is None inside the tuple)."""
    values = [f.data.tolist() if f.valid is None else
              [v if ok else None for v, ok in zip(f.data.tolist(), f.valid.tolist())] for f in fields]
    out = np.empty(len(values[0]) if values else n or 0, dtype=object)
    for i, items in enumerate(zip(*values) if values else [()] * len(out)):
        out[i] = tuple(items)
    return Column(out)


@scalar("row")
def row(args: list[Column], n: int, ctx, call) -> Column:
    return record_column(args, n)


@scalar("record_field")
def record_field(args: list[Column], n: int, ctx, call) -> Column:
    """(record).field: the field at the constant position of args[1]; NULL for a NULL record."""
    if n == 0:  # no row to read the position from
        return values_to_column(call.type, [])
    records, index = args[0], int(args[1].data[0])
    present = records.valid if records.valid is not None else np.ones(n, dtype=bool)
    values = [r[index] if ok else None for r, ok in zip(records.data.tolist(), present.tolist())]
    return values_to_column(call.type, values)


def _compare(a: tuple, b: tuple) -> int:
    """btrecordcmp: -1/0/1."""
    ka, kb = value_sort_key(a), value_sort_key(b)
    return 0 if ka == kb else -1 if ka < kb else 1


@scalar("record_assign")
def record_assign(args: list[Column], n: int, ctx, call) -> Column:
    """UPDATE ... SET col.field = v: the row with the field at args[1]'s position replaced (a
    NULL row becomes a row of NULLs first, as PostgreSQL's FieldStore)."""
    if n == 0:
        return values_to_column(call.type, [])
    width, index = len(record_fields(call.type)), int(args[1].data[0])
    out = []
    for row, value in zip(column_to_values(call.type, args[0]), column_to_values(call.args[2].type, args[2])):
        fields = list(row) if row is not None else [None] * width
        fields[index] = value
        out.append(tuple(fields))
    return values_to_column(call.type, out)


def _equal(a: tuple, b: tuple) -> bool | None:
    """A row comparison's =: false if any pair of fields differs, NULL if none does but a field is NULL."""
    pairs = list(zip(a, b))
    if any(x is not None and y is not None and x != y for x, y in pairs):
        return False
    return None if any(x is None or y is None for x, y in pairs) else True


def _order(a: tuple, b: tuple) -> int | None:
    """A row comparison's order: -1/0/1 at the first pair of fields that differ, NULL if a NULL comes first."""
    for x, y in zip(a, b):
        if x is None or y is None:
            return None
        if x != y:
            return -1 if x < y else 1
    return 0


def _record_op(outcome):
    """A record comparison operator: `outcome(a, b)` is True/False/None (NULL) for one row."""
    def impl(args: list[Column], n: int, ctx, call) -> Column:
        left, right = args
        present = np.ones(n, dtype=bool)
        for c in args:
            if c.valid is not None:
                present &= c.valid
        try:
            results = [outcome(a, b) if ok else None
                       for a, b, ok in zip(left.data.tolist(), right.data.tolist(), present.tolist())]
        except TypeError:  # values Python cannot order: fields of other types
            raise _dissimilar(call) from None
        valid = np.fromiter((r is not None for r in results), dtype=bool, count=n)
        return Column(np.fromiter((bool(r) for r in results), dtype=bool, count=n), None if valid.all() else valid)
    return impl


def _dissimilar(call) -> DatatypeMismatch:
    """record_eq's error for a pair of fields of other types (the first such pair, when known)."""
    pairs = zip(record_fields(call.args[0].type), record_fields(call.args[1].type))
    for i, ((_, a), (_, b)) in enumerate(pairs, 1):
        if a.pg is not b.pg:
            return DatatypeMismatch(f"cannot compare dissimilar column types {format_type(a.pg, a.typmod)} and "
                                    f"{format_type(b.pg, b.typmod)} at record column {i}")
    return DatatypeMismatch("cannot compare dissimilar column types")


def _ordered(test):
    return lambda a, b: None if (c := _order(a, b)) is None else test(c)


scalar("rowcompare_eq")(_record_op(_equal))
scalar("rowcompare_ne")(_record_op(lambda a, b: None if (e := _equal(a, b)) is None else not e))
scalar("rowcompare_lt")(_record_op(_ordered(lambda c: c < 0)))
scalar("rowcompare_le")(_record_op(_ordered(lambda c: c <= 0)))
scalar("rowcompare_gt")(_record_op(_ordered(lambda c: c > 0)))
scalar("rowcompare_ge")(_record_op(_ordered(lambda c: c >= 0)))
for _name, _test in (("eq", lambda c: c == 0), ("ne", lambda c: c != 0), ("lt", lambda c: c < 0),
                     ("le", lambda c: c <= 0), ("gt", lambda c: c > 0), ("ge", lambda c: c >= 0)):
    scalar("record_" + _name)(_record_op(lambda a, b, test=_test: test(_compare(a, b))))
