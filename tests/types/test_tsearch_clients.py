"""tsvector and tsquery through real clients: psycopg's binary results and parameters
(tsvectorsend/recv, tsquerysend/recv byte for byte as PostgreSQL's), columns surviving a restart
(WAL replay and a checkpoint), and GIN over a tsvector refused rather than built as a btree.

The psycopg checks run against PostgreSQL 15 too (QUANTADB_TEST_DSN)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.adapt import Dumper

TSVECTOR_BINARY = b"\x00\x00\x00\x02a\x00\x00\x02\xc0\x01\x00\x03bb\x00\x00\x00"  # 'a':1A,3 'bb'
TSQUERY_BINARY = (b"\x00\x00\x00\x06\x02\x02\x02\x04\x00\x03\x01\x00\x00c\x00\x02\x01\x01\x08\x01b\x00"
                  b"\x01\x00\x00a\x00")  # 'a' & !'b':*A <3> 'c'


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data


def _binary_dumper(oid_value: int) -> type[Dumper]:
    class RawDumper(Dumper):
        format = psycopg.pq.Format.BINARY
        oid = oid_value

        def dump(self, obj: _Raw) -> bytes:
            return obj.data
    return RawDumper


class _Vector(_Raw):
    pass


class _Query(_Raw):
    pass


def test_binary_results_are_postgresqls_bytes(dsn) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor(binary=True)
        row = cur.execute("SELECT 'a:1A,3 bb'::tsvector, 'a & !b:*A <3> c'::tsquery, ''::tsvector").fetchone()
    assert row == (TSVECTOR_BINARY, TSQUERY_BINARY, b"\x00\x00\x00\x00")


def test_binary_parameters_are_received(dsn) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.adapters.register_dumper(_Vector, _binary_dumper(3614))
        conn.adapters.register_dumper(_Query, _binary_dumper(3615))
        row = conn.execute("SELECT %s::text, %s::text, %s @@ %s",
                           [_Vector(TSVECTOR_BINARY), _Query(TSQUERY_BINARY), _Vector(TSVECTOR_BINARY),
                            _Query(b"\x00\x00\x00\x01\x01\x00\x01b\x00")]).fetchone()
    assert row == ("'a':1A,3 'bb'", "'a' & !'b':*A <3> 'c'", True)


def test_text_parameters(dsn) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT to_tsvector('english', %s) @@ websearch_to_tsquery('english', %s), "
                           "ts_rank(to_tsvector('english', %s), plainto_tsquery('english', %s))",
                           ["The quick brown foxes", '"brown fox" -dog', "fat cats", "cats"]).fetchone()
    assert row == (True, pytest.approx(0.0607927))


def test_tsearch_columns_survive_a_restart(start_quantadb, tmp_path) -> None:
    data_dir = str(tmp_path / "data")
    srv = start_quantadb(data_dir=data_dir)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE fts (id int, v tsvector, q tsquery)")
        conn.execute("INSERT INTO fts VALUES (1, to_tsvector('english', 'The fat cats'), 'cat & !dog'), "
                     "(2, NULL, '')")
        conn.execute("CHECKPOINT")
        conn.execute("INSERT INTO fts VALUES (3, $$'it''s':2A x$$, 'a <2> b:*')")
        conn.execute("UPDATE fts SET v = v || 'z:1' WHERE id = 1")
    assert srv.stop() == 0
    srv = start_quantadb(data_dir=data_dir)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT id, v::text, q::text, v @@ q FROM fts ORDER BY id").fetchall()
    assert rows == [(1, "'cat':3 'fat':2 'z':4", "'cat' & !'dog'", True), (2, None, "", None),
                    (3, "'it''s':2A 'x'", "'a' <2> 'b':*", False)]


def test_gin_over_a_tsvector_is_refused(server) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE fts_gin (body text, v tsvector)")
        for target in ("v", "(to_tsvector('english', body))"):
            with pytest.raises(psycopg.errors.FeatureNotSupported, match='access method "gin"'):
                conn.execute(f"CREATE INDEX ON fts_gin USING gin {target if target[0] == '(' else f'({target})'}")
        conn.execute("CREATE INDEX fts_gin_v ON fts_gin (v)")  # a btree on a tsvector is PostgreSQL's too
        conn.execute("INSERT INTO fts_gin VALUES ('a', 'a b'), ('b', 'c')")
        assert conn.execute("SELECT body FROM fts_gin WHERE v = 'b a'").fetchall() == [("a",)]
        assert conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'fts_gin'").fetchall() == [
            ("CREATE INDEX fts_gin_v ON public.fts_gin USING btree (v)",)]
        conn.execute("DROP TABLE fts_gin")
