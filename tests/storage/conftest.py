"""Fixtures for the storage core tests: a store on the simulated file system."""

from __future__ import annotations

import pytest
from store_helpers import DATA

from quantadb.storage.fs import SimulatedFileSystem
from quantadb.storage.store import Store


@pytest.fixture
def fs() -> SimulatedFileSystem:
    return SimulatedFileSystem()


@pytest.fixture
def store(fs):
    s = Store.open(DATA, fs=fs, capacity=64)
    yield s
    s.close()
