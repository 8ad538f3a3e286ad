"""The outbox row body the database adapters share: a notification as JSON and back.

A notification whose texts come from the catalogue is stored unrendered: its template
keys and fields (``"template"``), rendered when the relay or a reader first asks for a
text, as in memory. Rendering every language of every notification at commit time
was the largest single cost of a command on a database store. A notification with
plain texts, and every row written before 0.1.0 stored them so, keeps its rendered
``"subject"`` and ``"body"``; both forms read back to equal notifications.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slrt_core.labels import LABELLED
from slrt_core.notify import Field, Notification, template_of, texts_from_template
from slrt_core.ports import OutboxMessage
from slrt_core.serialization import converter

#: The vocabularies a template field may hold, by class name.
_ENUMS: dict[str, type[enum.Enum]] = {kind.__name__: kind for kind in LABELLED}


def _field_out(value: Field) -> object:
    if isinstance(value, enum.Enum):
        return {"enum": type(value).__name__, "value": value.value}
    if isinstance(value, datetime):
        return {"at": converter.unstructure(value)}
    return value


def _field_in(value: Any) -> Field:
    if isinstance(value, dict):
        if "at" in value:
            return datetime.fromisoformat(value["at"])
        return _ENUMS[value["enum"]](value["value"])
    return value  # type: ignore[no-any-return]


def outbox_body(notification: Notification) -> str:
    """The JSON text an outbox row stores for *notification*."""
    subject = template_of(notification.subject)
    body = template_of(notification.body)
    if (
        subject is None
        or body is None
        or subject[1] is not body[1]
        or not all(
            type(v).__name__ in _ENUMS for v in subject[1].values() if isinstance(v, enum.Enum)
        )
    ):
        return json.dumps(converter.unstructure(notification))
    return json.dumps(
        {
            "message_id": notification.message_id,
            "topic": notification.topic,
            "recipient": notification.recipient,
            "case_id": notification.case_id,
            "referral_id": notification.referral_id,
            "created_at": converter.unstructure(notification.created_at),
            "template": {
                "subject": subject[0],
                "body": body[0],
                "fields": {k: _field_out(v) for k, v in subject[1].items()},
            },
        }
    )


def _notification(data: dict[str, Any]) -> Notification:
    template = data.pop("template", None)
    if template is None:
        return converter.structure(data, Notification)
    fields: Mapping[str, Field] = {k: _field_in(v) for k, v in template["fields"].items()}
    return Notification(
        message_id=data["message_id"],
        topic=data["topic"],
        recipient=data["recipient"],
        case_id=data["case_id"],
        referral_id=data["referral_id"],
        subject=texts_from_template(template["subject"], fields),
        body=texts_from_template(template["body"], fields),
        created_at=datetime.fromisoformat(data["created_at"]),
    )


def outbox_message(body: str, attempts: int, last_error: str, *, dead: bool) -> OutboxMessage:
    """The outbox message of a stored row."""
    return OutboxMessage(
        notification=_notification(json.loads(body)),
        attempts=attempts,
        last_error=last_error,
        dead=dead,
    )
