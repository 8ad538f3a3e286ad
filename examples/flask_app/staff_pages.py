"""The staff pages of the example: a worklist, a case page and a dashboard, as HTML.

Server-rendered with Jinja (``templates/staff/``), no JavaScript, read-only: the pages
show what the store holds and change nothing. They read through the same
:class:`~slrt_core.Slrt` as the JSON API, so the jurisdiction, the access log and the
purposes apply as for every read.

* ``/staff/worklist``: cases or referrals, filtered by worklist, state and overdue, in
  pages of a cursor (``Slrt.cases``, ``Slrt.referrals``, the queries of ``Slrt.worklist``);
* ``/staff/cases/<id>``: one case with its household (masked), needs, referrals and
  history, every time in the local time of the case's province (WIB, WITA or WIT);
* ``/staff/dashboard``: the figures of :func:`dashboard_data` and, with matplotlib
  installed, their bar charts (``/staff/dashboard/plot.png``) and the month's KPI charts
  of :mod:`slrt_core.plots` (``/staff/dashboard/kpi/<name>.png``).

Every page is in Bahasa Indonesia unless ``?lang=en`` asks for English. The labels of
states, sectors, roles and events come from slrt_core's catalogue; the page's own words
are in :data:`PAGE_TEXTS`, in both languages.

Personal data is masked as in slrt_core's exports (:func:`slrt_core.privacy.mask_export`):
NIK and KK numbers show their last 4 digits, names their first letter, and 16-digit
numbers in free text are masked.

**Not authentication.** The sign-in page lets anyone choose who they act as; the choice
is kept in Flask's signed session cookie. A real app signs staff in with its own login
and builds the :class:`~slrt_core.Actor` from it.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import attrs
from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for

from slrt_core import (
    AccessDenied,
    Actor,
    CaseState,
    InvalidInputError,
    Problem,
    ReferralStatus,
    RegionCode,
    Role,
    Slrt,
    SlrtError,
    StorageError,
    formatting,
    label,
)
from slrt_core.application.worklists import Worklist, WorklistQuery, worklist_query
from slrt_core.calendar import local_date_in
from slrt_core.kpis import KpiPeriod, KpiReport
from slrt_core.labels import value_label
from slrt_core.privacy import mask_export, mask_numbers
from slrt_core.projections import CaseFilter, CaseOrder, Page
from slrt_core.referral import Durations, ReferralReport
from slrt_core.serialization import converter
from slrt_core.texts import LanguageCode, text

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
DEFAULT_LIMIT = 20
MAX_LIMIT = 200

#: The pages' own words, in both languages (vocabulary labels come from slrt_core).
PAGE_TEXTS: Mapping[str, Mapping[str, str]] = {
    "app.title": {"en": "SLRT staff pages", "id": "Halaman petugas SLRT"},
    "example.warning": {
        "en": "Example only: the staff member is chosen on the sign-in page, not authenticated.",
        "id": "Contoh saja: petugas dipilih di halaman masuk, tanpa autentikasi.",
    },
    "nav.worklist": {"en": "Worklist", "id": "Daftar kerja"},
    "nav.dashboard": {"en": "Dashboard", "id": "Dasbor"},
    "nav.sign_out": {"en": "Sign out", "id": "Keluar"},
    "nav.signed_in": {
        "en": "Signed in as {actor} ({role}, {region})",
        "id": "Masuk sebagai {actor} ({role}, {region})",
    },
    "sign_in.title": {"en": "Choose the staff member", "id": "Pilih petugas"},
    "sign_in.actor_id": {"en": "Staff id", "id": "Id petugas"},
    "sign_in.role": {"en": "Role", "id": "Peran"},
    "sign_in.region": {
        "en": "Jurisdiction (Kemendagri code, such as 33.74)",
        "id": "Wilayah kerja (kode Kemendagri, misalnya 33.74)",
    },
    "sign_in.provider": {
        "en": "Provider id (provider staff only)",
        "id": "Id penyedia layanan (khusus petugas penyedia layanan)",
    },
    "sign_in.submit": {"en": "Open the worklist", "id": "Buka daftar kerja"},
    "sign_in.problems": {"en": "Please correct:", "id": "Mohon perbaiki:"},
    "worklist.title": {"en": "Worklist", "id": "Daftar kerja"},
    "worklist.cases": {"en": "{n} cases", "id": "{n} kasus"},
    "worklist.referrals": {"en": "{n} referrals", "id": "{n} rujukan"},
    "worklist.empty": {"en": "Nothing to show.", "id": "Tidak ada yang ditampilkan."},
    "worklist.all_cases": {"en": "All cases", "id": "Semua kasus"},
    "worklist.my_cases": {"en": "My cases", "id": "Kasus saya"},
    "worklist.awaiting_approval": {"en": "Awaiting approval", "id": "Menunggu persetujuan"},
    "worklist.to_review": {"en": "To review", "id": "Perlu diperiksa"},
    "worklist.to_refer": {"en": "To refer", "id": "Perlu dirujuk"},
    "worklist.received": {"en": "Referrals received", "id": "Rujukan masuk"},
    "worklist.overdue": {"en": "Referrals past their deadline", "id": "Rujukan lewat tenggat"},
    "worklist.duplicate_suspects": {
        "en": "Possible duplicate registrations",
        "id": "Dugaan pendaftaran ganda",
    },
    "filter.list": {"en": "List", "id": "Daftar"},
    "filter.state": {"en": "State", "id": "Status"},
    "filter.any": {"en": "Any", "id": "Semua"},
    "filter.overdue": {"en": "Past a deadline only", "id": "Hanya yang lewat tenggat"},
    "filter.apply": {"en": "Apply", "id": "Terapkan"},
    "filter.ignored": {
        "en": "The filter {value} does not apply to this list; it was left out.",
        "id": "Saringan {value} tidak berlaku untuk daftar ini; saringan itu diabaikan.",
    },
    "page.next": {"en": "Next page", "id": "Halaman berikutnya"},
    "page.first": {"en": "First page", "id": "Halaman pertama"},
    "col.case": {"en": "Case", "id": "Kasus"},
    "col.state": {"en": "State", "id": "Status"},
    "col.village": {"en": "Village", "id": "Kelurahan/desa"},
    "col.channel": {"en": "Channel", "id": "Saluran"},
    "col.kind": {"en": "Kind", "id": "Jenis"},
    "col.emergency": {"en": "Emergency", "id": "Darurat"},
    "col.open_needs": {"en": "Open needs", "id": "Kebutuhan terbuka"},
    "col.referrals": {"en": "Referrals", "id": "Rujukan"},
    "col.next_due": {"en": "Next deadline", "id": "Tenggat berikutnya"},
    "col.updated": {"en": "Last change", "id": "Perubahan terakhir"},
    "col.referral": {"en": "Referral", "id": "Rujukan"},
    "col.need": {"en": "Need", "id": "Kebutuhan"},
    "col.sector": {"en": "Sector", "id": "Sektor"},
    "col.description": {"en": "Description", "id": "Uraian"},
    "col.service": {"en": "Service", "id": "Layanan"},
    "col.provider": {"en": "Provider", "id": "Penyedia layanan"},
    "col.requested": {"en": "Sent", "id": "Dikirim"},
    "col.due": {"en": "Deadline", "id": "Tenggat"},
    "col.escalation": {"en": "Escalation level", "id": "Tingkat eskalasi"},
    "col.reason": {"en": "Reason", "id": "Alasan"},
    "col.confirmed": {"en": "Client confirmed", "id": "Dikonfirmasi klien"},
    "col.version": {"en": "Version", "id": "Versi"},
    "col.time": {"en": "Time (local)", "id": "Waktu (setempat)"},
    "col.event": {"en": "Event", "id": "Kejadian"},
    "col.staff": {"en": "Staff", "id": "Petugas"},
    "col.role": {"en": "Role", "id": "Peran"},
    "col.details": {"en": "Details", "id": "Keterangan"},
    "col.member": {"en": "Member", "id": "Anggota"},
    "col.relationship": {"en": "Relationship", "id": "Hubungan"},
    "col.sex": {"en": "Sex", "id": "Jenis kelamin"},
    "col.birth_year": {"en": "Year of birth", "id": "Tahun lahir"},
    "col.nik": {"en": "NIK (masked)", "id": "NIK (disamarkan)"},
    "col.name": {"en": "Name (masked)", "id": "Nama (disamarkan)"},
    "case.title": {"en": "Case {case_id}", "id": "Kasus {case_id}"},
    "case.summary": {"en": "Summary", "id": "Ringkasan"},
    "case.household": {"en": "Household", "id": "Rumah tangga"},
    "case.needs": {"en": "Needs", "id": "Kebutuhan"},
    "case.referrals": {"en": "Referrals", "id": "Rujukan"},
    "case.history": {"en": "History", "id": "Riwayat"},
    "case.registered": {"en": "Registered", "id": "Didaftarkan"},
    "case.priority": {"en": "Priority", "id": "Prioritas"},
    "case.assignees": {"en": "Assigned workers", "id": "Petugas yang ditugaskan"},
    "case.closing_reason": {"en": "Closing reason", "id": "Alasan penutupan"},
    "case.kk": {"en": "KK number (masked)", "id": "Nomor KK (disamarkan)"},
    "case.no_referrals": {"en": "No referral yet.", "id": "Belum ada rujukan."},
    "late": {"en": "past the deadline", "id": "lewat tenggat"},
    "case.claimed": {
        "en": "recorded on a device at {at}",
        "id": "dicatat di perangkat pada {at}",
    },
    "case.masking": {
        "en": "Personal data is masked: NIK and KK numbers show their last 4 digits, "
        "names their first letter.",
        "id": "Data pribadi disamarkan: NIK dan nomor KK hanya 4 digit terakhir, "
        "nama hanya huruf pertama.",
    },
    "dashboard.title": {"en": "Dashboard", "id": "Dasbor"},
    "dashboard.as_of": {
        "en": "Cases in {region}, figures as of {at}.",
        "id": "Kasus di {region}, angka per {at}.",
    },
    "dashboard.totals": {"en": "Totals", "id": "Jumlah"},
    "dashboard.cases": {"en": "Cases", "id": "Kasus"},
    "dashboard.referrals": {"en": "Referrals", "id": "Rujukan"},
    "dashboard.completion_rate": {
        "en": "Completion rate (completed of the referrals that ended)",
        "id": "Tingkat penyelesaian (rujukan selesai dari rujukan yang berakhir)",
    },
    "dashboard.loop_closed_rate": {
        "en": "Closed loop (completed referrals the client confirmed)",
        "id": "Lingkar tertutup (rujukan selesai yang dikonfirmasi klien)",
    },
    "dashboard.overdue": {
        "en": "Open referrals past their deadline",
        "id": "Rujukan terbuka lewat tenggat",
    },
    "dashboard.unmet": {
        "en": "Open needs without a running referral",
        "id": "Kebutuhan terbuka tanpa rujukan berjalan",
    },
    "dashboard.cases_by_state": {"en": "Cases by state", "id": "Kasus menurut status"},
    "dashboard.referrals_by_status": {
        "en": "Referrals by status",
        "id": "Rujukan menurut status",
    },
    "dashboard.referrals_by_program": {
        "en": "Referrals by program",
        "id": "Rujukan menurut program",
    },
    "dashboard.times": {
        "en": "Time from referral, median / 90th percentile (working days)",
        "id": "Waktu sejak dirujuk, median / persentil ke-90 (hari kerja)",
    },
    "dashboard.to_acknowledge": {"en": "To the provider's answer", "id": "Sampai dijawab"},
    "dashboard.to_accept": {"en": "To acceptance", "id": "Sampai diterima"},
    "dashboard.to_complete": {"en": "To completion", "id": "Sampai selesai"},
    "dashboard.worklists": {"en": "Worklists", "id": "Daftar kerja"},
    "dashboard.none": {"en": "none yet", "id": "belum ada"},
    "dashboard.unknown": {"en": "unknown", "id": "tidak diketahui"},
    "dashboard.plot": {
        "en": "Bar charts: cases by state and referrals by status",
        "id": "Diagram batang: kasus menurut status dan rujukan menurut status",
    },
    "dashboard.no_plot": {
        "en": "Install matplotlib (the `plot` extra) to see the charts.",
        "id": "Pasang matplotlib (ekstra `plot`) untuk melihat diagramnya.",
    },
    "dashboard.kpi_plot.stage_durations": {
        "en": "Chart: working days spent in each stage this month",
        "id": "Diagram: hari kerja di setiap tahap bulan ini",
    },
    "dashboard.kpi_plot.breach_rates": {
        "en": "Chart: referrals past their deadline, by provider, this month",
        "id": "Diagram: rujukan yang melewati tenggat, menurut penyedia, bulan ini",
    },
    "dashboard.kpi_plot.intake": {
        "en": "Chart: cases registered over this month",
        "id": "Diagram: kasus terdaftar sepanjang bulan ini",
    },
    "plot.cases_axis": {"en": "Number of cases", "id": "Jumlah kasus"},
    "plot.referrals_axis": {"en": "Number of referrals", "id": "Jumlah rujukan"},
    "plot.nothing": {"en": "nothing recorded yet", "id": "belum ada data"},
    "error.back": {"en": "Back to the worklist", "id": "Kembali ke daftar kerja"},
}


def page_text(key: str, language: LanguageCode, /, **fields: object) -> str:
    """The page text *key* in *language*, with *fields* filled in."""
    template = PAGE_TEXTS[key][language]
    return template.format(**fields) if fields else template


# --------------------------------------------------------------------------- the dashboard


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard: a stable key (for links and tests), its label, its text."""

    key: str
    label: str
    value: str
    href: str | None = None


