"""Crash tests: kill -9 the server while clients commit bank transfers; after every restart the
database must hold every acknowledged commit and no half of any transaction.

Workload: 100 accounts with 1000 each; 4 psycopg connections run transfers in explicit
transactions (BEGIN; two UPDATEs in account-id order; INSERT of a `transfers` log row carrying
a client-chosen unique id; COMMIT). A client records the id as *attempted* just before sending
COMMIT and as *acknowledged* when COMMIT answers "COMMIT". After each restart:

- every acknowledged id is in `transfers` (with synchronous_commit = on);
- every id in `transfers` was attempted, and at most one unacknowledged id per client per crash
  is present (the commit in flight when the server died);
- every balance equals 1000 + what the log says came in - what went out (the log and the
  balances agree: no transaction is half-applied);
- the total is 100 * 1000.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import psycopg
import pytest

ACCOUNTS = 100
START_BALANCE = 1000
CLIENTS = 4
RETRYABLE = ("40001", "40P01")


@dataclass
class Ledger:
    """What the clients saw, across all cycles."""
    attempted: set[int] = field(default_factory=set)
    acked: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cond: threading.Condition = field(init=False)
    cycle_acks: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cond = threading.Condition(self.lock)


def setup_schema(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)")
        conn.execute("CREATE TABLE transfers (id bigint PRIMARY KEY, src int NOT NULL, dst int NOT NULL, "
                     "amount int NOT NULL)")
        conn.execute("INSERT INTO accounts SELECT g, %s FROM generate_series(1, %s) g" % (START_BALANCE, ACCOUNTS))


def client(dsn: str, ledger: Ledger, client_no: int, cycle: int, stop: threading.Event,
           sync_commit: bool) -> None:
    """Transfer until the server dies (or `stop` is set)."""
    rng = random.Random(client_no * 1000 + cycle)
    seq = 0
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        with ledger.lock:
            ledger.errors.append(f"client {client_no}: cannot connect: {exc}")
        return
    try:
        if not sync_commit:
            conn.execute("SET synchronous_commit = off")
        while not stop.is_set():
            seq += 1
            tid = (cycle * 100 + client_no) * 1_000_000 + seq
            src, dst = rng.sample(range(1, ACCOUNTS + 1), 2)
            amount = rng.randint(1, 50)
            try:
                conn.execute("BEGIN")
                for acct, delta in sorted([(src, -amount), (dst, amount)]):
                    conn.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (delta, acct))
                conn.execute("INSERT INTO transfers (id, src, dst, amount) VALUES (%s, %s, %s, %s)",
                             (tid, src, dst, amount))
                with ledger.lock:
                    ledger.attempted.add(tid)
                cur = conn.execute("COMMIT")
                if cur.statusmessage != "COMMIT":
                    with ledger.lock:
                        ledger.errors.append(f"client {client_no}: COMMIT answered {cur.statusmessage!r}")
                    return
                with ledger.cond:
                    ledger.acked.add(tid)
                    ledger.cycle_acks += 1
                    ledger.cond.notify_all()
            except psycopg.OperationalError:
                return  # the server died (or the connection broke): what was in flight is unknown
            except psycopg.Error as exc:
                if exc.sqlstate in RETRYABLE:
                    try:
                        conn.execute("ROLLBACK")
                    except psycopg.OperationalError:
                        return
                    continue
                with ledger.lock:
                    ledger.errors.append(f"client {client_no}: {exc.sqlstate} {exc}")
                return
    finally:
        try:
            conn.close()
        except Exception:
            pass


def run_clients(dsn: str, ledger: Ledger, cycle: int, sync_commit: bool = True) -> tuple[list, threading.Event]:
    stop = threading.Event()
    with ledger.cond:
        ledger.cycle_acks = 0
    threads = [threading.Thread(target=client, args=(dsn, ledger, i, cycle, stop, sync_commit), daemon=True)
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    return threads, stop


def wait_for_acks(ledger: Ledger, n: int, node) -> None:
    with ledger.cond:
        ok = ledger.cond.wait_for(lambda: ledger.cycle_acks >= n or ledger.errors, timeout=60)
    assert not ledger.errors, ledger.errors
    assert ok, f"clients got fewer than {n} commits acknowledged:\n{node.log_text()[-3000:]}"


def join_clients(threads: list, stop: threading.Event) -> None:
    stop.set()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a client did not notice the server had died"


@dataclass
class DdlLedger:
    """Tables a DDL client created (BEGIN; CREATE TABLE; INSERT 50 rows; COMMIT) and dropped."""
    attempted: set[str] = field(default_factory=set)
    created: set[str] = field(default_factory=set)  # acknowledged
    drop_attempted: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)  # acknowledged
    errors: list[str] = field(default_factory=list)


DDL_ROWS = 50
DDL_PER_CYCLE = 4  # then the DDL client idles until the crash


def ddl_client(dsn: str, ddl: DdlLedger, cycle: int, stop: threading.Event, sync_commit: bool) -> None:
    """Create (and now and then drop) tables in explicit transactions beside the transfers."""
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        ddl.errors.append(f"ddl client: cannot connect: {exc}")
        return
    n = 0
    try:
        if not sync_commit:
            conn.execute("SET synchronous_commit = off")
        while not stop.is_set() and n < DDL_PER_CYCLE:
            n += 1
            name = f"ddl_{cycle}_{n}"
            conn.execute("BEGIN")
            conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, note text)")
            conn.execute(f"INSERT INTO {name} SELECT g, 'row ' || g FROM generate_series(1, {DDL_ROWS}) g")
            conn.execute(f"CREATE INDEX {name}_note ON {name} (note)")
            ddl.attempted.add(name)
            if conn.execute("COMMIT").statusmessage == "COMMIT":
                ddl.created.add(name)
            victims = sorted(ddl.created - ddl.drop_attempted)
            if n % 3 == 0 and victims:
                ddl.drop_attempted.add(victims[0])
                conn.execute(f"DROP TABLE {victims[0]}")
                ddl.dropped.add(victims[0])
    except psycopg.OperationalError:
        return
    except psycopg.Error as exc:
        ddl.errors.append(f"ddl client: {exc.sqlstate} {exc}")
    finally:
        try:
            conn.close()
        except Exception:
            pass


def check_ddl(dsn: str, ddl: DdlLedger, *, every_ack: bool) -> None:
    """Acknowledged CREATEs exist with all their rows, acknowledged DROPs are gone, and a table
    whose transaction was in flight is either absent or complete (DDL + rows are atomic)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name in sorted(ddl.attempted):
            try:
                count = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                by_index = conn.execute(f"SELECT count(*) FROM {name} WHERE note = 'row 7'").fetchone()[0]
            except psycopg.errors.UndefinedTable:
                count = by_index = None
            if name in ddl.dropped:
                assert count is None, f"{name}: DROP TABLE was acknowledged but the table is back"
            elif name in ddl.created and name not in ddl.drop_attempted and every_ack:
                assert count == DDL_ROWS and by_index == 1, f"{name}: acknowledged CREATE + INSERT: {count} rows"
            else:
                assert count in (None, DDL_ROWS), f"{name}: half-applied DDL transaction ({count} rows)"


