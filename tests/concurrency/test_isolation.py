"""Transaction isolation and row locking, checked against PostgreSQL 15.

Every scenario is one scripted interleaving of two or three sessions (psycopg, autocommit mode,
explicit BEGIN/COMMIT). It runs on PostgreSQL first (its outcome must be the documented one, which
checks the script) and then on QuantaDB, whose outcome must be equal (interleave.py says how waits
are observed without timing anything).
"""

from __future__ import annotations

import threading
import time

import pytest

from interleave import HANG_S, Background, Sess, compare, make_table, sessions, table_rows, wait_until_waiting


# -- dirty reads -----------------------------------------------------------------------------------

def dirty_read(target, iso: str) -> dict:
    make_table(target, "c_dirty")
    a, b = sessions(target, 2)
    out = {}
    a.q("BEGIN")
    a.q("UPDATE c_dirty SET v = 99 WHERE id = 1")
    a.q("INSERT INTO c_dirty VALUES (3, 99)")
    b.q(f"BEGIN ISOLATION LEVEL {iso}")
    out["during"] = b.q("SELECT id, v FROM c_dirty ORDER BY id")  # readers never wait for writers
    a.q("ROLLBACK")
    out["after_rollback"] = b.q("SELECT id, v FROM c_dirty ORDER BY id")
    out["commit"] = b.q("COMMIT")
    a.close(), b.close()
    return out


@pytest.mark.parametrize("iso", ["read uncommitted", "read committed", "repeatable read", "serializable"])
def test_no_dirty_read(targets, iso):
    compare(targets, dirty_read, {"during": [(1, 0), (2, 0)], "after_rollback": [(1, 0), (2, 0)],
                                  "commit": "COMMIT"}, iso=iso)


# -- read committed vs repeatable read -------------------------------------------------------------

def reread(target, iso: str) -> dict:
    make_table(target, "c_reread")
    a, b = sessions(target, 2)
    out = {}
    b.q(f"BEGIN ISOLATION LEVEL {iso}")
    out["first"] = b.q("SELECT id, v FROM c_reread ORDER BY id")
    a.q("UPDATE c_reread SET v = 5 WHERE id = 1")  # autocommit: committed now
    a.q("INSERT INTO c_reread VALUES (3, 7)")
    a.q("DELETE FROM c_reread WHERE id = 2")
    out["second"] = b.q("SELECT id, v FROM c_reread ORDER BY id")
    out["count"] = b.q("SELECT count(*) FROM c_reread")
    out["commit"] = b.q("COMMIT")
    out["new_txn"] = b.q("SELECT id, v FROM c_reread ORDER BY id")
    a.close(), b.close()
    return out


def test_read_committed_sees_changes_committed_between_statements(targets):
    compare(targets, reread, {"first": [(1, 0), (2, 0)], "second": [(1, 5), (3, 7)], "count": [(2,)],
                              "commit": "COMMIT", "new_txn": [(1, 5), (3, 7)]}, iso="read committed")


def test_repeatable_read_prevents_non_repeatable_reads_and_phantoms(targets):
    compare(targets, reread, {"first": [(1, 0), (2, 0)], "second": [(1, 0), (2, 0)], "count": [(2,)],
                              "commit": "COMMIT", "new_txn": [(1, 5), (3, 7)]}, iso="repeatable read")


# -- lost update -----------------------------------------------------------------------------------

def lost_update(target, iso: str) -> dict:
    make_table(target, "c_lost")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q(f"BEGIN ISOLATION LEVEL {iso}")
    b.q(f"BEGIN ISOLATION LEVEL {iso}")
    out["a_read"] = a.q("SELECT v FROM c_lost WHERE id = 1")
    out["b_read"] = b.q("SELECT v FROM c_lost WHERE id = 1")  # b's snapshot predates a's commit
    out["a_update"] = a.q("UPDATE c_lost SET v = v + 1 WHERE id = 1")
    committing = threading.Event()
    bg = Background(b, "UPDATE c_lost SET v = v + 1 WHERE id = 1", markers={"a_committing": committing})
    out["b_waits"] = wait_until_waiting(obs, bg)
    committing.set()
    out["a_commit"] = a.q("COMMIT")
    out["b_update"] = bg.join()
    out["b_returned_after_a_commit"] = bg.seen["a_committing"]
    out["b_commit"] = b.q("COMMIT")
    out["final"] = table_rows(target, "c_lost")
    a.close(), b.close(), obs.close()
    return out


