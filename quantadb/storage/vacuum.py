"""VACUUM: drop row versions no snapshot can see, freeze the rest, compact, rebuild indexes.

Deterministic given the state and the record's horizon, so the VACUUM record replays
identically on a replica: every xid below the horizon ended before the record was logged,
and its commit/abort record precedes the VACUUM record in the WAL.

- dead: xmin aborted, or xmax committed below the horizon;
- frozen: xmin committed below the horizon -> FrozenTransactionId (a segment whose rows are
  all frozen and undeleted skips visibility checks);
- an aborted xmax is cleared.
A table with dead rows is rewritten in row order (row ids change: `Table.generation` is
bumped), its indexes are rebuilt and its update chain renumbered (the links from or to a removed
version dropped); catalog versions that are dead are forgotten.

Compaction renumbers rows, so statements are held out while the record is applied
(engine/maintenance.py). To keep that short the primary copies rows beforehand, while
statements run (`prepare_compaction`): full segments' columns no longer change, so it copies
their rows not dead at its horizon, and builds numeric indexes' bases over them. Apply uses
that copy only if it would copy exactly that (same segments and types, same rows to keep: rows
inserted by a transaction running then and aborted since make it differ), sets the copied
rows' xmin/xmax then and copies the rest; else it copies everything, as without a plan. Either
way the result is what a replica or recovery, which have no plan, make of the same record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from quantadb.types.column import Column, null_column
from quantadb.types.registry import SqlType

from .table import Segment, Table
from .txn import ABORTED, COMMITTED, FROZEN_XID, INVALID_XID

log = logging.getLogger("quantadb.storage")


@dataclass
class CompactionPlan:
    """A VACUUM's copy of a table's full segments, made before the VACUUM record (see above)."""

    oid: int
    horizon: int
    generation: int
    types: list[SqlType]
    segments: list[Segment]  # the copied segments, the table's first ones
    keep: list[np.ndarray]  # per copied segment: its rows not dead at `horizon`
    fresh: Table  # their kept rows' columns; xmin/xmax are set when the record is applied
    rows: int  # how many rows `fresh` holds
    bases: dict[int, tuple[np.ndarray, np.ndarray]]  # by index oid: Index.entries(fresh)


def prepare_compaction(state, oid: int, horizon: int) -> CompactionPlan | None:
    """The plan for a VACUUM of table `oid` at `horizon` (None: nothing to copy). Takes no lock:
    it reads what is no longer written (full segments' columns) and copies of xmin/xmax, which
    apply checks again."""
    table = state.tables.get(oid)
    if table is None:
        return None
    types, generation = table.types, table.generation
    segments = []
    for seg in list(table.segments):
        if seg.n != table.capacity:  # (only the last one can still grow)
            break
        segments.append(seg)
    if not segments:
        return None
    last = table.segments[len(segments):]
    mvcc = [(seg.xmin[:seg.n].copy(), seg.xmax[:seg.n].copy()) for seg in segments + last]
    status = state.txns.clog.status  # (read after the copies: it covers every xid in them)
    dead = [_dead(status, xmin, xmax, horizon) for xmin, xmax in mvcc]
    if not any(d.any() for d in dead):
        return None  # (a table kept a candidate by deleted versions a snapshot still sees)
    fresh = Table(oid, types, table.capacity)
    keeps = []
    for seg, d in zip(segments, dead):
        keep = ~d
        k = int(keep.sum())
        if k:
            fresh.append(FROZEN_XID, _kept(types, seg, keep), k)
        keeps.append(keep)
    # numeric keys only: Python's comparisons of other keys (NaN inside them) may not order a
    # base and a batch merged as they order all rows at once
    indexes = [state.indexes.get(index_oid) for index_oid in list(state.table_indexes.get(oid, ()))]
    bases = {idx.oid: idx.entries(fresh) for idx in indexes if idx is not None and idx.numeric}  # (None: dropped)
    return CompactionPlan(oid, horizon, generation, types, segments, keeps, fresh, fresh.row_count, bases)


def vacuum_tables(state, rel_oids: list[int] | None, horizon: int) -> dict[int, int]:
    """Vacuum the given tables (None: all) of a StorageState; returns removed rows per table.
    Uses the primary's `state.compaction_plan` where it fits (see the module docstring)."""
    status = state.txns.clog.status
    oids = sorted(state.tables) if rel_oids is None else [o for o in rel_oids if o in state.tables]
    plan = state.compaction_plan
    removed = {}
    for oid in oids:
        removed[oid] = _vacuum_table(state, state.tables[oid], status, horizon,
                                     plan if plan is not None and plan.oid == oid else None)
    if rel_oids is None:
        def is_dead(xmin: int, xmax: int) -> bool:
            return bool(status[xmin] == ABORTED or (xmax != INVALID_XID and xmax < horizon
                                                    and status[xmax] == COMMITTED))
        state.catalog.prune(is_dead)
    return removed


def _vacuum_table(state, table: Table, status: np.ndarray, horizon: int, plan: CompactionPlan | None) -> int:
    dead_total = 0
    kept_deleted = 0  # versions with an xmax that must stay: a snapshot may still see them
    masks = []
    for seg in table.segments:
        n = seg.n
        xmin, xmax = seg.xmin[:n], seg.xmax[:n]
        xmax[(xmax != INVALID_XID) & (status[xmax] == ABORTED)] = INVALID_XID
        dead = _dead(status, xmin, xmax, horizon)
        freeze = ~dead & (xmin < horizon) & (status[xmin] == COMMITTED)
        xmin[freeze] = FROZEN_XID
        seg.n_unfrozen = int((xmin != FROZEN_XID).sum())
        seg.n_xmax = int((xmax != INVALID_XID).sum())
        dead_total += int(dead.sum())
        kept_deleted += int(((xmax != INVALID_XID) & ~dead).sum())
        masks.append(~dead)
    # as PostgreSQL's n_dead_tup after a VACUUM: what it could not remove yet counts again
    table.dead_since_vacuum = kept_deleted
    if dead_total == 0:
        return 0
    fresh, copied = _planned(plan, table, masks)
    for seg_no in range(copied, len(table.segments)):
        seg, keep = table.segments[seg_no], masks[seg_no]
        k = int(keep.sum())
        if k == 0:
            continue
        n = seg.n
        fresh.append_versions(_kept(table.types, seg, keep), k, seg.xmin[:n][keep], seg.xmax[:n][keep])
    table.segments = fresh.segments
    table.generation += 1
    table.chain.renumber(np.concatenate(masks))  # (every segment but the last is full: masks by row id)
    table.lockers = {}  # (no lock is held: Store.has_row_locks; PostgreSQL's freezing clears ended lockers too)
    table.multis = {}
    table.live_estimate = fresh.live_estimate
    if state.table_indexes.get(table.oid):
        table.restart_pruning(status)
    for index_oid in state.table_indexes.get(table.oid, ()):
        base = plan.bases.get(index_oid) if copied else None
        state.indexes[index_oid].rebuild(table, plan.rows if base is not None else 0, base)
    log.info("[storage] vacuum of relation %d removed %d row versions", table.oid, dead_total)
    return dead_total


def _planned(plan: CompactionPlan | None, table: Table, masks: list[np.ndarray]) -> tuple[Table, int]:
    """The compacted table as far as the plan copied it, with xmin/xmax set now, and how many
    segments that covers; (an empty table, 0) unless the plan copied exactly what this VACUUM
    keeps of them."""
    fits = plan is not None and plan.generation == table.generation and plan.types == table.types and \
        len(plan.segments) <= len(table.segments) and \
        all(seg is table.segments[i] and np.array_equal(keep, masks[i])
            for i, (seg, keep) in enumerate(zip(plan.segments, plan.keep)))
    if not fits:
        return Table(table.oid, table.types, table.capacity), 0
    fresh, start = plan.fresh, 0
    for seg, keep in zip(plan.segments, plan.keep):
        xmin = seg.xmin[:seg.n][keep]
        fresh.set_versions(start, xmin, seg.xmax[:seg.n][keep])
        start += len(xmin)
    return fresh, len(plan.segments)


def count_versions(state, oid: int) -> tuple[int, int]:
    """(live, dead) row versions of a table as PostgreSQL's VACUUM and ANALYZE count them: live,
    inserted by a committed transaction and not deleted by one (a delete in progress still counts
    live); dead, inserted by an aborted transaction or deleted by a committed one; an insert in
    progress is neither (its transaction counts it when it ends, engine/pgstat.py)."""
    table = state.tables.get(oid)
    if table is None:
        return 0, 0
    live = dead = 0
    for seg in list(table.segments):
        n = seg.n
        xmin, xmax = seg.xmin[:n].copy(), seg.xmax[:n].copy()
        status = state.txns.clog.status  # (read after the copies: it covers every xid in them)
        inserted = (xmin == FROZEN_XID) | (status[xmin] == COMMITTED)
        deleted = (xmax != INVALID_XID) & (status[xmax] == COMMITTED)
        live += int((inserted & ~deleted).sum())
        dead += int(((status[xmin] == ABORTED) | (inserted & deleted)).sum())
    return live, dead


def _dead(status: np.ndarray, xmin: np.ndarray, xmax: np.ndarray, horizon: int) -> np.ndarray:
    return (status[xmin] == ABORTED) | ((xmax != INVALID_XID) & (xmax < horizon) & (status[xmax] == COMMITTED))


def _kept(types: list[SqlType], seg: Segment, keep: np.ndarray) -> list[Column]:
    """Every column of the segment's rows that `keep` selects (NULL where it has no column)."""
    n = len(keep)
    cols = list(seg.cols)  # (a copy: a plan reads it while ALTER TABLE may change it)
    return [(sc.read(0, n) if sc is not None else null_column(t, n)).rows(keep)
            for t, sc in zip(types, cols + [None] * (len(types) - len(cols)))]