def check_invariants(dsn: str, ledger: Ledger, *, every_ack: bool, cycle_attempted: set[int] | None = None) -> int:
    """Check the database against what the clients saw; returns the number of transfers logged."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        log = conn.execute("SELECT id, src, dst, amount FROM transfers").fetchall()
        balances = dict(conn.execute("SELECT id, balance FROM accounts").fetchall())
        acked = sorted(ledger.acked)
        counted = conn.execute("SELECT count(*) FROM transfers WHERE id = ANY(%s)", (acked,)).fetchone()[0]
        total = conn.execute("SELECT sum(balance) FROM accounts").fetchone()[0]
    ids = [row[0] for row in log]
    assert len(ids) == len(set(ids)), "a transfer id appears twice"
    ids_set = set(ids)
    unknown = ids_set - ledger.attempted
    assert not unknown, f"transfers no client sent COMMIT for: {sorted(unknown)[:10]}"
    if every_ack:
        missing = ledger.acked - ids_set
        assert not missing, f"{len(missing)} acknowledged commits lost, e.g. {sorted(missing)[:10]}"
        assert counted == len(acked)
    expected = defaultdict(lambda: START_BALANCE)
    for _tid, src, dst, amount in log:
        expected[src] -= amount
        expected[dst] += amount
    assert sorted(balances) == list(range(1, ACCOUNTS + 1))
    wrong = {a: (balances[a], expected[a]) for a in balances if balances[a] != expected[a]}
    assert not wrong, f"balances disagree with the transfer log (half-applied transactions): {wrong}"
    assert total == ACCOUNTS * START_BALANCE
    return len(ids)


def checkpoint_quietly(dsn: str) -> None:
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.OperationalError:
        pass  # killed under it


def crash_cycles(qdb, tmp_path, cycles: int, *, acks_per_cycle: int = 25, checkpoint: bool = False,
                 sync_commit: bool = True, ddl: bool = False) -> None:
    data_dir = str(tmp_path / "data")
    node = qdb.start(data_dir)
    setup_schema(node.dsn)
    ledger = Ledger()
    ddl_ledger = DdlLedger()
    rng = random.Random(42)
    for cycle in range(cycles):
        before = set(ledger.attempted)
        threads, stop = run_clients(node.dsn, ledger, cycle, sync_commit)
        if ddl:
            threads.append(threading.Thread(target=ddl_client, args=(node.dsn, ddl_ledger, cycle, stop, sync_commit),
                                            daemon=True))
            threads[-1].start()
        wait_for_acks(ledger, acks_per_cycle, node)
        mode = ("checkpoint", "kill during checkpoint", "clean stop")[cycle % 3] if checkpoint else "kill"
        if mode in ("checkpoint", "clean stop"):
            ckpt_dir = tmp_path / "data" / "checkpoints"
            files_before = set(ckpt_dir.iterdir()) if ckpt_dir.exists() else set()
            with psycopg.connect(node.dsn, autocommit=True) as conn:
                assert conn.execute("CHECKPOINT").statusmessage == "CHECKPOINT"
            files_after = set(ckpt_dir.iterdir()) if ckpt_dir.exists() else set()
            assert files_after - files_before, "CHECKPOINT wrote no new checkpoint file"
            wait_for_acks(ledger, 2 * acks_per_cycle, node)  # more commits after the checkpoint
        elif mode == "kill during checkpoint":
            threading.Thread(target=checkpoint_quietly, args=(node.dsn,), daemon=True).start()
        # Vary the crash point a little: the kill may land anywhere in a transaction.
        threading.Event().wait(rng.uniform(0, 0.05))
        if mode == "clean stop":
            stop.set()
            join_clients(threads, stop)
            node.stop()  # clean shutdown (writes a checkpoint), then restart
        else:
            node.kill9()
            join_clients(threads, stop)
        assert not ledger.errors, ledger.errors
        node = qdb.start(data_dir)
        n = check_invariants(node.dsn, ledger, every_ack=sync_commit)
        if ddl:
            assert not ddl_ledger.errors, ddl_ledger.errors
            check_ddl(node.dsn, ddl_ledger, every_ack=sync_commit)
        if sync_commit:
            # only the commits in flight at the crash may be present without an acknowledgement
            unacked_present = n - len(ledger.acked)
            assert 0 <= unacked_present <= CLIENTS * (cycle + 1), unacked_present
        assert ledger.attempted - before, "no transfer was attempted in this cycle"
    if ddl:
        assert ddl_ledger.created, "the DDL client never committed"
    node.stop()
    node = qdb.start(data_dir)
    check_invariants(node.dsn, ledger, every_ack=sync_commit)
    if ddl:
        check_ddl(node.dsn, ddl_ledger, every_ack=sync_commit)
    node.stop()


@pytest.mark.slow
def test_kill9_during_concurrent_transfers_keeps_every_acknowledged_commit(qdb, tmp_path):
    """10 crashes; a fifth client creates/fills/indexes/drops tables in transactions meanwhile."""
    crash_cycles(qdb, tmp_path, cycles=10, ddl=True)


def test_kill9_with_checkpoints_and_clean_restarts(qdb, tmp_path):
    """Cycles in turn: CHECKPOINT while clients commit, more commits, kill -9; kill -9 while a
    CHECKPOINT runs; CHECKPOINT, more commits, SIGTERM (which checkpoints on shutdown).
    Recovery = newest valid checkpoint + WAL after it."""
    crash_cycles(qdb, tmp_path, cycles=6, checkpoint=True)


def test_kill9_with_synchronous_commit_off_keeps_the_invariant(qdb, tmp_path):
    """synchronous_commit = off may lose the last acknowledged commits, never atomicity."""
    crash_cycles(qdb, tmp_path, cycles=3, sync_commit=False)
