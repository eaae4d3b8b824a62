"""The function and operator catalog (pg_proc / pg_operator) and PostgreSQL's resolution rules.

`resolve_operator` / `resolve_function` return a Match: the signature chosen, the type each
argument must be cast to, and the result type. Signature.impl keys the executor's registries
(quantadb.exec.functions SCALARS / AGGREGATES / SETFNS).
"""

from quantadb.sql.functions import ops as _ops, procs as _procs, procs_encoding as _procs_encoding  # noqa: F401,E501  (populate the tables)
from quantadb.sql.functions import procs_range as _procs_range  # noqa: F401  (range types' rows)
from quantadb.sql.functions import procs_tsearch as _procs_tsearch  # noqa: F401  (full-text search rows)
from quantadb.sql.functions.resolve import (
    implicit_coercible, resolve_array_op, resolve_function, resolve_operator, select_common_type,
)
from quantadb.sql.functions.signature import ALL_SIGNATURES, Match, Signature, functions_named

__all__ = ["ALL_SIGNATURES", "Match", "Signature", "functions_named", "implicit_coercible", "resolve_array_op",
           "resolve_function", "resolve_operator", "select_common_type"]
