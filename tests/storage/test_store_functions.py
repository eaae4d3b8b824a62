"""Functions are catalog objects: their creation, replacement and drop replay to the same
catalog (crash recovery and replicas run the same apply), an aborted creation leaves nothing,
and a checkpoint keeps them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from store_helpers import committed, reopen
from test_store_replay import image, replay

from quantadb.errors import SerializationFailure
from quantadb.storage.catalog import POSTGRES_DB_OID, PUBLIC_NAMESPACE, FunctionDef
from quantadb.storage.txn import RowChanged, WouldBlock
from quantadb.types import registry as T
from quantadb.types.registry import SqlType

INT = SqlType(T.INT4)


def _function(oid: int, name: str, body: str = "SELECT $1") -> FunctionDef:
    return FunctionDef(oid, POSTGRES_DB_OID, PUBLIC_NAMESPACE, name, "f", (INT,), ("x",), ("i",), INT, body,
                       defaults=(), volatility="i", strict=True)


def _workload(store) -> tuple[int, int]:
    kept = committed(store, lambda t: _create(store, t, "kept"))
    dropped = committed(store, lambda t: _create(store, t, "dropped"))
    committed(store, lambda t: store.alter_function(t, replace(_function(kept, "kept"), body="SELECT $1 + 1")))
    committed(store, lambda t: store.drop_function(t, dropped))
    aborted = store.begin()
    _create(store, aborted, "aborted")
    store.abort(aborted)
    return kept, dropped


def _create(store, txn, name: str) -> int:
    oid = store.allocate_oid(txn)
    store.create_function(txn, _function(oid, name))
    return oid


def test_replays_agree_with_the_primary(store, fs):
    kept, dropped = _workload(store)
    store._wal.flush()
    a, b = replay(fs), replay(fs)
    assert image(a)["catalog"] == image(b)["catalog"] == image(store.state)["catalog"]
    functions = a.catalog.functions(a.txns.snapshot(None), POSTGRES_DB_OID)
    assert [(f.oid, f.body) for f in functions] == [(kept, "SELECT $1 + 1")]
    assert a.catalog.function(a.txns.snapshot(None), dropped) is None


def test_checkpoint_keeps_functions(store, fs):
    kept, _ = _workload(store)
    store.checkpoint()
    store = reopen(store, fs, crash="drop")
    snap = store.snapshot(store.begin())
    functions = store.catalog.functions(snap, POSTGRES_DB_OID)
    assert [(f.oid, f.name, f.body) for f in functions] == [(kept, "kept", "SELECT $1 + 1")]
    assert store.catalog.find_functions(snap, POSTGRES_DB_OID, PUBLIC_NAMESPACE, "aborted") == []
    store.close()


@pytest.mark.parametrize(("isolation", "outcome"), [("read committed", RowChanged),
                                                   ("repeatable read", SerializationFailure)])
def test_a_creation_racing_a_commit_of_the_same_signature(store, isolation, outcome):
    """The statement checked for the signature before the other transaction committed: storage
    sends it round again (RowChanged), and then it finds the function, as after a wait; under
    REPEATABLE READ its snapshot would not see it, so it fails to serialize (40001)."""
    first, second = store.begin(), store.begin(isolation=isolation)
    _create(store, first, "racing")
    with pytest.raises(WouldBlock):
        _create(store, second, "racing")
    committed_first = store.commit(first)
    if committed_first is not None:
        committed_first.result()
    with pytest.raises(outcome):
        _create(store, second, "racing")
    store.abort(second)
