"""Memory under a long update-heavy run: pgbench's TPC-B for minutes, QuantaDB's resident
memory sampled as it goes, beside PostgreSQL's on-disk size of the same tables in the same run.

Issue #4 asks that memory stay flat: VACUUM (autovacuum) must reclaim the row versions the
updates leave behind. pgbench_history only grows (one row per transaction) on both servers.
Both servers run with durability off (the question is memory, not commits).

    .venv/bin/python scripts/bench/bench_soak.py [--scale 10] [--duration 300] [--samples 10]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Callable

import psycopg

from bench_pgbench import mb, pg_tables_bytes, pgbench_init, url
from pgserver import PgServer
from qdbserver import QuantaDBServer


def soak(dsn: str, scale: int, duration: int, samples: int, measure: Callable[[], int]) -> list[tuple]:
    """(seconds, bytes, dead versions of pgbench_accounts, autovacuums of it) every duration/samples."""
    _, error = pgbench_init(dsn, scale)
    if error:
        raise RuntimeError(f"pgbench -i failed: {error}")
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", "8", "-j", "2", "-T", str(duration), *url(dsn)]
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    rows = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(samples + 1):
            time.sleep(max(started + i * duration / samples - time.monotonic(), 0))
            dead, vacuums = conn.execute(
                "SELECT n_dead_tup, autovacuum_count FROM pg_stat_user_tables "
                "WHERE relname = 'pgbench_accounts'").fetchone()
            rows.append((time.monotonic() - started, measure(), dead, vacuums))
    out, err = run.communicate()
    if run.returncode != 0:
        raise RuntimeError(f"pgbench failed: {err[-400:]}")
    tps = next((line for line in out.splitlines() if line.startswith("tps")), "tps = ?")
    print(f"  {tps}", flush=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--duration", type=int, default=300, help="seconds of TPC-B (-T)")
    ap.add_argument("--samples", type=int, default=10)
    args = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="quantadb-soak-")
    try:
        print("QuantaDB", flush=True)
        with QuantaDBServer(data_dir) as server:
            qdb = soak(server.dsn, args.scale, args.duration, args.samples, server.rss_bytes)
        print("PostgreSQL", flush=True)
        with PgServer() as server:
            pg = soak(server.dsn, args.scale, args.duration, args.samples, lambda: pg_tables_bytes(server.dsn))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\nTPC-B -c 8 at scale {args.scale} for {args.duration} s")
    print(f"{'s':>6}{'QuantaDB RSS':>14}{'accounts dead':>15}{'autovacuums':>13}"
          f"{'PG table bytes':>16}{'PG dead':>10}{'PG autovacuums':>16}")
    for (t, rss, dead, vac), (_, size, pg_dead, pg_vac) in zip(qdb, pg):
        print(f"{t:>6.0f}{mb(rss):>14}{dead:>15}{vac:>13}{mb(size):>16}{pg_dead:>10}{pg_vac:>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
