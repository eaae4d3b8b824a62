"""What commits at SERIALIZABLE is serializable: randomized checks of whole histories.

Four sessions run serializable transactions over a few rows: reads by key, by key range and by
scan (each returns every row it read, with the version read), and updates that give a row a
value no one wrote before (so each version names its writer, and an update names the version it
replaced: at SERIALIZABLE a concurrent update fails, so that is the one it read). A transaction
that fails (40001, 40P01) is rolled back and left out. A fifth of them are READ ONLY, half of
those DEFERRABLE (they wait for a safe snapshot). From the committed ones the dependency
graph is built (Adya's DSG: ww, wr and rw edges between transactions); it must have no cycle.
Snapshot isolation alone makes cycles here (write skew); the test runs on PostgreSQL 15 as well.
A second test keeps a limit on rows per group by serializable transactions alone (phantoms).
"""

from __future__ import annotations

import random
import threading

import psycopg

from interleave import make_table

ROWS = 6
SESSIONS = 4
TRANSACTIONS = 80  # per session


def _session(target, seed: int, committed: list, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    conn = psycopg.connect(target.dsn, autocommit=True)
    for n in range(TRANSACTIONS):
        me = seed * 10_000 + n + 1  # this transaction's tag: every value it writes is me * 100 + row
        read_only = rng.random() < 0.2
        deferrable = read_only and rng.random() < 0.5  # (waits for a safe snapshot: ssi_readonly.py)
        reads: list[tuple[int, int]] = []
        writes: list[tuple[int, int, int]] = []  # (row, version replaced, new version)
        try:
            conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE" + (" READ ONLY" if read_only else "")
                         + (" DEFERRABLE" if deferrable else ""))
            seen: dict[int, int] = {}
            for _ in range(rng.randint(1, 3)):
                how = rng.choice(("key", "range", "scan"))
                if how == "key":
                    k = rng.randint(1, ROWS)
                    rows = conn.execute("SELECT id, v FROM c_hist WHERE id = %s", (k,)).fetchall()
                elif how == "range":
                    lo = rng.randint(1, ROWS)
                    rows = conn.execute("SELECT id, v FROM c_hist WHERE id BETWEEN %s AND %s",
                                        (lo, lo + rng.randint(0, 2))).fetchall()
                else:
                    rows = conn.execute("SELECT id, v FROM c_hist WHERE v >= 0").fetchall()
                for k, v in rows:
                    seen.setdefault(k, v)
                    reads.append((k, v))
            if not read_only:
                for k in rng.sample(sorted(seen), min(len(seen), rng.randint(1, 2))):
                    conn.execute("UPDATE c_hist SET v = %s WHERE id = %s", (me * 100 + k, k))
                    writes.append((k, seen[k], me * 100 + k))
            conn.execute("COMMIT")
        except psycopg.Error as exc:
            assert exc.sqlstate in ("40001", "40P01"), exc
            conn.execute("ROLLBACK")
            continue
        with lock:
            committed.append((me, reads, writes))
    conn.close()


def history(target) -> dict:
    make_table(target, "c_hist", rows=", ".join(f"({k}, {k})" for k in range(1, ROWS + 1)))
    committed: list = []
    lock = threading.Lock()
    threads = [threading.Thread(target=_session, args=(target, s + 1, committed, lock)) for s in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads)
    return {"cycle": _cycle(committed), "some_committed": len(committed) > SESSIONS * TRANSACTIONS // 4}


def _cycle(committed: list) -> list | None:
    """A cycle of the dependency graph of the committed transactions, or None."""
    writer = {(k, k): 0 for k in range(1, ROWS + 1)}  # version -> its writer (0: the initial rows')
    successor: dict[tuple[int, int], int] = {}  # version -> the one that replaced it
    for me, _, writes in committed:
        for k, old, new in writes:
            writer[(k, new)] = me
            assert (k, old) not in successor, f"two committed updates of row {k} replaced version {old}"
            successor[(k, old)] = new
    edges: dict[int, set[int]] = {}
    for me, reads, writes in committed:
        for k, v in reads:
            if writer[(k, v)] == me:
                continue
            edges.setdefault(writer[(k, v)], set()).add(me)  # wr
            nxt = successor.get((k, v))
            if nxt is not None and writer[(k, nxt)] != me:
                edges.setdefault(me, set()).add(writer[(k, nxt)])  # rw
        for k, old, _ in writes:
            if writer[(k, old)] != me:
                edges.setdefault(writer[(k, old)], set()).add(me)  # ww
    state: dict[int, int] = {}  # 1: on the path, 2: done
    for start in list(edges):
        stack = [(start, iter(edges.get(start, ())))]
        path = [start]
        state[start] = state.get(start) or 1
        if state[start] == 2:
            continue
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif state.get(nxt) is None:
                state[nxt] = 1
                stack.append((nxt, iter(edges.get(nxt, ()))))
                path.append(nxt)
    return None


def test_committed_serializable_histories_have_no_cycle(targets):
    for target in targets:  # PostgreSQL first: the check itself must hold there
        assert history(target) == {"cycle": None, "some_committed": True}, target.name


GROUPS, LIMIT = 12, 3


def _limited_inserts(target, seed: int) -> None:
    """Transactions that add a row to a group only while it has fewer than LIMIT rows, finding
    its rows by a secondary index key, a key range, or a scan."""
    rng = random.Random(seed)
    conn = psycopg.connect(target.dsn, autocommit=True)
    for n in range(40):
        g = rng.randrange(GROUPS)
        how = rng.choice(("SELECT count(*) FROM c_groups WHERE g = %s",
                          "SELECT count(*) FROM c_groups WHERE g BETWEEN %s AND %s",
                          "SELECT count(*) FROM c_groups WHERE g + 0 = %s"))  # (a scan)
        try:
            conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            [(found,)] = conn.execute(how, (g, g) if "BETWEEN" in how else (g,)).fetchall()
            if found < LIMIT:
                conn.execute("INSERT INTO c_groups VALUES (%s, %s)", (seed * 1000 + n, g))
            conn.execute("COMMIT")
        except psycopg.Error as exc:
            assert exc.sqlstate in ("40001", "40P01"), exc
            conn.execute("ROLLBACK")
    conn.close()


def test_no_group_grows_past_its_limit(targets):
    """A constraint no index can state, kept by serializable transactions alone: phantoms (rows
    inserted into what another counted) must not let two of them both add the last row allowed."""
    for target in targets:
        s = psycopg.connect(target.dsn, autocommit=True)
        s.execute("DROP TABLE IF EXISTS c_groups")
        s.execute("CREATE TABLE c_groups (id int PRIMARY KEY, g int)")
        s.execute("CREATE INDEX c_groups_g ON c_groups (g)")
        threads = [threading.Thread(target=_limited_inserts, args=(target, k + 1)) for k in range(SESSIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        most = s.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM c_groups GROUP BY g) x").fetchone()[0]
        s.close()
        assert most == LIMIT, (target.name, most)
