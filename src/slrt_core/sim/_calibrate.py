"""Calibration: each service's behaviour fitted from a log of its referrals.

A referral log is a table with one row per referral, in the shape of the simulation's
own referral table (:data:`~slrt_core.sim.REFERRAL_COLUMNS`): what
:attr:`SimResult.referrals <slrt_core.sim.SimResult.referrals>` holds and
``referrals.csv`` of :meth:`~slrt_core.sim.SimResult.to_csv` writes, what
:func:`referral_log` builds from the cases of any store, or a CSV of the same columns
exported from another system. :func:`calibrate` reads these columns (times in days
since any fixed start, empty or NaN when the referral never got there):

``service_id``, ``status``, ``reason``, ``requested_day``, ``received_day``,
``accepted_day``, ``started_day``, ``ended_day`` and, when known, ``answer_due_day``
(the acknowledgement deadline; otherwise worked out from a directory's SLAs).

Per service it fits the parameters of a :class:`~slrt_core.sim.ServiceModel`:

- ``answer``: a log-normal (median and log-spread of the days from the request to the
  first answer, over the answers given by the deadline);
- ``sla_compliance``: answers given by the deadline over referrals that were answered
  or expired unanswered;
- ``late``: a uniform between the shortest and longest days past the deadline of the
  late answers (answers so late that the SLA sweep expired the referral first are not
  seen: the upper end is low when the sweep expires referrals early);
- ``reject``: rejections for any reason but capacity over answered referrals that were
  not rejected for capacity;
- ``fail``: failures over started services that ran to their end (not expired);
- ``service``: a log-normal of the days from the start of the service to its end
  (completed or failed);
- ``capacity``: the most services in progress at once (a lower bound of the places;
  the places themselves when a waiting line formed).

A service with too few observations for a parameter keeps the default of
:class:`~slrt_core.sim.ServiceModel` for it, and the fit says so (``n_*`` columns).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from slrt_core.calendar import WorkingCalendar
from slrt_core.case._model import Case
from slrt_core.errors import InvalidInputError
from slrt_core.referral._directory import ServiceDirectory
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.sim._results import Columns
from slrt_core.sim._scenario import Distribution, Scenario, ServiceModel

__all__ = [
    "CALIBRATION_COLUMNS",
    "LOG_COLUMNS",
    "Calibration",
    "calibrate",
    "read_referral_log",
    "referral_log",
]

#: The columns :func:`calibrate` reads (the others of a referral table are ignored).
LOG_COLUMNS: Mapping[str, str] = {
    "service_id": "the service the referral went to",
    "status": "its status at the end (requested ... completed, failed)",
    "reason": "the reason of its last status change (empty if none)",
    "requested_day": "when it was sent, in days since the log's start",
    "received_day": "when the provider acknowledged it (empty if never)",
    "accepted_day": "when the provider accepted it (empty if never)",
    "started_day": "when the service started (empty if never)",
    "ended_day": "when it reached a terminal status (empty if open)",
    "answer_due_day": "optional: the acknowledgement deadline, in the same days",
}

#: The table of a calibration: one row per service.
CALIBRATION_COLUMNS: Mapping[str, str] = {
    "service_id": "the service",
    "referrals": "referrals of the service in the log",
    "capacity": "places: the most services in progress at once",
    "answer_median": "median days from the request to an answer by the deadline",
    "answer_sigma": "log-spread of those days",
    "sla_compliance": "share answered by the deadline (NaN: no deadline known)",
    "late_low": "fewest days past the deadline of a late answer",
    "late_high": "most days past the deadline of a late answer",
    "reject": "share rejected, for any reason but capacity, of those answered",
    "fail": "share failed of the services started and ended",
    "service_median": "median days from the start of the service to its end",
    "service_sigma": "log-spread of those days",
    "n_answers": "answers the answer fit used",
    "n_answer_trials": "referrals answered or expired, for the SLA compliance",
    "n_late": "late answers the late fit used",
    "n_reject_trials": "answered referrals not rejected for capacity",
    "n_services": "services ended, for the failure share and the duration fit",
}

#: Fewer observations than this keep the default of a parameter.
MIN_OBSERVATIONS = 5
#: Days below this count as this (a log-normal has no zero): one minute.
_SHORTEST = 1.0 / 1440.0
_ANSWERED = ("received_day", "accepted_day")
_ENDED = frozenset({ReferralStatus.COMPLETED.value, ReferralStatus.FAILED.value})


def _number(value: Any) -> float:
    """A day as a float: NaN for an empty or missing value."""
    if value is None or value == "":
        return math.nan
    return float(value)


def _lognormal(days: Sequence[float]) -> tuple[float, float]:
    """The median and log-spread of *days* (maximum likelihood, sample spread)."""
    logs = [math.log(max(d, _SHORTEST)) for d in days]
    mean = sum(logs) / len(logs)
    spread = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1))
    return math.exp(mean), spread


@attrs.frozen
class _Row:
    """One referral of the log, as the fit reads it."""

    status: str
    reason: str
    requested: float
    answered: float
    accepted: float
    started: float
    ended: float
    due: float


def _rows(log: Mapping[str, Sequence[Any]], due: Sequence[float]) -> dict[str, list[_Row]]:
    rows: dict[str, list[_Row]] = {}
    for i, service in enumerate(log["service_id"]):
        received = _number(log["received_day"][i])
        accepted = _number(log["accepted_day"][i])
        ended = _number(log["ended_day"][i])
        status = str(log["status"][i])
        # The first answer: acknowledged, accepted, or (without either) rejected.
        answered = min((t for t in (received, accepted) if not math.isnan(t)), default=math.nan)
        if math.isnan(answered) and status == ReferralStatus.REJECTED.value:
            answered = ended
        rows.setdefault(str(service), []).append(
            _Row(
                status=status,
                reason=str(log["reason"][i] or ""),
                requested=_number(log["requested_day"][i]),
                answered=answered,
                accepted=accepted,
                started=_number(log["started_day"][i]),
                ended=ended,
                due=due[i],
            )
        )
    return rows


def _most_at_once(rows: Iterable[_Row]) -> int:
    """The most services in progress at the same time."""
    moves = []
    for r in rows:
        if not math.isnan(r.started):
            moves.append((r.started, 1))
            moves.append((math.inf if math.isnan(r.ended) else r.ended, -1))
    busy = most = 0
    for _, step in sorted(moves):  # an end before a start at the same instant
        busy += step
        most = max(most, busy)
    return most


def _fit(
    service_id: str, rows: list[_Row], base: ServiceModel
) -> tuple[ServiceModel, dict[str, Any]]:
    """The fitted model of one service, and its row of the calibration table."""
    knows_due = any(not math.isnan(r.due) for r in rows)
    on_time = [r.answered - r.requested for r in rows if r.answered <= r.due]
    late = [r.answered - r.due for r in rows if r.answered > r.due]
    expired = [
        r for r in rows if math.isnan(r.answered) and r.reason == ReferralReason.EXPIRED.value
    ]
    answers = (
        on_time
        if knows_due
        else [r.answered - r.requested for r in rows if not math.isnan(r.answered)]
    )
    answer_trials = len(on_time) + len(late) + len(expired)
    answered = [r for r in rows if not math.isnan(r.answered)]
    reject_trials = [
        r
        for r in answered
        if not (r.status == ReferralStatus.REJECTED.value and r.reason == "capacity")
    ]
    rejected = [r for r in reject_trials if r.status == ReferralStatus.REJECTED.value]
    # Services that ran to their end: not those the SLA sweep expired.
    services = [
        r
        for r in rows
        if not math.isnan(r.started)
        and r.status in _ENDED
        and r.reason != ReferralReason.EXPIRED.value
        and r.ended >= r.started
    ]
    failed = [r for r in services if r.status == ReferralStatus.FAILED.value]
    changes: dict[str, Any] = {}
    if len(answers) >= MIN_OBSERVATIONS:
        changes["answer"] = Distribution.lognormal(*_lognormal(answers))
    if knows_due and answer_trials >= MIN_OBSERVATIONS:
        changes["sla_compliance"] = len(on_time) / answer_trials
    if len(late) >= MIN_OBSERVATIONS:
        changes["late"] = Distribution.uniform(min(late), max(late))
    if len(reject_trials) >= MIN_OBSERVATIONS:
        changes["reject"] = len(rejected) / len(reject_trials)
    if len(services) >= MIN_OBSERVATIONS:
        changes["fail"] = len(failed) / len(services)
        changes["service"] = Distribution.lognormal(
            *_lognormal([r.ended - r.started for r in services])
        )
    most = _most_at_once(rows)
    if most:
        changes["capacity"] = most
    model = attrs.evolve(base, service_id=service_id, **changes)
    row = {
        "service_id": service_id,
        "referrals": len(rows),
        "capacity": model.capacity,
        "answer_median": model.answer.a,
        "answer_sigma": model.answer.b,
        "sla_compliance": model.sla_compliance if knows_due else math.nan,
        "late_low": model.late.a,
        "late_high": model.late.b,
        "reject": model.reject,
        "fail": model.fail,
        "service_median": model.service.a,
        "service_sigma": model.service.b,
        "n_answers": len(answers),
        "n_answer_trials": answer_trials,
        "n_late": len(late),
        "n_reject_trials": len(reject_trials),
        "n_services": len(services),
    }
    return model, row


@attrs.frozen
class Calibration:
    """Each service's fitted :class:`~slrt_core.sim.ServiceModel`, and the fit's table.

    Attributes:
        models: one model per service of the log, sorted by service id.
        rows: the :data:`CALIBRATION_COLUMNS` of each service, in the same order.

    .. versionadded:: 0.1.0
    """

    models: tuple[ServiceModel, ...]
    rows: tuple[Mapping[str, Any], ...]

    def model(self, service_id: str) -> ServiceModel:
        """The fitted model of *service_id*.

        Raises:
            InvalidInputError: the log had no referral to that service.
        """
        for model in self.models:
            if model.service_id == service_id:
                return model
        known = ", ".join(m.service_id for m in self.models) or "none"
        raise InvalidInputError.single(
            "service_id",
            f"The log has no referral to {service_id!r}; calibrated services: {known}.",
            f"Log tidak memuat rujukan ke {service_id!r}; layanan yang dikalibrasi: {known}.",
        )

    def table(self) -> Columns:
        """The fit as one tidy table of :data:`CALIBRATION_COLUMNS`."""
        return {name: [row[name] for row in self.rows] for name in CALIBRATION_COLUMNS}

    def apply(self, scenario: Scenario) -> Scenario:
        """*scenario* with the fitted services (the others keep their models).

        A fitted service that is not in the scenario's directory is refused by
        :func:`~slrt_core.sim.run`, as any model of an unknown service is.
        """
        fitted = {m.service_id for m in self.models}
        kept = tuple(m for m in scenario.services if m.service_id not in fitted)
        return attrs.evolve(scenario, services=kept + self.models)


def _deadlines(
    log: Mapping[str, Sequence[Any]],
    directory: ServiceDirectory | None,
    start: datetime | None,
    calendar: WorkingCalendar | None,
) -> list[float]:
    """Each row's acknowledgement deadline in days: from the log, or from the SLAs."""
    size = len(log["service_id"])
    if "answer_due_day" in log:
        return [_number(v) for v in log["answer_due_day"]]
    if directory is None or start is None:
        return [math.nan] * size
    calendar = calendar or WorkingCalendar()
    services = {s.service_id: s for s in directory.services()}
    due = []
    for service_id, requested in zip(log["service_id"], log["requested_day"], strict=True):
        service = services.get(str(service_id))
        day = _number(requested)
        if service is None or math.isnan(day):
            due.append(math.nan)
            continue
        sent = start + timedelta(days=day)
        deadline = calendar.deadline(sent, service.sla.acknowledge_days)
        due.append((deadline - start).total_seconds() / 86400.0)
    return due


