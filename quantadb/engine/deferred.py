"""Deferred constraint checks: DEFERRABLE [INITIALLY DEFERRED] constraints and SET CONSTRAINTS.

A foreign key in deferred mode is not checked at its statement's end but when its transaction
commits (or when SET CONSTRAINTS makes it immediate): the keys its statements wrote are kept here,
and checked then against the tables as they are. A new referencing key passes if the referenced
table has it by then, or if no row holds it any more (PostgreSQL re-checks only the row versions
still live). A referenced key a NO ACTION constraint saw go passes if a row has it again, or if
nothing references it. RESTRICT and the referential actions never wait, as in PostgreSQL.
The transaction is a block's (checked at COMMIT) or an implicit one (at its end: a Query of
several statements, the messages before a Sync; a Query of one statement ends at its end).

A DEFERRABLE unique or primary key constraint's keys are kept by storage as rows are written
(storage/unique_checks.py) and checked at the end of the statement (check_unique_keys), or, while
the constraint is deferred, at commit or when SET CONSTRAINTS makes it immediate. Either way a
statement may hold duplicates until then (UPDATE t SET id = id + 1 passes). As in PostgreSQL, a
statement a function runs is checked at its own end (function_statement), not with its caller.

The mode of a constraint: SET CONSTRAINTS name (latest), else SET CONSTRAINTS ALL, else its
INITIALLY DEFERRED; only a DEFERRABLE one can be deferred. All of this is the transaction's
(TxnState.constraints) and goes with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

from quantadb.engine.results import Result, RunInWorker
from quantadb.errors import UndefinedObject, WrongObjectType
from quantadb.exec.columns import column_values
from quantadb.storage.catalog import ConstraintDef
from quantadb.storage.txn import WouldBlock
from quantadb.types.column import Column

if TYPE_CHECKING:
    from quantadb.engine.services import ExecServices
    from quantadb.engine.session import Session
    from quantadb.engine.transaction_blocks import TxnState
    from quantadb.sql.utility_stmts import SetConstraintsStmt
    from quantadb.storage.txn import Txn

T = TypeVar("T")


class DeferredChecks:
    """A transaction block's SET CONSTRAINTS modes and the checks it put off."""

    def __init__(self) -> None:
        self.all_deferred: bool | None = None  # SET CONSTRAINTS ALL ...
        self.modes: dict[int, bool] = {}  # constraint OID -> deferred, by SET CONSTRAINTS name since
        self.new_keys: dict[int, tuple[ConstraintDef, set[tuple]]] = {}  # fk OID -> keys rows got
        self.old_keys: dict[int, tuple[ConstraintDef, set[tuple]]] = {}  # fk OID -> keys the referenced table lost

    def deferred(self, con: ConstraintDef) -> bool:
        if not con.deferrable:
            return False
        if con.oid in self.modes:
            return self.modes[con.oid]
        return con.deferred if self.all_deferred is None else self.all_deferred

    def set_mode(self, oids: list[int] | None, deferred: bool) -> list[int] | None:
        """SET CONSTRAINTS ALL (`oids` None) or these: the constraints whose kept checks must run now
        (None: all of them) when they become immediate, else []."""
        if oids is None:
            self.all_deferred = deferred
            self.modes.clear()
        else:
            self.modes.update(dict.fromkeys(oids, deferred))
        return [] if deferred else oids

    def run(self, services: "ExecServices", oids: list[int] | None = None) -> None:
        """Check what is kept (of these constraints; None: all), raising the first violation."""
        for kept, recheck in ((self.new_keys, services.recheck_new_keys),
                              (self.old_keys, services.recheck_old_keys)):
            for oid in [o for o in kept if oids is None or o in oids]:
                fk, keys = kept[oid]
                recheck(fk, sorted(keys, key=repr))
                del kept[oid]


def set_constraints(session: "Session", u: "SetConstraintsStmt", portal, inline) -> Result:
    """SET CONSTRAINTS: the transaction's mode of the named (or all) constraints; those made
    immediate have their kept checks run now."""
    if not session.state.block:
        session.notice("SET CONSTRAINTS can only be used in transaction blocks", "25P01", "WARNING")
        return Result(tag="SET CONSTRAINTS")
    oids = None if u.names is None else [fk.oid for name in u.names for fk in _named(session, name)]
    if session.state.constraints is None:
        session.state.constraints = DeferredChecks()
    now = session.state.constraints.set_mode(oids, u.deferred)
    if now != []:
        check_deferred(session, session.state.txn, now)
    return Result(tag="SET CONSTRAINTS")


def _named(session: "Session", name: list[str]) -> list[ConstraintDef]:
    """The constraints SET CONSTRAINTS `name` means: of that name, on the tables of its schema
    (else of the search path's)."""
    catalog = session.catalog()
    schemas = name[:-1] or session.search_path()
    found = [con for rel in catalog.relations() if catalog.namespace_name(rel.namespace) in schemas
             for con in rel.constraints if con.name == name[-1]]
    if not found:
        raise UndefinedObject(f'constraint "{".".join(name)}" does not exist')
    if not all(con.deferrable for con in found):
        raise WrongObjectType(f'constraint "{".".join(name)}" is not deferrable')
    return found


