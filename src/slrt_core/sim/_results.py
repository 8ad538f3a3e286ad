"""Results: per-case, per-referral and queue tables, metrics with confidence intervals.

Tables are columns (``dict`` of column name -> list), one row per case, referral or
(day, service) of every run; :class:`SimResult` exports them to CSV (standard library)
or Parquet (pyarrow) and hands them to pandas when it is installed. The columns are
documented in :data:`CASE_COLUMNS`, :data:`REFERRAL_COLUMNS`, :data:`QUEUE_COLUMNS` and
:data:`METRICS`.
"""

from __future__ import annotations

import csv
import importlib
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from babel.numbers import format_decimal

from slrt_core.calendar import WorkingCalendar
from slrt_core.case._events import ReferralEscalated
from slrt_core.case._model import CaseState, NeedStatus
from slrt_core.errors import InvalidInputError, Problem, SlrtError
from slrt_core.referral._directory import Directory
from slrt_core.referral._model import ReferralStatus
from slrt_core.sim._driver import RunOutput
from slrt_core.sim._stats import (
    bootstrap_mean,
    effective_wilson,
    kaplan_meier,
    km_median,
    km_share_by,
)
from slrt_core.texts import TEXTS

__all__ = [
    "CASE_COLUMNS",
    "FUNNEL",
    "METRICS",
    "QUEUE_COLUMNS",
    "REFERRAL_COLUMNS",
    "SERVICE_COLUMNS",
    "Estimate",
    "Metric",
    "SimResult",
    "require",
    "run_metrics",
    "run_tables",
    "service_table",
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
    "time_to_service_wd": "working days from registration to the first need met (NaN: never)",
    "waited_wd": "working days from registration to the first need met, or to the end of "
    "the run for a case never served (the Kaplan-Meier duration)",
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
    "duplicated_cause": "why it is duplicated: registry (received before the case), "
    "same_case (a program completed twice in one case), registered_twice (completed in "
    "another case of the household); empty if not",
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


@attrs.frozen(kw_only=True)
class Metric:
    """What a metric measures, in what unit, and which interval it gets.

    Attributes:
        definition: what it is, in English.
        definition_id: the same in Bahasa Indonesia.
        unit: its unit in English (``working days``, ``share of needs`` ...).
        unit_id: the unit in Bahasa Indonesia.
        kind: ``proportion`` (Wilson interval on the effective trials), or ``value``
            (percentile bootstrap of the mean over seeds).
        trials: for a proportion, the run column that holds its trials.

    .. versionadded:: 0.1.0
    """

    definition: str
    definition_id: str
    unit: str
    unit_id: str
    kind: str = "value"
    trials: str = ""


def _m(definition: str, definition_id: str, unit: str, unit_id: str, trials: str = "") -> Metric:
    return Metric(
        definition=definition,
        definition_id=definition_id,
        unit=unit,
        unit_id=unit_id,
        kind="proportion" if trials else "value",
        trials=trials,
    )


#: The metrics of each run, over seeds with a 95% interval. Durations are in working days
#: (the unit of SLAs); shares are of the trials named in the unit.
METRICS: Mapping[str, Metric] = {
    "cases": _m("cases registered in the arrival window", "kasus terdaftar dalam masa "
                "kedatangan", "cases", "kasus"),
    "served_by_10wd": _m(
        "share of cases with a need met within 10 working days of registration "
        "(Kaplan-Meier; cases never served count as waiting until the run ends)",
        "proporsi kasus dengan kebutuhan terpenuhi dalam 10 hari kerja sejak pendaftaran "
        "(Kaplan-Meier; kasus yang tidak pernah dilayani dihitung menunggu sampai akhir)",
        "share of cases", "proporsi kasus",
    ),
    "served_by_30wd": _m(
        "share of cases with a need met within 30 working days (Kaplan-Meier)",
        "proporsi kasus dengan kebutuhan terpenuhi dalam 30 hari kerja (Kaplan-Meier)",
        "share of cases", "proporsi kasus",
    ),
    "time_to_service_median": _m(
        "median working days from registration to the first need met (Kaplan-Meier: the "
        "unserved are counted, as censored; n/a when fewer than half are ever served)",
        "median hari kerja dari pendaftaran sampai kebutuhan pertama terpenuhi "
        "(Kaplan-Meier; yang belum terlayani ikut dihitung sebagai tersensor)",
        "working days", "hari kerja",
    ),
    "time_to_service_served_mean": _m(
        "mean working days to the first need met, among served cases only",
        "rerata hari kerja sampai kebutuhan pertama terpenuhi, hanya kasus yang terlayani",
        "working days", "hari kerja",
    ),
    "completion": _m("share of needs met by the end", "proporsi kebutuhan terpenuhi di akhir",
                     "share of needs", "proporsi kebutuhan", "needs"),
    "unmet_need": _m(
        "share of needs with no service and nothing open at the end",
        "proporsi kebutuhan tanpa layanan dan tanpa rujukan terbuka di akhir",
        "share of needs", "proporsi kebutuhan", "needs",
    ),
    "open_at_end": _m(
        "share of cases still open when the run ends (by state: SimResult.stuck)",
        "proporsi kasus yang masih terbuka di akhir (per status: SimResult.stuck)",
        "share of cases", "proporsi kasus", "cases",
    ),
    "duplicated_aid_registry": _m(
        "completed referrals for a program the household already received before its case",
        "rujukan selesai untuk program yang sudah diterima rumah tangga sebelum kasusnya",
        "referrals", "rujukan",
    ),
    "duplicated_aid_same_case": _m(
        "completed referrals repeating a program already completed in the same case "
        "(two needs served by one program)",
        "rujukan selesai yang mengulang program yang sudah selesai dalam kasus yang sama",
        "referrals", "rujukan",
    ),
    "duplicated_aid_registered_twice": _m(
        "completed referrals repeating a program completed in another case of the same "
        "household (a household registered twice)",
        "rujukan selesai yang mengulang program dari kasus lain rumah tangga yang sama "
        "(terdaftar dua kali)",
        "referrals", "rujukan",
    ),
    "sla_breaches": _m("referrals that missed a deadline", "rujukan yang melewati tenggat",
                       "referrals", "rujukan"),
    "sla_breach_rate": _m(
        "share of referrals that missed a deadline", "proporsi rujukan yang melewati tenggat",
        "share of referrals", "proporsi rujukan", "referrals",
    ),
    "reroutes": _m(
        "referrals sent on after a rejection, expiry or failure",
        "rujukan yang diteruskan setelah ditolak, kedaluwarsa atau gagal",
        "referrals", "rujukan",
    ),
    "queue_mean_arrivals": _m(
        "mean referrals waiting for a place during the arrival window, services summed",
        "rerata rujukan menunggu tempat selama masa kedatangan, semua layanan",
        "referrals", "rujukan",
    ),
    "queue_mean_drain": _m(
        "mean referrals waiting for a place during the drain (no new arrivals)",
        "rerata rujukan menunggu tempat selama masa penuntasan (tanpa kedatangan baru)",
        "referrals", "rujukan",
    ),
    "queue_max": _m("most referrals waiting on one day, services summed",
                    "rujukan menunggu terbanyak dalam satu hari, semua layanan",
                    "referrals", "rujukan"),
}  # fmt: skip

#: The per-service table: one row per run and service, over the steady-state window
#: (from the scenario's warm-up to the end of the arrival window).
SERVICE_COLUMNS: Mapping[str, str] = {
    "policy": "the policy's name",
    "seed": "the seed of the run",
    "service_id": "the service",
    "places": "mean places over the window",
    "referrals": "referrals sent to it (whole run)",
    "completed": "referrals it completed (whole run)",
    "accepted": "referrals accepted in the window",
    "utilisation": "share of place-time in service over the window",
    "waited_share": "share of those accepted who waited for a place",
    "mean_wait": "mean days from acceptance to the start of the service",
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


_EXTRA = {"pandas": "sim", "pyarrow": "sim", "pyarrow.parquet": "sim", "matplotlib": "plot"}


def require(module: str) -> Any:
    """Import an optional *module*, or raise a :class:`~slrt_core.SlrtError` naming the extra.

    Examples:
        >>> require("math").sqrt(4.0)
        2.0
        >>> require("no_such_module_here")
        Traceback (most recent call last):
        ...
        slrt_core.errors.SlrtError: This needs the Python package no_such_module_here, ...
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRA.get(module, "sim")
        package = module.split(".", maxsplit=1)[0]
        raise SlrtError(
            f"This needs the Python package {package}, which is not installed: "
            f"pip install 'slrt-core[{extra}]'.",
            message_id=f"Fitur ini memerlukan paket Python {package}, yang belum terpasang: "
            f"pip install 'slrt-core[{extra}]'.",
        ) from exc


def _empty(names: Iterable[str]) -> Columns:
    return {name: [] for name in names}


def _working_days(
    calendar: WorkingCalendar, start: datetime, a: list[float], b: list[float]
) -> list[float]:
    """Working days between day offsets *a* and *b* (NaN where either is NaN)."""
    base = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "us")
    one = np.timedelta64(1, "D").astype("timedelta64[us]").astype(np.int64)

    def at(days: list[float]) -> Any:
        values = np.asarray(days, dtype=float)
        missing = np.isnan(values)
        offsets = np.where(missing, 0, np.round(values * one)).astype("timedelta64[us]")
        stamps = base + offsets
        return np.where(missing, np.datetime64("NaT"), stamps)

    if not a:
        return []
    seconds = calendar.working_seconds_array(at(a), at(b))
    result: list[float] = (seconds / 86400.0).tolist()
    return result


def run_tables(  # noqa: C901, PLR0912 - one pass over cases and referrals
    out: RunOutput, directory: Directory, calendar: WorkingCalendar
) -> tuple[Columns, Columns, Columns]:
    """The case, referral and queue tables of one run."""
    cases = _empty(CASE_COLUMNS)
    referrals = _empty(REFERRAL_COLUMNS)
    queues = _empty(QUEUE_COLUMNS)
    start = out.start

    def day(at: Any) -> float:
        return _NAN if at is None else (at - start).total_seconds() / 86400.0

    services = {s.service_id: s for s in directory.services()}
    completed: dict[tuple[int, str], str] = {}  # (household, program) -> the case
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
            "time_to_service_wd": _NAN,
            "waited_wd": _NAN,
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
            cause = ""
            if r.status is ReferralStatus.COMPLETED and key:
                before = completed.get((household, key))
                if key in received:
                    cause = "registry"
                elif before == case.case_id:
                    cause = "same_case"
                elif before is not None:
                    cause = "registered_twice"
                completed.setdefault((household, key), case.case_id)
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
                "duplicated_aid": bool(cause),
                "duplicated_cause": cause,
            }
            for name, value in rrow.items():
                referrals[name].append(value)
    horizon = float(out.days + out.drain)
    arrived_days = cases["arrived_day"]
    served_days = cases["first_service_day"]
    cases["time_to_service_wd"] = _working_days(calendar, start, arrived_days, served_days)
    cases["waited_wd"] = _working_days(
        calendar,
        start,
        arrived_days,
        [horizon if math.isnan(t) else t for t in served_days],
    )
    for at, service_id, waiting, busy in out.queues:
        for name, value in zip(
            QUEUE_COLUMNS, (out.policy, out.seed, at, service_id, waiting, busy), strict=True
        ):
            queues[name].append(value)
    return cases, referrals, queues


def run_metrics(cases: Columns, referrals: Columns, queues: Columns, days: int) -> dict[str, float]:
    """The :data:`METRICS` of one run's tables, and the trials of its proportions.

    Args:
        cases: the case table.
        referrals: the referral table.
        queues: the queue table.
        days: the arrival window; queue days from then on are the drain.
    """
    curve = kaplan_meier(
        cases["waited_wd"], [not math.isnan(t) for t in cases["time_to_service_wd"]]
    )
    served = [t for t in cases["time_to_service_wd"] if not math.isnan(t)]
    needs = sum(cases["needs"])
    count = len(cases["case_id"])
    sent = len(referrals["referral_id"])
    breaches = sum(referrals["sla_breached"])
    by_day: dict[float, int] = {}
    for at, waiting in zip(queues["day"], queues["waiting"], strict=True):
        by_day[at] = by_day.get(at, 0) + waiting
    window = [v for d, v in by_day.items() if d < days]
    drain = [v for d, v in by_day.items() if d >= days]
    causes = Counter(referrals["duplicated_cause"])
    return {
        "cases": float(count),
        "served_by_10wd": km_share_by(curve, 10.0) if count else _NAN,
        "served_by_30wd": km_share_by(curve, 30.0) if count else _NAN,
        "time_to_service_median": km_median(curve),
        "time_to_service_served_mean": statistics.fmean(served) if served else _NAN,
        "completion": sum(cases["needs_met"]) / needs if needs else _NAN,
        "unmet_need": sum(cases["needs_unmet"]) / needs if needs else _NAN,
        "open_at_end": sum(1 for c in cases["closed"] if not c) / count if count else _NAN,
        "duplicated_aid_registry": float(causes["registry"]),
        "duplicated_aid_same_case": float(causes["same_case"]),
        "duplicated_aid_registered_twice": float(causes["registered_twice"]),
        "sla_breaches": float(breaches),
        "sla_breach_rate": breaches / sent if sent else _NAN,
        "reroutes": float(sum(1 for r in referrals["replaces"] if r)),
        "queue_mean_arrivals": statistics.fmean(window) if window else 0.0,
        "queue_mean_drain": statistics.fmean(drain) if drain else 0.0,
        "queue_max": float(max(by_day.values(), default=0)),
        "needs": float(needs),
        "referrals": float(sent),
    }


def service_table(referrals: Columns, out: RunOutput) -> Columns:
    """The :data:`SERVICE_COLUMNS` of one run, over its steady-state window."""
    low, high = out.warmup, float(out.days)
    width = high - low
    place_time: dict[str, float] = {}
    log: dict[str, list[tuple[float, int]]] = {}
    for at, sid, places in out.capacity_log:
        log.setdefault(sid, []).append((at, places))
    for sid, changes in log.items():
        total = 0.0
        for (at, places), nxt in zip(changes, [*changes[1:], (high, 0)], strict=True):
            a, b = max(at, low), min(nxt[0], high)
            total += max(b - a, 0.0) * places
        place_time[sid] = total
    rows: dict[str, dict[str, float]] = {
        sid: dict.fromkeys(("referrals", "completed", "accepted", "busy", "waited", "wait"), 0.0)
        for sid in log
    }
    statuses = referrals["status"]
    for i, sid in enumerate(referrals["service_id"]):
        row = rows[sid]
        row["referrals"] += 1
        row["completed"] += statuses[i] == "completed"
        started = referrals["started_day"][i]
        if not math.isnan(started):
            ended = referrals["ended_day"][i]
            stop = high if math.isnan(ended) else ended
            row["busy"] += max(min(stop, high) - max(started, low), 0.0)
        accepted = referrals["accepted_day"][i]
        if low <= accepted < high and not math.isnan(started):
            row["accepted"] += 1
            row["waited"] += started > accepted
            row["wait"] += started - accepted
    table = _empty(SERVICE_COLUMNS)
    for sid, row in rows.items():
        accepted = row["accepted"]
        values = (
            out.policy,
            out.seed,
            sid,
            place_time[sid] / width if width > 0 else _NAN,
            int(row["referrals"]),
            int(row["completed"]),
            int(accepted),
            row["busy"] / place_time[sid] if place_time[sid] > 0 else _NAN,
            row["waited"] / accepted if accepted else _NAN,
            row["wait"] / accepted if accepted else _NAN,
        )
        for name, value in zip(SERVICE_COLUMNS, values, strict=True):
            table[name].append(value)
    return table


@attrs.frozen
class Estimate:
    """A metric over seeds: its value, a 95% interval inside the metric's range, and n.

    Attributes:
        policy: the policy (for a comparison: ``"B - A"``).
        metric: the metric's name (see :data:`METRICS`).
        mean: the mean over seeds (for a proportion: the pooled share).
        low: the lower end of the 95% interval; NaN with one seed (no interval).
        high: the upper end.
        n: the seeds it is over.
        method: ``wilson``, ``bootstrap`` or ``none`` (one seed).
        trials: for ``wilson``, the effective trials the interval rests on.

    Examples:
        >>> e = Estimate.of("p", "cases", [80.0, 90.0, 85.0])
        >>> e.mean, e.method, 0.0 <= e.low < 85.0 < e.high
        (85.0, 'bootstrap', True)
        >>> Estimate.of("p", "cases", [80.0]).render()
        '80.0 (1 seed: no interval)'

    .. versionadded:: 0.1.0
    """

    policy: str
    metric: str
    mean: float
    low: float
    high: float
    n: int
    method: str = "bootstrap"
    trials: float = 0.0

    @classmethod
    def of(
        cls,
        policy: str,
        metric: str,
        values: Sequence[float],
        bounds: tuple[float, float] = (0.0, math.inf),
    ) -> Estimate:
        """The mean of *values* with a bootstrap interval within *bounds* (NaN left out)."""
        kept = [v for v in values if not math.isnan(v)]
        if not kept:
            return cls(policy, metric, _NAN, _NAN, _NAN, 0, "none")
        mean = statistics.fmean(kept)
        if len(kept) < 2:  # noqa: PLR2004 - an interval needs two seeds
            return cls(policy, metric, mean, _NAN, _NAN, 1, "none")
        low, high = bootstrap_mean(kept, bounds=bounds)
        return cls(policy, metric, mean, low, high, len(kept), "bootstrap")

    @classmethod
    def proportion(
        cls, policy: str, metric: str, values: Sequence[float], trials: Sequence[float]
    ) -> Estimate:
        """The pooled share of per-seed *values* over *trials*, with a Wilson interval."""
        pairs = [(v, t) for v, t in zip(values, trials, strict=True) if not math.isnan(v)]
        if not pairs:
            return cls(policy, metric, _NAN, _NAN, _NAN, 0, "none")
        share, low, high, n_eff = effective_wilson([v for v, _ in pairs], [t for _, t in pairs])
        if len(pairs) < 2:  # noqa: PLR2004 - an interval needs two seeds
            return cls(policy, metric, share, _NAN, _NAN, 1, "none")
        return cls(policy, metric, share, low, high, len(pairs), "wilson", n_eff)

    def render(self, language: str = "en") -> str:
        """``mean [low, high]``, rounded for reading, in *language* (``en`` or ``id``)."""
        if math.isnan(self.mean):
            return "n/a" if language == "en" else "t/a"
        value = _fmt(self.mean, language)
        if self.method == "none":
            note = "1 seed: no interval" if language == "en" else "1 benih acak: tanpa interval"
            return f"{value} ({note})"
        return f"{value} [{_fmt(self.low, language)}, {_fmt(self.high, language)}]"


def _fmt(value: float, language: str = "en") -> str:
    if math.isnan(value):
        return "n/a" if language == "en" else "t/a"
    if abs(value) >= 100:  # noqa: PLR2004 - readable rounding
        pattern = "#,##0"
    elif abs(value) >= 1:
        pattern = "#,##0.0"
    else:
        pattern = "#,##0.000"
    return format_decimal(value, format=pattern, locale="en_US" if language == "en" else "id_ID")


_WORDS = {
    "en": {
        "header": "Scenario {scenario}: {seeds} seed(s); value [95% interval] over seeds",
        "how": "Intervals: Wilson for shares (on the effective trials), expanded percentile "
        "bootstrap of the mean over seeds for the others; none with one seed.",
        "metric": "metric",
        "unit": "unit",
        "difference": "Difference from {base}, paired by seed (bootstrap):",
        "stuck": "Cases open at the end, by state (mean per run):",
        "none": "none",
        "defs": "Definitions:",
    },
    "id": {
        "header": "Skenario {scenario}: {seeds} benih acak; nilai [interval 95%] antar-benih",
        "how": "Interval: Wilson untuk proporsi (pada jumlah percobaan efektif), bootstrap "
        "persentil diperlebar atas rerata antar-benih untuk lainnya; tanpa interval bila "
        "hanya satu benih acak.",
        "metric": "metrik",
        "unit": "satuan",
        "difference": "Selisih terhadap {base}, berpasangan per benih acak (bootstrap):",
        "stuck": "Kasus yang masih terbuka di akhir, per status (rerata per simulasi):",
        "none": "tidak ada",
        "defs": "Definisi:",
    },
}


def shown_name(metric: str, language: str) -> str:
    """A metric as the summary names it: its code in English, a short name in Indonesian.

    Examples:
        >>> shown_name("unmet_need", "id"), shown_name("unmet_need", "en")
        ('kebutuhan tak terpenuhi', 'unmet_need')
    """
    return _texts(f"sim.metric.{metric}", language, metric)


def shown_policy(policy: str, language: str) -> str:
    """A built-in policy in *language* (``nearest-tier`` reads ``tingkat terdekat``)."""
    return _texts(f"sim.policy.{policy}", language, policy)


def shown_scenario(name: str, language: str) -> str:
    """The scenario's name; the default ``<district>, <n> days`` reads ``<n> hari``."""
    if language != "id":
        return name
    return re.sub(r", (\d+) days$", r", \1 hari", name)


def _state(state: str, language: str) -> str:
    """A case state: its code in English (as in the tables), its label in Indonesian."""
    return _texts(f"label.CaseState.{state}", language, state) if language == "id" else state


def _texts(key: str, language: str, default: str) -> str:
    found = TEXTS.get(key)
    return default if found is None else found["id" if language == "id" else "en"]


class SimResult:
    """The tables and metrics of every run of :func:`~slrt_core.sim.run`.

    Attributes:
        scenario: the scenario's name.
        policies: the policy names, in the order given.
        seeds: the seeds.
        cases: the per-case table (:data:`CASE_COLUMNS`).
        referrals: the per-referral table (:data:`REFERRAL_COLUMNS`).
        queues: the queue table (:data:`QUEUE_COLUMNS`).
        services: the per-service table (:data:`SERVICE_COLUMNS`).
        window: the days of arrivals (the drain follows).
        runs: per (policy, seed), the :data:`METRICS`, the trials of the proportions
            (``needs``, ``referrals``), ``commands`` (service commands run) and
            ``seconds`` (wall time).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        scenario: str,
        policies: Sequence[str],
        seeds: Sequence[int],
        parts: Iterable[tuple[Columns, Columns, Columns, Columns, dict[str, Any]]],
        window: int = 0,
    ) -> None:
        self.scenario = scenario
        self.window = window
        self.policies = tuple(policies)
        self.seeds = tuple(seeds)
        self.cases = _empty(CASE_COLUMNS)
        self.referrals = _empty(REFERRAL_COLUMNS)
        self.queues = _empty(QUEUE_COLUMNS)
        self.services = _empty(SERVICE_COLUMNS)
        self.runs: list[dict[str, Any]] = []
        for cases, referrals, queues, services, run in sorted(
            parts, key=lambda p: (self.policies.index(p[4]["policy"]), p[4]["seed"])
        ):
            for table, part in (
                (self.cases, cases),
                (self.referrals, referrals),
                (self.queues, queues),
                (self.services, services),
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
        rows = [r for r in self.runs if r["policy"] == policy]
        values = [r[metric] for r in rows]
        spec = METRICS[metric]
        if spec.kind == "proportion":
            return Estimate.proportion(policy, metric, values, [r[spec.trials] for r in rows])
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
        wide = METRICS[metric].kind == "proportion"
        return Estimate.of(
            f"{policy} - {baseline}", metric, diffs, (-1.0, 1.0) if wide else (-math.inf, math.inf)
        )

    def service_metric(self, policy: str, service_id: str, column: str) -> Estimate:
        """A :data:`SERVICE_COLUMNS` figure of one service over the seeds (bootstrap).

        Raises:
            InvalidInputError: an unknown policy, service or column.
        """
        self._check(policy, "cases")
        table = self.services
        known = sorted(set(table["service_id"]))
        if service_id not in known or column not in SERVICE_COLUMNS:
            raise InvalidInputError.single(
                "service",
                f"No service figure {service_id!r}/{column!r}; services: {', '.join(known)}; "
                f"figures: {', '.join(SERVICE_COLUMNS)}.",
                f"Tidak ada angka layanan {service_id!r}/{column!r}; layanan: "
                f"{', '.join(known)}; angka: {', '.join(SERVICE_COLUMNS)}.",
            )
        values = [
            float(table[column][i])
            for i, (p, sid) in enumerate(zip(table["policy"], table["service_id"], strict=True))
            if p == policy and sid == service_id
        ]
        share = column in {"utilisation", "waited_share"}
        return Estimate.of(
            policy, f"{service_id}.{column}", values, (0.0, 1.0) if share else (0.0, math.inf)
        )

    def stuck(self) -> dict[str, dict[str, float]]:
        """Policy -> case state -> cases open in it at the end, mean per run."""
        runs = max(len(self.seeds), 1)
        found: dict[str, dict[str, float]] = {p: {} for p in self.policies}
        for policy, state, closed in zip(
            self.cases["policy"], self.cases["state"], self.cases["closed"], strict=True
        ):
            if not closed:
                found[policy][state] = found[policy].get(state, 0.0) + 1.0 / runs
        return {p: dict(sorted(states.items())) for p, states in found.items()}

    def estimates(self) -> list[Estimate]:
        """Every metric of every policy."""
        return [self.metric(p, m) for p in self.policies for m in METRICS]

    def _check(self, policy: str, metric: str) -> None:
        problems = []
        if policy not in self.policies:
            problems.append(
                Problem(
                    "policy",
                    f"No policy {policy!r}; the result has {', '.join(self.policies)}.",
                    f"Tidak ada kebijakan {policy!r}; hasil memuat {', '.join(self.policies)}.",
                )
            )
        if metric not in METRICS:
            problems.append(
                Problem(
                    "metric",
                    f"No metric {metric!r}; use one of {', '.join(METRICS)}.",
                    f"Tidak ada metrik {metric!r}; gunakan salah satu dari {', '.join(METRICS)}.",
                )
            )
        if problems:
            raise InvalidInputError(problems)

    def summary(self, language: str = "en") -> str:
        """A text table comparing the policies, with units, definitions and 95% intervals.

        With two or more policies, the differences from the first policy follow, paired
        by seed. *language* is ``en`` or ``id`` (Bahasa Indonesia, Indonesian numbers).
        """
        words = _WORDS["id" if language == "id" else "en"]
        lang = "id" if language == "id" else "en"

        def unit(m: str) -> str:
            return METRICS[m].unit_id if lang == "id" else METRICS[m].unit

        def name(m: str) -> str:
            return shown_name(m, lang)

        def policy(p: str) -> str:
            return shown_policy(p, lang)

        width = max(len(name(m)) for m in METRICS) + 2
        uwidth = max(len(unit(m)) for m in METRICS) + 2
        col = max(30, *(len(policy(p)) + 2 for p in self.policies))
        lines = [
            words["header"].format(
                scenario=shown_scenario(self.scenario, lang), seeds=len(self.seeds)
            ),
            words["how"],
            "",
            f"{words['metric']:<{width}}{words['unit']:<{uwidth}}"
            + "".join(f"{policy(p):<{col}}" for p in self.policies),
        ]
        for metric in METRICS:
            cells = "".join(f"{self.metric(p, metric).render(lang):<{col}}" for p in self.policies)
            lines.append(f"{name(metric):<{width}}{unit(metric):<{uwidth}}{cells}")
        if len(self.policies) > 1:
            base = self.policies[0]
            lines += ["", words["difference"].format(base=policy(base))]
            for metric in METRICS:
                cells = "".join(
                    f"{self.difference(p, base, metric).render(lang):<{col}}"
                    for p in self.policies[1:]
                )
                lines.append(f"{name(metric):<{width}}{unit(metric):<{uwidth}}{cells}")
        lines += ["", words["stuck"]]
        for each, states in self.stuck().items():
            listed = ", ".join(f"{_state(s, lang)} {_fmt(v, lang)}" for s, v in states.items())
            lines.append(f"  {policy(each)}: {listed or words['none']}")
        lines += ["", words["defs"]]
        for metric, spec in METRICS.items():
            text = spec.definition_id if lang == "id" else spec.definition
            lines.append(f"  {name(metric)}: {text} [{unit(metric)}]")
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
            "services": self.services,
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
        """Write the same tables as Parquet files (needs the ``sim`` extra: pyarrow).

        Raises:
            SlrtError: pyarrow is not installed.
        """
        pa = require("pyarrow")
        pq = require("pyarrow.parquet")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in self.tables().items():
            path = out / f"{name}.parquet"
            pq.write_table(pa.table(table), path)
            written.append(path)
        return written

    def frame(self, table: str = "cases") -> Any:
        """One table as a pandas DataFrame (needs the ``sim`` extra: pandas).

        Args:
            table: ``cases``, ``referrals``, ``queues``, ``services`` or ``runs``.

        Raises:
            SlrtError: pandas is not installed.
            InvalidInputError: an unknown table.
        """
        pd = require("pandas")
        tables = self.tables()
        if table not in tables:
            raise InvalidInputError.single(
                "table",
                f"No table {table!r}; use one of {', '.join(tables)}.",
                f"Tidak ada tabel {table!r}; gunakan salah satu dari {', '.join(tables)}.",
            )
        return pd.DataFrame(tables[table])
