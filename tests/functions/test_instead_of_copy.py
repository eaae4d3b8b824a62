"""COPY FROM into a view goes through its INSTEAD OF INSERT trigger, as in PostgreSQL 15; without
one it is refused with the hint to provide one. Holds on PostgreSQL too (QUANTADB_TEST_DSN)."""

from __future__ import annotations

import psycopg
import pytest

from plpgsql_support import dsn, pl  # noqa: F401  (fixtures)


def test_copy_into_a_view_fires_its_instead_of_insert_trigger(pl):
    pl.q("CREATE TABLE t (a int, b text)")
    pl.q("CREATE VIEW v AS SELECT a, b, a * 2 AS doubled FROM t")
    pl.q("""CREATE FUNCTION v_ins() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO t VALUES (NEW.a, upper(NEW.b));
              RETURN NEW;
            END $$""")
    with pytest.raises(psycopg.errors.WrongObjectType) as refused:
        with pl.conn.cursor().copy("COPY v (a, b) FROM STDIN") as copy:
            copy.write("1\tx\n")
    assert refused.value.diag.message_primary == 'cannot copy to view "v"'
    assert refused.value.diag.message_hint == "To enable copying to a view, provide an INSTEAD OF INSERT trigger."
    pl.q("CREATE TRIGGER v_i INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_ins()")
    with pl.conn.cursor() as cur:
        with cur.copy("COPY v (a, b) FROM STDIN") as copy:
            copy.write("1\tx\n2\ty\n")
        assert cur.rowcount == 2
    assert pl.q("SELECT a, b, doubled FROM v ORDER BY a") == [(1, "X", 2), (2, "Y", 4)]
