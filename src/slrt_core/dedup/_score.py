"""The scorer: Fellegi-Sunter weights on token agreement, per member pair and household.

Each comparison has ordered *levels*; the first level that holds gives its weight
``log2(m / u)``, where *m* is the chance of that level for two records of the same
person and *u* for two different people filed under a shared blocking key (Fellegi and
Sunter, "A Theory for Record Linkage", JASA 64, 1969; levels as in Splink). A member
pair's score is the sum over the comparisons; a missing value on either side weighs 0.

============  ========================================  =====  ======  ======
comparison    level                                     m      u       weight
============  ========================================  =====  ======  ======
name          same normalised name, spaces ignored      0.60   0.0005  +10.2
name          same phonetic key                         0.25   0.002   +7.0
name          every part of one name is in the other    0.08   0.01    +3.0
name          some part shared                          0.04   0.06    -0.6
name          nothing shared                            0.03   0.93    -5.0
birth date    same date                                 0.85   0.003   +8.1
birth date    same year only                            0.10   0.02    +2.3
birth date    different years                           0.05   0.977   -4.3
village       same village code                         0.85   0.05    +4.1
village       different village code                    0.15   0.95    -2.7
NIK           different NIKs (both known)               0.02   0.999   -5.6
============  ========================================  =====  ======  ======

The *m* and *u* values are estimates for a district (the *u* of a full name is that of a
common Javanese name among the people sharing a blocking key), not fitted: the labelled
set (:func:`slrt_core.dedup.labelled_pairs`) checks them (docs/explanation/deduplication.md).

A household's score is the best member pair's score plus a household comparison, when
both households have two members or more: the size of a maximum one-to-one matching of
the member pairs that score at least :data:`MEMBER_MATCH` (the same both ways round).
Each further member matched adds :data:`MEMBER_BONUS`; none further matched adds
:data:`NO_OTHER_MEMBER` (``log2(0.1 / 0.99)``: a second registration of a family of
several usually finds a second member; a namesake's household does not).

The decision: ``same`` when a NIK or KK token is shared, ``likely`` when the score is at
least :data:`LIKELY`, ``distinct`` otherwise. A likely match never blocks a
registration: it raises a duplicate-suspect flag that a supervisor resolves.

:data:`LIKELY` is 14: above the 13.3 of a namesake of the same birth year in the same
village whose household shares no other member (name +10.2, year +2.3, village +4.1,
no other member -3.3), below the 16.6 of the same name, year and village for a person
living alone. It was chosen on the labelled set generated with seed 7 and is checked on
the one of seed 2026 (``tests/unit/dedup/test_labelled.py``, ``bench/dedup.py``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence

import attrs

from slrt_core.dedup._tokens import HouseholdTokens, MemberTokens
from slrt_core.errors import InvalidInputError
from slrt_core.formatting import number
from slrt_core.texts import LanguageCode, text

__all__ = [
    "LIKELY",
    "MEMBER_BONUS",
    "MEMBER_MATCH",
    "NO_OTHER_MEMBER",
    "Agreement",
    "MatchDecision",
    "MatchResult",
    "MemberMatch",
    "decision_of",
    "explain_flagged",
    "score_households",
    "score_members",
]

#: The household score from which a match is ``likely`` (a duplicate suspect).
LIKELY = 14.0
#: A member pair scoring at least this is counted as matched by the household comparison.
MEMBER_MATCH = 8.0
#: Added to a household's score for each further member matched one to one.
MEMBER_BONUS = 2.0
#: Added when both households have two members or more and only one pair matched.
NO_OTHER_MEMBER = round(math.log2(0.1 / 0.99), 1)


def _w(m: float, u: float) -> float:
    return round(math.log2(m / u), 1)


_NAME_LEVELS = {
    "name": _w(0.60, 0.0005),
    "phonetic": _w(0.25, 0.002),
    "parts_all": _w(0.08, 0.01),
    "parts_some": _w(0.04, 0.06),
    "name_none": _w(0.03, 0.93),
}
_DOB_LEVELS = {
    "birth_date": _w(0.85, 0.003),
    "birth_year": _w(0.10, 0.02),
    "birth_none": _w(0.05, 0.977),
}
_VILLAGE = {"village": _w(0.85, 0.05), "village_none": _w(0.15, 0.95)}
_NIK_DIFFERS = _w(0.02, 0.999)
_WEIGHTS = {**_NAME_LEVELS, **_DOB_LEVELS, **_VILLAGE, "nik_differs": _NIK_DIFFERS}


class MatchDecision(enum.StrEnum):
    """What a match means for the intake."""

    SAME = "same"
    """A NIK or KK token is shared: the household already has a case."""
    LIKELY = "likely"
    """The score is at least :data:`LIKELY`: a duplicate suspect for a supervisor."""
    DISTINCT = "distinct"
    """Not the same household, as far as the fields tell."""


@attrs.frozen(kw_only=True)
class Agreement:
    """One comparison's outcome: the level that held and its weight.

    Args:
        field: the comparison level (``"name"``, ``"phonetic"``, ``"birth_year"`` ...);
            its labels are ``dedup.field.<field>`` in :mod:`slrt_core.texts`.
        weight: its Fellegi-Sunter weight (negative for a disagreement).
    """

    field: str
    weight: float

    def label(self, language: LanguageCode = "id") -> str:
        """The level's name for staff in *language*."""
        return text(f"dedup.field.{self.field}", language)


