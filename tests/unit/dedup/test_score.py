"""The scorer: exact keys, Fellegi-Sunter levels, household comparison, explanation."""

from __future__ import annotations

import random
from datetime import date

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core import Household, Person, RegionCode, Relationship, Sex
from slrt_core.dedup import (
    LIKELY,
    BlindIndexer,
    MatchDecision,
    MatchResult,
    generated_pairs,
    score_households,
    synthetic_household,
    villages,
)
from slrt_core.errors import InvalidInputError
from slrt_core.identity import KkNumber, Nik

INDEXER = BlindIndexer({1: b"k" * 32})
VILLAGE = RegionCode("33.74.01.1001")


def person(
    name: str,
    born: date = date(1990, 8, 5),
    *,
    member_id: str = "m1",
    nik: str | None = None,
    relationship: Relationship = Relationship.HEAD,
) -> Person:
    return Person(
        member_id=member_id,
        relationship=relationship,
        sex=Sex.FEMALE,
        birth_date=born,
        name=name,
        nik=None if nik is None else Nik(_born_in(nik, born)),
    )


def household(*members: Person, region: RegionCode = VILLAGE, kk: str | None = None) -> Household:
    return Household(region=region, members=members, kk=None if kk is None else KkNumber(kk))


def score(a: Household, b: Household) -> MatchResult:
    return score_households(INDEXER.household(a), INDEXER.household(b), case_id="C-9")


class TestDecisions:
    def test_exact_nik_is_same(self) -> None:
        """A shared NIK token is `same`, whatever the names say."""
        a = household(person("Siti", nik="3374014508900001"))
        b = household(person("Dewi", nik="3374014508900001"))
        result = score(a, b)
        assert result.decision is MatchDecision.SAME
        assert result.agreed[0] == "nik"

    def test_exact_kk_is_same(self) -> None:
        """A shared KK token is `same`."""
        kk = "3374010101200001"
        result = score(household(person("Siti"), kk=kk), household(person("Budi"), kk=kk))
        assert result.decision is MatchDecision.SAME
        assert result.kk
        assert result.agreed[0] == "kk"

    def test_variant_spelling_is_likely(self) -> None:
        """An old spelling with the same birth date and village is `likely`."""
        result = score(household(person("Soeharto")), household(person("Suharto")))
        assert result.decision is MatchDecision.LIKELY
        assert result.score >= LIKELY
        assert result.agreed == ("name", "birth_date", "village")

    def test_levels(self) -> None:
        """Each name level is reached by its example."""
        cases = {
            "phonetic": ("Khadijah", "Hadijah"),
            "parts_all": ("Siti Aminah", "Siti Aminah Rahayu"),
            "parts_some": ("Siti Aminah", "Siti Maryam"),
            "name_none": ("Sukarno", "Sukirman"),
        }
        for level, (a, b) in cases.items():
            result = score(household(person(a)), household(person(b)))
            assert result.pairs[0].agreements[0].field == level

    def test_different_niks_weigh_against(self) -> None:
        """Two known, different NIKs lower the score."""
        same_name = score(household(person("Siti")), household(person("Siti")))
        different = score(
            household(person("Siti", nik="3374014508900001")),
            household(person("Siti", nik="3374014508900002")),
        )
        assert different.score < same_name.score
        assert "nik_differs" in [a.field for a in different.pairs[0].agreements]

    def test_birth_year_and_village(self) -> None:
        """Same year only and another village are levels of their own."""
        other = household(person("Siti", date(1990, 9, 9)), region=RegionCode("33.74.01.1002"))
        fields = [a.field for a in score(household(person("Siti")), other).pairs[0].agreements]
        assert fields == ["name", "birth_year", "village_none"]
        far = score(household(person("Siti")), household(person("Siti", date(1960, 1, 1))))
        assert "birth_none" in [a.field for a in far.pairs[0].agreements]

    def test_unnamed_member_weighs_no_name(self) -> None:
        """A missing name adds no name level."""
        result = score(household(person("")), household(person("Siti")))
        assert [a.field for a in result.pairs[0].agreements] == ["birth_date", "village"]

    def test_household_comparison(self) -> None:
        """A second matched member adds the bonus; none lowers the score."""
        head, spouse = (
            person("Budi"),
            person("Ani", member_id="m2", relationship=Relationship.SPOUSE),
        )
        stranger = person(
            "Wati", date(1990, 2, 2), member_id="m2", relationship=Relationship.SPOUSE
        )
        alone = score(household(head), household(head)).score
        both = score(household(head, spouse), household(head, spouse))
        only_head = score(household(head, spouse), household(head, stranger))
        assert both.score > alone > only_head.score
        assert len(both.pairs) == 2

    def test_versions_must_agree(self) -> None:
        """Tokens of two pepper versions are not compared."""
        two = BlindIndexer({1: b"k" * 32, 2: b"m" * 32})
        a = two.household(household(person("Siti")), version=1)
        b = two.household(household(person("Siti")), version=2)
        with pytest.raises(InvalidInputError):
            score_households(a, b)


