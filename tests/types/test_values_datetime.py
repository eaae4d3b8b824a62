"""Interval semantics and datetime text I/O, compared with PostgreSQL 15 output."""

import pytest

from quantadb.errors import DatetimeFieldOverflow, InvalidDatetimeFormat
from quantadb.types import datetime as dt
from quantadb.types.interval import format_interval, parse_interval
from quantadb.types.values import DATE_POS_INFINITY, TIMESTAMP_NEG_INFINITY, Interval


def test_interval_compares_as_total_span():
    assert Interval(1, 0, 0) == Interval(0, 30, 0)
    assert Interval(0, 1, 0) == Interval(0, 0, 86_400_000_000)
    assert hash(Interval(1, 0, 0)) == hash(Interval(0, 30, 0))
    assert Interval(0, 0, 1) > Interval(0, 0, 0) > Interval(0, -1, 0)
    assert sorted([Interval(1, 0, 0), Interval(0, 29, 0)]) == [Interval(0, 29, 0), Interval(1, 0, 0)]


def test_interval_arithmetic():
    assert Interval(1, 2, 3) + Interval(1, 1, 1) == Interval(2, 3, 4)
    assert -Interval(1, 2, 3) == Interval(-1, -2, -3)
    half = Interval(1, 0, 0) * 0.5
    assert (half.months, half.days, half.micros) == (0, 15, 0)
    third = Interval(0, 1, 0) / 3
    assert (third.months, third.days, third.micros) == (0, 0, 28_800_000_000)


@pytest.mark.parametrize("text,expected", [
    ("1 year 2 mons 3 days 04:05:06.5", "1 year 2 mons 3 days 04:05:06.5"),
    ("1 day", "1 day"), ("2 hours 3 minutes", "02:03:00"), ("1-2", "1 year 2 mons"),
    ("P1Y2M", "1 year 2 mons"), ("@ 1 hour ago", "-01:00:00"), ("00:01:30", "00:01:30"),
    ("-1 days +02:00:00", "-1 days +02:00:00"), ("1.5 weeks", "10 days 12:00:00"),
    ("1.5 years", "1 year 6 mons"), ("0.5 months", "15 days"), ("3d", "3 days"), ("5", "00:00:05"),
    ("-1 day -02:00", "-1 days -02:00:00"), ("PT1.5S", "00:00:01.5"),
    ("P1Y2M3DT4H5M6S", "1 year 2 mons 3 days 04:05:06"), ("-14 months", "-1 years -2 mons"),
    ("1 day -1 second", "1 day -00:00:01"), ("0", "00:00:00"),
    ("1 year 1 month 1 day 1:", "1 year 1 mon 1 day 01:00:00"), ("3 4:05:06", "3 days 04:05:06"),
    ("- 1 year -1 months -   1 days 4 hours", "-1 years -1 mons -1 days +04:00:00"),
])
def test_interval_text_matches_postgres(text, expected):
    assert format_interval(parse_interval(text)) == expected


def test_interval_iso_8601_style():
    assert format_interval(parse_interval("1 year 2 mons 3 days 04:05:06.5"), "iso_8601") == "P1Y2M3DT4H5M6.5S"
    assert format_interval(parse_interval("-1 days +02:00:00"), "iso_8601") == "P-1DT2H"
    assert format_interval(Interval(), "iso_8601") == "PT0S"


def test_interval_bad_input():
    with pytest.raises(InvalidDatetimeFormat, match='invalid input syntax for type interval: "x"') as e:
        parse_interval("x")
    assert e.value.sqlstate == "22007"


@pytest.mark.parametrize("text,expected", [
    ("2024-05-01", "2024-05-01"), ("May 1 2024", "2024-05-01"), ("5/1/2024", "2024-05-01"),
    ("1 May 2024", "2024-05-01"), ("20240501", "2024-05-01"), ("May 1, 2024", "2024-05-01"),
    ("0001-01-01 BC", "0001-01-01 BC"), ("epoch", "1970-01-01"), ("infinity", "infinity"),
    ("-infinity", "-infinity"), ("Jan 8, 99", "1999-01-08"), ("5874897-12-31", "5874897-12-31"),
    ("4713-11-24 BC", "4713-11-24 BC"),
])
def test_date_text(text, expected):
    assert dt.format_date(dt.parse_date(text)) == expected


@pytest.mark.parametrize("text,order,expected", [  # PostgreSQL 15 with DateStyle 'ISO, <order>'
    ("01/02/2014", "MDY", "2014-01-02"), ("01/02/2014", "DMY", "2014-02-01"), ("01/02/03", "DMY", "2003-02-01"),
    ("01-02-2014", "DMY", "2014-02-01"), ("01.02.2014", "DMY", "2014-02-01"), ("2014/01/02", "DMY", "2014-01-02"),
    ("01/02/03", "YMD", "2001-02-03"), ("2014/01/02", "YMD", "2014-01-02"), ("1 May 2024", "DMY", "2024-05-01"),
])
def test_date_field_order_follows_datestyle(text, order, expected):
    assert dt.format_date(dt.parse_date(text, order=order)) == expected
    assert dt.format_timestamp(dt.parse_timestamp(text + " 10:00", order=order)) == expected + " 10:00:00"


