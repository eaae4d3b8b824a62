"""Run psql 15 meta-commands against a server and normalise what must differ from PostgreSQL.

The golden files under golden/ hold PostgreSQL 15's output for the same schema. To re-record
them, run the psql tests with QUANTADB_RECORD_PG=<port of a scratch PostgreSQL 15> (for
instance one started by /work/shared/conformance/pg-up.sh): the schema is created there and
the outputs are written instead of compared.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
PSQL = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"

SCHEMA = """
CREATE TABLE customers (id integer PRIMARY KEY, name varchar(50) NOT NULL, email text UNIQUE);
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    amount numeric(10,2) DEFAULT 0 CHECK (amount >= 0),
    note text,
    created date
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE SEQUENCE invoice_seq;
COMMENT ON TABLE orders IS 'customer orders';
"""

# Differences that are not catalog bugs: the port, relation sizes, the owner of schema public
# (pg_database_owner in PostgreSQL 15), and expressions PostgreSQL prints from its parse tree
# with explicit casts.
NORMALISE = (
    (re.compile(r'at port "\d+"'), 'at port "PORT"'),
    (re.compile(r"pg_database_owner"), "postgres"),
    (re.compile(r"\|\d+ (bytes|kB|MB)\|"), "|SIZE|"),
    (re.compile(r"'(\d+)'::numeric|\((\d+)\)::numeric|(\d+)::numeric"),
     lambda m: next(g for g in m.groups() if g is not None)),
)


def psql(port: int, command: str) -> str:
    env = {**os.environ, "PGPASSWORD": "", "PAGER": "", "PSQL_PAGER": "", "COLUMNS": "200"}
    out = subprocess.run([PSQL, "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                          "-A", "-c", command],
                         capture_output=True, text=True, env=env, timeout=60)
    return out.stdout + out.stderr


def normalise(command: str, text: str) -> str:
    for pattern, repl in NORMALISE:
        text = pattern.sub(repl, text)
    return text


def golden_name(command: str) -> str:
    return re.sub(r"[^a-z0-9+]+", "_", command.lower()).strip("_") + ".txt"


def record_port() -> int | None:
    value = os.environ.get("QUANTADB_RECORD_PG")
    return int(value) if value else None
