"""The in-memory candidate index and the intake check."""

from __future__ import annotations

import random
from datetime import date

import pytest

from slrt_core import Household, Person, RegionCode, Relationship, Sex
from slrt_core.dedup import (
    BlindIndexer,
    MatchDecision,
    MemoryCandidateIndex,
    check_intake,
    synthetic_household,
    villages,
)
from slrt_core.identity import Nik

VILLAGE = RegionCode("33.74.01.1001")


def household(
    name: str,
    born: date = date(1990, 8, 5),
    nik: str | None = None,
    region: RegionCode = VILLAGE,
) -> Household:
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        sex=Sex.FEMALE,
        birth_date=born,
        name=name,
        nik=None if nik is None else Nik(_born_in(nik, born)),
    )
    return Household(region=region, members=(head,))


INDEXER = BlindIndexer({1: b"k" * 32})


def filled() -> MemoryCandidateIndex:
    index = MemoryCandidateIndex()
    index.add("C-1", INDEXER.household(household("Siti Aminah")))
    index.add("C-2", INDEXER.household(household("Dewi Sartika", date(1970, 1, 2))))
    index.add("C-3", INDEXER.household(household("Budi", date(1960, 3, 3), "3374014508900001")))
    return index


class TestMemoryCandidateIndex:
    def test_candidates_share_a_key(self) -> None:
        """Only cases sharing a blocking key are candidates."""
        index = filled()
        assert index.candidates(INDEXER.household(household("St. Aminah"))) == ("C-1",)
        assert index.candidates(INDEXER.household(household("Joko", date(1999, 9, 9)))) == ()

    def test_nik_is_a_key(self) -> None:
        """A NIK token finds its case when the name and the village differ.

        (A valid NIK encodes the birth date, so that agrees with it.)
        """
        elsewhere = RegionCode("33.74.02.1001")
        intake = household("Bambang", date(1960, 3, 3), "3374014508900001", elsewhere)
        assert filled().candidates(INDEXER.household(intake)) == ("C-3",)

    def test_ranked_and_limited(self) -> None:
        """More shared keys rank first; ties by case id; at most *limit*."""
        index = filled()
        index.add("C-0", INDEXER.household(household("Siti Maryam")))
        tokens = INDEXER.household(household("Siti Aminah"))
        assert index.candidates(tokens) == ("C-1", "C-0")
        assert index.candidates(tokens, limit=1) == ("C-1",)

    def test_remove_and_readd(self) -> None:
        """Removal takes every key out; adding again refiles; unknown ids are ignored."""
        index = filled()
        index.remove("C-1")
        index.remove("C-404")
        assert "C-1" not in index
        assert len(index) == 2
        assert index.candidates(INDEXER.household(household("Siti Aminah"))) == ()
        index.add("C-2", INDEXER.household(household("Siti Aminah")))
        index.add("C-2", INDEXER.household(household("Siti Aminah")))
        assert index.candidates(INDEXER.household(household("Siti Aminah"))) == ("C-2",)
        assert index._postings  # the old keys of C-2 went, the new ones stay
        assert all(v.count("C-2") <= 1 for v in index._postings.values())

    def test_tokens_of(self) -> None:
        """The tokens a case was filed with come back; unknown ids raise KeyError."""
        index = filled()
        assert index.tokens_of("C-1") == INDEXER.household(household("Siti Aminah"))
        with pytest.raises(KeyError):
            index.tokens_of("C-404")


class TestCheckIntake:
    def test_orders_same_likely_distinct(self) -> None:
        """Results come same first, then likely, then distinct."""
        index = filled()
        index.add("C-4", INDEXER.household(household("Siti Aminah", nik="3374014508900002")))
        intake = household("Siti Aminah", nik="3374014508900002")
        results = check_intake(index, intake, INDEXER)
        assert [(r.case_id, r.decision) for r in results] == [
            ("C-4", MatchDecision.SAME),
            ("C-1", MatchDecision.LIKELY),
        ]
        assert check_intake(index, intake, INDEXER, exclude=["C-4"])[0].case_id == "C-1"

    def test_finds_cases_filed_before_a_rotation(self) -> None:
        """A case filed under pepper 1 is found by an indexer whose current pepper is 2."""
        index = MemoryCandidateIndex()
        index.add("C-1", INDEXER.household(household("Siti Aminah")))
        rotated = BlindIndexer({1: b"k" * 32, 2: b"m" * 32})
        index.add("C-2", rotated.household(household("Siti Aminah")))
        results = check_intake(index, household("Siti Aminah"), rotated)
        assert sorted(r.case_id for r in results) == ["C-1", "C-2"]

    def test_a_district(self) -> None:
        """Among many households, a second registration finds the first one."""
        rng = random.Random(5)
        places = villages(10)
        index = MemoryCandidateIndex()
        homes = [synthetic_household(rng, rng.choice(places)) for _ in range(300)]
        for i, home in enumerate(homes):
            index.add(f"C-{i}", INDEXER.household(home))
        results = check_intake(index, homes[42], INDEXER)
        assert results[0].case_id == "C-42"
        assert results[0].decision is MatchDecision.LIKELY


class TestSharedKeys:
    def test_removing_one_keeps_the_other(self) -> None:
        """Two cases under one key: removing one leaves the other findable."""
        index = MemoryCandidateIndex()
        index.add("C-1", INDEXER.household(household("Siti Aminah")))
        index.add("C-2", INDEXER.household(household("Siti Aminah")))
        index.remove("C-1")
        assert index.candidates(INDEXER.household(household("Siti Aminah"))) == ("C-2",)


def _born_in(nik: str, born: date) -> str:
    """*nik* with digits 7-12 encoding *born* for a woman (day + 40), as a real NIK does."""
    return f"{nik[:6]}{born.day + 40:02d}{born.month:02d}{born.year % 100:02d}{nik[12:]}"
