"""`slrt simulate`: summary, files, plots, the dask option and friendly errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from slrt_core.cli import main

SMALL = ["--days", "10", "--per-week", "30", "--households", "600", "--seeds", "2"]


class TestSimulate:
    def test_prints_the_comparison_and_writes_tables_and_plots(self, tmp_path: Path) -> None:
        """The summary compares both built-in policies; --out gets CSV tables and PNGs."""
        out = tmp_path / "out"
        result = CliRunner().invoke(
            main,
            ["simulate", *SMALL, "--out", str(out)],
        )
        assert result.exit_code == 0, result.output
        assert "Scenario Kota Semarang, 10 days: 2 seed(s)" in result.output
        assert "Difference from nearest-tier, paired by seed" in result.output
        assert "through the real Slrt service" in result.output
        names = sorted(p.name for p in out.iterdir())
        assert names == sorted(
            [
                *(f"{t}.csv" for t in ("cases", "referrals", "queues", "services", "runs")),
                "funnel.png", "time_to_service.png", "queues.png",
            ]
        )  # fmt: skip

    def test_one_policy_and_no_files(self, tmp_path: Path) -> None:
        """--policy picks a built-in policy; without --out nothing is written."""
        result = CliRunner().invoke(main, ["simulate", *SMALL, "--policy", "least-loaded"])
        assert result.exit_code == 0, result.output
        assert "least-loaded" in result.output
        assert "nearest-tier" not in result.output
        assert "Wrote" not in result.output
        only = CliRunner().invoke(
            main,
            ["simulate", *SMALL, "--policy", "least-loaded", "--out", str(tmp_path),
             "--format", "parquet"],
        )  # fmt: skip
        assert only.exit_code == 0, only.output
        assert not list(tmp_path.glob("*.csv"))
        assert len(list(tmp_path.glob("*.parquet"))) == 5

    def test_a_bad_district_is_a_friendly_error(self) -> None:
        """An unknown region is reported as a message, in the chosen language."""
        result = CliRunner().invoke(main, ["simulate", "--district", "33.99", "-l", "id"])
        assert result.exit_code == 1
        assert "Traceback" not in result.output
        assert "33.99" in result.output
        assert "tidak ada" in result.output

    def test_help_is_fast_to_reach(self) -> None:
        """The command is listed without importing the simulation package."""
        result = CliRunner().invoke(main, ["--help"])
        assert "simulate" in result.output
        probe = (
            "import sys, slrt_core.cli; "
            "print(any(m.startswith('slrt_core.sim') for m in sys.modules))"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "False"


class TestSqliteStores:
    def test_each_run_is_kept_in_its_own_verified_sqlite_file(self, tmp_path: Path) -> None:
        """--sqlite keeps every run on the embedded store; each file verifies on its own."""
        stores = tmp_path / "stores"
        result = CliRunner().invoke(main, ["simulate", *SMALL, "--sqlite", str(stores)])
        assert result.exit_code == 0, result.output
        assert f"SQLite files in {stores}" in result.output
        assert "every hash chain OK" in result.output
        files = sorted(p.name for p in stores.iterdir() if p.suffix == ".sqlite")
        assert files == [
            "least-loaded-seed1.sqlite",
            "least-loaded-seed2.sqlite",
            "nearest-tier-seed1.sqlite",
            "nearest-tier-seed2.sqlite",
        ]
        check = CliRunner().invoke(main, ["audit", "verify", str(stores / files[0])])
        assert check.exit_code == 0, check.output
        assert check.output.startswith("OK: ")

    def test_existing_stores_are_refused_before_any_run(self, tmp_path: Path) -> None:
        """A store file that exists already is listed, and nothing runs or is written."""
        stores = tmp_path / "stores"
        stores.mkdir()
        (stores / "nearest-tier-seed1.sqlite").write_bytes(b"keep me")
        result = CliRunner().invoke(main, ["simulate", *SMALL, "--sqlite", str(stores)])
        assert result.exit_code == 1
        assert "nearest-tier-seed1.sqlite exists already" in result.output
        assert (stores / "nearest-tier-seed1.sqlite").read_bytes() == b"keep me"
        assert sorted(p.name for p in stores.iterdir()) == ["nearest-tier-seed1.sqlite"]

    def test_an_unwritable_store_directory_is_refused(self, tmp_path: Path) -> None:
        """A store directory that cannot be created is a friendly error."""
        blocker = tmp_path / "file"
        blocker.write_text("not a directory")
        result = CliRunner().invoke(main, ["simulate", *SMALL, "--sqlite", str(blocker / "x")])
        assert result.exit_code == 1
        assert "Cannot create" in result.output


SCENARIO = """
[scenario]
district = "11.01"
days = 7
drain = 10
per_week = 25
households = 400
warmup = 2

[office.staff]
facilitator = 2

[[changes]]
start = 2
end = 5
capacity = 0.5

[[services]]
service_id = "pbi-dinsos"
capacity = 3
service = { kind = "exponential", mean = 4.0 }

[[policies]]
name = "nearest"
routing = "nearest-tier"

[[policies]]
name = "more-places"
routing = "least-loaded"
capacities = { pbi-dinsos = 6 }
"""


class TestScenarioFilesAndLanguages:
    def test_a_scenario_file_runs_in_indonesian(self, tmp_path: Path) -> None:
        """--scenario loads the TOML file; -l id translates the table and its numbers."""
        path = tmp_path / "aceh.toml"
        path.write_text(SCENARIO, encoding="utf-8")
        out = tmp_path / "out"
        result = CliRunner().invoke(
            main,
            ["simulate", "--scenario", str(path), "--seeds", "2", "-l", "id", "--out", str(out)],
        )
        assert result.exit_code == 0, result.output
        assert "Kabupaten Aceh Selatan" in result.output
        assert "Selisih terhadap nearest" in result.output
        assert "Definisi:" in result.output
        assert "hari kerja" in result.output
        assert "working days" not in result.output
        assert "Menulis" in result.output
        assert (out / "queues.png").exists()

    def test_options_clashing_with_the_file_are_named_before_anything_prints(
        self, tmp_path: Path
    ) -> None:
        """--days with --scenario is refused, naming --days, with nothing else printed."""
        path = tmp_path / "s.toml"
        path.write_text(SCENARIO, encoding="utf-8")
        result = CliRunner().invoke(main, ["simulate", "--scenario", str(path), "--days", "3"])
        assert result.exit_code == 1
        assert "--days" in result.output
        assert "Simulating" not in result.output

    def test_bad_option_values_name_the_option(self) -> None:
        """--days 0, --seeds 0, --workers -1: each problem under the option typed."""
        result = CliRunner().invoke(
            main, ["simulate", "--days", "0", "--seeds", "0", "--workers", "-1"]
        )
        assert result.exit_code != 0  # 1 from our check, 2 if click's ranges catch it first
        assert "--" in result.output
        again = CliRunner().invoke(main, ["simulate", "--days", "0", "--seeds", "2"])
        assert again.exit_code != 0
        assert "--days" in again.output
        assert "Simulating" not in again.output
        seeds = CliRunner().invoke(main, ["simulate", "--seeds", "0"])
        assert "--seeds" in seeds.output
        workers = CliRunner().invoke(main, ["simulate", "--workers", "-1"])
        assert "--workers" in workers.output
        hh = CliRunner().invoke(main, ["simulate", "--households", "0", "-l", "id"])
        assert "--households" in hh.output
