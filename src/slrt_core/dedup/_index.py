"""The candidate index: blocking keys -> case ids, in memory.

:class:`MemoryCandidateIndex` files each open case's household under its keys (NIK and
KK tokens, and the blocking keys of :class:`~slrt_core.dedup.HouseholdTokens`) and keeps
its tokens for scoring. One intake looks up its own keys and scores only the cases found,
a handful in a district of 200,000, instead of all of them.

Every query is one a SQL table ``dedup_key(key TEXT, case_id TEXT, PRIMARY KEY (key,
case_id))`` with an index on ``case_id`` serves the same way (the store-backed index
comes with the store, docs/explanation/deduplication.md):

* :meth:`~MemoryCandidateIndex.add`: ``INSERT`` one row per key;
* :meth:`~MemoryCandidateIndex.remove`: ``DELETE ... WHERE case_id = ?``;
* :meth:`~MemoryCandidateIndex.candidates`: ``SELECT case_id FROM dedup_key WHERE key IN
  (...) GROUP BY case_id ORDER BY sum(exact) DESC, count(*) DESC, case_id LIMIT ?``
  (``exact`` is 1 on the rows of NIK and KK tokens: a case sharing one comes first).

The stores of :mod:`slrt_core.adapters` keep such a table (``dedup_keys``) beside a
table of each case's tokens (``dedup_cases``), written in the transaction of the commit
that changed the case; :func:`match_intake` scores an intake through either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from slrt_core.dedup._score import MatchDecision, MatchResult, explain_flagged, score_households
from slrt_core.dedup._tokens import BlindIndexer, HouseholdTokens
from slrt_core.household import Household

__all__ = ["MemoryCandidateIndex", "check_intake", "match_intake"]

_ORDER = {MatchDecision.SAME: 0, MatchDecision.LIKELY: 1, MatchDecision.DISTINCT: 2}


class MemoryCandidateIndex:
    """Blocking keys -> case ids, with each case's tokens, in memory.

    Examples:
        >>> from datetime import date
        >>> from slrt_core import Household, Person, RegionCode, Relationship, Sex
        >>> def household(name, born=date(1980, 5, 1)):
        ...     head = Person(member_id="m1", relationship=Relationship.HEAD, sex=Sex.FEMALE,
        ...                   birth_date=born, name=name)
        ...     return Household(region=RegionCode("33.74.01.1001"), members=(head,))
        >>> indexer = BlindIndexer({1: b"k" * 32})
        >>> index = MemoryCandidateIndex()
        >>> index.add("C-1", indexer.household(household("Siti Aminah")))
        >>> index.add("C-2", indexer.household(household("Dewi Sartika", date(1979, 2, 3))))
        >>> index.candidates(indexer.household(household("St. Aminah")))
        ('C-1',)
        >>> [r.decision.value for r in check_intake(index, household("Siti Aminah"), indexer)]
        ['likely']
        >>> index.remove("C-1"); len(index)
        1
    """

    def __init__(self) -> None:
        self._cases: dict[str, HouseholdTokens] = {}
        self._postings: dict[str, list[str]] = {}
        self._exact: set[str] = set()  # the keys that are NIK or KK tokens

    def __len__(self) -> int:
        return len(self._cases)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._cases

    def add(self, case_id: str, tokens: HouseholdTokens, /) -> None:
        """File *case_id* under its keys; a case already here is filed anew."""
        if case_id in self._cases:
            self.remove(case_id)
        self._cases[case_id] = tokens
        self._exact.update(tokens.exact)
        postings = self._postings
        for key in tokens.keys:
            bucket = postings.get(key)
            if bucket is None:
                postings[key] = [case_id]
            else:
                bucket.append(case_id)

    def remove(self, case_id: str, /) -> None:
        """Take *case_id* out (a closed or merged case); unknown ids are ignored."""
        tokens = self._cases.pop(case_id, None)
        if tokens is None:
            return
        for key in tokens.keys:
            bucket = self._postings[key]
            bucket.remove(case_id)
            if not bucket:
                del self._postings[key]
                self._exact.discard(key)

    def tokens_of(self, case_id: str, /) -> HouseholdTokens:
        """The tokens *case_id* was filed with.

        Raises:
            KeyError: the case is not in the index.
        """
        return self._cases[case_id]

    def candidates(self, tokens: HouseholdTokens, /, *, limit: int = 50) -> tuple[str, ...]:
        """The cases sharing a key with *tokens*, at most *limit*.

        Those sharing the most NIK and KK tokens come first, then the most shared keys.
        """
        return self.candidates_of(tokens.keys, limit=limit)

    def candidates_of(self, keys: Iterable[str], /, *, limit: int = 50) -> tuple[str, ...]:
        """The cases filed under any of *keys*, ranked as by :meth:`candidates`."""
        hits: Counter[str] = Counter()
        exact_hits: Counter[str] = Counter()
        postings = self._postings
        exact = self._exact
        for key in keys:
            bucket = postings.get(key)
            if bucket is not None:
                hits.update(bucket)
                if key in exact:
                    exact_hits.update(bucket)
        ranked = sorted(hits.items(), key=lambda item: (-exact_hits[item[0]], -item[1], item[0]))
        return tuple(case_id for case_id, _ in ranked[:limit])


def match_intake(
    household: Household,
    indexer: BlindIndexer,
    *,
    candidates: Callable[[HouseholdTokens, int], Sequence[str]],
    tokens: Callable[[Sequence[str]], Mapping[str, HouseholdTokens]],
    limit: int = 50,
    exclude: Iterable[str] = (),
    flagged_only: bool = False,
) -> tuple[MatchResult, ...]:
    """Score *household* against the candidates an index finds, most serious first.

    The index is two functions: *candidates* (the case ids sharing a key with an
    intake's tokens, at most a given number) and *tokens* (the stored tokens of case
    ids; those missing are skipped). The intake is tokenised under every active pepper
    version, so cases filed before a rotation are still found. Results are ordered
    same, likely, distinct, then by score, then by case id. With *flagged_only*, the
    distinct candidates are scored but left out (and their explanation never built).
    """
    skip = set(exclude)
    results: dict[str, MatchResult] = {}
    for version in indexer.versions:
        intake = indexer.household(household, version=version)
        found = [c for c in candidates(intake, limit) if c not in skip and c not in results]
        if not found:
            continue
        for case_id, stored in tokens(found).items():
            if stored.version != version or case_id in results:
                continue
            if not flagged_only:
                results[case_id] = score_households(intake, stored, case_id=case_id)
            elif (flagged := explain_flagged(intake, stored, case_id=case_id)) is not None:
                results[case_id] = flagged
    return tuple(sorted(results.values(), key=lambda r: (_ORDER[r.decision], -r.score, r.case_id)))


def check_intake(
    index: MemoryCandidateIndex,
    household: Household,
    indexer: BlindIndexer,
    *,
    limit: int = 50,
    exclude: Iterable[str] = (),
) -> tuple[MatchResult, ...]:
    """Score *household* against its candidates in *index*, most serious first.

    The intake is tokenised under every active pepper version, so cases filed before a
    rotation are still found. Results are ordered same, likely, distinct, then by score.

    Args:
        index: the open cases.
        household: the household being registered.
        indexer: the peppers.
        limit: candidates scored per pepper version.
        exclude: case ids to leave out (the intake's own case, when re-checked).
    """
    return match_intake(
        household,
        indexer,
        candidates=lambda tokens, n: index.candidates(tokens, limit=n),
        tokens=lambda ids: {c: index.tokens_of(c) for c in ids},
        limit=limit,
        exclude=exclude,
    )
