"""Transaction IDs, snapshots and row versions as SQL functions: txid_current() and
pg_current_xact_id() (xid8), txid_current_snapshot() and pg_current_snapshot() with their
accessors, pg_xact_status(), age(), mxid_age() and pg_get_multixact_members(),
pg_export_snapshot(), and the row system columns' row_xmin & co. (sql/scope.py's RowSystemColumn).

xids are 64-bit here from the start (no epoch to add): an xid8 and a txid are the xid itself.
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import InternalError, InvalidParameterValue, ObjectNotInPrerequisiteState
from quantadb.exec.columns import column_values, const_column, from_values
from quantadb.exec.functions import scalar, setfn
from quantadb.sql.functions.signature import add_function
from quantadb.storage.table import ctid_of
from quantadb.storage.txn import ABORTED, COMMITTED, FIRST_NORMAL_XID
from quantadb.types import registry as R
from quantadb.types.column import Column
from quantadb.types.registry import SqlType

_MAX_AGE = 2**31 - 1  # age() of a special xid (frozen, bootstrap, invalid), as PostgreSQL's


def _declare(name: str, args: tuple, ret: R.PgType, impl: str, kind: str = "f") -> None:
    add_function(name, args, ret, impl, volatile=True, kind=kind)


for _txid, _snapshot, _prefix in ((R.INT8, R.TXID_SNAPSHOT, "txid_"), (R.XID8, R.PG_SNAPSHOT, "pg_")):
    _new = "txid_current" if _txid is R.INT8 else "pg_current_xact_id"
    _declare(_new, (), _txid, "current_xid")
    _declare(_new + "_if_assigned", (), _txid, "current_xid_if_assigned")
    _declare(("txid_current_snapshot" if _txid is R.INT8 else "pg_current_snapshot"), (), _snapshot,
             "current_snapshot")
    _declare(_prefix + "snapshot_xmin", (_snapshot,), _txid, "snapshot_xmin")
    _declare(_prefix + "snapshot_xmax", (_snapshot,), _txid, "snapshot_xmax")
    _declare(_prefix + "snapshot_xip", (_snapshot,), _txid, "snapshot_xip", kind="s")
    _declare(("txid_visible_in_snapshot" if _txid is R.INT8 else "pg_visible_in_snapshot"), (_txid, _snapshot),
             R.BOOL, "visible_in_snapshot")
    _declare(("txid_status" if _txid is R.INT8 else "pg_xact_status"), (_txid,), R.TEXT, "xact_status")
_declare("age", (R.XID,), R.INT4, "xid_age")
_declare("mxid_age", (R.XID,), R.INT4, "mxid_age")
add_function("pg_get_multixact_members", (R.XID,), R.RECORD, "multixact_members", kind="s", volatile=True,
             out=(("xid", R.XID), ("mode", R.TEXT)))
_declare("pg_xact_commit_timestamp", (R.XID,), R.TIMESTAMPTZ, "no_commit_timestamps")
_declare("pg_export_snapshot", (), R.TEXT, "pg_export_snapshot")


def _const(value, t: R.PgType, n: int) -> Column:
    return const_column(value, SqlType(t), n)


@scalar("current_xid")
def _current_xid(args, n, ctx, call):
    if ctx.session.db.read_only:  # a replica: xids are the primary's to assign
        raise InternalError("cannot assign TransactionIds during recovery")
    return _const(ctx.session.store.top_xid(ctx.services.txn), call.type.pg, n)


@scalar("current_xid_if_assigned")
def _current_xid_if_assigned(args, n, ctx, call):
    txn = ctx.services.txn
    return _const(txn.xid if txn is not None else None, call.type.pg, n)  # NULL until it has one


@scalar("current_snapshot")
def _current_snapshot(args, n, ctx, call):
    """The statement's snapshot; the reading transaction's own xid is not among the running."""
    snap, txn = ctx.services.snapshot, ctx.services.txn
    own = txn.own if txn is not None else ()
    running = tuple(sorted(x for x in snap.xip if x not in own))
    return _const((snap.xmin, snap.xmax, running), call.type.pg, n)


def _snapshot_part(index: int):
    def part(args, n, ctx, call):
        return from_values([None if s is None else s[index] for s in column_values(args[0])], call.type)
    return part


scalar("snapshot_xmin")(_snapshot_part(0))
scalar("snapshot_xmax")(_snapshot_part(1))


@setfn("snapshot_xip")
def _snapshot_xip(args, n, ctx, call):
    sources, xids = [], []
    for row, snap in enumerate(column_values(args[0])):
        if snap is not None:
            sources += [row] * len(snap[2])
            xids += snap[2]
    return np.asarray(sources, dtype=np.int64), [Column(np.asarray(xids, dtype=np.int64))]


@scalar("visible_in_snapshot")
def _visible_in_snapshot(args, n, ctx, call):
    """Committed before the snapshot as it reads: below xmin, or below xmax and not running."""
    out = [None if x is None or s is None else x < s[0] or (x < s[1] and x not in s[2])
           for x, s in zip(column_values(args[0]), column_values(args[1]))]
    return from_values(out, call.type)


@scalar("xact_status")
def _xact_status(args, n, ctx, call):
    txns = ctx.session.store.state.txns
    out = []
    for xid in column_values(args[0]):
        if xid is not None and xid >= txns.next_xid:
            raise InvalidParameterValue(f"transaction ID {xid} is in the future")
        status = None if xid is None else txns.clog.get(xid)
        out.append(None if status is None else
                   "committed" if status == COMMITTED else "aborted" if status == ABORTED else "in progress")
    return from_values(out, call.type)


@scalar("xid_age")
def _xid_age(args, n, ctx, call):
    """How many xids older than the transaction's own (or the next) an xid is."""
    txn = ctx.services.txn
    now = txn.xid if txn is not None and txn.xid is not None else ctx.session.store.state.txns.next_xid
    out = [None if x is None else _MAX_AGE if x < FIRST_NORMAL_XID else now - x for x in column_values(args[0])]
    return from_values(out, call.type)


