"""COPY FROM text and CSV (engine/copy_scan.py on the bytes, copy_decode.py and copy_csv.py on
strings): the same data loaded into QuantaDB and PostgreSQL 15 reads back the same, and bad data
fails with the same error, line and context."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sql"))
from harness import start_postgres


@pytest.fixture(scope="module")
def servers(server):
    with tempfile.TemporaryDirectory(prefix="quantadb-copytest-pg-") as tmp:
        started = start_postgres(tmp)
        if started is None:
            pytest.skip("PostgreSQL 15 is not installed")
        pg, stop = started
        try:
            yield [server.dsn, pg.dsn()]
        finally:
            stop()


def _load(dsn: str, ddl: str, data: str | bytes, query: str, options: str = "") -> list[tuple] | tuple[str, str, str]:
    """The rows of `query` after the COPY, as the server's text; or the error (SQLSTATE, message,
    context). The data goes in CopyData messages of 7000 bytes, which cut lines and records."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS cb")
        conn.execute(ddl)
        raw = data.encode() if isinstance(data, str) else data
        try:
            with conn.cursor().copy(f"COPY cb FROM STDIN {options}") as copy:
                for start in range(0, len(raw), 7000):
                    copy.write(raw[start:start + 7000])
        except psycopg.Error as e:
            return e.sqlstate, e.diag.message_primary, e.diag.context
        r = conn.pgconn.exec_(query.encode())
        return [tuple(None if r.get_value(i, j) is None else r.get_value(i, j).decode() for j in range(r.nfields))
                for i in range(r.ntuples)]


CASES = {
    "numeric keeps each value's scale": (
        "CREATE TABLE cb (n numeric)", "1.5\n2.25\n-0.000\n10\n\\N\n007.10\n", "SELECT n FROM cb"),
    "numeric(15,2) rounds half away from zero": (
        "CREATE TABLE cb (n numeric(15,2))", "1.5\n2.255\n-2.245\n0.004\n-0.005\n123\n-0.00\n",
        "SELECT n, n * 2, sum(n) OVER () FROM cb"),
    "numeric(15,2) uniform scale with NULLs": (
        "CREATE TABLE cb (i int, n numeric(15,2))", "1\t1.50\n2\t\\N\n3\t-99.99\n4\t0.00\n",
        "SELECT i, n, n + 1 FROM cb ORDER BY i"),
    "numeric wider than int64": (
        "CREATE TABLE cb (a numeric(20,2), b numeric)",
        "123456789012345678.91\t99999999999999999999.5\n-1.00\t1234567890123456789\n",
        "SELECT a, b, a + b, sum(a) OVER () FROM cb ORDER BY a"),
    "numeric(18,0) overflow": ("CREATE TABLE cb (n numeric(18,0))", "1\n1000000000000000000\n", "SELECT n FROM cb"),
    "numeric(5,2) overflow by rounding": ("CREATE TABLE cb (n numeric(5,2))", "1.5\n999.995\n", "SELECT n FROM cb"),
    "dates": ("CREATE TABLE cb (d date)", "2000-01-01\n1999-12-31\n2024-02-29\n0001-01-01\n9999-12-31\n",
              "SELECT d, d - date '2000-01-01' FROM cb"),
    "no such date": ("CREATE TABLE cb (d date)", "2024-02-29\n2021-02-29\n", "SELECT d FROM cb"),
    "char(n) pads, varchar(n) keeps": (
        "CREATE TABLE cb (c char(5), v varchar(5))", "a\ta\nabcde\tabcde\nab \tab \n", "SELECT c || '|', v || '|' FROM cb"),
    "char(n) values differing in trailing blanks": (
        "CREATE TABLE cb (c char(3), t text)", "a\ta\na \ta \na\ta\nb\t\\N\n",
        "SELECT c || '|', t || '|', count(*) FROM cb GROUP BY c, t"),
    "escapes and NULLs beside plain chunks": (
        "CREATE TABLE cb (i int, t text, n numeric(6,2))",
        "".join(f"{i}\tw{i % 3}\t{i % 7}.5\n" for i in range(40_000)) + "40000\tx\\ty\t\\N\n-1\t\\N\t1\n",
        "SELECT t, count(*), sum(n), count(n) FROM cb GROUP BY t"),
    "varchar(n) too long": ("CREATE TABLE cb (v varchar(3))", "abc\nabcd\n", "SELECT v FROM cb"),
    "integer out of range": ("CREATE TABLE cb (i int, j int)", "1\t2\n2147483648\t1\n", "SELECT i FROM cb"),
    "missing column": ("CREATE TABLE cb (i int, j int)", "1\t2\n3\t4\n5\n", "SELECT i FROM cb"),
    "many rows, several batches": (
        "CREATE TABLE cb (i int, n numeric(12,2), d date)",
        "".join(f"{i}\t{i * 37 % 100000 - 50000}.{i % 100:02d}\t20{i % 30:02d}-0{i % 9 + 1}-1{i % 10}\n"
                for i in range(150_000)),
        "SELECT count(*), sum(n), avg(n), min(n), max(n), sum(i), min(d), max(d) FROM cb"),
}


