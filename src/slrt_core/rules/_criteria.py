"""Criteria as data: named nodes of a small expression tree.

A :class:`Criterion` has a name, labels in Bahasa Indonesia and English, a legal reference
and a *test*. A test is one of:

- :class:`Compare` ``(left, op, right)``: ``left`` is an :class:`Input`, a member
  aggregate (:class:`MemberSum`, :class:`PerCapita`, :class:`MemberCount`); ``right`` is
  a :class:`Param` (a dated, regional parameter) or a :class:`Value` (a literal);
- :class:`AllOf`, :class:`AnyOf`, :class:`Not`, :class:`AtLeast` over other criteria,
  referenced by name;
- :class:`MemberAny`: a member criterion holds for at least one member;
- :class:`Flag`: a yes/no parameter is yes (a program switched on for a region);
- :class:`Eligible`: the household is eligible for another program.

A criterion about a member input (``age``) is evaluated per member; the rest once per
household. Logic is three-valued (Kleene): a missing input is unknown, ``AllOf`` is false
as soon as one part is false, ``AnyOf`` true as soon as one part is true.

Examples:
    >>> Criterion(name="elderly", label_id="Lansia", label_en="Elderly",
    ...           test=Compare(Input("age"), ">=", Param("pkh.elderly_min_age")))
    ... # doctest: +ELLIPSIS
    Criterion(name='elderly', ...)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs

from slrt_core.rules._inputs import LiteralValue, as_literal

__all__ = [
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Compare",
    "Criterion",
    "Eligible",
    "Flag",
    "Input",
    "MemberAny",
    "MemberCount",
    "MemberSum",
    "Not",
    "Param",
    "PerCapita",
    "Value",
]

Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
OPS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
ORDER_OPS = frozenset({"<", "<=", ">", ">="})
LIST_OPS = frozenset({"in", "not in"})


def _names(value: Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class Input:
    """An input of the household or of each member, by name (``age``, ``decile``).

    .. versionadded:: 0.1.0
    """

    name: str


@attrs.frozen
class Param:
    """A parameter, resolved for the household's region and the evaluation date.

    .. versionadded:: 0.1.0
    """

    name: str


@attrs.frozen
class Value:
    """A literal: a bool, an int, a text, or a list of ints or texts (for ``in``).

    .. versionadded:: 0.1.0
    """

    value: LiteralValue = attrs.field(converter=as_literal)


@attrs.frozen
class MemberSum:
    """The sum of a member input over the household (unknown if any member's is missing).

    .. versionadded:: 0.1.0
    """

    input: str


@attrs.frozen
class PerCapita:
    """The sum of a member input over the household divided by its number of members.

    .. versionadded:: 0.1.0
    """

    input: str


@attrs.frozen
class MemberCount:
    """How many members meet a member criterion (unknown if any member's is unknown).

    .. versionadded:: 0.1.0
    """

    criterion: str


Left = Input | MemberSum | PerCapita | MemberCount
Right = Param | Value


@attrs.frozen
class Compare:
    """``left op right``: an input or member aggregate against a parameter or literal.

    ``op`` is one of ``== != < <= > >= in`` and ``not in``; ``<`` and the like need an
    int on both sides, ``in`` a list on the right.

    .. versionadded:: 0.1.0
    """

    left: Left
    op: Op
    right: Right


@attrs.frozen
class AllOf:
    """Every criterion holds (false as soon as one is false).

    .. versionadded:: 0.1.0
    """

    criteria: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class AnyOf:
    """At least one criterion holds (true as soon as one is true).

    .. versionadded:: 0.1.0
    """

    criteria: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class Not:
    """The criterion does not hold (unknown stays unknown).

    .. versionadded:: 0.1.0
    """

    criterion: str


@attrs.frozen
class AtLeast:
    """At least *k* of the criteria hold.

    .. versionadded:: 0.1.0
    """

    k: int
    criteria: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class MemberAny:
    """A member criterion holds for at least one member of the household.

    .. versionadded:: 0.1.0
    """

    criterion: str


@attrs.frozen
class Flag:
    """A yes/no parameter is yes for the household's region on the date.

    .. versionadded:: 0.1.0
    """

    param: str


@attrs.frozen
class Eligible:
    """The household is eligible for another program of the rulebook.

    .. versionadded:: 0.1.0
    """

    program: str


Test = Compare | AllOf | AnyOf | Not | AtLeast | MemberAny | Flag | Eligible


@attrs.frozen(kw_only=True)
class Criterion:
    """A named, labelled criterion with its legal reference.

    Args:
        name: snake_case name, unique in the rulebook (``pkh_pregnant``).
        test: what it checks.
        label_id: the criterion in Bahasa Indonesia, as staff and citizens read it.
        label_en: the same in English.
        reference: the regulation or source it comes from.

    .. versionadded:: 0.1.0
    """

    name: str
    test: Test
    label_id: str
    label_en: str
    reference: str = ""


def criterion_refs(test: Test) -> tuple[str, ...]:
    """The criteria a test refers to by name.

    Examples:
        >>> criterion_refs(AtLeast(2, ["a", "b", "c"]))
        ('a', 'b', 'c')
        >>> criterion_refs(Compare(MemberCount("child"), ">=", Value(1)))
        ('child',)
    """
    if isinstance(test, (AllOf, AnyOf, AtLeast)):
        return test.criteria
    if isinstance(test, (Not, MemberAny)):
        return (test.criterion,)
    if isinstance(test, Compare) and isinstance(test.left, MemberCount):
        return (test.left.criterion,)
    return ()


def param_refs(test: Test) -> tuple[str, ...]:
    """The parameters a test reads directly."""
    if isinstance(test, Flag):
        return (test.param,)
    if isinstance(test, Compare) and isinstance(test.right, Param):
        return (test.right.name,)
    return ()


def input_refs(test: Test) -> tuple[str, ...]:
    """The inputs a test reads directly."""
    if isinstance(test, Compare):
        left = test.left
        if isinstance(left, Input):
            return (left.name,)
        if isinstance(left, (MemberSum, PerCapita)):
            return (left.input,)
    return ()
