"""DDL rolled back, then a restart: the data directory must start again with the same tables.

A rolled-back ADD COLUMN once left the column's stored values behind in the table's segments;
the next checkpoint wrote them, and the restart failed (IndexError restoring the table), or a
column added again in another type could not be written ("invalid literal for int()").
"""

from __future__ import annotations

import psycopg
import pytest

ROLLED_BACK = [
    # (statements inside the transaction that is rolled back)
    ["ALTER TABLE t ADD COLUMN c int", "UPDATE t SET c = 5"],
    ["ALTER TABLE t ADD COLUMN c int", "INSERT INTO t VALUES (9, 'gone', 9)"],
    ["SAVEPOINT s", "ALTER TABLE t ADD COLUMN c int", "UPDATE t SET c = 5", "ROLLBACK TO SAVEPOINT s"],
]


@pytest.mark.parametrize("how", ["checkpoint", "kill9"])
@pytest.mark.parametrize("statements", ROLLED_BACK, ids=["update", "insert", "savepoint"])
def test_rolled_back_add_column_survives_restart(qdb, tmp_path, statements, how):
    srv = qdb.start(tmp_path / "data")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (a int PRIMARY KEY, b text)")
        conn.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y')")
        conn.execute("BEGIN")
        for sql in statements:
            conn.execute(sql)
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT * FROM t ORDER BY a").fetchall() == [(1, "x"), (2, "y")]
        # the same column name again, in another type
        conn.execute("ALTER TABLE t ADD COLUMN c text")
        conn.execute("UPDATE t SET c = 'hello' WHERE a = 1")
        conn.execute("INSERT INTO t VALUES (3, 'z', 'new')")
        expected = [(1, "x", "hello"), (2, "y", None), (3, "z", "new")]
        assert conn.execute("SELECT * FROM t ORDER BY a").fetchall() == expected
    srv = qdb.restart(srv, tmp_path / "data", how)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM t ORDER BY a").fetchall() == expected
        conn.execute("INSERT INTO t VALUES (4, 'w', 'after')")
        assert conn.execute("SELECT c FROM t WHERE a = 4").fetchone() == ("after",)
