"""Row constructors: ROW(a, b, ...) and whole-row references build record values (tuples)."""

from __future__ import annotations

import numpy as np

from quantadb.exec.functions import scalar
from quantadb.types.codecs import values_to_column
from quantadb.types.column import Column


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
