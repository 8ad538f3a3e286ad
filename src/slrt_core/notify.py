"""Notifications: what the service tells people after a commit, in two languages.

Notifications are derived from events by :func:`notifications_for`, written to the
outbox in the same transaction as the events, and delivered after the commit by the
:class:`~slrt_core.outbox.OutboxRelay`. They carry ids and places, never a NIK, name or
other personal data: the recipient opens the case in their own app.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

import attrs

from slrt_core.case._events import (
    CaseApproved,
    CaseClosed,
    CaseRegistered,
    CaseReturned,
    CaseSubmitted,
    Event,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
)
from slrt_core.case._model import Case

__all__ = ["Notification", "notifications_for"]


@attrs.frozen(kw_only=True)
class Notification:
    """A message for one recipient, delivered at least once.

    Attributes:
        message_id: the idempotency id; a receiver drops a second delivery with the same id.
        topic: what happened (``"referral_requested"``).
        recipient: ``"provider:<id>"``, ``"role:<role>@<region>"`` or ``"actor:<id>"``.
        case_id: the case concerned.
        referral_id: the referral concerned, if any.
        subject: the subject line by language (``"en"``, ``"id"``).
        body: the text by language.
        created_at: when the event happened.
    """

    message_id: str
    topic: str
    recipient: str
    case_id: str
    subject: Mapping[str, str]
    body: Mapping[str, str]
    created_at: datetime
    referral_id: str | None = None

    def text(self, language: str = "id") -> str:
        """Subject and body in *language* (Bahasa Indonesia by default)."""
        return f"{self.subject[language]}\n\n{self.body[language]}"


# Message templates: (subject, body) per language; formatted with the fields below.
_TEMPLATES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "case_registered_emergency": {
        "en": (
            "Emergency case {case_id}",
            "An emergency case was registered in {region}. Give direct service first.",
        ),
        "id": (
            "Kasus darurat {case_id}",
            "Kasus darurat terdaftar di {region}. Berikan layanan langsung lebih dahulu.",
        ),
    },
    "case_submitted": {
        "en": (
            "Case {case_id} awaits approval",
            "The assessment of case {case_id} was submitted for your approval.",
        ),
        "id": (
            "Kasus {case_id} menunggu persetujuan",
            "Hasil asesmen kasus {case_id} diajukan untuk Anda setujui.",
        ),
    },
    "case_returned": {
        "en": (
            "Case {case_id} returned",
            "The supervisor returned case {case_id} for correction: {note}",
        ),
        "id": (
            "Kasus {case_id} dikembalikan",
            "Supervisor mengembalikan kasus {case_id} untuk diperbaiki: {note}",
        ),
    },
    "case_approved": {
        "en": ("Case {case_id} approved", "Case {case_id} was approved; review it for referral."),
        "id": ("Kasus {case_id} disetujui", "Kasus {case_id} disetujui; periksa untuk dirujuk."),
    },
    "referral_requested": {
        "en": (
            "New referral {referral_id}",
            "Referral {referral_id} for service {service_id} awaits you. Acknowledge it{due}.",
        ),
        "id": (
            "Rujukan baru {referral_id}",
            (
                "Rujukan {referral_id} untuk layanan {service_id} menunggu Anda. "
                "Konfirmasi penerimaannya{due_id}."
            ),
        ),
    },
    "referral_status_changed": {
        "en": (
            "Referral {referral_id}: {status}",
            "Referral {referral_id} of case {case_id} is now {status}. {note}",
        ),
        "id": (
            "Rujukan {referral_id}: {status}",
            "Rujukan {referral_id} kasus {case_id} sekarang berstatus {status}. {note}",
        ),
    },
    "referral_escalated": {
        "en": (
            "Referral {referral_id} overdue ({step})",
            "Referral {referral_id} of case {case_id} missed its deadline. Step: {step}.",
        ),
        "id": (
            "Rujukan {referral_id} terlambat ({step})",
            "Rujukan {referral_id} kasus {case_id} melewati batas waktu. Langkah: {step}.",
        ),
    },
    "case_closed": {
        "en": ("Case {case_id} closed", "Case {case_id} closed: {reason}."),
        "id": ("Kasus {case_id} ditutup", "Kasus {case_id} ditutup: {reason}."),
    },
}


def _make(
    event: Event,
    topic: str,
    recipient: str,
    fields: Mapping[str, str],
    referral_id: str | None = None,
) -> Notification:
    texts = _TEMPLATES[topic]
    return Notification(
        message_id=f"{event.case_id}:{event.version}:{topic}:{recipient}",
        topic=topic,
        recipient=recipient,
        case_id=event.case_id,
        referral_id=referral_id,
        subject={lang: s.format(**fields) for lang, (s, _) in texts.items()},
        body={lang: b.format(**fields) for lang, (_, b) in texts.items()},
        created_at=event.at,
    )


def notifications_for(case: Case, event: Event) -> Iterator[Notification]:
    """The notifications *event* causes, given *case* after the event."""
    p = event.payload
    base = {"case_id": case.case_id, "region": str(case.region)}
    district = case.region.parent.parent if case.region.parent else case.region
    back_office = f"role:back_office@{district}"
    if isinstance(p, CaseRegistered) and p.emergency:
        yield _make(event, "case_registered_emergency", back_office, base)
    elif isinstance(p, CaseSubmitted):
        yield _make(event, "case_submitted", f"role:supervisor@{district}", base)
    elif isinstance(p, CaseReturned):
        yield _make(event, "case_returned", f"actor:{_assessor(case)}", {**base, "note": p.note})
    elif isinstance(p, CaseApproved):
        yield _make(event, "case_approved", f"role:front_office@{district}", base)
    elif isinstance(p, ReferralRequested):
        due = f" by {p.due_at:%Y-%m-%d}" if p.due_at else ""
        due_id = f" paling lambat {p.due_at:%Y-%m-%d}" if p.due_at else ""
        fields = {
            **base,
            "referral_id": p.referral_id,
            "service_id": p.service_id,
            "due": due,
            "due_id": due_id,
        }
        yield _make(event, "referral_requested", f"provider:{p.provider_id}", fields, p.referral_id)
    elif isinstance(p, ReferralStatusChanged):
        fields = {**base, "referral_id": p.referral_id, "status": p.status.value, "note": p.note}
        yield _make(event, "referral_status_changed", back_office, fields, p.referral_id)
    elif isinstance(p, ReferralEscalated):
        fields = {**base, "referral_id": p.referral_id, "step": p.step}
        referral = case.referral(p.referral_id)
        provider = referral.provider_id if referral else ""
        yield _make(event, "referral_escalated", f"provider:{provider}", fields, p.referral_id)
        yield _make(event, "referral_escalated", back_office, fields, p.referral_id)
    elif isinstance(p, CaseClosed):
        yield _make(event, "case_closed", back_office, {**base, "reason": p.reason.value})


def _assessor(case: Case) -> str:
    return case.assessments[-1].by if case.assessments else next(iter(sorted(case.assignees)))
