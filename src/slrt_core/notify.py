"""Notifications: what the service tells people after a commit, in two languages.

Notifications are derived from events by :func:`notifications_for`, written to the
outbox in the same transaction as the events, and delivered after the commit by the
:class:`~slrt_core.outbox.OutboxRelay`. They carry ids and places, never a NIK, name or
other personal data: the recipient opens the case in their own app.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

import attrs

from slrt_core.calendar import local_date_in, local_time_text
from slrt_core.case._events import (
    CaseApproved,
    CaseClosed,
    CaseRegistered,
    CaseReturned,
    CaseSubmitted,
    ConsentWithdrawn,
    Event,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
)
from slrt_core.case._model import Case
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.referral._model import ReferralReason, ReferralStatus

__all__ = ["NO_REROUTE", "Notification", "notifications_for", "reroutes"]


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
    "referral_reminder": {
        "en": (
            "Reminder: referral {referral_id} is due",
            (
                "Referral {referral_id} for service {service_id} reached its deadline ({due}). "
                "Please answer it in your application."
            ),
        ),
        "id": (
            "Pengingat: rujukan {referral_id} jatuh tempo",
            (
                "Rujukan {referral_id} untuk layanan {service_id} sudah mencapai batas waktu "
                "({due}). Mohon ditanggapi di aplikasi Anda."
            ),
        ),
    },
    "referral_overdue": {
        "en": (
            "Referral {referral_id} is overdue",
            (
                "Referral {referral_id} of case {case_id} (service {service_id}) is overdue since "
                "{due}. Follow it up with the provider."
            ),
        ),
        "id": (
            "Rujukan {referral_id} terlambat",
            (
                "Rujukan {referral_id} kasus {case_id} (layanan {service_id}) terlambat sejak "
                "{due}. Tindak lanjuti dengan penyedia layanan."
            ),
        ),
    },
    "referral_escalated": {
        "en": (
            "Escalation: referral {referral_id} overdue",
            (
                "Referral {referral_id} of case {case_id} (service {service_id}, provider "
                "{provider_id}) is still unanswered since {due}. It is escalated to you; it "
                "expires and goes to the next service if nothing happens."
            ),
        ),
        "id": (
            "Eskalasi: rujukan {referral_id} terlambat",
            (
                "Rujukan {referral_id} kasus {case_id} (layanan {service_id}, penyedia "
                "{provider_id}) belum ditanggapi sejak {due}. Rujukan ini dieskalasikan kepada "
                "Anda; bila tetap tidak ada tanggapan, rujukan berakhir dan dialihkan ke layanan "
                "berikutnya."
            ),
        ),
    },
    "referral_expired": {
        "en": (
            "Referral {referral_id} expired",
            (
                "Referral {referral_id} (service {service_id}) got no answer by its deadline and "
                "was withdrawn. Do not act on it any more."
            ),
        ),
        "id": (
            "Rujukan {referral_id} kedaluwarsa",
            (
                "Rujukan {referral_id} (layanan {service_id}) tidak ditanggapi sampai batas waktu "
                "dan ditarik kembali. Jangan ditindaklanjuti lagi."
            ),
        ),
    },
    "referral_unrouted": {
        "en": (
            "Need {need_id} of case {case_id} has no service left",
            (
                "Referral {referral_id} ended ({status}) and no other service in the directory, "
                "covered by the client's consent, can take need {need_id}. Refer it by hand, "
                "record consent for another provider, or resolve it another way."
            ),
        ),
        "id": (
            "Kebutuhan {need_id} kasus {case_id} tidak punya layanan lain",
            (
                "Rujukan {referral_id} berakhir ({status}) dan tidak ada layanan lain di "
                "direktori, yang tercakup persetujuan klien, untuk kebutuhan {need_id}. Rujuk "
                "secara manual, catat persetujuan untuk penyedia lain, atau selesaikan dengan cara "
                "lain."
            ),
        ),
    },
    "consent_withdrawn": {
        "en": (
            "Consent {record_id} of case {case_id} withdrawn",
            (
                "Consent or lawful basis {record_id} of case {case_id} was withdrawn: send no more "
                "data under it. Open referrals: {open}. Cancel them if the client asks."
            ),
        ),
        "id": (
            "Persetujuan {record_id} kasus {case_id} dicabut",
            (
                "Persetujuan atau dasar hukum {record_id} kasus {case_id} dicabut: jangan kirim "
                "data lagi berdasarkan itu. Rujukan terbuka: {open}. Batalkan bila klien meminta."
            ),
        ),
    },
    "case_closed": {
        "en": ("Case {case_id} closed", "Case {case_id} closed: {reason}."),
        "id": ("Kasus {case_id} ditutup", "Kasus {case_id} ditutup: {reason}."),
    },
}


class _Texts(Mapping[str, str]):
    """A notification's subjects or bodies by language, rendered when first read.

    Most notifications wait in an outbox and many are never read in a simulation, so the
    templates are formatted on access (once per language), not on every command. It
    compares equal to the plain dict of the same texts.
    """

    __slots__ = ("_done", "_fields", "_part", "_topic")

    def __init__(self, topic: str, part: int, fields: Mapping[str, str]) -> None:
        self._topic = topic
        self._part = part
        self._fields = fields
        self._done: dict[str, str] = {}

    def __getitem__(self, language: str) -> str:
        text = self._done.get(language)
        if text is None:
            template = _TEMPLATES[self._topic][language][self._part]
            text = self._done[language] = template.format(**self._fields)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(_TEMPLATES[self._topic])

    def __len__(self) -> int:
        return len(_TEMPLATES[self._topic])

    def __repr__(self) -> str:
        return repr(dict(self))


def _make(
    event: Event,
    topic: str,
    recipient: str,
    fields: Mapping[str, str],
    referral_id: str | None = None,
) -> Notification:
    return Notification(
        message_id=f"{event.case_id}:{event.version}:{topic}:{recipient}",
        topic=topic,
        recipient=recipient,
        case_id=event.case_id,
        referral_id=referral_id,
        subject=_Texts(topic, 0, fields),
        body=_Texts(topic, 1, fields),
        created_at=event.at,
    )


@functools.lru_cache(maxsize=4096)
def _district(region: RegionCode) -> RegionCode:
    """The kabupaten/kota of a village (cached: every notification asks)."""
    parent = region.parent
    return (parent.parent or parent) if parent is not None else region


#: The events that may cause a notification (the branches of :func:`notifications_for`).
_NOTIFYING = (
    CaseRegistered,
    CaseSubmitted,
    CaseReturned,
    CaseApproved,
    ReferralRequested,
    ReferralStatusChanged,
    ReferralEscalated,
    ConsentWithdrawn,
    CaseClosed,
)


def notifications_for(case: Case, event: Event) -> Iterator[Notification]:
    """The notifications *event* causes, given *case* after the event."""
    p = event.payload
    if not isinstance(p, _NOTIFYING):  # most events notify nobody: skip the set-up
        return
    base = {"case_id": case.case_id, "region": str(case.region)}
    district = _district(case.region)
    back_office = f"role:back_office@{district}"
    if isinstance(p, CaseRegistered) and p.emergency:
        yield _make(event, "case_registered_emergency", back_office, base)
    elif isinstance(p, CaseSubmitted):
        yield _make(event, "case_submitted", f"role:supervisor@{district}", base)
    elif isinstance(p, CaseReturned):
        yield _make(event, "case_returned", f"actor:{_assessor(case)}", {**base, "note": p.note})
    elif isinstance(p, CaseApproved):
        yield _make(event, "case_approved", f"role:front_office@{district}", base)
    elif isinstance(p, ReferralRequested | ReferralStatusChanged | ReferralEscalated):
        yield from _referral_notifications(case, event, base, back_office)
    elif isinstance(p, ConsentWithdrawn):
        still_open = ", ".join(r.referral_id for r in case.open_referrals) or "-"
        fields = {**base, "record_id": p.record_id, "open": still_open}
        yield _make(event, "consent_withdrawn", back_office, fields)
    elif isinstance(p, CaseClosed):
        yield _make(event, "case_closed", back_office, {**base, "reason": p.reason.value})


_INSTANT = timedelta(microseconds=1)


def _referral_notifications(
    case: Case, event: Event, base: Mapping[str, str], back_office: str
) -> Iterator[Notification]:
    p = event.payload
    if isinstance(p, ReferralRequested):
        # The region's date the deadline ends (a deadline is the end of a local day).
        day = local_date_in(case.region, p.due_at - _INSTANT) if p.due_at else None
        due = f" by {day}" if day else ""
        due_id = f" paling lambat {day}" if day else ""
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
        referral = case.referral(p.referral_id)
        if referral is not None and _left_unrouted(case, p):
            fields = {**fields, "need_id": referral.need_id}
            yield _make(event, "referral_unrouted", back_office, fields, p.referral_id)
    elif isinstance(p, ReferralEscalated):
        yield from _escalation(case, event, p, base, back_office)


#: Rejection reasons after which the need is not sent to the next service.
NO_REROUTE = frozenset({ReferralReason.CLIENT_DECLINED, ReferralReason.DUPLICATE})


def reroutes(status: ReferralStatus, reason: ReferralReason | None) -> bool:
    """Whether a referral ending in *status* for *reason* goes to the next service.

    A rejection does, unless the client declined or it was a duplicate; so does expiry
    (cancelled with reason ``expired``).
    """
    if status is ReferralStatus.REJECTED:
        return reason not in NO_REROUTE
    return status is ReferralStatus.CANCELLED and reason is ReferralReason.EXPIRED


def _left_unrouted(case: Case, p: ReferralStatusChanged) -> bool:
    referral = case.referral(p.referral_id)
    if referral is None or not reroutes(p.status, p.reason):
        return False
    return not any(r.need_id == referral.need_id and r.is_open for r in case.referrals)


def _escalation(
    case: Case, event: Event, p: ReferralEscalated, base: Mapping[str, str], back_office: str
) -> Iterator[Notification]:
    referral = case.referral(p.referral_id)
    fields = {
        **base,
        "referral_id": p.referral_id,
        "step": p.step,
        "service_id": referral.service_id if referral else "",
        "provider_id": referral.provider_id if referral else "",
        "due": local_time_text(case.region, p.due_at) if p.due_at else "-",  # staff's time
    }
    provider = f"provider:{fields['provider_id']}"
    regency = case.region
    while regency.level > RegionLevel.REGENCY and regency.parent is not None:
        regency = regency.parent
    province = regency.parent if regency.parent is not None else regency
    recipients = {
        "reminder": ("referral_reminder", (provider,)),
        "overdue": ("referral_overdue", (provider, back_office)),
        "escalate": (
            "referral_escalated",
            (f"role:supervisor@{regency}", f"role:back_office@{province}"),
        ),
        "expire": ("referral_expired", (provider,)),
    }
    topic, to = recipients.get(p.step, ("referral_overdue", (provider, back_office)))
    for recipient in to:
        yield _make(event, topic, recipient, fields, p.referral_id)


def _assessor(case: Case) -> str:
    return case.assessments[-1].by if case.assessments else next(iter(sorted(case.assignees)))
