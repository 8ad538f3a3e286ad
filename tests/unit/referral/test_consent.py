"""Consent records and lawful bases: what they cover, and how they are checked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from tests.unit.referral.builders import household

from slrt_core import ConsentError, InvalidInputError
from slrt_core.referral import (
    Consent,
    ConsentStatus,
    DataCategory,
    LawfulBasis,
    LawfulBasisKind,
    Purpose,
    consent_refusal,
    covering,
)

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)
TODAY = date(2026, 2, 1)


def consent(**changes: Any) -> Consent:
    fields: dict[str, Any] = {
        "consent_id": "c1",
        "subject": "m1",
        "grantor": "m1",
        "purposes": {Purpose.REFERRAL},
        "recipients": {"bpjs"},
        "valid_from": JAN,
        "evidence": "form F-12",
    }
    fields.update(changes)
    return Consent(**fields)


def basis(**changes: Any) -> LawfulBasis:
    fields: dict[str, Any] = {
        "basis_id": "b1",
        "kind": LawfulBasisKind.PUBLIC_SERVICE_DUTY,
        "legal_reference": "UU 27/2022 Pasal 20; Permensos 15/2018",
        "purposes": {"referral"},
        "recipients": {"*"},
        "valid_from": JAN,
    }
    fields.update(changes)
    return LawfulBasis(**fields)


class TestConsentCovers:
    def test_covers_named_provider_and_purpose(self) -> None:
        """A consent covers its providers and purposes, from valid_from on."""
        c = consent()
        assert c.covers("bpjs", Purpose.REFERRAL, FEB)
        assert c.covers("bpjs", "referral", JAN)
        assert not c.covers("dinsos", Purpose.REFERRAL, FEB)
        assert not c.covers("bpjs", Purpose.MONITORING, FEB)
        assert not c.covers("bpjs", Purpose.REFERRAL, datetime(2025, 12, 31, tzinfo=UTC))
        assert c.record_id == "c1"

    def test_any_recipient(self) -> None:
        """'*' names every provider."""
        assert consent(recipients={"*"}).covers("anyone", Purpose.REFERRAL, FEB)

    def test_period_end_is_exclusive(self) -> None:
        """valid_until ends the consent at that instant."""
        c = consent(valid_until=FEB)
        assert c.covers("bpjs", Purpose.REFERRAL, datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
        assert not c.covers("bpjs", Purpose.REFERRAL, FEB)

    def test_withdrawn_covers_only_the_past(self) -> None:
        """A withdrawn consent covers what was sent before the withdrawal, never after."""
        c = consent(status=ConsentStatus.WITHDRAWN, withdrawn_at=FEB)
        assert c.covers("bpjs", Purpose.REFERRAL, datetime(2026, 1, 15, tzinfo=UTC))
        assert not c.covers("bpjs", Purpose.REFERRAL, MAR)

    def test_listed_categories_limit_what_is_covered(self) -> None:
        """When categories are listed, only those kinds of data are covered."""
        c = consent(categories={DataCategory.IDENTITY, DataCategory.HOUSEHOLD})
        assert c.covers("bpjs", "referral", FEB, categories=[DataCategory.IDENTITY])
        assert not c.covers("bpjs", "referral", FEB, categories=[DataCategory.HEALTH])
        assert consent().covers("bpjs", "referral", FEB, categories=[DataCategory.HEALTH])


class TestConsentChecks:
    def test_every_field_problem_is_listed(self) -> None:
        """A bad consent lists every problem at once."""
        with pytest.raises(InvalidInputError) as info:
            consent(
                consent_id=" ",
                subject="",
                grantor="",
                guardian="",
                purposes=(),
                recipients={""},
                evidence=" ",
                valid_until=JAN,
                status=ConsentStatus.WITHDRAWN,
            )
        paths = {p.path for p in info.value.problems}
        assert paths == {
            "id",
            "subject",
            "grantor",
            "guardian",
            "purposes",
            "recipients",
            "evidence",
            "valid_until",
            "withdrawn_at",
        }
        assert "persetujuan" in info.value.message("id")

    def test_naive_times_are_refused(self) -> None:
        """Naive datetimes are refused (and their order is not compared)."""
        with pytest.raises(InvalidInputError) as info:
            consent(valid_from=datetime(2026, 1, 1), valid_until=datetime(2025, 1, 1))  # noqa: DTZ001
        assert {p.path for p in info.value.problems} == {"valid_from", "valid_until"}

    def test_unknown_purpose_is_refused(self) -> None:
        """A purpose outside the vocabulary is a ValueError from the enum."""
        with pytest.raises(ValueError, match="nonsense"):
            consent(purposes={"nonsense"})

    def test_adult_consents_for_themselves(self) -> None:
        """An adult's own consent has no problem; someone else's needs a guardian."""
        hh = household()
        assert consent().problems_for(hh, TODAY) == []
        problems = consent(grantor="m2").problems_for(hh, TODAY)
        assert [p.path for p in problems] == ["grantor"]

    def test_adult_under_guardianship(self) -> None:
        """An adult with a guardian may consent, or the guardian may."""
        hh = household()
        assert consent(guardian="wali: kakak", grantor="wali: kakak").problems_for(hh, TODAY) == []
        assert consent(guardian="wali: kakak", grantor="m1").problems_for(hh, TODAY) == []
        assert consent(guardian="wali: kakak", grantor="m2").problems_for(hh, TODAY)

    def test_child_needs_a_guardian_who_grants(self) -> None:
        """A child's consent needs a guardian, and the guardian is the grantor."""
        hh = household()
        missing = consent(subject="m2", grantor="m2").problems_for(hh, TODAY)
        assert [p.path for p in missing] == ["guardian"]
        assert "guardian" in missing[0].message
        wrong = consent(subject="m2", grantor="m2", guardian="m1").problems_for(hh, TODAY)
        assert [p.path for p in wrong] == ["grantor"]
        assert consent(subject="m2", grantor="m1", guardian="m1").problems_for(hh, TODAY) == []

    def test_a_child_cannot_be_the_guardian(self) -> None:
        """A guardian from the household must be an adult."""
        problems = consent(subject="m1", grantor="m2", guardian="m2").problems_for(
            household(), TODAY
        )
        assert [p.path for p in problems] == ["guardian"]

    def test_subject_must_be_a_member(self) -> None:
        """The subject is a member of the household."""
        problems = consent(subject="m9", grantor="m9").problems_for(household(), TODAY)
        assert [p.path for p in problems] == ["subject"]


