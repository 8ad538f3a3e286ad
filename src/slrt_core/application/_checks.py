"""Shape checks of command arguments: pure, before anything is read or written.

Each check refuses with an :class:`~slrt_core.InvalidInputError` (or adds a
:class:`~slrt_core.errors.Problem` to a list, to report every problem at once). Domain
rules are not here: they are methods of the values that own them (``Case``,
``Service``, ``Consent``, ``Household``) and of the lifecycles.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from slrt_core.case._model import Need, NeedStatus
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.vocabulary import Sector

__all__ = [
    "MAX_ID",
    "check_enum",
    "check_id",
    "check_note",
    "check_region",
    "check_when",
    "enum_value",
    "household_problems",
    "items",
    "listed",
    "number_needs",
    "recipient_problems",
    "require_text",
]

E = TypeVar("E", bound=enum.Enum)

#: The longest id accepted: far above any UUID or region code, far below a flood.
MAX_ID = 200


def enum_value(cls: type[E], value: Any, path: str, problems: list[Problem]) -> E:
    """*value* as a member of *cls*; else a problem is added and the first member returned."""
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        allowed_id = allowed.replace(", ", "`, `")
        problems.append(
            Problem(
                path,
                f"{value!r} is not a valid {cls.__name__}; use one of: {allowed}.",
                f"`{value}` bukan `{cls.__name__}` yang sah; gunakan salah satu: `{allowed_id}`.",
            )
        )
        return next(iter(cls))


def check_enum(cls: type[E], value: Any, path: str) -> E:
    """*value* as a member of *cls*; refused when it is none.

    Raises:
        InvalidInputError: *value* is not a member of *cls* (the message lists them).
    """
    problems: list[Problem] = []
    member = enum_value(cls, value, path, problems)
    if problems:
        raise InvalidInputError(problems)
    return member


def check_id(value: object, path: str) -> None:
    """Refuse an id that is not non-empty text (before it reaches a store or index)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
        raise InvalidInputError.single(
            path,
            f"{path} must be an id: non-empty text of at most {MAX_ID} characters.",
            f"{path} harus berupa id: teks tidak kosong paling banyak {MAX_ID} karakter.",
        )


def check_note(value: object, path: str) -> None:
    """Refuse optional free text (a note) that is not text."""
    if not isinstance(value, str):
        raise InvalidInputError.single(
            path,
            f"{path} must be text (it may be empty), not a {type(value).__name__}.",
            f"{path} harus berupa teks (boleh kosong), bukan `{type(value).__name__}`.",
        )


def check_when(value: object, path: str) -> None:
    """Refuse a time that is not an aware datetime."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInputError.single(
            path,
            f"{path} must be an aware datetime (with a time zone, such as UTC).",
            f"{path} harus berupa `datetime` dengan zona waktu (misalnya UTC).",
        )


def check_region(value: object, path: str) -> None:
    """Refuse a region that is not a :class:`~slrt_core.RegionCode`."""
    if value is not None and not isinstance(value, RegionCode):
        raise InvalidInputError.single(
            path,
            f"{path} must be a RegionCode such as RegionCode('33.74'), not {type(value).__name__}.",
            f"{path} harus `RegionCode` seperti `RegionCode('33.74')`, bukan "
            f"`{type(value).__name__}`.",
        )


def require_text(value: object, path: str) -> None:
    """Refuse a value that is not non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError.single(
            path,
            f"{path} must be a non-empty text.",
            f"{path} wajib diisi dengan teks.",
        )


def items(values: Iterable[Any]) -> list[Any]:
    """*values* as a list; a single string (or any non-iterable) is one item."""
    given: object = values
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        return [given]
    return list(given)


def listed(values: Any) -> Any:
    """*values* as a list when it is a non-text iterable (read once); else as given."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        return values
    return list(values)


def recipient_problems(recipients: object) -> list[Problem]:
    """A problem unless *recipients* is a list of provider ids (or ``"*"``) as text."""
    if isinstance(recipients, list) and all(isinstance(r, str) for r in recipients):
        return []
    return [
        Problem(
            "recipients",
            "Give recipients as a list of provider ids as text, such as ['bpjs-semarang'], "
            "or ['*'] for any provider.",
            "Berikan penerima sebagai daftar id penyedia berupa teks, misalnya "
            "`['bpjs-semarang']`, atau `['*']` untuk semua penyedia.",
        )
    ]


def household_problems(household: object, today: date) -> list[Problem]:
    """Every problem of *household* on *today* (one, if it is not a Household at all)."""
    if not isinstance(household, Household):
        return [
            Problem(
                "household",
                f"Expected a Household, got {type(household).__name__}. Build it with "
                "slrt_core.Household(...).",
                f"Diharapkan `Household`, diterima `{type(household).__name__}`.",
            )
        ]
    return household.problems_on(today)


def number_needs(
    needs: Sequence[Need], household: object, problems: list[Problem], *, start: int
) -> list[Need]:
    """*needs* numbered ``n<start>``, ``n<start+1>``...; their problems go to *problems*."""
    numbered: list[Need] = []
    members = (
        {m.member_id for m in household.members} if isinstance(household, Household) else set()
    )
    given: object = needs  # callers may pass anything; check it
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        problems.append(
            Problem(
                "needs",
                f"Give the needs as a list of Need values, not a {type(given).__name__}.",
                f"Berikan kebutuhan sebagai daftar nilai `Need`, bukan `{type(given).__name__}`.",
            )
        )
        return numbered
    for i, need in enumerate(given):
        if not isinstance(need, Need):
            problems.append(
                Problem(
                    f"needs[{i}]",
                    f"Expected a Need, got {type(need).__name__}.",
                    f"Diharapkan `Need`, diterima `{type(need).__name__}`.",
                )
            )
            continue
        if need.member_id is not None and need.member_id not in members:
            problems.append(
                Problem(
                    f"needs[{i}].member_id",
                    f"The household has no member {need.member_id!r}.",
                    f"Rumah tangga tidak punya anggota {need.member_id!r}.",
                )
            )
        numbered.append(
            Need(
                sector=enum_value(Sector, need.sector, f"needs[{i}].sector", problems),
                description=need.description,
                member_id=need.member_id,
                need_id=f"n{start + len(numbered)}",
                status=NeedStatus.OPEN,
            )
        )
    return numbered
