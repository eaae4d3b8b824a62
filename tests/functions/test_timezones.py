"""timestamptz arithmetic in a DST zone, and the transaction-time functions."""

import pytest

from sqleval import one

NY = "America/New_York"


@pytest.mark.parametrize("name,args,op,expected", [
    ("+", [("2024-03-09 12:00-05", "timestamptz"), ("1 day", "interval")], True, "2024-03-10 12:00:00-04"),
    ("+", [("2024-03-09 12:00-05", "timestamptz"), ("24 hours", "interval")], True, "2024-03-10 13:00:00-04"),
    ("date_trunc", [("day", "text"), ("2024-03-10 12:00-04", "timestamptz")], False, "2024-03-10 00:00:00-05"),
    ("extract", [("hour", "text"), ("2024-03-10 12:00-04", "timestamptz")], False, "12"),
    ("extract", [("timezone_hour", "text"), ("2024-03-10 12:00-04", "timestamptz")], False, "-4"),
    ("to_char", [("2024-03-10 12:00-04", "timestamptz"), ("HH24:MI", "text")], False, "12:00"),
    ("age", [("2024-03-10 12:00-04", "timestamptz"), ("2024-01-01 00:00-05", "timestamptz")], False,
     "2 mons 9 days 12:00:00"),
    ("-", [("2024-03-10 12:00-04", "timestamptz"), ("2024-03-09 12:00-05", "timestamptz")], True, "23:00:00"),
])
def test_new_york(name, args, op, expected):
    assert one(name, *args, op=op, timezone=NY) == expected


def test_transaction_time_functions():
    # sqleval's transaction started at 2024-05-06 07:08:09.5 UTC
    assert one("now") == "2024-05-06 07:08:09.5+00"
    assert one("current_date") == "2024-05-06"
    assert one("localtimestamp") == "2024-05-06 07:08:09.5"
    assert one("age", ("2024-01-01", "timestamp")) == "4 mons 5 days"
    assert one("now", timezone=NY) == "2024-05-06 03:08:09.5-04"
