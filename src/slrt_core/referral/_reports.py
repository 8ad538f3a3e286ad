"""Monitoring and evaluation of referrals: counts, rates, times, overdue and unmet needs.

:func:`referral_report` reads cases (from any store's ``find_cases``) and returns a
:class:`ReferralReport`:

- counts of cases by state, and of referrals by status, region (at any level), program
  and tier;
- the **completion rate**: completed referrals over referrals that ended (entered in
  error left out: it never existed), and the **closed-loop rate**: completed referrals
  the client confirmed;
- the time from request to acknowledgement (the provider's first answer: received,
  accepted or rejected), to acceptance and to completion, as median and 90th percentile
  (linear interpolation), in working days and in clock hours;
- the **overdue list**: open referrals past their deadline, oldest first;
- **unmet needs**: open needs of open cases with no running referral (never referred,
  or every referral ended without the service).

It exports to JSON (:meth:`ReferralReport.to_json`) and CSV
(:meth:`ReferralReport.to_csv`).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from slrt_core.calendar import WorkingCalendar
from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.ports import CaseList
from slrt_core.referral._directory import Service, ServiceDirectory
from slrt_core.referral._model import Referral, ReferralStatus

if TYPE_CHECKING:
    from slrt_core.case._model import Case

__all__ = ["Durations", "OverdueReferral", "ReferralReport", "UnmetNeed", "referral_report"]

UNKNOWN = "unknown"
_ANSWERS = (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED, ReferralStatus.REJECTED)
_OPEN_NEED = "open"
_CLOSED_CASE = "closed"


@attrs.frozen(kw_only=True)
class Durations:
    """Time from request to one milestone, over the referrals that reached it.

    Attributes:
        count: referrals that reached the milestone.
        median_working_days: median, in working days (24 h of working days each).
        p90_working_days: 90th percentile, in working days.
        median_hours: median, in clock hours.
        p90_hours: 90th percentile, in clock hours.
    """

    count: int
    median_working_days: float | None = None
    p90_working_days: float | None = None
    median_hours: float | None = None
    p90_hours: float | None = None


@attrs.frozen(kw_only=True)
class OverdueReferral:
    """An open referral past its deadline."""

    referral_id: str
    case_id: str
    need_id: str
    service_id: str
    provider_id: str
    status: str
    region: str
    due_at: datetime
    working_days_overdue: int
    escalation_level: int


@attrs.frozen(kw_only=True)
class UnmetNeed:
    """An open need of an open case with no running referral.

    Attributes:
        case_id: the case.
        need_id: the need.
        sector: its sector.
        region: the household's village.
        referrals: how many referrals were tried for it.
        last_outcome: the last referral's status and reason (``"rejected:capacity"``),
            or ``None`` when it was never referred.
        open_since: when the case opened.
    """

    case_id: str
    need_id: str
    sector: str
    region: str
    referrals: int
    last_outcome: str | None
    open_since: datetime


def _percentiles(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    median, p90 = np.percentile(values, [50, 90])
    return round(float(median), 3), round(float(p90), 3)


def _durations(pairs: list[tuple[datetime, datetime]], calendar: WorkingCalendar) -> Durations:
    if not pairs:
        return Durations(count=0)
    start = np.array([_naive_utc(a) for a, _ in pairs], dtype="datetime64[us]")
    end = np.array([_naive_utc(b) for _, b in pairs], dtype="datetime64[us]")
    working = calendar.working_seconds_array(start, end) / 86_400
    hours = (end - start).astype(np.int64) / 3_600_000_000
    median_days, p90_days = _percentiles(working)
    median_hours, p90_hours = _percentiles(hours)
    return Durations(
        count=len(pairs),
        median_working_days=median_days,
        p90_working_days=p90_days,
        median_hours=median_hours,
        p90_hours=p90_hours,
    )


def _naive_utc(at: datetime) -> datetime:
    offset = at.utcoffset() or timedelta(0)
    return (at - offset).replace(tzinfo=None)


def _iso(at: datetime) -> str:
    return _naive_utc(at).isoformat() + "+00:00"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@attrs.frozen(kw_only=True)
class ReferralReport:
    """What :func:`referral_report` found. Every mapping is sorted by key.

    ``skipped`` maps the id of each case the listing could not read (its stored record
    is damaged, :class:`~slrt_core.errors.CorruptRecordError`) to the version of the
    bad event (``None`` when unknown): those cases are not counted, and the report says
    so instead of failing or hiding them.
    """

    generated_at: datetime
    region_level: RegionLevel
    cases: int
    referrals: int
    cases_by_state: Mapping[str, int]
    referrals_by_status: Mapping[str, int]
    referrals_by_region: Mapping[str, int]
    referrals_by_program: Mapping[str, int]
    referrals_by_tier: Mapping[str, int]
    completion_rate: float | None
    loop_closed_rate: float | None
    time_to_acknowledge: Durations
    time_to_accept: Durations
    time_to_complete: Durations
    overdue: tuple[OverdueReferral, ...]
    unmet_needs: tuple[UnmetNeed, ...]
    skipped: Mapping[str, int | None] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON values (times in ISO 8601, UTC)."""
        data: dict[str, Any] = {}
        for field in attrs.fields(ReferralReport):
            value = getattr(self, field.name)
            if attrs.has(type(value)):
                value = attrs.asdict(value)
            elif isinstance(value, tuple):
                value = [attrs.asdict(item) for item in value]
            data[field.name] = _plain(value)
        data["region_level"] = self.region_level.name.lower()
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=False)

    def to_csv(self, table: Literal["summary", "overdue", "unmet_needs"] = "summary") -> str:
        """One table of the report as CSV text.

        ``summary`` is long format (``section,key,value``: counts, rates and times);
        ``overdue`` and ``unmet_needs`` have one row per referral or need.

        Raises:
            InvalidInputError: an unknown *table*.
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if table == "summary":
            writer.writerow(["section", "key", "value"])
            writer.writerows(self._summary_rows())
        elif table in ("overdue", "unmet_needs"):
            cls = OverdueReferral if table == "overdue" else UnmetNeed
            names = [f.name for f in attrs.fields(cls)]
            writer.writerow(names)
            for item in getattr(self, table):
                writer.writerow([_plain(getattr(item, n)) for n in names])
        else:
            raise InvalidInputError.single(
                "table",
                f"Unknown table {table!r}; use 'summary', 'overdue' or 'unmet_needs'.",
                f"Tabel `{table}` tidak dikenal; gunakan `summary`, `overdue` atau `unmet_needs`.",
            )
        return out.getvalue()

    def _summary_rows(self) -> list[tuple[str, str, object]]:
        rows: list[tuple[str, str, object]] = [
            ("totals", "cases", self.cases),
            ("totals", "referrals", self.referrals),
        ]
        for section in (
            "cases_by_state",
            "referrals_by_status",
            "referrals_by_region",
            "referrals_by_program",
            "referrals_by_tier",
        ):
            counts: Mapping[str, int] = getattr(self, section)
            rows.extend((section, key, value) for key, value in counts.items())
        rows.append(("rates", "completion_rate", _blank(self.completion_rate)))
        rows.append(("rates", "loop_closed_rate", _blank(self.loop_closed_rate)))
        for section in ("time_to_acknowledge", "time_to_accept", "time_to_complete"):
            durations: Durations = getattr(self, section)
            rows.extend(
                (section, f.name, _blank(getattr(durations, f.name)))
                for f in attrs.fields(Durations)
            )
        rows.append(("totals", "overdue", len(self.overdue)))
        rows.append(("totals", "unmet_needs", len(self.unmet_needs)))
        rows.append(("totals", "skipped", len(self.skipped)))
        rows.extend(("skipped", case_id, _blank(v)) for case_id, v in self.skipped.items())
        return rows


def _blank(value: object) -> object:
    return "" if value is None else value


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def _at_level(region: RegionCode, level: RegionLevel) -> str:
    code = region
    while code.level > level and code.parent is not None:
        code = code.parent
    return code.code or "Indonesia"


def _service(directory: ServiceDirectory | None, service_id: str) -> Service | None:
    if directory is None:
        return None
    try:
        return directory.service(service_id)
    except InvalidInputError:
        return None


def _outcome(referral: Referral) -> str:
    reason = referral.reason
    return f"{referral.status}:{reason}" if reason else str(referral.status)


class _Tally:
    """Counts and samples gathered over the cases of one report."""

    def __init__(
        self,
        now: datetime,
        directory: ServiceDirectory | None,
        calendar: WorkingCalendar,
        region_level: RegionLevel,
    ) -> None:
        self.now = now
        self.directory = directory
        self.calendar = calendar
        self.region_level = region_level
        self.today = calendar.local_date(now)
        self.by_state: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_region: Counter[str] = Counter()
        self.by_program: Counter[str] = Counter()
        self.by_tier: Counter[str] = Counter()
        self.acknowledge: list[tuple[datetime, datetime]] = []
        self.accept: list[tuple[datetime, datetime]] = []
        self.complete: list[tuple[datetime, datetime]] = []
        self.overdue: list[OverdueReferral] = []
        self.unmet: list[UnmetNeed] = []
        self.cases = self.referrals = self.ended = self.completed = self.confirmed = 0

    def add_case(self, case: Case) -> None:
        self.cases += 1
        self.by_state[str(case.state)] += 1
        region = _at_level(case.region, self.region_level)
        for r in case.referrals:
            self.add_referral(case, r, region)
        if str(case.state) != _CLOSED_CASE:
            self.add_unmet(case)

    def add_referral(self, case: Case, r: Referral, region: str) -> None:
        self.referrals += 1
        self.by_status[str(r.status)] += 1
        self.by_region[region] += 1
        service = _service(self.directory, r.service_id)
        self.by_program[(service.program if service else None) or UNKNOWN] += 1
        self.by_tier[str(service.tier) if service else UNKNOWN] += 1
        answered = next((c.at for c in r.history if c.status in _ANSWERS), None)
        for sample, at in (
            (self.acknowledge, answered),
            (self.accept, r.reached_at(ReferralStatus.ACCEPTED)),
            (self.complete, r.reached_at(ReferralStatus.COMPLETED)),
        ):
            if at is not None:
                sample.append((r.requested_at, at))
        if r.status.is_terminal and r.status is not ReferralStatus.ENTERED_IN_ERROR:
            self.ended += 1
        if r.status is ReferralStatus.COMPLETED:
            self.completed += 1
            self.confirmed += r.confirmed_at is not None
        if r.is_open and r.due_at is not None and r.due_at < self.now:
            due_day = self.calendar.local_date(r.due_at - timedelta(microseconds=1))
            late = self.calendar.working_days_between(due_day, self.today)
            self.overdue.append(
                OverdueReferral(
                    referral_id=r.referral_id,
                    case_id=case.case_id,
                    need_id=r.need_id,
                    service_id=r.service_id,
                    provider_id=r.provider_id,
                    status=str(r.status),
                    region=case.region.code,
                    due_at=r.due_at,
                    working_days_overdue=max(late, 0),
                    escalation_level=r.escalation_level,
                )
            )

    def add_unmet(self, case: Case) -> None:
        for need in case.needs:
            if str(need.status) != _OPEN_NEED:
                continue
            # An open need has no running referral: ending one reopens it (the fold).
            tried = [r for r in case.referrals if r.need_id == need.need_id]
            self.unmet.append(
                UnmetNeed(
                    case_id=case.case_id,
                    need_id=need.need_id,
                    sector=str(need.sector),
                    region=case.region.code,
                    referrals=len(tried),
                    last_outcome=_outcome(tried[-1]) if tried else None,
                    open_since=case.opened_at,
                )
            )

    def report(self) -> ReferralReport:
        self.overdue.sort(key=lambda o: (o.due_at, o.referral_id))
        return ReferralReport(
            generated_at=self.now,
            region_level=self.region_level,
            cases=self.cases,
            referrals=self.referrals,
            cases_by_state=_sorted(self.by_state),
            referrals_by_status=_sorted(self.by_status),
            referrals_by_region=_sorted(self.by_region),
            referrals_by_program=_sorted(self.by_program),
            referrals_by_tier=_sorted(self.by_tier),
            completion_rate=round(self.completed / self.ended, 4) if self.ended else None,
            loop_closed_rate=(
                round(self.confirmed / self.completed, 4) if self.completed else None
            ),
            time_to_acknowledge=_durations(self.acknowledge, self.calendar),
            time_to_accept=_durations(self.accept, self.calendar),
            time_to_complete=_durations(self.complete, self.calendar),
            overdue=tuple(self.overdue),
            unmet_needs=tuple(self.unmet),
        )


def referral_report(
    cases: Iterable[Case],
    *,
    now: datetime,
    directory: ServiceDirectory | None = None,
    calendar: WorkingCalendar | None = None,
    region_level: RegionLevel = RegionLevel.REGENCY,
) -> ReferralReport:
    """The M&E report over *cases* at *now*.

    Args:
        cases: the cases to count (a region's, a period's: the caller chooses); from a
            listing (a :class:`~slrt_core.ports.CaseList`), the damaged cases it left out
            are reported in the report's ``skipped``.
        now: the time the report is for (overdue means past due at *now*).
        directory: where programs and tiers of services are looked up; without it, or
            for a service no longer listed, they count as ``"unknown"``.
        calendar: the working-day calendar; :class:`~slrt_core.calendar.WorkingCalendar`
            by default.
        region_level: the level regions are counted at (regency/city by default).

    Examples:
        >>> from datetime import UTC, datetime
        >>> report = referral_report([], now=datetime(2026, 3, 2, tzinfo=UTC))
        >>> report.referrals, report.completion_rate, report.time_to_complete.count
        (0, None, 0)
    """
    tally = _Tally(now, directory, calendar or WorkingCalendar(), region_level)
    for case in cases:
        tally.add_case(case)
    report = tally.report()
    if isinstance(cases, CaseList) and cases.skipped:
        skipped = {e.case_id: e.version for e in cases.skipped}
        report = attrs.evolve(report, skipped=dict(sorted(skipped.items())))
    return report
