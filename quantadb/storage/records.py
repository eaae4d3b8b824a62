"""Logical WAL records and their deterministic binary encoding (no pickle).

A record is a tuple `(kind, *fields)`; its payload is `encode(list(record))`. Replicas receive
these bytes over the network, so the format is self-describing and closed: one tag byte per
value, little-endian throughout.

| tag | value                                                                    |
| --- | ------------------------------------------------------------------------ |
| N T F | None, True, False                                                      |
| J   | jsonb's JSON null (types/jsonb.py JSON_NULL; None is SQL NULL)           |
| i   | int fitting int64: 8 bytes                                               |
| I   | larger int: u32 length + signed big-endian bytes                         |
| f   | float: 8 bytes                                                           |
| s   | str: u32 length + UTF-8                                                  |
| b   | bytes: u32 length + bytes                                                |
| D   | decimal.Decimal: its str() as `s`                                        |
| U   | uuid.UUID: 16 bytes                                                      |
| V   | Interval(months, days, micros): three `i`                                |
| R   | types.ranges.Range: lower, upper, lower_inc, upper_inc, empty            |
| W   | types.tsearch.TSVector: its entries (`t` of (lexeme, positions) `t`s)    |
| Y   | types.tsearch.TSQuery: its binary form (tsquerysend) as bytes            |
| l t | list / tuple: u32 count + values                                         |
| d   | dict: u32 count + key, value pairs (insertion order)                     |
| a   | numpy fixed-width array: dtype str (`s`) + u32 count + raw buffer        |
| S   | numpy object array of str: u32 count + u32 offsets[count+1] + UTF-8 blob |
| K   | the same, few distinct values: u32 count + distinct values (`S`) + i32 codes |
| M   | numpy object array of Decimal or None: u32 count + their str() (`S`, "" for None) |
| o   | numpy object array of anything else: u32 count + values                  |
| C   | Column: data array + (N or validity `a`); a coded string Column's array is `K` from its codes |
| Q   | scaled numeric Column (types/scaled.py): scale `i` + int64 `a` + (N or validity `a`) |

Record kinds and fields (xid = the writing (sub)transaction's id):

    INSERT    xid, rel_oid, n, columns            columns: one Column per attnum 1..max
    UPDATE    xid, rel_oid, old_rowids, n, columns
    DELETE    xid, rel_oid, rowids
    ROW_INSERT  xid, rel_oid, values              one row: a tuple of Python values per attnum 1..max
    ROW_UPDATE  xid, rel_oid, old_rowid, values   (None = NULL), in column_values' form; logged
                                                  instead of INSERT/UPDATE for one row of a table
                                                  whose types all allow it (table.py `row_form`)
    LOCK      (not logged: row locks matter only while their holder runs)
    COMMIT    top_xid, sub_xids                   the transaction and its live subtransactions
    ABORT     top_xid, sub_xids
    SUBABORT  top_xid, sub_xids                   ROLLBACK TO SAVEPOINT
    CATALOG   xid, op, kind, obj                  op: create/alter/drop; obj: catalog.to_value()
    OID       oid                                 allocate_oid(): next oid is at least oid + 1
    SEQUENCE  seq_oid, last_value, is_called      non-transactional, logged ahead
    TRUNCATE  xid, rel_oid
    VACUUM    rel_oids (None = all), horizon_xid
    PRUNE     rel_oid, horizon_xid                drop index entries of versions dead below the
                                                  horizon (row ids stay: safe mid-statement)
    CHECKPOINT lsn
"""

from __future__ import annotations

import decimal
import struct
import uuid

import numpy as np

from quantadb.errors import DataCorrupted, InternalError
from quantadb.types.column import Column
from quantadb.types.jsonb import JSON_NULL
from quantadb.types.ranges import Range
from quantadb.types.tsearch import TSQuery, TSVector, recv_tsquery, send_tsquery
from quantadb.types.values import Interval

INSERT, UPDATE, DELETE, COMMIT, ABORT, SUBABORT, CATALOG, OID, SEQUENCE, TRUNCATE, VACUUM, CHECKPOINT, PRUNE, \
    ROW_INSERT, ROW_UPDATE = range(1, 16)
