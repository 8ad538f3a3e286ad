"""Tests of slrt_core.identity: region codes, NIK and KK numbers, region splits."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core import identity
from slrt_core.errors import DefinitionError, InvalidInputError
from slrt_core.identity import (
    KkNumber,
    Nik,
    RegionCode,
    RegionKind,
    RegionLevel,
    RegionSplit,
    Sex,
    region_splits,
    split_of,
)
from slrt_core.testing.strategies import kk_numbers, niks, region_codes

TODAY = date(2026, 1, 1)
MIROTO = "33.74.01.1001"
VALID_NIK = "3374014508900001"  # Semarang Tengah, woman born 5 Aug 1990, serial 0001
VALID_KK = "3374011203150007"  # Semarang Tengah, recorded 12 Mar 2015, serial 0007


def local_today() -> date:
    return date.today()  # noqa: DTZ011 - the local day, as Nik.parse uses


def problems_of(excinfo: pytest.ExceptionInfo[InvalidInputError]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in excinfo.value.problems]


# --------------------------------------------------------------------------- enums


class TestEnums:
    def test_sex_values(self):
        """Sex values are the lower-case English words."""
        assert [s.value for s in Sex] == ["male", "female"]

    def test_region_levels_are_ordered(self):
        """Region levels run from the nation (0) to a village (4)."""
        assert [int(level) for level in RegionLevel] == [0, 1, 2, 3, 4]
        assert RegionLevel.NATIONAL < RegionLevel.VILLAGE


# --------------------------------------------------------------------------- RegionCode shape


class TestRegionCodeShape:
    @pytest.mark.parametrize("code", ["", "33", "33.74", "33.74.01", MIROTO, "99.99.99.3999"])
    def test_dotted_shapes_build(self, code):
        """Every dotted shape builds, without reading the region list."""
        assert RegionCode(code).code == code

    @pytest.mark.parametrize(
        "code",
        ["3", "3374", "33.7", "33.74.", "33.74.01.0001", "33.74.01.4001", " 33", "33-74", "٣٣"],
    )
    def test_malformed_shape_is_rejected(self, code):
        """A code that is not dotted PP.KK.CC.VVVV is rejected on construction."""
        with pytest.raises(InvalidInputError) as excinfo:
            RegionCode(code)
        assert "RegionCode.parse()" in str(excinfo.value)
        assert "RegionCode.parse()" in excinfo.value.message("id")

    @pytest.mark.parametrize("code", [3374, b"33", ["33"], None])
    def test_non_string_is_rejected(self, code):
        """A value that is not a string is rejected with InvalidInputError."""
        with pytest.raises(InvalidInputError):
            RegionCode(code)

    def test_construction_does_not_check_the_list(self):
        """An unknown but well-shaped code builds; only parse checks the list."""
        assert not RegionCode("33.99").is_known()

    def test_str_is_the_dotted_code(self):
        """str() and f-strings give the dotted code."""
        assert str(RegionCode(MIROTO)) == MIROTO
        assert f"{RegionCode('32.76')}" == "32.76"

    def test_digits_drop_the_dots(self):
        """digits is the code without dots."""
        assert RegionCode(MIROTO).digits == "3374011001"
        assert RegionCode.INDONESIA.digits == ""

    def test_codes_sort_and_hash_by_code(self):
        """Codes compare, sort and hash by their code."""
        codes = [RegionCode("33.74"), RegionCode("32.76"), RegionCode("33")]
        assert sorted(codes) == [RegionCode("32.76"), RegionCode("33"), RegionCode("33.74")]
        assert {RegionCode("33.74"), RegionCode("33.74")} == {RegionCode("33.74")}

    def test_indonesia_is_the_empty_code(self):
        """INDONESIA is the national code ''."""
        assert RegionCode("") == RegionCode.INDONESIA
        assert RegionCode.INDONESIA.level is RegionLevel.NATIONAL

    def test_codes_are_frozen(self):
        """A region code cannot be changed."""
        code = RegionCode("33.74")
        with pytest.raises(AttributeError):
            code.code = "32.76"  # type: ignore[misc]


# --------------------------------------------------------------------------- RegionCode.parse


class TestRegionCodeParse:
    @pytest.mark.parametrize(
        "text", ["3374011001", "33.74.01.1001", "  33.74.01.1001\t", " 3374011001 "]
    )
    def test_dotted_and_undotted_read_the_same(self, text):
        """Dotted or undotted digits, with surrounding spaces, give the dotted code."""
        assert RegionCode.parse(text) == RegionCode(MIROTO)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("33", "33"), ("3374", "33.74"), ("337401", "33.74.01"), ("3276", "32.76")],
    )
    def test_every_level_parses(self, text, expected):
        """Province, regency and district codes parse undotted too."""
        assert RegionCode.parse(text).code == expected

    def test_region_code_is_checked_and_returned(self):
        """Parsing a RegionCode checks it and returns the same object."""
        code = RegionCode("32.76")
        assert RegionCode.parse(code) is code

    def test_unknown_region_code_object_is_rejected(self):
        """Parsing an unknown RegionCode object raises like parsing its text."""
        with pytest.raises(InvalidInputError, match=re.escape("33.99")):
            RegionCode.parse(RegionCode("33.99"))

    def test_unknown_code_names_the_list_and_the_fix(self):
        """An unknown code is rejected with the list it is missing from and how to fix."""
        with pytest.raises(InvalidInputError) as excinfo:
            RegionCode.parse("33.99")
        assert problems_of(excinfo) == [
            (
                "",
                (
                    'Region code "33.99" is not in the Kemendagri 2025 list '
                    "(Kepmendagri 300.2.2-2138/2025). Check the code on the KK card."
                ),
            )
        ]
        assert "tidak ada dalam daftar Kemendagri 2025" in excinfo.value.message("id")
        assert str(excinfo.value).startswith("1 problem in the region code:")

    def test_pre_split_code_says_its_new_code(self):
        """A pre-2022 Papua regency code is rejected with its new code and the law."""
        with pytest.raises(InvalidInputError) as excinfo:
            RegionCode.parse("9101")
        message = str(excinfo.value)
        assert "UU 14/2022" in message
        assert "Kabupaten Merauke is now 93.01" in message
        assert "sekarang 93.01" in excinfo.value.message("id")

    def test_pre_split_district_says_its_new_regency(self):
        """A district under a pre-split regency points to the new regency."""
        with pytest.raises(InvalidInputError, match=re.escape("now 96.01")):
            RegionCode.parse("92.01.04")

    @pytest.mark.parametrize(
        "text", ["", "   ", "337", "33740110012", "33.74.1", "33 74", "33.74.01.0001", "3a74"]
    )
    def test_malformed_text_is_rejected(self, text):
        """Text that is not 2, 4, 6 or 10 digits (dotted or not) is rejected."""
        with pytest.raises(InvalidInputError) as excinfo:
            RegionCode.parse(text)
        assert "must be 2, 4, 6 or 10 digits" in str(excinfo.value)
        assert "harus 2, 4, 6 atau 10 digit" in excinfo.value.message("id")

    def test_non_text_is_rejected(self):
        """A number instead of text is rejected with a message naming its type."""
        with pytest.raises(InvalidInputError, match="got a int"):
            RegionCode.parse(3374)  # type: ignore[arg-type]

    @given(region_codes(level=RegionLevel.VILLAGE))
    def test_parse_of_str_round_trips(self, code):
        """Parsing a code's text, dotted or not, gives the code back."""
        assert RegionCode.parse(str(code)) == code
        assert RegionCode.parse(code.digits) == code

    @given(st.sampled_from(list(RegionLevel)[1:]).flatmap(lambda lv: region_codes(level=lv)))
    def test_parse_round_trips_at_every_level(self, code):
        """Codes of every level round-trip through parse."""
        assert RegionCode.parse(code.code) == code


