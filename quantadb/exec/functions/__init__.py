"""Implementations of scalar functions, operators and aggregates, keyed by `impl` name.

The SQL layer (`quantadb.sql.functions`) resolves a call to a signature whose `impl` names an
entry here. Contracts:

- scalar: ``fn(args: list[Column], n: int, ctx: EvalContext, call: Call) -> Column``.
  `n` is the row count (zero-argument functions need it). For strict functions the caller
  combines the arguments' NULL masks into the result; the implementation must not raise for
  rows where any argument is NULL (their data slots hold arbitrary filler values).
- aggregate: ``fn(args: list[Column], group_ids: np.ndarray, ngroups: int, ctx, agg: AggRef)
  -> Column`` of length `ngroups`; rows whose argument is NULL are the implementation's to skip
  (count(*) has no arguments).
"""

from __future__ import annotations

from typing import Callable

SCALARS: dict[str, Callable] = {}
AGGREGATES: dict[str, Callable] = {}


def scalar(*names: str) -> Callable[[Callable], Callable]:
    def register(fn: Callable) -> Callable:
        for name in names:
            SCALARS[name] = fn
        return fn
    return register


def aggregate(*names: str) -> Callable[[Callable], Callable]:
    def register(fn: Callable) -> Callable:
        for name in names:
            AGGREGATES[name] = fn
        return fn
    return register

SETFNS: dict[str, Callable] = {}


def setfn(*names: str) -> Callable[[Callable], Callable]:
    """Set-returning functions: ``fn(args: list[Column], n, ctx, call) -> (source_rows, columns)``:
    the input row index of every output row (int64 array) and the output column(s)."""
    def register(fn: Callable) -> Callable:
        for name in names:
            SETFNS[name] = fn
        return fn
    return register


from quantadb.exec.functions import (  # noqa: E402,F401  (register the impls)
    aggregates, arith, arrays, bits, casting, compare, datefields, datetimefns, domains, encoding, enums, formatting,
    json, jsonrecord, mathfns,
    patterns, ranges, regexps, regression, rows, setfns, sqlfunc, statagg, strings, tsearch,
)
