"""Relation locks the engine takes (storage/locks.py holds and queues them): LOCK TABLE, and the
mode each DDL statement takes on what it names, as PostgreSQL 15's "Explicit Locking" lists.
Queries and DML take theirs from their plan (statements.Bound.relation_locks).

A lock that must wait raises WouldBlock from here; Session._run_with_retries undoes the attempt,
waits outside the database gate and runs the statement again, which then finds the lock held.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine.results import Result
from quantadb.errors import (LockNotAvailable, NoActiveSqlTransaction, ReadOnlySqlTransaction, UndefinedTable,
                             WrongObjectType)
from quantadb.sql import ddl_stmts as D
from quantadb.sql.utility_stmts import LockStmt
from quantadb.storage.catalog import RelationDef
from quantadb.storage.locks import (ACCESS_EXCLUSIVE, ACCESS_SHARE, EXCLUSIVE, MODES_BY_WORDS, ROW_EXCLUSIVE, SHARE,
                                    SHARE_ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE)

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_LOCKABLE = ("r", "p", "v", "f")  # LOCK TABLE: tables, views (and their tables), foreign tables
_KIND_PLURAL = {"S": "sequences", "i": "indexes", "m": "materialized views", "c": "composite types"}
# ALTER TABLE ... SET (...) of these takes ShareUpdateExclusive, of the others AccessExclusive
_WEAK_STORAGE_OPTIONS = ("fillfactor", "autovacuum_", "toast.", "toast_tuple_target", "parallel_workers")


def lock_relation(session: "Session", rel: RelationDef, mode: int, nowait: bool = False) -> None:
    txn = session.state.txn
    if not session.store.lock_relation(txn, rel.oid, mode, nowait):
        raise LockNotAvailable(f'could not obtain lock on relation "{rel.name}"')


def run_lock(session: "Session", u: LockStmt) -> Result:
    if not session.state.block:
        raise NoActiveSqlTransaction("LOCK TABLE can only be used in transaction blocks")
    mode = MODES_BY_WORDS[u.mode]
    if mode > ROW_EXCLUSIVE and session.db.read_only:  # a replica: nothing there may write
        raise ReadOnlySqlTransaction("cannot execute LOCK TABLE during recovery")
    catalog = session.catalog()
    for parts in u.tables:
        hit = catalog.resolve_relation(parts)
        if hit is None or hit.relation is None:
            raise UndefinedTable(f'relation "{".".join(parts)}" does not exist')
        rel = hit.relation
        if rel.kind not in _LOCKABLE:
            raise WrongObjectType(f'cannot lock relation "{rel.name}"',
                                  detail=f"This operation is not supported for {_KIND_PLURAL.get(rel.kind, 'it')}.")
        lock_relation(session, rel, mode, u.nowait)
        if rel.kind == "v":  # as PostgreSQL: the relations its query reads, in the same mode
            for oid in _view_tables(session, rel):
                lock_relation(session, catalog.relation(oid), mode, u.nowait)
    return Result(tag="LOCK TABLE")


def _view_tables(session: "Session", view: RelationDef) -> list[int]:
    from quantadb.engine import statements as S
    ns = session.catalog().namespace_name(view.namespace)
    quoted = ".".join('"' + p.replace('"', '""') + '"' for p in (ns, view.name))
    bound = S.bind(session, S.Statement(f"SELECT * FROM {quoted}", plain=True), [])
    return sorted({oid for oid, _ in bound.relation_locks})


def lock_ddl_targets(session: "Session", stmt: D.DdlStmt) -> None:
    """Before a DDL statement runs: the lock on each relation it names (none yet: nothing to lock)."""
    targets: list[tuple[tuple[str, ...], int]] = []
    match stmt:
        case D.DropObjects(kind, names) if kind != "SCHEMA":
            targets = [(n, ACCESS_EXCLUSIVE) for n in names]
        case D.Truncate(tables):
            targets = [(n, ACCESS_EXCLUSIVE) for n in tables]
        case D.CreateTable(columns=columns, constraints=constraints, like=like):  # REFERENCES: the referenced tables
            specs = [*constraints, *(c for col in columns for c in col.constraints)]
            targets = [(c.ref_table, SHARE_ROW_EXCLUSIVE) for c in specs if c.kind == "f"]
            targets += [(source.table, ACCESS_SHARE) for source in like]  # LIKE: what it copies from
        case D.CreateIndex(table=table):
            targets = [(table, SHARE)]
        case D.CreateTrigger(table=table) | D.DropTrigger(table=table):
            targets = [(table, SHARE_ROW_EXCLUSIVE)]
        case D.RefreshMatView(name, concurrently=concurrently):
            targets = [(name, EXCLUSIVE if concurrently else ACCESS_EXCLUSIVE)]
        case D.AlterRelation(kind, name, actions):
            targets = [(name, max(_alter_mode(kind, a) for a in actions) if actions else ACCESS_EXCLUSIVE)]
            targets += [(a.constraint.ref_table, SHARE_ROW_EXCLUSIVE) for a in actions
                        if isinstance(a, D.AddConstraint) and a.constraint.kind == "f"]
    if not targets:
        return
    catalog = session.catalog()
    for name, mode in targets:
        hit = catalog.resolve_relation(list(name))
        if hit is not None and hit.relation is not None:
            rel = hit.relation
            lock_relation(session, rel, mode)
            if isinstance(stmt, D.DropObjects):  # DROP INDEX: its table; DROP TABLE: those whose keys it drops
                others = [catalog.relation(rel.table_oid)] if rel.kind == "i" else catalog.referencing(rel.oid)
                for other in others:
                    if other is not None and other.oid != rel.oid:
                        lock_relation(session, other, ACCESS_EXCLUSIVE)


def _alter_mode(kind: str, action: D.AlterAction) -> int:
    match action:
        case D.AddConstraint(con) if con.kind == "f":
            return SHARE_ROW_EXCLUSIVE
        case D.SetStorageOptions(set_, reset):
            keys = [item.split("=", 1)[0].strip().lower() for item in set_] + [k.lower() for k in reset]
            weak = all(k.startswith(_WEAK_STORAGE_OPTIONS) for k in keys)
            return SHARE_UPDATE_EXCLUSIVE if weak else ACCESS_EXCLUSIVE
        case D.RenameRelation() if kind == "INDEX":
            return SHARE_UPDATE_EXCLUSIVE
        case D.AlterSequenceOptions():
            return SHARE_ROW_EXCLUSIVE
    return ACCESS_EXCLUSIVE
