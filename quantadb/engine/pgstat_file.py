"""The cumulative statistics (pgstat.py) across a clean restart, as PostgreSQL's pg_stat/pgstat.stat.

A clean shutdown writes them to `<data dir>/pg_stat/pgstat.stat`; the next start reads the file
and removes it, so a crash (the file is gone by then) starts from zero, as PostgreSQL discards
its statistics after crash recovery. A missing, unreadable, corrupt or other-version file means
zeroed statistics and a log line, never a failed start.

Format (version 1): one header line, then the body.

    QDBSTAT <version> <body length in bytes> <CRC-32 of the body, 8 hex digits>\\n
    <body: UTF-8 JSON>

The body is an object: "tables" (relation OID -> the TABLE_COUNTERS list, in that order; times as
time.time() seconds, 0 never), "indexes" (OID -> INDEX_COUNTERS), "databases" (database OID ->
DATABASE_COUNTERS), "reset_at" (database OID -> time.time() of its last pg_stat_reset()), and
"counters": the three lists of counter names, so a file written with other counters is refused
rather than misread. The file is written beside its final name, fsynced and renamed over it.
"""

from __future__ import annotations

import json
import logging
import os
import zlib

from quantadb.engine.pgstat import DATABASE_COUNTERS, INDEX_COUNTERS, TABLE_COUNTERS, CumulativeStats

log = logging.getLogger("quantadb.engine")

VERSION = 1
MAGIC = "QDBSTAT"
STAT_DIR = "pg_stat"
STAT_FILE = "pgstat.stat"
_COUNTERS = {"tables": list(TABLE_COUNTERS), "indexes": list(INDEX_COUNTERS), "databases": list(DATABASE_COUNTERS)}


def stat_path(data_dir: str) -> str:
    return os.path.join(data_dir, STAT_DIR, STAT_FILE)


def save(stats: CumulativeStats, data_dir: str) -> None:
    """Write the statistics at a clean shutdown (atomically: a crash meanwhile leaves none)."""
    body = json.dumps({"counters": _COUNTERS, **stats.export()}, separators=(",", ":")).encode()
    header = f"{MAGIC} {VERSION} {len(body)} {zlib.crc32(body):08x}\n".encode()
    path = stat_path(data_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header + body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load(data_dir: str) -> CumulativeStats:
    """The statistics a clean shutdown left (zero without them); the file is removed once read."""
    stats = CumulativeStats()
    path = stat_path(data_dir)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        log.info("[engine] no statistics file: the statistics start from zero")
        return stats
    except OSError as e:
        log.warning("[engine] could not read statistics file \"%s\": %s; the statistics start from zero", path, e)
        return stats
    try:
        _decode(raw, stats)
    except Exception as e:  # whatever the file holds, the node starts
        stats = CumulativeStats()
        log.warning("[engine] corrupted statistics file \"%s\" (%s): the statistics start from zero", path, e)
    try:
        os.unlink(path)  # a crash from now on must not find it
    except OSError as e:
        log.warning("[engine] could not remove statistics file \"%s\": %s", path, e)
    return stats


def _decode(raw: bytes, stats: CumulativeStats) -> None:
    header, sep, body = raw.partition(b"\n")
    parts = header.decode("ascii", "replace").split(" ")
    if not sep or len(parts) != 4 or parts[0] != MAGIC:
        raise ValueError("not a statistics file")
    if parts[1] != str(VERSION):
        raise ValueError(f"version {parts[1]}, expected {VERSION}")
    if int(parts[2]) != len(body) or int(parts[3], 16) != zlib.crc32(body):
        raise ValueError("length or checksum mismatch")
    doc = json.loads(body)
    if doc["counters"] != _COUNTERS:
        raise ValueError("other counters")
    for key, names in _COUNTERS.items():
        rows = {int(oid): list(values) for oid, values in doc[key].items()}
        if any(len(values) != len(names) or not all(isinstance(v, (int, float)) for v in values)
               for values in rows.values()):
            raise ValueError(f"malformed {key}")
        setattr(stats, key, rows)
    stats.reset_at = {int(oid): float(at) for oid, at in doc["reset_at"].items()}
