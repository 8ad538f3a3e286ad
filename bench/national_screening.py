"""National screening on a partitioned Parquet dataset: households/s per worker, memory.

Writes (once; reused when present) a synthetic dataset of every district of the
provinces asked for, one partition per district, at *scale* times each district's
estimated families, under ``--dir`` (default a temporary directory; keep it out of the
repository). Then, each the median of ``--repeat`` runs with the garbage collector on:

- ``national.screen.inprocess``: :func:`slrt_core.sim.screen_parquet` in this process,
  every program of the national pack, partitions read and reduced one at a time;
- ``national.screen.workers_1`` and ``workers_2``: the same on a local dask cluster of 1
  and 2 worker processes (cluster start-up excluded, stated), in households per second
  per worker, and the peak resident memory of the busiest worker;
- ``national.numpy_loop``: the baseline, a hand-written numpy loop over the same
  partitions that reads them and decides one program (PKH: registry, decile 1-4, a
  pregnant member, a child under 7, a school child, an elder 70+ or a severe
  disability) with ``np.bincount``; the ratio says what the whole rulebook (every
  program, unknowns kept apart, benefits) costs beside one program written by hand.

The national time and memory are extrapolated to 93.0 million families (DTSEN, Feb
2025) from the per-worker rate; memory per worker is bounded by the largest partition.

Run: ``python bench/national_screening.py [--provinces 33,34] [--scale 0.5] [--dir D]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.sim import partitions, screen_parquet, write_partitions
from slrt_core.sim._run import national_pack

ON = date(2026, 1, 5)
NATION = 93_000_000


def _median(run: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", default="34", help="province codes, comma separated")
    parser.add_argument("--scale", type=float, default=1.0, help="times each district's families")
    parser.add_argument("--dir", default=None, help="where the dataset is (re)used")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="slrt-national-"))
    districts = [
        str(d)
        for p in args.provinces.split(",")
        for d in RegionCode(p.strip()).codes_at(RegionLevel.REGENCY)
    ]
    began = time.perf_counter()
    if not list(root.glob("district=*")):
        write_partitions(root, districts, scale=args.scale, seed=1)
    written = time.perf_counter() - began
    folders = partitions(root)
    households = sum(pq.read_metadata(f / "households.parquet").num_rows for f in folders)
    largest = max(pq.read_metadata(f / "households.parquet").num_rows for f in folders)
    size = sum(p.stat().st_size for f in folders for p in f.glob("*.parquet"))
    pack = national_pack()
    figures: dict[str, Any] = {
        "households": households,
        "partitions": len(folders),
        "largest_partition": largest,
        "dataset_mib": size / 2**20,
        "write_seconds": written,
    }
    loop = _median(lambda: numpy_loop(root), args.repeat)
    figures["numpy_loop_hh_per_s"] = households / loop
    here = _median(lambda: screen_parquet(root, rulebook=pack, on=ON), args.repeat)
    figures["inprocess_hh_per_s"] = households / here
    figures["inprocess_peak_rss_mib"] = _worker_peak()
    figures["ratio_inprocess_to_numpy"] = loop / here
    from distributed import Client, LocalCluster

    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=":0", memory_limit=0
            ) as cluster,
            Client(cluster) as client,
        ):
            screen_parquet(root, rulebook=pack, on=ON, client=client)  # warm the workers
            result: list[Any] = []

            def job(c: Any = client, out: list[Any] = result) -> None:
                out.append(screen_parquet(root, rulebook=pack, on=ON, client=c))

            seconds = _median(job, args.repeat)
            peaks = [p["peak_rss_mb"] for p in result[-1].parts]
            figures[f"workers_{workers}_seconds"] = seconds
            figures[f"workers_{workers}_hh_per_s_per_worker"] = households / seconds / workers
            figures[f"workers_{workers}_peak_rss_mib_per_worker"] = max(peaks)
    per_worker = figures["workers_2_hh_per_s_per_worker"]
    figures["speedup_2_over_1"] = figures["workers_1_seconds"] / figures["workers_2_seconds"]
    figures["national_hours_1_worker"] = NATION / figures["workers_1_hh_per_s_per_worker"] / 3600
    figures["national_hours_2_workers"] = NATION / (2 * per_worker) / 3600
    figures["national_dataset_gib"] = size / households * NATION / 2**30
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(
                f"{name:<42} {value:,.3f}" if isinstance(value, float) else f"{name:<42} {value:,}"
            )
    print(f"dataset: {root} (delete it when done)", file=sys.stderr)


if __name__ == "__main__":
    main()
