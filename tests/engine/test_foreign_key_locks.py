"""A foreign key's check and concurrent writers of the referenced row, as PostgreSQL 15 has them
(storage/row_locks.py): the check locks the referenced row KEY SHARE, so a DELETE of it or an
UPDATE of its key waits for the referencing transaction and then sees its row; an UPDATE of the
row's other columns neither waits nor is waited for; a referenced row another transaction has
not committed is not there. Also the four SELECT ... FOR strengths against each other and against
writers. QUANTADB_TEST_DSN runs these against PostgreSQL 15 (they pass there)."""

from __future__ import annotations

import uuid

import pytest
from concurrency import Waiting, awaiting_relation_lock

NOT_PRESENT = ("ERR", "23503")


@pytest.fixture
def fk(clients):
    a = clients[0]
    name = f"fk_{uuid.uuid4().hex[:8]}"
    a.q(f"CREATE TABLE {name}_p (id int PRIMARY KEY, v int)")
    a.q(f"CREATE TABLE {name}_c (id int, pid int REFERENCES {name}_p)")
    a.q(f"INSERT INTO {name}_p VALUES (1, 0), (2, 0)")
    yield name
    for c in clients:  # (a failed test can leave any of them in a transaction holding locks)
        c.q("ROLLBACK")
    a.q(f"DROP TABLE {name}_c, {name}_p")


def _state(result):
    return result[:2] if isinstance(result, tuple) else result


def _no_wait(client, sql: str):
    """`sql` must not wait for another transaction: under a lock_timeout, a wait would fail."""
    client.q("SET lock_timeout = '2s'")
    try:
        return client.q(sql)
    finally:
        client.q("RESET lock_timeout")


def _orphans(client, fk: str) -> int:
    return client.q(f"SELECT count(*) FROM {fk}_c WHERE pid NOT IN (SELECT id FROM {fk}_p)")[0][0]


def test_a_delete_of_the_referenced_row_waits_for_the_new_reference_then_fails(clients, fk):
    a, b, obs, _ = clients
    b.q("BEGIN")
    assert b.q(f"INSERT INTO {fk}_c VALUES (1, 1)") == "INSERT 0 1"
    delete = Waiting(a, obs, f"DELETE FROM {fk}_p WHERE id = 1", waits=awaiting_relation_lock)
    b.q("COMMIT")
    assert _state(delete.join()) == NOT_PRESENT
    assert _orphans(obs, fk) == 0
    # the referencing transaction rolled back: the delete goes on
    b.q("BEGIN")
    b.q(f"INSERT INTO {fk}_c VALUES (2, 2)")
    delete = Waiting(a, obs, f"DELETE FROM {fk}_p WHERE id = 2", waits=awaiting_relation_lock)
    b.q("ROLLBACK")
    assert delete.join() == "DELETE 1"


def test_an_update_of_the_referenced_key_waits_and_of_other_columns_does_not(clients, fk):
    a, b, obs, _ = clients
    b.q("BEGIN")
    b.q(f"INSERT INTO {fk}_c VALUES (1, 1)")
    assert _no_wait(a, f"UPDATE {fk}_p SET v = v + 1 WHERE id = 1") == "UPDATE 1"
    update = Waiting(a, obs, f"UPDATE {fk}_p SET id = 10 WHERE id = 1", waits=awaiting_relation_lock)
    b.q("COMMIT")
    assert _state(update.join()) == NOT_PRESENT
    assert obs.q(f"SELECT id, v FROM {fk}_p ORDER BY id") == [(1, 1), (2, 0)]


def test_a_new_reference_to_a_row_being_updated_or_inserted_elsewhere(clients, fk):
    a, b, obs, _ = clients
    a.q("BEGIN")
    a.q(f"UPDATE {fk}_p SET v = 5 WHERE id = 1")  # its key stays: no wait
    assert _no_wait(b, f"INSERT INTO {fk}_c VALUES (1, 1)") == "INSERT 0 1"
    a.q(f"INSERT INTO {fk}_p VALUES (3, 0)")  # not committed: not there for others
    assert _state(_no_wait(b, f"INSERT INTO {fk}_c VALUES (3, 3)")) == NOT_PRESENT
    a.q(f"DELETE FROM {fk}_p WHERE id = 2")  # its outcome decides
    insert = Waiting(b, obs, f"INSERT INTO {fk}_c VALUES (2, 2)", waits=awaiting_relation_lock)
    a.q("ROLLBACK")
    assert insert.join() == "INSERT 0 1"
    a.q(f"INSERT INTO {fk}_p VALUES (5, 0)")
    a.q("BEGIN")
    a.q(f"UPDATE {fk}_p SET id = 50 WHERE id = 5")
    insert = Waiting(b, obs, f"INSERT INTO {fk}_c VALUES (4, 5)", waits=awaiting_relation_lock)
    a.q("COMMIT")
    assert _state(insert.join()) == NOT_PRESENT


