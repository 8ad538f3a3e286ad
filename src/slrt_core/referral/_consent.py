"""Consent and other lawful bases for sending personal data to a provider (UU PDP 27/2022).

A referral sends the household's personal data to one provider. It may go only under a
:class:`Consent` of the person concerned (a guardian's, for a child) that covers that
provider and the purpose, or another recorded :class:`LawfulBasis` such as the public
service duty of the social service. :func:`covering` finds the record that allows a
disclosure; without one, the service refuses with :class:`~slrt_core.ConsentError`.

A withdrawn consent still covers what was sent before the withdrawal, never after.

Examples:
    >>> from datetime import UTC, datetime
    >>> consent = Consent(consent_id="c1", subject="m1", grantor="m1",
    ...     purposes={Purpose.REFERRAL}, recipients={"bpjs-semarang"},
    ...     valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    ...     evidence="Signed consent form, scanned as doc-17")
    >>> consent.covers("bpjs-semarang", Purpose.REFERRAL, datetime(2026, 2, 1, tzinfo=UTC))
    True
    >>> consent.covers("dinsos-3374", Purpose.REFERRAL, datetime(2026, 2, 1, tzinfo=UTC))
    False
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime

import attrs

from slrt_core.errors import ConsentError, InvalidInputError, Problem
from slrt_core.household import Household
from slrt_core.texts import text

__all__ = [
    "ADULT_AGE",
    "ANY_RECIPIENT",
    "Consent",
    "ConsentStatus",
    "DataCategory",
    "LawfulBasis",
    "LawfulBasisKind",
    "Purpose",
    "consent_refusal",
    "covering",
]

#: Recipients entry meaning every provider.
ANY_RECIPIENT = "*"
#: Below this age a person is a child (UU 35/2014 on child protection): a guardian consents.
ADULT_AGE = 18


class Purpose(enum.StrEnum):
    """Why personal data is processed or sent."""

    REFERRAL = "referral"
    ASSESSMENT = "assessment"
    REGISTRY_PROPOSAL = "registry_proposal"
    MONITORING = "monitoring"


class DataCategory(enum.StrEnum):
    """Kinds of personal data; health, child, disability and financial data are specific data."""

    IDENTITY = "identity"
    CONTACT = "contact"
    HOUSEHOLD = "household"
    HEALTH = "health"
    DISABILITY = "disability"
    FINANCIAL = "financial"
    CHILD = "child"


class ConsentStatus(enum.StrEnum):
    """Whether a consent or basis is in force."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class LawfulBasisKind(enum.StrEnum):
    """Lawful bases other than consent (UU PDP 27/2022, Art. 20)."""

    PUBLIC_SERVICE_DUTY = "public_service_duty"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"


def _purposes(values: Iterable[Purpose | str]) -> frozenset[Purpose]:
    return frozenset(Purpose(v) for v in values)


def _categories(values: Iterable[DataCategory | str]) -> frozenset[DataCategory]:
    return frozenset(DataCategory(v) for v in values)


