"""Fuzzing the boundary: structure() and the free-text commands never fail another way.

The strategies mix lone surrogates, NUL and other control characters, zero-width and
bidirectional characters, NaN and infinity, bools where numbers are meant, huge numbers
and texts, and deeply nested values into otherwise valid JSON for a household, and into
the free-text arguments of commands. Every outcome is a value or a
:class:`~slrt_core.SlrtError`; a refused command writes nothing (issue 12, "Must show").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slrt_core.adapters import MemoryStore, SqliteStore
from slrt_core.case import Need
from slrt_core.errors import SlrtError
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.serialization import canonical_json, converter, structure
from slrt_core.testing import sample_household, sample_slrt, sample_staff
from slrt_core.vocabulary import Channel, ComplaintKind, Sector

_CHARACTERS = st.characters(codec=None, categories=("L", "N", "P", "Z", "Cc", "Cf", "Cs", "Mn"))
NASTY_TEXT = st.one_of(
    st.text(_CHARACTERS, max_size=40),
    st.sampled_from(["abc\ud800def", "\x00", "a\u200bb", "\u202eevil", "e\u0301", "x" * 300]),
)
NASTY_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
)
DEEP = st.recursive(st.none() | NASTY_TEXT, lambda inner: st.lists(inner, max_size=2), max_leaves=8)
NASTY = st.one_of(NASTY_TEXT, NASTY_NUMBERS, DEEP, st.dictionaries(NASTY_TEXT, DEEP, max_size=2))

_VALID = converter.unstructure(sample_household())
_PATHS = [
    ("region",),
    ("members", 0, "name"),
    ("members", 0, "member_id"),
    ("members", 0, "monthly_income"),
    ("members", 0, "birth_date"),
    ("members", 0, "nik"),
    ("members", 1, "sex"),
    ("members",),
    ("registry", "decile"),
    ("housing", "electricity_va"),
    ("programs_received",),
]


def _with(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """*data* with *value* at *path*; unchanged where the path no longer leads anywhere."""
    if not path:
        return value
    if isinstance(data, list) and isinstance(path[0], int) and path[0] < len(data):
        copy: Any = list(data)
    elif isinstance(data, dict) and path[0] in data:
        copy = dict(data)
    else:
        return data
    copy[path[0]] = _with(copy[path[0]], path[1:], value)
    return copy


def _refusal(run: Any) -> SlrtError | None:
    """The SlrtError *run* raises, or None; any other exception fails the test."""
    try:
        run()
    except SlrtError as error:
        return error
    return None


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=st.lists(st.tuples(st.sampled_from(_PATHS), NASTY), min_size=1, max_size=3))
def test_structure_gives_a_household_or_a_library_error(changes: list[Any]) -> None:
    """Any mix of nasty values in a household's JSON is read or refused, never crashes."""
    data = _VALID
    for path, value in changes:
        data = _with(data, path, value)
    found: list[Household] = []
    error = _refusal(lambda: found.append(structure(data, Household)))
    if error is not None:
        assert error.message("id")
        return
    # What is accepted can enter a case's checks and the audit encoding without crashing.
    (household,) = found
    _refusal(lambda: household.problems_on(date(2026, 1, 5)))
    _refusal(lambda: canonical_json(converter.unstructure(household)))


def test_deep_nesting_anywhere_is_a_library_error() -> None:
    """A 5,000-deep value in any field is refused with a SlrtError."""
    for path in _PATHS:
        data = _with(_VALID, path, _nested(5_000))
        assert _refusal(lambda data=data: structure(data, Household)) is not None, path


def _written(store: Any) -> tuple[Any, ...]:
    return (
        tuple(store.audit_records()),
        tuple(store.find_cases(within=RegionCode.INDONESIA)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=NASTY_TEXT, sqlite=st.booleans())
def test_free_text_commands_accept_or_refuse_cleanly(text: str, sqlite: bool) -> None:
    """Findings, notes and descriptions: accepted, or a SlrtError that writes nothing."""
    store: Any = SqliteStore(":memory:") if sqlite else MemoryStore()
    try:
        slrt = sample_slrt(store)
        staff = sample_staff()
        case = slrt.register(
            staff.facilitator,
            sample_household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.HEALTH)],
        )
        commands = [
            lambda: slrt.assess(staff.facilitator, case.case_id, findings=text),
            lambda: slrt.close(staff.supervisor, case.case_id, reason="duplicate", note=text),
        ]
        for command in commands:
            before = _written(store)
            error = _refusal(command)
            if error is not None:
                assert error.message("id")
                assert _written(store) == before
    finally:
        store.close()