def calibrate(
    log: Mapping[str, Sequence[Any]],
    *,
    directory: ServiceDirectory | None = None,
    start: datetime | None = None,
    calendar: WorkingCalendar | None = None,
    base: Mapping[str, ServiceModel] | None = None,
) -> Calibration:
    """Fit every service's :class:`~slrt_core.sim.ServiceModel` from a referral log.

    Args:
        log: column -> values, with at least the :data:`LOG_COLUMNS` (but the optional
            ``answer_due_day``); a :class:`~slrt_core.sim.SimResult`'s ``referrals``,
            :func:`referral_log` or :func:`read_referral_log`.
        directory: the services' SLAs, for the acknowledgement deadlines when the log
            has no ``answer_due_day``; without either, the SLA compliance is not fitted
            and every answer enters the answer time.
        start: the instant the log's days count from (with *directory*).
        calendar: working days for the deadlines (the default calendar if not given).
        base: service id -> the model whose values a service keeps where the log has
            too few observations (the :class:`~slrt_core.sim.ServiceModel` defaults
            otherwise).

    Returns:
        The fitted models and the table of the fit.

    Raises:
        InvalidInputError: a column is missing.

    Examples:
        >>> log = {
        ...     "service_id": ["clinic"] * 6,
        ...     "status": ["completed"] * 5 + ["rejected"],
        ...     "reason": [""] * 5 + ["not_eligible"],
        ...     "requested_day": [0, 1, 2, 3, 4, 5],
        ...     "received_day": [0.5, 2, 2.5, 4, 4.5, 6],
        ...     "accepted_day": [0.5, 2, 2.5, 4, 4.5, None],
        ...     "started_day": [1, 3, 4, 5, 6, None],
        ...     "ended_day": [4, 9, 8, 9, 12, 6],
        ... }
        >>> fit = calibrate(log)
        >>> model = fit.model("clinic")
        >>> round(model.reject, 3), model.fail, model.capacity
        (0.167, 0.0, 4)
        >>> round(model.service.a, 2)
        4.44
    """
    missing = [c for c in LOG_COLUMNS if c != "answer_due_day" and c not in log]
    if missing:
        raise InvalidInputError.single(
            "log",
            f"The referral log lacks the column(s) {', '.join(missing)}; give a table with "
            f"{', '.join(LOG_COLUMNS)} (the simulation's referral table has them).",
            f"Log rujukan tidak memuat kolom {', '.join(missing)}; berikan tabel dengan "
            f"{', '.join(LOG_COLUMNS)} (tabel rujukan simulasi memuatnya).",
        )
    due = _deadlines(log, directory, start, calendar)
    base = base or {}
    models, rows = [], []
    for service_id, service_rows in sorted(_rows(log, due).items()):
        model, row = _fit(
            service_id, service_rows, base.get(service_id) or ServiceModel(service_id=service_id)
        )
        models.append(model)
        rows.append(row)
    return Calibration(models=tuple(models), rows=tuple(rows))


