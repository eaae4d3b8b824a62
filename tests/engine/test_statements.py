"""COPY, cursors, PREPARE/EXECUTE, SET/SHOW, EXPLAIN, the simple-protocol plan cache (and the
settings its plans depend on), and
data surviving a restart, through real clients (psycopg and psql)."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors


@pytest.fixture
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        yield c


def test_copy_text_csv_binary_round_trip(conn):
    conn.execute("drop table if exists cp")
    conn.execute("create table cp (id int, name text, amount numeric(6,2), note text)")
    cur = conn.cursor()
    with cur.copy("copy cp from stdin") as copy:
        copy.write("1\talpha\t1.50\t\\N\n2\tb\\tc\t2.00\t\n")
    with cur.copy("copy cp (id, name) from stdin (format csv, header true)") as copy:
        copy.write('id,name\n3,"x, ""y"""\n')
    with cur.copy("copy cp from stdin (format binary)") as copy:
        copy.set_types(["int4", "text", "numeric", "text"])
        copy.write_row((4, "bin", Decimal("4.25"), "n"))
    rows = conn.execute("select id, name, amount, note from cp order by id").fetchall()
    assert rows == [(1, "alpha", Decimal("1.50"), None), (2, "b\tc", Decimal("2.00"), ""),
                    (3, 'x, "y"', None, None), (4, "bin", Decimal("4.25"), "n")]
    with cur.copy("copy cp (id, name) to stdout (format csv)") as copy:
        out = b"".join(bytes(chunk) for chunk in copy)
    assert out.decode().splitlines()[2] == '3,"x, ""y"""'
    with cur.copy("copy (select id, note from cp where id < 3 order by id) to stdout") as copy:
        out = b"".join(bytes(chunk) for chunk in copy)
    assert out == b"1\t\\N\n2\t\n"


def test_copy_bad_row_keeps_nothing(conn):
    conn.execute("drop table if exists cp2")
    conn.execute("create table cp2 (id int)")
    cur = conn.cursor()
    with pytest.raises(errors.InvalidTextRepresentation) as e:
        with cur.copy("copy cp2 from stdin") as copy:
            copy.write("1\n2\nthree\n4\n")
    assert "line 3" in (e.value.diag.context or "")
    assert conn.execute("select count(*) from cp2").fetchone() == (0,)


def test_psql_backslash_copy(server, tmp_path):
    data = tmp_path / "in.csv"
    data.write_text("a,b\n1,one\n2,two\n")
    out = tmp_path / "out.csv"
    script = (f"drop table if exists pc; create table pc (a int, b text);\n"
              f"\\copy pc from '{data}' csv header\n"
              f"\\copy (select * from pc order by a) to '{out}' csv\n")
    result = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", server.host, "-p", str(server.port),
                             "-U", "postgres", "-d", "postgres"], input=script, text=True, capture_output=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "COPY 2" in result.stdout
    assert out.read_text() == "1,one\n2,two\n"


def test_prepare_execute_deallocate(conn):
    conn.execute("prepare add (int, int) as select $1 + $2")
    assert conn.execute("execute add (2, 40)").fetchone() == (42,)
    with pytest.raises(errors.DuplicatePreparedStatement):
        conn.execute("prepare add (int) as select $1")
    conn.execute("deallocate add")
    with pytest.raises(errors.InvalidSqlStatementName):
        conn.execute("execute add (1, 2)")


def test_declare_fetch_move_close(conn):
    conn.execute("begin")
    conn.execute("declare c cursor for select g from generate_series(1, 10) g")
    assert conn.execute("fetch 3 from c").fetchall() == [(1,), (2,), (3,)]
    assert conn.execute("move forward 2 in c").statusmessage == "MOVE 2"
    assert conn.execute("fetch next from c").fetchall() == [(6,)]
    assert conn.execute("fetch all from c").fetchall() == [(7,), (8,), (9,), (10,)]
    conn.execute("close c")
    with pytest.raises(errors.InvalidCursorName):
        conn.execute("fetch 1 from c")
    conn.execute("rollback")


def test_scroll_cursor_relative_and_negative_counts(conn):
    """RELATIVE n fetches the one row n away (0: the current one again); a negative count runs
    the other way; positions past either end leave the cursor there. As PostgreSQL 15."""
    conn.execute("begin")
    conn.execute("declare c scroll cursor for select g from generate_series(1, 10) g")
    steps = [("fetch 2 from c", [1, 2]), ("fetch relative -1 from c", [1]), ("fetch relative 3 from c", [4]),
             ("fetch relative 0 from c", [4]), ("fetch -2 from c", [3, 2]), ("fetch forward -1 from c", [1]),
             ("fetch backward -2 from c", [2, 3]), ("fetch relative 20 from c", []),
             ("fetch relative -1 from c", [10]), ("fetch absolute -3 from c", [8]), ("fetch +2 from c", [9, 10])]
    for sql, rows in steps:
        assert [r[0] for r in conn.execute(sql).fetchall()] == rows, sql
    conn.execute("rollback")


def test_psycopg_server_side_cursor(server):
    with psycopg.connect(server.dsn) as c:
        with c.cursor(name="big") as cur:
            cur.execute("select g from generate_series(1, 1000) g")
            assert sum(r[0] for r in cur) == 500500


