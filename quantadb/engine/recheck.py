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
on the new snapshot. A join's other tables are read on the new snapshot too, where PostgreSQL
keeps their rows as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from quantadb.sql import plan as P

if TYPE_CHECKING:
    from quantadb.engine.services import ExecServices
    from quantadb.engine.session import Session
    from quantadb.engine.statements import Bound


class Recheck:
    """The rows an attempt of `plan` targeted, as of the table's `generation`; their newest
    versions are found once the next attempt asks (after its wait: by then they are committed)."""

    __slots__ = ("generation", "newest", "plan", "targets")

    def __init__(self, plan: P.Update | P.Delete, targets: np.ndarray | list[int], generation: int) -> None:
        self.plan, self.targets, self.generation = plan, targets, generation
        self.newest: frozenset[int] | None = None


def next_attempt(session: "Session", bound: "Bound | None") -> None:
    """The statement's attempt is undone (a wait, a changed row): the next acts on what it targeted
    (Session.targets: its last write's (plan, row ids), if the statement's own; called while the
    ids are valid)."""
    targets, session.targets = session.targets, None
    plan = bound.plan if bound is not None else None
    txn = session.state.txn
    if targets is None or targets[0] is not plan or txn is None or txn.repeatable:  # (REPEATABLE READ: 40001)
        session.recheck = None
    else:
        session.recheck = Recheck(plan, targets[1], session.store.table(plan.rel_oid).generation)


def rechecked(plan: P.Update | P.Delete, rowids: np.ndarray, services: "ExecServices") -> np.ndarray | None:
    """Of the rows an attempt of `plan` found to act on, those the re-check lets through (a mask);
    None: all of them (no re-check, not this plan's, or the table's rows were renumbered)."""
    recheck = services.session.recheck
    if recheck is None or recheck.plan is not plan:
        return None
    if recheck.newest is None:
        newest = services.store.newest_versions(plan.rel_oid, recheck.targets, recheck.generation)
        if newest is None:
            return None
        recheck.newest = frozenset(newest.tolist())
    allowed = recheck.newest  # (a set: np.isin costs tens of microseconds on a few rows)
    return np.fromiter((r in allowed for r in rowids.tolist()), dtype=np.bool_, count=len(rowids))
