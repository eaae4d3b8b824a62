"""UPDATE and DELETE without a statement savepoint (Bound.writes_once): when the one storage
write follows every check that can make the statement wait or be re-run, a retried attempt
wrote nothing. These waits and re-runs must still apply the write exactly once, and a table
that foreign keys reference, whose referencing rows change before its own write, keeps the
savepoint. The scenarios' outcomes are PostgreSQL 15's."""

from __future__ import annotations

import uuid

import pytest
from concurrency import Client, Waiting, running
from inprocess import InProcessDb

from quantadb.engine import statements as S


@pytest.fixture
def clients(server):
    made = [Client(server.dsn) for _ in range(3)]
    yield made
    for c in made:
        c.conn.close()


def _table(c: Client, columns: str, rows: str) -> str:
    name = f"wo_{uuid.uuid4().hex[:8]}"
    c.q(f"CREATE TABLE {name} ({columns})")
    c.q(f"INSERT INTO {name} VALUES {rows}")
    return name


@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK"])
@pytest.mark.parametrize("in_block", [False, True])
def test_read_committed_update_waits_then_applies_once(clients, end, in_block):
    a, b, obs = clients
    t = _table(a, "id int PRIMARY KEY, v int", "(1, 10), (2, 20)")
    a.q("BEGIN")
    a.q(f"UPDATE {t} SET v = v + %s WHERE id = %s", (1, 1))
    if in_block:
        b.q("BEGIN")
        assert b.q(f"UPDATE {t} SET v = v + %s WHERE id = %s", (100, 2)) == "UPDATE 1"
    waiting = Waiting(b, obs, f"UPDATE {t} SET v = v + %s WHERE id = %s", (5, 1), waits=running)
    a.q(end)
    assert waiting.join() == "UPDATE 1"
    if in_block:
        assert b.q(f"SELECT v FROM {t} WHERE id = %s", (1,)) == [(16 if end == "COMMIT" else 15,)]
        b.q("COMMIT")
    assert obs.q(f"SELECT * FROM {t} ORDER BY id") == [(1, 16 if end == "COMMIT" else 15),
                                                       (2, 120 if in_block else 20)]


def test_read_committed_update_rerun_that_no_longer_matches(clients):
    a, b, obs = clients
    t = _table(a, "id int PRIMARY KEY, v int", "(1, 10)")
    a.q("BEGIN")
    a.q(f"UPDATE {t} SET v = 11 WHERE id = 1")
    waiting = Waiting(b, obs, f"UPDATE {t} SET v = v + %s WHERE id = %s AND v = %s", (5, 1, 10), waits=running)
    a.q("COMMIT")
    assert waiting.join() == "UPDATE 0"
    assert obs.q(f"SELECT * FROM {t}") == [(1, 11)]


def test_waiting_update_then_rollback_of_its_block(clients):
    a, b, obs = clients
    t = _table(a, "id int PRIMARY KEY, v int", "(1, 10), (2, 20)")
    a.q("BEGIN")
    a.q(f"UPDATE {t} SET v = 11 WHERE id = 1")
    b.q("BEGIN")
    b.q(f"UPDATE {t} SET v = %s WHERE id = %s", (21, 2))
    waiting = Waiting(b, obs, f"UPDATE {t} SET v = v + %s WHERE id = %s", (5, 1), waits=running)
    a.q("COMMIT")
    assert waiting.join() == "UPDATE 1"
    b.q("ROLLBACK")
    assert obs.q(f"SELECT * FROM {t} ORDER BY id") == [(1, 11), (2, 20)]


def test_repeatable_read_update_of_a_row_changed_meanwhile_fails(clients):
    a, b, obs = clients
    t = _table(a, "id int PRIMARY KEY, v int", "(1, 10)")
    b.q("BEGIN ISOLATION LEVEL REPEATABLE READ")
    assert b.q(f"SELECT v FROM {t} WHERE id = %s", (1,)) == [(10,)]
    a.q("BEGIN")
    a.q(f"UPDATE {t} SET v = 11 WHERE id = 1")
    waiting = Waiting(b, obs, f"UPDATE {t} SET v = v + %s WHERE id = %s", (5, 1), waits=running)
    a.q("COMMIT")
    assert waiting.join()[:2] == ("ERR", "40001")
    b.q("ROLLBACK")
    assert obs.q(f"SELECT * FROM {t}") == [(1, 11)]


