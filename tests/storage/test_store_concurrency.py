"""Readers take no lock: scans running beside writers see whole transactions only; crashes at
random points keep exactly the acknowledged commits."""

from __future__ import annotations

import random
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
