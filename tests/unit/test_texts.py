"""The staff texts: one catalogue, both languages, and Indonesian without English in it."""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime

import pytest

from slrt_core import errors, formatting
from slrt_core.labels import LABELLED, LABELS, label, value_label
from slrt_core.texts import TEXTS, text

#: English words that must not appear in an Indonesian text (lower case). Extend it when
#: a review finds another one; the enum values of every labelled vocabulary are added.
_ENGLISH_WORDS = """
    a an the and or of is are was were be been not no yes for with to from by at on in
    into this that these those it its now still since until after before please your you
    approve approved reject rejected accept accepted request requested receive received
    complete completed cancel cancelled fail failed expire expired withdraw withdrawn
    referral referrals case cases need needs service services provider providers consent
    assessment household member members person persons years year months month days day
    decile male female school health education housing food energy village district
    province national policy nearest tier first least loaded fastest response deadline
    overdue reminder escalated escalation unanswered unknown true false eligible
    verification follow answer due state role allowed only
"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())

#: Enum values that are Indonesian words (or Indonesian abbreviations) as well.
ALSO_INDONESIAN = frozenset(
    {
        "normal",
        "supervisor",  # SLRT's own title for the role (Permensos 15/2018 guidelines)
        "auditor",
        "sd",  # school levels: SD, SMP, SMA are the Indonesian names
        "smp",
        "sma",
    }
)

ENUM_VALUES = (
    frozenset(str(member.value).lower() for kind in LABELLED for member in kind) - ALSO_INDONESIAN
)
FORBIDDEN = (ENGLISH | ENUM_VALUES) - ALSO_INDONESIAN

_FIELD = re.compile(r"\{[^{}]*\}")
_WORD = re.compile(r"[a-z]+(?:_[a-z]+)*")


def english_in(indonesian: str) -> list[str]:
    """The forbidden terms found in an Indonesian text (fields ``{x}`` left out)."""
    words = _WORD.findall(_FIELD.sub(" ", indonesian).lower())
    return sorted({w for w in words if w in FORBIDDEN})


class TestCatalogue:
    def test_every_key_has_both_languages(self) -> None:
        """Each catalogue entry has a non-empty English and Indonesian text, nothing else."""
        for key, texts in TEXTS.items():
            assert set(texts) == {"en", "id"}, key
            assert texts["en"].strip(), key
            assert texts["id"].strip(), key

    def test_both_languages_use_the_same_fields(self) -> None:
        """A template's fields are the same in both languages."""
        for key, texts in TEXTS.items():
            fields = {lang: sorted(_FIELD.findall(t)) for lang, t in texts.items()}
            assert fields["en"] == fields["id"], key

    def test_no_indonesian_text_holds_english(self) -> None:
        """No Indonesian text contains a listed English word or an enum value."""
        found = {key: hits for key, texts in TEXTS.items() if (hits := english_in(texts["id"]))}
        assert not found, found

    def test_the_list_catches_english(self) -> None:
        """The check finds the strings the issue reported."""
        assert english_in("Peran fasilitator tidak boleh approve") == ["approve"]
        assert english_in("berstatus 'in_service'") == ["in_service"]
        assert english_in("menurut kebijakan 'nearest tier first'") == [
            "first",
            "nearest",
            "tier",
        ]
        assert english_in("Rujukan {referral_id} ditolak") == []

    def test_every_labelled_member_has_its_text(self) -> None:
        """Every member of every labelled vocabulary has a label in both languages."""
        for kind in LABELLED:
            for member in kind:
                assert member in LABELS
                assert label(member, "id") == text(f"label.{kind.__name__}.{member.value}")
                assert label(member, "en")
        assert len(LABELS) == sum(len(kind) for kind in LABELLED)
        assert next(iter(LABELS)) is next(iter(LABELLED[0]))

    def test_equal_values_of_two_vocabularies_keep_their_own_labels(self) -> None:
        """ClosingReason.DUPLICATE and ReferralReason.DUPLICATE are equal strings."""
        from slrt_core.referral import ReferralReason
        from slrt_core.vocabulary import ClosingReason

        assert ClosingReason.DUPLICATE == ReferralReason.DUPLICATE
        assert label(ClosingReason.DUPLICATE, "id") == "Kasus ganda"
        assert label(ReferralReason.DUPLICATE, "id") == "Ganda"
        assert "duplicate" not in LABELS

    def test_none_reads_as_a_dash(self) -> None:
        """label(case.closing_reason) works on an open case, whose reason is None."""
        assert label(None, "id") == label(None, "en") == "-"


