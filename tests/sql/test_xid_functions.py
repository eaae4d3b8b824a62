"""Transaction IDs and snapshots as SQL values (engine/xids.py): xid8, pg_snapshot and
txid_snapshot, pg_current_xact_id(), pg_current_snapshot() and their accessors, pg_xact_status(),
age(). Each case runs on QuantaDB and on PostgreSQL 15."""

from __future__ import annotations


def test_snapshot_values_read_write_and_answer_visibility(sql):
    sql.check("SELECT '10:20:10,14,15'::pg_snapshot, '10:20:10,10,14'::txid_snapshot, '5:5:'::pg_snapshot",
              [("10:20:10,14,15", "10:20:10,14", "5:5:")])
    sql.check("SELECT pg_snapshot_xmin(s), pg_snapshot_xmax(s), pg_visible_in_snapshot('12', s), "
              "pg_visible_in_snapshot('14', s), pg_visible_in_snapshot('25', s), pg_visible_in_snapshot('5', s) "
              "FROM (SELECT '10:20:10,14,15'::pg_snapshot AS s) q", [("10", "20", "t", "f", "f", "t")])
    sql.check("SELECT pg_snapshot_xip('10:20:10,14,15')", [("10",), ("14",), ("15",)])
    sql.check("SELECT txid_snapshot_xmax('10:20:'), txid_visible_in_snapshot(12, '10:20:12')", [("20", "f")])
    for bad in ("10:20:14,10", "10:20:25", "20:10:", "10:20", "0:1:"):
        sql.error(f"SELECT '{bad}'::pg_snapshot", "22P02", f'invalid input syntax for type pg_snapshot: "{bad}"')


def test_the_current_transaction_id_and_its_status(sql):
    sql.setup("CREATE TABLE seen (id xid8, snap pg_snapshot)")
    sql.check("BEGIN; SELECT pg_current_xact_id_if_assigned() IS NULL, pg_current_xact_id()::text = txid_current()::text, "
              "pg_current_xact_id_if_assigned() = pg_current_xact_id(), pg_xact_status(pg_current_xact_id())",
              [("t", "t", "t", "in progress")])
    sql.check("INSERT INTO seen SELECT pg_current_xact_id(), pg_current_snapshot(); "
              "SELECT pg_visible_in_snapshot(id, snap), pg_snapshot_xmin(snap) <= id FROM seen", [("f", "t")])
    sql.check("COMMIT; SELECT pg_xact_status(id), pg_current_xact_id() > id, "
              "pg_visible_in_snapshot(id, pg_current_snapshot()), id::xid = id::xid FROM seen",
              [("committed", "t", "t", "t")])
    sql.error("SELECT pg_xact_status('999999999999'::xid8)", "22023", "transaction ID 999999999999 is in the future")


def test_age_and_commit_timestamps(sql):
    sql.check("SELECT age('2'::xid), age('0'::xid), bool_and(age(datfrozenxid) >= 0), "
              "bool_and(mxid_age(datminmxid) >= 0) FROM pg_database", [("2147483647", "2147483647", "t", "t")])
    sql.check("SELECT count(*) > 0 FROM pg_class WHERE relkind = 'r' AND age(relfrozenxid) >= 0", [("t",)])
    sql.error("SELECT pg_xact_commit_timestamp('3'::xid)", "55000", "could not get commit timestamp data")
