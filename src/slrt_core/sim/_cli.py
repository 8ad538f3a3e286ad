"""The work behind ``slrt simulate`` (the click command itself lives in slrt_core.cli)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from slrt_core.sim._defaults import default_policies, default_scenario
from slrt_core.sim._results import SimResult
from slrt_core.sim._run import run

__all__ = ["simulate_command"]

_STEPS = 1000  # progress-bar steps per run


@contextlib.contextmanager
def _client(workers: int) -> Iterator[Any]:
    """A local dask cluster of *workers* processes, or ``None`` for in-process runs."""
    if workers <= 0:
        yield None
        return
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415 - optional extra
    except ImportError as exc:  # pragma: no cover - dask is in the test group
        msg = "--workers needs the dask extra: pip install 'slrt-core[dask]'."
        raise click.ClickException(msg) from exc
    cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed is partly typed
        n_workers=workers, threads_per_worker=1, dashboard_address=":0"
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def simulate_command(
    *,
    district: str,
    days: int,
    per_week: float,
    households: int,
    seeds: Sequence[int],
    policies: Sequence[str],
    out: Path | None,
    formats: Sequence[str],
    workers: int,
    store_dir: Path | None = None,
) -> SimResult:
    """Run the default scenario for *district*, print the summary, write what is asked."""
    scenario = default_scenario(
        district=district, days=days, per_week=per_week, households=households
    )
    chosen = [p for p in default_policies() if p.name in policies]
    total = len(chosen) * len(seeds) * _STEPS
    click.echo(
        f"Simulating {scenario.name}: {per_week:g} cases a week, "
        f"{len(chosen)} policies x {len(seeds)} seeds",
        err=True,
    )
    with (
        _client(workers) as client,
        click.progressbar(length=total, label="runs", file=sys.stderr) as bar,
    ):
        done: dict[tuple[str, int], int] = {}

        def progress(policy: str, seed: int, fraction: float) -> None:
            steps = int(fraction * _STEPS)
            bar.update(steps - done.get((policy, seed), 0))
            done[(policy, seed)] = steps

        result = run(
            scenario,
            chosen,
            seeds,
            progress=None if client is not None else progress,
            client=client,
            store_dir=store_dir,
        )
        bar.update(total - sum(done.values()))
    click.echo(result.summary())
    seconds = sum(r["seconds"] for r in result.runs)
    cases = sum(r["cases"] for r in result.runs)
    click.echo(
        f"\n{int(cases):,} simulated cases in {seconds:.1f} s of run time "
        f"({cases / seconds:,.0f} cases/s), through the real Slrt service."
    )
    records = sum(int(r["audit_records"]) for r in result.runs)
    broken = [f"{r['policy']} seed {r['seed']}" for r in result.runs if not r["audit_ok"]]
    where = f"SQLite files in {store_dir}" if store_dir is not None else "memory"
    click.echo(
        f"Audit trails ({where}): {records:,} records, "
        + (f"BROKEN in {', '.join(broken)}" if broken else "every hash chain OK")
    )
    if out is not None:
        written = []
        if "csv" in formats:
            written += result.to_csv(out)
        if "parquet" in formats:
            written += result.to_parquet(out)
        try:
            from slrt_core.sim._plots import plot  # noqa: PLC0415 - needs matplotlib

            written += plot(result, out)
        except ImportError as exc:  # pragma: no cover - matplotlib is in the test group
            click.echo(f"No plots: {exc}", err=True)
        click.echo(f"\nWrote {len(written)} files to {out}:")
        for path in written:
            click.echo(f"  {path.name}")
    return result
