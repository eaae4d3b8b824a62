"""Date/time forms checked against PostgreSQL: interval literals with a time part, date_trunc
with a field column or a time zone, make_timestamptz with a zone, extract(julian), and time
zone names matched case-insensitively."""


def test_interval_literal_keeps_its_time_part(sql):
    sql.check("SELECT interval '1 day 02:03:04', interval '2' hour, interval '-1 day +02:00', "
              "date_trunc('hour', interval '1 day 02:03:04')",
              [("1 day 02:03:04", "02:00:00", "-1 days +02:00:00", "1 day 02:00:00")])


def test_date_trunc_field_from_a_column_and_in_a_zone(sql):
    sql.check("SELECT f, date_trunc(f, TIMESTAMP '2202-02-16 20:38:40.123456'), date_trunc(f, TIME '02:47:33') "
              "FROM (VALUES ('day'), ('hour')) t(f)",
              [("day", "2202-02-16 00:00:00", "00:00:00"), ("hour", "2202-02-16 20:00:00", "02:00:00")])
    sql.check("SELECT extract(epoch FROM date_trunc('day', v, 'US/Pacific')) FROM (VALUES "
              "('2023-11-05 01:40:00-07:00'::timestamptz), ('2023-11-05 01:40:00-08:00'::timestamptz)) t(v)",
              [("1699167600.000000",), ("1699167600.000000",)])
    # below a day the instant keeps its offset across the DST change; from a day up it does not
    sql.check("SELECT extract(epoch FROM date_trunc('hour', v, 'US/Pacific')), date_trunc('minute', v) FROM (VALUES "
              "('2023-11-05 01:40:00-07:00'::timestamptz), ('2023-11-05 01:40:00-08:00'::timestamptz)) t(v)",
              [("1699171200.000000", "2023-11-05 08:40:00+00"), ("1699174800.000000", "2023-11-05 09:40:00+00")])


def test_make_timestamptz_in_a_zone(sql):
    sql.check("SELECT make_timestamptz(1973, 7, 15, 8, 15, 55.33, 'Asia/Manila'), "
              "make_timestamptz(2010, 2, 27, 3, 45, 0, 'EST5EDT')",
              [("1973-07-15 00:15:55.33+00", "2010-02-27 08:45:00+00")])


def test_extract_julian_keeps_the_fraction_of_the_day(sql):
    sql.check("SELECT extract(julian FROM timestamp '2023-06-01 17:00:00'), "
              "extract(julian FROM timestamp '2023-06-01 00:00:00'), date_part('julian', timestamp '2023-06-01 17:00:00'), "
              "extract(julian FROM timestamptz '2023-06-01 00:00:01+03')",
              [("2460097.70833333333333333333", "2460097.0000000000000000000000000000", "2460097.7083333335",
                "2460096.87501157407407407407")])


def test_time_zone_names_ignore_case(sql):
    sql.setup("SET TimeZone = 'us/pacific'")
    sql.check("SHOW TimeZone", [("US/Pacific",)])
    sql.check("SELECT '2022-01-01 00:00:00+00'::timestamptz::timestamp", [("2021-12-31 16:00:00",)])
    sql.setup("SET TimeZone = 'pst8pdt'")
    sql.check("SHOW TimeZone", [("PST8PDT",)])
    sql.error("SET TimeZone = 'nosuch/zone'", "22023")


def test_make_interval_by_position_and_by_name(sql):
    sql.check("SELECT make_interval(1, 2), make_interval(secs => 1.5), make_interval(), "
              "make_interval(days => 3, hours => 1), make_interval(weeks => 1, mins => 2)",
              [("1 year 2 mons", "00:00:01.5", "00:00:00", "3 days 01:00:00", "7 days 00:02:00")])


def test_sql_clock_functions(sql):
    sql.check("SELECT current_timestamp <= now(), pg_typeof(current_time), pg_typeof(localtime), "
              "length(current_timestamp(0)::text), length(localtimestamp(0)::text), length(localtime(0)::text), "
              "length(current_time(0)::text), current_time::text ~ '^\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?\\+00$', "
              "'12:00:00.16+00'::timetz(1)",
              [("t", "time with time zone", "time without time zone", "22", "19", "8", "11", "t", "12:00:00.2+00")],
              columns=["?column?", "pg_typeof", "pg_typeof", "length", "length", "length", "length", "?column?",
                       "timetz"])
    sql.check("SELECT current_timestamp IS NOT NULL, localtime IS NOT NULL",
              [("t", "t")])
    sql.check("SELECT 1 FROM (SELECT current_timestamp, localtime, current_time) t(a, b, c)", [("1",)])
    sql.setup("CREATE TABLE dft (a timestamptz DEFAULT current_timestamp, b time DEFAULT localtime, "
              "c timestamptz DEFAULT now())")
    sql.check("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'dft'::regclass",
              [("CURRENT_TIMESTAMP",), ("LOCALTIME",), ("now()",)])


def test_clock_function_column_names(sql):
    sql.check("SELECT current_timestamp IS NOT NULL AS x, 1", [("t", "1")])
    sql.check("SELECT count(*) FROM (SELECT current_timestamp, localtime, localtimestamp) t", [("1",)])
    sql.check("SELECT * FROM (SELECT current_timestamp, localtime) t WHERE false", [],
              columns=["current_timestamp", "localtime"])


def test_local_times_at_zone_transitions(sql):
    """A time in a spring-forward gap takes the offset from before it; a time that happens twice
    in a fall-back overlap is the second one (PostgreSQL's DetermineTimeZoneOffset)."""
    sql.check("SELECT '2020-11-01 01:30 America/New_York'::timestamptz, '2020-03-08 02:30 America/New_York'::timestamptz, "
              "'2020-10-25 02:30 Europe/Berlin'::timestamptz, '2014-10-26 01:30 Europe/Moscow'::timestamptz",
              [("2020-11-01 06:30:00+00", "2020-03-08 07:30:00+00", "2020-10-25 01:30:00+00",
                "2014-10-25 22:30:00+00")])


def test_fields_of_infinite_dates_and_timestamps(sql):
    """year, decade, century, millennium, julian, epoch and isoyear are infinite too; the others NULL."""
    sql.check("SELECT extract(year FROM 'infinity'::timestamp), extract(epoch FROM '-infinity'::timestamptz), "
              "extract(month FROM 'infinity'::date), date_part('decade', '-infinity'::date), "
              "extract(hour FROM 'infinity'::timestamp), extract(julian FROM 'infinity'::timestamp)",
              [("Infinity", "-Infinity", None, "-Infinity", None, "Infinity")])


def test_input_errors_name_the_type_as_its_input_function_does(sql):
    for literal, name in (("timestamp", "timestamp"), ("timestamptz", "timestamp with time zone"), ("time", "time"),
                          ("timetz", "time with time zone"), ("date", "date")):
        sql.error(f"SELECT 'a'::{literal}", "22007", f'invalid input syntax for type {name}: "a"')
