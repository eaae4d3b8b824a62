"""An ERROR in a Parse, Bind or Describe message aborts the transaction, as in PostgreSQL 15
(checked against it): a block enters the failed state (25P02 until ROLLBACK), and an implicit
transaction is rolled back, so the Sync after the failed message commits none of the Executes
before it."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors


@pytest.fixture()
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("drop table if exists xq_t")
        c.execute("create table xq_t (id int)")
        yield c


def test_a_failed_bind_fails_the_block(conn):
    conn.execute("begin")
    conn.execute("insert into xq_t values (1)")
    with pytest.raises(errors.InvalidTextRepresentation):  # "abc" is decoded at Bind, as an int4
        conn.execute("insert into xq_t values (%s)", ["abc"])
    with pytest.raises(errors.InFailedSqlTransaction):
        conn.execute("select 1")
    conn.execute("rollback")
    assert conn.execute("select count(*) from xq_t").fetchone() == (0,)


def test_a_failed_parse_fails_the_block(conn):
    conn.execute("begin")
    with pytest.raises(errors.SyntaxError):
        conn.execute("selec 1", prepare=True)
    with pytest.raises(errors.InFailedSqlTransaction):
        conn.execute("select 1")
    conn.execute("rollback")


def test_a_failed_bind_rolls_back_the_implicit_transaction(conn):
    with pytest.raises(errors.InvalidTextRepresentation):
        with conn.pipeline():  # both statements before one Sync: one implicit transaction
            conn.execute("insert into xq_t values (1)")
            conn.execute("insert into xq_t values (%s)", ["abc"])
    assert conn.execute("select count(*) from xq_t").fetchone() == (0,)
    conn.execute("insert into xq_t values (2)")
    assert conn.execute("select id from xq_t").fetchall() == [(2,)]
