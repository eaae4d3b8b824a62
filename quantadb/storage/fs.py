"""The one seam through which storage touches the disk.

`FileSystem` is the real operating system. `SimulatedFileSystem` keeps every file in memory
and remembers what was made durable, so a test can call `crash()` and see exactly what a
power loss would leave behind (in the spirit of SQLite's test VFS):

- file contents: only what an `fsync` covered survives; with mode "torn" the first unsynced
  write to each file survives as a random prefix, with "garbage" it is replaced by random
  bytes of the same length (a sector that was half written, or written with junk);
- the namespace: creating, renaming and removing a file are durable only once `fsync_dir`
  ran on its directory (POSIX semantics; ext4 is kinder, we test against the strict rule);
- directories made with `makedirs` are durable at once (we never rely on the contrary).

`inject_io_error(op, after)` makes the (after+1)-th following call of an operation raise
OSError(EIO), once, to exercise the failure paths (an fsync that fails must not be taken for
durability).
"""

from __future__ import annotations

import errno
import fcntl
import os
import posixpath
import random
import threading
from collections.abc import Callable, Iterable


class AppendFile:
    """A file opened for appending (real OS file)."""

    def __init__(self, path: str, fsync_enabled: bool) -> None:
        self._path = path
        self._fsync_enabled = fsync_enabled
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._size = os.fstat(self._fd).st_size

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._size += len(data)

    def fsync(self) -> None:
        if self._fsync_enabled:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    @property
    def size(self) -> int:
        return self._size


LOCK_FILE = "quantadb.pid"  # in the data directory: the PID of the process that has it open


class DataDirectoryInUse(OSError):
    """Another process has the data directory open: two writers would interleave one WAL."""


class FileSystem:
    """The real file system. `fsync=False` (the server's `fsync = off`) makes fsync a no-op."""

    def __init__(self, fsync: bool = True) -> None:
        self.fsync = fsync

    def lock_directory(self, path: str) -> Callable[[], None]:
        """Take the data directory for this process, as PostgreSQL's postmaster.pid does: an
        exclusive flock on LOCK_FILE, which the kernel drops when the process ends however it
        ends (no stale lock after kill -9). Returns the function that lets it go."""
        lock_path = os.path.join(path, LOCK_FILE)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DataDirectoryInUse(f'lock file "{lock_path}" is held by process {holder}: is another QuantaDB '
                                     f'node running in data directory "{path}"?') from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return lambda: os.close(fd)

    def makedirs(self, path: str) -> None:
        os.makedirs(path, exist_ok=True)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(path))

    def read_bytes(self, path: str) -> bytes:
        with open(path, "rb") as f:
            return f.read()

    def open_append(self, path: str) -> AppendFile:
        return AppendFile(path, self.fsync)

    def write_atomic(self, path: str, data: bytes) -> None:
        """Replace `path` with `data` so a crash leaves either the old or the new file."""
        self.write_atomic_chunks(path, (data,))

    def write_atomic_chunks(self, path: str, chunks: Iterable[bytes]) -> None:
        """Like write_atomic, streaming the content so it never sits whole in memory."""
        tmp = path + ".tmp"
        if self.exists(tmp):
            self.remove(tmp)
        f = self.open_append(tmp)
        try:
            for chunk in chunks:
                f.write(chunk)
            f.fsync()
        finally:
            f.close()
        self.rename(tmp, path)
        self.fsync_dir(posixpath.dirname(path) or ".")

    def remove(self, path: str) -> None:
        os.remove(path)

    def rename(self, src: str, dst: str) -> None:
        os.replace(src, dst)

    def truncate(self, path: str, size: int) -> None:
        os.truncate(path, size)

    def fsync_dir(self, path: str) -> None:
        if not self.fsync:
            return
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def size(self, path: str) -> int:
        return os.path.getsize(path)


class _Node:
    """One simulated file: its current bytes, its durable bytes, its first unsynced write."""

    __slots__ = ("content", "durable", "first_unsynced")

    def __init__(self) -> None:
        self.content = bytearray()
        self.durable = b""
        self.first_unsynced: tuple[int, bytes] | None = None


class _SimulatedAppendFile(AppendFile):
    def __init__(self, fs: SimulatedFileSystem, node: _Node) -> None:
        self._fs = fs
        self._node = node
        self._generation = fs._generation

    def _check(self, op: str) -> None:
        self._fs._maybe_fail(op)
        if self._generation != self._fs._generation:
            raise OSError(errno.EBADF, "file handle opened before a simulated crash")

    def write(self, data: bytes) -> None:
        with self._fs._lock:
            self._check("write")
            node = self._node
            if node.first_unsynced is None:
                node.first_unsynced = (len(node.content), bytes(data))
            node.content += data

    def fsync(self) -> None:
        with self._fs._lock:
            self._check("fsync")
            self._node.durable = bytes(self._node.content)
            self._node.first_unsynced = None

    def close(self) -> None:
        pass

    @property
    def size(self) -> int:
        return len(self._node.content)


