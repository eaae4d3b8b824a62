"""Which stored row a cursor's current row is, for UPDATE/DELETE ... WHERE CURRENT OF.

Cursors are materialized when opened (engine/cursors.py), so a cursor that can be updated
through remembers, beside its rows, the row ids they came from: its query runs with the row ids
of its tables passed up as last columns (sql/cursor_rows.py), kept apart from the rows. As in
PostgreSQL, those are the one table of a query whose rows stand for its rows (a scan under
filters, projections, sorts and limits only), or with FOR UPDATE/SHARE each table it locks.

A row updated since is followed to its newest version, as PostgreSQL's TID scan follows the
update chain: updating the cursor's row twice works, and under READ COMMITTED a row another
transaction changed (and committed) is acted on as it is now. Row versions keep no link to
their successors here: this transaction's updates are recorded while such a cursor is open
(`RowMoves`); another's new version is found among the versions it wrote (`_successor`),
by the row's unique key where it wrote several; without one it is not found, and the statement
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from quantadb.errors import InvalidCursorState, ObjectNotInPrerequisiteState
from quantadb.sql.cursor_rows import CursorTables, updatable_plan
from quantadb.storage.table import Table
from quantadb.storage.txn import Snapshot, Txn
from quantadb.types.column import Batch, Column

if TYPE_CHECKING:
    from quantadb.engine.prepared import Portal
    from quantadb.engine.results import Result
    from quantadb.engine.session import Session
    from quantadb.engine.statements import Bound

_MAX_HOPS = 100_000  # versions of one row followed at most (a guard: each hop moves to a later row id)


@dataclass
class CursorRows:
    """A cursor's rows as rows of tables: per table (sql/cursor_rows.py's CursorTables), each
    row's row id, and the table's generation when read (a VACUUM renumbers rows)."""

    tables: CursorTables
    rowids: dict[int, np.ndarray]
    generations: dict[int, int]
    txn: Txn | None  # the transaction that opened it: in a later one (WITH HOLD), not updatable


class RowMoves:
    """One transaction's updates of rows of the tables its cursors keep row ids of: which version
    replaced which (one-row updates in a dict, larger ones as sorted arrays, one pair each)."""

    def __init__(self, txn: Txn | None) -> None:
        self.txn = txn
        self.tables: set[int] = set()
        self._single: dict[tuple[int, int], int] = {}
        self._bulk: list[tuple[int, np.ndarray, np.ndarray]] = []

    def record(self, rel_oid: int, old: np.ndarray, new: np.ndarray) -> None:
        """Rows `old` of table `rel_oid` were replaced by `new` (in step; not when some were skipped)."""
        if rel_oid not in self.tables or len(old) != len(new) or not len(old):
            return
        if len(old) == 1:
            self._single[(rel_oid, int(old[0]))] = int(new[0])
        else:
            order = np.argsort(old, kind="stable")
            self._bulk.append((rel_oid, np.asarray(old)[order], np.asarray(new)[order]))

    def following(self, rel_oid: int, rowid: int) -> int | None:
        """The version that replaced row `rowid`, if this transaction replaced it."""
        found = self._single.get((rel_oid, rowid))
        if found is not None:
            return found
        for oid, old, new in self._bulk:
            i = int(np.searchsorted(old, rowid)) if oid == rel_oid else len(old)
            if i < len(old) and old[i] == rowid:
                return int(new[i])
        return None


def declared_rows(session: "Session", cursor: "Portal", bound: "Bound") -> "Result":
    """A DECLAREd cursor's rows, its row ids kept in `cursor.current_of`."""
    from quantadb.engine import statements as S
    plan, tables = updatable_plan(bound.plan)
    generations = {oid: session.store.table(oid).generation for oid in tables.passed}
    result = S.execute(session, cursor, False, replace(bound, plan=plan, point=None, write=None)
                       if tables.passed else bound)
    rows, cursor.current_of = split_rows(session, result.batches[0], tables, generations)
    return replace(result, batches=[rows])


def split_rows(session: "Session", batch: Batch, tables: CursorTables,
               generations: dict[int, int]) -> tuple[Batch, CursorRows]:
    """A cursor's rows as `updatable_plan`'s plan gave them (reading its tables at `generations`):
    without their row ids, and those."""
    n = len(tables.passed)
    rowids = {oid: _row_ids(col) for oid, col in zip(tables.passed, batch.columns[len(batch.columns) - n:])}
    if n:
        session.cursors.track_moves(tables.passed)
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
    found = rows.rowids.get(rel_oid)
    if found is None:
        raise InvalidCursorState(f'cursor "{name}" is not a simply updatable scan of table "{table}"')
    if not 1 <= position <= len(found):
        raise InvalidCursorState(f'cursor "{name}" is not positioned on a row')
    if generation != rows.generations[rel_oid]:
        raise ObjectNotInPrerequisiteState(f'cursor "{name}" lost its rows\' places to a VACUUM of table "{table}"')
    return int(found[position - 1])  # (-1: none)


def latest_version(rowid: int, rel_oid: int, table: Table, snapshot: Snapshot, moves: RowMoves | None,
                   unique_keys: Callable[[], list[tuple[int, ...]]]) -> np.ndarray:
    """The version of the row `rowid` the statement sees (none: it was deleted): it, or the
    newest of the versions it was replaced by since, this transaction's (`moves`) or, where
    `_successor` finds it, another's that committed (PostgreSQL follows the update chain)."""
    for _ in range(_MAX_HOPS if rowid >= 0 else 0):
        if table.row_visible(snapshot, rowid):
            return np.array([rowid], dtype=np.int64)
        following = moves.following(rel_oid, rowid) if moves is not None else None
        if following is None:
            following = _successor(table, rowid, unique_keys)
        if following is None:
            break
        rowid = following
    return np.zeros(0, dtype=np.int64)


def _successor(table: Table, rowid: int, unique_keys: Callable[[], list[tuple[int, ...]]]) -> int | None:
    """The version the transaction that ended row `rowid`'s version wrote in its place: of the
    versions it wrote since, the only one, or the only one with the row's unique key; none when
    it deleted the row (or which it is cannot be told: no unique key, several versions)."""
    xmax = table.xmin_xmax(rowid)[1]
    candidates = table.versions_by(xmax, rowid).tolist() if xmax else []
    if len(candidates) > 1:
        for attnums in unique_keys():
            key = table.row_values(rowid, list(attnums))
            if None not in key:
                candidates = [r for r in candidates if table.row_values(r, list(attnums)) == key]
                break
    return candidates[0] if len(candidates) == 1 else None
