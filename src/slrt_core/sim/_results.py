"""Results: per-case, per-referral and queue tables, metrics with confidence intervals.

Tables are columns (``dict`` of column name -> list), one row per case, referral or
(day, service) of every run; :class:`SimResult` exports them to CSV (standard library)
or Parquet (pyarrow) and hands them to pandas when it is installed. The columns are
documented in :data:`CASE_COLUMNS`, :data:`REFERRAL_COLUMNS`, :data:`QUEUE_COLUMNS` and
:data:`METRICS`.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from slrt_core.case._events import ReferralEscalated
from slrt_core.case._model import CaseState, NeedStatus
from slrt_core.errors import InvalidInputError
from slrt_core.referral._directory import Directory
from slrt_core.referral._model import ReferralStatus
from slrt_core.sim._driver import RunOutput

__all__ = [
    "CASE_COLUMNS",
    "FUNNEL",
    "METRICS",
    "QUEUE_COLUMNS",
    "REFERRAL_COLUMNS",
    "Estimate",
    "SimResult",
    "run_tables",
]

Columns = dict[str, list[Any]]

#: The per-case table; times are days since the scenario's start (NaN: not reached).
CASE_COLUMNS: Mapping[str, str] = {
    "policy": "the policy's name",
    "seed": "the seed of the run",
    "case_id": "the case id in the run's store",
    "household": "the household's row in the population",
    "duplicate": "a second registration of a household whose first case is open",
    "channel": "intake channel",
    "kind": "question, suggestion or grievance",
    "emergency": "an emergency case (direct service first)",
    "village": "the household's village code",
    "arrived_day": "when the case was registered",
    "state": "the case state at the end of the run",
    "closing_reason": "why it closed (empty while open)",
    "closed_day": "when it closed",
    "needs": "needs recorded",
    "needs_met": "needs met (referral completed, direct service or solved locally)",
    "needs_unmet": "needs with no service and no referral open at the end",
    "referrals": "referrals made, reroutes included",
    "first_service_day": "when its first need was met",
    "time_to_service": "days from registration to the first need met",
    "assessed": "reached assessment",
    "referred": "had at least one referral",
    "served": "had at least one need met",
    "closed": "closed by the end of the run",
}

#: The per-referral table; times are days since the scenario's start (NaN: not reached).
REFERRAL_COLUMNS: Mapping[str, str] = {
    "policy": "the policy's name",
    "seed": "the seed of the run",
    "referral_id": "the referral id",
    "case_id": "its case",
    "need_id": "its need",
    "sector": "the need's sector",
    "service_id": "the service it went to",
    "provider_id": "the provider running the service",
    "program": "the program the service delivers (empty if none)",
    "replaces": "the referral it reroutes or retries (empty if first)",
    "status": "its status at the end",
    "reason": "the reason of its last status change",
    "requested_day": "when it was sent",
    "received_day": "when the provider acknowledged it",
    "accepted_day": "when the provider accepted it",
    "started_day": "when the service started",
    "ended_day": "when it reached a terminal status",
    "confirmed_day": "when the client confirmed receiving the service",
    "escalations": "SLA escalation steps taken on it (reminder, overdue, escalate, expire)",
    "sla_breached": "a deadline passed before the hop was done",
    "duplicated_aid": "completed for a program the household had already received",
}

#: The queue table: one row per day and service.
QUEUE_COLUMNS: Mapping[str, str] = {
    "policy": "the policy's name",
    "seed": "the seed of the run",
    "day": "the day (sampled at the SLA sweep, 17:00)",
    "service_id": "the service",
    "waiting": "accepted referrals waiting for a place",
    "in_service": "referrals being served",
}

#: The metrics of each run, averaged over seeds with a 95% confidence interval.
METRICS: Mapping[str, str] = {
    "cases": "cases registered",
    "time_to_service_median": "median days from registration to the first need met",
    "time_to_service_mean": "mean days from registration to the first need met",
    "completion": "share of needs met by the end",
    "unmet_need": "share of needs with no service and nothing open at the end",
    "duplicated_aid": "completed referrals for a program the household already got",
    "sla_breaches": "referrals that missed a deadline",
    "sla_breach_rate": "share of referrals that missed a deadline",
    "reroutes": "referrals sent on after a rejection, expiry or failure",
    "queue_mean": "mean referrals waiting for a place, over days and services summed",
    "queue_max": "most referrals waiting on one day, services summed",
}

#: The funnel stages, in order, and the case column that marks each.
FUNNEL: tuple[tuple[str, str], ...] = (
    ("registered", "case_id"),
    ("assessed", "assessed"),
    ("referred", "referred"),
    ("served", "served"),  # a need met: by referral, direct service or locally
    ("closed", "closed"),
)

_MET = frozenset({NeedStatus.MET, NeedStatus.SERVED_DIRECTLY, NeedStatus.RESOLVED_LOCALLY})
_NAN = math.nan
# Two-sided 95% Student t quantiles by degrees of freedom; 1.96 beyond 30.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def _empty(names: Iterable[str]) -> Columns:
    return {name: [] for name in names}


def run_tables(  # noqa: C901 - one pass over cases and referrals
    out: RunOutput, directory: Directory
) -> tuple[Columns, Columns, Columns]:
    """The case, referral and queue tables of one run."""
    cases = _empty(CASE_COLUMNS)
    referrals = _empty(REFERRAL_COLUMNS)
    queues = _empty(QUEUE_COLUMNS)
    start = out.start

    def day(at: Any) -> float:
        return _NAN if at is None else (at - start).total_seconds() / 86400.0

    services = {s.service_id: s for s in directory.services()}
    completed: set[tuple[int, str]] = set()
    for case in out.cases:
        household = out.households[case.case_id]
        received = {p.upper().replace("-", "_") for p in case.household.programs_received}
        escalations: dict[str, int] = {}
        if case.referrals:
            for event in out.store.events(case.case_id):
                if isinstance(event.payload, ReferralEscalated):
                    rid = event.payload.referral_id
                    escalations[rid] = escalations.get(rid, 0) + 1
        met_days = [
            out.met_at[(case.case_id, n.need_id)]
            for n in case.needs
            if n.status in _MET and (case.case_id, n.need_id) in out.met_at
        ]
        first = min(met_days) if met_days else _NAN
        open_needs = {r.need_id for r in case.referrals if r.is_open}
        arrived = day(case.opened_at)
        closed = case.state is CaseState.CLOSED
        row = {
            "policy": out.policy,
            "seed": out.seed,
            "case_id": case.case_id,
            "household": household,
            "duplicate": case.case_id in out.duplicates,
            "channel": case.channel.value,
            "kind": case.kind.value,
            "emergency": case.emergency,
            "village": case.region.code,
            "arrived_day": arrived,
            "state": case.state.value,
            "closing_reason": case.closing_reason.value if case.closing_reason else "",
            "closed_day": day(case.updated_at) if closed else _NAN,
            "needs": len(case.needs),
            "needs_met": sum(1 for n in case.needs if n.status in _MET),
            "needs_unmet": sum(
                1 for n in case.needs if n.status not in _MET and n.need_id not in open_needs
            ),
            "referrals": len(case.referrals),
            "first_service_day": first,
            "time_to_service": first - arrived,
            "assessed": bool(case.assessments),
            "referred": bool(case.referrals),
            "served": bool(met_days),
            "closed": closed,
        }
        for name, value in row.items():
            cases[name].append(value)
        sector = {n.need_id: n.sector.value for n in case.needs}
        for r in case.referrals:
            service = services.get(r.service_id)
            program = (service.program or "") if service is not None else ""
            key = program.upper().replace("-", "_")
            duplicated = False
            if r.status is ReferralStatus.COMPLETED and key:
                duplicated = key in received or (household, key) in completed
                completed.add((household, key))
            steps = escalations.get(r.referral_id, 0)
            ended = r.history[-1].at if r.status.is_terminal else None
            rrow = {
                "policy": out.policy,
                "seed": out.seed,
                "referral_id": r.referral_id,
                "case_id": case.case_id,
                "need_id": r.need_id,
                "sector": sector.get(r.need_id, ""),
                "service_id": r.service_id,
                "provider_id": r.provider_id,
                "program": program,
                "replaces": r.replaces or "",
                "status": r.status.value,
                "reason": r.reason.value if r.reason else "",
                "requested_day": day(r.requested_at),
                "received_day": day(r.reached_at(ReferralStatus.RECEIVED)),
                "accepted_day": day(r.reached_at(ReferralStatus.ACCEPTED)),
                "started_day": day(r.reached_at(ReferralStatus.IN_PROGRESS)),
                "ended_day": day(ended),
                "confirmed_day": day(r.confirmed_at),
                "escalations": steps,
                "sla_breached": steps > 0,
                "duplicated_aid": duplicated,
            }
            for name, value in rrow.items():
                referrals[name].append(value)
    for at, service_id, waiting, busy in out.queues:
        for name, value in zip(
            QUEUE_COLUMNS, (out.policy, out.seed, at, service_id, waiting, busy), strict=True
        ):
            queues[name].append(value)
    return cases, referrals, queues


def run_metrics(cases: Columns, referrals: Columns, queues: Columns) -> dict[str, float]:
    """The :data:`METRICS` of one run's tables."""
    times = [t for t in cases["time_to_service"] if not math.isnan(t)]
    needs = sum(cases["needs"])
    sent = len(referrals["referral_id"])
    breaches = sum(referrals["sla_breached"])
    by_day: dict[float, int] = {}
    for at, waiting in zip(queues["day"], queues["waiting"], strict=True):
        by_day[at] = by_day.get(at, 0) + waiting
    return {
        "cases": float(len(cases["case_id"])),
        "time_to_service_median": statistics.median(times) if times else _NAN,
        "time_to_service_mean": statistics.fmean(times) if times else _NAN,
        "completion": sum(cases["needs_met"]) / needs if needs else _NAN,
        "unmet_need": sum(cases["needs_unmet"]) / needs if needs else _NAN,
        "duplicated_aid": float(sum(referrals["duplicated_aid"])),
        "sla_breaches": float(breaches),
        "sla_breach_rate": breaches / sent if sent else _NAN,
        "reroutes": float(sum(1 for r in referrals["replaces"] if r)),
        "queue_mean": statistics.fmean(by_day.values()) if by_day else 0.0,
        "queue_max": float(max(by_day.values(), default=0)),
    }


