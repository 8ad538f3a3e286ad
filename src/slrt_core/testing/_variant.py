"""Property checks a local rule variant must pass before a district relies on it.

:func:`check_variant` draws valid households inside the variant's region with
Hypothesis (derandomized, no example database: the same variant gives the same report
on every machine and every run) and checks five properties:

``deterministic``
    The same household, date and rules give the same decisions: twice in a row, on a
    rulebook rebuilt from the same definitions, and in the vectorised screen.
``no_crash``
    Deciding and screening a valid household never raises.
``monotone_in_income``
    For each program that declares ``monotone_in_income``: raising a member's monthly
    income or the household's DTSEN decile never turns "not eligible" into "eligible".
``routable``
    Every program a household is eligible for has an active service in the directory
    that delivers it and whose area covers the household's village.
``explained``
    Every criterion in every explanation has a label in both languages; a comparison
    shows the inputs it read; a threshold it used is cited with its effective date and
    its source.

``plausible``
    Every value the variant sets lies in its parameter's plausible range (an elderly
    age of 6 is a valid age and almost surely a typo of 65), or the override says why
    with ``acknowledge``.

When the variant declares its :class:`~slrt_core.rules.Intent` (programs, region,
from, until), four differential checks compare its decisions with those of the rules
without it, which must be the same:

``unchanged_outside_region``
    for households outside the intended region (neighbouring regions and another
    province), on the intended dates;
``unchanged_before``
    inside the region, the day before the intended start;
``unchanged_after``
    inside the region, the day after the intended end (an override without ``until``
    fails it);
``unchanged_other_programs``
    inside the region and dates, for every program not in the intent.

Each first checks the boundary households of every changed parameter (value - 1,
value, value + 1 and the old value, or every value of a small discrete input, see
:mod:`slrt_core.rules._differences`), then households Hypothesis draws. The report
also lists the parameter changes and, per program, the ranges of inputs where
decisions differ (:attr:`VariantReport.differences`), each with a household.

A failing check keeps the smallest household Hypothesis finds (shrunk), per program, so
the report says exactly what to look at.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Literal

import attrs
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from slrt_core.household import Household
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.referral._directory import ServiceDirectory
from slrt_core.referral._routing import ServiceIndex, program_key
from slrt_core.rules._criteria import Compare, Flag, Input, MemberSum, Param, PerCapita
from slrt_core.rules._decision import Decision, Explanation, Outcome
from slrt_core.rules._differences import (
    Change,
    Difference,
    boundary_households,
    changes,
    describe_household,
    differences,
    example_at,
    statuses,
    template,
)
from slrt_core.rules._loader import load_pack
from slrt_core.rules._parameters import format_value, unit_label
from slrt_core.rules._population import Population
from slrt_core.rules._rulebook import Rulebook, Variant
from slrt_core.rules._scalar import decide
from slrt_core.rules._variants import Intent
from slrt_core.rules._vector import screen
from slrt_core.testing.strategies import households

__all__ = ["CheckResult", "CheckStatus", "VariantFailure", "VariantReport", "check_variant"]

Language = Literal["en", "id"]

_MAX_DECILE = 10
_EARNING_AGE = 15
# Monthly incomes in Rupiah, from none to well above any poverty line.
_INCOMES = (
    0,
    250_000,
    500_000,
    750_000,
    1_000_000,
    1_500_000,
    2_000_000,
    3_000_000,
    5_000_000,
    10_000_000,
    25_000_000,
)


class CheckStatus(enum.StrEnum):
    """How one check of :func:`check_variant` ended.

    ``SKIPPED`` says why in :attr:`CheckResult.note_en` (no directory given, no program
    declares ``monotone_in_income``, every household drawn crashed).

    .. versionadded:: 0.1.0
    """

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


_STATUS_WORD = {
    CheckStatus.PASSED: {"en": "passed", "id": "lulus"},
    CheckStatus.FAILED: {"en": "FAILED", "id": "GAGAL"},
    CheckStatus.SKIPPED: {"en": "skipped", "id": "dilewati"},
}

_CHECKS: dict[str, dict[str, str]] = {
    "deterministic": {
        "en": "Deterministic: same household, date and rules, same decisions",
        "id": "Deterministik: rumah tangga, tanggal dan aturan sama, keputusan sama",
    },
    "no_crash": {
        "en": "Never crashes on a valid household",
        "id": "Tidak pernah gagal pada rumah tangga yang sah",
    },
    "monotone_in_income": {
        "en": "A richer household is never more eligible (programs that say so)",
        "id": "Rumah tangga lebih mampu tidak pernah lebih layak (program yang menyatakannya)",
    },
    "routable": {
        "en": "Every eligible program has a provider serving the village",
        "id": "Setiap program yang layak punya penyedia yang melayani desa itu",
    },
    "explained": {
        "en": "Explanations complete: labels, inputs, thresholds with date and source",
        "id": "Penjelasan lengkap: label, masukan, ambang dengan tanggal dan sumber",
    },
    "plausible": {
        "en": "Every value the variant sets is plausible, or acknowledged",
        "id": "Setiap nilai yang ditetapkan varian masuk akal, atau diakui",
    },
    "unchanged_outside_region": {
        "en": "Decisions outside the intended region are unchanged",
        "id": "Keputusan di luar wilayah yang dimaksud tidak berubah",
    },
    "unchanged_before": {
        "en": "Decisions before the intended start are unchanged",
        "id": "Keputusan sebelum tanggal mulai yang dimaksud tidak berubah",
    },
    "unchanged_after": {
        "en": "Decisions after the intended end are as without the variant",
        "id": "Keputusan setelah tanggal akhir yang dimaksud sama seperti tanpa varian",
    },
    "unchanged_other_programs": {
        "en": "Programs outside the intent are unchanged",
        "id": "Program di luar maksud varian tidak berubah",
    },
}


@attrs.frozen(kw_only=True)
class VariantFailure:
    """One property a variant breaks, with the smallest household that shows it.

    Attributes:
        check: the check's name (``monotone_in_income``).
        program: the program code concerned, or ``""`` for the whole decision.
        en: what is wrong and how to fix it, in English.
        id: the same in Bahasa Indonesia.
        on: the evaluation date.
        household: the (shrunk) household that shows it.
        other: for ``monotone_in_income``, the richer household that is eligible.

    .. versionadded:: 0.1.0
    """

    check: str
    program: str
    en: str
    id: str
    on: date
    household: Household
    other: Household | None = None

    def render(self, language: Language = "en") -> str:
        """The failure in a few lines, in *language*.

        Examples:
            >>> from slrt_core.testing import sample_household
            >>> failure = VariantFailure(check="routable", program="PKH",
            ...     en="No provider.", id="Tidak ada penyedia.", on=date(2025, 8, 1),
            ...     household=sample_household())
            >>> print(failure.render("id").splitlines()[0])
            [routable] PKH: Tidak ada penyedia.
        """
        where = f" {self.program}" if self.program else ""
        message = self.en if language == "en" else self.id
        word = ("on", "household") if language == "en" else ("pada", "rumah tangga")
        lines = [
            f"[{self.check}]{where}: {message}",
            (
                f"    {word[0]} {self.on.isoformat()}, {word[1]}: "
                f"{describe_household(self.household, self.on, language)}"
            ),
        ]
        if self.other is not None:
            richer = "richer household" if language == "en" else "rumah tangga lebih mampu"
            lines.append(f"    {richer}: {describe_household(self.other, self.on, language)}")
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        check: the check's name.
        status: passed, failed or skipped.
        failures: what failed, one per program (or one for the whole decision).
        note_en: why it was skipped, in English (``""`` otherwise).
        note_id: the same in Bahasa Indonesia.

    .. versionadded:: 0.1.0
    """

    check: str
    status: CheckStatus
    failures: tuple[VariantFailure, ...] = ()
    note_en: str = ""
    note_id: str = ""

    def label(self, language: Language = "en") -> str:
        """What the check checks, in *language*."""
        return _CHECKS[self.check][language]


