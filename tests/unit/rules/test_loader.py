"""Reading variants and packs from TOML: every problem, with file and line."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from tests.unit.rules.builders import MIROTO, household, known_person

from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.rules import Status, decide, load_pack, load_rulebook, load_variant, read_variant
from slrt_core.rules._loader import locate, pack_path

ROOT = Path(__file__).resolve().parents[3]
BEKASI_VILLAGE = RegionCode("32.75.01.1001")

GOOD = """
[variant]
name = "kota-semarang-2025"
region = "33.74"
label = { id = "Aturan lokal Kota Semarang", en = "Semarang city rules" }
source = "Perwali Kota Semarang (example)"

[[override]]
parameter = "pkh.elderly_min_age"
value = 65
from = 2025-01-01
source = "Perwali (example)"

[[switch_off]]
program = "KUBE"
from = "2025-01-01"
region = "33.74.01"

[parameters.card.max_decile]
type = "int"
unit = "decile"
label = { id = "Desil tertinggi", en = "Highest decile" }
values = [
    { value = 6, from = 2025-01-01, source = "Perwali (example)" },
]
regional = { "33.74.01" = [{ value = 7, from = 2025-01-01, source = "SK Camat" }] }

[criteria.card_decile]
label = { id = "Desil kartu", en = "Card decile" }
compare = { input = "decile", op = "<=", param = "card.max_decile" }

[criteria.card_family]
label = { id = "Keluarga kartu", en = "Card family" }
all = ["in_registry", "card_decile"]

[criteria.card_any]
label = { id = "x", en = "x" }
any = ["card_family", "card_decile"]

[criteria.card_two]
label = { id = "x", en = "x" }
at_least = { k = 1, of = ["card_family", "card_decile"] }

[criteria.card_not]
label = { id = "x", en = "x" }
not = "card_family"

[criteria.card_member]
label = { id = "x", en = "x" }
member_any = "has_nik"

[criteria.card_pbi]
label = { id = "x", en = "x" }
eligible = "PBI_JK"

[criteria.card_flag]
label = { id = "x", en = "x" }
flag = "registry.decile_rule"

[criteria.card_count]
label = { id = "x", en = "x" }
compare = { count_members = "has_nik", op = ">=", value = 1 }

[criteria.card_sum]
label = { id = "x", en = "x" }
compare = { sum_members = "monthly_income", op = "<", value = 5_000_000 }

[criteria.card_capita]
label = { id = "x", en = "x" }
compare = { per_capita = "monthly_income", op = "<", value = 1_000_000 }

[programs.KARTU_SEHAT]
label = { id = "Kartu Sehat Kota", en = "City health card" }
reference = "Perwali (example)"
sectors = ["health"]
tier = "district"
offered_from = 2025-01-01
eligibility = "card_family"
overlaps = [{ program = "PBI_JK", kind = "excludes", note = "The card fills the gap." }]
benefit = { kind = "in_kind", description = { id = "Berobat gratis", en = "Free care" } }

[programs.KARTU_DUIT]
label = { id = "Uang", en = "Money" }
sectors = ["social_assistance"]
tier = "district"
offered_from = 2025-01-01
eligibility = "card_any"
benefit = { kind = "fixed", amount = "pkh.amount.sd", period = "month", unit = "household" }

[programs.KARTU_ANAK]
label = { id = "Anak", en = "Child" }
sectors = ["education"]
tier = "district"
offered_from = 2025-01-01
eligibility = "card_two"
benefit = { kind = "per_member", period = "year", cap = "pkh.max_components", components = [
    { criterion = "has_nik", amount = "pkh.amount.sd" },
] }
"""


class TestReadVariant:
    def test_a_complete_variant_reads_and_applies(self) -> None:
        """Every criterion kind, benefit kind, override and switch-off reads from TOML."""
        variant = read_variant(GOOD, origin="semarang.toml")
        assert variant.region.code == "33.74"
        assert variant.label_en == "Semarang city rules"
        assert variant.switch_offs[0].valid_from == date(2025, 1, 1)
        assert variant.parameters[0].regional["33.74.01"][0].value == 7
        rulebook = load_pack().with_variants(variant)
        assert rulebook.programs["KARTU_SEHAT"].overlaps[0].note == "The card fills the gap."
        decided = decide(
            household(known_person(), in_registry=True, decile=5),
            on=date(2025, 3, 1),
            rulebook=rulebook,
            programs=["KARTU_SEHAT", "KUBE"],
        )
        assert decided["KARTU_SEHAT"].status is Status.ELIGIBLE
        assert decided["KUBE"].status is Status.NOT_ELIGIBLE

    def test_malformed_toml_names_the_line(self) -> None:
        """A syntax error is reported at its file and line, in both languages."""
        with pytest.raises(InvalidInputError) as error:
            read_variant('[variant]\nname = "x"\nregion = \n', origin="v.toml")
        problem = error.value.problems[0]
        assert problem.path == "v.toml:3"
        assert "not valid TOML" in problem.message
        assert "bukan TOML" in problem.message_id

    def test_every_structural_problem_is_listed_with_its_line(self) -> None:
        """Unknown keys, wrong types, impossible dates and unknown regions, all at once."""
        text = """[variant]
