"""SIGTERM: in-flight statements finish (or are canceled after the grace period), idle sessions
get 57P01, the database closes durably and the process exits 0."""

import signal
import threading
import time

import psycopg
import pytest


def test_sigterm_lets_running_statement_finish_and_is_durable(tmp_path, start_quantadb):
    srv = start_quantadb(data_dir=str(tmp_path / "data"))
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE durable_t (a int)")
        conn.execute("INSERT INTO durable_t VALUES (1), (2), (3)")
    idle = psycopg.connect(srv.dsn, autocommit=True)
    busy = psycopg.connect(srv.dsn, autocommit=True)
    result = {}

    def run():
        try:
            result["rows"] = busy.execute("SELECT pg_sleep(1.5), 7").fetchall()
        except Exception as exc:  # noqa: BLE001
            result["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.5)
    srv.proc.send_signal(signal.SIGTERM)
    t.join(30)
    assert result.get("rows", [[None, None]])[0][1] == 7, result
    with pytest.raises(psycopg.OperationalError):
        idle.execute("SELECT 1")
    assert srv.proc.wait(60) == 0  # exits on its own (a second SIGTERM while it exits would kill it)
    srv2 = start_quantadb(data_dir=srv.data_dir)
    try:
        with psycopg.connect(srv2.dsn) as conn:
            assert conn.execute("SELECT count(*) FROM durable_t").fetchone() == (3,)
    finally:
        assert srv2.stop(signal.SIGINT) == 0


def test_statement_canceled_after_grace_period(start_quantadb):
    srv = start_quantadb("--shutdown-grace-s", "0.5")
    conn = psycopg.connect(srv.dsn, autocommit=True)
    result = {}

    def run():
        try:
            conn.execute("SELECT pg_sleep(60)")
        except Exception as exc:  # noqa: BLE001
            result["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.5)
    srv.proc.send_signal(signal.SIGTERM)
    t.join(30)
    assert isinstance(result.get("error"), (psycopg.errors.QueryCanceled, psycopg.OperationalError)), result
    assert srv.proc.wait(60) == 0
