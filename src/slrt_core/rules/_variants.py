"""What a region changes without forking the rules: overrides, switch-offs, own programs.

A :class:`Variant` is what a province or district changes: parameter overrides from a
date (:class:`Override`), programs switched off (:class:`SwitchOff`), and its own
parameters, criteria and programs (a city health card), offered only inside its region.
These are plain values; :meth:`~slrt_core.rules.Rulebook.with_variants` checks and
applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from slrt_core.identity import RegionCode
from slrt_core.rules._criteria import Criterion
from slrt_core.rules._inputs import LiteralValue
from slrt_core.rules._parameters import Parameter
from slrt_core.rules._programs import Program

__all__ = ["Override", "SwitchOff", "Variant"]


@attrs.frozen(kw_only=True)
class Override:
    """A new value of an existing parameter, inside the variant's region, from a date.

    Args:
        parameter: the parameter name.
        value: the new value (same type as the parameter).
        valid_from: the first day it applies.
        valid_until: the last day it applies; ``None`` until the region sets another.
        source: the local regulation (Perda, Perbup, Perwali, SK).
        region: a region inside the variant's region; defaults to the variant's region.
        uncertain: the value is not yet confirmed.
        note: anything else a reader should know.

    .. versionadded:: 0.1.0
    """

    parameter: str
    value: LiteralValue
    valid_from: date
    valid_until: date | None = None
    source: str = ""
    region: RegionCode | None = None
    uncertain: bool = False
    note: str = ""


@attrs.frozen(kw_only=True)
class SwitchOff:
    """A program not offered inside the variant's region from a date.

    .. versionadded:: 0.1.0
    """

    program: str
    valid_from: date
    valid_until: date | None = None
    source: str = ""
    region: RegionCode | None = None


def _tuple_of_overrides(items: Iterable[Override]) -> tuple[Override, ...]:
    return tuple(items)


def _tuple_of_switch_offs(items: Iterable[SwitchOff]) -> tuple[SwitchOff, ...]:
    return tuple(items)


def _tuple_of_parameters(items: Iterable[Parameter]) -> tuple[Parameter, ...]:
    return tuple(items)


def _tuple_of_criteria(items: Iterable[Criterion]) -> tuple[Criterion, ...]:
    return tuple(items)


def _tuple_of_programs(items: Iterable[Program]) -> tuple[Program, ...]:
    return tuple(items)


@attrs.frozen(kw_only=True)
class Variant:
    """What a province, regency or city changes: overrides, switch-offs, own programs.

    Args:
        name: a short name (``kota-semarang-2025``).
        region: the region it applies in; nothing it changes reaches outside it.
        label_id: what it is, in Bahasa Indonesia.
        label_en: what it is, in English.
        source: its legal basis (Perda, Perbup, Perwali).
        overrides: parameter values it changes.
        switch_offs: programs it does not offer.
        parameters: its own parameters; their values are set for its region.
        criteria: its own criteria.
        programs: its own programs, offered only in its region.
        origins: where each part was read from (``file.toml:12``), for error messages.

    .. versionadded:: 0.1.0
    """

    name: str
    region: RegionCode
    label_id: str = ""
    label_en: str = ""
    source: str = ""
    overrides: tuple[Override, ...] = attrs.field(default=(), converter=_tuple_of_overrides)
    switch_offs: tuple[SwitchOff, ...] = attrs.field(default=(), converter=_tuple_of_switch_offs)
    parameters: tuple[Parameter, ...] = attrs.field(default=(), converter=_tuple_of_parameters)
    criteria: tuple[Criterion, ...] = attrs.field(default=(), converter=_tuple_of_criteria)
    programs: tuple[Program, ...] = attrs.field(default=(), converter=_tuple_of_programs)
    origins: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
