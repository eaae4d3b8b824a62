"""SERIALIZABLE as PostgreSQL's Serializable Snapshot Isolation, checked against PostgreSQL 15.

Each scenario is a scripted interleaving (interleave.py) run on PostgreSQL first, whose outcome
must be the documented one, then on QuantaDB, whose outcome must be equal: which statement fails
with 40001 and with which reason code (the DETAIL), and what stays. Anomalies that snapshot
isolation lets through must fail; transactions whose outcome is serializable anyway must commit.
"""

from __future__ import annotations

import psycopg
import pytest

from interleave import Sess, compare, make_table, sessions, table_rows

SER = "BEGIN ISOLATION LEVEL SERIALIZABLE"
AS_PIVOT_AT_COMMIT = ("ERR", "40001", "Reason code: Canceled on identification as a pivot, during commit attempt.")
AS_PIVOT_AT_WRITE = ("ERR", "40001", "Reason code: Canceled on identification as a pivot, during write.")


def q(sess: Sess, sql: str):
    """Sess.q, with a serialization failure's reason code (its DETAIL) in the outcome."""
    try:
        cur = sess.conn.execute(sql)
    except psycopg.Error as exc:
        return ("ERR", exc.sqlstate, exc.diag.message_detail) if exc.sqlstate == "40001" else ("ERR", exc.sqlstate)
    return cur.fetchall() if cur.description is not None else cur.statusmessage


def write_skew(target) -> dict:
    make_table(target, "c_skew", rows="(1, 1), (2, 1)")  # v = 1: on call; at least one must stay
    a, b = sessions(target, 2)
    out = {}
    a.q(SER)
    b.q(SER)
    out["a_count"] = a.q("SELECT count(*) FROM c_skew WHERE v = 1")
    out["b_count"] = b.q("SELECT count(*) FROM c_skew WHERE v = 1")
    out["a_update"] = a.q("UPDATE c_skew SET v = 0 WHERE id = 1")
    out["b_update"] = b.q("UPDATE c_skew SET v = 0 WHERE id = 2")
    out["a_commit"] = a.q("COMMIT")
    out["b_commit"] = q(b, "COMMIT")
    out["b_after"] = b.q("SELECT 1")  # the failed COMMIT ended the transaction
    out["final"] = table_rows(target, "c_skew")
    a.close(), b.close()
    return out


def test_serializable_prevents_write_skew(targets):
    compare(targets, write_skew, {"a_count": [(2,)], "b_count": [(2,)], "a_update": "UPDATE 1",
                                  "b_update": "UPDATE 1", "a_commit": "COMMIT", "b_commit": AS_PIVOT_AT_COMMIT,
                                  "b_after": [(1,)], "final": [(1, 0), (2, 1)]})


def read_only_anomaly(target, insert_first: bool) -> dict:
    """Fekete, O'Neil and O'Neil's receipts: T2 adds a receipt to the current batch, T3 closes the
    batch, T1 (read only) reports the closed batch. Each pair is serializable; all three are not
    once T1 has seen T3's close but not T2's receipt: T1 -rw-> T2 -rw-> T3, T3 committed first."""
    make_table(target, "c_control", rows="(1, 1)")  # (id, current batch)
    s = Sess(target)
    s.q("DROP TABLE IF EXISTS c_receipts")
    s.q("CREATE TABLE c_receipts (rid int PRIMARY KEY, batch int, amount int)")
    s.q("INSERT INTO c_receipts VALUES (1, 1, 10)")
    s.close()
    t1, t2, t3 = sessions(target, 3)
    out = {}
    t2.q(SER)
    out["t2_batch"] = t2.q("SELECT v FROM c_control WHERE id = 1")
    t3.q(SER)
    out["t3_close"] = t3.q("UPDATE c_control SET v = v + 1 WHERE id = 1")
    out["t3_commit"] = t3.q("COMMIT")
    if insert_first:
        out["t2_insert"] = q(t2, "INSERT INTO c_receipts VALUES (2, 1, 100)")
    t1.q("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY")
    out["t1_batch"] = t1.q("SELECT v FROM c_control WHERE id = 1")
    out["t1_report"] = q(t1, "SELECT sum(amount) FROM c_receipts WHERE batch = 1")
    out["t1_commit"] = q(t1, "COMMIT")
    if not insert_first:
        out["t2_insert"] = q(t2, "INSERT INTO c_receipts VALUES (2, 1, 100)")
    out["t2_commit"] = q(t2, "COMMIT")
    out["final"] = table_rows(target, "c_receipts")
    t1.close(), t2.close(), t3.close()
    return out


