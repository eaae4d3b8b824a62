"""Deferred uniqueness: DEFERRABLE unique and primary key constraints.

The index of such a constraint (Index.immediate false, pg_index.indimmediate) takes duplicate
keys for a while: RowWrites does not refuse a key written to it; a key that another version,
live or a running transaction's, holds already, or that an earlier row of the same write has,
is kept in the transaction (Txn.unique_rechecks; PostgreSQL's UNIQUE_CHECK_PARTIAL), and
`recheck_unique` checks the kept keys later, at the end of the statement or at commit
(engine/deferred.py decides which), as PostgreSQL's unique_key_recheck: a key that more than
one live version holds then is a UniqueViolation. (A key written where no other version held
it is not checked again: whoever writes it next keeps it, and that check finds both.) Liveness is the dirty
read of the immediate check (RowWrites._row_live): a running transaction's version that decides
it makes the check wait (WouldBlock). The check only reads, so after a wait it simply runs again.

Mixed into `store.Store` (uses `_wlock`, `_state` and RowWrites' `_row_live`, `_unique_violation`).
"""

from __future__ import annotations

from collections.abc import Iterable

from .txn import Txn


class UniqueChecks:
    def recheck_unique(self, txn: Txn, index_oids: Iterable[int]) -> None:
        """Check the keys txn kept for these deferrable unique indexes; those that pass are let go."""
        with self._wlock:
            for oid in list(index_oids):
                keys = txn.unique_rechecks.get(oid)
                idx = self._state.indexes.get(oid)
                if keys and idx is not None:
                    table = self._state.tables[idx.table_oid]
                    for key in keys.values():
                        live = 0
                        for rowid in idx.lookup_key(key):
                            live += self._row_live(txn, table, rowid)
                            if live > 1:
                                self.ssi.unique_violation(txn, table.oid, idx, key)  # (SERIALIZABLE: 40001 first)
                                raise self._unique_violation(self._index_name(oid), table.oid, idx.attnums, key)
                txn.unique_rechecks.pop(oid, None)
