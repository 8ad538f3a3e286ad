"""Programs: eligibility, benefit, sectors served, provider tier and overlaps.

Examples:
    >>> from datetime import date
    >>> from slrt_core.vocabulary import Sector, Tier
    >>> sembako = Program(
    ...     code="SEMBAKO", label_id="Program Sembako", label_en="Food assistance",
    ...     eligibility="registry_targeted",
    ...     benefit=FixedBenefit(amount="sembako.amount", period=Period.MONTH),
    ...     sectors=(Sector.FOOD,), tier=Tier.NATIONAL, offered_from=date(2020, 1, 1))
    >>> sembako.benefit.amount
    'sembako.amount'
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

import attrs

from slrt_core.rules._decision import Period
from slrt_core.vocabulary import Sector, Tier

__all__ = [
    "Component",
    "FixedBenefit",
    "InKindBenefit",
    "Overlap",
    "OverlapKind",
    "PerMemberBenefit",
    "Program",
]


@attrs.frozen(kw_only=True)
class FixedBenefit:
    """One amount per household (or per house, per group) per period.

    Args:
        amount: the parameter holding the amount in Rupiah.
        period: how often it is paid.
        unit: what the amount is for: ``household``, ``house``, ``group``.
        shared_by: the parameter holding how many households share one amount (a KUBE
            grant per group of 10 families): each household's benefit is its share,
            ``amount // shared_by``, so totals over households count the grant once.

    .. versionadded:: 0.1.0
    """

    amount: str
    period: Period
    unit: str = "household"
    shared_by: str | None = None


@attrs.frozen(kw_only=True)
class Component:
    """A member component of a per-member benefit: who qualifies, and for how much.

    .. versionadded:: 0.1.0
    """

    criterion: str
    amount: str


def _components(components: Iterable[Component]) -> tuple[Component, ...]:
    return tuple(components)


@attrs.frozen(kw_only=True)
class PerMemberBenefit:
    """An amount per qualifying member, optionally capped per household.

    Each member counts once, for its highest component; with a *cap* only the *cap*
    highest members count (PKH: at most 4 per family).

    Args:
        components: member criteria with the parameter holding their amount.
        period: how often it is paid.
        cap: the parameter holding the most members counted per household, or ``None``.

    .. versionadded:: 0.1.0
    """

    components: tuple[Component, ...] = attrs.field(converter=_components)
    period: Period
    cap: str | None = None


@attrs.frozen(kw_only=True)
class InKindBenefit:
    """A service or an in-kind benefit without an amount (a subsidised tariff, a KTP).

    .. versionadded:: 0.1.0
    """

    description_id: str
    description_en: str


BenefitRule = FixedBenefit | PerMemberBenefit | InKindBenefit


class OverlapKind(enum.StrEnum):
    """How two programs overlap.

    ``EXCLUDES``: not given to a household eligible for, or already receiving, the other
    program. ``DUPLICATES``: the same aid as the other program; not given to a household
    already receiving it.

    .. versionadded:: 0.1.0
    """

    EXCLUDES = "excludes"
    DUPLICATES = "duplicates"


@attrs.frozen(kw_only=True)
class Overlap:
    """This program excludes or duplicates another one (see :class:`OverlapKind`).

    .. versionadded:: 0.1.0
    """

    program: str
    kind: OverlapKind
    note: str = ""


def _sectors(sectors: Iterable[Sector]) -> tuple[Sector, ...]:
    return tuple(sectors)


def _overlaps(overlaps: Iterable[Overlap]) -> tuple[Overlap, ...]:
    return tuple(overlaps)


@attrs.frozen(kw_only=True)
class Program:
    """A program a household can be referred to.

    Args:
        code: upper-case code (``PKH``, ``PBI_JK``).
        label_id: the program name in Bahasa Indonesia.
        label_en: the program name in English.
        eligibility: the criterion (household scope) that decides eligibility.
        benefit: what an eligible household receives.
        sectors: the needs it serves.
        tier: the level of the provider.
        offered_from: the first day it is offered (in the variant's region for a local
            program).
        reference: its legal basis and sources.
        overlaps: programs it excludes or duplicates.
        monotone_in_income: the program says a richer household is never more eligible:
            raising a member's monthly income or the household's DTSEN welfare decile
            never turns "not eligible" into "eligible".
            :func:`slrt_core.testing.check_variant` checks it.

    .. versionadded:: 0.1.0
    """

    code: str
    label_id: str
    label_en: str
    eligibility: str
    benefit: BenefitRule
    sectors: tuple[Sector, ...] = attrs.field(converter=_sectors)
    tier: Tier
    offered_from: date
    reference: str = ""
    overlaps: tuple[Overlap, ...] = attrs.field(default=(), converter=_overlaps)
    monotone_in_income: bool = False


def offered_param(code: str) -> str:
    """The yes/no parameter that switches program *code* on or off by region and date.

    Examples:
        >>> offered_param("KUBE")
        'programs.KUBE.offered'
    """
    return f"programs.{code}.offered"