def test_read_only_anomaly_fails_the_receipt_written_after_the_report(targets):
    compare(targets, read_only_anomaly, {
        "t2_batch": [(1,)], "t3_close": "UPDATE 1", "t3_commit": "COMMIT", "t1_batch": [(2,)], "t1_report": [(10,)],
        "t1_commit": "COMMIT", "t2_insert": AS_PIVOT_AT_WRITE, "t2_commit": "ROLLBACK", "final": [(1, 1, 10)]},
        insert_first=False)


def test_read_only_anomaly_fails_the_receipt_the_report_did_not_see(targets):
    compare(targets, read_only_anomaly, {
        "t2_batch": [(1,)], "t3_close": "UPDATE 1", "t3_commit": "COMMIT", "t2_insert": "INSERT 0 1",
        "t1_batch": [(2,)], "t1_report": [(10,)], "t1_commit": "COMMIT", "t2_commit": AS_PIVOT_AT_COMMIT,
        "final": [(1, 1, 10)]}, insert_first=True)


def phantom(target) -> dict:
    """T1 sums a key range and records the sum elsewhere; T2 inserts into that range, then reads
    the record (the old one): T1 -rw-> T2 (the phantom) and T2 -rw-> T1."""
    make_table(target, "c_items", rows="(1, 10), (2, 20), (3, 30)")
    make_table(target, "c_totals", rows="")
    t1, t2 = sessions(target, 2)
    out = {}
    t1.q(SER)
    t2.q(SER)
    out["t1_sum"] = t1.q("SELECT sum(v) FROM c_items WHERE id BETWEEN 1 AND 10")
    out["t2_insert"] = t2.q("INSERT INTO c_items VALUES (5, 50)")
    out["t2_totals"] = t2.q("SELECT count(*) FROM c_totals WHERE id = 1")
    out["t1_record"] = q(t1, "INSERT INTO c_totals VALUES (1, 60)")
    out["t1_commit"] = q(t1, "COMMIT")
    out["t2_commit"] = q(t2, "COMMIT")
    out["items"] = table_rows(target, "c_items")
    out["totals"] = table_rows(target, "c_totals")
    t1.close(), t2.close()
    return out


def test_phantom_insert_into_a_read_range_fails(targets):
    compare(targets, phantom, {
        "t1_sum": [(60,)], "t2_insert": "INSERT 0 1", "t2_totals": [(0,)], "t1_record": "INSERT 0 1",
        "t1_commit": "COMMIT", "t2_commit": AS_PIVOT_AT_COMMIT, "items": [(1, 10), (2, 20), (3, 30)],
        "totals": [(1, 60)]})


def insert_into_each_others_range(target) -> dict:
    """Each counts a key range and, finding it empty, inserts into the other's range."""
    make_table(target, "c_slots", rows="(1, 0)")
    a, b = sessions(target, 2)
    out = {}
    a.q(SER)
    b.q(SER)
    out["a_count"] = a.q("SELECT count(*) FROM c_slots WHERE id BETWEEN 10 AND 19")
    out["b_count"] = b.q("SELECT count(*) FROM c_slots WHERE id BETWEEN 20 AND 29")
    out["a_insert"] = q(a, "INSERT INTO c_slots VALUES (25, 1)")
    out["b_insert"] = q(b, "INSERT INTO c_slots VALUES (15, 1)")
    out["a_commit"] = q(a, "COMMIT")
    out["b_commit"] = q(b, "COMMIT")
    out["final"] = table_rows(target, "c_slots")
    a.close(), b.close()
    return out


def test_inserts_into_what_the_other_read_fail_one(targets):
    compare(targets, insert_into_each_others_range, {
        "a_count": [(0,)], "b_count": [(0,)], "a_insert": "INSERT 0 1", "b_insert": "INSERT 0 1",
        "a_commit": "COMMIT", "b_commit": AS_PIVOT_AT_COMMIT, "final": [(1, 0), (25, 1)]})


def _copy_in(sess: Sess, table: str, rows: str):
    try:
        with sess.conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
            copy.write(rows)
    except psycopg.Error as exc:
        return ("ERR", exc.sqlstate, exc.diag.message_detail)
    return "COPY"


WRITES = {  # each a write of row 1 of c_x (or of every row), in one of the ways statements write
    "update": "UPDATE c_x SET v = 9 WHERE id = 1",
    "delete": "DELETE FROM c_x WHERE id = 1",
    "insert": "INSERT INTO c_x VALUES (3, 0, NULL)",
    "copy": lambda sess: _copy_in(sess, "c_x", "3\t0\t\\N\n"),
    "on_conflict_update": "INSERT INTO c_x VALUES (1, 0, NULL) ON CONFLICT (id) DO UPDATE SET v = 9",
    "merge": "MERGE INTO c_x USING (VALUES (1)) s(id) ON c_x.id = s.id WHEN MATCHED THEN UPDATE SET v = 9",
    "cascade": "DELETE FROM c_parent WHERE id = 1",  # ON DELETE CASCADE deletes c_x's row 1
    "truncate": "TRUNCATE c_x",
}


