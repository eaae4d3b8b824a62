"""Point writes (engine/point_write.py): a one-row UPDATE by unique key and an INSERT of one
VALUES row run a lean path; it must behave as the general executor does. Each case runs the
statement in its fast form (`WHERE id = $n`) and in a form the fast path refuses (an extra
`AND $m = 1` filter) and compares rows, SQLSTATEs and error fields."""

from __future__ import annotations

import shutil
import tempfile
import threading

import psycopg
import pytest
from psycopg import errors
from psycopg.adapt import Dumper

GENERAL = " and %s = 1"  # a filter on the index scan: the plan is no point write


def _forms(sql: str, params: tuple) -> list[tuple[str, tuple]]:
    """The fast and the general form of `sql`, whose `{g}` marks the end of its WHERE clause."""
    return [(sql.format(g=""), params), (sql.format(g=GENERAL), params + (1,))]


class _UntypedInt(Dumper):
    """Integers sent as untyped text, as pgbench sends its parameters: the server infers int4
    for `id = $1` and plans a point write (psycopg would send int2, and the key would be a cast)."""

    oid = 0

    def dump(self, obj: int) -> bytes:
        return str(obj).encode()


def _connect(dsn: str, autocommit: bool = True) -> psycopg.Connection:
    c = psycopg.connect(dsn, autocommit=autocommit)
    c.adapters.register_dumper(int, _UntypedInt)
    return c


@pytest.fixture
def conn(server):
    with _connect(server.dsn) as c:
        yield c


@pytest.fixture
def tables(conn):
    conn.execute("drop table if exists pw_child, pw_parent, pw")
    conn.execute("create table pw (id int primary key, u int unique, v int not null check (v < 1000), "
                 "note text default 'n')")
    conn.execute("create table pw_parent (id int primary key, name text)")
    conn.execute("create table pw_child (id int primary key, pid int references pw_parent (id), x int)")
    conn.execute("insert into pw values (1, 10, 1), (2, 20, 2), (3, 30, 3)")
    conn.execute("insert into pw_parent values (1, 'a'), (2, 'b')")
    conn.execute("insert into pw_child values (1, 1, 0)")
    return conn


def _both(conn, sql: str, params: tuple):
    """Run `sql` in the fast form and the general form, each in a transaction rolled back
    afterwards; returns both outcomes."""
    out = []
    for text, args in _forms(sql, params):
        try:
            with conn.transaction(force_rollback=True):
                cur = conn.execute(text, args, prepare=True)
                rows = cur.fetchall() if cur.description else None
                after = conn.execute("select * from pw order by id").fetchall()
                out.append(("ok", cur.rowcount, rows, after))
        except psycopg.Error as e:
            d = e.diag
            out.append(("error", e.sqlstate, d.message_primary, d.message_detail, d.constraint_name,
                        d.table_name, d.column_name))
    return out


@pytest.mark.parametrize("sql, params, outcome", [
    ("update pw set v = v + %s where id = %s{g}", (5, 2), "ok"),
    ("update pw set v = v + %s where id = %s{g} returning id, v, note", (5, 2), "ok"),
    ("update pw set v = v + %s where id = %s{g} returning *", (5, 99), "ok"),  # no row
    ("update pw set u = %s where id = %s{g}", (30, 1), "23505"),
    ("update pw set u = %s where id = %s{g}", (10, 1), "ok"),  # its own key again
    ("update pw set id = %s where id = %s{g}", (3, 1), "23505"),
    ("update pw set v = v + %s where id = %s{g}", (2000, 1), "23514"),
    ("update pw set v = %s where id = %s{g}", (None, 1), "23502"),
    ("update pw set v = v + %s where id = %s{g}", (2147483647, 1), "22003"),
    ("update pw set v = %s where id = %s{g}", (7, None), "ok"),  # NULL key: no row
])
def test_update_fast_and_general_agree(tables, sql, params, outcome):
    fast, general = _both(tables, sql, params)
    assert fast == general
    assert fast[0] == "ok" if outcome == "ok" else fast[1] == outcome


