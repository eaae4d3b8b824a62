"""Input handled as it arrives (connection.py): many messages in one packet, one message over
many packets, waits (worker thread, commit, a client that does not read) that keep the order."""

import socket
import struct
import threading
import time

from fakeserver import fake, start_fake  # noqa: F401  (fixture)
from rawclient import FLUSH, SYNC, TERMINATE, RawClient, bind, describe, error_fields, execute, kinds, parse, query


def connected(fake) -> RawClient:
    c = RawClient(fake.host, fake.port)
    c.connect()
    return c


def test_many_queries_in_one_packet(fake):
    c = connected(fake)
    c.send(b"".join(query("SELECT 1") for _ in range(300)))
    for _ in range(300):
        assert kinds(c.read_until()) == "TDCZ"


def test_many_extended_transactions_in_one_packet(fake):
    c = connected(fake)
    c.send(parse("s", "ROWS 1") + SYNC + b"".join(bind("", "s") + execute("") + SYNC for _ in range(300)))
    assert kinds(c.read_until()) == "1Z"
    for _ in range(300):
        assert kinds(c.read_until()) == "2DCZ"


def test_a_whole_round_answers_as_its_messages_one_by_one(fake):
    """Bind, Describe, Execute and Sync whole in the buffer go to the session's point_round at
    once; with a Flush between them, to their handlers one by one: the client reads the same."""
    c = connected(fake)
    c.send(parse("s", "SELECT 1") + SYNC)
    assert kinds(c.read_until()) == "1Z"
    for formats in ([], [1]):
        c.send(bind("", "s", formats) + describe("P", "") + execute("") + SYNC)
        at_once = c.read_until()
        c.send(bind("", "s", formats) + describe("P", "") + FLUSH + execute("") + SYNC)
        one_by_one = c.read_until()
        assert kinds(at_once) == "2TDCZ"
        assert at_once == one_by_one
    c.send(bind("", "s") + execute("") + SYNC)
    assert kinds(c.read_until()) == "2DCZ"
    assert fake.db.sessions[-1].rounds == 3


def test_a_point_query_answers_as_the_general_path(fake):
    """A Query of one point read goes to the session's point_query at once: the client reads what
    the general path sends (the session's in_one_call off)."""
    c = connected(fake)
    session = fake.db.sessions[-1]
    answers = []
    for in_one_call in (True, False):
        session.in_one_call = in_one_call
        c.send(query("SELECT 1"))
        answers.append(c.read_until())
    assert kinds(answers[0]) == "TDCZ"
    assert answers[0] == answers[1]
    assert session.rounds == 1


def test_messages_split_byte_by_byte(fake):
    c = connected(fake)
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = query("ROWS 2") + parse("", "SELECT 1") + bind("", "") + execute("") + SYNC
    for i in range(len(data)):
        c.send(data[i:i + 1])
    assert kinds(c.read_until()) == "TDDCZ"
    assert kinds(c.read_until()) == "12DCZ"


def test_flush_without_sync_answers_an_execute(fake):
    c = connected(fake)
    c.send(parse("", "ROWS 1") + bind("", "") + execute("") + FLUSH)
    assert [c.read()[0] for _ in range(4)] == ["1", "2", "D", "C"]
    c.send(SYNC)
    assert kinds(c.read_until()) == "Z"


def test_queries_behind_a_worker_statement_keep_their_order(fake):
    c = connected(fake)
    c.send(query("SLEEP 0.3") + query("SELECT 1") + parse("", "ROWS 2") + bind("", "") + execute("") + SYNC)
    assert kinds(c.read_until()) == "TCZ"  # SLEEP ran on a worker
    assert kinds(c.read_until()) == "TDCZ"
    assert kinds(c.read_until()) == "12DDCZ"


def test_other_sessions_go_on_while_one_statement_runs_on_a_worker(fake):
    sleeper = RawClient(fake.host, fake.port)
    pid, secret = struct.unpack("!ii", [b for k, b in sleeper.connect() if k == "K"][0])
    sleeper.send(query("SLEEP 30"))
    other = connected(fake)
    for _ in range(20):
        other.send(query("SELECT 1"))
        assert kinds(other.read_until()) == "TDCZ"
    canceler = RawClient(fake.host, fake.port)
    canceler.send(struct.pack("!iiii", 16, 80877102, pid, secret))
    got = sleeper.read_until()
    assert kinds(got) == "EZ" and error_fields(got[0][1])["C"] == "57014"


def test_error_behind_a_worker_statement_skips_to_sync(fake):
    c = connected(fake)
    c.send(parse("", "SLEEP 0.1") + bind("", "") + execute("") + bind("", "missing") + execute("")
           + query("SELECT 1") + SYNC + query("SELECT 1"))
    got = c.read_until()
    assert kinds(got) == "12CEZ" and error_fields(got[3][1])["C"] == "26000"
    assert kinds(c.read_until()) == "TDCZ"


def test_answer_waits_for_durability_and_keeps_order(fake):
    c = connected(fake)
    c.send(query("DURABLE 0.2") + query("SELECT 1") + parse("", "DURABLE 0.1") + bind("", "") + execute("") + SYNC)
    assert kinds(c.read_until()) == "CZ"
    assert kinds(c.read_until()) == "TDCZ"
    assert kinds(c.read_until()) == "12CZ"


def test_a_commit_keeps_its_own_responses_until_durable(fake):
    """As PostgreSQL: ParseComplete and BindComplete go with the commit's CommandComplete."""
    c = connected(fake)
    c.send(parse("", "DURABLE 1.5") + bind("", "") + execute("") + SYNC)
    c.sock.settimeout(0.3)
    try:
        early = c.sock.recv(1)
    except socket.timeout:
        early = b""
    assert early == b""
    c.sock.settimeout(10)
    assert kinds(c.read_until()) == "12CZ"


def test_large_result_to_a_client_that_reads_late(fake):
    c = connected(fake)
    c.send(query("BATCHES 40 20000") + query("SELECT 1"))
    time.sleep(0.5)  # the server's send buffer fills: it must wait, not drop or reorder
    got = c.read_until()
    assert kinds(got) == "T" + "D" * 800000 + "CZ"
    assert kinds(c.read_until()) == "TDCZ"


def test_answers_before_terminate_in_the_same_packet_are_sent(fake):
    c = connected(fake)
    c.send(query("SELECT 1") + TERMINATE)
    assert kinds(c.read_until()) == "TDCZ"
    assert c.read() is None


def test_long_message_arrives_while_a_statement_runs_on_a_worker():
    server = start_fake(max_message_bytes=16 << 20)
    try:
        c = connected(server)
        c.send(query("SLEEP 0.3") + query("ROWS 1" + " " * (3 << 20)))  # reading pauses past 1 MiB
        assert kinds(c.read_until()) == "TCZ"
        assert kinds(c.read_until()) == "TDCZ"
    finally:
        server.stop()


def test_pipelined_queries_behind_a_result_the_client_reads_late(fake):
    c = connected(fake)
    sender = threading.Thread(target=c.send, args=(query("BATCHES 40 20000") + query("SELECT 1") * 60000,))
    sender.start()  # 1.1 MB of queries behind the result: the server stops reading them for a while
    time.sleep(0.5)
    assert kinds(c.read_until()) == "T" + "D" * 800000 + "CZ"
    for _ in range(60000):
        assert kinds(c.read_until()) == "TDCZ"
    sender.join()
