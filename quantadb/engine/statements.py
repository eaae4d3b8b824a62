"""Statements: classify, bind (with a plan cache), and execute one statement in a session.

Routing happens by leading keyword: utility statements (sql/utility.py) go to
engine/utility.py, DDL to engine/ddl/, queries and DML through the binder to the executor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlglot import exp

from quantadb.engine import privileges
from quantadb.engine.advisory import WAITING_FUNCTIONS
from quantadb.engine.catalog_view import SessionCatalog
from quantadb.engine.point import PointRead, point_batch, point_read
from quantadb.engine.point_write import PointWrite, point_write, run_point_write
from quantadb.engine.results import ColumnDesc, Result, RunInWorker
from quantadb.engine.services import ExecServices
from quantadb.errors import ActiveSqlTransaction, ReadOnlySqlTransaction, SqlError, UndefinedObject, UndefinedParameter
from quantadb.exec.context import EvalContext
from quantadb.exec.fold import fold_constants
from quantadb.exec.modify import run_modify
from quantadb.exec.run import run_all
from quantadb.sql import plan as P
from quantadb.sql import utility as U
from quantadb.sql.bind_ddl import bind_ddl
from quantadb.sql.bind_dml import DmlBinder
from quantadb.sql.bind_from import row_system_names
from quantadb.sql.bind_merge import MergeBinder
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.bind_with import reading_one_snapshot
from quantadb.sql.expr import Call, Param, SubqueryExpr, walk
from quantadb.sql.parse import parse_sql
from quantadb.sql.typenames import reset_user_types, set_user_types
from quantadb.storage.locks import ACCESS_SHARE, ROW_EXCLUSIVE, ROW_SHARE, mode_bits
from quantadb.types import registry as R
from quantadb.types.enums import uncommitted_labels
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.prepared import Portal
    from quantadb.engine.session import Session

HEAVY_ROWS = 20000  # statements expected to touch more rows than this run on a worker thread
_SLOW_FUNCTIONS = {"pg_sleep", "pg_sleep_for", "generate_series"} | WAITING_FUNCTIONS
_WRITE_WORDS = {"insert", "update", "delete", "create", "drop", "alter", "truncate", "copy", "merge", "comment",
                "grant", "revoke", "select", "with", "vacuum", "analyze", "reindex", "refresh", "cluster"}
_QUERY_NODES = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Values, exp.Subquery)
_DML_NODES = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
EPOCH_2000_UNIX = 946684800
_WRITING_NODES = (P.Insert, P.Update, P.Delete, P.Merge, P.ModifyingCtes)
_TAGS = {P.Insert: "INSERT 0 ", P.Update: "UPDATE ", P.Delete: "DELETE ", P.Merge: "MERGE "}  # command tags before the count


def now_us() -> int:
    return int((time.time() - EPOCH_2000_UNIX) * 1_000_000)


class Statement:
    """One statement's text, with its utility parse or sqlglot AST made on first use."""

    offset = 0  # where its text begins in its simple Query message (error positions count from there)

    def __init__(self, text: str, *, plain: bool = False, at: int | None = 0) -> None:
        """`plain`: the caller knows this is not a utility statement (a parameterized template).
        `at`: where the text begins in the client's (EXPLAIN's query, a Parse message after its
        blanks), which error positions count in; None: not the client's text, no positions."""
        self.text = text
        self.at = at
        self.utility = U.parse_utility(text) if text and not plain else None
        self._ast: exp.Expression | None = None
        # the last bind: (Bound, the parameter type list, settings version, temporary schema), so a
        # prepared statement's next execution finds its plan without building the plan cache key
        self.last_bound: tuple[Bound, list[SqlType], int, str | None] | None = None
        words = text.split(None, 1)
        self.keyword = words[0].lower().rstrip(";(") if words else ""
        self.is_transaction_control = isinstance(self.utility, U.TransactionStmt)
        # may change data (a plain SELECT may too: nextval(), a data-modifying WITH)
        self.may_write = self.keyword in _WRITE_WORDS and self.utility is None or isinstance(self.utility, U.CopyStmt) \
            or isinstance(self.utility, U.RoutineStmt | U.TypeStmt)  # CALL runs a body that may write

    @property
    def ast(self) -> exp.Expression:
        if self._ast is None:
            self._ast = parse_sql(self.text, positions=self.at is not None, at=self.at or 0)
        return self._ast

    @property
    def allowed_in_failed_block(self) -> bool:
        u = self.utility
        return isinstance(u, U.TransactionStmt) and u.kind in ("commit", "rollback", "rollback_to", "prepare")


