"""Readers take no lock: scans running beside writers see whole transactions only, and read
each row's xmin/xmax once even while a writer overwrites them; crashes at random points keep
exactly the acknowledged commits."""

from __future__ import annotations

import random
import sys
import threading

from store_helpers import DATA, committed, create_table, insert, peek

from quantadb.storage.store import Store


def test_scans_beside_writers_see_whole_transactions(store):
    oid, _ = create_table(store)
    batch, writers, per_writer = 10, 3, 20
    errors: list[str] = []
    stop = threading.Event()

    def write(w: int) -> None:
        for i in range(per_writer):
            base = (w * per_writer + i) * batch
            committed(store, lambda t: insert(store, t, oid, list(range(base, base + batch))))

    def read() -> None:
        while not stop.is_set():
            n = len(peek(store, oid))
            if n % batch:
                errors.append(f"saw {n} rows")

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stop.set()
    reader.join()
    assert errors == []
    assert len(peek(store, oid)) == batch * writers * per_writer


def test_scans_beside_xmax_rewrites_read_each_version_once(fs):
    """A writer deletes a few rows and aborts, over and over: each round overwrites the aborted
    xmax of the last with its own, newer xid. With more than 8 running xids a snapshot tests
    xmax against its xip with np.isin, which reads the array twice (a range mask, then a
    gather): a scan that passed the live segment array failed with "index N is out of bounds
    for axis 0 with size N" (XX000 in the kill -9 test). Every row stays visible throughout."""
    store = Store.open(DATA, fs=fs, capacity=1 << 16)
    try:
        oid, _ = create_table(store, pk=False)
        n = 20000
        rowids = committed(store, lambda t: insert(store, t, oid, list(range(n))))
        holders = [store.begin() for _ in range(10)]  # running xids that keep the xip above 8
        for i, h in enumerate(holders):
            insert(store, h, oid, [n + i])
        stop = threading.Event()

        def rewrite_xmax() -> None:
            while not stop.is_set():
                txn = store.begin()
                store.delete(txn, oid, rowids[::1000], store.snapshot(txn))
                store.abort(txn)

        table = store.table(oid)
        writer = threading.Thread(target=rewrite_xmax)
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)  # interleave the threads finely, inside numpy's Python code too
        writer.start()
        try:
            seen = {sum(b.length for b in table.scan(store.snapshot(None), [1])) for _ in range(3000)}
        finally:
            stop.set()
            writer.join()
            sys.setswitchinterval(interval)
        assert seen == {n}
        for h in holders:
            store.abort(h)
    finally:
        store.close()


def test_random_crashes_keep_exactly_the_acknowledged_commits(fs):
    rng = random.Random(7)
    store = Store.open(DATA, fs=fs, capacity=64)
    oid, _ = create_table(store)
    acknowledged: set[int] = set()
    next_key = 0
    for round_no in range(6):
        for _ in range(rng.randrange(1, 6)):
            keys = list(range(next_key, next_key + rng.randrange(1, 30)))
            next_key = keys[-1] + 1
            txn = store.begin()
            insert(store, txn, oid, keys)
            if rng.random() < 0.3:
                store.abort(txn)
            elif rng.random() < 0.3:
                store._wal.flush()  # rows on disk, commit record not yet appended
            else:
                store.commit(txn).result()
                acknowledged.update(keys)
        if rng.random() < 0.3:
            store.checkpoint()
        fs.crash(rng.choice(["drop", "torn", "garbage"]), seed=round_no)
        try:
            store.close()
        except OSError:
            pass
        store = Store.open(DATA, fs=fs, capacity=64)
        assert {r[0] for r in peek(store, oid)} == acknowledged
    store.close()
