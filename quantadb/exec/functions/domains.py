"""coerce_to_domain: a value converted to a domain (a cast, a column of it) meets the domain's
NOT NULL and CHECK constraints (sql/bind_domain.py binds them), with PostgreSQL's errors."""

from __future__ import annotations

from quantadb.errors import CheckViolation, NotNullViolation
from quantadb.exec.functions import scalar
from quantadb.types.column import Batch, Column


@scalar("coerce_to_domain")
def coerce_to_domain(args, n, ctx, call) -> Column:
    from quantadb.exec.eval import evaluate  # (eval imports the function registry)
    col, domain = args[0], call.domain
    if domain.not_null and col.valid is not None and not col.valid.all():
        raise NotNullViolation(f"domain {domain.name} does not allow null values")
    batch = Batch([col], n)
    for name, check in domain.checks:
        result = evaluate(check, batch, ctx)
        failed = ~result.data.astype(bool)
        if result.valid is not None:
            failed &= result.valid
        if failed.any():
            raise CheckViolation(f'value for domain {domain.name} violates check constraint "{name}"')
    return col
