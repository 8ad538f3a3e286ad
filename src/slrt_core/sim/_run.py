"""``run(scenario, policies, seeds)``: every policy on every seed, here or on dask."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from slrt_core.audit import verify
from slrt_core.calendar import WorkingCalendar
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.referral._routing import overlaps_of
from slrt_core.rules._loader import load_pack
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._vector import screen
from slrt_core.sim._driver import simulate_one
from slrt_core.sim._population import SimPopulation, synthetic_population
from slrt_core.sim._results import Columns, SimResult, run_metrics, run_tables, service_table
from slrt_core.sim._scenario import Policy, Scenario, check

__all__ = ["Progress", "run", "screen_population"]

#: Called as a run advances: ``progress(policy, seed, fraction done)``.
Progress = Callable[[str, int, float], None]

_CALENDAR: list[WorkingCalendar] = []
_NATIONAL: list[Rulebook] = []


def _calendar() -> WorkingCalendar:
    if not _CALENDAR:  # built once per process: it reads the holiday list
        _CALENDAR.append(WorkingCalendar())
    return _CALENDAR[0]


def national_pack() -> Rulebook:
    """The national program pack, loaded once per process."""
    if not _NATIONAL:
        _NATIONAL.append(load_pack())
    return _NATIONAL[0]


class _Decisions:
    """Per household, its program decisions from a screening (built when first asked)."""

    def __init__(self, status: Mapping[str, Any]) -> None:
        self._columns = [(code, values.tolist()) for code, values in status.items()]
        self._rows: dict[int, tuple[Any, ...]] = {}
        self._made: dict[tuple[str, int], Any] = {}

    def __getitem__(self, row: int) -> tuple[Any, ...]:
        found = self._rows.get(row)
        if found is None:
            from slrt_core.sim._driver import _Decision  # noqa: PLC0415 - private value

            items = []
            for code, values in self._columns:
                key = (code, values[row])
                decision = self._made.get(key)
                if decision is None:
                    outcome = {1: "eligible", 0: "not_eligible"}.get(values[row])
                    decision = self._made[key] = _Decision(code, outcome or "needs_verification")
                items.append(decision)
            found = self._rows[row] = tuple(items)
        return found


def population_for(scenario: Scenario, seed: int) -> SimPopulation:
    """The population of *seed*: the scenario's, or drawn from its spec with the seed."""
    if isinstance(scenario.population, SimPopulation):
        return scenario.population
    return synthetic_population(scenario.population, seed=seed)


def run_part(
    scenario: Scenario,
    policy: Policy,
    seed: int,
    rulebook: Rulebook,
    progress: Progress | None = None,
    store_dir: Path | None = None,
) -> tuple[Columns, Columns, Columns, Columns, dict[str, Any]]:
    """One run's tables and metrics (what a dask task returns).

    With *store_dir*, the run's events go to the SQLite file :func:`store_file` names
    there; the row reports the verification of its audit chain either way.
    """
    population = population_for(scenario, seed)
    screened = screen(population.tables(), on=scenario.start, rulebook=rulebook)
    decisions = _Decisions(screened.status)
    overlaps = overlaps_of(rulebook.programs.values())
    began = time.perf_counter()
    out = simulate_one(
        scenario,
        policy,
        seed,
        population,
        decisions,
        overlaps,
        _calendar(),
        None if progress is None else (lambda f: progress(policy.name, seed, f)),
        None if store_dir is None else store_file(store_dir, policy.name, seed),
    )
    seconds = time.perf_counter() - began
    try:
        cases, referrals, queues = run_tables(out, scenario.directory, _calendar())
        services = service_table(referrals, out)
        audit = verify(out.store.audit_records())
    finally:
        out.store.close()  # type: ignore[attr-defined]  # every shipped store has close()
    row: dict[str, Any] = {"policy": policy.name, "seed": seed}
    row.update(run_metrics(cases, referrals, queues, scenario.days))
    row["commands"] = out.commands
    row["seconds"] = seconds
    row["audit_records"] = audit.records
    row["audit_ok"] = audit.ok
    return cases, referrals, queues, services, row


def store_file(store_dir: Path, policy: str, seed: int) -> Path:
    """The SQLite file of the run of *policy* with *seed* under *store_dir*."""
    return store_dir / f"{policy}-seed{seed}.sqlite"