def test_update_foreign_keys_agree(tables):
    conn = tables
    for sql, params, code in [
        ("update pw_child set pid = %s where id = %s{g}", (9, 1), "23503"),   # missing parent
        ("update pw_child set pid = %s where id = %s{g}", (2, 1), None),
        ("update pw_parent set id = %s where id = %s{g}", (5, 1), "23503"),   # still referenced
        ("update pw_parent set name = %s where id = %s{g}", ("z", 1), None),  # key kept
    ]:
        outcomes = []
        for text, args in _forms(sql, params):
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute(text, args, prepare=True)
                    outcomes.append(conn.execute("select * from pw_child").fetchall())
            except psycopg.Error as e:
                outcomes.append((e.sqlstate, e.diag.message_primary, e.diag.message_detail))
        assert outcomes[0] == outcomes[1]
        assert (outcomes[0][0] if code else None) == code


@pytest.mark.parametrize("params, code", [
    ((4, 40, 4), None),
    ((1, 50, 5), "23505"),
    ((5, 10, 5), "23505"),
    ((6, 60, None), "23502"),
    ((7, 70, 5000), "23514"),
])
def test_insert_fast_and_general_agree(tables, params, code):
    """The general form is INSERT ... SELECT, which the fast path does not take."""
    conn = tables
    outcomes = []
    for sql in ("insert into pw (id, u, v) values (%s::int, %s::int, %s::int) returning *",
                "insert into pw (id, u, v) select %s::int, %s::int, %s::int returning *"):
        try:
            with conn.transaction(force_rollback=True):
                rows = conn.execute(sql, params, prepare=True).fetchall()
                outcomes.append((rows, conn.execute("select * from pw order by id").fetchall()))
        except psycopg.Error as e:
            d = e.diag
            outcomes.append((e.sqlstate, d.message_primary, d.message_detail, d.constraint_name, d.column_name))
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0][0] if code else None) == code


def test_insert_foreign_key(tables):
    with pytest.raises(errors.ForeignKeyViolation) as e:
        tables.execute("insert into pw_child values (%s, %s, %s)", (2, 9, 0), prepare=True)
    assert e.value.diag.message_detail == 'Key (pid)=(9) is not present in table "pw_parent".'


@pytest.mark.parametrize("form", ["fast", "general"])
def test_update_waits_for_lock_then_rechecks(server, tables, form):
    """READ COMMITTED: an UPDATE of a row another transaction holds waits, then applies to the
    committed new version."""
    sql, args = _forms("update pw set v = v + %s where id = %s{g}", (5, 1))[form == "general"]
    with _connect(server.dsn, autocommit=False) as a, _connect(server.dsn) as b:
        a.execute("update pw set v = v + 100 where id = 1")
        done = threading.Event()
        result = {}

        def other() -> None:
            result["count"] = b.execute(sql, args, prepare=True).rowcount
            done.set()

        t = threading.Thread(target=other)
        t.start()
        assert not done.wait(0.5)  # blocked behind a's row lock
        a.commit()
        t.join(10)
        assert result["count"] == 1
    assert tables.execute("select v from pw where id = 1").fetchone() == (106,)


@pytest.mark.parametrize("form", ["fast", "general"])
def test_repeatable_read_concurrent_update_fails(server, tables, form):
    sql, args = _forms("update pw set v = v + %s where id = %s{g}", (5, 2))[form == "general"]
    with _connect(server.dsn) as a:
        a.execute("begin isolation level repeatable read")
        a.execute("select * from pw where id = 2").fetchall()  # takes the snapshot
        tables.execute("update pw set v = v + 1 where id = 2")
        with pytest.raises(errors.SerializationFailure) as e:
            a.execute(sql, args, prepare=True)
        assert e.value.sqlstate == "40001"
        a.execute("rollback")
    assert tables.execute("select v from pw where id = 2").fetchone() == (3,)


def test_read_only_and_privileges(server, tables):
    conn = tables
    with _connect(server.dsn, autocommit=False) as a:
        a.execute("set transaction read only")
        with pytest.raises(errors.ReadOnlySqlTransaction):
            a.execute("update pw set v = v + %s where id = %s", (1, 1), prepare=True)
    conn.execute("drop role if exists pw_reader")
    conn.execute("create role pw_reader login")
    conn.execute("grant select on pw to pw_reader")
    with _connect(server.conninfo(user="pw_reader")) as r:
        with pytest.raises(errors.InsufficientPrivilege):
            r.execute("update pw set v = v + %s where id = %s", (1, 1), prepare=True)
        with pytest.raises(errors.InsufficientPrivilege):
            r.execute("insert into pw (id, u, v) values (%s, %s, %s)", (9, 90, 9), prepare=True)


