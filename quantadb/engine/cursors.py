"""Cursors: the session's portals that SQL's DECLARE and PL/pgSQL's OPEN create, one mechanism
for both (as PostgreSQL's SPI cursors are portals): a refcursor's value is a portal's name, so a
function may OPEN a cursor that the session's SQL then FETCHes, and the other way round.

A cursor's rows are materialized when it is opened (its snapshot is the opening statement's);
FETCH and MOVE move its position over them (a SQL cursor's FOR UPDATE/SHARE locks its rows as they
pass: engine/cursor_locks.py). Cursors end with their transaction (session.py),
but a SQL cursor declared WITH HOLD.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np

from quantadb.engine import statements as S
from quantadb.engine.current_of import CursorRows, current_row, latest_version, split_rows
from quantadb.engine.cursor_locks import lock_reached
from quantadb.engine.prepared import Portal, Prepared
from quantadb.engine.results import ColumnDesc, Result, RunInWorker
from quantadb.errors import InvalidCursorName, ObjectNotInPrerequisiteState, ReadOnlySqlTransaction
from quantadb.exec.columns import take_batch
from quantadb.exec.run import run_all
from quantadb.sql import plan as P
from quantadb.sql import utility as U
from quantadb.sql.cursor_rows import CursorTables
from quantadb.storage.txn import RowChanged, Snapshot, WouldBlock
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

T = TypeVar("T")


class Cursors:
    """A session's cursors, as the executor (PL/pgSQL) and the utility statements reach them."""

    def __init__(self, session: "Session") -> None:
        self.session = session
        self.unnamed = 0  # the last N of "<unnamed portal N>"
        self._attempt_opened: list[str] | None = None  # by the statement's attempt now running

    def attempt(self, run: Callable[..., T], *args: Any) -> T:
        """One attempt of a statement: when it is undone to run again (a lock wait, a row changed
        meanwhile, moved to a worker thread), so are the cursors it opened (and their names)."""
        self._attempt_opened, unnamed = None, self.unnamed
        try:
            return run(*args)
        except (WouldBlock, RowChanged, RunInWorker):
            for name in self._attempt_opened or ():
                self.session.portals.pop(name, None)
            self.unnamed = unnamed
            raise

    def exists(self, name: str) -> bool:
        return name in self.session.portals

    def open(self, name: str | None, text: str, columns: list[tuple[str, SqlType]], rows: Batch,
             scrollable: bool | None, hold: bool = False,
             rows_of: tuple[CursorTables, dict[int, int]] = (CursorTables(), {}),
             query: tuple[P.Plan, list[Any]] | None = None) -> str:
        """A cursor over `rows` (PL/pgSQL's OPEN) named `name`, which the caller found free (PL/pgSQL
        checks before it runs the query); no name: the next "<unnamed portal N>", as
        CreateNewPortal names it. `hold`: it outlives a COMMIT (a procedure's cursor FOR loop,
        which PostgreSQL makes holdable). `rows_of`: the tables whose row ids are the last columns
        of `rows` (sql/cursor_rows.py), and their generations then. `query`: the plan that made
        `rows` and its parameters, for a cursor that locks its rows as FETCH reaches them (they
        are read anew there: engine/cursor_locks.py); such a cursor is NO SCROLL unless it said
        SCROLL. Returns the name."""
        session = self.session
        rows, current_of = split_rows(session, rows, *rows_of)
        if query is not None:
            if session.state.txn.read_only:
                raise ReadOnlySqlTransaction("cannot execute SELECT FOR UPDATE in a read-only transaction")
            current_of.rerun = lambda: self._rerun(*query, *rows_of)
            scrollable = False if scrollable is None else scrollable
        columns = columns[:len(columns) - len(rows_of[0].passed)]
        if name is None:
            while True:
                self.unnamed += 1
                name = f"<unnamed portal {self.unnamed}>"
                if name not in session.portals:
                    break
        prepared = Prepared(text, S.Statement(text, plain=True, at=None), [],
                            [ColumnDesc(n, t) for n, t in columns])
        portal = Portal(prepared, query[1] if query else [], [0] * len(columns), cursor=True, hold=hold,
                        scrollable=scrollable, current_of=current_of)
        portal.rows = Result(tag=f"SELECT {rows.length}", columns=prepared.columns, batches=[rows])
        session.portals[name] = portal
        if self._attempt_opened is None:
            self._attempt_opened = []
        self._attempt_opened.append(name)
        return name

    def _rerun(self, plan: P.Plan, params: list[Any], tables: CursorTables,
               generations: dict[int, int]) -> tuple[Result, CursorRows]:
        """A PL/pgSQL cursor's query run again, on a new snapshot: its rows and their row ids."""
        batch = run_all(plan, S.eval_context(self.session, params))
        batch, found = split_rows(self.session, batch, tables, generations)
        return Result(tag=f"SELECT {batch.length}", columns=[], batches=[batch]), found

    def locks_rows(self, name: str) -> bool:
        """Does cursor `name` lock its rows as FETCH reaches them?"""
        cursor = self.session.portals.get(name)
        return cursor is not None and cursor.current_of is not None and bool(cursor.current_of.tables.lock_modes)

    def fetch(self, u: U.FetchStmt) -> tuple[Portal, Batch, int]:
        """FETCH / MOVE: the cursor, the rows fetched (none for MOVE) and how many rows it
        fetched or moved over."""
        cursor = self.session.portals.get(u.name)
        if cursor is None or cursor.rows is None:
            raise InvalidCursorName(f'cursor "{u.name}" does not exist')
        if cursor.scrollable is False and _goes_back(cursor, u):
            raise ObjectNotInPrerequisiteState("cursor can only scan forward",
                                               hint="Declare it with SCROLL option to enable backward scan.")
        if cursor.current_of is not None and cursor.current_of.tables.lock_modes:
            lock_reached(self.session, cursor, u)
        idx = _positions(cursor, u)
        if u.move:
            return cursor, Batch([], 0), len(idx)
        batch = cursor.rows.batches[0] if cursor.rows.batches else Batch([], 0)
        return cursor, take_batch(batch, idx) if batch.columns else Batch([], 0), len(idx)

    def describe_fetch(self, prepared: Prepared) -> Prepared:
        """What a portal of a prepared statement runs: for a FETCH, the statement with the rows of
        its cursor as it is at Bind (declared again over another query since the FETCH was
        parsed, or not at all), as PostgreSQL's PortalStart does (UtilityTupleDescriptor): the
        portal's RowDescription and result formats follow, while the statement keeps what its
        Parse described (a Describe of it, and of the portals bound before, show that)."""
        u = prepared.stmt.utility
        if isinstance(u, U.FetchStmt) and not u.move:
            cursor = self.session.portals.get(u.name)
            return replace(prepared, columns=cursor.prepared.columns if cursor is not None else None)
        return prepared

    def current_row(self, name: str, rel_oid: int, table: str, snapshot: Snapshot) -> np.ndarray:
        """The version of the stored row cursor `name` stands on that a statement with `snapshot`
        sees (none, or one row id), for WHERE CURRENT OF; errors as PostgreSQL's."""
        cursor = self.session.portals.get(name)
        if cursor is None:
            raise InvalidCursorName(f'cursor "{name}" does not exist')
        stored = self.session.store.table(rel_oid)
        txn = self.session.state.txn
        rowid = current_row(name, cursor.current_of, cursor.position, txn, rel_oid, table, stored.generation)
        return latest_version(rowid, stored, snapshot, self.session.store.state.txns.clog)

    def holds_row_ids(self, rel_oid: int) -> bool:
        """Does a cursor of the transaction running keep row ids of table `rel_oid`?"""
        txn = self.session.state.txn
        return txn is not None and any(
            p.current_of is not None and rel_oid in p.current_of.tables.passed and p.current_of.txn is txn
            for p in list(self.session.portals.values()))

    def close(self, name: str) -> None:
        if self.session.portals.pop(name, None) is None:
            raise InvalidCursorName(f'cursor "{name}" does not exist')

    def names(self) -> frozenset[str]:
        return frozenset(self.session.portals)

    def close_opened_since(self, before: frozenset[str]) -> None:
        """A subtransaction rolled back: the cursors opened in it are gone (AtSubAbort_Portals)."""
        portals = self.session.portals
        for name in [n for n, p in portals.items() if p.cursor and n not in before]:
            del portals[name]


