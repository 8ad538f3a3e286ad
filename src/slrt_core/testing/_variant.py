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

A failing check keeps the smallest household Hypothesis finds (shrunk), per program, so
the report says exactly what to look at.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Literal

import attrs
from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from slrt_core.household import Household, Person
from slrt_core.identity import RegionCode
from slrt_core.referral._directory import ServiceDirectory
from slrt_core.referral._routing import ServiceIndex, program_key
from slrt_core.rules._criteria import Compare, Flag, Input, MemberSum, Param, PerCapita
from slrt_core.rules._decision import Decision, Explanation, Outcome
from slrt_core.rules._loader import load_pack
from slrt_core.rules._population import Population
from slrt_core.rules._rulebook import Rulebook, Variant
from slrt_core.rules._scalar import decide
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
}


def _describe(household: Household, on: date) -> str:
    """A household in one line: region, registry, housing power and each member."""
    registry = household.registry
    members = "; ".join(_member(p, on) for p in household.members)
    received = ",".join(sorted(household.programs_received)) or "-"
    return (
        f"region {household.region.code}, in_registry={registry.in_registry}, "
        f"decile={registry.decile}, electricity_va={household.housing.electricity_va}, "
        f"receives={received}; members: {members}"
    )


def _member(person: Person, on: date) -> str:
    parts = [
        person.member_id,
        person.relationship.value,
        person.sex.value,
        f"age {person.age_on(on)}",
    ]
    for name in ("pregnant", "disability", "schooling", "working", "monthly_income"):
        value = getattr(person, name)
        if value is not None:
            parts.append(f"{name}={getattr(value, 'value', value)}")
    if person.nik is not None:
        parts.append("has NIK")
    return " ".join(parts)


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
            f"    {word[0]} {self.on.isoformat()}, {word[1]}: {_describe(self.household, self.on)}",
        ]
        if self.other is not None:
            richer = "richer household" if language == "en" else "rumah tangga lebih mampu"
            lines.append(f"    {richer}: {_describe(self.other, self.on)}")
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

    .. versionadded:: 0.1.0
    """

    variant: str
    region: str
    rulebook_version: str
    dates: tuple[date, ...]
    programs: tuple[str, ...]
    examples: int
    checks: tuple[CheckResult, ...]

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
        self.strategy = st.tuples(
            st.sampled_from(dates), households(region=region, as_of=min(dates))
        )

    # ------------------------------------------------------------------ running

    def run(self, name: str, prop: Prop, programs: tuple[str, ...]) -> CheckResult:
        """Run *prop* until it passes, leaving out each program it failed for."""
        failures: list[VariantFailure] = []
        remaining = programs
        unsatisfiable = False
        while remaining:
            try:
                failure = self._search(prop, remaining)
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

    def _search(self, prop: Prop, programs: tuple[str, ...]) -> VariantFailure | None:
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
        @given(case=self.strategy, data=st.data())
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
        >>> from slrt_core.identity import RegionCode
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
    return VariantReport(
        variant=name,
        region="" if where is None else where.code,
        rulebook_version=rulebook.version,
        dates=dates,
        programs=codes,
        examples=checker.examples,
        checks=tuple(results),
    )
