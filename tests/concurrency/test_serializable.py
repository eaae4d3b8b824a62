"""SERIALIZABLE as PostgreSQL's Serializable Snapshot Isolation, checked against PostgreSQL 15.

Each scenario is a scripted interleaving (interleave.py) run on PostgreSQL first, whose outcome
must be the documented one, then on QuantaDB, whose outcome must be equal: which statement fails
with 40001 and with which reason code (the DETAIL), and what stays. Anomalies that snapshot
isolation lets through must fail; transactions whose outcome is serializable anyway must commit.
"""

from __future__ import annotations

import psycopg
import pytest

from interleave import Sess, compare, make_table, sessions

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


def table(name: str, rows: str = "(1, 0), (2, 0)", columns: str = "id int PRIMARY KEY, v int") -> list[str]:
    return [f"DROP TABLE IF EXISTS {name} CASCADE", f"CREATE TABLE {name} ({columns})"] + \
        ([f"INSERT INTO {name} VALUES {rows}"] if rows else [])


def script(target, setup: list[str], steps: list[tuple]) -> dict:
    """Run `setup`, then the steps: (session, SQL or a function of the session[, label]), each
    session (a letter) opened at its first step; the outcome of each labelled step (q's)."""
    s = Sess(target)
    for sql in setup:
        assert not isinstance(s.q(sql), tuple), sql
    s.close()
    opened: dict[str, Sess] = {}
    out = {}
    for who, what, *label in steps:
        sess = opened.get(who) or opened.setdefault(who, Sess(target))
        result = what(sess) if callable(what) else q(sess, what)
        if label:
            out[label[0]] = result
    for sess in opened.values():
        sess.close()
    return out


def test_serializable_prevents_write_skew(targets):
    """Both see two on call (v = 1) and take one off; the second to commit fails, and the failed
    COMMIT ends its transaction."""
    steps = [("a", SER), ("b", SER), ("a", "SELECT count(*) FROM c_skew WHERE v = 1", "a_count"),
             ("b", "SELECT count(*) FROM c_skew WHERE v = 1", "b_count"),
             ("a", "UPDATE c_skew SET v = 0 WHERE id = 1", "a_update"),
             ("b", "UPDATE c_skew SET v = 0 WHERE id = 2", "b_update"), ("a", "COMMIT", "a_commit"),
             ("b", "COMMIT", "b_commit"), ("b", "SELECT 1", "b_after"), ("z", "SELECT * FROM c_skew ORDER BY 1", "final")]
    compare(targets, script, {"a_count": [(2,)], "b_count": [(2,)], "a_update": "UPDATE 1",
                              "b_update": "UPDATE 1", "a_commit": "COMMIT", "b_commit": AS_PIVOT_AT_COMMIT,
                              "b_after": [(1,)], "final": [(1, 0), (2, 1)]},
            setup=table("c_skew", "(1, 1), (2, 1)"), steps=steps)


def test_a_doomed_transaction_fails_its_next_read(targets):
    """The write skew's second transaction, doomed by the first one's commit, fails at its next
    read of a table (PostgreSQL: of a row), before its COMMIT."""
    steps = [("a", SER), ("b", SER), ("a", "SELECT count(*) FROM c_doomed WHERE v = 1"),
             ("b", "SELECT count(*) FROM c_doomed WHERE v = 1"), ("a", "UPDATE c_doomed SET v = 0 WHERE id = 1"),
             ("b", "UPDATE c_doomed SET v = 0 WHERE id = 2"), ("a", "COMMIT", "a_commit"),
             ("b", "SELECT v FROM c_doomed WHERE id = 1", "b_read"), ("b", "COMMIT", "b_commit")]
    compare(targets, script, {
        "a_commit": "COMMIT", "b_commit": "ROLLBACK",
        "b_read": ("ERR", "40001", "Reason code: Canceled on identification as a pivot, during conflict out checking.")},
        setup=table("c_doomed", "(1, 1), (2, 1)"), steps=steps)


