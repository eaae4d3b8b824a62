"""EXPLAIN [ANALYZE]: plan the statement (a prepared one for EXPLAIN EXECUTE), run it under the
executor's per-node counters when ANALYZE asks (a write too, as PostgreSQL does), and print the
plan in the chosen format (sql/explain.py, sql/explain_format.py).

The result is one column "QUERY PLAN": one text row per line for TEXT, one row for the other
formats, typed json for JSON and xml for XML as PostgreSQL's.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from quantadb.engine import privileges
from quantadb.engine.catalog_view import RegNames
from quantadb.engine.results import ColumnDesc, Result, RunInWorker
from quantadb.errors import FeatureNotSupported, ReadOnlySqlTransaction
from quantadb.exec.columns import from_values
from quantadb.exec.instrument import record
from quantadb.sql import explain_format as F
from quantadb.sql import plan as P
from quantadb.sql.explain import ExplainBuilder
from quantadb.sql.explain_options import ExplainOptions
from quantadb.sql.explain_tree import ExplainNode
from quantadb.sql.utility import ExecuteStmt, parse_utility
from quantadb.types import registry as R
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.prepared import Portal
    from quantadb.engine.session import Session
    from quantadb.engine.statements import Bound

_RESULT_TYPES = {"json": SqlType(R.JSON), "xml": SqlType(R.XML)}
_WRITES = (P.Insert, P.Update, P.Delete, P.Merge)


def result_column(options: ExplainOptions) -> ColumnDesc:
    return ColumnDesc("QUERY PLAN", _RESULT_TYPES.get(options.format, SqlType(R.TEXT)))


def explain(session: "Session", query: str, at: int | None, options: ExplainOptions, inline: bool,
            portal: "Portal") -> Result:
    """EXPLAIN of `query` (at `at` in the client's text, for error positions), with the parameters
    the client bound to the EXPLAIN statement."""
    from quantadb.engine import statements as S
    if options.analyze and inline:
        raise RunInWorker()
    started = time.perf_counter()
    utility = parse_utility(query)
    if isinstance(utility, ExecuteStmt):
        bound, params = _prepared(session, utility)
    elif utility is not None:
        raise FeatureNotSupported("EXPLAIN of this statement is not supported")
    else:
        bound, params = S.bind(session, S.Statement(query, at=at), portal.prepared.param_types), portal.params
    if bound.plan is None:
        raise FeatureNotSupported("EXPLAIN of this statement is not supported")
    planning_ms = (time.perf_counter() - started) * 1000
    counters = _run(session, bound, params) if options.analyze else None
    root = ExplainBuilder(session.catalog(), session.format_context, RegNames(session).name,
                          options.verbose, params).build(bound.plan)
    return _result(options, root, counters, planning_ms)


def _prepared(session: "Session", u: ExecuteStmt) -> tuple["Bound", list]:
    from quantadb.engine.utility import execute_params, prepared_statement  # (utility.py calls this module)
    prepared = prepared_statement(session, u.name)
    return session.bind_locked(prepared), execute_params(session, u, prepared)


def _run(session: "Session", bound: "Bound", params: list) -> F.Counters:
    """Run the plan as its statement would, every node counted."""
    from quantadb.engine import statements as S
    from quantadb.exec.modify import run_modify
    from quantadb.exec.run import run_all
    privileges.check(session, bound.needs, bound.superuser_passes)
    plan = bound.plan
    ctx = S.eval_context(session, params)
    ctx.explain_timings = {}
    started = time.perf_counter()
    if isinstance(plan, _WRITES):
        if session.state.txn.read_only:
            raise ReadOnlySqlTransaction(f"cannot execute {type(plan).__name__.upper()} in a read-only transaction")
        if bound.new_row_keys:
            ctx.services.new_row_keys = bound.new_row_keys
        count, _ = run_modify(plan, ctx)
        record(ctx, plan, 0 if getattr(plan, "returning", None) is None else count, time.perf_counter() - started)
    else:
        run_all(plan, ctx)
    return F.Counters(ctx.explain_timings, (time.perf_counter() - started) * 1000)


def _result(options: ExplainOptions, root: ExplainNode, counters: F.Counters | None, planning_ms: float) -> Result:
    column = result_column(options)
    if options.format == "text":
        rows = F.text_lines(root, options, counters, planning_ms)
    else:
        props = F.query_properties(root, options, counters, planning_ms)
        rows = [{"json": F.json_text, "yaml": F.yaml_text, "xml": F.xml_text}[options.format](props)]
    return Result(tag="EXPLAIN", columns=[column], batches=[Batch([from_values(rows, column.type)], len(rows))])