@attrs.frozen
class Estimate:
    """A metric over seeds: the mean and its 95% confidence interval.

    Attributes:
        policy: the policy (for a comparison: ``"B - A"``).
        metric: the metric's name (see :data:`METRICS`).
        mean: the mean over seeds.
        low: the lower end of the 95% interval (the mean itself with one seed).
        high: the upper end.
        n: the seeds it is over.

    Examples:
        >>> e = Estimate.of("p", "completion", [0.8, 0.9, 0.85])
        >>> round(e.mean, 3), round(e.low, 3), round(e.high, 3)
        (0.85, 0.726, 0.974)

    .. versionadded:: 0.1.0
    """

    policy: str
    metric: str
    mean: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, policy: str, metric: str, values: Sequence[float]) -> Estimate:
        """The mean of *values* with a Student t interval (NaN values left out)."""
        kept = [v for v in values if not math.isnan(v)]
        if not kept:
            return cls(policy, metric, _NAN, _NAN, _NAN, 0)
        mean = statistics.fmean(kept)
        if len(kept) < 2:  # noqa: PLR2004 - an interval needs two values
            return cls(policy, metric, mean, mean, mean, 1)
        t = _T95[len(kept) - 2] if len(kept) - 1 <= len(_T95) else 1.96
        half = t * statistics.stdev(kept) / math.sqrt(len(kept))
        return cls(policy, metric, mean, mean - half, mean + half, len(kept))

    def render(self) -> str:
        """``mean [low, high]``, rounded for reading."""
        if math.isnan(self.mean):
            return "n/a"
        return f"{_fmt(self.mean)} [{_fmt(self.low)}, {_fmt(self.high)}]"