@dataclass(frozen=True)
class Section:
    """A titled table of figures."""

    key: str
    title: str
    figures: list[Figure]


@dataclass(frozen=True)
class Chart:
    """One bar chart: a title, the label (with unit) of the value axis, labelled bars.

    *empty* is written across a chart without bars.
    """

    title: str
    axis: str
    legend: str
    bars: list[tuple[str, int]]
    empty: str = "-"


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows: a heading line, sections of figures, charts."""

    heading: str
    sections: list[Section]
    charts: list[Chart] = field(default_factory=list)


def dashboard_data(
    slrt: Slrt,
    actor: Actor,
    language: LanguageCode,
    *,
    link: Callable[[str], str] | None = None,
) -> Dashboard:
    """Every figure of the dashboard page and its plot, read for *actor*.

    The one place the dashboard's numbers come from: the referral report
    (:meth:`slrt_core.Slrt.referral_report`) of the actor's jurisdiction, its KPIs for
    the current local month (:meth:`slrt_core.Slrt.kpis`) and the count of each
    worklist the actor may open; the template and the plot read only this value.

    Args:
        slrt: the service.
        actor: who is looking; the figures cover their jurisdiction.
        language: the language of the labels and numbers.
        link: the worklist page's URL for a worklist name, to link its count.
    """
    sections: list[Section] = []
    charts: list[Chart] = []
    heading = ""
    try:
        report = slrt.referral_report(actor)
    except AccessDenied:  # provider staff: no case list, only their worklists below
        report = None
    if report is not None:
        region = actor.jurisdiction
        at = formatting.local_time(report.generated_at, language, province=region.code[:2] or "31")
        heading = page_text("dashboard.as_of", language, region=_region_name(region), at=at)
        sections, charts = _report_figures(report, language)
        sections.extend(_kpi_sections(_month_kpis(slrt, actor), language))
    counts: list[Figure] = []
    for name in Worklist:
        try:
            found = slrt.worklist(actor, name, limit=1, count=True)
        except (AccessDenied, StorageError):  # not theirs, or de-duplication is off
            continue
        counts.append(
            Figure(
                f"worklist.{name.value}",
                page_text(f"worklist.{name.value}", language),
                formatting.number(found.total or 0, language),
                link(name.value) if link else None,
            )
        )
    sections.append(Section("worklists", page_text("dashboard.worklists", language), counts))
    return Dashboard(heading=heading, sections=sections, charts=charts)


def _month_kpis(slrt: Slrt, actor: Actor) -> KpiReport:
    """The KPIs of the actor's jurisdiction for the current local month."""
    today = local_date_in(actor.jurisdiction, slrt.clock.now())
    return slrt.kpis(actor, period=KpiPeriod.month(today.year, today.month))


