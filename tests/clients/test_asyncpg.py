"""asyncpg through the real server: binary results, executemany, binary COPY, prepared
statements, nested transactions, the pool's reset query, and its type introspection."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

asyncpg = pytest.importorskip("asyncpg")


def run(server, body) -> object:
    async def main():
        conn = await asyncpg.connect(host=server.host, port=server.port, user="postgres", database="postgres",
                                     ssl=False)
        try:
            return await body(conn)
        finally:
            await conn.close()
    return asyncio.run(main())


def test_fetch_executemany_copy_prepared(server) -> None:
    async def body(conn):
        await conn.execute("DROP TABLE IF EXISTS clients_ap_items; CREATE TABLE clients_ap_items "
                           "(id int PRIMARY KEY, name text, tags text[], price numeric, seen timestamptz)")
        await conn.executemany("INSERT INTO clients_ap_items (id, name, tags, price) VALUES ($1, $2, $3, $4)",
                               [(1, "a", ["x"], Decimal("1.5")), (2, "b", [], Decimal(2))])
        await conn.copy_records_to_table("clients_ap_items", records=[(3, "c", ["y", "z"], Decimal(3), None)],
                                         columns=["id", "name", "tags", "price", "seen"])
        rows = await conn.fetch("SELECT id, name, tags, price FROM clients_ap_items ORDER BY id")
        stmt = await conn.prepare("SELECT name FROM clients_ap_items WHERE id = $1")
        return [tuple(r) for r in rows], [await stmt.fetchval(i) for i in (1, 3)]
    rows, names = run(server, body)
    assert rows == [(1, "a", ["x"], Decimal("1.5")), (2, "b", [], Decimal(2)), (3, "c", ["y", "z"], Decimal(3))]
    assert names == ["a", "c"]


def test_nested_transactions(server) -> None:
    async def body(conn):
        await conn.execute("DROP TABLE IF EXISTS clients_ap_tx; CREATE TABLE clients_ap_tx (id int)")
        async with conn.transaction():
            await conn.execute("INSERT INTO clients_ap_tx VALUES (1)")
            with pytest.raises(ZeroDivisionError):
                async with conn.transaction():
                    await conn.execute("INSERT INTO clients_ap_tx VALUES (2)")
                    raise ZeroDivisionError
        return [r["id"] for r in await conn.fetch("SELECT id FROM clients_ap_tx ORDER BY id")]
    assert run(server, body) == [1]


def test_pool_reset_between_acquires(server) -> None:
    async def main():
        pool = await asyncpg.create_pool(host=server.host, port=server.port, user="postgres", database="postgres",
                                         ssl=False, min_size=1, max_size=2)
        try:
            seen = []
            for _ in range(5):
                async with pool.acquire() as conn:
                    seen.append(await conn.fetchval("SELECT current_setting('application_name') IS NOT NULL"))
            return seen
        finally:
            await pool.close()
    assert asyncio.run(main()) == [True] * 5


def test_builtin_array_codecs_without_introspection(server) -> None:
    async def body(conn):
        return await conn.fetchval("SELECT $1::oid[]", [1, 2]), await conn.fetchval("SELECT $1::text[]", ["a", None])
    assert run(server, body) == ([1, 2], ["a", None])


def test_type_introspection_for_int_arrays(server) -> None:
    async def body(conn):
        return await conn.fetchval("SELECT $1::int[]", [1, 2])
    assert run(server, body) == [1, 2]