def test_lost_update_read_committed_waits_then_both_increments_count(targets):
    compare(targets, lost_update, {
        "a_read": [(0,)], "b_read": [(0,)], "a_update": "UPDATE 1", "b_waits": True, "a_commit": "COMMIT",
        "b_update": "UPDATE 1", "b_returned_after_a_commit": True, "b_commit": "COMMIT",
        "final": [(1, 2), (2, 0)]}, iso="read committed")


def test_lost_update_repeatable_read_waits_then_fails_40001(targets):
    compare(targets, lost_update, {
        "a_read": [(0,)], "b_read": [(0,)], "a_update": "UPDATE 1", "b_waits": True, "a_commit": "COMMIT",
        "b_update": ("ERR", "40001"), "b_returned_after_a_commit": True, "b_commit": "ROLLBACK",
        "final": [(1, 1), (2, 0)]}, iso="repeatable read")


def first_rolls_back(target, iso: str) -> dict:
    """The row's locker rolls back: the waiter proceeds on the old version, in both levels."""
    make_table(target, "c_lost2")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q(f"BEGIN ISOLATION LEVEL {iso}")
    b.q(f"BEGIN ISOLATION LEVEL {iso}")
    b.q("SELECT v FROM c_lost2 WHERE id = 1")
    a.q("UPDATE c_lost2 SET v = v + 1 WHERE id = 1")
    ending = threading.Event()
    bg = Background(b, "UPDATE c_lost2 SET v = v + 10 WHERE id = 1", markers={"a_ending": ending})
    out["b_waits"] = wait_until_waiting(obs, bg)
    ending.set()
    out["a_rollback"] = a.q("ROLLBACK")
    out["b_update"] = bg.join()
    out["b_returned_after_a_ended"] = bg.seen["a_ending"]
    out["b_commit"] = b.q("COMMIT")
    out["final"] = table_rows(target, "c_lost2")
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("iso", ["read committed", "repeatable read"])
def test_waiter_proceeds_when_the_locker_rolls_back(targets, iso):
    compare(targets, first_rolls_back, {"b_waits": True, "a_rollback": "ROLLBACK", "b_update": "UPDATE 1",
                                        "b_returned_after_a_ended": True, "b_commit": "COMMIT",
                                        "final": [(1, 10), (2, 0)]}, iso=iso)


# -- deadlock --------------------------------------------------------------------------------------

def deadlock(target) -> dict:
    make_table(target, "c_dead")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    b.q("BEGIN")
    a.q("UPDATE c_dead SET v = v + 1 WHERE id = 1")
    b.q("UPDATE c_dead SET v = v + 1 WHERE id = 2")
    bg_a = Background(a, "UPDATE c_dead SET v = v + 1 WHERE id = 2")
    out["a_waits"] = wait_until_waiting(obs, bg_a)
    bg_b = Background(b, "UPDATE c_dead SET v = v + 1 WHERE id = 1")
    # One of the two gets 40P01 (PostgreSQL: whichever runs the check first; not compared).
    deadline = time.monotonic() + HANG_S
    while not (bg_a.done.is_set() or bg_b.done.is_set()) and time.monotonic() < deadline:
        time.sleep(0.01)
    first = bg_a if bg_a.done.is_set() else bg_b
    other = bg_b if first is bg_a else bg_a
    first_result = first.join()
    if not (isinstance(first_result, tuple) and first_result[0] == "ERR"):
        # the victim releases its locks as it fails, so the survivor may return first
        first, other = other, first
        first_result = first.join()
    out["victim_error"] = first_result
    out["victim_rollback"] = first.sess.q("ROLLBACK")
    out["survivor_update"] = other.join()
    out["survivor_commit"] = other.sess.q("COMMIT")
    out["final"] = table_rows(target, "c_dead")
    a.close(), b.close(), obs.close()
    return out


