"""Protocol fuzzing: thousands of random, truncated and mangled messages at the real server.

The server must stay up and a well-behaved client running alongside must see no error.
"""

import random
import socket
import struct
import threading

import psycopg
from rawclient import bind, describe, execute, msg, parse, query, startup_packet

FRONTEND_TYPES = b"QPBDECSHXdcfpF" + bytes(range(0x20, 0x7F, 7))
VALID = [query("SELECT 1"), parse("s", "SELECT 1"), bind("", "s"), describe("S", "s"), execute("", 1),
         msg(b"S"), msg(b"H"), msg(b"C", b"Ss\0"), query("SELECT 1; SELECT 2")]


def random_message(rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.3:  # a valid message, truncated or with a corrupted byte
        m = bytearray(rng.choice(VALID))
        if rng.random() < 0.5:
            return bytes(m[:rng.randrange(1, len(m))])
        m[rng.randrange(len(m))] = rng.randrange(256)
        return bytes(m)
    if choice < 0.8:  # a random type with a random body and a consistent length
        body = rng.randbytes(rng.randrange(0, 64))
        return bytes([rng.choice(FRONTEND_TYPES)]) + struct.pack("!i", len(body) + 4) + body
    if choice < 0.9:  # a lying length
        return bytes([rng.choice(FRONTEND_TYPES)]) + struct.pack("!i", rng.choice([-1, 0, 3, 1 << 30])) + b"xx"
    return rng.randbytes(rng.randrange(1, 32))


def fuzz_connection(host: str, port: int, rng: random.Random, messages: int) -> None:
    with socket.create_connection((host, port), timeout=5) as s:
        s.settimeout(0.2)
        if rng.random() < 0.15:  # garbage in the start-up phase
            s.sendall(rng.choice([startup_packet({"user": "postgres"})[:rng.randrange(1, 20)],
                                  rng.randbytes(rng.randrange(1, 40)),
                                  struct.pack("!ii", 8, 80877103) + rng.randbytes(8)]))
        else:
            s.sendall(startup_packet({"user": "postgres", "database": "postgres"}))
            for _ in range(messages):
                s.sendall(random_message(rng))
        try:
            while s.recv(65536):
                pass
        except (socket.timeout, ConnectionError):
            pass


def test_fuzz_server_stays_up(server):
    stop = threading.Event()
    failures: list[BaseException] = []
    rounds = [0]

    def well_behaved():
        try:
            with psycopg.connect(server.dsn, autocommit=True) as conn:
                while not stop.is_set():
                    assert conn.execute("SELECT 1").fetchone() == (1,)
                    rounds[0] += 1
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    log_start = len(server.log)
    good = threading.Thread(target=well_behaved)
    good.start()
    rng = random.Random(20240501)
    try:
        sent = 0
        while sent < 3000:
            n = rng.randrange(1, 40)
            try:
                fuzz_connection(server.host, server.port, rng, n)
            except (ConnectionError, socket.timeout):
                pass
            sent += n
    finally:
        stop.set()
        good.join(30)
    assert not failures, failures
    assert rounds[0] > 0
    with psycopg.connect(server.dsn) as conn:  # still accepting new sessions
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert server.proc.poll() is None
    log = "".join(server.log[log_start:])
    # Engine errors on random SQL are reported as XX000 and logged; the protocol layer itself
    # must never fail unexpectedly.
    assert "[wire] connection from" not in log and "start-up of a session" not in log, log[-5000:]
