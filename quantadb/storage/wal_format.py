"""WAL bytes on disk: segments, batches and record frames.

LSN (log sequence number) = byte position in the *logical* stream, the concatenation of all
record frames, uncompressed. Compression therefore never changes an LSN. A record is known by
its end LSN: "durable up to LSN n" means every record ending at or before n is fsync'ed.

Record frame (in the logical stream), little-endian, 24-byte header then the payload:

    u32 payload_len | u64 lsn_end | u64 epoch | u32 crc32c(the 20 bytes before it + payload)

Batch (on disk): the frames appended between two flushes, written as one unit, 40-byte header
then the stored bytes:

    4s  magic "QWAL"
    u16 version (1)
    u16 flags: bit 0 = stored bytes are one zstd frame of the logical bytes
    u64 start_lsn        LSN of the first frame in the batch
    u64 logical_len      bytes of frames (start_lsn + logical_len = end LSN of the batch)
    u64 stored_len       bytes that follow the header
    u32 crc32c(stored bytes)
    u32 crc32c(the 36 header bytes before it)

A batch is compressed (zstd level 1) when logical_len >= compress_min_bytes and the result is
smaller. The header CRC lets a reader reject a torn or garbage header before trusting lengths.

Segment files live in the WAL directory and are named by the LSN of their first batch as 16
upper-case hex digits (e.g. `0000000001000000`); a segment is a plain sequence of batches
holding at most segment_bytes of logical stream. The writer opens a new segment before a
record that would not fit, so a record larger than segment_bytes gets a segment of its own
(the one case where a segment ends late); records never straddle segments. Segments are
contiguous: each one starts where the previous one ends; a reader treats a gap as the end of
the log.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from typing import NamedTuple

import zstandard
from crc32c import crc32c

RECORD_HEADER = struct.Struct("<IQQ")
RECORD_HEADER_SIZE = RECORD_HEADER.size + 4
BATCH_HEADER = struct.Struct("<4sHHQQQI")
BATCH_HEADER_SIZE = BATCH_HEADER.size + 4
BATCH_MAGIC = b"QWAL"
BATCH_VERSION = 1
FLAG_ZSTD = 1

_SEGMENT_NAME = re.compile(r"^[0-9A-F]{16}$")


class WalFormatError(Exception):
    """Bytes that are not a valid batch or record; the message says what is wrong."""


class BatchHeader(NamedTuple):
    flags: int
    start_lsn: int
    logical_len: int
    stored_len: int
    data_crc: int

    @property
    def end_lsn(self) -> int:
        return self.start_lsn + self.logical_len


def segment_name(start_lsn: int) -> str:
    return f"{start_lsn:016X}"


def parse_segment_name(name: str) -> int | None:
    return int(name, 16) if _SEGMENT_NAME.match(name) else None


def record_header(payload: bytes, lsn_end: int, epoch: int) -> bytes:
    """The 24-byte frame header that precedes `payload` in the logical stream."""
    head = RECORD_HEADER.pack(len(payload), lsn_end, epoch)
    return head + crc32c(payload, crc32c(head)).to_bytes(4, "little")


def encode_batch(logical: bytes, start_lsn: int, compressor: zstandard.ZstdCompressor | None,
                 compress_min_bytes: int) -> bytes:
    """Header + stored bytes for a batch whose logical stream is `logical`."""
    stored, flags = logical, 0
    if compressor is not None and len(logical) >= compress_min_bytes:
        packed = compressor.compress(logical)
        if len(packed) < len(logical):
            stored, flags = packed, FLAG_ZSTD
    head = BATCH_HEADER.pack(BATCH_MAGIC, BATCH_VERSION, flags, start_lsn, len(logical),
                             len(stored), crc32c(stored))
    return b"".join((head, crc32c(head).to_bytes(4, "little"), stored))


def parse_batch_header(buf: bytes | memoryview, pos: int) -> BatchHeader:
    """The header at `pos`, checked (magic, version, CRC, room for the stored bytes)."""
    if len(buf) - pos < BATCH_HEADER_SIZE:
        raise WalFormatError(f"torn batch header ({len(buf) - pos} of {BATCH_HEADER_SIZE} bytes)")
    magic, version, flags, start_lsn, logical_len, stored_len, data_crc = \
        BATCH_HEADER.unpack_from(buf, pos)
    head_crc = int.from_bytes(buf[pos + BATCH_HEADER.size:pos + BATCH_HEADER_SIZE], "little")
    if magic != BATCH_MAGIC:
        raise WalFormatError("garbage where a batch header should be (bad magic)")
    if head_crc != crc32c(buf[pos:pos + BATCH_HEADER.size]):
        raise WalFormatError("bad CRC in batch header")
    if version != BATCH_VERSION or flags & ~FLAG_ZSTD:
        raise WalFormatError(f"unsupported batch version {version} flags {flags:#x}")
    if len(buf) - pos - BATCH_HEADER_SIZE < stored_len:
        raise WalFormatError(f"torn batch (stored {len(buf) - pos - BATCH_HEADER_SIZE} "
                             f"of {stored_len} bytes)")
    return BatchHeader(flags, start_lsn, logical_len, stored_len, data_crc)


def batch_logical_bytes(buf: bytes | memoryview, pos: int, header: BatchHeader,
                        decompressor: zstandard.ZstdDecompressor) -> bytes:
    """The batch's logical stream, after checking the CRC of its stored bytes."""
    start = pos + BATCH_HEADER_SIZE
    stored = buf[start:start + header.stored_len]
    if crc32c(stored) != header.data_crc:
        raise WalFormatError("bad CRC in batch data")
    if not header.flags & FLAG_ZSTD:
        return bytes(stored)
    try:
        logical = decompressor.decompress(stored, max_output_size=header.logical_len)
    except zstandard.ZstdError as exc:
        raise WalFormatError(f"batch does not decompress: {exc}") from None
    if len(logical) != header.logical_len:
        raise WalFormatError("batch decompresses to the wrong length")
    return logical


def iter_records(logical: bytes, start_lsn: int) -> Iterator[tuple[int, int, bytes]]:
    """(lsn_end, epoch, payload) of each frame in a batch's logical stream."""
    pos, size = 0, len(logical)
    while pos < size:
        if size - pos < RECORD_HEADER_SIZE:
            raise WalFormatError("record header runs past the end of its batch")
        length, lsn_end, epoch = RECORD_HEADER.unpack_from(logical, pos)
        end = pos + RECORD_HEADER_SIZE + length
        if end > size or lsn_end != start_lsn + end:
            raise WalFormatError(f"record frame inconsistent at LSN {start_lsn + pos}")
        crc = int.from_bytes(logical[pos + RECORD_HEADER.size:pos + RECORD_HEADER_SIZE], "little")
        payload = logical[pos + RECORD_HEADER_SIZE:end]
        if crc != crc32c(payload, crc32c(logical[pos:pos + RECORD_HEADER.size])):
            raise WalFormatError(f"bad CRC in record ending at LSN {lsn_end}")
        yield lsn_end, epoch, payload
        pos = end
