"""PNG plots of a :class:`~slrt_core.sim.SimResult` (needs the ``plot`` extra: matplotlib).

Figures are drawn on :class:`matplotlib.figure.Figure` objects, never through pyplot's
global state, so plotting works in threads and without a display.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from slrt_core.sim._results import FUNNEL, SimResult

__all__ = ["plot"]

_DPI = 100


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional extra
    except ImportError as exc:  # pragma: no cover - matplotlib is in the test group
        msg = "Plots need matplotlib: pip install 'slrt-core[plot]'."
        raise ImportError(msg) from exc
    return Figure(figsize=(7.0, 4.0), layout="constrained")


def _funnel(result: SimResult, path: Path) -> None:
    fig = _figure()
    ax = fig.subplots()
    cases = result.cases
    stages = [name for name, _ in FUNNEL]
    count = len(result.policies)
    width = 0.8 / count
    seeds = max(len(result.seeds), 1)
    for i, policy in enumerate(result.policies):
        rows = [j for j, p in enumerate(cases["policy"]) if p == policy]
        heights = []
        for _, column in FUNNEL:
            values = cases[column]
            reached = len(rows) if column == "case_id" else sum(1 for j in rows if values[j])
            heights.append(reached / seeds)
        ax.bar([k + i * width for k in range(len(stages))], heights, width, label=policy)
    ax.set_xticks([k + width * (count - 1) / 2 for k in range(len(stages))], stages)
    ax.set_ylabel("cases per run (mean over seeds)")
    ax.set_title(f"Case funnel by stage: {result.scenario}")
    ax.legend()
    fig.savefig(path, dpi=_DPI)


def _time_to_service(result: SimResult, path: Path) -> None:
    fig = _figure()
    ax = fig.subplots()
    cases = result.cases
    samples = {
        policy: [
            t
            for p, t in zip(cases["policy"], cases["time_to_service"], strict=True)
            if p == policy and not math.isnan(t)
        ]
        for policy in result.policies
    }
    longest = max([1.0, *(max(times, default=0.0) for times in samples.values())])
    bins = [longest * k / 40 for k in range(41)]
    for policy, times in samples.items():
        ax.hist(times, bins=bins, histtype="step", linewidth=1.5, label=policy)
    ax.set_xlabel("days from registration to the first need met")
    ax.set_ylabel("cases (all seeds)")
    ax.set_title("Time to service")
    ax.legend()
    fig.savefig(path, dpi=_DPI)


def _queues(result: SimResult, path: Path) -> None:
    fig = _figure()
    ax = fig.subplots()
    queues = result.queues
    seeds = max(len(result.seeds), 1)
    for policy in result.policies:
        by_day: dict[float, int] = {}
        for p, day, waiting in zip(queues["policy"], queues["day"], queues["waiting"], strict=True):
            if p == policy:
                by_day[day] = by_day.get(day, 0) + waiting
        days = sorted(by_day)
        ax.plot(days, [by_day[d] / seeds for d in days], label=policy)
    ax.set_xlabel("day")
    ax.set_ylabel("referrals waiting for a place (all services)")
    ax.set_title("Queues over time (mean over seeds)")
    ax.legend()
    fig.savefig(path, dpi=_DPI)


def plot(result: SimResult, directory: str | Path) -> list[Path]:
    """Write ``funnel.png``, ``time_to_service.png`` and ``queues.png`` into *directory*.

    Returns:
        The files written.

    Raises:
        ImportError: matplotlib is not installed (install the ``plot`` extra).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (
        ("funnel.png", _funnel),
        ("time_to_service.png", _time_to_service),
        ("queues.png", _queues),
    ):
        path = out / name
        draw(result, path)
        written.append(path)
    return written
