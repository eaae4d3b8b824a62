"""engine/cursors.py's Cursors.attempt: a statement's attempt that is undone to run again (a lock
wait, a row changed, a move to a worker thread) takes back the cursors it opened, so that the
next attempt's OPEN finds its name free and unnamed portals are numbered as if it ran once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from quantadb.engine.cursors import Cursors
from quantadb.engine.results import RunInWorker
from quantadb.storage.txn import WouldBlock
from quantadb.types.column import Batch


def _cursors() -> Cursors:
    return Cursors(SimpleNamespace(portals={}, state=SimpleNamespace(txn=None)))  # (a cursor notes its transaction)


def _open_then(cursors: Cursors, error: Exception | None) -> str:
    name = cursors.open(None, "SELECT 1", [], Batch([], 0), None)
    cursors.open("named", "SELECT 2", [], Batch([], 0), None)
    if error is not None:
        raise error
    return name


@pytest.mark.parametrize("error", [WouldBlock(on=1), RunInWorker()])
def test_an_undone_attempt_takes_back_its_cursors(error):
    cursors = _cursors()
    cursors.attempt(lambda: cursors.open("before", "SELECT 0", [], Batch([], 0), None))
    with pytest.raises(type(error)):
        cursors.attempt(_open_then, cursors, error)
    assert set(cursors.session.portals) == {"before"}
    assert cursors.attempt(_open_then, cursors, None) == "<unnamed portal 1>"
    assert set(cursors.session.portals) == {"before", "<unnamed portal 1>", "named"}


def test_a_failed_statement_keeps_them_until_its_transaction_ends():
    cursors = _cursors()
    with pytest.raises(ZeroDivisionError):
        cursors.attempt(lambda: (_open_then(cursors, None), 1 / 0))
    assert set(cursors.session.portals) == {"<unnamed portal 1>", "named"}
