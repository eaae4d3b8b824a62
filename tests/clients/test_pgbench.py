"""pgbench 15 against the real server: initialisation (client-side COPY ... FREEZE, vacuum and
primary keys at scale 10; server-side generate_series and foreign keys), then the TPC-B-like
and select-only scripts over the simple, extended and prepared protocols with 8 clients.

Every run must finish with zero failed transactions, and the TPC-B money must balance:
sum(abalance) = sum(tbalance) = sum(bbalance) = sum(history.delta).
"""

from __future__ import annotations

import psycopg
import pytest

from pgbench_driver import assert_clean_run, balances, create_database, pgbench, run_bench

CLIENTS = ("-c", "8", "-j", "2")


def _count(conninfo: str, sql: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def _constraints(conninfo: str) -> set[tuple[str, str]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute("SELECT conname, contype::text FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid"
                            " WHERE r.relname LIKE 'pgbench%'").fetchall()
    return set(rows)


@pytest.mark.slow
def test_init_scale_10_client_side(server) -> None:
    """The default steps dtgvp: COPY pgbench_accounts FROM STDIN WITH (FREEZE ON) of a million
    rows, VACUUM ANALYZE, ALTER TABLE ... ADD PRIMARY KEY; then a default run, whose pre-run
    VACUUM and TRUNCATE pgbench_history must be accepted."""
    create_database(server.conninfo(), "clients_pgbench10")
    conninfo = server.conninfo(dbname="clients_pgbench10")
    out = pgbench(server.port, "clients_pgbench10", "-i", "-s", "10")
    assert "client-side generate" in out and "vacuum" in out and "primary keys" in out, out
    assert _count(conninfo, "SELECT count(*) FROM pgbench_accounts") == 1_000_000
    assert _count(conninfo, "SELECT count(DISTINCT bid) FROM pgbench_accounts") == 10
    assert _count(conninfo, "SELECT count(*) FROM pgbench_tellers") == 100
    assert _count(conninfo, "SELECT count(*) FROM pgbench_accounts WHERE filler = ''") == 1_000_000
    assert _constraints(conninfo) == {("pgbench_accounts_pkey", "p"), ("pgbench_branches_pkey", "p"),
                                      ("pgbench_tellers_pkey", "p")}
    result = run_bench(server.port, "clients_pgbench10", *CLIENTS, "-t", "10")
    assert_clean_run(result)
    assert "scaling factor: 10" in result.output
    assert len(set(balances(conninfo))) == 1


def test_init_server_side_with_foreign_keys(server) -> None:
    """-I dtGvpf: INSERT ... SELECT FROM generate_series(...) and the five foreign keys, which
    then hold through a concurrent TPC-B run."""
    create_database(server.conninfo(), "clients_pgbench_fk")
    conninfo = server.conninfo(dbname="clients_pgbench_fk")
    out = pgbench(server.port, "clients_pgbench_fk", "-i", "-I", "dtGvpf", "-s", "2")
    assert "server-side generate" in out and "foreign keys" in out, out
    assert _count(conninfo, "SELECT count(*) FROM pgbench_accounts") == 200_000
    assert _count(conninfo, "SELECT count(*) FROM pgbench_branches") == 2
    fkeys = {name for name, kind in _constraints(conninfo) if kind == "f"}
    assert fkeys == {"pgbench_tellers_bid_fkey", "pgbench_accounts_bid_fkey", "pgbench_history_bid_fkey",
                     "pgbench_history_tid_fkey", "pgbench_history_aid_fkey"}
    assert_clean_run(run_bench(server.port, "clients_pgbench_fk", *CLIENTS, "-t", "10"))
    a, t, b, h = balances(conninfo)
    assert a == t == b == h
    with psycopg.connect(conninfo, autocommit=True) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 99, 1, 0)")


@pytest.fixture(scope="module")
def bench_db(server) -> str:
    """Scale 1 (one branch: every TPC-B transaction contends for the same row) for the -M matrix."""
    create_database(server.conninfo(), "clients_pgbench")
    pgbench(server.port, "clients_pgbench", "-i", "-s", "1", "-q")
    return "clients_pgbench"


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_tpcb_like(server, bench_db: str, mode: str) -> None:
    # -n: no pre-run TRUNCATE pgbench_history, so the balances add up over all the runs
    result = run_bench(server.port, bench_db, "-n", "-M", mode, *CLIENTS, "-t", "20")
    assert_clean_run(result)
    assert result.processed == 160
    assert f"query mode: {mode}" in result.output
    a, t, b, h = balances(server.conninfo(dbname=bench_db))
    assert a == t == b == h


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_select_only(server, bench_db: str, mode: str) -> None:
    result = run_bench(server.port, bench_db, "-n", "-S", "-M", mode, *CLIENTS, "-t", "100")
    assert_clean_run(result)
    assert result.processed == 800
    assert "select only" in result.output
