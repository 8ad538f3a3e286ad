"""Test doubles for host apps' tests: a frozen clock (the recording notifier lives in adapters)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

__all__ = ["FrozenClock"]


class FrozenClock:
    """A clock that stands still until told to move.

    Args:
        at: the time it shows; 2026-01-05 08:00 UTC by default.

    Examples:
        >>> clock = FrozenClock()
        >>> clock.now()
        datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.timezone.utc)
        >>> clock.advance(hours=2).now().hour
        10
    """

    def __init__(self, at: datetime | None = None) -> None:
        self._now = at or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            msg = "FrozenClock needs an aware datetime (UTC)."
            raise ValueError(msg)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The frozen time."""
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> FrozenClock:
        """Move forward by *delta* (or ``timedelta(**kwargs)``); returns the clock."""
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kwargs)
        return self

    def set(self, at: datetime) -> FrozenClock:
        """Jump to *at*; returns the clock."""
        with self._lock:
            self._now = at
        return self
