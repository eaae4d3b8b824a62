"""Point reads: a cached plan that fetches rows by equality on an index, run without the
general executor.

The plan is the binder's own (an IndexScan with `keys`, maybe under a Project of plain
column references); only how it runs is specialised. Its keys are parameters or constants,
so there is nothing to evaluate; the index yields a few candidate versions, tested one by one
with scalar clog look-ups rather than arrays; the visible ones are fetched, only in the columns
the Project picks. That is the work PostgreSQL's executor does for
`SELECT abalance FROM pgbench_accounts WHERE aid = $1`: one index probe, a heap fetch and a
visibility check, without building an expression context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from quantadb.exec.columns import column_values, const_column
from quantadb.sql import expr as E
from quantadb.sql import plan as P
from quantadb.storage.index import Index
from quantadb.storage.store import Snapshot
from quantadb.storage.table import Table
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_PLAIN = (int, str, float, bool)  # Python values that are already the key the index holds


@dataclass(frozen=True)
class PointRead:
    scan: P.IndexScan
    # per key column: (True, parameter position, type) or (False, constant, type)
    keys: tuple[tuple[bool, Any, SqlType], ...]
    attnums: list[int]  # the table columns it returns, in output order (only those the Project picks)


def point_read(plan: P.Plan) -> PointRead | None:
    """The point-read form of a plan, or None when the plan has another shape."""
    project = None
    if isinstance(plan, P.Project):
        project, plan = plan, plan.child
    if not isinstance(plan, P.IndexScan) or plan.with_rowids:
        return None
    keys = probe_keys(plan)
    if keys is None:
        return None
    attnums = list(plan.attnums)
    if project is not None:
        if not all(isinstance(e, E.ColumnRef) for e in project.exprs):
            return None
        attnums = [plan.attnums[e.index] for e in project.exprs]
    return PointRead(plan, keys, attnums)


def probe_keys(scan: P.IndexScan) -> tuple[tuple[bool, Any, SqlType], ...] | None:
    """Per key of an index-equality scan without filter or row locks: (True, parameter position,
    type) or (False, constant, type); None when the scan is not one or a key is an expression."""
    if not scan.keys or scan.filter is not None or scan.lock_mode:
        return None
    keys = []
    for k in scan.keys:
        if isinstance(k, E.Param):
            keys.append((True, k.number - 1, k.type))
        elif isinstance(k, E.Const):
            keys.append((False, _key_value(k.value, k.type), k.type))
        else:
            return None
    return tuple(keys)


def probe(keys: tuple[tuple[bool, Any, SqlType], ...], table: Table, index: Index, snapshot: Snapshot,
          params: list[Any]) -> list[int]:
    """The row ids of the table that the index finds for the keys, visible to the snapshot, in
    the index's order."""
    values = []
    for is_param, v, t in keys:
        if is_param:
            v = params[v]
            if type(v) not in _PLAIN:
                v = _key_value(v, t)
        if v is None:  # NULL never matches =
            return []
        values.append(v)
    key = tuple(values) if len(values) > 1 else values[0]
    if snapshot.sxact is not None:  # SERIALIZABLE: a SIREAD lock on the key (storage/ssi.py)
        snapshot.sxact.read_keys(table.oid, index, [key])
    candidates = index.lookup_key(key)
    if index.unique and index.immediate:  # one version at most is visible: from the newest (a hot row has many)
        for r in reversed(candidates):
            if table.row_visible(snapshot, r):
                return [r]
        return []
    return [r for r in candidates if table.row_visible(snapshot, r)]


def point_batch(session: "Session", read: PointRead, params: list[Any]) -> Batch:
    """The rows of a point read for the session's statement, counted in its statistics."""
    store = session.store
    scan = read.scan
    table = store.table(scan.rel_oid)
    rowids = probe(read.keys, table, store.index(scan.index_oid), store.snapshot(session.state.txn), params)
    if len(rowids) == 1:  # a unique key's row: no row-id array
        batch = Batch(table.fetch_row(rowids[0], read.attnums), 1)
    else:
        batch = Batch(table.fetch(np.array(rowids, dtype=np.int64), read.attnums), len(rowids))
    session.pgstat.index_scan(scan.index_oid, batch.length, batch.length)
    return batch


def _key_value(value: Any, t: SqlType) -> Any:
    """The key as the general executor computes it (a one-row column of the key's type, read back)."""
    if value is None or type(value) in _PLAIN:
        return value
    return column_values(const_column(value, t, 1))[0]
