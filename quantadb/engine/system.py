"""Functions that read session or node state: version(), current_user, current_setting(),
nextval(), pg_backend_pid(), pg_sleep(), pg_current_wal_lsn(), statistics
resets and the like.

They are declared in the SQL layer's function catalog and implemented here, because their
answers come from the engine (ctx.session / ctx.services), not from their arguments alone.
"""

from __future__ import annotations

import time

import numpy as np

from quantadb.engine.privileges import sequence_privilege
from quantadb.engine.settings import VERSION_STRING
from quantadb.errors import InsufficientPrivilege, ObjectNotInPrerequisiteState, UndefinedObject
from quantadb.exec.columns import column_values, const_column, from_values
from quantadb.exec.functions import scalar
from quantadb.engine import xids as _xids  # noqa: F401  (registers the transaction-ID functions)
from quantadb.sql.functions.signature import add_function
from quantadb.types import registry as R
from quantadb.types.column import Column
from quantadb.types.registry import SqlType

TEXT, NAME, BOOL, INT4, INT8, OID = R.TEXT, R.NAME, R.BOOL, R.INT4, R.INT8, R.OID


def _declare(name: str, args: tuple, ret: R.PgType, impl: str, *, volatile: bool = True, strict: bool = True) -> None:
    add_function(name, args, ret, impl, volatile=volatile, strict=strict)


def _const(value, t: R.PgType, n: int) -> Column:
    return const_column(value, SqlType(t), n)


# -- identity and session ---------------------------------------------------------------------------

_declare("version", (), TEXT, "pgsql_version", volatile=False)
_declare("current_database", (), NAME, "current_database")
_declare("current_catalog", (), NAME, "current_database")
_declare("current_user", (), NAME, "current_user")
_declare("current_role", (), NAME, "current_user")
_declare("user", (), NAME, "current_user")
_declare("session_user", (), NAME, "session_user")
_declare("current_schema", (), NAME, "current_schema")
_declare("current_schemas", (BOOL,), R.array_of(NAME), "current_schemas")
_declare("pg_backend_pid", (), INT4, "pg_backend_pid")
_declare("pg_is_in_recovery", (), BOOL, "pg_is_in_recovery")
_declare("pg_postmaster_start_time", (), R.TIMESTAMPTZ, "pg_postmaster_start_time")
_declare("pg_current_wal_lsn", (), R.PG_LSN, "pg_current_wal_lsn")
_declare("current_setting", (TEXT,), TEXT, "current_setting")
_declare("current_setting", (TEXT, BOOL), TEXT, "current_setting")
_declare("set_config", (TEXT, TEXT, BOOL), TEXT, "set_config", strict=False)


@scalar("pgsql_version")
def _version(args, n, ctx, call):
    return _const(VERSION_STRING, TEXT, n)


@scalar("current_database")
def _current_database(args, n, ctx, call):
    return _const(ctx.session.database, NAME, n)


@scalar("current_user")
def _current_user(args, n, ctx, call):
    return _const(ctx.session.user, NAME, n)


@scalar("session_user")
def _session_user(args, n, ctx, call):
    return _const(ctx.session.session_user, NAME, n)


@scalar("current_schema")
def _current_schema(args, n, ctx, call):
    path = ctx.session.catalog().effective_path()
    schema = next((s for s in path if s != "pg_catalog"), None)
    return _const(schema, NAME, n)


@scalar("current_schemas")
def _current_schemas(args, n, ctx, call):
    include_implicit = column_values(args[0])
    path = ctx.session.catalog().effective_path()
    explicit = [s for s in path if s != "pg_catalog" or "pg_catalog" in ctx.session.search_path()]
    return from_values([path if inc else explicit for inc in include_implicit], SqlType(R.array_of(NAME)))


@scalar("pg_backend_pid")
def _pg_backend_pid(args, n, ctx, call):
    return _const(ctx.session.pid, INT4, n)


@scalar("pg_is_in_recovery")
def _pg_is_in_recovery(args, n, ctx, call):
    return _const(bool(ctx.session.db.read_only), BOOL, n)


@scalar("pg_postmaster_start_time")
def _start_time(args, n, ctx, call):
    return _const(int((ctx.session.db.started_at - 946684800) * 1_000_000), R.TIMESTAMPTZ, n)


@scalar("pg_current_wal_lsn")
def _wal_lsn(args, n, ctx, call):
    return _const(ctx.session.db.current_lsn(), R.PG_LSN, n)