@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK"])
def test_read_committed_delete_waits_then_deletes_once(clients, end):
    a, b, obs = clients
    t = _table(a, "id int PRIMARY KEY, v int", "(1, 10), (2, 20)")
    a.q("BEGIN")
    a.q(f"UPDATE {t} SET v = 11 WHERE id = 1")
    waiting = Waiting(b, obs, f"DELETE FROM {t} WHERE id = %s", (1,), waits=running)
    a.q(end)
    assert waiting.join() == "DELETE 1"
    assert obs.q(f"SELECT * FROM {t}") == [(2, 20)]


@pytest.mark.parametrize("end, outcome", [("COMMIT", "23505"), ("ROLLBACK", "UPDATE 1")])
def test_update_to_a_key_another_transaction_is_inserting(clients, end, outcome):
    a, b, obs = clients
    t = _table(a, "id int PRIMARY KEY, k int UNIQUE, v int", "(1, 10, 0), (2, 20, 0)")
    a.q("BEGIN")
    a.q(f"INSERT INTO {t} VALUES (3, 30, 0)")
    b.q("BEGIN")
    b.q(f"UPDATE {t} SET v = %s WHERE id = %s", (1, 2))
    b.q("SAVEPOINT s")
    waiting = Waiting(b, obs, f"UPDATE {t} SET k = %s WHERE id = %s", (30, 1), waits=running)
    a.q(end)
    result = waiting.join()
    assert (result[1] if isinstance(result, tuple) else result) == outcome  # SQLSTATE of an error, or the tag
    if end == "COMMIT":  # the failed part goes, the block's earlier update stays
        b.q("ROLLBACK TO SAVEPOINT s")
    b.q("COMMIT")
    want = [(1, 10, 0), (2, 20, 1), (3, 30, 0)] if end == "COMMIT" else [(1, 30, 0), (2, 20, 1)]
    assert obs.q(f"SELECT * FROM {t} ORDER BY id") == want


@pytest.mark.parametrize("end, where, outcome, pids", [
    ("COMMIT", "AND v = 10", "UPDATE 0", [1, 1]),  # the re-run finds v = 11: the cascade is undone
    ("ROLLBACK", "AND v = 10", "UPDATE 1", [2, 2]),
    ("COMMIT", "", "UPDATE 1", [2, 2]),
])
def test_cascading_update_that_waits(clients, end, where, outcome, pids):
    """The referencing rows change before the referenced row's own write, which then waits: a
    re-run starts from nothing."""
    a, b, obs = clients
    p = _table(a, "id int PRIMARY KEY, v int", "(1, 10)")
    c = f"{p}_c"
    a.q(f"CREATE TABLE {c} (id int PRIMARY KEY, pid int REFERENCES {p} (id) ON UPDATE CASCADE)")
    a.q(f"INSERT INTO {c} VALUES (1, 1), (2, 1)")
    a.q("BEGIN")
    a.q(f"UPDATE {p} SET v = 11 WHERE id = 1")
    waiting = Waiting(b, obs, f"UPDATE {p} SET id = %s WHERE id = %s {where}", (2, 1), waits=running)
    a.q(end)
    assert waiting.join() == outcome
    assert obs.q(f"SELECT id, pid FROM {c} ORDER BY id") == [(1, pids[0]), (2, pids[1])]
    assert obs.q(f"SELECT count(*) FROM {p} WHERE id = %s", (pids[0],)) == [(1,)]


# -- which statements take a savepoint (in process) ---------------------------------------------

