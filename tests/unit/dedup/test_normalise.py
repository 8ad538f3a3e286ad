"""Indonesian name normalisation: one test per rule, and idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core.dedup import compact_name, name_parts, normalise_name, phonetic_key
from slrt_core.dedup._labelled import _data


class TestRules:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("SITI   AMINAH", "siti aminah"),  # 1. case and spacing
            ("Andr\u00e9", "andre"),  # 1. diacritics
            ("Cafe\u0301", "cafe"),  # 1. NFC/NFKD: a combining accent
            ("Siti Aminah, S.Pd.", "siti aminah"),  # 2. degrees after a comma
            ("Budi Santoso SE", "budi santoso"),  # 2. a degree without the comma
            ("Ma'ruf", "maruf"),  # 3. apostrophe removed
            ("Nur-Hayati", "nur hayati"),  # 3. punctuation is a space
            ("H. Hasan", "hasan"),  # 4. pilgrim title
            ("Hj. Ibu Warsini", "warsini"),  # 4. titles repeatedly
            ("Ir. Drs. Bambang", "bambang"),  # 4. academic titles
            ("Teuku Umar", "teuku umar"),  # 4. regional titles stay
            ("Siti binti Hasan", "siti hasan"),  # 5. connector dropped, father kept
            ("Soekarno", "sukarno"),  # 6. oe -> u
            ("Tjipto", "cipto"),  # 6. tj -> c
            ("Djoko", "yoko"),  # 6. dj -> j -> y
            ("Njoman", "nyoman"),  # 6. nj -> ny
            ("Sjahrir", "syahrir"),  # 6. sj -> sy
            ("Achmad", "ahmad"),  # 6. ch -> kh, then 8.
            ("Jusuf", "yusuf"),  # 6. pre-1972 j is y
            ("Ramadhan", "ramadan"),  # 7. dh -> d
            ("Fathur", "fatur"),  # 7. th -> t
            ("Fitriyani", "fitriani"),  # 7. iy before a vowel
            ("Dewy", "dewi"),  # 7. final y
            ("Hassan", "hasan"),  # 7. doubled letters
            ("Moch. Hatta", "muhamad hata"),  # 8. abbreviation
            ("M. Yusuf", "muhamad yusuf"),  # 8. the initial M.
            ("Mohammad", "muhamad"),  # 8. spelling
            ("Abd. Rahman", "abdul rahman"),  # 8. Abd.
            ("St. Aminah", "siti aminah"),  # 8. St.
            ("Sukarno", "sukarno"),  # a single name
            ("", ""),
            ("...", ""),
            ("H.", "h"),  # a title alone is kept: it is all there is
        ],
    )
    def test_rule(self, raw: str, expected: str) -> None:
        """Each rule of the module docstring maps its example to the expected form."""
        assert normalise_name(raw) == expected

    def test_variants_of_one_name_agree(self) -> None:
        """The spellings of the issue's example give one normalised name."""
        spellings = ["H. Moch. Soeharto, S.Pd.", "Muhamad Suharto", "MUHAMMAD SOEHARTO"]
        assert len({normalise_name(s) for s in spellings}) == 1

    def test_parts_leave_initials_out(self) -> None:
        """Name parts skip one-letter initials."""
        assert name_parts("A. Yani") == ("yani",)
        assert name_parts("Siti Aminah") == ("siti", "aminah")

    def test_compact_and_phonetic_keys(self) -> None:
        """Joined parts agree; the phonetic key treats kh as h and drops a final h."""
        assert compact_name("Nur Hayati") == compact_name("Nurhayati")
        assert phonetic_key("Khadijah") == phonetic_key("Hadijah")
        assert phonetic_key("Fatimah") == phonetic_key("Fatima")
        assert phonetic_key("Qomariah") == phonetic_key("Komariah")
        assert phonetic_key("Sukarno") != phonetic_key("Sukirman")
        assert phonetic_key("") == ""


POOL = [*_data()["male"], *_data()["female"]]
NAMEISH = st.text(
    alphabet=st.sampled_from("abcdehijkmnostuyAEHJ.,'- \u00e9"), max_size=30
) | st.lists(st.sampled_from([*POOL, "H.", "Hj.", "bin", ", S.Pd.", "M."]), max_size=5).map(
    " ".join
)


class TestProperties:
    @given(NAMEISH)
    def test_idempotent(self, name: str) -> None:
        """Normalising a normalised name changes nothing."""
        once = normalise_name(name)
        assert normalise_name(once) == once

    @given(st.text(max_size=40))
    def test_any_text(self, name: str) -> None:
        """Any text normalises to lower-case letters and single spaces, idempotently."""
        once = normalise_name(name)
        assert normalise_name(once) == once
        assert all(c.isalpha() and c.isascii() and c.islower() for c in once.replace(" ", ""))
        assert "  " not in once

    @given(NAMEISH)
    def test_keys_depend_only_on_the_normalised_name(self, name: str) -> None:
        """The compact name, the parts and the phonetic key of a name and its normal form agree."""
        once = normalise_name(name)
        assert compact_name(once) == compact_name(name)
        assert phonetic_key(once) == phonetic_key(name)
        assert name_parts(once) == name_parts(name)
