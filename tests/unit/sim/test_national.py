"""National screening on a partitioned Parquet dataset, reduced per region."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from slrt_core import InvalidInputError
from slrt_core.cli import main
from slrt_core.rules import screen
from slrt_core.sim import partitions, screen_parquet, write_partitions
from slrt_core.sim._national import _read
from slrt_core.sim._run import national_pack

ON = date(2026, 1, 5)
VARIANT = """[variant]
name = "diy-deciles-6"
region = "34"
[[override]]
parameter = "registry.max_decile"
value = 6
from = 2025-01-01
source = "Example only"
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("national")
    write_partitions(root, ["34.71", "34.02"], scale=0.004, seed=2)
    return root


def test_the_reduction_equals_screening_each_partition_in_process(dataset: Path) -> None:
    """Per-district counts equal an in-process screen; provinces and the nation add up."""
    result = screen_parquet(dataset, rulebook=national_pack(), on=ON, per_household=True)
    table = result.table()
    rows = {(a, p): i for i, (a, p) in enumerate(zip(table["area"], table["program"], strict=True))}
    for folder in partitions(dataset):
        code = folder.name.split("=")[1]
        tables = _read(folder)
        whole = screen(tables, on=ON, rulebook=national_pack())
        i = rows[(code, "PKH")]
        assert table["eligible"][i] == int((whole.status["PKH"] == 1).sum())
        assert table["households"][i] == len(tables["households"]["region"])
        import pyarrow.parquet as pq

        written = pq.read_table(folder / "screened.parquet")
        assert np.array_equal(written.column("status_PKH").to_numpy(), whole.status["PKH"])
    for name in ("households", "eligible", "benefit"):
        districts = sum(table[name][rows[(c, "PKH")]] for c in ("34.71", "34.02"))
        assert table[name][rows[("34", "PKH")]] == districts
        assert table[name][rows[("", "PKH")]] == districts
    assert result.households == table["households"][rows[("", "PKH")]]
    assert all(p["peak_rss_mb"] > 0 for p in result.parts)


def test_a_variant_counts_who_gains_and_loses(dataset: Path, tmp_path: Path) -> None:
    """With a variant, gained and lost come from compare() on each partition."""
    from slrt_core.rules import load_pack, load_variant

    path = tmp_path / "wider.toml"
    path.write_text(VARIANT, encoding="utf-8")
    base = load_pack()
    variant = base.with_variants(load_variant(path))
    result = screen_parquet(dataset, rulebook=base, on=ON, variant=variant)
    table = result.table()
    i = next(
        k
        for k, (a, p) in enumerate(zip(table["area"], table["program"], strict=True))
        if a == "" and p == "PKH"
    )
    assert table["gained"][i] > 0
    assert (
        table["eligible_variant"][i] == table["eligible"][i] + table["gained"][i] - table["lost"][i]
    )


def test_the_command_screens_and_prints_the_reduction(dataset: Path) -> None:
    """slrt rules screen --parquet DIR prints provinces and the nation, in Indonesian too."""
    result = CliRunner().invoke(
        main, ["rules", "screen", "--parquet", str(dataset), "--on", "2026-01-05", "-l", "id"]
    )
    assert result.exit_code == 0, result.output
    assert "Indonesia" in result.output
    assert "rumah tangga/detik" in result.output
    bad = CliRunner().invoke(
        main, ["rules", "screen", "--parquet", str(dataset), "--workers", "-1"]
    )
    assert bad.exit_code != 0
    assert "--workers" in bad.output


def test_an_empty_directory_is_a_clear_error(tmp_path: Path) -> None:
    """No partition: the error says which layout is expected."""
    with pytest.raises(InvalidInputError) as caught:
        partitions(tmp_path)
    assert "district=<code>" in str(caught.value)
