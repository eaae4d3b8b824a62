"""Functions added beside the function library: degree-based and hyperbolic trigonometry."""


def test_degree_trigonometry_is_exact_at_special_angles(sql):
    sql.check("SELECT sind(30), sind(-390), cosd(60), cosd(180), tand(45), tand(-135), tand(180), cotd(45), "
              "asind(0.5), acosd(-0.5), atand(1), atan2d(1, -1)",
              [("0.5", "-0.5", "0.5", "-1", "1", "1", "0", "1", "30", "120", "45", "135")])
    sql.check("SELECT tand(90), cotd(0), sind('NaN')", [("Infinity", "Infinity", "NaN")])
    sql.error("SELECT sind('Infinity')", "22003", "input is out of range")
    sql.error("SELECT asind(1.5)", "22003", "input is out of range")


def test_hyperbolic_functions(sql):
    sql.check("SELECT sinh(0), cosh(0), tanh(0), asinh(0), acosh(1), atanh(0), atanh(1), atanh(-1)",
              [("0", "1", "0", "0", "0", "0", "Infinity", "-Infinity")])
    sql.error("SELECT acosh(0.5)", "22003")
    sql.error("SELECT atanh(1.1)", "22003")


def test_at_time_zone(sql):
    sql.check("SELECT timestamptz '2020-06-01 12:00:00+00' AT TIME ZONE 'America/New_York', "
              "timestamp '2020-06-01 12:00:00' AT TIME ZONE 'America/New_York', "
              "timezone('Europe/Moscow', '2011-03-27 02:00:00 UTC'::timestamptz), "
              "'infinity'::timestamptz AT TIME ZONE 'UTC', NULL::timestamp AT TIME ZONE 'UTC'",
              [("2020-06-01 08:00:00", "2020-06-01 16:00:00+00", "2011-03-27 06:00:00", "infinity", None)],
              columns=["timezone"] * 5)
    sql.error("SELECT now() AT TIME ZONE 'nosuch'", "22023")
