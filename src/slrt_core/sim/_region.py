"""A province or the nation as its districts: one run per district, policy and seed.

Each district is its own scenario (its own structure, population, services and office,
:func:`~slrt_core.sim.default_scenario`), run in isolation: SLRT is a district service,
and a household is referred within its district. The runs are independent tasks, so a
``dask.distributed`` client spreads them over workers; each task builds its scenario on
the worker from the district code and returns one row of metrics, never cases, so the
client holds a few kilobytes per district whatever the population.

Rows are combined per district, province and nation: counts add up; shares are pooled
over their trials (needs, cases, referrals), so a larger district weighs more; the
Kaplan-Meier median and the mean time of the served are district figures and are not
combined (a median of medians is not a median).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.rules._rulebook import Rulebook
from slrt_core.sim._defaults import default_scenario
from slrt_core.sim._results import METRICS, Columns, Estimate
from slrt_core.sim._scenario import Policy, Scenario, check

__all__ = ["RegionResult", "district_scenario", "run_region"]

#: Metrics that do not combine over districts (left NaN above the district level).
_DISTRICT_ONLY = frozenset({"time_to_service_median", "time_to_service_served_mean"})
#: Shares of cases combined with the cases as weights.
_CASE_SHARES = frozenset({"served_by_10wd", "served_by_30wd"})


def district_scenario(
    code: str, *, days: int, drain: int, households: int, scale: float
) -> Scenario:
    """The default scenario of district *code* at *scale* times its expected pace."""
    from slrt_core.sim._districts import district_profile  # noqa: PLC0415 - same package

    pace = district_profile(code).cases_per_week * scale
    return default_scenario(
        district=code, days=days, drain=drain, per_week=pace, households=households
    )


def _district_task(
    code: str,
    build: Callable[[str], Scenario],
    policy: Policy,
    seed: int,
    rulebook: Rulebook,
) -> dict[str, Any]:
    from slrt_core.sim._run import run_part  # noqa: PLC0415 - avoids an import cycle

    scenario = build(code)
    check(scenario, [policy], [seed], {policy.name: rulebook})
    *_, row = run_part(scenario, policy, seed, rulebook)
    row["district"] = code
    return row


class _Builder:
    """A picklable scenario builder for the default districts."""

    def __init__(self, days: int, drain: int, households: int, scale: float) -> None:
        self.days = days
        self.drain = drain
        self.households = households
        self.scale = scale

    def __call__(self, code: str) -> Scenario:
        return district_scenario(
            code, days=self.days, drain=self.drain, households=self.households, scale=self.scale
        )


def _combine(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """One row of metrics for several districts' rows of one policy and seed."""
    out: dict[str, float] = {}
    for metric, spec in METRICS.items():
        if metric in _DISTRICT_ONLY:
            out[metric] = math.nan
            continue
        if spec.kind == "proportion" or metric in _CASE_SHARES:
            weight = spec.trials or "cases"
            pairs = [(r[metric], r[weight]) for r in rows if not math.isnan(r[metric])]
            total = sum(w for _, w in pairs)
            out[metric] = sum(v * w for v, w in pairs) / total if total else math.nan
        else:
            out[metric] = float(sum(r[metric] for r in rows))
    for trials in ("needs", "referrals"):
        out[trials] = float(sum(r[trials] for r in rows))
    return out


