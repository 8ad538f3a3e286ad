"""Intake de-duplication: is this household already a case?

Pure and self-contained: names normalised by Indonesian rules (:func:`normalise_name`),
turned into keyed tokens (:class:`BlindIndexer`), filed in a candidate index
(:class:`MemoryCandidateIndex`) and scored by Fellegi-Sunter weights
(:func:`score_households`), so the check runs with personal data sealed: the index never
holds a name, a birth date or a village code in clear. Why and how:
docs/explanation/deduplication.md.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from slrt_core.dedup._index import MemoryCandidateIndex, check_intake, match_intake
from slrt_core.dedup._labelled import (
    LabelledPair,
    generated_pairs,
    hand_written_pairs,
    labelled_pairs,
    synthetic_household,
    villages,
)
from slrt_core.dedup._normalise import compact_name, name_parts, normalise_name, phonetic_key
from slrt_core.dedup._score import (
    LIKELY,
    MEMBER_BONUS,
    MEMBER_MATCH,
    NO_OTHER_MEMBER,
    Agreement,
    MatchDecision,
    MatchResult,
    MemberMatch,
    decision_of,
    explain_flagged,
    score_households,
    score_members,
)
from slrt_core.dedup._tokens import BlindIndexer, HouseholdTokens, MemberTokens

__all__ = [
    "LIKELY",
    "MEMBER_BONUS",
    "MEMBER_MATCH",
    "NO_OTHER_MEMBER",
    "Agreement",
    "BlindIndexer",
    "HouseholdTokens",
    "LabelledPair",
    "MatchDecision",
    "MatchResult",
    "MemberMatch",
    "MemberTokens",
    "MemoryCandidateIndex",
    "check_intake",
    "compact_name",
    "decision_of",
    "explain_flagged",
    "generated_pairs",
    "hand_written_pairs",
    "labelled_pairs",
    "match_intake",
    "name_parts",
    "normalise_name",
    "phonetic_key",
    "score_households",
    "score_members",
    "synthetic_household",
    "villages",
]
