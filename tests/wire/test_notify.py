"""LISTEN / NOTIFY with real clients (psycopg, asyncpg, psql): delivery to idle sessions, at
commit only, once per (channel, payload) in a transaction, per database; errors.

Every test runs against PostgreSQL 15 too (QUANTADB_TEST_DSN). No test waits for something
not to happen: a notification that must not arrive is checked by one that must, sent after it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid

import asyncpg
import psycopg
import pytest

WAIT_S = 30  # a bound on a wait for a notification that must come, not a timing assertion


def _connect(dsn: str, **kw) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True, **kw)


def _channel() -> str:
    return "ch_" + uuid.uuid4().hex[:12]  # tests share the server: a channel of their own


def _received(conn: psycopg.Connection, count: int) -> list[tuple[str, str]]:
    """The next `count` notifications, waited for while the connection sends nothing."""
    return [(n.channel, n.payload) for n in conn.notifies(timeout=WAIT_S, stop_after=count)]


def test_idle_listener_receives_from_another_session(dsn):
    with _connect(dsn) as listener, _connect(dsn) as sender:
        ch = _channel()
        listener.execute(f"LISTEN {ch}")
        sender.execute(f"NOTIFY {ch}, 'hello'")
        notes = list(listener.notifies(timeout=WAIT_S, stop_after=1))
        assert [(n.channel, n.payload) for n in notes] == [(ch, "hello")]
        assert notes[0].pid == sender.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert listener.execute("SELECT pg_listening_channels()").fetchall() == [(ch,)]


def test_only_committed_notifications_arrive(dsn):
    with _connect(dsn) as listener, _connect(dsn) as sender:
        ch = _channel()
        listener.execute(f"LISTEN {ch}")
        with pytest.raises(psycopg.errors.DivisionByZero):
            sender.execute(f"NOTIFY {ch}, 'failed'; SELECT 1/0")  # one implicit transaction
        sender.execute("BEGIN")
        sender.execute(f"NOTIFY {ch}, 'rolled back'")
        sender.execute("ROLLBACK")
        sender.execute("BEGIN")
        sender.execute(f"NOTIFY {ch}, 'one'")
        sender.execute("SAVEPOINT s")
        sender.execute(f"NOTIFY {ch}, 'undone'")
        sender.execute("ROLLBACK TO SAVEPOINT s")
        sender.execute("SAVEPOINT t")
        sender.execute(f"NOTIFY {ch}, 'released'")
        sender.execute("RELEASE SAVEPOINT t")
        sender.execute("COMMIT")
        sender.execute(f"SELECT pg_notify('{ch}', 'two')")
        assert _received(listener, 3) == [(ch, "one"), (ch, "released"), (ch, "two")]


def test_a_transaction_sends_each_pair_once_in_first_order(dsn):
    with _connect(dsn) as listener, _connect(dsn) as sender:
        a, b = _channel(), _channel()
        listener.execute(f"LISTEN {a}")
        listener.execute(f"LISTEN {b}")
        with sender.transaction():
            for channel, payload in [(a, "x"), (b, "x"), (a, "y"), (a, "x"), (a, ""), (b, "x")]:
                sender.execute("SELECT pg_notify(%s, %s)", (channel, payload))
            sender.execute(f"NOTIFY {a}")  # no payload is the empty one: sent already
        assert _received(listener, 4) == [(a, "x"), (b, "x"), (a, "y"), (a, "")]


def test_listen_takes_effect_at_commit(dsn):
    with _connect(dsn) as listener, _connect(dsn) as sender:
        gone, kept, later = _channel(), _channel(), _channel()
        listener.execute("BEGIN")
        listener.execute(f"LISTEN {gone}")
        listener.execute("ROLLBACK")
        listener.execute(f"LISTEN {kept}")
        listener.execute("BEGIN")
        listener.execute(f"LISTEN {later}")
        assert listener.execute("SELECT pg_listening_channels()").fetchall() == [(kept,)]
        listener.execute("COMMIT")
        for channel in (gone, kept, later):
            sender.execute(f"NOTIFY {channel}")
        assert _received(listener, 2) == [(kept, ""), (later, "")]
        listener.execute(f"UNLISTEN {kept}")
        sender.execute(f"NOTIFY {kept}, 'not any more'")
        sender.execute(f"NOTIFY {later}, 'still'")
        assert _received(listener, 1) == [(later, "still")]


def test_plpgsql_bodies_notify_and_listen(dsn):
    """A trigger's NOTIFY (written out, and through EXECUTE), a DO block's LISTEN."""
    with _connect(dsn) as listener, _connect(dsn) as writer:
        ch, t = _channel(), "nt_" + uuid.uuid4().hex[:8]
        writer.execute(f"CREATE TABLE {t} (a int)")
        writer.execute(f"CREATE FUNCTION {t}_f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       f"NOTIFY {ch}, 'row'; EXECUTE format('NOTIFY %I, %L', '{ch}', 'v' || NEW.a); "
                       f"RETURN NEW; END $$")
        writer.execute(f"CREATE TRIGGER {t}_t AFTER INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_f()")
        listener.execute(f"DO $$ BEGIN LISTEN {ch}; END $$")
        writer.execute(f"INSERT INTO {t} VALUES (7)")
        assert _received(listener, 2) == [(ch, "row"), (ch, "v7")]
        writer.execute(f"DROP TABLE {t}")
        writer.execute(f"DROP FUNCTION {t}_f()")


def test_a_listener_in_a_transaction_gets_them_when_it_ends(dsn):
    with _connect(dsn) as listener, _connect(dsn) as sender:
        ch = _channel()
        got: list[str] = []
        listener.add_notify_handler(lambda n: got.append(n.payload))
        listener.execute(f"LISTEN {ch}")
        listener.execute("BEGIN")
        sender.execute(f"NOTIFY {ch}, 'while busy'")  # committed: the listener's block is open
        listener.execute("SELECT 1")
        assert got == []
        listener.execute("COMMIT")  # sent before its ReadyForQuery
        assert got == ["while busy"]


def test_the_sender_gets_its_own_before_ready_for_query(dsn):
    with _connect(dsn) as conn:
        ch = _channel()
        got: list[tuple[str, str, int]] = []
        conn.add_notify_handler(lambda n: got.append((n.channel, n.payload, n.pid)))
        conn.execute(f"LISTEN {ch}")
        conn.execute(f"NOTIFY {ch}, 'self'")
        assert got == [(ch, "self", conn.info.backend_pid)]


def test_databases_do_not_see_each_others(dsn):
    other = "notify_" + uuid.uuid4().hex[:8]
    with _connect(dsn) as admin:
        admin.execute(f"CREATE DATABASE {other}")
    try:
        other_dsn = psycopg.conninfo.make_conninfo(dsn, dbname=other)
        with _connect(dsn) as here, _connect(other_dsn) as there, _connect(dsn) as sender_here, \
                _connect(other_dsn) as sender_there:
            ch = _channel()
            here.execute(f"LISTEN {ch}")
            there.execute(f"LISTEN {ch}")
            sender_here.execute(f"NOTIFY {ch}, 'here'")
            sender_there.execute(f"NOTIFY {ch}, 'there'")
            assert _received(there, 1) == [(ch, "there")]
            assert _received(here, 1) == [(ch, "here")]
    finally:
        with _connect(dsn) as admin:
            admin.execute(f"DROP DATABASE {other}")


def test_discard_all_and_unlisten_star_stop_listening(dsn):
    with _connect(dsn) as conn:
        a, b = _channel(), _channel()
        conn.execute(f"LISTEN {b}")
        conn.execute(f"LISTEN {a}")
        conn.execute(f"LISTEN {b}")
        assert conn.execute("SELECT pg_listening_channels()").fetchall() == [(b,), (a,)]  # LISTEN's order
        conn.execute("UNLISTEN *")
        assert conn.execute("SELECT count(*) FROM pg_listening_channels()").fetchone() == (0,)
        conn.execute(f"LISTEN {a}")
        conn.execute("DISCARD ALL")
        assert conn.execute("SELECT count(*) FROM pg_listening_channels()").fetchone() == (0,)


def test_a_closed_listener_is_forgotten(dsn):
    with _connect(dsn) as sender:
        ch = _channel()
        with _connect(dsn) as listener:
            listener.execute(f"LISTEN {ch}")
        sender.execute(f"NOTIFY {ch}, 'nobody'")
        with _connect(dsn) as listener:
            listener.execute(f"LISTEN {ch}")
            sender.execute(f"NOTIFY {ch}, 'new one'")
            assert _received(listener, 1) == [(ch, "new one")]


@pytest.mark.parametrize("sql, sqlstate, message", [
    ("SELECT pg_notify(NULL, 'x')", "22023", "channel name cannot be empty"),
    ("SELECT pg_notify('', 'x')", "22023", "channel name cannot be empty"),
    ("SELECT pg_notify(repeat('c', 64), 'x')", "22023", "channel name too long"),
    ("SELECT pg_notify('c', repeat('x', 8000))", "22023", "payload string too long"),
    ("NOTIFY c, 1", "42601", "syntax error"),
    ("NOTIFY a.b", "42601", "syntax error"),
    ("LISTEN a b", "42601", "syntax error"),
])
def test_errors(dsn, sql, sqlstate, message):
    with _connect(dsn) as conn:
        with pytest.raises(psycopg.Error) as e:
            conn.execute(sql)
        assert e.value.sqlstate == sqlstate
        assert message in str(e.value)


def test_limits_and_read_only_transactions(dsn):
    with _connect(dsn) as listener, _connect(dsn) as sender:
        ch = "c" * 63
        long_name = "c" * 70
        notices: list[str] = []
        listener.add_notice_handler(lambda d: notices.append(d.message_primary))
        listener.execute(f"BEGIN READ ONLY; LISTEN {long_name}; COMMIT")  # allowed, as in PostgreSQL
        assert notices == [f'identifier "{long_name}" will be truncated to "{ch}"']
        sender.execute(f"BEGIN READ ONLY; NOTIFY {ch}, '{'x' * 7999}'; COMMIT")
        assert _received(listener, 1) == [(ch, "x" * 7999)]
        listener.execute(f"UNLISTEN {ch}")


def test_asyncpg_add_listener(dsn):
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    where = dict(host=params["host"], port=int(params["port"]), user=params["user"], database=params["dbname"],
                 ssl=False)

    async def run() -> list[tuple[int, str, str]]:
        listener = await asyncpg.connect(**where)
        sender = await asyncpg.connect(**where)
        try:
            ch = _channel()
            got: asyncio.Queue = asyncio.Queue()
            await listener.add_listener(ch, lambda conn, pid, channel, payload: got.put_nowait((pid, channel, payload)))
            await sender.execute(f"NOTIFY {ch}, 'from asyncpg'")
            note = await asyncio.wait_for(got.get(), WAIT_S)
            return [note, (await sender.fetchval("SELECT pg_backend_pid()"), ch, "from asyncpg")]
        finally:
            await listener.close()
            await sender.close()
    received, expected = asyncio.run(run())
    assert received == expected


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_psql_prints_the_notification(dsn):
    ch = _channel()
    out = subprocess.run(["psql", "-X", "-d", dsn, "-c", f"LISTEN {ch}", "-c", f"NOTIFY {ch}, 'for psql'"],
                         capture_output=True, text=True, timeout=60, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    assert out.returncode == 0, out.stderr
    assert f'Asynchronous notification "{ch}" with payload "for psql" received from server process with PID' \
        in out.stdout
