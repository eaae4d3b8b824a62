"""Which stored row a cursor's current row is, for UPDATE/DELETE ... WHERE CURRENT OF.

Cursors are materialized when opened (engine/cursors.py), so a cursor that can be updated
through remembers, beside its rows, the row ids they came from: its query runs with the row ids
of its tables passed up as last columns (sql/cursor_rows.py), kept apart from the rows. As in
PostgreSQL, those are the one table of a query whose rows stand for its rows (a scan under
filters, projections, sorts and limits only), or with FOR UPDATE/SHARE each table it locks.

A row updated since is followed to its newest version along the update chain (Table.successor),
as PostgreSQL's TID scan follows t_ctid: updating the cursor's row twice works, and under READ
COMMITTED a row another transaction changed (and committed) is acted on as it is now; a deleted
row is not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import numpy as np

from quantadb.errors import InvalidCursorState, ObjectNotInPrerequisiteState, ReadOnlySqlTransaction
from quantadb.sql.cursor_rows import CursorTables, updatable_plan
from quantadb.storage.table import Table
from quantadb.storage.txn import Clog, Snapshot, Txn
from quantadb.types.column import Batch, Column

if TYPE_CHECKING:
    from quantadb.engine.prepared import Portal
    from quantadb.engine.results import Result
    from quantadb.engine.session import Session
    from quantadb.engine.statements import Bound

_MAX_HOPS = 100_000  # versions of one row followed at most (a guard: each hop moves to a later row id)


@dataclass
class CursorRows:
    """A cursor's rows as rows of tables: per reference to a table (sql/cursor_rows.py's
    CursorTables.passed, numbered in order), each row's row id; and each table's generation when
    read (a VACUUM renumbers rows)."""

    tables: CursorTables
    rowids: dict[int, np.ndarray]
    generations: dict[int, int]
    txn: Txn | None  # the transaction that opened it: in a later one (WITH HOLD), not updatable
    # rows whose locks FETCH takes (tables.lock_modes, engine/cursor_locks.py): how many of the
    # first rows are locked, and the cursor's query again, on a new snapshot, with its row ids
    locked_upto: int = 0
    rerun: "Callable[[], tuple[Result, CursorRows]] | None" = None
    # the query's LIMIT and OFFSET (tables.limit) as the first FETCH found them: rows to keep, to skip
    limit: "tuple[int | None, int] | None" = None


def declared_rows(session: "Session", cursor: "Portal", bound: "Bound") -> "Result":
    """A DECLAREd cursor's rows, its row ids kept in `cursor.current_of`. Rows it locks (FOR
    UPDATE/SHARE) are locked as FETCH reaches them; such a cursor is NO SCROLL unless declared
    SCROLL (which DECLARE refuses), as PostgreSQL's PerformCursorOpen makes it."""
    from quantadb.engine import statements as S
    plan, tables = updatable_plan(bound.plan, session.catalog())
    if tables.lock_modes and session.state.txn.read_only:  # (checked where the locks were taken)
        raise ReadOnlySqlTransaction("cannot execute SELECT FOR UPDATE in a read-only transaction")
    generations = {oid: session.store.table(oid).generation for oid in tables.passed}
    run = replace(bound, plan=plan, point=None, write=None) if tables.passed else bound

    def rows() -> tuple["Result", CursorRows]:
        result = S.execute(session, cursor, False, run)
        batch, found = split_rows(session, result.batches[0], tables, generations)
        return replace(result, batches=[batch]), found
    result, cursor.current_of = rows()
    if tables.lock_modes:
        cursor.current_of.rerun = rows
    if tables.locked and cursor.scrollable is None:
        cursor.scrollable = False
    return result


def split_rows(session: "Session", batch: Batch, tables: CursorTables,
               generations: dict[int, int]) -> tuple[Batch, CursorRows]:
    """A cursor's rows as `updatable_plan`'s plan gave them (reading its tables at `generations`):
    without their row ids, and those."""
    n = len(tables.passed)
    rowids = {k: _row_ids(col) for k, col in enumerate(batch.columns[len(batch.columns) - n:])}
    if n:
        batch = Batch(batch.columns[:-n], batch.length)
    return batch, CursorRows(tables, rowids, generations, session.state.txn)


def _row_ids(column: Column) -> np.ndarray:
    """A row-id column as int64s, -1 where NULL (an outer join's row without one: no row)."""
    rowids = column.data.astype(np.int64)
    return rowids if column.valid is None else np.where(column.valid, rowids, -1)


def current_row(name: str, rows: CursorRows | None, position: int, txn: Txn | None, rel_oid: int, table: str,
                generation: int) -> int:
    """The row id of the cursor's current row in table `rel_oid` (before following updates), or
    PostgreSQL's error (execCurrentOf's checks, in its order); `generation`: the table's now."""
    if rows is None:
        raise InvalidCursorState(f'cursor "{name}" is not a SELECT query')
    if rows.txn is not txn:
        raise InvalidCursorState(f'cursor "{name}" is held from a previous transaction')
    locked = rows.tables.locked
    if rel_oid in rows.tables.locked_twice:
        raise InvalidCursorState(f'cursor "{name}" has multiple FOR UPDATE/SHARE references to table "{table}"')
    if locked and rel_oid not in locked:
        raise InvalidCursorState(f'cursor "{name}" does not have a FOR UPDATE/SHARE reference to table "{table}"')
    # (the reference it locks, where a self-join reads the table twice)
    refs = sorted((k not in rows.tables.lock_modes, k) for k, oid in enumerate(rows.tables.passed) if oid == rel_oid)
    found = rows.rowids[refs[0][1]] if refs else None
    if found is None:
        raise InvalidCursorState(f'cursor "{name}" is not a simply updatable scan of table "{table}"')
    if not 1 <= position <= len(found):
        raise InvalidCursorState(f'cursor "{name}" is not positioned on a row')
    if generation != rows.generations[rel_oid]:
        raise ObjectNotInPrerequisiteState(f'cursor "{name}" lost its rows\' places to a VACUUM of table "{table}"')
    return int(found[position - 1])  # (-1: none)


def latest_version(rowid: int, table: Table, snapshot: Snapshot, clog: Clog) -> np.ndarray:
    """The version of the row `rowid` the statement sees (none: it was deleted): it, or the
    newest of the versions it was replaced by since (this transaction's, or another's that
    committed)."""
    for _ in range(_MAX_HOPS if rowid >= 0 else 0):
        if table.row_visible(snapshot, rowid):
            return np.array([rowid], dtype=np.int64)
        following = table.successor(rowid, clog)
        if following is None:
            break
        rowid = following
    return np.zeros(0, dtype=np.int64)
