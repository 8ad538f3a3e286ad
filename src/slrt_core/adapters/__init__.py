"""Adapters for the ports: stores, notifiers, clocks and ids.

``PostgresStore`` needs the ``postgres`` extra and is imported from
``slrt_core.adapters.postgres``.
"""

from slrt_core.adapters.basics import SequentialIds, SystemClock, UuidIds
from slrt_core.adapters.email import SmtpNotifier
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.notifiers import CallbackNotifier, LoggingNotifier, RecordingNotifier
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.adapters.webhook import WebhookNotifier

__all__ = [
    "CallbackNotifier",
    "LoggingNotifier",
    "MemoryStore",
    "RecordingNotifier",
    "SequentialIds",
    "SmtpNotifier",
    "SqliteStore",
    "SystemClock",
    "UuidIds",
    "WebhookNotifier",
]
