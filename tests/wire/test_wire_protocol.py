"""The protocol state machine over real sockets, against the scripted FakeDatabase."""

import socket
import struct
import threading
import time

import pytest
from fakeserver import fake  # noqa: F401  (fixture)
from rawclient import (FLUSH, SYNC, TERMINATE, RawClient, bind, describe, error_fields, execute, kinds, msg,
                       parse, query, startup_packet)

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
GSSENC_REQUEST = struct.pack("!ii", 8, 80877104)


@pytest.fixture
def client(fake):
    c = RawClient(fake.host, fake.port)
    c.connect()
    yield c
    c.close()


def status_params(messages):
    return dict(tuple(b.rstrip(b"\0").decode().split("\0")) for k, b in messages if k == "S")


def test_startup_sequence_and_parameters(fake):
    c = RawClient(fake.host, fake.port)
    got = c.connect(application_name="myapp", client_encoding="'utf-8'", some_unknown_guc="x")
    assert kinds(got)[0] == "R" and got[0][1] == b"\0\0\0\0"
    assert kinds(got).endswith("KZ") and got[-1][1] == b"I"
    params = status_params(got)
    assert params["client_encoding"] == "UTF8" and params["application_name"] == "myapp"
    assert params["server_version"].startswith("15.")


@pytest.mark.parametrize("first,second", [(SSL_REQUEST, GSSENC_REQUEST), (GSSENC_REQUEST, SSL_REQUEST)])
def test_ssl_and_gss_refused_in_either_order(fake, first, second):
    c = RawClient(fake.host, fake.port)
    c.send(first)
    assert c.read_byte() == b"N"
    c.send(second)
    assert c.read_byte() == b"N"
    assert kinds(c.connect(client_encoding="SQL_ASCII"))[-1] == "Z"


def test_negotiate_protocol_version(fake):
    c = RawClient(fake.host, fake.port)
    c.send(startup_packet({"user": "alice", "_pq_.test_protocol_negotiation": "1"}, code=(3 << 16) | 9999))
    got = c.read_until("Z")
    assert got[0][0] == "v"
    minor, n = struct.unpack("!ii", got[0][1][:8])
    assert (minor, n) == (0, 1) and b"_pq_.test_protocol_negotiation" in got[0][1]


def test_unknown_database_is_fatal_3d000(fake):
    c = RawClient(fake.host, fake.port)
    c.send(startup_packet({"user": "alice", "database": "nope"}))
    got = []
    while (m := c.read()) is not None:
        got.append(m)
    assert "Z" not in kinds(got)
    fields = error_fields(got[-1][1])
    assert (fields["S"], fields["C"]) == ("FATAL", "3D000")


def test_unsupported_protocol_version(fake):
    c = RawClient(fake.host, fake.port)
    c.send(startup_packet({"user": "alice"}, code=2 << 16))
    m = c.read()
    assert m[0] == "E" and error_fields(m[1])["C"] == "0A000"
    assert c.read() is None


def test_simple_query_multi_statement(client):
    client.send(query("SELECT 1; ROWS 3"))
    assert kinds(client.read_until()) == "TDCTDDDCZ"


def test_simple_query_stops_at_first_error(client):
    client.send(query("SELECT 1; ERROR; SELECT 1"))
    got = client.read_until()
    assert kinds(got) == "TDCEZ"
    fields = error_fields(got[3][1])
    assert (fields["S"], fields["C"], fields["P"]) == ("ERROR", "42P01", "15")


@pytest.mark.parametrize("sql", ["", ";", "  ;; "])
def test_empty_query(client, sql):
    client.send(query(sql))
    assert kinds(client.read_until()) == "IZ"


def test_notice_and_parameter_status_before_the_result(client):
    client.send(query("NOTICE; SET myapp"))
    got = client.read_until()
    assert kinds(got) == "NCSCZ"
    assert error_fields(got[0][1])["M"] == "hello from the engine"


def test_transaction_status(client):
    statuses = []
    for sql in ["BEGIN", "ERROR", "SELECT 1", "ROLLBACK"]:
        client.send(query(sql))
        statuses.append(client.read_until()[-1][1])
    assert statuses == [b"T", b"E", b"E", b"I"]


def test_parse_describe_flush_without_sync(client):
    client.send(parse("s1", "SELECT 1") + describe("S", "s1") + FLUSH)
    assert [client.read()[0] for _ in range(3)] == ["1", "t", "T"]
    client.send(bind("", "s1", [1]) + execute("") + SYNC)
    got = client.read_until()
    assert kinds(got) == "2DCZ"
    assert got[1][1] == b"\0\x01\0\0\0\x04\0\0\0\x01"  # binary int4 1


def test_describe_portal_reports_bind_formats(client):
    client.send(parse("", "ROWS 1") + bind("", "", [1]) + describe("P", "") + execute("") + SYNC)
    got = client.read_until()
    assert kinds(got) == "12TDCZ"
    assert got[2][1].endswith(b"\0\x01")  # format code 1


def test_error_skips_to_sync_and_discards_queries(client):
    client.send(bind("", "missing") + execute("") + query("SELECT 1") + describe("S", "x") + SYNC)
    got = client.read_until()
    assert kinds(got) == "EZ"
    assert error_fields(got[0][1])["C"] == "26000"
    client.send(query("SELECT 1"))
    assert kinds(client.read_until()) == "TDCZ"


def test_duplicate_statement_name(client):
    client.send(parse("dup", "SELECT 1") + parse("dup", "SELECT 1") + SYNC)
    got = client.read_until()
    assert kinds(got) == "1EZ" and error_fields(got[1][1])["C"] == "42P05"


