"""Utility statements: SET/SHOW/RESET, EXPLAIN, PREPARE/EXECUTE, cursors, COPY, VACUUM,
roles, comments, databases, LISTEN and the statements accepted as no-ops."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine.current_of import declared_rows
from quantadb.engine.ddl.temp import TEMP_SCHEMA_PREFIX, discard_temp
from quantadb.engine.deferred import set_constraints
from quantadb.engine.explain import explain, result_column
from quantadb.engine.membership import member_roles
from quantadb.engine.notify import NAMEDATALEN
from quantadb.engine.results import ColumnDesc, Result, RunInWorker
from quantadb.engine.settings import SETTINGS
from quantadb.errors import (ActiveSqlTransaction, DuplicatePreparedStatement, FeatureNotSupported,
                             InsufficientPrivilege, InvalidParameterValue, InvalidSqlStatementName, UndefinedTable)
from quantadb.exec.columns import from_values
from quantadb.sql import utility as U
from quantadb.sql import plan as P
from quantadb.sql.bind_locking import refuse_cursor_locking
from quantadb.sql.typenames import parse_type_name
from quantadb.storage.locks import ACCESS_EXCLUSIVE, ACCESS_SHARE, SHARE_UPDATE_EXCLUSIVE
from quantadb.storage.txn import WouldBlock
from quantadb.types import registry as R
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.prepared import Portal, Prepared
    from quantadb.engine.session import Session

TEXT = SqlType(R.TEXT)


def _text_result(tag: str, names: list[str], rows: list[tuple]) -> Result:
    columns = [ColumnDesc(n, TEXT) for n in names]
    cols = [from_values([r[i] for r in rows], TEXT) for i in range(len(names))]
    return Result(tag=tag, columns=columns, batches=[Batch(cols, len(rows))])


def describe_utility(session: "Session", u) -> list[ColumnDesc] | None:
    if isinstance(u, U.ShowStmt):
        if u.name == "all":
            return [ColumnDesc("name", TEXT), ColumnDesc("setting", TEXT), ColumnDesc("description", TEXT)]
        return [ColumnDesc(session.settings.show(u.name)[0], TEXT)]
    if isinstance(u, U.ExplainStmt):
        return [result_column(u.options)]
    if isinstance(u, U.FetchStmt) and not u.move:
        portal = session.portals.get(u.name)
        return portal.prepared.columns if portal is not None else None
    if isinstance(u, U.ExecuteStmt):
        prepared = session.prepared.get(u.name)
        return prepared.columns if prepared is not None else None
    return None


def run_utility(session: "Session", u, portal: "Portal", inline: bool) -> Result:
    handler = _HANDLERS.get(type(u))
    if handler is None:
        raise FeatureNotSupported(f"{type(u).__name__} is not supported")
    return handler(session, u, portal, inline)


def _set(session: "Session", u: U.SetStmt, portal, inline) -> Result:
    in_txn = session.state.block or session.state.txn is not None
    if u.reset_all:
        session.settings.reset_all(in_txn=in_txn and session.state.block)
        return Result(tag="RESET")
    value = None if u.value is None else ", ".join(u.value) if u.name != "search_path" else \
        ", ".join(_quote_path(v) for v in u.value)
    if u.local and not session.state.block:
        session.notice("SET LOCAL can only be used in transaction blocks", "25P01", "WARNING")
        return Result(tag="SET")
    if u.name == "role" and value is not None and value != "none":
        _check_set_role(session, value)
    if u.name == "session_authorization":
        _check_session_authorization(session, value)
        session.settings.set("role", None, local=u.local, in_txn=in_txn and session.state.block)
    if u.name == "transaction_isolation" and value is not None:
        session.refuse_serializable_on_replica(" ".join(value.lower().split()))
    session.settings.set(u.name, value, local=u.local, in_txn=in_txn and session.state.block,
                         superuser=session.superuser)
    if u.name == "transaction_isolation" and session.state.txn is not None:  # normalized: Txn compares it
        session.state.txn.isolation = session.settings.get("transaction_isolation")
    if u.name == "synchronous_commit" and session.state.txn is not None:
        session.state.txn.synchronous_commit = session.settings.get("synchronous_commit") != "off"
    return Result(tag="SET" if u.value is not None or not _is_reset(portal) else "RESET")


def _check_set_role(session: "Session", name: str) -> None:
    """SET ROLE: a superuser session user may become any role, another one it is a member of
    (INHERIT or not: engine/membership.py)."""
    catalog, snap = session.store.catalog, session.catalog().snap
    role = catalog.find_role(snap, name)
    if role is None:
        raise InvalidParameterValue(f'role "{name}" does not exist')
    if session.session_superuser:
        return
    me = catalog.find_role(snap, session.session_user)
    if me is None or role.oid not in member_roles(catalog, snap, me.oid):
        raise InsufficientPrivilege(f'permission denied to set role "{name}"')


def _check_session_authorization(session: "Session", name: str | None) -> None:
    """SET SESSION AUTHORIZATION: only a role that logged in as a superuser may become another
    (it also ends any SET ROLE); DEFAULT and RESET go back to the authenticated role."""
    if name is None:
        return
    role = session.store.catalog.find_role(session.catalog().snap, name)
    if role is None:
        raise InvalidParameterValue(f'role "{name}" does not exist')
    if not session.authenticated_superuser and role.name != session.authenticated_user:
        raise InsufficientPrivilege(f'permission denied to set session authorization "{name}"')


def _quote_path(v: str) -> str:
    return v if v == "$user" or v.islower() and v.replace("_", "").isalnum() else f'"{v}"' if v != '"$user"' else v


def _is_reset(portal) -> bool:
    return portal.prepared.stmt.keyword == "reset"


def _set_transaction(session: "Session", u: U.SetTransactionStmt, portal, inline) -> Result:
    if u.session_default:
        if u.isolation:
            session.settings.set("default_transaction_isolation", u.isolation)
        if u.read_only is not None:
            session.settings.set("default_transaction_read_only", "on" if u.read_only else "off")
        if u.deferrable is not None:
            session.settings.set("default_transaction_deferrable", "on" if u.deferrable else "off")
        return Result(tag="SET")
    txn = session.state.txn
    if not session.state.block:
        session.notice("SET TRANSACTION can only be used in transaction blocks", "25P01", "WARNING")
        return Result(tag="SET")
    first_snapshot_taken = txn.snapshot is not None or txn.snapshot_xmin is not None
    if u.isolation:
        if u.isolation != txn.isolation and first_snapshot_taken:
            raise ActiveSqlTransaction("SET TRANSACTION ISOLATION LEVEL must be called before any query")
        session.refuse_serializable_on_replica(u.isolation)
        txn.isolation = u.isolation
    if u.read_only is not None:
        txn.read_only = u.read_only or session.db.read_only
    if u.deferrable is not None:
        if first_snapshot_taken:
            raise ActiveSqlTransaction("SET TRANSACTION [NOT] DEFERRABLE must be called before any query")
        session.set_deferrable(txn, u.deferrable)
    session.set_transaction_settings(txn)
    return Result(tag="SET")


def _set_snapshot(session: "Session", u: U.SetTransactionSnapshotStmt, portal, inline) -> Result:
    session.db.exported_snapshots.import_into(session, u.snapshot_id)
    return Result(tag="SET")


def _show(session: "Session", u: U.ShowStmt, portal, inline) -> Result:
    if u.name == "all":
        rows = [(s.name, session.settings.show(k)[1], s.description) for k, s in sorted(SETTINGS.items())]
        return _text_result("SHOW", ["name", "setting", "description"], rows)
    name, value = session.settings.show(u.name)
    return _text_result("SHOW", [name], [(value,)])


def _inner_at(portal, query: str) -> int | None:
    """Where a utility statement's query (EXPLAIN's, PREPARE's, DECLARE's) begins in its text."""
    outer = portal.prepared.stmt
    i = outer.text.find(query)
    return None if i < 0 or outer.at is None else outer.at + i


def _explain(session: "Session", u: U.ExplainStmt, portal, inline) -> Result:
    return explain(session, u.query, _inner_at(portal, u.query), u.options, inline, portal)


def _prepare(session: "Session", u: U.PrepareStmt, portal, inline) -> Result:
    from quantadb.engine import statements as S
    from quantadb.engine.prepared import Prepared
    if u.name in session.prepared:
        raise DuplicatePreparedStatement(f'prepared statement "{u.name}" already exists')
    types = [parse_type_name(t) for t in u.types]
    prepared = Prepared(u.query, S.Statement(u.query, at=_inner_at(portal, u.query)), types)
    bound = session.bind_locked(prepared)
    prepared.describe(bound)
    session.prepared[u.name] = prepared
    return Result(tag="PREPARE")


def _execute_stmt(session: "Session", u: U.ExecuteStmt, portal, inline) -> Result:
    """The prepared statement, with the arguments' values; after a wait it runs again by itself,
    re-checking what it targeted as any statement (engine/recheck.py), and its arguments are not
    evaluated again (PostgreSQL evaluates them once)."""
    from quantadb.engine import statements as S
    from quantadb.engine.attempts import run_attempts
    from quantadb.engine.prepared import Portal
    from quantadb.engine.recheck import next_attempt
    prepared = prepared_statement(session, u.name)
    bound = session.bind_locked(prepared)
    values = execute_params(session, u, prepared, inline, inline and bound.heavy(session.store))
    run = Portal(prepared, values, [])
    return run_attempts(session, lambda: S.execute(session, run, inline, bound), inline,
                        undoable=bound.may_write and not bound.writes_once, gate=False,
                        stopped=lambda: next_attempt(session, bound))


def prepared_statement(session: "Session", name: str) -> "Prepared":
    prepared = session.prepared.get(name)
    if prepared is None:
        raise InvalidSqlStatementName(f'prepared statement "{name}" does not exist')
    return prepared


def execute_params(session: "Session", u: U.ExecuteStmt, prepared: "Prepared", inline: bool | None = None,
                   heavy: bool = False) -> list:
    """The values of EXECUTE's arguments, in the prepared statement's parameter types. Inline (on
    the event loop), volatile arguments (a user function, nextval()), or those of a statement that
    runs on a worker thread (`heavy`), go there first (RunInWorker) rather than run twice, as they
    would when the statement then waits: on a worker the statement waits where it stands, and so
    does a statement of the function (ExecServices.wait_in_statement)."""
    from quantadb.engine import statements as S
    from quantadb.exec.eval import evaluate
    from quantadb.exec.columns import column_values
    from quantadb.sql.bind_query import QueryBinder
    from quantadb.sql.expr import Call, walk
    from quantadb.sql.parse import parse_expression
    from quantadb.sql.scope import Scope
    binder = QueryBinder(session.catalog(), [], session.format_context).expr_binder(Scope())
    binder.bind_subquery = lambda q, s: (_ for _ in ()).throw(
        FeatureNotSupported("subqueries in EXECUTE parameters are not supported"))
    args = [binder.coerce(binder.bind(parse_expression(text)), t, "a") for text, t in zip(u.args, prepared.param_types)]
    if inline and (heavy or any(isinstance(n, Call) and (n.volatile or n.routine is not None)
                                for e in args for n in walk(e))):
        raise RunInWorker()
    ctx = S.eval_context(session, [])
    ctx.services.inline = inline
    return [column_values(evaluate(e, Batch([], 1), ctx))[0] for e in args]


def _deallocate(session: "Session", u: U.DeallocateStmt, portal, inline) -> Result:
    if u.name is None:
        session.prepared = {k: v for k, v in session.prepared.items() if k == ""}
    elif u.name not in session.prepared:
        raise InvalidSqlStatementName(f'prepared statement "{u.name}" does not exist')
    else:
        del session.prepared[u.name]
    return Result(tag="DEALLOCATE ALL" if u.name is None else "DEALLOCATE")


def _discard(session: "Session", u: U.DiscardStmt, portal, inline) -> Result:
    if u.what == "all":
        session.require_no_block("DISCARD ALL")
        session.prepared = {k: v for k, v in session.prepared.items() if k == ""}
        session.portals.clear()
        session.settings.reset_all()
        session.db.advisory.release_all(session.pid, xact=False)
        session.notifications.unlisten(None)  # UNLISTEN *, committed with DISCARD ALL's transaction
    if u.what in ("all", "temp", "temporary"):
        discard_temp(session)
    elif u.what == "plans":
        session.db.plan_cache.clear()
    return Result(tag=f"DISCARD {u.what.upper()}")


def _listen(session: "Session", u: U.ListenStmt, portal, inline) -> Result:
    """LISTEN, UNLISTEN and NOTIFY, queued in the transaction (engine/notify.py)."""
    notifications = session.notifications
    channel = None if u.channel is None else _identifier(session, u.channel)
    if u.kind == "listen":
        notifications.listen(channel, session.db.read_only)
    elif u.kind == "unlisten":
        notifications.unlisten(channel)
    else:
        notifications.notify(channel, u.payload, session.db.read_only)
    return Result(tag=u.kind.upper())


def _identifier(session: "Session", name: str) -> str:
    """As PostgreSQL's scanner: a name past NAMEDATALEN - 1 bytes is cut, with a NOTICE."""
    raw = name.encode("utf-8")
    if len(raw) < NAMEDATALEN:
        return name
    cut = raw[:NAMEDATALEN - 1].decode("utf-8", "ignore")  # (a character cut in two goes whole)
    session.notice(f'identifier "{name}" will be truncated to "{cut}"', "42622")
    return cut


