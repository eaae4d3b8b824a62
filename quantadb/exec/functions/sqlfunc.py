"""Running user-defined SQL functions that were not inlined: per call, the body's statements in
order with the call's arguments as $1..$n; the result is the last statement's first row (a
scalar function) or all its rows (SETOF / TABLE). A call that is not volatile runs once per
distinct argument list of a batch. Rows with a NULL argument of a STRICT function give NULL
(no rows) without running the body."""

from __future__ import annotations

import numpy as np

from quantadb.errors import SqlError
from quantadb.exec.columns import column_values, concat_columns, from_values
from quantadb.exec.context import EvalContext
from quantadb.exec.functions import scalar, setfn
from quantadb.sql import plan as P
from quantadb.types import registry as R
from quantadb.types.column import Batch, Column
from quantadb.types.rowtypes import record_fields


def run_body(body, params: list, ctx: EvalContext, volatile: bool) -> Batch | None:
    """Run a body's statements with `params`; the last statement's rows (None: it returns none).
    An error gets PostgreSQL's CONTEXT line: SQL function "f" statement n. A PL/pgSQL function's
    body is its interpreter's to run (plpgsql/call.py).

    A volatile function's statements see everything written so far, its own earlier statements'
    rows included, while the calling statement reads its own snapshot (when a called function
    writes, its writes are hidden from it: bind_with.reading_one_snapshot); the others read the
    caller's snapshot, as in PostgreSQL (a volatile one the newest on READ COMMITTED's re-check:
    ExecServices.first_reads is the caller's only)."""
    from quantadb.exec.run import run_all
    services = ctx.services
    callers, first_reads = services.snapshot, services.first_reads
    if volatile:
        services.first_reads = None
        if services.hiding_writes:
            services.snapshot = services.ri_snapshot
    try:
        if body.fn.language == "plpgsql":
            from quantadb.plpgsql.call import run_function
            return run_function(body.fn, params, ctx)
        inner = EvalContext(ctx.format, ctx.session, params, ctx.txn_start_us, ctx.stmt_start_us, ctx.check_cancel,
                            services)
        out = None
        for number, plan in enumerate(body.plans, 1):
            ctx.check_cancel()
            try:
                if isinstance(plan, (P.Update, P.Delete)):  # re-checked by itself (engine/recheck.py)
                    out = services.rechecked_in_place(plan, lambda: services.function_write(plan, inner))[1]
                elif isinstance(plan, (P.Insert, P.Merge)):
                    out = services.function_write(plan, inner)[1]
                else:
                    out = run_all(plan, inner)
            except SqlError as e:
                line = f'SQL function "{body.fn.name}" statement {number}'
                e.where = f"{e.where}\n{line}" if e.where else line
                raise
        return out
    finally:
        services.snapshot, services.first_reads = callers, first_reads


def _argument_rows(args: list[Column], n: int) -> list[tuple]:
    values = [column_values(a) for a in args]
    return list(zip(*values)) if values else [()] * n


def _key(row: tuple) -> tuple:
    return tuple(repr(v) if isinstance(v, (list, dict)) else v for v in row)


@scalar("sql_function")
def sql_function(args: list[Column], n: int, ctx: EvalContext, call) -> Column:
    body = call.routine
    results: dict = {}
    out = []
    fields = record_fields(call.type)
    for row in _argument_rows(args, n):
        if body.strict and any(v is None for v in row):
            out.append(None)
            continue
        key = _key(row)
        if call.volatile or key not in results:
            batch = run_body(body, list(row), ctx, call.volatile)
            value = None  # (a void function's value is NULL, whatever its last statement returned)
            if batch is not None and batch.length and batch.columns and call.type.pg is not R.VOID:
                first = [column_values(c)[0] for c in batch.columns]
                value = tuple(first) if fields else first[0]
            results[key] = value
        out.append(results[key])
    return from_values(out, call.type)


@setfn("sql_function_set")
def sql_function_set(args: list[Column], n: int, ctx: EvalContext, call) -> tuple[np.ndarray, list[Column]]:
    body = call.routine
    fields = record_fields(call.type) or (("", call.type),)
    sources: list[np.ndarray] = []
    parts: list[list[Column]] = [[] for _ in fields]
    for i, row in enumerate(_argument_rows(args, n)):
        if body.strict and any(v is None for v in row):
            continue
        batch = run_body(body, list(row), ctx, call.volatile)
        if batch is None or not batch.length:
            continue
        sources.append(np.full(batch.length, i, dtype=np.int64))
        for k, col in enumerate(batch.columns[:len(fields)]):
            parts[k].append(col)
    if not sources:
        return np.zeros(0, dtype=np.int64), [from_values([], t) for _, t in fields]
    cols = [concat_columns(p, t.pg.dtype) for p, (_, t) in zip(parts, fields)]
    return np.concatenate(sources), cols