def _kpi_sections(report: KpiReport, language: LanguageCode) -> list[Section]:
    """One section per part of the KPI report, each row keyed ``kpi.<section>.<key>.<measure>``."""
    sections: dict[str, Section] = {}
    period = report.period.label(language)
    for row in report.rows(language):
        section = sections.get(row.section)
        if section is None:
            title = f"{row.section_label} ({period})"
            section = sections[row.section] = Section(f"kpi.{row.section}", title, [])
        value = "-" if row.value is None else formatting.number(row.value, language, digits=1)
        if row.value is not None and float(row.value).is_integer() and row.measure == "count":
            value = formatting.number(row.value, language)
        section.figures.append(
            Figure(
                f"kpi.{row.section}.{row.key}.{row.measure}",
                f"{row.key_label}: {row.measure_label}",
                value,
            )
        )
    return list(sections.values())


def _report_figures(
    report: ReferralReport, language: LanguageCode
) -> tuple[list[Section], list[Chart]]:
    """The sections and charts of a referral report."""

    def t(key: str, **fields: object) -> str:
        return page_text(key, language, **fields)

    def n(value: float) -> str:
        return formatting.number(value, language)

    def rate(value: float | None) -> str:
        if value is None:
            return t("dashboard.none")
        shown = formatting.number(value * 100, language, digits=1)
        return text("unit.percent", language, n=shown)

    def days(durations: Durations) -> str:
        median, p90 = durations.median_working_days, durations.p90_working_days
        if median is None or p90 is None:
            return t("dashboard.none")
        return " / ".join(formatting.number(d, language, digits=1) for d in (median, p90))

    # In lifecycle order, as staff follow a case, not in the alphabet of the codes.
    by_state = report.cases_by_state
    states = [(s, by_state[s.value]) for s in CaseState if s.value in by_state]
    by_status = report.referrals_by_status
    statuses = [(s, by_status[s.value]) for s in ReferralStatus if s.value in by_status]
    totals = [
        Figure("cases", t("dashboard.cases"), n(report.cases)),
        Figure("referrals", t("dashboard.referrals"), n(report.referrals)),
        Figure("completion_rate", t("dashboard.completion_rate"), rate(report.completion_rate)),
        Figure("loop_closed_rate", t("dashboard.loop_closed_rate"), rate(report.loop_closed_rate)),
        Figure("overdue", t("dashboard.overdue"), n(len(report.overdue))),
        Figure("unmet_needs", t("dashboard.unmet"), n(len(report.unmet_needs))),
    ]
    programs = [
        Figure(f"program.{p}", t("dashboard.unknown") if p == "unknown" else p, n(v))
        for p, v in report.referrals_by_program.items()
    ]
    times = [
        Figure("to_acknowledge", t("dashboard.to_acknowledge"), days(report.time_to_acknowledge)),
        Figure("to_accept", t("dashboard.to_accept"), days(report.time_to_accept)),
        Figure("to_complete", t("dashboard.to_complete"), days(report.time_to_complete)),
    ]
    sections = [
        Section("totals", t("dashboard.totals"), totals),
        Section(
            "cases_by_state",
            t("dashboard.cases_by_state"),
            [Figure(f"state.{s.value}", label(s, language), n(v)) for s, v in states],
        ),
        Section(
            "referrals_by_status",
            t("dashboard.referrals_by_status"),
            [Figure(f"status.{s.value}", label(s, language), n(v)) for s, v in statuses],
        ),
        Section("referrals_by_program", t("dashboard.referrals_by_program"), programs),
        Section("times", t("dashboard.times"), times),
    ]
    charts = [
        Chart(
            t("dashboard.cases_by_state"),
            t("plot.cases_axis"),
            t("dashboard.cases"),
            [(label(s, language), v) for s, v in states],
            t("plot.nothing"),
        ),
        Chart(
            t("dashboard.referrals_by_status"),
            t("plot.referrals_axis"),
            t("dashboard.referrals"),
            [(label(s, language), v) for s, v in statuses],
            t("plot.nothing"),
        ),
    ]
    return sections, charts


