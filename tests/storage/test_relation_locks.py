"""The relation lock manager (storage/locks.py) under threads: weak locks taken on the fast path
and strong ones never overlap, the queue orders requests, ROLLBACK TO releases, and a cycle
through a relation lock and a row lock is a deadlock."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from quantadb.errors import DeadlockDetected
from quantadb.storage.locks import (ACCESS_EXCLUSIVE, ACCESS_SHARE, EXCLUSIVE, NO_LOCKS, ROW_EXCLUSIVE, ROW_SHARE, SHARE,
                                    SHARE_UPDATE_EXCLUSIVE, StatementLocks, mode_bits)
from quantadb.storage.txn import WouldBlock

REL = 424242


def _lock(store, txn, rel: int, mode: int) -> None:
    """Take the lock, waiting as the engine does when the request is queued."""
    try:
        store.lock_relation(txn, rel, mode)
    except WouldBlock as block:
        store.wait_for(txn, block.on, 30)


@pytest.mark.parametrize("statement", [False, True], ids=["transaction", "statement-without-transaction"])
def test_fast_path_weak_locks_and_strong_locks_exclude_each_other(store, statement):
    inside = {"weak": 0, "strong": 0}
    overlaps = []
    guard = threading.Lock()
    stop = threading.Event()

    def enter(kind: str, other: str) -> None:
        with guard:
            inside[kind] += 1
            if inside[other]:
                overlaps.append(kind)

    def leave(kind: str) -> None:
        time.sleep(0.0002)  # held a while: an overlapping holder has time to enter
        with guard:
            inside[kind] -= 1

    def weak() -> None:
        while not stop.is_set():
            txn = store.begin()
            _lock(store, txn, REL, ROW_EXCLUSIVE)
            enter("weak", "strong")
            leave("weak")
            store.commit(txn)

    def weak_statement() -> None:
        """As Session runs a read without a transaction: publish, then look for a strong lock."""
        held = StatementLocks(0, 0)
        store.relation_locks.statements.add(held)
        while not stop.is_set():
            held.rel_locks = mode_bits(((REL, ACCESS_SHARE),))
            if not store.strongly_locked(((REL, ACCESS_SHARE),)):  # else it would run in a transaction
                enter("weak", "strong")
                leave("weak")
            released, held.rel_locks = held.rel_locks, NO_LOCKS
            if store.relation_locks.strong:
                store.relation_locks.statement_ended(released)

    def strong() -> None:
        for _ in range(200):
            txn = store.begin()
            _lock(store, txn, REL, ACCESS_EXCLUSIVE)
            enter("strong", "weak")
            leave("strong")
            store.commit(txn)
        stop.set()

    threads = [threading.Thread(target=weak_statement if statement else weak) for _ in range(3)]
    threads.append(threading.Thread(target=strong))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between any two steps of a lock's taking
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(interval)
    assert not any(t.is_alive() for t in threads)
    assert overlaps == []
    assert store.relation_locks.strong == {}


def test_a_request_queues_behind_an_earlier_conflicting_waiter(store):
    reader, alter, late = store.begin(), store.begin(), store.begin()
    assert store.lock_relation(reader, REL, ACCESS_SHARE)
    with pytest.raises(WouldBlock) as queued:
        store.lock_relation(alter, REL, ACCESS_EXCLUSIVE)
    with pytest.raises(WouldBlock):  # compatible with the holder, not with the waiter ahead
        store.lock_relation(late, REL, ACCESS_SHARE)
    assert store.lock_relation(reader, REL, ROW_EXCLUSIVE)  # a holder does not queue
    assert not store.lock_relation(late, REL, SHARE, nowait=True)
    store.commit(reader)
    store.wait_for(alter, queued.value.on, 5)
    assert alter.rel_locks[REL] == 1 << ACCESS_EXCLUSIVE
    store.abort(alter)
    store.abort(late)
    assert store.relation_locks.strong == {}
    assert store.relation_locks.locks() == []


def test_rollback_to_a_savepoint_releases_what_was_taken_after_it(store):
    txn, other = store.begin(), store.begin()
    assert store.lock_relation(txn, REL, ACCESS_SHARE)
    token = store.savepoint(txn)
    assert store.lock_relation(txn, REL, ACCESS_EXCLUSIVE)
    assert not store.lock_relation(other, REL, ACCESS_SHARE, nowait=True)
    store.rollback_to(txn, token)
    store.release_locks_after(txn, token)
    assert txn.rel_locks == {REL: 1 << ACCESS_SHARE}
    assert store.lock_relation(other, REL, ACCESS_SHARE)
    store.commit(txn)
    store.commit(other)


def test_deadlock_through_a_relation_lock_and_a_row_lock(store):
    holder, locker = store.begin(), store.begin()
    xid = store.top_xid(holder)  # as if holder had written a row locker then needs
    assert store.lock_relation(locker, REL, ACCESS_EXCLUSIVE)
    with pytest.raises(WouldBlock) as queued:
        store.lock_relation(holder, REL, ACCESS_SHARE)
    waiting = threading.Thread(target=lambda: store.wait_for(holder, queued.value.on, 30))
    waiting.start()
    while not store.state.txns.waiting():
        threading.Event().wait(0.001)
    with pytest.raises(DeadlockDetected) as e:
        store.wait_for(locker, xid, 30)
    assert "waits for ShareLock on transaction" in e.value.detail
    store.abort(locker)
    waiting.join(30)
    assert holder.rel_locks == {REL: 1 << ACCESS_SHARE}
    store.abort(holder)


def test_a_momentary_lock_waits_for_a_conflicting_holder_and_keeps_nothing(store):
    holder, checker = store.begin(), store.begin()
    assert store.lock_relation(checker, REL, ROW_SHARE, momentary=True)  # free: granted and let go
    assert checker.rel_locks == {}
    assert store.lock_relation(holder, REL, EXCLUSIVE)
    with pytest.raises(WouldBlock) as queued:
        store.lock_relation(checker, REL, ROW_SHARE, momentary=True)
    store.commit(holder)
    store.wait_for(checker, queued.value.on, 5)
    assert checker.rel_locks == {} and checker.lock_log == []
    assert store.relation_locks.locks() == []
    strong = store.begin()
    assert store.lock_relation(strong, REL, ACCESS_EXCLUSIVE, nowait=True)
    store.commit(strong)
    store.commit(checker)
    assert store.relation_locks.strong == {}


def test_one_lock_let_go_before_the_end(store):
    txn, other = store.begin(), store.begin()
    assert store.lock_relation(txn, REL, ACCESS_SHARE)
    assert store.lock_relation(txn, REL, SHARE_UPDATE_EXCLUSIVE)
    with pytest.raises(WouldBlock) as queued:
        store.lock_relation(other, REL, SHARE_UPDATE_EXCLUSIVE)
    store.unlock_relation(txn, REL, SHARE_UPDATE_EXCLUSIVE)
    store.wait_for(other, queued.value.on, 5)
    assert txn.rel_locks == {REL: 1 << ACCESS_SHARE}
    assert other.rel_locks == {REL: 1 << SHARE_UPDATE_EXCLUSIVE}
    store.commit(txn)
    store.commit(other)
    assert store.relation_locks.locks() == []