class SimulatedFileSystem(FileSystem):
    """An in-memory file system that can crash, tear writes and fail on demand."""

    def lock_directory(self, path: str) -> Callable[[], None]:
        return lambda: None  # one process: nothing else can open it

    def __init__(self) -> None:
        super().__init__(fsync=True)
        self._lock = threading.RLock()
        self._files: dict[str, _Node] = {}
        self._durable_files: dict[str, _Node] = {}
        self._dirs: set[str] = {"/", "."}
        self._faults: dict[str, int] = {}
        self._generation = 0

    @staticmethod
    def _norm(path: str) -> str:
        return posixpath.normpath(path)

    def _maybe_fail(self, op: str) -> None:
        remaining = self._faults.get(op)
        if remaining is None:
            return
        if remaining > 0:
            self._faults[op] = remaining - 1
            return
        del self._faults[op]
        raise OSError(errno.EIO, f"simulated I/O error in {op}")

    def _node(self, path: str) -> _Node:
        node = self._files.get(self._norm(path))
        if node is None:
            raise FileNotFoundError(errno.ENOENT, "No such file", path)
        return node

    def inject_io_error(self, op: str, after: int = 0) -> None:
        """Make the call of `op` after `after` successful ones raise OSError(EIO), once."""
        with self._lock:
            self._faults[op] = after

    def crash(self, mode: str = "drop", seed: int = 0) -> None:
        """Lose everything not made durable; see the module docstring for the modes."""
        if mode not in ("drop", "torn", "garbage"):
            raise ValueError(f"unknown crash mode {mode!r}")
        rng = random.Random(seed)
        with self._lock:
            self._generation += 1
            self._files = dict(self._durable_files)
            for path in sorted(self._files):
                node = self._files[path]
                content = bytearray(node.durable)
                pending = node.first_unsynced
                if pending is not None and mode != "drop" and pending[0] <= len(content):
                    offset, data = pending
                    if mode == "torn":
                        data = data[: rng.randrange(len(data))] if data else b""
                    else:
                        data = rng.randbytes(len(data))
                    content[offset:offset + len(data)] = data
                node.content = content
                node.durable = bytes(content)
                node.first_unsynced = None
            self._faults.clear()

    def makedirs(self, path: str) -> None:
        with self._lock:
            path = self._norm(path)
            while path not in self._dirs:
                self._dirs.add(path)
                path = posixpath.dirname(path) or "."

    def exists(self, path: str) -> bool:
        path = self._norm(path)
        with self._lock:
            return path in self._files or path in self._dirs

    def listdir(self, path: str) -> list[str]:
        path = self._norm(path)
        with self._lock:
            if path not in self._dirs:
                raise FileNotFoundError(errno.ENOENT, "No such directory", path)
            names = {posixpath.basename(p) for p in self._files if posixpath.dirname(p) == path}
            names |= {posixpath.basename(d) for d in self._dirs
                      if d != path and posixpath.dirname(d) == path}
            return sorted(names)

    def read_bytes(self, path: str) -> bytes:
        with self._lock:
            self._maybe_fail("read")
            return bytes(self._node(path).content)

    def open_append(self, path: str) -> AppendFile:
        path = self._norm(path)
        with self._lock:
            self._maybe_fail("open")
            if posixpath.dirname(path) not in self._dirs:
                raise FileNotFoundError(errno.ENOENT, "No such directory", path)
            node = self._files.get(path)
            if node is None:
                node = self._files[path] = _Node()
            return _SimulatedAppendFile(self, node)

    def remove(self, path: str) -> None:
        with self._lock:
            self._maybe_fail("remove")
            self._node(path)
            del self._files[self._norm(path)]

    def rename(self, src: str, dst: str) -> None:
        with self._lock:
            self._maybe_fail("rename")
            node = self._node(src)
            del self._files[self._norm(src)]
            self._files[self._norm(dst)] = node

    def truncate(self, path: str, size: int) -> None:
        with self._lock:
            self._maybe_fail("truncate")
            node = self._node(path)
            # A truncate is metadata the next fsync of the file makes durable.
            if node.first_unsynced is None or node.first_unsynced[0] > size:
                node.first_unsynced = (size, b"")
            del node.content[size:]

    def fsync_dir(self, path: str) -> None:
        path = self._norm(path)
        with self._lock:
            self._maybe_fail("fsync_dir")
            for p in set(self._files) | set(self._durable_files):
                if posixpath.dirname(p) != path:
                    continue
                if p in self._files:
                    self._durable_files[p] = self._files[p]
                else:
                    del self._durable_files[p]

    def size(self, path: str) -> int:
        with self._lock:
            return len(self._node(path).content)
