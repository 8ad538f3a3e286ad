"""Clock, id and event-codec adapters for production and for deterministic runs."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, datetime

from slrt_core.case._events import Event
from slrt_core.errors import StorageError
from slrt_core.serialization import event_from_json, event_to_json

__all__ = ["PlainCodec", "SequentialIds", "SystemClock", "UuidIds"]


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
            "codec=SealingCodec(vault) (slrt_core.crypto) untuk mengenkripsi data pribadi.",
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

    Args:
        prefix: put before every id, to keep several factories apart.

    Examples:
        >>> ids = SequentialIds()
        >>> ids.new_id("case"), ids.new_id("case"), ids.new_id("referral")
        ('case-000001', 'case-000002', 'referral-000001')
    """

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def new_id(self, kind: str, /) -> str:
        """The next id of *kind*."""
        with self._lock:
            counter = self._counters.setdefault(kind, itertools.count(1))
            return f"{self._prefix}{kind}-{next(counter):06d}"


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
