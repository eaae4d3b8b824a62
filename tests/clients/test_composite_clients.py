"""Composite types through real drivers: psycopg's CompositeInfo (text and binary results, binary
parameters: record_recv) and asyncpg, which introspects the type's pg_type and pg_attribute rows
to decode record_send's binary form."""

from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal

import psycopg
import pytest
from psycopg.types.composite import CompositeInfo, register_composite

asyncpg = pytest.importorskip("asyncpg")

SETUP = ("DROP TABLE IF EXISTS clients_comp; DROP TYPE IF EXISTS clients_comp_t;"
         "CREATE TYPE clients_comp_t AS (i int, t text, d date, n numeric, a int[]);"
         "CREATE TABLE clients_comp (id int, v clients_comp_t, vs clients_comp_t[]);"
         "INSERT INTO clients_comp VALUES (1, ROW(1, 'x y', '2020-01-02', 1.5, '{1,2}'), "
         "ARRAY[ROW(2, NULL, NULL, NULL, NULL)::clients_comp_t]), (2, '(,,,,)', NULL), (3, NULL, '{}')")


def test_psycopg_text_and_binary(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(SETUP)
        info = CompositeInfo.fetch(conn, "clients_comp_t")
        register_composite(info, conn)
        make = info.python_type
        want = [(make(1, "x y", datetime.date(2020, 1, 2), Decimal("1.5"), [1, 2]), [make(2, None, None, None, None)]),
                (make(None, None, None, None, None), None), (None, [])]
        for binary in (False, True):
            rows = conn.cursor(binary=binary).execute("SELECT v, vs FROM clients_comp ORDER BY id").fetchall()
            assert rows == want, binary
        for fmt in ("", " (FORMAT binary)"):  # COPY out and back in: record_out/record_in, record_send/recv
            with conn.cursor().copy(f"COPY clients_comp TO STDOUT{fmt}") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            conn.execute("CREATE TEMP TABLE clients_comp_copy (LIKE clients_comp)")
            with conn.cursor().copy(f"COPY clients_comp_copy FROM STDIN{fmt}") as copy:
                copy.write(data)
            assert conn.execute("SELECT v, vs FROM clients_comp_copy ORDER BY id").fetchall() == want, fmt
            conn.execute("DROP TABLE clients_comp_copy")
        sent = make(5, "p", None, None, [3])
        assert conn.cursor(binary=True).execute("SELECT %b::clients_comp_t", [sent]).fetchone() == (sent,)
        assert conn.execute("SELECT (%s::clients_comp_t).t", [sent]).fetchone() == ("p",)


def test_asyncpg_introspects_and_decodes(server) -> None:
    async def main():
        conn = await asyncpg.connect(host=server.host, port=server.port, user="postgres", database="postgres",
                                     ssl=False)
        try:
            await conn.execute(SETUP)
            rows = await conn.fetch("SELECT v, vs FROM clients_comp ORDER BY id")
            echoed = await conn.fetchval("SELECT $1::clients_comp_t", (7, "q", None, None, [1]))
            return [(None if v is None else tuple(v), None if vs is None else [tuple(x) for x in vs])
                    for v, vs in rows], tuple(echoed)
        finally:
            await conn.close()
    rows, echoed = asyncio.run(main())
    assert rows == [((1, "x y", datetime.date(2020, 1, 2), Decimal("1.5"), [1, 2]), [(2, None, None, None, None)]),
                    ((None, None, None, None, None), None), (None, [])]
    assert echoed == (7, "q", None, None, [1])


def test_records_in_binary(server) -> None:
    """Anonymous records (ROW(...), a table's whole row, arrays of them) in record_send's binary
    form, and a composite type's encoder after ALTER TYPE ADD ATTRIBUTE on the same connection."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS clients_rec, clients_rec_v; DROP TYPE IF EXISTS clients_rec_t;"
                     "CREATE TABLE clients_rec (a int, d date); INSERT INTO clients_rec VALUES (1, '2020-01-01');"
                     "CREATE TYPE clients_rec_t AS (x int)")
        cur = conn.cursor(binary=True)
        assert cur.execute("SELECT ROW(1, 'a', NULL::int), ROW(clients_rec.*), ARRAY[ROW(2, date '2020-01-02')] "
                           "FROM clients_rec").fetchone() == \
            ((1, "a", None), (1, datetime.date(2020, 1, 1)), [(2, datetime.date(2020, 1, 2))])
        conn.execute("CREATE TABLE clients_rec_v (v clients_rec_t); INSERT INTO clients_rec_v VALUES ('(1)')")
        text, binary = conn.cursor(), conn.cursor(binary=True)  # (psycopg gives an unregistered type's bytes)
        assert text.execute("SELECT v FROM clients_rec_v").fetchone() == ("(1)",)
        assert binary.execute("SELECT v FROM clients_rec_v").fetchone()[0][:4] == b"\x00\x00\x00\x01"
        conn.execute("ALTER TYPE clients_rec_t ADD ATTRIBUTE y text")
        assert text.execute("SELECT v FROM clients_rec_v").fetchone() == ("(1,)",)
        assert binary.execute("SELECT v FROM clients_rec_v").fetchone()[0][:4] == b"\x00\x00\x00\x02"

    async def main():
        conn = await asyncpg.connect(host=server.host, port=server.port, user="postgres", database="postgres",
                                     ssl=False)
        try:
            return [tuple(await conn.fetchval("SELECT ROW(1, 'a', NULL::int)")),
                    tuple(await conn.fetchval("SELECT clients_rec FROM clients_rec")),
                    [tuple(r) for r in await conn.fetchval("SELECT ARRAY[ROW(2, date '2020-01-02')]")]]
        finally:
            await conn.close()
    assert asyncio.run(main()) == [(1, "a", None), (1, datetime.date(2020, 1, 1)), [(2, datetime.date(2020, 1, 2))]]


def test_table_row_type_through_psycopg(server) -> None:
    """A table's whole row has the table's row type, which psycopg's CompositeInfo finds as a
    composite type (pg_type typrelid and pg_attribute), in text and binary, and as a parameter."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS clients_row_holder, clients_row;"
                     "CREATE TABLE clients_row (a int, d date, s text); INSERT INTO clients_row VALUES (1, '2020-01-01', 'x y');"
                     "CREATE TABLE clients_row_holder (id int, r clients_row, rs clients_row[]);"
                     "INSERT INTO clients_row_holder SELECT 1, clients_row, ARRAY[clients_row] FROM clients_row")
        # unregistered, its binary form is record_send's bytes, typed by the table's row type
        oid = conn.execute("SELECT reltype FROM pg_class WHERE relname = 'clients_row'").fetchone()[0]
        cur = conn.cursor(binary=True)
        cur.execute("SELECT clients_row FROM clients_row")
        assert cur.description[0].type_code == oid
        assert cur.fetchone()[0][:4] == b"\x00\x00\x00\x03"
        info = CompositeInfo.fetch(conn, "clients_row")
        assert [f for f in info.field_names] == ["a", "d", "s"]
        register_composite(info, conn)
        want = info.python_type(1, datetime.date(2020, 1, 1), "x y")
        for binary in (False, True):
            c = conn.cursor(binary=binary)
            assert c.execute("SELECT clients_row FROM clients_row").fetchone() == (want,), binary
            assert c.execute("SELECT r, rs FROM clients_row_holder").fetchone() == (want, [want]), binary
        sent = info.python_type(2, None, "p")
        assert conn.cursor(binary=True).execute("SELECT %b::clients_row", [sent]).fetchone() == (sent,)
        assert conn.execute("SELECT (%s::clients_row).s", [sent]).fetchone() == ("p",)
        for fmt in ("", " (FORMAT binary)"):  # COPY out and back in, text and binary
            with conn.cursor().copy(f"COPY clients_row_holder TO STDOUT{fmt}") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            conn.execute("CREATE TEMP TABLE clients_row_copy (LIKE clients_row_holder)")
            with conn.cursor().copy(f"COPY clients_row_copy FROM STDIN{fmt}") as copy:
                copy.write(data)
            assert conn.execute("SELECT r, rs FROM clients_row_copy").fetchone() == (want, [want]), fmt
            conn.execute("DROP TABLE clients_row_copy")


