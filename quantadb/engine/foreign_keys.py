"""Foreign keys as the executor enforces them (ExecServices' mixin): a new referencing key must
exist in the referenced table, found and locked KEY SHARE as PostgreSQL's RI check does
(storage/row_locks.py); a referenced key that changes or goes applies the constraint's action
(NO ACTION / RESTRICT, CASCADE, SET NULL, SET DEFAULT) to the referencing rows, through their
table's triggers; a deferred constraint's keys are kept and checked at commit (engine/deferred.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from quantadb.engine.deferred import defer_new_keys, defer_old_keys
from quantadb.engine.pgstat import N_TUP_DEL, N_TUP_UPD
from quantadb.errors import ForeignKeyViolation, SerializationFailure, UndefinedTable
from quantadb.exec.columns import column_values, from_values, take, take_batch
from quantadb.exec.context import EvalContext
from quantadb.storage.catalog import ConstraintDef, RelationDef
from quantadb.storage.locks import ROW_EXCLUSIVE, ROW_SHARE
from quantadb.storage.txn import Snapshot
from quantadb.types.codecs import format_value
from quantadb.types.column import Batch, Column

if TYPE_CHECKING:
    from quantadb.engine.services import ExecServices


class ForeignKeys:
    """ExecServices' foreign-key checks and actions (it provides session, store, txn, snapshot,
    deferred, fetch and triggers)."""

    def _lock_relation(self, rel_oid: int, mode: int) -> None:
        """A relation lock a foreign-key check takes as PostgreSQL's RI queries do (WouldBlock: the
        statement is undone, waits and runs again)."""
        if not self.txn.rel_locks.get(rel_oid, 0) >> mode & 1:
            self.store.lock_relation(self.txn, rel_oid, mode)

    def _null_keys_checked(self, fks: list[ConstraintDef]) -> None:
        """New rows whose key has a NULL: PostgreSQL's RI trigger still fires for each, locks the
        referenced table RowShare and lets go at once (no check): a momentary lock, which waits
        behind LOCK TABLE ... IN EXCLUSIVE MODE there (an UPDATE to a NULL key fires none)."""
        for fk in fks:
            self.store.lock_relation(self.txn, fk.ref_table, ROW_SHARE, momentary=True)

    def check_foreign_keys(self, fks: list[ConstraintDef], rows: Batch, may_defer: bool = True) -> None:
        """Every non-NULL referencing key must exist in the referenced table, found and locked as
        PostgreSQL's SELECT ... FOR KEY SHARE does (the table RowShare, the row KEY SHARE:
        storage/row_locks.py); a deferred constraint's keys are checked at its commit
        (engine/deferred.py)."""
        if may_defer:
            fks = defer_new_keys(self.session.state, fks, rows.columns)
            if not fks:
                return
        if self.deferred is not None:
            self.deferred.append(lambda: self._check_foreign_keys(fks, rows))
        else:
            self._check_foreign_keys(fks, rows)

    def _check_foreign_keys(self, fks: list[ConstraintDef], rows: Batch) -> None:
        catalog = self.session.catalog()
        for fk in fks:
            keys = [rows.columns[a - 1] for a in fk.columns]
            present = np.ones(rows.length, dtype=bool)
            for k in keys:
                if k.valid is not None:
                    present &= k.valid
            if not present.any():
                continue
            self._lock_relation(fk.ref_table, ROW_SHARE)
            idx = np.flatnonzero(present)
            ref = catalog.relation(fk.ref_table)
            index_oid = _unique_index_on(catalog.indexes_of(fk.ref_table), fk.ref_columns)
            hits = self.store.lock_referenced(self.txn, index_oid, [take(k, idx) for k in keys])
            missing = hits < 0
            if missing.any():
                bad = int(idx[np.flatnonzero(missing)[0]])
                child = self._owner(fk)
                names, values = self._key_text(child, fk.columns, keys, bad)
                raise ForeignKeyViolation(
                    f'insert or update on table "{child.name}" violates foreign key constraint "{fk.name}"',
                    detail=f'Key ({names})=({values}) is not present in table "{ref.name}".', constraint=fk.name)

    def after_delete(self, rel_oid: int, rowids: np.ndarray, old: Batch) -> None:
        """Rows `old` were deleted: the rows referencing them, as PostgreSQL's RI triggers act after
        the write (a row referencing itself is gone with it)."""
        self._referenced_rows_changing(rel_oid, old, None)

    def after_update(self, rel_oid: int, rowids: np.ndarray, new: Batch) -> None:
        """Versions `rowids` were replaced by `new`: the rows referencing keys that changed (a row
        that references itself has its new key by then)."""
        referencing = self._referencing(rel_oid)
        if not referencing:
            return
        old = Batch(self.fetch(rel_oid, rowids, len(new.columns)), len(rowids))
        self._referenced_rows_changing(rel_oid, old, new)

    def is_referenced(self, rel_oid: int) -> bool:
        """Some table has a foreign key to this one (its UPDATE/DELETE must look there)."""
        return bool(self._referencing(rel_oid))

    def _referencing(self, rel_oid: int) -> list[tuple[RelationDef, ConstraintDef]]:
        out = []
        for rel in self.store.catalog.referencing(self.snapshot, rel_oid):
            for con in rel.constraints:
                if con.kind == "f" and con.ref_table == rel_oid:
                    out.append((rel, con))
        return out

    def _referenced_rows_changing(self, rel_oid: int, old: Batch, new: Batch | None) -> None:
        """NO ACTION / RESTRICT refuse (their check locks the referencing table RowShare, as FOR KEY
        SHARE), CASCADE follows, SET NULL / SET DEFAULT clear (RowExclusive, as their DELETE/UPDATE)."""
        for child, fk in self._referencing(rel_oid):
            old_keys = zip(*[column_values(old.columns[a - 1]) for a in fk.ref_columns])
            if new is None:
                wanted: dict = {k: None for k in map(_match_key, old_keys) if k is not None}
            else:  # the keys that change, to their new values
                new_keys = zip(*[column_values(new.columns[a - 1]) for a in fk.ref_columns])
                wanted = {}
                for o, n in zip(old_keys, new_keys):
                    key = _match_key(o)
                    if key is not None and key != _match_key(n):
                        wanted[key] = n
            if not wanted:
                continue
            action = fk.on_update if new is not None else fk.on_delete
            if action == "a" and defer_old_keys(self.session.state, fk, _raw_keys(old, fk.ref_columns, wanted)):
                continue
            if action == "a" and self.deferred is not None:  # NO ACTION: at the statement's end
                self.deferred.append(lambda child=child, fk=fk, wanted=wanted:
                                     self._act_on_referencing(rel_oid, child, fk, wanted, "a", new is None))
            else:
                self._act_on_referencing(rel_oid, child, fk, wanted, action, new is None)

    def _act_on_referencing(self, rel_oid: int, child: RelationDef, fk: ConstraintDef, wanted: dict,
                            action: str, deleting: bool) -> None:
        """_referenced_rows_changing for one referencing table: `wanted` maps the keys that change
        to their new values."""
        snapshot = self.ri_snapshot or self.snapshot
        if self.txn.repeatable:  # the referencing rows committed since the snapshot count too
            snapshot = self.store.latest_snapshot(self.txn)
        self._lock_relation(child.oid, ROW_SHARE if action in ("a", "r") else ROW_EXCLUSIVE)
        rowids, rows = self._rows_with_keys(child, fk.columns, wanted, snapshot)
        if not rows.length:
            return
        if self.txn.repeatable and action not in ("a", "r") and \
                not self.store.table(child.oid).visible(self.txn.snapshot, rowids).all():
            # PostgreSQL's RI action cross-checks the rows it would change with the snapshot
            raise SerializationFailure("could not serialize access due to concurrent update")
        if action in ("a", "r"):
            parent = self.session.catalog().relation(rel_oid)
            _, values = self._key_text(child, fk.columns, [rows.columns[a - 1] for a in fk.columns], 0)
            names = ", ".join(c.name for a in fk.ref_columns for c in parent.columns if c.attnum == a)
            raise ForeignKeyViolation(
                f'update or delete on table "{parent.name}" violates foreign key '
                f'constraint "{fk.name}" on table "{child.name}"',
                detail=f'Key ({names})=({values}) is still referenced from table "{child.name}".',
                constraint=fk.name)
        if action == "c" and deleting:
            self._ri_write(child.oid, rowids, rows, None, snapshot)
            return
        cols = list(rows.columns)
        if action == "c":  # ON UPDATE CASCADE: each row takes its parent's new key
            new_keys = [wanted[_match_key(k)] for k in zip(*[column_values(cols[a - 1]) for a in fk.columns])]
        for i, a in enumerate(fk.columns):
            col_type = next(c.type for c in child.columns if c.attnum == a)
            values = [k[i] for k in new_keys] if action == "c" else [None] * rows.length
            cols[a - 1] = from_values(values, col_type)
        self._ri_write(child.oid, rowids, rows, Batch(cols, rows.length), snapshot)

    def _rows_with_keys(self, rel: RelationDef, attnums: tuple[int, ...], wanted: dict | set,
                        snapshot: Snapshot) -> tuple[np.ndarray, Batch]:
        """The row ids and rows (every column) of `rel` whose key on `attnums` is in `wanted`
        (keys as _match_key makes them)."""
        from quantadb.exec.columns import concat_batches
        every = [c.attnum for c in sorted(rel.columns, key=lambda c: c.attnum)]
        hits_rowids, hits_rows = [], []
        for scan in self.store.table(rel.oid).scan(snapshot, every, True):
            keys = zip(*[column_values(scan.columns[a - 1]) for a in attnums])
            mask = np.array([_match_key(k) in wanted for k in keys], dtype=bool)
            if mask.any():
                hits_rowids.append(scan.rowids[mask])
                hits_rows.append(Batch([take(c, mask) for c in scan.columns], int(mask.sum())))
        if not hits_rows:
            return np.zeros(0, dtype=np.int64), Batch([], 0)
        dtypes = [c.type.pg.dtype for c in sorted(rel.columns, key=lambda c: c.attnum)]
        return np.concatenate(hits_rowids), concat_batches(hits_rows, dtypes)

    # -- deferred foreign keys (engine/deferred.py) ------------------------------------------------

    def recheck_new_keys(self, fk: ConstraintDef, keys: list[tuple]) -> None:
        """Deferred check of keys rows got: one the referenced table lacks fails while a row
        still holds it."""
        child = self._owner(fk)
        if child is None:  # dropped since
            return
        types = [next(c.type for c in child.columns if c.attnum == a) for a in fk.columns]
        missing = self._absent(fk.ref_table, fk.ref_columns, keys, types, lock=True)
        if missing:
            _, rows = self._rows_with_keys(child, fk.columns, {_match_key(k) for k in missing}, self.snapshot)
            if rows.length:
                self._check_foreign_keys([fk], rows)

    def recheck_old_keys(self, fk: ConstraintDef, keys: list[tuple]) -> None:
        """Deferred NO ACTION check of keys the referenced table lost: one it still lacks fails
        while a row references it."""
        child = self._owner(fk)
        parent = self.session.catalog().relation(fk.ref_table) if child is not None else None
        if parent is None:
            return
        types = [next(c.type for c in parent.columns if c.attnum == a) for a in fk.ref_columns]
        gone = self._absent(fk.ref_table, fk.ref_columns, keys, types)
        if gone:
            self._act_on_referencing(fk.ref_table, child, fk, {_match_key(k): None for k in gone}, "a", True)

    def _absent(self, rel_oid: int, attnums: tuple[int, ...], keys: list[tuple], types: list,
                lock: bool = False) -> list[tuple]:
        """The keys no live row of the table has (found through its unique index on `attnums`;
        `lock`: as a referencing key's check finds and locks them, Store.lock_referenced)."""
        self._lock_relation(rel_oid, ROW_SHARE)
        index_oid = _unique_index_on(self.session.catalog().indexes_of(rel_oid), attnums)
        columns = [from_values([k[i] for k in keys], t) for i, t in enumerate(types)]
        find = self.store.lock_referenced if lock else self.store.find_conflicts
        hits = find(self.txn, index_oid, columns)
        return [keys[i] for i in np.flatnonzero(hits < 0).tolist()]

    def _ri_write(self, rel_oid: int, rowids: np.ndarray, old: Batch, new: Batch | None, snapshot: Snapshot) -> None:
        """A foreign-key action's DELETE (`new` None) or UPDATE of the referencing rows. It fires
        that table's triggers, as PostgreSQL's RI action's statement does (a BEFORE trigger
        returning NULL keeps its row)."""
        event = "DELETE" if new is None else "UPDATE"
        triggers = self.triggers(rel_oid)
        ctx = None
        if triggers is not None:
            session = self.session
            ctx = EvalContext(session.format_context, session, [], session.state.started_us or session.query_started_us,
                              session.query_started_us, session.check_cancel_fn())
            ctx.services = self
            triggers.statement("BEFORE", event, ctx)
            keep, new = triggers.before_rows(event, ctx, new, old)
            rowids, old = rowids[keep], take_batch(old, keep)
            new = None if new is None else take_batch(new, keep)
        if new is None:
            self._referenced_rows_changing(rel_oid, old, None)
            self.session.pgstat.wrote(rel_oid, N_TUP_DEL, self.store.delete(self.txn, rel_oid, rowids, snapshot))
            written = rowids
        else:
            written = self.store.update(self.txn, rel_oid, rowids, new.columns, snapshot)
            self.session.pgstat.wrote(rel_oid, N_TUP_UPD, len(written))
            written = np.concatenate([rowids, written])
        if self.snapshot.sxact is not None:  # SERIALIZABLE (storage/ssi.py)
            self.snapshot.sxact.wrote(rel_oid, written)
        if triggers is not None:
            triggers.after_rows(event, ctx, new, old)
            triggers.statement("AFTER", event, ctx)

    def _owner(self, fk: ConstraintDef) -> RelationDef | None:
        """The table that has the foreign key (None: it or the constraint is gone)."""
        return next((r for r in self.session.catalog().relations() if any(c.oid == fk.oid for c in r.constraints)),
                    None)

    def _key_text(self, table: RelationDef, attnums, cols: list[Column], row: int) -> tuple[str, str]:
        """("a, b", "1, x") for error details, values as PostgreSQL prints them."""
        names, values = [], []
        for a, col in zip(attnums, cols):
            c = next(c for c in table.columns if c.attnum == a)
            names.append(c.name)
            v = column_values(take(col, np.array([row])))[0]
            values.append("null" if v is None else format_value(c.type, v, self.session.format_context))
        return ", ".join(names), ", ".join(values)


_NAN = object()  # every NaN key, float or numeric: equal to itself, as in PostgreSQL


def _match_key(values: tuple) -> tuple | None:
    """A foreign key's value as rows match on it: None when a column is NULL, which matches
    nothing (MATCH SIMPLE), and NaN equal to NaN, as PostgreSQL's = makes it."""
    out = []
    for v in values:
        if v is None:
            return None
        out.append(_NAN if (type(v) is float and v != v) or (type(v) is Decimal and v.is_nan()) else v)
    return tuple(out)


def _raw_keys(rows: Batch, attnums: tuple[int, ...], wanted: dict) -> list[tuple]:
    """The keys of `rows` on `attnums`, as their values, that are in `wanted` (as _match_key makes them)."""
    return [k for k in zip(*[column_values(rows.columns[a - 1]) for a in attnums]) if _match_key(k) in wanted]


def _unique_index_on(indexes: list[RelationDef], attnums: tuple[int, ...]) -> int:
    # (a partial index is no constraint, and a deferrable one's keys may repeat for a while)
    whole = [i for i in indexes if i.unique and i.immediate and not i.predicate_column]
    for index in whole:
        if tuple(index.index_columns) == tuple(attnums):
            return index.oid
    for index in whole:
        if set(index.index_columns) == set(attnums):
            return index.oid
    raise UndefinedTable("there is no unique constraint matching given keys for referenced table")


def all_valid(column: Column) -> bool:
    return column.valid is None or bool(column.valid.all())
