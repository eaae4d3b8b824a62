"""The WAL: framing round trips, group commit, segments, crashes, corruption, failures."""

from __future__ import annotations

import random
import threading
import time

import pytest

from quantadb.storage.fs import AppendFile, FileSystem, SimulatedFileSystem
from quantadb.storage.wal import (
    WalRemoved,
    WalWriter,
    list_segments,
    read_wal,
    truncate_tail,
)
from quantadb.storage.wal_format import RECORD_HEADER_SIZE, parse_segment_name

WAL = "/db/wal"


def _payloads(rng: random.Random, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        kind = rng.randrange(4)
        if kind == 0:
            out.append(b"")
        elif kind == 1:
            out.append(rng.randbytes(rng.randrange(1, 300)))
        else:
            out.append((b"row %d;" % i) * rng.randrange(1, 400))
    return out


def _read_all(fs, from_lsn=0, **kw):
    scan = read_wal(fs, WAL, from_lsn, **kw)
    return list(scan), scan


def test_round_trip_lsns_epochs_and_compression():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0, compress_min_bytes=256)
    payloads = _payloads(random.Random(1), 300)
    lsns = []
    for i, p in enumerate(payloads):
        w.epoch = i // 100
        lsns.append(w.append(p))
        if i % 37 == 0:
            w.flush()
    w.close()
    logical = sum(RECORD_HEADER_SIZE + len(p) for p in payloads)
    assert lsns[-1] == logical == w.written_lsn == w.flushed_lsn
    assert w.bytes_written < logical      # the repetitive rows compressed
    records, scan = _read_all(fs)
    assert [r.payload for r in records] == payloads
    assert [r.lsn_end for r in records] == lsns
    assert [r.epoch for r in records] == [i // 100 for i in range(300)]
    assert scan.end_lsn == logical and scan.truncated is None


def test_from_lsn_and_to_lsn_select_records():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    lsns = []
    for i in range(20):
        lsns.append(w.append(b"r%d" % i))
        if i % 3 == 0:
            w.flush()
    w.close()
    records, scan = _read_all(fs, lsns[4])
    assert [r.payload for r in records] == [b"r%d" % i for i in range(5, 20)]
    records, scan = _read_all(fs, lsns[4], to_lsn=lsns[9])
    assert [r.payload for r in records] == [b"r%d" % i for i in range(5, 10)]
    assert scan.end_lsn == lsns[9]
    records, scan = _read_all(fs, lsns[-1])
    assert records == [] and scan.end_lsn == lsns[-1] and scan.truncated is None


def test_empty_wal_dir_and_writer_starting_later():
    fs = SimulatedFileSystem()
    records, scan = _read_all(fs, 1234)
    assert records == [] and scan.end_lsn == 1234
    w = WalWriter(fs, WAL, 1234)
    end = w.append(b"after checkpoint")
    w.close()
    records, scan = _read_all(fs, 1234)
    assert [(r.lsn_end, r.payload) for r in records] == [(end, b"after checkpoint")]


def test_segment_roll_over_and_oversized_record():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0, segment_bytes=4096, compress_min_bytes=1 << 30)
    rng = random.Random(2)
    payloads = [rng.randbytes(rng.randrange(50, 900)) for _ in range(60)]
    payloads.insert(30, rng.randbytes(20000))   # bigger than a segment: that segment ends late
    for i, p in enumerate(payloads):
        w.append(p)
        if i % 5 == 0:
            w.flush()
    w.close()
    starts = list_segments(fs, WAL)
    assert len(starts) > 5 and starts[0] == 0
    records, scan = _read_all(fs)
    assert [r.payload for r in records] == payloads and scan.truncated is None
    boundaries = {0} | {r.lsn_end for r in records}
    assert set(starts) <= boundaries    # segments start at record boundaries
    for a, b in zip(starts, starts[1:]):
        records_in = [r for r in records if a < r.lsn_end <= b]
        logical = sum(RECORD_HEADER_SIZE + len(r.payload) for r in records_in)
        assert logical == b - a
        assert logical <= 4096 or len(records_in) == 1
    assert any(b - a > 4096 for a, b in zip(starts, starts[1:]))


