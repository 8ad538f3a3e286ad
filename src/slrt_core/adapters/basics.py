"""Clock and id adapters for production and for deterministic runs."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, datetime

__all__ = ["SequentialIds", "SystemClock", "UuidIds"]


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