name = "bad"
region = "99.99"
colour = "blue"

[[override]]
parameter = "pkh.elderly_min_age"
from = 2025-02-10T08:00:00

[[override]]
parameter = "x"
value = 1
from = "2025-02-30"
region = "nowhere"
uncertain = true

[[switch_off]]
program = 5
from = 2025-01-01
region = "33.99"

[parameters.a]
type = "money"
label = { id = "a", en = "a", fr = "a" }
values = [{ value = 1, from = 2025-01-01, source = "x", uncertain = "yes" }, { from = 2025-01-01 }]

[parameters.b]
values = "none"

[parameters.c]
type = "int"
values = [{ value = 1, until = 2025-01-01 }]

[parameters.d]
label = "plain"
values = ["one"]
regional = { "33.74" = 3 }

[parameters.e]
type = 1
values = []

[parameters.f]
x = 1

[criteria.two_tests]
label = { id = "x", en = "x" }
all = ["a"]
any = ["b"]

[criteria.bad_compare]
compare = { input = "age", sum_members = "age", op = "=~" }

[criteria.bad_at_least]
at_least = { k = "two", of = ["a"] }

[criteria.bad_list]
all = "a"

[criteria.bad_name_kind]
not = 3

[criteria.not_a_table]
label = 5

[programs.P]
sectors = "health"
tier = "cosmic"
benefit = { kind = "lottery" }
overlaps = [{ program = "Q", kind = "loves" }]

[programs.Q]
tier = "district"
offered_from = 2025-01-01
benefit = { kind = "fixed", amount = "a", period = "fortnight" }

[programs.R]
tier = "district"
offered_from = 2025-01-01
benefit = { kind = "per_member", period = "hourly", components = [{ criterion = "a", amount = 3 }] }
"""
        with pytest.raises(InvalidInputError) as error:
            read_variant(text, origin="bad.toml")
        rendered = [p.render("en") for p in error.value.problems]
        expected = [
            r"bad.toml:3 variant.region: Region code \"99.99\" is not in",
            r"bad.toml:4 variant.colour: Unknown key 'colour'",
            r"bad.toml:8 override\[0\].from: 'from' must be a date",
            r"bad.toml:6 override\[0\].value: 'value' is missing",
            r"bad.toml:13 override\[1\].from: '2025-02-30' is not a real date",
            r"bad.toml:14 override\[1\].region: Region code 'nowhere'",
            r"bad.toml:18 switch_off\[0\].program: 'program' must be text",
            r"bad.toml:20 switch_off\[0\].region: Region code \"33.99\"",
            r"bad.toml:23 parameters.a.type: 'type' must be one of",
            r"parameters.a.label.fr: Unknown key 'fr'",
            r"bad.toml:25 parameters.a.values\[0\].uncertain",
            r"bad.toml:25 parameters.a.values\[1\].value: 'value' is missing",
            r"bad.toml:28 parameters.b.values: Expected a list of values",
            r"parameters.c.values\[0\].from: 'from' is missing",
            r"parameters.d.label: Expected a table here",
            r"parameters.d.values\[0\]: Expected a table here",
            r"parameters.d.regional.33.74: Expected a list of values",
            r"parameters.f: Expected a parameter table|parameters.f.x: Expected a parameter table",
            r"criteria.two_tests: A criterion has exactly one test",
            r"criteria.bad_compare.compare: A comparison needs exactly one of input",
            r"criteria.bad_compare.compare: A comparison needs exactly one of param",
            r"criteria.bad_compare.compare.op: 'op' must be one of",
            r"criteria.bad_at_least.at_least.k: 'k' must be a whole number",
            r"criteria.bad_list.all: Expected a list of criterion names",
            r"criteria.bad_name_kind.not: 'not' takes a name as text",
            r"criteria.not_a_table.label: Expected a table here",
            r"programs.P.tier: 'tier' must be one of",
            r"programs.P.offered_from: 'offered_from' is missing",
            r"programs.P.benefit.kind: 'kind' must be fixed, per_member or in_kind",
            r"programs.P.overlaps\[0\].kind: 'kind' must be one of",
            r"programs.Q.benefit.period: 'period' must be one of",
            r"programs.R.benefit.period: 'period' must be one of",
            r"programs.R.benefit.components\[0\].amount: 'amount' must be text",
        ]
        for pattern in expected:
            assert any(re.search(pattern, p) for p in rendered), (pattern, rendered)

    def test_lines_are_located_for_tables_keys_and_array_items(self) -> None:
        """The locator finds headers, keys, array tables and one-per-line array items."""
        found = locate(GOOD, "g.toml")
        assert found["override[0]"] == "g.toml:8"
        assert found["override[0].value"] == "g.toml:10"
        assert found["parameters.card.max_decile.values[0]"] == "g.toml:24"
        assert found["variant.label"] == "g.toml:5"

    def test_a_missing_file_is_an_input_error(self, tmp_path: Path) -> None:
        """A path that cannot be read is reported, not raised as OSError."""
        with pytest.raises(InvalidInputError, match="Cannot read the variant file"):
            load_variant(tmp_path / "nope.toml")


class TestLoadRulebook:
    def test_files_and_values_combine(self, tmp_path: Path) -> None:
        """A variant file applies on the pack; the pack itself loads from a folder too."""
        path = tmp_path / "semarang.toml"
        path.write_text(GOOD, encoding="utf-8")
        rulebook = load_rulebook(path)
        assert "KARTU_SEHAT" in rulebook.programs
        again = load_rulebook(load_variant(path))
        assert again.version == rulebook.version
        folder = load_rulebook(pack=str(pack_path()))
        assert folder.version == load_pack().version

    def test_structural_and_semantic_problems_come_together(self, tmp_path: Path) -> None:
        """A file's typing problems and its unknown names are reported in one error."""
        path = tmp_path / "mixed.toml"
        path.write_text(
            """[variant]
name = "mixed"
region = "33.74"
[[override]]
parameter = "no.such.parameter"
value = 1
from = 2025-01-01
[[override]]
parameter = "sembako.amount"
from = "tomorrow"
value = 1
""",
            encoding="utf-8",
        )
        broken = tmp_path / "broken.toml"
        broken.write_text('[variant]\nname = "b"\nregion = "12.99"\n', encoding="utf-8")
        with pytest.raises(InvalidInputError) as error:
            load_rulebook(path, broken)
        rendered = [p.render("en") for p in error.value.problems]
        assert any("mixed.toml:5 override[0].parameter: Unknown parameter" in p for p in rendered)
        assert any("mixed.toml:10 override[1].from: 'tomorrow'" in p for p in rendered)
        assert any("broken.toml:3 variant.region" in p for p in rendered)

    def test_overlapping_overrides_point_at_both_lines(self, tmp_path: Path) -> None:
        """Two values of one parameter in one region overlapping in time are refused."""
        path = tmp_path / "overlap.toml"
        path.write_text(
            """[variant]
name = "overlap"
region = "33.74"
[[override]]
parameter = "sembako.amount"
value = 250000
from = 2025-01-01
until = 2025-12-31
[[override]]
parameter = "sembako.amount"
value = 300000
from = 2025-06-01
""",
            encoding="utf-8",
        )
        with pytest.raises(InvalidInputError) as error:
            load_rulebook(path)
        (problem,) = error.value.problems
        assert problem.path.endswith("overlap.toml:9 override[1]")
        assert "overlap.toml:4 override[0]" in problem.message
        assert "tumpang tindih" in problem.message_id


