"""A minimal protocol-3 client over a raw socket, for tests that need exact messages."""

from __future__ import annotations

import socket
import struct

PROTOCOL_3_0 = 196608


def startup_packet(params: dict[str, str], code: int = PROTOCOL_3_0) -> bytes:
    pairs = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in params.items())
    body = struct.pack("!i", code) + pairs + b"\0"
    return struct.pack("!i", len(body) + 4) + body


def msg(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def query(sql: str) -> bytes:
    return msg(b"Q", sql.encode() + b"\0")


def parse(name: str, sql: str, oids: list[int] = ()) -> bytes:
    return msg(b"P", name.encode() + b"\0" + sql.encode() + b"\0" + struct.pack("!h", len(oids))
               + b"".join(struct.pack("!i", o) for o in oids))


def bind(portal: str, stmt: str, result_formats: list[int] = ()) -> bytes:
    return msg(b"B", portal.encode() + b"\0" + stmt.encode() + b"\0" + struct.pack("!hh", 0, 0)
               + struct.pack("!h", len(result_formats)) + b"".join(struct.pack("!h", f) for f in result_formats))


def describe(kind: str, name: str) -> bytes:
    return msg(b"D", kind.encode() + name.encode() + b"\0")


def execute(portal: str, max_rows: int = 0) -> bytes:
    return msg(b"E", portal.encode() + b"\0" + struct.pack("!i", max_rows))


SYNC = msg(b"S")
FLUSH = msg(b"H")
TERMINATE = msg(b"X")


class RawClient:
    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _need(self, n: int) -> bool:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def read_byte(self) -> bytes:
        assert self._need(1), "connection closed"
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def read(self) -> tuple[str, bytes] | None:
        """The next backend message, or None at EOF."""
        if not self._need(5):
            return None
        (length,) = struct.unpack("!i", self.buf[1:5])
        if not self._need(1 + length):
            return None
        kind, body = chr(self.buf[0]), self.buf[5:1 + length]
        self.buf = self.buf[1 + length:]
        return kind, body

    def read_until(self, kind: str = "Z") -> list[tuple[str, bytes]]:
        out = []
        while True:
            m = self.read()
            assert m is not None, f"connection closed after {out}"
            out.append(m)
            if m[0] == kind:
                return out

    def connect(self, user: str = "alice", database: str = "db", **params: str) -> list[tuple[str, bytes]]:
        self.send(startup_packet({"user": user, "database": database, **params}))
        return self.read_until("Z")

    def close(self) -> None:
        self.sock.close()


def error_fields(body: bytes) -> dict[str, str]:
    return {f[:1].decode(): f[1:].decode() for f in body.split(b"\0") if f}


def kinds(messages: list[tuple[str, bytes]]) -> str:
    return "".join(k for k, _ in messages)
