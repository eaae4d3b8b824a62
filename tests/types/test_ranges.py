"""Range types through real clients: psycopg 3 (text and binary results, Range parameters,
RangeInfo.fetch reading pg_range) and asyncpg (binary range codecs from its type introspection,
Range parameters), and range columns surviving a restart (WAL replay and checkpoints).

The psycopg and asyncpg checks run against PostgreSQL 15 too (QUANTADB_TEST_DSN)."""

from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.range import Range, RangeInfo

asyncpg = pytest.importorskip("asyncpg")

SELECT_RANGES = ("SELECT int4range(1, 5), '[1,3]'::int8range, numrange(1.5, NULL), "
                 "daterange('2020-01-01', '2020-02-01'), tsrange('2020-01-01 10:00', NULL, '[]'), "
                 "tstzrange(NULL, NULL), 'empty'::int4range, ARRAY[int4range(1, 2), NULL]")
EXPECTED = (Range(1, 5), Range(1, 4), Range(Decimal("1.5"), None), Range(datetime.date(2020, 1, 1),
            datetime.date(2020, 2, 1)), Range(datetime.datetime(2020, 1, 1, 10), None, "[)"),
            Range(None, None, "()"), Range(empty=True), [Range(1, 2), None])


@pytest.mark.parametrize("binary", [False, True])
def test_psycopg_reads_and_sends_ranges(dsn, binary) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor(binary=binary)
        assert cur.execute(SELECT_RANGES).fetchone() == EXPECTED
        row = cur.execute("SELECT %s::int4range, %s::numrange, %s::daterange, %s::int4range @> 3",
                          [Range(1, 5, "[]"), Range(Decimal("1.5"), None),
                           Range(datetime.date(2020, 1, 1), datetime.date(2020, 1, 3), "(]"), Range(1, 4)]).fetchone()
        assert row == (Range(1, 6), Range(Decimal("1.5"), None), Range(datetime.date(2020, 1, 2),
                       datetime.date(2020, 1, 4)), True)


def test_psycopg_range_info_reads_pg_range(dsn) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        infos = {name: RangeInfo.fetch(conn, name) for name in ("int4range", "numrange", "tstzrange", "daterange")}
    assert {n: (i.oid, i.subtype_oid, i.array_oid) for n, i in infos.items()} == {
        "int4range": (3904, 23, 3905), "numrange": (3906, 1700, 3907), "tstzrange": (3910, 1184, 3911),
        "daterange": (3912, 1082, 3913)}


def test_asyncpg_binary_ranges(dsn) -> None:
    params = conninfo_to_dict(dsn)

    async def main():
        conn = await asyncpg.connect(host=params["host"], port=int(params["port"]), user=params["user"],
                                     database=params["dbname"], ssl=False)
        try:
            got = await conn.fetchrow(SELECT_RANGES)
            sent = await conn.fetchrow(
                "SELECT $1::int4range, $2::numrange, $1 @> 3, $3::tsrange, $4::int8range",
                asyncpg.Range(1, 5, upper_inc=True), asyncpg.Range(Decimal("1.5"), None),
                asyncpg.Range(datetime.datetime(2020, 1, 1), None, lower_inc=False), asyncpg.Range(empty=True))
            return list(got.values()), list(sent.values())
        finally:
            await conn.close()
    got, sent = asyncio.run(main())
    assert got[:3] == [asyncpg.Range(1, 5), asyncpg.Range(1, 4), asyncpg.Range(Decimal("1.5"), None)]
    assert got[5:7] == [asyncpg.Range(None, None, lower_inc=False), asyncpg.Range(empty=True)]
    assert got[7] == [asyncpg.Range(1, 2), None]
    assert sent == [asyncpg.Range(1, 6), asyncpg.Range(Decimal("1.5"), None), True,
                    asyncpg.Range(datetime.datetime(2020, 1, 1), None, lower_inc=False), asyncpg.Range(empty=True)]


def test_binary_copy_round_trip(dsn) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS types_copy_ranges; CREATE TABLE types_copy_ranges "
                     "(id int, r int4range, d daterange, n numrange, t tstzrange)")
        conn.execute("INSERT INTO types_copy_ranges VALUES (1, '[1,5)', '[2020-01-01,)', '(,)', 'empty'), "
                     "(2, NULL, 'empty', '[1.5,2]', '[2020-01-01 00:00+00,2020-01-02 00:00+00)')")
        data = b""
        with conn.cursor().copy("COPY types_copy_ranges TO STDOUT (FORMAT binary)") as copy:
            for block in copy:
                data += bytes(block)
        conn.execute("TRUNCATE types_copy_ranges")
        with conn.cursor().copy("COPY types_copy_ranges FROM STDIN (FORMAT binary)") as copy:
            copy.write(data)
        rows = conn.execute("SELECT id, r::text, d::text, n::text, t = tstzrange('2020-01-01 00:00+00', "
                            "'2020-01-02 00:00+00') FROM types_copy_ranges ORDER BY id").fetchall()
        conn.execute("DROP TABLE types_copy_ranges")
    assert rows == [(1, "[1,5)", "[2020-01-01,)", "(,)", False), (2, None, "empty", "[1.5,2]", True)]


def test_sqlalchemy_reflects_range_columns(dsn) -> None:
    sa = pytest.importorskip("sqlalchemy")
    from sqlalchemy.dialects import postgresql as pg
    engine = sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(dsn))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS types_sa_ranges")
            conn.exec_driver_sql("CREATE TABLE types_sa_ranges (id int PRIMARY KEY, a int4range, b int8range, "
                                 "c numrange, d daterange, e tsrange, f tstzrange)")
        table = sa.Table("types_sa_ranges", sa.MetaData(), autoload_with=engine)
        assert [type(c.type) for c in table.columns][1:] == [pg.INT4RANGE, pg.INT8RANGE, pg.NUMRANGE, pg.DATERANGE,
                                                              pg.TSRANGE, pg.TSTZRANGE]
        with engine.begin() as conn:
            conn.execute(table.insert().values(id=1, a=pg.Range(1, 5, bounds="[]"), d=pg.Range(None, None)))
            rows = conn.execute(sa.select(table.c.a, table.c.d).where(table.c.a.contains(3))).all()
            conn.exec_driver_sql("DROP TABLE types_sa_ranges")
    finally:
        engine.dispose()
    assert rows == [(pg.Range(1, 6, bounds="[)"), pg.Range(None, None, bounds="()"))]


def test_range_columns_survive_a_restart(start_quantadb, tmp_path) -> None:
    data_dir = str(tmp_path / "data")
    srv = start_quantadb(data_dir=data_dir)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE rr (id int, r int4range, t tstzrange, n numrange)")
        conn.execute("INSERT INTO rr VALUES (1, '[1,3]', '[2020-01-01 00:00+00,)', 'empty'), "
                     "(2, NULL, '(,)', '[1.5,2]')")
        conn.execute("CHECKPOINT")
        conn.execute("INSERT INTO rr VALUES (3, '(,5)', NULL, '(0,1)')")
    assert srv.stop() == 0
    srv = start_quantadb(data_dir=data_dir)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        rows = conn.execute("SELECT id, r::text, t::text, n::text FROM rr ORDER BY id").fetchall()
    assert rows == [(1, "[1,4)", '["2020-01-01 00:00:00+00",)', "empty"), (2, None, "(,)", "[1.5,2]"),
                    (3, "(,5)", None, "(0,1)")]