def _declare(session: "Session", u: U.DeclareStmt, portal, inline) -> Result:
    from quantadb.engine import statements as S
    from quantadb.engine.prepared import Portal, Prepared
    if not (session.state.block or session.state.implicit_block or u.hold):
        from quantadb.errors import NoActiveSqlTransaction
        raise NoActiveSqlTransaction("DECLARE CURSOR can only be used in transaction blocks")
    if u.name in session.portals:
        from quantadb.errors import DuplicateCursor
        raise DuplicateCursor(f'cursor "{u.name}" already exists')
    stmt = S.Statement(u.query, at=_inner_at(portal, u.query))
    prepared = Prepared(u.query, stmt, list(portal.prepared.param_types))
    bound = session.bind_locked(prepared)
    if isinstance(bound.plan, P.ModifyingCtes) and bound.plan.ctes:
        raise FeatureNotSupported("DECLARE CURSOR must not contain data-modifying statements in WITH")
    refuse_cursor_locking(u, stmt.ast)
    prepared.columns = bound.columns
    cursor = Portal(prepared, portal.params, [1 if u.binary else 0] * len(bound.columns or []), cursor=True,
                    hold=u.hold, scrollable=u.scroll)
    cursor.rows = declared_rows(session, cursor, bound)
    session.portals[u.name] = cursor
    return Result(tag="DECLARE CURSOR")