@pytest.mark.parametrize("insert_first", [False, True])
def test_read_only_anomaly(targets, insert_first):
    """Fekete, O'Neil and O'Neil's receipts: T2 adds a receipt to the current batch, T3 closes the
    batch, T1 (read only) reports the closed batch. Each pair is serializable; all three are not
    once T1 has seen T3's close but not T2's receipt: T1 -rw-> T2 -rw-> T3, T3 committed first.
    The receipt fails as it is written after the report, or at its commit if the report ran past it."""
    insert = ("t2", "INSERT INTO c_receipts VALUES (2, 1, 100)", "t2_insert")
    steps = [("t2", SER), ("t2", "SELECT v FROM c_control WHERE id = 1", "t2_batch"), ("t3", SER),
             ("t3", "UPDATE c_control SET v = v + 1 WHERE id = 1", "t3_close"), ("t3", "COMMIT", "t3_commit"),
             *([insert] if insert_first else []), ("t1", "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY"),
             ("t1", "SELECT v FROM c_control WHERE id = 1", "t1_batch"),
             ("t1", "SELECT sum(amount) FROM c_receipts WHERE batch = 1", "t1_report"), ("t1", "COMMIT", "t1_commit"),
             *([] if insert_first else [insert]), ("t2", "COMMIT", "t2_commit"),
             ("z", "SELECT * FROM c_receipts ORDER BY 1", "final")]
    compare(targets, script, {
        "t2_batch": [(1,)], "t3_close": "UPDATE 1", "t3_commit": "COMMIT", "t1_batch": [(2,)], "t1_report": [(10,)],
        "t1_commit": "COMMIT", "t2_insert": "INSERT 0 1" if insert_first else AS_PIVOT_AT_WRITE,
        "t2_commit": AS_PIVOT_AT_COMMIT if insert_first else "ROLLBACK", "final": [(1, 1, 10)]},
        setup=table("c_control", "(1, 1)") + table("c_receipts", "(1, 1, 10)", "rid int PRIMARY KEY, batch int, amount int"),
        steps=steps)


def test_phantom_insert_into_a_read_range_fails(targets):
    """T1 sums a key range and records the sum elsewhere; T2 inserts into that range, then reads
    the record (the old one): T1 -rw-> T2 (the phantom) and T2 -rw-> T1."""
    steps = [("t1", SER), ("t2", SER), ("t1", "SELECT sum(v) FROM c_items WHERE id BETWEEN 1 AND 10", "t1_sum"),
             ("t2", "INSERT INTO c_items VALUES (5, 50)", "t2_insert"),
             ("t2", "SELECT count(*) FROM c_totals WHERE id = 1", "t2_totals"),
             ("t1", "INSERT INTO c_totals VALUES (1, 60)", "t1_record"), ("t1", "COMMIT", "t1_commit"),
             ("t2", "COMMIT", "t2_commit"), ("z", "SELECT * FROM c_items ORDER BY 1", "items"),
             ("z", "SELECT * FROM c_totals ORDER BY 1", "totals")]
    compare(targets, script, {
        "t1_sum": [(60,)], "t2_insert": "INSERT 0 1", "t2_totals": [(0,)], "t1_record": "INSERT 0 1",
        "t1_commit": "COMMIT", "t2_commit": AS_PIVOT_AT_COMMIT, "items": [(1, 10), (2, 20), (3, 30)],
        "totals": [(1, 60)]}, setup=table("c_items", "(1, 10), (2, 20), (3, 30)") + table("c_totals", ""), steps=steps)


def test_inserts_into_what_the_other_read_fail_one(targets):
    """Each counts a key range and, finding it empty, inserts into the other's range."""
    steps = [("a", SER), ("b", SER), ("a", "SELECT count(*) FROM c_slots WHERE id BETWEEN 10 AND 19", "a_count"),
             ("b", "SELECT count(*) FROM c_slots WHERE id BETWEEN 20 AND 29", "b_count"),
             ("a", "INSERT INTO c_slots VALUES (25, 1)", "a_insert"), ("b", "INSERT INTO c_slots VALUES (15, 1)", "b_insert"),
             ("a", "COMMIT", "a_commit"), ("b", "COMMIT", "b_commit"), ("z", "SELECT * FROM c_slots ORDER BY 1", "final")]
    compare(targets, script, {
        "a_count": [(0,)], "b_count": [(0,)], "a_insert": "INSERT 0 1", "b_insert": "INSERT 0 1",
        "a_commit": "COMMIT", "b_commit": AS_PIVOT_AT_COMMIT, "final": [(1, 0), (25, 1)]},
        setup=table("c_slots", "(1, 0)"), steps=steps)


