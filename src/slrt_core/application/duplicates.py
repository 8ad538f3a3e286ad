"""Intake de-duplication in the pipeline: the check at registration, and its resolution.

At :class:`~slrt_core.application.commands.RegisterCase` the pipeline tokenises the
household (:class:`~slrt_core.dedup.BlindIndexer`), looks its keys up in the store's
candidate index (:class:`~slrt_core.ports.CandidateIndex`: open cases only) and scores
the candidates (:func:`~slrt_core.dedup.match_intake`):

- a NIK or KK token on an open case (``same``) refuses the registration with
  :class:`~slrt_core.errors.DuplicateCaseError`, naming the cases the actor may see,
  unless the command carries a ``duplicate_override`` reason;
- a likely match (names, birth dates, village; ``likely``), and an overridden ``same``,
  register the case and record a :class:`~slrt_core.case.DuplicateSuspected` flag
  with the explanation (which fields agreed, the score) in the same commit.

A supervisor resolves each flag with a command of this module: :class:`MarkDistinct`
(two households), or a merge: :class:`MergeDuplicate` on the case kept (the duplicate's
open needs carried over) then :class:`CloseAsDuplicate` on the other (closed with
reason ``duplicate``, pointing at the case kept). Both histories stay whole.

Every commit also carries the case's entry in the candidate index
(:func:`dedup_entry`): filed at registration and when the household changes (a
transfer), the open flags counted, removed when the case closes.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slrt_core.application._base import Collaborators, Decision, Handler
from slrt_core.application._checks import check_id, number_needs, require_text
from slrt_core.application.commands import CloseAsDuplicate, MarkDistinct, MergeDuplicate
from slrt_core.case._events import CaseMergedInto, DuplicateMarkedDistinct, DuplicateMerged
from slrt_core.case._model import Case, DuplicateMatch, Need, NeedStatus
from slrt_core.dedup import MEMBER_MATCH, BlindIndexer, MatchDecision, MatchResult, match_intake
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.household import Household
from slrt_core.ports import CandidateIndex, DedupEntry

__all__ = [
    "CANDIDATES",
    "HANDLERS",
    "as_flag",
    "carried_needs",
    "dedup_entry",
    "intake_matches",
]

#: Candidates scored per pepper version (the most shared keys first).
CANDIDATES = 50


def intake_matches(
    index: CandidateIndex, indexer: BlindIndexer, household: Household
) -> tuple[MatchResult, ...]:
    """The open cases *household* matches (``same`` or ``likely``), most serious first."""
    found = match_intake(
        household,
        indexer,
        candidates=lambda tokens, limit: index.dedup_candidates(tokens.keys, limit=limit),
        tokens=index.dedup_tokens,
        limit=CANDIDATES,
        flagged_only=True,
    )
    return tuple(r for r in found if r.decision is not MatchDecision.DISTINCT)


def as_flag(result: MatchResult) -> DuplicateMatch:
    """The flag a case records of *result*: the explanation, no tokens.

    The member pairs kept are those that matched (a shared NIK, or a pair score of at
    least :data:`~slrt_core.dedup.MEMBER_MATCH`): a merge maps members by them.
    """
    return DuplicateMatch(
        case_id=result.case_id,
        decision=result.decision.value,
        score=result.score,
        agreed=result.agreed,
        members=tuple(
            (p.intake_member, p.candidate_member)
            for p in result.pairs
            if p.nik or p.score >= MEMBER_MATCH
        ),
    )


def dedup_entry(old: Case | None, new: Case, indexer: BlindIndexer) -> DedupEntry | None:
    """The case's entry in the candidate index after a commit; ``None``: unchanged.

    Filed at registration and whenever the household or the count of open flags
    changes; removed (no tokens) when the case closes.
    """
    if new.is_closed:
        return DedupEntry(tokens=None) if old is None or not old.is_closed else None
    suspects = len(new.open_duplicates)
    if old is None or old.household is not new.household or len(old.open_duplicates) != suspects:
        return DedupEntry(
            tokens=indexer.household(new.household), suspects=suspects, region=new.region.code
        )
    return None


# --------------------------------------------------------------------------- handlers


def _check_distinct(command: MarkDistinct, _deps: Collaborators) -> MarkDistinct:
    check_id(command.other_case_id, "other_case_id")
    require_text(command.note, "note")
    return command


def _no_flag(case: Case, other: str) -> InvalidInputError:
    flagged = ", ".join(d.case_id for d in case.open_duplicates) or "none"
    flagged_id = ", ".join(d.case_id for d in case.open_duplicates) or "tidak ada"
    return InvalidInputError.single(
        "other_case_id",
        f"Case {case.case_id!r} has no open duplicate-suspect flag naming {other!r}; its open "
        f"flags name: {flagged}.",
        f"Kasus {case.case_id!r} tidak punya tanda dugaan ganda terbuka untuk {other!r}; "
        f"tanda terbukanya: {flagged_id}.",
    )


def _distinct(command: MarkDistinct, case: Case, _now: datetime, _deps: Collaborators) -> Decision:
    if case.duplicate(command.other_case_id) is None:
        raise _no_flag(case, command.other_case_id)
    payload = DuplicateMarkedDistinct(other_case_id=command.other_case_id)
    return Decision(steps=(payload,), reason=command.note)


def _check_merge(command: MergeDuplicate, _deps: Collaborators) -> MergeDuplicate:
    check_id(command.from_case_id, "from_case_id")
    require_text(command.note, "note")
    if len(command.needs) != len(command.origins):
        raise InvalidInputError.single(
            "origins",
            "Give one origin (the need's id in the merged case) per need carried over.",
            "Berikan satu asal (id kebutuhan di kasus yang digabung) untuk setiap kebutuhan.",
        )
    return command


def _merge(command: MergeDuplicate, case: Case, _now: datetime, _deps: Collaborators) -> Decision:
    problems: list[Problem] = []
    if command.from_case_id == case.case_id:
        problems.append(_self_problem("from_case_id", case.case_id))
    if command.from_case_id in case.merged_from:
        problems.append(
            Problem(
                "from_case_id",
                f"Case {command.from_case_id!r} was merged into {case.case_id!r} already.",
                f"Kasus {command.from_case_id!r} sudah digabung ke {case.case_id!r}.",
            )
        )
    numbered = number_needs(
        list(command.needs), case.household, problems, start=len(case.needs) + 1
    )
    if problems:
        raise InvalidInputError(problems)
    payload = DuplicateMerged(
        from_case_id=command.from_case_id,
        needs=tuple(numbered),
        carried=tuple(
            (n.need_id, origin) for n, origin in zip(numbered, command.origins, strict=True)
        ),
    )
    return Decision(steps=(payload,), reason=command.note)


def _check_close(command: CloseAsDuplicate, _deps: Collaborators) -> CloseAsDuplicate:
    check_id(command.into_case_id, "into_case_id")
    require_text(command.note, "note")
    return command


def _close(command: CloseAsDuplicate, case: Case, _now: datetime, _deps: Collaborators) -> Decision:
    if command.into_case_id == case.case_id:
        raise InvalidInputError([_self_problem("into_case_id", case.case_id)])
    return Decision(steps=(CaseMergedInto(into_case_id=command.into_case_id),), reason=command.note)


def _self_problem(path: str, case_id: str) -> Problem:
    return Problem(
        path,
        f"A case is not merged with itself: name the other case, not {case_id!r}.",
        f"Kasus tidak digabung dengan dirinya sendiri: sebutkan kasus lain, bukan {case_id!r}.",
    )


def carried_needs(duplicate: Case, kept: Case) -> tuple[list[Need], list[str]]:
    """The open needs of *duplicate* as *kept* records them, and their ids in *duplicate*.

    A need of one member keeps it when the flag between the two cases matched that
    member to one of *kept*'s household; otherwise it becomes the whole household's.
    """
    flag = duplicate.duplicate(kept.case_id)
    pairs: Sequence[tuple[str, str]] = ()
    if flag is not None:
        pairs = flag.members  # (duplicate's member, kept's member)
    elif (back := kept.duplicate(duplicate.case_id)) is not None:
        pairs = tuple((theirs, ours) for ours, theirs in back.members)
    mapping = dict(pairs)
    needs = []
    origins = []
    for need in duplicate.needs:
        if need.status is not NeedStatus.OPEN:
            continue
        member = mapping.get(need.member_id) if need.member_id is not None else None
        needs.append(Need(sector=need.sector, description=need.description, member_id=member))
        origins.append(need.need_id)
    return needs, origins


# The handlers of the duplicate-resolution commands (the pipeline merges them in).
HANDLERS: dict[type[Any], Handler[Any]] = {
    MarkDistinct: Handler(check=_check_distinct, decide=_distinct),
    MergeDuplicate: Handler(check=_check_merge, decide=_merge),
    CloseAsDuplicate: Handler(check=_check_close, decide=_close),
}
