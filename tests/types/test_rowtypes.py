"""Row types below SQL: record_in's grammar, record_send/record_recv's layout, and record types
of other fields being other types."""

from __future__ import annotations

import pytest

from quantadb.errors import DatatypeMismatch, InvalidTextRepresentation
from quantadb.types import registry as R
from quantadb.types.composite import parse_record, recv_record, send_record
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import array_type, element_type, record_type


def test_record_types_of_other_fields_differ():
    a = record_type([("x", SqlType(R.INT4))])
    b = record_type([("x", SqlType(R.DATE))])
    assert a != b and a == record_type([("x", SqlType(R.INT4))])
    assert hash(a) == hash(record_type([("x", SqlType(R.INT4))]))
    assert element_type(array_type(b)) == b  # an array of records keeps the fields


@pytest.mark.parametrize("text, fields", [
    ("(1,abc,)", ("1", "abc", None)),
    ('(,"",x)', (None, "", "x")),
    ('( a , "b""c" ,\\,)', (" a ", ' b"c ', ",")),
    ('  ("(1,2)",x,y)  ', ("(1,2)", "x", "y")),
])
def test_record_in(text, fields):
    assert parse_record(text, [str] * 3) == fields


@pytest.mark.parametrize("text, detail", [
    ("1,2,3", "Missing left parenthesis."),
    ("(1,2)", "Too few columns."),
    ("(1,2,3,4)", "Too many columns."),
    ("(1,2,3", "Unexpected end of input."),
    ("(1,2,3) x", "Junk after right parenthesis."),
    ('(1,2,"3)', "Unexpected end of input."),
])
def test_record_in_errors(text, detail):
    with pytest.raises(InvalidTextRepresentation) as caught:
        parse_record(text, [str] * 3)
    assert caught.value.detail == detail


def test_record_send_recv_round_trip():
    oids, senders = [R.INT4.oid, R.TEXT.oid], [lambda v: v.to_bytes(4, "big"), str.encode]
    data = send_record((7, None), oids, senders)
    assert data == b"\x00\x00\x00\x02" + b"\x00\x00\x00\x17\x00\x00\x00\x04\x00\x00\x00\x07" + \
        b"\x00\x00\x00\x19\xff\xff\xff\xff"
    receivers = [lambda b: int.from_bytes(b, "big"), bytes.decode]
    assert recv_record(data, oids, receivers) == (7, None)
    with pytest.raises(DatatypeMismatch):
        recv_record(data, [R.INT8.oid, R.TEXT.oid], receivers)
    with pytest.raises(DatatypeMismatch):
        recv_record(data, [R.INT4.oid], receivers[:1])