def test_a_key_both_found_missing_fails_the_second_insert_with_40001_not_23505(targets):
    """Both look for key 5, find none and insert it: the second insert meets the first one's
    committed row; PostgreSQL reports the serialization failure, which a retry gets past, rather
    than the unique violation."""
    steps = [("a", SER), ("b", SER), ("a", "SELECT count(*) FROM c_uniq WHERE id = 5", "a_read"),
             ("b", "SELECT count(*) FROM c_uniq WHERE id = 5", "b_read"), ("a", "INSERT INTO c_uniq VALUES (5, 1)"),
             ("a", "COMMIT", "a_commit"), ("b", "INSERT INTO c_uniq VALUES (5, 2)", "b_insert"),
             ("b", "ROLLBACK"), ("b", SER), ("b", "SELECT count(*) FROM c_uniq WHERE id = 5", "retry_read"),
             ("b", "COMMIT")]
    compare(targets, script, {"a_read": [(0,)], "b_read": [(0,)], "a_commit": "COMMIT", "b_insert": AS_PIVOT_AT_WRITE,
                              "retry_read": [(1,)]}, setup=table("c_uniq", "(1, 0)"), steps=steps)


_SPREAD = ["INSERT INTO c_ix SELECT i, i % 100, 1 FROM generate_series(1, 1000) i", "ANALYZE c_ix"]
INDEXED_READS = {  # (setup, a's read, b's read, a's write, b's write): each writes what the other read
    "composite_prefix": (table("c_ix", "(1, 'x', 1), (2, 'y', 1)", "a int, b text, v int, PRIMARY KEY (a, b)"),
                         "SELECT v FROM c_ix WHERE a = 1", "SELECT v FROM c_ix WHERE a = 2",
                         "UPDATE c_ix SET v = 0 WHERE a = 2 AND b = 'y'", "UPDATE c_ix SET v = 0 WHERE a = 1 AND b = 'x'"),
    "secondary": (table("c_ix", "", "id int PRIMARY KEY, g int, v int") + ["CREATE INDEX c_ix_g ON c_ix (g)"] + _SPREAD,
                  "SELECT count(*) FROM c_ix WHERE g = 1", "SELECT count(*) FROM c_ix WHERE g = 2",
                  "UPDATE c_ix SET v = 0 WHERE id = 2", "UPDATE c_ix SET v = 0 WHERE id = 1"),
    "secondary_insert": (table("c_ix", "", "id int PRIMARY KEY, g int, v int") + ["CREATE INDEX c_ix_g ON c_ix (g)"] +
                         _SPREAD, "SELECT count(*) FROM c_ix WHERE g = 1", "SELECT count(*) FROM c_ix WHERE g = 2",
                         "INSERT INTO c_ix VALUES (2002, 2, 1)", "INSERT INTO c_ix VALUES (2001, 1, 1)"),
    "partial": (table("c_ix", "", "id int PRIMARY KEY, g int, v int") + ["CREATE INDEX c_ix_g ON c_ix (g) WHERE v > 0"] +
                _SPREAD, "SELECT count(*) FROM c_ix WHERE g = 1 AND v > 0", "SELECT count(*) FROM c_ix WHERE g = 2 AND v > 0",
                "UPDATE c_ix SET v = 0 WHERE id = 2", "UPDATE c_ix SET v = 0 WHERE id = 1"),
    "range_moved_into": (table("c_ix", "", "id int PRIMARY KEY, g int, v int") + ["CREATE INDEX c_ix_g ON c_ix (g)"] +
                         _SPREAD, "SELECT count(*) FROM c_ix WHERE g BETWEEN 10 AND 12",
                         "SELECT count(*) FROM c_ix WHERE g BETWEEN 50 AND 52",
                         "UPDATE c_ix SET g = 51 WHERE id = 1", "UPDATE c_ix SET g = 11 WHERE id = 2"),
}


@pytest.mark.parametrize("how", list(INDEXED_READS))
def test_reads_through_indexes_meet_the_writes_of_what_they_found(targets, how):
    """The write skew through a composite key's prefix, a secondary index (updates and inserts), a
    partial index and a secondary key range a row moves into."""
    setup, a_read, b_read, a_write, b_write = INDEXED_READS[how]
    steps = [("a", SER), ("b", SER), ("a", a_read), ("b", b_read), ("a", a_write, "a_write"), ("b", b_write, "b_write"),
             ("a", "COMMIT", "a_commit"), ("b", "COMMIT", "b_commit")]
    done = "INSERT 0 1" if how.endswith("insert") else "UPDATE 1"
    compare(targets, script, {"a_write": done, "b_write": done, "a_commit": "COMMIT", "b_commit": AS_PIVOT_AT_COMMIT},
            setup=setup, steps=steps)


def _copy_in(sess: Sess, table_name: str, rows: str):
    try:
        with sess.conn.cursor().copy(f"COPY {table_name} FROM STDIN") as copy:
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


