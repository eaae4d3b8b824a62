"""Type introspection: pg_typeof reports the bound type of its argument expression."""

from __future__ import annotations

import numpy as np

from quantadb.exec.functions import scalar
from quantadb.types.column import Column
from quantadb.types.domains import type_oid


@scalar("pg_typeof")
def pg_typeof(args: list[Column], n: int, ctx, call) -> Column:
    return Column(np.full(n, type_oid(call.args[0].type), dtype=np.int64))
