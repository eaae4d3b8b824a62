"""Reading the WAL back: recovery, replication streaming, and cutting a torn tail.

A scan walks segments in LSN order and batches in file order, checking every header, CRC and
LSN. It stops at the first thing that is not a valid continuation of the log — a torn or
garbage batch, a bad CRC, a gap between segments — and records why in `truncated`: it never
returns a corrupt record and never skips a hole to return later ones. After a crash, the
records it returns are exactly a prefix of what was appended, including everything flushed.
"""

from __future__ import annotations

import bisect
import logging
import posixpath
from collections.abc import Iterator
from typing import NamedTuple

import zstandard

from quantadb.errors import DataCorrupted
from quantadb.storage.fs import FileSystem
from quantadb.storage.wal_format import (
    BATCH_HEADER_SIZE,
    WalFormatError,
    batch_logical_bytes,
    iter_records,
    parse_batch_header,
    parse_segment_name,
    segment_name,
)

log = logging.getLogger("quantadb.storage.wal")


class WalRecord(NamedTuple):
    lsn_end: int
    epoch: int
    payload: bytes


class WalRemoved(DataCorrupted):
    """The requested LSN precedes the oldest WAL segment (it was recycled)."""


def list_segments(fs: FileSystem, wal_dir: str) -> list[int]:
    """Start LSNs of the segment files in `wal_dir`, ascending."""
    if not fs.exists(wal_dir):
        return []
    starts = (parse_segment_name(name) for name in fs.listdir(wal_dir))
    return sorted(s for s in starts if s is not None)


class WalScan:
    """Iterate for the records with lsn_end > from_lsn (and <= to_lsn when given).

    After iteration `end_lsn` is the end of the last valid record seen (where a writer
    resumes) and `truncated` says why the scan stopped early, or is None.
    """

    def __init__(self, fs: FileSystem, wal_dir: str, from_lsn: int, to_lsn: int | None,
                 segments: list[int]) -> None:
        self._fs = fs
        self._dir = wal_dir
        self._from_lsn = from_lsn
        self._to_lsn = to_lsn
        self._segments = segments
        self.end_lsn = from_lsn
        self.truncated: str | None = None

    def __iter__(self) -> Iterator[WalRecord]:
        self.truncated = None
        self.end_lsn = self._from_lsn
        if not self._segments:
            return
        first = bisect.bisect_right(self._segments, self._from_lsn) - 1
        expected = self.end_lsn = self._segments[first]
        decompressor = zstandard.ZstdDecompressor()
        for start in self._segments[first:]:
            name = segment_name(start)
            if start != expected:
                self._stop(f"gap in WAL: log ends at LSN {expected} but the next segment "
                           f"is {name}")
                return
            buf = self._fs.read_bytes(posixpath.join(self._dir, name))
            pos = 0
            while pos < len(buf):
                if self._to_lsn is not None and expected >= self._to_lsn:
                    return
                try:
                    header = parse_batch_header(buf, pos)
                    if header.start_lsn != expected:
                        raise WalFormatError(f"batch claims LSN {header.start_lsn}")
                    logical = batch_logical_bytes(buf, pos, header, decompressor)
                    records = [WalRecord(*r) for r in iter_records(logical, expected)]
                except WalFormatError as exc:
                    self._stop(f"{exc} at LSN {expected} (segment {name}, offset {pos})")
                    return
                for record in records:
                    if self._to_lsn is not None and record.lsn_end > self._to_lsn:
                        return
                    self.end_lsn = record.lsn_end
                    if record.lsn_end > self._from_lsn:
                        yield record
                pos += BATCH_HEADER_SIZE + header.stored_len
                expected = self.end_lsn = header.end_lsn
        if self.end_lsn < self._from_lsn:
            self._stop(f"WAL ends at LSN {self.end_lsn}, before the requested LSN "
                       f"{self._from_lsn}")

    def _stop(self, reason: str) -> None:
        self.truncated = reason
        log.warning("[wal] scan stopped at LSN %d: %s", self.end_lsn, reason)


def read_wal(fs: FileSystem, wal_dir: str, from_lsn: int = 0, *,
             to_lsn: int | None = None) -> WalScan:
    """Scan the WAL for records ending after `from_lsn` (see WalScan).

    Raises WalRemoved if `from_lsn` precedes the oldest segment (the WAL was recycled).
    """
    segments = list_segments(fs, wal_dir)
    if segments and from_lsn < segments[0]:
        raise WalRemoved(f"requested WAL segment for LSN {from_lsn} has already been removed "
                         f"(oldest segment is {segment_name(segments[0])})")
    return WalScan(fs, wal_dir, from_lsn, to_lsn, segments)


def truncate_tail(fs: FileSystem, wal_dir: str, end_lsn: int) -> None:
    """Cut everything after batch boundary `end_lsn` (a scan's end_lsn) and make it durable."""
    segments = list_segments(fs, wal_dir)
    index = bisect.bisect_right(segments, end_lsn) - 1
    if index < 0:
        if segments:
            raise ValueError(f"LSN {end_lsn} precedes the oldest WAL segment")
        return
    for start in reversed(segments[index + 1:]):
        fs.remove(posixpath.join(wal_dir, segment_name(start)))
    path = posixpath.join(wal_dir, segment_name(segments[index]))
    buf = fs.read_bytes(path)
    pos, lsn = 0, segments[index]
    while lsn < end_lsn:
        header = parse_batch_header(buf, pos)
        pos += BATCH_HEADER_SIZE + header.stored_len
        lsn = header.end_lsn
    if lsn != end_lsn:
        raise ValueError(f"LSN {end_lsn} is not a batch boundary in segment {path}")
    if len(buf) > pos:
        log.warning("[wal] truncating %d byte(s) of torn WAL after LSN %d in %s",
                    len(buf) - pos, end_lsn, path)
        fs.truncate(path, pos)
        f = fs.open_append(path)
        try:
            f.fsync()
        finally:
            f.close()
    fs.fsync_dir(wal_dir)
