"""COPY FROM's write: the INSERT of all its rows (planned once by CopyFromStdin), attempted until it
meets no lock nor a row changed meanwhile (engine/attempts.py), waiting in between.

A plain INSERT writes once, after every check that can stop it, so a stopped attempt wrote nothing.
An attempt that may write first (a trigger's statements, a default's or a check's function: the
plan does not write once, statements._writes_once) runs under a savepoint that undoes it before the
next attempt, so each row is written once; and it runs on a worker thread from the start, where a
trigger's or function's UPDATE or DELETE that meets a lock waits where it stands and re-checks by
itself (ExecServices.rechecked_in_place), as PostgreSQL's statements do: the COPY goes on, so the
side effects no savepoint undoes (nextval(), RAISE NOTICE) happen once. A wait elsewhere in such an
attempt (a trigger's INSERT behind another's uncommitted key, its SELECT ... FOR UPDATE, the rows'
own keys) still undoes and repeats the attempt: those side effects then happen again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine.attempts import run_attempts
from quantadb.engine.results import RunInWorker
from quantadb.sql.plan import Insert

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def write_rows(session: "Session", plan: Insert, inline: bool) -> int:
    """Insert COPY's rows (`plan`); the count written. RunInWorker: run again on a worker."""
    from quantadb.engine import statements as S
    writes_once = S._writes_once(session, plan, S.plan_parts(plan), session.catalog())
    if inline and not writes_once:
        raise RunInWorker()
    return run_attempts(session, lambda: _insert(session, plan, inline), inline, undoable=not writes_once, gate=True)


def _insert(session: "Session", plan: Insert, inline: bool) -> int:
    from quantadb.engine import statements as S
    from quantadb.exec.modify import run_modify
    ctx = S.eval_context(session, [])
    ctx.services.new_row_keys = tuple(plan.row_checks.foreign_keys)  # as an INSERT's
    ctx.services.inline = inline  # (ExecServices.wait_in_statement)
    return run_modify(plan, ctx)[0]
