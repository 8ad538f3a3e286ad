"""Notifier adapters that need no network: recording, callback and logging."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slrt_core.notify import Notification

__all__ = ["CallbackNotifier", "LoggingNotifier", "RecordingNotifier"]


class RecordingNotifier:
    """Keeps every notification it is sent, in order; for tests and demos.

    Examples:
        >>> n = RecordingNotifier()
        >>> n.sent
        []
    """

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self._lock = threading.Lock()

    def send(self, notification: Notification, /) -> None:
        """Record *notification*."""
        with self._lock:
            self.sent.append(notification)

    def topics(self) -> list[str]:
        """The topics sent, in order."""
        return [n.topic for n in self.sent]


class CallbackNotifier:
    """Calls a function with each notification (a host app's own channel)."""

    def __init__(self, callback: Callable[[Notification], None]) -> None:
        self._callback = callback

    def send(self, notification: Notification, /) -> None:
        """Pass *notification* to the callback."""
        self._callback(notification)


class LoggingNotifier:
    """Writes each notification to a logger, without personal data (there is none in it)."""

    def __init__(self, logger: logging.Logger | None = None, *, language: str = "id") -> None:
        self._logger = logger or logging.getLogger("slrt_core.notify")
        self._language = language

    def send(self, notification: Notification, /) -> None:
        """Log *notification* at INFO."""
        self._logger.info(
            "notify %s to %s: %s",
            notification.message_id,
            notification.recipient,
            notification.subject[self._language],
        )
