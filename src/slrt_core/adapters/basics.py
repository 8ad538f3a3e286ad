"""Clock, id and event-codec adapters for production and for deterministic runs."""

from __future__ import annotations

import itertools
import re
import threading
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from slrt_core.case._events import Event
from slrt_core.errors import (
    CaseErasedError,
    CaseNotFoundError,
    ReferralNotFoundError,
    StorageError,
)
from slrt_core.identity import RegionCode
from slrt_core.serialization import event_from_json, event_to_json

if TYPE_CHECKING:
    from slrt_core.ports import Store

_Ids = TypeVar("_Ids")

__all__ = ["PlainCodec", "SequentialIds", "SystemClock", "UuidIds", "resumed"]


class PlainCodec:
    """The default event codec of the stores: canonical JSON, personal data in clear.

    Use :class:`~slrt_core.crypto.SealingCodec` to encrypt personal data at rest.
    """

    can_erase = False

    def encode(self, event: Event, /) -> bytes:
        """Canonical JSON."""
        return event_to_json(event)

    def decode(self, body: bytes, /) -> Event:
        """The event in canonical JSON."""
        return event_from_json(body)

    def erase(self, case_id: str, /) -> None:
        """Refuse: personal data stored in clear cannot be erased by destroying a key."""
        msg = (
            f"Case {case_id!r} is stored in clear, so its personal data cannot be erased "
            "by destroying a key. Open the store with codec=SealingCodec(vault) "
            "(slrt_core.crypto) to encrypt personal data at rest and allow erasure."
        )
        raise StorageError(
            msg,
            message_id=f"Kasus {case_id!r} disimpan tanpa enkripsi, sehingga data pribadinya "
            "tidak dapat dihapus dengan memusnahkan kunci. Buka penyimpanan dengan "
            "`codec=SealingCodec(vault)` (`slrt_core.crypto`) untuk mengenkripsi data pribadi.",
        )


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current time (aware, UTC)."""
        return datetime.now(UTC)


class UuidIds:
    """Random, collision-free ids: ``"case-3f2a..."`` (UUID4, 128 bits)."""

    def new_id(self, kind: str, /) -> str:
        """A new id with *kind* as prefix."""
        return f"{kind}-{uuid.uuid4().hex}"


class SequentialIds:
    """Readable, deterministic ids per kind: ``"case-000001"``; for simulations and tests.

    On a store that already holds cases (a SQLite file opened again), the factory resumes
    after the highest id of each kind found there, so a restarted program never hands out
    an id that is taken: :class:`~slrt_core.Slrt` binds its factory to its store
    (:func:`resumed`), and the store is read once, on the first id asked for.

    Args:
        prefix: put before every id, to keep several factories apart.
        store: the store to resume from; ``None`` starts every kind at 1.

    Examples:
        >>> ids = SequentialIds()
        >>> ids.new_id("case"), ids.new_id("case"), ids.new_id("referral")
        ('case-000001', 'case-000002', 'referral-000001')
    """

    def __init__(self, prefix: str = "", *, store: Store | None = None) -> None:
        self._prefix = prefix
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()
        self._store = store
        self._highest: dict[str, int] | None = None

    def bind(self, store: Store) -> SequentialIds:
        """Resume from *store* unless already bound to a store; returns this factory."""
        with self._lock:
            if self._store is None and not self._counters:
                self._store = store
        return self

    def new_id(self, kind: str, /) -> str:
        """The next id of *kind*."""
        with self._lock:
            counter = self._counters.get(kind)
            if counter is None:
                counter = self._counters[kind] = itertools.count(self._resume_after(kind) + 1)
            return f"{self._prefix}{kind}-{next(counter):06d}"

    def _resume_after(self, kind: str) -> int:
        """The highest number of *kind* already used in the store (0 for none)."""
        store = self._store
        if store is None:
            return 0
        if self._highest is None:
            self._highest = self._scan(store)
        highest = self._highest.get(kind, 0)
        # Cases the listing leaves out (erased ones) still hold their ids and referrals.
        while self._taken(store, kind, f"{self._prefix}{kind}-{highest + 1:06d}"):
            highest += 1
        return highest

    def _scan(self, store: Store) -> dict[str, int]:
        pattern = re.compile(re.escape(self._prefix) + r"([a-z_]+)-([0-9]+)")
        highest: dict[str, int] = {}

        def note(found_id: str) -> None:
            match = pattern.fullmatch(found_id)
            if match is not None:
                kind, number = match.group(1), int(match.group(2))
                highest[kind] = max(highest.get(kind, 0), number)

        listed = store.find_cases(within=RegionCode.INDONESIA)
        for damaged in getattr(listed, "skipped", ()):  # its id stays taken
            note(damaged.case_id)
        for case in listed:
            note(case.case_id)
            for referral in case.referrals:
                note(referral.referral_id)
            for consent in case.consents:
                note(consent.consent_id)
            for basis in case.lawful_bases:
                note(basis.basis_id)
        return highest

    @staticmethod
    def _taken(store: Store, kind: str, candidate: str) -> bool:
        try:
            if kind == "case":
                store.load(candidate)
            elif kind == "referral":
                store.case_id_of_referral(candidate)
            else:
                return False
        except CaseErasedError:  # erased (a kind of not found): its id stays taken
            return True
        except (CaseNotFoundError, ReferralNotFoundError):
            return False
        return True  # any other error (a damaged store) goes to the caller


def resumed(ids: _Ids, store: Store) -> _Ids:
    """*ids* bound to *store* when it is a :class:`SequentialIds` (see there); else *ids*."""
    if isinstance(ids, SequentialIds):
        ids.bind(store)
    return ids


def check_schema_version(current: int, supported: int, where: str, *, migrate: bool) -> None:
    """Refuse a database newer than the library, or older when it may not be migrated.

    Args:
        current: the database's schema version.
        supported: the library's schema version.
        where: the database, as the message names it (a path or a host).
        migrate: whether an older database may be upgraded now.

    Raises:
        StorageError: saying which version the database has and what to do.
    """
    if current > supported:
        msg = (
            f"The database {where} has schema version {current}, newer than this library's "
            f"{supported}. Upgrade slrt_core to open it."
        )
        raise StorageError(msg)
    if current < supported and not migrate:
        msg = (
            f"The database {where} has schema version {current}; this library needs "
            f"{supported}. Run `slrt db upgrade` first."
        )
        raise StorageError(msg)
