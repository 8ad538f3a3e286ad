"""National screening on a partitioned Parquet dataset: households/s per worker, memory.

Writes (once; reused when present) a synthetic dataset of every district of the
provinces asked for, one partition per district, at *scale* times each district's
estimated families, under ``--dir`` (kept and reused; by default a temporary
directory, removed at the end; keep it out of the repository). Then, each the median
of ``--repeat`` runs with the garbage collector on:

- ``national.screen.inprocess``: :func:`slrt_core.sim.screen_parquet` in this process,
  every program of the national pack, partitions read and reduced one at a time;
- ``national.screen.workers_1`` and ``workers_2``: the same on a local dask cluster of 1
  and 2 worker processes (cluster start-up excluded, stated), in households per second
  per worker, and the peak resident memory of the busiest worker;
- the baseline of each, run interleaved with the in-process screen: a hand-written
  numpy loop over the same partitions that reads them and decides one program (PKH:
  registry, decile 1-4, a pregnant member, a child under 7, a school child, an elder
  70+ or a severe disability) with ``np.bincount``; the ratio says what the whole rulebook (every
  program, unknowns kept apart, benefits) costs beside one program written by hand.

The national time and memory are extrapolated to 93.0 million families (DTSEN, Feb
2025) from the per-worker rate; memory per worker is bounded by the largest partition.

Run: ``python bench/national_screening.py [--quick] [--provinces 33,34] [--scale 0.5] [--dir D]``
(and the other options of ``bench/_common.py``); ``--provinces all`` writes and screens
every district of the nation (93.0 million families, about 2.3 GiB of Parquet).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from _common import compare, finish, median_of, parse_args, report, timed

from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.sim import partitions, screen_parquet, write_partitions
from slrt_core.sim._run import national_pack

ON = date(2026, 1, 5)
NATION = 93_000_000


def numpy_loop(root: Path) -> int:
    """PKH by hand over every partition; returns the eligible count."""
    eligible = 0
    for folder in partitions(root):
        hh = pq.read_table(folder / "households.parquet", columns=["in_registry", "decile"])
        pp = pq.read_table(
            folder / "persons.parquet",
            columns=["household", "age", "pregnant", "disability", "schooling"],
        )
        household = pp.column("household").to_numpy()
        age = pp.column("age").to_numpy()
        component = (
            (pp.column("pregnant").to_numpy() == 1)
            | (age < 7)
            | ((pp.column("schooling").to_numpy() >= 2) & (age <= 21))
            | (age >= 70)
            | (pp.column("disability").to_numpy() == 3)
        )
        n = hh.num_rows
        has = np.bincount(household, weights=component, minlength=n) > 0
        decile = hh.column("decile").to_numpy()
        ok = (hh.column("in_registry").to_numpy() == 1) & (decile >= 1) & (decile <= 4) & has
        eligible += int(ok.sum())
    return eligible


def _worker_peak() -> float:
    from slrt_core.sim._national import _peak_rss_mib

    return _peak_rss_mib()


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--provinces",
        default=None,
        help="province codes, comma separated, or 'all' for the nation (default 34)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="times each district's families (default 1; 0.05 with --quick)",
    )


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], extra=_options)
    if options.dir:  # kept, and reused by the next run
        measure(options, Path(options.dir))
        return
    with tempfile.TemporaryDirectory(prefix="slrt-national-") as scratch:
        measure(options, Path(scratch))


def measure(options: Any, root: Path) -> None:
    """Write the dataset under *root* unless it is there, then report every figure."""
    provinces = options.provinces or "34"  # type: ignore[attr-defined]
    scale = options.scale or (0.05 if options.quick else 1.0)  # type: ignore[attr-defined]
    repeat = options.repeat or (1 if options.quick else 3)
    areas = (
        [RegionCode.INDONESIA]
        if provinces == "all"
        else [RegionCode(p.strip()) for p in provinces.split(",")]
    )
    districts = [str(d) for area in areas for d in area.codes_at(RegionLevel.REGENCY)]
    began = time.perf_counter()
    if not list(root.glob("district=*")):
        write_partitions(root, districts, scale=scale, seed=1)
    written = time.perf_counter() - began
    folders = partitions(root)
    households = sum(pq.read_metadata(f / "households.parquet").num_rows for f in folders)
    largest = max(pq.read_metadata(f / "households.parquet").num_rows for f in folders)
    size = sum(p.stat().st_size for f in folders for p in f.glob("*.parquet"))
    if not options.json:
        print(
            f"# {households:,} households in {len(folders)} partitions (largest {largest:,}),"
            f" {size / 2**20:,.1f} MiB of Parquet, written in {written:.1f} s"
        )
    pack = national_pack()
    # Interleaved with the hand-written loop, run by run (bench/_common.compare).
    here, loop = compare(
        (lambda: None, lambda _: screen_parquet(root, rulebook=pack, on=ON)),
        (lambda: None, lambda _: numpy_loop(root)),
        repeat,
    )
    report(
        options,
        "national.screen.inprocess",
        households / here,
        "households/s",
        households / loop,
    )
    report(options, "national.screen.inprocess.peak_rss", _worker_peak(), "MiB", None)
    from distributed import Client, LocalCluster

    seconds: dict[int, float] = {}
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=":0", memory_limit=0
            ) as cluster,
            Client(cluster) as client,
        ):
            screen_parquet(root, rulebook=pack, on=ON, client=client)  # warm the workers
            result: list[Any] = []

            def job(_: object, c: Any = client, out: list[Any] = result) -> None:
                out.append(screen_parquet(root, rulebook=pack, on=ON, client=c))

            # Cluster start-up is outside the timed runs.
            seconds[workers] = median_of([timed(lambda: None, job) for _ in range(repeat)])
            peak = max(p["peak_rss_mb"] for p in result[-1].parts)
            name = f"national.screen.workers_{workers}"
            rate = households / seconds[workers] / workers
            report(options, name, rate, "households/s/worker", households / loop)
            report(options, f"{name}.peak_rss_per_worker", peak, "MiB", None)
    report(options, "national.screen.speedup_2_over_1", seconds[1] / seconds[2], "x", None)
    # Extrapolated to the national registry from the measured rate per worker.
    per_worker = households / seconds[1]
    report(options, "national.extrapolated.hours_1_worker", NATION / per_worker / 3600, "h", None)
    gib = size / households * NATION / 2**30
    report(options, "national.extrapolated.dataset", gib, "GiB", None)
    finish(options, "national")


if __name__ == "__main__":
    main()