@scalar("mxid_age")
def _mxid_age(args, n, ctx, call):
    """How many MultiXactIds were assigned since (storage/multixact.py: counted from 1 at each start)."""
    now = ctx.services.store.multixacts.next_id
    return from_values([None if x is None else now - x for x in column_values(args[0])], call.type)


@setfn("multixact_members")
def _multixact_members(args, n, ctx, call):
    """The members of a MultiXactId some row version's xmax shows (storage/multixact.py)."""
    store = ctx.services.store
    sources, xids, modes = [], [], []
    for row, multi in enumerate(column_values(args[0])):
        if multi is None:
            continue
        if multi < 1:
            raise InvalidParameterValue(f"invalid MultiXactId: {multi}")
        if multi >= store.multixacts.next_id:
            raise InternalError(f"MultiXactId {multi} has not been created yet -- apparent wraparound")
        members = store.multixacts.members(multi)
        sources += [row] * len(members)
        xids += [x for x, _ in members]
        modes += [mode for _, mode in members]
    shown = store.state.txns.clog.shown(np.asarray(xids, dtype=np.int64))
    return np.asarray(sources, dtype=np.int64), [Column(shown), from_values(modes, SqlType(R.TEXT))]


@scalar("no_commit_timestamps")
def _no_commit_timestamps(args, n, ctx, call):
    raise ObjectNotInPrerequisiteState("could not get commit timestamp data",
                                       hint='Make sure the configuration parameter "track_commit_timestamp" is set.')


@scalar("pg_export_snapshot")
def _export_snapshot(args, n, ctx, call):
    return _const(ctx.session.db.exported_snapshots.export(ctx.session, ctx.services.txn), R.TEXT, n)


# -- system columns of stored rows (sql/scope.py's RowSystemColumn: relation OID, row id) ------

def _row_xids(args: list[Column], n: int, ctx) -> tuple[np.ndarray, np.ndarray]:
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return ctx.services.store.row_xids(int(args[0].data[0]), args[1].data.astype(np.int64, copy=False))


@scalar("row_xmin")
def _row_xmin(args, n, ctx, call):
    return Column(_row_xids(args, n, ctx)[0])


@scalar("row_xmax")
def _row_xmax(args, n, ctx, call):
    return Column(_row_xids(args, n, ctx)[1])


@scalar("row_ctid")
def _row_ctid(args, n, ctx, call):
    return Column(ctid_of(args[1].data))
