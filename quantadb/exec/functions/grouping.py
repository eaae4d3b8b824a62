"""GROUPING(a, b, ...) over grouping sets: one bit per argument, set when it is not grouped.

The binder rewrites the call to (mask column, key positions): the Aggregate operator's mask
has bit i set when group key i is absent from the row's grouping set."""

from __future__ import annotations

import numpy as np

from quantadb.exec.functions import scalar
from quantadb.types.column import Column


@scalar("grouping")
def grouping(args: list[Column], n: int, ctx, call) -> Column:
    mask = args[0].data.astype(np.int64)
    positions = call.args[1].value
    out = np.zeros(n, dtype=np.int32)
    for j, p in enumerate(positions):
        out |= (((mask >> p) & 1) << (len(positions) - 1 - j)).astype(np.int32)
    return Column(out)