@attrs.frozen(kw_only=True)
class MemberMatch:
    """The comparison of two members.

    Args:
        intake_member: the member id on the intake side.
        candidate_member: the member id on the candidate side.
        score: the sum of the weights.
        agreements: every comparison's outcome, in a fixed order.
        nik: whether their NIK tokens are equal.
    """

    intake_member: str
    candidate_member: str
    score: float
    agreements: tuple[Agreement, ...]
    nik: bool = False


@attrs.frozen(kw_only=True)
class MatchResult:
    """The comparison of an intake household with one candidate.

    Args:
        case_id: the candidate's case id (``""`` when compared outside an index).
        decision: same, likely or distinct.
        score: the household score.
        kk: whether the KK tokens are equal.
        pairs: the member pairs matched one to one, best first.

    Examples:
        >>> result = MatchResult(case_id="C-1", decision=MatchDecision.DISTINCT,
        ...                      score=-3.0, kk=False, pairs=())
        >>> result.explain("en")
        'Case C-1: distinct, score -3.0. No field agreed.'
    """

    case_id: str
    decision: MatchDecision
    score: float
    kk: bool
    pairs: tuple[MemberMatch, ...]

    @property
    def agreed(self) -> tuple[str, ...]:
        """The fields that agreed (a positive weight) in the best pair, KK and NIK first."""
        fields = ["kk"] if self.kk else []
        if self.pairs:
            best = self.pairs[0]
            fields += ["nik"] if best.nik else []
            fields += [a.field for a in best.agreements if a.weight > 0]
        return tuple(fields)

    def explain(self, language: LanguageCode = "id") -> str:
        """One sentence for staff: the decision, the score and the fields that agreed."""
        decision = text(f"dedup.decision.{self.decision.value}", language)
        score = number(self.score, language, digits=1)
        fields = ", ".join(text(f"dedup.field.{f}", language) for f in self.agreed)
        key = "dedup.explain" if fields else "dedup.explain.none"
        return text(key, language, case_id=self.case_id, decision=decision, score=score,
                    fields=fields)  # fmt: skip


def _name_level(a: MemberTokens, b: MemberTokens) -> str | None:
    if a.name is None or b.name is None:
        return None
    if a.name == b.name:
        return "name"
    if a.phonetic == b.phonetic:
        return "phonetic"
    shared = a.parts & b.parts
    if shared and (shared in (a.parts, b.parts)):
        return "parts_all"
    return "parts_some" if shared else "name_none"


def _dob_level(a: MemberTokens, b: MemberTokens) -> str:
    if a.birth_date == b.birth_date:
        return "birth_date"
    return "birth_year" if a.birth_year == b.birth_year else "birth_none"


def _compare(
    a: MemberTokens, b: MemberTokens, *, same_village: bool
) -> tuple[float, tuple[str, ...], bool]:
    """The score, the levels that held and the NIK agreement: no objects built."""
    levels = [] if (level := _name_level(a, b)) is None else [level]
    levels.append(_dob_level(a, b))
    levels.append("village" if same_village else "village_none")
    nik = a.nik is not None and a.nik == b.nik
    if a.nik is not None and b.nik is not None and not nik:
        levels.append("nik_differs")
    return round(sum(_WEIGHTS[x] for x in levels), 1), tuple(levels), nik


_W_NAME, _W_PHONETIC, _W_ALL, _W_SOME, _W_NONE = (
    _WEIGHTS[k] for k in ("name", "phonetic", "parts_all", "parts_some", "name_none")
)
_W_DOB, _W_YOB, _W_NO_YOB = (_WEIGHTS[k] for k in ("birth_date", "birth_year", "birth_none"))
_W_VILLAGE, _W_NO_VILLAGE = _WEIGHTS["village"], _WEIGHTS["village_none"]


def _pair_score(a: MemberTokens, b: MemberTokens, village: float) -> tuple[float, bool]:
    """The score of :func:`_compare` and the NIK agreement, without the levels (hot path).

    The weights are added in the order :func:`_compare` sums them, so the two agree to
    the last bit.
    """
    score = 0.0
    if a.name is not None and b.name is not None:
        if a.name == b.name:
            score += _W_NAME
        elif a.phonetic == b.phonetic:
            score += _W_PHONETIC
        else:
            shared = a.parts & b.parts
            if not shared:
                score += _W_NONE
            else:
                score += _W_ALL if shared in (a.parts, b.parts) else _W_SOME
    if a.birth_date == b.birth_date:
        score += _W_DOB
    else:
        score += _W_YOB if a.birth_year == b.birth_year else _W_NO_YOB
    score += village
    nik = a.nik is not None and a.nik == b.nik
    if a.nik is not None and b.nik is not None and not nik:
        score += _NIK_DIFFERS
    return round(score, 1), nik


