"""Attempts of a statement's part that run again by themselves, outside Session._run_with_retries,
so that what came before them does not: COPY FROM's write (its rows were parsed: copy_write.py)
and EXECUTE's prepared statement (its arguments were evaluated, once as in PostgreSQL:
utility.py). Each attempt that meets a lock (WouldBlock) or a row changed meanwhile (RowChanged)
is undone and run again after the wait, as Session._run_with_retries runs a statement.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Callable, TypeVar

from quantadb.engine.results import RunInWorker
from quantadb.storage.txn import RowChanged, WouldBlock

if TYPE_CHECKING:
    from quantadb.engine.session import Session

T = TypeVar("T")


def run_attempts(session: "Session", attempt: Callable[[], T], inline: bool, *, undoable: bool, gate: bool,
                 stopped: Callable[[], None] | None = None) -> T:
    """attempt() until it meets no lock nor changed row. `undoable`: it may write before it can be
    stopped, so each attempt runs under a savepoint that undoes it (else a stopped attempt wrote
    nothing: statements._writes_once). `stopped` is told first (what the attempt targeted is still
    valid then: recheck.next_attempt). Inline (on the event loop) it does not wait: RunInWorker, and
    a worker runs the statement again. `gate`: hold the database gate for each attempt, not while
    waiting (a caller inside Session._run_with_retries holds it already)."""
    txn, store, stats = session.state.txn, session.store, session.pgstat
    while True:
        token = store.savepoint(txn, internal=True) if undoable else None
        if token is not None:
            stats.subxact_begin()  # the attempt's writes, counted once it is done
        try:
            with session.db.gate.shared() if gate else nullcontext():
                try:
                    result = attempt()
                except (WouldBlock, RowChanged):
                    if stopped is not None:
                        stopped()
                    raise
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
        return result


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
