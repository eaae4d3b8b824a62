"""Checkpoint files: named blobs (table segments, catalog) as of one LSN.

One file per checkpoint, named by its LSN as 16 upper-case hex digits + ".checkpoint", written
atomically (temporary file, fsync, rename, fsync of the directory). The newest file and the one
before it are kept, older ones deleted: the previous one stays as a copy for an operator, but
recovery never falls back to it silently (the WAL it would need may be recycled), a corrupt
newest checkpoint raises DataCorrupted instead.

Format, little-endian:

    header   8s "QDBCKPT1" | u16 version (1) | u16 0 | u32 blob_count | u64 lsn
             | u32 crc32c(the 24 bytes before it)
    blob     u16 name_len | u64 raw_len | u64 stored_len | u32 crc32c(stored)
             | name (utf-8) | u32 crc32c(the entry header and name) | stored (one zstd frame)
    ...      (blob_count times)
    footer   8s "QDBCKEND" | u32 blob_count | u64 bytes before the footer
             | u32 crc32c(every byte of the file before this field)

Blobs are compressed one at a time and streamed to the file, so writing holds at most one
compressed blob besides the caller's data.
"""

from __future__ import annotations

import logging
import posixpath
import re
import struct
from collections.abc import Iterator

import zstandard
from crc32c import crc32c

from quantadb.errors import DataCorrupted
from quantadb.storage.fs import FileSystem

log = logging.getLogger("quantadb.storage.checkpoint")

_HEADER = struct.Struct("<8sHHIQ")
_BLOB = struct.Struct("<HQQI")
_FOOTER = struct.Struct("<8sIQ")
_MAGIC = b"QDBCKPT1"
_FOOTER_MAGIC = b"QDBCKEND"
_VERSION = 1
_NAME = re.compile(r"^([0-9A-F]{16})\.checkpoint$")
_KEEP = 2


def checkpoint_name(lsn: int) -> str:
    return f"{lsn:016X}.checkpoint"


def list_checkpoints(fs: FileSystem, directory: str) -> list[int]:
    """LSNs of the checkpoint files in `directory`, ascending."""
    if not fs.exists(directory):
        return []
    matches = (_NAME.match(name) for name in fs.listdir(directory))
    return sorted(int(m.group(1), 16) for m in matches if m)


def latest_checkpoint_path(fs: FileSystem, directory: str) -> str | None:
    lsns = list_checkpoints(fs, directory)
    return posixpath.join(directory, checkpoint_name(lsns[-1])) if lsns else None


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def _encode(lsn: int, blobs: dict[str, bytes]) -> Iterator[bytes]:
    compressor = zstandard.ZstdCompressor(level=1)
    head = _HEADER.pack(_MAGIC, _VERSION, 0, len(blobs), lsn)
    chunk = head + _u32(crc32c(head))
    running, total = crc32c(chunk), len(chunk)
    yield chunk
    for name, raw in blobs.items():
        stored = compressor.compress(raw)
        encoded = name.encode()
        entry = _BLOB.pack(len(encoded), len(raw), len(stored), crc32c(stored)) + encoded
        entry += _u32(crc32c(entry))
        running = crc32c(stored, crc32c(entry, running))
        total += len(entry) + len(stored)
        yield entry
        yield stored
    footer = _FOOTER.pack(_FOOTER_MAGIC, len(blobs), total)
    yield footer + _u32(crc32c(footer, running))


def write_checkpoint(fs: FileSystem, directory: str, lsn: int, blobs: dict[str, bytes]) -> str:
    """Write the checkpoint of `lsn` atomically, prune all but the previous one, return its path."""
    fs.makedirs(directory)
    path = posixpath.join(directory, checkpoint_name(lsn))
    fs.write_atomic_chunks(path, _encode(lsn, blobs))
    older = list_checkpoints(fs, directory)[:-_KEEP]
    for old in older:
        fs.remove(posixpath.join(directory, checkpoint_name(old)))
    for name in fs.listdir(directory):
        if name.endswith(".checkpoint.tmp"):
            fs.remove(posixpath.join(directory, name))
    log.info("[checkpoint] wrote %s (%d blob(s), %d byte(s))", path, len(blobs), fs.size(path))
    return path


def read_checkpoint(fs: FileSystem, path: str) -> tuple[int, dict[str, bytes]]:
    """Read and verify one checkpoint file; DataCorrupted names the file and the fault."""
    def corrupt(what: str) -> DataCorrupted:
        return DataCorrupted(f"checkpoint file \"{path}\" is corrupt: {what}",
                             hint="Restore the data directory from a backup or a replica.")

    buf = memoryview(fs.read_bytes(path))
    tail = _FOOTER.size + 4
    if len(buf) < _HEADER.size + 4 + tail:
        raise corrupt(f"file is too short ({len(buf)} bytes)")
    magic, version, _, count, lsn = _HEADER.unpack_from(buf, 0)
    pos = _HEADER.size
    if magic != _MAGIC or version != _VERSION:
        raise corrupt("bad magic or version in header")
    if int.from_bytes(buf[pos:pos + 4], "little") != crc32c(buf[:pos]):
        raise corrupt("bad CRC in header")
    pos += 4
    decompressor = zstandard.ZstdDecompressor()
    blobs: dict[str, bytes] = {}
    for index in range(count):
        if len(buf) - tail - pos < _BLOB.size:
            raise corrupt(f"blob {index} runs past the end of the file")
        name_len, raw_len, stored_len, data_crc = _BLOB.unpack_from(buf, pos)
        entry_end = pos + _BLOB.size + name_len
        if entry_end + 4 + stored_len > len(buf) - tail:
            raise corrupt(f"blob {index} runs past the end of the file")
        if int.from_bytes(buf[entry_end:entry_end + 4], "little") != crc32c(buf[pos:entry_end]):
            raise corrupt(f"bad CRC in the header of blob {index}")
        name = bytes(buf[pos + _BLOB.size:entry_end]).decode()
        stored = buf[entry_end + 4:entry_end + 4 + stored_len]
        if crc32c(stored) != data_crc:
            raise corrupt(f"bad CRC in blob \"{name}\"")
        try:
            raw = decompressor.decompress(stored, max_output_size=raw_len)
        except zstandard.ZstdError as exc:
            raise corrupt(f"blob \"{name}\" does not decompress: {exc}") from None
        if len(raw) != raw_len:
            raise corrupt(f"blob \"{name}\" has the wrong length")
        blobs[name] = raw
        pos = entry_end + 4 + stored_len
    magic, footer_count, total = _FOOTER.unpack_from(buf, pos)
    if (magic != _FOOTER_MAGIC or footer_count != count or total != pos
            or pos + tail != len(buf)):
        raise corrupt("bad footer (the file is truncated or has trailing bytes)")
    if int.from_bytes(buf[pos + _FOOTER.size:], "little") != crc32c(buf[:pos + _FOOTER.size]):
        raise corrupt("bad CRC in footer")
    return lsn, blobs


def read_latest_checkpoint(fs: FileSystem, directory: str) -> tuple[int, dict[str, bytes]] | None:
    """The newest checkpoint as (lsn, blobs), or None if there is none."""
    path = latest_checkpoint_path(fs, directory)
    if path is None:
        return None
    lsn, blobs = read_checkpoint(fs, path)
    if checkpoint_name(lsn) != posixpath.basename(path):
        raise DataCorrupted(f"checkpoint file \"{path}\" is corrupt: it holds LSN {lsn}")
    return lsn, blobs
