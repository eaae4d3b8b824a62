"""The row locks of a SQL cursor of SELECT ... FOR UPDATE/SHARE, taken as FETCH and MOVE first
pass over its rows, as PostgreSQL's LockRows under the cursor's portal locks each row the portal
reads: another session may change a row the cursor has not reached yet.

The cursor's rows were read, unlocked, when it was declared (engine/current_of.py); the first
`locked_upto` of them are locked. Such a cursor moves forward only (NO SCROLL), so a FETCH locks
the rows it reaches in order, and a row left out is one the cursor never returned:
- a row another transaction holds makes the FETCH wait (WouldBlock: the statement is attempted
  again once that transaction ended, the rows locked so far still locked); NOWAIT fails (55P03),
  SKIP LOCKED leaves the row out;
- a row this transaction changed since the cursor was declared is left out (PostgreSQL's
  TM_SelfModified: LockRows passes over it);
- a row another transaction changed and committed is, under READ COMMITTED, read as the cursor's
  query reads it now: its newest version where the query still returns it, else left out
  (PostgreSQL's EvalPlanQual; here the query runs again on a new snapshot, where its other
  tables are read too). REPEATABLE READ fails with 40001 (the store raises it).
A table the cursor reads twice (a self-join) is locked per reference. The query's LIMIT and OFFSET
count the rows locked (PostgreSQL's Limit over its LockRows): the first FETCH locks and passes over
the OFFSET's rows, and the rows the cursor holds end once the LIMIT's are locked, so a row left out
leaves room for the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from quantadb.engine.current_of import CursorRows, latest_version
from quantadb.exec.columns import concat_batches, take_batch
from quantadb.exec.run import limit_and_offset
from quantadb.sql import utility as U
from quantadb.storage.txn import RowChanged
from quantadb.types.column import Batch

if TYPE_CHECKING:
    from quantadb.engine.prepared import Portal
    from quantadb.engine.services import ExecServices
    from quantadb.engine.session import Session


def lock_reached(session: "Session", cursor: "Portal", u: U.FetchStmt) -> None:
    """Lock the rows FETCH/MOVE `u` passes over that are not locked yet (the cursor's rows change
    where rows are left out or read anew)."""
    rows: CursorRows = cursor.current_of
    services = None
    if rows.tables.limit is not None and rows.limit is None:
        from quantadb.engine.statements import eval_context
        ctx = eval_context(session, cursor.params)
        services, limit = ctx.services, rows.tables.limit
        rows.limit = limit_and_offset(limit.limit, limit.offset, ctx)
    if rows.limit is not None and rows.limit[1]:  # (an OFFSET not passed over yet: also after a wait)
        count, offset = rows.limit
        if count != 0:  # (a LIMIT 0 reads no row, as PostgreSQL's)
            _lock_upto(session, cursor, services, lambda: offset)
            _drop_after(cursor, offset, keep_first=False)
        rows.limit = (count, 0)
    _lock_upto(session, cursor, services, lambda: _reach(cursor, u))
    if rows.limit is not None and rows.limit[0] is not None and rows.locked_upto >= rows.limit[0]:
        _drop_after(cursor, rows.limit[0], keep_first=True)


def _lock_upto(session: "Session", cursor: "Portal", services: "ExecServices | None", end: Callable[[], int]) -> None:
    """Lock the cursor's rows until the first `end()` of them are locked, or none is left."""
    rows: CursorRows = cursor.current_of
    while rows.locked_upto < min(end(), _batch(cursor).length):
        if services is None:
            from quantadb.engine.statements import eval_context
            services = eval_context(session, cursor.params).services
        if not _lock_unchanged(session, cursor, services, min(end(), _batch(cursor).length)):
            _lock_next(session, cursor, services)


def _drop_after(cursor: "Portal", n: int, keep_first: bool) -> None:
    """Keep only the cursor's first `n` rows (`keep_first`), or only those after them (an OFFSET's
    locked rows, passed over)."""
    rows: CursorRows = cursor.current_of
    batch = _batch(cursor)
    keep = np.arange(batch.length) < n if keep_first else np.arange(batch.length) >= n
    cursor.rows.batches[0] = take_batch(batch, keep) if batch.columns else Batch([], int(keep.sum()))
    rows.rowids = {k: ids[keep] for k, ids in rows.rowids.items()}
    rows.locked_upto = min(rows.locked_upto, n) if keep_first else max(rows.locked_upto - n, 0)


