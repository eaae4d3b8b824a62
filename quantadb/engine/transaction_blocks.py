"""Transaction blocks and savepoints: BEGIN/COMMIT/ROLLBACK, SAVEPOINT, RELEASE and ROLLBACK TO,
as statements.run_transaction_control calls them on a Session (this is its mixin).

The session's transaction state is a TxnState: the storage transaction, whether a block is
open (BEGIN ... COMMIT) or failed (25P02 until it ends), and the savepoints' storage tokens.
Outside a block every statement runs in an implicit transaction that the session ends itself.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from quantadb.engine.ddl import temp
from quantadb.engine.deferred import DeferredChecks, check_deferred
from quantadb.engine.results import Result, RunInWorker
from quantadb.errors import (ActiveSqlTransaction, FeatureNotSupported, InFailedSqlTransaction, InvalidSavepointSpecification, ObjectNotInPrerequisiteState,
                             NoActiveSqlTransaction)
from quantadb.storage.txn import Txn, WouldBlock


@dataclass
class TxnState:
    txn: Any = None  # storage Txn
    block: bool = False  # inside BEGIN ... COMMIT
    implicit_block: bool = False  # the statements of one Query message of several (simple_query.py)
    failed: bool = False
    # (name, storage token, the portals then: ROLLBACK TO closes the cursors opened since)
    savepoints: list[tuple[str, int, frozenset[str]]] = field(default_factory=list)
    started_us: int = 0
    new_enum_labels: frozenset[int] = frozenset()  # pg_enum OIDs ADD VALUE made in it (types/enums.py)
    constraints: DeferredChecks | None = None  # SET CONSTRAINTS and deferred checks (engine/deferred.py)


class TransactionBlocks:
    """Session's transaction control (it provides state, store, settings, db, notice, portals,
    temp_on_commit, wait_for, _ensure_txn, _drop_cursors and cursors)."""

    def begin_block(self, isolation: str | None, read_only: bool | None, deferrable: bool | None = None) -> None:
        if self.state.block:
            self.notice("there is already a transaction in progress", "25001", "WARNING")
            return
        self.refuse_serializable_on_replica(isolation)
        txn = self._ensure_txn()
        if isolation is not None:
            txn.isolation = isolation
        if read_only is not None:
            txn.read_only = read_only or self.db.read_only
        if deferrable is not None:
            self.set_deferrable(txn, deferrable)
        self.set_transaction_settings(txn)
        self.state.block = True

    def set_deferrable(self, txn: Txn, deferrable: bool) -> None:
        """[NOT] DEFERRABLE: a SERIALIZABLE READ ONLY transaction waits for a safe snapshot
        (storage/ssi_readonly.py). transaction_deferrable shows it until the transaction ends."""
        txn.deferrable = deferrable
        self.settings.set("transaction_deferrable", "on" if deferrable else "off", local=True, in_txn=True)

    def refuse_serializable_on_replica(self, isolation: str | None) -> None:
        """A replica cannot run SSI (it does not know what the primary's serializable transactions
        read): SERIALIZABLE asked for there fails, as on PostgreSQL's hot standby."""
        if isolation == "serializable" and self.db.read_only:
            raise FeatureNotSupported("cannot use serializable mode in a hot standby",
                                      hint="You can use REPEATABLE READ instead.")

    def set_transaction_settings(self, txn: Txn) -> None:
        """transaction_isolation and transaction_read_only show the running transaction's."""
        self.settings.set_config_option("transaction_isolation", txn.isolation)
        self.settings.set_config_option("transaction_read_only", "on" if txn.read_only else "off")

    def commit_block(self, inline: bool) -> Result:
        if not self.state.block:
            self.notice("there is no transaction in progress", "25P01", "WARNING")
            return Result(tag="COMMIT")
        failed = self.state.failed
        txn = self.state.txn
        if self.state.constraints is not None and not failed:
            self._check_deferred(txn, inline)
        if self.temp_on_commit and not failed:
            self._lock_on_commit(txn, inline)
        if not failed and txn is not None and txn.snapshot is not None and txn.snapshot.sxact is not None:
            self._pre_commit_serializable(txn, self.rollback_block)
        self.state = TxnState()
        self._drop_cursors()
        if failed:
            if txn is not None:
                self.store.abort(txn)
            self.transaction_ended(committed=False)
            return Result(tag="ROLLBACK")
        if self.temp_on_commit:
            temp.run_on_commit(self, txn)
        self.transaction_ended(committed=True)
        return Result(tag="COMMIT", durable=self.commit_txn(txn))

    def _check_deferred(self, txn: Txn, inline: bool) -> None:
        """The checks deferred to COMMIT (engine/deferred.py); a wait runs on a worker (the COMMIT
        again then). As in PostgreSQL, a commit that fails there ends the block rolled back."""
        while True:
            try:
                check_deferred(self, txn)
                return
            except WouldBlock as block:
                if inline:
                    raise RunInWorker() from None
                waiting = block.on
            except Exception:
                self.rollback_block()
                raise
            try:
                self.wait_for(txn, waiting)
            except Exception:
                self.rollback_block()
                raise

    def _lock_on_commit(self, txn: Txn, inline: bool) -> None:
        """The locks of the ON COMMIT actions; a wait runs on a worker (the statement again then).
        As in PostgreSQL, a commit that fails there ends the block rolled back."""
        while (waiting := temp.lock_on_commit(self, txn)) is not None:
            if inline:
                raise RunInWorker()
            try:
                self.wait_for(txn, waiting)
            except Exception:
                self.rollback_block()
                raise

    def rollback_block(self) -> Result:
        block = self.state.block
        if not block:
            self.notice("there is no transaction in progress", "25P01", "WARNING")
        if self.state.txn is not None:
            self.store.abort(self.state.txn)
        self.state = TxnState()
        self._drop_cursors()
        if block:
            self.transaction_ended(committed=False)
        else:  # the implicit transaction around this ROLLBACK ends, and is counted, at Sync
            self.settings.end(committed=False)
        return Result(tag="ROLLBACK")

    def prepare_transaction(self) -> Result:
        """PREPARE TRANSACTION with max_prepared_transactions 0, PostgreSQL's default: as there, it
        becomes a ROLLBACK, and fails unless the transaction had failed already."""
        failed = not self.state.block or self.state.failed
        result = self.rollback_block()
        if failed:
            return result
        raise ObjectNotInPrerequisiteState("prepared transactions are disabled",
                                           hint="Set max_prepared_transactions to a nonzero value.")

    def _end_implicit(self, failed: bool) -> Future | None:
        """The implicit transaction ends (at Sync, at the end of a Query, a procedure's COMMIT):
        its deferred checks run and it commits, or it rolls back; the future is the commit's."""
        if self.state.block:
            return None
        if self.portals:
            self._drop_cursors()  # portals end with their (implicit) transaction
        txn = self.state.txn
        if txn is None:
            if self.state.started_us:  # a point read's, when it ran without a storage transaction
                self.state.started_us = 0
                self.txn_free_ended(committed=not failed)
            return None
        if not failed and (self.state.constraints is not None or self.temp_on_commit):
            try:
                waiting = self._before_commit(txn)
            except Exception:  # a deferred check failed: the transaction rolls back
                self._end_implicit(True)
                raise
            if waiting is not None:  # not on the event loop: the client waits for the commit
                return temp.commit_after_wait(self, txn, waiting, lambda: self._before_commit(txn))
        if not failed and txn.snapshot is not None and txn.snapshot.sxact is not None:
            self._pre_commit_serializable(txn, lambda: self._end_implicit(True))
        self.state = TxnState()
        if failed:
            self.store.abort(txn)
            self.transaction_ended(committed=False)
            return None
        if self.temp_on_commit:
            temp.run_on_commit(self, txn)
        self.transaction_ended(committed=True)
        return self.commit_txn(txn)

    def _pre_commit_serializable(self, txn: Txn, roll_back: Callable[[], object]) -> None:
        """SERIALIZABLE: a dangerous structure fails the COMMIT, which rolls back (storage/ssi.py)."""
        try:
            self.store.ssi.pre_commit(txn.snapshot.sxact)
        except Exception:
            roll_back()
            raise

    def _before_commit(self, txn: Txn) -> object | None:
        """An implicit transaction's deferred checks (engine/deferred.py) and its ON COMMIT
        actions' locks: what one of them must wait for first (WouldBlock.on), else None."""
        try:
            if self.state.constraints is not None:
                check_deferred(self, txn)
        except WouldBlock as block:
            return block.on
        return temp.lock_on_commit(self, txn) if self.temp_on_commit else None

    def transaction_ended(self, committed: bool) -> None:
        """The transaction ended: its SET LOCAL settings and advisory locks go, its statistics are
        counted (pgstat.py), its LISTEN and UNLISTEN take effect (notify.py)."""
        self.settings.end(committed=committed)
        self.release_transaction_advisory_locks()
        self.db.pgstat.transaction_ended(self.pgstat, committed)
        self.notifications.transaction_ended(committed)

    def txn_free_ended(self, committed: bool) -> None:
        """An implicit transaction ended that had no storage transaction (its statements only
        read, called pg_notify() or took an advisory lock): no SET LOCAL to end, nothing to wait for."""
        self.release_transaction_advisory_locks()
        self.db.pgstat.transaction_ended(self.pgstat, committed)
        self.notifications.transaction_ended(committed)
        self.notifications.commit_durable(None)

    def commit_txn(self, txn: Txn) -> Future | None:
        """Commit (after transaction_ended): the transaction's notifications go once it is durable."""
        durable = self.store.commit(txn)
        self.notifications.commit_durable(durable)
        return durable

    def release_transaction_advisory_locks(self) -> None:
        if self.xact_advisory_locks:
            self.db.advisory.release_all(self.pid, xact=True)
            self.xact_advisory_locks = False

    def savepoint(self, name: str) -> Result:
        if not self.state.block:
            raise NoActiveSqlTransaction("SAVEPOINT can only be used in transaction blocks")
        token = self.store.savepoint(self.state.txn)
        self.state.savepoints.append((name, token, self.cursors.names()))
        self.pgstat.subxact_begin()
        self.notifications.subxact_begin()
        return Result(tag="SAVEPOINT")

    def _find_savepoint(self, name: str, verb: str) -> int:
        if not self.state.block:
            raise NoActiveSqlTransaction(f"{verb} can only be used in transaction blocks")
        for i in range(len(self.state.savepoints) - 1, -1, -1):
            if self.state.savepoints[i][0] == name:
                return i
        raise InvalidSavepointSpecification(f'savepoint "{name}" does not exist')

    def rollback_to_savepoint(self, name: str) -> Result:
        i = self._find_savepoint(name, "ROLLBACK TO SAVEPOINT")
        _, token, portals = self.state.savepoints[i]
        self.store.rollback_to(self.state.txn, token)  # (the savepoint stays: storage re-establishes its level)
        self.store.release_locks_after(self.state.txn, token)
        self.cursors.close_opened_since(portals)
        self.state.savepoints = self.state.savepoints[:i]
        self.pgstat.subxact_end(i + 1, committed=False)
        self.notifications.subxact_end(i + 1, committed=False)
        self.state.savepoints.append((name, token, portals))
        self.pgstat.subxact_begin()
        self.notifications.subxact_begin()
        self.state.failed = False
        return Result(tag="ROLLBACK")

    def release_savepoint(self, name: str) -> Result:
        if self.state.failed:
            raise InFailedSqlTransaction("current transaction is aborted, commands ignored until end of "
                                         "transaction block")
        i = self._find_savepoint(name, "RELEASE SAVEPOINT")
        self.store.release(self.state.txn, self.state.savepoints[i][1])
        self.state.savepoints = self.state.savepoints[:i]
        self.pgstat.subxact_end(i + 1, committed=True)
        self.notifications.subxact_end(i + 1, committed=True)
        return Result(tag="RELEASE")

    def require_no_block(self, what: str) -> None:
        if self.state.block:
            raise ActiveSqlTransaction(f"{what} cannot run inside a transaction block")