def test_set_show_reset_and_parameter_status(conn):
    conn.execute("set timezone = 'Europe/Paris'")
    assert conn.info.parameter_status("TimeZone") == "Europe/Paris"
    assert conn.execute("show timezone").fetchone() == ("Europe/Paris",)
    conn.execute("reset timezone")
    assert conn.execute("show TimeZone").fetchone() == ("UTC",)
    assert conn.execute("select current_setting('search_path')").fetchone() == ('"$user", public',)
    with pytest.raises(errors.UndefinedObject):
        conn.execute("show no_such_setting")
    conn.execute("set application_name = 'tests'")
    assert conn.info.parameter_status("application_name") == "tests"


def test_explain_and_explain_analyze(conn):
    conn.execute("drop table if exists ex")
    conn.execute("create table ex (a int primary key, b int)")
    conn.execute("insert into ex select g, g % 3 from generate_series(1, 100) g")
    plan = [r[0] for r in conn.execute("explain select b, count(*) from ex group by b")]
    assert any("Aggregate" in line for line in plan) and any("Seq Scan on ex" in line for line in plan)
    analyzed = [r[0] for r in conn.execute("explain analyze select * from ex where b = 1")]
    assert any("actual time=" in line for line in analyzed) and analyzed[-1].startswith("Execution Time")


def test_simple_queries_with_literals_use_their_types(conn):
    """Literal values are bound as parameters for the plan cache; results must not change."""
    conn.execute("drop table if exists lit")
    conn.execute("create table lit (i int, b bigint, n numeric, t text, d date)")
    conn.execute("insert into lit values (1, 5000000000, 1.25, 'x', '2024-02-29')")
    for value in (1, 2):
        rows = conn.execute(f"select i + {value}, b - {value}, n * {value}, t || '{value}' from lit").fetchall()
        assert rows == [(1 + value, 5000000000 - value, Decimal("1.25") * value, f"x{value}")]
    assert conn.execute("select d = '2024-02-29', i = 2147483648 from lit").fetchone() == (True, False)
    assert conn.execute("select 7 / 2, 7.0 / 2, -3 % 2").fetchone() == (3, Decimal("3.5000000000000000"), -1)
    with pytest.raises(errors.InvalidDatetimeFormat):
        conn.execute("select * from lit where d = 'not a date'")
    with pytest.raises(errors.NumericValueOutOfRange):
        conn.execute("select i + 2147483647 from lit")


def test_cached_plans_follow_the_time_zone(server):
    """A typed literal is read when the statement is bound: a plan bound under another TimeZone
    (by this session or another) must not be reused."""
    query = "select '2014-05-28 12:22:35'::timestamptz::text"
    with psycopg.connect(server.dsn, autocommit=True) as first, psycopg.connect(server.dsn, autocommit=True) as other:
        first.execute("set timezone = 'UTC'")
        assert first.execute(query).fetchone() == ("2014-05-28 12:22:35+00",)
        first.execute("set timezone = 'EST5EDT'")
        assert first.execute(query).fetchone() == ("2014-05-28 12:22:35-04",)
        other.execute("set timezone = 'UTC'")
        assert other.execute(query).fetchone() == ("2014-05-28 12:22:35+00",)


def test_checkpoint_and_restart_keep_data(start_quantadb):
    server = start_quantadb()
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("create table keep (a int primary key, b text)")
        c.execute("insert into keep select g, 'v' || g from generate_series(1, 500) g")
        c.execute("checkpoint")
        c.execute("update keep set b = 'changed' where a <= 10")
        c.execute("delete from keep where a > 490")
    data_dir = server.data_dir
    assert server.stop() == 0
    again = start_quantadb(data_dir=data_dir)
    with psycopg.connect(again.dsn) as c:
        assert c.execute("select count(*), count(*) filter (where b = 'changed') from keep").fetchone() == (490, 10)
        with pytest.raises(errors.UniqueViolation):
            c.execute("insert into keep values (1, 'dup')")


def test_copy_applies_column_typmods(conn):
    conn.execute("drop table if exists cp3")
    conn.execute("create table cp3 (x numeric(6,2), v varchar(3))")
    with conn.cursor().copy("copy cp3 from stdin") as copy:
        copy.write("-0.125\tabc\n1.005\tab\n")
    assert conn.execute("select x, v from cp3 order by v").fetchall() == [(Decimal("1.01"), "ab"),
                                                                          (Decimal("-0.13"), "abc")]
    with pytest.raises(errors.StringDataRightTruncation):
        with conn.cursor().copy("copy cp3 from stdin") as copy:
            copy.write("1\tabcd\n")


@pytest.mark.parametrize("sql,position", [
    ("select x from (values (1)) v(y)", 8),  # the column
    ("select v.nosuch from (values (1)) v(y)", 8),  # a qualified column: its qualifier
    ("select 1, 'abc'::int", 11),  # the literal that does not read as the type
    ("select date 'bad'", 13),
    ("select E'\\n', 'abc'::int", 15),  # E'' is rewritten before parsing: positions are mapped back
])
def test_error_position(conn, sql, position):
    """ErrorResponse's position field, as psql shows with LINE 1 and a caret; PostgreSQL 15's."""
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(sql)
    got = caught.value.diag.statement_position
    assert (int(got) if got is not None else None) == position
    conn.rollback()