class Db(InProcessDb):
    """Counts the statement savepoints storage is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.savepoints = 0
        store = self.db.store
        savepoint = store.savepoint

        def counted(txn, internal=False):
            self.savepoints += 1
            return savepoint(txn, internal)
        store.savepoint = counted

    def run(self, sql: str, params: tuple = ()) -> str:
        return self.execute(sql, params)[0]


@pytest.fixture
def db():
    d = Db()
    for sql in ("CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84))",
                "INSERT INTO pgbench_accounts VALUES (1, 1, 0, ''), (2, 1, 0, '')",
                "CREATE TABLE p (id int PRIMARY KEY, v int)", "INSERT INTO p VALUES (1, 0), (2, 0)",
                "CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p (id))", "INSERT INTO c VALUES (1, 1)"):
        d.run(sql)
    yield d
    d.close()


@pytest.mark.parametrize("sql, params, savepoints", [
    ("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", (5, 1), 0),
    ("UPDATE pgbench_accounts SET abalance = $1", (5,), 0),
    ("DELETE FROM pgbench_accounts WHERE aid = $1", (2,), 0),
    ("INSERT INTO c VALUES ($1, $2)", (2, 1), 1),  # its key in p is checked after the write, may wait
    ("UPDATE c SET pid = $1 WHERE id = $2", (2, 1), 1),
    ("UPDATE c SET id = $1 WHERE id = $2", (5, 1), 0),  # its foreign key kept its value: not checked
    ("UPDATE pgbench_accounts SET abalance = $1 WHERE aid = $2 RETURNING abalance", (5, 1), 1),
    ("UPDATE p SET v = $1 WHERE id = $2", (1, 1), 1),  # c references p
    ("DELETE FROM p WHERE id = $1", (2,), 1),
])
def test_statement_savepoints(db, sql, params, savepoints):
    for block in (True, False):  # the block rolls back
        db.savepoints = 0
        if block:
            db.run("BEGIN")
        db.run(sql, params)
        if block:
            db.run("ROLLBACK")
        assert db.savepoints == savepoints, (sql, block)


def test_foreign_key_added_after_binding_brings_the_savepoint_back(db):
    sql = "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2"
    db.session.parse("", sql, [])
    assert S.bind(db.session, db.session.prepared[""].stmt, db.session.prepared[""].param_types).writes_once
    db.session.sync()
    db.run("CREATE TABLE h (aid int REFERENCES pgbench_accounts (aid))")
    db.savepoints = 0
    db.run(sql, (1, 1))
    assert db.savepoints == 1


def test_binding_on_an_old_snapshot_sees_foreign_keys_committed_since(db):
    """A plan is shared by every session until the catalog changes, also one made by a
    REPEATABLE READ transaction that does not see a new foreign key."""
    old = db.db.connect("postgres", "postgres", {}, 3, 4)
    for sql in ("BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT 1 FROM pgbench_accounts"):
        old.parse("", sql, [])
        old.bind("", "", [], [], [])
        old.execute("", 0, inline=False)
    db.run("CREATE TABLE h (aid int REFERENCES pgbench_accounts (aid))")
    old.parse("s", "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", [])
    assert not S.bind(old, old.prepared["s"].stmt, old.prepared["s"].param_types).writes_once
    old.close()


@pytest.mark.parametrize("sql", ["UPDATE pgbench_accounts SET abalance = 2 WHERE aid = 1 RETURNING abalance",
                                 "CREATE TABLE moved (a int)"])
def test_an_attempt_moved_to_a_worker_leaves_no_savepoint_level_behind(db, sql):
    """An attempt on the event loop that meets a row lock, or is DDL, is undone and runs again on
    a worker: its statement savepoint goes with it, so the transaction's levels are as before
    (each one left behind gave every later write of the transaction one more subtransaction id)."""
    from quantadb.engine.results import RunInWorker

    holder = db.db.connect("postgres", "postgres", {}, 3, 4)
    for step in ("BEGIN", "UPDATE pgbench_accounts SET abalance = 1 WHERE aid = 1"):
        holder.parse("", step, [])
        holder.bind("", "", [], [], [])
        holder.execute("", 0, inline=False)
    s = db.session
    db.run("BEGIN")
    levels = len(s.state.txn.frames)
    s.parse("", sql, [])
    s.bind("", "", [], [], [])
    with pytest.raises(RunInWorker):
        s.execute("", 0, inline=True)
    assert len(s.state.txn.frames) == levels
    db.run("ROLLBACK")
    holder.close()
