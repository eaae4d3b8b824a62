"""EvalContext: what expression evaluation may know about the statement and session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from quantadb.types.codecs import FormatContext


class SessionInfo(Protocol):
    """The read-only view of a session that functions such as current_user() need."""

    user: str
    database: str
    pid: int
    settings: Any  # engine/settings.py's Settings: .get(name)


@dataclass
class EvalContext:
    """Per-statement evaluation state.

    `params` holds bound parameter values ($1 is params[0]) in their types' representation.
    `txn_start_us` / `stmt_start_us` are timestamps (µs since 2000-01-01 UTC) for now() and
    statement_timestamp(). `check_cancel` raises QueryCanceled when the statement was cancelled
    or timed out; long loops call it between batches.
    """

    format: FormatContext
    session: SessionInfo | None = None
    params: list[Any] = field(default_factory=list)
    txn_start_us: int = 0
    stmt_start_us: int = 0
    check_cancel: Callable[[], None] = lambda: None
    services: Any = None  # the engine's ExecServices: storage access, catalog-aware functions
    outer: list[tuple] = field(default_factory=list)  # enclosing rows of correlated subqueries
    subquery_cache: dict[int, Any] = field(default_factory=dict)  # uncorrelated subquery results
    cte_cache: dict[Any, Any] = field(default_factory=dict)  # WITH query results (see run._cte_key)
    cte_working: dict[int, Any] = field(default_factory=dict)  # a running recursive CTE's working table
    explain_timings: dict[int, Any] | None = None  # EXPLAIN ANALYZE's: id(plan node) -> exec.instrument.NodeStats
    nonatomic: bool = False  # a CALL or DO outside a transaction block: its procedure may COMMIT