@dataclass
class Bound:
    plan: P.Plan | None
    columns: list[ColumnDesc] | None
    param_types: list[SqlType]
    catalog_version: int = 0
    context: tuple = ()  # the settings it was bound under (see _bind_plan)
    needs: tuple[tuple[int, str], ...] = ()  # (relation OID, privilege letter), checked per execution
    slow_calls: bool = False  # calls a function that may run long (pg_sleep): always on a worker thread
    scanned: tuple[int, ...] = ()  # tables read in full: large ones send the statement to a worker thread
    point: PointRead | None = None  # a read by index equality, run by engine/point.py
    write: PointWrite | None = None  # an UPDATE/DELETE by unique key or one-row INSERT (engine/point_write.py)
    # can running the plan change anything? A query without row locks or volatile calls cannot
    # (writing functions such as nextval() are volatile; DDL, with no plan, can)
    may_write: bool = True
    # can it run as an implicit transaction's first statement without a storage transaction (see
    # Session._run_with_retries)? A point read, or a plan that cannot write and reads through no
    # index: an index scan needs its snapshot in a transaction, which keeps PRUNE from dropping
    # index entries of versions that snapshot still sees
    txn_free: bool = False
    # its one storage write comes after every read and check that can make it wait or be retried
    # (WouldBlock, RowChanged), so an attempt that is retried wrote nothing (see _writes_once)
    writes_once: bool = False
    # (relation OID, lock mode) the session takes before running it, as PostgreSQL's: AccessShare
    # on each table read, RowShare on one read FOR UPDATE/SHARE, RowExclusive on a target
    relation_locks: tuple[tuple[int, int], ...] = ()
    relation_lock_bits: dict[int, int] = field(default_factory=dict)  # the same as locks.mode_bits: never written to
    new_row_keys: tuple = ()  # an INSERT's foreign keys (storage ConstraintDef): see ExecServices.insert
    superuser_passes: bool = True  # privileges.superuser_passes(needs): decided once per plan
    # could the parameters' values choose a better plan (see _prefers_custom_plan)? Then the simple
    # protocol plans the statement with its literals rather than as a parameterized template
    prefers_custom_plan: bool = False

    def heavy(self, store) -> bool:
        """Run on a worker thread? Decided per execution: the tables may have grown since planning."""
        if self.slow_calls:
            return True
        rows = 0
        for oid in self.scanned:
            rows += store.table(oid).live_estimate
        return rows > HEAVY_ROWS


def bind(session: "Session", stmt: Statement, param_types: list[SqlType]) -> Bound:
    """Plan a statement (cached by text and parameter types until the catalog changes)."""
    if not session.store.catalog.has_types:  # no defined type: no per-statement cost (a relation's
        return _bind(session, stmt, param_types)  # row type resolves when a plan is made: _bind_plan)
    token = set_user_types(session.resolve_type)
    try:
        with uncommitted_labels(session.state.new_enum_labels):
            return _bind(session, stmt, param_types)
    finally:
        reset_user_types(token)


