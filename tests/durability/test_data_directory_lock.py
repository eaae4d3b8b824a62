"""One process per data directory, as PostgreSQL's postmaster.pid: a second node started on a
directory in use refuses to start (two writers would interleave one WAL), and the first keeps
serving. The lock is the kernel's, so a node killed with -9 leaves none behind."""

from __future__ import annotations

import signal
import subprocess
import sys

import psycopg
import pytest

from serverproc import ROOT, start_server
from quantadb.storage.fs import DataDirectoryInUse
from quantadb.storage.store import Store


def test_a_second_node_on_the_same_directory_refuses_to_start(tmp_path):
    first = start_server(str(tmp_path))
    try:
        second = subprocess.run([sys.executable, "-m", "quantadb", "serve", "--data-dir", str(tmp_path),
                                 "--host", "127.0.0.1", "--port", "0", "--http-port", "0"],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"is another QuantaDB node running in data directory \"{tmp_path}\"" in second.stderr
        assert f"held by process {first.proc.pid}" in second.stderr
        with psycopg.connect(first.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE still (a int)")
            conn.execute("INSERT INTO still VALUES (1)")
        first.stop(signal.SIGKILL)
        again = start_server(str(tmp_path))  # no stale lock after kill -9
        with psycopg.connect(again.dsn, autocommit=True) as conn:
            assert conn.execute("SELECT a FROM still").fetchall() == [(1,)]
        again.stop()
    finally:
        first.stop()


def test_the_store_takes_the_directory_until_closed(tmp_path):
    store = Store.open(str(tmp_path), fsync=False, checkpoint_wal_bytes=0)
    with pytest.raises(DataDirectoryInUse):
        Store.open(str(tmp_path), fsync=False, checkpoint_wal_bytes=0)
    store.close()
    Store.open(str(tmp_path), fsync=False, checkpoint_wal_bytes=0).close()