def test_deadlock_fails_one_side_with_40P01_and_the_other_proceeds(targets):
    compare(targets, deadlock, {"a_waits": True, "victim_error": ("ERR", "40P01"), "victim_rollback": "ROLLBACK",
                                "survivor_update": "UPDATE 1", "survivor_commit": "COMMIT",
                                "final": [(1, 1), (2, 1)]})


def deadlock_victim(target, timeouts: tuple[str, str]) -> dict:
    """A waits, then B closes the cycle. Each waiter looks for a deadlock once it has waited its
    deadlock_timeout: the first to get there while the cycle is closed fails (PostgreSQL's
    isolation tests choose their victim so). A's timeout is long enough for B's wait to begin."""
    make_table(target, "c_victim")
    a, b, obs = sessions(target, 3)
    for sess, timeout in zip((a, b), timeouts):
        sess.q(f"SET deadlock_timeout = '{timeout}'")
    a.q("BEGIN"), b.q("BEGIN")
    a.q("UPDATE c_victim SET v = v + 1 WHERE id = 1")
    b.q("UPDATE c_victim SET v = v + 1 WHERE id = 2")
    bg_a = Background(a, "UPDATE c_victim SET v = v + 10 WHERE id = 2")
    out = {"a_waits": wait_until_waiting(obs, bg_a)}
    bg_b = Background(b, "UPDATE c_victim SET v = v + 10 WHERE id = 1")
    out["a"], out["b"] = bg_a.join(), bg_b.join()
    for sess in (a, b):
        sess.q("COMMIT")
    out["final"] = table_rows(target, "c_victim")
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("timeouts,victim", [(("3s", "100s"), "a"), (("100s", "10ms"), "b")])
def test_the_waiter_whose_deadlock_timeout_passes_first_fails(targets, timeouts, victim):
    failed, survived = ("ERR", "40P01"), "UPDATE 1"
    final = [(1, 10), (2, 1)] if victim == "a" else [(1, 1), (2, 10)]
    compare(targets, deadlock_victim, {"a_waits": True, "a": failed if victim == "a" else survived,
                                       "b": failed if victim == "b" else survived, "final": final},
            timeouts=timeouts)


def locks_after_error(target, how: str) -> dict:
    """PostgreSQL releases a transaction's row locks when a statement fails in its block (the
    block then only waits for ROLLBACK), so a waiter proceeds before the failed side rolls back."""
    make_table(target, "c_errlocks")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    if how == "savepoint":
        a.q("SAVEPOINT sp")
    a.q("UPDATE c_errlocks SET v = v + 1 WHERE id = 1")
    b.q("SET lock_timeout = '2s'")  # a waiter still stuck then fails with 55P03
    bg = Background(b, "UPDATE c_errlocks SET v = v + 10 WHERE id = 1")
    out["b_waits"] = wait_until_waiting(obs, bg)
    if how in ("error", "savepoint"):
        out["a_error"] = a.q("SELECT 1 / 0")
    else:  # a fails waiting for a row a third session holds
        a.q("SET lock_timeout = '1ms'")
        c = Sess(target)
        c.q("BEGIN")
        c.q("UPDATE c_errlocks SET v = v + 100 WHERE id = 2")
        out["a_error"] = a.q("UPDATE c_errlocks SET v = v + 1 WHERE id = 2")
    out["b_update"] = bg.join()  # must not need a's ROLLBACK
    out["a_rollback"] = a.q("ROLLBACK")
    if how == "lock_timeout":
        c.q("ROLLBACK")
        c.close()
    out["final"] = table_rows(target, "c_errlocks")
    a.close(), b.close(), obs.close()
    return out


@pytest.mark.parametrize("how", ["error", "lock_timeout", "savepoint"])
def test_a_failed_statement_releases_the_blocks_row_locks_before_rollback(targets, how):
    expected = {"b_waits": True, "a_error": ("ERR", "55P03" if how == "lock_timeout" else "22012"),
                "b_update": "UPDATE 1", "a_rollback": "ROLLBACK", "final": [(1, 10), (2, 0)]}
    compare(targets, locks_after_error, expected, how=how)


# -- explicit row locks and lock_timeout -----------------------------------------------------------

