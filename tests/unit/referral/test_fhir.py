"""FHIR R4 export: Task + ServiceRequest of a referral, with no personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.unit.referral.builders import T0, health_directory, make_case, make_referral

from slrt_core import InvalidInputError, Need, Nik, Sector
from slrt_core.referral import ReferralReason, ReferralStatus, referral_to_fhir

S = ReferralStatus


def resources(bundle: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    task, request = (e["resource"] for e in bundle["entry"])
    return task, request


def test_requested_referral() -> None:
    """An open referral: the SDOH Task shape, a deadline, and an active ServiceRequest."""
    due = datetime(2026, 8, 5, 17, 0, tzinfo=UTC)
    r = make_referral("referral-000001", "pbi-bpjs", "bpjs", [(S.REQUESTED, T0)], due_at=due)
    bundle = referral_to_fhir(
        make_case(referrals=[r]), "referral-000001", directory=health_directory()
    )
    task, request = resources(bundle)
    assert task["resourceType"] == "Task"
    assert task["status"] == "requested"
    assert task["intent"] == "order"
    assert task["code"]["coding"][0]["code"] == "fulfill"
    assert task["focus"] == {"reference": "ServiceRequest/referral-000001-request"}
    assert task["for"] == {"reference": "Patient/case-1-household"}
    assert task["authoredOn"] == "2026-08-03T02:00:00Z"
    assert task["requester"] == {"reference": "Organization/slrt-33.74"}
    assert task["owner"] == {"reference": "Organization/bpjs"}
    assert task["restriction"] == {"period": {"end": "2026-08-05T17:00:00Z"}}
    assert "statusReason" not in task
    assert "executionPeriod" not in task
    assert request["status"] == "active"
    assert request["intent"] == "order"
    assert request["subject"] == task["for"]
    assert request["code"]["coding"][0]["display"] == "PBI-JK enrolment"
    assert request["code"]["text"] == "PBI_JK"
    assert request["category"][0]["coding"][0]["code"] == "health"
    assert request["performer"] == [{"reference": "Organization/bpjs"}]


def test_rejected_and_rerouted() -> None:
    """A rejection has a statusReason; the reroute replaces it in Task and ServiceRequest."""
    old = make_referral(
        "r1",
        "village-health",
        "puskesos",
        [(S.REQUESTED, T0), (S.REJECTED, T0, ReferralReason.CAPACITY)],
    )
    new = make_referral("r2", "pbi-dinsos", "dinsos", [(S.REQUESTED, T0)], replaces="r1")
    case = make_case(referrals=[old, new])
    task, request = resources(referral_to_fhir(case, "r1"))
    assert task["status"] == "rejected"
    assert task["statusReason"]["coding"][0]["code"] == "capacity"
    assert task["statusReason"]["text"] == "The provider has no capacity: quota used up"
    assert request["status"] == "revoked"
    assert "display" not in request["code"]["coding"][0]
    task, request = resources(referral_to_fhir(case, "r2"))
    assert task["extension"] == [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/task-replaces",
            "valueReference": {"reference": "Task/r1"},
        }
    ]
    assert request["replaces"] == [{"reference": "ServiceRequest/r1-request"}]


def test_completed_and_confirmed() -> None:
    """A completed referral has its execution period, output and receipt confirmation."""
    r = make_referral(
        "r1",
        "pbi-bpjs",
        "bpjs",
        [
            (S.REQUESTED, T0),
            (S.ACCEPTED, T0 + timedelta(days=1)),
            (S.COMPLETED, T0 + timedelta(days=2)),
        ],
        confirmed_at=T0 + timedelta(days=3),
        due_at=T0,
    )
    case = make_case(
        referrals=[r], needs=[Need(sector=Sector.EDUCATION, need_id="n1", member_id="m2")]
    )
    task, request = resources(
        referral_to_fhir(case, "r1", requester="dinsos-3374", patient_id="p-77")
    )
    assert task["status"] == "completed"
    assert task["businessStatus"]["coding"][0]["code"] == "receipt-confirmed"
    assert task["executionPeriod"] == {
        "start": "2026-08-04T02:00:00Z",
        "end": "2026-08-05T02:00:00Z",
    }
    assert task["output"][0]["type"]["text"] == "resulting-activity"
    assert "restriction" not in task
    assert task["for"] == {"reference": "Patient/p-77"}
    assert task["requester"] == {"reference": "Organization/dinsos-3374"}
    assert request["status"] == "completed"
    assert request["category"][0]["coding"][0]["code"] == "education"


def test_entered_in_error_and_other_reason() -> None:
    """Entered in error maps to the same code in both resources; 'other' keeps its note."""
    r = make_referral(
        "r1", "x", "y", [(S.REQUESTED, T0), (S.ENTERED_IN_ERROR, T0, ReferralReason.OTHER)]
    )
    case = make_case(referrals=[r])
    task, request = resources(referral_to_fhir(case, "r1", directory=health_directory()))
    assert task["status"] == "entered-in-error"
    assert "display" not in request["code"]["coding"][0]
    assert request["status"] == "entered-in-error"
    assert task["statusReason"]["text"] == "Other: quota used up"


def test_no_personal_data() -> None:
    """Neither the NIK, the names nor the need's description appear in the export."""
    import attrs

    case = make_case(
        referrals=[make_referral("r1", "pbi-bpjs", "bpjs", [(S.REQUESTED, T0)])],
        needs=[Need(sector=Sector.HEALTH, description="Budi has tuberculosis", need_id="n1")],
    )
    nik = Nik("3374010101800001")
    head = attrs.evolve(case.household.members[0], nik=nik)
    household = attrs.evolve(case.household, members=(head, *case.household.members[1:]))
    case = attrs.evolve(case, household=household)
    text = json.dumps(referral_to_fhir(case, "r1", directory=health_directory()))
    for secret in ("3374010101800001", "Budi", "Sari", "tuberculosis"):
        assert secret not in text


def test_ids_that_are_not_fhir_ids_are_hashed() -> None:
    """An id with characters FHIR ids forbid becomes a stable hashed id; the identifier keeps it."""
    r = make_referral("ref_1/a", "pbi-bpjs", "bpjs", [(S.REQUESTED, T0)])
    task, _ = resources(referral_to_fhir(make_case(referrals=[r]), "ref_1/a"))
    assert task["id"].startswith("x")
    assert len(task["id"]) == 41
    assert task["identifier"][0]["value"] == "ref_1/a"


def test_unknown_referral() -> None:
    """Asking for a referral the case does not have raises InvalidInputError."""
    with pytest.raises(InvalidInputError, match="no referral 'r9'"):
        referral_to_fhir(make_case(), "r9")
