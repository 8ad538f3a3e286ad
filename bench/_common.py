"""Shared helpers for the benchmark scripts: arguments, timing, memory and reporting.

Every benchmark measures our code and a hand-written baseline in the same process and
prints each figure beside its baseline, with the ratio ``value / baseline``:

- throughput figures (per second): higher is better, a ratio of 1 matches the baseline;
- memory figures (MiB): lower is better.

Every script speaks the same options (``--quick``, ``--full``, ``--json``, ``--repeat``,
``--dir``, ``--only``, ``--no-gc``) and prints the same figures: a readable line, or with
``--json`` one object per line with ``name``, ``value``, ``unit``, ``baseline``,
``ratio``, ``target``, ``statistic`` and ``gc``.

Timing is the median of *repeat* runs with :func:`time.perf_counter`: the typical run,
as a user would see it, not the luckiest one (a best-of-N figure flatters the code on a
machine shared with other processes). The garbage collector stays on during the timed
runs, as it is in production; ``--no-gc`` (or ``gc_enabled=False`` for one figure) turns
it off, and every figure taken that way says so (``gc off`` on its line, ``"gc": false``
in JSON). Peak memory is measured in a separate, untimed run under :mod:`tracemalloc`
(which slows the code down), and the process's peak resident set size (``ru_maxrss``) is
reported at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "Options",
    "compare",
    "finish",
    "median_of",
    "parse_args",
    "peak_alloc",
    "report",
    "timed",
]

S = TypeVar("S")

MIB = 1024 * 1024


class Options(argparse.Namespace):
    """The parsed command line."""

    quick: bool
    full: bool
    json: bool
    repeat: int | None
    dir: str | None
    only: list[str] | None
    no_gc: bool

    def wants(self, part: str) -> bool:
        """Whether *part* is to run (every part runs unless ``--only`` names some)."""
        only = getattr(self, "only", None)
        return not only or part in only


def parse_args(
    description: str,
    argv: list[str] | None = None,
    *,
    parts: tuple[str, ...] = (),
    extra: Callable[[argparse.ArgumentParser], object] | None = None,
) -> Options:
    """Parse ``--quick``, ``--full``, ``--json``, ``--repeat``, ``--dir``, ``--only``, ``--no-gc``.

    *parts* names the parts of the script that ``--only`` may select; without them the
    script has no ``--only``. *extra* adds a script's own options to the parser.
    """
    parser = argparse.ArgumentParser(description=description)
    if extra is not None:
        extra(parser)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes: under 60 s")
    size.add_argument("--full", action="store_true", help="full sizes (the default)")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per figure, one per line"
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed runs per figure (the median is shown)"
    )
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="turn the garbage collector off during timed runs (each figure says so)",
    )
    parser.add_argument(
        "--dir", default=None, help="where database files go (default: a temporary directory)"
    )
    if parts:
        parser.add_argument(
            "--only",
            action="append",
            choices=parts,
            help="run only this part (repeatable); handy under python -m cProfile",
        )
    options = parser.parse_args(argv, namespace=Options())
    if options.repeat is not None and options.repeat < 1:
        parser.error("--repeat must be at least 1")
    _GC_OFF[0] = options.no_gc
    if not options.json:
        mode = "quick" if options.quick else "full"
        print(
            f"# {Path(sys.argv[0]).name} ({mode}) on Python {platform.python_version()},"
            f" {os.cpu_count()} CPUs, load average {_load()}"
        )
    return options


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not every platform has it
        return "n/a"


# Whether --no-gc was given: set by parse_args, read by timed() and report().
_GC_OFF = [False]


def _gc_on(gc_enabled: bool | None) -> bool:
    return not _GC_OFF[0] if gc_enabled is None else gc_enabled


def timed(
    setup: Callable[[], S], run: Callable[[S], object], *, gc_enabled: bool | None = None
) -> float:
    """Seconds taken by ``run(setup())``; *setup* is not timed.

    A collection runs before the timed call, so one run does not pay for the garbage of
    the one before. The collector stays on during the call unless *gc_enabled* is
    ``False`` (default: on, or off under ``--no-gc``).
    """
    state = setup()
    gc.collect()
    enabled = _gc_on(gc_enabled)
    if not enabled:
        gc.disable()
    try:
        start = time.perf_counter()
        run(state)
        return time.perf_counter() - start
    finally:
        gc.enable()


def median_of(times: list[float]) -> float:
    """The median of *times* (the typical run; see the module docstring)."""
    return statistics.median(times)


def compare(
    ours: tuple[Callable[[], Any], Callable[[Any], object]],
    baseline: tuple[Callable[[], Any], Callable[[Any], object]],
    repeat: int,
    *,
    gc_enabled: bool | None = None,
) -> tuple[float, float]:
    """The median seconds of *ours* and of *baseline*, each a ``(setup, run)`` pair.

    The two alternate, run by run, so a burst of load from other processes hits both.
    A figure taken with *gc_enabled* ``False`` must be reported with ``gc_enabled=False``.
    """
    times_ours: list[float] = []
    times_base: list[float] = []
    for _ in range(max(1, repeat)):
        times_ours.append(timed(*ours, gc_enabled=gc_enabled))
        times_base.append(timed(*baseline, gc_enabled=gc_enabled))
    return median_of(times_ours), median_of(times_base)


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
    gc_enabled: bool | None = None,
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
        gc_enabled: whether the collector was on while the figure was taken (default: as
            ``--no-gc`` says).
    """
    gc_on = _gc_on(gc_enabled)
    if ratio is None and baseline:
        ratio = value / baseline
    if options.json:
        figure: dict[str, Any] = {
            "name": name,
            "value": _round(value),
            "unit": unit,
            "baseline": None if baseline is None else _round(baseline),
            "ratio": None if ratio is None else _round(ratio),
            "target": target,
            # Memory figures are one peak; every other figure is a median of runs.
            "statistic": "peak" if unit == "MiB" else "median",
            "gc": gc_on,
        }
        print(json.dumps(figure), flush=True)
        return
    line = f"{name:<40} {_fmt(value):>12} {unit:<12}"
    if baseline is not None:
        line += f" baseline {_fmt(baseline):>12}"
    if ratio is not None:
        line += f"  ratio {ratio:.4g}"
    if target:
        line += f"  target {target}"
    if not gc_on:
        line += "  (gc off)"
    print(line, flush=True)


def _round(value: float) -> float:
    """*value* to four significant digits, at least to the unit."""
    return round(value) if abs(value) >= 10_000 else float(f"{value:.4g}")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def finish(options: Options, prefix: str) -> None:
    """Report the process's peak resident set size (no baseline: one process runs both)."""
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MIB
    report(options, f"{prefix}.process.maxrss", maxrss, "MiB", None)