def _fmt(value: float) -> str:
    if abs(value) >= 100:  # noqa: PLR2004 - readable rounding
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.3f}"


class SimResult:
    """The tables and metrics of every run of :func:`~slrt_core.sim.run`.

    Attributes:
        scenario: the scenario's name.
        policies: the policy names, in the order given.
        seeds: the seeds.
        cases: the per-case table (:data:`CASE_COLUMNS`).
        referrals: the per-referral table (:data:`REFERRAL_COLUMNS`).
        queues: the queue table (:data:`QUEUE_COLUMNS`).
        runs: per (policy, seed), the :data:`METRICS`, and ``commands`` (service
            commands run) and ``seconds`` (wall time).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        scenario: str,
        policies: Sequence[str],
        seeds: Sequence[int],
        parts: Iterable[tuple[Columns, Columns, Columns, dict[str, Any]]],
    ) -> None:
        self.scenario = scenario
        self.policies = tuple(policies)
        self.seeds = tuple(seeds)
        self.cases = _empty(CASE_COLUMNS)
        self.referrals = _empty(REFERRAL_COLUMNS)
        self.queues = _empty(QUEUE_COLUMNS)
        self.runs: list[dict[str, Any]] = []
        for cases, referrals, queues, run in sorted(
            parts, key=lambda p: (self.policies.index(p[3]["policy"]), p[3]["seed"])
        ):
            for table, part in (
                (self.cases, cases),
                (self.referrals, referrals),
                (self.queues, queues),
            ):
                for name, values in part.items():
                    table[name].extend(values)
            self.runs.append(run)

    def metric(self, policy: str, metric: str) -> Estimate:
        """*metric* of *policy* over the seeds.

        Raises:
            InvalidInputError: an unknown policy or metric.
        """
        self._check(policy, metric)
        values = [r[metric] for r in self.runs if r["policy"] == policy]
        return Estimate.of(policy, metric, values)

    def difference(self, policy: str, baseline: str, metric: str) -> Estimate:
        """*policy* minus *baseline* on *metric*, paired by seed (common random numbers).

        Pairing removes the noise the policies share, so the interval is narrower
        than comparing the two means.
        """
        self._check(policy, metric)
        self._check(baseline, metric)
        by_seed = {r["seed"]: r[metric] for r in self.runs if r["policy"] == baseline}
        diffs = [r[metric] - by_seed[r["seed"]] for r in self.runs if r["policy"] == policy]
        return Estimate.of(f"{policy} - {baseline}", metric, diffs)

    def estimates(self) -> list[Estimate]:
        """Every metric of every policy."""
        return [self.metric(p, m) for p in self.policies for m in METRICS]

    def _check(self, policy: str, metric: str) -> None:
        problems = []
        if policy not in self.policies:
            problems.append(
                (
                    "policy",
                    f"No policy {policy!r}; the result has {', '.join(self.policies)}.",
                    f"Tidak ada kebijakan {policy!r}; hasil memuat {', '.join(self.policies)}.",
                )
            )
        if metric not in METRICS:
            problems.append(
                (
                    "metric",
                    f"No metric {metric!r}; use one of {', '.join(METRICS)}.",
                    f"Tidak ada metrik {metric!r}; gunakan salah satu dari {', '.join(METRICS)}.",
                )
            )
        if problems:
            from slrt_core.errors import Problem  # noqa: PLC0415 - error path only

            raise InvalidInputError([Problem(*p) for p in problems])

    def summary(self) -> str:
        """A text table comparing the policies, with 95% intervals over seeds.

        With two or more policies, the differences from the first policy follow, paired
        by seed.
        """
        width = max(len(m) for m in METRICS) + 2
        col = max(28, *(len(p) + 2 for p in self.policies))
        lines = [
            f"Scenario {self.scenario}: {len(self.seeds)} seed(s), mean [95% interval] over seeds",
            "",
            " " * width + "".join(f"{p:<{col}}" for p in self.policies),
        ]
        for metric in METRICS:
            cells = "".join(f"{self.metric(p, metric).render():<{col}}" for p in self.policies)
            lines.append(f"{metric:<{width}}{cells}")
        if len(self.policies) > 1:
            base = self.policies[0]
            lines += ["", f"Difference from {base}, paired by seed:"]
            for metric in METRICS:
                cells = "".join(
                    f"{self.difference(p, base, metric).render():<{col}}" for p in self.policies[1:]
                )
                lines.append(f"{metric:<{width}}{cells}")
        return "\n".join(line.rstrip() for line in lines)

    # ------------------------------------------------------------------ export

    def tables(self) -> dict[str, Columns]:
        """``cases``, ``referrals``, ``queues`` and ``runs`` as columns."""
        runs = _empty(self.runs[0]) if self.runs else {}
        for run in self.runs:
            for name, value in run.items():
                runs[name].append(value)
        return {
            "cases": self.cases,
            "referrals": self.referrals,
            "queues": self.queues,
            "runs": runs,
        }

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write ``cases.csv``, ``referrals.csv``, ``queues.csv`` and ``runs.csv``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in self.tables().items():
            path = out / f"{name}.csv"
            with path.open("w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(table)
                writer.writerows(zip(*table.values(), strict=True))
            written.append(path)
        return written

    def to_parquet(self, directory: str | Path) -> list[Path]:
        """Write the same tables as Parquet files (needs pyarrow)."""
        import pyarrow as pa  # noqa: PLC0415 - optional
        import pyarrow.parquet as pq  # noqa: PLC0415

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in self.tables().items():
            path = out / f"{name}.parquet"
            pq.write_table(pa.table(table), path)
            written.append(path)
        return written

    def frame(self, table: str = "cases") -> Any:
        """One table as a pandas DataFrame (needs pandas).

        Args:
            table: ``cases``, ``referrals``, ``queues`` or ``runs``.
        """
        import pandas as pd  # noqa: PLC0415 - optional

        tables = self.tables()
        if table not in tables:
            raise InvalidInputError.single(
                "table",
                f"No table {table!r}; use one of {', '.join(tables)}.",
                f"Tidak ada tabel {table!r}; gunakan salah satu dari {', '.join(tables)}.",
            )
        return pd.DataFrame(tables[table])
