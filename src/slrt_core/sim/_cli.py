"""The work behind ``slrt simulate`` (the click command itself lives in slrt_core.cli)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import click
from babel.numbers import format_decimal

from slrt_core.errors import InvalidInputError, Problem, SlrtError
from slrt_core.sim._defaults import default_policies, default_scenario
from slrt_core.sim._results import SimResult, require, shown_scenario
from slrt_core.sim._run import national_pack, run
from slrt_core.sim._scenario import Policy, Scenario, check
from slrt_core.sim._toml import load_scenario

__all__ = ["prepare", "simulate_command"]

_STEPS = 1000  # progress-bar steps per run


@contextlib.contextmanager
def _client(workers: int, scheduler: str | None = None) -> Iterator[Any]:
    """A client of *scheduler*, a local cluster of *workers* processes, or ``None`` (here)."""
    if workers <= 0 and scheduler is None:
        yield None
        return
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415 - optional extra
    except ImportError as exc:  # pragma: no cover - dask is in the test group
        msg = "--workers needs the dask extra: pip install 'slrt-core[dask]'."
        raise click.ClickException(msg) from exc
    if scheduler is not None:
        with Client(scheduler) as remote:  # type: ignore[no-untyped-call]
            yield remote
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed is partly typed
        n_workers=workers, threads_per_worker=1, dashboard_address=":0"
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


#: Where each scenario path of :func:`~slrt_core.sim._scenario.check` comes from.
_OPTIONS = (
    ("seeds", "--seeds"),
    ("days", "--days"),
    ("district", "--district"),
    ("population.households", "--households"),
    ("population", "--households"),
    ("intakes", "--per-week"),
    ("store_dir", "--sqlite"),
)
#: The options a scenario file replaces.
_FROM_FILE = ("district", "days", "per_week", "households", "policies")


def _as_options(error: InvalidInputError) -> InvalidInputError:
    """The same problems, each under the command-line option the user typed."""
    problems = []
    for problem in error.problems:
        option = next((o for path, o in _OPTIONS if problem.path.startswith(path)), None)
        problems.append(attrs.evolve(problem, path=option) if option else problem)
    return InvalidInputError(problems, subject="the scenario")


def prepare(
    *,
    district: str,
    days: int,
    per_week: float | None,
    households: int,
    seeds: Sequence[int],
    policies: Sequence[str],
    workers: int,
    scenario_file: Path | None = None,
    typed: Iterable[str] = (),
) -> tuple[Scenario, list[Policy]]:
    """The scenario and policies the options ask for, every problem checked up front.

    Raises:
        InvalidInputError: every problem, each under the option the user typed.
    """
    problems: list[Problem] = []
    if workers < 0:
        problems.append(
            Problem(
                "--workers",
                f"--workers is {workers}; give 0 (run here) or more.",
                f"--workers bernilai {workers}; berikan 0 (jalankan di sini) atau lebih.",
            )
        )
    clash = [name for name in _FROM_FILE if name in set(typed)]
    if scenario_file is not None and clash:
        problems.extend(
            Problem(
                f"--{name.replace('_', '-')}",
                f"--{name.replace('_', '-')} cannot go with --scenario: the file sets it; "
                "change it in the file.",
                f"--{name.replace('_', '-')} tidak dapat dipakai bersama --scenario: berkas "
                "menetapkannya; ubah di berkas.",
            )
            for name in clash
        )
    if problems:
        raise InvalidInputError(problems, subject="the scenario")
    try:
        if scenario_file is not None:
            scenario, chosen = load_scenario(scenario_file)
        else:
            scenario = default_scenario(
                district=district, days=days, per_week=per_week, households=households
            )
            chosen = [p for p in default_policies() if p.name in policies]
        rulebooks = {p.name: p.rulebook or national_pack() for p in chosen}
        check(scenario, chosen, seeds, rulebooks)
    except InvalidInputError as exc:
        raise _as_options(exc) from exc
    return scenario, chosen


def simulate_command(
    *,
    district: str,
    days: int,
    per_week: float | None,
    households: int,
    seeds: Sequence[int],
    policies: Sequence[str],
    out: Path | None,
    formats: Sequence[str],
    workers: int,
    store_dir: Path | None = None,
    scenario_file: Path | None = None,
    language: str = "en",
    typed: Iterable[str] = (),
) -> SimResult:
    """Run the scenario asked for, print the summary in *language*, write what is asked.

    Every option is checked before anything is printed; a problem names the option.
    """
    scenario, chosen = prepare(
        district=district,
        days=days,
        per_week=per_week,
        households=households,
        seeds=seeds,
        policies=policies,
        workers=workers,
        scenario_file=scenario_file,
        typed=typed,
    )
    if out is not None and "parquet" in formats:
        require("pyarrow")
    lang = "id" if language == "id" else "en"
    total = len(chosen) * len(seeds) * _STEPS
    pace = sum(i.per_week for i in scenario.intakes)
    click.echo(
        f"Simulating {scenario.name}: {pace:,.0f} cases a week, "
        f"{len(chosen)} policies x {len(seeds)} seeds"
        if lang == "en"
        else f"Simulasi {shown_scenario(scenario.name, lang)}: "
        f"{format_decimal(round(pace), locale='id_ID')} kasus "
        f"per minggu, {len(chosen)} kebijakan x {len(seeds)} benih acak",
        err=True,
    )
    with (
        _client(workers) as client,
        click.progressbar(
            length=total, label="runs" if lang == "en" else "simulasi", file=sys.stderr
        ) as bar,
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
    click.echo(result.summary(lang))
    seconds = sum(r["seconds"] for r in result.runs)
    cases = sum(r["cases"] for r in result.runs)
    records = sum(int(r["audit_records"]) for r in result.runs)
    broken = [f"{r['policy']} seed {r['seed']}" for r in result.runs if not r["audit_ok"]]
    if lang == "en":
        where = f"SQLite files in {store_dir}" if store_dir is not None else "memory"
        click.echo(
            f"\n{int(cases):,} simulated cases in {seconds:.1f} s of run time "
            f"({cases / seconds:,.0f} cases/s), through the real Slrt service."
        )
        click.echo(
            f"Audit trails ({where}): {records:,} records, "
            + (f"BROKEN in {', '.join(broken)}" if broken else "every hash chain OK")
        )
    else:
        where = f"berkas SQLite di {store_dir}" if store_dir is not None else "memori"
        click.echo(
            f"\n{format_decimal(int(cases), locale='id_ID')} kasus tersimulasi dalam "
            f"{format_decimal(round(seconds, 1), locale='id_ID')} detik, melalui layanan Slrt "
            "yang sebenarnya."
        )
        click.echo(
            f"Jejak audit ({where}): {format_decimal(records, locale='id_ID')} catatan, "
            + (f"RUSAK pada {', '.join(broken)}" if broken else "semua rantai hash utuh")
        )
    if out is not None:
        written = []
        if "csv" in formats:
            written += result.to_csv(out)
        if "parquet" in formats:
            written += result.to_parquet(out)
        try:
            from slrt_core.sim._plots import plot  # noqa: PLC0415 - needs matplotlib

            written += plot(result, out, language=lang)
        except SlrtError as exc:  # pragma: no cover - matplotlib is in the test group
            click.echo(
                f"No plots: {exc.message('en')}"
                if lang == "en"
                else f"Tanpa grafik: {exc.message('id')}",
                err=True,
            )
        click.echo(
            f"\nWrote {len(written)} files to {out}:"
            if lang == "en"
            else f"\nMenulis {len(written)} berkas ke {out}:"
        )
        for path in written:
            click.echo(f"  {path.name}")
    return result
