"""Notifications: what the service tells people after a commit, in two languages.

Notifications are derived from events by :func:`notifications_for`, written to the
outbox in the same transaction as the events, and delivered after the commit by the
:class:`~slrt_core.outbox.OutboxRelay`. They carry ids and places, never a NIK, name or
other personal data: the recipient opens the case in their own app. Free text (the note of
a return for correction or of a referral's status change) never goes into a
notification: it may hold a name or a NIK, and it stays sealed in the case. A status
change says its status and reason as codes shown by their labels.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import cast

import attrs

from slrt_core import formatting
from slrt_core.case._events import (
    CaseApproved,
    CaseClosed,
    CaseRegistered,
    CaseReturned,
    CaseSubmitted,
    CaseTransferred,
    ConsentWithdrawn,
    DuplicateSuspected,
    Event,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
    WorkerAssigned,
)
from slrt_core.case._model import Case
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.labels import label
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.referral._sla import Hop
from slrt_core.texts import TEXTS, LanguageCode

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


#: A field of a template: text as it is, a deadline (shown in the case's local time, see
#: :func:`slrt_core.formatting.deadline`), or a vocabulary member (shown by its label).
Field = str | datetime | enum.Enum


class _Texts(Mapping[str, str]):
    """A notification's subject or body by language, rendered when first read.

    The templates are the catalogue's (:mod:`slrt_core.texts`). Most notifications wait
    in an outbox and many are never read in a simulation, so they are formatted on
    access (once per language), not on every command. It compares equal to the plain
    dict of the same texts, and pickles as one.
    """

    __slots__ = ("_done", "_fields", "_key")

    def __init__(self, key: str, fields: Mapping[str, Field]) -> None:
        self._key = key
        self._fields = fields
        self._done: dict[str, str] = {}

    def __getitem__(self, language: str) -> str:
        text = self._done.get(language)
        if text is None:
            template = TEXTS[self._key][language]
            lang = cast("LanguageCode", language)
            province = str(self._fields.get("region", ""))[:2]
            values = {k: _show(v, lang, province) for k, v in self._fields.items()}
            text = self._done[language] = template.format(**values)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(TEXTS[self._key])

    def __len__(self) -> int:
        return len(TEXTS[self._key])

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self) -> tuple[type[dict[str, str]], tuple[dict[str, str]]]:
        return dict, (dict(self),)


def template_of(texts: Mapping[str, str]) -> tuple[str, Mapping[str, Field]] | None:
    """The catalogue key and fields of texts rendered on access; ``None`` for plain texts.

    Outbox adapters store these instead of the rendered texts (rendering is most of the
    cost of a notification), and rebuild the texts with :func:`texts_from_template`.
    """
    if isinstance(texts, _Texts):
        return texts._key, texts._fields  # noqa: SLF001 - the class of this module
    return None


def texts_from_template(key: str, fields: Mapping[str, Field]) -> Mapping[str, str]:
    """Texts of the catalogue's *key* with *fields*, rendered when first read."""
    return _Texts(key, fields)


#: The notes slrt_core itself records on events (``note.*`` of the catalogue), by their
#: stored English text: a notification shows them in its reader's language.
_SYSTEM_NOTES = {texts["en"]: texts for key, texts in TEXTS.items() if key.startswith("note.")}


def _show(value: Field, language: LanguageCode, province: str) -> str:
    if isinstance(value, datetime):
        # Every date and time in a notification is a deadline.
        return formatting.deadline(value, language, province=province or "31")
    if isinstance(value, enum.Enum):
        return label(value, language)
    note = _SYSTEM_NOTES.get(value)
    return value if note is None else note[language]


def _make(
    event: Event,
    topic: str,
    recipient: str,
    fields: Mapping[str, Field],
    referral_id: str | None = None,
    *,
    variant: str = "",
) -> Notification:
    """One notification; *variant* picks the body for an audience or a hop."""
    body = f"notify.{topic}.{variant}.body" if variant else f"notify.{topic}.body"
    return Notification(
        message_id=f"{event.case_id}:{event.version}:{topic}:{recipient}",
        topic=topic,
        recipient=recipient,
        case_id=event.case_id,
        referral_id=referral_id,
        subject=_Texts(f"notify.{topic}.subject", fields),
        body=_Texts(body, fields),
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
    DuplicateSuspected,
    CaseSubmitted,
    CaseReturned,
    CaseApproved,
    ReferralRequested,
    ReferralStatusChanged,
    ReferralEscalated,
    ConsentWithdrawn,
    CaseClosed,
    WorkerAssigned,
    CaseTransferred,
)


