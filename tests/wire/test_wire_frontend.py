"""Frontend message parsing: bytes in, messages out."""

import struct

import pytest

from quantadb.errors import CharacterNotInRepertoire, ProtocolViolation
from quantadb.wire import frontend as fe


def startup(params: dict[str, str], code: int = fe.PROTOCOL_3_0) -> bytes:
    pairs = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in params.items())
    body = struct.pack("!i", code) + pairs + b"\0"
    return struct.pack("!i", len(body) + 4) + body


def msg(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def test_startup_message_params():
    r = fe.MessageReader(1 << 20)
    r.feed(startup({"user": "bob", "database": "db", "client_encoding": "'utf-8'"}))
    p = r.next_startup()
    assert p.code == fe.PROTOCOL_3_0
    assert p.params == {"user": "bob", "database": "db", "client_encoding": "'utf-8'"}
    assert r.next_startup() is None


def test_ssl_then_startup_in_one_segment_and_cancel():
    r = fe.MessageReader(1 << 20)
    r.feed(struct.pack("!ii", 8, fe.SSL_REQUEST) + struct.pack("!ii", 8, fe.GSSENC_REQUEST))
    assert r.next_startup().code == fe.SSL_REQUEST
    assert r.next_startup().code == fe.GSSENC_REQUEST
    r.feed(struct.pack("!iiii", 16, fe.CANCEL_REQUEST, 12345, -7))
    p = r.next_startup()
    assert (p.code, p.cancel_pid, p.cancel_secret) == (fe.CANCEL_REQUEST, 12345, -7)


def test_message_split_over_many_feeds_and_coalesced():
    data = msg(b"Q", b"SELECT 1\0") + msg(b"S", b"") + msg(b"H", b"")
    r = fe.MessageReader(1 << 20)
    got = []
    for i in range(len(data)):  # one byte at a time
        r.feed(data[i:i + 1])
        while (m := r.next_message()) is not None:
            got.append(m)
    assert got == [("Q", b"SELECT 1\0"), ("S", b""), ("H", b"")]


def test_copy_data_is_taken_in_runs_and_the_buffer_stays_small():
    """A COPY may arrive a line per CopyData message, in reads that end inside a message."""
    lines = [b"%d\tx\n" % i for i in range(50000)]
    data = b"".join(msg(b"d", line) for line in lines) + msg(b"c", b"")
    r = fe.MessageReader(1 << 20)
    got, most = [], 0
    for i in range(0, len(data), 65536):
        r.feed(data[i:i + 65536])
        most = max(most, len(r._buf))
        got.append(r.take_copy_data())
    assert b"".join(got) == b"".join(lines)
    assert r.next_message() == ("c", b"")
    assert most < 3 * 65536
    r.feed(msg(b"d", b"x") + b"d" + struct.pack("!i", 1 << 21))  # then a CopyData over the limit
    assert r.take_copy_data() == b"x" and r.take_copy_data() == b""
    with pytest.raises(ProtocolViolation, match="invalid message length"):
        r.next_message()


def test_oversized_message_is_a_protocol_violation():
    r = fe.MessageReader(1024)
    r.feed(b"Q" + struct.pack("!i", 5000))
    with pytest.raises(ProtocolViolation, match="invalid message length"):
        r.next_message()


BIND = msg(b"B", b"\0s\0\0\0\0\x01\0\0\0\x017\0\0")  # unnamed portal, statement "s", one parameter "7"
DESCRIBE = msg(b"D", b"P\0")
EXECUTE = msg(b"E", b"\0" + struct.pack("!i", 0))
SYNC = msg(b"S", b"")


@pytest.mark.parametrize("described", [False, True])
def test_the_rest_of_a_round_after_its_bind_is_found_and_then_consumed(described):
    r = fe.MessageReader(1 << 20)
    data = BIND + (DESCRIBE if described else b"") + EXECUTE + SYNC
    r.feed(data + msg(b"Q", b"SELECT 1\0"))
    assert r.next_message() == ("B", BIND[5:])
    assert r.rest_of_round() == (described, len(data))
    assert r.next_message()[0] == ("D" if described else "E")  # finding consumed nothing
    r = fe.MessageReader(1 << 20)
    r.feed(data)
    r.next_message()
    r.consume(r.rest_of_round()[1])
    assert r.buffered == 0


@pytest.mark.parametrize("rest", [
    EXECUTE,  # no Sync yet
    (EXECUTE + SYNC)[:-1],  # the Sync not whole
    msg(b"E", b"\0" + struct.pack("!i", 10)) + SYNC,  # at most 10 rows
    msg(b"D", b"S\0") + EXECUTE + SYNC,  # Describe of a statement
    EXECUTE + msg(b"H", b""),  # Flush, not Sync
    msg(b"E", b"p\0" + struct.pack("!i", 0)) + SYNC,  # Execute of another portal
])
def test_anything_but_the_rest_of_a_round_is_not_found(rest):
    r = fe.MessageReader(1 << 20)
    r.feed(BIND + rest)
    r.next_message()
    assert r.rest_of_round() is None


def test_bad_lengths():
    r = fe.MessageReader(1024)
    r.feed(b"Q" + struct.pack("!i", 2))
    with pytest.raises(ProtocolViolation):
        r.next_message()
    r = fe.MessageReader(1024)
    r.feed(struct.pack("!ii", 4, 0))
    with pytest.raises(ProtocolViolation, match="startup packet"):
        r.next_startup()


def test_decode_parse_bind_execute_describe():
    assert fe.decode_parse(b"s1\0SELECT $1\0" + struct.pack("!hi", 1, 23)) == ("s1", "SELECT $1", [23])
    body = (b"p\0s1\0" + struct.pack("!hh", 1, 1) + struct.pack("!h", 2) + struct.pack("!i", 4) + b"\0\0\0\x05"
            + struct.pack("!i", -1) + struct.pack("!hh", 1, 1))
    assert fe.decode_bind(body) == ("p", "s1", [1], [b"\0\0\0\x05", None], [1])
    assert fe.decode_execute(b"\0" + struct.pack("!i", 10)) == ("", 10)
    assert fe.decode_target(b"Sname\0") == ("S", "name")
    assert fe.decode_sasl_initial(b"SCRAM-SHA-256\0" + struct.pack("!i", 3) + b"abc") == ("SCRAM-SHA-256", b"abc")


@pytest.mark.parametrize("body", [
    b"no terminator",
    b"s1\0SELECT 1\0" + struct.pack("!h", 3),  # 3 oids announced, none sent
    b"s1\0SELECT 1\0" + struct.pack("!hi", 0, 9),  # trailing garbage
])
def test_malformed_parse(body):
    with pytest.raises(ProtocolViolation):
        fe.decode_parse(body)


def test_malformed_bind_and_describe():
    with pytest.raises(ProtocolViolation):
        fe.decode_bind(b"\0\0" + struct.pack("!hh", 1, 7))  # format code 7
    with pytest.raises(ProtocolViolation):
        fe.decode_bind(b"\0\0" + struct.pack("!hh", 0, 1) + struct.pack("!i", 100) + b"x")
    with pytest.raises(ProtocolViolation):
        fe.decode_target(b"Xname\0")


def test_text_in_the_client_encoding():
    assert fe.decode_query("SELECT 'é'\0".encode("latin-1"), "latin-1", "LATIN1") == "SELECT 'é'"
    assert fe.decode_parse("s\0SELECT 'é'\0".encode("latin-1") + struct.pack("!h", 0), "latin-1",
                           "LATIN1") == ("s", "SELECT 'é'", [])
    with pytest.raises(CharacterNotInRepertoire, match=r'encoding "UTF8": 0xe9 0x27$'):
        fe.decode_query(b"SELECT '\xe9'\0")  # a 3-byte lead with 1 byte left: PostgreSQL shows both
    with pytest.raises(CharacterNotInRepertoire, match=r'encoding "UTF8": 0xff$'):
        fe.decode_parse(b"s\0\xff\0" + struct.pack("!h", 0))


def _bind(counts_and_items: bytes) -> bytes:
    return b"\0s1\0" + counts_and_items


@pytest.mark.parametrize("body, expected", [
    (_bind(struct.pack("!hhi", 0, 1, 3) + b"123" + struct.pack("!h", 0)), ("", "s1", [], [b"123"], [])),
    (_bind(struct.pack("!hhhh", 2, 0, 1, 0) + struct.pack("!hhh", 2, 1, 0)), ("", "s1", [0, 1], [], [1, 0])),
    (_bind(struct.pack("!hhh", 0, 0, 0) + b"x"), None),  # trailing garbage
    (_bind(struct.pack("!hhh", -1, 0, 0)), None),  # negative counts
    (_bind(struct.pack("!hhh", 0, -1, 0)), None),
    (_bind(struct.pack("!hhh", 0, 0, -1)), None),
    (_bind(struct.pack("!hhi", 0, 1, -2) + struct.pack("!h", 0)), None),  # a length below -1
])
def test_bind_counts(body, expected):
    if expected is None:
        with pytest.raises(ProtocolViolation):
            fe.decode_bind(body)
    else:
        assert fe.decode_bind(body) == expected
