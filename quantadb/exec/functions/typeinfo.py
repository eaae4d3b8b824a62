"""Type introspection: pg_typeof reports the bound type of its argument expression."""

from __future__ import annotations

import numpy as np

from quantadb.exec.functions import scalar
from quantadb.types.column import Column
from quantadb.types.domains import domain_of


@scalar("pg_typeof")
def pg_typeof(args: list[Column], n: int, ctx, call) -> Column:
    t = call.args[0].type
    domain = domain_of(t) if t.extra else None
    return Column(np.full(n, domain.oid if domain is not None else t.pg.oid, dtype=np.int64))