def skew_through(target, how: str) -> dict:
    """a reads c_x, b reads c_y; a writes c_y and commits; b then writes c_x in one of the ways
    of WRITES: b -rw-> a and a -rw-> b, a committed first, so b's write fails."""
    s = Sess(target)
    s.q("DROP TABLE IF EXISTS c_x, c_y, c_parent")
    s.q("CREATE TABLE c_parent (id int PRIMARY KEY)")
    s.q("INSERT INTO c_parent VALUES (1), (2)")
    s.q("CREATE TABLE c_x (id int PRIMARY KEY, v int, p int REFERENCES c_parent ON DELETE CASCADE)")
    s.q("INSERT INTO c_x VALUES (1, 0, 1), (2, 0, 2)")
    s.close()
    make_table(target, "c_y")
    a, b = sessions(target, 2)
    out = {}
    a.q(SER)
    b.q(SER)
    out["a_read"] = a.q("SELECT count(*) FROM c_x")
    out["b_read"] = b.q("SELECT count(*) FROM c_y")
    out["a_write"] = a.q("UPDATE c_y SET v = 1 WHERE id = 1")
    out["a_commit"] = a.q("COMMIT")
    write = WRITES[how]
    out["b_write"] = write(b) if callable(write) else q(b, write)
    out["b_commit"] = b.q("COMMIT")
    out["x"] = table_rows(target, "c_x")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("how", list(WRITES))
def test_every_way_of_writing_meets_the_siread_locks(targets, how):
    compare(targets, skew_through, {"a_read": [(2,)], "b_read": [(2,)], "a_write": "UPDATE 1", "a_commit": "COMMIT",
                                    "b_write": AS_PIVOT_AT_WRITE, "b_commit": "ROLLBACK",
                                    "x": [(1, 0, 1), (2, 0, 2)]}, how=how)


# -- what must commit ------------------------------------------------------------------------------

def different_rows_by_key(target) -> dict:
    make_table(target, "c_keyed", rows="(1, 0), (2, 0), (3, 0)")
    a, b = sessions(target, 2)
    out = {}
    a.q(SER)
    b.q(SER)
    out["a_read"] = a.q("SELECT v FROM c_keyed WHERE id = 1")
    out["b_read"] = b.q("SELECT v FROM c_keyed WHERE id = 2")
    out["a_update"] = a.q("UPDATE c_keyed SET v = v + 1 WHERE id = 1")
    out["b_update"] = b.q("UPDATE c_keyed SET v = v + 1 WHERE id = 2")
    out["a_commit"] = q(a, "COMMIT")
    out["b_commit"] = q(b, "COMMIT")
    out["final"] = table_rows(target, "c_keyed")
    a.close(), b.close()
    return out


def test_updates_of_different_rows_found_by_key_commit(targets):
    compare(targets, different_rows_by_key, {
        "a_read": [(0,)], "b_read": [(0,)], "a_update": "UPDATE 1", "b_update": "UPDATE 1", "a_commit": "COMMIT",
        "b_commit": "COMMIT", "final": [(1, 1), (2, 1), (3, 0)]})


def against_read_committed(target) -> dict:
    """The write skew again, with the other writer at READ COMMITTED: only serializable
    transactions take part (as in PostgreSQL), so both commit."""
    make_table(target, "c_mixed", rows="(1, 1), (2, 1)")
    a, b = sessions(target, 2)
    out = {}
    a.q(SER)
    b.q("BEGIN ISOLATION LEVEL READ COMMITTED")
    out["a_count"] = a.q("SELECT count(*) FROM c_mixed WHERE v = 1")
    out["b_count"] = b.q("SELECT count(*) FROM c_mixed WHERE v = 1")
    out["a_update"] = a.q("UPDATE c_mixed SET v = 0 WHERE id = 1")
    out["b_update"] = b.q("UPDATE c_mixed SET v = 0 WHERE id = 2")
    out["b_commit"] = q(b, "COMMIT")
    out["a_commit"] = q(a, "COMMIT")
    out["final"] = table_rows(target, "c_mixed")
    a.close(), b.close()
    return out


