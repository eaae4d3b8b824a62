"""Schema changes (DDL): relations, namespaces, databases, roles, functions, types, oids.

Mixed into `store.Store` (uses its `_wlock`, `_state`, `_log`, `_write_xid`, `snapshot`,
`relation_locks`).
Each change is a CATALOG record in the caller's transaction: private until commit, gone on
rollback. An object another running transaction created, altered or dropped raises
WouldBlock. Dropping a table also drops its indexes and the sequences it owns; creating a
database also creates its four built-in namespaces.
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import (DuplicateDatabase, DuplicateObject, DuplicateSchema, DuplicateTable, SerializationFailure,
                             UndefinedTable, WrongObjectType)

from . import records as R
from .catalog import (HEAP_KINDS, DatabaseDef, FunctionDef, NamespaceDef, RelationDef, RoleDef, TypeDef,
                      builtin_namespaces, key_of, to_value)
from .index import hashable, in_predicate, key_forms, row_keys, stored_key
from .null_keys import key_with_nulls
from .locks import ACCESS_EXCLUSIVE
from .txn import COMMITTED, IN_PROGRESS, RowChanged, Txn, WouldBlock


class SchemaChanges:
    def _ddl(self, txn: Txn, op: str, kind: str, value: object, key: tuple | None = None) -> None:
        if key is not None:
            writer = self._state.catalog.current_writer(key)
            if writer and writer not in txn.own:
                raise WouldBlock(writer)
        xid = self._write_xid(txn)
        txn.did_ddl = True
        self._log((R.CATALOG, xid, op, kind, value), txn)

    def create_relation(self, txn: Txn, rel: RelationDef) -> None:
        with self._wlock:
            snap = self.snapshot(txn) if not txn.repeatable else self._state.txns.snapshot(txn)
            if self.catalog.find_relation(snap, rel.database, rel.namespace, rel.name) is not None:
                raise DuplicateTable(f'relation "{rel.name}" already exists')
            if rel.kind == "i" and rel.table_oid not in self._state.tables:
                raise WrongObjectType(f"cannot index relation {rel.table_oid}: it stores no rows")
            if rel.kind == "i" and rel.unique:
                self._check_unique_build(txn, rel)
            self._ddl(txn, "create", "rel", to_value(rel))
        # its creator holds it AccessExclusive until the end, as PostgreSQL's (pg_locks shows it;
        # none other can name it before the commit, so this never waits)
        self.relation_locks.acquire(txn, rel.oid, ACCESS_EXCLUSIVE)

    def _check_unique_build(self, txn: Txn, rel: RelationDef) -> None:
        """Existing rows must be unique under the new index. Rows another running transaction
        inserted or deleted decide nothing yet: like PostgreSQL's CREATE INDEX, wait for it."""
        table = self.table(rel.table_oid)
        status = self._state.txns.clog.status
        own = np.fromiter(txn.own, dtype=np.int64, count=len(txn.own))
        forms = key_forms(table.types, rel.index_columns)
        seen: set = set()
        where = rel.predicate_column
        for first, cols, xmin, xmax in table.all_rows(list(rel.index_columns) + ([where] if where else [])):
            for xids in (xmin, xmax[xmax != 0]):
                running = (status[xids] == IN_PROGRESS) & ~np.isin(xids, own)
                if running.any():
                    raise WouldBlock(int(xids[running][0]))
            seen_min = (status[xmin] == COMMITTED) | np.isin(xmin, own)
            dead = (xmax != 0) & ((status[xmax] == COMMITTED) | np.isin(xmax, own))
            live = seen_min & ~dead
            if where:  # a partial index: only the rows its predicate holds
                live &= in_predicate(cols.pop(), len(xmin))
            keys, ok = row_keys(cols, len(xmin))
            taken = (ok | rel.nulls_not_distinct) & live
            for i, (k, good, keyed) in enumerate(zip(keys, taken.tolist(), ok.tolist())):
                if good:  # (a key with a NULL only NULLS NOT DISTINCT: its NULLs equal)
                    if not keyed:
                        k = key_with_nulls(cols, i)
                    stored = stored_key(forms, k) if keyed else hashable(k)
                    if stored in seen:
                        raise self._unique_violation(rel.name, rel.table_oid, rel.index_columns, k, building=True)
                    seen.add(stored)

    def alter_relation(self, txn: Txn, rel: RelationDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "rel", to_value(rel), ("rel", 0, rel.oid))

    def drop_relation(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            snap = self._state.txns.snapshot(txn)
            rel = self.catalog.relation(snap, oid)
            if rel is None:
                raise UndefinedTable(f"relation with OID {oid} does not exist")
            if rel.kind in HEAP_KINDS:
                for idx in self.catalog.indexes_of(snap, oid):
                    self._ddl(txn, "drop", "rel", ("rel", 0, idx.oid), ("rel", 0, idx.oid))
                for seq in self.catalog.relations(snap, rel.database):
                    if seq.kind == "S" and seq.sequence and seq.sequence.owned_by and \
                            seq.sequence.owned_by[0] == oid:
                        self._ddl(txn, "drop", "rel", ("rel", 0, seq.oid), ("rel", 0, seq.oid))
            self._ddl(txn, "drop", "rel", ("rel", 0, oid), ("rel", 0, oid))

    def create_namespace(self, txn: Txn, ns: NamespaceDef) -> None:
        with self._wlock:
            if self.catalog.find_namespace(self._state.txns.snapshot(txn), ns.database, ns.name):
                raise DuplicateSchema(f'schema "{ns.name}" already exists')
            self._ddl(txn, "create", "ns", to_value(ns))

    def alter_namespace(self, txn: Txn, ns: NamespaceDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "ns", to_value(ns), key_of(ns))

    def drop_namespace(self, txn: Txn, database: int, oid: int) -> None:
        with self._wlock:
            key = ("ns", database, oid)
            self._ddl(txn, "drop", "ns", key, key)

    def create_database(self, txn: Txn, db: DatabaseDef) -> None:
        with self._wlock:
            if self.catalog.find_database(self._state.txns.snapshot(txn), db.name):
                raise DuplicateDatabase(f'database "{db.name}" already exists')
            self._ddl(txn, "create", "db", to_value(db))
            for ns in builtin_namespaces(db.oid, db.owner):
                self._ddl(txn, "create", "ns", to_value(ns))

    def alter_database(self, txn: Txn, db: DatabaseDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "db", to_value(db), key_of(db))

    def drop_database(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            snap = self._state.txns.snapshot(txn)
            for rel in self.catalog.relations(snap, oid):
                key = ("rel", 0, rel.oid)
                self._ddl(txn, "drop", "rel", key, key)
            for fn in self.catalog.functions(snap, oid):
                key = ("func", 0, fn.oid)
                self._ddl(txn, "drop", "func", key, key)
            for t in self.catalog.types(snap, oid):
                key = ("type", 0, t.oid)
                self._ddl(txn, "drop", "type", key, key)
            for ns in self.catalog.namespaces(snap, oid):
                key = ("ns", oid, ns.oid)
                self._ddl(txn, "drop", "ns", key, key)
            self._ddl(txn, "drop", "db", ("db", 0, oid), ("db", 0, oid))

    def create_role(self, txn: Txn, role: RoleDef) -> None:
        with self._wlock:
            if self.catalog.find_role(self._state.txns.snapshot(txn), role.name):
                raise DuplicateObject(f'role "{role.name}" already exists')
            self._ddl(txn, "create", "role", to_value(role))

    def alter_role(self, txn: Txn, role: RoleDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "role", to_value(role), key_of(role))

    def drop_role(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            self._ddl(txn, "drop", "role", ("role", 0, oid), ("role", 0, oid))

    def create_function(self, txn: Txn, fn: FunctionDef) -> None:
        """The caller checked for a visible function of the same signature; one of that name
        another running transaction creates or changes makes this wait for it, and one of the
        same signature committed after the statement's snapshot makes it run again (then the
        statement sees it), as PostgreSQL's unique index on pg_proc does."""
        with self._wlock:
            signature = [t.pg for t in fn.input_types]
            for oid in self.catalog.function_oids(fn.database, fn.namespace, fn.name):
                writer = self.catalog.current_writer(("func", 0, oid))
                if writer and writer not in txn.own:
                    raise WouldBlock(writer)
                current = self.catalog.current(("func", 0, oid))
                if current is not None and [t.pg for t in current.input_types] == signature:
                    if txn.repeatable:  # its snapshot will not see it on a rerun
                        raise SerializationFailure("could not serialize access due to concurrent update")
                    raise RowChanged(oid)
            self._ddl(txn, "create", "func", to_value(fn))

    def alter_function(self, txn: Txn, fn: FunctionDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "func", to_value(fn), key_of(fn))

    def drop_function(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            self._ddl(txn, "drop", "func", ("func", 0, oid), ("func", 0, oid))

    def create_type(self, txn: Txn, t: TypeDef) -> None:
        with self._wlock:
            snap = self._state.txns.snapshot(txn)
            if self.catalog.find_type(snap, t.database, t.namespace, t.name) is not None:
                raise DuplicateObject(f'type "{t.name}" already exists')
            self._ddl(txn, "create", "type", to_value(t))

    def alter_type(self, txn: Txn, t: TypeDef) -> None:
        with self._wlock:
            self._ddl(txn, "alter", "type", to_value(t), key_of(t))

    def drop_type(self, txn: Txn, oid: int) -> None:
        with self._wlock:
            self._ddl(txn, "drop", "type", ("type", 0, oid), ("type", 0, oid))

    def allocate_oid(self, txn: Txn | None = None) -> int:
        with self._wlock:
            oid = self._state.next_oid
            self._log((R.OID, oid))
            return oid