def for_update(target) -> dict:
    make_table(target, "c_forupd")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    out["locked"] = a.q("SELECT id, v FROM c_forupd WHERE id = 1 FOR UPDATE")
    out["other_row"] = b.q("UPDATE c_forupd SET v = v + 1 WHERE id = 2")  # not locked: no wait
    committing = threading.Event()
    bg = Background(b, "UPDATE c_forupd SET v = v + 10 WHERE id = 1", markers={"a_committing": committing})
    out["b_waits"] = wait_until_waiting(obs, bg)
    out["a_update"] = a.q("UPDATE c_forupd SET v = 100 WHERE id = 1")
    committing.set()
    out["a_commit"] = a.q("COMMIT")
    out["b_update"] = bg.join()
    out["b_returned_after_a_commit"] = bg.seen["a_committing"]
    out["final"] = table_rows(target, "c_forupd")
    a.close(), b.close(), obs.close()
    return out


def test_select_for_update_blocks_a_concurrent_update(targets):
    compare(targets, for_update, {"locked": [(1, 0)], "other_row": "UPDATE 1", "b_waits": True,
                                  "a_update": "UPDATE 1", "a_commit": "COMMIT", "b_update": "UPDATE 1",
                                  "b_returned_after_a_commit": True, "final": [(1, 110), (2, 1)]})


def lock_timeout(target) -> dict:
    make_table(target, "c_locktime")
    a, b = sessions(target, 2)
    out = {}
    a.q("BEGIN")
    a.q("SELECT * FROM c_locktime WHERE id = 1 FOR UPDATE")
    b.q("SET lock_timeout = '50ms'")
    out["update"] = b.q("UPDATE c_locktime SET v = 1 WHERE id = 1")
    out["for_update"] = b.q("SELECT * FROM c_locktime WHERE id = 1 FOR UPDATE")
    b.q("BEGIN")
    out["in_block"] = b.q("DELETE FROM c_locktime WHERE id = 1")
    out["block_after"] = b.q("SELECT 1")
    out["block_end"] = b.q("COMMIT")
    out["nowait"] = b.q("SELECT * FROM c_locktime WHERE id = 1 FOR UPDATE NOWAIT")
    out["a_commit"] = a.q("COMMIT")
    out["after"] = b.q("UPDATE c_locktime SET v = 1 WHERE id = 1")
    out["final"] = table_rows(target, "c_locktime")
    a.close(), b.close()
    return out


def test_lock_timeout_gives_55P03(targets):
    compare(targets, lock_timeout, {"update": ("ERR", "55P03"), "for_update": ("ERR", "55P03"),
                                    "in_block": ("ERR", "55P03"), "block_after": ("ERR", "25P02"),
                                    "block_end": "ROLLBACK", "nowait": ("ERR", "55P03"), "a_commit": "COMMIT",
                                    "after": "UPDATE 1", "final": [(1, 1), (2, 0)]})


# -- failed blocks, savepoints, read-only ----------------------------------------------------------

def failed_block(target) -> dict:
    make_table(target, "c_failed", rows="")
    s = Sess(target)
    out = {}
    s.q("BEGIN")
    s.q("INSERT INTO c_failed VALUES (1, 1)")
    out["error"] = s.q("SELECT 1 / 0")
    out["next"] = s.q("SELECT 1")
    out["insert"] = s.q("INSERT INTO c_failed VALUES (2, 2)")
    out["commit"] = s.q("COMMIT")  # ends the failed block as a rollback
    out["after_block"] = s.q("SELECT * FROM c_failed")
    s.q("BEGIN")
    s.q("INSERT INTO c_failed VALUES (10, 10)")
    s.q("SAVEPOINT sp")
    s.q("INSERT INTO c_failed VALUES (11, 11)")
    out["sp_error"] = s.q("INSERT INTO c_failed VALUES (10, 0)")
    out["sp_next"] = s.q("SELECT 1")
    out["rollback_to"] = s.q("ROLLBACK TO SAVEPOINT sp")
    out["recovered"] = s.q("SELECT id FROM c_failed ORDER BY id")
    s.q("INSERT INTO c_failed VALUES (12, 12)")
    out["sp_commit"] = s.q("COMMIT")
    out["final"] = table_rows(target, "c_failed")
    s.close()
    return out