@attrs.frozen(kw_only=True)
class VariantReport:
    """What :func:`check_variant` found: every check, passed, failed or skipped.

    Attributes:
        variant: the variant's name (the rulebook's for a plain rulebook).
        region: the region households were drawn in (``""``: anywhere).
        rulebook_version: the version of the rules checked.
        dates: the evaluation dates.
        programs: the programs checked.
        examples: the most households drawn per check.
        checks: the result of each check, in a fixed order.
        changes: every parameter the variant sets, old and new value.
        differences: per changed parameter and program, the ranges of inputs where
            decisions differ, each with the smallest household that shows it.
        base_version: the version of the rules without the variant.

    .. versionadded:: 0.1.0
    """

    variant: str
    region: str
    rulebook_version: str
    dates: tuple[date, ...]
    programs: tuple[str, ...]
    examples: int
    checks: tuple[CheckResult, ...]
    changes: tuple[Change, ...] = ()
    differences: tuple[Difference, ...] = ()
    base_version: str = ""

    @property
    def ok(self) -> bool:
        """Whether no check failed (a skipped check is not a failure)."""
        return all(c.status is not CheckStatus.FAILED for c in self.checks)

    @property
    def failures(self) -> tuple[VariantFailure, ...]:
        """Every failure of every check."""
        return tuple(f for c in self.checks for f in c.failures)

    def check(self, name: str) -> CheckResult:
        """The result of the check called *name*.

        Raises:
            KeyError: no check has that name.
        """
        for result in self.checks:
            if result.check == name:
                return result
        raise KeyError(name)

    def render(self, language: Language = "en") -> str:
        """The report as text: a line per check, then each failure, in *language*."""
        en = language == "en"
        region = self.region or ("anywhere" if en else "di mana saja")
        dates = ", ".join(d.isoformat() for d in self.dates)
        verdict = ("OK" if en else "LULUS") if self.ok else ("FAILED" if en else "GAGAL")
        head = "Variant" if en else "Varian"
        lines = [
            f"{head} {self.variant} ({self.rulebook_version}): {verdict}",
            (
                f"region {region}; dates {dates}; up to {self.examples} households per check"
                if en
                else f"wilayah {region}; tanggal {dates}; paling banyak {self.examples} "
                "rumah tangga per pemeriksaan"
            ),
        ]
        for result in self.checks:
            note = result.note_en if en else result.note_id
            line = f"- {_STATUS_WORD[result.status][language]}: {result.label(language)}"
            lines.append(f"{line} ({note})" if note else line)
        lines.extend(failure.render(language) for failure in self.failures)
        if self.differences:
            lines.append("Where decisions differ:" if en else "Di mana keputusan berbeda:")
            for found in self.differences:
                lines.append(f"- {found.describe(language)}")
                lines.append(
                    f"    {'household' if en else 'rumah tangga'}: "
                    f"{describe_household(found.household, found.on, language)}"
                )
        return "\n".join(lines)


