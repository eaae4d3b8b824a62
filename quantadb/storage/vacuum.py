"""VACUUM: drop row versions no snapshot can see, freeze the rest, compact, rebuild indexes.

Deterministic given the state and the record's horizon, so the VACUUM record replays
identically on a replica: every xid below the horizon ended before the record was logged,
and its commit/abort record precedes the VACUUM record in the WAL.

- dead: xmin aborted, or xmax committed below the horizon;
- frozen: xmin committed below the horizon -> FrozenTransactionId (a segment whose rows are
  all frozen and undeleted skips visibility checks);
- an aborted xmax is cleared.
A table with dead rows is rewritten in row order (row ids change: `Table.generation` is
bumped) and its indexes are rebuilt; catalog versions that are dead are forgotten.
"""

from __future__ import annotations

import logging

import numpy as np

from .table import Table
from .txn import ABORTED, COMMITTED, FROZEN_XID, INVALID_XID

log = logging.getLogger("quantadb.storage")


def vacuum_tables(state, rel_oids: list[int] | None, horizon: int) -> dict[int, int]:
    """Vacuum the given tables (None: all) of a StorageState; returns removed rows per table."""
    status = state.txns.clog.status
    oids = sorted(state.tables) if rel_oids is None else [o for o in rel_oids if o in state.tables]
    removed = {}
    for oid in oids:
        removed[oid] = _vacuum_table(state, state.tables[oid], status, horizon)
    if rel_oids is None:
        def is_dead(xmin: int, xmax: int) -> bool:
            return bool(status[xmin] == ABORTED or (xmax != INVALID_XID and xmax < horizon
                                                    and status[xmax] == COMMITTED))
        state.catalog.prune(is_dead)
    return removed


def _vacuum_table(state, table: Table, status: np.ndarray, horizon: int) -> int:
    dead_total = 0
    kept_deleted = 0  # versions with an xmax that must stay: a snapshot may still see them
    masks = []
    for seg in table.segments:
        n = seg.n
        xmin, xmax = seg.xmin[:n], seg.xmax[:n]
        xmax[(xmax != INVALID_XID) & (status[xmax] == ABORTED)] = INVALID_XID
        dead = (status[xmin] == ABORTED) | ((xmax != INVALID_XID) & (xmax < horizon) & (status[xmax] == COMMITTED))
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
    attnums = list(range(1, len(table.types) + 1))
    fresh = Table(table.oid, table.types, table.capacity)
    for seg_no, (first, cols, xmin, xmax) in enumerate(table.all_rows(attnums)):
        keep = masks[seg_no]
        k = int(keep.sum())
        if k == 0:
            continue
        kept_cols = [c.rows(keep) for c in cols]
        fresh.append_versions(kept_cols, k, xmin[keep], xmax[keep])
    table.segments = fresh.segments
    table.generation += 1
    table.live_estimate = fresh.live_estimate
    if state.table_indexes.get(table.oid):
        table.restart_pruning(status)
    for index_oid in state.table_indexes.get(table.oid, ()):
        state.indexes[index_oid].rebuild(table)
    log.info("[storage] vacuum of relation %d removed %d row versions", table.oid, dead_total)
    return dead_total
