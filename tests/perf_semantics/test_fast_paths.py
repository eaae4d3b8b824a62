"""Semantics the analytics fast paths must keep: constant folding (errors stay at run time,
nothing session- or time-dependent is frozen into a cached plan), vectorized casts, the
hashable factorize, bpchar equality with trailing spaces, and COPY's error reporting."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import psycopg
import pytest
from psycopg import errors

from quantadb.errors import NumericValueOutOfRange
from quantadb.exec.fold import fold_expr
from quantadb.exec.functions import SCALARS
from quantadb.exec.keys import factorize
from quantadb.sql import expr as E
from quantadb.types import registry as R
from quantadb.types.casts import cast_column
from quantadb.types.column import Column
from quantadb.types.context import FormatContext
from quantadb.types.registry import SqlType


@pytest.fixture
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        yield c


def _obj(values):
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def test_fold_keeps_division_by_zero_for_run_time():
    i4 = SqlType(R.INT4)
    div = E.Call("/", "int4div", [E.Const(1, i4), E.Const(0, i4)], i4)
    folded = fold_expr(div)
    assert isinstance(folded, E.Call)  # not folded: the error belongs to the run
    add = E.Call("+", "int4pl", [E.Const(1, i4), E.Const(2, i4)], i4)
    folded = fold_expr(add)
    assert isinstance(folded, E.Const) and folded.value == 3


def test_fold_through_server(conn):
    conn.execute("drop table if exists pf")
    conn.execute("create table pf (x int, d date, c char(4), n numeric(6,2))")
    conn.execute("insert into pf values (0, '1998-09-01', 'ab', 0.50), (1, '1998-09-03', 'x', 0.25)")
    assert conn.execute("select case when x = 0 then 0 else 10 / x end from pf order by x").fetchall() == [(0,), (10,)]
    with pytest.raises(errors.DivisionByZero):
        conn.execute("select 1 / 0 from pf")
    assert conn.execute("select x from pf where false and 1 / 0 = 1").fetchall() == []
    assert conn.execute("select 1 - n, d <= date '1998-12-01' - interval '90' day from pf order by x").fetchall() == [
        (Decimal("0.50"), True), (Decimal("0.75"), False)]
    # now() is not frozen into the cached plan
    a = conn.execute("select now() from pf limit 1").fetchone()[0]
    b = conn.execute("select now() from pf limit 1").fetchone()[0]
    assert b >= a
    # time zone dependent casts are evaluated with the session's zone
    conn.execute("set timezone = 'UTC'")
    u = conn.execute("select cast(cast(d as timestamptz) as text) from pf where x = 0").fetchone()[0]
    conn.execute("set timezone = 'America/New_York'")
    ny = conn.execute("select cast(cast(d as timestamptz) as text) from pf where x = 0").fetchone()[0]
    conn.execute("set timezone = 'UTC'")
    assert u == "1998-09-01 00:00:00+00" and ny == "1998-09-01 00:00:00-04"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_vector_casts_match_postgres():
    ts = SqlType(R.TIMESTAMP)
    days = np.array([0, 7372, 2**31 - 1, -(2**31), 5], dtype=np.int32)
    col = Column(days, np.array([True, True, True, True, False]))
    out = cast_column(col, SqlType(R.DATE), ts)
    assert out.data[:4].tolist() == [0, 7372 * 86_400_000_000, 2**63 - 1, -(2**63)]
    back = cast_column(out, ts, SqlType(R.DATE))
    assert back.data[:4].tolist() == days[:4].tolist()
    ny = cast_column(Column(np.array([7372, 7482], dtype=np.int32)), SqlType(R.DATE), SqlType(R.TIMESTAMPTZ),
                     FormatContext(timezone="America/New_York"))
    assert ny.data.tolist() == [7372 * 86_400_000_000 + 5 * 3_600_000_000, 7482 * 86_400_000_000 + 4 * 3_600_000_000]
    num = cast_column(Column(np.array([1, -3, 0], dtype=np.int32), np.array([True, True, False])),
                      SqlType(R.INT4), SqlType(R.NUMERIC))
    assert num.data[:2].tolist() == [Decimal(1), Decimal(-3)] and num.valid.tolist() == [True, True, False]
    fl = cast_column(Column(_obj([Decimal("1.5"), Decimal("NaN"), None]), np.array([True, True, False])),
                     SqlType(R.NUMERIC), SqlType(R.FLOAT8))
    assert fl.data[0] == 1.5 and np.isnan(fl.data[1])
    with pytest.raises(NumericValueOutOfRange):
        cast_column(Column(_obj([Decimal("1e300")])), SqlType(R.NUMERIC), SqlType(R.FLOAT4))


def test_factorize_object_first_seen_order_and_nulls():
    col = Column(_obj(["b", "a", None, "b", Decimal("1.0"), Decimal("1.00")]),
                 np.array([True, True, False, True, True, True]))
    codes, k = factorize(col)
    assert codes.tolist() == [0, 1, 2, 0, 3, 3] and k == 4
    lists = Column(_obj([[1, 2], [1, 2], [3]]))
    codes, k = factorize(lists)
    assert codes.tolist() == [0, 0, 1] and k == 2


@pytest.mark.parametrize("const", ["a", "a ", "", " ", "a\t"])
def test_bpchar_eq_trailing_spaces(const):
    values = ["a", "a  ", "a\t", "a \x01", "b", "", " ", "a ", "a\t  "]
    col = Column(_obj(values + ["x"]), np.array([True] * len(values) + [False]))
    k = Column(_obj([const] * (len(values) + 1)))
    for impl, want in (("bpchareq", True), ("bpcharne", False)):
        out = SCALARS[impl]([col, k], len(values) + 1, None, None)
        expect = [(v.rstrip(" ") == const.rstrip(" ")) == want for v in values]
        assert out.data[:len(values)].tolist() == expect
        out = SCALARS[impl]([k, col], len(values) + 1, None, None)
        assert out.data[:len(values)].tolist() == expect


def test_bpchar_in_list_through_server(conn):
    conn.execute("drop table if exists pb")
    conn.execute("create table pb (m char(10), p char(15))")
    conn.execute("insert into pb values ('MAIL', '1-URGENT'), ('SHIP ', '2-HIGH'), ('AIR', null)")
    assert conn.execute("select m from pb where m in ('MAIL', 'SHIP  ') order by m").fetchall() == [
        ("MAIL      ",), ("SHIP      ",)]
    assert conn.execute("select count(*) from pb where p = '1-URGENT   '").fetchone() == (1,)
    assert conn.execute("select count(*) from pb where p <> '1-URGENT'").fetchone() == (1,)
    assert conn.execute("select m, count(*) from pb group by m order by m").fetchall() == [
        ("AIR       ", 1), ("MAIL      ", 1), ("SHIP      ", 1)]


def test_copy_column_decode_values_and_first_error(conn):
    conn.execute("drop table if exists pc")
    conn.execute("create table pc (i int, s smallint, n numeric(6,2), d date, c char(3), t text)")
    cur = conn.cursor()
    with cur.copy("copy pc from stdin") as copy:
        copy.write("1\t-2\t1.5\t1998-12-01\tab\tx\n\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n"
                   "-7\t3\t-0.13\t0001-01-01\tabc\t\n+8\t 4\t100.00\t1999-1-2\t\ty\\tz\n")
    rows = conn.execute("select i, s, n, d::text, c, t from pc order by i nulls last").fetchall()
    assert rows == [(-7, 3, Decimal("-0.13"), "0001-01-01", "abc", ""), (1, -2, Decimal("1.5"), "1998-12-01", "ab ", "x"),
                    (8, 4, Decimal("100.00"), "1999-01-02", "   ", "y\tz"), (None, None, None, None, None, None)]
    conn.execute("create table if not exists pc2 (i int, d date)")
    for data, err, where in (
            ("1\t2000-01-01\n2\t2000-02-30\n3\tx\n", errors.DatetimeFieldOverflow, 'line 2, column d: "2000-02-30"'),
            ("1\t2000-01-01\n99999999999\t2000-01-01\n", errors.NumericValueOutOfRange, "line 2, column i"),
            ("1\t2000-01-01\nx\tbad\n", errors.InvalidTextRepresentation, 'line 2, column i: "x"'),
            ("1\tbad\n2\n", errors.InvalidDatetimeFormat, 'line 1, column d: "bad"'),
            ("1\t2000-01-01\n2\n", errors.BadCopyFileFormat, "line 2")):
        with pytest.raises(err) as e:
            with cur.copy("copy pc2 from stdin") as copy:
                copy.write(data)
        assert where in (e.value.diag.context or ""), e.value.diag.context
    assert conn.execute("select count(*) from pc2").fetchone() == (0,)