def test_date_field_order_errors():
    with pytest.raises(DatetimeFieldOverflow, match="out of range"):
        dt.parse_date("01/02/2014", order="YMD")  # day 2014
    with pytest.raises(DatetimeFieldOverflow):
        dt.parse_date("13/01/2014", order="MDY")
    assert dt.format_date(dt.parse_date("13/01/2014", order="DMY")) == "2014-01-13"


def test_date_day_numbers():
    assert dt.parse_date("2000-01-01") == 0
    assert dt.parse_date("2024-05-01") == 8887
    assert dt.parse_date("5874897-12-31") == 2145031948
    assert dt.parse_date("4713-11-24 BC") == -2451179
    assert dt.parse_date("infinity") == DATE_POS_INFINITY


def test_relative_dates_use_the_clock():
    noon = dt.parse_timestamp("2024-05-01 12:00:00")
    assert dt.format_date(dt.parse_date("today", now=noon)) == "2024-05-01"
    assert dt.format_date(dt.parse_date("tomorrow", now=noon)) == "2024-05-02"
    assert dt.format_date(dt.parse_date("yesterday", now=noon)) == "2024-04-30"
    assert dt.parse_timestamp("now", now=noon, with_tz=True) == noon


def test_date_errors_match_postgres():
    with pytest.raises(InvalidDatetimeFormat, match='invalid input syntax for type date: "x"'):
        dt.parse_date("x")
    with pytest.raises(DatetimeFieldOverflow, match='date/time field value out of range: "2024-02-30"'):
        dt.parse_date("2024-02-30")
    with pytest.raises(DatetimeFieldOverflow) as e:
        dt.parse_date("2024-13-01")
    assert e.value.hint == 'Perhaps you need a different "datestyle" setting.'
    with pytest.raises(DatetimeFieldOverflow, match='"25:00"'):
        dt.parse_time("25:00")
    with pytest.raises(InvalidDatetimeFormat, match='type timestamp with time zone: "x"'):
        dt.parse_timestamp("x", with_tz=True)


def test_time_text():
    assert dt.format_time(dt.parse_time("04:05:06.789")) == "04:05:06.789"
    assert dt.format_time(dt.parse_time("24:00")) == "24:00:00"
    assert dt.format_time(dt.parse_time("1:00 pm")) == "13:00:00"
    assert dt.format_time(dt.parse_time("allballs")) == "00:00:00"


def test_timestamptz_output_in_session_zone():
    t = dt.parse_timestamp("2024-05-01 12:34:56.5+00", with_tz=True)
    assert dt.format_timestamptz(t, dt.get_zone("UTC")) == "2024-05-01 12:34:56.5+00"
    assert dt.format_timestamptz(t, dt.get_zone("Asia/Kolkata")) == "2024-05-01 18:04:56.5+05:30"
    t2 = dt.parse_timestamp("2024-05-01 12:34:56+00", with_tz=True)
    assert dt.format_timestamptz(t2, dt.get_zone("America/St_Johns")) == "2024-05-01 10:04:56-02:30"
    t3 = dt.parse_timestamp("1900-01-01 00:00:00+00", with_tz=True)
    assert dt.format_timestamptz(t3, dt.get_zone("Europe/Amsterdam")) == "1900-01-01 00:19:32+00:19:32"


def test_timestamptz_input_zones():
    paris = dt.get_zone("Europe/Paris")
    utc = dt.get_zone("UTC")
    assert dt.format_timestamptz(dt.parse_timestamp("2024-05-01 12:00", zone=paris, with_tz=True), utc) \
        == "2024-05-01 10:00:00+00"
    assert dt.format_timestamptz(dt.parse_timestamp("2024-05-01T12:00:00-05:30", with_tz=True), utc) \
        == "2024-05-01 17:30:00+00"
    assert dt.format_timestamptz(
        dt.parse_timestamp("2024-05-01 12:00:00 America/New_York", with_tz=True), utc) == "2024-05-01 16:00:00+00"
    # a timestamp without time zone ignores a zone in the text
    assert dt.format_timestamp(dt.parse_timestamp("2024-05-01 12:00:00+02")) == "2024-05-01 12:00:00"
    assert dt.parse_timestamp("-infinity") == TIMESTAMP_NEG_INFINITY


def test_python_conversions():
    import datetime

    assert dt.days_to_date(8887) == datetime.date(2024, 5, 1)
    assert dt.date_to_days(datetime.date(1999, 12, 31)) == -1
    micros = dt.datetime_to_micros(datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.timezone.utc))
    assert dt.micros_to_datetime(micros) == datetime.datetime(2024, 5, 1, 12)
    assert dt.micros_to_time(dt.time_to_micros(datetime.time(4, 5, 6, 7))) == datetime.time(4, 5, 6, 7)