@scalar("current_setting")
def _current_setting(args, n, ctx, call):
    names = column_values(args[0])
    missing_ok = column_values(args[1]) if len(args) > 1 else [False] * n
    out = []
    for name, ok in zip(names, missing_ok):
        try:
            out.append(ctx.session.settings.show(name)[1])
        except UndefinedObject:
            if ok:
                out.append(None)
            else:
                raise
    return from_values(out, SqlType(TEXT))


@scalar("set_config")
def _set_config(args, n, ctx, call):
    names, values, local = (column_values(a) for a in args)
    session = ctx.session
    out = []
    for name, value, is_local in zip(names, values, local):
        session.settings.set(name, value, local=bool(is_local), in_txn=session.state.block,
                             superuser=session.superuser)
        out.append(session.settings.show(name)[1])
    return from_values(out, SqlType(TEXT))


# -- sequences --------------------------------------------------------------------------------------

_declare("nextval", (R.REGCLASS,), INT8, "nextval")
_declare("currval", (R.REGCLASS,), INT8, "currval")
_declare("lastval", (), INT8, "lastval")
_declare("setval", (R.REGCLASS, INT8), INT8, "setval")
_declare("setval", (R.REGCLASS, INT8, BOOL), INT8, "setval")
_declare("pg_get_serial_sequence", (TEXT, TEXT), TEXT, "pg_get_serial_sequence")


def _sequence(ctx, oid: int, privileges: str):
    """The sequence `oid`, if the session holds one of `privileges` on it. An identity column's
    sequence serves its column's default without a check, as in PostgreSQL."""
    catalog = ctx.session.catalog()
    rel = catalog.relation(oid)
    if rel is None or rel.kind != "S":
        from quantadb.errors import WrongObjectType
        raise WrongObjectType(f'"{rel.name if rel else oid}" is not a sequence')
    owner = rel.sequence.owned_by if rel.sequence is not None else None
    table = catalog.relation(owner[0]) if owner else None
    if not any(c.attnum == owner[1] and c.identity for c in (table.columns if table else ())):
        sequence_privilege(ctx.session, rel, privileges)
    return rel


@scalar("nextval")
def _nextval(args, n, ctx, call):
    if ctx.session.db.read_only or (ctx.services.txn is not None and ctx.services.txn.read_only):
        from quantadb.errors import ReadOnlySqlTransaction
        raise ReadOnlySqlTransaction("cannot execute nextval() in a read-only transaction")
    oids = column_values(args[0])
    out = np.empty(n, dtype=np.int64)
    for i, oid in enumerate(oids):
        _sequence(ctx, oid, "Uw")
        value = ctx.session.store.nextval(oid)
        ctx.session.sequences_seen[oid] = value
        ctx.session.last_sequence = value
        out[i] = value
    return Column(out)


@scalar("currval")
def _currval(args, n, ctx, call):
    out = []
    for oid in column_values(args[0]):
        rel = _sequence(ctx, oid, "Ur")
        if oid not in ctx.session.sequences_seen:
            raise ObjectNotInPrerequisiteState(f'currval of sequence "{rel.name}" is not yet defined in this session')
        out.append(ctx.session.sequences_seen[oid])
    return from_values(out, SqlType(INT8))


@scalar("lastval")
def _lastval(args, n, ctx, call):
    if ctx.session.last_sequence is None:
        raise ObjectNotInPrerequisiteState("lastval is not yet defined in this session")
    return _const(ctx.session.last_sequence, INT8, n)


@scalar("setval")
def _setval(args, n, ctx, call):
    oids, values = column_values(args[0]), column_values(args[1])
    called = column_values(args[2]) if len(args) > 2 else [True] * n
    for oid, value, is_called in zip(oids, values, called):
        _sequence(ctx, oid, "w")
        ctx.session.store.setval(oid, value, bool(is_called))
        if is_called:
            ctx.session.sequences_seen[oid] = value
    return from_values(values, SqlType(INT8))


@scalar("pg_get_serial_sequence")
def _pg_get_serial_sequence(args, n, ctx, call):
    tables, columns = column_values(args[0]), column_values(args[1])
    catalog = ctx.session.catalog()
    out = []
    for table, column in zip(tables, columns):
        oid = catalog.regclass("regclass", table)
        rel = catalog.relation(oid)
        col = rel.column(column) if rel else None
        if col is None:
            raise UndefinedObject(f'column "{column}" of relation "{table}" does not exist')
        found = None
        for other in catalog.relations():
            seq = other.sequence
            if other.kind == "S" and seq is not None and seq.owned_by == (rel.oid, col.attnum):
                found = f"{catalog.namespace_name(other.namespace)}.{other.name}"
        out.append(found)
    return from_values(out, SqlType(TEXT))


