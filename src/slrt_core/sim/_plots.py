"""Plots of a :class:`~slrt_core.sim.SimResult` (needs the ``plot`` extra: matplotlib).

Figures are drawn on :class:`matplotlib.figure.Figure` objects, never through pyplot's
global state, so plotting works in threads and without a display. Each figure shows the
mean over seeds with its 95% interval across seeds (none with one seed), in English or
Bahasa Indonesia, and the curves over time mark where arrivals stop and the drain begins.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slrt_core.sim._results import FUNNEL, Estimate, SimResult, require
from slrt_core.sim._stats import kaplan_meier, km_share_by

__all__ = ["figures", "plot"]

_TEXT = {
    "en": {
        "funnel": "Case funnel by stage: {scenario}",
        "cases": "cases per run (mean, 95% interval over seeds)",
        "tts": "Share of cases served, unserved counted (Kaplan-Meier)",
        "tts_x": "working days since registration",
        "tts_y": "share of cases with a need met",
        "queues": "Referrals waiting for a place (mean, 95% interval over seeds)",
        "day": "day",
        "waiting": "referrals waiting (all services)",
        "drain": "arrivals end; drain",
        "stages": {
            "registered": "registered",
            "assessed": "assessed",
            "referred": "referred",
            "served": "served",
            "closed": "closed",
        },
    },
    "id": {
        "funnel": "Tahapan kasus: {scenario}",
        "cases": "kasus per simulasi (rerata, interval 95% antar-benih)",
        "tts": "Proporsi kasus terlayani, termasuk yang belum (Kaplan-Meier)",
        "tts_x": "hari kerja sejak pendaftaran",
        "tts_y": "proporsi kasus dengan kebutuhan terpenuhi",
        "queues": "Rujukan menunggu tempat (rerata, interval 95% antar-benih)",
        "day": "hari",
        "waiting": "rujukan menunggu (semua layanan)",
        "drain": "kedatangan berakhir; penuntasan",
        "stages": {
            "registered": "terdaftar",
            "assessed": "diasesmen",
            "referred": "dirujuk",
            "served": "terlayani",
            "closed": "ditutup",
        },
    },
}


def _band(values: list[float]) -> tuple[float, float, float]:
    """Mean and interval over seeds; the interval collapses to the mean with one seed."""
    e = Estimate.of("", "", values, (0.0, math.inf))
    if e.method == "none":
        return e.mean, e.mean, e.mean
    return e.mean, e.low, e.high


def _by_seed(result: SimResult, table: dict[str, list[Any]], policy: str) -> dict[int, list[int]]:
    rows: dict[int, list[int]] = {seed: [] for seed in result.seeds}
    for i, (p, seed) in enumerate(zip(table["policy"], table["seed"], strict=True)):
        if p == policy:
            rows[seed].append(i)
    return rows


def _funnel(result: SimResult, fig: Any, words: dict[str, Any]) -> None:
    ax = fig.subplots()
    cases = result.cases
    count = len(result.policies)
    width = 0.8 / count
    for i, policy in enumerate(result.policies):
        by_seed = _by_seed(result, cases, policy)
        means, lows, highs = [], [], []
        for _, column in FUNNEL:
            values = cases[column]
            per_seed = [
                float(len(rows))
                if column == "case_id"
                else float(sum(1 for j in rows if values[j]))
                for rows in by_seed.values()
            ]
            mean, low, high = _band(per_seed)
            means.append(mean)
            lows.append(mean - low)
            highs.append(high - mean)
        ax.bar(
            [k + i * width for k in range(len(FUNNEL))],
            means,
            width,
            yerr=[lows, highs] if len(result.seeds) > 1 else None,
            capsize=3,
            label=policy,
        )
    ax.set_xticks(
        [k + width * (count - 1) / 2 for k in range(len(FUNNEL))],
        [words["stages"][name] for name, _ in FUNNEL],
    )
    ax.set_ylabel(words["cases"])
    ax.set_title(words["funnel"].format(scenario=result.scenario))
    ax.legend()


def _time_to_service(result: SimResult, fig: Any, words: dict[str, Any]) -> None:
    ax = fig.subplots()
    cases = result.cases
    longest = max([1.0, *(w for w in cases["waited_wd"] if not math.isnan(w))])
    grid = [longest * k / 60 for k in range(61)]
    for policy in result.policies:
        curves = []
        for rows in _by_seed(result, cases, policy).values():
            curve = kaplan_meier(
                [cases["waited_wd"][j] for j in rows],
                [not math.isnan(cases["time_to_service_wd"][j]) for j in rows],
            )
            curves.append([km_share_by(curve, x) for x in grid])
        bands = [_band([c[k] for c in curves]) for k in range(len(grid))]
        line = ax.step(grid, [b[0] for b in bands], where="post", label=policy)[0]
        if len(result.seeds) > 1:
            ax.fill_between(
                grid,
                [min(b[1], 1.0) for b in bands],
                [min(b[2], 1.0) for b in bands],
                step="post",
                alpha=0.2,
                color=line.get_color(),
            )
    ax.set_ylim(0, 1)
    ax.set_xlabel(words["tts_x"])
    ax.set_ylabel(words["tts_y"])
    ax.set_title(words["tts"])
    ax.legend()


def _queues(result: SimResult, fig: Any, words: dict[str, Any]) -> None:
    ax = fig.subplots()
    queues = result.queues
    for policy in result.policies:
        per_seed: dict[int, dict[float, int]] = {}
        for p, seed, day, waiting in zip(
            queues["policy"], queues["seed"], queues["day"], queues["waiting"], strict=True
        ):
            if p == policy:
                counts = per_seed.setdefault(seed, {})
                counts[day] = counts.get(day, 0) + waiting
        days = sorted({d for by_day in per_seed.values() for d in by_day})
        bands = [_band([float(s.get(d, 0)) for s in per_seed.values()]) for d in days]
        line = ax.plot(days, [b[0] for b in bands], label=policy)[0]
        if len(result.seeds) > 1:
            ax.fill_between(
                days,
                [b[1] for b in bands],
                [b[2] for b in bands],
                alpha=0.2,
                color=line.get_color(),
            )
    arrivals = float(result.window)
    ax.axvline(arrivals, color="grey", linestyle="--", linewidth=1)
    ax.annotate(words["drain"], (arrivals, 0), textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel(words["day"])
    ax.set_ylabel(words["waiting"])
    ax.set_title(words["queues"])
    ax.legend()


_DRAW: dict[str, Callable[[SimResult, Any, dict[str, Any]], None]] = {
    "funnel": _funnel,
    "time_to_service": _time_to_service,
    "queues": _queues,
}


def figures(
    result: SimResult,
    *,
    language: str = "en",
    size: tuple[float, float] = (7.0, 4.0),
) -> dict[str, Any]:
    """The funnel, time-to-service and queue figures, as matplotlib ``Figure`` objects.

    Args:
        result: what to draw.
        language: ``en`` or ``id`` for titles, labels and stage names.
        size: width and height in inches.

    Raises:
        SlrtError: matplotlib is not installed (install the ``plot`` extra).
    """
    figure = require("matplotlib.figure").Figure
    words = _TEXT["id" if language == "id" else "en"]
    drawn = {}
    for name, draw in _DRAW.items():
        fig = figure(figsize=size, layout="constrained")
        draw(result, fig, words)
        drawn[name] = fig
    return drawn


def plot(
    result: SimResult,
    directory: str | Path,
    *,
    language: str = "en",
    size: tuple[float, float] = (7.0, 4.0),
    dpi: int = 100,
    suffix: str = "png",
) -> list[Path]:
    """Write ``funnel``, ``time_to_service`` and ``queues`` images into *directory*.

    Args:
        result: what to draw.
        directory: where to write (created if missing).
        language: ``en`` or ``id``.
        size: width and height in inches.
        dpi: dots per inch.
        suffix: the image format (``png``, ``svg``, ``pdf``).

    Returns:
        The files written.

    Raises:
        SlrtError: matplotlib is not installed (install the ``plot`` extra).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures(result, language=language, size=size).items():
        path = out / f"{name}.{suffix}"
        fig.savefig(path, dpi=dpi)
        written.append(path)
    return written