class _Violation(Exception):  # noqa: N818 - internal: carries a failure out of Hypothesis
    def __init__(self, failure: VariantFailure) -> None:
        super().__init__(failure.en)
        self.failure = failure


Prop = Callable[[Household, date, st.DataObject, tuple[str, ...]], None]


class _Checker:
    """Runs each property under Hypothesis and collects the shrunk failures."""

    def __init__(
        self,
        rulebook: Rulebook,
        *,
        directory: ServiceDirectory | None,
        region: RegionCode | None,
        dates: tuple[date, ...],
        programs: tuple[str, ...],
        examples: int,
    ) -> None:
        self.rulebook = rulebook
        self.rebuilt = rulebook.with_variants()
        self.index = None if directory is None else ServiceIndex(directory)
        self.region = region
        self.dates = dates
        self.programs = programs
        self.examples = examples
        drawn = households(region=region, as_of=min(dates))
        if region is not None:
            # Neutral households with every input known (decile 1-10, a member of each
            # age band) beside the drawn ones: decisions that are not "needs
            # verification", and small households to shrink towards.
            drawn = st.one_of(st.sampled_from(_templates(region, min(dates))), drawn)
        self.strategy = st.tuples(st.sampled_from(dates), drawn)

    # ------------------------------------------------------------------ running

    def run(
        self,
        name: str,
        prop: Prop,
        programs: tuple[str, ...],
        strategy: st.SearchStrategy[tuple[date, Household]] | None = None,
        found: Sequence[VariantFailure] = (),
    ) -> CheckResult:
        """Run *prop* until it passes, leaving out each program it failed for.

        *found* are failures already found on boundary households: their programs are
        not searched again.
        """
        failures: list[VariantFailure] = list(found)
        remaining = tuple(p for p in programs if all(f.program != p for f in found))
        unsatisfiable = False
        while remaining:
            try:
                failure = self._search(
                    prop, remaining, self.strategy if strategy is None else strategy
                )
            except Unsatisfiable:
                unsatisfiable = True
                break
            if failure is None:
                break
            failures.append(failure)
            # A failure about the whole decision ends the check; one about a program
            # leaves that program out, so each failing program gets its own example.
            remaining = tuple(p for p in remaining if p != failure.program and failure.program)
        if failures:
            return CheckResult(check=name, status=CheckStatus.FAILED, failures=tuple(failures))
        if unsatisfiable:
            return CheckResult(
                check=name,
                status=CheckStatus.SKIPPED,
                note_en="no household could be checked: deciding crashed on every one drawn",
                note_id="tidak ada rumah tangga yang dapat diperiksa: keputusan gagal pada "
                "semua yang diambil",
            )
        return CheckResult(check=name, status=CheckStatus.PASSED)

    def _search(
        self,
        prop: Prop,
        programs: tuple[str, ...],
        strategy: st.SearchStrategy[tuple[date, Household]],
    ) -> VariantFailure | None:
        @settings(
            max_examples=self.examples,
            derandomize=True,
            database=None,
            deadline=None,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
        )
        @given(case=strategy, data=st.data())
        def search(case: tuple[date, Household], data: st.DataObject) -> None:
            on, household = case
            prop(household, on, data, programs)

        try:
            search()
        except _Violation as found:
            return found.failure
        except BaseExceptionGroup as group:  # a flaky failure: the rules are not deterministic
            match, _ = group.split(_Violation)
            if match is None:  # pragma: no cover - Hypothesis's own errors, not a finding
                raise
            first: BaseException = match
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            assert isinstance(first, _Violation)  # noqa: S101 - split keeps only these
            return first.failure
        return None

    def _decide(
        self, household: Household, on: date, programs: Sequence[str]
    ) -> dict[str, Decision]:
        """Decide, skipping (not failing) a household that crashes: ``no_crash`` reports it."""
        return _or_skip(lambda: decide(household, on=on, rulebook=self.rulebook, programs=programs))

    def _screen(
        self, household: Household, on: date, programs: Sequence[str]
    ) -> dict[str, Decision]:
        """Screen one household, skipping it on a crash as :meth:`_decide` does."""
        return _or_skip(
            lambda: screen(
                Population.from_households([household]),
                on=on,
                rulebook=self.rulebook,
                programs=programs,
            ).decisions(0)
        )

    # ------------------------------------------------------------------ properties

    def no_crash(
        self, household: Household, on: date, _data: st.DataObject, programs: tuple[str, ...]
    ) -> None:
        try:
            decide(household, on=on, rulebook=self.rulebook, programs=programs)
            screen(
                Population.from_households([household]),
                on=on,
                rulebook=self.rulebook,
                programs=programs,
            ).decisions(0)
        except Exception as error:
            text = f"{type(error).__name__}: {error}".splitlines()[0]
            raise _Violation(
                VariantFailure(
                    check="no_crash",
                    program="",
                    en=f"Deciding a valid household raised {text}. Fix the rule or "
                    "parameter it names; a valid household must always get a decision.",
                    id=f"Memutuskan rumah tangga yang sah menimbulkan {text}. Perbaiki "
                    "aturan atau parameter yang disebut; rumah tangga yang sah harus "
                    "selalu mendapat keputusan.",
                    on=on,
                    household=household,
                )
            ) from error

    def deterministic(
        self, household: Household, on: date, _data: st.DataObject, programs: tuple[str, ...]
    ) -> None:
        first = self._decide(household, on, programs)
        again = self._decide(household, on, programs)
        rebuilt = decide(household, on=on, rulebook=self.rebuilt, programs=programs)
        screened = self._screen(household, on, programs)
        for code in programs:
            for other, en, id_ in (
                (again, "a second run", "putaran kedua"),
                (
                    rebuilt,
                    "a rulebook rebuilt from the same definitions",
                    "buku aturan yang dibangun ulang dari definisi yang sama",
                ),
                (screened, "the vectorised screen", "penyaringan tervektor"),
            ):
                if other[code] != first[code]:
                    raise _Violation(
                        VariantFailure(
                            check="deterministic",
                            program=code,
                            en=f"The decision changed on {en} ({first[code].status.value} "
                            f"then {other[code].status.value}). A rule must depend only on "
                            "the household, the date and the rules: remove hidden state.",
                            id=f"Keputusan berubah pada {id_} ({first[code].status.value} "
                            f"lalu {other[code].status.value}). Aturan hanya boleh "
                            "bergantung pada rumah tangga, tanggal dan aturan: hapus "
                            "keadaan tersembunyi.",
                            on=on,
                            household=household,
                        )
                    )

    def monotone(
        self, household: Household, on: date, data: st.DataObject, programs: tuple[str, ...]
    ) -> None:
        for ladder in _ladders(household, on, data):
            decided = [self._decide(h, on, programs) for h in ladder]
            for i in range(1, len(ladder)):
                for code in programs:
                    if decided[i][code].eligible and not decided[i - 1][code].eligible:
                        self._not_monotone(code, ladder[i - 1], ladder[i], decided[i - 1], on)

    @staticmethod
    def _not_monotone(
        code: str, poorer: Household, richer: Household, decided: dict[str, Decision], on: date
    ) -> None:
        status = decided[code].status
        raise _Violation(
            VariantFailure(
                check="monotone_in_income",
                program=code,
                en=f"{code} declares monotone_in_income, but a richer household is "
                f"eligible while this one is {status.label('en')}. Make the income or decile "
                "test an upper limit (<=), check the overlaps that exclude it, or drop the flag.",
                id=f"{code} menyatakan monotone_in_income, tetapi rumah tangga yang lebih "
                f"mampu layak sedangkan yang ini {status.label('id')}. Jadikan uji penghasilan "
                "atau desil batas atas (<=), periksa tumpang tindih yang mengecualikannya, atau "
                "hapus tanda itu.",
                on=on,
                household=poorer,
                other=richer,
            )
        )

    def routable(
        self, household: Household, on: date, _data: st.DataObject, programs: tuple[str, ...]
    ) -> None:
        assert self.index is not None  # noqa: S101 - run only with a directory
        decisions = self._decide(household, on, programs)
        village = household.region
        for code in programs:
            if not decisions[code].eligible:
                continue
            program = self.rulebook.programs[code]
            key = program_key(code)
            if any(
                service.active and service.program and program_key(service.program) == key
                for sector in program.sectors
                for service, _ in self.index.lookup(sector, village)
            ):
                continue
            sectors = ", ".join(s.value for s in program.sectors)
            raise _Violation(
                VariantFailure(
                    check="routable",
                    program=code,
                    en=f"The household is eligible for {code}, but no active service in the "
                    f"directory delivers {code} ({sectors}) in {village.code}. Add a service "
                    f"with program={code!r} whose area covers the village.",
                    id=f"Rumah tangga layak {code}, tetapi tidak ada layanan aktif di "
                    f"direktori yang memberikan {code} ({sectors}) di {village.code}. "
                    f"Tambahkan layanan dengan program={code!r} yang wilayahnya mencakup "
                    "desa itu.",
                    on=on,
                    household=household,
                )
            )

    def explained(
        self, household: Household, on: date, _data: st.DataObject, programs: tuple[str, ...]
    ) -> None:
        decisions = self._decide(household, on, programs)
        for code in programs:
            decision = decisions[code]
            problem = _incomplete(self.rulebook, decision)
            if problem is not None:
                en, id_ = problem
                raise _Violation(
                    VariantFailure(
                        check="explained",
                        program=code,
                        en=en,
                        id=id_,
                        on=on,
                        household=household,
                    )
                )