class _InProcess:
    """A fresh in-process database with tables t (unique id, indexed k), h (no index) and hg (a
    generated column, a unique index on an expression)."""

    def __enter__(self):
        from quantadb.engine.database import Database
        self.data_dir = tempfile.mkdtemp(prefix="pw-")
        self.db = Database.open(self.data_dir, fsync=False)
        self.session = self.db.connect("postgres", "postgres", {}, 1, 2)
        for sql in ("create table t (id int primary key, k int, v int, s text)",
                    "create table h (a int, b int, c text default 'x')", "create index on t (k)",
                    "create table hg (a int, b text, g text generated always as (lower(b)) stored)",
                    "create unique index on hg (upper(b))",
                    "insert into t values (1, 1, 1, 'a'), (2, 2, 2, 'b'), (3, 3, 3, null)"):
            self.run(sql, [])
        return self

    def run(self, sql: str, params: list) -> None:
        s = self.session
        s.parse("", sql, [])
        s.bind("", "", [0], [None if p is None else str(p).encode() for p in params], [])
        s.execute("", 0, inline=False)
        s.close_portal("")
        done = s.sync()
        if done is not None:
            done.result()

    def __exit__(self, *exc) -> None:
        self.session.close()
        self.db.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def test_fast_and_general_write_the_same_wal():
    """Recovery and replicas replay the records: the point path must log byte for byte what
    the general executor logs for the same statements (two fresh databases, same OIDs and xids)."""
    cases = [  # (fast form, general form, parameters; the general form's extra one is 1)
        ("update t set v = v + $1 where id = $2", "update t set v = v + $1 where id = $2 and $3 = 1", [5, 2]),
        ("update t set s = $1 where id = $2", "update t set s = $1 where id = $2 and $3 = 1", ["zz", 3]),
        ("update t set k = $1, v = $1 where id = $2", "update t set k = $1, v = $1 where id = $2 and $3 = 1",
         [7, 1]),
        ("update t set v = $1 where id = $2", "update t set v = $1 where id = $2 and $3 = 1", [9, 42]),
        ("insert into h (a, b) values ($1, $2)", "insert into h (a, b) select $1::int, $2::int where $3 = 1",
         [1, 2]),
        ("insert into h values ($1, $2, $3)", "insert into h select $1::int, $2::int, $3::text where $4 = 1",
         [3, None, "y"]),
        ("insert into hg (a, b) values ($1, $2)", "insert into hg (a, b) select $1::int, $2::text where $3 = 1",
         [4, "MiXed"]),
    ]
    logged = []
    for general in (False, True):
        with _InProcess() as db:
            payloads: list[bytes] = []
            wal = db.db.store._wal
            append = wal.append
            wal.append = lambda payload: payloads.append(payload) or append(payload)
            for fast_sql, general_sql, params in cases:
                db.run(general_sql if general else fast_sql, params + [1] if general else params)
            logged.append(payloads)
    assert len(logged[0]) >= 2 * (len(cases) - 1) and logged[0] == logged[1]  # id 42: no row, no record


def test_plans_take_the_fast_path():
    """The shapes above are the ones point_write recognises (and the general forms are not)."""
    from quantadb.engine import statements as S
    with _InProcess() as db:
        s = db.session
        cases = {"update t set v = v + $1 where id = $2": True,
                 "update t set v = $1 where id = $2 returning *": True,
                 "update t set v = $1 where id = $2 and $3 = 1": False,
                 "update t set v = $1 where k = $2": False,  # not a unique index
                 "insert into h values ($1, $2)": True,
                 "insert into h values ($1, $2), ($2, $1)": False,
                 "insert into hg (a, b) values ($1, $2)": True,
                 "insert into h select $1::int, $2::int": False}
        for sql, fast in cases.items():
            s.parse("", sql, [])
            bound = S.bind(s, s.prepared[""].stmt, s.prepared[""].param_types)
            assert (bound.write is not None) == fast, sql
