"""Intake de-duplication: matcher quality on the labelled set, and one check in a district.

Each figure runs our code and a hand-written baseline in the same process:

- ``dedup.labelled.precision`` / ``recall``: the matcher's precision and recall of true
  duplicates on the labelled set (:func:`slrt_core.dedup.labelled_pairs`, seed 2026,
  2,000 generated pairs plus the hand-written ones), a pair counted as flagged when the
  decision is ``same`` or ``likely``; beside an exact baseline that flags a pair when a
  member has the same lower-cased name, birth date and village. Target: recall >= 0.9
  at precision >= 0.9.
- ``dedup.district.check``: milliseconds to check one intake (tokenise it, look up its
  candidates in a :class:`~slrt_core.dedup.MemoryCandidateIndex` of 200,000 synthetic
  households, score them), the median over runs of 200 intakes each (half second
  registrations of a household in the index, half impostors); beside a plain ``dict``
  exact lookup of (name, birth date, village) for every member. Target: < 5 ms.
- ``dedup.district.recall`` / ``precision``: the same intakes at district scale: how
  many second registrations find their household flagged, and which share of all flags
  are that household (the synthetic pools hold ~130 given names, so namesakes are far
  commoner than in a real district: a floor, not an estimate).
- ``dedup.index.build``: households/s filed (tokens made beforehand) beside the dict.
- ``dedup.index.peak_alloc``: MiB allocated by an index of 20,000 households and their
  tokens, beside the dict of their clear keys.

Run: ``python bench/dedup.py [--quick] [--json] [--repeat N] [--only quality|district]``.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterable

from _common import Options, compare, finish, parse_args, peak_alloc, report

from slrt_core import Household
from slrt_core.dedup import (
    BlindIndexer,
    HouseholdTokens,
    LabelledPair,
    MatchDecision,
    MatchResult,
    MemoryCandidateIndex,
    check_intake,
    generated_pairs,
    labelled_pairs,
    score_households,
    synthetic_household,
    villages,
)

INDEXER = BlindIndexer({1: b"\x11" * 32})
# Households in the district (--quick, full); intakes per timed run; for peak memory.
HOUSEHOLDS = (20_000, 200_000)
INTAKES = 200
PEAK_HOUSEHOLDS = 20_000
VILLAGES = 300


def clear_keys(household: Household) -> list[tuple[str, str, str]]:
    """The baseline's keys: lower-cased name, birth date, village, per member."""
    village = str(household.region)
    return [(m.name.lower(), m.birth_date.isoformat(), village) for m in household.members]


def flagged(pair: LabelledPair) -> bool:
    result = score_households(INDEXER.household(pair.intake), INDEXER.household(pair.candidate))
    return result.decision is not MatchDecision.DISTINCT


def baseline_flagged(pair: LabelledPair) -> bool:
    return bool(set(clear_keys(pair.intake)) & set(clear_keys(pair.candidate)))


def precision_recall(hits: Iterable[tuple[bool, bool]]) -> tuple[float, float]:
    tp = fp = fn = 0
    for hit, truth in hits:
        tp += hit and truth
        fp += hit and not truth
        fn += (not hit) and truth
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def bench_quality(options: Options) -> None:
    pairs = labelled_pairs(seed=2026, size=2000)
    ours = precision_recall((flagged(p), p.duplicate) for p in pairs)
    base = precision_recall((baseline_flagged(p), p.duplicate) for p in pairs)
    report(options, "dedup.labelled.precision", ours[0], "fraction", base[0], target=">= 0.9")
    report(options, "dedup.labelled.recall", ours[1], "fraction", base[1], target=">= 0.9")


def district(size: int) -> list[Household]:
    rng = random.Random(2027)
    places = villages(VILLAGES)
    return [synthetic_household(rng, rng.choice(places)) for _ in range(size)]