_UNCHANGED = {
    "unchanged_outside_region": (
        (
            "{code} changes outside the intended region {region}: in {village} on {on} the "
            "decision is {after} with the variant and {before} without it. {params} Keep the "
            'change inside {region} (give the override region = "{region}") or widen the '
            "intent."
        ),
        (
            "{code} berubah di luar wilayah yang dimaksud {region}: di {village} pada {on} "
            "keputusannya {after} dengan varian dan {before} tanpa varian. {params} Batasi "
            'perubahan di {region} (isi region = "{region}" pada override) atau perluas '
            "maksud varian."
        ),
    ),
    "unchanged_before": (
        (
            "{code} changes before the intended start {start}: on {on} in {village} the "
            "decision is {after} with the variant and {before} without it. {params} Start the"
            " change on {start} (from = {start}) or move the intent's start."
        ),
        (
            "{code} berubah sebelum tanggal mulai yang dimaksud {start}: pada {on} di "
            "{village} keputusannya {after} dengan varian dan {before} tanpa varian. {params}"
            " Mulai perubahan pada {start} (`from = {start}`) atau geser tanggal mulai maksud "
            "varian."
        ),
    ),
    "unchanged_after": (
        (
            "{code} does not return to the rules without the variant after the intended end "
            "{until}: on {on} in {village} the decision is {after} with the variant and "
            "{before} without it. {params} End the change on {until} (until = {until}) or "
            "move the intent's end."
        ),
        (
            "{code} tidak kembali ke aturan tanpa varian setelah tanggal akhir yang dimaksud "
            "{until}: pada {on} di {village} keputusannya {after} dengan varian dan {before} "
            "tanpa varian. {params} Akhiri perubahan pada {until} (`until = {until}`) atau "
            "geser tanggal akhir maksud varian."
        ),
    ),
    "unchanged_other_programs": (
        (
            "{code} is not among the intended programs ({programs}) but changes: on {on} in "
            "{village} the decision is {after} with the variant and {before} without it. "
            "{params} Add {code} to the intent's programs if that is meant, or keep the "
            "change from reaching it."
        ),
        (
            "{code} tidak termasuk program yang dimaksud ({programs}) tetapi berubah: pada "
            "{on} di {village} keputusannya {after} dengan varian dan {before} tanpa varian. "
            "{params} Tambahkan {code} ke programs pada maksud varian bila memang dimaksud, "
            "atau cegah perubahan mencapainya."
        ),
    ),
}


