"""SQLAlchemy 2's Enum column type through the real server: create_all issues CREATE TYPE ... AS
ENUM after checking pg_type for it, values round-trip as Python enums, ORDER BY follows the
declaration order, inspect() lists the type with its labels, drop_all drops the type too."""

from __future__ import annotations

import asyncio
import enum

import pytest

sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import Enum, MetaData, create_engine, inspect, select  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402


class Status(enum.Enum):
    todo = "todo"
    doing = "doing"
    done = "done"


class Base(DeclarativeBase):
    metadata = MetaData()


class Task(Base):
    __tablename__ = "clients_sa_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(Enum(Status, name="clients_sa_status"))


@pytest.mark.parametrize("driver", ["psycopg", "asyncpg"])
def test_enum_column_create_use_drop(server, driver) -> None:
    if driver == "asyncpg":
        pytest.importorskip("asyncpg")
        url = f"postgresql+asyncpg://postgres@{server.host}:{server.port}/postgres"
        from sqlalchemy.ext.asyncio import create_async_engine

        async def run() -> list:
            eng = create_async_engine(url)
            async with eng.begin() as conn:
                await conn.run_sync(Base.metadata.drop_all)
                await conn.run_sync(Base.metadata.create_all)
                await conn.execute(Task.__table__.insert(), [{"id": 1, "status": Status.done},
                                                             {"id": 2, "status": Status.todo}])
                rows = (await conn.execute(select(Task.status).order_by(Task.status))).all()
                await conn.run_sync(Base.metadata.drop_all)
            await eng.dispose()
            return [r[0] for r in rows]
        assert asyncio.run(run()) == [Status.todo, Status.done]
        return
    eng = create_engine(f"postgresql+psycopg://postgres@{server.host}:{server.port}/postgres")
    Base.metadata.drop_all(eng)
    Base.metadata.create_all(eng)
    Base.metadata.create_all(eng)  # checkfirst: the type and table exist, nothing is created twice
    with Session(eng) as session:
        session.add_all([Task(id=1, status=Status.done), Task(id=2, status=Status.todo),
                         Task(id=3, status=Status.doing)])
        session.commit()
        assert session.scalars(select(Task.status).order_by(Task.status)).all() == \
            [Status.todo, Status.doing, Status.done]
        assert session.scalars(select(Task.id).where(Task.status > Status.todo).order_by(Task.id)).all() == [1, 3]
    enums = inspect(eng).get_enums()
    assert [(e["name"], e["labels"]) for e in enums if e["name"] == "clients_sa_status"] == \
        [("clients_sa_status", ["todo", "doing", "done"])]
    Base.metadata.drop_all(eng)
    insp = inspect(eng)
    assert not insp.has_table("clients_sa_tasks")
    assert not any(e["name"] == "clients_sa_status" for e in insp.get_enums())
    eng.dispose()
