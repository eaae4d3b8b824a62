"""Session: one client's conversation with the database — transaction state, prepared
statements, portals, settings — and the entry points the wire layer calls.

Transaction model (as PostgreSQL): outside a BEGIN block every statement runs in an
implicit transaction that ends at the end of the simple Query message or at Sync. After an
error inside a block the session is in the failed state ('E') until ROLLBACK (or ROLLBACK TO
a savepoint). Statements run inline on the caller's thread unless they would scan a lot or
wait for a lock; then they raise RunInWorker before doing anything, and the caller repeats
the call on a worker thread with inline=False (a row lock is waited for on the event loop
first, and the call repeated inline: engine/waits.py).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from quantadb.engine import statements as S
from quantadb.engine.catalog_view import RegNames, SessionCatalog
from quantadb.engine.cursors import Cursors
from quantadb.engine.ddl import temp
from quantadb.engine.deferred import check_unique_keys
from quantadb.engine.recheck import Recheck, next_attempt
from quantadb.engine.identity import SessionIdentity
from quantadb.engine.simple_query import SimpleQuery, TemplateCache
from quantadb.engine.membership import ActingRoles
from quantadb.engine.pgstat import PendingStats
from quantadb.engine.point_round import PointRound
from quantadb.engine.prepared import ParamDecoders, Portal, Prepared
from quantadb.engine.results import ColumnDesc, Result, RunInWorker
from quantadb.engine.settings import Settings
from quantadb.engine.transaction_blocks import TransactionBlocks, TxnState
from quantadb.engine.waits import StatementWaits
from quantadb.exec.columns import take_batch
from quantadb.errors import (DuplicateCursor, DuplicatePreparedStatement, InFailedSqlTransaction, InvalidCursorName,
                             InvalidSqlStatementName, Notice, ProtocolViolation)
from quantadb.sql.lexer import split_statements
from quantadb.storage.locks import NO_LOCKS, StatementLocks
from quantadb.storage.txn import REPEATABLE_READ_LEVELS, RowChanged, Snapshot, WouldBlock
from quantadb.types import registry as R
from quantadb.types.context import FormatContext
from quantadb.types.enums import uncommitted_labels
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.database import Database

log = logging.getLogger("quantadb.engine")

_NO_CHANGES: dict[str, str] = {}
_NO_NOTICES: list[Notice] = []


def _aborts_on_error(method: Callable[..., Any]) -> Callable[..., Any]:
    """An extended-query message that fails aborts the transaction, as every ERROR does in
    PostgreSQL: a block enters the failed state, an implicit transaction is rolled back (the
    Sync that follows commits nothing the earlier Executes did)."""
    @functools.wraps(method)
    def run(self: "Session", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception:
            self.statement_failed()
            raise
    return run


class Session(SimpleQuery, PointRound, TransactionBlocks, SessionIdentity, StatementWaits):
    def __init__(self, db: "Database", user: str, database_name: str, database_oid: int,
                 startup: dict[str, str], pid: int, secret: int, superuser: bool, role_oid: int) -> None:
        self.db = db
        self.store = db.store
        self._login = (user, role_oid, superuser)  # the authenticated role
        self._roles: tuple = ()  # see _identity
        self._acting: tuple[tuple[int, int], ActingRoles] | None = None  # ((role OID, catalog version), roles)
        self.database = database_name
        self.database_oid = database_oid
        self.pid = pid
        self.secret = secret
        self.settings = Settings(startup)
        self.settings.set_config_option("session_authorization", user, session_default=True)
        self.settings.set_config_option("is_superuser", "on" if superuser else "off")
        if "application_name" in startup:
            self.settings.set_config_option("application_name", startup["application_name"], session_default=True)
        self.state = TxnState()
        self.prepared: dict[str, Prepared] = {}
        self.portals: dict[str, Portal] = {}
        self.cursors = Cursors(self)
        self.notices: list[Notice] = []
        self.notifications = db.notify_hub.session(database_oid, pid)  # LISTEN and NOTIFY (notify.py)
        self.sequences_seen: dict[int, int] = {}  # currval()
        self.temp_schema: str | None = None  # pg_temp_<pid> once CREATE TEMP TABLE made it
        self.temp_on_commit: dict[int, str] = {}  # temporary table OID -> "drop" / "delete" (rows)
        self.last_sequence: int | None = None
        self._cancel = threading.Event()
        self.terminate_requested = False
        self.on_terminate: Callable[[], None] | None = None  # set by the network layer
        self.started_at = time.time()
        self.state_name = "idle"
        self.query_text = ""
        self.query_started_us = 0  # statement_timestamp() and query_start: µs since 2000-01-01 UTC
        self._blocked_on: object = 0  # WouldBlock.on an inline attempt met, for the next attempt to wait for
        self._blocked_at = 0.0  # when it was met (time.monotonic()): lock_timeout counts from there
        # READ COMMITTED: what the statement's attempt writes, and what its next attempt acts on (recheck.py)
        self.targets: tuple[Any, Any, Any] | None = None
        self.recheck: Recheck | None = None
        self._strong = self.store.relation_locks.strong  # relations strongly locked (mostly none: one test)
        self._statement_locks = StatementLocks(pid, database_oid)  # a read's without a transaction
        self.store.relation_locks.statements.add(self._statement_locks)
        self.backend_start = time.time()
        self.client_addr: str | None = startup.get("_client_addr")
        self._format: FormatContext | None = None
        self._format_version = -1
        self._params = ParamDecoders()
        self._txn_defaults: tuple[int, str, bool, bool, bool] = (-1, "", False, True, False)  # (settings version, ...)
        self._statement_timeout: tuple[int, int] = (-1, 0)  # (settings version, milliseconds)
        self._templates: TemplateCache = {}  # simple_query.py
        self.xact_advisory_locks = False  # holds transaction-level advisory locks (engine/advisory.py)
        self.pgstat = PendingStats(database_oid)  # this transaction's counts (pgstat.py)
        # a wait of ddl/temp.py's on a thread (an implicit commit's ON COMMIT actions, the drop at
        # the session's end): the event that cancels it, the thread
        self.temp_wait: tuple[threading.Event, threading.Thread] | None = None
        self.closing = False

    # -- reported state -----------------------------------------------------------------------

    def startup_parameters(self) -> dict[str, str]:
        self.settings.take_changes()
        return self.settings.reported()

    def take_reports(self) -> tuple[dict[str, str], list[Notice]]:
        """(changed reported settings, queued notices); the caller only reads them. The wire
        calls it per statement only when `notices` or `settings.changed` is not empty."""
        if not self.notices and not self.settings.changed:
            return _NO_CHANGES, _NO_NOTICES
        notices, self.notices = self.notices, []
        return self.settings.take_changes(), notices

    @property
    def in_transaction(self) -> bool:
        """Is a transaction open: a storage transaction, or an implicit one whose first statement
        runs without one (Bound.txn_free) and recorded its start."""
        return self.state.txn is not None or (bool(self.state.started_us) and not self.state.block)

    @property
    def transaction_status(self) -> str:
        if not self.state.block:
            return "I"
        return "E" if self.state.failed else "T"

    @property
    def format_context(self) -> FormatContext:
        s = self.settings
        if self._format is not None and self._format_version == s.version:
            return self._format
        key = (s.values["timezone"], s.values["datestyle"], s.values["intervalstyle"],
               s.values["extra_float_digits"], s.values["bytea_output"], s.values["client_encoding"])
        if self._format is None or self._format_key != key:
            self._format = FormatContext(key[0], key[1], key[2], int(key[3]), key[4], key[5],
                                         reg_names=RegNames(self))
            self._format_key = key
        self._format_version = s.version
        return self._format

    def notice(self, message: str, sqlstate: str = "00000", severity: str = "NOTICE",
               detail: str | None = None) -> None:
        self.notices.append(Notice(message, sqlstate, severity, detail))

    def catalog(self) -> SessionCatalog:
        return SessionCatalog(self.store, self.catalog_snapshot(), self.database_oid, self.search_path(), self.user,
                              self.temp_schema)

    def catalog_snapshot(self) -> Snapshot:
        """What binding reads the catalog on: the transaction's snapshot, or a fresh one while a
        DEFERRABLE transaction's first is not known safe (WouldBlock: PostgreSQL reads its
        catalogs on a fresh snapshot anyway); its execution waits for that one (waits.py)."""
        try:
            return self.store.snapshot(self.state.txn)
        except WouldBlock:
            return self.store.snapshot(None)

    def resolve_type(self, parts: list[str] | int) -> SqlType | None:
        """A user-defined type by name or OID, as the current statement sees the catalog."""
        return self.catalog().resolve_type(parts)

    def search_path(self) -> list[str]:
        raw = self.settings.get("search_path") or ""
        return [p.strip().strip('"') for p in raw.split(",") if p.strip()]

    # -- simple query (simple_query.py: splitting, auto-parameterized templates) ----------------

    # -- extended query -------------------------------------------------------------------------

    @_aborts_on_error
    def parse(self, name: str, sql: str, param_oids: list[int], *, inline: bool = True) -> None:
        self.query_text = sql  # an error in Parse is logged with it, and pg_stat_activity shows it
        if name and name in self.prepared:
            raise DuplicatePreparedStatement(f'prepared statement "{name}" already exists')
        pieces = split_statements(sql)
        if len(pieces) > 1:
            from quantadb.errors import SyntaxError as SqlSyntaxError
            raise SqlSyntaxError("cannot insert multiple commands into a prepared statement")
        stmt = S.Statement(pieces[0][0], at=pieces[0][1]) if pieces else S.Statement("")
        types = [SqlType(R.by_oid(o)) if o and o in R.BY_OID else SqlType(R.UNKNOWN) for o in param_oids]
        prepared = Prepared(sql, stmt, types)
        if stmt.text:
            self._check_failed(stmt)
            if not stmt.is_transaction_control:
                self._describe(prepared, inline)
        self.prepared[name] = prepared

    def _describe(self, prepared: Prepared, inline: bool) -> None:
        """Bind the statement once to learn parameter and result types (Describe). As PostgreSQL's
        parse analysis it takes the relation locks, so the types are those the execution will see:
        behind a concurrent ALTER it waits (on a worker thread) and binds again."""
        txn = self._ensure_txn()
        self.query_started_us = S.now_us()  # statement_timeout of a lock wait counts from here
        while True:
            try:
                bound = self.bind_locked(prepared)
                break
            except WouldBlock as block:
                if inline:
                    raise RunInWorker() from None
                self.wait_for(txn, block.on)
        prepared.describe(bound)

    def bind_locked(self, prepared: Prepared) -> S.Bound:
        """Bind and take the relation locks, as PostgreSQL's parse analysis (WouldBlock when one
        is queued); bound again when the catalog changed meanwhile."""
        while True:
            bound = self._plan(prepared)
            if not bound.relation_locks or self._lock_relations(self.state.txn, bound):
                return bound

    @_aborts_on_error
    def bind(self, portal: str, statement: str, param_formats: list[int], params: list[bytes | None],
             result_formats: list[int]) -> None:
        prepared = self.prepared.get(statement)
        if prepared is None:
            raise InvalidSqlStatementName(f'prepared statement "{statement}" does not exist')
        self._check_failed(prepared.stmt)
        if len(params) != len(prepared.param_types):
            raise ProtocolViolation(f"bind message supplies {len(params)} parameters, but prepared statement "
                                    f'"{statement}" requires {len(prepared.param_types)}')
        labels = self.state.new_enum_labels
        if labels:  # an enum parameter is input: labels this transaction added are refused (types/enums.py)
            with uncommitted_labels(labels):
                values = self._decode_params(prepared.param_types, param_formats, params)
        else:
            values = self._decode_params(prepared.param_types, param_formats, params)
        if prepared.stmt.utility is not None:  # (a FETCH describes its cursor as it is now: cursors.py)
            prepared = self.cursors.describe_fetch(prepared)
        ncols = len(prepared.columns or [])
        if len(result_formats) == 1:
            formats = result_formats * ncols
        elif not result_formats:
            formats = [0] * ncols
        else:
            formats = list(result_formats)
        if portal and portal in self.portals:
            raise DuplicateCursor(f'portal "{portal}" already exists')
        self.portals[portal] = Portal(prepared, values, formats)

    def _decode_params(self, types: list[SqlType], formats: list[int], params: list[bytes | str | None]) -> list[Any]:
        if not params:  # BEGIN, COMMIT, a query without parameters
            return []
        return self._params.decode(types, formats, params, self.format_context)

    @_aborts_on_error
    def describe_statement(self, name: str) -> tuple[list[int], list[ColumnDesc] | None]:
        prepared = self.prepared.get(name)
        if prepared is None:
            raise InvalidSqlStatementName(f'prepared statement "{name}" does not exist')
        oids = [t.oid if t.pg is not R.UNKNOWN else R.TEXT.oid for t in prepared.param_types]
        return oids, prepared.columns

    @_aborts_on_error
    def describe_portal(self, name: str) -> tuple[list[ColumnDesc] | None, list[int]]:
        portal = self.portals.get(name)
        if portal is None:
            raise InvalidCursorName(f'portal "{name}" does not exist')
        return portal.prepared.columns, portal.formats

    def execute(self, portal: str, max_rows: int, *, inline: bool) -> Result:
        p = self.portals.get(portal)
        if p is None:
            raise InvalidCursorName(f'portal "{portal}" does not exist')
        self.query_text = p.prepared.stmt.text
        return self._execute(p, max_rows, inline)

    def close_statement(self, name: str) -> None:
        self.prepared.pop(name, None)

    def close_portal(self, name: str) -> None:
        self.portals.pop(name, None)

    def sync(self) -> Future | None:
        return self._end_implicit(False)

    def cancel(self) -> None:
        self._cancel.set()  # also the cancel_event of the session's transactions (lock waits)

    def terminate(self) -> None:
        """pg_terminate_backend(): cancel what runs and have the connection closed."""
        self.terminate_requested = True
        self.cancel()
        if self.on_terminate is not None:
            self.on_terminate()

    def close(self) -> None:
        if self.temp_wait is not None:  # give it up: the client is gone, or the database shuts down
            cancel, thread = self.temp_wait
            cancel.set()
            thread.join(30)
        if self.closing:  # again (the database's shutdown)
            return
        self.closing = True
        if self.state.txn is not None:
            self.store.abort(self.state.txn)
            self.db.pgstat.transaction_ended(self.pgstat, committed=False)
        self.db.pgstat.flush(self.pgstat)
        self.state = TxnState()
        self.prepared.clear()
        self.portals.clear()
        # as PostgreSQL's backend, the session stays listed until its temporary tables are gone
        temp.drop_temp_schema(self, self._closed)

    def _closed(self) -> None:
        self.db.session_ended(self)
        self.store.relation_locks.statements.discard(self._statement_locks)

    # -- execution ------------------------------------------------------------------------------

    def _check_failed(self, stmt: S.Statement) -> None:
        if self.state.failed and not stmt.allowed_in_failed_block:
            raise InFailedSqlTransaction("current transaction is aborted, commands ignored until end of "
                                         "transaction block")

    def _txn_defaults_now(self) -> tuple[int, str, bool, bool, bool]:
        """(settings version, isolation, read only, synchronous commit, deferrable) a new transaction takes."""
        s = self.settings
        defaults = self._txn_defaults
        if defaults[0] != s.version:
            values = s.values
            defaults = self._txn_defaults = (s.version, values["default_transaction_isolation"],
                                             values["default_transaction_read_only"] == "on",
                                             values["synchronous_commit"] != "off",
                                             values["default_transaction_deferrable"] == "on")
        return defaults

    def _ensure_txn(self) -> Any:
        txn = self.state.txn
        if txn is not None:
            return txn
        _, iso, ro, synchronous, deferrable = self._txn_defaults_now()
        ro = ro or self.db.read_only  # a replica's, which promotion ends
        txn = self.state.txn = self.store.begin(iso, ro, self._cancel)
        txn.synchronous_commit = synchronous
        txn.pid, txn.database = self.pid, self.database_oid
        self.settings.begin()
        if deferrable:  # (default_transaction_deferrable, mostly off: the one test a transaction pays for it)
            self.set_deferrable(txn, True)
        self.set_transaction_settings(txn)
        return txn

    def _execute(self, portal: Portal, max_rows: int, inline: bool) -> Result:
        stmt = portal.prepared.stmt
        if not stmt.text:
            return Result(empty=True)
        self._check_failed(stmt)
        if portal.rows is not None:  # a suspended portal continues
            return self._fetch_portal(portal, max_rows)
        if not self._blocked_on:  # (else the statement is attempted again after a lock wait began)
            if self._cancel.is_set():  # a cancel that came while no statement ran is dropped
                self._cancel.clear()
            self.query_started_us = S.now_us()
        self.state_name = "active"
        if not self.state.started_us:  # the statement that begins a transaction gives now() its start
            self.state.started_us = self.query_started_us
        try:
            result = self._run_with_retries(portal, inline)
        except RunInWorker:
            raise  # still active: it waits for a lock, or runs on a worker, and is attempted again
        except Exception:
            self.recheck = self.targets = None
            self._done_with_awaited_row()
            self.statement_failed()
            self.state_name = "idle in transaction" if self.state.block else "idle"
            raise
        self.recheck = self.targets = None
        self._done_with_awaited_row()
        self.state_name = "idle in transaction" if self.state.block else "idle"
        if result.columns is not None and max_rows and not portal.cursor:
            portal.rows = result
            portal.position = 0
            return self._fetch_portal(portal, max_rows)
        # (a simple Query's portal has no formats: text, but a FETCH of a BINARY cursor's, as exec_simple_query)
        result.formats = portal.formats or result.formats or [0] * len(result.columns or [])
        return result

    def _done_with_awaited_row(self) -> None:
        """The statement ended: waiters queued behind it for a row it waited for go on."""
        txn = self.state.txn
        if txn is not None and txn.queued_tuple is not None:
            self.store.leave_tuple_queue(txn)

    def statement_failed(self) -> None:
        """The running statement failed: a block enters the failed state, an implicit transaction ends.

        As in PostgreSQL, the failed part lets go of its row and relation locks at once rather than
        at ROLLBACK: inside a savepoint that part is what followed the savepoint; otherwise the
        whole transaction, which then only waits for ROLLBACK."""
        if self.state.block:
            self.state.failed = True
            txn = self.state.txn
            if txn is None:
                return
            if self.state.savepoints:
                self.store.rollback_to(txn, self.state.savepoints[-1][1])
                self.store.release_locks_after(txn, self.state.savepoints[-1][1])
            else:
                self.store.abort(txn)
                self.state.txn = None
        elif self.state.txn is not None:
            self.store.abort(self.state.txn)
            self.state = TxnState()
            self.transaction_ended(committed=False)

    def _run_with_retries(self, portal: Portal, inline: bool) -> Result:
        stmt = portal.prepared.stmt
        if stmt.is_transaction_control:
            return S.run_transaction_control(self, stmt, inline)
        if self.state.txn is None and stmt.utility is None and not self.state.block and \
                self._txn_defaults_now()[1] not in REPEATABLE_READ_LEVELS:
            # The first statement of an implicit READ COMMITTED transaction: if it cannot write (a
            # point read, SELECT 1, a read-only query: Bound.txn_free) it needs no storage
            # transaction, as it writes nothing, locks no row and reads on a fresh snapshot, which
            # is what a new transaction's first snapshot would be (binding with no transaction sees
            # the catalog the same way). A later statement of the same implicit transaction begins
            # one, with the start time recorded here (now()).
            bound = self._plan(portal.prepared)
            if bound.txn_free:
                result = self.run_txn_free(bound, S.execute, self, portal, inline, bound)
                if result is not None:
                    return result
        txn = self._ensure_txn()
        blocked, self._blocked_on = self._blocked_on, 0
        if blocked and not inline:  # the inline attempt met this lock: wait, then attempt again
            self.wait_for(txn, blocked, self._blocked_at)
        while True:
            bound = None if stmt.utility is not None else self._plan(portal.prepared)
            # the savepoint undoes a partial attempt before a retry (WouldBlock, RowChanged): any other
            # error fails the statement, and statement_failed rolls back at least as far. A plan that
            # cannot write needs none, nor a plain INSERT, UPDATE or DELETE whose one write follows
            # every check that can make it wait or be retried (Bound.writes_once)
            needs_savepoint = stmt.may_write and (bound is None or bound.may_write and not bound.writes_once)
            token = None
            try:
                # relation locks, then the plan: bound before they were granted, it may predate a
                # schema change committed meanwhile (after a wait, always): bind again
                if bound is not None and bound.relation_locks and not self._lock_relations(txn, bound):
                    continue
                token = self.store.savepoint(txn, internal=True) if needs_savepoint else None
                if token is not None:
                    self.pgstat.subxact_begin()  # the attempt's writes, counted once it is done
                # VACUUM renumbers rows: an attempt holds the gate, a wait for a row or relation lock
                # does not (the attempt was undone; holding it there kept autovacuum out under contention)
                with self.db.gate.shared():
                    try:
                        result = self.cursors.attempt(S.execute, self, portal, inline, bound)
                        if txn.unique_rechecks:  # DEFERRABLE unique keys written: checked at the statement's end
                            check_unique_keys(self, txn, inline, token is not None)
                    except (WouldBlock, RowChanged):
                        next_attempt(self, bound)  # (in the gate: the row ids it targeted are still valid)
                        raise
            except WouldBlock as block:
                if token is not None:  # (the next attempt makes its own savepoint)
                    self.store.rollback_to(txn, token)
                    self.store.release(txn, token)
                    self.pgstat.subxact_discard()
                if block.reached is not None:  # the rows before the one it waits for stay its own
                    self.store.hold_reached(txn, block.reached)
                if inline:
                    self._blocked_on, self._blocked_at = block.on, time.monotonic()
                    raise RunInWorker() from None
                self.wait_for(txn, block.on)
                continue
            except RowChanged:
                if token is not None:
                    self.store.rollback_to(txn, token)
                    self.store.release(txn, token)
                    self.pgstat.subxact_discard()
                if inline:
                    raise RunInWorker() from None
                continue
            except BaseException as exc:
                if token is not None:
                    if isinstance(exc, RunInWorker):  # run again on a worker: this attempt never was
                        self.pgstat.subxact_discard()
                    else:
                        self.pgstat.subxact_end(len(self.pgstat.levels) - 1, committed=False)
                    try:  # undone, and its level gone: the attempt on a worker makes its own
                        self.store.rollback_to(txn, token)
                        self.store.release(txn, token)
                    except Exception:
                        log.exception("[engine] rollback of a failed statement")
                raise
            if token is not None:
                self.store.release(txn, token)
                self.pgstat.subxact_end(len(self.pgstat.levels) - 1, committed=True)
            return result

    def run_txn_free(self, bound: S.Bound, run: Callable[..., Any], *args: Any) -> Any:
        """run(*args) for a txn-free plan (Bound.txn_free) without a storage transaction; None when
        a strong lock is held or awaited on what it reads, or a DDL ended since binding: then it
        must run in a transaction (bind again, take its locks, wait as any statement)."""
        # its AccessShare locks are the session's StatementLocks' for the statement, published
        # before it looks for a strong lock (storage/locks.py)
        held = self._statement_locks
        held.rel_locks = bound.relation_lock_bits
        try:
            if not (self._strong and self.store.strongly_locked(bound.relation_locks)) and \
                    bound.catalog_version == self.store.catalog.version:
                floor = self.store.hold_horizon()  # what an active Txn's snapshot would hold
                try:
                    with self.db.gate.shared():
                        return run(*args)
                finally:
                    self.store.release_horizon(floor)
        finally:
            released, held.rel_locks = held.rel_locks, NO_LOCKS
            if self._strong:
                self.store.relation_locks.statement_ended(released)
        return None

    def _plan(self, prepared: Prepared) -> S.Bound:
        """The statement's plan for this execution (cached while the catalog stays the same)."""
        bound = S.bind(self, prepared.stmt, prepared.param_types)
        if prepared.described and bound.catalog_version != prepared.catalog_version:
            prepared.revalidate(bound)
        return bound

    def _fetch_portal(self, portal: Portal, max_rows: int) -> Result:
        """The next `max_rows` (0 = all) rows of an executed portal; tag None while rows remain."""
        full = portal.rows
        batch = full.batches[0] if full.batches else None
        total = batch.length if batch is not None else 0
        start = portal.position
        stop = total if not max_rows else min(total, start + max_rows)
        part = []
        if batch is not None and stop > start:
            part = [take_batch(batch, np.arange(start, stop))]
        portal.position = stop
        done = stop >= total
        tag = full.tag if done else None
        if done and portal.cursor is False and full.tag and full.tag.startswith("SELECT"):
            tag = f"SELECT {stop}" if not max_rows else f"SELECT {stop - start}"
        return Result(tag=tag, columns=full.columns, batches=part, formats=portal.formats or [0] * len(full.columns))

    def _lock_relations(self, txn: Any, bound: S.Bound) -> bool:
        """Take the plan's relation locks (WouldBlock when one is queued); False when the catalog
        changed since the plan was bound."""
        held = txn.rel_locks
        for rel, mode in bound.relation_locks:
            if not held.get(rel, 0) >> mode & 1:  # most statements of a transaction: held already
                self.store.lock_relation(txn, rel, mode)
        return bound.catalog_version == self.store.catalog.version

    def _drop_cursors(self) -> None:
        """Portals end with their transaction, but cursors WITH HOLD (mostly none: clearing is cheaper than copying)."""
        for portal in self.portals.values():
            if portal.hold:
                self.portals = {k: v for k, v in self.portals.items() if v.cursor and v.hold}
                return
        self.portals.clear()
