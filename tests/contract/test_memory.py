"""The store contract, run against the in-memory store."""

from __future__ import annotations

from slrt_core.adapters import MemoryStore
from slrt_core.ports import Store
from slrt_core.testing import StoreContract


class TestMemoryStore(StoreContract):
    """MemoryStore keeps every promise of the Store protocol."""

    def make_store(self) -> Store:
        return MemoryStore()
