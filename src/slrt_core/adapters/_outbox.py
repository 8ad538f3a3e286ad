"""The outbox row body the database adapters share: a notification as JSON and back."""

from __future__ import annotations

import json

from slrt_core.notify import Notification
from slrt_core.ports import OutboxMessage
from slrt_core.serialization import converter


def outbox_body(notification: Notification) -> str:
    """The JSON text an outbox row stores for *notification*."""
    return json.dumps(converter.unstructure(notification))


def outbox_message(body: str, attempts: int, last_error: str, *, dead: bool) -> OutboxMessage:
    """The outbox message of a stored row."""
    return OutboxMessage(
        notification=converter.structure(json.loads(body), Notification),
        attempts=attempts,
        last_error=last_error,
        dead=dead,
    )