def test_writer_resumes_in_an_existing_log():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0, segment_bytes=1000)
    for i in range(50):
        w.append(b"first %d" % i)
    w.close()
    _, scan = _read_all(fs)
    w = WalWriter(fs, WAL, scan.end_lsn, segment_bytes=1000)
    for i in range(50):
        w.append(b"second %d" % i)
    w.close()
    records, scan = _read_all(fs)
    assert [r.payload for r in records] == [b"first %d" % i for i in range(50)] + \
        [b"second %d" % i for i in range(50)]
    with pytest.raises(ValueError):
        WalWriter(fs, WAL, 0)


class _SlowFsyncFile(AppendFile):
    def __init__(self, inner: AppendFile) -> None:
        self._inner = inner

    def write(self, data: bytes) -> None:
        self._inner.write(data)

    def fsync(self) -> None:
        time.sleep(0.002)    # a disk: lets committers pile up behind the running fsync
        self._inner.fsync()

    def close(self) -> None:
        self._inner.close()

    @property
    def size(self) -> int:
        return self._inner.size


class _SlowFs(SimulatedFileSystem):
    def open_append(self, path: str) -> AppendFile:
        return _SlowFsyncFile(super().open_append(path))


def test_group_commit_shares_fsyncs_and_resolves_on_flusher_thread():
    fs = _SlowFs()
    w = WalWriter(fs, WAL, 0)
    threads_n, commits_each = 8, 25
    callback_threads = set()
    errors = []

    def committer(k: int) -> None:
        try:
            for i in range(commits_each):
                w.append(b"insert %d %d" % (k, i))
                lsn = w.append(b"commit %d %d" % (k, i))
                future = w.flush_async(lsn)
                future.add_done_callback(
                    lambda f: callback_threads.add(threading.current_thread().name))
                future.result(timeout=30)
                assert w.flushed_lsn >= lsn
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=committer, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.close()
    assert errors == []
    assert w.fsync_count < threads_n * commits_each
    assert "quantadb-wal-flusher" in callback_threads
    records, _ = _read_all(fs)
    assert len(records) == 2 * threads_n * commits_each


def test_gathered_flushes_share_one_fsync_on_the_gathering_thread():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    scheduled = []
    w.gather_flushes(scheduled.append)
    futures = [w.flush_async(w.append(b"commit %d" % i), gather=True) for i in range(5)]
    assert len(scheduled) == 1  # one flush for the round, however many commits joined it
    assert not any(f.done() for f in futures)
    assert w.fsync_count == 0
    resolved_on = []
    futures[0].add_done_callback(lambda f: resolved_on.append(threading.current_thread().name))
    scheduled.pop()()
    assert all(f.done() for f in futures) and w.fsync_count == 1
    assert resolved_on == [threading.current_thread().name]
    w.close()
    records, _ = _read_all(fs)
    assert [r.payload for r in records] == [b"commit %d" % i for i in range(5)]


def test_gathering_applies_only_to_its_thread_and_asked_waiters():
    w = WalWriter(SimulatedFileSystem(), WAL, 0)
    scheduled = []
    w.gather_flushes(scheduled.append)
    w.flush_async(w.append(b"a")).result(timeout=5)  # not asked to gather: the flusher thread
    elsewhere = []
    t = threading.Thread(target=lambda: elsewhere.append(w.flush_async(w.append(b"b"), gather=True)))
    t.start()
    t.join()
    elsewhere[0].result(timeout=5)  # another thread's commit does not wait for this one's round
    assert scheduled == []
    w.close()