def _shown(decision: Decision | None, language: Language) -> str:
    if decision is None:
        return "not offered" if language == "en" else "tidak ditawarkan"
    text = decision.status.label(language)
    if decision.benefit is not None and decision.benefit.amount is not None:
        text += f" ({decision.benefit.render(language)})"
    return text


def _same(one: Decision | None, other: Decision | None) -> bool:
    def key(d: Decision | None) -> tuple[str, int | None]:
        if d is None or d.status.value == "not_eligible":
            return ("not_eligible", None)
        amount = d.benefit.amount if d.benefit is not None else None
        return (d.status.value, amount)

    return key(one) == key(other)


def _outside_regions(region: RegionCode) -> tuple[RegionCode, ...]:
    """Neighbours of *region* (same parent, same level) and a region of another province."""
    parts = region.code.split(".")
    siblings: list[RegionCode] = []
    if len(parts) > 1:
        parent = RegionCode(".".join(parts[:-1]))
        siblings = [c for c in parent.codes_at(region.level) if c != region][:3]
    far = RegionCode("31.71") if not region.code.startswith("31") else RegionCode("33.74")
    return (*siblings, far)


def _village(region: RegionCode) -> RegionCode:
    if region.level is RegionLevel.VILLAGE:
        return region
    return region.codes_at(RegionLevel.VILLAGE)[0]