def _fetch(session: "Session", u: U.FetchStmt, portal, inline) -> Result:
    cursor, rows, n = session.cursors.fetch(u)
    if u.move:
        return Result(tag=f"MOVE {n}")
    return Result(tag=f"FETCH {n}", columns=cursor.prepared.columns, batches=[rows], formats=cursor.formats)


def _close(session: "Session", u: U.CloseStmt, portal, inline) -> Result:
    if u.name is None:
        session.portals = {k: v for k, v in session.portals.items() if not v.cursor}
        return Result(tag="CLOSE CURSOR ALL")
    session.cursors.close(u.name)
    return Result(tag="CLOSE CURSOR")


def _vacuum(session: "Session", u: U.VacuumStmt, portal, inline) -> Result:
    """VACUUM hands the tables to the maintenance thread, which compacts them as soon as no
    statement runs (row ids change; see engine/maintenance.py), and returns once it has.

    Locks as PostgreSQL's: a table named is looked up under AccessShare, let go at once; each
    table processed is locked ShareUpdateExclusive (AccessExclusive for VACUUM FULL) and, outside
    a transaction block (VACUUM always), let go once done with, as PostgreSQL's transaction per
    table does. Waits happen here, on the worker, so what was done stays done."""
    if not u.analyze_only:
        session.require_no_block("VACUUM")
    if inline:  # (ANALYZE too: it scans each table to count its rows)
        raise RunInWorker()
    catalog = session.catalog()
    if u.tables:
        rels = []
        for parts in u.tables:
            hit = catalog.resolve_relation(parts)
            if hit is None or hit.relation is None:
                raise UndefinedTable(f'relation "{".".join(parts)}" does not exist')
            _lock_waiting(session, hit.relation.oid, ACCESS_SHARE, inline, momentary=True)
            rels.append(hit.relation)
        # without dead rows to reclaim, a database-wide VACUUM leaves a table as it is
        compact = {rel.oid for rel in rels}
    else:  # another session's temporary tables are skipped
        rels = [rel for rel in catalog.relations()
                if rel.kind in ("r", "m") and not _other_sessions_temp(session, catalog.namespace_name(rel.namespace))]
        compact = set(session.store.vacuum_candidates(min_dead=0, fraction=0.0))
    txn = session.state.txn
    mode = ACCESS_EXCLUSIVE if u.full else SHARE_UPDATE_EXCLUSIVE
    # the session's own counts first, so VACUUM's live and dead rows are not counted again after
    # it (PostgreSQL's may be, flushed later)
    session.db.pgstat.flush(session.pgstat)
    for rel in rels:
        held = txn.rel_locks.get(rel.oid, 0) >> mode & 1
        _lock_waiting(session, rel.oid, mode, inline)
        if not u.analyze_only:
            if rel.oid in compact:  # the maintenance thread counts it (pgstat.py)
                _vacuum_table(session, rel.oid)
            else:
                _counted(session, rel.oid, analyze=False)
        if u.analyze:  # no planner statistics are kept: ANALYZE locks, and counts
            _counted(session, rel.oid, analyze=True)
        if not session.state.block and not held:
            session.store.unlock_relation(txn, rel.oid, mode)
    return Result(tag="ANALYZE" if u.analyze_only else "VACUUM")