def test_table_row_type_through_asyncpg(server) -> None:
    """asyncpg introspects a table's row type by its OID (pg_type typrelid, pg_attribute) and decodes
    whole rows, columns of the type and arrays of it, and encodes a parameter of it."""
    async def main():
        conn = await asyncpg.connect(host=server.host, port=server.port, user="postgres", database="postgres",
                                     ssl=False)
        try:
            await conn.execute("DROP TABLE IF EXISTS clients_arow_h, clients_arow;"
                               "CREATE TABLE clients_arow (a int, d date, s text);"
                               "INSERT INTO clients_arow VALUES (1, '2020-01-02', 'q');"
                               "CREATE TABLE clients_arow_h (r clients_arow, rs clients_arow[]);"
                               "INSERT INTO clients_arow_h SELECT clients_arow, ARRAY[clients_arow] FROM clients_arow")
            whole = await conn.fetchval("SELECT clients_arow FROM clients_arow")
            r, rs = await conn.fetchrow("SELECT r, rs FROM clients_arow_h")
            echoed = await conn.fetchval("SELECT $1::clients_arow", (5, None, "z"))
            return tuple(whole), tuple(r), [tuple(x) for x in rs], tuple(echoed)
        finally:
            await conn.close()
    row = (1, datetime.date(2020, 1, 2), "q")
    assert asyncio.run(main()) == (row, row, [row], (5, None, "z"))