def plot_png(dashboard: Dashboard) -> bytes:
    """The dashboard's charts as one PNG: horizontal bars, titled, axes labelled, a legend.

    Matplotlib's object API (no pyplot): safe in a threaded server.
    """
    # Imported here: matplotlib is optional (the `plot` extra), and slow to import.
    from matplotlib.figure import Figure as PlotFigure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    charts = dashboard.charts
    figure = PlotFigure(figsize=(8, 0.6 + 2.6 * max(len(charts), 1)), layout="constrained")
    axes = figure.subplots(max(len(charts), 1), 1, squeeze=False)[:, 0]
    for ax, chart in zip(axes, charts, strict=False):
        ax.set_title(chart.title)
        ax.set_xlabel(chart.axis)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not chart.bars:
            ax.set_yticks([])
            ax.text(0.5, 0.5, chart.empty, ha="center", va="center", transform=ax.transAxes)
            continue
        names = [name for name, _ in chart.bars]
        values = [value for _, value in chart.bars]
        bars = ax.barh(names, values, color="#2f6f9f", label=chart.legend)
        ax.bar_label(bars, padding=3)
        ax.invert_yaxis()  # the first category on top, as in the table
        ax.set_xlim(0, max(values) * 1.15 + 0.5)
        ax.legend(loc="lower right")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100)
    return out.getvalue()