# -- sleeping, cancelling (advisory locks: engine/advisory.py) ---------------------------------------

_declare("pg_sleep", (R.FLOAT8,), R.VOID, "pg_sleep")
_declare("pg_cancel_backend", (INT4,), BOOL, "pg_cancel_backend")
_declare("pg_terminate_backend", (INT4,), BOOL, "pg_terminate_backend")
_declare("pg_terminate_backend", (INT4, INT8), BOOL, "pg_terminate_backend")


@scalar("pg_sleep")
def _pg_sleep(args, n, ctx, call):
    for seconds in column_values(args[0]):
        deadline = time.monotonic() + max(float(seconds or 0), 0.0)
        while True:
            ctx.check_cancel()
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 0.01))
    return _const("", R.VOID, n)


@scalar("pg_cancel_backend")
def _pg_cancel_backend(args, n, ctx, call):
    out = []
    for pid in column_values(args[0]):
        target = ctx.session.db.sessions.get(pid)
        if target is not None:
            target.cancel()
        else:
            ctx.session.notice(f"PID {pid} is not a PostgreSQL backend process", "01000", "WARNING")
        out.append(target is not None)
    return from_values(out, SqlType(BOOL))


@scalar("pg_terminate_backend")
def _pg_terminate_backend(args, n, ctx, call):
    out = []
    for pid in column_values(args[0]):
        target = ctx.session.db.sessions.get(pid)
        if target is not None:
            target.terminate()
        out.append(target is not None)
    return from_values(out, SqlType(BOOL))


# -- cumulative statistics (pgstat.py) -----------------------------------------------------------------

_declare("pg_stat_reset", (), R.VOID, "pg_stat_reset")
_declare("pg_stat_reset_single_table_counters", (OID,), R.VOID, "pg_stat_reset_single_table_counters")
_declare("pg_stat_force_next_flush", (), R.VOID, "pg_stat_force_next_flush")


def _superuser_only(ctx, name: str) -> None:
    """PostgreSQL revokes EXECUTE on the reset functions from PUBLIC."""
    if not ctx.session.superuser:
        raise InsufficientPrivilege(f"permission denied for function {name}")


@scalar("pg_stat_reset")
def _pg_stat_reset(args, n, ctx, call):
    _superuser_only(ctx, "pg_stat_reset")
    session = ctx.session
    oids = [rel.oid for rel in session.catalog().relations()]
    session.db.pgstat.reset_database(session.database_oid, oids)
    return _const("", R.VOID, n)


@scalar("pg_stat_reset_single_table_counters")
def _pg_stat_reset_relation(args, n, ctx, call):
    _superuser_only(ctx, "pg_stat_reset_single_table_counters")
    for oid in column_values(args[0]):
        ctx.session.db.pgstat.reset_relation(oid)
    return _const("", R.VOID, n)


@scalar("pg_stat_force_next_flush")
def _pg_stat_force_next_flush(args, n, ctx, call):
    """The session's counts so far reach the node's now (PostgreSQL's: at its next flush)."""
    ctx.session.db.pgstat.flush(ctx.session.pgstat)
    return _const("", R.VOID, n)


# -- catalog lookups by name --------------------------------------------------------------------------

_declare("to_regclass", (TEXT,), R.REGCLASS, "to_regclass")
_declare("to_regtype", (TEXT,), R.REGTYPE, "to_regtype")
_declare("to_regnamespace", (TEXT,), R.REGNAMESPACE, "to_regnamespace")
_declare("to_regrole", (TEXT,), R.REGROLE, "to_regrole")


def _to_reg(kind: str, t: R.PgType):
    def impl(args, n, ctx, call):
        catalog = ctx.session.catalog()
        out = []
        for text in column_values(args[0]):
            try:
                out.append(catalog.regclass(kind, text))
            except Exception:
                out.append(None)
        return from_values(out, SqlType(t))
    return impl


scalar("to_regclass")(_to_reg("regclass", R.REGCLASS))
scalar("to_regtype")(_to_reg("regtype", R.REGTYPE))
scalar("to_regnamespace")(_to_reg("regnamespace", R.REGNAMESPACE))
scalar("to_regrole")(_to_reg("regrole", R.REGROLE))
