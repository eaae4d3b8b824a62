"""SERIALIZABLE as PostgreSQL's Serializable Snapshot Isolation (Cahill et al.; PostgreSQL's
README-SSI and predicate.c, whose names this follows).

A SERIALIZABLE transaction runs on one snapshot, as REPEATABLE READ, and also records what it
read (SIREAD locks, predicate_locks.py) and what it wrote. A read of something a concurrent
serializable transaction wrote (its write invisible to the reader's snapshot), or a write of
something a concurrent serializable transaction read, is an rw-antidependency reader -> writer.
A "dangerous structure" T1 -> T2 -> T3 in which T3 commits first fails one of them with 40001
(OnConflict_CheckForSerializationFailure, PreCommit_CheckForSerializationFailure): every cycle
of dependencies contains one, so what commits is serializable; a structure that is no cycle
fails too (false positives, as in PostgreSQL).

Both sides of a conflict are found by set intersection, not by looking at row versions: a read
meets the write sets of the concurrent serializable transactions that wrote that relation, a
write the SIREAD locks of those that read it. A committed transaction's locks, writes and
conflicts are kept until every transaction concurrent with it has ended (`_clear_old`); past
MAX_FINISHED of them, the oldest are folded into one summary (`old`, PostgreSQL's
OldCommittedSxact and its "old committed" SLRU), so that a long transaction does not make this
grow with every commit beside it. The summary holds the union of their locks and writes (coarsened
to whole relations past predicate_locks' limits) and the most conservative of their sequence
numbers: it meets everything they met, and more (false positives, as PostgreSQL's summary), and
stays until every running transaction's snapshot follows its last commit.

Read-only transactions that become safe, and DEFERRABLE ones waiting for a safe snapshot:
ssi_readonly.py.

Only serializable transactions pay: Store.snapshot registers one at its first snapshot and
sets `Snapshot.sxact`; every hook elsewhere is one test of that attribute (None otherwise).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

import numpy as np

from quantadb.errors import FeatureNotSupported, SerializationFailure

from .index import in_predicate, row_keys
from .predicate_locks import MAX_KEYS, RelReads, RelWrites
from .ssi_readonly import SafeSnapshotWait, list_possibly_unsafe, read_only_ended, read_write_ended
from .txn import Snapshot, Txn, WouldBlock

_MESSAGE = "could not serialize access due to read/write dependencies among transactions"
# committed transactions kept with their locks beside a running one before the oldest are
# summarized: a read or write looks at each one that read or wrote its relation (beside a long
# transaction, about 0.3 ms a commit at 1000 kept, in-process), the summary fails more than they would
MAX_FINISHED = 200


def _failure(reason: str) -> SerializationFailure:
    return SerializationFailure(_MESSAGE, detail=f"Reason code: {reason}",
                                hint="The transaction might succeed if retried.")


class SerializableXact:
    """One serializable transaction (PostgreSQL's SERIALIZABLEXACT). Sequence numbers count
    prepares and commits (`SerializableXacts.last_seq`): `snapshot_seq` is the last one before its
    snapshot (lastCommitBeforeSnapshot)."""

    __slots__ = ("committed", "commit_seq", "conflict_out_seq", "declared_read_only", "doomed", "in_conflicts",
                 "out_conflicts", "possible_unsafe", "prepare_seq", "reads", "ro_safe", "ro_unsafe", "snapshot",
                 "snapshot_seq", "txn", "writes", "xacts")

    def __init__(self, xacts: SerializableXacts, txn: Txn | None, snapshot: Snapshot | None, seq: int) -> None:
        self.xacts = xacts  # the manager: what the read and write methods below tell
        self.txn = txn
        self.snapshot = snapshot
        self.snapshot_seq = seq
        self.declared_read_only = txn is not None and txn.read_only
        self.prepare_seq: int | None = None  # set by pre_commit (SxactIsPrepared)
        self.commit_seq: int | None = None
        self.committed = False
        self.doomed = False
        self.conflict_out_seq: int | None = None  # earliestOutConflictCommit (SXACT_FLAG_CONFLICT_OUT)
        self.in_conflicts: set[SerializableXact] = set()  # readers -rw-> this
        self.out_conflicts: set[SerializableXact] = set()  # this -rw-> writers
        self.reads: dict[int, RelReads] = {}
        self.writes: dict[int, RelWrites] = {}
        # read only: the read-write ones that may yet make it unsafe; read-write: the read-only
        # ones it may make unsafe (ssi_readonly.py)
        self.possible_unsafe: set[SerializableXact] = set()
        self.ro_safe = False  # read only, and no longer able to be part of an anomaly
        self.ro_unsafe = False

    @property
    def read_only(self) -> bool:
        """Declared READ ONLY, or committed without writing (PostgreSQL flags it so at commit)."""
        return self.declared_read_only or (self.committed and not self.writes)

    @property
    def xid(self) -> int:
        return self.txn.xid or 0 if self.txn is not None else 0

    def __repr__(self) -> str:
        return f"<sxact {self.txn.vxid if self.txn is not None else 'summary'}>"

    # what the engine reports (each a SerializableXacts method of the same name)
    def read_relation(self, rel_oid: int) -> None:
        self.xacts.read_relation(self, rel_oid)

    def read_keys(self, rel_oid: int, index, keys: list) -> None:
        self.xacts.read_keys(self, rel_oid, index, keys)

    def read_range(self, rel_oid: int, index, low: tuple | None, high: tuple | None, low_inc: bool = True,
                   high_inc: bool = True) -> None:
        self.xacts.read_range(self, rel_oid, index, low, high, low_inc, high_inc)

    def wrote(self, rel_oid: int, rowids: np.ndarray | None) -> None:
        self.xacts.wrote(self, rel_oid, rowids)


class SerializableXacts:
    """The serializable transactions of a node (PredXact), their locks and conflicts, under one lock."""

    def __init__(self, state) -> None:  # a StorageState (its tables, indexes and transactions)
        self._state = state
        self.lock = threading.Lock()
        self.last_seq = 0
        self.active: set[SerializableXact] = set()
        self.finished: deque[SerializableXact] = deque()  # committed (in that order), kept while a concurrent one runs
        self.old: SerializableXact | None = None  # the summary of the oldest of those (OldCommittedSxact)
        self.readers: dict[int, set[SerializableXact]] = {}  # relation -> who holds SIREAD locks on it
        self.writers: dict[int, set[SerializableXact]] = {}  # relation -> who wrote it
        # the engine's: is this node a replica? It cannot know what the primary's serializable
        # transactions read, so SERIALIZABLE fails there (as on PostgreSQL's hot standby)
        self.in_hot_standby: Callable[[], bool] = lambda: False

    # -- transactions --------------------------------------------------------------------------
    def snapshot(self, txn: Txn) -> Snapshot:
        """A serializable transaction's snapshot, its SerializableXact registered (Snapshot.sxact).
        Taken under the lock, so a commit numbered before `snapshot_seq` is visible in it. A READ
        ONLY one that no read-write serializable transaction runs beside is safe: it opts out, as
        in PostgreSQL (no anomaly can involve it), and runs as REPEATABLE READ; else it lists
        those it runs beside (ssi_readonly.py). READ ONLY DEFERRABLE: WouldBlock until a safe one
        is found (_safe_snapshot)."""
        if self.in_hot_standby():  # (asked for explicitly, the engine refuses it before: here by default)
            raise FeatureNotSupported("cannot use serializable mode in a hot standby",
                                      detail='"default_transaction_isolation" is set to "serializable".',
                                      hint="You can use \"SET default_transaction_isolation = 'repeatable read'\" "
                                           "to change the default.")
        with self.lock:
            if txn.read_only and getattr(txn, "deferrable", False):
                return self._safe_snapshot(txn)
            snap = self._state.txns.snapshot(txn)
            if not txn.read_only:
                self._register(txn, snap, self.last_seq)
                return snap
            sxact = SerializableXact(self, txn, snap, self.last_seq)
            if list_possibly_unsafe(sxact, self.active):
                snap.sxact = sxact
                self.active.add(sxact)
        return snap

    def _safe_snapshot(self, txn: Txn) -> Snapshot:
        """GetSafeSnapshot, in steps: a snapshot no read-write transaction runs beside; else its
        wait (WouldBlock), after which the caller asks again and gets that snapshot if it was found
        safe, or waits for a new one. The safe one has no SerializableXact: nothing to track."""
        wait = getattr(txn, "safe_snapshot_wait", None)
        if wait is not None:
            if not wait.granted_now():
                raise WouldBlock(wait)
            txn.safe_snapshot_wait = None
            if wait.sxact.ro_safe:
                return wait.sxact.snapshot
        snap = self._state.txns.snapshot(txn)
        sxact = SerializableXact(self, txn, snap, self.last_seq)
        if not list_possibly_unsafe(sxact, self.active):
            return snap
        txn.safe_snapshot_wait = wait = SafeSnapshotWait(sxact, threading.Condition(self._state.txns.lock))
        raise WouldBlock(wait)

    def imported(self, txn: Txn, source: SerializableXact | None) -> None:
        """SET TRANSACTION SNAPSHOT: txn reads on the snapshot of `source` (None: a safe read-only
        one that opted out, whose importer, read-only too, is safe as well)."""
        if source is not None:
            with self.lock:
                self._register(txn, txn.snapshot, source.snapshot_seq)

    def _register(self, txn: Txn, snap: Snapshot, seq: int) -> None:
        sxact = SerializableXact(self, txn, snap, seq)
        snap.sxact = sxact
        self.active.add(sxact)

    def pre_commit(self, sxact: SerializableXact) -> None:
        """PreCommit_CheckForSerializationFailure: fail if doomed; doom each pivot this commit
        would make the first to commit of a dangerous structure (near -rw-> this, far -rw-> near)."""
        with self.lock:
            if sxact.doomed:
                raise _failure("Canceled on identification as a pivot, during commit attempt.")
            for near in list(sxact.in_conflicts):
                if near.committed or near.doomed:
                    continue
                for far in near.in_conflicts:
                    if far is sxact or not (far.committed or far.read_only or far.doomed):
                        if near.prepare_seq is not None:
                            raise _failure("Canceled on commit attempt with conflict in from prepared pivot.")
                        near.doomed = True
                        break
            self.last_seq += 1
            sxact.prepare_seq = self.last_seq

    def transaction_ended(self, txn: Txn) -> None:
        """Any transaction's end is visible (Store calls this): a serializable one's `ended`."""
        snap = txn.snapshot
        if snap is not None and snap.sxact is not None:
            self.ended(snap.sxact, committed=txn.state != "aborted")

    def ended(self, sxact: SerializableXact, committed: bool) -> None:
        """The transaction's end is visible (ReleasePredicateLocks): a rollback's locks and
        conflicts go at once; a commit's are kept while a concurrent one runs. The read-only
        transactions it ran beside may be found safe or unsafe now."""
        with self.lock:
            self.active.discard(sxact)
            if sxact.ro_safe:
                return  # (released when found safe)
            if committed:
                self._committed(sxact)
            if sxact.declared_read_only:
                read_only_ended(sxact)
                decided = []
            else:
                decided = read_write_ended(sxact, committed)
            if not committed:
                self._release(sxact)
            waits = self._settle(decided)
            self._clear_old()
            self._summarize()
        for wait in waits:
            wait.wake()

    def _committed(self, sxact: SerializableXact) -> None:
        if sxact.prepare_seq is None:  # (a commit without pre_commit: the engine's own, none of a user's)
            self.last_seq += 1
            sxact.prepare_seq = self.last_seq
        self.last_seq += 1
        sxact.commit_seq = self.last_seq
        sxact.committed = True
        for writer in list(sxact.out_conflicts):
            if writer.committed and not sxact.read_only:
                if sxact.conflict_out_seq is None or writer.prepare_seq < sxact.conflict_out_seq:
                    sxact.conflict_out_seq = writer.prepare_seq
            if writer.committed or writer.snapshot_seq >= self.last_seq:
                _unlink(sxact, writer)
        for reader in list(sxact.in_conflicts):
            if reader.committed or reader.read_only:
                _unlink(reader, sxact)
        self.finished.append(sxact)

    def _settle(self, decided: list[SerializableXact]) -> list[SafeSnapshotWait]:
        """Read-only transactions found safe or unsafe: a running one found safe lets go of its
        SIREAD locks and conflicts and is tracked no more (its reads and writes tell nothing from
        now on: ro_safe); a DEFERRABLE one's wait is to be woken (after the lock)."""
        waits = []
        for ro in decided:
            if ro.ro_safe and ro in self.active:
                self.active.discard(ro)
                self._release(ro)
                ro.snapshot.sxact = None
            wait = getattr(ro.txn, "safe_snapshot_wait", None)
            if wait is not None and wait.sxact is ro:
                waits.append(wait)
        return waits

    def _clear_old(self) -> None:
        """ClearOldPredicateLocks: a committed transaction whose commit every running one's snapshot
        follows can no longer be concurrent with anything: its locks and conflicts go."""
        oldest = min((s.snapshot_seq for s in self.active), default=self.last_seq)
        finished = self.finished
        while finished and finished[0].commit_seq <= oldest:  # (in commit order)
            self._release(finished.popleft())
        if self.old is not None and self.old.commit_seq <= oldest:
            self._release(self.old)
            self.old = None

    def _summarize(self) -> None:
        """SummarizeOldestCommittedSxact: past MAX_FINISHED committed ones kept, the oldest fold into
        `old`, which stands for all of them: each sequence number the one that fails the most
        (earliest prepare and conflict out, latest commit and snapshot), their locks and writes
        merged, their conflicts its own."""
        while len(self.finished) > MAX_FINISHED:
            sxact = self.finished.popleft()
            old = self.old
            if old is None:
                old = self.old = SerializableXact(self, None, None, sxact.snapshot_seq)
                old.committed, old.prepare_seq, old.commit_seq = True, sxact.prepare_seq, sxact.commit_seq
            old.prepare_seq = min(old.prepare_seq, sxact.prepare_seq)
            old.commit_seq = max(old.commit_seq, sxact.commit_seq)
            old.snapshot_seq = max(old.snapshot_seq, sxact.snapshot_seq)
            if sxact.conflict_out_seq is not None:
                old.conflict_out_seq = min(sxact.conflict_out_seq, old.conflict_out_seq or sxact.conflict_out_seq)
            for rel, reads in sxact.reads.items():
                _held(old, old.reads, self.readers, rel, RelReads).merge(reads)
            for rel, writes in sxact.writes.items():
                _held(old, old.writes, self.writers, rel, RelWrites).merge(writes)
            for reader in sxact.in_conflicts:
                reader.out_conflicts.add(old)
                old.in_conflicts.add(reader)
            for writer in sxact.out_conflicts:
                old.out_conflicts.add(writer)
                writer.in_conflicts.add(old)
            self._release(sxact)

    def _release(self, sxact: SerializableXact) -> None:
        for reader in list(sxact.in_conflicts):
            _unlink(reader, sxact)
        for writer in list(sxact.out_conflicts):
            _unlink(sxact, writer)
        for index, held in ((self.readers, sxact.reads), (self.writers, sxact.writes)):
            for rel in held:
                holders = index.get(rel)
                if holders is not None:
                    holders.discard(sxact)
                    if not holders:
                        del index[rel]
        sxact.reads, sxact.writes = {}, {}

    # -- reads (CheckForSerializableConflictOut) -----------------------------------------------------
    def read_relation(self, sxact: SerializableXact, rel_oid: int) -> None:
        """A read of the whole relation (a scan)."""
        with self.lock:
            if sxact.ro_safe:
                return
            reads = self._reads(sxact, rel_oid)
            reads.promote()
            self._conflicts_out(sxact, rel_oid, reads)

    def read_keys(self, sxact: SerializableXact, rel_oid: int, index, keys: list) -> None:
        """Equality look-ups of these keys (as a caller passes them to Index.lookup_key)."""
        with self.lock:
            if sxact.ro_safe:
                return
            reads = self._reads(sxact, rel_oid)
            reads.add_keys(index, keys)
            self._conflicts_out(sxact, rel_oid, reads)

    def read_range(self, sxact: SerializableXact, rel_oid: int, index, low: tuple | None, high: tuple | None,
                   low_inc: bool = True, high_inc: bool = True) -> None:
        """A walk of the btree range low..high (prefixes of the key columns, as Index.range)."""
        with self.lock:
            if sxact.ro_safe:
                return
            reads = self._reads(sxact, rel_oid)
            reads.add_range(index, low, high, low_inc, high_inc)
            self._conflicts_out(sxact, rel_oid, reads)

    def _reads(self, sxact: SerializableXact, rel_oid: int) -> RelReads:
        if sxact.doomed:
            raise _failure("Canceled on identification as a pivot, during conflict out checking.")
        return _held(sxact, sxact.reads, self.readers, rel_oid, RelReads)

    def _conflicts_out(self, reader: SerializableXact, rel_oid: int, reads: RelReads) -> None:
        """Edges reader -rw-> each concurrent writer of what it read (the new lock only need be
        checked, but a check of all it holds there finds nothing the earlier ones did not)."""
        for writer in list(self.writers.get(rel_oid, ())):
            if writer is reader or writer.doomed or writer in reader.out_conflicts:
                continue
            if writer.committed and (writer.commit_seq <= reader.snapshot_seq or
                                     writer.txn is not None and reader.snapshot.sees(writer.xid)):
                continue  # its writes are in the reader's snapshot (the summary's: all of them)
            if reader.read_only and writer.committed and (writer.conflict_out_seq is None or
                                                          reader.snapshot_seq < writer.conflict_out_seq):
                continue  # the read-only reader appears to run first
            if reads.meets(writer.writes[rel_oid]):
                self._flag(reader, writer, reader)

    # -- writes (CheckForSerializableConflictIn) ------------------------------------------------------
    def wrote(self, sxact: SerializableXact, rel_oid: int, rowids: np.ndarray | None) -> None:
        """The transaction wrote these row versions (new ones, and the old ones it updated or
        deleted; None: every row, a TRUNCATE): record their keys, and an edge from each concurrent
        reader of them."""
        if rowids is not None and not len(rowids):
            return  # (a statement that changed no row wrote nothing)
        writes = RelWrites()  # (this write alone: what to check)
        if rowids is None:
            writes.whole = True
        else:
            writes.add(self._index_keys(rel_oid, rowids), len(rowids))
        self._conflicts_in(sxact, rel_oid, writes, done=True)

    def unique_violation(self, txn: Txn, rel_oid: int, index, key) -> None:
        """An INSERT or UPDATE is about to fail with a unique violation on `key`: as PostgreSQL
        (_bt_check_unique), check first the SIREAD locks the write would meet, so that a
        serialization failure, which a retry may get past, is reported instead."""
        if txn.snapshot is not None and txn.snapshot.sxact is not None:
            writes = RelWrites()
            writes.add({index.oid: {index.stored_key(key)}}, 1)
            self._conflicts_in(txn.snapshot.sxact, rel_oid, writes, done=False)

    def _conflicts_in(self, sxact: SerializableXact, rel_oid: int, writes: RelWrites, done: bool) -> None:
        """Edges from each concurrent reader of what `writes` covers; `done`: it was written (kept
        for the readers to come), not only attempted."""
        with self.lock:
            if sxact.ro_safe:
                return  # (a temporary table's write)
            if sxact.doomed:
                raise _failure("Canceled on identification as a pivot, during conflict in checking.")
            if done:
                _held(sxact, sxact.writes, self.writers, rel_oid, RelWrites).merge(writes)
            for reader in list(self.readers.get(rel_oid, ())):
                if reader is sxact or reader.doomed or sxact in reader.out_conflicts:
                    continue
                if reader.committed and reader.commit_seq <= sxact.snapshot_seq:
                    continue  # it ended before this transaction's snapshot: not concurrent
                if reader.reads[rel_oid].meets(writes):
                    self._flag(reader, sxact, sxact)

    def _index_keys(self, rel_oid: int, rowids: np.ndarray) -> dict[int, set]:
        """Per index of the table, the stored keys of these row versions (none past MAX_KEYS rows:
        RelWrites.add counts them as the whole table)."""
        if len(rowids) > MAX_KEYS:
            return {}
        state = self._state
        table = state.tables[rel_oid]
        out: dict[int, set] = {}
        for index_oid in state.table_indexes.get(rel_oid, ()):
            index = state.indexes[index_oid]
            cols = table.fetch(rowids, list(index.read_attnums))
            n = len(rowids)
            keys, ok = row_keys(cols[:len(index.attnums)], n)
            if index.where:
                ok &= in_predicate(cols[-1], n)
            out[index_oid] = {index.stored_key(k) for k, good in zip(keys, ok.tolist()) if good}
        return out

    # -- dangerous structures ------------------------------------------------------------------------
    def _flag(self, reader: SerializableXact, writer: SerializableXact, me: SerializableXact) -> None:
        """FlagRWConflict: check the new edge reader -rw-> writer (`me` runs the check), then add it."""
        self._check(reader, writer, me)
        reader.out_conflicts.add(writer)
        writer.in_conflicts.add(reader)

    def _check(self, reader: SerializableXact, writer: SerializableXact, me: SerializableXact) -> None:
        """OnConflict_CheckForSerializationFailure."""
        failure = writer.committed and writer.conflict_out_seq is not None  # writer -rw-> one committed before it
        if not failure:  # the writer a pivot, its out-conflict T2 first to commit (prepared: too late to fail)
            for t2 in writer.out_conflicts:
                if (t2.prepare_seq is not None
                        and (not reader.committed or t2.prepare_seq <= reader.commit_seq)
                        and (not writer.committed or t2.prepare_seq <= writer.commit_seq)
                        and (not reader.read_only or t2.prepare_seq <= reader.snapshot_seq)):
                    failure = True
                    break
        if not failure and writer.prepare_seq is not None and not reader.read_only:
            for t0 in reader.in_conflicts:  # the reader a pivot, the writer prepared first
                if (not t0.doomed
                        and (not t0.committed or t0.commit_seq >= writer.prepare_seq)
                        and (not t0.read_only or t0.snapshot_seq >= writer.prepare_seq)):
                    failure = True
                    break
        if not failure:
            return
        if me is writer:
            raise _failure("Canceled on identification as a pivot, during write.")
        if writer.prepare_seq is not None:
            raise _failure(f"Canceled on conflict out to pivot {writer.xid}, during read.")
        writer.doomed = True

    # -- views ----------------------------------------------------------------------------------------
    def siread_locks(self) -> list[tuple[Txn, bool, str, int]]:
        """(transaction, committed, lock type, relation) of each SIREAD lock (pg_locks): a table's
        ("relation"), or a key or range of an index ("page" of the index, as PostgreSQL's btree locks)."""
        with self.lock:  # (not the summary's: PostgreSQL shows them as a dummy transaction's)
            return [(s.txn, s.committed, kind, oid) for s in (*self.active, *self.finished)
                    for rel, reads in s.reads.items() for kind, oid in reads.locks(rel)]

    def sizes(self) -> dict[str, int]:
        """How much is kept: transactions, SIREAD locks, written keys, conflicts."""
        with self.lock:
            every = (*self.active, *self.finished, *((self.old,) if self.old is not None else ()))
            return {"active": len(self.active), "finished": len(self.finished), "summary": int(self.old is not None),
                    "siread_locks": sum(r.count() for s in every for r in s.reads.values()),
                    "written_keys": sum(len(k) for s in every for w in s.writes.values() for k in w.keys.values()),
                    "conflicts": sum(len(s.out_conflicts) for s in every)}


def _held(sxact: SerializableXact, held: dict, holders: dict[int, set], rel_oid: int, kind: type):
    """sxact's reads or writes in a relation, made (and listed among the relation's holders) if new."""
    entry = held.get(rel_oid)
    if entry is None:
        entry = held[rel_oid] = kind()
        holders.setdefault(rel_oid, set()).add(sxact)
    return entry


def _unlink(reader: SerializableXact, writer: SerializableXact) -> None:
    reader.out_conflicts.discard(writer)
    writer.in_conflicts.discard(reader)
