"""Backend (server -> client) messages of protocol 3.0, built as bytes.

Every message is  byte1 type, int32 len (counts itself, not the type byte), body:

  'R' Authentication   int32 code: 0 Ok, 3 CleartextPassword, 5 MD5Password + 4-byte salt,
                       10 SASL + mechanism\\0* \\0, 11 SASLContinue + data, 12 SASLFinal + data
  'v' NegotiateProtocolVersion  int32 newest minor, int32 n, option\\0 * n
  'S' ParameterStatus  name\\0 value\\0          'K' BackendKeyData  int32 pid, int32 secret
  'A' NotificationResponse  int32 sender pid, channel\\0 payload\\0
  'Z' ReadyForQuery    byte 'I' | 'T' | 'E'
  'T' RowDescription   int16 n, (name\\0 int32 table_oid int16 attnum int32 type_oid
                       int16 typlen int32 typmod int16 format) * n
  'D' DataRow          int16 n, (int32 len | -1, bytes) * n     (see encode.py)
  'C' CommandComplete  tag\\0                    'I' EmptyQueryResponse  (empty)
  'E' ErrorResponse / 'N' NoticeResponse   (byte code, value\\0)*, \\0
  '1' ParseComplete, '2' BindComplete, '3' CloseComplete, 'n' NoData, 's' PortalSuspended
  't' ParameterDescription  int16 n, int32 oid * n
  'G' CopyInResponse / 'H' CopyOutResponse  int8 format, int16 n, int16 format * n
  'd' CopyData  bytes;  'c' CopyDone
SSLRequest/GSSENCRequest are answered with one bare byte, 'S' or 'N', outside this framing.
"""

from __future__ import annotations

import struct

from quantadb.errors import Notice, SqlError

_HDR = struct.Struct("!ci")
_I32 = struct.Struct("!i")
_I16 = struct.Struct("!h")
_FIELD = struct.Struct("!ihihih")


def message(kind: bytes, body: bytes = b"") -> bytes:
    return _HDR.pack(kind, len(body) + 4) + body


def _cstr(s: str) -> bytes:
    return s.encode("utf-8") + b"\0"


AUTHENTICATION_OK = message(b"R", _I32.pack(0))
AUTHENTICATION_CLEARTEXT = message(b"R", _I32.pack(3))
PARSE_COMPLETE = message(b"1")
BIND_COMPLETE = message(b"2")
CLOSE_COMPLETE = message(b"3")
NO_DATA = message(b"n")
PORTAL_SUSPENDED = message(b"s")
EMPTY_QUERY_RESPONSE = message(b"I")
COPY_DONE = message(b"c")
READY = {s: message(b"Z", s.encode()) for s in ("I", "T", "E")}


def authentication_md5(salt: bytes) -> bytes:
    return message(b"R", _I32.pack(5) + salt)


def authentication_sasl(mechanisms: list[str]) -> bytes:
    return message(b"R", _I32.pack(10) + b"".join(_cstr(m) for m in mechanisms) + b"\0")


def authentication_sasl_continue(data: bytes) -> bytes:
    return message(b"R", _I32.pack(11) + data)


def authentication_sasl_final(data: bytes) -> bytes:
    return message(b"R", _I32.pack(12) + data)


def negotiate_protocol_version(newest_minor: int, unsupported: list[str]) -> bytes:
    body = _I32.pack(newest_minor) + _I32.pack(len(unsupported)) + b"".join(_cstr(o) for o in unsupported)
    return message(b"v", body)


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", _cstr(name) + _cstr(value))


def notification_response(pid: int, channel: str, payload: str) -> bytes:
    return message(b"A", _I32.pack(pid) + _cstr(channel) + _cstr(payload))


def backend_key_data(pid: int, secret: int) -> bytes:
    return message(b"K", struct.pack("!II", pid & 0xFFFFFFFF, secret & 0xFFFFFFFF))


def ready_for_query(status: str) -> bytes:
    return READY[status]


_COMPLETE: dict[str, bytes] = {}  # CommandComplete by tag: a few tags ("SELECT 1", "UPDATE 1") recur


def command_complete(tag: str) -> bytes:
    msg = _COMPLETE.get(tag)
    if msg is None:
        msg = message(b"C", _cstr(tag))
        if len(_COMPLETE) < 4096:
            _COMPLETE[tag] = msg
    return msg


def parameter_description(oids: list[int]) -> bytes:
    return message(b"t", _I16.pack(len(oids)) + b"".join(struct.pack("!I", o & 0xFFFFFFFF) for o in oids))


def row_description(fields: list[tuple[str, int, int, int, int, int, int]]) -> bytes:
    """fields: (name, table_oid, attnum, type_oid, typlen, typmod, format)."""
    parts = [_I16.pack(len(fields))]
    for name, table_oid, attnum, type_oid, typlen, typmod, fmt in fields:
        parts.append(_cstr(name))
        parts.append(struct.pack("!IhIhih", table_oid & 0xFFFFFFFF, attnum, type_oid & 0xFFFFFFFF,
                                 typlen, typmod, fmt))
    return message(b"T", b"".join(parts))


def copy_in_response(binary: bool, column_count: int) -> bytes:
    return _copy_response(b"G", binary, column_count)


def copy_out_response(binary: bool, column_count: int) -> bytes:
    return _copy_response(b"H", binary, column_count)


def _copy_response(kind: bytes, binary: bool, column_count: int) -> bytes:
    fmt = 1 if binary else 0
    return message(kind, bytes([fmt]) + _I16.pack(column_count) + _I16.pack(fmt) * column_count)


def copy_data(data: bytes) -> bytes:
    return message(b"d", data)


def _fields(pairs: list[tuple[bytes, str | None]]) -> bytes:
    return b"".join(code + _cstr(v) for code, v in pairs if v is not None) + b"\0"


def error_response(exc: SqlError, severity: str | None = None) -> bytes:
    """ErrorResponse for `exc`; `severity` overrides it (FATAL for errors that end a session)."""
    sev = severity or exc.severity
    return message(b"E", _fields([
        (b"S", sev), (b"V", sev), (b"C", exc.sqlstate), (b"M", exc.message),
        (b"D", exc.detail), (b"H", exc.hint),
        (b"P", str(exc.position) if exc.position is not None else None),
        (b"p", str(exc.internal_position) if getattr(exc, "internal_position", None) is not None else None),
        (b"q", getattr(exc, "internal_query", None)),
        (b"W", getattr(exc, "where", None)),
        (b"s", exc.schema), (b"t", exc.table), (b"c", exc.column), (b"n", exc.constraint),
    ]))


def notice_response(notice: Notice) -> bytes:
    return message(b"N", _fields([
        (b"S", notice.severity), (b"V", notice.severity), (b"C", notice.sqlstate),
        (b"M", notice.message), (b"D", notice.detail), (b"H", notice.hint), (b"W", notice.where),
    ]))
