"""Labels for staff, in Bahasa Indonesia and English.

The words live in the one catalogue, :mod:`slrt_core.texts` (keys
``label.<Enum>.<value>``); this module maps each vocabulary member to them and adds
:func:`value_label` for the values an explanation prints.

Examples:
    >>> from slrt_core.case import CaseState
    >>> label(CaseState.IN_SERVICE, "id"), label(CaseState.IN_SERVICE, "en")
    ('Dalam layanan', 'In service')
    >>> from slrt_core.household import Schooling
    >>> from slrt_core.identity import Sex
    >>> value_label(Sex.MALE, "id"), value_label(Schooling.NOT_IN_SCHOOL, "id")
    ('laki-laki', 'tidak bersekolah')
    >>> value_label(True, "id"), value_label(None, "id"), value_label(1250000.5, "id")
    ('ya', 'belum diketahui', '1.250.000,5')

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping

from slrt_core import formatting
from slrt_core.case._model import CaseState, NeedStatus, Priority
from slrt_core.household import Disability, FloorType, Relationship, Schooling, WallType
from slrt_core.identity import Sex
from slrt_core.referral._consent import ConsentStatus, DataCategory, LawfulBasisKind, Purpose
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.referral._sla import EscalationStep, Hop
from slrt_core.texts import TEXTS, LanguageCode, text
from slrt_core.vocabulary import (
    Channel,
    ClosingReason,
    Command,
    ComplaintKind,
    Role,
    Sector,
    Tier,
)

__all__ = ["LABELLED", "LABELS", "label", "value_label"]

#: Every vocabulary with labels; each member has ``label.<Enum>.<value>`` in the catalogue.
LABELLED: tuple[type[enum.Enum], ...] = (
    CaseState,
    NeedStatus,
    Priority,
    Role,
    Command,
    Channel,
    ComplaintKind,
    Sector,
    ClosingReason,
    ReferralStatus,
    ReferralReason,
    Tier,
    Sex,
    Relationship,
    Disability,
    Schooling,
    FloorType,
    WallType,
    Purpose,
    DataCategory,
    ConsentStatus,
    LawfulBasisKind,
    Hop,
    EscalationStep,
)


class _Labels(Mapping[enum.Enum, Mapping[str, str]]):
    """The labels by member, told apart by vocabulary.

    The vocabularies are string enums, whose members equal their values:
    ``ClosingReason.DUPLICATE == ReferralReason.DUPLICATE``. A plain dict would keep one
    label for both; this mapping looks members up by vocabulary and value.
    """

    def __init__(self, kinds: tuple[type[enum.Enum], ...]) -> None:
        self._members = [member for kind in kinds for member in kind]
        self._texts = {
            (type(m), m.value): TEXTS[f"label.{type(m).__name__}.{m.value}"] for m in self._members
        }

    def __getitem__(self, member: enum.Enum) -> Mapping[str, str]:
        return self._texts[type(member), member.value]

    def __contains__(self, member: object) -> bool:
        return isinstance(member, enum.Enum) and (type(member), member.value) in self._texts

    def __iter__(self) -> Iterator[enum.Enum]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)


#: (enum member) -> {"en": ..., "id": ...}, for every member of :data:`LABELLED`.
LABELS: Mapping[enum.Enum, Mapping[str, str]] = _Labels(LABELLED)


def label(member: enum.Enum | None, language: LanguageCode = "id") -> str:
    """The staff label of a vocabulary member in *language* (``"id"`` or ``"en"``).

    ``None`` (a reason not given yet, such as the closing reason of an open case) reads
    ``"-"``, so ``label(case.closing_reason)`` needs no check first.

    Raises:
        KeyError: *member* has no label (every shipped vocabulary member has one).
    """
    if member is None:
        return "-"
    return LABELS[member][language]


def value_label(value: object, language: LanguageCode = "id") -> str:
    """A value as staff read it: labelled members, yes/no, numbers with Babel.

    Explanations print input values through this, so Indonesian text shows
    ``laki-laki`` and ``1.250.000,5``, never ``male`` or ``1,250,000.5``. A missing value
    (``None``) reads "unknown"; any other value is shown as it is.
    """
    if value is None:
        return text("value.unknown", language)
    if isinstance(value, bool):
        return text("value.true" if value else "value.false", language)
    if isinstance(value, enum.Enum) and value in LABELS:
        return LABELS[value][language]
    if isinstance(value, int | float):
        return formatting.number(value, language)
    return str(value)
