"""What a region changes without forking the rules: overrides, switch-offs, own programs.

A :class:`Variant` is what a province or district changes: parameter overrides from a
date (:class:`Override`), programs switched off (:class:`SwitchOff`), and its own
parameters, criteria and programs (a city health card), offered only inside its region.
These are plain values; :meth:`~slrt_core.rules.Rulebook.with_variants` checks and
applies them.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from slrt_core.identity import RegionCode
from slrt_core.rules._criteria import Criterion
from slrt_core.rules._inputs import LiteralValue
from slrt_core.rules._parameters import Parameter
from slrt_core.rules._programs import Program

__all__ = ["Approval", "Intent", "Override", "SwitchOff", "Variant", "VariantStatus"]


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
        acknowledge: why a value outside the parameter's plausible range is meant
            (``"Perwal draft: from 55, agreed with Dinas Sosial"``); without it
            :func:`~slrt_core.testing.check_variant` fails on such a value.

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
    acknowledge: str = ""


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


def _tuple_of_codes(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


@attrs.frozen(kw_only=True)
class Intent:
    """What a variant means to change: which programs, where, and when.

    :func:`~slrt_core.testing.check_variant` proves everything else unchanged: the
    same decisions as the rules without the variant outside *region*, before
    *valid_from*, after *valid_until*, and for every program not in *programs*.

    Args:
        programs: the program codes the variant means to change (its own included).
        valid_from: the first day of the change.
        valid_until: the last day; ``None`` when the change has no end.
        region: where it changes them; the variant's region by default.

    Examples:
        >>> Intent(programs=["PKH"], valid_from=date(2026, 1, 1)).programs
        ('PKH',)

    .. versionadded:: 0.1.0
    """

    programs: tuple[str, ...] = attrs.field(converter=_tuple_of_codes)
    valid_from: date
    valid_until: date | None = None
    region: RegionCode | None = None


class VariantStatus(enum.StrEnum):
    """Where a variant stands: a draft under review, or approved by a decree.

    .. versionadded:: 0.1.0
    """

    DRAFT = "draft"
    APPROVED = "approved"


@attrs.frozen(kw_only=True)
class Approval:
    """Who approved a variant, under which decree, and which revision it is.

    Args:
        status: draft or approved.
        revision: the revision number (1, 2, ...), to tell revisions of one variant apart.
        decree: the decree or regulation (``"Perwal Kota Bekasi No. 12 Tahun 2025"``);
            required once approved.
        approved_by: who approved it (name and office); required once approved.
        approved_on: the day it was approved; required once approved.

    The approval is not part of the rules: approving a revision does not change its
    content hash (:attr:`Variant.content_hash`).

    .. versionadded:: 0.1.0
    """

    status: VariantStatus = VariantStatus.DRAFT
    revision: int = 1
    decree: str = ""
    approved_by: str = ""
    approved_on: date | None = None

    def problems(self) -> list[tuple[str, str, str]]:
        """``(key, en, id)`` for each missing piece of an approval."""
        if self.status is not VariantStatus.APPROVED:
            return []
        wanted = (
            ("decree", self.decree, "the decree reference", "rujukan keputusannya"),
            ("approved_by", self.approved_by, "who approved it", "siapa yang menyetujui"),
            ("approved_on", self.approved_on, "the approval date", "tanggal persetujuan"),
        )
        return [
            (
                key,
                f"An approved variant needs {en}; write {key} or set the status to draft.",
                (
                    f"Varian yang disetujui memerlukan {id_}; tulis {key} atau ubah status "
                    "menjadi draft."
                ),
            )
            for key, value, en, id_ in wanted
            if not value
        ]


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
        intent: what it means to change (programs, region, dates), which
            :func:`~slrt_core.testing.check_variant` holds it to.
        approval: its status, revision, decree and approver.

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
    intent: Intent | None = None
    approval: Approval = attrs.field(factory=Approval)

    @property
    def content_hash(self) -> str:
        """A SHA-256 of what the variant changes (its approval left out).

        Two revisions with the same rules have the same hash, approved or not.

        Examples:
            >>> a = Variant(name="x", region=RegionCode("33.74"))
            >>> b = attrs.evolve(a, approval=Approval(revision=2))
            >>> a.content_hash == b.content_hash, len(a.content_hash)
            (True, 64)
        """
        return hashlib.sha256(rules_repr(self).encode()).hexdigest()


def rules_repr(variant: Variant) -> str:
    """The variant's rules as text, for hashing: its approval left out."""
    return repr(attrs.evolve(variant, approval=Approval()))