class _Prover:
    """The differential checks: the variant changes only what its intent says."""

    def __init__(
        self,
        checker: _Checker,
        *,
        base: Rulebook,
        variant: Variant,
        intent: Intent,
        found: tuple[Change, ...],
    ) -> None:
        self.checker = checker
        self.base = base
        self.after = checker.rulebook
        self.variant = variant
        self.intent = intent
        self.changes = found
        self.region = intent.region or variant.region
        end = intent.valid_until or intent.valid_from
        self.inside_dates = tuple(sorted({intent.valid_from, end}))
        self.codes = tuple(dict.fromkeys([*self.base.programs, *self.after.programs]))

    # ------------------------------------------------------------------ the checks

    def results(self) -> list[CheckResult]:
        """The four checks, in order."""
        other = tuple(c for c in self.codes if c not in self.intent.programs)
        outside = _outside_regions(self.region)
        before = self.intent.valid_from - timedelta(days=1)
        found = [
            self._check("unchanged_outside_region", outside, self.inside_dates, self.codes),
            self._check("unchanged_before", (self.region,), (before,), self.codes),
        ]
        if self.intent.valid_until is None:
            found.append(
                CheckResult(
                    check="unchanged_after",
                    status=CheckStatus.SKIPPED,
                    note_en="the intent has no end (until)",
                    note_id="maksud varian tidak punya tanggal akhir (`until`)",
                )
            )
        else:
            after = self.intent.valid_until + timedelta(days=1)
            found.append(self._check("unchanged_after", (self.region,), (after,), self.codes))
        if other:
            found.append(
                self._check("unchanged_other_programs", (self.region,), self.inside_dates, other)
            )
        else:
            found.append(
                CheckResult(
                    check="unchanged_other_programs",
                    status=CheckStatus.SKIPPED,
                    note_en="the intent names every program",
                    note_id="maksud varian menyebut semua program",
                )
            )
        return found

    def _check(
        self,
        name: str,
        regions: tuple[RegionCode, ...],
        dates: tuple[date, ...],
        programs: tuple[str, ...],
    ) -> CheckResult:
        boundary = self._boundary(name, regions, dates, programs)
        strategy = st.tuples(
            st.sampled_from(dates),
            st.sampled_from(regions).flatmap(lambda r: households(region=r, as_of=min(dates))),
        )

        def prop(
            household: Household, on: date, _data: st.DataObject, codes: tuple[str, ...]
        ) -> None:
            failure = self._differs(name, household, on, codes)
            if failure is not None:
                raise _Violation(failure)

        return self.checker.run(name, prop, programs, strategy, boundary)

    def _boundary(
        self,
        name: str,
        regions: tuple[RegionCode, ...],
        dates: tuple[date, ...],
        programs: tuple[str, ...],
    ) -> list[VariantFailure]:
        """Failures on the boundary households of every change, one per program."""
        failures: dict[str, VariantFailure] = {}
        for region in regions:
            for on in dates:
                homes = [
                    attrs.evolve(h, region=_village(region))
                    for change in self.changes
                    for h in boundary_households(self.after, change, region=region, on=on)
                ] or []
                if not homes:
                    continue
                s0, b0 = statuses(self.base, homes, on, programs)
                s1, b1 = statuses(self.after, homes, on, programs)
                for code in programs:
                    if code in failures:
                        continue
                    for i, home in enumerate(homes):
                        if _row(s0, b0, code, i) != _row(s1, b1, code, i):
                            failure = self._differs(name, home, on, (code,))
                            if failure is not None:  # pragma: no branch - screen == decide
                                failures[code] = failure
                                break
        return list(failures.values())

    # ------------------------------------------------------------------ one household

    def _decide(
        self, rulebook: Rulebook, household: Household, on: date, codes: Sequence[str]
    ) -> dict[str, Decision]:
        wanted = [c for c in codes if c in rulebook.programs]
        return _or_skip(lambda: decide(household, on=on, rulebook=rulebook, programs=wanted))

    def _differs(
        self, name: str, household: Household, on: date, codes: Sequence[str]
    ) -> VariantFailure | None:
        before = self._decide(self.base, household, on, codes)
        after = self._decide(self.after, household, on, codes)
        for code in codes:
            old, new = before.get(code), after.get(code)
            if _same(old, new):
                continue
            en, id_ = _UNCHANGED[name]
            words = {
                "code": code,
                "region": self.region.code,
                "village": household.region.code,
                "on": on.isoformat(),
                "start": self.intent.valid_from.isoformat(),
                "until": (self.intent.valid_until or on).isoformat(),
                "programs": ", ".join(self.intent.programs),
            }
            params_en, params_id = self._parameters(new)
            return VariantFailure(
                check=name,
                program=code,
                en=en.format(
                    **words, after=_shown(new, "en"), before=_shown(old, "en"), params=params_en
                ),
                id=id_.format(
                    **words, after=_shown(new, "id"), before=_shown(old, "id"), params=params_id
                ),
                on=on,
                household=household,
            )
        return None

    def _parameters(self, decision: Decision | None) -> tuple[str, str]:
        """The changed parameters the variant's decision read (all changes if none)."""
        read: set[str] = set()
        if decision is not None:
            for node in decision.explanation.walk():
                read.update(p.name for p in node.parameters)
        named = [c for c in self.changes if c.parameter in read] or list(self.changes)
        if not named:
            return (
                "The variant's own program is offered there.",
                "Program milik varian ditawarkan di sana.",
            )
        shown = "; ".join(f"{c.shown()} (from {c.valid_from}, region {c.region})" for c in named)
        shown_id = "; ".join(
            f"{c.shown()} (sejak {c.valid_from}, wilayah {c.region})" for c in named
        )
        return (f"Changed parameters: {shown}.", f"Parameter yang diubah: {shown_id}.")


def _row(
    status: dict[str, np.ndarray], benefit: dict[str, np.ndarray], code: str, i: int
) -> tuple[int, int]:
    s = int(status[code][i]) if code in status else 0
    b = int(benefit[code][i]) if code in benefit and s else 0
    return (0, 0) if s == 0 else (s, b)


def _plausible(rulebook: Rulebook, found: tuple[Change, ...]) -> CheckResult:
    """Fail on each value outside its plausible range that the variant does not acknowledge."""
    failures: list[VariantFailure] = []
    for change in found:
        if not change.implausible or change.acknowledge:
            continue
        assert change.plausible is not None  # noqa: S101 - implausible implies a range
        shown = change.plausible.shown()
        new = format_value(change.new)
        old = "-" if change.old is None else format_value(change.old)
        unit = f" {unit_label(change.unit)}" if change.unit else ""
        unit_id = f" {unit_label(change.unit, 'id')}" if change.unit else ""
        reason = f" ({change.plausible.reason})" if change.plausible.reason else ""
        reason_id = f" ({change.plausible.reason_id})" if change.plausible.reason_id else ""
        failures.append(
            VariantFailure(
                check="plausible",
                program="",
                en=f"{change.parameter} = {new}{unit} (was {old}) is outside its plausible "
                f"range {shown}{reason}. If {new} is meant, say why with acknowledge = "
                '"..." on the override; otherwise correct the value (a typo?). '
                "A household it would decide:",
                id=f"{change.parameter} = {new}{unit_id} (sebelumnya {old}) di luar rentang "
                f"wajarnya {shown}{reason_id}. Bila {new} memang dimaksud, tulis alasannya dengan "
                '`acknowledge = "..."` pada override; bila tidak, perbaiki nilainya (salah '
                "ketik?). Rumah tangga yang akan diputuskannya:",
                on=change.valid_from,
                household=example_at(rulebook, change),
            )
        )
    if failures:
        return CheckResult(check="plausible", status=CheckStatus.FAILED, failures=tuple(failures))
    return CheckResult(check="plausible", status=CheckStatus.PASSED)