def _positions(cursor: Portal, u: U.FetchStmt) -> np.ndarray:
    """The row indexes a FETCH reads, in order; moves the cursor's position (the 1-based number
    of its current row: 0 before the first, total + 1 after the last). A count of rows that runs
    out of rows leaves the cursor past that end, as PostgreSQL's; a count of 0 reads the current
    row again (RELATIVE 0)."""
    total = cursor.rows.batches[0].length if cursor.rows.batches else 0
    relative = 0 if u.count == 0 and u.absolute is None else u.relative
    if u.absolute is not None or relative is not None:
        target = cursor.position + relative if relative is not None else \
            u.absolute if u.absolute >= 0 else total + 1 + u.absolute
        cursor.position = min(max(target, 0), total + 1)
        return np.array([target - 1]) if 1 <= target <= total else np.zeros(0, dtype=np.int64)
    count = total + 1 if u.count is None else u.count  # (ALL: more than there are)
    if u.backward:
        first = min(cursor.position, total + 1) - 2
        idx = np.arange(first, max(first - count, -1), -1) if first >= 0 else np.zeros(0, dtype=np.int64)
        cursor.position = int(idx[-1]) + 1 if len(idx) == count else 0
    else:
        idx = np.arange(cursor.position, min(cursor.position + count, total))
        cursor.position = int(idx[-1]) + 1 if len(idx) == count else total + 1
    return idx


def _goes_back(cursor: Portal, u: U.FetchStmt) -> bool:
    """Would this FETCH read backward or rewind (which a NO SCROLL cursor refuses, as
    DoPortalRunFetch)? Refetching the current row (RELATIVE 0, FORWARD 0) reads it again backward."""
    if u.relative is not None:
        return u.relative <= 0
    if u.absolute is not None:
        return u.absolute < 0 or 0 < cursor.position and u.absolute <= cursor.position
    return u.backward or u.count == 0
