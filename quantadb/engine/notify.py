"""Asynchronous notifications: LISTEN, UNLISTEN, NOTIFY and pg_notify(), as PostgreSQL's async.c.

A session's LISTEN and UNLISTEN and its notifications are queued in its transaction
(SessionNotify) and take effect only when it commits: the channels it listens on change then,
and once the commit is durable (its changes visible to whoever reads after being told) its
notifications go to every session of the same database listening on their channels, the
sender too. Within a transaction a (channel, payload) pair is sent once, in the order first
sent; a savepoint rolled back takes back what was queued after it.

The NotifyHub (one per node) holds who listens; delivering a notification only appends it to
the listener's inbox and calls its `wake` hook, which the network layer sets: it sends the
inbox as NotificationResponse messages when its session is outside a transaction, at once if
the connection is idle, else before its next ReadyForQuery (wire/connection.py, wire/messages.py).
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable

import numpy as np

from quantadb.errors import InvalidParameterValue, ReadOnlySqlTransaction
from quantadb.exec.columns import column_values, const_column, from_values
from quantadb.exec.functions import scalar, setfn
from quantadb.sql.functions.signature import add_function
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

NAMEDATALEN = 64  # a channel name is an identifier: at most 63 bytes
NOTIFY_PAYLOAD_MAX_LENGTH = 8000  # PostgreSQL's (BLCKSZ - NAMEDATALEN - 128 bytes, counting the NUL)


@dataclass(frozen=True)
class Notification:
    pid: int  # the notifying session's pg_backend_pid()
    channel: str
    payload: str


class NotifyHub:
    """The node's listening sessions by (database OID, channel); thread-safe (commits end on
    worker threads and on the WAL flusher's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[tuple[int, str], dict[int, "SessionNotify"]] = {}

    def session(self, database_oid: int, pid: int) -> "SessionNotify":
        return SessionNotify(self, database_oid, pid)

    def listen(self, listener: "SessionNotify", channel: str) -> None:
        with self._lock:
            self._listeners.setdefault((listener.database_oid, channel), {})[listener.pid] = listener

    def unlisten(self, listener: "SessionNotify", channel: str) -> None:
        with self._lock:
            key = (listener.database_oid, channel)
            sessions = self._listeners.get(key)
            if sessions is not None:
                sessions.pop(listener.pid, None)
                if not sessions:
                    del self._listeners[key]

    def publish(self, database_oid: int, pid: int, notes: list[tuple[str, str]]) -> None:
        """One committed transaction's notifications, to their listeners: under the lock, so
        that every listener gets each transaction's together and transactions in one order."""
        woken: dict[int, SessionNotify] = {}
        with self._lock:
            for channel, payload in notes:
                sessions = self._listeners.get((database_oid, channel))
                if sessions:
                    note = Notification(pid, channel, payload)
                    for listener in sessions.values():
                        listener.inbox.append(note)
                        woken[listener.pid] = listener
        for listener in woken.values():
            if listener.wake is not None:
                listener.wake()