#: The KPI charts of :mod:`slrt_core.plots` the dashboard shows, by the name in their URL.
KPI_PLOTS = ("stage_durations", "breach_rates", "intake")


def kpi_plot_png(report: KpiReport, name: str, language: LanguageCode) -> bytes:
    """One of the month's :data:`KPI_PLOTS`, drawn by :mod:`slrt_core.plots`, as PNG."""
    from slrt_core import plots  # noqa: PLC0415 - needs matplotlib, the `plot` extra

    draw = {
        "stage_durations": plots.stage_durations_figure,
        "breach_rates": plots.breach_rates_figure,
        "intake": plots.intake_figure,
    }[name]
    out = io.BytesIO()
    draw(report, language=language).savefig(out, format="png", dpi=100)
    return out.getvalue()


# --------------------------------------------------------------------------- wiring


@dataclass(frozen=True)
class Wiring:
    """What the pages take from the JSON API's module (app.py).

    Attributes:
        actor: builds the actor from header-like values (``X-Actor-Id`` ...), or from the
            request's headers when given ``None``; raises *refused* when they are wrong.
        refused: the error *actor* raises; its ``problems`` say what is wrong.
        status: an slrt_core error's HTTP status and problem kind.
        titles: problem kind -> title in both languages.
    """

    actor: Callable[[Mapping[str, str] | None], Actor]
    refused: type[Exception]
    status: Callable[[SlrtError], tuple[int, str]]
    titles: Mapping[str, Mapping[str, str]]


