"""The file-system seam: the real OS implementation and the crash-simulating one."""

from __future__ import annotations

import pytest

from quantadb.storage.fs import FileSystem, SimulatedFileSystem


@pytest.mark.parametrize("fsync", [True, False])
def test_real_file_system_round_trip(tmp_path, fsync):
    fs = FileSystem(fsync=fsync)
    d = str(tmp_path / "a" / "b")
    fs.makedirs(d)
    fs.makedirs(d)
    path = d + "/f"
    f = fs.open_append(path)
    f.write(b"hello ")
    f.write(b"world")
    f.fsync()
    assert f.size == 11
    f.close()
    assert fs.open_append(path).size == 11
    assert fs.read_bytes(path) == b"hello world"
    fs.truncate(path, 5)
    assert fs.size(path) == 5
    fs.write_atomic(d + "/g", b"atomic")
    fs.rename(d + "/g", d + "/h")
    fs.fsync_dir(d)
    assert fs.listdir(d) == ["f", "h"]
    assert fs.read_bytes(d + "/h") == b"atomic"
    fs.remove(path)
    assert not fs.exists(path) and fs.exists(d + "/h")


def _fs_with_file(data_synced: bytes, data_unsynced: bytes) -> SimulatedFileSystem:
    fs = SimulatedFileSystem()
    fs.makedirs("/d")
    f = fs.open_append("/d/f")
    f.write(data_synced)
    f.fsync()
    fs.fsync_dir("/d")
    f.write(data_unsynced)
    f.write(b"second unsynced write")
    return fs


def test_crash_drop_keeps_only_synced_bytes():
    fs = _fs_with_file(b"durable", b"volatile")
    assert fs.read_bytes("/d/f") == b"durablevolatilesecond unsynced write"
    fs.crash("drop")
    assert fs.read_bytes("/d/f") == b"durable"


@pytest.mark.parametrize("seed", range(5))
def test_crash_torn_keeps_a_prefix_of_the_first_unsynced_write(seed):
    fs = _fs_with_file(b"durable", b"volatile")
    fs.crash("torn", seed=seed)
    data = fs.read_bytes("/d/f")
    assert data.startswith(b"durable")
    assert b"volatile".startswith(data[7:]) and len(data) < len(b"durablevolatile")


def test_crash_garbage_replaces_the_first_unsynced_write():
    fs = _fs_with_file(b"durable", b"volatile" * 8)
    fs.crash("garbage", seed=1)
    data = fs.read_bytes("/d/f")
    assert data[:7] == b"durable" and len(data) == 7 + 64
    assert data[7:] != b"volatile" * 8


def test_namespace_changes_need_fsync_dir():
    fs = SimulatedFileSystem()
    fs.makedirs("/d")
    for name in ("kept", "renamed", "removed"):
        f = fs.open_append(f"/d/{name}")
        f.write(name.encode())
        f.fsync()
    fs.fsync_dir("/d")
    new = fs.open_append("/d/new")
    new.write(b"x")
    new.fsync()
    fs.rename("/d/renamed", "/d/moved")
    fs.remove("/d/removed")
    assert fs.listdir("/d") == ["kept", "moved", "new"]
    fs.crash()
    assert fs.listdir("/d") == ["kept", "removed", "renamed"]
    assert fs.read_bytes("/d/removed") == b"removed"


def test_write_atomic_survives_crash_and_replaces_old_content():
    fs = SimulatedFileSystem()
    fs.makedirs("/d")
    fs.write_atomic("/d/f", b"one")
    fs.write_atomic("/d/f", b"two")
    fs.crash("torn")
    assert fs.read_bytes("/d/f") == b"two"
    assert fs.listdir("/d") == ["f"]


def test_write_atomic_interrupted_before_fsync_dir_leaves_old_file():
    fs = SimulatedFileSystem()
    fs.makedirs("/d")
    fs.write_atomic("/d/f", b"old")
    fs.inject_io_error("fsync_dir")
    with pytest.raises(OSError):
        fs.write_atomic("/d/f", b"new")
    assert fs.read_bytes("/d/f") == b"new"
    fs.crash()
    assert fs.read_bytes("/d/f") == b"old"


def test_truncate_is_durable_only_after_fsync():
    fs = _fs_with_file(b"0123456789", b"")
    fs.truncate("/d/f", 4)
    assert fs.read_bytes("/d/f") == b"0123"
    fs.crash()
    assert fs.read_bytes("/d/f") == b"0123456789"
    fs.truncate("/d/f", 4)
    fs.open_append("/d/f").fsync()
    fs.crash()
    assert fs.read_bytes("/d/f") == b"0123"


def test_inject_io_error_fails_once_after_n_calls():
    fs = SimulatedFileSystem()
    fs.makedirs("/d")
    f = fs.open_append("/d/f")
    fs.inject_io_error("fsync", after=1)
    f.fsync()
    with pytest.raises(OSError):
        f.fsync()
    f.fsync()
    fs.inject_io_error("write")
    with pytest.raises(OSError):
        f.write(b"x")
    assert fs.size("/d/f") == 0


def test_handles_opened_before_a_crash_are_dead():
    fs = SimulatedFileSystem()
    fs.makedirs("/d")
    f = fs.open_append("/d/f")
    fs.fsync_dir("/d")
    fs.crash()
    with pytest.raises(OSError):
        f.write(b"late write from a process that died")
    assert fs.read_bytes("/d/f") == b""


def test_missing_paths_raise_file_not_found():
    fs = SimulatedFileSystem()
    with pytest.raises(FileNotFoundError):
        fs.read_bytes("/nope")
    with pytest.raises(FileNotFoundError):
        fs.open_append("/nodir/f")
    with pytest.raises(FileNotFoundError):
        fs.listdir("/nodir")
