"""Case KPIs and referral SLA analytics of a region over a period, from the read models.

What a Dinas Sosial reports, computed from the summaries the stores keep beside the
tamper-evident event log (:mod:`slrt_core.projections`), never by replaying cases.
:meth:`slrt_core.Slrt.kpis` scopes them to the actor's jurisdiction, authorizes and logs
the read; :func:`kpi_report` is the computation on stored summary rows, for any caller.

What each figure counts, for a period of local days ``[start, end]`` (the region's zone,
WIB, WITA or WIT):

- **intake**: the cases registered in the period, by channel, kind of complaint,
  sector (a case counts once in each sector it has a need in) and emergency, and per
  local day and channel (:attr:`KpiReport.intake_daily`);
- **stage durations**: each time a case *left* a stage (a state of its lifecycle) in the
  period, the time it had spent there is one sample; median and 90th percentile
  (linear interpolation) in working days of the service's calendar (24 hours of
  working days each) and in clock hours; ``at_end`` counts the cases in each stage when
  the period ended. ``time_to_close`` times registration to closure for the cases
  closed in the period;
- **workload**: per worker currently assigned, the cases still open when the period
  ended and those closed in it;
- **closing reasons**: the cases closed in the period, by reason;
- **referral SLA analytics** of the referrals *sent* in the period: by status now; the
  time from the request to the provider's first answer (received, accepted or
  rejected), to acceptance and to completion; a referral is **breached** when it left
  a hop after that hop's deadline (as recorded when it happened) or is still open past
  its deadline at the report's time; breach rates by provider, program, tier and
  district (regency or city); the hops missed, and the escalation steps taken on them.

Every entry carries its label in Bahasa Indonesia and in English;
:meth:`KpiReport.rows` is the report as one long table in either language, and
:meth:`KpiReport.write` writes it as CSV or Parquet.

Examples:
    >>> from datetime import date
    >>> from slrt_core.adapters import MemoryStore
    >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
    >>> slrt, staff = sample_slrt(MemoryStore()), sample_staff()
    >>> for route in ("full", "emergency", "local"):
    ...     _ = list(walk_case(slrt, staff, route=route))
    >>> report = slrt.kpis(staff.supervisor, period=KpiPeriod.month(2026, 1))
    >>> report.cases_registered, report.cases_closed, report.referrals_requested
    (3, 3, 1)
    >>> [(c.key, c.count) for c in report.by_channel]
    [('home_visit', 1), ('puskesos_desk', 1), ('secretariat_desk', 1)]
    >>> report.by_channel[0].label("id")
    'Kunjungan rumah fasilitator'

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import calendar as _months
import enum
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import attrs
import numpy as np
import numpy.typing as npt

from slrt_core import formatting
from slrt_core._tables import Column, Format, TableWriter, format_of
from slrt_core.calendar import WorkingCalendar, zone_of
from slrt_core.case._model import CaseState
from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.labels import label
from slrt_core.ports import ServiceDirectory
from slrt_core.projections import CASE_COLUMNS, REFERRAL_COLUMNS
from slrt_core.referral._model import ReferralStatus
from slrt_core.referral._reports import Durations
from slrt_core.referral._sla import EscalationStep, Hop, current_hop
from slrt_core.texts import LanguageCode, text
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

__all__ = [
    "BreachRate",
    "DailyCount",
    "KpiCount",
    "KpiPeriod",
    "KpiReport",
    "KpiRow",
    "StageTime",
    "Workload",
    "kpi_report",
]

_UNKNOWN = "unknown"


# --------------------------------------------------------------------------- the period


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _check_period(instance: KpiPeriod, _attribute: object, end: date) -> None:
    start = instance.start
    if not _is_day(start) or not _is_day(end):
        raise InvalidInputError.single(
            "period",
            "A period runs from a start date to an end date (datetime.date values).",
            "Periode berjalan dari tanggal awal sampai tanggal akhir (nilai `datetime.date`).",
        )
    if end < start:
        raise InvalidInputError.single(
            "period",
            f"The period ends ({end}) before it starts ({start}).",
            f"Periode berakhir ({end}) sebelum dimulai ({start}).",
        )


@attrs.frozen
class KpiPeriod:
    """The local days a report covers, *start* to *end*, both included.

    Days are those of the region reported on (WIB, WITA or WIT): a March report of
    Papua begins at midnight WIT.

    Raises:
        InvalidInputError: *end* is before *start*, or they are not dates.

    Examples:
        >>> KpiPeriod.month(2026, 2)
        KpiPeriod(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 28))
        >>> KpiPeriod.year(2026).label("id")
        '1 Januari 2026 sampai 31 Desember 2026'
        >>> [t.isoformat() for t in KpiPeriod.month(2026, 3).bounds(RegionCode("91"))]
        ['2026-02-28T15:00:00+00:00', '2026-03-31T15:00:00+00:00']
    """

    start: date
    end: date = attrs.field(validator=_check_period)

    @classmethod
    def month(cls, year: int, month: int) -> KpiPeriod:
        """The calendar month *month* of *year*."""
        last = _months.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last))

    @classmethod
    def year(cls, year: int) -> KpiPeriod:
        """The calendar year *year*."""
        return cls(date(year, 1, 1), date(year, 12, 31))

    def bounds(self, region: RegionCode) -> tuple[datetime, datetime]:
        """The period as UTC instants ``[from, before)`` in *region*'s time zone."""
        zone = zone_of(region)
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=zone)
        after = self.end + timedelta(days=1)
        end = datetime(after.year, after.month, after.day, tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def label(self, language: LanguageCode = "id") -> str:
        """The period as staff read it: ``1 Maret 2026 sampai 31 Maret 2026``."""
        return text(
            "kpi.period",
            language,
            start=formatting.day(self.start, language),
            end=formatting.day(self.end, language),
        )


# --------------------------------------------------------------------------- entries


@attrs.frozen(kw_only=True)
class KpiCount:
    """A count under one key (a code), with the key's label in both languages.

    Attributes:
        key: the code counted under (``"home_visit"``, a provider id, a region code).
        count: how many.
        label_id: the key's label in Bahasa Indonesia.
        label_en: the key's label in English.
    """

    key: str
    count: int
    label_id: str
    label_en: str

    def label(self, language: LanguageCode = "id") -> str:
        """The key's label in *language*."""
        return self.label_id if language == "id" else self.label_en


@attrs.frozen(kw_only=True)
class DailyCount:
    """Cases registered on one local day through one channel."""

    day: date
    channel: Channel
    count: int


@attrs.frozen(kw_only=True)
class StageTime:
    """Time spent in one stage (a case state), over the stays that ended in the period.

    Attributes:
        stage: the state.
        durations: the stays' count, median and 90th percentile (working days, hours).
        at_end: cases in this stage when the period ended.
        label_id: the stage's label in Bahasa Indonesia.
        label_en: the stage's label in English.
    """

    stage: CaseState
    durations: Durations
    at_end: int
    label_id: str
    label_en: str

    def label(self, language: LanguageCode = "id") -> str:
        """The stage's label in *language*."""
        return self.label_id if language == "id" else self.label_en


@attrs.frozen(kw_only=True)
class Workload:
    """One worker's cases: still open when the period ended, and closed in it."""

    assignee: str
    open_cases: int
    closed: int


@attrs.frozen(kw_only=True)
class BreachRate:
    """The referrals sent in the period under one key, and how many were breached.

    Attributes:
        key: the provider id, program, tier or region code.
        referrals: referrals sent in the period.
        breached: those that missed a deadline (or are open past it).
        rate: breached over referrals, to four decimals; ``None`` without referrals.
        label_id: the key's label in Bahasa Indonesia.
        label_en: the key's label in English.
    """

    key: str
    referrals: int
    breached: int
    rate: float | None
    label_id: str
    label_en: str

    def label(self, language: LanguageCode = "id") -> str:
        """The key's label in *language*."""
        return self.label_id if language == "id" else self.label_en


@attrs.frozen(kw_only=True)
class KpiRow:
    """One value of a report in long format: section, key and measure, with labels.

    Attributes:
        section: the part of the report (``"intake.channel"``, ``"sla.breach.provider"``).
        key: what is counted or timed (``"home_visit"``, ``"assessed"``, a provider id).
        measure: which figure (``"count"``, ``"median_working_days"``, ``"rate"``).
        value: the figure; ``None`` when there is nothing to measure.
        section_label: the section in the chosen language.
        key_label: the key in the chosen language.
        measure_label: the measure, with its unit, in the chosen language.
    """

    section: str
    key: str
    measure: str
    value: float | None
    section_label: str
    key_label: str
    measure_label: str


#: The columns of :meth:`KpiReport.write`'s table, in order.
KPI_COLUMNS: tuple[Column, ...] = (
    Column("section"),
    Column("key"),
    Column("measure"),
    Column("value", "float"),
    Column("section_label"),
    Column("key_label"),
    Column("measure_label"),
)

_DURATION_MEASURES = (
    "count",
    "median_working_days",
    "p90_working_days",
    "median_hours",
    "p90_hours",
)


@attrs.frozen(kw_only=True)
class KpiReport:
    """The KPIs of one region over one period (see the module docstring for each figure).

    Every tuple of counts is in the order of its vocabulary (channels, kinds, sectors,
    stages, reasons, statuses, tiers, hops, steps), and of its key (providers,
    programs, districts, workers) otherwise.

    .. versionadded:: 0.1.0
    """

    region: RegionCode
    period: KpiPeriod
    period_from: datetime
    period_before: datetime
    generated_at: datetime
    cases_registered: int
    cases_closed: int
    cases_open_at_end: int
    by_channel: tuple[KpiCount, ...]
    by_kind: tuple[KpiCount, ...]
    by_sector: tuple[KpiCount, ...]
    by_emergency: tuple[KpiCount, ...]
    intake_daily: tuple[DailyCount, ...]
    stages: tuple[StageTime, ...]
    time_to_close: Durations
    workload: tuple[Workload, ...]
    closing_reasons: tuple[KpiCount, ...]
    referrals_requested: int
    referrals_by_status: tuple[KpiCount, ...]
    time_to_acknowledge: Durations
    time_to_accept: Durations
    time_to_complete: Durations
    referrals_breached: int
    breach_rate: float | None
    breach_by_provider: tuple[BreachRate, ...]
    breach_by_program: tuple[BreachRate, ...]
    breach_by_tier: tuple[BreachRate, ...]
    breach_by_district: tuple[BreachRate, ...]
    missed_by_hop: tuple[KpiCount, ...]
    escalations: tuple[KpiCount, ...]
    escalated_referrals: int

    def stage(self, state: CaseState) -> StageTime:
        """The stage times of *state*."""
        return next(s for s in self.stages if s.stage is state)

    def rows(self, language: LanguageCode = "id") -> tuple[KpiRow, ...]:
        """The report as one long table, labels in *language* (what :meth:`write` writes).

        Examples:
            >>> from slrt_core.adapters import MemoryStore
            >>> from slrt_core.testing import sample_slrt, sample_staff
            >>> report = sample_slrt(MemoryStore()).kpis(
            ...     sample_staff().supervisor, period=KpiPeriod.month(2026, 1))
            >>> row = report.rows("id")[0]
            >>> row.section, row.key, row.value, row.key_label
            ('totals', 'cases_registered', 0.0, 'Kasus terdaftar')
        """
        return tuple(_rows(self, language))

    def write(
        self,
        out: str | Path | IO[bytes],
        *,
        format: str | None = None,  # noqa: A002 - the option's name
        language: LanguageCode = "id",
    ) -> int:
        """Write :meth:`rows` to *out* as CSV or Parquet; the number of rows.

        Args:
            out: a file path (its suffix gives the format unless *format* does) or a
                binary file.
            format: ``"csv"`` or ``"parquet"`` (Parquet needs pyarrow: the ``parquet``
                extra).
            language: the language of the label columns.

        Raises:
            InvalidInputError: an unknown format.
            SlrtError: Parquet without pyarrow.
        """
        chosen: Format = format_of(out, format)
        rows = self.rows(language)
        with TableWriter(out, KPI_COLUMNS, chosen) as table:
            table.write(
                (
                    r.section,
                    r.key,
                    r.measure,
                    r.value,
                    r.section_label,
                    r.key_label,
                    r.measure_label,
                )
                for r in rows
            )
        return len(rows)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values (times in ISO 8601, dates as ``YYYY-MM-DD``).

        Codes stay codes (``"home_visit"``), each beside its two labels.
        """
        data: dict[str, Any] = _plain(attrs.asdict(self, recurse=True))
        data["region"] = self.region.code
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):  # a vocabulary member: its code
        return value.value
    return value


def _measure(name: str, language: LanguageCode) -> str:
    return text(f"kpi.measure.{name}", language)


def _rows(report: KpiReport, language: LanguageCode) -> Iterator[KpiRow]:  # noqa: C901 - one block per section
    def row(section: str, key: str, measure: str, value: float | None, key_label: str) -> KpiRow:
        return KpiRow(
            section=section,
            key=key,
            measure=measure,
            value=None if value is None else float(value),
            section_label=text(f"kpi.section.{section}", language),
            key_label=key_label,
            measure_label=_measure(measure, language),
        )

    totals = (
        ("cases_registered", report.cases_registered),
        ("cases_closed", report.cases_closed),
        ("cases_open_at_end", report.cases_open_at_end),
        ("referrals_requested", report.referrals_requested),
        ("referrals_breached", report.referrals_breached),
        ("escalated_referrals", report.escalated_referrals),
    )
    for key, value in totals:
        yield row("totals", key, "count", value, text(f"kpi.total.{key}", language))
    yield row(
        "totals", "breach_rate", "rate", report.breach_rate, text("kpi.total.breach_rate", language)
    )
    for section, counts in (
        ("intake.channel", report.by_channel),
        ("intake.kind", report.by_kind),
        ("intake.sector", report.by_sector),
        ("intake.emergency", report.by_emergency),
        ("closing_reason", report.closing_reasons),
        ("referrals.status", report.referrals_by_status),
        ("sla.missed_hop", report.missed_by_hop),
        ("sla.escalation", report.escalations),
    ):
        for c in counts:
            yield row(section, c.key, "count", c.count, c.label(language))
    for stage in report.stages:
        for measure in _DURATION_MEASURES:
            value = getattr(stage.durations, measure)
            yield row("stage", stage.stage.value, measure, value, stage.label(language))
        yield row("stage", stage.stage.value, "at_end", stage.at_end, stage.label(language))
    for section, durations in (
        ("time_to_close", report.time_to_close),
        ("sla.time_to_acknowledge", report.time_to_acknowledge),
        ("sla.time_to_accept", report.time_to_accept),
        ("sla.time_to_complete", report.time_to_complete),
    ):
        for measure in _DURATION_MEASURES:
            yield row(
                section, "all", measure, getattr(durations, measure), text("kpi.key.all", language)
            )
    for w in report.workload:
        yield row("workload", w.assignee, "open_cases", w.open_cases, w.assignee)
        yield row("workload", w.assignee, "closed", w.closed, w.assignee)
    for section, rates in (
        ("sla.breach.provider", report.breach_by_provider),
        ("sla.breach.program", report.breach_by_program),
        ("sla.breach.tier", report.breach_by_tier),
        ("sla.breach.district", report.breach_by_district),
    ):
        for b in rates:
            yield row(section, b.key, "referrals", b.referrals, b.label(language))
            yield row(section, b.key, "breached", b.breached, b.label(language))
            yield row(section, b.key, "rate", b.rate, b.label(language))


# --------------------------------------------------------------------------- computation

_CI = {name: i for i, name in enumerate(CASE_COLUMNS)}
_RI = {name: i for i, name in enumerate(REFERRAL_COLUMNS)}
_STATES = {s.value: s for s in CaseState}
_CLOSED = CaseState.CLOSED.value
_OPEN_STATUSES = frozenset(s.value for s in ReferralStatus if not s.is_terminal)
_HOP_OF_STATUS = {s.value: h.value for s in ReferralStatus if (h := current_hop(s)) is not None}
_BATCH = 2_000


def _utc_text(at: str) -> str:
    """A stored time as naive UTC ISO text, which sorts in time order."""
    if at.endswith("+00:00"):
        return at[:-6]
    return datetime.fromisoformat(at).astimezone(UTC).replace(tzinfo=None).isoformat()


def _naive(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat()


def _seconds(
    starts: list[str], ends: list[str], calendar: WorkingCalendar
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Working seconds and clock seconds from each start to its end (naive UTC texts)."""
    if not starts:
        empty = np.zeros(0, dtype=np.float64)
        return empty, empty
    a = np.array(starts, dtype="datetime64[us]")
    b = np.array(ends, dtype="datetime64[us]")
    working = calendar.working_seconds_array(a, b)
    clock = (b - a).astype(np.int64) / 1e6
    return working, clock


class _Sample:
    """Working and clock seconds of one duration, gathered batch by batch."""

    def __init__(self) -> None:
        self.working: list[npt.NDArray[np.float64]] = []
        self.clock: list[npt.NDArray[np.float64]] = []

    def add(self, working: npt.NDArray[np.float64], clock: npt.NDArray[np.float64]) -> None:
        if len(working):
            self.working.append(working)
            self.clock.append(clock)

    def durations(self) -> Durations:
        if not self.working:
            return Durations(count=0)
        working = np.concatenate(self.working) / 86_400
        hours = np.concatenate(self.clock) / 3_600
        days = np.percentile(working, [50, 90])
        clock = np.percentile(hours, [50, 90])
        return Durations(
            count=len(working),
            median_working_days=round(float(days[0]), 3),
            p90_working_days=round(float(days[1]), 3),
            median_hours=round(float(clock[0]), 3),
            p90_hours=round(float(clock[1]), 3),
        )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class _Tally:
    """What the case and referral rows of one report add up to, batch by batch."""

    def __init__(
        self,
        start: datetime,
        before: datetime,
        as_of: datetime,
        calendar: WorkingCalendar,
        directory: ServiceDirectory | None,
        zone_offset: timedelta,
    ) -> None:
        self.s = _naive(start)
        self.e = _naive(before)
        self.now = _naive(as_of)
        self.calendar = calendar
        self.directory = directory
        self.offset = zone_offset
        self.registered = self.closed = self.open_at_end = 0
        self.channels: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.sectors: Counter[str] = Counter()
        self.emergency: Counter[bool] = Counter()
        self.daily: Counter[tuple[date, str]] = Counter()
        self.stages: dict[str, _Sample] = defaultdict(_Sample)
        self.at_end: Counter[str] = Counter()
        self.to_close = _Sample()
        self.workload: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.reasons: Counter[str] = Counter()
        self.requested = self.breached = self.escalated = 0
        self.statuses: Counter[str] = Counter()
        self.acknowledge = _Sample()
        self.accept = _Sample()
        self.complete = _Sample()
        self.by_key: dict[str, dict[str, list[int]]] = {
            k: defaultdict(lambda: [0, 0]) for k in ("provider", "program", "tier", "district")
        }
        self.missed: Counter[str] = Counter()
        self.steps: Counter[str] = Counter()
        self._services: dict[str, tuple[str, str]] = {}

    # -- cases

    def add_cases(self, rows: Sequence[Sequence[Any]]) -> None:  # noqa: C901, PLR0912 - one pass per row
        s, e = self.s, self.e
        i_hist, i_reg, i_assignees = _CI["state_history"], _CI["registered_at"], _CI["assignees"]
        i_channel, i_kind, i_sectors = _CI["channel"], _CI["kind"], _CI["sectors"]
        i_emergency, i_reason = _CI["emergency"], _CI["closing_reason"]
        v_state: list[str] = []
        v_start: list[str] = []
        v_end: list[str] = []
        c_start: list[str] = []
        c_end: list[str] = []
        for row in rows:
            registered = _utc_text(row[i_reg])
            if registered >= e:
                continue
            if registered >= s:
                self.registered += 1
                channel = row[i_channel]
                self.channels[channel] += 1
                self.kinds[row[i_kind]] += 1
                for sector in row[i_sectors]:
                    self.sectors[sector] += 1
                self.emergency[bool(row[i_emergency])] += 1
                local = datetime.fromisoformat(registered) + self.offset
                self.daily[local.date(), channel] += 1
            history = row[i_hist]
            state_at_end = None
            previous_state, previous_at = None, ""
            for state, at_text in history:
                at = _utc_text(at_text)
                if at >= e:
                    break
                if previous_state is not None and at >= s:
                    v_state.append(previous_state)
                    v_start.append(previous_at)
                    v_end.append(at)
                if state == _CLOSED and at >= s:
                    self.closed += 1
                    self.reasons[row[i_reason] or _UNKNOWN] += 1
                    c_start.append(registered)
                    c_end.append(at)
                    for worker in row[i_assignees]:
                        self.workload[worker][1] += 1
                previous_state, previous_at = state, at
                state_at_end = state
            if state_at_end is not None and state_at_end != _CLOSED:
                self.open_at_end += 1
                self.at_end[state_at_end] += 1
                for worker in row[i_assignees]:
                    self.workload[worker][0] += 1
        working, clock = _seconds(v_start, v_end, self.calendar)
        if len(working):
            states = np.array(v_state, dtype=object)
            for state in set(v_state):
                chosen = states == state
                self.stages[state].add(working[chosen], clock[chosen])
        self.to_close.add(*_seconds(c_start, c_end, self.calendar))

    # -- referrals

    def _service(self, service_id: str) -> tuple[str, str]:
        found = self._services.get(service_id)
        if found is None:
            program, tier = _UNKNOWN, _UNKNOWN
            if self.directory is not None:
                try:
                    service = self.directory.service(service_id)
                except InvalidInputError:
                    pass
                else:
                    program, tier = service.program or _UNKNOWN, service.tier.value
            found = self._services[service_id] = (program, tier)
        return found

    def add_referrals(self, rows: Sequence[Sequence[Any]]) -> None:
        s, e, now = self.s, self.e, self.now
        r = _RI
        samples: dict[str, tuple[list[str], list[str]]] = {
            "acknowledged_at": ([], []),
            "accepted_at": ([], []),
            "completed_at": ([], []),
        }
        for row in rows:
            requested = _utc_text(row[r["requested_at"]])
            if not s <= requested < e:
                continue
            self.requested += 1
            status = row[r["status"]]
            self.statuses[status] += 1
            for name, (starts, ends) in samples.items():
                at = row[r[name]]
                if at is not None:
                    starts.append(requested)
                    ends.append(_utc_text(at))
            missed = list(row[r["missed"]])
            due = row[r["due_at"]]
            if status in _OPEN_STATUSES and due is not None and _utc_text(due) <= now:
                missed.append(_HOP_OF_STATUS[status])
            breached = bool(missed)
            self.breached += breached
            for hop in missed:
                self.missed[hop] += 1
            steps = row[r["escalations"]]
            self.escalated += bool(steps)
            for step in steps:
                self.steps[step] += 1
            program, tier = self._service(row[r["service_id"]])
            for kind, key in (
                ("provider", row[r["provider_id"]]),
                ("program", program),
                ("tier", tier),
                ("district", row[r["region"]][:5]),
            ):
                tally = self.by_key[kind][key]
                tally[0] += 1
                tally[1] += breached
        for name, sample in (
            ("acknowledged_at", self.acknowledge),
            ("accepted_at", self.accept),
            ("completed_at", self.complete),
        ):
            sample.add(*_seconds(*samples[name], self.calendar))


def _counts(counter: Mapping[Any, int], members: Iterable[Any]) -> tuple[KpiCount, ...]:
    """Counts of *counter* in the order of *members* (vocabulary members), zeros left out."""
    found = []
    for member in members:
        count = counter.get(member.value, 0)
        if count:
            found.append(
                KpiCount(
                    key=member.value,
                    count=count,
                    label_id=label(member, "id"),
                    label_en=label(member, "en"),
                )
            )
    return tuple(found)


def _key_labels(kind: str, key: str, directory: ServiceDirectory | None) -> tuple[str, str]:
    if key == _UNKNOWN:
        return text("kpi.key.unknown", "id"), text("kpi.key.unknown", "en")
    if kind == "tier":
        tier = Tier(key)
        return label(tier, "id"), label(tier, "en")
    if kind == "provider" and directory is not None:
        try:
            name = directory.provider(key).name
        except InvalidInputError:
            name = key
        return name, name
    if kind == "district":
        try:
            name = RegionCode(key).name
        except InvalidInputError:
            name = key
        return name, name
    return key, key


def _rates(
    kind: str, tallies: Mapping[str, list[int]], directory: ServiceDirectory | None
) -> tuple[BreachRate, ...]:
    order = {t.value: i for i, t in enumerate(Tier)} if kind == "tier" else None
    keys = sorted(tallies, key=lambda k: (order.get(k, len(order)), k) if order else (0, k))
    found = []
    for key in keys:
        referrals, breached = tallies[key]
        label_id, label_en = _key_labels(kind, key, directory)
        found.append(
            BreachRate(
                key=key,
                referrals=referrals,
                breached=breached,
                rate=_rate(breached, referrals),
                label_id=label_id,
                label_en=label_en,
            )
        )
    return tuple(found)


def _reasons(counter: Counter[str]) -> tuple[KpiCount, ...]:
    found = list(_counts(counter, ClosingReason))
    if counter.get(_UNKNOWN):
        found.append(
            KpiCount(
                key=_UNKNOWN,
                count=counter[_UNKNOWN],
                label_id=text("kpi.key.unknown", "id"),
                label_en=text("kpi.key.unknown", "en"),
            )
        )
    return tuple(found)


def _emergency(counter: Counter[bool]) -> tuple[KpiCount, ...]:
    return tuple(
        KpiCount(
            key=key,
            count=counter[flag],
            label_id=text(f"kpi.key.{key}", "id"),
            label_en=text(f"kpi.key.{key}", "en"),
        )
        for flag, key in ((True, "emergency"), (False, "not_emergency"))
        if counter[flag]
    )


def kpi_report(
    cases: Iterable[Sequence[Any]],
    referrals: Iterable[Sequence[Any]],
    *,
    region: RegionCode,
    period: KpiPeriod,
    as_of: datetime,
    calendar: WorkingCalendar | None = None,
    directory: ServiceDirectory | None = None,
) -> KpiReport:
    """The KPIs of *period* over stored summary rows (see the module docstring).

    Args:
        cases: case summaries in their stored form (:func:`~slrt_core.projections.case_row`
            lists), each at most once: every case registered before the period ends
            that may count (the rest are ignored as they come).
        referrals: referral summary rows (:func:`~slrt_core.projections.referral_row`);
            those sent outside the period are ignored.
        region: the region reported on; its time zone bounds the period's days.
        period: the local days reported on.
        as_of: the time the report is for: an open referral past its deadline then
            counts as breached.
        calendar: working days; :class:`~slrt_core.calendar.WorkingCalendar` by default.
        directory: where programs, tiers and provider names are looked up; a service
            it does not list counts under ``"unknown"``.

    Both iterables are read once, a batch at a time: memory grows with the samples of
    the period, not with the rows read.

    Examples:
        >>> from datetime import UTC, datetime
        >>> report = kpi_report([], [], region=RegionCode("33.74"),
        ...                     period=KpiPeriod.month(2026, 1),
        ...                     as_of=datetime(2026, 2, 1, tzinfo=UTC))
        >>> report.cases_registered, report.breach_rate, report.time_to_close.count
        (0, None, 0)
    """
    start, before = period.bounds(region)
    offset = datetime(2026, 1, 1, tzinfo=zone_of(region)).utcoffset() or timedelta(0)
    tally = _Tally(start, before, as_of, calendar or WorkingCalendar(), directory, offset)
    for batch in _batches(cases):
        tally.add_cases(batch)
    for batch in _batches(referrals):
        tally.add_referrals(batch)
    t = tally
    stages = tuple(
        StageTime(
            stage=state,
            durations=t.stages[state.value].durations()
            if state.value in t.stages
            else Durations(count=0),
            at_end=t.at_end.get(state.value, 0),
            label_id=label(state, "id"),
            label_en=label(state, "en"),
        )
        for state in CaseState
        if state is not CaseState.CLOSED
    )
    return KpiReport(
        region=region,
        period=period,
        period_from=start,
        period_before=before,
        generated_at=as_of,
        cases_registered=t.registered,
        cases_closed=t.closed,
        cases_open_at_end=t.open_at_end,
        by_channel=_counts(t.channels, Channel),
        by_kind=_counts(t.kinds, ComplaintKind),
        by_sector=_counts(t.sectors, Sector),
        by_emergency=_emergency(t.emergency),
        intake_daily=tuple(
            DailyCount(day=day, channel=Channel(channel), count=n)
            for (day, channel), n in sorted(t.daily.items())
        ),
        stages=stages,
        time_to_close=t.to_close.durations(),
        workload=tuple(
            Workload(assignee=worker, open_cases=counts[0], closed=counts[1])
            for worker, counts in sorted(t.workload.items())
        ),
        closing_reasons=_reasons(t.reasons),
        referrals_requested=t.requested,
        referrals_by_status=_counts(t.statuses, ReferralStatus),
        time_to_acknowledge=t.acknowledge.durations(),
        time_to_accept=t.accept.durations(),
        time_to_complete=t.complete.durations(),
        referrals_breached=t.breached,
        breach_rate=_rate(t.breached, t.requested),
        breach_by_provider=_rates("provider", t.by_key["provider"], directory),
        breach_by_program=_rates("program", t.by_key["program"], directory),
        breach_by_tier=_rates("tier", t.by_key["tier"], directory),
        breach_by_district=_rates("district", t.by_key["district"], directory),
        missed_by_hop=_counts(t.missed, Hop),
        escalations=_counts(t.steps, EscalationStep),
        escalated_referrals=t.escalated,
    )
