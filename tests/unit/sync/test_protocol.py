"""The wire format: values round-trip through JSON, and the JSON Schema describes them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import attrs
import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.sync_support import (
    AUDITOR,
    BACK_OFFICE,
    FACILITATOR,
    FACILITATOR_2,
    PROVIDER,
    SUPERVISOR,
    World,
    register,
)

from slrt_core.application import commands as cmd
from slrt_core.case import Need
from slrt_core.errors import InvalidInputError
from slrt_core.referral import ReferralStatus
from slrt_core.sync import (
    COMMAND_TYPES,
    SCHEMA,
    Batch,
    BatchResult,
    Envelope,
    FeedPage,
    FeedRequest,
    Status,
    command_from_json,
    command_to_json,
    from_json,
    sign,
    to_json,
    verify_signature,
)
from slrt_core.vocabulary import Sector


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = {**SCHEMA, "$ref": f"#/$defs/{name}"}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _exchange() -> dict[str, Any]:
    """A real exchange: every kind of answer and a feed page for every kind of reader."""
    world = World()
    case_id = world.case_in("in_service")
    tablet, clock = world.device(skew=timedelta(hours=1))
    world.sync(tablet)
    made = tablet.record(register())
    tablet.record(
        cmd.RecordHouseholdConsent(
            actor=FACILITATOR,
            case_id=f"envelope:{made.envelope_id}",
            purposes=["referral"],
            recipients=["*"],
            evidence="signed form",
            guardian="m1",
        )
    )
    tablet.record(cmd.Submit(actor=FACILITATOR, case_id=case_id))  # refused: in service
    stale = tablet.record(cmd.Assess(actor=FACILITATOR, case_id=case_id, findings="x"))
    tablet.record(cmd.Assess(actor=FACILITATOR, case_id="envelope:missing", findings="x"))
    world.slrt.record_need(FACILITATOR_2, case_id, Need(sector=Sector.FOOD, description="Food"))
    batch = tablet.batch()
    results = world.endpoint.upload(batch)
    retried = world.endpoint.upload(attrs.evolve(batch, envelopes=batch.envelopes[:1]))
    pages = {}
    for actor in (FACILITATOR, AUDITOR, PROVIDER):
        replica, _ = world.device(actor, f"feed-{actor.actor_id}")
        pages[actor.actor_id] = world.endpoint.feed(replica.feed_request(limit=2))
    return {
        "batch": batch,
        "results": results,
        "retried": retried,
        "pages": pages,
        "stale": stale,
        "clock": clock,
    }


def test_the_schema_describes_real_encoded_values() -> None:
    exchange = _exchange()
    statuses = {r.status for r in exchange["results"].results} | {
        r.status for r in exchange["retried"].results
    }
    assert statuses == set(Status) - {Status.CONFLICT} | {Status.ALREADY_APPLIED}
    _validator("Batch").validate(to_json(exchange["batch"]))
    _validator("BatchResult").validate(to_json(exchange["results"]))
    _validator("BatchResult").validate(to_json(exchange["retried"]))
    for page in exchange["pages"].values():
        _validator("FeedPage").validate(to_json(page))
    _validator("FeedRequest").validate(to_json(FeedRequest(device_id="tab-1")))


def test_the_schema_describes_a_conflict_and_refuses_what_is_not_a_value() -> None:
    world = World()
    case_id = world.case_in("submitted")
    tablet, _ = world.device()
    world.sync(tablet)
    world.slrt.approve(SUPERVISOR, case_id)
    tablet.record(cmd.Assess(actor=FACILITATOR, case_id=case_id, findings="x"))
    results = world.endpoint.upload(tablet.batch())
    assert results.results[0].status is Status.CONFLICT
    validator = _validator("BatchResult")
    validator.validate(to_json(results))
    broken = to_json(results)
    broken["results"][0]["status"] = "merged"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)
    with pytest.raises(jsonschema.ValidationError):
        _validator("Envelope").validate({"device_id": "tab-1"})


def test_the_schema_lists_every_command_a_device_may_send() -> None:
    listed = SCHEMA["$defs"]["Envelope"]["properties"]["command_type"]["enum"]
    assert listed == sorted(COMMAND_TYPES)


def test_values_round_trip_through_json_text() -> None:
    exchange = _exchange()
    for value, cls in (
        (exchange["batch"], Batch),
        (exchange["results"], BatchResult),
        (exchange["pages"]["fac-1"], FeedPage),
    ):
        assert from_json(json.loads(json.dumps(to_json(value))), cls) == value


def test_commands_travel_without_actor_key_and_version() -> None:
    command = cmd.UpdateReferral(
        actor=PROVIDER,
        referral_id="r1",
        status=ReferralStatus.ACCEPTED,
        idempotency_key="k",
        expected_version=4,
    )
    name, fields = command_to_json(command)
    assert name == "UpdateReferral"
    assert set(fields) == {"referral_id", "status", "reason", "note"}
    back = command_from_json(name, fields, actor=PROVIDER, idempotency_key="k", expected_version=4)
    assert command_to_json(back) == (name, fields)
    assert back.actor == PROVIDER
    assert back.expected_version == 4


def test_commands_a_device_does_not_send_are_refused() -> None:
    erase = cmd.Erase(actor=SUPERVISOR, case_id="c", request_ref="r")
    with pytest.raises(InvalidInputError, match="not a command a device may send"):
        command_to_json(erase)

    class Policy:
        name = "mine"

    refer = cmd.Refer(actor=BACK_OFFICE, case_id="c", need_id="n1", policy=Policy())  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="routing policy"):
        command_to_json(refer)
    with pytest.raises(InvalidInputError, match="JSON object"):
        command_from_json(
            "Submit", [], actor=FACILITATOR, idempotency_key=None, expected_version=None
        )  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="list of texts") as caught:
        command_from_json(
            "RecordConsent",
            {
                "case_id": "c",
                "subject": "m1",
                "grantor": "m1",
                "purposes": "referral",
                "recipients": ["*"],
                "evidence": "form",
            },
            actor=FACILITATOR,
            idempotency_key=None,
            expected_version=None,
        )
    assert caught.value.problems[0].path == "purposes"


def test_signatures_cover_every_field() -> None:
    key = Ed25519PrivateKey.generate()
    world = World()
    tablet, _ = world.device()
    envelope = sign(tablet.record(register()), key)
    assert verify_signature(envelope, key.public_key())
    assert not verify_signature(envelope, Ed25519PrivateKey.generate().public_key())
    for change in (
        {"base_version": 3},
        {"claimed_at": envelope.claimed_at + timedelta(seconds=1)},
        {"command_type": "Submit"},
        {"signature": "not base64!"},
    ):
        assert not verify_signature(attrs.evolve(envelope, **change), key.public_key())
    assert isinstance(envelope, Envelope)


def test_claimed_time_is_written_only_when_set_so_old_events_keep_their_bytes() -> None:
    from slrt_core.case import Event
    from slrt_core.case._events import CaseSubmitted
    from slrt_core.serialization import event_from_json, event_to_json
    from slrt_core.testing import FrozenClock
    from slrt_core.vocabulary import Role

    at = FrozenClock().now()
    old = Event(
        case_id="c1",
        version=3,
        at=at,
        actor_id="fac-1",
        role=Role.FACILITATOR,
        payload=CaseSubmitted(),
    )
    body = event_to_json(old)
    assert b"claimed_at" not in body
    assert body == (
        b'{"actor_id":"fac-1","at":"2026-01-05T08:00:00+00:00","case_id":"c1",'
        b'"payload":{"type":"case_submitted"},"reason":"","role":"facilitator","schema":1,'
        b'"version":3}'
    )
    assert event_from_json(body) == old
    synced = attrs.evolve(old, claimed_at=at - timedelta(hours=5))
    assert event_from_json(event_to_json(synced)) == synced


def test_the_signature_covers_the_json_the_device_sent() -> None:
    """A client that spells times with Z signs its own bytes; the server checks those."""
    import base64

    from slrt_core.serialization import canonical_json

    world = World()
    tablet, _ = world.device()
    envelope = to_json(tablet.record(register()))
    envelope["claimed_at"] = envelope["claimed_at"].replace("+00:00", "Z")
    del envelope["signature"]
    envelope["signature"] = base64.b64encode(tablet._key.sign(canonical_json(envelope))).decode()
    results = world.endpoint.upload_json({"device_id": tablet.device_id, "envelopes": [envelope]})
    assert results["results"][0]["status"] == "applied"