def check_deferred(session: "Session", txn: "Txn", oids: list[int] | None = None) -> None:
    """Run the checks the session's transaction kept (of these constraints; None: all)."""
    pending = session.state.constraints
    if pending is None or not (pending.new_keys or pending.old_keys or txn.unique_rechecks):
        return
    from quantadb.engine.services import ExecServices
    with session.db.gate.shared():  # (VACUUM renumbers rows)
        pending.run(ExecServices(session, session.store, txn, session.store.snapshot(txn)), oids)
        indexes = [i for i in txn.unique_rechecks
                   if oids is None or getattr(_index_constraint(session, i), "oid", None) in oids]
        if indexes:
            session.store.recheck_unique(txn, indexes)


def check_unique_keys(session: "Session", txn: "Txn", inline: bool, undoable: bool) -> None:
    """At a statement's end: the keys it wrote to DEFERRABLE unique constraints not deferred now
    are checked; a deferred one's keys wait for COMMIT or SET CONSTRAINTS ... IMMEDIATE. A check
    that meets a running writer's version waits for it in place (it only reads); inline on the
    event loop it cannot, and the statement runs again on a worker when its attempt can be
    undone (a savepoint: statements._writes_once is false for such a table). A statement that
    cannot (a query whose function wrote) leaves the keys to the commit's check."""
    now = _due_now(session, txn)
    while now:
        try:
            session.store.recheck_unique(txn, now)
            return
        except WouldBlock as block:
            if inline and undoable:
                raise RunInWorker() from None
            if inline:
                return
            session.wait_for(txn, block.on)


def function_statement(services: "ExecServices", run: Callable[[], T]) -> T:
    """run() is a write a function's statement makes (PL/pgSQL's, a SQL function's, a trigger's):
    the keys it writes to DEFERRABLE unique constraints not deferred now are checked at its own
    end, as PostgreSQL checks what a query queued when that query ends (AfterTriggerEndQuery),
    not with the statement that called the function. The keys left (deferred) join the caller's.
    A check that meets a running writer's version waits for it where the statement stands."""
    txn = services.txn
    callers, txn.unique_rechecks = txn.unique_rechecks, {}
    try:
        result = run()
        check_keys_due(services)
        return result
    finally:
        for oid, keys in txn.unique_rechecks.items():
            callers.setdefault(oid, {}).update(keys)
        txn.unique_rechecks = callers


def check_keys_due(services: "ExecServices") -> None:
    """Check the keys written so far to DEFERRABLE unique constraints not deferred now, waiting
    for a running writer's version where the statement stands (where it is not known whether it
    runs on the event loop, the whole statement waits and runs again)."""
    txn = services.txn
    now = _due_now(services.session, txn)
    while now:
        try:
            services.store.recheck_unique(txn, now)
            return
        except WouldBlock as block:
            if services.inline is None:
                raise
            services.wait_in_statement(block.on)


def _due_now(session: "Session", txn: "Txn") -> list[int]:
    """The deferrable unique indexes txn wrote keys to whose constraints are not deferred now."""
    now = []
    for index_oid in txn.unique_rechecks:
        con = _index_constraint(session, index_oid)
        pending = constraints_of(session.state, [con]) if con is not None else None
        if pending is None or not pending.deferred(con):
            now.append(index_oid)
    return now


def _index_constraint(session: "Session", index_oid: int) -> ConstraintDef | None:
    """The unique or primary key constraint whose index this is."""
    catalog = session.catalog()
    index = catalog.relation(index_oid)
    table = catalog.relation(index.table_oid) if index is not None else None
    return next((c for c in table.constraints if c.index_oid == index_oid), None) if table is not None else None


def constraints_of(state: "TxnState", fks: list[ConstraintDef]) -> DeferredChecks | None:
    """The transaction's DeferredChecks when one of `fks` may be deferred now, else None."""
    if not any(fk.deferrable for fk in fks):
        return None
    if state.constraints is None:
        state.constraints = DeferredChecks()
    return state.constraints


def defer_new_keys(state: "TxnState", fks: list[ConstraintDef], columns: list[Column]) -> list[ConstraintDef]:
    """Keep the new rows' keys (`columns` by attnum - 1) of the deferred foreign keys; returns the
    foreign keys to check now."""
    pending = constraints_of(state, fks)
    if pending is None:
        return fks
    now = []
    for fk in fks:
        if not pending.deferred(fk):
            now.append(fk)
            continue
        keys = pending.new_keys.setdefault(fk.oid, (fk, set()))[1]
        keys.update(k for k in zip(*[column_values(columns[a - 1]) for a in fk.columns]) if None not in k)
    return now


def defer_old_keys(state: "TxnState", fk: ConstraintDef, keys: list[tuple]) -> bool:
    """Keep referenced keys that changed or went, for a deferred NO ACTION foreign key; False
    when it is to be checked now."""
    pending = constraints_of(state, [fk])
    if pending is None or not pending.deferred(fk):
        return False
    pending.old_keys.setdefault(fk.oid, (fk, set()))[1].update(keys)
    return True
