"""COPY FROM's write: the INSERT of all its rows (planned once by CopyFromStdin), attempted until it
meets no lock (WouldBlock) nor a row changed meanwhile (RowChanged), waiting in between, as
Session._run_with_retries runs a statement.

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

from quantadb.engine.results import RunInWorker
from quantadb.sql.plan import Insert
from quantadb.storage.txn import RowChanged, WouldBlock

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def write_rows(session: "Session", plan: Insert, inline: bool) -> int:
    """Insert COPY's rows (`plan`); the count written. RunInWorker: run again on a worker."""
    from quantadb.engine import statements as S
    writes_once = S._writes_once(session, plan, S.plan_parts(plan), session.catalog())
    if inline and not writes_once:
        raise RunInWorker()
    txn, store, stats = session.state.txn, session.store, session.pgstat
    while True:
        token = None if writes_once else store.savepoint(txn, internal=True)
        if token is not None:
            stats.subxact_begin()  # the attempt's writes, counted once it is done
        try:
            with session.db.gate.shared():
                count = _insert(session, plan, inline)
        except (WouldBlock, RowChanged) as exc:
            _undo(session, token, None)
            if inline:
                raise RunInWorker() from None
            if isinstance(exc, WouldBlock):
                session.wait_for(txn, exc.on)
            continue
        except BaseException as exc:
            _undo(session, token, exc)
            raise
        if token is not None:
            store.release(txn, token)
            stats.subxact_end(len(stats.levels) - 1, committed=True)
        return count


def _insert(session: "Session", plan: Insert, inline: bool) -> int:
    from quantadb.engine import statements as S
    from quantadb.exec.modify import run_modify
    ctx = S.eval_context(session, [])
    ctx.services.new_row_keys = tuple(plan.row_checks.foreign_keys)  # as an INSERT's
    ctx.services.inline = inline  # (ExecServices.wait_in_statement)
    return run_modify(plan, ctx)[0]


def _undo(session: "Session", token: int | None, error: BaseException | None) -> None:
    """Undo an attempt's savepoint level: an attempt stopped to run again (`error` None, or
    RunInWorker) never was; one that failed counts its writes as rolled back."""
    if token is None:
        return
    stats, txn = session.pgstat, session.state.txn
    if error is None or isinstance(error, RunInWorker):
        stats.subxact_discard()
    else:
        stats.subxact_end(len(stats.levels) - 1, committed=False)
    session.store.rollback_to(txn, token)
    session.store.release(txn, token)
