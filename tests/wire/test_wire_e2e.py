"""End to end through the real server process: psycopg (text and binary), asyncpg, psql."""

import asyncio
import os
import subprocess
import threading

import asyncpg
import psycopg
import pytest


def test_psycopg_text_and_binary(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS e2e_t")
        conn.execute("CREATE TABLE e2e_t (id int, name text, ok bool, x float8)")
        conn.execute("INSERT INTO e2e_t VALUES (%s, %s, %s, %s)", (1, "one", True, 1.5))
        cur = conn.execute("INSERT INTO e2e_t VALUES (2, 'two', false, NULL), (3, NULL, NULL, 0.25)")
        assert cur.statusmessage == "INSERT 0 2" and cur.rowcount == 2
        rows = conn.execute("SELECT id, name, ok, x FROM e2e_t ORDER BY id").fetchall()
        assert rows == [(1, "one", True, 1.5), (2, "two", False, None), (3, None, None, 0.25)]
        with conn.cursor(binary=True) as cur:
            assert cur.execute("SELECT id, name, ok, x FROM e2e_t WHERE id = %s", (3,)).fetchall() == \
                [(3, None, None, 0.25)]


def test_parameters_without_spaces_and_dollar_quotes(server):
    """`$1,$2` is two parameters, not the start of a dollar quote tagged "1," (psycopg writes
    `%s,%s` so); a dollar quote's tag is an identifier. A simple Query has no parameters: 42P02."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT %s,%s::text", (1, "x")).fetchall() == [(1, "x")]
        assert conn.execute("SELECT 1 WHERE 2 IN (%s,%s)", (3, 2)).fetchall() == [(1,)]
        assert conn.execute("SELECT $$a,$1$$, $q$b$q$").fetchall() == [("a,$1", "b")]
        with pytest.raises(psycopg.errors.UndefinedParameter, match=r"there is no parameter \$1"):
            conn.execute("SELECT $1,$2")


def test_psycopg_transactions_and_status(server):
    with psycopg.connect(server.dsn) as conn:
        info = conn.info
        assert info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        conn.execute("SELECT 1")
        assert info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT * FROM no_such_table_e2e")
        assert info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        conn.rollback()
        assert info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_startup_parameter_status(server):
    with psycopg.connect(server.dsn, application_name="e2e-app") as conn:
        ps = conn.info.parameter_status
        assert ps("server_version").startswith("15.")
        assert conn.info.server_version // 100 == 1500
        assert ps("client_encoding") == "UTF8" and ps("DateStyle") == "ISO, MDY"
        assert ps("integer_datetimes") == "on" and ps("standard_conforming_strings") == "on"
        assert ps("application_name") == "e2e-app"
        pid = conn.info.backend_pid
        assert conn.execute("SELECT pg_backend_pid()").fetchone()[0] == pid


def test_psycopg_cancel(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        threading.Timer(0.5, conn.cancel).start()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(20)")
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_psycopg_copy(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS e2e_copy")
        conn.execute("CREATE TABLE e2e_copy (a int, b text)")
        with conn.cursor() as cur:
            with cur.copy("COPY e2e_copy FROM STDIN") as copy:
                for i in range(100):
                    copy.write_row((i, f"r{i}"))
            assert cur.rowcount == 100
            lines = []
            with cur.copy("COPY e2e_copy TO STDOUT") as copy:
                for data in copy:
                    lines.append(bytes(data))
            assert len(b"".join(lines).splitlines()) == 100


def test_asyncpg_roundtrips(server):
    async def go():
        conn = await asyncpg.connect(host=server.host, port=server.port, user="postgres", database="postgres")
        try:
            assert await conn.fetchval("SELECT 1") == 1
            assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
            await conn.execute("DROP TABLE IF EXISTS e2e_apg")
            await conn.execute("CREATE TABLE e2e_apg (id int, v text)")
            await conn.executemany("INSERT INTO e2e_apg VALUES ($1, $2)", [(i, str(i)) for i in range(20)])
            assert await conn.fetchval("SELECT count(*) FROM e2e_apg") == 20
            rows = await conn.fetch("SELECT id, v FROM e2e_apg WHERE id = $1", 5)
            assert [tuple(r) for r in rows] == [(5, "5")]
            with pytest.raises(asyncio.TimeoutError):  # asyncpg sends a CancelRequest, then raises
                await conn.fetchval("SELECT pg_sleep(20)", timeout=0.5)
            assert await asyncio.wait_for(conn.fetchval("SELECT 2"), 10) == 2
        finally:
            await conn.close()
    asyncio.run(go())


def psql(server, *args, env=None, input=None):
    return subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", server.dsn, *args],
                          capture_output=True, text=True, timeout=60, input=input,
                          env={**os.environ, **(env or {})})


def test_psql_c_and_f(server, tmp_path):
    r = psql(server, "-c", "SELECT 1", env={"LANG": "C", "LC_ALL": "C"})
    assert r.returncode == 0 and r.stdout == "1\n", r.stderr
    script = tmp_path / "s.sql"
    script.write_text("DROP TABLE IF EXISTS e2e_psql;\nCREATE TABLE e2e_psql (a int);\n"
                      "INSERT INTO e2e_psql VALUES (1), (2);\nSELECT sum(a) FROM e2e_psql;\n")
    r = psql(server, "-f", str(script))
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1] == "3", r.stderr


def test_psql_error_has_sqlstate_and_caret(server):
    r = psql(server, "-c", "SELECT * FROM no_such_table_psql", env={"PGOPTIONS": ""})
    assert r.returncode != 0
    assert 'relation "no_such_table_psql" does not exist' in r.stderr


def test_empty_statement_ping_and_asyncpg_reset_string(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        cur = conn.execute(";")
        assert cur.pgresult.status == psycopg.pq.ExecStatus.EMPTY_QUERY

    async def go():
        pool = await asyncpg.create_pool(host=server.host, port=server.port, user="postgres",
                                         database="postgres", min_size=1, max_size=2)
        try:
            for _ in range(5):
                async with pool.acquire() as conn:  # release runs the reset query string
                    assert await conn.fetchval("SELECT 1") == 1
        finally:
            await pool.close()
    asyncio.run(go())


def test_asyncpg_cursor_portal_suspended(server):
    async def go():
        conn = await asyncpg.connect(host=server.host, port=server.port, user="postgres", database="postgres")
        try:
            async with conn.transaction():
                got = [r[0] async for r in conn.cursor("SELECT g FROM generate_series(1, 50) AS g", prefetch=7)]
            assert got == list(range(1, 51))
        finally:
            await conn.close()
    asyncio.run(go())


@pytest.mark.parametrize("encoding", ["UTF8", "unicode", "'utf-8'", "SQL_ASCII"])
def test_client_encoding_spellings(server, encoding):
    with psycopg.connect(server.dsn, client_encoding=encoding) as conn:
        expected = "SQL_ASCII" if encoding == "SQL_ASCII" else "UTF8"
        assert conn.info.parameter_status("client_encoding") == expected


def test_failing_statement_is_logged_with_its_text(start_quantadb):
    srv = start_quantadb()
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("select * from no_such_table_for_the_log")
        # a simple Query of a utility statement: parsed as the message arrives
        result = c.pgconn.exec_(b"ALTER TABLE ((")
        assert result.error_field(psycopg.pq.DiagnosticField.SQLSTATE) == b"42601"
    assert srv.stop() == 0
    lines = [line for line in srv.log_text().splitlines() if "[sql] ERROR 42P01" in line]
    assert lines and "STATEMENT: select * from no_such_table_for_the_log" in lines[0]
    lines = [line for line in srv.log_text().splitlines() if "[sql] ERROR 42601" in line]
    assert lines and lines[0].endswith("STATEMENT: ALTER TABLE ((")


def test_query_text_in_latin1_and_invalid_utf8(server):
    """Query and Parse texts are read in client_encoding; bytes invalid in it are an ERROR
    (22021, PostgreSQL's message), not the end of the connection, and abort a block."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("SET client_encoding TO 'LATIN1'")
        assert conn.execute("SELECT 'é' AS x, length('é')").fetchone() == ("é", 1)
        assert conn.execute("SELECT 'é' || %s", ("ü",), prepare=True).fetchone() == ("éü",)
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        pg = conn.pgconn
        pg.send_query(b"SELECT '\xe9'")
        result = pg.get_result()
        assert result.error_field(psycopg.pq.DiagnosticField.SQLSTATE) == b"22021"
        assert result.error_field(psycopg.pq.DiagnosticField.MESSAGE_PRIMARY) == \
            b'invalid byte sequence for encoding "UTF8": 0xe9 0x27'
        while pg.get_result() is not None:
            pass
        assert conn.execute("SELECT 1").fetchone() == (1,)
        pg.send_prepare(b"bad", b"SELECT '\xff'")
        assert pg.get_result().error_field(psycopg.pq.DiagnosticField.SQLSTATE) == b"22021"
        while pg.get_result() is not None:
            pass
        conn.execute("BEGIN")
        pg.send_query(b"SELECT '\xe9'")
        while pg.get_result() is not None:
            pass
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT 'ok'").fetchone() == ("ok",)


def test_invalid_bytes_in_statement_and_portal_names(server):
    """A statement or portal name not valid in client_encoding is an ERROR 22021 too (it ended
    the connection), in Parse, Describe and Bind alike, and it aborts a block."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        pg = conn.pgconn
        sends = [lambda: pg.send_prepare(b"bad\xff", b"SELECT 1"), lambda: pg.send_describe_prepared(b"x\xe9"),
                 lambda: pg.send_query_prepared(b"n\xe9", []), lambda: pg.send_describe_portal(b"p\xe9")]
        for send, byte in zip(sends, (b"0xff", b"0xe9", b"0xe9", b"0xe9")):
            send()
            result = pg.get_result()
            assert result.error_field(psycopg.pq.DiagnosticField.SEVERITY) == b"ERROR"
            assert result.error_field(psycopg.pq.DiagnosticField.SQLSTATE) == b"22021"
            assert result.error_field(psycopg.pq.DiagnosticField.MESSAGE_PRIMARY) == \
                b'invalid byte sequence for encoding "UTF8": ' + byte
            while pg.get_result() is not None:
                pass
            assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.execute("BEGIN")
        pg.send_describe_prepared(b"x\xe9")
        while pg.get_result() is not None:
            pass
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
