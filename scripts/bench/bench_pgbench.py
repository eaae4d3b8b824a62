"""pgbench at scale 10 on QuantaDB and PostgreSQL 15, side by side, plus memory and restart time.

For each server (a fresh QuantaDB node, then a throwaway PostgreSQL 15), both durable by default:
QuantaDB `--fsync on` and PostgreSQL's defaults, so that every commit waits for its fsync and
concurrent commits share one (group commit); issue #4's reference TPS are PostgreSQL's with its
defaults. `--durability off` runs both with fsync off instead:
`pgbench -i -s SCALE` timed, then `-S` simple with 1 client, `-S -M prepared` with 8
clients, and the default TPC-B-like script `-M prepared` with 1 and 8 clients, each for
--duration seconds. Prints TPS, ratios (QuantaDB TPS / PostgreSQL TPS, so > 1 means QuantaDB is
faster), failed transactions and each server's CPU time per transaction (less sensitive to other
load on the machine than TPS: PostgreSQL's is its postmaster's and exited backends'); then the
QuantaDB process's resident memory holding the data
against PostgreSQL's on-disk size of the same tables, and QuantaDB's restart time; last, a
cProfile of TPC-B transactions run in-process on QuantaDB's data directory.

    .venv/bin/python scripts/bench/bench_pgbench.py [--scale 10] [--duration 10] [--durability on|off]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_analytics import open_database, print_profile, run_in_process  # noqa: E402
from pgserver import PgServer  # noqa: E402
from qdbserver import QuantaDBServer  # noqa: E402

TABLES = ["pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history"]
# RSS is measured again this long after -i: COPY's temporaries go back to the system within the
# node's malloc_trim interval (util/memory.py), so the first reading is the load's peak
SETTLE_S = 2.0


@dataclass(frozen=True)
class Case:
    label: str
    args: tuple[str, ...]
    clients: int


CASES = [
    Case("-S simple, 1 client", ("-S", "-M", "simple"), 1),
    Case("-S prepared, 8 clients", ("-S", "-M", "prepared"), 8),
    Case("TPC-B prepared, 1 client", ("-M", "prepared"), 1),
    Case("TPC-B prepared, 8 clients", ("-M", "prepared"), 8),
]


@dataclass
class Run:
    tps: float = 0.0
    processed: int = 0
    failed: int = 0
    cpu_us: float = 0.0  # server CPU time per processed transaction
    error: str = ""  # pgbench exit status and the tail of its stderr when it did not finish cleanly


@dataclass
class Side:
    init_s: float = 0.0
    init_error: str = ""
    runs: dict[str, Run] = field(default_factory=dict)
    bytes_peak_init: int = 0  # right after -i
    bytes_after_init: int = 0  # SETTLE_S later
    bytes_after_runs: int = 0


def url(dsn: str) -> list[str]:
    """pgbench connection flags for a libpq key=value DSN of the form the servers expose."""
    parts = dict(item.split("=", 1) for item in dsn.split())
    return ["-h", parts["host"], "-p", parts["port"], "-U", parts["user"], parts["dbname"]]


def pgbench_init(dsn: str, scale: int) -> tuple[float, str]:
    started = time.perf_counter()
    r = subprocess.run(["pgbench", "-i", "-q", "-s", str(scale), *url(dsn)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    return elapsed, "" if r.returncode == 0 else f"exit {r.returncode}: {r.stderr.strip()[-400:]}"


def cpu_seconds(pid: int) -> float:
    """CPU time of a process plus that of its children that have exited and been reaped."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def pgbench_run(dsn: str, case: Case, duration: int, server_pid: int) -> Run:
    cmd = ["pgbench", "-n", *case.args, "-c", str(case.clients), "-j", str(min(case.clients, 2)),
           "-T", str(duration), *url(dsn)]
    cpu_before = cpu_seconds(server_pid)
    r = subprocess.run(cmd, capture_output=True, text=True)
    time.sleep(0.5)  # PostgreSQL's backends exit with their connections: let the postmaster reap them
    cpu = cpu_seconds(server_pid) - cpu_before
    run = Run()
    if m := re.search(r"tps = ([0-9.]+)", r.stdout):
        run.tps = float(m.group(1))
    if m := re.search(r"number of transactions actually processed: (\d+)", r.stdout):
        run.processed = int(m.group(1))
    if m := re.search(r"number of failed transactions: (\d+)", r.stdout):
        run.failed = int(m.group(1))
    if run.processed:
        run.cpu_us = cpu / run.processed * 1e6
    if r.returncode != 0 or not run.tps:
        run.error = f"exit {r.returncode}: {r.stderr.strip()[-400:]}"
    return run


def pg_tables_bytes(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT sum(pg_total_relation_size(c))::bigint FROM unnest(%s::regclass[]) AS c",
                           (TABLES,)).fetchone()
    return int(row[0])


def bench_side(dsn: str, scale: int, duration: int, measure_bytes: Callable[[], int], server_pid: int) -> Side:
    side = Side()
    side.init_s, side.init_error = pgbench_init(dsn, scale)
    if side.init_error:
        return side
    side.bytes_peak_init = measure_bytes()
    time.sleep(SETTLE_S)
    side.bytes_after_init = measure_bytes()
    for case in CASES:
        run = side.runs[case.label] = pgbench_run(dsn, case, duration, server_pid)
        print(f"  {case.label}: {run.tps:.0f} tps, {run.cpu_us:.0f} us server CPU a transaction", flush=True)
    side.bytes_after_runs = measure_bytes()
    return side


