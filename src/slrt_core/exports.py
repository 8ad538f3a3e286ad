"""Exports of cases and referrals as tables (CSV or Parquet), masked: no name, no clear NIK.

:meth:`slrt_core.Slrt.export_cases` and :meth:`~slrt_core.Slrt.export_referrals`
authorize the export, read the read models a page at a time and write each page as it
comes (:class:`~slrt_core._tables.TableWriter`), so exporting 200,000 cases holds one
page in memory, never the table. This module says what the tables hold:

- **cases** (:data:`CASE_EXPORT_COLUMNS`): ids, region codes, states, channel, kind,
  sectors, referral counts and the times each stage began, from the case summaries,
  which hold no personal data. With ``identifiers=True`` two columns more, ``kk`` and
  ``nik`` (the family card and the head of household's NIK), loaded from each case and
  always masked to their last four digits (``************0001``): a table that leaves
  the system never carries a number in clear, nor a name. A person's own data in clear
  is a subject access request (:meth:`slrt_core.Slrt.subject_access`), recorded as such.
- **referrals** (:data:`REFERRAL_EXPORT_COLUMNS`): ids, the service with its program and
  tier, the provider, status and reason, every milestone's time, the escalation steps,
  the deadlines missed and whether the referral is breached.

Lists (sectors, providers, steps) are joined with ``;``. Times are UTC, ISO 8601 in CSV
and ``timestamp[us, UTC]`` in Parquet; an empty CSV cell is a missing value.

Examples:
    >>> import io
    >>> from slrt_core.adapters import MemoryStore
    >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
    >>> slrt, staff = sample_slrt(MemoryStore()), sample_staff()
    >>> _ = list(walk_case(slrt, staff, route="full"))
    >>> out = io.BytesIO()
    >>> slrt.export_cases(staff.supervisor, out, format="csv").rows
    1
    >>> out.getvalue().decode().splitlines()[1][:48]
    'case-000001,33.74.01.1001,33.74,closed,home_visi'

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from slrt_core._tables import Column, Format
from slrt_core.case._model import Case
from slrt_core.errors import InvalidInputError
from slrt_core.ports import ServiceDirectory
from slrt_core.privacy import mask_numbers
from slrt_core.projections import CASE_COLUMNS, REFERRAL_COLUMNS

__all__ = [
    "CASE_EXPORT_COLUMNS",
    "IDENTIFIER_COLUMNS",
    "REFERRAL_EXPORT_COLUMNS",
    "STAGE_COLUMNS",
    "ExportReport",
    "case_export_row",
    "masked_identifiers",
    "referral_export_row",
    "referral_exporter",
]

#: The stages whose start time a case export shows (the first time the case got there).
STAGE_COLUMNS: tuple[str, ...] = (
    "assessed",
    "submitted",
    "approved",
    "reviewed",
    "in_service",
    "closed",
)

#: The columns of a case export, in order.
CASE_EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("case_id"),
    Column("region"),
    Column("regency"),
    Column("state"),
    Column("channel"),
    Column("kind"),
    Column("emergency", "bool"),
    Column("priority"),
    Column("registered_at", "time"),
    Column("updated_at", "time"),
    *(Column(f"{stage}_at", "time") for stage in STAGE_COLUMNS),
    Column("closing_reason"),
    Column("sectors"),
    Column("open_sectors"),
    Column("referrals", "int"),
    Column("open_referrals", "int"),
    Column("referral_statuses"),
    Column("providers"),
    Column("services"),
    Column("assignees"),
    Column("next_due_at", "time"),
    Column("escalation_level", "int"),
)

#: The columns ``identifiers=True`` adds to a case export: masked numbers only.
IDENTIFIER_COLUMNS: tuple[Column, ...] = (Column("kk"), Column("nik"))

#: The columns of a referral export, in order.
REFERRAL_EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("referral_id"),
    Column("case_id"),
    Column("region"),
    Column("regency"),
    Column("need_id"),
    Column("sector"),
    Column("service_id"),
    Column("program"),
    Column("tier"),
    Column("provider_id"),
    Column("status"),
    Column("reason"),
    Column("requested_at", "time"),
    Column("acknowledged_at", "time"),
    Column("accepted_at", "time"),
    Column("completed_at", "time"),
    Column("updated_at", "time"),
    Column("due_at", "time"),
    Column("escalation_level", "int"),
    Column("escalations"),
    Column("missed"),
    Column("breached", "bool"),
    Column("replaces"),
    Column("confirmed", "bool"),
)


@attrs.frozen(kw_only=True)
class ExportReport:
    """What one export wrote.

    Attributes:
        rows: the rows written (cases or referrals).
        format: ``"csv"`` or ``"parquet"``.
        columns: the column names, in order.
        skipped: ids of cases whose identifiers could not be read (a damaged stored
            record): their row is written with the identifier cells empty.
    """

    rows: int
    format: Format
    columns: tuple[str, ...]
    skipped: tuple[str, ...] = ()


_C = {name: i for i, name in enumerate(CASE_COLUMNS)}
_R = {name: i for i, name in enumerate(REFERRAL_COLUMNS)}
_UNKNOWN = "unknown"


def case_export_row(row: Sequence[Any]) -> tuple[object, ...]:
    """The :data:`CASE_EXPORT_COLUMNS` values of a stored case row (``case_row`` list).

    Examples:
        >>> from slrt_core.adapters import MemoryStore
        >>> from slrt_core.projections import case_row, summarize
        >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
        >>> store = MemoryStore()
        >>> step = next(walk_case(sample_slrt(store), sample_staff()))
        >>> case_export_row(case_row(summarize(store.load(step.case_id))[0]))[:4]
        ('case-000001', '33.74.01.1001', '33.74', 'registered')
    """
    # Reversed, each state's first time is the one the dict keeps.
    first: dict[str, str] = dict(reversed(row[_C["state_history"]]))
    region = row[_C["region"]]
    return (
        row[_C["case_id"]],
        region,
        region[:5],
        row[_C["state"]],
        row[_C["channel"]],
        row[_C["kind"]],
        bool(row[_C["emergency"]]),
        row[_C["priority"]],
        row[_C["registered_at"]],
        row[_C["updated_at"]],
        *map(first.get, STAGE_COLUMNS),
        row[_C["closing_reason"]],
        ";".join(row[_C["sectors"]]),
        ";".join(row[_C["open_sectors"]]),
        row[_C["referrals"]],
        row[_C["open_referrals"]],
        ";".join(row[_C["referral_statuses"]]),
        ";".join(row[_C["providers"]]),
        ";".join(row[_C["services"]]),
        ";".join(row[_C["assignees"]]),
        row[_C["next_due_at"]],
        row[_C["escalation_level"]],
    )


def masked_identifiers(case: Case) -> tuple[str | None, str | None]:
    """The case's KK number and its head of household's NIK, masked to the last 4 digits.

    Examples:
        >>> from slrt_core.adapters import MemoryStore
        >>> from slrt_core.demo import sample_family
        >>> from slrt_core.identity import RegionCode
        >>> from slrt_core.testing import sample_slrt, sample_staff
        >>> from slrt_core import Channel, ComplaintKind, Need, Sector
        >>> family = sample_family(RegionCode("33.74.01.1001"))
        >>> case = sample_slrt(MemoryStore()).register(
        ...     sample_staff().facilitator, family, channel=Channel.HOME_VISIT,
        ...     kind=ComplaintKind.GRIEVANCE, needs=[Need(sector=Sector.FOOD)])
        >>> masked_identifiers(case)
        (None, '************0001')
    """
    household = case.household
    kk = None if household.kk is None else mask_numbers(household.kk.value)
    nik = household.head.nik
    return kk, None if nik is None else mask_numbers(nik.value)


class _Services:
    """Program and tier of each service, looked up once."""

    def __init__(self, directory: ServiceDirectory | None) -> None:
        self.directory = directory
        self.found: dict[str, tuple[str, str]] = {}

    def __call__(self, service_id: str) -> tuple[str, str]:
        known = self.found.get(service_id)
        if known is None:
            known = (_UNKNOWN, _UNKNOWN)
            if self.directory is not None:
                try:
                    service = self.directory.service(service_id)
                except InvalidInputError:
                    pass
                else:
                    known = (service.program or _UNKNOWN, service.tier.value)
            self.found[service_id] = known
        return known


def referral_exporter(
    directory: ServiceDirectory | None, at: datetime
) -> Callable[[Sequence[Any]], tuple[object, ...]]:
    """The :func:`referral_export_row` of *directory*'s programs and tiers, breached at *at*."""
    services = _Services(directory)
    now = at.astimezone(UTC)

    def export(row: Sequence[Any]) -> tuple[object, ...]:
        return referral_export_row(row, services, now)

    return export


