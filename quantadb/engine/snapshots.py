"""Exported snapshots: pg_export_snapshot() and SET TRANSACTION SNAPSHOT, with which the workers
of `pg_dump -j` read the database as its leader's transaction does.

An exported snapshot is the exporting transaction's (storage Snapshot.exported), kept under an
identifier in PostgreSQL's form (backend, transaction, counter) until that transaction ends; a
REPEATABLE READ or SERIALIZABLE transaction of the same database imports it before its first
query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.errors import ActiveSqlTransaction, FeatureNotSupported, InvalidParameterValue
from quantadb.storage.txn import Snapshot, Txn

if TYPE_CHECKING:
    from quantadb.engine.session import Session


class ExportedSnapshots:
    """A node's exported snapshots: identifier -> (exporting transaction, its database, snapshot)."""

    def __init__(self) -> None:
        self._exported: dict[str, tuple[Txn, int, Snapshot]] = {}

    def export(self, session: "Session", txn: Txn) -> str:
        for ident, (exporter, _, _) in list(self._exported.items()):  # those of ended transactions go
            if exporter.state != "active":
                self._exported.pop(ident, None)
        count = 1 + sum(1 for exporter, _, _ in self._exported.values() if exporter is txn)
        ident = f"{session.pid:08X}-{txn.vxid:08X}-{count}"
        self._exported[ident] = (txn, session.database_oid, session.store.snapshot(txn).exported())
        return ident

    def import_into(self, session: "Session", ident: str) -> None:
        """SET TRANSACTION SNAPSHOT ident, with PostgreSQL's checks."""
        if not session.state.block:
            session.notice("SET TRANSACTION can only be used in transaction blocks", "25P01", "WARNING")
        txn = session.state.txn
        if txn is None or not txn.repeatable:
            raise FeatureNotSupported("a snapshot-importing transaction must have isolation level SERIALIZABLE "
                                      "or REPEATABLE READ")
        if txn.snapshot is not None:
            raise ActiveSqlTransaction("SET TRANSACTION SNAPSHOT must be called before any query")
        found = self._exported.get(ident)
        if found is None or found[0].state != "active":
            raise InvalidParameterValue(f'invalid snapshot identifier: "{ident}"')
        exporter, database, snapshot = found
        if database != session.database_oid:
            raise FeatureNotSupported("cannot import a snapshot from a different database")
        if txn.isolation == "serializable":
            if exporter.isolation != "serializable":
                raise FeatureNotSupported("a serializable transaction cannot import a snapshot from a "
                                          "non-serializable transaction")
            if exporter.read_only and not txn.read_only:
                raise FeatureNotSupported("a non-read-only serializable transaction cannot import a snapshot "
                                          "from a read-only transaction")
            if txn.read_only and getattr(txn, "deferrable", False):  # (it could not wait for a safe one)
                raise FeatureNotSupported("a snapshot-importing transaction must not be READ ONLY DEFERRABLE")
        session.store.import_snapshot(txn, snapshot)
        if txn.isolation == "serializable":  # SSI on the exporter's snapshot (storage/ssi.py)
            session.store.ssi.imported(txn, exporter.snapshot.sxact)

