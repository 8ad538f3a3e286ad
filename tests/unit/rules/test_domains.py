"""Parameters know their domain; variants declare intent and approval; problems in file order."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.rules import (
    Approval,
    Domain,
    Intent,
    Override,
    Parameter,
    ParameterValue,
    Plausible,
    ValueType,
    Variant,
    VariantStatus,
    load_pack,
    read_variant,
)
from slrt_core.rules._build_state import in_file_order
from slrt_core.rules._parameters import unit_domain

BEKASI = RegionCode("32.75")


def _variant(body: str, head: str = "") -> str:
    return f'[variant]\nname = "bekasi"\nregion = "32.75"\n{head}\n{body}'


def _problems(text: str) -> tuple[Problem, ...]:
    with pytest.raises(InvalidInputError) as error:
        load_pack().with_variants(read_variant(text, origin="v.toml"))
    return error.value.problems


class TestDomain:
    def test_every_pack_parameter_declares_its_domain_and_plausible_range(self) -> None:
        """Each non-bool pack parameter has a domain and a plausible range with a reason."""
        for name, param in load_pack().parameters.items():
            if param.type is ValueType.BOOL:
                continue
            assert param.domain is not None, name
            assert param.plausible is not None, name
            assert param.plausible.reason, name
            assert param.unit, name

    def test_a_decile_out_of_range_is_refused_at_the_line_of_the_value(self) -> None:
        """A decile limit of 60 (for 6) is refused at load, naming the parameter and line."""
        text = _variant(
            '[[override]]\nparameter = "registry.max_decile"\nvalue = 60\nfrom = 2026-01-01\n'
        )
        (problem,) = _problems(text)
        assert problem.path == "v.toml:7 override[0].value"
        assert "'registry.max_decile' is impossible: 60 is outside 1-10" in problem.message
        assert "60 di luar 1-10" in problem.message_id

    def test_a_variant_parameter_gets_the_domain_of_its_unit(self) -> None:
        """A variant's own decile parameter of 60 is refused without declaring a domain."""
        text = _variant(
            "[parameters.card.max_decile]\n"
            'type = "int"\nunit = "decile"\n'
            'label = { id = "Desil", en = "Decile" }\n'
            'values = [{ value = 60, from = 2026-01-01, source = "Perwal" }]\n'
        )
        (problem,) = _problems(text)
        assert problem.path == "v.toml:9 parameters.card.max_decile.values[0].value"
        assert "60 is outside 1-10" in problem.message

    def test_choices_and_lists(self) -> None:
        """A VA class PLN does not sell is refused element by element."""
        domain = Domain(choices=(450, 900))
        assert domain.problem((450, 901)) == (
            "901 is not one of 450, 900",
            "901 bukan salah satu dari 450, 900",
        )
        assert domain.problem(True) is None
        assert Domain(maximum=3).problem(4) == ("4 is outside <= 3", "4 di luar <= 3")
        assert Domain(minimum=0).problem(-1) == ("-1 is outside >= 0", "-1 di luar >= 0")

    def test_units_imply_domains(self) -> None:
        """Rupiah, deciles, years, persons and VA have domains; other units none."""
        assert unit_domain("IDR/month") == Domain(
            minimum=0, reason="an amount of Rupiah is never negative"
        )
        assert unit_domain("persons").minimum == 0
        assert 900 in unit_domain("VA").choices  # type: ignore[union-attr]
        assert unit_domain("") is None
        param = Parameter(
            name="x",
            type=ValueType.INT,
            label_id="x",
            label_en="x",
            unit="years",
            values=[ParameterValue(value=1, valid_from=date(2025, 1, 1), source="s")],
        )
        assert param.effective_domain == unit_domain("years")

    def test_plausible_range(self) -> None:
        """A plausible range contains lists element by element and shows itself."""
        plausible = Plausible(minimum=55, maximum=75, reason="r")
        assert plausible.contains(65)
        assert not plausible.contains(6)
        assert plausible.contains((60, 70))
        assert plausible.shown() == "55-75"
        assert Plausible(maximum=9).shown() == "<= 9"

    def test_domain_and_plausible_read_from_toml(self) -> None:
        """domain and plausible tables are read; bad bounds and lists are reported."""
        text = _variant(
            "[parameters.card.max_decile]\n"
            'type = "int"\nunit = "decile"\n'
            'label = { id = "Desil", en = "Decile" }\n'
            'domain = { min = "one", in = "x" }\n'
            "plausible = { min = 1, max = 6 }\n"
            'values = [{ value = 5, from = 2026-01-01, source = "Perwal" }]\n'
        )
        with pytest.raises(InvalidInputError) as error:
            read_variant(text, origin="v.toml")
        shown = [p.path for p in error.value.problems]
        assert shown == [
            "v.toml:9 parameters.card.max_decile.domain.in",
            "v.toml:9 parameters.card.max_decile.domain.min",
            "v.toml:10 parameters.card.max_decile.plausible.reason",
        ]


class TestFileOrder:
    def test_problems_come_in_file_order(self) -> None:
        """Problems of one file are sorted by line, whatever order the checks found them."""
        text = _variant(
            '[[override]]\nparameter = "pkh.elderly_min_agee"\nvalue = 65\nfrom = 2026-01-01\n'
            '[[override]]\nparameter = "registry.max_decile"\nvalue = 60\nfrom = 2026-01-01\n'
        )
        lines = [int(p.path.split(":")[1].split()[0]) for p in _problems(text)]
        assert lines == sorted(lines)

    def test_unplaced_problems_come_last(self) -> None:
        """A problem without a file line keeps its place after the placed ones."""
        found = in_file_order([Problem("x", "", ""), Problem("a.toml:3 y", "", "")])
        assert [p.path for p in found] == ["a.toml:3 y", "x"]