class RegionResult:
    """The metric rows of every district run, combined per district, province and nation.

    Attributes:
        region: the region run (a province or :attr:`~slrt_core.RegionCode.INDONESIA`).
        districts: the districts run, sorted.
        policies: the policy names.
        seeds: the seeds.
        rows: one row per district, policy and seed: the :data:`METRICS` and ``district``.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        region: RegionCode,
        districts: Sequence[str],
        policies: Sequence[str],
        seeds: Sequence[int],
        rows: Iterable[dict[str, Any]],
    ) -> None:
        self.region = region
        self.districts = tuple(districts)
        self.policies = tuple(policies)
        self.seeds = tuple(seeds)
        order = {d: i for i, d in enumerate(self.districts)}
        self.rows = sorted(
            rows,
            key=lambda r: (order[r["district"]], self.policies.index(r["policy"]), r["seed"]),
        )

    def areas(self) -> list[str]:
        """Every area combined: each district, each province, and the nation."""
        provinces = sorted({d[:2] for d in self.districts})
        return [*self.districts, *provinces, ""]

    def combined(self, area: str, policy: str, seed: int) -> dict[str, float]:
        """The metrics of *area* (a district, province or ``""`` for the nation)."""
        region = RegionCode.parse(area) if area else RegionCode.INDONESIA
        rows = [
            r
            for r in self.rows
            if r["policy"] == policy
            and r["seed"] == seed
            and region.contains(RegionCode.parse(r["district"]))
        ]
        if not rows:
            raise InvalidInputError.single(
                "area",
                f"No district of {area or 'Indonesia'} was run; areas: {', '.join(self.areas())}.",
                f"Tidak ada kabupaten/kota {area or 'Indonesia'} yang dijalankan; wilayah: "
                f"{', '.join(self.areas())}.",
            )
        if region.level is RegionLevel.REGENCY:
            return {m: float(rows[0][m]) for m in (*METRICS, "needs", "referrals")}
        return _combine(rows)

    def metric(self, area: str, policy: str, metric: str) -> Estimate:
        """*metric* of *area* under *policy* over the seeds, with its interval."""
        rows = [self.combined(area, policy, seed) for seed in self.seeds]
        spec = METRICS[metric]
        values = [r[metric] for r in rows]
        if spec.kind == "proportion":
            return Estimate.proportion(policy, metric, values, [r[spec.trials] for r in rows])
        return Estimate.of(policy, metric, values)

    def difference(self, baseline: RegionResult, area: str, policy: str, metric: str) -> Estimate:
        """This result minus *baseline* on *metric* of *area*, paired by seed.

        Both must be runs of the same districts and seeds (common random numbers): a
        scenario change, such as a capacity shock, against the calm run.
        """
        if baseline.seeds != self.seeds or baseline.districts != self.districts:
            raise InvalidInputError.single(
                "baseline",
                "Compare runs of the same districts and seeds.",
                "Bandingkan simulasi dengan kabupaten/kota dan benih acak yang sama.",
            )
        diffs = [
            self.combined(area, policy, seed)[metric]
            - baseline.combined(area, policy, seed)[metric]
            for seed in self.seeds
        ]
        wide = METRICS[metric].kind == "proportion" or metric in _CASE_SHARES
        bounds = (-1.0, 1.0) if wide else (-math.inf, math.inf)
        return Estimate.of(f"{policy} - baseline", metric, diffs, bounds)

    def table(self) -> Columns:
        """One tidy table: a row per area, level, policy and seed, a column per metric."""
        table: Columns = {
            name: [] for name in ("area", "level", "policy", "seed", *METRICS, "needs")
        }
        for area in self.areas():
            level = {5: "district", 2: "province", 0: "nation"}[len(area)]
            for policy in self.policies:
                for seed in self.seeds:
                    row = self.combined(area, policy, seed)
                    for name, value in (
                        ("area", area or "Indonesia"),
                        ("level", level),
                        ("policy", policy),
                        ("seed", seed),
                    ):
                        table[name].append(value)
                    for metric in (*METRICS, "needs"):
                        table[metric].append(row[metric])
        return table

    def summary(self, language: str = "en") -> str:
        """Per area, the cases and shares served by 10 working days, with intervals."""
        lang = "id" if language == "id" else "en"
        head = (
            f"{self.region.name}: {len(self.districts)} districts, {len(self.seeds)} seed(s)"
            if lang == "en"
            else f"{self.region.name}: {len(self.districts)} kabupaten/kota, "
            f"{len(self.seeds)} benih acak"
        )
        lines = [head]
        for area in self.areas():
            name = RegionCode.parse(area).name if area else "Indonesia"
            for policy in self.policies:
                cells = "  ".join(
                    f"{m} {self.metric(area, policy, m).render(lang)}"
                    for m in ("cases", "served_by_10wd", "completion", "open_at_end")
                )
                lines.append(f"  {name} [{policy}]: {cells}")
        return "\n".join(lines)


def _expected_size(code: str) -> float:
    """A district's expected cases a week: the weight its task is scheduled by."""
    from slrt_core.sim._districts import district_profile  # noqa: PLC0415 - same package

    return district_profile(code).cases_per_week


