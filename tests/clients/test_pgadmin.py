"""pgAdmin 4 (from PyPI, server mode) driven in Debian's headless Chromium against QuantaDB:
log in, register the server through the UI, open the tree down to a table's columns,
constraints and indexes, view its first rows, and run a query in the Query Tool.

scripts/setup/20-pgadmin.sh installs pgAdmin (its own venv) and Chromium. Screenshots of every
step, pgAdmin's log (every query it sent) and QuantaDB's log are kept in tests/artifacts/pgadmin/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from pgadmin.server import EMAIL, PASSWORD, start_pgadmin
from pgadmin.ui import PgAdminUi

ARTEFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "pgadmin"

SCHEMA = """
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
    id int PRIMARY KEY,
    code varchar(12) UNIQUE,
    customer_id int NOT NULL REFERENCES customers (id),
    amount numeric(10, 2) CHECK (amount > 0),
    note text DEFAULT 'none');
CREATE INDEX orders_customer_idx ON orders (customer_id);
INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bob');
INSERT INTO orders VALUES (10, 'A-10', 1, 12.50, 'first'), (11, 'A-11', 1, 7.25, 'second'),
                          (12, 'B-12', 2, 99.00, 'third');
"""

TABLE = ["Servers", "QuantaDB", "Databases", "postgres", "Schemas", "public", "Tables", "orders"]
TABLE_CHILDREN = {
    "Columns": ["id", "code", "customer_id", "amount", "note"],
    # the primary and unique keys show as constraints, not indexes (their indexes implement them)
    "Constraints": ["orders_amount_check", "orders_code_key", "orders_customer_id_fkey", "orders_pkey"],
    "Indexes": ["orders_customer_idx"],
}
TABLE_DDL = ["CREATE TABLE IF NOT EXISTS public.orders", "CONSTRAINT orders_pkey PRIMARY KEY (id)",
             "CONSTRAINT orders_code_key UNIQUE (code)",
             "CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id)", "REFERENCES public.customers (id)",
             "CONSTRAINT orders_amount_check CHECK (amount > 0::numeric)",  # deparsed as PostgreSQL prints it
             "CREATE INDEX IF NOT EXISTS orders_customer_idx"]
QUERY = ("SELECT c.name, count(*) AS orders, sum(o.amount) AS total FROM customers c "
         "JOIN orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY c.name;")


@pytest.fixture
def artefacts() -> Path:
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    print(f"pgAdmin screenshots and logs: {ARTEFACTS}")
    return ARTEFACTS


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_pgadmin_browses_and_queries_quantadb(start_quantadb, tmp_path: Path, artefacts: Path) -> None:
    server = start_quantadb()
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
    pgadmin = start_pgadmin(tmp_path)
    ui = None
    try:
        ui = PgAdminUi(pgadmin.url, artefacts, tmp_path / "chromium")
        ui.login(EMAIL, PASSWORD)
        ui.shot("logged-in")

        ui.register_server("QuantaDB", server.host, server.port, "postgres")
        ui.expand(["Servers", "QuantaDB"])
        assert ui.children([("Servers", 1), ("QuantaDB", 2)])[:1] == ["Databases"]
        ui.shot("server-connected")

        table = ui.expand(TABLE)
        ddl = ui.panel_text("SQL", "CREATE TABLE")  # reverse-engineered from the catalog
        ui.shot("table-sql")
        for line in TABLE_DDL:
            assert line in ddl, f"{line!r} not in the SQL tab:\n{ddl}"
        ui.click(ui.labelled("[role=tab]", "Dashboard"))
        for group, expected in TABLE_CHILDREN.items():
            path = ui.expand(TABLE + [group])
            ui.shot(group.lower())
            assert sorted(ui.children(path)) == sorted(expected), group
            ui.collapse(path)

        ui.context_menu(ui.entry(table), "View/Edit Data", "First 100 Rows")
        with ui.tool_frame():
            headers, rows = ui.grid(3)
            ui.shot("first-100-rows")
        assert headers == ["id", "code", "customer_id", "amount", "note"]
        assert rows == [["10", "A-10", "1", "12.50", "first"], ["11", "A-11", "1", "7.25", "second"],
                        ["12", "B-12", "2", "99.00", "third"]]

        ui.context_menu(ui.entry(table[:4]), "Query Tool")
        with ui.tool_frame():
            ui.run_query(QUERY)
            headers, rows = ui.grid(2)
            ui.shot("query-tool")
        assert headers == ["name", "orders", "total"]
        assert rows == [["Ann", "2", "19.75"], ["Bob", "1", "99.00"]]
        # every catalog query pgAdmin sent on the way succeeded (its log holds each one)
        assert pgadmin.failed_queries() == []
    except BaseException as failure:
        if ui is not None:
            ui.shot("failure")
        failure.add_note(pgadmin.problems())
        raise
    finally:
        if ui is not None:
            ui.close()
        pgadmin.stop()
        for log in (pgadmin.log_file, pgadmin.console_file):
            if log.exists():
                shutil.copy(log, artefacts / log.name)
        (artefacts / "quantadb.log").write_text(server.log_text())