def test_a_gathered_waiter_nobody_flushes_is_flushed_by_the_thread():
    w = WalWriter(SimulatedFileSystem(), WAL, 0)
    w.gather_flushes(lambda fn: None)  # a loop that never gets to run the flush
    future = w.flush_async(w.append(b"stuck"), gather=True)
    future.result(timeout=5)
    assert w.flushed_lsn == w.written_lsn
    w.close()


def test_slow_fsyncs_send_commits_back_to_the_flusher_thread():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    w.fsync_count = 0
    scheduled = []
    w.gather_flushes(scheduled.append)
    slow = threading.Event()

    class SlowFile(_SlowFsyncFile):
        def fsync(self) -> None:
            time.sleep(0.003 if slow.is_set() else 0)
            self._inner.fsync()

    w._file = SlowFile(w._file)
    slow.set()
    w.flush(w.append(b"measured slow"))
    future = w.flush_async(w.append(b"after"), gather=True)
    future.result(timeout=5)
    assert scheduled == []
    w.close()


def test_flush_of_durable_lsn_is_immediate_and_future_lsn_rejected():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    lsn = w.append(b"x")
    w.flush(lsn)
    assert w.flush_async(lsn).done()
    with pytest.raises(ValueError):
        w.flush_async(lsn + 1)
    w.close()


class _CrashAtFsync(SimulatedFileSystem):
    """Crashes (the whole 'machine') when the n-th fsync of a file starts."""

    def __init__(self, at: int, mode: str, seed: int) -> None:
        super().__init__()
        self.at, self.mode, self.seed, self.count = at, mode, seed, 0

    def open_append(self, path: str) -> AppendFile:
        inner = super().open_append(path)
        fs = self

        class File(_SlowFsyncFile):
            def fsync(self) -> None:
                fs.count += 1
                if fs.count == fs.at:
                    fs.crash(fs.mode, fs.seed)
                self._inner.fsync()

        return File(inner)


@pytest.mark.parametrize("mode", ["drop", "torn", "garbage"])
@pytest.mark.parametrize("seed", range(6))
def test_crash_leaves_a_prefix_including_everything_flushed(mode, seed):
    rng = random.Random(seed)
    fs = _CrashAtFsync(at=rng.randrange(2, 30), mode=mode, seed=seed)
    w = WalWriter(fs, WAL, 0, segment_bytes=3000, compress_min_bytes=512)
    appended: list[tuple[int, bytes]] = []
    acknowledged = 0
    try:
        for _ in range(40):
            for p in _payloads(rng, rng.randrange(1, 6)):
                appended.append((w.append(p), p))
            w.flush()
            acknowledged = len(appended)
    except OSError:
        pass
    w.close()
    assert fs.count >= fs.at, "the test must crash the writer"

    records, scan = _read_all(fs)
    got = [(r.lsn_end, r.payload) for r in records]
    assert got == appended[:len(got)]
    assert len(got) >= acknowledged
    assert scan.end_lsn == (got[-1][0] if got else 0)

    truncate_tail(fs, WAL, scan.end_lsn)
    w = WalWriter(fs, WAL, scan.end_lsn, segment_bytes=3000)
    more = [(w.append(b"after recovery %d" % i), b"after recovery %d" % i) for i in range(10)]
    w.close()
    fs.crash(mode, seed)
    records, scan = _read_all(fs)
    assert [(r.lsn_end, r.payload) for r in records] == got + more
    assert scan.truncated is None


def _corrupt(fs: SimulatedFileSystem, path: str, offset: int) -> None:
    data = bytearray(fs.read_bytes(path))
    data[offset] ^= 0xFF
    fs.write_atomic(path, bytes(data))


def test_corruption_in_the_middle_stops_the_scan_there():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    batch_ends = []
    for i in range(6):
        w.append(b"batch %d" % i)
        w.flush()
        batch_ends.append(fs.size(WAL + "/0000000000000000"))
    w.close()
    _corrupt(fs, WAL + "/0000000000000000", batch_ends[2] + 45)   # inside the 4th batch
    records, scan = _read_all(fs)
    assert [r.payload for r in records] == [b"batch 0", b"batch 1", b"batch 2"]
    assert scan.truncated is not None and "CRC" in scan.truncated
    assert scan.end_lsn == records[-1].lsn_end


