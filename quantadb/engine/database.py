"""Database: the engine of one node — the store, the live sessions, shared caches — and the
facade the network layers call to authenticate and open sessions."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from quantadb.engine.advisory import AdvisoryLocks
from quantadb.engine.maintenance import Maintenance, StatementGate
from quantadb.engine.session import Session
from quantadb.engine.snapshots import ExportedSnapshots
from quantadb.engine.ddl.temp import drop_orphan_temp_schemas
from quantadb.engine.membership import acting_roles
from quantadb.engine.notify import NotifyHub
from quantadb.engine import pgstat_file
from quantadb.engine.privileges import database_privilege
from quantadb.errors import InvalidAuthorizationSpecification, InvalidCatalogName, ObjectNotInPrerequisiteState
from quantadb.storage.store import Store

log = logging.getLogger("quantadb.engine")


@dataclass(frozen=True)
class RoleAuth:
    name: str
    can_login: bool
    password: str | None
    superuser: bool


class Database:
    def __init__(self, store: Store, data_dir: str, *, autovacuum_naptime_s: float = 5.0) -> None:
        self.store = store
        self.data_dir = data_dir
        self.sessions: dict[int, Session] = {}
        self.plan_cache: dict = {}
        self.pgstat = pgstat_file.load(data_dir)  # what the last clean shutdown kept (crash: none)
        self.read_only = False  # a replica serves reads only (SQLSTATE 25006 for writes)
        store.ssi.in_hot_standby = lambda: self.read_only  # (where SERIALIZABLE is refused)
        self.started_at = time.time()
        self.advisory = AdvisoryLocks(self._row_wait)
        self.exported_snapshots = ExportedSnapshots()
        self.notify_hub = NotifyHub()
        from quantadb.engine import system  # noqa: F401  (registers session functions and generated tables)
        from quantadb.engine import pg_catalog  # noqa: F401  (registers pg_catalog and information_schema)
        self.gate = StatementGate()
        self.maintenance = Maintenance(store, self.gate, self.pgstat, naptime_s=autovacuum_naptime_s,
                                       row_ids_held=self._cursor_row_ids_held)
        self.maintenance.start()

    @classmethod
    def open(cls, data_dir: str, *, fsync: bool = True, autovacuum_naptime_s: float = 5.0) -> "Database":
        started = time.monotonic()
        store = Store.open(data_dir, fsync=fsync)
        dropped = drop_orphan_temp_schemas(store)
        if dropped:
            log.info("[engine] dropped %d temporary schema(s) of sessions that ended in a crash", dropped)
        log.info("[engine] database open in %.2f s (lsn %d)", time.monotonic() - started, store.current_lsn)
        return cls(store, data_dir, autovacuum_naptime_s=autovacuum_naptime_s)

    def close(self) -> None:
        """Clean shutdown: end the sessions, then a checkpoint, so the next start loads it
        instead of replaying the WAL written since the last one (seconds after a busy run), and
        the statistics, which the next start reads (pgstat_file.py)."""
        self.maintenance.stop()
        for session in list(self.sessions.values()):
            session.close()
        try:
            self.store.checkpoint()
        except Exception:  # e.g. the WAL refuses writes after a failed fsync: recovery will replay
            log.exception("[engine] shutdown checkpoint failed")
        self.store.close()
        try:
            pgstat_file.save(self.pgstat, self.data_dir)
        except OSError:  # the next start finds none: zeroed statistics, as after a crash
            log.exception("[engine] could not write the statistics file")

    def _cursor_row_ids_held(self, rel_oid: int) -> bool:
        """Does a session's open cursor keep row ids of the table (a VACUUM would renumber them)?"""
        return any(session.cursors.holds_row_ids(rel_oid) for session in list(self.sessions.values()))

    # -- sessions ---------------------------------------------------------------------------------

    def role_auth(self, user: str) -> RoleAuth | None:
        role = self.store.catalog.find_role(self.store.snapshot(None), user)
        if role is None:
            return None
        return RoleAuth(role.name, role.login, role.password, role.superuser)

    def connect(self, user: str, database: str, startup_params: dict[str, str], pid: int,
                secret: int) -> Session:
        snap = self.store.snapshot(None)
        role = self.store.catalog.find_role(snap, user)
        if role is None:
            raise InvalidAuthorizationSpecification(f'role "{user}" does not exist')
        if not role.login:
            raise InvalidAuthorizationSpecification(f'role "{user}" is not permitted to log in')
        db = self.store.catalog.find_database(snap, database)
        if db is None:
            raise InvalidCatalogName(f'database "{database}" does not exist')
        if not db.allow_connections:
            raise ObjectNotInPrerequisiteState(f'database "{database}" is not currently accepting connections')
        database_privilege(acting_roles(self.store.catalog, snap, role.oid), role.superuser, db, "c")
        session = Session(self, user, database, db.oid, startup_params, pid, secret, role.superuser, role.oid)
        self.sessions[pid] = session
        return session

    def session_ended(self, session: Session) -> None:
        """The session is gone (its temporary tables too): its advisory locks and LISTENs go."""
        self.advisory.release_all(session.pid, xact=None)
        session.notifications.close()
        self.sessions.pop(session.pid, None)

    def blocking_pids(self, pid: int) -> set[int]:
        """The sessions whose locks session pid waits for: row, relation or advisory (pg_blocking_pids)."""
        wait = self._row_wait(pid)
        return wait[1] if wait is not None else self.advisory.blockers(pid)

    def _row_wait(self, pid: int) -> tuple[str, set[int]] | None:
        """Session pid's row or relation lock wait: (what it waits for, as a deadlock report names
        it, the sessions it waits for), None when it waits for none (AdvisoryLocks' deadlock check)."""
        session = self.sessions.get(pid)
        txn = session.state.txn if session is not None else None
        if txn is None:
            return None
        blockers = {t.pid for t in self.store.blockers(txn) if t.pid}
        if not blockers:
            return None
        return self.store.wait_described(txn) or "a relation lock", blockers

    # -- node status ------------------------------------------------------------------------------

    def current_lsn(self) -> int:
        return self.store.current_lsn

    def stats(self) -> dict:
        out = dict(self.store.stats())
        out["data_dir_bytes"] = _dir_size(self.data_dir)
        out["sessions"] = len(self.sessions)
        return out


def _dir_size(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total
