"""SQLAlchemy 2 with the asyncpg driver (create_async_engine "postgresql+asyncpg://") through the
real server: create_all/drop_all, the ORM unit of work, and inspect() reflection run through
run_sync. asyncpg reads every result in binary, so the catalog's binary output (int2vector,
"char") is exercised here as it is not through psycopg."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "clients_saa_teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Player(Base):
    __tablename__ = "clients_saa_players"
    __table_args__ = (UniqueConstraint("team_id", "number", name="clients_saa_players_team_number_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("clients_saa_teams.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    salary: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    joined: Mapped[date | None]


VIEW = "clients_saa_rich"


def run(server, body):
    """Run `body(engine)` on a fresh async engine in its own event loop."""
    async def main():
        engine = create_async_engine(f"postgresql+asyncpg://postgres@{server.host}:{server.port}/postgres")
        try:
            return await body(engine)
        finally:
            await engine.dispose()
    return asyncio.run(main())


@pytest.fixture(scope="module")
def schema(server):
    async def create(engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP VIEW IF EXISTS {VIEW}"))
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
            await conn.execute(text(f"CREATE VIEW {VIEW} AS SELECT id, team_id FROM clients_saa_players "
                                    "WHERE salary > 1000"))

    async def drop(engine: AsyncEngine) -> bool:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP VIEW {VIEW}"))
            await conn.run_sync(Base.metadata.drop_all)
            return await conn.run_sync(lambda c: inspect(c).has_table("clients_saa_teams"))

    run(server, create)
    yield
    assert run(server, drop) is False


def test_orm_unit_of_work(server, schema) -> None:
    async def body(engine: AsyncEngine):
        async with AsyncSession(engine, expire_on_commit=False) as session:
            reds, blues = Team(name="reds"), Team(name="blues")
            session.add_all([reds, blues])
            await session.flush()
            session.add_all([Player(team_id=reds.id, number=n, salary=Decimal(n * 500), joined=date(2024, 1, n))
                             for n in (1, 2, 3)])
            session.add(Player(team_id=blues.id, number=9))
            await session.commit()

            third = (await session.scalars(select(Player).where(Player.number == 3))).one()
            third.salary = Decimal("99.50")
            await session.delete((await session.scalars(select(Player).where(Player.number == 9))).one())
            await session.commit()

            rows = (await session.execute(select(Player.number, Player.salary, Player.joined)
                                          .order_by(Player.number))).all()
            rich = (await session.execute(text(f"SELECT count(*) FROM {VIEW}"))).scalar_one()
            await session.delete(reds)  # ON DELETE CASCADE removes the players too
            await session.commit()
            left = (await session.execute(select(Player.id))).all()
            return rows, rich, left
    rows, rich, left = run(server, body)
    assert rows == [(1, Decimal("500.00"), date(2024, 1, 1)), (2, Decimal("1000.00"), date(2024, 1, 2)),
                    (3, Decimal("99.50"), date(2024, 1, 3))]
    assert rich == 0
    assert left == []


def reflect(server, fn):
    async def body(engine: AsyncEngine):
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync_conn: fn(inspect(sync_conn)))
    return run(server, body)


def test_reflect_tables_and_columns(server, schema) -> None:
    names, columns = reflect(server, lambda i: (i.get_table_names(), i.get_columns("clients_saa_players")))
    assert {"clients_saa_teams", "clients_saa_players"} <= set(names)
    assert VIEW not in names
    assert [(c["name"], str(c["type"]), c["nullable"], c["autoincrement"]) for c in columns] == [
        ("id", "INTEGER", False, True), ("team_id", "INTEGER", False, False), ("number", "INTEGER", False, False),
        ("salary", "NUMERIC(10, 2)", True, False), ("joined", "DATE", True, False)]
    assert columns[0]["default"] == "nextval('clients_saa_players_id_seq'::regclass)"
    assert all("computed" not in c for c in columns)


def test_reflect_keys_and_indexes(server, schema) -> None:
    pk, fks, indexes, uniques = reflect(server, lambda i: (
        i.get_pk_constraint("clients_saa_players"), i.get_foreign_keys("clients_saa_players"),
        i.get_indexes("clients_saa_players"), i.get_unique_constraints("clients_saa_players")))
    assert pk["constrained_columns"] == ["id"] and pk["name"] == "clients_saa_players_pkey"
    assert [(f["constrained_columns"], f["referred_table"], f["referred_columns"], f["options"]) for f in fks] == [
        (["team_id"], "clients_saa_teams", ["id"], {"ondelete": "CASCADE"})]
    # the unique constraint's index is listed too, marked as duplicating it (as on PostgreSQL 15)
    assert [(i["name"], i["column_names"], i["unique"], i.get("duplicates_constraint")) for i in indexes] == [
        ("clients_saa_players_team_number_key", ["team_id", "number"], True, "clients_saa_players_team_number_key"),
        ("ix_clients_saa_players_team_id", ["team_id"], False, None)]
    assert [(u["name"], u["column_names"]) for u in uniques] == [
        ("clients_saa_players_team_number_key", ["team_id", "number"])]


def test_reflect_views(server, schema) -> None:
    views, definition = reflect(server, lambda i: (i.get_view_names(), i.get_view_definition(VIEW)))
    assert VIEW in views
    assert "clients_saa_players" in definition and "salary > " in definition