def tpcb_statements(rng: random.Random, scale: int) -> list[str]:
    """One transaction of pgbench's built-in TPC-B-like script, with its random values inlined."""
    aid, bid, tid = rng.randint(1, 100_000 * scale), rng.randint(1, scale), rng.randint(1, 10 * scale)
    delta = rng.randint(-5000, 5000)
    return ["BEGIN",
            f"UPDATE pgbench_accounts SET abalance = abalance + {delta} WHERE aid = {aid}",
            f"SELECT abalance FROM pgbench_accounts WHERE aid = {aid}",
            f"UPDATE pgbench_tellers SET tbalance = tbalance + {delta} WHERE tid = {tid}",
            f"UPDATE pgbench_branches SET bbalance = bbalance + {delta} WHERE bid = {bid}",
            f"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
            f"VALUES ({tid}, {bid}, {aid}, {delta}, CURRENT_TIMESTAMP)",
            "END"]


def profile_tpcb(data_dir: str, scale: int, transactions: int, top: int) -> None:
    """TPC-B transactions in-process (no wire, simple-protocol statements) under cProfile."""
    rng = random.Random(1)
    db = open_database(data_dir)
    try:
        session = db.connect("postgres", "postgres", {}, 1, 2)
        for _ in range(50):  # warm the plan cache
            for sql in tpcb_statements(rng, scale):
                run_in_process(session, sql)
        txns = [tpcb_statements(rng, scale) for _ in range(transactions)]
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for txn in txns:
            for sql in txn:
                run_in_process(session, sql)
        profiler.disable()
        elapsed = time.perf_counter() - started
        print_profile(f"{transactions} TPC-B transactions", profiler, elapsed, top, sort="cumulative")
    finally:
        db.close()


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def report(scale: int, duration: int, durable: bool, qdb: Side, pg: Side, restart_s: float,
           rss_restarted: int) -> None:
    durability = "on (fsync at commit)" if durable else "off"
    print(f"\npgbench scale {scale}, -T {duration}, durability {durability}; "
          "ratio = QuantaDB / PostgreSQL (> 1: QuantaDB better)")
    print(f"{'':<28}{'QuantaDB':>12}{'PostgreSQL':>12}{'ratio':>8}  {'CPU us/txn Q / PG':>18}  "
          f"QuantaDB failed / PG failed")
    init_ratio = pg.init_s / qdb.init_s if qdb.init_s else 0.0
    print(f"{'pgbench -i (s, ratio PG/Q)':<28}{qdb.init_s:>12.2f}{pg.init_s:>12.2f}{init_ratio:>8.2f}  "
          f"{'':>18}  {qdb.init_error or 'ok'} / {pg.init_error or 'ok'}")
    for case in CASES:
        q, p = qdb.runs.get(case.label, Run(error="not run")), pg.runs.get(case.label, Run(error="not run"))
        ratio = q.tps / p.tps if p.tps else 0.0
        cpu = f"{q.cpu_us:.0f} / {p.cpu_us:.0f}"
        print(f"{case.label + ' (tps)':<28}{q.tps:>12.0f}{p.tps:>12.0f}{ratio:>8.2f}  {cpu:>18}  "
              f"{q.failed} of {q.processed + q.failed}{' ' + q.error if q.error else ''} / "
              f"{p.failed} of {p.processed + p.failed}{' ' + p.error if p.error else ''}")
    print(f"\nQuantaDB RSS right after -i {mb(qdb.bytes_peak_init)}, {SETTLE_S:.0f} s later "
          f"{mb(qdb.bytes_after_init)}, after runs {mb(qdb.bytes_after_runs)}, "
          f"after restart {mb(rss_restarted)}")
    print(f"PostgreSQL pg_total_relation_size of the 4 tables after -i {mb(pg.bytes_after_init)}, "
          f"after runs {mb(pg.bytes_after_runs)}")
    print(f"QuantaDB restart to first answered SELECT 1: {restart_s:.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--duration", type=int, default=10, help="seconds per pgbench run (-T)")
    ap.add_argument("--profile-transactions", type=int, default=500,
                    help="TPC-B transactions to profile in-process on QuantaDB's data (0: none)")
    ap.add_argument("--top", type=int, default=30, help="profile entries to print (by cumulative time)")
    ap.add_argument("--durability", choices=("on", "off"), default="on",
                    help="on: both servers fsync at commit (default); off: neither does")
    args = ap.parse_args()
    durable = args.durability == "on"
    if not shutil.which("pgbench"):
        print("pgbench is not installed", file=sys.stderr)
        return 1
    data_dir = tempfile.mkdtemp(prefix="quantadb-pgbench-")
    try:
        print("QuantaDB", flush=True)
        with QuantaDBServer(data_dir, fsync=durable) as server:
            qdb = bench_side(server.dsn, args.scale, args.duration, server.rss_bytes, server.proc.pid)
        with QuantaDBServer(data_dir, fsync=durable) as server:
            restart_s = server.ready_seconds
            rss_restarted = server.rss_bytes()
        print("PostgreSQL", flush=True)
        with PgServer(durable=durable) as server:
            pg = bench_side(server.dsn, args.scale, args.duration, lambda: pg_tables_bytes(server.dsn),
                            server.postmaster_pid())
        report(args.scale, args.duration, durable, qdb, pg, restart_s, rss_restarted)
        if args.profile_transactions and not qdb.init_error:
            profile_tpcb(data_dir, args.scale, args.profile_transactions, args.top)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
