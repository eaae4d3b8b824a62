"""Round trips per second for `SELECT 1`: QuantaDB against PostgreSQL 15, side by side.

Runs pgbench (a C client, so the client is not the bottleneck) with a one-line script in
simple and prepared mode, with 1 and 8 connections, against a QuantaDB node, a throwaway
PostgreSQL 15 it starts itself and `noop_server.py` (a Python asyncio server that answers
without doing anything: the floor no Python server gets under), and prints a table with the
ratios.

    .venv/bin/python scripts/bench/bench_roundtrip.py [--seconds 5] [--quantadb-dsn DSN]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgserver import PgServer, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = [("simple", 1), ("simple", 8), ("prepared", 1), ("prepared", 8)]


def pgbench_tps(dsn: str, mode: str, clients: int, seconds: int, script: str) -> float:
    cmd = ["pgbench", "-n", "-f", script, "-M", mode, "-c", str(clients), "-j", str(min(clients, 2)),
           "-T", str(seconds), dsn]
    r = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(r"tps = ([0-9.]+)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"pgbench failed ({r.returncode}): {r.stderr.strip()[-500:]}")
    return float(m.group(1))


def start_quantadb() -> tuple[subprocess.Popen, str, str]:
    data_dir = tempfile.mkdtemp(prefix="quantadb-bench-")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "quantadb", "serve", "--data-dir", data_dir, "--port", str(port),
                             "--http-port", "0", "--log-level", "warning"], cwd=ROOT)
    dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    for _ in range(300):
        if subprocess.run(["psql", "-X", "-Atc", "SELECT 1", dsn], capture_output=True).returncode == 0:
            return proc, dsn, data_dir
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("QuantaDB did not start")


def start_noop() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                          "noop_server.py"), str(port)])
    dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"
    for _ in range(100):
        if subprocess.run(["psql", "-X", "-Atc", "SELECT 1", dsn], capture_output=True).returncode == 0:
            return proc, dsn
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the no-op server did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--quantadb-dsn", help="use a running QuantaDB instead of starting one")
    args = ap.parse_args()
    if not shutil.which("pgbench"):
        print("pgbench is not installed", file=sys.stderr)
        return 1
    script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)
    script.write("SELECT 1;\n")
    script.close()
    os.chmod(script.name, 0o644)
    results: dict[str, dict[tuple[str, int], float]] = {"quantadb": {}, "postgres": {}, "noop": {}}
    proc = data_dir = noop = None
    try:
        if args.quantadb_dsn:
            qdsn = args.quantadb_dsn
        else:
            proc, qdsn, data_dir = start_quantadb()
        for case in CASES:
            results["quantadb"][case] = pgbench_tps(qdsn, *case, args.seconds, script.name)
        with PgServer() as pg:
            for case in CASES:
                results["postgres"][case] = pgbench_tps(pg.dsn, *case, args.seconds, script.name)
        noop, noop_dsn = start_noop()
        for case in CASES:
            results["noop"][case] = pgbench_tps(noop_dsn, *case, args.seconds, script.name)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        if noop is not None:
            noop.kill()
            noop.wait()
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        os.unlink(script.name)
    print(f"{'SELECT 1':<22}{'QuantaDB tps':>14}{'PostgreSQL tps':>16}{'no-op Python tps':>18}"
          f"{'Q / PG':>8}{'Q / no-op':>11}{'no-op / PG':>12}")
    for case in CASES:
        q, p, n = (results[server][case] for server in ("quantadb", "postgres", "noop"))
        print(f"{f'{case[0]}, {case[1]} conn':<22}{q:>14.0f}{p:>16.0f}{n:>18.0f}{q / p:>8.2f}{q / n:>11.2f}"
              f"{n / p:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