def _bind(session: "Session", stmt: Statement, param_types: list[SqlType]) -> Bound:
    if stmt.utility is not None:
        from quantadb.engine import utility as UT
        columns = UT.describe_utility(session, stmt.utility)
        return Bound(None, columns, [SqlType(R.TEXT) if t.pg is R.UNKNOWN else t for t in param_types])
    version = session.store.catalog.version
    if not session.store.sees_current_catalog(session.state.txn):
        # its own uncommitted DDL, or an old REPEATABLE READ snapshot: a plan for this view only
        return _bind_plan(session, stmt, param_types, version, shared=False)
    last = stmt.last_bound
    if last is not None and last[0].catalog_version == version and last[1] is param_types and \
            last[2] == session.settings.version and last[3] is session.temp_schema:
        return last[0]
    bound = _bind_plan(session, stmt, param_types, version, shared=True)
    stmt.last_bound = (bound, param_types, session.settings.version, session.temp_schema)
    return bound


def _bind_plan(session: "Session", stmt: Statement, param_types: list[SqlType], version: int,
               shared: bool) -> Bound:
    # names resolve by search_path, and by the temporary schema of a session that has one; typed
    # literals ('...'::timestamptz) are read when binding, with the time zone and date styles
    values = session.settings.values
    context = (values["search_path"], session.temp_schema, values["timezone"], values["datestyle"],
               values["intervalstyle"])
    key = (stmt.text, tuple(t.oid for t in param_types))
    cached = session.db.plan_cache.get((session.database_oid, key)) if shared else None
    if cached is not None and cached.catalog_version == version and cached.context == context:
        return cached
    node = stmt.ast
    if not isinstance(node, _QUERY_NODES + _DML_NODES):
        return Bound(None, None, list(param_types), version, context)
    token = set_user_types(session.resolve_type)
    try:
        bound = _plan_statement(session, node, param_types, version, context)
    finally:
        reset_user_types(token)
    if shared:
        if len(session.db.plan_cache) > 2000:
            session.db.plan_cache.clear()
        session.db.plan_cache[(session.database_oid, key)] = bound
    return bound


def _plan_statement(session: "Session", node: exp.Expression, param_types: list[SqlType], version: int,
                    context: tuple) -> Bound:
    params = list(param_types)
    queries = QueryBinder(session.catalog(), params, session.format_context)
    queries.system_names = row_system_names(node)
    if isinstance(node, exp.Insert):
        plan = DmlBinder(queries).bind_insert(node)
    elif isinstance(node, exp.Update):
        plan = DmlBinder(queries).bind_update(node)
    elif isinstance(node, exp.Delete):
        plan = DmlBinder(queries).bind_delete(node)
    elif isinstance(node, exp.Merge):
        plan = MergeBinder(queries).bind_merge(node)
    else:
        plan = queries.bind_query(node)
    from quantadb.sql.optimizer import optimize
    plan = optimize(plan, queries.catalog, DmlBinder(queries).index_expressions_of)
    plan = fold_constants(plan)
    params = [SqlType(R.TEXT) if t.pg is R.UNKNOWN else t for t in params]
    columns = None
    if not isinstance(plan, (P.Insert, P.Update, P.Delete, P.Merge)) or getattr(plan, "returning", None) is not None:
        columns = [ColumnDesc(c.name, c.type, c.table_oid, c.attnum) for c in plan.columns]
    parts = plan_parts(plan)
    if parts.call_writers or _returning_reads(plan):
        plan = reading_one_snapshot(plan)
    point = point_read(plan)
    write = point_write(plan, session.store)
    needs = privileges.required(plan)
    # a table's triggers run PL/pgSQL too, whose statements wait where they stand on a worker: an
    # attempt on the event loop would run again there, their nextval() and notices twice
    slow = parts.slow or isinstance(plan, (P.Insert, P.Update, P.Delete, P.Merge)) and \
        _has_triggers(queries.catalog, plan.rel_oid)
    return Bound(plan, columns, params, version, context, needs, slow, parts.scanned,
                 point, write, parts.may_write,
                 txn_free=point is not None or not (parts.may_write or parts.index_reads),
                 writes_once=_writes_once(session, plan, parts, queries.catalog),
                 relation_locks=parts.relation_locks, relation_lock_bits=mode_bits(parts.relation_locks),
                 new_row_keys=tuple(plan.row_checks.foreign_keys) if isinstance(plan, P.Insert) else (),
                 superuser_passes=privileges.superuser_passes(needs),
                 prefers_custom_plan=bool(params) and _prefers_custom_plan(plan, queries.catalog))