KIND_NAMES = {INSERT: "insert", UPDATE: "update", DELETE: "delete", COMMIT: "commit", ABORT: "abort",
              SUBABORT: "subabort", CATALOG: "catalog", OID: "oid", SEQUENCE: "sequence",
              TRUNCATE: "truncate", VACUUM: "vacuum", CHECKPOINT: "checkpoint", PRUNE: "prune",
              ROW_INSERT: "row insert", ROW_UPDATE: "row update"}

_Q = struct.Struct("<q")
_D = struct.Struct("<d")
_L = struct.Struct("<I")
_TAG_Q = struct.Struct("<Bq")  # a tag byte and its int64 / u32 length in one pack
_TAG_L = struct.Struct("<BI")
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_DTYPES: dict[str, np.dtype] = {}


def encode(value: object) -> bytes:
    out = bytearray()
    _enc(out, value)
    return bytes(out)


def decode(payload: bytes) -> object:
    mv = memoryview(payload)
    try:
        value, pos = _dec(mv, 0)
    except (struct.error, IndexError, UnicodeDecodeError, ValueError, KeyError) as e:
        raise DataCorrupted(f"could not decode WAL record: {e}") from e
    if pos != len(mv):
        raise DataCorrupted("could not decode WAL record: trailing bytes")
    return value


def _enc_str(out: bytearray, s: str) -> None:
    b = s.encode("utf-8", "surrogatepass")
    out += _L.pack(len(b))
    out += b


def _enc(out: bytearray, v: object) -> None:
    t = type(v)  # exact-type fast paths for what records mostly hold
    if t is list or t is tuple:
        out += _TAG_L.pack(0x6C if t is list else 0x74, len(v))
        _enc_items(out, v)
    elif t is int and _INT64_MIN <= v <= _INT64_MAX:
        out += _TAG_Q.pack(0x69, v)
    elif t is Column:
        _enc_column(out, v)
    elif t is str:
        out += b"s"
        _enc_str(out, v)
    elif t is np.ndarray:
        _enc_array(out, v)
    else:
        _enc_other(out, v)


def _enc_items(out: bytearray, items: list | tuple) -> None:
    """A list's or tuple's values: a record's fields and a row's values (ROW_INSERT/ROW_UPDATE)
    are mostly ints, strings and NULLs, encoded here without a call each."""
    for v in items:
        t = type(v)
        if t is int:
            try:
                out += _TAG_Q.pack(0x69, v)
            except struct.error:  # beyond int64
                _enc_other(out, v)
        elif t is str:
            b = v.encode("utf-8", "surrogatepass")
            out += _TAG_L.pack(0x73, len(b))
            out += b
        elif v is None:
            out += b"N"
        else:
            _enc(out, v)


def _enc_other(out: bytearray, v: object) -> None:
    if v is None:
        out += b"N"
    elif v is JSON_NULL:
        out += b"J"
    elif v is True or v is False or isinstance(v, np.bool_):
        out += b"T" if v else b"F"
    elif isinstance(v, (int, np.integer)):
        v = int(v)
        if _INT64_MIN <= v <= _INT64_MAX:
            out += b"i"
            out += _Q.pack(v)
        else:
            b = v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True)
            out += b"I" + _L.pack(len(b)) + b
    elif isinstance(v, (float, np.floating)):
        out += b"f"
        out += _D.pack(float(v))
    elif isinstance(v, str):
        out += b"s"
        _enc_str(out, v)
    elif isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        out += b"b" + _L.pack(len(b)) + b
    elif isinstance(v, decimal.Decimal):
        out += b"D"
        _enc_str(out, str(v))
    elif isinstance(v, uuid.UUID):
        out += b"U" + v.bytes
    elif isinstance(v, list):
        out += b"l" + _L.pack(len(v))
        _enc_items(out, v)
    elif isinstance(v, tuple):
        out += b"t" + _L.pack(len(v))
        _enc_items(out, v)
    elif isinstance(v, dict):
        out += b"d" + _L.pack(len(v))
        for k, x in v.items():
            _enc(out, k)
            _enc(out, x)
    elif isinstance(v, np.ndarray):
        _enc_array(out, v)
    elif isinstance(v, Column):
        _enc_column(out, v)
    elif isinstance(v, Interval):
        out += b"V" + _Q.pack(v.months) + _Q.pack(v.days) + _Q.pack(v.micros)
    elif isinstance(v, Range):
        out += b"R"
        _enc_items(out, (v.lower, v.upper, v.lower_inc, v.upper_inc, v.empty))
    elif isinstance(v, TSVector):
        out += b"W"
        _enc(out, v.entries)
    elif isinstance(v, TSQuery):
        out += b"Y"
        _enc(out, send_tsquery(v))
    else:
        raise InternalError(f"cannot encode a value of type {type(v).__name__} in a WAL record")


