"""Record PostgreSQL's answers to cases.sql into expected.json (run against a PostgreSQL 15).

    python tests/sql_window/record.py "host=127.0.0.1 port=55442 user=postgres dbname=postgres"
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import psycopg

HERE = Path(__file__).parent


def statements() -> list[str]:
    text = (HERE / "cases.sql").read_text()
    return [s.strip() for s in text.split(";\n") if s.strip()]


def answer(conn: psycopg.Connection, sql: str) -> dict:
    """{"rows": [[text or None, ...], ...]} or {"error": [sqlstate, message]}, values as text."""
    try:
        cur = conn.execute(sql)
    except psycopg.Error as e:
        return {"error": [e.sqlstate, e.diag.message_primary]}
    if cur.description is None:
        return {"rows": None}
    return {"rows": [[None if v is None else str(v) for v in row] for row in cur.fetchall()]}


def main() -> None:
    with psycopg.connect(sys.argv[1], autocommit=True) as conn:
        cases = [{"sql": s, **answer(conn, s)} for s in statements()]
    (HERE / "expected.json").write_text(json.dumps(cases, indent=1) + "\n")


if __name__ == "__main__":
    main()
