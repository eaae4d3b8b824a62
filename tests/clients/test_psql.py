"""psql 15 meta-commands through the real server, compared with PostgreSQL 15's output for the
same schema (golden/, see psql_driver.py for re-recording and what is normalised)."""

from __future__ import annotations

import pytest

from psql_driver import GOLDEN, SCHEMA, golden_name, normalise, psql, record_port

LISTINGS = ["\\l", "\\dn", "\\du", "\\dt", "\\dv", "\\di", "\\ds", "\\dt+ orders", "\\conninfo"]
DESCRIBE = ["\\d customers", "\\d orders", "\\d+ orders", "\\d big_orders"]


@pytest.fixture(scope="module")
def psql_port(tmp_path_factory) -> int:
    """A fresh server (so \\l, \\dn and \\du list only bootstrap objects) holding SCHEMA."""
    from serverproc import start_server
    server = start_server(str(tmp_path_factory.mktemp("quantadb-data")))
    try:
        out = psql(server.port, SCHEMA)
        assert "ERROR" not in out, out
        yield server.port
    finally:
        assert server.stop() == 0


def _check(port: int, command: str) -> None:
    path = GOLDEN / golden_name(command)
    reference = record_port()
    if reference is not None:
        path.write_text(normalise(command, psql(reference, command)) + "\n")
        return
    assert normalise(command, psql(port, command)) + "\n" == path.read_text()


@pytest.mark.parametrize("command", LISTINGS)
def test_listing_matches_postgres(psql_port: int, command: str) -> None:
    _check(psql_port, command)


@pytest.mark.parametrize("command", DESCRIBE)
def test_describe_matches_postgres(psql_port: int, command: str) -> None:
    _check(psql_port, command)


def test_tab_completion_query(psql_port: int) -> None:
    out = psql(psql_port, "SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c "
               "WHERE c.relkind IN ('r', 'p') AND (c.relname) LIKE 'cust%' AND pg_catalog.pg_table_is_visible(c.oid) "
               "AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog') "
               "UNION ALL SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n "
               "WHERE n.nspname LIKE 'cust%' AND n.nspname NOT LIKE E'pg\\\\_%' LIMIT 1000")
    assert out.splitlines()[1] == "customers|"


def test_describe_building_blocks(psql_port: int) -> None:
    """The parts of \\d TABLE that do not hit the engine gaps: indexes, checks, foreign keys."""
    oid = psql(psql_port, "SELECT 'orders'::regclass::oid").splitlines()[1]
    indexes = psql(psql_port, "SELECT c2.relname, i.indisprimary, i.indisunique, "
                   "pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), "
                   "pg_catalog.pg_get_constraintdef(con.oid, true), contype FROM pg_catalog.pg_class c, "
                   "pg_catalog.pg_class c2, pg_catalog.pg_index i LEFT JOIN pg_catalog.pg_constraint con ON "
                   "(conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x')) "
                   f"WHERE c.oid = '{oid}' AND c.oid = i.indrelid AND i.indexrelid = c2.oid "
                   "ORDER BY i.indisprimary DESC, c2.relname")
    assert indexes.splitlines()[1:3] == [
        "orders_pkey|t|t|CREATE UNIQUE INDEX orders_pkey ON orders USING btree (id)|PRIMARY KEY (id)|p",
        "orders_customer_idx|f|f|CREATE INDEX orders_customer_idx ON orders USING btree (customer_id)||"]
    checks = psql(psql_port, "SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true) FROM "
                  f"pg_catalog.pg_constraint r WHERE r.conrelid = '{oid}' AND r.contype = 'c' ORDER BY 1")
    assert checks.splitlines()[1] == "orders_amount_check|CHECK (amount >= 0::numeric)"  # as PostgreSQL deparses it
    fks = psql(psql_port, "SELECT conname, pg_catalog.pg_get_constraintdef(r.oid, true) "
               "FROM pg_catalog.pg_constraint r "
               f"WHERE r.conrelid = '{oid}' AND r.contype = 'f' AND conparentid = 0 ORDER BY conname")
    assert fks.splitlines()[1] == ("orders_customer_id_fkey|FOREIGN KEY (customer_id) REFERENCES customers(id) "
                                   "ON DELETE CASCADE")
