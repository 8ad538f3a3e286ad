"""Blind-index tokens: keyed, versioned, and never a name in clear."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core import Household, Person, RegionCode, Relationship, Sex
from slrt_core.dedup import BlindIndexer
from slrt_core.errors import InvalidInputError
from slrt_core.identity import KkNumber, Nik
from slrt_core.privacy import NikTokenizer

KEY = b"k" * 32
NIK = Nik("3374014508900001")
KK = KkNumber("3374010101200001")


def household(name: str = "Siti Aminah", *, nik: Nik | None = NIK) -> Household:
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        sex=Sex.FEMALE,
        birth_date=date(1990, 8, 5),
        name=name,
        nik=nik,
    )
    return Household(region=RegionCode("33.74.01.1001"), members=(head,), kk=KK)


class TestBlindIndexer:
    def test_nik_and_kk_tokens_are_the_nik_tokenizers(self) -> None:
        """NIK and KK tokens are those of NikTokenizer under the same peppers."""
        tokens = BlindIndexer({1: KEY}).household(household())
        numbers = NikTokenizer({1: KEY})
        assert tokens.members[0].nik == numbers.token(NIK)
        assert tokens.kk == numbers.token(KK)
        assert tokens.exact == {numbers.token(NIK), numbers.token(KK)}

    def test_no_clear_text_in_the_tokens(self) -> None:
        """No name part, birth date or village code appears in the tokens."""
        text = repr(BlindIndexer({1: KEY}).household(household("Siti Aminah")))
        for clear in ("siti", "aminah", "1990", "33.74", "3374"):
            assert clear not in text.lower().replace("v1:", "")

    def test_equal_fields_give_equal_tokens(self) -> None:
        """Two spellings of one name give the same name token."""
        indexer = BlindIndexer({1: KEY})
        a = indexer.household(household("Hj. Siti Aminah"))
        b = indexer.household(household("SITI AMINAH, S.Pd."))
        assert a.members[0].name == b.members[0].name
        assert a.blocks == b.blocks

    def test_unnamed_member_has_no_name_tokens(self) -> None:
        """A member without a name has no name tokens and no blocking keys."""
        tokens = BlindIndexer({1: KEY}).household(household("", nik=None))
        member = tokens.members[0]
        assert member.name is member.phonetic is member.nik is None
        assert member.parts == frozenset()
        assert tokens.blocks == frozenset()
        assert member.birth_date is not None

    def test_versions_and_current(self) -> None:
        """Tokens carry their version; the current one is the highest by default."""
        indexer = BlindIndexer({1: KEY, 2: b"m" * 32})
        assert indexer.current == 2
        assert indexer.versions == (2, 1)
        assert indexer.household(household()).version == 2
        old = indexer.household(household(), version=1)
        assert old.members[0].name is not None
        assert old.members[0].name.startswith("v1:")
        assert BlindIndexer({1: KEY}).household(household()) == old

    def test_inactive_version_is_refused(self) -> None:
        """A version without a pepper raises InvalidInputError in both languages."""
        with pytest.raises(InvalidInputError) as caught:
            BlindIndexer({1: KEY}).token("name", "siti", version=3)
        assert "Pepper version 3" in str(caught.value)

    def test_short_pepper_is_refused(self) -> None:
        """Peppers are checked as NikTokenizer checks them."""
        with pytest.raises(InvalidInputError):
            BlindIndexer({1: b"short"})

    @given(
        a=st.binary(min_size=32, max_size=40),
        b=st.binary(min_size=32, max_size=40),
        value=st.text(min_size=1, max_size=20),
    )
    def test_tokens_depend_on_the_key(self, a: bytes, b: bytes, value: str) -> None:
        """The same value under two different peppers gives two different tokens."""
        same = BlindIndexer({1: a}).token("name", value) == BlindIndexer({1: b}).token(
            "name", value
        )
        assert same == (a == b)

    @given(value=st.text(min_size=1, max_size=20))
    def test_fields_are_separated(self, value: str) -> None:
        """The same value in two fields gives two tokens (domain prefixes)."""
        indexer = BlindIndexer({1: KEY})
        assert indexer.token("name", value) != indexer.token("part", value)