def test_the_lock_follows_an_update_that_keeps_the_key(clients, fk):
    a, b, c, obs = clients
    b.q("BEGIN")
    b.q(f"INSERT INTO {fk}_c VALUES (1, 1)")
    assert _no_wait(a, f"UPDATE {fk}_p SET v = 7 WHERE id = 1") == "UPDATE 1"  # a new version, committed
    _delete_waits_then_fails(b, c, obs, fk)


def _delete_waits_then_fails(referencing, deleting, obs, fk: str) -> None:
    """A DELETE of row 1 waits for the transaction that references it, then fails: no orphan."""
    delete = Waiting(deleting, obs, f"DELETE FROM {fk}_p WHERE id = 1", waits=awaiting_relation_lock)
    referencing.q("COMMIT")
    assert _state(delete.join()) == NOT_PRESENT
    assert _orphans(obs, fk) == 0


def test_a_deferred_check_at_commit_locks_the_row_too(clients, fk):
    a, b, obs, _ = clients
    a.q(f"ALTER TABLE {fk}_c ADD COLUMN qid int REFERENCES {fk}_p DEFERRABLE INITIALLY DEFERRED")
    b.q("BEGIN")
    b.q(f"INSERT INTO {fk}_c (id, qid) VALUES (1, 2)")
    assert _no_wait(a, f"DELETE FROM {fk}_p WHERE id = 2") == "DELETE 1"  # nothing checked or locked yet
    assert _state(b.q("COMMIT")) == NOT_PRESENT
    b.q("BEGIN")
    b.q(f"INSERT INTO {fk}_c (id, qid) VALUES (2, 1)")
    assert b.q("SET CONSTRAINTS ALL IMMEDIATE") == "SET CONSTRAINTS"  # checked and locked now
    delete = Waiting(a, obs, f"DELETE FROM {fk}_p WHERE id = 1", waits=awaiting_relation_lock)
    b.q("COMMIT")
    assert _state(delete.join()) == NOT_PRESENT
    assert _orphans(obs, fk) == 0


@pytest.mark.parametrize("held, wanted, waits", [
    ("KEY SHARE", "NO KEY UPDATE", False), ("KEY SHARE", "UPDATE", True),
    ("SHARE", "SHARE", False), ("SHARE", "NO KEY UPDATE", True),
    ("NO KEY UPDATE", "KEY SHARE", False), ("NO KEY UPDATE", "SHARE", True),
])
def test_row_lock_strengths_conflict_as_postgresql(clients, fk, held, wanted, waits):
    a, b, obs, _ = clients
    a.q("BEGIN")
    a.q(f"SELECT id FROM {fk}_p WHERE id = 1 FOR {held}")
    b.q("BEGIN")
    sql = f"SELECT id FROM {fk}_p WHERE id = 1 FOR {wanted}"
    if waits:
        locking = Waiting(b, obs, sql, waits=awaiting_relation_lock)
        a.q("COMMIT")
        assert locking.join() == [(1,)]
    else:
        assert _no_wait(b, sql) == [(1,)]
        a.q("COMMIT")
    b.q("COMMIT")


def test_a_key_share_lock_lets_a_plain_update_through_but_not_a_delete(clients, fk):
    a, b, obs, _ = clients
    a.q("BEGIN")
    a.q(f"SELECT id FROM {fk}_p WHERE id = 1 FOR KEY SHARE")
    assert _no_wait(b, f"UPDATE {fk}_p SET v = 3 WHERE id = 1") == "UPDATE 1"
    delete = Waiting(b, obs, f"DELETE FROM {fk}_p WHERE id = 1", waits=awaiting_relation_lock)
    a.q("COMMIT")
    assert delete.join() == "DELETE 1"


