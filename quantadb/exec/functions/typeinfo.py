"""Type introspection: pg_typeof reports the bound type of its argument expression; the
typsend functions (int8send, textsend, ...) give a value's binary wire form as bytea."""

from __future__ import annotations

import numpy as np

from quantadb.exec.functions import scalar
from quantadb.exec.functions.support import obj_array
from quantadb.types.codecs import binary_encoder
from quantadb.types.column import Column


@scalar("pg_typeof")
def pg_typeof(args: list[Column], n: int, ctx, call) -> Column:
    return Column(np.full(n, call.args[0].type.pg.oid, dtype=np.int64))


@scalar("type_send")
def type_send(args: list[Column], n: int, ctx, call) -> Column:
    encoded = binary_encoder(call.args[0].type)(args[0])
    return Column(obj_array([b"" if v is None else v for v in encoded]))
