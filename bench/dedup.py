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

The same check wired into the service, on a SQLite file store of 200,000 cases
(``--quick``: 20,000), each a registration committed with its candidate entry (plain
codec, ``synchronous="normal"``: the check reads, it does not depend on either):

- ``dedup.store.check``: milliseconds for the duplicate check of one intake as
  ``Slrt.register`` runs it (the pipeline's step: tokenise under every pepper, the
  candidate query on ``dedup_keys``, the tokens of at most 50 candidates from
  ``dedup_cases``, scoring), median over runs of 200 intakes; beside a hand-written SQL
  baseline on the same file: an indexed table of the households' lower-cased name,
  birth date and village in clear, one ``SELECT`` per member. Target: < 5 ms.
- ``dedup.store.recall`` / ``precision``: the flags of those intakes at store scale,
  beside the baseline's.
- ``dedup.store.register``: milliseconds per ``Slrt.register`` end to end on that store
  with de-duplication on (check, commit of the case with its candidate entry), beside
  the same command with it off, each on intakes of their own (a registration adds a
  case). The difference is what the check costs a registration.

Run: ``python bench/dedup.py [--quick] [--json] [--repeat N] [--dir DIR]
[--only quality|district|store]``.
"""

from __future__ import annotations

import gc
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
from _common import Options, compare, finish, parse_args, peak_alloc, report

from slrt_core import Actor, Channel, ComplaintKind, Household, Need, RegionCode, Role, Sector
from slrt_core.adapters.basics import PlainCodec, SequentialIds
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.application.commands import RegisterCase
from slrt_core.case import CaseRegistered, Event, apply
from slrt_core.case._model import Priority
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
from slrt_core.errors import DuplicateCaseError
from slrt_core.identity import RegionLevel
from slrt_core.ports import Commit, DedupEntry
from slrt_core.service import Slrt
from slrt_core.testing import FrozenClock

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


# --------------------------------------------------------------------------- the store

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
FRONT_OFFICE = Actor(actor_id="fo-1", role=Role.FRONT_OFFICE, jurisdiction=RegionCode.INDONESIA)
NEEDS = (Need(sector=Sector.HEALTH, description="need", need_id="n1"),)


def real_villages() -> dict[RegionCode, RegionCode]:
    """The synthetic village codes (shape only) -> villages of Kab. Cilacap (33.01).

    ``Slrt.register`` accepts only codes of the Kemendagri list; the 300 synthetic codes
    map in order onto Cilacap's 284 villages (the last 16 share a village with others).
    """
    real = RegionCode("33.01").codes_at(RegionLevel.VILLAGE)
    return {code: real[i % len(real)] for i, code in enumerate(villages(VILLAGES))}


def relocated(household: Household, places: dict[RegionCode, RegionCode]) -> Household:
    return attrs.evolve(household, region=places[household.region])


def registration(n: int, household: Household) -> Commit:
    """The commit of case *n*: its registration, with the household's candidate entry."""
    event = Event(
        case_id=f"case-{n:07d}",
        version=1,
        at=T0 + timedelta(seconds=n),
        actor_id="bench",
        role=Role.FACILITATOR,
        payload=CaseRegistered(
            household=household,
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=NEEDS,
            emergency=False,
            priority=Priority.NORMAL,
        ),
    )
    entry = DedupEntry(tokens=INDEXER.household(household), region=household.region.code)
    return Commit(case=apply(None, event), expected_version=0, events=(event,), dedup=entry)


def build_store(path: Path, homes: list[Household]) -> float:
    """Write the store and the baseline's clear table; the seconds it took."""
    start = time.perf_counter()
    store = SqliteStore(path, codec=PlainCodec(), synchronous="normal")
    for n, home in enumerate(homes):
        store.commit(registration(n, home))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE clear_keys (name TEXT, dob TEXT, village TEXT, case_id TEXT)")
        conn.executemany(
            "INSERT INTO clear_keys VALUES (?, ?, ?, ?)",
            ((*key, f"case-{n:07d}") for n, home in enumerate(homes) for key in clear_keys(home)),
        )
        conn.execute("CREATE INDEX clear_keys_lookup ON clear_keys (name, dob, village)")
    return time.perf_counter() - start


def service(path: Path, *, dedup: bool) -> Slrt:
    return Slrt(
        store=SqliteStore(path, codec=PlainCodec(), synchronous="normal"),
        clock=FrozenClock(T0 + timedelta(days=30)),
        ids=SequentialIds("dedup-" if dedup else "plain-"),
        dedup=INDEXER if dedup else None,
    )