def run(
    scenario: Scenario,
    policies: Iterable[Policy],
    seeds: Iterable[int],
    *,
    progress: Progress | None = None,
    client: Any = None,
    store_dir: Path | None = None,
) -> SimResult:
    """Run *scenario* under every policy with every seed, and collect the results.

    Each (policy, seed) run drives a fresh :class:`~slrt_core.Slrt` on a
    :class:`~slrt_core.adapters.MemoryStore`. A run is a deterministic function of the
    scenario, the policy and the seed; runs with the same seed share their random numbers
    (arrivals, households, needs, staff and provider behaviour), so the policies are
    compared on the same clients.

    Args:
        scenario: what to simulate.
        policies: the policies to compare (the first is the baseline of the summary).
        seeds: the seeds; a synthetic population is drawn anew for each.
        progress: called as each run advances, with the policy, the seed and the
            fraction done (not with a client).
        client: a ``dask.distributed.Client``: the runs go to its workers (needs the
            ``dask`` extra).
        store_dir: keep each run's cases and audit trail in a new SQLite file in this
            directory (``<policy>-seed<n>.sqlite``) instead of in memory; about five
            times slower, and every file can be checked with ``slrt audit verify``.

    Returns:
        The tables and metrics of every run.

    Raises:
        InvalidInputError: every problem of the scenario and policies, before any run.

    Examples:
        >>> from slrt_core.sim import default_policies, default_scenario
        >>> scenario = default_scenario(days=20, households=2000, per_week=20)
        >>> result = run(scenario, default_policies(), seeds=[1])
        >>> result.policies
        ('nearest-tier', 'least-loaded')
        >>> sorted(set(result.cases["policy"])) == sorted(result.policies)
        True
    """
    policies = list(policies)
    seeds = list(seeds)
    rulebooks = {p.name: p.rulebook or national_pack() for p in policies}
    check(scenario, policies, seeds, rulebooks)
    tasks = [(p, s) for p in policies for s in seeds]
    if store_dir is not None:
        _prepare_store_dir(store_dir, [store_file(store_dir, p.name, s) for p, s in tasks])
    if client is not None:
        futures = [
            client.submit(run_part, scenario, p, s, rulebooks[p.name], None, store_dir, pure=False)
            for p, s in tasks
        ]
        parts = client.gather(futures)
    else:
        parts = [run_part(scenario, p, s, rulebooks[p.name], progress, store_dir) for p, s in tasks]
    return SimResult(
        scenario=scenario.name,
        policies=[p.name for p in policies],
        seeds=seeds,
        parts=parts,
        window=scenario.days,
    )


def _prepare_store_dir(store_dir: Path, files: list[Path]) -> None:
    """Create *store_dir*; refuse, before any run, files that exist already."""
    existing = [f for f in files if f.exists()]
    if existing:
        raise InvalidInputError(
            [
                Problem(
                    "store_dir",
                    f"{f} exists already; give an empty directory so no run overwrites a store.",
                    f"{f} sudah ada; berikan direktori kosong agar tidak ada simulasi yang "
                    "menimpa penyimpanan.",
                )
                for f in existing
            ]
        )
    try:
        store_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError.single(
            "store_dir",
            f"Cannot create {store_dir}: {exc.strerror}. Choose a writable directory.",
            f"Tidak bisa membuat {store_dir} (`{exc.strerror}`). Pilih direktori yang bisa "
            "ditulisi.",
        ) from exc


def _screen_chunk(tables: dict[str, Any], rulebook: Rulebook, on: date) -> dict[str, Any]:
    result = screen(tables, on=on, rulebook=rulebook)
    return dict(result.status)


def screen_population(
    population: SimPopulation,
    *,
    rulebook: Rulebook,
    on: date,
    client: Any = None,
    chunk: int = 50_000,
) -> dict[str, Any]:
    """Screen *population* for every program, in chunks of households, here or on dask.

    Each chunk of *chunk* households (with their members) is screened by
    :func:`slrt_core.rules.screen` on its own, on a dask worker when *client* is given;
    the per-program status arrays are joined in household order. The result equals
    screening the whole population at once.

    Returns:
        Program code -> ``int8`` per household: 1 eligible, 0 not eligible, -1 needs
        verification.

    Examples:
        >>> from datetime import date
        >>> from slrt_core.sim import PopulationSpec, synthetic_population
        >>> pop = synthetic_population(PopulationSpec(households=3000), seed=2)
        >>> status = screen_population(pop, rulebook=national_pack(), on=date(2026, 1, 5),
        ...                            chunk=1000)
        >>> len(status["PKH"])
        3000
    """
    tables = population.tables()
    bounds = [*range(0, len(population), max(chunk, 1)), len(population)]
    offsets = population.offsets
    pieces = []
    for a, b in itertools.pairwise(bounds):
        lo, hi = int(offsets[a]), int(offsets[b])
        households = {k: v[a:b] for k, v in tables["households"].items()}
        persons = {k: v[lo:hi] for k, v in tables["persons"].items()}
        persons["household"] = persons["household"] - a
        pieces.append({"households": households, "persons": persons, "regions": tables["regions"]})
    if client is not None:
        futures = [client.submit(_screen_chunk, p, rulebook, on, pure=False) for p in pieces]
        parts = client.gather(futures)
    else:
        parts = [_screen_chunk(p, rulebook, on) for p in pieces]
    return {code: np.concatenate([part[code] for part in parts]) for code in parts[0]}