class NotSignedIn(Exception):  # noqa: N818 - reads as the redirect it becomes
    """No staff member chosen yet: the page sends the browser to the sign-in page."""


def page_language() -> LanguageCode:
    """The page language: English with ``?lang=en``, Bahasa Indonesia otherwise."""
    return "en" if request.args.get("lang") == "en" else "id"


def _region_name(region: RegionCode) -> str:
    try:
        return f"{region.name} ({region.code})" if region.code else region.name
    except InvalidInputError:
        return region.code


def _limit(given: str | None) -> int:
    if given and given.isdigit():
        return min(max(int(given), 1), MAX_LIMIT)
    return DEFAULT_LIMIT


def staff_pages(slrt: Slrt, wiring: Wiring) -> Blueprint:  # noqa: C901, PLR0915 - one closure per page
    """The staff pages as a Flask blueprint under ``/staff``."""
    pages = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

    def url(endpoint: str, **values: Any) -> str:
        """A page's URL in the current language."""
        return url_for(endpoint, lang=page_language(), **values)

    def here(**changes: str | None) -> str:
        """This page's URL with some query values changed (``None`` drops one)."""
        values: dict[str, Any] = dict(request.view_args or {})
        values.update((k, v) for k, v in request.args.items() if k not in changes)
        values.update((k, v) for k, v in changes.items() if v is not None)
        return url_for(request.endpoint or "staff.worklist", **values)

    def actor() -> Actor:
        """The staff member chosen on the sign-in page (or sent as headers, as the API)."""
        if "actor" not in g:
            chosen = session.get("staff")
            if chosen:
                g.actor = wiring.actor(chosen)
            elif request.headers.get("X-Actor-Id"):
                g.actor = wiring.actor(None)
            else:
                raise NotSignedIn
        found: Actor = g.actor
        return found

    @pages.context_processor
    def helpers() -> dict[str, Any]:
        lang = page_language()

        def when(at: datetime | None, region: RegionCode) -> str:
            if at is None:
                return "-"
            return formatting.local_time(at, lang, province=region.code[:2] or "31")

        def due(at: datetime | None, region: RegionCode) -> str:
            if at is None:
                return "-"
            return formatting.deadline(at, lang, province=region.code[:2] or "31")

        def service_name(service_id: str) -> str:
            try:
                return slrt.directory.service(service_id).name
            except InvalidInputError:  # no longer in the directory: its id says enough
                return service_id

        def provider_name(provider_id: str) -> str:
            try:
                return slrt.directory.provider(provider_id).name
            except InvalidInputError:
                return provider_id

        return {
            "lang": lang,
            "service_name": service_name,
            "provider_name": provider_name,
            "late": lambda at: at is not None and at < slrt.clock.now(),
            "t": lambda key, **fields: page_text(key, lang, **fields),
            "label": lambda member: label(member, lang),
            "labels": lambda members: ", ".join(label(m, lang) for m in members) or "-",
            "event_name": lambda kind: text(f"event.{kind}", lang),
            "value": lambda v: value_label(v, lang),
            "num": lambda v: formatting.number(v, lang),
            "when": when,
            "due": due,
            "url": url,
            "here": here,
            "signed_in": g.get("actor"),
        }

    @pages.errorhandler(NotSignedIn)
    def not_signed_in(_error: NotSignedIn) -> Response:
        back = request.full_path.removesuffix("?")
        return redirect(url("staff.sign_in", next=back))  # type: ignore[return-value]

    @pages.errorhandler(wiring.refused)
    def stale_choice(_error: Exception) -> Response:
        # The session holds a choice the actor check now refuses: choose again.
        session.pop("staff", None)
        return not_signed_in(NotSignedIn())

    @pages.errorhandler(SlrtError)
    def refused(error: SlrtError) -> tuple[str, int]:
        lang = page_language()
        status, kind = wiring.status(error)
        return render_template(
            "staff/error.html",
            title=wiring.titles[kind][lang],
            detail=error.message(lang),
            problems=[
                p.message if lang == "en" else p.message_id
                for p in (error.problems if isinstance(error, InvalidInputError) else ())
            ],
        ), status

    @pages.get("/")
    def index() -> Response:
        return redirect(url("staff.worklist"))  # type: ignore[return-value]

    @pages.route("/sign-in", methods=["GET", "POST"])
    def sign_in() -> Any:
        lang = page_language()
        problems: list[Problem] = []
        given = {"actor_id": "", "role": Role.SUPERVISOR.value, "region": "", "provider": ""}
        if request.method == "POST":
            given = {k: request.form.get(k, "").strip() for k in given}
            chosen = {
                "X-Actor-Id": given["actor_id"],
                "X-Actor-Role": given["role"],
                "X-Actor-Region": given["region"],
                "X-Provider-Id": given["provider"],
            }
            try:
                wiring.actor(chosen)
            except wiring.refused as error:
                problems = list(getattr(error, "problems", []))
            else:
                session["staff"] = chosen
                target = request.args.get("next", "")
                # Only back to a staff page of this app: never an address from elsewhere.
                if not target.startswith("/staff/") or target.startswith("/staff/sign-in"):
                    target = url("staff.worklist")
                return redirect(target)
        roles = [r for r in Role if r is not Role.SYSTEM]
        return render_template(
            "staff/sign_in.html",
            given=given,
            roles=roles,
            problems=[p.message if lang == "en" else p.message_id for p in problems],
        ), (422 if problems else 200)

    @pages.post("/sign-out")
    def sign_out() -> Response:
        session.pop("staff", None)
        return redirect(url("staff.sign_in"))  # type: ignore[return-value]

    @pages.get("/worklist")
    def worklist() -> str:
        me = actor()
        lang = page_language()
        notices: list[str] = []
        args = request.args
        chosen = args.get("list", "")
        try:
            name = Worklist(chosen) if chosen else None
        except ValueError:
            notices.append(page_text("filter.ignored", lang, value=chosen))
            name = None
        query = (
            worklist_query(name, me)
            if name is not None
            else WorklistQuery(cases=CaseFilter(), case_order=CaseOrder.REGISTERED)
        )
        of_cases = query.cases is not None
        vocabulary: type[CaseState | ReferralStatus] = CaseState if of_cases else ReferralStatus
        state_value = args.get("state", "")
        state: CaseState | ReferralStatus | None = None
        if state_value:
            try:
                state = vocabulary(state_value)
            except ValueError:
                notices.append(page_text("filter.ignored", lang, value=state_value))
        overdue = args.get("overdue") == "1"
        found = _run(
            query,
            state,
            overdue=overdue,
            me=me,
            page=args.get("page"),
            size=_limit(args.get("limit")),
        )
        return render_template(
            "staff/worklist.html",
            lists=[("", page_text("worklist.all_cases", lang))]
            + [(w.value, page_text(f"worklist.{w.value}", lang)) for w in Worklist],
            chosen=name.value if name else "",
            states=list(vocabulary),
            state=state.value if state else "",
            overdue=overdue,
            of_cases=of_cases,
            page=found,
            notices=notices,
            first=bool(args.get("page")),
        )

    def _run(
        query: WorklistQuery,
        state: CaseState | ReferralStatus | None,
        *,
        overdue: bool,
        me: Actor,
        page: str | None,
        size: int,
    ) -> Page[Any]:
        """One page of the list *query* asks for, narrowed by *state* and *overdue*."""
        if query.cases is not None:
            where = query.cases
            if isinstance(state, CaseState):
                if where.states and state not in where.states:
                    return Page(items=(), total=0)  # the worklist never holds that state
                where = attrs.evolve(where, states=frozenset({state}))
            if overdue:
                where = attrs.evolve(where, overdue=True)
            return slrt.cases(
                me, where=where, order=query.case_order, page=page, limit=size, count=True
            )
        assert query.referrals is not None
        wanted = query.referrals
        if isinstance(state, ReferralStatus):
            if wanted.statuses and state not in wanted.statuses:
                return Page(items=(), total=0)
            wanted = attrs.evolve(wanted, statuses=frozenset({state}))
        if overdue:
            wanted = attrs.evolve(wanted, overdue=True)
        return slrt.referrals(
            me, where=wanted, order=query.referral_order, page=page, limit=size, count=True
        )

    @pages.get("/cases/<case_id>")
    def case_page(case_id: str) -> str:
        me = actor()
        case = slrt.get_case(me, case_id)
        events = slrt.history(me, case_id)
        masked = mask_export(converter.unstructure(case.household))
        members = list(zip(case.household.members, masked["members"], strict=True))
        return render_template(
            "staff/case.html",
            case=case,
            kk=masked.get("kk"),
            members=members,
            needs=[(need, mask_numbers(need.description)) for need in case.needs],
            referrals=case.referrals,
            events=[(e, _event_details(e, page_language())) for e in events],
        )

    @pages.get("/dashboard")
    def dashboard() -> str:
        me = actor()
        lang = page_language()
        data = dashboard_data(slrt, me, lang, link=lambda name: url("staff.worklist", list=name))
        return render_template(
            "staff/dashboard.html",
            dashboard=data,
            plot=HAS_MATPLOTLIB and bool(data.charts),
            kpi_plots=KPI_PLOTS if HAS_MATPLOTLIB and data.charts else (),
        )

    @pages.get("/dashboard/plot.png")
    def dashboard_plot() -> Response:
        me = actor()
        if not HAS_MATPLOTLIB:
            return Response(page_text("dashboard.no_plot", page_language()), status=404)
        png = plot_png(dashboard_data(slrt, me, page_language()))
        return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})

    @pages.get("/dashboard/kpi/<name>.png")
    def dashboard_kpi_plot(name: str) -> Response:
        me = actor()
        lang = page_language()
        if not HAS_MATPLOTLIB or name not in KPI_PLOTS:
            return Response(page_text("dashboard.no_plot", lang), status=404)
        return Response(
            kpi_plot_png(_month_kpis(slrt, me), name, lang),
            mimetype="image/png",
            headers={"Cache-Control": "no-store"},
        )

    return pages


def _event_details(event: Any, language: LanguageCode) -> str:
    """What a history row says besides the event's name: ids, statuses, reasons, notes."""
    payload = event.payload
    parts: list[str] = []
    referral_id = getattr(payload, "referral_id", None)
    if referral_id:
        parts.append(referral_id)
    for name in ("status", "reason"):
        member = getattr(payload, name, None)
        if member is not None:
            parts.append(label(member, language))
    for name in ("service_id", "need_id", "worker_id"):
        value = getattr(payload, name, None)
        if value:
            parts.append(str(value))
    need = getattr(payload, "need", None)
    if need is not None:
        parts.append(label(need.sector, language))
    if event.type == "case_transferred":
        parts.append(f"{payload.from_region} -> {payload.to_region}")
    note = getattr(payload, "note", "") or event.reason
    if note:
        parts.append(mask_numbers(note))
    return "; ".join(parts)
