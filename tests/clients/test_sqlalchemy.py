"""SQLAlchemy 2 + psycopg through the real server: create_all/drop_all, the ORM unit of work,
and inspect() reflection over pg_catalog."""

from __future__ import annotations

import pytest

sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import ForeignKey, String, create_engine, inspect, select  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "clients_sa_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    code: Mapped[str | None] = mapped_column(String(10), unique=True)


class Address(Base):
    __tablename__ = "clients_sa_addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("clients_sa_users.id"), index=True)
    email: Mapped[str]


# Reflection queries that need SQL-engine features missing today: correlated scalar subqueries
# (get_columns), unnest(int2vector) (get_pk_constraint, get_indexes, get_unique_constraints) and
# a text parameter cast to regclass at run time (get_foreign_keys, get_check_constraints).


@pytest.fixture(scope="module")
def engine(server):
    eng = create_engine(f"postgresql+psycopg://postgres@{server.host}:{server.port}/postgres", pool_pre_ping=True)
    Base.metadata.drop_all(eng)
    Base.metadata.create_all(eng)
    yield eng
    Base.metadata.drop_all(eng)
    assert not inspect(eng).has_table("clients_sa_users")
    eng.dispose()


def test_orm_unit_of_work(engine) -> None:
    with Session(engine) as session:
        session.add_all([User(name="ann", code="a"), User(name="bob", code="b")])
        session.commit()
        ann = session.scalars(select(User).where(User.name == "ann")).one()
        ann.name = "anne"
        session.add(Address(user_id=ann.id, email="anne@example.com"))
        session.commit()
        bob = session.scalars(select(User).where(User.code == "b")).one()
        session.delete(bob)
        session.commit()
        assert session.scalars(select(User.name).order_by(User.id)).all() == ["anne"]
        assert session.scalars(select(Address.email)).all() == ["anne@example.com"]


def test_reflect_table_names(engine) -> None:
    inspector = inspect(engine)
    names = inspector.get_table_names()
    assert {"clients_sa_users", "clients_sa_addresses"} <= set(names)
    assert inspector.has_table("clients_sa_addresses")
    assert not inspector.has_table("clients_sa_missing")


def test_reflect_columns(engine) -> None:
    columns = inspect(engine).get_columns("clients_sa_users")
    assert [(c["name"], str(c["type"]), c["nullable"]) for c in columns] == [
        ("id", "INTEGER", False), ("name", "VARCHAR(30)", False), ("code", "VARCHAR(10)", True)]


def test_reflect_keys_and_indexes(engine) -> None:
    inspector = inspect(engine)
    assert inspector.get_pk_constraint("clients_sa_users")["constrained_columns"] == ["id"]
    assert [i["column_names"] for i in inspector.get_indexes("clients_sa_addresses")] == [["user_id"]]
    fks = inspector.get_foreign_keys("clients_sa_addresses")
    assert [(f["constrained_columns"], f["referred_table"]) for f in fks] == [(["user_id"], "clients_sa_users")]
