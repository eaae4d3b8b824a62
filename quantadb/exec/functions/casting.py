"""Function-style casts: `date(ts)`, `int4(2.7)`, `text(12)` resolve (in sql.functions) to
impl "cast_function", an explicit cast from the argument's type to the call's type."""

from __future__ import annotations

from quantadb.exec.functions import scalar
from quantadb.types.casts import cast_column
from quantadb.types.column import Column


@scalar("cast_function")
def cast_function(args, n, ctx, call) -> Column:
    return cast_column(args[0], call.args[0].type, call.type, ctx.format, explicit=True)
