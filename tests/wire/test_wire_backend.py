"""Backend message building: exact bytes."""

import struct

from quantadb.errors import Notice, UndefinedTable
from quantadb.wire import backend as be


def test_simple_messages():
    assert be.ready_for_query("T") == b"Z\0\0\0\x05T"
    assert be.AUTHENTICATION_OK == b"R\0\0\0\x08\0\0\0\0"
    assert be.command_complete("INSERT 0 1") == b"C\0\0\0\x0fINSERT 0 1\0"
    assert be.EMPTY_QUERY_RESPONSE == b"I\0\0\0\x04"
    assert be.parameter_status("server_version", "15.8") == b"S\0\0\0\x18server_version\x0015.8\0"
    assert be.backend_key_data(7, 0xDEADBEEF) == b"K\0\0\0\x0c\0\0\0\x07\xde\xad\xbe\xef"
    assert be.parameter_description([23, 25]) == b"t\0\0\0\x0e\0\x02\0\0\0\x17\0\0\0\x19"
    assert be.notification_response(10001, "ch", "é") == b"A\0\0\0\x0e\0\0\x27\x11ch\0\xc3\xa9\0"


def test_authentication_requests():
    assert be.authentication_md5(b"abcd") == b"R\0\0\0\x0c\0\0\0\x05abcd"
    assert be.authentication_sasl(["SCRAM-SHA-256"]) == b"R\0\0\0\x17\0\0\0\x0aSCRAM-SHA-256\0\0"
    assert be.authentication_sasl_final(b"v=x") == b"R\0\0\0\x0b\0\0\0\x0cv=x"


def test_negotiate_protocol_version():
    m = be.negotiate_protocol_version(0, ["_pq_.test_protocol_negotiation"])
    assert m[:1] == b"v"
    assert m[5:13] == struct.pack("!ii", 0, 1)
    assert m[13:] == b"_pq_.test_protocol_negotiation\0"


def test_row_description_layout():
    m = be.row_description([("id", 16384, 1, 23, 4, -1, 1)])
    assert m == b"T" + struct.pack("!ih", 4 + 2 + 3 + 18, 1) + b"id\0" + struct.pack("!IhIhih", 16384, 1, 23, 4, -1, 1)


def test_error_and_notice_fields():
    e = UndefinedTable('relation "t" does not exist', position=15)
    m = be.error_response(e)
    fields = m[5:].split(b"\0")
    assert b"SERROR" in fields and b"VERROR" in fields and b"C42P01" in fields
    assert b'Mrelation "t" does not exist' in fields and b"P15" in fields
    assert m.endswith(b"\0\0")
    assert b"SFATAL" in be.error_response(e, "FATAL")[5:].split(b"\0")
    n = be.notice_response(Notice("there is already a transaction in progress", "25001", "WARNING"))
    assert n[:1] == b"N" and b"C25001" in n and b"SWARNING" in n


def test_copy_responses():
    assert be.copy_in_response(False, 2) == b"G\0\0\0\x0b\0\0\x02\0\0\0\0"
    assert be.copy_out_response(True, 1) == b"H\0\0\0\x09\x01\0\x01\0\x01"
    assert be.copy_data(b"1\t2\n") == b"d\0\0\0\x081\t2\n"