def referral_log(cases: Iterable[Case], *, start: datetime) -> Columns:
    """The referral log of *cases* (from any store's ``find_cases``), days from *start*.

    One row per referral with the :data:`LOG_COLUMNS` but ``answer_due_day`` (give the
    directory to :func:`calibrate` for the deadlines), plus ``referral_id`` and
    ``case_id``.

    Examples:
        >>> from datetime import UTC, datetime
        >>> referral_log([], start=datetime(2026, 1, 5, tzinfo=UTC))["service_id"]
        []
    """

    def day(at: datetime | None) -> float:
        return math.nan if at is None else (at - start).total_seconds() / 86400.0

    names = ("referral_id", "case_id", *(c for c in LOG_COLUMNS if c != "answer_due_day"))
    log: Columns = {name: [] for name in names}
    for case in cases:
        for r in case.referrals:
            ended = r.history[-1].at if r.status.is_terminal else None
            values = (
                r.referral_id,
                case.case_id,
                r.service_id,
                r.status.value,
                r.reason.value if r.reason else "",
                day(r.requested_at),
                day(r.reached_at(ReferralStatus.RECEIVED)),
                day(r.reached_at(ReferralStatus.ACCEPTED)),
                day(r.reached_at(ReferralStatus.IN_PROGRESS)),
                day(ended),
            )
            for name, value in zip(names, values, strict=True):
                log[name].append(value)
    return log


def read_referral_log(path: str | Path) -> Columns:
    """A referral log from a CSV file with a header row (``referrals.csv`` of a run).

    Values stay text; :func:`calibrate` reads the days as numbers (empty: never).

    Raises:
        InvalidInputError: the file cannot be read.
    """
    try:
        with Path(path).open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            log: Columns = {name: [] for name in reader.fieldnames or ()}
            for row in reader:
                for name, value in row.items():
                    log[name].append(value)
    except OSError as exc:
        raise InvalidInputError.single(
            "path",
            f"Cannot read {path}: {exc.strerror}. Give a readable CSV file.",
            f"Tidak bisa membaca {path}: {exc.strerror}. Berikan berkas CSV yang bisa dibaca.",
        ) from exc
    return log