# --------------------------------------------------------------------------- hierarchy


class TestHierarchy:
    def test_levels(self):
        """The level follows the number of parts."""
        assert [RegionCode(c).level for c in ("", "33", "33.74", "33.74.01", MIROTO)] == list(
            RegionLevel
        )

    def test_parent_chain(self):
        """Each parent is one level up; a province's is INDONESIA, INDONESIA's is None."""
        assert RegionCode(MIROTO).parent == RegionCode("33.74.01")
        assert RegionCode("33.74").parent == RegionCode("33")
        assert RegionCode("33").parent is RegionCode.INDONESIA
        assert RegionCode.INDONESIA.parent is None

    def test_ancestors_nearest_first(self):
        """Ancestors run nearest first and end with INDONESIA."""
        assert RegionCode(MIROTO).ancestors == (
            RegionCode("33.74.01"),
            RegionCode("33.74"),
            RegionCode("33"),
            RegionCode.INDONESIA,
        )
        assert RegionCode.INDONESIA.ancestors == ()

    @pytest.mark.parametrize(
        ("outer", "inner", "expected"),
        [
            ("", MIROTO, True),
            ("", "", True),
            ("33", MIROTO, True),
            ("33.74", MIROTO, True),
            ("33.74.01", MIROTO, True),
            (MIROTO, MIROTO, True),
            ("33.74", "33.74", True),
            ("33.74", "33", False),
            ("33.74", "33.07", False),
            ("33.74", "32.76", False),
            (MIROTO, "", False),
            ("33.74.01", "33.74.01.2001", True),
            ("33.74.01", "33.74.02.1001", False),
        ],
    )
    def test_contains(self, outer, inner, expected):
        """A region contains itself and what lies inside it, nothing else."""
        assert RegionCode(outer).contains(RegionCode(inner)) is expected

    def test_contains_needs_no_data(self):
        """contains works on codes missing from the list (pure string logic)."""
        assert RegionCode("99").contains(RegionCode("99.98.97.1000"))
        assert not RegionCode("99.98").contains(RegionCode("99.99.97"))

    @given(
        st.from_regex(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[1-3][0-9]{3}", fullmatch=True),
        st.integers(0, 4),
        st.integers(0, 4),
    )
    def test_contains_is_prefix_by_parts(self, village, i, j):
        """For shaped codes, contains holds exactly for an ancestor or the code itself."""
        code = RegionCode(village)
        chain = [code, *code.ancestors]
        outer, inner = chain[i], chain[j]
        assert outer.contains(inner) is (i >= j)
        assert outer.contains(inner) is (outer == inner or outer in inner.ancestors)

    @given(region_codes())
    def test_contains_is_transitive_along_ancestors(self, code):
        """Every ancestor contains every nearer ancestor and the code itself."""
        chain = [code, *code.ancestors]
        for far_index, far in enumerate(chain):
            for near in chain[:far_index]:
                assert far.contains(near)
                assert not near.contains(far)
                assert far.contains(code)
            assert RegionCode.INDONESIA.contains(far)

    @given(region_codes(level=RegionLevel.DISTRICT), region_codes(level=RegionLevel.DISTRICT))
    def test_disjoint_districts_do_not_contain_each_other(self, a, b):
        """Two different districts never contain one another."""
        assert a.contains(b) is (a == b)


# --------------------------------------------------------------------------- names and data


class TestNamesAndData:
    def test_official_names(self):
        """Names come from the Kemendagri 2025 list."""
        assert [c.name for c in (RegionCode(MIROTO), *RegionCode(MIROTO).ancestors)] == [
            "Miroto",
            "Semarang Tengah",
            "Kota Semarang",
            "Jawa Tengah",
            "Indonesia",
        ]
        assert RegionCode("32.76").name == "Kota Depok"

    @pytest.mark.parametrize("code", ["33.99", "33.74.99", "33.74.01.1999", "91.01"])
    def test_unknown_name_raises(self, code):
        """Asking the name of an unknown code raises InvalidInputError."""
        with pytest.raises(InvalidInputError, match="not in the Kemendagri 2025 list"):
            _ = RegionCode(code).name

    def test_is_known(self):
        """is_known tells codes of the 2025 list at every level; the nation is known."""
        assert RegionCode.INDONESIA.is_known()
        assert RegionCode("33").is_known()
        assert RegionCode(MIROTO).is_known()
        assert not RegionCode("33.74.01.1999").is_known()
        assert not RegionCode("10").is_known()

    def test_children_of_a_city(self):
        """Children are the known regions one level down, sorted."""
        children = RegionCode("32.76").children()
        assert children[:3] == [
            RegionCode("32.76.01"),
            RegionCode("32.76.02"),
            RegionCode("32.76.03"),
        ]
        assert children == sorted(children)
        assert all(c.parent == RegionCode("32.76") for c in children)
        assert [c.name for c in children[:3]] == ["Pancoran Mas", "Cimanggis", "Sawangan"]

    def test_children_of_a_district_are_villages(self):
        """A district's children are its villages."""
        villages = RegionCode("33.74.01").children()
        assert villages[0] == RegionCode(MIROTO)
        assert len(villages) == 15

    def test_children_of_indonesia_are_38_provinces(self):
        """The country has the 38 provinces of 2025."""
        provinces = RegionCode.INDONESIA.children()
        assert len(provinces) == 38
        assert provinces[0] == RegionCode("11")
        assert provinces[-1] == RegionCode("96")

    def test_village_has_no_children(self):
        """A village has no children."""
        assert RegionCode(MIROTO).children() == []

    def test_unknown_region_has_no_children(self):
        """An unknown code has no children."""
        assert RegionCode("33.99").children() == []

    def test_codes_at_counts(self):
        """codes_at gives the 2025 totals for the whole country."""
        counts = [len(RegionCode.INDONESIA.codes_at(level)) for level in list(RegionLevel)[1:]]
        assert counts == [38, 514, 7285, 83762]

    def test_codes_at_own_and_higher_levels(self):
        """At its own level a known region gives itself; above it, nothing."""
        assert RegionCode("33.74").codes_at(RegionLevel.REGENCY) == [RegionCode("33.74")]
        assert RegionCode("33.99").codes_at(RegionLevel.REGENCY) == []
        assert RegionCode("33.74").codes_at(RegionLevel.PROVINCE) == []
        assert RegionCode.INDONESIA.codes_at(RegionLevel.NATIONAL) == [RegionCode.INDONESIA]

    def test_codes_at_stays_inside(self):
        """codes_at deeper down gives only codes the region contains."""
        region = RegionCode("33.74")
        villages = region.codes_at(RegionLevel.VILLAGE)
        assert villages
        assert all(region.contains(v) and v.level is RegionLevel.VILLAGE for v in villages)
        assert villages == sorted(villages)
        # Kota Semarang does not swallow a neighbour such as 33.07 or 33.740.
        assert len(villages) == sum(len(d.children()) for d in region.children())


class TestKind:
    @pytest.mark.parametrize(
        ("code", "kind"),
        [
            ("", RegionKind.NATION),
            ("33", RegionKind.PROVINCE),
            ("33.74", RegionKind.CITY),
            ("32.76", RegionKind.CITY),
            ("33.22", RegionKind.REGENCY),
            ("31.01", RegionKind.REGENCY),
            ("33.74.01", RegionKind.DISTRICT),
            ("91.03.01", RegionKind.PAPUA_DISTRICT),
            ("96.71.01", RegionKind.PAPUA_DISTRICT),
            ("82.01.01", RegionKind.DISTRICT),
            (MIROTO, RegionKind.URBAN_VILLAGE),
            ("33.22.01.2001", RegionKind.VILLAGE),
            ("91.03.01.3007", RegionKind.CUSTOMARY_VILLAGE),
        ],
    )
    def test_kind_from_code(self, code, kind):
        """The kind is read from the code: kota 71+, distrik in Papua, village first digit."""
        assert RegionCode(code).kind is kind

    def test_kind_values_are_indonesian_labels(self):
        """Kinds compare equal to their Indonesian labels."""
        assert RegionCode("32.76").kind == "kota"
        assert RegionCode("91.03.01.3007").kind == "desa_adat"

    def test_regency_kind_agrees_with_every_name(self):
        """Every regency named 'Kota ...' in the 2025 list has a code 71 or above."""
        for regency in RegionCode.INDONESIA.codes_at(RegionLevel.REGENCY):
            is_city = regency.name.startswith("Kota")
            assert (regency.kind is RegionKind.CITY) is is_city, regency


# --------------------------------------------------------------------------- splits


class TestRegionSplits:
    def test_table_has_the_26_regencies_of_2022(self):
        """The table has the 4 + 8 + 8 + 6 regencies of the four new provinces."""
        splits = region_splits()
        assert len(splits) == 26
        by_province = {}
        for split in splits:
            by_province.setdefault(split.new.code[:2], []).append(split)
        assert {k: len(v) for k, v in by_province.items()} == {"93": 4, "94": 8, "95": 8, "96": 6}

    def test_rows_agree_with_the_2025_list(self):
        """Each new code is known under the row's name and province; no old code is."""
        for split in region_splits():
            assert split.new.level is RegionLevel.REGENCY
            assert split.new.is_known()
            assert split.new.name == split.name
            assert split.new.parent.name == split.province
            assert not split.old.is_known()
            assert split.old.code[:2] in {"91", "92"}

    @pytest.mark.parametrize(
        ("province", "law", "effective"),
        [
            ("93", "UU 14/2022", date(2022, 7, 25)),
            ("94", "UU 15/2022", date(2022, 7, 25)),
            ("95", "UU 16/2022", date(2022, 7, 25)),
            ("96", "UU 29/2022", date(2022, 12, 8)),
        ],
    )
    def test_law_and_date_per_province(self, province, law, effective):
        """Each new province carries its own law and date."""
        rows = [s for s in region_splits() if s.new.code.startswith(province)]
        assert {(s.law, s.effective) for s in rows} == {(law, effective)}

    def test_known_pairs(self):
        """Merauke 91.01 became 93.01 and Kota Sorong 92.71 became 96.71."""
        pairs = {s.old.code: s.new.code for s in region_splits()}
        assert pairs["91.01"] == "93.01"
        assert pairs["92.71"] == "96.71"
        assert pairs["91.02"] == "95.01"  # Jayawijaya

    def test_split_of(self):
        """split_of finds the split of a regency, district or village code."""
        assert split_of(RegionCode("91.01")).new == RegionCode("93.01")
        assert split_of(RegionCode("91.01.01")).new == RegionCode("93.01")
        assert split_of(RegionCode("92.04.01.2001")).new == RegionCode("96.02")

    @pytest.mark.parametrize("code", ["", "91", "93.01", "91.03", "33.74.01"])
    def test_split_of_none(self, code):
        """Provinces, the nation and regencies that kept their code have no split."""
        assert split_of(RegionCode(code)) is None

    def test_split_is_a_frozen_value(self):
        """A split is an attrs value."""
        split = region_splits()[0]
        assert isinstance(split, RegionSplit)
        with pytest.raises(AttributeError):
            split.law = "x"  # type: ignore[misc]

    @pytest.mark.parametrize(
        "text",
        [
            "[[regency]\n",
            "",
            '[[regency]]\nold = "91.01"\n',
            (
                '[[regency]]\nold = "91.01"\nnew = "93.01"\nname = "M"\nprovince = "P"\n'
                'law = "L"\neffective = "2022-07-25"\n'
            ),
            (
                '[[regency]]\nold = "9101"\nnew = "93.01"\nname = "M"\nprovince = "P"\n'
                'law = "L"\neffective = 2022-07-25\n'
            ),
        ],
    )
    def test_malformed_table_is_a_definition_error(self, text):
        """A broken split table is reported as a DefinitionError saying how to fix it."""
        with pytest.raises(
            DefinitionError, match=re.escape("region_splits.toml is malformed")
        ) as excinfo:
            identity._region._parse_splits(text)
        assert "Pasang ulang slrt_core" in excinfo.value.message("id")

    def test_well_formed_table_parses(self):
        """A well-formed row becomes a RegionSplit keyed by its old code."""
        table = identity._region._parse_splits(
            '[[regency]]\nold = "91.01"\nnew = "93.01"\nname = "M"\nprovince = "P"\n'
            'law = "L"\neffective = 2022-07-25\n'
        )
        assert table["91.01"].effective == date(2022, 7, 25)


# --------------------------------------------------------------------------- lazy data


class TestLazyData:
    def test_import_loads_no_region_data(self):
        """Importing the module reads no region data; a name reads no villages."""
        script = (
            "import slrt_core.identity._data as m\n"
            "import slrt_core.identity as i\n"
            "print(len(m._REGIONS._box), len(m._VILLAGES._box))\n"
            "i.RegionCode('33.74').name\n"
            "i.Nik.parse('3374014508900001')\n"
            "print(len(m._REGIONS._box), len(m._VILLAGES._box))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout.split()
        assert out == ["0", "0", "1", "0"]

    def test_once_builds_exactly_once_across_threads(self):
        """A lazily built table is built once even when two threads ask at the same time."""
        calls = []
        started = threading.Event()
        release = threading.Event()

        def build():
            calls.append(1)
            started.set()
            release.wait(5)
            return "table"

        once = identity._data._Once(build)
        results = []
        first = threading.Thread(target=lambda: results.append(once.get()))
        first.start()
        assert started.wait(5)
        second = threading.Thread(target=lambda: results.append(once.get()))
        second.start()
        time.sleep(0.05)  # the second thread now waits for the lock
        release.set()
        first.join(5)
        second.join(5)
        assert calls == [1]
        assert results == ["table", "table"]
        assert once.get() == "table"


# --------------------------------------------------------------------------- NIK


class TestNikParse:
    def test_valid_nik(self):
        """A valid NIK parses into its parts."""
        nik = Nik.parse(VALID_NIK, today=TODAY)
        assert nik.reveal() == VALID_NIK
        assert nik.sex is Sex.FEMALE
        assert nik.birth_date_on(TODAY) == date(1990, 8, 5)
        assert nik.region == RegionCode("33.74.01")
        assert nik.region.name == "Semarang Tengah"
        assert nik.region_is_current
        assert nik.current_regency == RegionCode("33.74")
        assert nik.serial == "0001"
        assert nik.last4 == "0001"

    @pytest.mark.parametrize(
        "text",
        ["3374 0145 0890 0001", "3374.0145.0890.0001", "3374-0145-0890-0001", f" {VALID_NIK}\n"],
    )
    def test_separators_are_ignored(self, text):
        """Spaces, dots and dashes are removed before checking."""
        assert Nik.parse(text, today=TODAY) == Nik(VALID_NIK)

    def test_man(self):
        """A day of birth 01-31 is a man."""
        nik = Nik.parse("3374010508900001", today=TODAY)
        assert nik.sex is Sex.MALE
        assert nik.birth_date_on(TODAY) == date(1990, 8, 5)

    @pytest.mark.parametrize(("dd", "day"), [("41", 1), ("45", 5), ("71", 31)])
    def test_women_add_40_to_the_day(self, dd, day):
        """Women have 40 added to the day: 41-71 are days 1-31."""
        nik = Nik.parse(f"337401{dd}08900001", today=TODAY)
        assert nik.sex is Sex.FEMALE
        assert nik.birth_date_on(TODAY) == date(1990, 8, day)

    @pytest.mark.parametrize("dd", ["00", "32", "39", "40", "72", "99"])
    def test_impossible_day(self, dd):
        """A day outside 01-31 and 41-71 is rejected, naming the digits."""
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse(f"337401{dd}08900001", today=TODAY)
        assert problems_of(excinfo) == [
            (
                "birth_date",
                (
                    "The day of the birth date (digits 7-8) must be 01-31, or 41-71 for a woman; "
                    f"got {dd}. Check digits 7-8 against the KTP or KK card."
                ),
            )
        ]
        assert "atau 41-71 untuk perempuan" in excinfo.value.message("id")

    @pytest.mark.parametrize("mm", ["00", "13"])
    def test_impossible_month(self, mm):
        """A month outside 01-12 is rejected."""
        with pytest.raises(InvalidInputError, match=f"must be 01-12; got {mm}"):
            Nik.parse(f"33740105{mm}900001", today=TODAY)

    @pytest.mark.parametrize("text", ["3374013102900001", "3374017102900001", "3374013104900001"])
    def test_date_that_does_not_exist(self, text):
        """A day that the month does not have (31 February, 31 April) is rejected."""
        with pytest.raises(InvalidInputError, match="which does not exist") as excinfo:
            Nik.parse(text, today=TODAY)
        assert [p.path for p in excinfo.value.problems] == ["birth_date"]
        assert "yang tidak ada" in excinfo.value.message("id")

    def test_serial_0000(self):
        """Serial 0000 is rejected: serials start at 0001."""
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse("3374014508900000", today=TODAY)
        assert problems_of(excinfo) == [
            (
                "serial",
                (
                    "The serial number (digits 13-16) cannot be 0000: serials start at 0001. "
                    "Check the last 4 digits against the KTP or KK card."
                ),
            )
        ]

    @pytest.mark.parametrize("district", ["337499", "330000", "990101", "000000", "337400"])
    def test_unknown_district(self, district):
        """Digits 1-6 must be a district in the 2025 list."""
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse(f"{district}4508900001", today=TODAY)
        ((path, message),) = problems_of(excinfo)
        assert path == "region"
        dotted = f"{district[:2]}.{district[2:4]}.{district[4:]}"
        assert message.startswith(f"The region part {dotted} (digits 1-6) is not a district")
        assert "Kepmendagri 300.2.2-2138/2025" in message

    def test_every_problem_at_once(self):
        """All problems of one NIK are listed together."""
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse("3399013213900000", today=TODAY)
        assert [p.path for p in excinfo.value.problems] == [
            "region",
            "birth_date",
            "birth_date",
            "serial",
        ]
        assert str(excinfo.value).startswith("4 problems in the NIK:")
        assert excinfo.value.message("id").startswith("4 masalah pada NIK:")

    @pytest.mark.parametrize(
        ("text", "count"),
        [("", 0), ("33740145089000", 14), ("33740145089000011", 17), ("3374 0145 0890 001", 15)],
    )
    def test_wrong_length(self, text, count):
        """A NIK must have 16 digits; the count is reported."""
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse(text)
        assert problems_of(excinfo) == [
            (
                "",
                (
                    f"A NIK has 16 digits; this one has {count}. Copy the number again from the "
                    "KTP or KK card."
                ),
            )
        ]

    def test_other_characters(self):
        """Letters are reported, and the digit count too when it is also wrong."""
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse("3374O14508900001")  # a letter O
        messages = [p.message for p in excinfo.value.problems]
        assert len(messages) == 2
        assert "has other characters" in messages[0]
        assert "this one has 15" in messages[1]
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse(VALID_NIK + "x")
        assert len(excinfo.value.problems) == 1

    def test_default_today_is_used(self):
        """Without today, parse judges the century from the current date."""
        nik = Nik.parse(VALID_NIK)
        assert nik.birth_date == date(1990, 8, 5)

    def test_messages_do_not_reveal_the_nik(self):
        """An error never repeats the full NIK or its birth date digits."""
        text = "3374014508900000"
        with pytest.raises(InvalidInputError) as excinfo:
            Nik.parse(text, today=TODAY)
        for language in ("en", "id"):
            assert text not in excinfo.value.message(language)
            assert "450890" not in excinfo.value.message(language)

    @given(niks())
    def test_parse_round_trips(self, nik):
        """Every generated NIK parses back to itself."""
        assert Nik.parse(nik.reveal()) == nik
        assert nik.region_is_current
        born = nik.birth_date
        assert born <= local_today()
        assert born.year > local_today().year - 100

    @given(niks(sex=Sex.FEMALE, region="33.74"))
    def test_strategy_honours_sex_and_region(self, nik):
        """niks(sex=..., region=...) keeps to the sex and region asked for."""
        assert nik.sex is Sex.FEMALE
        assert RegionCode("33.74").contains(nik.region)

    @given(niks(region=MIROTO))
    def test_strategy_village_means_its_district(self, nik):
        """niks(region=village) draws NIKs of that village's district."""
        assert nik.region == RegionCode("33.74.01")


class TestNikCentury:
    def test_later_century_when_not_in_the_future(self):
        """Year 25 is 2025 in 2026 but 1925 on 31 December 2024."""
        nik = Nik("3374010101250001")
        assert nik.birth_date_on(date(2026, 1, 1)) == date(2025, 1, 1)
        assert nik.birth_date_on(date(2024, 12, 31)) == date(1925, 1, 1)

    def test_same_year_later_date_is_last_century(self):
        """A birth date later this year cannot be this year: it is 100 years earlier."""
        nik = Nik("3374010106260001")
        assert nik.birth_date_on(date(2026, 3, 1)) == date(1926, 6, 1)
        assert nik.birth_date_on(date(2026, 6, 1)) == date(2026, 6, 1)

    def test_29_february_2000_but_not_1900(self):
        """29 February 00 exists in 2000, not in 1900."""
        text = "3374012902000001"
        assert Nik.parse(text, today=TODAY).birth_date_on(TODAY) == date(2000, 2, 29)
        with pytest.raises(InvalidInputError, match="month 02 of 1900, which does not exist"):
            Nik.parse(text, today=date(1999, 6, 1))

    def test_bad_date_of_a_directly_built_nik(self):
        """A NIK built without parse and an impossible date raises when asked its birth date."""
        nik = Nik("3374013502900001")
        with pytest.raises(InvalidInputError, match="digits 7-8"):
            nik.birth_date_on(TODAY)


class TestNikPrivacy:
    def test_repr_masks(self):
        """repr shows only the last 4 digits."""
        assert repr(Nik(VALID_NIK)) == "Nik('************0001')"

    def test_str_and_format_mask(self):
        """str, f-strings, % formatting and containers never show more than 4 digits."""
        nik = Nik(VALID_NIK)
        shown = [str(nik), f"{nik}", "%s" % nik, f"{nik!r}", repr([nik]), str({"nik": nik})]  # noqa: UP031
        for text in shown:
            assert VALID_NIK not in text
            assert "014508" not in text
        assert str(nik) == nik.masked() == "************0001"

    def test_reveal(self):
        """reveal gives all 16 digits, on purpose."""
        assert Nik(VALID_NIK).reveal() == VALID_NIK

    def test_equal_and_hashable_by_value(self):
        """NIKs are equal and hash by their digits."""
        assert Nik(VALID_NIK) == Nik(VALID_NIK)
        assert len({Nik(VALID_NIK), Nik(VALID_NIK)}) == 1
        assert Nik(VALID_NIK) != Nik("3374014508900002")


class TestNikShape:
    @pytest.mark.parametrize(
        "value", ["", "123", VALID_NIK + "1", "3374 0145 0890 0001", 3374014508900001]
    )
    def test_direct_construction_checks_16_digits(self, value):
        """Nik(value) rejects anything but 16 digits, without echoing the value."""
        with pytest.raises(InvalidInputError) as excinfo:
            Nik(value)
        assert "exactly 16 digits" in str(excinfo.value)
        assert "tepat 16 digit" in excinfo.value.message("id")
        assert str(value) not in str(excinfo.value) or value == ""

    def test_direct_construction_does_not_check_region(self):
        """Nik(value) does not read the region list; region_is_current tells."""
        nik = Nik("9999994508900001")
        assert not nik.region_is_current
        assert nik.current_regency is None


class TestNikSplitRegions:
    def test_pre_split_code_is_accepted(self):
        """A NIK with a pre-2022 Papua regency code parses and says it is not current."""
        nik = Nik.parse("9101014508900001", today=TODAY)
        assert nik.region == RegionCode("91.01.01")
        assert not nik.region_is_current
        assert nik.current_regency == RegionCode("93.01")

    @pytest.mark.parametrize("district", ["910454", "920199", "927101"])
    def test_any_district_under_a_pre_split_regency(self, district):
        """District numbers under a pre-split regency are accepted (they were renumbered)."""
        nik = Nik.parse(f"{district}0101900001", today=TODAY)
        assert split_of(nik.region) is not None

    def test_pre_split_district_00_is_rejected(self):
        """District 00 is not a district, even under a pre-split regency."""
        with pytest.raises(InvalidInputError, match=re.escape("91.01.00")):
            Nik.parse("9101000101900001", today=TODAY)

    def test_current_papua_code_is_current(self):
        """A NIK with a 2025 Papua code is current."""
        nik = Nik.parse("9301010101900001", today=TODAY)
        assert nik.region_is_current
        assert nik.current_regency == RegionCode("93.01")


# --------------------------------------------------------------------------- KK


class TestKkNumber:
    def test_valid_kk(self):
        """A valid KK number parses into region, record date and serial."""
        kk = KkNumber.parse(VALID_KK, today=TODAY)
        assert kk.reveal() == VALID_KK
        assert kk.region == RegionCode("33.74.01")
        assert kk.region_is_current
        assert kk.current_regency == RegionCode("33.74")
        assert kk.issued_on_as_of(TODAY) == date(2015, 3, 12)
        assert kk.serial == kk.last4 == "0007"

    def test_default_today(self):
        """issued_on judges the century from the current date."""
        assert KkNumber.parse("3374 0112 0315 0007").issued_on == date(2015, 3, 12)

    def test_no_plus_40_for_kk(self):
        """A KK record date has no +40: day 45 is rejected."""
        with pytest.raises(InvalidInputError) as excinfo:
            KkNumber.parse("3374014503150007", today=TODAY)
        assert problems_of(excinfo) == [
            (
                "issued_on",
                (
                    "The day of the record date (digits 7-8) must be 01-31; got 45. Check digits "
                    "7-8 against the KK card."
                ),
            )
        ]

    def test_every_problem_at_once(self):
        """All problems of one KK number are listed together."""
        with pytest.raises(InvalidInputError) as excinfo:
            KkNumber.parse("1000003102150000", today=TODAY)
        assert [p.path for p in excinfo.value.problems] == ["region", "issued_on", "serial"]
        assert str(excinfo.value).startswith("3 problems in the KK number:")
        assert excinfo.value.message("id").startswith("3 masalah pada nomor KK:")
        assert "KK card" in str(excinfo.value)

    def test_wrong_length(self):
        """A KK number must have 16 digits."""
        with pytest.raises(InvalidInputError, match="A KK number has 16 digits; this one has 4"):
            KkNumber.parse("3374")

    def test_masking(self):
        """repr, str and f-strings show only the last 4 digits."""
        kk = KkNumber(VALID_KK)
        assert repr(kk) == "KkNumber('************0007')"
        assert str(kk) == f"{kk}" == kk.masked() == "************0007"
        assert VALID_KK not in repr([kk])

    def test_direct_construction_checks_16_digits(self):
        """KkNumber(value) rejects anything but 16 digits."""
        with pytest.raises(InvalidInputError, match="A KK number is exactly 16 digits"):
            KkNumber("12")

    def test_bad_date_of_a_directly_built_kk(self):
        """A KK number built without parse and an impossible date raises when asked."""
        with pytest.raises(InvalidInputError, match="month of the record date"):
            KkNumber("3374011213150007").issued_on_as_of(TODAY)

    def test_pre_split_kk(self):
        """A KK number from a pre-split regency parses and maps to the new regency."""
        kk = KkNumber.parse("9271011203150007", today=TODAY)
        assert not kk.region_is_current
        assert kk.current_regency == RegionCode("96.71")

    @given(kk_numbers())
    def test_parse_round_trips(self, kk):
        """Every generated KK number parses back to itself."""
        assert KkNumber.parse(kk.reveal()) == kk
        assert kk.issued_on <= local_today()

    @given(kk_numbers(region="32.76"))
    def test_strategy_honours_region(self, kk):
        """kk_numbers(region=...) keeps to the region."""
        assert RegionCode("32.76").contains(kk.region)


# --------------------------------------------------------------------------- strategies


class TestStrategies:
    @given(region_codes(within="33.74", level=RegionLevel.DISTRICT))
    def test_region_codes_within_and_level(self, code):
        """region_codes keeps to the region and level asked for, with real codes."""
        assert code.level is RegionLevel.DISTRICT
        assert RegionCode("33.74").contains(code)
        assert code.is_known()

    @given(region_codes(within="33.74", level=RegionLevel.REGENCY))
    def test_region_codes_own_level(self, code):
        """At the region's own level, the region itself is drawn."""
        assert code == RegionCode("33.74")

    def test_region_codes_rejects_a_level_above(self):
        """Asking for provinces inside a regency is an error that says what to choose."""
        with pytest.raises(InvalidInputError, match="Choose a level at or below its own"):
            region_codes(within=RegionCode("33.74"), level=RegionLevel.PROVINCE)

    def test_region_codes_rejects_unknown_within(self):
        """An unknown region to stay inside is rejected."""
        with pytest.raises(InvalidInputError, match=re.escape("33.99")):
            region_codes(within="33.99")
