"""Scenario files, sweeps, optional extras and figures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from slrt_core import InvalidInputError, SlrtError
from slrt_core.sim import (
    default_policies,
    default_scenario,
    figures,
    load_scenario,
    parse_scenario,
    plot,
    run,
    sweep,
)
from slrt_core.sim._results import require


def test_a_file_changes_only_what_it_names(tmp_path: Path) -> None:
    """Staff, changes, services and policies come from the file; the rest is default."""
    path = tmp_path / "s.toml"
    path.write_text(
        """
[scenario]
district = "33.01"
days = 30
name = "Cilacap shock"
[office.staff]
supervisor = 1
[office.work]
supervisor = 0.1
[[changes]]
start = 10
end = 20
arrivals = 1.5
services = ["pbi-dinsos"]
[[services]]
service_id = "pbi-dinsos"
waitlist = 9
answer = { kind = "uniform", low = 0.5, high = 1.5 }
late = { kind = "fixed", days = 3 }
[[services]]
service_id = "pangan-foodbank"
service = { kind = "lognormal", median = 2.0, sigma = 0.3 }
[[policies]]
name = "p"
""",
        encoding="utf-8",
    )
    scenario, policies = load_scenario(path)
    assert scenario.name == "Cilacap shock"
    assert scenario.office.staff["supervisor"] == 1
    assert scenario.office.work["supervisor"] == 0.1
    assert scenario.changes[0].arrivals == 1.5
    assert scenario.model("pbi-dinsos").waitlist == 9
    assert scenario.model("pbi-dinsos").answer.kind == "uniform"
    assert scenario.model("pangan-foodbank").service.a == 2.0
    assert [p.name for p in policies] == ["p"]
    default = default_scenario(district="33.01", per_week=None)
    assert scenario.intakes == default.intakes  # no per_week: the district's own pace


def test_every_mistake_of_a_file_is_listed_with_its_key() -> None:
    """Unknown keys, wrong types, bad distributions and routings, all at once."""
    with pytest.raises(InvalidInputError) as caught:
        parse_scenario(
            """
colour = 1
[scenario]
days = "many"
speed = 2
[[changes]]
capacity = 0.5
[[services]]
service_id = "pbi-dinsos"
capacity = 1.5
service = { kind = "weibull" }
answer = { kind = "fixed" }
[[services]]
name = "x"
[[policies]]
name = "p"
routing = "random"
[[policies]]
capacities = 3
""",
            "bad.toml",
        )
    paths = [p.path for p in caught.value.problems]
    assert "bad.toml:colour" in paths
    assert "bad.toml:scenario.days" in paths
    assert "bad.toml:scenario.speed" in paths
    with pytest.raises(InvalidInputError) as later:
        parse_scenario(
            """
[[changes]]
capacity = 0.5
[[services]]
service_id = "pbi-dinsos"
capacity = 1.5
service = { kind = "weibull" }
answer = { kind = "fixed" }
[[services]]
name = "x"
[[policies]]
name = "p"
routing = "random"
[[policies]]
capacities = 3
[[policies]]
name = "q"
capacities = 3
""",
            "bad.toml",
        )
    paths = [p.path for p in later.value.problems]
    for key in (
        "changes[0]",
        "services[0].capacity",
        "services[0].service",
        "services[0].answer.days",
        "services[1]",
        "policies[0].routing",
        "policies[1]",
        "policies[2].capacities",
    ):
        assert f"bad.toml:{key}" in paths, key


def test_unreadable_or_invalid_files_are_clear_errors(tmp_path: Path) -> None:
    """A missing file and broken TOML are InvalidInputErrors, in both languages."""
    with pytest.raises(InvalidInputError) as missing:
        load_scenario(tmp_path / "nope.toml")
    assert "Tidak bisa membaca" in missing.value.message("id")
    with pytest.raises(InvalidInputError):
        parse_scenario("[scenario")
    with pytest.raises(InvalidInputError) as region:
        parse_scenario('[scenario]\ndistrict = "33"')
    assert region.value.problems[0].path.startswith("scenario:scenario.")


def test_a_sweep_writes_one_tidy_table(tmp_path: Path) -> None:
    """Every grid point x policy x seed is a row; CSV and Parquet files hold the same."""

    def build(per_week: float, drain: int) -> object:
        return default_scenario(days=7, per_week=per_week, households=300, drain=drain)

    grid = {"per_week": [10, 20], "drain": [5]}
    table = sweep(build, grid, default_policies(), [1, 2], out=tmp_path / "t.csv")  # type: ignore[arg-type]
    assert len(table["seed"]) == 2 * 2 * 2
    assert table["drain"] == [5] * 8
    with (tmp_path / "t.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8
    sweep(build, {"per_week": [10], "drain": [5]}, default_policies()[:1], [1],  # type: ignore[arg-type]
          out=tmp_path / "t.parquet")  # fmt: skip
    assert (tmp_path / "t.parquet").stat().st_size > 0
    with pytest.raises(InvalidInputError):
        sweep(build, {}, default_policies(), [1])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        sweep(build, {"per_week": [1]}, default_policies(), [1], out=tmp_path / "t.xlsx")  # type: ignore[arg-type]


def test_a_missing_extra_is_a_clear_slrt_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pandas, frame() raises an SlrtError naming the sim extra, in two languages."""
    import importlib

    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> object:
        if name == "pandas":
            raise ModuleNotFoundError(name)
        return real(name, package)

    result = run(default_scenario(days=5, per_week=10, households=200, drain=5),
                 default_policies()[:1], [1])  # fmt: skip
    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(SlrtError) as caught:
        result.frame()
    assert "slrt-core[sim]" in str(caught.value)
    assert "belum terpasang" in caught.value.message("id")
    assert require("math").pi > 3


def test_figures_are_returned_and_take_options(tmp_path: Path) -> None:
    """figures() returns Figures with intervals; plot() writes them in the chosen format."""
    result = run(default_scenario(days=7, per_week=20, households=300, drain=10),
                 default_policies(), [1, 2])  # fmt: skip
    drawn = figures(result, language="id", size=(5.0, 3.0))
    assert set(drawn) == {"funnel", "time_to_service", "queues"}
    queue_axes = drawn["queues"].axes[0]
    assert "hari" in queue_axes.get_xlabel()
    assert any("penuntasan" in t.get_text() for t in queue_axes.texts)
    assert queue_axes.collections  # the interval bands
    written = plot(result, tmp_path, suffix="svg", dpi=50)
    assert [p.suffix for p in written] == [".svg"] * 3
    single = run(default_scenario(days=5, per_week=10, households=200, drain=5),
                 default_policies()[:1], [1])  # fmt: skip
    assert not figures(single)["queues"].axes[0].collections
