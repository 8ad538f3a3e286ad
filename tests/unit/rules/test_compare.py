"""Comparing a variant with the rules in force, and the ``slrt rules diff`` command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from slrt_core._rules_cli import rules
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.rules import Override, SwitchOff, Variant, compare, load_pack, synthetic_tables

REGIONS = ("33.74.01.1001", "33.74.02.1001", "32.73.01.1001")
ON = date(2025, 3, 1)

VARIANT = """[variant]
name = "semarang-sembako"
region = "33.74"
[[override]]
parameter = "sembako.amount"
value = 250000
from = 2025-01-01
source = "Perwali (example)"
"""


def _semarang(**kw: object) -> Variant:
    return Variant(name="semarang", region=RegionCode("33.74"), **kw)  # type: ignore[arg-type]


class TestCompare:
    def test_a_raised_amount_changes_benefits_only_in_its_region(self) -> None:
        """Raising Sembako in Semarang raises Semarang's total benefit and nothing else."""
        base = load_pack()
        variant = base.with_variants(
            _semarang(
                overrides=[Override(parameter="sembako.amount", value=250_000, valid_from=ON)]
            )
        )
        tables = synthetic_tables(3000, seed=2, regions=REGIONS)
        result = compare(base, variant, tables, on=ON, programs=["SEMBAKO", "PKH"])
        rows = {(r.program, r.region): r for r in result.rows}
        semarang = rows["SEMBAKO", "33.74"]
        bandung = rows["SEMBAKO", "32.73"]
        assert semarang.benefit_change == semarang.eligible_after * 50_000
        assert semarang.gained == semarang.lost == 0
        assert bandung.benefit_change == 0
        assert not bandung.changed
        assert not rows["PKH", "33.74"].changed
        total = result.total("SEMBAKO")
        assert total.households == 3000
        assert total.benefit_change == semarang.benefit_change
        assert "SEMBAKO | 33.74 | 0 | 0 |" in result.render("en")
        assert "perubahan manfaat" in result.render("id")
        assert result.render("en", only_changes=True).count("\n") < result.render(
            "en", only_changes=False
        ).count("\n")

    def test_gainers_and_losers_are_households(self) -> None:
        """Switching a program off loses its households; a lower age gains new ones."""
        base = load_pack()
        variant = base.with_variants(
            _semarang(
                switch_offs=[SwitchOff(program="KUBE", valid_from=ON)],
                overrides=[Override(parameter="pkh.elderly_min_age", value=60, valid_from=ON)],
            )
        )
        tables = synthetic_tables(3000, seed=4, regions=REGIONS)
        result = compare(base, variant, tables, on=ON, level=RegionLevel.PROVINCE)
        assert result.total("KUBE").lost == len(result.losers("KUBE")) > 0
        assert result.total("KUBE").gained == 0
        assert result.total("PKH").gained == len(result.gainers("PKH")) > 0
        regions = np.asarray(result.before.population.regions)[
            result.before.population.region_index[result.losers("KUBE")]
        ]
        assert all(code.startswith("33.74") for code in regions)
        assert {r.region for r in result.rows} == {"", "33", "32"}
        records = result.to_records()
        assert (
            records[0]["benefit_change"]
            == records[0]["benefit_after"] - records[0]["benefit_before"]
        )
        assert json.loads(result.to_json())["level"] == "province"

    def test_a_local_program_counts_as_gained(self) -> None:
        """A program only the variant has was not eligible before."""
        from tests.unit.rules.builders import criterion, program

        from slrt_core.rules import Compare, InKindBenefit, Input, Value

        variant = load_pack().with_variants(
            _semarang(
                criteria=[
                    criterion("listed_card", Compare(Input("in_registry"), "==", Value(value=True)))
                ],
                programs=[
                    program(
                        "CARD",
                        "listed_card",
                        benefit=InKindBenefit(description_id="Kartu", description_en="Card"),
                    )
                ],
            )
        )
        tables = synthetic_tables(500, seed=6, regions=REGIONS)
        result = compare(load_pack(), variant, tables, on=ON, level=RegionLevel.NATIONAL)
        card = result.total("CARD")
        assert card.eligible_before == 0
        assert card.gained == card.eligible_after > 0
        assert {r.region for r in result.rows} == {""}
        nothing = compare(load_pack(), load_pack(), tables, on=ON, programs=["PIP"])
        assert nothing.render("en").endswith("no change")
        assert nothing.render("id").endswith("tidak ada perubahan")


class TestDiffCommand:
    def test_diff_on_a_synthetic_population(self, tmp_path: Path) -> None:
        """``slrt rules diff`` prints the changes for a variant file."""
        path = tmp_path / "semarang.toml"
        path.write_text(VARIANT, encoding="utf-8")
        result = CliRunner().invoke(
            rules, ["diff", str(path), "--on", "2025-03-01", "--synthetic", "1500", "--seed", "3"]
        )
        assert result.exit_code == 0, result.output
        assert "SEMBAKO | 33.74 |" in result.output
        assert "->" in result.output.splitlines()[0]

    def test_diff_reads_npz_and_parquet_and_prints_json(self, tmp_path: Path) -> None:
        """Populations come from an .npz file or a folder of parquet files."""
        path = tmp_path / "semarang.toml"
        path.write_text(VARIANT, encoding="utf-8")
        tables = synthetic_tables(800, seed=8, regions=REGIONS)
        arrays = {f"households/{k}": v for k, v in tables["households"].items()}
        arrays |= {f"persons/{k}": v for k, v in tables["persons"].items()}
        arrays["regions"] = np.asarray(tables["regions"])
        np.savez(tmp_path / "pop.npz", **arrays)
        args = ["diff", str(path), "--on", "2025-03-01", "--json", "--level", "district"]
        done = CliRunner().invoke(rules, [*args, "--population", str(tmp_path / "pop.npz")])
        assert done.exit_code == 0, done.output
        data = json.loads(done.output)
        assert data["level"] == "district"
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        folder = tmp_path / "parquet"
        folder.mkdir()
        households = dict(tables["households"])
        households["region"] = np.asarray(tables["regions"])[households["region"]]
        pq.write_table(pa.table(households), folder / "households.parquet")
        pq.write_table(pa.table(tables["persons"]), folder / "persons.parquet")
        again = CliRunner().invoke(rules, [*args, "--population", str(folder), "--all-rows"])
        assert again.exit_code == 0, again.output
        assert json.loads(again.output)["rows"] == data["rows"]

    def test_diff_reports_problems_in_the_chosen_language(self, tmp_path: Path) -> None:
        """A broken variant or population file gives its message and exit status 1."""
        path = tmp_path / "bad.toml"
        path.write_text(
            '[variant]\nname = "x"\nregion = "33.74"\n'
            '[[override]]\nparameter = "nope"\nvalue = 1\nfrom = 2025-01-01\n',
            encoding="utf-8",
        )
        done = CliRunner().invoke(rules, ["diff", str(path), "--on", "2025-03-01", "-l", "id"])
        assert done.exit_code == 1
        assert "tidak dikenal" in done.output
        np.savez(tmp_path / "odd.npz", stuff=np.arange(3))
        good = tmp_path / "good.toml"
        good.write_text(VARIANT, encoding="utf-8")
        done = CliRunner().invoke(
            rules,
            ["diff", str(good), "--on", "2025-03-01", "--population", str(tmp_path / "odd.npz")],
        )
        assert done.exit_code == 1
        assert "households/<column>" in done.output