def _has_triggers(catalog: SessionCatalog, rel_oid: int) -> bool:
    rel = catalog.relation(rel_oid)
    return rel is not None and bool(rel.triggers)


def _returning_reads(plan: P.Plan) -> bool:
    """Does the statement's RETURNING read tables (a subquery)? It reads them as they were before
    the statement, as PostgreSQL's, whose snapshot does not see the statement's own writes."""
    returning = getattr(plan, "returning", None)
    return bool(returning) and any(isinstance(n, SubqueryExpr) for e in returning for n in walk(e))


def _prefers_custom_plan(plan: P.Plan, catalog: SessionCatalog) -> bool:
    """Does the plan filter a table on a parameter while the table has a partial index? A value may
    imply the index's predicate (`status = $1` with 'open', for `WHERE status = 'open'`), which
    the generic plan cannot know. PostgreSQL plans every simple-protocol query with its literals."""
    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, (P.TableScan, P.IndexScan)) and node.filter is not None and \
                any(isinstance(n, Param) for n in walk(node.filter)) and \
                any(i.predicate_column for i in catalog.indexes_of(node.rel_oid)):
            return True
        stack.extend(node.children())
    return False


def _writes_once(session: Session, plan: P.Plan, parts: PlanParts, catalog: SessionCatalog) -> bool:
    """Does the plan write storage once, after every read and check that can make it wait or be
    retried? Then a retried attempt wrote nothing and needs no savepoint (Session._run_with_retries).

    So do an INSERT without ON CONFLICT (which may update, then insert), and an UPDATE or DELETE
    of a table no foreign key references: storage checks every target row's version and locks and
    the new unique keys before its one record, whereas the referencing rows are looked at after it
    and may wait (ExecServices.after_update/after_delete). Nor a write whose rows have foreign
    keys to check: as PostgreSQL's RI triggers, that check follows the write and may wait for a
    referenced row.
    The rest of the plan must not write or lock rows; RETURNING is left out to be safe. No
    built-in function writes what a savepoint undoes (sequences are non-transactional), but a user
    function's body may (`slow`: a PL/pgSQL body's statements are not in the plan)."""
    if not isinstance(plan, (P.Insert, P.Update, P.Delete)) or plan.returning is not None or \
            parts.writers != 1 or parts.locks or parts.slow:
        return False
    if not isinstance(plan, P.Delete) and plan.row_checks.foreign_keys:
        return False
    if not all(index.immediate for index in catalog.indexes_of(plan.rel_oid)):
        return False  # a DEFERRABLE unique key is checked after the write (engine/deferred.py)
    rel = catalog.relation(plan.rel_oid)
    if rel is None or rel.triggers:  # (an AFTER trigger's statements may wait after the write)
        return False
    if isinstance(plan, P.Insert):
        return plan.on_conflict is None
    # every session reuses the Bound until the catalog changes (plan_cache): one bound on an old
    # REPEATABLE READ snapshot must know the foreign keys committed since too
    store = session.store
    return not (catalog.referencing(plan.rel_oid) or store.catalog.referencing(store.snapshot(None), plan.rel_oid))


def eval_context(session: "Session", params: list[Any]) -> EvalContext:
    txn = session.state.txn
    snap = session.store.snapshot(txn)
    now = session.query_started_us
    ctx = EvalContext(session.format_context, session, params, session.state.started_us or now, now,
                      session.check_cancel_fn())
    ctx.services = ExecServices(session, session.store, txn, snap)
    return ctx


