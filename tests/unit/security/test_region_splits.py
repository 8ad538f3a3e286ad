"""Dated region versions with predecessor links, and jurisdiction across a split."""

from __future__ import annotations

from datetime import date

from slrt_core.identity import (
    RegionCode,
    predecessors_within,
    region_covers,
    region_versions,
)

SPLIT = date(2022, 7, 25)
MERAUKE_OLD = RegionCode("91.01.01.2001")


class TestVersions:
    def test_a_split_regency_has_two_linked_versions(self):
        """The old code ends on the day the new one starts, each linking to the other."""
        for code in (RegionCode("91.01"), RegionCode("93.01.02")):
            old, new = region_versions(code)
            assert (old.code, old.successor, new.code, new.predecessor) == (
                RegionCode("91.01"),
                RegionCode("93.01"),
                RegionCode("93.01"),
                RegionCode("91.01"),
            )
            assert old.valid_until == new.valid_from == SPLIT
            assert old.law == "UU 14/2022"
            assert old.in_force_on(date(2022, 7, 24))
            assert not old.in_force_on(SPLIT)
            assert new.in_force_on(SPLIT)
            assert not new.in_force_on(date(2022, 7, 24))

    def test_other_codes_have_one_open_version(self):
        """A regency never re-coded, a province and the country have one open version."""
        for code in (RegionCode("33.74.01"), RegionCode("91"), RegionCode.INDONESIA):
            [only] = region_versions(code)
            assert only.valid_from is None
            assert only.valid_until is None
            assert only.in_force_on(date(1990, 1, 1))


class TestCovers:
    def test_without_a_day_codes_compare_as_stored(self):
        """Without a day, containment is by code."""
        assert region_covers(RegionCode("91"), MERAUKE_OLD)
        assert not region_covers(RegionCode("93"), MERAUKE_OLD)

    def test_regency_jurisdictions_follow_the_split(self):
        """A regency jurisdiction set with the old or new code covers the region after it."""
        assert region_covers(RegionCode("93.01"), MERAUKE_OLD, SPLIT)
        assert region_covers(RegionCode("91.01"), MERAUKE_OLD, SPLIT)
        assert not region_covers(RegionCode("93.01"), MERAUKE_OLD, date(2022, 1, 1))
        assert region_covers(RegionCode("91.01"), MERAUKE_OLD, date(2022, 1, 1))

    def test_district_and_village_jurisdictions_compare_as_recorded(self):
        """Below regency level, codes are compared as recorded (districts were renumbered)."""
        assert region_covers(RegionCode("91.01.01"), MERAUKE_OLD, SPLIT)
        assert not region_covers(RegionCode("93.01.01"), MERAUKE_OLD, SPLIT)

    def test_provinces_and_the_country(self):
        """A province region is compared by code; the country covers everything."""
        assert region_covers(RegionCode.INDONESIA, MERAUKE_OLD, SPLIT)
        assert region_covers(RegionCode("91"), RegionCode("91"), SPLIT)


class TestPredecessors:
    def test_new_province_lists_its_old_regency_codes(self):
        """Papua Selatan's four regencies came from Papua; the country lists all 26."""
        assert [str(c) for c in predecessors_within(RegionCode("93"), SPLIT)] == [
            "91.01",
            "91.16",
            "91.17",
            "91.18",
        ]
        assert len(predecessors_within(RegionCode.INDONESIA, date(2023, 1, 1))) == 26
        assert predecessors_within(RegionCode("93.01.01"), SPLIT) == ()
        assert predecessors_within(RegionCode("33"), SPLIT) == ()
