"""Shared helpers for the benchmark scripts: arguments, timing, memory and reporting.

Every benchmark measures our code and a hand-written baseline in the same process and
prints each figure beside its baseline, with the ratio ``value / baseline``:

- throughput figures (per second): higher is better, a ratio of 1 matches the baseline;
- memory figures (MiB): lower is better.

Timing is best-of-N with :func:`time.perf_counter` (the minimum is the run least
disturbed by other processes). Peak memory is measured in a separate, untimed run under
:mod:`tracemalloc` (which slows the code down), and the process's peak resident set size
(``ru_maxrss``) is reported at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Options", "best_of", "finish", "parse_args", "peak_alloc", "report", "run_twice"]

S = TypeVar("S")

MIB = 1024 * 1024


class Options(argparse.Namespace):
    """The parsed command line."""

    quick: bool
    full: bool
    json: bool
    repeat: int | None
    dir: str | None


def parse_args(description: str, argv: list[str] | None = None) -> Options:
    """Parse ``--quick``, ``--full``, ``--json``, ``--repeat`` and ``--dir``."""
    parser = argparse.ArgumentParser(description=description)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes: under 60 s")
    size.add_argument("--full", action="store_true", help="full sizes (the default)")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per figure, one per line"
    )
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per figure")
    parser.add_argument(
        "--dir", default=None, help="where database files go (default: a temporary directory)"
    )
    options = parser.parse_args(argv, namespace=Options())
    if not options.json:
        mode = "quick" if options.quick else "full"
        print(
            f"# {os.path.basename(sys.argv[0])} ({mode}) on Python {platform.python_version()},"
            f" {os.cpu_count()} CPUs, load average {_load()}"
        )
    return options


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not every platform has it
        return "n/a"


def best_of(setup: Callable[[], S], run: Callable[[S], object], repeat: int) -> float:
    """The shortest of *repeat* timed calls of ``run(setup())``, in seconds.

    *setup* is not timed; the garbage collector is run before and disabled during each
    timed call, so one run does not pay for the garbage of the one before.
    """
    best = float("inf")
    for _ in range(repeat):
        state = setup()
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            run(state)
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        best = min(best, elapsed)
    return best


def run_twice(measure: Callable[[], float]) -> float:
    """The better of two calls of *measure* (a rate: higher is better)."""
    return max(measure(), measure())


def peak_alloc(setup: Callable[[], S], run: Callable[[S], object]) -> float:
    """Peak memory allocated by ``run(setup())`` above what *setup* left, in MiB."""
    state = setup()
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        run(state)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - base) / MIB


def report(
    options: Options,
    name: str,
    value: float,
    unit: str,
    baseline: float | None,
    ratio: float | None = None,
    *,
    target: str | None = None,
) -> None:
    """Print one figure: a readable line, or one JSON object with ``--json``.

    Args:
        options: the parsed command line.
        name: the figure's dotted name.
        value: our measurement.
        unit: its unit (``"commands/s"``, ``"MiB"``).
        baseline: the baseline's measurement in the same run, if there is one.
        ratio: ``value / baseline`` unless given.
        target: the target, as text (``">= 20000 commands/s"``), if there is one.
    """
    if ratio is None and baseline:
        ratio = value / baseline
    if options.json:
        figure: dict[str, Any] = {
            "name": name,
            "value": round(value, 3),
            "unit": unit,
            "baseline": None if baseline is None else round(baseline, 3),
            "ratio": None if ratio is None else round(ratio, 3),
            "target": target,
        }
        print(json.dumps(figure), flush=True)
        return
    line = f"{name:<40} {_fmt(value):>12} {unit:<12}"
    if baseline is not None:
        line += f" baseline {_fmt(baseline):>12}"
    if ratio is not None:
        line += f"  ratio {ratio:6.3f}"
    if target:
        line += f"  target {target}"
    print(line, flush=True)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def finish(options: Options, prefix: str) -> None:
    """Report the process's peak resident set size (no baseline: one process runs both)."""
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MIB
    report(options, f"{prefix}.process.maxrss", maxrss, "MiB", None)