def bench_district(options: Options, size: int, repeat: int) -> None:
    started = time.perf_counter()
    homes = district(size)
    # The labelled intakes' candidates join the district; their intakes are checked.
    pairs = generated_pairs(seed=2028, size=INTAKES)
    cases = [*homes, *(p.candidate for p in pairs)]
    tokens = [INDEXER.household(h) for h in cases]
    true_case = {i: f"C-{size + i}" for i, p in enumerate(pairs) if p.duplicate}
    built = time.perf_counter() - started
    if not options.json:
        print(f"# {len(cases):,} households generated and tokenised in {built:.0f} s")

    def build(ts: list[HouseholdTokens]) -> MemoryCandidateIndex:
        index = MemoryCandidateIndex()
        for i, t in enumerate(ts):
            index.add(f"C-{i}", t)
        return index

    def build_dict(hs: list[Household]) -> dict[tuple[str, str, str], list[str]]:
        lookup: dict[tuple[str, str, str], list[str]] = {}
        for i, h in enumerate(hs):
            for key in clear_keys(h):
                lookup.setdefault(key, []).append(f"C-{i}")
        return lookup

    ours_s, base_s = compare((lambda: tokens, build), (lambda: cases, build_dict), 1)
    report(options, "dedup.index.build", len(cases) / ours_s, "households/s", len(cases) / base_s)
    index = build(tokens)
    lookup = build_dict(cases)
    gc.freeze()  # the index is long-lived: keep it out of the collections between runs
    intakes = [p.intake for p in pairs]

    def check_all(ix: MemoryCandidateIndex) -> list[tuple[MatchResult, ...]]:
        return [check_intake(ix, h, INDEXER) for h in intakes]

    def lookup_all(d: dict[tuple[str, str, str], list[str]]) -> list[set[str]]:
        found = []
        for h in intakes:
            hits: set[str] = set()
            for key in clear_keys(h):
                hits.update(d.get(key, ()))
            found.append(hits)
        return found

    ours_s, base_s = compare((lambda: index, check_all), (lambda: lookup, lookup_all), repeat)
    report(
        options,
        "dedup.district.check",
        ours_s / len(intakes) * 1e3,
        "ms/intake",
        base_s / len(intakes) * 1e3,
        target="< 5 ms",
    )
    results = check_all(index)
    found = [
        any(r.case_id == true_case[i] and r.decision is not MatchDecision.DISTINCT for r in rs)
        for i, rs in enumerate(results)
        if i in true_case
    ]
    flags = [r for rs in results for r in rs if r.decision is not MatchDecision.DISTINCT]
    right = sum(1 for r in flags if r.case_id in true_case.values())
    exact = lookup_all(lookup)
    base_found = [true_case[i] in exact[i] for i in true_case]
    base_flags = sum(len(s) for s in exact)
    base_right = sum(1 for i in true_case if true_case[i] in exact[i])
    report(
        options,
        "dedup.district.recall",
        sum(found) / len(found),
        "fraction",
        sum(base_found) / len(base_found),
    )
    report(
        options,
        "dedup.district.precision",
        right / len(flags) if flags else 1.0,
        "fraction",
        base_right / base_flags if base_flags else 1.0,
    )
    gc.unfreeze()
    peak_tokens = tokens[:PEAK_HOUSEHOLDS]
    peak_cases = cases[:PEAK_HOUSEHOLDS]
    report(
        options,
        "dedup.index.peak_alloc",
        peak_alloc(lambda: peak_tokens, build)
        + peak_alloc(lambda: peak_cases, lambda hs: [INDEXER.household(h) for h in hs]),
        "MiB",
        peak_alloc(lambda: peak_cases, build_dict),
    )


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], parts=("quality", "district"))
    size = HOUSEHOLDS[0 if options.quick else 1]
    repeat = options.repeat or (3 if options.quick else 7)
    if options.wants("quality"):
        bench_quality(options)
    if options.wants("district"):
        bench_district(options, size, repeat)
    finish(options, "dedup")


if __name__ == "__main__":
    main()
