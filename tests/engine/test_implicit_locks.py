"""Relation locks a statement takes beyond those on what it names, as PostgreSQL 15's: a
foreign-key check locks the other table, a read without a transaction block holds AccessShare
for the statement, dropping temporary tables and VACUUM lock what they touch; and pg_locks shows
the transaction-ID locks that make a row-lock wait visible. Each outcome was checked on
PostgreSQL 15 first (QUANTADB_TEST_DSN runs these against a server given by its DSN)."""

from __future__ import annotations

import psycopg
import pytest
from concurrency import BLOCKED_BY, Client, Waiting
from concurrency import new_table as _table


def _relation_locks(obs: Client, pid: int, *tables: str) -> list[tuple[str, str]]:
    return obs.q("SELECT relation::regclass::text, mode FROM pg_locks WHERE pid = %s AND locktype = 'relation' "
                 "AND relation = ANY(%s::regclass[]) ORDER BY 1, 2", (pid, list(tables)))


def _parent_child(a: Client, on_delete: str = "NO ACTION") -> tuple[str, str]:
    parent = _table(a)
    child = f"{parent}_c"
    a.q(f"CREATE TABLE {child} (id int PRIMARY KEY, pid int REFERENCES {parent} ON DELETE {on_delete}, v int)")
    a.q(f"INSERT INTO {child} VALUES (1, 1, 0)")
    return parent, child


def test_inserting_a_referencing_row_locks_the_referenced_table_row_share(clients):
    a, b, obs, _ = clients
    parent, child = _parent_child(a)
    a.q("BEGIN")
    assert a.q(f"INSERT INTO {child} VALUES (2, 2, 0)") == "INSERT 0 1"
    assert _relation_locks(obs, a.pid, parent, child) == [(parent, "RowShareLock"), (child, "RowExclusiveLock")]
    b.q("BEGIN")
    locker = Waiting(b, obs, f"LOCK TABLE {parent} IN EXCLUSIVE MODE")
    a.q("COMMIT")
    assert locker.join() == "LOCK TABLE"
    b.q("COMMIT")
    a.q("BEGIN")
    assert a.q(f"UPDATE {child} SET pid = 1 WHERE id = 2") == "UPDATE 1"
    alter = Waiting(b, obs, f"ALTER TABLE {parent} ADD COLUMN w int")
    a.q("ROLLBACK")
    assert alter.join() == "ALTER TABLE"


def test_a_row_without_a_key_to_check_takes_no_lock_on_the_referenced_table(clients):
    a, _, obs, _ = clients
    parent, child = _parent_child(a)
    a.q("BEGIN")
    assert a.q(f"INSERT INTO {child} VALUES (2, NULL, 0)") == "INSERT 0 1"
    assert a.q(f"UPDATE {child} SET v = 1 WHERE id = 1") == "UPDATE 1"  # its key kept its value: not checked
    assert _relation_locks(obs, a.pid, parent, child) == [(child, "RowExclusiveLock")]
    a.q("ROLLBACK")


@pytest.mark.parametrize("insert", ["INSERT INTO {child} VALUES (2, NULL, 0)",
                                    "INSERT INTO {child} VALUES (2, NULL, 0), (3, NULL, 0)",
                                    "INSERT INTO {child} SELECT 2, NULL, 0"])
def test_a_new_row_with_a_null_key_waits_behind_a_lock_on_the_referenced_table(clients, insert):
    """PostgreSQL's RI trigger fires for the new row and locks the referenced table RowShare
    before seeing there is no key to check; it lets that lock go at once. An UPDATE that makes
    the key NULL fires none."""
    a, b, obs, _ = clients
    parent, child = _parent_child(a)
    a.q("BEGIN")
    a.q(f"LOCK TABLE {parent} IN EXCLUSIVE MODE")
    b.q("BEGIN")
    writer = Waiting(b, obs, insert.format(child=child))
    assert _relation_locks(obs, b.pid, parent) == [(parent, "RowShareLock")]
    a.q("COMMIT")
    assert writer.join().startswith("INSERT 0 ")
    assert _relation_locks(obs, b.pid, parent, child) == [(child, "RowExclusiveLock")]
    b.q("ROLLBACK")
    a.q("BEGIN")
    a.q(f"LOCK TABLE {parent} IN EXCLUSIVE MODE")
    assert b.q(f"UPDATE {child} SET pid = NULL WHERE id = 1") == "UPDATE 1"
    a.q("COMMIT")


