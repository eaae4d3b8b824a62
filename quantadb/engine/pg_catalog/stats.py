"""Run-time views: pg_settings, pg_stat_activity, pg_stat_database, pg_stat(io)_*_tables,
pg_stat(io)_*_indexes, pg_statio_*_sequences, pg_locks, pg_cursors, pg_prepared_statements,
pg_stat_gssapi and pg_stat_ssl, from the node's sessions, the session's settings and the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np

from quantadb.engine.pg_catalog.tables import TABLES, Row, rows
from quantadb.engine.pgstat import TABLE_TIMES
from quantadb.engine.settings import BOUNDS, ENUM_VALUES, SETTINGS
from quantadb.storage.locks import MODE_NAMES
from quantadb.storage.table import ctid_of
from quantadb.sql.catalog import register_relation_function

if TYPE_CHECKING:
    from quantadb.engine.session import Session

UNIX_EPOCH_2000 = 946684800


def timestamptz(seconds: float) -> int | None:
    """time.time() seconds as a timestamptz value (µs since 2000-01-01 UTC); 0 means unknown."""
    return int((seconds - UNIX_EPOCH_2000) * 1_000_000) if seconds else None


@rows("pg_catalog.pg_settings")
def pg_settings(session: "Session") -> Iterator[Row]:
    for key, s in sorted(SETTINGS.items()):
        value = session.settings.get(key)
        low, high = BOUNDS.get(s.name, (None, None))
        choices = ENUM_VALUES.get(s.name)
        yield {"name": s.name, "setting": value, "unit": s.unit, "category": s.category, "short_desc": s.description,
               "context": s.context, "vartype": s.vartype, "min_val": low, "max_val": high,
               "enumvals": list(choices) if choices else None,
               "source": session.settings.source(key), "boot_val": s.default,
               "reset_val": session.settings.session_defaults.get(key, s.default), "pending_restart": False}


# pgAdmin (>= 8.12) reads the settings through the function rather than the view
register_relation_function("pg_show_all_settings", TABLES["pg_catalog.pg_settings"])


@rows("pg_catalog.pg_stat_activity")
def pg_stat_activity(session: "Session") -> Iterator[Row]:
    waits = session.store.waiting()
    for other in list(session.db.sessions.values()):
        active = other.state_name == "active"
        on = waits.get(other.state.txn) if waits and other.state.txn is not None else None
        if on is not None:  # a row lock waits on the holder's transaction ID, as PostgreSQL's
            wait = ("Lock", "transactionid") if isinstance(on, int) else getattr(on, "wait_event", ("Lock", "relation"))
        else:
            wait = (None, None) if active else ("Client", "ClientRead")
        yield {"datid": other.database_oid, "datname": other.database, "pid": other.pid,
               "usesysid": _role_oid(session, other.session_user), "usename": other.session_user,
               "application_name": other.settings.get("application_name") or "",
               "backend_start": timestamptz(other.backend_start),
               "xact_start": other.state.started_us if other.in_transaction else None,
               "query_start": other.query_started_us or None, "state_change": other.query_started_us or None,
               "wait_event_type": wait[0], "wait_event": wait[1],
               "state": other.state_name, "query": other.query_text, "backend_type": "client backend"}
    worker = session.db.maintenance.activity
    if worker is not None:  # autovacuum at work on a table (PostgreSQL's autovacuum worker process)
        started = timestamptz(worker.started)
        db = session.store.catalog.database(session.catalog().snap, worker.database)
        yield {"datid": worker.database, "datname": db.name if db else None, "pid": session.db.maintenance.pid,
               "backend_start": started, "xact_start": started, "query_start": started, "state_change": started,
               "state": "active", "query": worker.query, "backend_type": "autovacuum worker"}


def _role_oid(session: "Session", name: str) -> int:
    role = session.store.catalog.find_role(session.catalog().snap, name)
    return role.oid if role is not None else 0


@rows("pg_catalog.pg_stat_database")
def pg_stat_database(session: "Session") -> Iterator[Row]:
    sessions = list(session.db.sessions.values())
    pgstat = session.db.pgstat
    pgstat.flush(session.pgstat)  # the reader's own counts are in what it reads
    for db in session.store.catalog.databases(session.catalog().snap):
        row = pgstat.database(db.oid)
        row.update(datid=db.oid, datname=db.name, numbackends=sum(1 for s in sessions if s.database_oid == db.oid),
                   stats_reset=timestamptz(pgstat.reset_at.get(db.oid, 0)))
        yield row


def _table_stats(session: "Session") -> Iterator[Row]:
    """The counters of pgstat.py (n_live_tup and n_dead_tup among them, as PostgreSQL counts them:
    by the transactions that wrote, and by VACUUM and ANALYZE)."""
    catalog = session.catalog()
    pgstat = session.db.pgstat
    pgstat.flush(session.pgstat)
    for rel in catalog.relations():
        if rel.kind in ("r", "p", "m"):
            row = pgstat.table(rel.oid, [i.oid for i in catalog.indexes_of(rel.oid)])
            for key in TABLE_TIMES:
                row[key] = timestamptz(row[key])
            row.update(relid=rel.oid, schemaname=catalog.namespace_name(rel.namespace), relname=rel.name,
                       n_tup_hot_upd=0)
            yield row


@rows("pg_catalog.pg_stat_user_tables")
def pg_stat_user_tables(session: "Session") -> Iterator[Row]:
    return _table_stats(session)


@rows("pg_catalog.pg_stat_all_tables")
def pg_stat_all_tables(session: "Session") -> Iterator[Row]:
    return _table_stats(session)


# Block I/O counters are not kept (there are no blocks): every table and index shows zero.
@rows("pg_catalog.pg_statio_user_tables")
@rows("pg_catalog.pg_statio_all_tables")
def pg_statio_tables(session: "Session") -> Iterator[Row]:
    for row in _table_stats(session):
        yield {key: row[key] for key in ("relid", "schemaname", "relname")}


@rows("pg_catalog.pg_statio_user_sequences")
@rows("pg_catalog.pg_statio_all_sequences")
def pg_statio_sequences(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for rel in catalog.relations():
        if rel.kind == "S":
            yield {"relid": rel.oid, "schemaname": catalog.namespace_name(rel.namespace), "relname": rel.name}


@rows("pg_catalog.pg_stat_user_indexes")
@rows("pg_catalog.pg_stat_all_indexes")
@rows("pg_catalog.pg_statio_user_indexes")
@rows("pg_catalog.pg_statio_all_indexes")
def index_stats(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    pgstat = session.db.pgstat
    pgstat.flush(session.pgstat)
    for rel in catalog.relations():
        table = catalog.relation(rel.table_oid) if rel.kind == "i" else None
        if table is not None:
            row = pgstat.index(rel.oid)
            row.update(relid=table.oid, indexrelid=rel.oid, schemaname=catalog.namespace_name(rel.namespace),
                       relname=table.name, indexrelname=rel.name)
            yield row


# pg_locks columns a lock of another kind leaves NULL (the generic catalog default would be 0)
_LOCK_TARGET = dict.fromkeys(("database", "relation", "page", "tuple", "virtualxid", "transactionid", "classid",
                              "objid", "objsubid", "waitstart"))


@rows("pg_catalog.pg_locks")
def pg_locks(session: "Session") -> Iterator[Row]:
    """Relation and transaction-ID locks held and awaited (storage/locks.py, TxnManager.xid_locks),
    SIREAD locks (storage/ssi.py), advisory locks held, and each session's own virtual transaction lock."""
    for other in list(session.db.sessions.values()):
        txn = other.state.txn
        vxid = f"{other.pid}/{txn.vxid if txn is not None else 1}"
        yield {**_LOCK_TARGET, "locktype": "virtualxid", "virtualxid": vxid, "virtualtransaction": vxid,
               "pid": other.pid, "mode": "ExclusiveLock", "granted": True, "fastpath": True}
    for txn, rel, mode, granted, fast in session.store.relation_locks.locks():
        yield {**_LOCK_TARGET, "locktype": "relation", "database": txn.database, "relation": rel,
               "virtualtransaction": f"{txn.pid}/{txn.vxid}", "pid": txn.pid, "mode": MODE_NAMES[mode],
               "granted": granted, "fastpath": fast}
    for txn, xid, granted in session.store.xid_locks():  # a row-lock wait shows as one not granted
        yield {**_LOCK_TARGET, "locktype": "transactionid", "transactionid": xid,
               "virtualtransaction": f"{txn.pid}/{txn.vxid}", "pid": txn.pid,
               "mode": "ExclusiveLock" if granted else "ShareLock", "granted": granted, "fastpath": False}
    for txn, rel, rowid, mode, granted in session.store.tuple_locks():  # a row-lock waiter's, while it waits
        page, offset = divmod(int(ctid_of(np.array([rowid]))[0]), 1 << 16)
        yield {**_LOCK_TARGET, "locktype": "tuple", "database": txn.database, "relation": rel, "page": page,
               "tuple": offset, "virtualtransaction": f"{txn.pid}/{txn.vxid}", "pid": txn.pid, "mode": mode,
               "granted": granted, "fastpath": False}
    for txn, committed, locktype, rel in session.store.ssi.siread_locks():  # a committed one's: no session
        yield {**_LOCK_TARGET, "locktype": locktype, "database": txn.database, "relation": rel,
               "virtualtransaction": f"-1/{txn.xid or 0}" if committed else f"{txn.pid}/{txn.vxid}",
               "pid": None if committed else txn.pid, "mode": "SIReadLock", "granted": True, "fastpath": False}
    for (database, classid, objid, objsubid), pid, mode, _, granted in session.db.advisory.locks():
        yield {**_LOCK_TARGET, "locktype": "advisory", "database": database, "classid": classid,
               "objid": objid, "objsubid": objsubid, "virtualtransaction": f"{pid}/1", "pid": pid,
               "mode": mode, "granted": granted, "fastpath": False}


@rows("pg_catalog.pg_cursors")
def pg_cursors(session: "Session") -> Iterator[Row]:
    for name, portal in session.portals.items():
        if portal.cursor:
            yield {"name": name, "statement": portal.prepared.text, "is_holdable": portal.hold,
                   "is_binary": False, "is_scrollable": portal.scrollable is not False}


@rows("pg_catalog.pg_prepared_statements")
def pg_prepared_statements(session: "Session") -> Iterator[Row]:
    for name, prepared in session.prepared.items():
        if name:
            yield {"name": name, "statement": prepared.text,
                   "parameter_types": [t.oid for t in prepared.param_types], "from_sql": False}


@rows("pg_catalog.pg_stat_gssapi")
def pg_stat_gssapi(session: "Session") -> Iterator[Row]:
    for other in list(session.db.sessions.values()):
        yield {"pid": other.pid, "gss_authenticated": False, "encrypted": False}


@rows("pg_catalog.pg_stat_ssl")
def pg_stat_ssl(session: "Session") -> Iterator[Row]:
    for other in list(session.db.sessions.values()):
        yield {"pid": other.pid, "ssl": False}