def _enc_column(out: bytearray, v: Column) -> None:
    if v.scale is not None:
        out += b"Qi"
        out += _Q.pack(v.scale)
        _enc_array(out, v.ints)
    else:
        out += b"C"
        if not _enc_coded(out, v):
            _enc_array(out, v.data)
    if v.valid is None:
        out += b"N"
    else:
        _enc_array(out, np.asarray(v.valid, dtype=np.bool_))


def _enc_coded(out: bytearray, v: Column) -> bool:
    """A coded string Column (types/column.py) straight from its codes as `K` (NULL rows point
    at the first string; the validity array marks them); False when it is not one or `K` does
    not pay."""
    if v.codes is None:
        return False
    words = v.dictionary[:-1]
    n = len(v.codes)
    if not len(words) or 2 * len(words) > n or n <= 16 or set(map(type, words.tolist())) != {str}:
        return False
    out += b"K" + _L.pack(n)
    _enc_array(out, words)
    out += np.maximum(v.codes, 0).astype("<i4").tobytes()
    return True


def _enc_array(out: bytearray, a: np.ndarray) -> None:
    a = a.reshape(-1)
    if a.dtype != object:
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        out += b"a"
        _enc_str(out, a.dtype.str)
        out += _L.pack(len(a))
        out += a.tobytes()
        return
    items = a.tolist()
    kinds = set(map(type, items))
    if len(items) > 16 and kinds <= {decimal.Decimal, type(None)}:
        # a numeric column: its text in one string array rather than a tagged value each
        out += b"M" + _L.pack(len(items))
        _enc_array(out, np.array(["" if x is None else str(x) for x in items], dtype=object))
        return
    if kinds <= {str}:
        n = len(items)
        if n > 16:
            distinct = dict.fromkeys(items)  # first-seen order
            if len(distinct) * 2 <= n:
                code_of = {x: k for k, x in enumerate(distinct)}
                out += b"K" + _L.pack(n)
                _enc_array(out, np.array(list(distinct), dtype=object))
                out += np.fromiter(map(code_of.__getitem__, items), dtype="<i4", count=n).tobytes()
                return
        out += b"S" + _L.pack(n)
        joined = "".join(items)
        if n > 16 and joined.isascii():  # one byte a character: lengths without encoding each
            offsets = np.zeros(n + 1, dtype="<u4")
            np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=n), out=offsets[1:])
            out += offsets.tobytes()
            out += joined.encode("ascii")
            return
        blobs = [x.encode("utf-8", "surrogatepass") for x in items]
        if n <= 16:
            offsets, total = [0], 0
            for b in blobs:
                total += len(b)
                offsets.append(total)
            out += struct.pack(f"<{n + 1}I", *offsets)
        else:
            offsets = np.zeros(n + 1, dtype="<u4")
            np.cumsum([len(b) for b in blobs], out=offsets[1:])
            out += offsets.tobytes()
        out += b"".join(blobs)
        return
    out += b"o" + _L.pack(len(items))
    for x in items:
        _enc(out, x)


def _dec_str(mv: memoryview, pos: int) -> tuple[str, int]:
    (n,) = _L.unpack_from(mv, pos)
    pos += 4
    return str(mv[pos:pos + n], "utf-8", "surrogatepass"), pos + n


