"""The four row lock strengths conflict as PostgreSQL 15's (FOR KEY SHARE < FOR SHARE < FOR NO KEY
UPDATE < FOR UPDATE): an UPDATE that keeps the row's key takes NO KEY UPDATE's, so it goes on past
FOR KEY SHARE (a foreign key's lock), while one that changes the key, a DELETE or FOR UPDATE waits;
and the key share lock stays on the new version. Each outcome was checked on PostgreSQL 15 first
(QUANTADB_TEST_DSN runs these against a server given by its DSN)."""

from __future__ import annotations

import pytest
from concurrency import new_table as _table

LOCK_NOT_AVAILABLE = ("ERR", "55P03", "canceling statement due to lock timeout")


def _try(c, sql: str):
    """`sql` in a transaction of its own that gives up on a lock at once."""
    c.q("BEGIN")
    c.q("SET LOCAL lock_timeout = '200ms'")
    out = c.q(sql)
    c.q("ROLLBACK")
    return out


@pytest.mark.parametrize("held, requested, goes_on", [
    ("KEY SHARE", "UPDATE {t} SET v = v + 1 WHERE id = 1", True),
    ("KEY SHARE", "SELECT id FROM {t} WHERE id = 1 FOR NO KEY UPDATE", True),
    ("KEY SHARE", "SELECT id FROM {t} WHERE id = 1 FOR UPDATE", False),
    ("KEY SHARE", "UPDATE {t} SET id = 5 WHERE id = 1", False),
    ("KEY SHARE", "DELETE FROM {t} WHERE id = 1", False),
    ("SHARE", "SELECT id FROM {t} WHERE id = 1 FOR KEY SHARE", True),
    ("SHARE", "SELECT id FROM {t} WHERE id = 1 FOR SHARE", True),
    ("SHARE", "UPDATE {t} SET v = v + 1 WHERE id = 1", False),
    ("NO KEY UPDATE", "SELECT id FROM {t} WHERE id = 1 FOR KEY SHARE", True),
    ("NO KEY UPDATE", "SELECT id FROM {t} WHERE id = 1 FOR SHARE", False),
    ("UPDATE", "SELECT id FROM {t} WHERE id = 1 FOR KEY SHARE", False),
])
def test_row_lock_strengths_conflict_as_postgresql_s(clients, held, requested, goes_on):
    a, b, _, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"SELECT v FROM {t} WHERE id = 1 FOR {held}") == [(10,)]
    out = _try(b, requested.format(t=t))
    assert (out != LOCK_NOT_AVAILABLE) == goes_on, out
    a.q("ROLLBACK")


def test_the_strongest_of_several_locking_clauses_applies(clients):
    a, b, _, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"SELECT v FROM {t} WHERE id = 1 FOR KEY SHARE FOR NO KEY UPDATE") == [(10,)]
    assert _try(b, f"SELECT id FROM {t} WHERE id = 1 FOR SHARE") == LOCK_NOT_AVAILABLE
    a.q("ROLLBACK")


def test_a_key_share_lock_stays_on_the_version_an_update_past_it_wrote(clients):
    a, b, c, _ = clients
    t = _table(a)
    a.q("BEGIN")
    assert a.q(f"SELECT v FROM {t} WHERE id = 1 FOR KEY SHARE NOWAIT") == [(10,)]
    assert b.q(f"UPDATE {t} SET v = 11 WHERE id = 1") == "UPDATE 1"
    assert c.q(f"SELECT v, xmax::text <> '0' FROM {t} WHERE id = 1") == [(11, True)]
    assert _try(c, f"DELETE FROM {t} WHERE id = 1") == LOCK_NOT_AVAILABLE
    assert _try(c, f"UPDATE {t} SET id = 3 WHERE id = 1") == LOCK_NOT_AVAILABLE
    assert _try(c, f"UPDATE {t} SET v = 12 WHERE id = 1") == "UPDATE 1"
    a.q("COMMIT")
    assert _try(c, f"DELETE FROM {t} WHERE id = 1") == "DELETE 1"
    assert c.q("SELECT count(*) FROM pg_locks WHERE locktype IN ('tuple', 'transactionid')") == [(0,)]