def _lock_waiting(session: "Session", oid: int, mode: int, inline: bool, momentary: bool = False) -> None:
    """The lock, waited for here when not inline (else the statement runs again on a worker)."""
    txn = session.state.txn
    while True:
        try:
            session.store.lock_relation(txn, oid, mode, momentary=momentary)
            return
        except WouldBlock as block:
            if inline:
                raise
            with session.db.gate.released():  # as any lock wait: autovacuum may run meanwhile
                session.wait_for(txn, block.on)
            if momentary:
                return


def _counted(session: "Session", oid: int, analyze: bool) -> None:
    """A VACUUM with nothing to reclaim, or an ANALYZE: the live and dead rows, in pgstat.py."""
    if oid in session.store.state.tables:
        live, dead = session.store.count_versions(oid)
        if analyze:
            session.db.pgstat.report_analyze(oid, live, dead, auto=False)
        else:
            session.db.pgstat.report_vacuum(oid, live, dead, auto=False)


def _vacuum_table(session: "Session", oid: int) -> None:
    done = session.db.maintenance.request_vacuum([oid])
    check = session.check_cancel_fn()
    with session.db.gate.released():  # the vacuum waits until no statement holds the gate
        while not done.wait(0.05):
            check()


def _other_sessions_temp(session: "Session", namespace: str) -> bool:
    return namespace.startswith(TEMP_SCHEMA_PREFIX) and namespace != session.temp_schema


