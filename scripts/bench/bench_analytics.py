"""Analytics over the wire: TPC-H-shaped queries on QuantaDB and PostgreSQL 15, side by side.

Generates `lineitem` (--rows, default 2,000,000) and `orders` (a quarter of that) with numpy
from a fixed seed and the TPC-H column types, loads both through COPY into a QuantaDB node and a
throwaway PostgreSQL 15 (both with durability off), runs queries shaped like TPC-H Q1, Q6, Q3,
Q12 and a count(DISTINCT), checks that both return the same rows, and prints the best of
--runs times with ratios (PostgreSQL time / QuantaDB time: > 1 means QuantaDB is faster) and
their geometric mean, and beside them each server's CPU time (to the 10 ms tick; less sensitive
to other load on a shared machine: QuantaDB's process, PostgreSQL's backend plus its parallel
workers). For every query under --target, it then stops the node, opens the same
data directory in-process and prints a cProfile of that query; when the load is under --target,
a cProfile of an in-process COPY of the first 100,000 lineitem rows into a fresh database.

    .venv/bin/python scripts/bench/bench_analytics.py [--rows 200000] [--runs 3]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgserver import PgServer  # noqa: E402
from qdbserver import ROOT, QuantaDBServer  # noqa: E402

SEED = 20240601
EPOCH = np.datetime64("1992-01-01")
SHIP_MODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]
INSTRUCTIONS = ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"]
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
WORDS = ("furiously quickly carefully blithely slyly ironic final pending regular express special "
         "bold even silent unusual deposits requests packages accounts theodolites pinto beans "
         "foxes ideas instructions dependencies excuses platelets asymptotes courts dolphins").split()

DDL = [
    """CREATE TABLE orders (
        o_orderkey integer NOT NULL, o_custkey integer NOT NULL, o_orderstatus char(1) NOT NULL,
        o_totalprice decimal(15,2) NOT NULL, o_orderdate date NOT NULL, o_orderpriority char(15) NOT NULL,
        o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL, o_comment varchar(79) NOT NULL)""",
    """CREATE TABLE lineitem (
        l_orderkey integer NOT NULL, l_partkey integer NOT NULL, l_suppkey integer NOT NULL,
        l_linenumber integer NOT NULL, l_quantity decimal(15,2) NOT NULL, l_extendedprice decimal(15,2) NOT NULL,
        l_discount decimal(15,2) NOT NULL, l_tax decimal(15,2) NOT NULL, l_returnflag char(1) NOT NULL,
        l_linestatus char(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL,
        l_receiptdate date NOT NULL, l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL,
        l_comment varchar(44) NOT NULL)""",
]

QUERIES: dict[str, str] = {
    "Q1": """SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
        sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
        sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
        avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc,
        count(*) AS count_order
        FROM lineitem WHERE l_shipdate <= date '1998-12-01' - interval '90' day
        GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus""",
    "Q6": """SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
        WHERE l_shipdate >= date '1994-01-01' AND l_shipdate < date '1994-01-01' + interval '1' year
          AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24""",
    "Q3": """SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
        FROM orders, lineitem
        WHERE o_orderpriority = '1-URGENT' AND l_orderkey = o_orderkey
          AND o_orderdate < date '1995-03-15' AND l_shipdate > date '1995-03-15'
        GROUP BY l_orderkey, o_orderdate, o_shippriority
        ORDER BY revenue DESC, o_orderdate, l_orderkey LIMIT 10""",
    "Q12": """SELECT l_shipmode,
        sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count,
        sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END)
            AS low_line_count
        FROM orders, lineitem
        WHERE o_orderkey = l_orderkey AND l_shipmode IN ('MAIL', 'SHIP')
          AND l_commitdate < l_receiptdate AND l_shipdate < l_commitdate
          AND l_receiptdate >= date '1994-01-01' AND l_receiptdate < date '1994-01-01' + interval '1' year
        GROUP BY l_shipmode ORDER BY l_shipmode""",
    "DISTINCT": """SELECT l_returnflag, count(DISTINCT l_partkey) AS parts, count(DISTINCT l_suppkey) AS suppliers
        FROM lineitem GROUP BY l_returnflag ORDER BY l_returnflag""",
}


# -- data ------------------------------------------------------------------------------------------


def money(cents: np.ndarray) -> list[str]:
    """decimal(15,2) text from integer cents."""
    return [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]


def dates(days: np.ndarray) -> list[str]:
    return (EPOCH + days.astype("timedelta64[D]")).astype(str).tolist()


def pick(rng: np.random.Generator, choices: list[str], n: int) -> list[str]:
    table = np.array(choices, dtype=object)
    return table[rng.integers(0, len(choices), n)].tolist()


def comments(rng: np.random.Generator, n: int, max_len: int) -> list[str]:
    """Random word sequences, drawn from a pool of 4096 so that generation stays fast."""
    pool = [" ".join(rng.choice(WORDS, rng.integers(2, 7)))[:max_len] for _ in range(4096)]
    return pick(rng, pool, n)


def copy_text(columns: list[list[str]]) -> bytes:
    return "".join("\t".join(row) + "\n" for row in zip(*columns)).encode()


def generate_orders(rng: np.random.Generator, n: int) -> tuple[bytes, np.ndarray, list[str]]:
    """Returns the COPY text, the order dates (days since 1992-01-01) and the priorities."""
    keys = np.arange(1, n + 1)
    orderdate = rng.integers(0, 2405 - 151, n)  # 1992-01-01 .. 1998-08-02
    priority = pick(rng, PRIORITIES, n)
    text = copy_text([
        [str(k) for k in keys.tolist()],
        [str(c) for c in rng.integers(1, max(n // 10, 2), n).tolist()],
        pick(rng, ["F", "O", "P"], n),
        money(rng.integers(90_000, 50_000_000, n)),
        dates(orderdate),
        priority,
        [f"Clerk#{c:09d}" for c in rng.integers(1, 1000, n).tolist()],
        ["0"] * n,
        comments(rng, n, 79),
    ])
    return text, orderdate, priority


def generate_lineitem(rng: np.random.Generator, n: int, orderdate: np.ndarray) -> bytes:
    """Four lines per order; dates, flags and prices follow the TPC-H rules."""
    orderkey = np.arange(n) // 4 + 1
    current = 1263  # 1995-06-17, TPC-H CURRENTDATE
    odate = orderdate[orderkey - 1]
    shipdate = odate + rng.integers(1, 122, n)
    commitdate = odate + rng.integers(30, 91, n)
    receiptdate = shipdate + rng.integers(1, 31, n)
    quantity = rng.integers(1, 51, n)
    partprice = rng.integers(90_000, 200_000, n)  # cents
    returned = np.where(rng.random(n) < 0.5, "R", "A")
    returnflag = np.where(receiptdate <= current, returned, "N").tolist()
    linestatus = np.where(shipdate > current, "O", "F").tolist()
    return copy_text([
        [str(k) for k in orderkey.tolist()],
        [str(p) for p in rng.integers(1, max(n // 10, 2), n).tolist()],
        [str(s) for s in rng.integers(1, max(n // 200, 2), n).tolist()],
        [str(i) for i in (np.arange(n) % 4 + 1).tolist()],
        money(quantity * 100),
        money(quantity * partprice),
        money(rng.integers(0, 11, n)),
        money(rng.integers(0, 9, n)),
        returnflag,
        linestatus,
        dates(shipdate),
        dates(commitdate),
        dates(receiptdate),
        pick(rng, INSTRUCTIONS, n),
        pick(rng, SHIP_MODES, n),
        comments(rng, n, 44),
    ])


def generate(rows: int) -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    orders, orderdate, _ = generate_orders(rng, max(rows // 4, 1))
    return {"orders": orders, "lineitem": generate_lineitem(rng, rows, orderdate)}


# -- running ---------------------------------------------------------------------------------------


# The server's CPU seconds so far, given the connection that does the work.
CpuClock = Callable[[psycopg.Connection], float]


def load(dsn: str, data: dict[str, bytes], cpu: CpuClock, chunk: int = 1 << 20) -> tuple[float, float]:
    """Creates the tables and COPYs the data in; returns the seconds and server CPU seconds COPY
    took (DDL excluded)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for ddl in DDL:
            conn.execute(ddl)
        cpu_before, started = cpu(conn), time.perf_counter()
        for table, text in data.items():
            with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
                for offset in range(0, len(text), chunk):
                    copy.write(text[offset:offset + chunk])
        elapsed, cpu_s = time.perf_counter() - started, cpu(conn) - cpu_before
        conn.execute("ANALYZE orders")
        conn.execute("ANALYZE lineitem")
    return elapsed, cpu_s