class _CopyFrom:
    """A client whose statement is a COPY ... FROM STDIN of `rows` (for Waiting)."""

    def __init__(self, client: Client, rows: list[tuple]) -> None:
        self.client, self.rows, self.pid = client, rows, client.pid

    def q(self, sql: str, params=None, *, prepare=None):
        try:
            with self.client.conn.cursor() as cur:
                with cur.copy(sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
                return cur.statusmessage
        except psycopg.Error as exc:
            return ("ERR", exc.sqlstate, exc.diag.message_primary)


def test_a_sql_functions_statements_lock_what_they_touch(clients):
    """The body's INSERT holds RowExclusive, its read AccessShare, until the transaction ends, so
    DDL on those tables waits for it."""
    a, b, obs, _ = clients
    t, log = _table(a), _table(a)
    a.q(f"CREATE FUNCTION {t}_f() RETURNS int LANGUAGE sql VOLATILE AS "
        f"'INSERT INTO {log} VALUES (7, 0); SELECT count(*)::int FROM {t}'")
    a.q("BEGIN")
    assert a.q(f"SELECT {t}_f()") == [(2,)]
    assert _relation_locks(obs, a.pid, t, log) == sorted([(t, "AccessShareLock"), (log, "RowExclusiveLock")])
    dropper = Waiting(b, obs, f"DROP TABLE {log}")
    a.q("COMMIT")
    assert dropper.join() == "DROP TABLE"
    a.q(f"DROP FUNCTION {t}_f()")


def test_copy_from_waits_for_the_locks_its_rows_meet(clients):
    """Behind a lock on the referenced table (the foreign-key checks of a key and of a NULL),
    then behind another transaction's uncommitted row with the same key."""
    a, b, obs, _ = clients
    parent, child = _parent_child(a)
    a.q("BEGIN")
    a.q(f"LOCK TABLE {parent} IN EXCLUSIVE MODE")
    copy = Waiting(_CopyFrom(b, [(2, 2, 0), (3, None, 0)]), obs, f"COPY {child} FROM STDIN")
    a.q("COMMIT")
    assert copy.join() == "COPY 2"
    a.q("BEGIN")
    assert a.q(f"INSERT INTO {child} VALUES (4, NULL, 0)") == "INSERT 0 1"
    copy = Waiting(_CopyFrom(b, [(4, 1, 0)]), obs, f"COPY {child} FROM STDIN")
    a.q("ROLLBACK")
    assert copy.join() == "COPY 1"
    assert obs.q(f"SELECT id, pid FROM {child} ORDER BY id") == [(1, 1), (2, 2), (3, None), (4, 1)]


@pytest.mark.parametrize("on_delete, mode", [("NO ACTION", "RowShareLock"), ("CASCADE", "RowExclusiveLock")])
def test_deleting_a_referenced_row_locks_the_referencing_table(clients, on_delete, mode):
    a, b, obs, _ = clients
    parent, child = _parent_child(a, on_delete)
    a.q("BEGIN")
    assert a.q(f"DELETE FROM {parent} WHERE id = 2") == "DELETE 1"
    assert (child, mode) in _relation_locks(obs, a.pid, child)
    b.q("BEGIN")
    locker = Waiting(b, obs, f"LOCK TABLE {child} IN EXCLUSIVE MODE")
    a.q("COMMIT")
    assert locker.join() == "LOCK TABLE"
    b.q("COMMIT")


@pytest.mark.parametrize("prepare", [False, True], ids=["unnamed", "prepared"])
def test_foreign_key_check_waits_behind_a_lock_on_the_referenced_table(clients, prepare):
    a, b, obs, _ = clients
    parent, child = _parent_child(a)
    a.q("BEGIN")
    a.q(f"LOCK TABLE {parent} IN EXCLUSIVE MODE")
    writer = Waiting(b, obs, f"INSERT INTO {child} VALUES (%s, %s, 0)", (2, 2), prepare=prepare)
    a.q("COMMIT")
    assert writer.join() == "INSERT 0 1"
    a.q("BEGIN")
    a.q(f"LOCK TABLE {parent} IN EXCLUSIVE MODE")
    writer = Waiting(b, obs, f"INSERT INTO {child} VALUES (%s, %s, 0)", (3, None), prepare=prepare)
    a.q("COMMIT")
    assert writer.join() == "INSERT 0 1"


def test_a_read_outside_a_transaction_block_shows_its_access_share_lock(clients):
    a, _, _, _ = clients
    t = _table(a)
    # prepared and run again, as pgbench -M prepared: the second run is a read alone (no Parse in it)
    sql = f"SELECT (SELECT count(*) FROM {t} WHERE v > %s), mode, granted FROM pg_locks WHERE pid = %s " \
          f"AND relation = %s::regclass"
    for _ in range(2):
        assert a.q(sql, (0, a.pid, t)) == [(2, "AccessShareLock", True)]
    assert a.q(f"SELECT count(*) FROM pg_locks WHERE relation = '{t}'::regclass") == [(0,)]  # for the statement


def test_drop_table_waits_for_a_read_outside_a_transaction_block(clients):
    a, b, obs, holder = clients
    t = _table(a)
    key = int(t[3:], 16)
    # a read that runs until `holder` lets it: a STABLE function keeps it a plain read
    a.q(f"CREATE FUNCTION {t}_gate() RETURNS bool STABLE LANGUAGE sql AS "
        f"'SELECT pg_advisory_lock({key}); SELECT pg_advisory_unlock({key})'")
    read = f"SELECT count(*) FROM {t} WHERE v > %s AND {t}_gate()"
    assert a.q(read, (0,)) == [(2,)]  # prepared: the next run is a read alone

    def reading(observer: Client, pid: int) -> bool:
        return observer.q("SELECT mode, granted FROM pg_locks WHERE pid = %s AND relation = %s::regclass",
                          (pid, t)) == [("AccessShareLock", True)]
    holder.q(f"SELECT pg_advisory_lock({key})")
    reader = Waiting(a, obs, read, (0,), waits=reading)
    drop = Waiting(b, obs, f"DROP TABLE {t}")
    assert obs.q("SELECT pg_blocking_pids(%s)", (b.pid,)) == [([a.pid],)]
    holder.q(f"SELECT pg_advisory_unlock({key})")
    assert reader.join() == [(2,)]
    assert drop.join() == "DROP TABLE"


@pytest.mark.parametrize("command", ["VACUUM", "ANALYZE", "VACUUM {done}, {t}", "ANALYZE {done}, {t}"])
def test_vacuum_locks_one_table_at_a_time(clients, command):
    """Each table in a transaction of its own, as PostgreSQL's: the lock of a table done with is
    let go before the next is waited for; a table named is looked up under AccessShare first."""
    a, b, obs, c = clients
    done = _table(a)
    a.q(f"DELETE FROM {done} WHERE id = 1")  # a dead row: the database-wide VACUUM compacts it
    t = _table(a)
    a.q("BEGIN")
    a.q(f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE")
    vacuum = Waiting(b, obs, command.format(done=done, t=t))
    mode = "ShareUpdateExclusiveLock" if "{" not in command else "AccessShareLock"
    assert _relation_locks(obs, b.pid, done, t) == [(t, mode)]
    c.q("BEGIN")
    assert c.q(f"LOCK TABLE {done} IN SHARE UPDATE EXCLUSIVE MODE NOWAIT") == "LOCK TABLE"
    c.q("COMMIT")
    a.q("COMMIT")
    assert vacuum.join() == command.split()[0]
    assert _relation_locks(obs, b.pid, done, t) == []


@pytest.mark.parametrize("command", ["VACUUM FULL {t}", "VACUUM (FULL) {t}", "VACUUM (FULL true, VERBOSE false) {t}"])
def test_vacuum_full_waits_for_readers_and_readers_wait_for_it(clients, command):
    a, b, obs, c = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"SELECT count(*) FROM {t}") == [(2,)]
    vacuum = Waiting(b, obs, command.format(t=t))
    assert _relation_locks(obs, b.pid, t) == [(t, "AccessExclusiveLock")]
    reader = Waiting(c, obs, f"SELECT count(*) FROM {t}")  # queued behind the VACUUM FULL
    a.q("COMMIT")
    assert vacuum.join() == "VACUUM"
    assert reader.join() == [(2,)]
    c.q("BEGIN")
    assert c.q(f"INSERT INTO {t} VALUES (3, 30)") == "INSERT 0 1"  # RowExclusive: no conflict with a plain VACUUM
    assert a.q(f"VACUUM (FULL false) {t}") == "VACUUM"
    c.q("COMMIT")


def test_analyze_in_a_transaction_block_holds_its_locks_until_the_end(clients):
    a, _, obs, _ = clients
    t, u = _table(a), _table(a)
    a.q("BEGIN")
    assert a.q(f"ANALYZE {t}, {u}") == "ANALYZE"
    assert _relation_locks(obs, a.pid, t, u) == sorted([(t, "ShareUpdateExclusiveLock"), (u, "ShareUpdateExclusiveLock")])
    a.q("COMMIT")


def _wait_event(obs: Client, pid: int) -> list[tuple[str, str, str]]:
    return obs.q("SELECT wait_event_type, wait_event, state FROM pg_stat_activity WHERE pid = %s", (pid,))


def test_pg_locks_shows_a_row_lock_wait_on_the_holders_transaction_id(clients):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert obs.q("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND pid = %s", (a.pid,)) == [(0,)]
    a.q(f"UPDATE {t} SET v = 11 WHERE id = 1")
    xid = str(a.q("SELECT txid_current()")[0][0])
    assert obs.q("SELECT transactionid::text, mode, granted FROM pg_locks WHERE locktype = 'transactionid' "
                 "AND pid = %s", (a.pid,)) == [(xid, "ExclusiveLock", True)]
    b.q("BEGIN")
    writer = Waiting(b, obs, f"UPDATE {t} SET v = 12 WHERE id = 1")
    assert obs.q("SELECT locktype, transactionid::text, mode FROM pg_locks WHERE pid = %s AND NOT granted",
                 (b.pid,)) == [("transactionid", xid, "ShareLock")]
    assert obs.q(BLOCKED_BY) == [(b.pid, a.pid)]
    assert _wait_event(obs, b.pid) == [("Lock", "transactionid", "active")]
    a.q("COMMIT")
    assert writer.join() == "UPDATE 1"
    b.q("COMMIT")
    assert obs.q(f"SELECT v FROM {t} WHERE id = 1") == [(12,)]


def test_who_blocks_whom_finds_a_relation_lock_wait(clients):
    a, b, obs, _ = clients
    t = _table(a)
    a.q("BEGIN")
    a.q(f"LOCK TABLE {t} IN SHARE MODE")
    writer = Waiting(b, obs, f"DELETE FROM {t} WHERE id = 2")
    assert obs.q(BLOCKED_BY) == [(b.pid, a.pid)]
    assert _wait_event(obs, b.pid) == [("Lock", "relation", "active")]
    assert _wait_event(obs, a.pid) == [("Client", "ClientRead", "idle in transaction")]
    a.q("COMMIT")
    assert writer.join() == "DELETE 1"
