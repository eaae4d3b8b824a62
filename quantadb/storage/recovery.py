"""Recovery: newest checkpoint + WAL replay through apply(); and the checkpoint's contents.

Data directory layout:

    <data_dir>/wal/           WAL segments (storage.wal)
    <data_dir>/checkpoints/   checkpoint files (storage.checkpoint)
    <data_dir>/quantadb.pid   the PID of the process that has it open, flock'ed (fs.lock_directory)
    <data_dir>/pg_stat/       statistics kept across a clean restart (engine.pgstat_file)

Checkpoint blobs (each `records.encode`d plain values; the checkpoint file compresses them):

    "meta"          dict: next_xid, next_oid, clog (int8 bytes), running xids, sequences,
                    catalog versions [[obj, xmin, xmax]...], catalog_version, ddl_by,
                    indexes [[oid, table_oid, attnums, unique, method]...], tables [oids],
                    pending commit records (appended before the checkpoint LSN but not yet
                    applied because their WAL flush was still in flight), epoch
    "table.<oid>"   the table's types and segments (Table.dump)

A new data directory starts from the bootstrap catalog (deterministic, not logged) at LSN 0.
Replay stops at the first torn/corrupt record (the WAL scan says why; it is logged and the
tail is cut so the writer resumes there). Transactions left without a commit/abort record
are aborted by the store with ABORT records once the WAL writer is open.
"""

from __future__ import annotations

import logging
import posixpath

import numpy as np

from . import records as R
from .apply import StorageState, apply, build_index, prune_indexes
from .catalog import RelationDef, from_value, to_value
from .checkpoint import read_latest_checkpoint
from .fs import FileSystem
from .table import Table
from .wal import read_wal, truncate_tail

log = logging.getLogger("quantadb.storage")


def wal_dir(data_dir: str) -> str:
    return posixpath.join(data_dir, "wal")


def checkpoint_dir(data_dir: str) -> str:
    return posixpath.join(data_dir, "checkpoints")


def dump_state(state: StorageState, pending: list, epoch: int) -> dict[str, bytes]:
    """Checkpoint blobs for the state (call under the store's write lock)."""
    txns = state.txns
    meta = {
        "next_xid": txns.next_xid,
        "next_oid": state.next_oid,
        "clog": txns.clog.status[:txns.next_xid].tobytes(),
        "running": sorted(txns.running),
        "sequences": {oid: list(v) for oid, v in sorted(state.sequences.items())},
        "catalog": state.catalog.dump(),
        "catalog_version": state.catalog.version,
        "ddl_by": {x: sorted(oids) for x, oids in sorted(state.ddl_by.items())},
        "indexes": [[i.oid, i.table_oid, list(i.attnums), i.unique, i.method, i.where]
                    for i in (state.indexes[o] for o in sorted(state.indexes))],
        "tables": sorted(state.tables),
        "pending": [list(rec) for rec in pending],
        "epoch": epoch,
    }
    blobs = {"meta": R.encode(meta)}
    for oid in sorted(state.tables):
        table = state.tables[oid]
        blobs[f"table.{oid}"] = R.encode({"types": [to_value(t) for t in table.types], "table": table.dump()})
    return blobs


def load_state(state: StorageState, blobs: dict[str, bytes]) -> int:
    """Fill a fresh StorageState from checkpoint blobs; returns the epoch recorded."""
    meta = R.decode(blobs["meta"])
    txns = state.txns
    status = np.frombuffer(meta["clog"], dtype=np.int8)
    txns.clog.ensure(max(len(status), 3))
    txns.clog.status[:len(status)] = status
    txns.next_xid = meta["next_xid"]
    txns.running = set(meta["running"])
    txns.running_tops = set(txns.running)  # the subtransactions' tops are not recorded
    state.next_oid = meta["next_oid"]
    state.sequences = {oid: list(v) for oid, v in meta["sequences"].items()}
    state.catalog.load(meta["catalog"], meta["catalog_version"])
    state.ddl_by = {x: set(oids) for x, oids in meta["ddl_by"].items()}
    for oid in meta["tables"]:
        d = R.decode(blobs[f"table.{oid}"])
        types = [from_value(t) for t in d["types"]]
        state.tables[oid] = Table.restore(d["table"], types)
    for oid, table_oid, attnums, unique, method, *where in meta["indexes"]:  # (older checkpoints: no where)
        listed = state.catalog.current(("rel", 0, oid))  # (its deferrability, NULLS and order are the catalog's)
        listed = listed if isinstance(listed, RelationDef) else RelationDef(0, 0, 0, "", "i")
        rel = RelationDef(oid, 0, 0, "", "i", table_oid=table_oid, index_columns=tuple(attnums),
                          unique=unique, method=method, predicate_column=where[0] if where else 0,
                          immediate=listed.immediate, nulls_not_distinct=listed.nulls_not_distinct,
                          index_options=listed.index_options)
        state.indexes[oid] = build_index(state, rel)
        state.table_indexes.setdefault(table_oid, []).append(oid)
    for rec in meta["pending"]:
        apply(state, rec)
    return meta["epoch"]


def recover(fs: FileSystem, data_dir: str, state: StorageState) -> tuple[int, int]:
    """Load the newest checkpoint, replay the WAL after it and prune the indexes; returns
    (end_lsn, epoch)."""
    start, epoch = 0, 0
    found = read_latest_checkpoint(fs, checkpoint_dir(data_dir))
    if found is not None:
        start, blobs = found
        epoch = load_state(state, blobs)
        log.info("[recovery] loaded checkpoint at LSN %d (%d tables)", start, len(state.tables))
    state.applied_lsn = state.checkpoint_lsn = start
    scan = read_wal(fs, wal_dir(data_dir), from_lsn=start)
    count = 0
    for record in scan:
        apply(state, R.decode(record.payload), record.lsn_end)
        epoch = max(epoch, record.epoch)
        count += 1
    end = max(scan.end_lsn, start)
    if scan.truncated:
        log.warning("[recovery] WAL ends at LSN %d: %s; cutting the tail there", end, scan.truncated)
        truncate_tail(fs, wal_dir(data_dir), end)
    if count or found is not None:
        log.info("[recovery] replayed %d WAL records from LSN %d to %d", count, start, end)
    prune_after_recovery(state)
    return end, epoch


def prune_after_recovery(state: StorageState) -> None:
    """Drop the index entries of versions dead at the recovered horizon: a checkpoint's indexes
    are built over every version, and the WAL since may end with many updates not pruned yet
    (hot rows would keep hundreds of candidates per key until the next PRUNE record).

    Local, not logged: a replica that keeps these entries until its next PRUNE record returns
    the same results (no snapshot sees them), and after that record (its horizon is not older)
    both hold the same entries. No snapshot is open yet: the horizon is the oldest transaction
    the WAL left running."""
    horizon = state.txns.horizon()
    for oid in sorted(state.table_indexes):
        prune_indexes(state, oid, horizon)
