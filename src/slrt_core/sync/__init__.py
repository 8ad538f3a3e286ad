"""Offline-first sync: devices record commands, not rows.

A facilitator's device records commands while offline as signed envelopes (the
command's JSON, the case version the device saw, its claimed time) and uploads them in
batches; :class:`SyncEndpoint` applies each through the ordinary pipeline and answers
applied, already applied, conflict or refused. The device then downloads the feed: the
cases its actor may see that changed after its cursor, page by page. :class:`Replica`
is the reference client. The protocol's JSON Schema is :data:`SCHEMA`
(``protocol.schema.json``); the rules are in the explanation "Offline sync: the rules".

.. versionadded:: 0.1.0
"""

from slrt_core.sync._endpoint import COMMUTING, Resolution, SyncEndpoint
from slrt_core.sync._ledger import Device, SyncLedger
from slrt_core.sync._protocol import (
    COMMAND_TYPES,
    SCHEMA,
    Batch,
    BatchResult,
    CaseOutline,
    ConflictInfo,
    Envelope,
    EnvelopeResult,
    FeedChange,
    FeedPage,
    FeedRequest,
    Refusal,
    Status,
    command_from_json,
    command_to_json,
    from_json,
    sign,
    to_json,
    verify_signature,
)
from slrt_core.sync._replica import Replica, SyncReport

__all__ = [
    "Batch",
    "BatchResult",
    "COMMAND_TYPES",
    "COMMUTING",
    "CaseOutline",
    "ConflictInfo",
    "Device",
    "Envelope",
    "EnvelopeResult",
    "FeedChange",
    "FeedPage",
    "FeedRequest",
    "Refusal",
    "Replica",
    "Resolution",
    "SCHEMA",
    "Status",
    "SyncEndpoint",
    "SyncLedger",
    "SyncReport",
    "command_from_json",
    "command_to_json",
    "from_json",
    "sign",
    "to_json",
    "verify_signature",
]