@pytest.mark.parametrize("how", list(WRITES))
def test_every_way_of_writing_meets_the_siread_locks(targets, how):
    """a reads c_x, b reads c_y; a writes c_y and commits; b then writes c_x in one of the ways
    of WRITES: b -rw-> a and a -rw-> b, a committed first, so b's write fails."""
    setup = table("c_parent", "(1), (2)", "id int PRIMARY KEY") + table("c_y") + \
        table("c_x", "(1, 0, 1), (2, 0, 2)", "id int PRIMARY KEY, v int, p int REFERENCES c_parent ON DELETE CASCADE")
    steps = [("a", SER), ("b", SER), ("a", "SELECT count(*) FROM c_x", "a_read"),
             ("b", "SELECT count(*) FROM c_y", "b_read"), ("a", "UPDATE c_y SET v = 1 WHERE id = 1", "a_write"),
             ("a", "COMMIT", "a_commit"), ("b", WRITES[how], "b_write"), ("b", "COMMIT", "b_commit"),
             ("z", "SELECT * FROM c_x ORDER BY 1", "x")]
    compare(targets, script, {"a_read": [(2,)], "b_read": [(2,)], "a_write": "UPDATE 1", "a_commit": "COMMIT",
                              "b_write": AS_PIVOT_AT_WRITE, "b_commit": "ROLLBACK", "x": [(1, 0, 1), (2, 0, 2)]},
            setup=setup, steps=steps)


# -- what must commit ------------------------------------------------------------------------------

def test_updates_of_different_rows_found_by_key_commit(targets):
    steps = [("a", SER), ("b", SER), ("a", "SELECT v FROM c_keyed WHERE id = 1", "a_read"),
             ("b", "SELECT v FROM c_keyed WHERE id = 2", "b_read"),
             ("a", "UPDATE c_keyed SET v = v + 1 WHERE id = 1", "a_update"),
             ("b", "UPDATE c_keyed SET v = v + 1 WHERE id = 2", "b_update"), ("a", "COMMIT", "a_commit"),
             ("b", "COMMIT", "b_commit"), ("z", "SELECT * FROM c_keyed ORDER BY 1", "final")]
    compare(targets, script, {
        "a_read": [(0,)], "b_read": [(0,)], "a_update": "UPDATE 1", "b_update": "UPDATE 1", "a_commit": "COMMIT",
        "b_commit": "COMMIT", "final": [(1, 1), (2, 1), (3, 0)]}, setup=table("c_keyed", "(1, 0), (2, 0), (3, 0)"),
        steps=steps)


def test_a_write_that_changes_no_row_meets_no_reader(targets):
    """The write skew's second write matches no row: nothing was written, both commit."""
    steps = [("a", SER), ("b", SER), ("a", "SELECT count(*) FROM c_none"), ("b", "SELECT count(*) FROM c_none"),
             ("a", "UPDATE c_none SET v = 1 WHERE id = 1", "a_update"),
             ("b", "DELETE FROM c_none WHERE id = 99", "b_delete"), ("a", "COMMIT", "a_commit"),
             ("b", "COMMIT", "b_commit")]
    compare(targets, script, {"a_update": "UPDATE 1", "b_delete": "DELETE 0", "a_commit": "COMMIT", "b_commit": "COMMIT"},
            setup=table("c_none"), steps=steps)


def test_serializable_against_read_committed_writers_commits(targets):
    """The write skew again, with the other writer at READ COMMITTED: only serializable
    transactions take part (as in PostgreSQL), so both commit."""
    steps = [("a", SER), ("b", "BEGIN ISOLATION LEVEL READ COMMITTED"),
             ("a", "SELECT count(*) FROM c_mixed WHERE v = 1", "a_count"),
             ("b", "SELECT count(*) FROM c_mixed WHERE v = 1", "b_count"),
             ("a", "UPDATE c_mixed SET v = 0 WHERE id = 1", "a_update"),
             ("b", "UPDATE c_mixed SET v = 0 WHERE id = 2", "b_update"), ("b", "COMMIT", "b_commit"),
             ("a", "COMMIT", "a_commit"), ("z", "SELECT * FROM c_mixed ORDER BY 1", "final")]
    compare(targets, script, {
        "a_count": [(2,)], "b_count": [(2,)], "a_update": "UPDATE 1", "b_update": "UPDATE 1", "b_commit": "COMMIT",
        "a_commit": "COMMIT", "final": [(1, 0), (2, 0)]}, setup=table("c_mixed", "(1, 1), (2, 1)"), steps=steps)


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
