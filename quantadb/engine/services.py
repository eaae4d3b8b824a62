"""ExecServices: what the executor may ask of the engine while running one statement —
storage reads and writes in the statement's transaction and snapshot, generated catalog
rows, and foreign-key enforcement (engine/foreign_keys.py, its mixin)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterator, TypeVar

import numpy as np

from quantadb.engine.catalog_view import SEQUENCE_SOURCE
from quantadb.engine.deferred import function_statement
from quantadb.engine.foreign_keys import ForeignKeys, all_valid
from quantadb.engine.pgstat import N_TUP_DEL, N_TUP_INS, N_TUP_UPD
from quantadb.engine.recheck import first_reads, kept_rows, next_recheck, rechecked
from quantadb.engine.results import RunInWorker
from quantadb.errors import LockNotAvailable, ReadOnlySqlTransaction, UndefinedTable
from quantadb.exec.columns import from_values
from quantadb.exec.context import EvalContext
from quantadb.exec.modify import run_modify
from quantadb.sql import plan as P
from quantadb.storage.catalog import ConstraintDef, RelationDef
from quantadb.storage.index import row_keys
from quantadb.storage.store import Store
from quantadb.storage.table import ScanBatch
from quantadb.storage.txn import RowChanged, Snapshot, Txn, WouldBlock
from quantadb.types.column import Batch, Column

if TYPE_CHECKING:
    from quantadb.engine.cursors import Cursors
    from quantadb.engine.session import Session
    from quantadb.engine.triggers import TableTriggers

ORDERED_FIRST_ROWS = 64  # an ordered index scan's first batch; each next one is 4 times larger

T = TypeVar("T")

# Generated relations: "schema.name" -> fn(session) -> list of row tuples (Python values).
VIRTUAL_GENERATORS: dict[str, Callable[["Session"], list[tuple]]] = {}


def virtual_table(source: str) -> Callable:
    def register(fn: Callable) -> Callable:
        VIRTUAL_GENERATORS[source] = fn
        return fn
    return register


class ExecServices(ForeignKeys):
    new_row_keys: tuple[ConstraintDef, ...] = ()  # an INSERT's foreign keys (set by statements._execute)
    hiding_writes = False  # see hide_statement_writes
    ri_snapshot: Snapshot | None = None  # what foreign-key actions read meanwhile: all the statement wrote
    deferred: list[Callable[[], None]] | None = None  # foreign-key checks kept for the statement's end
    _hiding_token = -1  # hide_statement_writes's savepoint
    # running on the event loop, which must not wait (see wait_in_statement); None: not known (set
    # where a statement runs: a function's UPDATE or DELETE does not wait in place then)
    inline: bool | None = None
    first_reads: Snapshot | None = None  # a re-check's snapshot for all but its target's rows (see source_rows)

    def __init__(self, session: "Session", store: Store, txn: Txn, snapshot: Snapshot) -> None:
        self.session = session
        self.store = store
        self.txn = txn
        self.snapshot = snapshot

    def hide_statement_writes(self) -> int:
        """Make what this statement writes from now on invisible to its own reads: it writes under
        a new subtransaction its snapshot does not see. Every part of a statement with data-modifying
        WITH queries reads the rows as they were before it, as in PostgreSQL, where they share one
        snapshot and command id. Foreign keys are checked at the statement's end, as PostgreSQL's
        RI triggers are, and their actions see what it wrote. Returns the token for
        `end_statement_writes`."""
        token = self.store.savepoint(self.txn, internal=True)
        if not self.hiding_writes:  # (a statement inside one, a SQL function's, ends with it)
            self.ri_snapshot, self.snapshot = self.snapshot, self.snapshot.frozen()
            self.hiding_writes = True
            self.deferred = []
            self._hiding_token = token
        return token

    def end_statement_writes(self, token: int) -> None:
        if token == self._hiding_token:
            for check in self.deferred:
                check()
            self.snapshot, self.ri_snapshot, self.deferred = self.ri_snapshot, None, None
            self.hiding_writes = False
        self.store.release(self.txn, token)

    def function_write(self, plan: P.Plan, ctx: EvalContext) -> tuple[int, Batch | None]:
        """run_modify of a write a function's statement makes, whose DEFERRABLE unique keys are
        checked at its end (engine/deferred.py)."""
        return function_statement(self, lambda: run_modify(plan, ctx))

    def wait_in_statement(self, on: object) -> None:
        """Wait for a lock (WouldBlock.on) where the statement stands, to go on with what it did so
        far rather than run again on a new snapshot. Inline on the event loop it cannot: the
        statement runs again on a worker thread, which waits here."""
        if self.inline:
            raise RunInWorker()
        self.session.wait_for(self.txn, on)

    def rechecked(self, plan: P.Update | P.Delete, rowids: np.ndarray,
                  joined: list[Column] | None = None) -> np.ndarray | None:
        """Of the rows an attempt of an UPDATE or DELETE found (`joined`: the FROM items' columns of
        each), those READ COMMITTED's re-check lets it act on after a wait or a changed row (a mask;
        None: all), told as the rows it targets (engine/recheck.py)."""
        keep = None
        if self.session.recheck is not None:
            rowids = np.asarray(rowids, dtype=np.int64)
            keep = rechecked(plan, rowids, self, joined)
            if keep is not None:
                rowids, joined = rowids[keep], kept_rows(joined, keep)
        self.session.targets = (plan, rowids, self, joined)
        return keep

    def source_rows(self, plan: P.Update | P.Delete, run: Callable[[], Batch]) -> Batch:
        """run() (an UPDATE's or DELETE's source); on READ COMMITTED's re-check (engine/recheck.py)
        it reads every table on the statement's first snapshot, but for its target's rows (a scan
        that returns row ids: the target's, or one that locks rows) and NULL-finding reads of the
        target's table."""
        if self.session.recheck is None:
            return run()
        outer, self.first_reads = self.first_reads, first_reads(plan, self)
        try:
            return run()
        finally:
            self.first_reads = outer

    def not_yet_changed(self, rel_oid: int, rowids: np.ndarray) -> np.ndarray | None:
        """Which of these target rows this statement has not updated or deleted already (None: all).
        It reads rows it changed only while its writes are hidden; PostgreSQL then skips them (a
        row updated twice in one statement takes one of the changes)."""
        if not self.hiding_writes:
            return None
        mine = [x for x in self.txn.own if x not in self.snapshot.own]
        if not mine:
            return None
        xmax = self.store.table(rel_oid).gather_mvcc(rowids)[1]
        return ~np.isin(xmax, mine)

    # -- reads ------------------------------------------------------------------------------------

    def scan(self, rel_oid: int, attnums: list[int], with_rowids: bool) -> Iterator[ScanBatch]:
        stats = self.session.pgstat
        stats.seq_scan(rel_oid)
        if self.snapshot.sxact is not None:  # SERIALIZABLE: a SIREAD lock on the table (storage/ssi.py)
            self.snapshot.sxact.read_relation(rel_oid)
        snapshot = self.snapshot if self.first_reads is None or with_rowids else self.first_reads
        for batch in self.store.table(rel_oid).scan(snapshot, attnums, with_rowids):
            stats.seq_tup_read(rel_oid, batch.length)
            yield batch

    def index_scan(self, plan: P.IndexScan, keys: list | None, low: list | None, high: list | None,
                   any_of: list | None) -> Iterator[ScanBatch]:
        """The visible rows the index finds by equality `keys` (every column), by a list of keys
        (`any_of`: scalars, or tuples of leading columns), or in the btree range `low`..`high`
        (values of leading columns): one batch, or, for an ordered scan (which a LIMIT reads),
        batches of growing size in the index's order, so that it stops early. NULL never matches."""
        index = self.store.index(plan.index_oid)
        table = self.store.table(plan.rel_oid)
        if self.snapshot.sxact is not None:
            _predicate_lock(self.snapshot.sxact, plan.rel_oid, index, keys, low, high, plan, any_of)
        snapshot = self.snapshot if self.first_reads is None or plan.with_rowids else self.first_reads
        scans = 1
        if any_of is not None:  # each row once; an ordered scan reads the keys in order
            found: list[int] = []
            for k in sorted(any_of) if plan.ordered else any_of:
                if len(index.attnums) > 1:  # a key of fewer columns than the index: the rows starting with it
                    k = k if type(k) is tuple else (k,)
                    found.extend(index.range(k, k) if len(k) < len(index.attnums) else index.lookup_key(k))
                else:
                    found.extend(index.lookup_key(k))
            rowids = np.array(found, dtype=np.int64)
            if plan.ordered:  # (a key listed twice: its rows once, where they first come)
                rowids = rowids[np.sort(np.unique(rowids, return_index=True)[1])]
            else:
                rowids = np.unique(rowids)
            scans = len(any_of)  # PostgreSQL 15 counts a scan per key
        elif keys is not None:
            if any(k is None for k in keys):
                rowids = np.zeros(0, dtype=np.int64)
            else:
                rowids = np.asarray(index.lookup_key(tuple(keys) if len(keys) > 1 else keys[0]), dtype=np.int64)
        elif (low is not None and None in low) or (high is not None and None in high):
            rowids = np.zeros(0, dtype=np.int64)
        else:
            rowids = np.asarray(index.range(tuple(low) if low is not None else None,
                                            tuple(high) if high is not None else None,
                                            plan.low_inclusive, plan.high_inclusive), dtype=np.int64)
        if plan.ordered == "desc":
            rowids = rowids[::-1]
        stats = self.session.pgstat
        start, size = 0, len(rowids) if not plan.ordered else ORDERED_FIRST_ROWS
        while True:
            chunk = rowids[start:start + size]
            if len(chunk):
                chunk = chunk[table.visible(snapshot, chunk)]
            stats.index_scan(plan.index_oid, min(size, len(rowids) - start), len(chunk), scans)
            yield ScanBatch(chunk, table.fetch(chunk, plan.attnums), len(chunk))
            start, size, scans = start + size, size * 4, 0
            if start >= len(rowids):
                return

    def null_rows(self, rel_oid: int, null_in: tuple[int, ...], attnums: list[int]) -> ScanBatch:
        """The visible rows with a NULL in one of the columns `null_in`: those an index on them does
        not hold (IndexScan.missing, TableScan.null_in)."""
        table = self.store.table(rel_oid)
        if self.snapshot.sxact is not None:
            self.snapshot.sxact.read_relation(rel_oid)
        rowids = table.null_rows(null_in)
        snapshot = self.snapshot
        if self.first_reads is not None and rel_oid != self.session.recheck.plan.rel_oid:  # (not told of row ids)
            snapshot = self.first_reads
        if len(rowids):
            rowids = rowids[table.visible(snapshot, rowids)]
        return ScanBatch(rowids, table.fetch(rowids, attnums), len(rowids))

    def fetch(self, rel_oid: int, rowids: np.ndarray, ncols: int) -> list[Column]:
        return self.store.table(rel_oid).fetch(rowids, list(range(1, ncols + 1)))

    def virtual_rows(self, source: str, columns: list[P.PlanColumn]) -> Batch:
        if source.startswith(SEQUENCE_SOURCE):
            last_value, is_called = self.store.sequence_state(int(source[len(SEQUENCE_SOURCE):]))
            rows = [(last_value, 0, is_called)]
            return Batch([from_values([r[i] for r in rows], c.type) for i, c in enumerate(columns)], 1)
        generator = VIRTUAL_GENERATORS.get(source)
        if generator is None:
            raise UndefinedTable(f'relation "{source}" is not available')
        rows = generator(self.session)
        cols = [from_values([r[i] for r in rows], c.type) for i, c in enumerate(columns)]
        return Batch(cols, len(rows))

    def index(self, index_oid: int) -> RelationDef:
        return self.session.catalog().relation(index_oid)

    # -- writes -----------------------------------------------------------------------------------

    def _writable(self) -> None:
        if self.txn.read_only:
            raise ReadOnlySqlTransaction("cannot execute this statement in a read-only transaction")

    def insert(self, rel_oid: int, columns: list[Column], n: int) -> np.ndarray:
        self._writable()
        if self.new_row_keys:
            self._null_keys_checked([fk for fk in self.new_row_keys
                                     if any(not all_valid(columns[a - 1]) for a in fk.columns)])
        rowids = self.store.insert(self.txn, rel_oid, columns, n)
        if self.snapshot.sxact is not None:  # SERIALIZABLE: who read these keys (storage/ssi.py)
            self.snapshot.sxact.wrote(rel_oid, rowids)
        self.session.pgstat.wrote(rel_oid, N_TUP_INS, n)
        return rowids

    def update(self, rel_oid: int, rowids: np.ndarray, columns: list[Column],
               kept: frozenset[int] = frozenset()) -> np.ndarray:
        self._writable()
        new = self.store.update(self.txn, rel_oid, rowids, columns, self.snapshot, kept)
        if self.snapshot.sxact is not None:
            self.snapshot.sxact.wrote(rel_oid, np.concatenate([rowids, new]))
        self.session.pgstat.wrote(rel_oid, N_TUP_UPD, len(new))
        return new

    def insert_row(self, rel_oid: int, values: list) -> int:
        self._writable()
        if self.new_row_keys:
            self._null_keys_checked([fk for fk in self.new_row_keys if any(values[a - 1] is None for a in fk.columns)])
        rowid = self.store.insert_row(self.txn, rel_oid, tuple(values))
        if self.snapshot.sxact is not None:
            self.snapshot.sxact.wrote(rel_oid, np.array([rowid], dtype=np.int64))
        self.session.pgstat.wrote(rel_oid, N_TUP_INS, 1)
        return rowid

    def update_row(self, rel_oid: int, rowid: int, values: list, kept: frozenset[int] = frozenset()) -> int | None:
        self._writable()
        new = self.store.update_row(self.txn, rel_oid, rowid, tuple(values), kept)
        if self.snapshot.sxact is not None and new is not None:
            self.snapshot.sxact.wrote(rel_oid, np.array([rowid, new], dtype=np.int64))
        if new is not None:
            self.session.pgstat.wrote(rel_oid, N_TUP_UPD, 1)
        return new

    def delete(self, rel_oid: int, rowids: np.ndarray) -> int:
        self._writable()
        deleted = self.store.delete(self.txn, rel_oid, rowids, self.snapshot)
        if self.snapshot.sxact is not None:
            self.snapshot.sxact.wrote(rel_oid, rowids)
        self.session.pgstat.wrote(rel_oid, N_TUP_DEL, deleted)
        return deleted

    def lock_rows(self, rel_oid: int, rowids: np.ndarray, mode: str) -> np.ndarray:
        """Lock rows for SELECT ... FOR UPDATE/SHARE or an upsert (`mode`: the strength, maybe then
        " nowait" or " skip locked"); returns which rows to keep. With NOWAIT a held row fails at once
        (55P03); with SKIP LOCKED it is left out."""
        strength, policy = mode, ""
        for words in (" nowait", " skip locked"):
            if mode.endswith(words):
                strength, policy = mode.removesuffix(words), words[1:]
        if not policy:
            self.store.lock_rows(self.txn, rel_oid, rowids, self.snapshot, strength)
            return np.ones(len(rowids), dtype=bool)
        keep = np.ones(len(rowids), dtype=bool)
        for i, rowid in enumerate(rowids.tolist()):
            try:
                self.store.lock_rows(self.txn, rel_oid, np.array([rowid], dtype=np.int64), self.snapshot, strength)
            except WouldBlock:
                if policy == "nowait":
                    rel = self.session.catalog().relation(rel_oid)
                    raise LockNotAvailable(f'could not obtain lock on row in relation "{rel.name if rel else rel_oid}"')
                keep[i] = False
        return keep

    def find_conflicts(self, index_oid: int, keys: list[Column]) -> np.ndarray:
        if self.snapshot.sxact is not None:  # ON CONFLICT reads the keys (storage/ssi.py)
            index = self.store.index(index_oid)
            found, ok = row_keys(keys, len(keys[0].data))
            self.snapshot.sxact.read_keys(index.table_oid, index, [k for k, good in zip(found, ok.tolist()) if good])
        return self.store.find_conflicts(self.txn, index_oid, keys, self.snapshot)

    # -- PL/pgSQL statements (plpgsql/exprs.py) ----------------------------------------------------

    def statement_needs(self, plan: P.Plan, definer: int | None) -> tuple:
        """What a statement a PL/pgSQL function runs needs each time: the privileges (of the
        function's owner for a SECURITY DEFINER one) and relation locks its plan takes."""
        from quantadb.engine import privileges
        from quantadb.engine.statements import plan_parts
        needs = privileges.required(plan)
        if definer is not None:
            needs = tuple((oid, letter if "@" in letter else f"{letter}@{definer}") for oid, letter in needs)
        return needs, plan_parts(plan).relation_locks

    def before_statement(self, needs: tuple) -> None:
        from quantadb.engine import privileges
        privileges.check(self.session, needs[0])
        if self.txn is not None:
            for rel_oid, mode in needs[1]:
                self._lock_relation(rel_oid, mode)

    def run_notification(self, text: str) -> None:
        """LISTEN, UNLISTEN or NOTIFY written in a PL/pgSQL body, run as the session runs them."""
        from quantadb.engine.utility import run_utility  # (it imports this module)
        from quantadb.sql.utility import parse_utility
        run_utility(self.session, parse_utility(text), None, False)

    def end_transaction(self, commit: bool, chain: bool) -> None:
        """COMMIT / ROLLBACK in a procedure CALLed outside a transaction block: the implicit
        transaction ends (a commit waits for its WAL flush; the CALL runs on a worker thread) and
        the statement goes on in a new one (AND CHAIN: of the same isolation and access mode)."""
        session, old = self.session, self.txn
        if commit and len(old.frames) > 1:  # the CALL statement's own savepoint: its writes commit too,
            self.store.release(old, 1)       # and its later release or rollback finds nothing left
        durable = session._end_implicit(not commit)
        if durable is not None:
            durable.result()
        self.txn = session._ensure_txn()
        session.pgstat.subxact_begin()  # (the statement's level, which the session ends after it)
        if chain:
            self.txn.isolation, self.txn.read_only = old.isolation, old.read_only
        self.snapshot = self.store.snapshot(self.txn)

    @property
    def cursors(self) -> "Cursors":
        """The session's cursors, which PL/pgSQL's OPEN, FETCH, MOVE and CLOSE use."""
        return self.session.cursors

    def run_in_place(self, attempt: Callable[[], T]) -> T:
        """One statement of a procedure CALLed (or a DO run) outside a transaction block, which may
        have committed already: a lock wait or a row changed meanwhile undoes and runs again this
        statement only (the CALL cannot run again: what it committed stays), on a new snapshot
        after a changed row, as PostgreSQL's procedures take one per statement. On a worker
        thread (engine/utility.py runs routines there), so waiting here is allowed."""
        while True:
            token = self.store.savepoint(self.txn, internal=True)
            try:
                result = attempt()
            except WouldBlock as block:
                self._undo(token)
                self.session.wait_for(self.txn, block.on)
                continue
            except RowChanged:
                self._undo(token)
                self.snapshot = self.store.snapshot(self.txn)
                continue
            self.store.release(self.txn, token)
            return result

    def rechecked_in_place(self, plan: P.Update | P.Delete, attempt: Callable[[], T], procedure: bool = False) -> T:
        """attempt() of a function's UPDATE or DELETE, attempted again by itself after a wait for a
        row's writer (where the calling statement stands: see wait_in_statement) or a row changed
        meanwhile, re-checking what it targeted on a new snapshot as the statement's own next
        attempt does (engine/recheck.py). REPEATABLE READ: the error is the whole statement's.
        `procedure`: a statement of one that may COMMIT (run_in_place's), whose next statements
        read the new snapshot."""
        session, txn = self.session, self.txn
        if txn.repeatable:
            return self.run_in_place(attempt) if procedure else attempt()
        outer, callers = session.recheck, self.snapshot
        try:
            while True:
                token = self.store.savepoint(txn, internal=True)
                try:
                    result = attempt()
                except (WouldBlock, RowChanged) as stop:
                    blocked = isinstance(stop, WouldBlock)
                    if blocked and self.inline is None and not procedure:  # the whole statement waits, runs again
                        self._undo(token)
                        raise
                    session.recheck = next_recheck(session, plan)
                    self._undo(token)
                    if blocked:
                        self.wait_in_statement(stop.on)
                    self.snapshot = self.store.snapshot(txn)
                    continue
                except BaseException:
                    self._undo(token)
                    raise
                self.store.release(txn, token)
                return result
        finally:
            session.recheck = outer
            if not procedure:
                self.snapshot = callers

    def _undo(self, token: int) -> None:
        """Undo an attempt and its savepoint level (the next attempt makes its own)."""
        self.store.rollback_to(self.txn, token)
        self.store.release(self.txn, token)

    # -- triggers ---------------------------------------------------------------------------------

    def triggers(self, rel_oid: int) -> "TableTriggers | None":
        """The table's enabled triggers (engine/triggers.py), None when it has none."""
        rel = self.store.catalog.relation(self.snapshot, rel_oid)
        if rel is None or not any(t.enabled != "D" for t in rel.triggers):
            return None
        from quantadb.engine.triggers import TableTriggers  # (the PL/pgSQL interpreter, only when needed)
        catalog = self.store.catalog
        found = [(t, catalog.function(self.snapshot, t.function_oid)) for t in rel.triggers if t.enabled != "D"]
        ns = catalog.namespace(self.snapshot, rel.database, rel.namespace)
        return TableTriggers(rel, ns.name if ns is not None else "", [(t, f) for t, f in found if f is not None])


def _predicate_lock(sxact, rel_oid: int, index, keys: list | None, low: list | None, high: list | None,
                    plan: P.IndexScan, any_of: list | None) -> None:
    """The SIREAD locks of ExecServices.index_scan's look-up: its keys, or the range it walks."""
    if any_of is not None:
        several = len(index.attnums) > 1
        if several and any(len(k if type(k) is tuple else (k,)) < len(index.attnums) for k in any_of):
            for k in any_of:  # prefixes of the key: each the range of keys starting with it
                k = k if type(k) is tuple else (k,)
                sxact.read_range(rel_oid, index, k, k)
        else:
            sxact.read_keys(rel_oid, index, [k if not several or type(k) is tuple else (k,) for k in any_of])
    elif keys is not None:
        if not any(k is None for k in keys):
            sxact.read_keys(rel_oid, index, [tuple(keys) if len(keys) > 1 else keys[0]])
    elif not ((low is not None and None in low) or (high is not None and None in high)):
        sxact.read_range(rel_oid, index, tuple(low) if low is not None else None,
                         tuple(high) if high is not None else None, plan.low_inclusive, plan.high_inclusive)
