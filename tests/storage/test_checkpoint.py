"""Checkpoint files: round trips, retention, corruption detection, crash during a write."""

from __future__ import annotations

import random

import pytest

from quantadb.errors import DataCorrupted
from quantadb.storage.checkpoint import (
    latest_checkpoint_path,
    list_checkpoints,
    read_latest_checkpoint,
    write_checkpoint,
)
from quantadb.storage.fs import FileSystem, SimulatedFileSystem

CK = "/db/checkpoints"


def _blobs(seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    return {
        "catalog": b'{"tables": ["pgbench_accounts"]}',
        "table/16384/seg0/aid": bytes(8) * 50_000,
        "table/16384/seg0/filler": rng.randbytes(30_000),
        "empty": b"",
        "näme with ünicode": b"x",
    }


def test_round_trip_and_retention_on_simulated_fs():
    fs = SimulatedFileSystem()
    assert read_latest_checkpoint(fs, CK) is None
    for lsn in (0, 100, 5000, 1 << 40):
        path = write_checkpoint(fs, CK, lsn, _blobs(lsn))
        assert path == f"{CK}/{lsn:016X}.checkpoint"
        assert read_latest_checkpoint(fs, CK) == (lsn, _blobs(lsn))
    assert list_checkpoints(fs, CK) == [5000, 1 << 40]
    assert fs.listdir(CK) == [f"{5000:016X}.checkpoint", f"{1 << 40:016X}.checkpoint"]
    assert fs.size(path) < 50_000 + 30_000     # the zero column compressed


def test_round_trip_on_real_disk(tmp_path):
    fs = FileSystem()
    directory = str(tmp_path / "ck")
    big = {"big": bytes(range(256)) * 40_000, "none": b""}
    write_checkpoint(fs, directory, 7, big)
    write_checkpoint(fs, directory, 9, {})
    assert read_latest_checkpoint(fs, directory) == (9, {})
    assert latest_checkpoint_path(fs, directory).endswith("0000000000000009.checkpoint")
    assert list_checkpoints(fs, directory) == [7, 9]


def _flip(fs: SimulatedFileSystem, path: str, offset: int) -> None:
    data = bytearray(fs.read_bytes(path))
    data[offset] ^= 0x01
    fs.write_atomic(path, bytes(data))


@pytest.mark.parametrize("where", [0, 10, 30, 60, 200, 1000, -20, -3])
def test_any_flipped_byte_raises_data_corrupted_naming_the_file(where):
    fs = SimulatedFileSystem()
    write_checkpoint(fs, CK, 10, _blobs(1))
    path = write_checkpoint(fs, CK, 20, _blobs(2))
    _flip(fs, path, where % fs.size(path))
    with pytest.raises(DataCorrupted) as info:
        read_latest_checkpoint(fs, CK)
    assert path in str(info.value) and "corrupt" in str(info.value)


@pytest.mark.parametrize("keep", [0, 10, 0.5, -1])
def test_truncated_or_extended_file_raises_data_corrupted(keep):
    fs = SimulatedFileSystem()
    path = write_checkpoint(fs, CK, 20, _blobs(2))
    data = fs.read_bytes(path)
    cut = {0: b"", 10: data[:10], 0.5: data[: len(data) // 2], -1: data[:-1]}[keep]
    fs.write_atomic(path, cut)
    with pytest.raises(DataCorrupted):
        read_latest_checkpoint(fs, CK)
    fs.write_atomic(path, data + b"\0")
    with pytest.raises(DataCorrupted):
        read_latest_checkpoint(fs, CK)


def test_corrupt_newest_never_falls_back_to_previous():
    fs = SimulatedFileSystem()
    write_checkpoint(fs, CK, 10, _blobs(1))
    path = write_checkpoint(fs, CK, 20, _blobs(2))
    _flip(fs, path, fs.size(path) // 2)
    with pytest.raises(DataCorrupted):
        read_latest_checkpoint(fs, CK)


@pytest.mark.parametrize("op,after", [("write", 0), ("write", 3), ("fsync", 0), ("rename", 0),
                                      ("fsync_dir", 0)])
@pytest.mark.parametrize("mode", ["drop", "torn", "garbage"])
def test_crash_during_checkpoint_write_leaves_previous_readable(op, after, mode):
    fs = SimulatedFileSystem()
    write_checkpoint(fs, CK, 10, _blobs(1))
    fs.inject_io_error(op, after=after)
    with pytest.raises(OSError):
        write_checkpoint(fs, CK, 20, _blobs(2))
    fs.crash(mode, seed=after)
    assert read_latest_checkpoint(fs, CK) == (10, _blobs(1))
    write_checkpoint(fs, CK, 30, _blobs(3))
    fs.crash(mode)
    assert read_latest_checkpoint(fs, CK) == (30, _blobs(3))
    assert not [n for n in fs.listdir(CK) if n.endswith(".tmp")]


def test_completed_checkpoint_survives_crash():
    fs = SimulatedFileSystem()
    write_checkpoint(fs, CK, 10, _blobs(1))
    write_checkpoint(fs, CK, 20, _blobs(2))
    fs.crash("garbage")
    assert read_latest_checkpoint(fs, CK) == (20, _blobs(2))