class PlanParts(NamedTuple):
    """What a plan does, subqueries included."""

    slow: bool  # calls a function that may run long
    scanned: tuple[int, ...]  # OIDs of the tables it scans in full
    may_write: bool  # writes, locks rows or calls something volatile
    index_reads: bool  # reads a table through an index
    writers: int  # data-modifying nodes
    locks: bool  # locks rows (FOR UPDATE/SHARE)
    relation_locks: tuple[tuple[int, int], ...]  # see Bound
    call_writers: int  # data-modifying nodes in the bodies of the functions it calls


def plan_parts(plan: P.Plan) -> PlanParts:
    slow = False
    scanned: list[int] = []
    may_write = False
    index_reads = False
    writers = call_writers = 0
    locks = False
    relation_locks: set[tuple[int, int]] = set()
    stack: list[tuple[P.Plan, bool]] = [(plan, False)]  # (node, is it in a called function's body)
    while stack:
        node, in_body = stack.pop()
        if isinstance(node, P.TableScan) and not isinstance(node, P.CurrentOfScan):  # (which reads one row)
            scanned.append(node.rel_oid)
        if isinstance(node, (P.TableScan, P.IndexScan)):
            relation_locks.add((node.rel_oid, ROW_SHARE if node.lock_mode else ACCESS_SHARE))
        elif isinstance(node, _WRITING_NODES) and not isinstance(node, P.ModifyingCtes):
            relation_locks.add((node.rel_oid, ROW_EXCLUSIVE))
            # written through views: they are locked as the table is (DROP VIEW waits), as in PostgreSQL
            relation_locks.update((oid, ROW_EXCLUSIVE) for oid, _ in getattr(node, "view_privileges", None) or ())
        index_reads = index_reads or isinstance(node, P.IndexScan)
        writes = isinstance(node, _WRITING_NODES)
        writers += writes
        call_writers += writes and in_body
        locks = locks or bool(getattr(node, "lock_mode", ""))
        may_write = may_write or writers > 0 or locks
        for value in vars(node).values():
            for e in _nested(value):
                if hasattr(e, "children") and not isinstance(e, P.Plan):
                    for n in walk(e):
                        if isinstance(n, Call):
                            # a user function's body may read much: a worker thread, as for pg_sleep
                            slow = slow or n.name in _SLOW_FUNCTIONS or n.routine is not None
                            may_write = may_write or n.volatile
                            if n.routine is not None:  # its statements lock, write and read as any
                                stack.extend((body, True) for body in n.routine.plans)
                        sub = getattr(n, "plan", None)
                        if isinstance(sub, P.Plan):
                            stack.append((sub, in_body))
        stack.extend((child, in_body) for child in node.children())
        if isinstance(node, P.CteScan) and node.cte.plan is not None:
            stack.append((node.cte.plan, in_body))
            if node.cte.recursive_plan is not None:
                slow = True  # iterations are unbounded
    # the target's own scan needs no AccessShare beside its RowExclusive (PostgreSQL takes one lock
    # per range table entry, and they are one entry)
    written = {rel for rel, mode in relation_locks if mode == ROW_EXCLUSIVE}
    relation_locks = {(rel, mode) for rel, mode in relation_locks if rel not in written or mode != ACCESS_SHARE}
    return PlanParts(slow, tuple(scanned), may_write, index_reads, writers, locks, tuple(sorted(relation_locks)),
                     call_writers)


def _nested(value: Any) -> list[Any]:
    """The items of a plan node's field, with lists and tuples (a Sort's keys, VALUES rows) flattened."""
    if not isinstance(value, (list, tuple)):
        return [value]
    return [item for v in value for item in _nested(v)]


def execute(session: "Session", portal: "Portal", inline: bool, bound: Bound | None = None) -> Result:
    """Run the portal's statement; `bound`: its bind() when the caller made it already."""
    catalog = session.store.catalog
    # a type name may be read while it runs (DDL, a PL/pgSQL declaration), unless no type exists
    # but relations' row types, and the plan is a one-row read or write, which reads none
    if not catalog.has_types and (not catalog.has_row_types or bound is not None and
                                  (bound.point is not None or bound.write is not None)):
        return _execute(session, portal, inline, bound)
    token = set_user_types(session.resolve_type)
    try:
        with uncommitted_labels(session.state.new_enum_labels):
            return _execute(session, portal, inline, bound)
    finally:
        reset_user_types(token)


