"""What the engine hands back to the network layers: column descriptions, row batches, tags.

The wire layer turns these into RowDescription / DataRow / CommandComplete bytes; nothing
here knows about bytes on a socket.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from quantadb.errors import SqlError

from quantadb.types.column import Batch
from quantadb.types.registry import SqlType


@dataclass(frozen=True)
class ColumnDesc:
    """One RowDescription field."""

    name: str
    type: SqlType
    table_oid: int = 0
    attnum: int = 0


class RunInWorker(Exception):
    """Raised by an engine call made with inline=True when it must not run on the event loop.

    The statement would scan a lot or wait for another transaction's lock. The engine has
    undone any effect of the attempt; the caller repeats the same call on a worker thread
    with inline=False.
    """


@dataclass
class Result:
    """The outcome of one statement (or one Execute of a portal).

    - `columns` is set for statements that return rows (even zero rows); `batches` holds them.
    - `formats` are the result format codes per column (0 text, 1 binary) from Bind.
    - `tag` is the CommandComplete tag ("SELECT 3", "INSERT 0 1", "BEGIN"); None when the
      portal was suspended because max_rows was reached (send PortalSuspended instead).
    - `durable` is set when the client must not hear of this result before the WAL is flushed
      up to the commit record: wait for the future (asyncio.wrap_future) before replying.
    - `copy_in` / `copy_out` are set for COPY FROM STDIN / TO STDOUT (see CopyIn / CopyOut).
    - `empty` marks an empty query string (EmptyQueryResponse).
    """

    tag: str | None = None
    columns: list[ColumnDesc] | None = None
    batches: list[Batch] = field(default_factory=list)
    formats: list[int] = field(default_factory=list)
    durable: Future | None = None
    copy_in: "CopyIn | None" = None
    copy_out: "CopyOut | None" = None
    empty: bool = False


class CopyIn(Protocol):
    """A COPY FROM STDIN in progress: the wire layer feeds CopyData payloads, then finishes.

    `binary` and `column_count` go into CopyInResponse. `feed` may raise an SqlError (a bad
    row: the COPY fails and keeps nothing); `finish` returns the final Result (tag "COPY n")
    and may raise RunInWorker when inline; `fail` abandons the copy (CopyFail) and returns the
    error to report.
    """

    binary: bool
    column_count: int

    def feed(self, data: bytes) -> None: ...

    def finish(self, *, inline: bool) -> Result: ...

    def fail(self, reason: str) -> SqlError: ...


@dataclass
class CopyOut:
    """A COPY TO STDOUT: `chunks` are CopyData payloads (whole rows each), then the tag."""

    binary: bool
    column_count: int
    chunks: list[bytes]
    tag: str
