"""The store contract, run against the in-memory store."""

from __future__ import annotations

from slrt_core.adapters import MemoryStore
from slrt_core.case import Case, Event
from slrt_core.errors import CorruptRecordError
from slrt_core.ports import EventCodec, Store
from slrt_core.testing import StoreContract


class TestMemoryStore(StoreContract):
    """MemoryStore keeps every promise of the Store protocol."""

    def make_store(self) -> Store:
        return MemoryStore()

    def make_sealed_store(self, codec: EventCodec) -> Store:
        return MemoryStore(codec=codec)

    def damage(self, store: Store, case_id: str, version: int) -> Store:
        # Memory holds objects, not bytes that could rot: a case that no longer loads is
        # what a damaged record looks like to the rest of the library.
        assert isinstance(store, MemoryStore)
        return _Damaged(store, case_id, version)


class _Damaged(MemoryStore):
    """*store* as it is, but one case's event *version* does not decode."""

    def __init__(self, store: MemoryStore, case_id: str, version: int) -> None:
        self.__dict__.update(store.__dict__)
        self._damaged = (case_id, version)

    def _check(self, case_id: str) -> None:
        if case_id == self._damaged[0]:
            raise CorruptRecordError(case_id, self._damaged[1], "damaged by the test")

    def load(self, case_id: str, /) -> Case:
        self._check(case_id)
        return super().load(case_id)

    def events(self, case_id: str, /) -> list[Event]:
        self._check(case_id)
        return super().events(case_id)