def score_members(a: MemberTokens, b: MemberTokens, *, same_village: bool) -> MemberMatch:
    """Compare two members (the village is the households').

    Symmetric: swapping *a* and *b* swaps the member ids and nothing else.
    """
    score, levels, nik = _compare(a, b, same_village=same_village)
    return MemberMatch(
        intake_member=a.member_id,
        candidate_member=b.member_id,
        score=score,
        agreements=tuple(Agreement(field=x, weight=_WEIGHTS[x]) for x in levels),
        nik=nik,
    )


def _max_matching(scores: Sequence[Sequence[float]], good: Callable[[float], bool]) -> int:
    """The size of a maximum one-to-one matching over the pairs *good* accepts (Kuhn)."""
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j, value in enumerate(scores[i]):
            if good(value) and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(scores)))


def score_households(
    intake: HouseholdTokens, candidate: HouseholdTokens, *, case_id: str = ""
) -> MatchResult:
    """Compare an intake household with a candidate; both under one pepper version.

    Raises:
        InvalidInputError: the two were tokenised under different pepper versions.
    """
    return _explained(_scored(intake, candidate), case_id)


def decision_of(intake: HouseholdTokens, candidate: HouseholdTokens) -> MatchDecision:
    """The decision of :func:`score_households` alone, without building the explanation.

    The intake check scores every candidate but explains only those it flags.

    Raises:
        InvalidInputError: the two were tokenised under different pepper versions.
    """
    return _scored(intake, candidate).decision


@attrs.frozen
class _Scored:
    """What the explanation of a comparison is built from."""

    intake: HouseholdTokens
    candidate: HouseholdTokens
    same_village: bool
    grid: list[list[tuple[float, bool]]]
    kk: bool
    score: float
    decision: MatchDecision


def _scored(intake: HouseholdTokens, candidate: HouseholdTokens) -> _Scored:
    if intake.version != candidate.version:
        raise InvalidInputError.single(
            "version",
            f"Tokens of pepper versions {intake.version} and {candidate.version} cannot be "
            "compared; tokenise the intake under the candidate's version.",
            f"Token kunci versi {intake.version} dan {candidate.version} tidak dapat "
            "dibandingkan; buat token data masuk dengan versi kandidat.",
        )
    same_village = intake.village == candidate.village
    village = _W_VILLAGE if same_village else _W_NO_VILLAGE
    grid = [[_pair_score(a, b, village) for b in candidate.members] for a in intake.members]
    kk = intake.kk is not None and intake.kk == candidate.kk
    # The best pair: a pair sharing a NIK first, then the highest score (_order's first).
    cells = [cell for row in grid for cell in row]
    shared = [score for score, nik in cells if nik]
    best = max(shared) if shared else max((score for score, _ in cells), default=0.0)
    score = best
    if min(len(intake.members), len(candidate.members)) > 1:
        matched = _max_matching(
            [[cell[0] for cell in row] for row in grid], lambda s: s >= MEMBER_MATCH
        )
        score += MEMBER_BONUS * (matched - 1) if matched > 1 else NO_OTHER_MEMBER
    score = round(score, 1)
    if kk or shared:
        decision = MatchDecision.SAME
    elif score >= LIKELY:
        decision = MatchDecision.LIKELY
    else:
        decision = MatchDecision.DISTINCT
    return _Scored(intake, candidate, same_village, grid, kk, score, decision)


def _order(scored: _Scored) -> list[tuple[int, int]]:
    """The member pairs, best first: a shared NIK, then the score, then the member ids."""
    grid, intake, candidate = scored.grid, scored.intake, scored.candidate
    return sorted(
        ((i, j) for i in range(len(grid)) for j in range(len(grid[i]))),
        key=lambda ij: (
            -grid[ij[0]][ij[1]][1],
            -grid[ij[0]][ij[1]][0],
            intake.members[ij[0]].member_id,
            candidate.members[ij[1]].member_id,
        ),
    )


def _explained(scored: _Scored, case_id: str) -> MatchResult:
    intake, candidate = scored.intake, scored.candidate
    pairs = tuple(
        score_members(intake.members[i], candidate.members[j], same_village=scored.same_village)
        for i, j in _one_to_one(_order(scored))
    )
    return MatchResult(
        case_id=case_id, decision=scored.decision, score=scored.score, kk=scored.kk, pairs=pairs
    )


def explain_flagged(
    intake: HouseholdTokens, candidate: HouseholdTokens, *, case_id: str = ""
) -> MatchResult | None:
    """:func:`score_households` when the decision is ``same`` or ``likely``, else ``None``.

    The explanation (member pairs and their levels) is built only for a flagged match:
    the intake check's hot path, where most candidates are distinct.
    """
    scored = _scored(intake, candidate)
    return None if scored.decision is MatchDecision.DISTINCT else _explained(scored, case_id)


def _one_to_one(order: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pairs taken best first, each member at most once (for the explanation)."""
    used_a: set[int] = set()
    used_b: set[int] = set()
    kept = []
    for i, j in order:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            kept.append((i, j))
    return kept
