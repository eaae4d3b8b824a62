"""Frontend (client -> server) messages of protocol 3.0: an incremental reader without I/O.

Wire format (all integers big-endian; a length counts itself but never the type byte):

  Start-up phase, no type byte:  int32 len, int32 code, body
    code 196608 (3.0 = major<<16 | minor)  StartupMessage: (name\\0 value\\0)* \\0
    code 80877103                          SSLRequest (len 8)
    code 80877104                          GSSENCRequest (len 8)
    code 80877102                          CancelRequest: int32 pid, int32 secret (len 16)
  Afterwards:  byte1 type, int32 len, body
    'Q' Query       sql\\0
    'P' Parse       name\\0 sql\\0 int16 n, int32 oid[n]
    'B' Bind        portal\\0 stmt\\0 int16 nfmt, int16 fmt[nfmt],
                    int16 nparam, (int32 len | -1, bytes[len])*, int16 nres, int16 resfmt[nres]
    'D' Describe    'S'|'P', name\\0
    'E' Execute     portal\\0 int32 max_rows (0 = all)
    'C' Close       'S'|'P', name\\0
    'S' Sync, 'H' Flush, 'X' Terminate, 'c' CopyDone: empty
    'd' CopyData    bytes;  'f' CopyFail  message\\0
    'p' PasswordMessage / SASLInitialResponse (mechanism\\0 int32 len, data) / SASLResponse (data)

`MessageReader` takes bytes as they arrive and hands out whole messages; it never looks past a
message's length, so a malformed message cannot swallow the next one. Body decoders raise
`ProtocolViolation`, which the connection turns into a FATAL error. Query and Parse texts are in
the client's encoding (client_encoding), names in UTF-8; bytes not valid there raise
`CharacterNotInRepertoire` (22021), an ERROR as in PostgreSQL, not the end of the connection.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from quantadb.errors import CharacterNotInRepertoire, ProtocolViolation

PROTOCOL_3_0 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102

_I32 = struct.Struct("!i")
_I16 = struct.Struct("!h")
_PAIR = struct.Struct("!ii")


@dataclass
class StartupPacket:
    """What arrived before the type-byte phase: a startup, SSL/GSS request or cancel."""

    code: int
    params: dict[str, str]
    cancel_pid: int = 0
    cancel_secret: int = 0


class Body:
    """A cursor over one message body; every read checks the bounds."""

    __slots__ = ("data", "pos", "encoding", "charset")

    def __init__(self, data: bytes, encoding: str = "utf-8", charset: str = "UTF8") -> None:
        self.data = data
        self.pos = 0
        self.encoding = encoding  # Python's codec for the client's encoding
        self.charset = charset  # its PostgreSQL name, for errors

    def cstr(self) -> str:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise ProtocolViolation("invalid string in message")
        raw = self.data[self.pos:end]
        self.pos = end + 1
        return client_text(raw, self.encoding, self.charset)

    def int16(self) -> int:
        if self.pos + 2 > len(self.data):
            raise ProtocolViolation("insufficient data left in message")
        (v,) = _I16.unpack_from(self.data, self.pos)
        self.pos += 2
        return v

    def int32(self) -> int:
        if self.pos + 4 > len(self.data):
            raise ProtocolViolation("insufficient data left in message")
        (v,) = _I32.unpack_from(self.data, self.pos)
        self.pos += 4
        return v

    def byte(self) -> str:
        if self.pos >= len(self.data):
            raise ProtocolViolation("insufficient data left in message")
        c = chr(self.data[self.pos])
        self.pos += 1
        return c

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolViolation("insufficient data left in message")
        v = self.data[self.pos:self.pos + n]
        self.pos += n
        return v

    def rest(self) -> bytes:
        v = self.data[self.pos:]
        self.pos = len(self.data)
        return v

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolViolation("invalid message format")


_COMPACT_BYTES = 1 << 16


class MessageReader:
    """Accumulates received bytes and splits them into messages.

    A packet that starts at a message boundary is kept as received (bytes, no copy: message
    bodies are slices of it); only a message split across packets is assembled in a bytearray."""

    def __init__(self, max_message_bytes: int) -> None:
        self.max_message_bytes = max_message_bytes
        self._buf: bytes | bytearray = b""
        self._pos = 0

    def feed(self, data: bytes) -> None:
        buf, pos = self._buf, self._pos
        if pos >= len(buf):  # the usual case: the previous packet held whole messages only
            self._buf, self._pos = data, 0
        elif isinstance(buf, bytes) or pos > _COMPACT_BYTES:  # keep only the partial message
            rest = bytearray(memoryview(buf)[pos:])
            rest += data
            self._buf, self._pos = rest, 0
        else:
            buf += data

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    def _check_length(self, length: int, minimum: int) -> None:
        if length < minimum:
            raise ProtocolViolation("invalid message length")
        if length > self.max_message_bytes:
            raise ProtocolViolation(
                "invalid message length",
                detail=f"Message of {length} bytes exceeds the limit of {self.max_message_bytes} bytes.")

    def next_startup(self) -> StartupPacket | None:
        """The next start-up phase packet, or None until it has fully arrived."""
        if self.buffered < 8:
            return None
        (length,) = _I32.unpack_from(self._buf, self._pos)
        if length < 8 or length > 10000:  # PostgreSQL's MAX_STARTUP_PACKET_LENGTH
            raise ProtocolViolation("invalid length of startup packet")
        if self.buffered < length:
            return None
        (code,) = _I32.unpack_from(self._buf, self._pos + 4)
        body = Body(bytes(self._buf[self._pos + 8:self._pos + length]))
        self._pos += length
        if code == CANCEL_REQUEST:
            return StartupPacket(code, {}, body.int32(), body.int32())
        if code in (SSL_REQUEST, GSSENC_REQUEST):
            body.end()
            return StartupPacket(code, {})
        params: dict[str, str] = {}
        if code >> 16 == 3:
            while True:
                name = body.cstr()
                if not name:
                    break
                params[name] = body.cstr()
            body.end()
        return StartupPacket(code, params)

    def take_copy_data(self) -> bytes:
        """The payloads of the complete CopyData messages at the front, joined (b"" when the
        next message is of another kind or incomplete): a COPY may come a line a message."""
        buf, pos, end = self._buf, self._pos, len(self._buf)
        parts = []
        while end - pos >= 5 and buf[pos] == 0x64:  # 'd'
            (length,) = _I32.unpack_from(buf, pos + 1)
            if length < 4 or length > self.max_message_bytes or end - pos < length + 1:
                break  # incomplete, or invalid: next_message() reports that
            parts.append(buf[pos + 5:pos + 1 + length])
            pos += 1 + length
        self._pos = pos
        return b"".join(parts)

    def next_message(self) -> tuple[str, bytes] | None:
        """The next (type, body) pair, or None until it has fully arrived."""
        buf, pos = self._buf, self._pos
        if len(buf) - pos < 5:
            return None
        (length,) = _I32.unpack_from(buf, pos + 1)
        if length < 4 or length > self.max_message_bytes:
            self._check_length(length, 4)
        end = pos + 1 + length
        if end > len(buf):
            return None
        self._pos = end
        body = buf[pos + 5:end]
        return _KINDS[buf[pos]], body if type(body) is bytes else bytes(body)

    def rest_of_round(self) -> tuple[bool, int] | None:
        """Just after a Bind to the unnamed portal: are [Describe of it,] Execute of all its rows and
        Sync next, whole in the buffer? (described, the position after the Sync), else None.
        Nothing is consumed (see consume)."""
        buf, end = self._buf, self._pos
        described = buf[end:end + 7] == _DESCRIBE_PORTAL
        if described:
            end += 7
        if buf[end:end + 15] != _EXECUTE_ALL_SYNC:
            return None
        return described, end + 15

    def consume(self, end: int) -> None:
        """Drop the messages before `end` (a position rest_of_round gave)."""
        self._pos = end


_DESCRIBE_PORTAL = b"D\x00\x00\x00\x06P\x00"
_EXECUTE_ALL_SYNC = b"E\x00\x00\x00\x09\x00\x00\x00\x00\x00" + b"S\x00\x00\x00\x04"  # Execute "" (all rows), Sync
_KINDS = tuple(map(chr, range(256)))  # message type byte -> its letter: indexing, not a chr() call


# --- body decoders -------------------------------------------------------------------------
#
# The hot ones (Query, Bind, Execute) take a direct path over the bytes; any irregularity
# sends the body to the checked decoder, whose errors carry PostgreSQL's messages.

_DECODE_SLIPS = (ValueError, IndexError, struct.error, UnicodeDecodeError)


def client_text(raw: bytes, encoding: str = "utf-8", charset: str = "UTF8") -> str:
    """A string the client sent, in its encoding; 22021 with PostgreSQL's message if it is not
    valid there (for UTF8 the bytes shown are those the lead byte announces, as PostgreSQL's)."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        start, lead = exc.start, raw[exc.start]
        width = exc.end - start
        if charset == "UTF8":
            width = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        shown = " ".join(f"0x{b:02x}" for b in raw[start:start + width])
        raise CharacterNotInRepertoire(f'invalid byte sequence for encoding "{charset}": {shown}') from None


def decode_query(data: bytes, encoding: str = "utf-8", charset: str = "UTF8") -> str:
    # `in` and indexing, not bytes.find: a bytes method's argument parsing costs more than its scan
    if data and data[-1] == 0:
        text = data[:-1]
        if 0 not in text:
            return client_text(text, encoding, charset)
    b = Body(data, encoding, charset)
    sql = b.cstr()
    b.end()
    return sql


def decode_parse(data: bytes, encoding: str = "utf-8", charset: str = "UTF8") -> tuple[str, str, list[int]]:
    b = Body(data, encoding, charset)
    name, sql = b.cstr(), b.cstr()
    n = b.int16()
    if n < 0:
        raise ProtocolViolation("invalid message format")
    oids = [b.int32() & 0xFFFFFFFF for _ in range(n)]
    b.end()
    return name, sql, oids


def _formats(b: Body) -> list[int]:
    n = b.int16()
    if n < 0:
        raise ProtocolViolation("invalid message format")
    fmts = [b.int16() for _ in range(n)]
    for f in fmts:
        if f not in (0, 1):
            raise ProtocolViolation(f"unsupported format code: {f}")
    return fmts


Bind = tuple  # (portal, statement, param_formats, params, result_formats): Session.bind's arguments


def decode_bind(data: bytes) -> Bind:
    try:
        return _decode_bind_direct(data)
    except _DECODE_SLIPS:
        pass
    b = Body(data)
    portal, stmt = b.cstr(), b.cstr()
    param_formats = _formats(b)
    n = b.int16()
    if n < 0:
        raise ProtocolViolation("invalid message format")
    params: list[bytes | None] = []
    for _ in range(n):
        length = b.int32()
        params.append(None if length == -1 else b.take(length))
    result_formats = _formats(b)
    b.end()
    return portal, stmt, param_formats, params, result_formats


def _shorts(data: bytes, pos: int, n: int) -> list[int]:
    """n int16 format codes at pos; ValueError if invalid."""
    if n == 1:  # one code for every column, as libpq sends: no format string to build and parse
        (code,) = _I16.unpack_from(data, pos)
        codes = [code]
    else:
        codes = list(struct.unpack_from(f"!{n}h", data, pos))  # a negative n fails here
    for c in codes:
        if c != 0 and c != 1:
            raise ValueError(c)
    return codes


def _decode_bind_direct(data: bytes) -> Bind:
    """Bind when the body is well formed; raises one of _DECODE_SLIPS on anything else."""
    e1 = 0 if data[0] == 0 else data.index(0)  # the unnamed portal, most often
    e2 = data.index(0, e1 + 1)
    portal = data[:e1].decode() if e1 else ""
    stmt = data[e1 + 1:e2].decode()
    (n,) = _I16.unpack_from(data, e2 + 1)
    pos = e2 + 3
    if n:
        param_formats = _shorts(data, pos, n)
        pos += 2 * n
    else:
        param_formats = []
    (n,) = _I16.unpack_from(data, pos)
    pos += 2
    params: list[bytes | None] = []
    size = len(data)
    for _ in range(n):  # nothing for a negative n: the length check below fails
        (length,) = _I32.unpack_from(data, pos)
        pos += 4
        if length == -1:
            params.append(None)
            continue
        end = pos + length
        if length < 0 or end > size:
            raise ValueError(length)
        params.append(data[pos:end])
        pos = end
    if n < 0:
        raise ValueError(n)
    (n,) = _I16.unpack_from(data, pos)
    pos += 2
    if n:
        result_formats = _shorts(data, pos, n)
        pos += 2 * n
    else:
        result_formats = []
    if pos != size:
        raise ValueError(pos)
    return portal, stmt, param_formats, params, result_formats


def decode_target(data: bytes) -> tuple[str, str]:
    """Describe and Close: ('S' | 'P', name)."""
    if data[:1] in (b"S", b"P") and data[-1] == 0:
        name = data[1:-1]
        if 0 not in name:
            try:
                return chr(data[0]), name.decode()
            except UnicodeDecodeError:
                pass
    b = Body(data)
    kind = b.byte()
    if kind not in ("S", "P"):
        raise ProtocolViolation(f"invalid DESCRIBE/CLOSE message subtype {ord(kind)}")
    name = b.cstr()
    b.end()
    return kind, name


def decode_execute(data: bytes) -> tuple[str, int]:
    end = len(data) - 5
    if end >= 0 and data[end] == 0 and 0 not in data[:end]:
        try:
            portal = data[:end].decode() if end else ""
            (max_rows,) = _I32.unpack_from(data, end + 1)
            return portal, max_rows if max_rows > 0 else 0
        except UnicodeDecodeError:
            pass
    b = Body(data)
    portal = b.cstr()
    max_rows = b.int32()
    b.end()
    return portal, max(max_rows, 0)


def decode_sasl_initial(data: bytes) -> tuple[str, bytes]:
    b = Body(data)
    mechanism = b.cstr()
    length = b.int32()
    payload = b"" if length == -1 else b.take(length)
    b.end()
    return mechanism, payload


def decode_password(data: bytes) -> str:
    return decode_query(data)


def decode_copy_fail(data: bytes) -> str:
    return decode_query(data)
