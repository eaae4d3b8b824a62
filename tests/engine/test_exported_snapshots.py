"""pg_export_snapshot() and SET TRANSACTION SNAPSHOT (engine/snapshots.py): an importing
transaction reads what the exporting one read, not what committed since nor what the exporter
wrote itself, as in PostgreSQL 15 (QUANTADB_TEST_DSN runs these against it)."""

from __future__ import annotations

from concurrency import new_table


def test_an_imported_snapshot_sees_what_the_exporter_saw(clients):
    exporter, importer, other, _ = clients
    t = new_table(exporter)
    exporter.q("BEGIN ISOLATION LEVEL REPEATABLE READ")
    assert exporter.q(f"SELECT count(*) FROM {t}") == [(2,)]
    [(ident,)] = exporter.q("SELECT pg_export_snapshot()")
    exporter.q(f"INSERT INTO {t} VALUES (3, 30)")  # the exporter's own, uncommitted
    other.q(f"INSERT INTO {t} VALUES (4, 40)")  # committed after the export
    importer.q("BEGIN ISOLATION LEVEL REPEATABLE READ")
    assert importer.q(f"SET TRANSACTION SNAPSHOT '{ident}'") == "SET"
    assert importer.q(f"SELECT id FROM {t} ORDER BY id") == [(1,), (2,)]
    exporter.q("COMMIT")
    assert importer.q(f"SELECT count(*) FROM {t}") == [(2,)]  # still the snapshot it imported
    importer.q("COMMIT")
    # once the exporting transaction ended, its snapshot is gone
    importer.q("BEGIN ISOLATION LEVEL REPEATABLE READ")
    assert importer.q(f"SET TRANSACTION SNAPSHOT '{ident}'") == (
        "ERR", "22023", f'invalid snapshot identifier: "{ident}"')
    importer.q("ROLLBACK")


def test_importing_needs_a_repeatable_read_transaction_before_its_first_query(clients):
    exporter, importer, _, _ = clients
    exporter.q("BEGIN ISOLATION LEVEL REPEATABLE READ")
    [(ident,)] = exporter.q("SELECT pg_export_snapshot()")
    importer.q("BEGIN")
    assert importer.q(f"SET TRANSACTION SNAPSHOT '{ident}'") == (
        "ERR", "0A000", "a snapshot-importing transaction must have isolation level SERIALIZABLE or REPEATABLE READ")
    importer.q("ROLLBACK")
    importer.q("BEGIN ISOLATION LEVEL SERIALIZABLE")
    importer.q("SELECT 1")
    assert importer.q(f"SET TRANSACTION SNAPSHOT '{ident}'") == (
        "ERR", "25001", "SET TRANSACTION SNAPSHOT must be called before any query")
    importer.q("ROLLBACK")
    importer.q("BEGIN ISOLATION LEVEL REPEATABLE READ")
    assert importer.q("SET TRANSACTION SNAPSHOT 'nonsense'") == (
        "ERR", "22023", 'invalid snapshot identifier: "nonsense"')
    importer.q("ROLLBACK")
    exporter.q("ROLLBACK")