I4 = "CREATE TABLE cb (i int4)"
EDGES = {  # (DDL, data, query[, COPY options]); the byte-level scan (copy_scan.py) and the exact paths
    "int4 bounds": (I4, "2147483647\n-2147483648\n+5\n-0\n007\n", "SELECT i FROM cb"),
    "int4 past max": (I4, "1\n2147483648\n", "SELECT i FROM cb"),
    "int4 past min": (I4, "1\n-2147483649\n", "SELECT i FROM cb"),
    "int4 blanks": (I4, " 1\n2 \n", "SELECT i FROM cb"),
    "int4 empty field": ("CREATE TABLE cb (i int4, j int4)", "1\t2\n\t3\n", "SELECT i FROM cb"),
    "int2 past max": ("CREATE TABLE cb (i int2)", "32767\n-32768\n32768\n", "SELECT i FROM cb"),
    "int8 bounds": ("CREATE TABLE cb (i int8)", "9223372036854775807\n-9223372036854775808\n12345678901234567\n",
                    "SELECT i FROM cb"),
    "int8 past max": ("CREATE TABLE cb (i int8)", "9223372036854775808\n", "SELECT i FROM cb"),
    "int sign alone": (I4, "1\n-\n", "SELECT i FROM cb"),
    "bad int on line 3": ("CREATE TABLE cb (i int4, t text)", "1\ta\n2\tb\n3x\tc\n", "SELECT i FROM cb"),
    "NULLs of each type": ("CREATE TABLE cb (i int4, n numeric(10,2), d date, t text, c char(3))",
                           "1\t\\N\t\\N\t\\N\t\\N\n\\N\t1.5\t2020-01-01\tx\ty\n3\t2.25\t\\N\t\\N\tzz\n",
                           "SELECT * FROM cb"),
    "\\N inside a field": ("CREATE TABLE cb (t text)", "a\\Nb\n\\N\n\\\\N\n", "SELECT t, t IS NULL FROM cb"),
    "escapes": ("CREATE TABLE cb (t text)", "a\\tb\n\\x41\\101\\n\n\\\\\n", "SELECT t, length(t) FROM cb"),
    "escaped delimiter": ("CREATE TABLE cb (t text, i int)", "a\\|b|1\nc\\\\|2\n", "SELECT t, i FROM cb", "(DELIMITER '|')"),
    "end marker": ("CREATE TABLE cb (i int)", "1\n2\n\\.\n", "SELECT i FROM cb"),
    "data after the end marker": ("CREATE TABLE cb (i int)", "1\n2\n\\.\n3\n", "SELECT i FROM cb"),
    "end marker after 300000 rows": ("CREATE TABLE cb (i int, t text)",
                                     "".join(f"{i}\tx{i % 7}\n" for i in range(300_000)) + "\\.\n",
                                     "SELECT count(*), count(DISTINCT t) FROM cb"),
    "empty line, one column": ("CREATE TABLE cb (t text)", "a\n\nb\n", "SELECT t, length(t) FROM cb"),
    "empty line, two columns": ("CREATE TABLE cb (t text, u text)", "a\tb\n\nc\td\n", "SELECT t FROM cb"),
    "empty line, int": (I4, "1\n\n2\n", "SELECT i FROM cb"),
    "CRLF": ("CREATE TABLE cb (t text, i int)", "a\t1\r\nb\t2\r\n", "SELECT t, i FROM cb"),
    "UTF-8": ("CREATE TABLE cb (t text, v varchar(3), c char(4))", "héllo\tñañ\tü\n日本\t日本語\t日\n",
              "SELECT t, v, c || '|', length(c), octet_length(t) FROM cb"),
    "UTF-8 varchar(n) too long": ("CREATE TABLE cb (v varchar(3))", "ñañ\nñaña\n", "SELECT v FROM cb"),
    "invalid UTF-8": ("CREATE TABLE cb (t text)", b"ok\n\xff\xfe\n", "SELECT t FROM cb"),
    "invalid UTF-8 sequence": ("CREATE TABLE cb (t text, i int)", b"ok\t1\nx\xe6\x97y\t2\n", "SELECT t FROM cb"),
    "bad int before invalid UTF-8": ("CREATE TABLE cb (t text, i int)", b"ok\tx\nx\xff\t2\n", "SELECT t FROM cb"),
    "numeric spellings": ("CREATE TABLE cb (n numeric)", "1.5\n-2.250\n+3\n.5\n5.\n1e3\nNaN\n 7 \n-0.00\n",
                          "SELECT n FROM cb"),
    "numeric(5,2) rounds": ("CREATE TABLE cb (n numeric(5,2))", "1.005\n-1.005\n999.994\n0.1\n12\n", "SELECT n FROM cb"),
    "numeric(5,2) overflow of an integer": ("CREATE TABLE cb (n numeric(5,2))", "1\n1000\n", "SELECT n FROM cb"),
    "numeric two points": ("CREATE TABLE cb (n numeric)", "1.2.3\n", "SELECT n FROM cb"),
    "numeric(20,2) past int64": ("CREATE TABLE cb (n numeric(20,2))", "1234567890123456.78\n-99999999999999999.99\n",
                                 "SELECT n, n * 2 FROM cb"),
    "numeric(12,10)": ("CREATE TABLE cb (n numeric(12,10))", "1.0123456789\n1.01234567891\n", "SELECT n FROM cb"),
    "date spellings": ("CREATE TABLE cb (d date)", ("2000-01-01\n0001-01-01\n9999-12-31\n1999-1-5\n20200102\n"
                       "2020-01-02 BC\ninfinity\n-infinity\nepoch\n"), "SELECT d FROM cb"),
    "date Feb 30": ("CREATE TABLE cb (d date)", "2020-02-28\n2020-02-30\n", "SELECT d FROM cb"),
    "date year 0": ("CREATE TABLE cb (d date)", "0000-01-01\n", "SELECT d FROM cb"),
    "date month 13": ("CREATE TABLE cb (i int, d date)", "1\t2020-12-01\n2\t2020-13-01\n", "SELECT d FROM cb"),
    "timestamps": ("CREATE TABLE cb (t timestamp, z timestamptz)",
                   ("2020-01-01 10:00:00\t2020-01-01 10:00:00+02\n2020-01-01 10:00:00.123456\t\\N\n"
                   "infinity\t-infinity\n0044-03-15 12:00:00 BC\t2020-06-01T00:00:00Z\n"), "SELECT t, z FROM cb"),
    "floats and bools": ("CREATE TABLE cb (f float8, b bool)", "1.5\tt\n-inf\tfalse\nNaN\tyes\n1e308\t0\n",
                         "SELECT f, b FROM cb"),
    "extra column": ("CREATE TABLE cb (i int, j int)", "1\t2\n3\t4\t5\n", "SELECT i FROM cb"),
    "char(n) with NULLs": ("CREATE TABLE cb (c char(3), v varchar(5))", "a\ta\na \ta \nabc\tabcde\n\\N\t\\N\n",
                           "SELECT c || '|', v || '|', c = 'a', count(*) OVER (PARTITION BY c) FROM cb"),
    "char(n) too long": ("CREATE TABLE cb (c char(3))", "abc\nabcd\n", "SELECT c FROM cb"),
    "char(n) trailing blanks": ("CREATE TABLE cb (c char(3))", "abc   \nab\n", "SELECT c || '|' FROM cb"),
    "empty strings": ("CREATE TABLE cb (t text, u text)", "\t\n\tx\nx\t\n", "SELECT t = '', u = '', t IS NULL FROM cb"),
    "bad numeric in a later chunk": ("CREATE TABLE cb (i int, n numeric(6,2))",
                                     "".join(f"{i}\t{i}.5\n" for i in range(3000)) + "3000\tabc\n", "SELECT count(*) FROM cb"),
    "overflow after 200000 rows": (I4, "".join(f"{i}\n" for i in range(200_000)) + "99999999999\n", "SELECT count(*) FROM cb"),
    "text NULL option": ("CREATE TABLE cb (t text, i int)", "NULL\t1\na\tNULL\n", "SELECT t, i FROM cb", "(NULL 'NULL')"),
    "text HEADER": ("CREATE TABLE cb (t text, i int)", "x\ty\na\t1\n", "SELECT t, i FROM cb", "(HEADER true)"),
    "CSV empty string and NULL": ("CREATE TABLE cb (t text, i int)", 'a,1\n"",2\n,3\n"x ""y""",\n',
                                  "SELECT t, t IS NULL, i FROM cb", "(FORMAT csv)"),
    "CSV newline in quotes": ("CREATE TABLE cb (t text, i int)", '"line1\nline2",1\n"a,b",2\n', "SELECT t, i FROM cb",
                              "(FORMAT csv)"),
    "CSV bad int after a two-line record": ("CREATE TABLE cb (t text, i int)", 'a,1\n"b\nc",x\n', "SELECT t FROM cb",
                                            "(FORMAT csv)"),
    "CSV empty line, one column": ("CREATE TABLE cb (t text)", "a\n\nb\n", "SELECT t, t IS NULL FROM cb", "(FORMAT csv)"),
    "CSV empty line, two columns": ("CREATE TABLE cb (t text, u text)", "a,b\n\nb,c\n", "SELECT t FROM cb", "(FORMAT csv)"),
    "CSV FORCE_NULL": ("CREATE TABLE cb (t text, u text)", 'a,""\n"",\nNULL,"NULL"\n',
                       "SELECT t, t IS NULL, u, u IS NULL FROM cb", "(FORMAT csv, FORCE_NULL (t, u))"),
    "CSV FORCE_NOT_NULL": ("CREATE TABLE cb (t text, u text)", 'a,""\n"",\n', "SELECT t, t IS NULL, u, u IS NULL FROM cb",
                           "(FORMAT csv, FORCE_NOT_NULL (t, u))"),
    "CSV NULL option": ("CREATE TABLE cb (t text, u int)", 'NULL,1\n"NULL",\n', "SELECT t, t IS NULL, u FROM cb",
                        "(FORMAT csv, NULL 'NULL')"),
    "CSV unterminated quote": ("CREATE TABLE cb (t text, u int)", 'a,1\n"b,2\n', "SELECT t FROM cb", "(FORMAT csv)"),
    "CSV ESCAPE": ("CREATE TABLE cb (t text, u int)", '"a\\"b",1\n"c\\\\d",2\n"e\\f",3\n', "SELECT t, u FROM cb",
                   "(FORMAT csv, ESCAPE '\\')"),
    "CSV quotes inside a field": ("CREATE TABLE cb (t text, u int)", 'ab"c,d"ef,1\n', "SELECT t, u FROM cb", "(FORMAT csv)"),
    "CSV end marker": ("CREATE TABLE cb (t text, u int)", "a,1\n\\.\nb,2\n", "SELECT t, u FROM cb", "(FORMAT csv)"),
    "CSV backslashes are data": ("CREATE TABLE cb (t text, u int)", "a\\N,1\n\\N,\n", "SELECT t, u FROM cb", "(FORMAT csv)"),
    "CSV unquoted values": ("CREATE TABLE cb (i int, n numeric(8,2), d date, t text)",
                            "1,2.5,2020-01-01,x\n,,,\n3,-1.25,1999-12-31,\n", "SELECT * FROM cb", "(FORMAT csv)"),
    "CSV CRLF": ("CREATE TABLE cb (t text, u int)", 'a,1\r\n"b\r\nc",2\r\n', "SELECT t, u FROM cb", "(FORMAT csv)"),
    "CSV lines inside the first record are not counted": (
        "CREATE TABLE cb (i int, a text)", "".join(f'{i},"x\ny"\n' for i in range(3000)) + 'bad,"a"\n',
        "SELECT count(*) FROM cb", "(FORMAT csv)"),
    "CSV bad first record of two lines": ("CREATE TABLE cb (i int, a text)", 'bad,"x\ny"\n', "SELECT i FROM cb",
                                          "(FORMAT csv)"),
    "CSV quoted, HEADER, records of several lines": ("CREATE TABLE cb (a text, b int)",
                                                     'a,b\n"x\ny",1\n"z",2\n"w\n\nv",\n"q",x\n',
                                                     "SELECT a, b FROM cb", "(FORMAT csv, HEADER true)"),
    "CSV quoted end marker is data": ("CREATE TABLE cb (a text)", '"a"\n"\\."\nb\n\\.\nc\n', "SELECT a FROM cb",
                                      "(FORMAT csv)"),
    "CSV quoted, extra column": ("CREATE TABLE cb (a text, b int)", '"a",1\n"b\nc",2,3\n', "SELECT a FROM cb",
                                 "(FORMAT csv)"),
    "CSV records across CopyData": ("CREATE TABLE cb (t text, u int)",
                                    "".join(f'"row {i}\nsecond, line",{i}\n' for i in range(30_000)),
                                    "SELECT count(*), sum(u), min(t), max(length(t)) FROM cb", "(FORMAT csv)"),
}


@pytest.mark.parametrize("name", list(CASES) + list(EDGES))
def test_copy_matches_postgresql(servers, name):
    case = CASES.get(name) or EDGES[name]
    quantadb, postgres = (_load(dsn, *case) for dsn in servers)
    if isinstance(postgres, list):
        assert sorted(quantadb, key=repr) == sorted(postgres, key=repr)
    else:
        assert quantadb == postgres