def _dec(mv: memoryview, pos: int) -> tuple[object, int]:
    tag = mv[pos]
    pos += 1
    if tag == 0x69:  # i (the most frequent tags first)
        return _Q.unpack_from(mv, pos)[0], pos + 8
    if tag == 0x43 or tag == 0x51:  # C Q
        scale = None
        if tag == 0x51:
            scale, pos = _dec(mv, pos)
        data, pos = _dec_array(mv, pos)
        valid = None
        if mv[pos] == 0x4E:
            pos += 1
        else:
            valid, pos = _dec_array(mv, pos)
        return (Column(data, valid) if scale is None else Column.scaled(data, scale, valid)), pos
    if tag == 0x4E:  # N
        return None, pos
    if tag == 0x4A:  # J
        return JSON_NULL, pos
    if tag == 0x54:  # T
        return True, pos
    if tag == 0x46:  # F
        return False, pos
    if tag == 0x49:  # I
        (n,) = _L.unpack_from(mv, pos)
        return int.from_bytes(mv[pos + 4:pos + 4 + n], "big", signed=True), pos + 4 + n
    if tag == 0x66:  # f
        return _D.unpack_from(mv, pos)[0], pos + 8
    if tag == 0x73:  # s
        return _dec_str(mv, pos)
    if tag == 0x62:  # b
        (n,) = _L.unpack_from(mv, pos)
        return bytes(mv[pos + 4:pos + 4 + n]), pos + 4 + n
    if tag == 0x44:  # D
        s, pos = _dec_str(mv, pos)
        return decimal.Decimal(s), pos
    if tag == 0x55:  # U
        return uuid.UUID(bytes=bytes(mv[pos:pos + 16])), pos + 16
    if tag == 0x56:  # V
        months, days, micros = struct.unpack_from("<qqq", mv, pos)
        return Interval(months, days, micros), pos + 24
    if tag == 0x52:  # R
        fields = []
        for _ in range(5):
            x, pos = _dec(mv, pos)
            fields.append(x)
        return Range(*fields), pos
    if tag == 0x57:  # W
        entries, pos = _dec(mv, pos)
        return TSVector(entries), pos
    if tag == 0x59:  # Y
        raw, pos = _dec(mv, pos)
        return recv_tsquery(raw), pos
    if tag in (0x6C, 0x74):  # l t
        (n,) = _L.unpack_from(mv, pos)
        pos += 4
        items = []
        for _ in range(n):
            x, pos = _dec(mv, pos)
            items.append(x)
        return (items if tag == 0x6C else tuple(items)), pos
    if tag == 0x64:  # d
        (n,) = _L.unpack_from(mv, pos)
        pos += 4
        d = {}
        for _ in range(n):
            k, pos = _dec(mv, pos)
            d[k], pos = _dec(mv, pos)
        return d, pos
    if tag in (0x61, 0x53, 0x6F, 0x4B, 0x4D):  # a S o K M
        return _dec_array(mv, pos - 1)
    raise ValueError(f"unknown tag {tag:#x} at {pos - 1}")


def _dec_array(mv: memoryview, pos: int) -> tuple[np.ndarray, int]:
    tag = mv[pos]
    pos += 1
    if tag == 0x61:  # a
        dtype, pos = _dec_str(mv, pos)
        (n,) = _L.unpack_from(mv, pos)
        pos += 4
        dt = _DTYPES.get(dtype) or _DTYPES.setdefault(dtype, np.dtype(dtype))
        nbytes = n * dt.itemsize
        arr = np.frombuffer(mv[pos:pos + nbytes], dtype=dt).copy()
        return arr, pos + nbytes
    (n,) = _L.unpack_from(mv, pos)
    pos += 4
    if tag == 0x4B:  # K
        dictionary, pos = _dec_array(mv, pos)
        codes = np.frombuffer(mv[pos:pos + 4 * n], dtype="<i4")
        return dictionary[codes], pos + 4 * n
    if tag == 0x4D:  # M
        texts, pos = _dec_array(mv, pos)
        out = np.empty(n, dtype=object)
        out[:] = [decimal.Decimal(t) if t else None for t in texts.tolist()]
        return out, pos
    arr = np.empty(n, dtype=object)
    if tag == 0x53:  # S
        offsets = np.frombuffer(mv[pos:pos + 4 * (n + 1)], dtype="<u4")
        pos += 4 * (n + 1)
        blob = bytes(mv[pos:pos + int(offsets[-1])]) if n else b""
        offs = offsets.tolist()
        arr[:] = [blob[offs[k]:offs[k + 1]].decode("utf-8", "surrogatepass") for k in range(n)] if n else []
        return arr, pos + (offs[-1] if n else 0)
    if tag == 0x6F:  # o
        for k in range(n):
            arr[k], pos = _dec(mv, pos)
        return arr, pos
    raise ValueError(f"tag {tag:#x} is not an array")
