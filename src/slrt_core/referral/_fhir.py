"""A referral as FHIR R4 JSON: a Task that tracks it and the ServiceRequest it fulfils.

The Task follows the shape the HL7 SDOH Clinical Care guide gives referral tasks:
``intent`` ``order``, ``code`` ``fulfill``, ``focus`` on the ServiceRequest, ``for`` the
client, ``authoredOn``, ``requester`` (the SLRT unit) and ``owner`` (the provider);
``status`` is the FHIR code (``in-progress``); ``statusReason`` carries the reason code
and text; ``businessStatus`` says ``receipt-confirmed`` once the client confirmed the
service; ``restriction.period.end`` is the current deadline; a reroute points at the
task it replaces with the core ``task-replaces`` extension (and the ServiceRequest with
``replaces``). Codes of SLRT's own vocabularies use ``urn:slrt-core:*`` systems, so the
resources do not claim the US profile itself.

No personal data goes in: the client is a pseudonymous ``Patient`` reference (by
default the case id and member id, which are not personal data), never a NIK or a name,
and the need's free-text description is left out.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slrt_core.errors import InvalidInputError
from slrt_core.referral._directory import Service, ServiceDirectory
from slrt_core.referral._model import Referral, ReferralStatus

if TYPE_CHECKING:
    from slrt_core.case._model import Case

__all__ = ["referral_to_fhir"]

TASK_REPLACES = "http://hl7.org/fhir/StructureDefinition/task-replaces"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
REASON_SYSTEM = "urn:slrt-core:referral-reason"
BUSINESS_SYSTEM = "urn:slrt-core:referral-business-status"
SERVICE_SYSTEM = "urn:slrt-core:service"
SECTOR_SYSTEM = "urn:slrt-core:sector"
REFERRAL_SYSTEM = "urn:slrt-core:referral"

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_REQUEST_STATUS = {
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.REJECTED: "revoked",
    ReferralStatus.FAILED: "revoked",
    ReferralStatus.CANCELLED: "revoked",
    ReferralStatus.ENTERED_IN_ERROR: "entered-in-error",
}
_REASON_TEXT = {
    "capacity": "The provider has no capacity",
    "not_eligible": "The client is not eligible",
    "out_of_area": "The client lives outside the service area",
    "missing_documents": "Documents are missing",
    "client_declined": "The client declined",
    "client_unreachable": "The client could not be reached",
    "duplicate": "Duplicate referral",
    "expired": "Expired: no answer within the deadline",
    "other": "Other",
}


def _fhir_id(value: str) -> str:
    """*value* if it is a valid FHIR id, else a stable id derived from it."""
    if _FHIR_ID.fullmatch(value):
        return value
    return "x" + hashlib.sha256(value.encode()).hexdigest()[:40]


def _instant(at: datetime) -> str:
    offset = at.utcoffset() or timedelta(0)
    return (at - offset).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _service(directory: ServiceDirectory | None, service_id: str) -> Service | None:
    if directory is None:
        return None
    try:
        return directory.service(service_id)
    except InvalidInputError:
        return None


def referral_to_fhir(
    case: Case,
    referral_id: str,
    *,
    directory: ServiceDirectory | None = None,
    requester: str | None = None,
    patient_id: str | None = None,
) -> dict[str, Any]:
    """The referral *referral_id* of *case* as a FHIR R4 ``Bundle`` (``collection``).

    The bundle holds the ``Task`` first and the ``ServiceRequest`` second.

    Args:
        case: the case holding the referral.
        referral_id: the referral.
        directory: where the service's name and program are looked up (optional).
        requester: the requesting organization's id; ``slrt-<regency code>`` by default.
        patient_id: the pseudonymous Patient id; ``<case id>-<member id or household>``
            by default.

    Raises:
        InvalidInputError: the case has no such referral.

    Examples:
        >>> from slrt_core import Slrt
        >>> from slrt_core.demo import demo_directory, run_demo
        >>> from slrt_core.adapters import MemoryStore
        >>> store = MemoryStore()
        >>> _ = run_demo(store)
        >>> bundle = referral_to_fhir(store.load("case-000001"), "referral-000002",
        ...                           directory=demo_directory())
        >>> task, request = (e["resource"] for e in bundle["entry"])
        >>> task["status"], task["businessStatus"]["coding"][0]["code"], task["owner"]
        ('completed', 'receipt-confirmed', {'reference': 'Organization/bpjs-semarang'})
        >>> task["extension"][0]["valueReference"], request["code"]["text"]
        ({'reference': 'Task/referral-000001'}, 'PBI-JK')
    """
    referral = case.referral(referral_id)
    if referral is None:
        raise InvalidInputError.single(
            "referral_id",
            f"Case {case.case_id!r} has no referral {referral_id!r}.",
            f"Kasus {case.case_id!r} tidak punya rujukan {referral_id!r}.",
        )
    need = case.need(referral.need_id)
    member = need.member_id if need is not None and need.member_id else "household"
    regency = case.region
    while regency.level > 2 and regency.parent is not None:  # noqa: PLR2004 - regency level
        regency = regency.parent
    patient = f"Patient/{_fhir_id(patient_id or f'{case.case_id}-{member}')}"
    requester_ref = f"Organization/{_fhir_id(requester or f'slrt-{regency.code}')}"
    service = _service(directory, referral.service_id)
    task = _task(referral, patient, requester_ref)
    request = _service_request(referral, need.sector.value if need else None, service)
    request["subject"] = {"reference": patient}
    request["requester"] = {"reference": requester_ref}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"Task/{task['id']}", "resource": task},
            {"fullUrl": f"ServiceRequest/{request['id']}", "resource": request},
        ],
    }


def _request_id(referral_id: str) -> str:
    return _fhir_id(f"{referral_id}-request")


def _task(referral: Referral, patient: str, requester: str) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": _fhir_id(referral.referral_id),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": referral.referral_id}],
    }
    if referral.replaces:
        task["extension"] = [
            {
                "url": TASK_REPLACES,
                "valueReference": {"reference": f"Task/{_fhir_id(referral.replaces)}"},
            }
        ]
    task["status"] = referral.status.fhir_code
    latest = referral.history[-1]
    if latest.reason is not None:
        text = _REASON_TEXT[latest.reason.value]
        task["statusReason"] = {
            "coding": [{"system": REASON_SYSTEM, "code": latest.reason.value}],
            "text": f"{text}: {latest.note}" if latest.note else text,
        }
    if referral.confirmed_at is not None:
        task["businessStatus"] = {
            "coding": [{"system": BUSINESS_SYSTEM, "code": "receipt-confirmed"}],
            "text": "The client confirmed receiving the service",
        }
    task.update(
        {
            "intent": "order",
            "code": {"coding": [{"system": TASK_CODE, "code": "fulfill"}]},
            "focus": {"reference": f"ServiceRequest/{_request_id(referral.referral_id)}"},
            "for": {"reference": patient},
            "authoredOn": _instant(referral.requested_at),
            "lastModified": _instant(max(c.at for c in referral.history)),
            "requester": {"reference": requester},
            "owner": {"reference": f"Organization/{_fhir_id(referral.provider_id)}"},
        }
    )
    started = referral.reached_at(ReferralStatus.ACCEPTED) or referral.reached_at(
        ReferralStatus.IN_PROGRESS
    )
    if started is not None:
        period = {"start": _instant(started)}
        if referral.status.is_terminal:
            period["end"] = _instant(latest.at)
        task["executionPeriod"] = period
    if referral.due_at is not None and referral.is_open:
        task["restriction"] = {"period": {"end": _instant(referral.due_at)}}
    if referral.status is ReferralStatus.COMPLETED:
        task["output"] = [
            {
                "type": {"text": "resulting-activity"},
                "valueCodeableConcept": {"text": "The referred service was delivered"},
            }
        ]
    return task


def _service_request(
    referral: Referral, sector: str | None, service: Service | None
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": _request_id(referral.referral_id),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": referral.referral_id}],
        "status": _REQUEST_STATUS.get(referral.status, "active"),
        "intent": "order",
    }
    if referral.replaces:
        request["replaces"] = [{"reference": f"ServiceRequest/{_request_id(referral.replaces)}"}]
    if sector is not None:
        request["category"] = [{"coding": [{"system": SECTOR_SYSTEM, "code": sector}]}]
    coding: dict[str, str] = {"system": SERVICE_SYSTEM, "code": referral.service_id}
    if service is not None:
        coding["display"] = service.name
    code: dict[str, Any] = {"coding": [coding]}
    if service is not None and service.program:
        code["text"] = service.program
    request["code"] = code
    request["authoredOn"] = _instant(referral.requested_at)
    request["performer"] = [{"reference": f"Organization/{_fhir_id(referral.provider_id)}"}]
    return request