def test_portal_suspended_and_resumed(client):
    client.send(parse("", "ROWS 5") + bind("p", "") + execute("p", 2) + execute("p", 2) + execute("p", 2) + SYNC)
    assert kinds(client.read_until()) == "12DDsDDsDCZ"


def test_close_and_noop_close(client):
    client.send(parse("c1", "SELECT 1") + msg(b"C", b"Sc1\0") + msg(b"C", b"Sc1\0") + msg(b"C", b"Pnone\0") + SYNC)
    assert kinds(client.read_until()) == "1333Z"


def test_empty_query_in_extended_protocol(client):
    client.send(parse("", "") + bind("", "") + execute("") + SYNC)
    assert kinds(client.read_until()) == "12IZ"


def test_copy_in(client):
    client.send(query("COPY IN"))
    m = client.read()
    assert m == ("G", b"\0\0\x01\0\0")
    client.send(msg(b"d", b"a\nb\n") + FLUSH + SYNC + msg(b"d", b"c\n\\.\n") + msg(b"c"))
    got = client.read_until()
    assert kinds(got) == "CZ" and got[0][1] == b"COPY 3\0"


def test_copy_fail_and_bad_row(client):
    client.send(query("COPY IN"))
    client.read()
    client.send(msg(b"d", b"a\n") + msg(b"f", b"user gave up\0"))
    got = client.read_until()
    assert kinds(got) == "EZ" and "user gave up" in error_fields(got[0][1])["M"]
    client.send(query("COPY IN"))
    client.read()
    client.send(msg(b"d", b"bad\n") + msg(b"d", b"more\n") + msg(b"c"))
    got = client.read_until()
    assert kinds(got) == "EZ" and error_fields(got[0][1])["C"] == "22P04"
    client.send(query("SELECT 1"))  # the trailing CopyData/CopyDone were dropped
    assert kinds(client.read_until()) == "TDCZ"


def test_copy_out(client):
    client.send(query("COPY OUT 2"))
    got = client.read_until()
    assert kinds(got) == "HddcCZ" and got[1][1] == b"0\n" and got[4][1] == b"COPY 2\0"


def backend_key(messages):
    return struct.unpack("!ii", [b for k, b in messages if k == "K"][0])


@pytest.mark.parametrize("via_ssl_request", [False, True])
def test_cancel_request(fake, via_ssl_request):
    c = RawClient(fake.host, fake.port)
    pid, secret = backend_key(c.connect())
    c.send(query("SLEEP 30"))
    time.sleep(0.2)
    k = RawClient(fake.host, fake.port)
    if via_ssl_request:
        k.send(SSL_REQUEST)
        assert k.read_byte() == b"N"
    k.send(struct.pack("!iiii", 16, 80877102, pid, secret))
    assert k.read() is None  # no reply, closed
    got = c.read_until()
    assert kinds(got) == "EZ" and error_fields(got[0][1])["C"] == "57014"


def test_cancel_with_wrong_secret_is_ignored(fake):
    c = RawClient(fake.host, fake.port)
    pid, secret = backend_key(c.connect())
    k = RawClient(fake.host, fake.port)
    k.send(struct.pack("!iiii", 16, 80877102, pid, secret ^ 1))
    assert k.read() is None
    c.send(query("SELECT 1"))
    assert kinds(c.read_until()) == "TDCZ"


def test_oversized_message_is_fatal_and_others_continue(fake, client):
    victim = RawClient(fake.host, fake.port)
    victim.connect()
    victim.send(b"Q" + struct.pack("!i", 2 << 20) + b"x" * 100)
    m = victim.read()
    fields = error_fields(m[1])
    assert (m[0], fields["S"], fields["C"]) == ("E", "FATAL", "08P01")
    assert victim.read() is None
    client.send(query("SELECT 1"))
    assert kinds(client.read_until()) == "TDCZ"


@pytest.mark.parametrize("bad", [msg(b"Y", b""), msg(b"B", b"garbage"), msg(b"P", b"\0\0\xff\xff"),
                                 msg(b"S", b"extra")])
def test_malformed_messages_are_fatal(fake, bad):
    c = RawClient(fake.host, fake.port)
    c.connect()
    c.send(bad)
    m = c.read()
    assert m[0] == "E" and error_fields(m[1])["C"] == "08P01" and error_fields(m[1])["S"] == "FATAL"
    assert c.read() is None


def test_terminate_closes_the_session(fake):
    c = RawClient(fake.host, fake.port)
    c.connect()
    c.send(TERMINATE)
    assert c.read() is None


def test_truncated_startup_then_eof_leaves_server_up(fake):
    s = socket.create_connection((fake.host, fake.port))
    s.sendall(startup_packet({"user": "alice"})[:9])
    s.close()
    c = RawClient(fake.host, fake.port)
    assert kinds(c.connect())[-1] == "Z"


def test_pipelined_requests_answered_in_order(client):
    batch = b"".join(parse("", "ROWS 1") + bind("", "") + execute("") for _ in range(50)) + SYNC
    client.send(batch)
    assert kinds(client.read_until()) == "12DC" * 50 + "Z"


def test_concurrent_sessions(fake):
    errors = []

    def worker():
        try:
            c = RawClient(fake.host, fake.port)
            c.connect()
            for _ in range(20):
                c.send(query("ROWS 2"))
                assert kinds(c.read_until()) == "TDDCZ"
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
