"""Type introspection: pg_typeof reports the bound type of its argument expression."""

from __future__ import annotations

import numpy as np

from quantadb.exec.functions import scalar
from quantadb.types.column import Column


@scalar("pg_typeof")
def pg_typeof(args: list[Column], n: int, ctx, call) -> Column:
    return Column(np.full(n, call.args[0].type.pg.oid, dtype=np.int64))