def referral_export_row(
    row: Sequence[Any], services: Callable[[str], tuple[str, str]], at: datetime
) -> tuple[object, ...]:
    """The :data:`REFERRAL_EXPORT_COLUMNS` values of a stored referral row.

    *services* gives a service's program and tier; a referral is breached when it
    missed a deadline, or is open with its deadline at or before *at*.
    """
    region = row[_R["region"]]
    program, tier = services(row[_R["service_id"]])
    due = row[_R["due_at"]]
    missed = row[_R["missed"]]
    overdue = due is not None and datetime.fromisoformat(due) <= at
    return (
        row[_R["referral_id"]],
        row[_R["case_id"]],
        region,
        region[:5],
        row[_R["need_id"]],
        row[_R["sector"]],
        row[_R["service_id"]],
        program,
        tier,
        row[_R["provider_id"]],
        row[_R["status"]],
        row[_R["reason"]],
        row[_R["requested_at"]],
        row[_R["acknowledged_at"]],
        row[_R["accepted_at"]],
        row[_R["completed_at"]],
        row[_R["updated_at"]],
        due,
        row[_R["escalation_level"]],
        ";".join(row[_R["escalations"]]),
        ";".join(missed),
        bool(missed) or overdue,
        row[_R["replaces"]],
        bool(row[_R["confirmed"]]),
    )
