"""What the evaluators return: decisions, benefits and explanation trees.

Every value here is a frozen attrs class of plain types (str, int, date, tuples, enums,
string-keyed mappings), so one :class:`cattrs.Converter` unstructures and structures it.
Input values in an explanation are kept as text (``"true"``, ``"600000"``, ``"severe"``):
they are shown to people, not computed with.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Literal

import attrs

from slrt_core import formatting
from slrt_core.rules._wording import input_path, input_text, parameter_value

__all__ = [
    "Benefit",
    "BenefitLine",
    "Decision",
    "Explanation",
    "Outcome",
    "ParameterUsed",
    "Period",
    "Status",
]

Language = Literal["en", "id"]


class Status(enum.StrEnum):
    """The decision on one program for one household.

    ``NEEDS_VERIFICATION`` means an input the rules need is missing: the decision lists
    which (:attr:`Decision.missing`). It is never turned into ``NOT_ELIGIBLE`` silently.

    .. versionadded:: 0.1.0
    """

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_VERIFICATION = "needs_verification"

    def label(self, language: Language = "en") -> str:
        """The status for people, in *language*.

        Examples:
            >>> Status.NEEDS_VERIFICATION.label("id")
            'perlu verifikasi'
        """
        return _STATUS_LABELS[self][language]


_STATUS_LABELS = {
    Status.ELIGIBLE: {"en": "eligible", "id": "layak"},
    Status.NOT_ELIGIBLE: {"en": "not eligible", "id": "tidak layak"},
    Status.NEEDS_VERIFICATION: {"en": "needs verification", "id": "perlu verifikasi"},
}


class Outcome(enum.StrEnum):
    """The three-valued outcome of one criterion: a missing input gives ``UNKNOWN``.

    .. versionadded:: 0.1.0
    """

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


class Period(enum.StrEnum):
    """How often a benefit amount is paid.

    .. versionadded:: 0.1.0
    """

    MONTH = "month"
    YEAR = "year"
    ONCE = "once"


_OUTCOME_MARK = {Outcome.TRUE: "[v]", Outcome.FALSE: "[x]", Outcome.UNKNOWN: "[?]"}
_OUTCOME_WORD = {
    Outcome.TRUE: {"en": "yes", "id": "ya"},
    Outcome.FALSE: {"en": "no", "id": "tidak"},
    Outcome.UNKNOWN: {"en": "unknown", "id": "tidak diketahui"},
}
_PERIOD_WORD = {
    Period.MONTH: {"en": "per month", "id": "per bulan"},
    Period.YEAR: {"en": "per year", "id": "per tahun"},
    Period.ONCE: {"en": "once", "id": "sekali"},
}


def _day(value: date, language: Language) -> str:
    """A date in an explanation: ISO in English (for rule writers), in words in Indonesian."""
    return value.isoformat() if language == "en" else formatting.day(value, language)


def rupiah(amount: int, language: Language = "id") -> str:
    """An amount of Rupiah as staff of *language* write it (Babel, see formatting.money).

    Examples:
        >>> rupiah(3_000_000), rupiah(3_000_000, "en")
        ('Rp3.000.000', 'Rp3,000,000')
    """
    return formatting.money(amount, language)


@attrs.frozen(kw_only=True, cache_hash=True)
class ParameterUsed:
    """A parameter value a criterion or benefit used, with where it comes from.

    Attributes:
        name: the parameter name, such as ``pkh.elderly_min_age``.
        value: the value as text (lists joined with ``", "``).
        unit: the unit (``IDR/year``, ``years``, ``VA``), or ``""``.
        valid_from: the first day this value applies.
        valid_until: the last day it applies, or ``None`` until replaced.
        region: the region layer it was read from (``""`` for national).
        source: the legal reference or source it was taken from.
        source_id: the same in Bahasa Indonesia, when it differs (``""`` otherwise).
        uncertain: the source is uncertain (marked † in the reference); verify it.

    .. versionadded:: 0.1.0
    """

    name: str
    value: str
    unit: str = ""
    valid_from: date
    valid_until: date | None = None
    region: str = ""
    source: str = ""
    uncertain: bool = False
    source_id: str = ""

    def render(self, language: Language = "en") -> str:
        """One line: name, value, effective date, region and source.

        Examples:
            >>> p = ParameterUsed(name="sembako.amount", value="200000", unit="IDR/month",
            ...                   valid_from=date(2020, 1, 1), source="[23][24]")
            >>> p.render("id")
            'sembako.amount = Rp200.000 per bulan (berlaku sejak 1 Januari 2020, nasional; sumber: [23][24])'
            >>> p.render("en")
            'sembako.amount = 200000 IDR/month (from 2020-01-01, national; source: [23][24])'
        """  # noqa: E501 - doctest output is one line
        since = "from" if language == "en" else "berlaku sejak"
        where = self.region or ("national" if language == "en" else "nasional")
        if self.region:
            where = ("region " if language == "en" else "wilayah ") + self.region
        source = "source" if language == "en" else "sumber"
        shown = self.source_id if language == "id" and self.source_id else self.source
        until = ""
        if self.valid_until is not None:
            until = (" until " if language == "en" else " sampai ") + _day(
                self.valid_until, language
            )
        flag = ""
        if self.uncertain:
            flag = " † uncertain, verify" if language == "en" else " † belum pasti, verifikasi"
        return (
            f"{self.name} = {parameter_value(self.value, self.unit, language)} "
            f"({since} {_day(self.valid_from, language)}{until}, "
            f"{where}; {source}: {shown or '-'}){flag}"
        )


@attrs.frozen(kw_only=True, slots=False)
class Explanation:
    """One criterion's outcome for one household, with what it used: a tree.

    Attributes:
        criterion: the criterion name (a program code at the root).
        label_id: the criterion in Bahasa Indonesia.
        label_en: the criterion in English.
        outcome: true, false or unknown.
        reference: the legal reference of the criterion.
        inputs: the inputs it read, by path (``decile``, ``members[m2].pregnant``), as text;
            ``None`` when missing.
        members: for a criterion about each member, the outcome per member id.
        parameters: the parameter values it compared with.
        children: the criteria it is made of.

    Explanations have no slots so that the evaluators can build many of them quickly;
    they are still frozen.

    .. versionadded:: 0.1.0
    """

    criterion: str
    label_id: str
    label_en: str
    outcome: Outcome
    reference: str = ""
    inputs: Mapping[str, str | None] = attrs.field(factory=dict)
    members: Mapping[str, Outcome] = attrs.field(factory=dict)
    parameters: tuple[ParameterUsed, ...] = ()
    children: tuple[Explanation, ...] = ()

    def label(self, language: Language = "en") -> str:
        """The criterion in *language*."""
        return self.label_en if language == "en" else self.label_id

    def walk(self) -> Iterator[Explanation]:
        """This node and every node below it, depth first.

        Examples:
            >>> leaf = Explanation(criterion="a", label_id="A", label_en="A",
            ...                    outcome=Outcome.TRUE)
            >>> root = Explanation(criterion="r", label_id="R", label_en="R",
            ...                    outcome=Outcome.TRUE, children=(leaf,))
            >>> [n.criterion for n in root.walk()]
            ['r', 'a']
        """
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, criterion: str) -> Explanation | None:
        """The first node for *criterion*, or ``None``."""
        return next((n for n in self.walk() if n.criterion == criterion), None)

    def render(self, language: Language = "en", *, indent: int = 0) -> str:
        """The tree as indented text, one criterion a line, in *language*.

        Examples:
            >>> node = Explanation(criterion="in_registry", label_id="Terdaftar di DTSEN",
            ...                    label_en="Listed in DTSEN", outcome=Outcome.UNKNOWN,
            ...                    inputs={"in_registry": None})
            >>> print(node.render("id"))
            [?] Terdaftar di DTSEN: tidak diketahui (Terdaftar di DTKS/DTSEN = tidak ada data)
            >>> print(node.render("en"))
            [?] Listed in DTSEN: unknown (in_registry = missing)
        """
        return "\n".join(self._lines(language, indent))

    def _lines(self, language: Language, depth: int) -> Iterator[str]:
        pad = "  " * depth
        text = f"{pad}{_OUTCOME_MARK[self.outcome]} {self.label(language)}: "
        text += _OUTCOME_WORD[self.outcome][language]
        if self.inputs:
            shown = ", ".join(input_text(k, v, language) for k, v in self.inputs.items())
            text += f" ({shown})"
        if self.members:
            word = "members" if language == "en" else "anggota"
            shown = ", ".join(f"{k}: {_OUTCOME_WORD[v][language]}" for k, v in self.members.items())
            text += f" [{word} {shown}]"
        yield text
        for used in self.parameters:
            yield f"{pad}    - {used.render(language)}"
        for child in self.children:
            yield from child._lines(language, depth + 1)  # noqa: SLF001 - same class


@attrs.frozen(kw_only=True, slots=False)
class BenefitLine:
    """One part of a benefit: a member's component, or the household amount.

    Attributes:
        component: the criterion that earned it (``pkh_pregnant``), or the program code.
        member_id: the member, or ``""`` for the household.
        amount: Rupiah for the benefit period.

    .. versionadded:: 0.1.0
    """

    component: str
    member_id: str = ""
    amount: int


@attrs.frozen(kw_only=True, slots=False)
class Benefit:
    """What an eligible household receives from one program.

    Attributes:
        amount: Rupiah per :attr:`period` for the household, or ``None`` for a service or
            an in-kind benefit (see :attr:`description_en`).
        period: how often the amount is paid.
        unit: what one amount is for: ``household``, ``house`` or ``group``.
        complete: ``False`` when a missing input could change the amount (the amount is
            then what the known inputs give).
        uncertain: a parameter value used is marked uncertain (†) in its source.
        lines: the parts that add up to the amount (members and their components).
        description_id: the benefit in Bahasa Indonesia.
        description_en: the benefit in English.

    .. versionadded:: 0.1.0
    """

    amount: int | None
    period: Period | None = None
    unit: str = "household"
    complete: bool = True
    uncertain: bool = False
    lines: tuple[BenefitLine, ...] = ()
    description_id: str = ""
    description_en: str = ""

    def render(self, language: Language = "en") -> str:
        """The benefit in one line.

        Examples:
            >>> Benefit(amount=200_000, period=Period.MONTH).render("id")
            'Rp200.000 per bulan'
        """
        if self.amount is None:
            return self.description_en if language == "en" else self.description_id
        text = (
            f"{rupiah(self.amount, language)} {_PERIOD_WORD[self.period or Period.ONCE][language]}"
        )
        if self.unit not in {"household", "family"}:
            text += f" (per {self.unit})"
        if not self.complete:
            text += (
                " (at least; an input is missing)"
                if language == "en"
                else " (paling sedikit; ada data yang kurang)"
            )
        if self.uncertain:
            text += " †"
        return text


@attrs.frozen(kw_only=True, slots=False)
class Decision:
    """The decision on one program for one household on one date.

    Attributes:
        program: the program code (``PKH``).
        label_id: the program name in Bahasa Indonesia.
        label_en: the program name in English.
        status: eligible, not eligible or needs verification.
        benefit: what the household receives when eligible, else ``None``.
        missing: when it needs verification, the inputs to collect, by path
            (``decile``, ``members[m2].pregnant``); empty otherwise.
        explanation: the criteria tree with outcomes, inputs and parameters.
        on: the evaluation date.
        region: the household's region code.

    Decisions have no slots so that the evaluators can build many of them quickly; they
    are still frozen.

    .. versionadded:: 0.1.0
    """

    program: str
    label_id: str
    label_en: str
    status: Status
    benefit: Benefit | None = None
    missing: tuple[str, ...] = ()
    explanation: Explanation
    on: date
    region: str

    @property
    def eligible(self) -> bool:
        """Whether the status is eligible."""
        return self.status is Status.ELIGIBLE

    @property
    def uncertain(self) -> bool:
        """Whether a parameter used is marked uncertain (†) in its source."""
        return any(p.uncertain for n in self.explanation.walk() for p in n.parameters) or bool(
            self.benefit and self.benefit.uncertain
        )

    def render(self, language: Language = "en") -> str:
        """The decision, its benefit, missing inputs and explanation, as text.

        Examples:
            >>> tree = Explanation(criterion="X", label_id="Program X", label_en="Program X",
            ...                    outcome=Outcome.FALSE)
            >>> d = Decision(program="X", label_id="Program X", label_en="Program X",
            ...              status=Status.NOT_ELIGIBLE, explanation=tree,
            ...              on=date(2025, 1, 1), region="33.74.01.1001")
            >>> print(d.render("id"))
            X (Program X): tidak layak
            [x] Program X: tidak
        """
        label = self.label_en if language == "en" else self.label_id
        lines = [f"{self.program} ({label}): {self.status.label(language)}"]
        if self.benefit is not None:
            word = "Benefit" if language == "en" else "Manfaat"
            lines.append(f"{word}: {self.benefit.render(language)}")
        if self.missing:
            word = "Collect" if language == "en" else "Lengkapi data"
            lines.append(f"{word}: {', '.join(input_path(m, language) for m in self.missing)}")
        lines.append(self.explanation.render(language))
        return "\n".join(lines)