class SessionNotify:
    """One session's LISTEN state, its transaction's queued actions and notifications, and
    its inbox of notifications not yet sent to its client."""

    def __init__(self, hub: NotifyHub, database_oid: int, pid: int) -> None:
        self.hub = hub
        self.database_oid = database_oid
        self.pid = pid
        self.channels: dict[str, None] = {}  # listened on (committed), in LISTEN order: pg_listening_channels()
        self.inbox: deque[Notification] = deque()
        self.wake: Callable[[], None] | None = None  # set by the network layer; called from any thread
        self._actions: list[tuple[bool, str | None]] = []  # (listen?, channel; None: UNLISTEN *), in order
        self._pending: dict[tuple[str, str], None] = {}  # this transaction's notifications, first sending's order
        self._marks: list[tuple[int, int]] = []  # (actions, pending) queued when each open savepoint began
        self._committing: list[tuple[str, str]] = []  # a committed transaction's, until durable

    # -- statements ------------------------------------------------------------------------------

    def listen(self, channel: str, read_only_node: bool) -> None:
        if read_only_node:  # as a hot standby (UNLISTEN is allowed there: it does nothing)
            raise ReadOnlySqlTransaction("cannot execute LISTEN during recovery")
        self._actions.append((True, _checked(channel)))

    def unlisten(self, channel: str | None) -> None:
        self._actions.append((False, None if channel is None else _checked(channel)))

    def notify(self, channel: str | None, payload: str | None, read_only_node: bool) -> None:
        if read_only_node:
            raise ReadOnlySqlTransaction("cannot execute NOTIFY during recovery")
        if not channel:
            raise InvalidParameterValue("channel name cannot be empty")
        channel, payload = _checked(channel), payload or ""  # no payload and '' are one
        if len(payload.encode("utf-8")) >= NOTIFY_PAYLOAD_MAX_LENGTH:
            raise InvalidParameterValue("payload string too long")
        self._pending.setdefault((channel, payload))

    def listening(self) -> list[str]:
        return list(self.channels)

    # -- transaction end ---------------------------------------------------------------------------

    def subxact_begin(self) -> None:
        self._marks.append((len(self._actions), len(self._pending)))

    def subxact_end(self, depth: int, committed: bool) -> None:
        """The savepoint levels from `depth` (1: the first's) end: released, their queue stays
        the transaction's; rolled back, what they queued is dropped."""
        if len(self._marks) < depth:
            return
        actions, pending = self._marks[depth - 1]
        del self._marks[depth - 1:]
        if not committed:
            del self._actions[actions:]
            if len(self._pending) > pending:
                self._pending = dict.fromkeys(list(self._pending)[:pending])

    def transaction_ended(self, committed: bool) -> None:
        """Committed: the LISTEN/UNLISTEN take effect, the notifications wait for `commit_durable`."""
        self._committing = []  # (a commit that failed before its WAL record was written sent none)
        actions, pending = self._actions, self._pending
        if not actions and not pending and not self._marks:
            return
        self._actions, self._pending, self._marks = [], {}, []
        if not committed:
            return
        for listen, channel in actions:
            if listen:
                self._listen_now(channel)
            else:
                self._unlisten_now(channel)
        self._committing = list(pending)

    def commit_durable(self, durable: Future | None) -> None:
        """The transaction's commit was issued (`durable`: its WAL flush, None if made already):
        its notifications go out once it is durable, none if the flush failed."""
        if not self._committing:
            return
        notes, self._committing = self._committing, []
        if durable is None:
            self.hub.publish(self.database_oid, self.pid, notes)
            return

        def flushed(done: Future) -> None:
            if done.exception() is None:
                self.hub.publish(self.database_oid, self.pid, notes)
        durable.add_done_callback(flushed)

    def close(self) -> None:
        """The session ends: it stops listening."""
        self._unlisten_now(None)
        self.inbox.clear()
        self.wake = None

    def _listen_now(self, channel: str) -> None:
        if channel not in self.channels:
            self.channels[channel] = None
            self.hub.listen(self, channel)

    def _unlisten_now(self, channel: str | None) -> None:
        for name in list(self.channels) if channel is None else [channel]:
            if name in self.channels:
                del self.channels[name]
                self.hub.unlisten(self, name)


def _checked(channel: str) -> str:
    if len(channel.encode("utf-8")) >= NAMEDATALEN:
        raise InvalidParameterValue("channel name too long")
    return channel


# -- SQL functions ---------------------------------------------------------------------------------

add_function("pg_notify", (R.TEXT, R.TEXT), R.VOID, "pg_notify", volatile=True, strict=False)
add_function("pg_listening_channels", (), R.TEXT, "pg_listening_channels", volatile=True, kind="s")


@scalar("pg_notify")
def _pg_notify(args, n, ctx, call):
    session = ctx.session
    for channel, payload in zip(column_values(args[0]), column_values(args[1])):
        session.notifications.notify(channel, payload, session.db.read_only)
    return const_column("", SqlType(R.VOID), n)


@setfn("pg_listening_channels")
def _pg_listening_channels(args, n, ctx, call):
    channels = ctx.session.notifications.listening()
    sources = np.repeat(np.arange(n, dtype=np.int64), len(channels))
    return sources, [from_values(channels * n, SqlType(R.TEXT))]
