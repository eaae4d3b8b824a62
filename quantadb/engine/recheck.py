"""READ COMMITTED's re-check of rows changed meanwhile (PostgreSQL's EvalPlanQual).

An UPDATE or DELETE that must wait for a running writer of a row it targets (WouldBlock), or
whose write meets a row that a transaction which committed after the statement's snapshot
changed (RowChanged), is undone and attempted again on a new snapshot (Session._run_with_retries).
As in PostgreSQL, that attempt acts only on the rows the earlier one targeted, each at its newest
committed version (its update chain followed: Store.newest_versions) if that version still
qualifies: a row inserted meanwhile, or changed to qualify, is left alone, and a row whose key
moved is not confused with another that took the key.

Each attempt's write tells what it targets (Session.targets); only the statement's own plan's
count (not the writes of functions, triggers and foreign-key actions). An attempt undone
for either reason hands them to the next (`next_attempt`), which keeps only their newest versions
(`rechecked`). A VACUUM that renumbered the table's rows in between makes the attempt a plain one
on the new snapshot. An UPDATE or DELETE in a function's or procedure's body (PL/pgSQL, SQL) is
re-checked so by itself where it stands (ExecServices.rechecked_in_place), as each statement does
its EvalPlanQual in PostgreSQL: the calling statement goes on, rather than running again with
the function's earlier work.

Only the target's rows are read anew: as EvalPlanQual keeps the rows a join's other tables gave
(fetched again by ctid, or copied) and evaluates the statement's subqueries on its first snapshot
(an InitPlan's value is kept), a re-check's source reads every table but the rows it acts on on
the snapshot of the statement's first attempt (`first_reads`): the target's scan (the one that
returns row ids) and scans that lock rows (FOR UPDATE: PostgreSQL locks their newest versions)
read the new one, and so do volatile functions' statements (PostgreSQL's take a new snapshot
each: exec/functions/sqlfunc.run_body). And as EvalPlanQual joins a target row's newest version
only with the rows the first attempt joined to it, the re-check of an UPDATE ... FROM or DELETE
... USING keeps a target row only with the FROM items' rows it had: those are the source's last
columns (all the FROM items' columns, which RETURNING may read: P.Update.passed), kept per
target row by the attempt that must run again (a reference: nothing is copied then), and compared
by value, which tells rows apart as their row ids would (read on the same snapshot, two rows
with the same values join a target row alike). Not so with a FROM item that locks rows (its
newest versions are read: they may differ), where the newest version joins any row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from quantadb.exec.columns import column_values, take
from quantadb.sql import plan as P
from quantadb.storage.txn import Snapshot
from quantadb.types.column import Column

if TYPE_CHECKING:
    from quantadb.engine.services import ExecServices
    from quantadb.engine.session import Session
    from quantadb.engine.statements import Bound


class Recheck:
    """The rows an attempt of `plan` targeted, as of the table's `generation`, and the FROM items'
    columns each joined (`joined`: None, no FROM items, or some lock rows); their newest versions
    are found once the next attempt asks (after its wait: by then they are committed)."""

    __slots__ = ("generation", "joined", "newest", "plan", "reads", "targets")

    def __init__(self, plan: P.Update | P.Delete, targets: np.ndarray | list[int], generation: int,
                 reads: Snapshot, joined: list[Column] | None = None) -> None:
        self.plan, self.targets, self.generation = plan, targets, generation
        self.reads = reads  # the first attempt's snapshot: what the other tables are read on
        self.joined = joined
        self.newest: frozenset | None = None  # newest row ids, or (row id, FROM items' row) pairs


def next_attempt(session: "Session", bound: "Bound | None") -> None:
    """The statement's attempt is undone (a wait, a changed row): the next acts on what it targeted
    (Session.targets: its last write's (plan, row ids, ExecServices), if the statement's own;
    called while the ids are valid)."""
    session.recheck = next_recheck(session, bound.plan if bound is not None else None)


def next_recheck(session: "Session", plan: P.Plan | None) -> Recheck | None:
    """What the next attempt of `plan` re-checks, if the undone one's last write was `plan`'s (and
    takes Session.targets: called while their row ids are valid). Its
    other tables are read on the snapshot of `plan`'s first attempt (a chain of waits keeps it)."""
    targets, session.targets = session.targets, None
    txn = session.state.txn
    if targets is None or targets[0] is not plan or txn is None or txn.repeatable:  # (REPEATABLE READ: 40001)
        return None
    earlier, services, joined = session.recheck, targets[2], targets[3]
    if earlier is not None and earlier.plan is plan:
        reads = earlier.reads
    else:  # (the live snapshot, not the frozen copy of a statement that hides its writes)
        reads = services.ri_snapshot or services.snapshot
    if joined is not None and any(getattr(n, "lock_mode", "") for n in P.walk_plan(plan.source)):
        joined = None  # (rows locked: read at their newest versions, which may differ)
    return Recheck(plan, targets[1], session.store.table(plan.rel_oid).generation, reads, joined)


def first_reads(plan: P.Update | P.Delete, services: "ExecServices") -> Snapshot | None:
    """What a re-check of `plan` reads the tables other than its rows on (None: no re-check of it):
    its first attempt's snapshot, seeing the transaction's own writes as the attempt's snapshot
    does (a data-modifying WITH hides the statement's: ExecServices.hide_statement_writes). The
    transaction's xmin stays that snapshot's, so that no VACUUM removes rows it sees meanwhile."""
    recheck = services.session.recheck
    if recheck is None or recheck.plan is not plan:
        return None
    if services.store.table(plan.rel_oid).generation != recheck.generation:
        return None  # (rows renumbered by a VACUUM: a plain attempt)
    first, now = recheck.reads, services.snapshot
    reads = Snapshot(first.xmin, first.xmax, first.xip, now.own, first.clog, now.owner)
    txn = services.txn
    if txn.snapshot_xmin is None or txn.snapshot_xmin > first.xmin:
        txn.snapshot_xmin = first.xmin
    return reads


def rechecked(plan: P.Update | P.Delete, rowids: np.ndarray, services: "ExecServices",
              joined: list[Column] | None = None) -> np.ndarray | None:
    """Of the rows an attempt of `plan` found to act on (`joined`: the FROM items' columns of each),
    those the re-check lets through (a mask); None: all of them (no re-check, not this plan's, or
    the table's rows were renumbered)."""
    recheck = services.session.recheck
    if recheck is None or recheck.plan is not plan:
        return None
    pairs = recheck.joined is not None and joined is not None
    if recheck.newest is None:
        newest = services.store.newest_versions(plan.rel_oid, recheck.targets, recheck.generation)
        if newest is None:
            return None
        recheck.newest = frozenset(zip(newest.tolist(), _rows(recheck.joined)) if pairs else newest.tolist())
    allowed = recheck.newest  # (a set: np.isin costs tens of microseconds on a few rows)
    found = zip(rowids.tolist(), _rows(joined)) if pairs else rowids.tolist()
    return np.fromiter((r in allowed for r in found), dtype=np.bool_, count=len(rowids))


def _rows(columns: list[Column]) -> list[str]:
    """Each row of `columns` as a key that compares by value (NaN too; arrays are lists)."""
    return [repr(row) for row in zip(*(column_values(c) for c in columns))]


def kept_rows(columns: list[Column] | None, keep: np.ndarray | None) -> list[Column] | None:
    """The FROM items' columns of the rows a re-check kept."""
    return columns if columns is None or keep is None else [take(c, keep) for c in columns]
