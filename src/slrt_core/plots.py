"""Plots of a :class:`~slrt_core.kpis.KpiReport` (needs the ``plot`` extra: matplotlib).

Three figures, each with a title naming the period, axis labels with their units and a
legend, in Bahasa Indonesia or English:

- :func:`stage_durations_figure`: the median and 90th percentile of the time spent in
  each stage, in working days, with the number of stays timed;
- :func:`breach_rates_figure`: the share of the referrals sent to each provider that
  missed a deadline, in percent, with the number of referrals;
- :func:`intake_figure`: the cases registered per day (per week over a period longer
  than 62 days), stacked by channel.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot's global
state, so they draw in threads and without a display; :func:`kpi_figures` returns the
three, :func:`save_kpi_figures` writes them as image files.

Examples:
    >>> from slrt_core.adapters import MemoryStore
    >>> from slrt_core.kpis import KpiPeriod
    >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
    >>> slrt, staff = sample_slrt(MemoryStore()), sample_staff()
    >>> _ = list(walk_case(slrt, staff, route="returned"))
    >>> report = slrt.kpis(staff.supervisor, period=KpiPeriod.month(2026, 1))
    >>> figure = stage_durations_figure(report, language="id")
    >>> figure.axes[0].get_xlabel()
    'hari kerja'

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from slrt_core import formatting
from slrt_core._tables import require
from slrt_core.kpis import KpiReport
from slrt_core.labels import label
from slrt_core.texts import LanguageCode, text
from slrt_core.vocabulary import Channel

__all__ = [
    "breach_rates_figure",
    "intake_figure",
    "kpi_figures",
    "save_kpi_figures",
    "stage_durations_figure",
]

#: Longer periods are drawn per week.
_DAILY_DAYS = 62
_SIZE = (7.5, 4.5)


def _figure(size: tuple[float, float]) -> Any:
    return require("matplotlib.figure").Figure(figsize=size, layout="constrained")


def _title(ax: Any, title: str, report: KpiReport, language: LanguageCode) -> None:
    """The figure's title, with the period on a line of its own."""
    ax.set_title(f"{title}\n{report.period.label(language)}")


def _empty(ax: Any, language: LanguageCode) -> None:
    ax.text(
        0.5,
        0.5,
        text("kpi.plot.empty", language),
        ha="center",
        va="center",
        transform=ax.transAxes,
    )


def stage_durations_figure(
    report: KpiReport, *, language: LanguageCode = "id", size: tuple[float, float] = _SIZE
) -> Any:
    """Median and 90th percentile of the time in each stage, in working days.

    Only stages left at least once in the period are drawn; each bar pair is labelled
    with the number of stays timed (``n``).

    Raises:
        SlrtError: matplotlib is not installed (the ``plot`` extra).
    """
    fig = _figure(size)
    ax = fig.subplots()
    timed = [s for s in report.stages if s.durations.count]
    _title(ax, text("kpi.plot.stages.title", language), report, language)
    ax.set_xlabel(text("kpi.plot.stages.x", language))
    ax.set_ylabel(text("kpi.plot.stages.y", language))
    if not timed:
        _empty(ax, language)
        return fig
    rows = list(range(len(timed)))
    height = 0.38
    medians = [s.durations.median_working_days or 0.0 for s in timed]
    p90s = [s.durations.p90_working_days or 0.0 for s in timed]
    ax.barh(
        [r - height / 2 for r in rows],
        medians,
        height=height,
        label=text("kpi.plot.median", language),
        color="#1f77b4",
    )
    ax.barh(
        [r + height / 2 for r in rows],
        p90s,
        height=height,
        label=text("kpi.plot.p90", language),
        color="#ff7f0e",
    )
    ax.set_yticks(rows, [f"{s.label(language)} (n = {s.durations.count})" for s in timed])
    ax.invert_yaxis()  # the lifecycle's order, top to bottom
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return fig


