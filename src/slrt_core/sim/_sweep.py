"""Sweeps: a scenario builder over a grid of parameters, every point on every seed.

The result is one tidy table, a row per grid point, policy and seed, with a column per
parameter and per metric, ready for a plot or a regression; runs with the same seed
share their random numbers across the grid (common random numbers), so neighbouring
points differ by the parameters, not by the draw.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from slrt_core.errors import InvalidInputError
from slrt_core.sim._results import METRICS, Columns
from slrt_core.sim._run import run
from slrt_core.sim._scenario import Policy, Scenario

__all__ = ["sweep"]


def sweep(
    build: Callable[..., Scenario],
    grid: Mapping[str, Sequence[Any]],
    policies: Iterable[Policy],
    seeds: Iterable[int],
    *,
    out: str | Path | None = None,
    client: Any = None,
) -> Columns:
    """Run ``build(**point)`` for every point of *grid*, under every policy and seed.

    Args:
        build: keyword arguments of a grid point -> the scenario.
        grid: parameter name -> the values to try; every combination is run.
        policies: the policies.
        seeds: the seeds.
        out: write the table there too: ``.csv``, or ``.parquet`` (needs pyarrow).
        client: a ``dask.distributed.Client`` for the runs of each point.

    Returns:
        The tidy table: the grid's parameters, ``policy``, ``seed`` and the
        :data:`METRICS`.

    Raises:
        InvalidInputError: an empty grid or an unknown output suffix, before any run.

    Examples:
        >>> from slrt_core.sim import default_policies, default_scenario
        >>> table = sweep(
        ...     lambda per_week: default_scenario(days=7, per_week=per_week,
        ...                                       households=300, drain=10),
        ...     {"per_week": [10, 20]}, default_policies()[:1], seeds=[1])
        >>> table["per_week"], table["cases"][0] < table["cases"][1]
        ([10, 20], True)
    """
    names = list(grid)
    suffix = Path(out).suffix if out is not None else ".csv"
    if not names or any(len(grid[n]) == 0 for n in names) or suffix not in {".csv", ".parquet"}:
        raise InvalidInputError.single(
            "grid",
            "Give each grid parameter one or more values, and an output ending in .csv or "
            ".parquet.",
            "Berikan setiap parameter kisi satu nilai atau lebih, dan berkas keluaran "
            "berakhiran .csv atau .parquet.",
        )
    policies = list(policies)
    seeds = list(seeds)
    table: Columns = {name: [] for name in (*names, "policy", "seed", *METRICS)}
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values, strict=True))
        result = run(build(**point), policies, seeds, client=client)
        for row in result.runs:
            for name in names:
                table[name].append(point[name])
            table["policy"].append(row["policy"])
            table["seed"].append(row["seed"])
            for metric in METRICS:
                table[metric].append(row[metric])
    if out is not None:
        _write(table, Path(out))
    return table


def _write(table: Columns, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        from slrt_core.sim._results import require  # noqa: PLC0415 - optional extra

        pa = require("pyarrow")
        pq = require("pyarrow.parquet")
        pq.write_table(pa.table(table), path)
        return
    import csv  # noqa: PLC0415 - only when writing

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table)
        writer.writerows(zip(*table.values(), strict=True))