def notifications_for(case: Case, event: Event) -> Iterator[Notification]:  # noqa: C901 - a branch per event
    """The notifications *event* causes, given *case* after the event."""
    p = event.payload
    if not isinstance(p, _NOTIFYING):  # most events notify nobody: skip the set-up
        return
    base: dict[str, Field] = {"case_id": case.case_id, "region": str(case.region)}
    district = _district(case.region)
    back_office = f"role:back_office@{district}"
    if isinstance(p, CaseRegistered) and p.emergency:
        yield _make(event, "case_registered_emergency", back_office, base)
    elif isinstance(p, CaseSubmitted):
        yield _make(event, "case_submitted", f"role:supervisor@{district}", base)
    elif isinstance(p, CaseReturned):
        # The note stays in the case (sealed with it): a notification names, never quotes.
        yield _make(event, "case_returned", f"actor:{_assessor(case)}", base)
    elif isinstance(p, CaseApproved):
        yield _make(event, "case_approved", f"role:front_office@{district}", base)
    elif isinstance(p, ReferralRequested | ReferralStatusChanged | ReferralEscalated):
        yield from _referral_notifications(case, event, base, back_office)
    elif isinstance(p, ConsentWithdrawn):
        still_open = ", ".join(r.referral_id for r in case.open_referrals) or "-"
        fields = {**base, "record_id": p.record_id, "open": still_open}
        yield _make(event, "consent_withdrawn", back_office, fields)
    elif isinstance(p, CaseClosed):
        yield _make(event, "case_closed", back_office, {**base, "reason": p.reason})
    elif isinstance(p, WorkerAssigned):
        yield _make(event, "worker_assigned", f"actor:{p.worker_id}", base)
    elif isinstance(p, CaseTransferred):
        yield _make(event, "case_transferred", back_office, base)
    elif isinstance(p, DuplicateSuspected):
        others = ", ".join(m.case_id for m in p.matches)
        yield _make(
            event, "duplicate_suspected", f"role:supervisor@{district}", {**base, "others": others}
        )


def _referral_notifications(
    case: Case, event: Event, base: Mapping[str, Field], back_office: str
) -> Iterator[Notification]:
    p = event.payload
    if isinstance(p, ReferralRequested):
        fields: dict[str, Field] = {
            **base,
            "referral_id": p.referral_id,
            "service_id": p.service_id,
        }
        variant = "undated"
        if p.due_at is not None:
            fields["due"] = p.due_at
            variant = ""
        to = f"provider:{p.provider_id}"
        yield _make(event, "referral_requested", to, fields, p.referral_id, variant=variant)
    elif isinstance(p, ReferralStatusChanged):
        # Codes only: the status and its reason; the free-text note stays in the case.
        fields = {**base, "referral_id": p.referral_id, "status": p.status}
        variant = ""
        if p.reason is not None:
            fields["reason"] = p.reason
            variant = "reason"
        yield _make(
            event, "referral_status_changed", back_office, fields, p.referral_id, variant=variant
        )
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
    case: Case, event: Event, p: ReferralEscalated, base: Mapping[str, Field], back_office: str
) -> Iterator[Notification]:
    referral = case.referral(p.referral_id)
    # The hop the referral is stuck at, from its status when it was escalated (its last
    # open one: the same sweep may expire it): not acknowledged, acknowledged but not
    # decided, or accepted but not completed.
    open_statuses = (
        [c.status for c in referral.history if not c.status.is_terminal] if referral else []
    )
    status = open_statuses[-1] if open_statuses else ReferralStatus.REQUESTED
    hop = _STUCK_AT.get(status, Hop.COMPLETE)
    fields: dict[str, Field] = {
        **base,
        "referral_id": p.referral_id,
        "step": p.step,
        "service_id": referral.service_id if referral else "",
        "provider_id": referral.provider_id if referral else "",
        "due": p.due_at or "-",
        "hop": hop,
    }
    provider = f"provider:{fields['provider_id']}"
    regency = case.region
    while regency.level > RegionLevel.REGENCY and regency.parent is not None:
        regency = regency.parent
    province = regency.parent if regency.parent is not None else regency
    # Each recipient with the text written for it: the provider is told to answer, the
    # back office to follow the provider up, the next tier that it now holds the referral.
    recipients: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
        "reminder": ("referral_reminder", ((provider, ""),)),
        "overdue": (
            "referral_overdue",
            ((provider, "provider"), (back_office, "back_office")),
        ),
        "escalate": (
            "referral_escalated",
            (
                (f"role:supervisor@{regency}", hop.value),
                (f"role:back_office@{province}", hop.value),
            ),
        ),
        "expire": ("referral_expired", ((provider, ""),)),
    }
    topic, to = recipients.get(p.step, recipients["overdue"])
    for recipient, variant in to:
        yield _make(event, topic, recipient, fields, p.referral_id, variant=variant)


#: The hop a referral in this status waits for (escalation texts say which).
_STUCK_AT = {
    ReferralStatus.REQUESTED: Hop.ACKNOWLEDGE,
    ReferralStatus.RECEIVED: Hop.ACCEPT,
}


def _assessor(case: Case) -> str:
    return case.assessments[-1].by if case.assessments else next(iter(sorted(case.assignees)))