class TestPackFiles:
    def test_every_pack_file_names_its_source_and_licence(self) -> None:
        """Each shipped TOML file starts with a comment on its sources and licence."""
        for path in Path(str(pack_path())).glob("*.toml"):
            head = path.read_text(encoding="utf-8")[:600]
            assert "Licence: Apache-2.0" in head, path.name
            assert "Sources" in head or "source" in head.lower(), path.name

    def test_the_docs_example_variant_loads(self) -> None:
        """The TOML of the how-to guide is a valid variant of the pack."""
        guide = (ROOT / "docs" / "how-to" / "add-a-local-program.md").read_text(encoding="utf-8")
        block = re.search(r"```toml\n(.*?)```", guide, re.DOTALL)
        assert block is not None
        assert block.group(1) == (ROOT / "examples" / "kota_bekasi.toml").read_text(
            encoding="utf-8"
        ), "the guide shows examples/kota_bekasi.toml as it is"
        rulebook = load_pack().with_variants(read_variant(block.group(1), origin="guide"))
        decided = decide(
            household(known_person(), in_registry=True, decile=6, region=BEKASI_VILLAGE),
            on=date(2026, 2, 1),
            rulebook=rulebook,
        )
        assert decided["KARTU_SEHAT_BEKASI"].status is Status.ELIGIBLE
        assert MIROTO.code.startswith("33.74")

    def test_the_docs_error_example_is_what_loading_says(self) -> None:
        """The error shown in the how-to guide is the error the library gives."""
        guide = (ROOT / "docs" / "how-to" / "add-a-local-program.md").read_text(encoding="utf-8")
        block = re.search(r"```toml\n(.*?)```", guide, re.DOTALL)
        shown = re.search(r"```text\n(.*?)```", guide, re.DOTALL)
        assert block is not None
        assert shown is not None
        broken = block.group(1).replace(
            'parameter = "pkh.elderly_min_age"', 'parameter = "pkh.elderly_min_agee"'
        )
        broken = broken.replace("{ value = 6, from", "{ value = 60, from")
        with pytest.raises(InvalidInputError) as error:
            load_pack().with_variants(read_variant(broken, origin="kota-bekasi.toml"))
        assert str(error.value) == shown.group(1).strip()

    def test_the_pack_reference_lists_every_program_and_parameter(self) -> None:
        """docs/reference/program-pack.md names every program and parameter of the pack."""
        page = (ROOT / "docs" / "reference" / "program-pack.md").read_text(encoding="utf-8")
        pack = load_pack()
        for code in pack.programs:
            assert f"## {code}" in page, code
        for name in pack.parameters:
            assert f"`{name}`" in page, name