def _execute(session: "Session", portal: "Portal", inline: bool, bound: Bound | None) -> Result:
    stmt = portal.prepared.stmt
    if stmt.utility is not None:
        from quantadb.engine import utility as UT
        return UT.run_utility(session, stmt.utility, portal, inline)
    if bound is None:
        bound = bind(session, stmt, portal.prepared.param_types)
    if bound.plan is None:
        from quantadb.engine import ddl
        if inline:
            raise RunInWorker()
        return ddl.run_ddl(session, bind_ddl(stmt.ast, stmt.text))
    privileges.check(session, bound.needs, bound.superuser_passes)
    if inline and bound.heavy(session.store):
        raise RunInWorker()
    if portal.literals is not None:  # an auto-parameterized statement: decode with the inferred types
        try:
            portal.params = session.decode_literals(bound.param_types, portal.literals)
        except SqlError:  # a literal its type cannot read: the text as written says where it stands
            return _execute(session, session.as_written(), inline, None)
    elif len(portal.params) < len(bound.param_types):  # $n in a simple Query, which has no parameters
        raise UndefinedParameter(f"there is no parameter ${len(portal.params) + 1}")
    point = bound.point
    if point is not None:
        batch = point_batch(session, point, portal.params)
        return Result(tag=f"SELECT {batch.length}", columns=bound.columns, batches=[batch])
    ctx = eval_context(session, portal.params)
    plan = bound.plan
    if isinstance(plan, (P.Insert, P.Update, P.Delete, P.Merge)):
        # checked first, as PostgreSQL: even when no row would change (a MERGE that only does nothing writes nothing)
        if session.state.txn.read_only and not (isinstance(plan, P.Merge) and not any(a.write for a in plan.actions)):
            raise ReadOnlySqlTransaction(f"cannot execute {_TAGS[type(plan)].split()[0]} in a read-only transaction")
        if bound.new_row_keys:
            ctx.services.new_row_keys = bound.new_row_keys
        if bound.write is not None:
            count, returned = run_point_write(bound.write, ctx)
        else:
            ctx.services.inline = inline  # (ExecServices.wait_in_statement)
            count, returned = run_modify(plan, ctx)
        tag = f"{_TAGS[type(plan)]}{count}"
        if returned is None:
            return Result(tag=tag)
        return Result(tag=tag, columns=bound.columns, batches=[returned])
    ctx.services.inline = inline
    batch = run_all(plan, ctx)
    return Result(tag=f"SELECT {batch.length}", columns=bound.columns, batches=[batch])


def run_transaction_control(session: "Session", stmt: Statement, inline: bool) -> Result:
    u = stmt.utility
    if u.kind == "begin":
        session.begin_block(u.isolation, u.read_only, u.deferrable)
        return Result(tag="BEGIN" if not stmt.keyword == "start" else "START TRANSACTION")
    if u.kind == "commit":
        return session.commit_block(inline)
    if u.kind == "rollback":
        return session.rollback_block()
    if u.kind == "savepoint":
        return session.savepoint(u.name)
    if u.kind == "release":
        return session.release_savepoint(u.name)
    if u.kind == "rollback_to":
        return session.rollback_to_savepoint(u.name)
    if u.kind == "prepare":
        return session.prepare_transaction()
    # COMMIT / ROLLBACK PREPARED: max_prepared_transactions is 0 (PostgreSQL's default), none exists
    if session.state.block:
        raise ActiveSqlTransaction(f"{'COMMIT' if u.kind == 'commit_prepared' else 'ROLLBACK'} PREPARED cannot run "
                                   "inside a transaction block")
    raise UndefinedObject(f'prepared transaction with identifier "{u.name}" does not exist')
