"""The write-ahead log: buffered appends, group commit by one flusher thread, segments.

The bytes on disk are described in `wal_format`; reading lives in `wal_scan` (re-exported
here: `read_wal`, `WalScan`, `WalRecord`, `truncate_tail`).

Group commit. `append` only buffers the payload and returns the record's end LSN. A waiter
(`flush_async`/`flush`) wakes the flusher thread at once, so a lone committer never waits for
a timer. The flusher takes everything buffered, writes it as one or more batches, fsyncs once
per touched segment, and resolves every future whose LSN is now durable. While it writes and
fsyncs, new appends keep buffering and new waiters pile onto the next round, which is how many
committers share one fsync. Futures are resolved on the flusher thread without the lock held,
so their done-callbacks may call back into the writer. A waiter's `then` (a commit becoming
visible) runs there too, just before its future resolves: a thread blocked in `result()` wakes
only once it has run, and a commit needs no second future of its own.

Gathered commits. On the thread that `gather_flushes` names (the server's event loop), a waiter
that asks to gather does not wake the flusher: the first one of a round schedules
`_flush_gathered` (loop.call_soon), which runs on that thread once the loop has handled the
input at hand, and every commit of the round shares its one write and fsync; Redis's
`appendfsync always` does the same before it sleeps. The hand-off it saves (wake the flusher,
trade the GIL, resolve the futures on another thread and wake the loop back) cost about 130 us
of CPU per commit, more than the fsync. The loop waits out the fsync, so the store asks only
for a commit with no other transaction running (others could use the loop meanwhile), and once
an fsync takes longer than SLOW_FSYNC_S commits go back to the flusher thread. A gathered waiter
nobody flushes (a caller that blocks the loop on its own commit) is flushed by the thread after
GATHER_TIMEOUT_S: while commits gather, the flusher wakes that often to look.

With `fsync = off` a flush is a plain write(2) with nothing to share, so the waiter writes
the buffer itself (`flush_async` returns a resolved future) instead of handing it to the
flusher thread and back: each hand-off costs the GIL twice. One writer at a time holds `_io`,
so batches still go out whole and in LSN order.

Failure. If a write or fsync raises, the writer fails every waiting future with that OSError
and from then on refuses appends and flushes (PostgreSQL PANICs on a failed fsync: after one,
the kernel may have dropped the dirty pages, so nothing can be trusted to be durable).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import posixpath
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from itertools import pairwise

import zstandard

from quantadb.storage.fs import AppendFile, FileSystem
from quantadb.storage.wal_format import (
    RECORD_HEADER_SIZE,
    encode_batch,
    record_header,
    segment_name,
)
from quantadb.storage.wal_scan import (
    WalRecord,
    WalRemoved,
    WalScan,
    list_segments,
    read_wal,
    truncate_tail,
)

__all__ = ["WalRecord", "WalRemoved", "WalScan", "WalWriter", "list_segments", "read_wal",
           "truncate_tail"]

log = logging.getLogger("quantadb.storage.wal")

# Buffered but unrequested bytes beyond this are written (and fsynced) anyway, so a large
# transaction does not keep its whole WAL in memory until COMMIT.
_BUFFER_FLUSH_BYTES = 8 << 20


SLOW_FSYNC_S = 0.002  # an fsync slower than this sends commits to the flusher thread
GATHER_TIMEOUT_S = 0.005  # a gathered waiter still unflushed after this is the flusher's
HIBERNATE_S = 1.0  # the flusher stops watching for unflushed gathered waiters after this idle

_WRITTEN: Future = Future()  # the resolved future of every flush that finished at once
_WRITTEN.set_running_or_notify_cancel()
_WRITTEN.set_result(None)

Then = Callable[[], None] | None  # what a waiter runs once durable, before its future resolves


def _run(then: Then) -> BaseException | None:
    """Run a durable waiter's `then`; what it raised goes to the waiter, not the flushing thread."""
    if then is not None:
        try:
            then()
        except BaseException as exc:
            log.exception("[wal] a flush waiter's completion failed")
            return exc
    return None


