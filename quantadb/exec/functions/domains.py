"""coerce_to_domain: a value converted to a domain (a cast, a column of it) meets the domain's
NOT NULL and CHECK constraints (sql/bind_domain.py binds them), with PostgreSQL's errors; a value
converted to an array of a domain, every element of it."""

from __future__ import annotations

from quantadb.errors import CheckViolation, NotNullViolation
from quantadb.exec.columns import from_values
from quantadb.exec.functions import scalar
from quantadb.types.column import Batch, Column
from quantadb.types.registry import SqlType, element_of


@scalar("coerce_to_domain")
def coerce_to_domain(args, n, ctx, call) -> Column:
    from quantadb.exec.eval import evaluate  # (eval imports the function registry)
    col, domain = args[0], call.domain
    checked = _elements(col, call.args[0].type) if domain.array else col
    if domain.not_null and checked.valid is not None and not checked.valid.all():
        raise NotNullViolation(f"domain {domain.name} does not allow null values")
    batch = Batch([checked], len(checked))
    for name, check in domain.checks:
        result = evaluate(check, batch, ctx)
        failed = ~result.data.astype(bool)
        if result.valid is not None:
            failed &= result.valid
        if failed.any():
            raise CheckViolation(f'value for domain {domain.name} violates check constraint "{name}"')
    return col


def _elements(col: Column, array_type: SqlType) -> Column:
    """The elements of a column of arrays (of any dimensions; a NULL array has none), as one column."""
    values: list = []

    def walk(v) -> None:
        if isinstance(v, list):
            for x in v:
                walk(x)
        else:
            values.append(v)
    for i, v in enumerate(col.data.tolist()):
        if v is not None and (col.valid is None or col.valid[i]):
            walk(v)
    return from_values(values, SqlType(element_of(array_type.pg), array_type.typmod))
