"""Temporary tables: each session's pg_temp_<pid> schema, ON COMMIT actions, and clean-up.

A session's temporary schema is created in the transaction of its first CREATE TEMP TABLE (a
rollback takes it away again) and searched before search_path for relations, as PostgreSQL
does. Unlike PostgreSQL, temporary tables are WAL-logged like any table; what a session leaves
is dropped when it ends, and what a crash left is dropped when the database opens.

Dropping or emptying them takes AccessExclusive on each table first, as PostgreSQL's drop and
truncate do: another session can hold a lock on one (a superuser naming pg_temp_<pid>.t), and
then ON COMMIT, DISCARD TEMP and the end of the session wait for it. A commit and a session's
end run on the event loop, so they only take locks that are free at once; a wait runs on a
thread of its own (commit_after_wait, drop_temp_schema), or for COMMIT on a worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from quantadb.engine.privileges import database_privilege
from quantadb.storage.catalog import BOOTSTRAP_SUPERUSER, NamespaceDef
from quantadb.storage.locks import ACCESS_EXCLUSIVE, LockRequest
from quantadb.storage.store import Store
from quantadb.storage.txn import Txn, WouldBlock

if TYPE_CHECKING:
    from quantadb.engine.session import Session

TEMP_SCHEMA_PREFIX = "pg_temp_"


def temp_schema_name(pid: int) -> str:
    return f"{TEMP_SCHEMA_PREFIX}{pid}"


def temp_namespace(session: "Session") -> int:
    """The OID of the session's temporary schema, created in the current transaction if needed
    (the role needs TEMPORARY on the database)."""
    store, txn = session.store, session.state.txn
    database = store.catalog.database(store.snapshot(txn), session.database_oid)
    database_privilege(session.acting, session.superuser, database, "T")
    name = temp_schema_name(session.pid)
    ns = store.catalog.find_namespace(store.snapshot(txn), session.database_oid, name)
    if ns is not None:
        return ns.oid
    oid = store.allocate_oid(txn)
    store.create_namespace(txn, NamespaceDef(oid, session.database_oid, name, BOOTSTRAP_SUPERUSER))
    session.temp_schema = name
    return oid


def lock_all(store: Store, txn: Txn, oids: list[int]) -> LockRequest | None:
    """AccessExclusive on each relation: None once all are held, else the first request that
    must wait (queued: the caller waits for it, then asks again)."""
    for oid in oids:
        try:
            store.lock_relation(txn, oid, ACCESS_EXCLUSIVE)
        except WouldBlock as block:
            return block.on
    return None


# -- ON COMMIT DROP / DELETE ROWS ------------------------------------------------------------------

def on_commit_actions(session: "Session", txn: Txn) -> list[tuple[int, str]]:
    """(table OID, "drop" / "delete") of the ON COMMIT actions this commit runs. Tables a
    rolled-back statement created are gone and forgotten; as in PostgreSQL, tables are emptied
    only when the transaction used a temporary table (else none can hold rows): locked one, or
    wrote one (a SQL function's body takes no lock)."""
    store = session.store
    snap = store.snapshot(txn)
    for oid in [oid for oid in session.temp_on_commit if store.catalog.relation(snap, oid) is None]:
        del session.temp_on_commit[oid]
    actions = list(session.temp_on_commit.items())
    if any(action == "delete" for _, action in actions) and not _used_temp_tables(session, txn):
        actions = [(oid, action) for oid, action in actions if action == "drop"]
    return actions


def _used_temp_tables(session: "Session", txn: Txn) -> bool:
    store = session.store
    snap = store.snapshot(txn)
    ns = store.catalog.find_namespace(snap, session.database_oid, session.temp_schema or "")
    if ns is None:
        return False
    return any((rel := store.catalog.relation(snap, oid)) is not None and rel.namespace == ns.oid
               for oid in {*txn.rel_locks, *session.pgstat.xact_tables()})


def lock_on_commit(session: "Session", txn: Txn) -> LockRequest | None:
    """The locks of this commit's ON COMMIT actions (see lock_all)."""
    return lock_all(session.store, txn, [oid for oid, _ in on_commit_actions(session, txn)])


def run_on_commit(session: "Session", txn: Txn) -> None:
    """ON COMMIT DROP / DELETE ROWS, inside the committing transaction (locks taken before)."""
    store = session.store
    for oid, action in on_commit_actions(session, txn):
        if action == "drop":
            store.drop_relation(txn, oid)
            del session.temp_on_commit[oid]
        else:
            store.truncate(txn, oid)


def commit_after_wait(session: "Session", txn: Txn, waiting: object, waits: Callable[[], object | None]) -> Future:
    """The end of an implicit transaction that must wait (for `waiting`, then for what `waits()`
    finds, until nothing): its deferred checks' locks, its ON COMMIT actions'. On a thread, wait,
    run the actions and commit; the future is the commit's. The session keeps its transaction
    meanwhile (pg_blocking_pids); its client waits for the future."""
    from quantadb.engine.transaction_blocks import TxnState  # (it imports this module)

    def finish() -> Future | None:
        if txn.snapshot is not None and txn.snapshot.sxact is not None:  # SERIALIZABLE: may fail (storage/ssi.py)
            session.store.ssi.pre_commit(txn.snapshot.sxact)
        session.state = TxnState()
        run_on_commit(session, txn)
        session.transaction_ended(committed=True)
        return session.commit_txn(txn)

    def failed() -> None:
        session.state = TxnState()
        session.transaction_ended(committed=False)
    return _after_wait(session, txn, waiting, waits, finish, failed, session.lock_timeout_s())


# -- DISCARD TEMP and the end of a session ---------------------------------------------------------

def discard_temp(session: "Session") -> None:
    """DISCARD TEMP (and DISCARD ALL): the session's temporary tables go, in its transaction
    (every lock first: a wait reruns the statement, which must not have dropped anything)."""
    if session.temp_schema is None:
        return
    store, txn = session.store, session._ensure_txn()
    ns = store.catalog.find_namespace(store.snapshot(txn), session.database_oid, session.temp_schema)
    if ns is not None:
        waiting = lock_all(store, txn, _relations(store, txn, ns))
        if waiting is not None:
            raise WouldBlock(waiting)
        _drop_relations(store, txn, ns)
    session.temp_on_commit.clear()


def drop_temp_schema(session: "Session", then: Callable[[], None]) -> None:
    """At the end of a session: its temporary tables and schema go, in a transaction of their
    own, then `then()`. A wait for a lock runs on a thread (session.temp_wait; given up, it
    leaves them to the next start, which drops a crash's leftovers)."""
    if session.temp_schema is None:
        then()
        return
    store = session.store
    cancel = threading.Event()
    txn = store.begin(cancel_event=cancel)
    txn.pid, txn.database = session.pid, session.database_oid  # pg_locks shows the session's wait

    def locks() -> LockRequest | None:
        ns = _namespace(store, txn, session)
        return None if ns is None else lock_all(store, txn, _relations(store, txn, ns))

    def finish() -> Future | None:
        ns = _namespace(store, txn, session)
        if ns is not None:
            _drop_namespace(store, txn, ns)
        durable = store.commit(txn)  # not waited for: after a crash, recovery drops leftovers anyway
        session.temp_schema = None
        then()
        return durable
    try:
        waiting = locks()
        if waiting is None:
            finish()
            return
    except BaseException:
        store.abort(txn)
        then()
        raise
    session.state.txn = txn  # what it waits in (pg_blocking_pids)
    _after_wait(session, txn, waiting, locks, finish, then, None)  # no lock_timeout: nothing left behind


def drop_orphan_temp_schemas(store: Store) -> int:
    """Temporary schemas a crash left behind (no session owns them once the database opens)."""
    txn = store.begin()
    snap = store.snapshot(txn)
    orphans = [ns for db in store.catalog.databases(snap) for ns in store.catalog.namespaces(snap, db.oid)
               if ns.name.startswith(TEMP_SCHEMA_PREFIX)]
    if not orphans:
        store.abort(txn)
        return 0
    for ns in orphans:
        _drop_namespace(store, txn, ns)
    store.commit(txn).result()
    return len(orphans)


def _after_wait(session: "Session", txn: Txn, waiting: object, locks: Callable[[], object | None],
                finish: Callable[[], Future | None], failed: Callable[[], None], timeout_s: float | None) -> Future:
    """On a thread of its own: wait (for a LockRequest or an xid, as Store.wait_for) until locks()
    finds nothing more to wait for, then finish() (the future returned follows the commit's). A
    failed wait (timeout_s: lock_timeout) or check aborts the transaction, then failed().
    The thread and the event that cancels its wait are session.temp_wait (Session.close)."""
    out: Future = Future()

    def run() -> None:
        on: object | None = waiting
        try:
            while on is not None:
                session.store.wait_for(txn, on, timeout_s)
                on = locks()
            durable = finish()
        except BaseException as exc:
            session.store.abort(txn)
            failed()
            out.set_exception(exc)
            return
        if durable is None:
            out.set_result(None)
        else:
            durable.add_done_callback(lambda done: _settle(out, done))
    thread = threading.Thread(target=run, name=f"quantadb-temp-{session.pid}", daemon=True)
    session.temp_wait = (txn.cancel_event, thread)
    thread.start()
    return out


def _settle(out: Future, done: Future) -> None:
    exc = done.exception()
    if exc is not None:
        out.set_exception(exc)
    else:
        out.set_result(done.result())


def _namespace(store: Store, txn: Txn, session: "Session") -> NamespaceDef | None:
    return store.catalog.find_namespace(store.snapshot(txn), session.database_oid, session.temp_schema or "")


def _relations(store: Store, txn: Any, ns: NamespaceDef) -> list[int]:
    return [rel.oid for rel in store.catalog.relations(store.snapshot(txn), ns.database)
            if rel.namespace == ns.oid and rel.kind != "i"]


def _drop_namespace(store: Store, txn: Txn, ns: NamespaceDef) -> None:
    _drop_relations(store, txn, ns)
    store.drop_namespace(txn, ns.database, ns.oid)


def _drop_relations(store: Store, txn: Txn, ns: NamespaceDef) -> None:
    for rel in store.catalog.relations(store.snapshot(txn), ns.database):
        # a table's owned sequences and indexes go with it: look each one up again
        if rel.namespace == ns.oid and rel.kind in ("r", "v", "S") and \
                store.catalog.relation(store.snapshot(txn), rel.oid) is not None:
            store.drop_relation(txn, rel.oid)