def _templates(region: RegionCode, on: date) -> list[Household]:
    """The neutral template at every decile and with ``m2`` in every age band."""
    base = template(region, on)
    found = [
        attrs.evolve(base, registry=attrs.evolve(base.registry, decile=d))
        for d in range(1, _MAX_DECILE + 1)
    ]
    members = list(base.members)
    for age in (0, 5, 9, 13, 16, 25, 65, 70, 80):
        members[1] = attrs.evolve(
            base.members[1], birth_date=on.replace(year=on.year - age, day=min(on.day, 28))
        )
        found.append(attrs.evolve(base, members=tuple(members)))
    return found


def _or_skip(run: Callable[[], dict[str, Decision]]) -> dict[str, Decision]:
    """*run()*, or reject the example when it raises (``no_crash`` reports crashes)."""
    try:
        return run()
    except Exception:
        assume(False)  # noqa: FBT003 - Hypothesis's own signature
        raise  # pragma: no cover - assume(False) never returns


def _ladders(household: Household, on: date, data: st.DataObject) -> list[list[Household]]:
    """The household made richer step by step: by decile, and by one adult's income.

    Every step is a known value, so only wealth changes along a ladder, never what is
    known; a ladder covers the whole range, so a threshold anywhere is crossed.
    """
    ladders: list[list[Household]] = []
    if household.registry.in_registry:
        ladders.append(
            [
                attrs.evolve(household, registry=attrs.evolve(household.registry, decile=d))
                for d in range(1, _MAX_DECILE + 1)
            ]
        )
    adults = [i for i, p in enumerate(household.members) if p.age_on(on) >= _EARNING_AGE]
    # A valid household's head is an adult; fall back to every member for any other.
    index = data.draw(
        st.sampled_from(adults or range(len(household.members))),
        label="member whose income rises",
    )
    members = list(household.members)
    ladder = []
    for income in _INCOMES:
        members[index] = attrs.evolve(household.members[index], monthly_income=income)
        ladder.append(attrs.evolve(household, members=tuple(members)))
    ladders.append(ladder)
    return ladders


def _incomplete(rulebook: Rulebook, decision: Decision) -> tuple[str, str] | None:
    """What is missing from *decision*'s explanation, in English and Indonesian."""
    for node in decision.explanation.walk():
        problem = _node_problem(rulebook, node)
        if problem is not None:
            return problem
    return None


def _node_problem(rulebook: Rulebook, node: Explanation) -> tuple[str, str] | None:
    name = node.criterion
    if not node.label_en.strip() or not node.label_id.strip():
        return (
            (
                f"Criterion {name!r} has no label in "
                f"{'English' if not node.label_en.strip() else 'Bahasa Indonesia'}. Give it "
                "label_en and label_id: staff and citizens read them."
            ),
            (
                f"Kriteria {name!r} tidak punya label dalam "
                f"{'bahasa Inggris' if not node.label_en.strip() else 'Bahasa Indonesia'}. "
                "Isi label_en dan label_id: petugas dan warga membacanya."
            ),
        )
    for used in node.parameters:
        if not used.source.strip():
            return (
                (
                    f"Criterion {name!r} uses {used.name} = {used.value} (from "
                    f"{used.valid_from.isoformat()}) without a source. Give the value its "
                    "regulation (Perda, Perbup, Perwali, SK) as source."
                ),
                (
                    f"Kriteria {name!r} memakai {used.name} = {used.value} (sejak "
                    f"{used.valid_from.isoformat()}) tanpa sumber. Isi sumber dengan "
                    "peraturannya (Perda, Perbup, Perwali, SK)."
                ),
            )
    criterion = rulebook.criteria.get(name)
    if criterion is None or node.outcome is Outcome.UNKNOWN:
        return None
    test = criterion.test
    threshold = None
    if isinstance(test, Compare) and isinstance(test.right, Param):
        threshold = test.right.name
    elif isinstance(test, Flag):
        threshold = test.param
    if threshold is not None and all(p.name != threshold for p in node.parameters):
        return (
            (
                f"Criterion {name!r} compared with {threshold} but its explanation does not "
                "show the value used, its date and its source."
            ),
            (
                f"Kriteria {name!r} dibandingkan dengan {threshold} tetapi penjelasannya tidak "
                "menunjukkan nilai yang dipakai, tanggal dan sumbernya."
            ),
        )
    if (
        isinstance(test, Compare)
        and isinstance(test.left, (Input, MemberSum, PerCapita))
        and not node.inputs
    ):
        return (
            f"Criterion {name!r} read an input but its explanation does not show it.",
            f"Kriteria {name!r} membaca masukan tetapi penjelasannya tidak menunjukkannya.",
        )
    return None


def _variant_dates(variants: Iterable[Variant]) -> set[date]:
    found: set[date] = set()
    for variant in variants:
        found.update(o.valid_from for o in variant.overrides)
        found.update(s.valid_from for s in variant.switch_offs)
        found.update(p.offered_from for p in variant.programs)
        found.update(v.valid_from for p in variant.parameters for v in p.values)
    return found


def _latest_date(rulebook: Rulebook) -> date:
    found = [p.offered_from for p in rulebook.programs.values()]
    found += [v.valid_from for p in rulebook.parameters.values() for v in p.values]
    return max(found)


