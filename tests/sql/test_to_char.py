"""to_char of timestamps, timestamps with time zone and intervals: every pattern family, zone
patterns, and intervals' signed fields with C printf widths (PostgreSQL's DCH_to_char); to_date's BC years."""


def test_interval_fields_keep_their_signs(sql):
    fmt = "'YYYY IYYY YY IY MM DD PM pm HH HH12 HH24 MI SS'"
    sql.check(f"SELECT to_char('-20459year -256 days -120hours 866seconds'::interval, {fmt}), "
              f"to_char('0year -256 days -120hours'::interval, {fmt})",
              [("-20459 -20460 -59 -60 00 -256 AM am -11 -11 -119 -45 -34",
                "0000 -001 00 -1 00 -256 AM am 012 012 -120 00 00")])
    sql.check("SELECT to_char('-1year -1month -1day -1hours -1minute -1second'::interval, "
              "'YYYY IYYY YY IY MM DD HH12 HH24 MI SS MS US'), to_char('-23:22:57.124562'::interval, 'HH12 MI SS MS US')",
              [("-0001 -0002 -01 -02 -01 -1 -01 -01 -01 -01 000 000000", "-11 -22 -57 -124 -124562")])
    sql.check("SELECT to_char('-1 year -2 mons -3 days -04:05:06.789'::interval, "
              "'W WW IW Q CC J DDD IDDD Y,YYY YYY Y I RM SSSS')",
              [("1 -59 39 0 00 1720599 -423 273 0,-01 -001 -1 -2 XI   -14706",)])


def test_calendar_and_zone_patterns_fail_for_intervals(sql):
    for pattern in ("Month", "Mon", "Day", "D", "TZH", "tz", "OF"):
        sql.error(f"SELECT to_char('1 year'::interval, '{pattern}')", "22007",
                  "invalid format specification for an interval value")


def test_timestamp_patterns(sql):
    sql.check("SELECT to_char(timestamp '2021-03-04 05:06:07.891', 'YYYY-MM-DD HH24:MI:SS.MS Day Month DY mon IW "
              "IYYY DDD IDDD J Q WW W CC RM rm AD bc FMDDth ddth Y,YYY I IY IYY SSSS FF2'), "
              "to_char(timestamp '0044-03-15 BC', 'YYYY BC CC Y,YYY'), to_char(timestamp '2021-01-01', 'TZ|OF|TZH')",
              [("2021-03-04 05:06:07.891 Thursday  March     THU mar 09 2021 063 060 2459278 1 09 1 21 III  iii  "
                "AD ad 4th 04th 2,021 1 21 021 18367 89", "0044 BC -01 0,044", "|+00|+00")])


def test_timestamptz_zone_patterns(sql):
    sql.setup("SET TimeZone = 'America/New_York'")
    sql.check("SELECT to_char(timestamptz '2021-03-31 17:00:00-07', 'TZ tz OF TZH:TZM HH12:MI am'), "
              "to_char(timestamptz '2021-01-31 17:00:00-07', 'TZ OF')",
              [("EDT edt -04 -04:00 08:00 pm", "EST -05")])
    sql.setup("SET TimeZone = 'Asia/Kolkata'")
    sql.check("SELECT to_char(timestamptz '2021-03-31 17:00:00+00', 'TZ OF TZH TZM')", [("IST +05:30 +05 30",)])


def test_to_date_reads_negative_years_as_bc(sql):
    sql.check("SELECT to_date('0000-12-25', 'YYYY-MM-DD'), to_date('-0001-12-25', 'YYYY-MM-DD'), "
              "to_date('-2022-12-25', 'YYYY-MM-DD')", [("0001-12-25 BC", "0001-12-25 BC", "2022-12-25 BC")])


def test_number_sign_patterns(sql):
    """S ahead of the digits sits right before the first digit printed; MI, SG, PL and a trailing S
    keep their place; PL leaves the minus where it would be without it; quoted text is copied."""
    sql.check("SELECT to_char(-0.5, 'S9.99'), to_char(-12.5, 'S999.99'), to_char(12.5, 'S999.99'), "
              "to_char(0.5, 'S0.99'), to_char(-5, '999S'), to_char(-12.5, 'MI999.99'), to_char(-12.5, 'SG999.99')",
              [(" -.50", " -12.50", " +12.50", "+0.50", "  5-", "- 12.50", "- 12.50")])
    sql.check("SELECT to_char(-12.5, 'PL999.99'), to_char(12.5, 'PL999.99'), to_char(-12.5, '999.99PL'), "
              "to_char(-12.5, 'FMPL999.99'), to_char(1234.5, '\"Total: \"9,999.99'), to_char(-7, '\"neg\"S9')",
              [("  -12.50", "+  12.50", " -12.50 ", "-12.5", "Total:  1,234.50", "neg-7")])
