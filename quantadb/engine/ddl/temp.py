"""Temporary tables: each session's pg_temp_<pid> schema, ON COMMIT actions, and clean-up.

A session's temporary schema is created in the transaction of its first CREATE TEMP TABLE (a
rollback takes it away again) and searched before search_path for relations, as PostgreSQL
does. Unlike PostgreSQL, temporary tables are WAL-logged like any table; what a session leaves
is dropped when it ends, and what a crash left is dropped when the database opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine.privileges import database_privilege
from quantadb.storage.catalog import BOOTSTRAP_SUPERUSER, NamespaceDef
from quantadb.storage.store import Store

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


def before_commit(session: "Session", txn) -> None:
    """ON COMMIT DROP / DELETE ROWS of the session's temporary tables, inside the committing
    transaction (tables a rolled-back statement created are gone and skipped)."""
    store = session.store
    snap = store.snapshot(txn)
    for oid, action in list(session.temp_on_commit.items()):
        if store.catalog.relation(snap, oid) is None:
            del session.temp_on_commit[oid]
        elif action == "drop":
            store.drop_relation(txn, oid)
            del session.temp_on_commit[oid]
        else:
            store.truncate(txn, oid)


def discard_temp(session: "Session") -> None:
    """DISCARD TEMP (and DISCARD ALL): the session's temporary tables go, in its transaction."""
    if session.temp_schema is None:
        return
    store, txn = session.store, session._ensure_txn()
    ns = store.catalog.find_namespace(store.snapshot(txn), session.database_oid, session.temp_schema)
    if ns is not None:
        _drop_relations(store, txn, ns)
    session.temp_on_commit.clear()


def drop_temp_schema(session: "Session") -> None:
    """At the end of a session: its temporary tables and schema go, in a transaction of their own."""
    if session.temp_schema is None:
        return
    store = session.store
    txn = store.begin()
    try:
        ns = store.catalog.find_namespace(store.snapshot(txn), session.database_oid, session.temp_schema)
        if ns is not None:
            _drop_namespace(store, txn, ns)
    except BaseException:
        store.abort(txn)
        raise
    store.commit(txn)  # not waited for: after a crash, recovery drops leftovers anyway
    session.temp_schema = None


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


def _drop_namespace(store: Store, txn, ns: NamespaceDef) -> None:
    _drop_relations(store, txn, ns)
    store.drop_namespace(txn, ns.database, ns.oid)


def _drop_relations(store: Store, txn, ns: NamespaceDef) -> None:
    for rel in store.catalog.relations(store.snapshot(txn), ns.database):
        # a table's owned sequences and indexes go with it: look each one up again
        if rel.namespace == ns.oid and rel.kind in ("r", "v", "S") and \
                store.catalog.relation(store.snapshot(txn), rel.oid) is not None:
            store.drop_relation(txn, rel.oid)