class TestExplanation:
    def test_both_languages(self) -> None:
        """The explanation names the fields that agreed, in Indonesian and English."""
        result = score(household(person("Soeharto")), household(person("Suharto")))
        assert result.explain("en") == (
            "Case C-9: likely duplicate, score 22.4. Agreed: full name, date of birth, village."
        )
        assert result.explain("id") == (
            "Kasus C-9: kemungkinan ganda, skor 22,4. Yang cocok: nama lengkap, tanggal lahir, "
            "desa/kelurahan."
        )

    def test_nothing_agreed(self) -> None:
        """Without agreement the explanation says so."""
        result = score(
            household(person("Sukarno")),
            household(person("Dewi", date(1950, 1, 1)), region=RegionCode("33.74.01.1002")),
        )
        assert result.decision is MatchDecision.DISTINCT
        assert result.agreed == ()
        assert result.explain("id").endswith("Tidak ada data yang cocok.")
        assert result.pairs[0].agreements[-1].label("en") == "villages differ"


@st.composite
def household_pairs(draw: st.DrawFn) -> tuple[Household, Household]:
    seed = draw(st.integers(0, 10_000))
    if draw(st.booleans()):
        pair = generated_pairs(seed=seed, size=2)[draw(st.integers(0, 1))]
        return pair.intake, pair.candidate
    rng = random.Random(seed)
    places = villages(3)
    a = synthetic_household(rng, rng.choice(places))
    b = synthetic_household(rng, rng.choice(places))
    if draw(st.booleans()):
        b = attrs.evolve(b, members=(a.members[0], *b.members[1:]))
    return a, b


class TestSymmetry:
    @given(household_pairs())
    def test_symmetric(self, pair: tuple[Household, Household]) -> None:
        """Scoring a against b gives the score and decision of b against a."""
        a, b = pair
        ab, ba = score(a, b), score(b, a)
        assert (ab.score, ab.decision, ab.kk) == (ba.score, ba.decision, ba.kk)
        assert len(ab.pairs) == len(ba.pairs)

    @given(household_pairs())
    def test_a_household_is_likely_itself(self, pair: tuple[Household, Household]) -> None:
        """Every household scores at least `likely` against itself."""
        a, _ = pair
        assert score(a, a).decision is not MatchDecision.DISTINCT


class TestFastPath:
    @given(household_pairs())
    def test_the_check_path_agrees_with_the_full_score(
        self, pair: tuple[Household, Household]
    ) -> None:
        """decision_of and explain_flagged say what score_households says, pair by pair."""
        from slrt_core.dedup import decision_of, explain_flagged
        from slrt_core.dedup._score import _W_NO_VILLAGE, _W_VILLAGE, _compare, _pair_score

        a, b = (INDEXER.household(h) for h in pair)
        full = score_households(a, b, case_id="C-1")
        assert decision_of(a, b) is full.decision
        flagged = explain_flagged(a, b, case_id="C-1")
        assert flagged == (None if full.decision is MatchDecision.DISTINCT else full)
        for same in (True, False):
            village = _W_VILLAGE if same else _W_NO_VILLAGE
            for x in a.members:
                for y in b.members:
                    score, _, nik = _compare(x, y, same_village=same)
                    assert _pair_score(x, y, village) == (score, nik)


class TestEdges:
    def test_no_members(self) -> None:
        """Token sets without members (built by hand) score 0 and are distinct."""
        from slrt_core.dedup import HouseholdTokens

        empty = HouseholdTokens(version=1, kk=None, village="v1:x", members=(), blocks=frozenset())
        result = score_households(empty, empty)
        assert (result.score, result.decision, result.pairs) == (0.0, MatchDecision.DISTINCT, ())


def _born_in(nik: str, born: date) -> str:
    """*nik* with digits 7-12 encoding *born* for a woman (day + 40), as a real NIK does."""
    return f"{nik[:6]}{born.day + 40:02d}{born.month:02d}{born.year % 100:02d}{nik[12:]}"