class TestLawfulBasis:
    def test_covers_like_a_consent(self) -> None:
        """A lawful basis covers its providers and purposes in its period."""
        b = basis(valid_until=MAR)
        assert b.covers("dukcapil", Purpose.REFERRAL, FEB)
        assert not b.covers("dukcapil", Purpose.ASSESSMENT, FEB)
        assert not b.covers("dukcapil", Purpose.REFERRAL, MAR)
        assert b.record_id == "b1"

    def test_legal_reference_is_required(self) -> None:
        """A basis without its legal reference is refused."""
        with pytest.raises(InvalidInputError) as info:
            basis(legal_reference=" ")
        assert [p.path for p in info.value.problems] == ["legal_reference"]


class TestCovering:
    def test_first_record_that_covers(self) -> None:
        """covering() finds the consent of the subject, or a lawful basis for anyone."""
        own = consent()
        other = consent(consent_id="c2", subject="m2", grantor="m1", guardian="m1")
        assert (
            covering([other, own], subject="m1", provider_id="bpjs", purpose="referral", at=FEB)
            is own
        )
        assert covering([own], subject="m2", provider_id="bpjs", purpose="referral", at=FEB) is None
        b = basis()
        assert covering([own, b], subject="m2", provider_id="x", purpose="referral", at=FEB) is b

    def test_refusal_says_how_to_fix(self) -> None:
        """The refusal is a ConsentError naming the fix, in both languages."""
        err = consent_refusal(subject="m1", provider_id="bpjs")
        assert isinstance(err, ConsentError)
        assert "record_consent()" in str(err)
        assert "record_lawful_basis()" in str(err)
        assert "Catat persetujuan" in err.message("id")
