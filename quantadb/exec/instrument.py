"""EXPLAIN ANALYZE's per-node counters, as PostgreSQL's Instrumentation: each run of a node is a
loop; its startup time is the time to its first row, its total time the time to its last, both
counting only the time spent inside the node (and the nodes below it), averaged over loops."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

from quantadb.exec.context import EvalContext
from quantadb.types.column import Batch


@dataclass
class NodeStats:
    loops: int = 0
    rows: int = 0
    startup_ms: float = 0.0  # summed over loops
    total_ms: float = 0.0
    removed_by_filter: int = 0

    def add_loop(self, rows: int, startup_ms: float, total_ms: float) -> None:
        self.loops += 1
        self.rows += rows
        self.startup_ms += startup_ms
        self.total_ms += total_ms


def stats_of(ctx: EvalContext, node: object) -> NodeStats:
    return ctx.explain_timings.setdefault(id(node), NodeStats())


def instrumented(node: object, batches: Iterator[Batch], ctx: EvalContext) -> Iterator[Batch]:
    """`batches` (one run of `node`), counted in `ctx.explain_timings`."""
    stats = stats_of(ctx, node)
    elapsed = 0.0
    first: float | None = None
    rows = 0
    try:
        while True:
            started = time.perf_counter()
            try:
                batch = next(batches)
            except StopIteration:
                elapsed += time.perf_counter() - started
                break
            elapsed += time.perf_counter() - started
            if first is None and batch.length:
                first = elapsed
            rows += batch.length
            yield batch
    finally:  # also when a Limit above stops reading early
        stats.add_loop(rows, (first if first is not None else elapsed) * 1000, elapsed * 1000)


def record(ctx: EvalContext, node: object, rows: int, elapsed_s: float) -> None:
    """One loop of a node run outside the batch runner (an index lookup, a write)."""
    if ctx.explain_timings is not None:
        stats_of(ctx, node).add_loop(rows, elapsed_s * 1000, elapsed_s * 1000)


def filtered_out(ctx: EvalContext, node: object, rows: int) -> None:
    """Rows a scan read and its filter left out (EXPLAIN ANALYZE's Rows Removed by Filter)."""
    if ctx.explain_timings is not None:
        stats_of(ctx, node).removed_by_filter += rows
