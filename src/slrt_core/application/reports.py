"""Reports over the read models: KPIs and exports, read a page of summaries at a time.

Both read the stored form of the summaries (:class:`~slrt_core.ports.SummaryRows`,
or rows made from :class:`~slrt_core.ports.SummaryQueries` pages for a store without
it), in registration (or request) order, which never changes once a row is written: a
case committed during the read is read once, or not at all if it came after the last
page. Memory holds one page, whatever the store's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from slrt_core._tables import Column, Format, TableWriter
from slrt_core.application.queries import region_scope
from slrt_core.calendar import WorkingCalendar
from slrt_core.errors import CorruptRecordError, InvalidInputError, NotFoundError
from slrt_core.exports import (
    CASE_EXPORT_COLUMNS,
    IDENTIFIER_COLUMNS,
    REFERRAL_EXPORT_COLUMNS,
    ExportReport,
    case_export_row,
    masked_identifiers,
    referral_exporter,
)
from slrt_core.identity import RegionCode
from slrt_core.kpis import KpiPeriod, KpiReport, kpi_report
from slrt_core.ports import EventStore, ServiceDirectory, SummaryQueries, SummaryRows
from slrt_core.projections import (
    CASE_COLUMNS,
    REFERRAL_COLUMNS,
    CaseOrder,
    CaseSelection,
    ReferralOrder,
    ReferralSelection,
    case_row,
    referral_row,
)

__all__ = [
    "PAGE",
    "case_rows",
    "check_page_size",
    "export_cases",
    "export_referrals",
    "kpis",
    "referral_rows",
]

#: Summaries read per page by default.
PAGE = 1_000
#: The largest page a bulk reader may ask for.
MAX_BULK_PAGE = 50_000

_REGISTERED = CASE_COLUMNS.index("registered_at")
_REQUESTED = REFERRAL_COLUMNS.index("requested_at")


def check_page_size(size: object) -> int:
    """*size* when it is a page size for a bulk read (1 to 50,000).

    Raises:
        InvalidInputError: it is not.
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_BULK_PAGE:
        raise InvalidInputError.single(
            "page_size",
            f"A page of an export holds 1 to {MAX_BULK_PAGE} rows, not {size!r}.",
            f"Satu halaman ekspor memuat 1 sampai {MAX_BULK_PAGE} baris, bukan {size!r}.",
        )
    return size


def case_rows(
    queries: SummaryQueries, selection: CaseSelection, *, page: int = PAGE
) -> Iterator[list[Any]]:
    """Every case summary meeting *selection* in its stored form, a page at a time."""
    bulk = queries if isinstance(queries, SummaryRows) else None
    after: tuple[object, ...] | None = None
    order = CaseOrder.REGISTERED
    while True:
        if bulk is not None:
            rows = bulk.case_summary_rows(selection, order=order, after=after, limit=page)
        else:
            found = queries.case_summaries(selection, order=order, after=after, limit=page)
            rows = [case_row(s) for s in found]
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1]
        after = (datetime.fromisoformat(last[_REGISTERED]), last[0])


def referral_rows(
    queries: SummaryQueries, selection: ReferralSelection, *, page: int = PAGE
) -> Iterator[list[Any]]:
    """Every referral summary meeting *selection* in its stored form, a page at a time."""
    bulk = queries if isinstance(queries, SummaryRows) else None
    after: tuple[object, ...] | None = None
    order = ReferralOrder.REQUESTED
    while True:
        if bulk is not None:
            rows = bulk.referral_summary_rows(selection, order=order, after=after, limit=page)
        else:
            found = queries.referral_summaries(selection, order=order, after=after, limit=page)
            rows = [referral_row(r) for r in found]
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1]
        after = (datetime.fromisoformat(last[_REQUESTED]), last[0])


def kpis(
    queries: SummaryQueries,
    *,
    within: RegionCode,
    on: date,
    period: KpiPeriod,
    as_of: datetime,
    calendar: WorkingCalendar,
    directory: ServiceDirectory,
    page: int = PAGE,
) -> KpiReport:
    """The KPIs of the cases *within* (following splits on local date *on*) over *period*.

    It reads every case registered before the period ends, and the referrals sent in it.
    """
    regions, excluded = region_scope(within, on)
    start, before = period.bounds(within)
    cases = CaseSelection(regions=regions, excluded=excluded, registered_before=before)
    referrals = ReferralSelection(
        regions=regions, excluded=excluded, requested_from=start, requested_before=before
    )
    return kpi_report(
        case_rows(queries, cases, page=page),
        referral_rows(queries, referrals, page=page),
        region=within,
        period=period,
        as_of=as_of,
        calendar=calendar,
        directory=directory,
    )


def export_cases(
    store: Any,
    selection: CaseSelection,
    out: str | Path | IO[bytes],
    format: Format,  # noqa: A002 - the option's name
    *,
    identifiers: bool = False,
    page: int = PAGE,
) -> ExportReport:
    """Write the cases meeting *selection* to *out*, a page at a time.

    *store* answers summary pages and, with *identifiers*, loads each case for its
    masked KK and NIK (an :class:`~slrt_core.ports.EventStore`).
    """
    columns: tuple[Column, ...] = CASE_EXPORT_COLUMNS + (IDENTIFIER_COLUMNS if identifiers else ())
    loader: EventStore | None = store if identifiers else None
    skipped: list[str] = []
    with TableWriter(out, columns, format) as table:
        batch: list[tuple[object, ...]] = []
        for row in case_rows(store, selection, page=page):
            values = case_export_row(row)
            if loader is not None:
                values += _identifiers(loader, row[0], skipped)
            batch.append(values)
            if len(batch) >= page:
                table.write(batch)
                batch = []
        table.write(batch)
        written = table.rows
    return ExportReport(
        rows=written,
        format=format,
        columns=tuple(c.name for c in columns),
        skipped=tuple(skipped),
    )


def _identifiers(
    store: EventStore, case_id: str, skipped: list[str]
) -> tuple[str | None, str | None]:
    try:
        return masked_identifiers(store.load(case_id))
    except CorruptRecordError:
        skipped.append(case_id)
    except NotFoundError:  # erased (or gone) since its summary was read
        pass
    return None, None


def export_referrals(
    queries: SummaryQueries,
    selection: ReferralSelection,
    out: str | Path | IO[bytes],
    format: Format,  # noqa: A002 - the option's name
    *,
    directory: ServiceDirectory,
    at: datetime,
    page: int = PAGE,
) -> ExportReport:
    """Write the referrals meeting *selection* to *out*, a page at a time."""
    convert = referral_exporter(directory, at)
    with TableWriter(out, REFERRAL_EXPORT_COLUMNS, format) as table:
        batch: list[tuple[object, ...]] = []
        for row in referral_rows(queries, selection, page=page):
            batch.append(convert(row))
            if len(batch) >= page:
                table.write(batch)
                batch = []
        table.write(batch)
        written = table.rows
    return ExportReport(
        rows=written,
        format=format,
        columns=tuple(c.name for c in REFERRAL_EXPORT_COLUMNS),
    )