@pytest.mark.parametrize("updater_ends", ["COMMIT", "ROLLBACK"])
def test_for_key_share_passes_an_update_that_keeps_the_key_and_holds_both_versions(clients, fk, updater_ends):
    a, b, c, obs = clients
    a.q("BEGIN")
    a.q(f"UPDATE {fk}_p SET v = 5 WHERE id = 1")
    b.q("BEGIN")
    assert _no_wait(b, f"SELECT id, v FROM {fk}_p WHERE id = 1 FOR KEY SHARE") == [(1, 0)]
    a.q(updater_ends)
    delete = Waiting(c, obs, f"DELETE FROM {fk}_p WHERE id = 1", waits=awaiting_relation_lock)
    b.q("COMMIT")
    assert delete.join() == "DELETE 1"
    # a running UPDATE of the key is waited for
    a.q("BEGIN")
    a.q(f"UPDATE {fk}_p SET id = 20 WHERE id = 2")
    locking = Waiting(b, obs, f"SELECT id FROM {fk}_p WHERE id = 2 FOR KEY SHARE", waits=awaiting_relation_lock)
    a.q("ROLLBACK")
    assert locking.join() == [(2,)]


def test_a_new_reference_holds_every_version_a_running_transaction_made(clients, fk):
    """Two updates keeping the key in one running transaction: the check locks the row's newest
    version too, so a DELETE of it after that transaction committed waits for the reference."""
    a, b, c, obs = clients
    a.q("BEGIN")
    a.q(f"UPDATE {fk}_p SET v = 5 WHERE id = 1")
    a.q(f"UPDATE {fk}_p SET v = 6 WHERE id = 1")
    b.q("BEGIN")
    assert _no_wait(b, f"INSERT INTO {fk}_c VALUES (1, 1)") == "INSERT 0 1"
    a.q("COMMIT")
    _delete_waits_then_fails(b, c, obs, fk)


def test_for_key_share_follows_a_running_transaction_s_updates_to_the_newest(clients, fk):
    a, b, c, obs = clients
    a.q("BEGIN")
    a.q(f"UPDATE {fk}_p SET v = 5 WHERE id = 1")
    a.q(f"UPDATE {fk}_p SET v = 6 WHERE id = 1")
    b.q("BEGIN")
    assert _no_wait(b, f"SELECT id, v FROM {fk}_p WHERE id = 1 FOR KEY SHARE") == [(1, 0)]
    a.q("COMMIT")
    delete = Waiting(c, obs, f"DELETE FROM {fk}_p WHERE id = 1", waits=awaiting_relation_lock)
    b.q("COMMIT")
    assert delete.join() == "DELETE 1"
    # the same transaction's later update of the key is waited for
    a.q("BEGIN")
    a.q(f"UPDATE {fk}_p SET v = 5 WHERE id = 2")
    a.q(f"UPDATE {fk}_p SET id = 20 WHERE id = 2")
    locking = Waiting(b, obs, f"SELECT id FROM {fk}_p WHERE id = 2 FOR KEY SHARE", waits=awaiting_relation_lock)
    a.q("ROLLBACK")
    assert locking.join() == [(2,)]


@pytest.mark.parametrize("updater_ends", ["COMMIT", "ROLLBACK"])
def test_for_key_share_of_a_table_without_a_unique_index_passes_a_running_update(clients, updater_ends):
    """No unique index: no key an UPDATE could change, so only a DELETE conflicts with KEY SHARE."""
    a, b, c, obs = clients
    name = f"nk_{uuid.uuid4().hex[:8]}"
    a.q(f"CREATE TABLE {name} (id int, v int)")
    a.q(f"INSERT INTO {name} VALUES (1, 0), (2, 0)")
    try:
        a.q("BEGIN")
        a.q(f"UPDATE {name} SET id = 10, v = 5 WHERE id = 1")
        b.q("BEGIN")
        assert _no_wait(b, f"SELECT id, v FROM {name} WHERE id = 1 FOR KEY SHARE") == [(1, 0)]
        a.q(updater_ends)  # whichever version outlives the update is held
        delete = Waiting(c, obs, f"DELETE FROM {name} WHERE id IN (1, 10)", waits=awaiting_relation_lock)
        b.q("COMMIT")
        assert delete.join() == "DELETE 1"
        # a running DELETE is waited for, also of the version its own UPDATE made
        a.q("BEGIN")
        a.q(f"UPDATE {name} SET v = 7 WHERE id = 2")
        a.q(f"DELETE FROM {name} WHERE id = 2")
        locking = Waiting(b, obs, f"SELECT id, v FROM {name} WHERE id = 2 FOR KEY SHARE",
                          waits=awaiting_relation_lock)
        a.q("ROLLBACK")
        assert locking.join() == [(2, 0)]
    finally:
        for client in clients:
            client.q("ROLLBACK")
        a.q(f"DROP TABLE {name}")