def _on_cluster(
    client: Any,
    tasks: Sequence[tuple[str, Policy, int]],
    build: Callable[[str], Scenario],
    books: dict[str, Rulebook],
) -> list[dict[str, Any]]:
    """The rows of *tasks* run on *client*'s workers, the longest tasks first.

    Workers finish together when the longest tasks start first (a district's run takes
    time in proportion to its cases): submitted by code, the largest district could
    start last and leave the other workers idle. The builder and the rulebooks go to
    every worker once instead of with every task. The order changes no result: each
    task is a function of its district, policy and seed only.
    """
    builder = client.scatter(build, broadcast=True, hash=False)
    rulebooks = client.scatter(books, broadcast=True, hash=False)
    sizes = {d: _expected_size(d) for d in dict.fromkeys(d for d, _, _ in tasks)}
    order = sorted(range(len(tasks)), key=lambda i: -sizes[tasks[i][0]])
    futures: list[Any] = [None] * len(tasks)
    for rank, i in enumerate(order):
        d, p, s = tasks[i]
        futures[i] = client.submit(
            _district_task,
            d,
            builder,
            p,
            s,
            rulebooks[p.name],
            pure=False,
            priority=len(tasks) - rank,
        )
    return list(client.gather(futures))


def run_region(
    region: str | RegionCode,
    policies: Iterable[Policy],
    seeds: Iterable[int],
    *,
    days: int = 60,
    drain: int = 45,
    households: int = 2_000,
    scale: float = 1.0,
    districts: Iterable[str] | None = None,
    scenario_for: Callable[[str], Scenario] | None = None,
    client: Any = None,
) -> RegionResult:
    """Run every district of *region* under every policy and seed, here or on dask.

    Args:
        region: a province (``"33"``), a regency (one district) or ``""`` for the nation.
        policies: the policies to compare.
        seeds: the seeds.
        days: days of arrivals.
        drain: days after the last arrival.
        households: the synthetic sample each district draws its clients from.
        scale: times each district's expected pace of cases (below 1 for a quick look).
        districts: run only these districts of *region* (codes).
        scenario_for: district code -> its scenario (picklable when *client* is given);
            by default :func:`district_scenario` with the arguments above.
        client: a ``dask.distributed.Client``: each district run is a task on its workers.

    Returns:
        The combined metrics.

    Raises:
        InvalidInputError: an unknown region or a district outside it.

    Examples:
        >>> from slrt_core.sim import default_policies
        >>> result = run_region("34", default_policies()[:1], [1], days=5, drain=5,
        ...                     households=300, scale=0.02, districts=["34.71"])
        >>> result.areas(), result.metric("34", "nearest-tier", "cases").n
        (['34.71', '34', ''], 1)
    """
    from slrt_core.sim._run import national_pack  # noqa: PLC0415 - avoids an import cycle

    area = RegionCode.parse(region) if region else RegionCode.INDONESIA
    known = [str(c) for c in area.codes_at(RegionLevel.REGENCY)]
    chosen = known if districts is None else sorted(str(d) for d in districts)
    outside = [d for d in chosen if d not in known]
    if outside or not chosen:
        raise InvalidInputError.single(
            "districts",
            f"{', '.join(outside) or 'none'}: give districts of {area.name} "
            f"({', '.join(known[:5])}...).",
            f"{', '.join(outside) or 'tidak ada'}: berikan kabupaten/kota di {area.name} "
            f"({', '.join(known[:5])}...).",
        )
    policies = list(policies)
    seeds = list(seeds)
    build = scenario_for or _Builder(days, drain, households, scale)
    tasks = [(d, p, s) for d in chosen for p in policies for s in seeds]
    books = {p.name: p.rulebook or national_pack() for p in policies}
    if client is not None:
        rows = _on_cluster(client, tasks, build, books)
    else:
        rows = [_district_task(d, build, p, s, books[p.name]) for d, p, s in tasks]
    return RegionResult(
        region=area,
        districts=chosen,
        policies=[p.name for p in policies],
        seeds=seeds,
        rows=rows,
    )