def _texts(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _shape_problems(
    record: object,
    *,
    texts: tuple[str, ...],
    optional_texts: tuple[str, ...] = (),
    times: tuple[str, ...] = ("valid_from",),
    optional_times: tuple[str, ...] = ("valid_until", "withdrawn_at"),
) -> list[Problem]:
    """Fields of the wrong type: checked first, as the other checks rely on the types."""
    problems = [
        Problem(name, f"{name} must be text.", f"{name} harus berupa teks.")
        for name in texts
        if not isinstance(getattr(record, name), str)
    ]
    problems += [
        Problem(name, f"{name} must be text or None.", f"{name} harus teks atau `None`.")
        for name in optional_texts
        if not isinstance(getattr(record, name), str | None)
    ]
    problems += [
        Problem(name, f"{name} must be a datetime.", f"{name} harus berupa `datetime`.")
        for name in times
        if not isinstance(getattr(record, name), datetime)
    ]
    problems += [
        Problem(
            name, f"{name} must be a datetime or None.", f"{name} harus `datetime` atau `None`."
        )
        for name in optional_times
        if not isinstance(getattr(record, name), datetime | None)
    ]
    recipients: frozenset[object] = getattr(record, "recipients")  # noqa: B009
    if any(not isinstance(r, str) for r in recipients):
        problems.append(
            Problem(
                "recipients",
                "Recipients are provider ids as text, or '*'.",
                "Penerima adalah id penyedia berupa teks, atau '*'.",
            )
        )
    return problems


def _common_problems(
    record_id: str,
    purposes: frozenset[Purpose],
    recipients: frozenset[str],
    valid_from: datetime,
    valid_until: datetime | None,
    status: ConsentStatus,
    withdrawn_at: datetime | None,
) -> list[Problem]:
    problems = []
    if not record_id.strip():
        problems.append(Problem("id", "The id is empty; give the record an id.", "Id kosong."))
    if not purposes:
        problems.append(
            Problem(
                "purposes",
                "List at least one purpose (Purpose.REFERRAL to send a referral).",
                "Cantumkan paling sedikit satu tujuan (`Purpose.REFERRAL` untuk rujukan).",
            )
        )
    if not recipients or any(not r.strip() for r in recipients):
        problems.append(
            Problem(
                "recipients",
                "List the provider ids the data may go to, or '*' for any provider.",
                "Cantumkan id penyedia yang boleh menerima data, atau '*' untuk semua penyedia.",
            )
        )
    times = [("valid_from", valid_from), ("valid_until", valid_until)]
    times.append(("withdrawn_at", withdrawn_at))
    naive = [name for name, t in times if t is not None and t.tzinfo is None]
    problems.extend(
        Problem(name, "Use an aware datetime (UTC).", "Gunakan waktu dengan zona (UTC).")
        for name in naive
    )
    if not naive and valid_until is not None and valid_until <= valid_from:
        problems.append(
            Problem(
                "valid_until",
                "valid_until must be after valid_from.",
                "`valid_until` harus sesudah `valid_from`.",
            )
        )
    if (status is ConsentStatus.WITHDRAWN) != (withdrawn_at is not None):
        problems.append(
            Problem(
                "withdrawn_at",
                "A withdrawn record has withdrawn_at, and only a withdrawn one.",
                "Hanya catatan yang dicabut yang punya `withdrawn_at`, dan wajib punya.",
            )
        )
    return problems


def _in_force(
    valid_from: datetime, valid_until: datetime | None, withdrawn_at: datetime | None, at: datetime
) -> bool:
    if at < valid_from:
        return False
    if valid_until is not None and at >= valid_until:
        return False
    return withdrawn_at is None or at < withdrawn_at


def _names(provider_id: str, recipients: frozenset[str]) -> bool:
    return ANY_RECIPIENT in recipients or provider_id in recipients


@attrs.frozen(kw_only=True)
class Consent:
    """A person's consent to send their data for some purposes to some recipients.

    Building one checks its own fields and raises :class:`~slrt_core.InvalidInputError`
    listing every problem; :meth:`problems_for` checks it against the household (a child
    needs a guardian who grants it).

    Attributes:
        consent_id: the record id.
        subject: the member whose data it is (``"m3"``).
        grantor: who gave it: the subject, or the guardian (a member id, or a description
            of a guardian outside the household).
        guardian: the guardian of a child subject (a member id, or a description); required
            when the subject is under 18.
        purposes: what the data may be used for.
        recipients: provider ids the data may go to; ``"*"`` for any provider.
        categories: kinds of data covered; empty means whatever the purpose needs.
        valid_from: when it starts.
        valid_until: when it ends (exclusive); ``None`` for no end date.
        evidence: where the proof is (a signed form's archive number, a recording id).
        status: active, or withdrawn.
        withdrawn_at: when it was withdrawn.
    """

    consent_id: str
    subject: str
    grantor: str
    guardian: str | None = None
    purposes: frozenset[Purpose] = attrs.field(converter=_purposes)
    recipients: frozenset[str] = attrs.field(converter=_texts)
    categories: frozenset[DataCategory] = attrs.field(default=frozenset(), converter=_categories)
    valid_from: datetime
    valid_until: datetime | None = None
    evidence: str
    status: ConsentStatus = ConsentStatus.ACTIVE
    withdrawn_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        shape = _shape_problems(
            self,
            texts=("consent_id", "subject", "grantor", "evidence"),
            optional_texts=("guardian",),
        )
        if shape:
            raise InvalidInputError(shape, subject="the consent")
        problems = _common_problems(
            self.consent_id,
            self.purposes,
            self.recipients,
            self.valid_from,
            self.valid_until,
            self.status,
            self.withdrawn_at,
        )
        for name in ("subject", "grantor"):
            if not getattr(self, name).strip():
                problems.append(
                    Problem(name, f"{name} is empty; give a member id.", f"{name} kosong.")
                )
        if self.guardian is not None and not self.guardian.strip():
            problems.append(
                Problem(
                    "guardian", "guardian is empty; omit it or name the guardian.", "Wali kosong."
                )
            )
        if not self.evidence.strip():
            problems.append(
                Problem(
                    "evidence",
                    "Say where the proof of consent is (form number, scan or recording id).",
                    "Sebutkan bukti persetujuan (nomor formulir, pindaian atau rekaman).",
                )
            )
        if problems:
            raise InvalidInputError(problems, subject="the consent")

    @property
    def record_id(self) -> str:
        """The record id (as for a :class:`LawfulBasis`)."""
        return self.consent_id

    def covers(
        self,
        provider_id: str,
        purpose: Purpose | str,
        at: datetime,
        *,
        categories: Iterable[DataCategory] = (),
    ) -> bool:
        """Whether it allows sending data to *provider_id* for *purpose* at *at*.

        Args:
            provider_id: the recipient.
            purpose: the purpose.
            at: when the data would be sent.
            categories: the kinds of data sent; checked only when the consent lists some.
        """
        wanted = frozenset(categories)
        return (
            Purpose(purpose) in self.purposes
            and _names(provider_id, self.recipients)
            and _in_force(self.valid_from, self.valid_until, self.withdrawn_at, at)
            and (not self.categories or wanted <= self.categories)
        )

    def problems_for(self, household: Household, on: date) -> list[Problem]:
        """What is wrong with the consent for *household* on *on* (empty when nothing).

        A child subject (under 18 on *on*) needs a guardian, who must be the grantor; a
        guardian from the household must be an adult; an adult subject grants it
        themselves or through a guardian.
        """
        members = {m.member_id: m for m in household.members}
        subject = members.get(self.subject)
        if subject is None:
            return [
                Problem(
                    "subject",
                    f"The household has no member {self.subject!r}; the subject is the member "
                    "whose data is sent.",
                    f"Rumah tangga tidak punya anggota {self.subject!r}.",
                )
            ]
        problems = []
        child = subject.age_on(on) < ADULT_AGE
        if child and self.guardian is None:
            problems.append(
                Problem(
                    "guardian",
                    f"Member {self.subject!r} is a child; a parent or guardian gives consent. "
                    "Name the guardian and record them as the grantor.",
                    f"Anggota {self.subject!r} masih anak; persetujuan diberikan orang tua atau "
                    "wali. Sebutkan walinya sebagai pemberi persetujuan.",
                )
            )
        allowed = {self.guardian} if child else {self.subject, self.guardian}
        if self.guardian is not None and self.grantor not in allowed:
            problems.append(
                Problem(
                    "grantor",
                    f"The grantor must be {'the guardian' if child else 'the subject or guardian'}"
                    f", not {self.grantor!r}.",
                    f"Pemberi persetujuan harus {'wali' if child else 'subjek atau wali'}, "
                    f"bukan {self.grantor!r}.",
                )
            )
        if self.guardian is None and not child and self.grantor != self.subject:
            problems.append(
                Problem(
                    "grantor",
                    f"An adult consents for themselves: the grantor must be {self.subject!r}, "
                    "or name a guardian.",
                    f"Orang dewasa memberi persetujuan sendiri: pemberi harus {self.subject!r}, "
                    "atau sebutkan walinya.",
                )
            )
        guardian = members.get(self.guardian or "")
        if guardian is not None and guardian.age_on(on) < ADULT_AGE:
            problems.append(
                Problem(
                    "guardian",
                    f"The guardian {guardian.member_id!r} is under {ADULT_AGE}; choose an adult.",
                    f"Wali {guardian.member_id!r} berumur di bawah {ADULT_AGE}; pilih orang "
                    "dewasa.",
                )
            )
        return problems


@attrs.frozen(kw_only=True)
class LawfulBasis:
    """A lawful basis other than consent, recorded for one household's case.

    Attributes:
        basis_id: the record id.
        kind: which basis (public service duty, legal obligation, vital interest).
        legal_reference: the provision relied on (``"UU 27/2022 Pasal 20; Permensos
            15/2018"``); required.
        purposes: what the data may be used for.
        recipients: provider ids the data may go to; ``"*"`` for any provider.
        valid_from: when it starts.
        valid_until: when it ends (exclusive); ``None`` for no end date.
        note: why it applies to this household.
        status: active, or withdrawn (ended).
        withdrawn_at: when it was ended.
    """

    basis_id: str
    kind: LawfulBasisKind
    legal_reference: str
    purposes: frozenset[Purpose] = attrs.field(converter=_purposes)
    recipients: frozenset[str] = attrs.field(converter=_texts)
    valid_from: datetime
    valid_until: datetime | None = None
    note: str = ""
    status: ConsentStatus = ConsentStatus.ACTIVE
    withdrawn_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        shape = _shape_problems(self, texts=("basis_id", "legal_reference", "note"))
        if shape:
            raise InvalidInputError(shape, subject="the lawful basis")
        problems = _common_problems(
            self.basis_id,
            self.purposes,
            self.recipients,
            self.valid_from,
            self.valid_until,
            self.status,
            self.withdrawn_at,
        )
        if not self.legal_reference.strip():
            problems.append(
                Problem(
                    "legal_reference",
                    "Cite the legal provision the processing relies on "
                    "(for example 'UU 27/2022 Pasal 20; Permensos 15/2018').",
                    "Sebutkan dasar hukumnya (misalnya 'UU 27/2022 Pasal 20; Permensos 15/2018').",
                )
            )
        if problems:
            raise InvalidInputError(problems, subject="the lawful basis")

    @property
    def record_id(self) -> str:
        """The record id (as for a :class:`Consent`)."""
        return self.basis_id

    def covers(
        self,
        provider_id: str,
        purpose: Purpose | str,
        at: datetime,
        *,
        categories: Iterable[DataCategory] = (),  # noqa: ARG002 - same shape as Consent.covers
    ) -> bool:
        """Whether it allows sending data to *provider_id* for *purpose* at *at*."""
        return (
            Purpose(purpose) in self.purposes
            and _names(provider_id, self.recipients)
            and _in_force(self.valid_from, self.valid_until, self.withdrawn_at, at)
        )


def covering(
    records: Iterable[Consent | LawfulBasis],
    *,
    subject: str,
    provider_id: str,
    purpose: Purpose | str,
    at: datetime,
    categories: Iterable[DataCategory] = (),
) -> Consent | LawfulBasis | None:
    """The first record that allows sending *subject*'s data to *provider_id*, or ``None``.

    A consent counts only for its own subject; a lawful basis covers the whole household.

    Withdrawing a consent is the subject's objection: from the moment *subject* withdrew
    a consent, no record that was already in force covers them any more (another consent,
    or the household's public-service basis), except a vital-interest or legal-obligation
    basis. A consent given, or a basis recorded, after the withdrawal counts again.

    Examples:
        >>> from datetime import UTC, datetime
        >>> basis = LawfulBasis(basis_id="b1", kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
        ...     legal_reference="UU 27/2022 Pasal 20; Permensos 15/2018",
        ...     purposes={"referral"}, recipients={"*"},
        ...     valid_from=datetime(2026, 1, 1, tzinfo=UTC))
        >>> covering([basis], subject="m2", provider_id="dukcapil-3374",
        ...          purpose="referral", at=datetime(2026, 3, 1, tzinfo=UTC)).basis_id
        'b1'
    """
    wanted = tuple(categories)
    records = tuple(records)
    objected = max(
        (
            r.withdrawn_at
            for r in records
            if isinstance(r, Consent) and r.subject == subject and r.withdrawn_at is not None
        ),
        default=None,
    )
    for record in records:
        if isinstance(record, Consent) and record.subject != subject:
            continue
        if (
            objected is not None
            and at >= objected
            and record.valid_from < objected
            and not (isinstance(record, LawfulBasis) and record.kind in _OVERRIDES_OBJECTION)
        ):
            continue
        if record.covers(provider_id, purpose, at, categories=wanted):
            return record
    return None


# Bases that stand even after the subject withdrew consent (UU PDP 27/2022 Art. 20).
_OVERRIDES_OBJECTION = frozenset({LawfulBasisKind.VITAL_INTEREST, LawfulBasisKind.LEGAL_OBLIGATION})


def consent_refusal(
    *,
    subject: str,
    provider_id: str,
    purpose: Purpose | str = Purpose.REFERRAL,
    categories: Iterable[DataCategory] = (),
) -> ConsentError:
    """The error that refuses to send *subject*'s data to *provider_id* without a basis.

    Examples:
        >>> print(consent_refusal(subject="m1", provider_id="bpjs-semarang"))
        No consent or lawful basis covers sending the data of member 'm1' to provider 'bpjs-semarang' for referral. Record the client's consent naming that provider (or '*') for that purpose with record_consent(), or record a lawful basis with record_lawful_basis(); then refer again.
    """  # noqa: E501 - a doctest line
    purpose = Purpose(purpose)
    kinds = sorted(categories)
    data = f" ({', '.join(kinds)})" if kinds else ""
    data_id = ", ".join(text(f"label.DataCategory.{k}", "id") for k in kinds)
    return ConsentError(
        f"No consent or lawful basis covers sending the data{data} of member {subject!r} to "
        f"provider {provider_id!r} for {purpose}. Record the client's consent naming that "
        "provider (or '*') for that purpose with record_consent(), or record a lawful basis "
        "with record_lawful_basis(); then refer again.",
        message_id=(
            f"Tidak ada persetujuan atau dasar hukum yang mengizinkan pengiriman data"
            f"{f' ({data_id})' if data_id else ''} anggota {subject!r} kepada penyedia "
            f"{provider_id!r} untuk tujuan {text(f'label.Purpose.{purpose}', 'id')}. Catat "
            "persetujuan klien yang menyebut penyedia itu (atau '*') untuk tujuan tersebut, "
            "atau catat dasar hukum yang berlaku; lalu rujuk kembali."
        ),
    )