def _lock_unchanged(session: "Session", cursor: "Portal", services: "ExecServices", end: int) -> bool:
    """Lock the cursor's rows up to `end` at once, one call a table, when none was changed since
    the cursor read them (the usual case, without NOWAIT / SKIP LOCKED); False: one at a time."""
    rows: CursorRows = cursor.current_of
    start, modes = rows.locked_upto, rows.tables.lock_modes
    if end - start < 2 or any(mode.endswith((" nowait", " skip locked")) for mode in modes.values()):
        return False
    wanted = {}
    for k in modes:
        rowids = rows.rowids[k][start:end]
        wanted[k] = rowids = rowids[rowids >= 0]
        if session.store.table(rows.tables.passed[k]).gather_mvcc(rowids)[1].any():
            return False
    try:
        for k, mode in modes.items():
            services.lock_rows(rows.tables.passed[k], wanted[k], mode)
    except RowChanged:  # (changed meanwhile: nothing of that table was locked)
        return False
    rows.locked_upto = end
    return True


def _reach(cursor: "Portal", u: U.FetchStmt) -> int:
    """How many of the cursor's rows, from the first, a forward FETCH/MOVE `u` passes over."""
    total = _batch(cursor).length
    limit = cursor.current_of.limit
    if limit is not None and limit[0] is not None:
        total = min(total, limit[0])
    if u.absolute is not None:
        end = total if u.absolute < 0 else u.absolute
    elif u.relative is not None:
        end = cursor.position + u.relative
    elif u.backward or u.count == 0:
        end = 0
    else:
        end = total if u.count is None else cursor.position + u.count
    return min(end, total)


def _lock_next(session: "Session", cursor: "Portal", services: "ExecServices") -> None:
    """Lock the first row not locked yet in each table the cursor locks; or leave it out, or
    read it anew (it is locked on the next call)."""
    rows: CursorRows = cursor.current_of
    i, own = rows.locked_upto, session.state.txn.own
    for k, mode in rows.tables.lock_modes.items():
        oid, rowid = rows.tables.passed[k], int(rows.rowids[k][i])
        if rowid < 0:
            continue
        xmax = session.store.table(oid).xmin_xmax(rowid)[1]
        if xmax and xmax in own:  # changed by this transaction since the cursor read it
            _leave_out(cursor, i)
            return
        try:
            if not services.lock_rows(oid, np.array([rowid], dtype=np.int64), mode)[0]:
                _leave_out(cursor, i)  # SKIP LOCKED
                return
        except RowChanged:
            _read_again(session, cursor, i)
            return
    rows.locked_upto = i + 1


def _read_again(session: "Session", cursor: "Portal", i: int) -> None:
    """Row `i` of the cursor as its query returns it now (READ COMMITTED), or left out: its locked
    rows' newest versions, found in the query's rows on a new snapshot that sees those same
    versions, beside its other tables' rows (as read, or their newest versions there)."""
    rows: CursorRows = cursor.current_of
    store = session.store
    clog = store.state.txns.clog

    def newest() -> dict[int, tuple[int, ...]] | None:
        snapshot = store.snapshot(session.state.txn)
        versions = {}
        for k, rowids in rows.rowids.items():
            rowid = int(rowids[i])
            found = latest_version(rowid, store.table(rows.tables.passed[k]), snapshot, clog)
            if k in rows.tables.lock_modes:
                if not len(found):
                    return None  # deleted
                versions[k] = (int(found[0]),)
            else:
                versions[k] = (rowid, *found.tolist())
        return versions
    while True:
        versions = newest()
        if versions is None:
            _leave_out(cursor, i)
            return
        result, again = rows.rerun()
        if newest() == versions:  # (else another commit came between: read once more)
            break
    match = np.ones(result.batches[0].length, dtype=bool)
    for k, rowids in versions.items():
        match &= np.isin(again.rowids[k], rowids)
    found = np.flatnonzero(match)
    if not len(found):
        _leave_out(cursor, i)  # no longer returned by the query
        return
    j = int(found[0])
    batch = _batch(cursor)
    parts = [take_batch(batch, np.arange(i)), take_batch(result.batches[0], np.array([j])),
             take_batch(batch, np.arange(i + 1, batch.length))]
    cursor.rows.batches[0] = concat_batches(parts, [c.type.pg.dtype for c in cursor.prepared.columns])
    rows.rowids = {k: np.concatenate([ids[:i], again.rowids[k][j:j + 1], ids[i + 1:]])
                   for k, ids in rows.rowids.items()}


def _leave_out(cursor: "Portal", i: int) -> None:
    """The cursor's row `i` is not one of its rows."""
    rows: CursorRows = cursor.current_of
    batch = _batch(cursor)
    keep = np.ones(batch.length, dtype=bool)
    keep[i] = False
    cursor.rows.batches[0] = take_batch(batch, keep) if batch.columns else Batch([], batch.length - 1)
    rows.rowids = {k: ids[keep] for k, ids in rows.rowids.items()}


def _batch(cursor: "Portal") -> Batch:
    return cursor.rows.batches[0]