def test_serializable_against_read_committed_writers_commits(targets):
    compare(targets, against_read_committed, {
        "a_count": [(2,)], "b_count": [(2,)], "a_update": "UPDATE 1", "b_update": "UPDATE 1", "b_commit": "COMMIT",
        "a_commit": "COMMIT", "final": [(1, 0), (2, 0)]})


# -- what is kept ----------------------------------------------------------------------------------

def siread_locks_over_a_long_run(target, rounds: int) -> dict:
    """Two sessions run serializable transactions that overlap, in turn: each reads a row by key,
    the other begins, it updates its row and commits. A committed one's SIREAD locks stay while
    the other runs; they must not pile up over the rounds, and none are left at the end."""
    make_table(target, "c_long", rows=", ".join(f"({i}, 0)" for i in range(1, 101)))
    a, b, obs = sessions(target, 3)
    counts, failures = [], 0
    a.q(SER)
    a.q("SELECT v FROM c_long WHERE id = 1")
    for i in range(rounds):
        b.q(SER)
        b.q(f"SELECT v FROM c_long WHERE id = {(i + 1) % 100 + 1}")
        failures += a.q(f"UPDATE c_long SET v = v + 1 WHERE id = {i % 100 + 1}") != "UPDATE 1"
        failures += a.q("COMMIT") != "COMMIT"
        counts.append(obs.q("SELECT count(*) FROM pg_locks WHERE mode = 'SIReadLock'")[0][0])
        a, b = b, a
    a.q("ROLLBACK")
    out = {"held_meanwhile": min(counts) > 0, "bounded": max(counts) <= 10, "failures": failures,
           "left": obs.q("SELECT count(*) FROM pg_locks WHERE mode = 'SIReadLock'")}
    a.close(), b.close(), obs.close()
    return out


def test_siread_locks_of_ended_transactions_go(targets):
    compare(targets, siread_locks_over_a_long_run, {"held_meanwhile": True, "bounded": True, "failures": 0,
                                                    "left": [(0,)]}, rounds=300)


@pytest.mark.parametrize("level, held", [("SERIALIZABLE", [("relation", "c_held", True)]),
                                         ("SERIALIZABLE READ ONLY", []),  # safe: nothing else runs
                                         ("SERIALIZABLE READ ONLY DEFERRABLE", [])])
def test_a_serializable_reader_holds_siread_locks_until_its_end(targets, level, held):
    """pg_locks shows a serializable transaction's SIREAD locks while it runs; a read-only one
    alone with no read-write serializable transaction beside it takes none."""
    def scenario(target) -> dict:
        make_table(target, "c_held", rows="(1, 0), (2, 0)")
        s, obs = sessions(target, 2)
        s.q(f"BEGIN ISOLATION LEVEL {level}")
        s.q("SELECT * FROM c_held")  # a scan: the whole table
        out = {"held": obs.q("SELECT locktype, relation::regclass::text, granted FROM pg_locks "
                             "WHERE mode = 'SIReadLock'")}
        s.q("COMMIT")
        out["after"] = obs.q("SELECT count(*) FROM pg_locks WHERE mode = 'SIReadLock'")
        s.close(), obs.close()
        return out
    compare(targets, scenario, {"held": held, "after": [(0,)]})


def imported_snapshot(target) -> dict:
    """SET TRANSACTION SNAPSHOT into a serializable transaction: from a serializable exporter it
    runs SSI on that snapshot (its reads hold SIREAD locks); from another kind it is refused."""
    make_table(target, "c_imp")
    rr, ser, importer, obs = sessions(target, 4)
    out = {}
    rr.q("BEGIN ISOLATION LEVEL REPEATABLE READ")
    [(from_rr,)] = rr.q("SELECT pg_export_snapshot()")
    ser.q(SER)
    [(from_ser,)] = ser.q("SELECT pg_export_snapshot()")
    importer.q(SER)
    out["from_rr"] = q(importer, f"SET TRANSACTION SNAPSHOT '{from_rr}'")
    importer.q("ROLLBACK")
    importer.q(SER)
    out["from_ser"] = importer.q(f"SET TRANSACTION SNAPSHOT '{from_ser}'")
    out["read"] = importer.q("SELECT count(*) FROM c_imp")
    out["held"] = obs.q(f"SELECT locktype, relation::regclass::text FROM pg_locks WHERE mode = 'SIReadLock' "
                        f"AND pid = {importer.pid}")
    for s in (rr, ser, importer):
        s.q("COMMIT")
    rr.close(), ser.close(), importer.close(), obs.close()
    return out


def test_a_serializable_import_of_a_snapshot(targets):
    compare(targets, imported_snapshot, {"from_rr": ("ERR", "0A000"), "from_ser": "SET", "read": [(2,)],
                                         "held": [("relation", "c_imp")]})