class TestIntentAndApproval:
    def test_intent_and_approval_read_from_toml(self) -> None:
        """[variant.intent] and the approval keys become an Intent and an Approval."""
        head = (
            'status = "approved"\nrevision = 2\ndecree = "Perwal Kota Bekasi 1/2026"\n'
            'approved_by = "Kepala Dinas Sosial"\napproved_on = 2025-12-15\n'
            '[variant.intent]\nprograms = ["PKH"]\nregion = "32.75"\n'
            "from = 2026-01-01\nuntil = 2026-12-31\n"
        )
        variant = read_variant(_variant("", head), origin="v.toml")
        assert variant.intent == Intent(
            programs=("PKH",),
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 31),
            region=BEKASI,
        )
        assert variant.approval.status is VariantStatus.APPROVED
        assert variant.approval.revision == 2
        load_pack().with_variants(variant)  # loads

    def test_an_approval_without_decree_or_approver_is_refused(self) -> None:
        """An approved variant must say under which decree, by whom and when."""
        (problem_1, problem_2, problem_3) = _problems(_variant("", 'status = "approved"'))
        assert "decree" in problem_1.path
        assert "needs the decree reference" in problem_1.message
        assert "approved_by" in problem_2.path
        assert "approved_on" in problem_3.path

    def test_bad_intent_and_revision_are_reported(self) -> None:
        """Unknown intent programs get a suggestion; a bad revision and dates are named."""
        with pytest.raises(InvalidInputError, match="'revision' must be a whole number from 1"):
            read_variant(_variant("", "revision = 0"), origin="v.toml")
        head = '[variant.intent]\nprograms = ["PKHH"]\nfrom = 2026-02-01\nuntil = 2026-01-01\n'
        problems = _problems(_variant("", head))
        messages = " ".join(p.message for p in problems)
        assert "Did you mean 'PKH'?" in messages
        assert "The intent ends on 2026-01-01 before it starts on 2026-02-01" in messages

    def test_intent_needs_a_list_and_a_start(self) -> None:
        """An intent without programs or start date says what to write."""
        with pytest.raises(InvalidInputError) as error:
            read_variant(_variant("", '[variant.intent]\nprograms = "PKH"\n'), origin="v.toml")
        messages = " ".join(p.message for p in error.value.problems)
        assert "List the program codes" in messages
        assert "'from' is missing" in messages

    def test_intent_region_must_lie_inside_the_variant(self) -> None:
        """An intent region outside the variant's region is refused."""
        variant = Variant(
            name="x",
            region=BEKASI,
            intent=Intent(
                programs=["PKH"], valid_from=date(2026, 1, 1), region=RegionCode("31.71")
            ),
        )
        with pytest.raises(InvalidInputError, match="outside the variant's region"):
            load_pack().with_variants(variant)

    def test_approval_does_not_change_the_content_hash(self) -> None:
        """Approving a revision keeps its content hash and the rulebook's version."""
        draft = Variant(
            name="x",
            region=BEKASI,
            overrides=[
                Override(
                    parameter="pkh.elderly_min_age",
                    value=65,
                    valid_from=date(2026, 1, 1),
                    source="Perwal",
                )
            ],
        )
        approved = attrs.evolve(
            draft,
            approval=Approval(
                status=VariantStatus.APPROVED,
                decree="d",
                approved_by="a",
                approved_on=date(2025, 12, 1),
            ),
        )
        assert draft.content_hash == approved.content_hash
        pack = load_pack()
        assert pack.with_variants(draft).version == pack.with_variants(approved).version
        changed = attrs.evolve(draft, overrides=[attrs.evolve(draft.overrides[0], value=66)])
        assert changed.content_hash != draft.content_hash

    def test_two_revisions_of_one_variant_compare(self) -> None:
        """replacing() swaps a revision for another instead of failing 'already defined'."""
        card = (
            "[parameters.card.max_decile]\n"
            'type = "int"\nunit = "decile"\n'
            'label = {{ id = "Desil", en = "Decile" }}\n'
            'values = [{{ value = {d}, from = 2026-01-01, source = "Perwal" }}]\n'
        )
        first = read_variant(_variant(card.format(d=5)), origin="v1.toml")
        second = read_variant(_variant(card.format(d=6), "revision = 2"), origin="v2.toml")
        base = load_pack().with_variants(first)
        with pytest.raises(InvalidInputError, match="already defined"):
            base.with_variants(second)
        after = base.replacing(second)
        assert after.variants == (second,)
        on = date(2026, 2, 1)
        assert after.resolve("32.75.01", on).parameters["card.max_decile"].value == "6"
        assert base.resolve("32.75.01", on).parameters["card.max_decile"].value == "5"


class TestReference:
    def test_the_pack_reference_lists_every_domain_and_plausible_range(self) -> None:
        """docs/reference/program-pack.md shows each parameter's domain and plausible range."""
        from pathlib import Path

        page = Path(__file__).resolve().parents[3] / "docs" / "reference" / "program-pack.md"
        text = page.read_text(encoding="utf-8")
        section = text.split("## Domains and plausible ranges", 1)[1].split("\n## ", 1)[0]
        for name, param in load_pack().parameters.items():
            if param.type is ValueType.BOOL:
                continue
            row = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
            assert param.plausible is not None
            assert param.plausible.reason in row, name