def run_queries(dsn: str, runs: int, cpu: CpuClock) -> tuple[dict[str, float], dict[str, float],
                                                              dict[str, list[tuple]]]:
    """Best-of-`runs` seconds, best-of-`runs` server CPU seconds and the rows of every query."""
    times: dict[str, float] = {}
    cpu_times: dict[str, float] = {}
    rows: dict[str, list[tuple]] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name, sql in QUERIES.items():
            best, best_cpu = math.inf, math.inf
            for _ in range(runs):
                cpu_before, started = cpu(conn), time.perf_counter()
                result = conn.execute(sql).fetchall()
                best = min(best, time.perf_counter() - started)
                time.sleep(0.05)  # PostgreSQL's parallel workers exit: let the postmaster reap them
                best_cpu = min(best_cpu, cpu(conn) - cpu_before)
            times[name], cpu_times[name], rows[name] = best, best_cpu, result
    return times, cpu_times, rows


def cpu_seconds(pid: int) -> float:
    """CPU time of a process (all its threads) plus that of its children that have exited."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def quantadb_cpu(pid: int) -> CpuClock:
    return lambda conn: cpu_seconds(pid)


def postgres_cpu(postmaster_pid: int) -> CpuClock:
    """The connection's backend and the parallel workers that have exited (the postmaster's)."""
    return lambda conn: cpu_seconds(conn.info.backend_pid) + cpu_seconds(postmaster_pid)


def same_value(a: Any, b: Any) -> bool:
    """Equal values of the same type; numerics also with the same scale (as PostgreSQL prints them)."""
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-9)
    if isinstance(a, Decimal):
        return isinstance(b, Decimal) and str(a) == str(b)
    return a == b and type(a) is type(b)


def compare(qdb: list[tuple], pg: list[tuple]) -> str:
    """'ok' or a description of the first difference."""
    if len(qdb) != len(pg):
        return f"{len(qdb)} rows vs {len(pg)}"
    for i, (q, p) in enumerate(zip(qdb, pg)):
        if len(q) != len(p) or not all(same_value(a, b) for a, b in zip(q, p)):
            return f"row {i}: {q!r} vs {p!r}"
    return "ok"


# -- profiling -------------------------------------------------------------------------------------


LOAD_PROFILE_ROWS = 100_000


def wait_durable(session: Any) -> None:
    """Ends the implicit transaction and waits for its commit (group commit hands back a future)."""
    durable = session.end_query(False)
    if durable is not None:
        durable.result()


def run_in_process(session: Any, sql: str) -> None:
    for stmt in session.split(sql):
        session.run(stmt, inline=False)  # Result.batches is a materialized list
    wait_durable(session)


def copy_in_process(session: Any, table: str, text: bytes, chunk: int = 1 << 20) -> None:
    result = session.run(session.split(f"COPY {table} FROM STDIN")[0], inline=False)
    for offset in range(0, len(text), chunk):
        result.copy_in.feed(text[offset:offset + chunk])
    result.copy_in.finish(inline=False)
    wait_durable(session)


def print_profile(title: str, profiler: cProfile.Profile, elapsed: float, top: int, sort: str = "tottime") -> None:
    print(f"\n== profile {title} (in-process, {elapsed:.3f} s under cProfile) ==")
    stats = pstats.Stats(profiler)
    print_by_file(stats, elapsed)
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    print(trim_stats(out.getvalue()))


def profiled(title: str, top: int, fn: Callable[..., None], *args: Any) -> None:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(fn, *args)
    print_profile(title, profiler, time.perf_counter() - started, top)


def open_database(data_dir: str) -> Any:
    sys.path.insert(0, ROOT)
    from quantadb.engine.database import Database

    return Database.open(data_dir, fsync=False)


def profile_queries(data_dir: str, names: list[str], top: int) -> None:
    db = open_database(data_dir)
    try:
        session = db.connect("postgres", "postgres", {}, 1, 2)
        for name in names:
            run_in_process(session, QUERIES[name])  # warm caches like the timed best-of runs
            profiled(name, top, run_in_process, session, QUERIES[name])
    finally:
        db.close()


def profile_load(lineitem: bytes, top: int) -> None:
    """COPY of the first LOAD_PROFILE_ROWS lineitem rows into a fresh in-process database."""
    lines = lineitem.splitlines(keepends=True)[:LOAD_PROFILE_ROWS]
    data_dir = tempfile.mkdtemp(prefix="quantadb-load-profile-")
    db = open_database(data_dir)
    try:
        session = db.connect("postgres", "postgres", {}, 1, 2)
        for ddl in DDL:
            run_in_process(session, ddl)
        profiled(f"load: COPY of {len(lines):,} lineitem rows", top, copy_in_process, session, "lineitem",
                 b"".join(lines))
    finally:
        db.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def print_by_file(stats: pstats.Stats, elapsed: float, top: int = 8) -> None:
    """Own time (tottime) summed per source file, as a share of the query's time."""
    per_file: dict[str, float] = {}
    for (path, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = os.path.relpath(path, ROOT) if path.startswith(ROOT) else os.path.basename(path)
        key = "C builtins" if key == "~" else key
        per_file[key] = per_file.get(key, 0.0) + tottime
    ranked = sorted(per_file.items(), key=lambda kv: -kv[1])[:top]
    print("own time by file: " + ", ".join(f"{path} {100 * t / elapsed:.0f}%" for path, t in ranked))


def trim_stats(text: str) -> str:
    """pstats output from the column header on (drops its preamble of file names and totals)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line for line in lines[start:] if line.strip())


# -- report ----------------------------------------------------------------------------------------


@dataclass
class Side:
    load_s: float = 0.0
    load_cpu: float = 0.0
    times: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    rows: dict[str, list[tuple]] = field(default_factory=dict)


def measure(dsn: str, data: dict[str, bytes], runs: int, cpu: CpuClock) -> Side:
    side = Side()
    side.load_s, side.load_cpu = load(dsn, data, cpu)
    side.times, side.cpu, side.rows = run_queries(dsn, runs, cpu)
    return side


def _ratio(pg: float, qdb: float) -> str:
    return f"{pg / qdb:.2f}" if qdb > 0 else "-"


def report(rows: int, qdb: Side, pg: Side, target: float) -> list[str]:
    """Prints the table; returns the queries (not the load) whose ratio is under `target`."""
    print(f"\nlineitem {rows:,} rows, orders {max(rows // 4, 1):,} rows; best of runs; ratio = PG time / QuantaDB time;"
          f"\nserver CPU s (QuantaDB's process; PostgreSQL's backend and exited parallel workers) and their ratio")
    print(f"{'':<10}{'QuantaDB s':>12}{'PG s':>10}{'ratio':>8}{'Q CPU s':>10}{'PG CPU s':>10}{'ratio':>8}  result")
    print(f"{'load':<10}{qdb.load_s:>12.3f}{pg.load_s:>10.3f}{_ratio(pg.load_s, qdb.load_s):>8}"
          f"{qdb.load_cpu:>10.2f}{pg.load_cpu:>10.2f}{_ratio(pg.load_cpu, qdb.load_cpu):>8}")
    ratios, missed = [], []
    for name in QUERIES:
        q, p = qdb.times[name], pg.times[name]
        ratio = p / q
        ratios.append(ratio)
        if ratio < target:
            missed.append(name)
        print(f"{name:<10}{q:>12.3f}{p:>10.3f}{ratio:>8.2f}{qdb.cpu[name]:>10.2f}{pg.cpu[name]:>10.2f}"
              f"{_ratio(pg.cpu[name], qdb.cpu[name]):>8}  {compare(qdb.rows[name], pg.rows[name])}")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"{'geo mean':<10}{'':>22}{geo:>8.2f}  (queries only)")
    return missed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000, help="lineitem rows (orders get a quarter)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per query (best is kept)")
    ap.add_argument("--target", type=float, default=2.0, help="profile queries whose ratio is below this")
    ap.add_argument("--top", type=int, default=15, help="profile entries to print per ordering")
    args = ap.parse_args()
    started = time.perf_counter()
    data = generate(args.rows)
    print(f"generated {sum(len(t) for t in data.values()) / 1e6:.0f} MB of COPY text "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    data_dir = tempfile.mkdtemp(prefix="quantadb-analytics-")
    try:
        with QuantaDBServer(data_dir) as server:
            qdb = measure(server.dsn, data, args.runs, quantadb_cpu(server.proc.pid))
        print("QuantaDB done", flush=True)
        with PgServer() as server:
            pg = measure(server.dsn, data, args.runs, postgres_cpu(server.postmaster_pid()))
        missed = report(args.rows, qdb, pg, args.target)
        if pg.load_s / qdb.load_s < args.target:
            profile_load(data["lineitem"], args.top)
        if missed:
            profile_queries(data_dir, missed, args.top)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