def test_gap_between_segments_stops_the_scan():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0, segment_bytes=200)
    for i in range(40):
        w.append(b"record %d" % i)
        w.flush()
    w.close()
    starts = list_segments(fs, WAL)
    assert len(starts) >= 4
    fs.remove(f"{WAL}/{starts[2]:016X}")
    records, scan = _read_all(fs)
    assert records[-1].lsn_end == starts[2]
    assert scan.truncated is not None and "gap" in scan.truncated


def test_recycle_removes_whole_segments_before_lsn():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0, segment_bytes=500)
    lsns = []
    for i in range(100):
        lsns.append(w.append(b"r%03d" % i))
        w.flush()
    keep = lsns[60]
    w.recycle(keep)
    starts = list_segments(fs, WAL)
    assert starts[0] <= keep and len(starts) > 1
    assert len(starts) < len({0, *lsns}) and starts[0] > 0
    records, _ = _read_all(fs, keep)
    assert [r.payload for r in records] == [b"r%03d" % i for i in range(61, 100)]
    with pytest.raises(WalRemoved):
        read_wal(fs, WAL, 0)
    w.recycle(w.written_lsn)
    assert list_segments(fs, WAL) == [starts[-1]]   # the segment being written stays
    w.append(b"still writable")
    w.close()


def test_fsync_failure_fails_futures_and_refuses_further_writes():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    w.flush(w.append(b"durable"))
    fs.inject_io_error("fsync")
    future = w.flush_async(w.append(b"doomed"))
    with pytest.raises(OSError):
        future.result(timeout=10)
    assert w.flushed_lsn < w.written_lsn
    with pytest.raises(OSError):
        w.append(b"refused")
    with pytest.raises(OSError):
        w.flush_async(w.written_lsn).result(timeout=10)
    w.close()


def test_write_failure_fails_futures():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    fs.inject_io_error("write")
    with pytest.raises(OSError):
        w.flush(w.append(b"x"))
    w.close()


def test_real_disk_round_trip(tmp_path):
    fs = FileSystem()
    wal_dir = str(tmp_path / "wal")
    w = WalWriter(fs, wal_dir, 0, segment_bytes=64 << 10)
    payloads = _payloads(random.Random(3), 500)
    for p in payloads:
        w.append(p)
    w.flush()
    assert w.fsync_count >= 1
    w.close()
    names = fs.listdir(wal_dir)
    assert all(parse_segment_name(n) is not None for n in names) and len(names) > 1
    scan = read_wal(fs, wal_dir)
    assert [r.payload for r in scan] == payloads
    # A torn tail on disk (half a batch) is reported, then cut, and the log continues.
    last = f"{wal_dir}/{names[-1]}"
    with open(last, "ab") as f:
        f.write(b"QWAL\x01\x00")
    scan = read_wal(fs, wal_dir)
    assert len(list(scan)) == len(payloads) and "torn" in scan.truncated
    truncate_tail(fs, wal_dir, scan.end_lsn)
    w = WalWriter(FileSystem(fsync=False), wal_dir, scan.end_lsn)
    w.append(b"tail")
    w.close()
    assert [r.payload for r in read_wal(fs, wal_dir)][-2:] == [payloads[-1], b"tail"]


def test_closed_writer_refuses_appends_and_bad_payload_fails_futures():
    fs = SimulatedFileSystem()
    w = WalWriter(fs, WAL, 0)
    w.close()
    with pytest.raises(ValueError):
        w.append(b"late")
    w = WalWriter(fs, WAL, 0)
    # Not bytes: the flusher fails the future instead of hanging the committer.
    lsn = w.append(["not", "bytes"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        w.flush_async(lsn).result(timeout=10)
    w.close()
