"""Transaction control as clients see it: tags, ReadyForQuery status, savepoints, 25P02,
SET semantics inside transactions, read-only transactions, isolation levels."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from psycopg.pq import TransactionStatus


@pytest.fixture
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        yield c


def test_begin_commit_rollback_status(conn):
    conn.execute("drop table if exists tx1")
    conn.execute("create table tx1 (a int)")
    assert conn.info.transaction_status == TransactionStatus.IDLE
    cur = conn.execute("begin")
    assert cur.statusmessage == "BEGIN"
    assert conn.info.transaction_status == TransactionStatus.INTRANS
    conn.execute("insert into tx1 values (1)")
    assert conn.execute("rollback").statusmessage == "ROLLBACK"
    assert conn.execute("select count(*) from tx1").fetchone() == (0,)
    conn.execute("start transaction isolation level repeatable read")
    conn.execute("insert into tx1 values (2)")
    assert conn.execute("commit").statusmessage == "COMMIT"
    assert conn.execute("select a from tx1").fetchall() == [(2,)]


def test_error_in_block_fails_until_rollback(conn):
    conn.execute("begin")
    with pytest.raises(errors.DivisionByZero):
        conn.execute("select 1/0")
    assert conn.info.transaction_status == TransactionStatus.INERROR
    with pytest.raises(errors.InFailedSqlTransaction):
        conn.execute("select 1")
    # COMMIT of a failed transaction rolls back and says so
    assert conn.execute("commit").statusmessage == "ROLLBACK"
    assert conn.info.transaction_status == TransactionStatus.IDLE


def test_savepoints(conn):
    conn.execute("drop table if exists tx2")
    conn.execute("create table tx2 (a int primary key)")
    conn.execute("begin")
    conn.execute("insert into tx2 values (1)")
    conn.execute('savepoint "_pg3_1"')
    with pytest.raises(errors.UniqueViolation):
        conn.execute("insert into tx2 values (1)")
    assert conn.execute('rollback to savepoint "_pg3_1"').statusmessage == "ROLLBACK"
    assert conn.info.transaction_status == TransactionStatus.INTRANS
    conn.execute("insert into tx2 values (2)")
    conn.execute("savepoint s2")
    conn.execute("insert into tx2 values (3)")
    assert conn.execute("release savepoint s2").statusmessage == "RELEASE"
    conn.execute("commit")
    assert conn.execute("select a from tx2 order by a").fetchall() == [(1,), (2,), (3,)]


def test_savepoint_outside_block_is_an_error(conn):
    with pytest.raises(errors.NoActiveSqlTransaction):
        conn.execute("savepoint x")


def test_psycopg_nested_transactions(server):
    with psycopg.connect(server.dsn) as c:
        c.execute("drop table if exists tx3")
        c.execute("create table tx3 (a int)")
        c.commit()
        with c.transaction():
            c.execute("insert into tx3 values (1)")
            with pytest.raises(errors.DivisionByZero):
                with c.transaction():
                    c.execute("insert into tx3 values (2)")
                    c.execute("select 1/0")
            c.execute("insert into tx3 values (3)")
        assert c.execute("select a from tx3 order by a").fetchall() == [(1,), (3,)]


def test_warnings_for_misplaced_transaction_commands(conn):
    notices = []
    conn.add_notice_handler(lambda d: notices.append((d.severity, d.sqlstate, d.message_primary)))
    conn.execute("commit")
    conn.execute("begin")
    conn.execute("begin")
    conn.execute("rollback")
    assert ("WARNING", "25P01", "there is no transaction in progress") in notices
    assert ("WARNING", "25001", "there is already a transaction in progress") in notices


def test_prepare_transaction_rolls_back_as_with_max_prepared_transactions_0(conn):
    """PostgreSQL 15's defaults: PREPARE TRANSACTION becomes a ROLLBACK (55000 unless the block had
    failed already), and no prepared transaction exists to COMMIT or ROLLBACK PREPARED."""
    conn.execute("drop table if exists tx_prep")
    conn.execute("create table tx_prep (a int)")
    conn.execute("begin")
    conn.execute("insert into tx_prep values (1)")
    with pytest.raises(errors.ObjectNotInPrerequisiteState) as e:
        conn.execute("prepare transaction 'x'")
    assert (e.value.diag.message_primary, e.value.diag.message_hint) == (
        "prepared transactions are disabled", "Set max_prepared_transactions to a nonzero value.")
    assert conn.info.transaction_status == TransactionStatus.IDLE
    assert conn.execute("select count(*) from tx_prep").fetchone() == (0,)
    conn.execute("begin")
    with pytest.raises(errors.DivisionByZero):
        conn.execute("select 1/0")
    assert conn.execute("prepare transaction 'x'").statusmessage == "ROLLBACK"
    assert conn.info.transaction_status == TransactionStatus.IDLE
    assert conn.execute("prepare transaction 'x'").statusmessage == "ROLLBACK"  # with a WARNING
    for command in ("commit prepared 'x'", "rollback prepared 'x'"):
        with pytest.raises(errors.UndefinedObject, match='prepared transaction with identifier "x" does not exist'):
            conn.execute(command)
        conn.execute("begin")
        with pytest.raises(errors.ActiveSqlTransaction, match="PREPARED cannot run inside a transaction block"):
            conn.execute(command)
        conn.execute("rollback")


def test_set_is_undone_by_rollback_and_set_local_by_commit(conn):
    conn.execute("set statement_timeout = 0")
    conn.execute("begin")
    conn.execute("set statement_timeout = '5s'")
    conn.execute("rollback")
    assert conn.execute("show statement_timeout").fetchone() == ("0",)
    conn.execute("begin")
    conn.execute("set local statement_timeout = 7000")
    assert conn.execute("show statement_timeout").fetchone() == ("7s",)
    conn.execute("commit")
    assert conn.execute("show statement_timeout").fetchone() == ("0",)


def test_custom_settings_and_reset_all_are_undone_like_set(conn):
    """As PostgreSQL 15's placeholders: a custom setting first SET in a transaction that rolls
    back, or SET LOCAL, stays defined with the value ''; RESET ALL resets it to ''. A rollback
    undoes RESET ALL."""
    conn.execute("set qdb.a = '1'")
    conn.execute("begin")
    conn.execute("set local qdb.a = '2'")
    assert conn.execute("show qdb.a").fetchone() == ("2",)
    conn.execute("commit")
    assert conn.execute("show qdb.a").fetchone() == ("1",)
    conn.execute("begin")
    conn.execute("set qdb.b = 'x'")
    conn.execute("rollback")
    assert conn.execute("show qdb.b").fetchone() == ("",)
    conn.execute("begin")
    conn.execute("set qdb.c = 'y'")
    conn.execute("commit")
    assert conn.execute("select current_setting('qdb.c')").fetchone() == ("y",)
    conn.execute("set application_name = 'before'")
    conn.execute("begin")
    conn.execute("reset all")
    conn.execute("rollback")
    assert conn.execute("select current_setting('application_name'), current_setting('qdb.c')").fetchone() == \
        ("before", "y")
    conn.execute("reset all")
    assert conn.execute("select current_setting('qdb.a'), current_setting('qdb.c')").fetchone() == ("", "")
    assert conn.execute("show application_name").fetchone() == ("",)


def test_read_only_transaction_rejects_writes(conn):
    conn.execute("drop table if exists tx4")
    conn.execute("create table tx4 (a int)")
    for statement, command in (("insert into tx4 values (1)", "INSERT"), ("update tx4 set a = 2", "UPDATE"),
                               ("delete from tx4 where a = 1", "DELETE")):
        conn.execute("begin read only")
        with pytest.raises(errors.ReadOnlySqlTransaction, match=f"cannot execute {command} in a read-only transaction"):
            conn.execute(statement)  # even when no row would change, as PostgreSQL
        conn.execute("rollback")
    assert conn.execute("show transaction_isolation").fetchone() == ("read committed",)


def test_isolation_level_reported(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("begin isolation level serializable")
        assert c.execute("show transaction isolation level").fetchone() == ("serializable",)
        c.execute("commit")
        c.execute("set session characteristics as transaction isolation level repeatable read")
        c.execute("begin")
        assert c.execute("show transaction_isolation").fetchone() == ("repeatable read",)
        c.execute("rollback")


@pytest.mark.parametrize("level", ["repeatable read", "REPEATABLE READ"])
def test_set_transaction_isolation_takes_effect(server, level):
    with psycopg.connect(server.dsn, autocommit=True) as a, psycopg.connect(server.dsn, autocommit=True) as b:
        a.execute("drop table if exists tx_iso")
        a.execute("create table tx_iso (id int primary key, v int)")
        a.execute("insert into tx_iso values (1, 1)")
        a.execute("begin")
        a.execute(f"set transaction_isolation = '{level}'")
        assert a.execute("select v from tx_iso").fetchone() == (1,)
        b.execute("update tx_iso set v = 2")
        assert a.execute("select v from tx_iso").fetchone() == (1,)  # the transaction's snapshot
        a.execute("commit")


def test_statement_timeout_cancels(conn):
    conn.execute("set statement_timeout = '200ms'")
    with pytest.raises(errors.QueryCanceled) as info:
        conn.execute("select pg_sleep(5)")
    assert "statement timeout" in str(info.value)
    conn.execute("set statement_timeout = 0")
    assert conn.execute("select 1").fetchone() == (1,)


def test_pg_terminate_backend_ends_the_other_connection(server):
    fatal = "terminating connection due to administrator command"
    with psycopg.connect(server.dsn, autocommit=True) as victim, psycopg.connect(server.dsn, autocommit=True) as admin:
        notices: list[str] = []
        victim.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        pid = victim.execute("select pg_backend_pid()").fetchone()[0]
        assert admin.execute("select pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        with pytest.raises(psycopg.OperationalError) as e:
            for _ in range(50):  # the FATAL arrives with the next round trip at the latest
                victim.execute("select 1")
        # libpq hands a FATAL read together with the previous answer (termination is
        # asynchronous) to the notice handler, and then reports only the closed connection
        assert fatal in str(e.value) or fatal in notices, (str(e.value), notices)
        assert admin.execute("select count(*) from pg_stat_activity where pid = %s", (pid,)).fetchone() == (0,)


def test_txid_current_is_the_top_xid_and_assigned_once(conn):
    """As in PostgreSQL 15: the same xid in every statement and savepoint of a transaction, a
    read-only one included; txid_current_if_assigned() is NULL until there is one."""
    assert conn.execute("select txid_current_if_assigned()").fetchone() == (None,)
    conn.execute("begin")
    assert conn.execute("select txid_current_if_assigned()").fetchone() == (None,)
    xid = conn.execute("select txid_current()").fetchone()[0]
    assert conn.execute("select txid_current(), txid_current_if_assigned()").fetchone() == (xid, xid)
    conn.execute("savepoint a")
    conn.execute("create temp table if not exists t_xid (x int)")
    conn.execute("insert into t_xid values (1)")
    assert conn.execute("select txid_current()").fetchone() == (xid,)
    conn.execute("commit")
    conn.execute("begin read only")
    other = conn.execute("select txid_current()").fetchone()[0]
    assert other > xid and conn.execute("select txid_current()").fetchone() == (other,)
    conn.execute("commit")


def test_transaction_start_is_its_first_statements_start(conn):
    """As in PostgreSQL 15: now() is the transaction's start, which is the start of the statement
    that began it (statement_timestamp()), and pg_stat_activity shows the same two times."""
    activity = "SELECT xact_start = now(), query_start = statement_timestamp() FROM pg_stat_activity " \
               "WHERE pid = pg_backend_pid()"
    assert conn.execute("SELECT now() = statement_timestamp()").fetchone() == (True,)
    assert conn.execute("SELECT now() = statement_timestamp() WHERE 1 = 1").fetchone() == (True,)
    assert conn.execute(activity).fetchone() == (True, True)
    conn.execute("BEGIN")
    conn.execute("SELECT pg_sleep(0.01)")
    assert conn.execute("SELECT now() < statement_timestamp()").fetchone() == (True,)
    assert conn.execute(activity).fetchone() == (True, True)
    conn.execute("COMMIT")


def test_pg_stat_activity_shows_the_statement_as_written(server):
    """A simple-protocol statement runs as a parameterized template (autoparam.py), but
    pg_stat_activity, like PostgreSQL, shows the text the client sent, literals included."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        text = "SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid() AND 41 < 42"
        assert psycopg.ClientCursor(conn).execute(text).fetchone() == (text,)  # simple Query