class TestValueLabel:
    @pytest.mark.parametrize(
        ("value", "id_", "en"),
        [
            (True, "ya", "yes"),
            (False, "tidak", "no"),
            (None, "belum diketahui", "unknown"),
            (1250000.5, "1.250.000,5", "1,250,000.5"),
            (7, "7", "7"),
            ("PKH", "PKH", "PKH"),
        ],
    )
    def test_values_read_in_the_language(self, value: object, id_: str, en: str) -> None:
        """Booleans, missing values and numbers read as staff write them."""
        assert value_label(value, "id") == id_
        assert value_label(value, "en") == en

    def test_an_enum_without_labels_is_shown_as_is(self) -> None:
        """A member of a vocabulary without labels shows its value."""

        class Other(enum.StrEnum):
            X = "x"

        assert value_label(Other.X, "id") == "x"


class TestFormatting:
    def test_numbers_money_and_dates(self) -> None:
        """Babel's Indonesian: decimal comma, dot for thousands, Indonesian month names."""
        assert formatting.number(0.25, "id") == "0,25"
        assert formatting.number(2.5, "id", digits=2) == "2,50"
        assert formatting.number(3, "en", digits=0) == "3"
        assert formatting.money(900_000, "id") == "Rp900.000"
        assert formatting.money(1_234_567.6, "en") == "Rp1,234,568"
        assert formatting.day(date(2026, 8, 17), "id") == "17 Agustus 2026"
        assert formatting.day(date(2026, 8, 17), "en") == "17 August 2026"

    @pytest.mark.parametrize(
        ("province", "shown"),
        [
            ("33", "17.00 WIB"),
            ("3374011001", "17.00 WIB"),
            ("51", "18.00 WITA"),
            ("91", "19.00 WIT"),
        ],
    )
    def test_local_time_of_the_region(self, province: str, shown: str) -> None:
        """Deadlines read in the region's own zone: WIB, WITA or WIT, never UTC."""
        at = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
        assert formatting.local_time(at, "id", province=province) == f"2 Desember 2026 {shown}"

    def test_quantities(self) -> None:
        """A number with its unit, from the catalogue."""
        assert formatting.quantity(70, "years", "id") == "70 tahun"
        assert formatting.quantity(4, "decile", "id") == "desil 4"
        assert formatting.quantity(1.5, "months", "en") == "1.5 months"
        with pytest.raises(KeyError):
            formatting.quantity(1, "furlongs", "en")


class TestErrorTexts:
    def test_refusals_in_indonesian_hold_no_english(self) -> None:
        """The Indonesian messages of the error classes hold no listed English word."""
        samples = [
            errors.CaseNotFoundError("case-000001"),
            errors.CaseErasedError("case-000001"),
            errors.ReferralNotFoundError("referral-000001"),
            errors.TransitionNotAllowed("case-000001", "in_service", "approve"),
            errors.TransitionNotAllowed(
                "referral-000001", "rejected", "update_referral", kind="referral"
            ),
            errors.ConcurrencyError("case-000001", 3, 4),
            errors.AuditIntegrityError(7, "hash mismatch"),
        ]
        found = {
            type(e).__name__: hits
            for e in samples
            if (hits := english_in(_FIELD.sub(" ", _quoted_ids(e.message("id")))))
        }
        assert not found, found

    def test_a_refused_transition_names_the_state_in_the_language(self) -> None:
        """The state and the command read as labels, not as enum values."""
        error = errors.TransitionNotAllowed("case-000001", "in_service", "approve")
        assert "Dalam layanan" in error.message("id")
        assert "menyetujui kasus" in error.message("id").lower()
        assert "'in_service'" in str(error)  # the English keeps the value, for developers
        odd = errors.TransitionNotAllowed("case-000001", "nowhere", "fly")
        assert "'nowhere'" in odd.message("id")


def _quoted_ids(message: str) -> str:
    """*message* without the quoted ids (``'case-000001'``), which are data, not words."""
    return re.sub(r"'[a-z]+-\d+'", " ", message)


def test_every_shipped_routing_policy_has_an_indonesian_name() -> None:
    """Routing reasons name the policy in Indonesian; a host's own policy keeps its name."""
    from slrt_core.referral import _routing

    names = [_routing.NearestTierFirst().name, _routing.LeastLoaded().name]
    names.append(_routing.FastestResponse(_routing.ResponseStats({})).name)
    for name in names:
        assert f"policy.{name}" in TEXTS
        assert not english_in(_routing._policy_id(name))
    assert _routing._policy_id("preferred providers") == "preferred providers"
