"""DELETE by equality on a unique index takes engine/point_write.py's path; it must do what the
general executor does (its form with an extra `AND $n = 1` filter is not a point write)."""

from __future__ import annotations

import pytest
from inprocess import InProcessDb

from quantadb.engine import point_write as PW
from quantadb.engine import statements as S

SETUP = ("create table p (id int primary key, name text)",
         "create table c (id int primary key, pid int references p (id) on delete cascade, x int)",
         "create table r (id int primary key, pid int references p (id))",
         "create table t (id int primary key, k int, v text)", "create index on t (k)",
         "insert into p values (1, 'a'), (2, 'b'), (3, 'c')", "insert into c values (1, 1, 0), (2, 1, 0)",
         "insert into r values (1, 3)", "insert into t values (1, 1, 'x'), (2, 2, null)")


class Db(InProcessDb):
    """The tables of SETUP, and every WAL record logged after them (payloads)."""

    def __init__(self) -> None:
        super().__init__(SETUP)
        self.payloads: list[bytes] = []
        wal = self.db.store._wal
        append = wal.append
        wal.append = lambda payload: self.payloads.append(payload) or append(payload)


@pytest.fixture
def db():
    d = Db()
    yield d
    d.close()


def _bound(db: Db, sql: str) -> S.Bound:
    s = db.session
    s.parse("", sql, [])
    return S.bind(s, s.prepared[""].stmt, s.prepared[""].param_types)


def test_delete_by_unique_key_is_a_point_write(db):
    assert isinstance(_bound(db, "delete from t where id = $1").write, PW.PointDelete)
    assert isinstance(_bound(db, "delete from t where id = $1 returning v").write, PW.PointDelete)
    assert _bound(db, "delete from t where k = $1").write is None  # not a unique index
    assert _bound(db, "delete from t where id = $1 and $2 = 1").write is None


@pytest.mark.parametrize("sql, params", [
    ("delete from t where id = $1{g}", (1,)),
    ("delete from t where id = $1{g} returning *", (2,)),
    ("delete from t where id = $1{g} returning v", (9,)),  # no row
    ("delete from t where id = $1{g}", (None,)),  # NULL key: no row
    ("delete from p where id = $1{g} returning name", (1,)),  # cascades to c
    ("delete from p where id = $1{g}", (3,)),  # still referenced from r
])
def test_fast_and_general_delete_agree(sql, params):
    outcomes = []
    for general in (False, True):
        d = Db()
        try:
            text = sql.format(g=" and $2 = 1" if general else "")
            result = d.run(text, params + (1,) if general else params)
            after = [d.run(f"select * from {t} order by id")[1] for t in ("p", "c", "r", "t")]
            outcomes.append((result, after, d.payloads))
        finally:
            d.close()
    assert outcomes[0] == outcomes[1]


def test_delete_twice_in_a_transaction(db):
    db.run("begin")
    assert db.run("delete from t where id = $1", (1,)) == ("DELETE 1", [])
    assert db.run("delete from t where id = $1", (1,)) == ("DELETE 0", [])
    db.run("rollback")
    assert db.run("select v from t where id = $1", (1,)) == ("SELECT 1", [("x",)])