def register_all(slrt: Slrt, intakes: list[Household]) -> int:
    """Register each intake as the front office does; how many were refused."""
    refused = 0
    for home in intakes:
        try:
            slrt.register(
                FRONT_OFFICE,
                home,
                channel=Channel.PUSKESOS_DESK,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH, description="need")],
            )
        except DuplicateCaseError:
            refused += 1
    return refused


def bench_store(options: Options, size: int, repeat: int) -> None:
    started = time.perf_counter()
    places = real_villages()
    homes = [relocated(h, places) for h in district(size)]
    # Every run's intakes have their true case in the store: the check runs on one set
    # (it writes nothing); each register run, ours and the baseline's, on a set of its own.
    pairs = [
        attrs.evolve(
            p, intake=relocated(p.intake, places), candidate=relocated(p.candidate, places)
        )
        for p in generated_pairs(seed=2029, size=INTAKES * (1 + 2 * repeat))
    ]
    cases = [*homes, *(p.candidate for p in pairs)]
    true_case = {i: f"case-{size + i:07d}" for i, p in enumerate(pairs) if p.duplicate}
    with tempfile.TemporaryDirectory(dir=options.dir) as tmp:
        path = Path(tmp) / "dedup.sqlite"
        built = build_store(path, cases)
        if not options.json:
            print(
                f"# {len(cases):,} cases written in {built:.0f} s "
                f"({time.perf_counter() - started:.0f} s with the households)"
            )
        slrt = service(path, dedup=True)
        check = slrt.pipeline._check_duplicates  # noqa: SLF001 - the step register runs
        intakes = [p.intake for p in pairs[:INTAKES]]
        commands = [
            RegisterCase(
                actor=FRONT_OFFICE,
                household=h,
                channel=Channel.PUSKESOS_DESK,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH)],
            )
            for h in intakes
        ]
        baseline = sqlite3.connect(path)

        def check_all(_: object) -> list[tuple[str, ...]]:
            found: list[tuple[str, ...]] = []
            for command in commands:
                try:
                    flag = check(command)
                except DuplicateCaseError as refused:
                    found.append(refused.case_ids)
                    continue
                found.append(
                    () if flag is None else tuple(m.case_id for m in flag.payload.matches)  # type: ignore[union-attr]
                )
            return found

        def lookup_all(conn: sqlite3.Connection) -> list[set[str]]:
            found = []
            for home in intakes:
                hits: set[str] = set()
                for key in clear_keys(home):
                    hits.update(
                        r[0]
                        for r in conn.execute(
                            "SELECT case_id FROM clear_keys WHERE name = ? AND dob = ?"
                            " AND village = ?",
                            key,
                        )
                    )
                found.append(hits)
            return found

        check_all(None)  # warm: the page cache, the statement cache
        lookup_all(baseline)
        ours_s, base_s = compare((lambda: None, check_all), (lambda: baseline, lookup_all), repeat)
        report(
            options,
            "dedup.store.check",
            ours_s / len(intakes) * 1e3,
            "ms/intake",
            base_s / len(intakes) * 1e3,
            target="< 5 ms",
        )
        truth = {i: c for i, c in true_case.items() if i < INTAKES}

        def recall_precision(found: list[tuple[str, ...]] | list[set[str]]) -> tuple[float, float]:
            right = sum(truth[i] in found[i] for i in truth)
            every = sum(len(f) for f in found)
            return right / len(truth), right / every if every else 1.0

        ours_rp, base_rp = recall_precision(check_all(None)), recall_precision(lookup_all(baseline))
        report(options, "dedup.store.recall", ours_rp[0], "fraction", base_rp[0])
        report(options, "dedup.store.precision", ours_rp[1], "fraction", base_rp[1])
        baseline.close()

        plain = service(path, dedup=False)
        runs = iter(range(repeat * 2))

        def fresh() -> list[Household]:
            k = next(runs)
            return [p.intake for p in pairs[INTAKES * (1 + k) : INTAKES * (2 + k)]]

        ours_s, base_s = compare(
            (fresh, lambda hs: register_all(slrt, hs)),
            (fresh, lambda hs: register_all(plain, hs)),
            repeat,
        )
        report(
            options,
            "dedup.store.register",
            ours_s / INTAKES * 1e3,
            "ms/command",
            base_s / INTAKES * 1e3,
        )
        for s in (slrt, plain):
            s.store.close()  # type: ignore[attr-defined]


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], parts=("quality", "district", "store"))
    size = HOUSEHOLDS[0 if options.quick else 1]
    repeat = options.repeat or (3 if options.quick else 7)
    if options.wants("quality"):
        bench_quality(options)
    if options.wants("district"):
        bench_district(options, size, repeat)
    if options.wants("store"):
        bench_store(options, size, repeat)
    finish(options, "dedup")


if __name__ == "__main__":
    main()
