"""engine/notify.py on its own: a session's queue at commit, rollback and savepoints, and what a
replica (a hot standby in PostgreSQL) refuses. The real clients' view is tests/wire/test_notify.py."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from quantadb.engine.notify import Notification, NotifyHub
from quantadb.errors import ReadOnlySqlTransaction


def _pair() -> tuple:
    hub = NotifyHub()
    return hub.session(1, 10), hub.session(1, 20)


def _commit(session, durable: Future | None = None) -> None:
    session.transaction_ended(committed=True)
    session.commit_durable(durable)


def test_sent_once_the_commit_is_durable_and_never_if_it_fails():
    listener, sender = _pair()
    listener.listen("c", read_only_node=False)
    _commit(listener)
    woken = []
    listener.wake = lambda: woken.append(1)
    sender.notify("c", "a", read_only_node=False)
    flushed = Future()
    _commit(sender, flushed)
    assert not listener.inbox
    flushed.set_result(None)
    assert list(listener.inbox) == [Notification(20, "c", "a")] and woken == [1]
    sender.notify("c", "b", read_only_node=False)
    failed = Future()
    _commit(sender, failed)
    failed.set_exception(OSError("fsync failed"))
    assert len(listener.inbox) == 1


def test_savepoints_take_back_what_they_queued():
    listener, sender = _pair()
    listener.listen("c", read_only_node=False)
    _commit(listener)
    sender.notify("c", "1", read_only_node=False)
    sender.subxact_begin()
    sender.notify("c", "1", read_only_node=False)  # queued already: not again
    sender.notify("c", "2", read_only_node=False)
    sender.subxact_begin()
    sender.notify("c", "3", read_only_node=False)
    sender.subxact_end(2, committed=True)
    sender.subxact_end(1, committed=False)
    sender.notify("c", "4", read_only_node=False)
    _commit(sender)
    assert [n.payload for n in listener.inbox] == ["1", "4"]


def test_a_replica_refuses_listen_and_notify_not_unlisten():
    session, _ = _pair()
    with pytest.raises(ReadOnlySqlTransaction, match="cannot execute LISTEN during recovery"):
        session.listen("c", read_only_node=True)
    with pytest.raises(ReadOnlySqlTransaction, match="cannot execute NOTIFY during recovery"):
        session.notify("c", "", read_only_node=True)
    session.unlisten(None)


def test_a_closed_session_listens_no_more():
    listener, sender = _pair()
    listener.listen("c", read_only_node=False)
    _commit(listener)
    listener.close()
    sender.notify("c", "", read_only_node=False)
    _commit(sender)
    assert not listener.inbox and listener.listening() == []
