"""Cumulative statistics across a restart (engine/pgstat_file.py), as PostgreSQL 15: a clean
shutdown keeps them, a crash (kill -9, then recovery) starts from zero, and a damaged statistics
file costs the statistics, never the start."""

from __future__ import annotations

import os

import psycopg
import pytest

TABLE = ("SELECT seq_scan, n_tup_ins, n_tup_del, n_live_tup, n_dead_tup, vacuum_count, last_vacuum IS NOT NULL "
         "FROM pg_stat_user_tables WHERE relname = 't'")
INDEX = "SELECT idx_scan, idx_tup_fetch FROM pg_stat_user_indexes WHERE indexrelname = 't_pkey'"
DATABASE = "SELECT xact_commit > 5, tup_inserted FROM pg_stat_database WHERE datname = current_database()"


def counted(srv) -> tuple:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        return (conn.execute(TABLE).fetchone(), conn.execute(INDEX).fetchone(), conn.execute(DATABASE).fetchone())


def work(srv) -> tuple:
    """Scans, writes and a VACUUM; what the statistics then say."""
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO t SELECT g, g FROM generate_series(1, 20) g")
        conn.execute("DELETE FROM t WHERE id > 15")
        conn.execute("VACUUM t")
        conn.execute("DELETE FROM t WHERE id = 15")
        conn.execute("SELECT count(*) FROM t")
        for key in (1, 2, 3):
            conn.execute("SELECT v FROM t WHERE id = %s", [key])
    before = counted(srv)
    assert before == ((1, 20, 6, 14, 1, 1, True), (5, 9), (True, 20)), before
    return before


def test_statistics_survive_a_clean_restart(qdb, tmp_path):
    srv = qdb.start(tmp_path / "data")
    before = work(srv)
    srv.stop()
    srv = qdb.start(tmp_path / "data")
    assert counted(srv) == before
    # read once: a crash from now on loses them
    srv.kill9()
    srv = qdb.start(tmp_path / "data")
    assert counted(srv) == ((0, 0, 0, 0, 0, 0, False), (0, 0), (False, 0))


def test_statistics_are_zero_after_a_crash(qdb, tmp_path):
    srv = qdb.start(tmp_path / "data")
    work(srv)
    srv.kill9()
    srv = qdb.start(tmp_path / "data")
    assert counted(srv) == ((0, 0, 0, 0, 0, 0, False), (0, 0), (False, 0))


@pytest.mark.parametrize("damage", ["truncate", "flip", "version", "garbage"])
def test_a_damaged_statistics_file_means_zeroed_statistics(qdb, tmp_path, damage):
    srv = qdb.start(tmp_path / "data")
    work(srv)
    srv.stop()
    path = tmp_path / "data" / "pg_stat" / "pgstat.stat"
    raw = path.read_bytes()
    header, _, body = raw.partition(b"\n")
    damaged = {"truncate": raw[:len(raw) // 2],
               "flip": header + b"\n" + body[:10] + bytes([body[10] ^ 1]) + body[11:],
               "version": header.replace(b"QDBSTAT 1 ", b"QDBSTAT 99 ") + b"\n" + body,
               "garbage": os.urandom(64)}[damage]
    path.write_bytes(damaged)
    srv = qdb.start(tmp_path / "data")
    assert counted(srv) == ((0, 0, 0, 0, 0, 0, False), (0, 0), (False, 0))
    assert "statistics file" in srv.log_text() and "start from zero" in srv.log_text()
    assert not path.exists()