def breach_rates_figure(
    report: KpiReport, *, language: LanguageCode = "id", size: tuple[float, float] = _SIZE
) -> Any:
    """The share of each provider's referrals that missed a deadline, in percent.

    Raises:
        SlrtError: matplotlib is not installed (the ``plot`` extra).
    """
    fig = _figure(size)
    ax = fig.subplots()
    rates = [b for b in report.breach_by_provider if b.referrals]
    _title(ax, text("kpi.plot.breaches.title", language), report, language)
    ax.set_xlabel(text("kpi.plot.breaches.x", language))
    ax.set_ylabel(text("kpi.plot.breaches.y", language))
    ax.set_xlim(0, 125)  # room for the labels after a bar of 100 %
    ax.set_xticks(range(0, 101, 20))
    if not rates:
        _empty(ax, language)
        return fig
    rows = list(range(len(rates)))
    shares = [100 * (b.rate or 0.0) for b in rates]
    bars = ax.barh(
        rows,
        shares,
        height=0.6,
        color="#d62728",
        label=text("kpi.plot.breaches.bar", language),
    )
    ax.bar_label(
        bars,
        labels=[
            f"{formatting.number(round(share, 1), language)} % (n = {b.referrals})"
            for share, b in zip(shares, rates, strict=True)
        ],
        padding=3,
    )
    ax.set_yticks(rows, [b.label(language) for b in rates])
    ax.invert_yaxis()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def intake_figure(
    report: KpiReport, *, language: LanguageCode = "id", size: tuple[float, float] = _SIZE
) -> Any:
    """Cases registered per day (or week) in the period, stacked by channel.

    Raises:
        SlrtError: matplotlib is not installed (the ``plot`` extra).
    """
    fig = _figure(size)
    ax = fig.subplots()
    period = report.period
    weekly = (period.end - period.start).days + 1 > _DAILY_DAYS
    step = text("kpi.plot.intake.week" if weekly else "kpi.plot.intake.day", language)
    _title(ax, text("kpi.plot.intake.title", language, step=step), report, language)
    ax.set_xlabel(text("kpi.plot.intake.x.week" if weekly else "kpi.plot.intake.x.day", language))
    ax.set_ylabel(text("kpi.plot.intake.y", language))
    if not report.intake_daily:
        _empty(ax, language)
        return fig

    def bucket(day: date) -> date:
        return day - timedelta(days=day.weekday()) if weekly else day

    first, last = bucket(period.start), bucket(period.end)
    width = 7 if weekly else 1
    days = [first + timedelta(days=width * i) for i in range((last - first).days // width + 1)]
    counts: dict[Channel, dict[date, int]] = defaultdict(lambda: dict.fromkeys(days, 0))
    for entry in report.intake_daily:
        counts[entry.channel][bucket(entry.day)] += entry.count
    bottom = [0] * len(days)
    for channel in Channel:
        if channel not in counts:
            continue
        heights = [counts[channel][d] for d in days]
        ax.bar(
            days,
            heights,
            width=width * 0.85,
            bottom=bottom,
            align="edge",
            label=label(channel, language),
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.legend(loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    ax.yaxis.set_major_locator(require("matplotlib.ticker").MaxNLocator(integer=True))
    fig.autofmt_xdate()
    return fig


def kpi_figures(
    report: KpiReport, *, language: LanguageCode = "id", size: tuple[float, float] = _SIZE
) -> dict[str, Any]:
    """The ``stage_durations``, ``breach_rates`` and ``intake`` figures of *report*.

    Raises:
        SlrtError: matplotlib is not installed (the ``plot`` extra).
    """
    return {
        "stage_durations": stage_durations_figure(report, language=language, size=size),
        "breach_rates": breach_rates_figure(report, language=language, size=size),
        "intake": intake_figure(report, language=language, size=size),
    }


def save_kpi_figures(
    report: KpiReport,
    directory: str | Path,
    *,
    language: LanguageCode = "id",
    suffix: str = "png",
    dpi: int = 100,
) -> list[Path]:
    """Write the three figures into *directory* (created if missing); the files written.

    Raises:
        SlrtError: matplotlib is not installed (the ``plot`` extra).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in kpi_figures(report, language=language).items():
        path = out / f"{name}.{suffix}"
        fig.savefig(path, dpi=dpi)
        written.append(path)
    return written