def check_variant(
    variant: Variant | Rulebook,
    *,
    base: Rulebook | None = None,
    directory: ServiceDirectory | None = None,
    on: date | Iterable[date] | None = None,
    programs: Iterable[str] | None = None,
    region: RegionCode | str | None = None,
    max_examples: int = 100,
) -> VariantReport:
    """Check the properties a local rule variant must have, on generated households.

    Households are drawn with :func:`slrt_core.testing.strategies.households` inside the
    variant's region; Hypothesis runs derandomized without an example database, so the
    report is the same on every run. See the module docstring (and the reference page
    of :mod:`slrt_core.testing`) for the five checks.

    Args:
        variant: the variant, applied on *base*; or a rulebook that already has it.
        base: the rules the variant changes; the shipped pack (:func:`load_pack`) by
            default. Ignored when *variant* is a rulebook.
        directory: the provider directory for the ``routable`` check; the check is
            skipped without one.
        on: the evaluation date or dates; by default every date on which the variant
            changes something (or, with none, the rulebook's latest effective date).
        programs: the program codes to check; all programs of the rulebook by default.
        region: where households live; the variant's region by default (for a rulebook,
            that of its last variant, else anywhere in Indonesia).
        max_examples: the most households drawn per check and program.

    Returns:
        The report; :attr:`VariantReport.ok` is ``False`` when any check failed.

    Raises:
        InvalidInputError: the variant does not load on *base* (every problem listed),
            *region* is not a known region code, or a program code is unknown.

    Examples:
        >>> from datetime import date
        >>> from slrt_core.identity import RegionCode, RegionLevel
        >>> from slrt_core.rules import Override, Variant
        >>> city = Variant(name="kota-semarang", region=RegionCode("33.74"),
        ...     overrides=[Override(parameter="pkh.elderly_min_age", value=65,
        ...                         valid_from=date(2025, 7, 1), source="Perwali (example)")])
        >>> report = check_variant(city, programs=["PKH"], max_examples=20)
        >>> report.ok, report.check("routable").status.value
        (True, 'skipped')

    .. versionadded:: 0.1.0
    """
    if isinstance(variant, Rulebook):
        rulebook = variant
        name = variant.name
        variants: tuple[Variant, ...] = variant.variants
    else:
        rulebook = (base or load_pack()).with_variants(variant)
        name = variant.name
        variants = (variant,)
    if region is None and variants:
        region = variants[-1].region
    where = None if region is None else RegionCode.parse(region)
    if on is None:
        dates = tuple(sorted(_variant_dates(variants))) or (_latest_date(rulebook),)
    elif isinstance(on, date):
        dates = (on,)
    else:
        dates = tuple(sorted(set(on)))
    codes = rulebook.select(programs)
    checker = _Checker(
        rulebook,
        directory=directory,
        region=where,
        dates=dates,
        programs=codes,
        examples=max(1, max_examples),
    )
    results = [
        checker.run("deterministic", checker.deterministic, codes),
        checker.run("no_crash", checker.no_crash, codes),
    ]
    monotone = tuple(c for c in codes if rulebook.programs[c].monotone_in_income)
    if monotone:
        results.append(checker.run("monotone_in_income", checker.monotone, monotone))
    else:
        results.append(
            CheckResult(
                check="monotone_in_income",
                status=CheckStatus.SKIPPED,
                note_en="no program checked declares monotone_in_income",
                note_id="tidak ada program yang diperiksa menyatakan monotone_in_income",
            )
        )
    if directory is None:
        results.append(
            CheckResult(
                check="routable",
                status=CheckStatus.SKIPPED,
                note_en="no directory given",
                note_id="direktori tidak diberikan",
            )
        )
    else:
        results.append(checker.run("routable", checker.routable, codes))
    results.append(checker.run("explained", checker.explained, codes))
    found: tuple[Change, ...] = ()
    diffs: tuple[Difference, ...] = ()
    base_version = ""
    if variants:
        without = rulebook.without(variants[-1].name)
        base_version = without.version
        found = changes(without, variants[-1])
        results.extend(_variant_checks(checker, without, variants[-1], found))
        diffs = differences(without, rulebook, variants[-1], programs=codes)
    return VariantReport(
        variant=name,
        region="" if where is None else where.code,
        rulebook_version=rulebook.version,
        dates=dates,
        programs=codes,
        examples=checker.examples,
        checks=tuple(results),
        changes=found,
        differences=diffs,
        base_version=base_version,
    )


def _variant_checks(
    checker: _Checker, without: Rulebook, variant: Variant, found: tuple[Change, ...]
) -> list[CheckResult]:
    """``plausible`` and, with an intent, the four differential checks."""
    results = [_plausible(checker.rulebook, found)]
    if variant.intent is None:
        results.extend(
            CheckResult(
                check=check,
                status=CheckStatus.SKIPPED,
                note_en="the variant declares no intent: add [variant.intent]",
                note_id="varian tidak menyatakan maksudnya: tambahkan [variant.intent]",
            )
            for check in _DIFFERENTIAL
        )
        return results
    prover = _Prover(checker, base=without, variant=variant, intent=variant.intent, found=found)
    results.extend(prover.results())
    return results


_DIFFERENTIAL = (
    "unchanged_outside_region",
    "unchanged_before",
    "unchanged_after",
    "unchanged_other_programs",
)