def test_error_in_block_gives_25P02_until_rollback_to_savepoint(targets):
    compare(targets, failed_block, {
        "error": ("ERR", "22012"), "next": ("ERR", "25P02"), "insert": ("ERR", "25P02"), "commit": "ROLLBACK",
        "after_block": [], "sp_error": ("ERR", "23505"), "sp_next": ("ERR", "25P02"), "rollback_to": "ROLLBACK",
        "recovered": [(10,)], "sp_commit": "COMMIT", "final": [(10, 10), (12, 12)]})


def read_only(target) -> dict:
    make_table(target, "c_ro")
    s = Sess(target)
    out = {}
    s.q("BEGIN READ ONLY")
    out["select"] = s.q("SELECT count(*) FROM c_ro")
    out["insert"] = s.q("INSERT INTO c_ro VALUES (3, 3)")
    s.q("ROLLBACK")
    s.q("BEGIN")
    s.q("SET TRANSACTION READ ONLY")
    out["update"] = s.q("UPDATE c_ro SET v = 1")
    s.q("ROLLBACK")
    s.q("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    out["delete"] = s.q("DELETE FROM c_ro")
    s.q("ROLLBACK")
    s.q("SET default_transaction_read_only = on")
    out["implicit"] = s.q("INSERT INTO c_ro VALUES (4, 4)")
    out["ddl"] = s.q("CREATE TABLE c_ro_other (x int)")
    s.q("SET default_transaction_read_only = off")
    out["final"] = table_rows(target, "c_ro")
    s.close()
    return out


def test_read_only_transaction_rejects_writes_with_25006(targets):
    err = ("ERR", "25006")
    compare(targets, read_only, {"select": [(2,)], "insert": err, "update": err, "delete": err,
                                 "implicit": err, "ddl": err, "final": [(1, 0), (2, 0)]})


# -- unique keys racing an open transaction --------------------------------------------------------

def unique_race(target, end: str) -> dict:
    make_table(target, "c_unique", rows="(1, 0)")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    out["a_insert"] = a.q("INSERT INTO c_unique VALUES (5, 1)")
    ending = threading.Event()
    bg = Background(b, "INSERT INTO c_unique VALUES (5, 2)", markers={"a_ending": ending})
    out["b_waits"] = wait_until_waiting(obs, bg)
    ending.set()
    out["a_end"] = a.q(end)
    out["b_insert"] = bg.join()
    out["b_returned_after_a_ended"] = bg.seen["a_ending"]
    out["final"] = table_rows(target, "c_unique")
    a.close(), b.close(), obs.close()
    return out


def test_unique_insert_waits_then_fails_23505_when_the_other_commits(targets):
    compare(targets, unique_race, {"a_insert": "INSERT 0 1", "b_waits": True, "a_end": "COMMIT",
                                   "b_insert": ("ERR", "23505"), "b_returned_after_a_ended": True,
                                   "final": [(1, 0), (5, 1)]}, end="COMMIT")


def test_unique_insert_waits_then_succeeds_when_the_other_rolls_back(targets):
    compare(targets, unique_race, {"a_insert": "INSERT 0 1", "b_waits": True, "a_end": "ROLLBACK",
                                   "b_insert": "INSERT 0 1", "b_returned_after_a_ended": True,
                                   "final": [(1, 0), (5, 2)]}, end="ROLLBACK")


# -- more row-lock semantics -----------------------------------------------------------------------

def recheck(target) -> dict:
    """READ COMMITTED re-evaluates the WHERE clause on the newest version after waiting."""
    make_table(target, "c_recheck")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    a.q("UPDATE c_recheck SET v = 1 WHERE id = 1")
    a.q("DELETE FROM c_recheck WHERE id = 2")
    bg = Background(b, "UPDATE c_recheck SET v = v + 100 WHERE v = 0")
    out["b_waits"] = wait_until_waiting(obs, bg)
    out["a_commit"] = a.q("COMMIT")
    out["b_update"] = bg.join()  # row 1 no longer matches, row 2 is gone
    out["final"] = table_rows(target, "c_recheck")
    a.close(), b.close(), obs.close()
    return out


def test_read_committed_rechecks_the_where_clause_after_waiting(targets):
    compare(targets, recheck, {"b_waits": True, "a_commit": "COMMIT", "b_update": "UPDATE 0", "final": [(1, 1)]})


def upsert_race(target) -> dict:
    make_table(target, "c_upsert", rows="")
    a, b, obs = sessions(target, 3)
    out = {}
    a.q("BEGIN")
    a.q("INSERT INTO c_upsert VALUES (7, 1)")
    bg = Background(b, "INSERT INTO c_upsert VALUES (7, 2) ON CONFLICT (id) DO UPDATE SET v = c_upsert.v + 10")
    out["b_waits"] = wait_until_waiting(obs, bg)
    out["a_commit"] = a.q("COMMIT")
    out["b_upsert"] = bg.join()
    out["final"] = table_rows(target, "c_upsert")
    a.close(), b.close(), obs.close()
    return out


def test_upsert_racing_an_uncommitted_insert_waits_then_updates(targets):
    compare(targets, upsert_race, {"b_waits": True, "a_commit": "COMMIT", "b_upsert": "INSERT 0 1",
                                   "final": [(7, 11)]})


# -- snapshot consistency under load ---------------------------------------------------------------

def transfers_with_readers(target, iso: str) -> dict:
    """3 writers move money between 20 accounts (retrying 40001/40P01) while 2 readers sum the
    balances, statement by statement and inside multi-statement transactions: every snapshot
    must see the same total, and a transaction's repeated reads must agree at REPEATABLE READ."""
    s = Sess(target)
    s.q("DROP TABLE IF EXISTS c_bank")
    s.q("CREATE TABLE c_bank (id int PRIMARY KEY, balance int)")
    s.q("INSERT INTO c_bank SELECT g, 100 FROM generate_series(1, 20) g")
    s.close()
    writes_left = [150]
    lock = threading.Lock()
    errors: list = []
    sums: set = set()
    rr_stable = [True]
    done = threading.Event()

    def writer(seed: int) -> None:
        import random
        rng = random.Random(seed)
        w = Sess(target)
        while True:
            with lock:
                if writes_left[0] <= 0:
                    break
            x, y = sorted(rng.sample(range(1, 21), 2))
            amt = rng.randint(1, 30)
            w.q(f"BEGIN ISOLATION LEVEL {iso}")
            r1 = w.q("UPDATE c_bank SET balance = balance - %s WHERE id = %s", (amt, x))
            r2 = w.q("UPDATE c_bank SET balance = balance + %s WHERE id = %s", (amt, y))
            r3 = w.q("COMMIT")
            if r3 == "COMMIT" and r1 == r2 == "UPDATE 1":
                with lock:
                    writes_left[0] -= 1
            elif not all(r == "UPDATE 1" or r in ("ROLLBACK", ("ERR", "40001"), ("ERR", "40P01"), ("ERR", "25P02")) for r in (r1, r2, r3)):
                errors.append((r1, r2, r3))
                break
        w.close()

    def reader() -> None:
        rd = Sess(target)
        while not done.is_set():
            got = rd.q("SELECT sum(balance) FROM c_bank")
            sums.add(got[0][0] if isinstance(got, list) else got)
            rd.q(f"BEGIN ISOLATION LEVEL {iso}")
            first = rd.q("SELECT id, balance FROM c_bank ORDER BY id")
            total = rd.q("SELECT sum(balance) FROM c_bank")
            again = rd.q("SELECT id, balance FROM c_bank ORDER BY id")
            rd.q("COMMIT")
            sums.add(total[0][0] if isinstance(total, list) else total)
            sums.add(sum(b for _, b in first) if isinstance(first, list) else first)
            if iso != "read committed" and first != again:
                rr_stable[0] = False
        rd.close()

    writers = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(3)]
    readers = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join(120)
        assert not t.is_alive(), "a writer hung"
    done.set()
    for t in readers:
        t.join(HANG_S)
        assert not t.is_alive(), "a reader hung"
    final = table_rows(target, "c_bank")
    return {"errors": errors, "sums": sums, "rr_stable": rr_stable[0], "final_total": sum(b for _, b in final)}


@pytest.mark.parametrize("iso", ["read committed", "repeatable read"])
def test_readers_always_see_a_consistent_total_while_transfers_commit(targets, iso):
    compare(targets, transfers_with_readers, {"errors": [], "sums": {2000}, "rr_stable": True,
                                              "final_total": 2000}, iso=iso)
