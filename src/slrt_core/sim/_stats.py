"""Interval estimators that respect the range of what they estimate.

Two kinds of interval, chosen by the kind of metric (see :data:`~slrt_core.sim.METRICS`):

* a **proportion** (a share of needs, cases or referrals) gets Wilson's score interval,
  which never leaves [0, 1]. Its sample size is the *effective* number of trials: cases
  in one run are not independent (they share queues), so the pooled count of trials is
  shrunk to ``p (1 - p) / var`` where *var* is the variance of the mean over seeds, and
  the normal quantile becomes Student's t of ``seeds - 1`` degrees of freedom (that
  variance rests on few seeds); with seeds that agree exactly it is the pooled count.
* any other metric (a count, a duration, a mean queue) gets an *expanded* percentile
  bootstrap of the mean over seeds: the plain percentile interval is too narrow with a
  handful of seeds, so it is widened about the mean by ``t(n-1) / z * sqrt(n / (n-1))``
  (Hesterberg, "What teachers should know about the bootstrap", Am. Stat. 69(4), 2015)
  and then cut to the metric's possible range (a count never below 0, a share within
  [0, 1]).

With one seed there is no interval: nothing says how much another seed would differ.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

__all__ = [
    "Z95",
    "bootstrap_mean",
    "effective_wilson",
    "kaplan_meier",
    "km_median",
    "km_share_by",
    "wilson",
]

#: The two-sided 95% normal quantile.
Z95 = 1.959963984540054
_RESAMPLES = 2000
# Two-sided 95% Student t quantiles by degrees of freedom 1..30; the normal one beyond.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def wilson(successes: float, trials: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion, inside [0, 1].

    Examples:
        >>> low, high = wilson(8, 10)
        >>> round(low, 3), round(high, 3)
        (0.49, 0.943)
        >>> wilson(0, 0)
        (nan, nan)
    """
    if trials <= 0:
        return math.nan, math.nan
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def _t95(n: int) -> float:
    """The 95% Student t quantile for a mean of *n* (two or more) values."""
    return _T95[n - 2] if n - 1 <= len(_T95) else Z95


def effective_wilson(
    values: Sequence[float], trials: Sequence[float]
) -> tuple[float, float, float, float]:
    """The pooled share of per-seed *values* (each over *trials*) with its interval.

    Returns:
        ``(share, low, high, effective trials)``.

    Examples:
        >>> share, low, high, n = effective_wilson([0.5, 0.7], [100, 100])
        >>> round(share, 2), round(low, 2), round(high, 2), round(n)
        (0.6, 0.05, 0.98, 24)
        >>> [round(x, 2) for x in effective_wilson([0.5, 0.5], [100, 100])]
        [0.5, 0.43, 0.57, 200]
    """
    total = sum(trials)
    if total <= 0:
        return math.nan, math.nan, math.nan, 0.0
    share = sum(v * t for v, t in zip(values, trials, strict=True)) / total
    n_eff = total
    z = Z95
    if len(values) > 1:
        var = statistics.variance(values) / len(values)
        if var > 0 and share * (1 - share) / var < total:
            n_eff = share * (1 - share) / var
            z = _t95(len(values))
    low, high = wilson(share * n_eff, n_eff, z)
    return share, low, high, n_eff


def bootstrap_mean(
    values: Sequence[float],
    *,
    bounds: tuple[float, float] = (-math.inf, math.inf),
    resamples: int = _RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """An expanded percentile-bootstrap 95% interval of the mean of *values* (two or more).

    The interval is cut to *bounds*, the metric's possible range, so a count never gets
    a negative end. The resampling stream is fixed, so the interval is reproducible.

    Examples:
        >>> bootstrap_mean([3.0, 3.0, 3.0])
        (3.0, 3.0)
        >>> low, high = bootstrap_mean([0.0, 0.0, 1.0, 5.0], bounds=(0.0, math.inf))
        >>> low, 1.5 < high
        (0.0, True)
    """
    n = len(values)
    rng = random.Random(seed)  # noqa: S311 - resampling, not secrets
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    low, high = means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]
    mean = sum(values) / n
    widen = _t95(n) / Z95 * math.sqrt(n / (n - 1))
    low, high = mean - (mean - low) * widen, mean + (high - mean) * widen
    return max(low, bounds[0]), min(high, bounds[1])


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> list[tuple[float, float]]:
    """The Kaplan-Meier survival curve: ``(time, share not yet served)`` at each event time.

    A censored duration (``observed`` false) is a case still waiting when the run ended:
    it counts as at risk until then, and is never dropped.

    Examples:
        >>> kaplan_meier([1, 2, 2, 5], [True, True, False, True])
        [(0.0, 1.0), (1, 0.75), (2, 0.5), (5, 0.0)]
    """
    pairs = sorted(zip(durations, observed, strict=True))
    at_risk = len(pairs)
    survival = 1.0
    curve: list[tuple[float, float]] = [(0.0, 1.0)]
    i = 0
    while i < len(pairs):
        t = pairs[i][0]
        events = leaving = 0
        while i < len(pairs) and pairs[i][0] == t:
            events += pairs[i][1]
            leaving += 1
            i += 1
        if events:
            survival *= 1 - events / at_risk
            curve.append((t, survival))
        at_risk -= leaving
    return curve


def km_median(curve: Sequence[tuple[float, float]]) -> float:
    """The first time the curve is at or below one half; NaN if it never gets there.

    Examples:
        >>> km_median([(0.0, 1.0), (1.0, 0.75), (2.0, 0.5)]), km_median([(0.0, 1.0)])
        (2.0, nan)
    """
    return next((t for t, s in curve if s <= 0.5), math.nan)  # noqa: PLR2004 - the median


def km_share_by(curve: Sequence[tuple[float, float]], day: float) -> float:
    """The share served by *day*: one minus the survival at *day*.

    Examples:
        >>> km_share_by([(0.0, 1.0), (1.0, 0.75), (2.0, 0.5)], 1.5)
        0.25
    """
    survival = 1.0
    for t, s in curve:
        if t > day:
            break
        survival = s
    return 1.0 - survival
