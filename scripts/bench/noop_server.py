"""The floor of a Python asyncio server on this machine: a PostgreSQL-wire listener that does no
work, for bench_roundtrip.py to run pgbench against beside QuantaDB and PostgreSQL.

It accepts any start-up (no TLS, no authentication) and answers every Query, and every
Bind/Describe/Execute/Sync of a prepared statement, with the canned result of `SELECT 1`; one
asyncio.BufferedProtocol per connection, as QuantaDB's wire layer uses. Whatever QuantaDB
spends beyond this server's CPU per round trip is its own work; whatever this server spends is
the interpreter's and the kernel's, which no Python server gets under.

    python scripts/bench/noop_server.py PORT
"""

from __future__ import annotations

import asyncio
import struct
import sys

_I32 = struct.Struct("!i")
SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + _I32.pack(len(body) + 4) + body


ROW_DESCRIPTION = _message(b"T", b"\x00\x01?column?\x00" + struct.pack("!ihihih", 0, 0, 23, 4, -1, 0))
DATA_ROW = _message(b"D", b"\x00\x01" + _I32.pack(1) + b"1")
SELECT_1 = _message(b"C", b"SELECT 1\x00")
READY = _message(b"Z", b"I")
STARTED = (_message(b"R", _I32.pack(0)) + _message(b"S", b"server_version\x0015.8\x00")
           + _message(b"S", b"client_encoding\x00UTF8\x00") + _message(b"K", _I32.pack(1) + _I32.pack(2)) + READY)
ANSWERS = {ord("Q"): ROW_DESCRIPTION + DATA_ROW + SELECT_1 + READY, ord("P"): _message(b"1", b""),
           ord("B"): _message(b"2", b""), ord("D"): ROW_DESCRIPTION, ord("E"): DATA_ROW + SELECT_1,
           ord("S"): READY}


class NoopConnection(asyncio.BufferedProtocol):
    def __init__(self) -> None:
        self.buffer = bytearray(1 << 16)
        self.pending = b""
        self.started = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> bytearray:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        data = self.pending + self.buffer[:nbytes]
        out, pos = [], 0
        while True:
            if not self.started:
                if len(data) - pos < 8 or len(data) - pos < _I32.unpack_from(data, pos)[0]:
                    break
                length, code = _I32.unpack_from(data, pos)[0], _I32.unpack_from(data, pos + 4)[0]
                pos += length
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    out.append(b"N")
                else:
                    self.started = True
                    out.append(STARTED)
                continue
            if len(data) - pos < 5 or len(data) - pos < 1 + _I32.unpack_from(data, pos + 1)[0]:
                break
            kind = data[pos]
            pos += 1 + _I32.unpack_from(data, pos + 1)[0]
            if kind == ord("X"):
                self.transport.close()
                return
            out.append(ANSWERS.get(kind, b""))
        self.pending = bytes(data[pos:])
        if out:
            self.transport.write(b"".join(out))


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(NoopConnection, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