def _resolve(future: Future, then: Then) -> None:
    """Resolve a waiter's future once its LSN is durable, after its `then`."""
    exc = _run(then)
    if exc is None:
        future.set_result(None)
    else:
        future.set_exception(exc)


def _failed(exc: BaseException) -> Future:
    future: Future = Future()
    future.set_running_or_notify_cancel()
    future.set_exception(exc)
    return future


class WalWriter:
    """Appends records after `start_lsn` (which must be where the existing log ends)."""

    def __init__(self, fs: FileSystem, wal_dir: str, start_lsn: int, *, epoch: int = 0,
                 segment_bytes: int = 16 << 20, compress_min_bytes: int = 4096) -> None:
        self.epoch = epoch
        self.fsync_count = 0
        self.fsync_seconds = 0.0
        self.bytes_written = 0
        self._fs = fs
        self._dir = wal_dir
        self._segment_bytes = segment_bytes
        self._compress_min_bytes = compress_min_bytes
        self._compressor = zstandard.ZstdCompressor(level=1)

        self._inline = not fs.fsync  # fsync off: waiters write the buffer themselves
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._io = threading.Lock()  # held by the one thread taking and writing a batch
        self._pending: list[tuple[bytes, int]] = []   # (payload, epoch)
        self._pending_lsn = start_lsn                 # LSN where _pending starts
        self._pending_bytes = 0
        self._written_lsn = start_lsn
        self._flushed_lsn = start_lsn
        self._requested_lsn = start_lsn
        self._waiters: list[tuple[int, int, Future, Then]] = []   # heap of (lsn, seq, future, then)
        self._seq = itertools.count()
        self._failed: BaseException | None = None
        self._closing = False
        self._gather_thread: int | None = None  # see "Gathered commits"
        self._schedule: Callable[[Callable[[], None]], object] | None = None
        self._gather_scheduled = False
        self._gathered_at = 0.0
        self._hibernating = False  # the flusher sleeps until notified (no commits gathered lately)
        self._last_fsync_s = 0.0

        fs.makedirs(wal_dir)
        later = [s for s in list_segments(fs, wal_dir) if s > start_lsn]
        if later:
            raise ValueError(f"WAL segment {segment_name(later[0])} lies beyond start LSN "
                             f"{start_lsn}; truncate_tail() the log first")
        path = self._segment_path(start_lsn)
        if fs.exists(path) and fs.size(path) != 0:
            raise ValueError(f"WAL segment {path} already holds data")
        self._segment_start = start_lsn
        self._file: AppendFile = fs.open_append(path)
        self._dir_dirty = True
        self._thread = threading.Thread(target=self._run, name="quantadb-wal-flusher",
                                        daemon=True)
        self._thread.start()

    def _segment_path(self, start_lsn: int) -> str:
        return posixpath.join(self._dir, segment_name(start_lsn))

    @property
    def written_lsn(self) -> int:
        return self._written_lsn

    @property
    def flushed_lsn(self) -> int:
        return self._flushed_lsn

    def append(self, payload: bytes) -> int:
        """Buffer one record; return its end LSN. Thread-safe."""
        with self._lock:
            if self._failed is not None:
                raise self._refusal()
            if self._closing:
                raise ValueError("WAL writer is closed")
            size = RECORD_HEADER_SIZE + len(payload)
            self._pending.append((payload, self.epoch))
            self._written_lsn += size
            self._pending_bytes += size
            if (self._pending_bytes >= _BUFFER_FLUSH_BYTES
                    and self._requested_lsn < self._written_lsn):
                self._requested_lsn = self._written_lsn
                self._wakeup.notify()
            return self._written_lsn

    def gather_flushes(self, schedule: Callable[[Callable[[], None]], object]) -> None:
        """From now on, `flush_async(lsn, gather=True)` on the calling thread gathers (see the
        module docstring); `schedule(fn)` must run fn later on this same thread."""
        self._gather_thread = threading.get_ident()
        self._schedule = schedule

    def flush_async(self, lsn: int, *, gather: bool = False, then: Then = None) -> Future:
        """A future that resolves (result None) once everything up to `lsn` is durable.
        `gather`: the caller can wait for the end of its thread's round (a commit on the loop).
        `then()` runs once durable, on the thread that resolves the future, just before (not if
        the flush fails; if `then` raises, the future carries its exception)."""
        if self._inline:
            return self._flush_inline(lsn, then)
        gather = (gather and self._gather_thread == threading.get_ident()
                  and self._last_fsync_s < SLOW_FSYNC_S)
        future: Future = Future()
        future.set_running_or_notify_cancel()   # a waiter may not cancel a shared fsync
        schedule = False
        with self._lock:
            if self._failed is not None:
                future.set_exception(self._refusal())
                return future
            durable = lsn <= self._flushed_lsn
            if not durable:
                if lsn > self._written_lsn:
                    raise ValueError(f"cannot flush to LSN {lsn}: only {self._written_lsn} appended")
                if self._closing:
                    raise ValueError("WAL writer is closed")
                heapq.heappush(self._waiters, (lsn, next(self._seq), future, then))
                if gather:
                    self._gathered_at = time.monotonic()
                    if self._hibernating:
                        self._wakeup.notify()
                    schedule = not self._gather_scheduled
                    self._gather_scheduled = True
                elif lsn > self._requested_lsn:
                    self._requested_lsn = lsn
                    self._wakeup.notify()
        if durable:  # (`then` runs outside the lock: it may take the store's write lock)
            _resolve(future, then)
        elif schedule:
            self._schedule(self._flush_gathered)
        return future

    def _flush_gathered(self) -> None:
        """The round's flush, on the gathering thread (unless the flusher took the waiters)."""
        with self._lock:
            self._gather_scheduled = False
            waiting = bool(self._waiters) and self._failed is None
        if waiting:
            self._flush_round()

    def _flush_inline(self, lsn: int, then: Then) -> Future:
        """fsync off: write what is buffered now; the writes of a round that another thread holds
        `_io` for end before ours starts, so `lsn` is written when this returns."""
        with self._lock:
            if self._failed is None:
                if lsn > self._written_lsn:
                    raise ValueError(f"cannot flush to LSN {lsn}: only {self._written_lsn} appended")
                if self._closing:
                    raise ValueError("WAL writer is closed")
        if self._failed is None and (lsn <= self._flushed_lsn or self._flush_round()):
            exc = _run(then)
            return _WRITTEN if exc is None else _failed(exc)
        return _failed(self._refusal())

    def flush(self, lsn: int | None = None) -> None:
        """Block until durable up to `lsn` (None: everything appended so far)."""
        self.flush_async(self._written_lsn if lsn is None else lsn).result()

    def recycle(self, keep_from_lsn: int) -> None:
        """Delete the segments that end at or before `keep_from_lsn`."""
        starts = list_segments(self._fs, self._dir)
        removed = 0
        for start, next_start in pairwise(starts):
            if next_start > keep_from_lsn or start == self._segment_start:
                break
            self._fs.remove(self._segment_path(start))
            removed += 1
        if removed:
            self._fs.fsync_dir(self._dir)
            log.info("[wal] recycled %d segment(s) before LSN %d", removed, keep_from_lsn)

    def close(self) -> None:
        """Flush everything appended, stop the flusher thread, close the segment."""
        try:
            if self._failed is None:
                self.flush()
        finally:
            with self._lock:
                self._closing = True
                self._wakeup.notify()
            self._thread.join()
            self._file.close()

    def _refusal(self) -> OSError:
        exc = OSError(getattr(self._failed, "errno", None),
                      f"WAL refuses writes after an earlier I/O failure: {self._failed}")
        exc.__cause__ = self._failed
        return exc

    def _run(self) -> None:
        while True:
            with self._lock:
                while (not self._closing and self._failed is None
                       and self._requested_lsn <= self._flushed_lsn):
                    if self._wait_for_work():
                        break
                if self._failed is not None or (self._closing and not self._pending):
                    return
            if not self._flush_round():
                return

    def _wait_for_work(self) -> bool:
        """One wait of the flusher (lock held) until notified; while commits gather, at most
        GATHER_TIMEOUT_S, and True when a gathered waiter sat there that whole time, so this
        thread must flush it. HIBERNATE_S after the last gathered commit it waits for a notify."""
        oldest = self._waiters[0] if self._waiters else None
        if self._gather_thread is None or (oldest is None and time.monotonic() - self._gathered_at > HIBERNATE_S):
            self._hibernating = True
            self._wakeup.wait()
            self._hibernating = False
            return False
        return (not self._wakeup.wait(GATHER_TIMEOUT_S) and oldest is not None
                and bool(self._waiters) and self._waiters[0] is oldest)

    def _flush_round(self) -> bool:
        """Write everything buffered, then resolve the futures it made durable (without the
        lock: their callbacks may append). False once the writer has failed."""
        with self._io:
            with self._lock:
                if self._failed is not None:
                    return False
                records, start = self._pending, self._pending_lsn
                self._pending, self._pending_lsn, self._pending_bytes = [], self._written_lsn, 0
            try:
                end = self._write(records, start) if records else self._flushed_lsn
            except Exception as exc:  # noqa: BLE001  OSError mostly; anything else must not hang committers
                log.error("[wal] write/fsync failed at LSN %d: %s; refusing further writes",
                          start, exc)
                with self._lock:
                    self._failed = exc
                    waiters, self._waiters = self._waiters, []
                    self._wakeup.notify()
                for _, _, future, _ in waiters:
                    future.set_exception(exc)
                return False
            done = []
            with self._lock:
                self._flushed_lsn = end
                while self._waiters and self._waiters[0][0] <= end:
                    done.append(heapq.heappop(self._waiters))
        for _, _, future, then in done:
            _resolve(future, then)
        return True

    def _write(self, records: list[tuple[bytes, int]], start: int) -> int:
        """Write `records` (starting at LSN `start`) as batches and fsync; return the end LSN."""
        parts: list[bytes] = []
        batch_start = lsn = start
        segment_start = self._segment_start
        for payload, epoch in records:
            size = RECORD_HEADER_SIZE + len(payload)
            if lsn + size - segment_start > self._segment_bytes and lsn > segment_start:
                # The record does not fit: end the batch here and open a new segment.
                if parts:
                    self._write_batch(parts, batch_start, segment_start)
                parts, batch_start, segment_start = [], lsn, lsn
            lsn += size
            parts.append(record_header(payload, lsn, epoch))
            parts.append(payload)
        if parts:
            self._write_batch(parts, batch_start, segment_start)
        self._fsync(self._file)
        if self._dir_dirty:
            self._fs.fsync_dir(self._dir)
            self._dir_dirty = False
        return lsn

    def _write_batch(self, parts: list[bytes], batch_start: int, segment_start: int) -> None:
        if segment_start != self._segment_start:
            self._fsync(self._file)
            self._file.close()
            self._segment_start = segment_start
            self._file = self._fs.open_append(self._segment_path(segment_start))
            self._dir_dirty = True
            log.debug("[wal] started segment %s", segment_name(batch_start))
        data = encode_batch(b"".join(parts), batch_start, self._compressor,
                            self._compress_min_bytes)
        self._file.write(data)
        self.bytes_written += len(data)

    def _fsync(self, file: AppendFile) -> None:
        began = time.perf_counter()
        file.fsync()
        self._last_fsync_s = time.perf_counter() - began
        self.fsync_seconds += self._last_fsync_s
        self.fsync_count += 1