def _checkpoint(session: "Session", u: U.CheckpointStmt, portal, inline) -> Result:
    if not session.superuser:
        from quantadb.errors import InsufficientPrivilege
        raise InsufficientPrivilege("must be superuser to do CHECKPOINT")
    if inline:
        raise RunInWorker()
    session.db.maintenance.checkpoint()
    return Result(tag="CHECKPOINT")


def _lock(session: "Session", u: U.LockStmt, portal, inline) -> Result:
    from quantadb.engine.locking import run_lock
    return run_lock(session, u)


def _noop(session: "Session", u: U.NoOpStmt, portal, inline) -> Result:
    return Result(tag=u.tag)


def _copy(session: "Session", u: U.CopyStmt, portal, inline) -> Result:
    from quantadb.engine.copy import start_copy
    return start_copy(session, u, inline)


def _roles(session: "Session", u: U.RoleStmt, portal, inline) -> Result:
    from quantadb.engine.roles import run_role
    return run_role(session, u)


def _owned(session: "Session", u: U.OwnedStmt, portal, inline) -> Result:
    from quantadb.engine.roles import run_owned
    return run_owned(session, u)


def _grant(session: "Session", u: U.GrantStmt, portal, inline) -> Result:
    from quantadb.engine.roles import run_grant
    return run_grant(session, u)


def _comment(session: "Session", u: U.CommentStmt, portal, inline) -> Result:
    from quantadb.engine.ddl import comment_on
    return comment_on(session, u)


def _database(session: "Session", u: U.DatabaseStmt, portal, inline) -> Result:
    from quantadb.engine.ddl import database_statement
    return database_statement(session, u)


def _routine(session: "Session", u: U.RoutineStmt, portal, inline) -> Result:
    from quantadb.engine.ddl.functions import run_routine
    if inline:  # DDL and procedure bodies run on a worker thread
        raise RunInWorker()
    return run_routine(session, u)


def _type(session: "Session", u: U.TypeStmt, portal, inline) -> Result:
    from quantadb.engine.ddl.types import run_type_statement
    if inline:  # DDL runs on a worker thread
        raise RunInWorker()
    return run_type_statement(session, u)


_HANDLERS = {
    U.SetStmt: _set, U.SetTransactionStmt: _set_transaction, U.ShowStmt: _show, U.ExplainStmt: _explain,
    U.PrepareStmt: _prepare, U.ExecuteStmt: _execute_stmt, U.DeallocateStmt: _deallocate, U.DiscardStmt: _discard,
    U.ListenStmt: _listen, U.DeclareStmt: _declare, U.FetchStmt: _fetch, U.CloseStmt: _close,
    U.VacuumStmt: _vacuum, U.CheckpointStmt: _checkpoint, U.NoOpStmt: _noop, U.LockStmt: _lock, U.CopyStmt: _copy, U.RoleStmt: _roles, U.OwnedStmt: _owned,
    U.GrantStmt: _grant, U.SetConstraintsStmt: set_constraints, U.SetTransactionSnapshotStmt: _set_snapshot,
    U.CommentStmt: _comment, U.DatabaseStmt: _database,
    **{t: _routine for t in U.RoutineStmt.__args__},
    **{t: _type for t in U.TypeStmt.__args__},
}
