"""Rule test cases: a district pins what its rules must decide.

A case file is TOML (``rules_*.toml`` or ``*.rules.toml`` for the pytest plugin)::

    variants = ["kota-semarang.toml"]   # optional, relative to this file

    [[case]]
    name = "Pregnant mother in the registry gets PKH"
    on = 2025-03-01
    region = "33.74.01.1001"
    household = { in_registry = true, decile = 2 }
    members = [
        { id = "m1", relationship = "head", sex = "female", age = 30, pregnant = true },
    ]
    expect.PKH = { status = "eligible", benefit = 3_000_000 }
    expect.USULAN_DTSEN = "not_eligible"

Each case is decided by both evaluators, which must agree, and then checked against
``expect``: a status, or a table with ``status``, ``benefit`` (Rupiah), ``missing`` (the
inputs to collect) and ``criteria`` (criterion name to ``true``, ``false`` or ``unknown``).
``docs/how-to/write-rule-tests.md`` lists every key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.household import (
    Disability,
    FloorType,
    Household,
    Housing,
    Person,
    RegistryStatus,
    Relationship,
    Schooling,
    WallType,
)
from slrt_core.identity import Nik, RegionCode, Sex
from slrt_core.rules._build_state import closest, in_file_order
from slrt_core.rules._decision import Decision, Outcome, Status, rupiah
from slrt_core.rules._loader import ProblemLog, load_rulebook, locate, pack_path
from slrt_core.rules._population import Population
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._scalar import decide
from slrt_core.rules._vector import screen

__all__ = ["CaseFile", "CaseResult", "Expectation", "RuleCase", "load_cases", "run_cases"]


@attrs.frozen(kw_only=True)
class Expectation:
    """What a case expects of one program; ``None`` fields are not checked.

    .. versionadded:: 0.1.0
    """

    status: Status | None = None
    benefit: int | None = None
    missing: tuple[str, ...] | None = None
    criteria: Mapping[str, Outcome] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class RuleCase:
    """One case: a household on a date, and the decisions expected.

    Attributes:
        name: what the case shows.
        on: the evaluation date.
        household: the household (built and checked from the file).
        expect: expectations by program code.
        programs: the programs to decide (default: those expected).
        where: ``file:line`` of the case.

    .. versionadded:: 0.1.0
    """

    name: str
    on: date
    household: Household
    expect: Mapping[str, Expectation]
    programs: tuple[str, ...]
    where: str = ""


@attrs.frozen(kw_only=True)
class CaseFile:
    """A case file: the rulebook its cases run against, and the cases.

    .. versionadded:: 0.1.0
    """

    path: str
    rulebook: Rulebook
    cases: tuple[RuleCase, ...]


@attrs.frozen(kw_only=True)
class CaseResult:
    """The outcome of one case.

    Attributes:
        case: the case.
        failures: what did not match (empty when the case passed), in English.
        failures_id: the same in Bahasa Indonesia.
        decisions: the decisions made (by :func:`~slrt_core.rules.decide`).

    .. versionadded:: 0.1.0
    """

    case: RuleCase
    failures: tuple[str, ...]
    decisions: Mapping[str, Decision]
    failures_id: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether every expectation held and both evaluators agreed."""
        return not self.failures

    def render(self, language: Literal["en", "id"] = "en", *, explain: bool = True) -> str:
        """``PASS``/``FAIL``, the case, and for a failure what differed (and why)."""
        if language == "en":
            mark = "PASS" if self.passed else "FAIL"
            shown = self.failures
        else:
            mark = "LULUS" if self.passed else "GAGAL"
            shown = self.failures_id or self.failures
        lines = [f"{mark} {self.case.where} {self.case.name}"]
        lines += [f"  - {f}" for f in shown]
        if explain and not self.passed:
            for code, decision in self.decisions.items():
                if any(f.startswith(f"{code}:") for f in self.failures):
                    lines += ["    " + line for line in decision.render(language).splitlines()]
        return "\n".join(lines)


_HOUSEHOLD_KEYS = {
    "in_registry",
    "decile",
    "floor",
    "wall",
    "roof_unfit",
    "own_toilet",
    "owns_land",
    "electricity_va",
    "housing_aid_before",
    "receives",
}
_MEMBER_KEYS = {
    "id",
    "relationship",
    "sex",
    "age",
    "birth_date",
    "pregnant",
    "disability",
    "schooling",
    "working",
    "monthly_income",
    "has_nik",
    "nik",
}
_CASE_KEYS = {"name", "on", "region", "household", "members", "expect", "programs"}


class _CaseReader(ProblemLog):
    """Reads case files into rule cases, collecting problems with their places."""

    impossible: frozenset[str] | set[str] = frozenset()
    """Impossible dates already reported (quoted before parsing)."""

    def unknown_keys(self, data: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.problem(
                    f"{path}.{key}",
                    f"Unknown key {key!r}; allowed here: {', '.join(sorted(allowed))}.",
                    f"Kunci `{key}` tidak dikenal; yang boleh di sini: "
                    f"{', '.join(f'`{k}`' for k in sorted(allowed))}.",
                )

    def enum(self, kind: Any, value: Any, path: str) -> Any:
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            self.problem(
                path,
                f"{value!r} is not one of {allowed}.",
                f"`{value}` bukan salah satu dari {', '.join(f'`{m.value}`' for m in kind)}.",
            )
            return None

    def typed(self, data: Mapping[str, Any], key: str, kind: type, path: str) -> Any:
        value = data.get(key)
        if value is None:
            return None
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.problem(
                f"{path}.{key}",
                f"{key!r} must be a whole number.",
                f"`{key}` harus bilangan bulat.",
            )
            return None
        if kind is bool and not isinstance(value, bool):
            self.problem(
                f"{path}.{key}",
                f"{key!r} must be true or false.",
                f"`{key}` harus `true` atau `false`.",
            )
            return None
        return value

    def case(self, data: Any, index: int) -> RuleCase | None:
        path = f"case[{index}]"
        if not isinstance(data, dict):
            self.problem(path, "Each [[case]] must be a table.", "Setiap `[[case]]` harus tabel.")
            return None
        self.unknown_keys(data, path, _CASE_KEYS)
        name = data.get("name")
        if not isinstance(name, str) or not name:
            self.problem(f"{path}.name", "Give the case a name.", "Beri nama kasus.")
            name = f"case {index + 1}"
        on = data.get("on")
        if isinstance(on, str) and on in self.impossible:
            return None  # reported with its line when the file was read
        if not isinstance(on, date):
            self.problem(
                f"{path}.on",
                "'on' must be a date such as 2025-03-01 (the evaluation date).",
                "`on` harus tanggal seperti 2025-03-01 (tanggal evaluasi).",
            )
            return None
        household = self.household(data, path, on)
        expect = self.expectations(data.get("expect"), f"{path}.expect")
        if household is None or expect is None:
            return None
        programs = data.get("programs", list(expect))
        return RuleCase(
            name=name,
            on=on,
            household=household,
            expect=expect,
            programs=tuple(programs),
            where=self.place(path).split(" ")[0],
        )

    def household(self, data: Mapping[str, Any], path: str, on: date) -> Household | None:
        before = len(self.problems)
        body = data.get("household", {})
        if not isinstance(body, dict):
            self.problem(
                f"{path}.household", "'household' must be a table.", "`household` harus tabel."
            )
            return None
        at = f"{path}.household"
        self.unknown_keys(body, at, _HOUSEHOLD_KEYS)
        region_text = data.get("region")
        try:
            region = RegionCode.parse(str(region_text))
        except InvalidInputError as error:
            self.problems += [
                Problem(self.place(f"{path}.region"), p.message, p.message_id)
                for p in error.problems
            ]
            return None
        members = []
        raw_members = data.get("members", [])
        for j, member in enumerate(raw_members if isinstance(raw_members, list) else []):
            person = self.member(member, f"{path}.members[{j}]", j, on, region)
            if person is not None:
                members.append(person)
        housing = Housing(
            floor=self.enum(FloorType, body.get("floor"), f"{at}.floor"),
            wall=self.enum(WallType, body.get("wall"), f"{at}.wall"),
            roof_unfit=self.typed(body, "roof_unfit", bool, at),
            own_toilet=self.typed(body, "own_toilet", bool, at),
            owns_land=self.typed(body, "owns_land", bool, at),
            electricity_va=self.typed(body, "electricity_va", int, at),
            housing_aid_before=self.typed(body, "housing_aid_before", bool, at),
        )
        registry = RegistryStatus(
            in_registry=self.typed(body, "in_registry", bool, at),
            decile=self.typed(body, "decile", int, at),
        )
        receives = body.get("receives", [])
        if not isinstance(receives, list) or not all(isinstance(r, str) for r in receives):
            self.problem(
                f"{at}.receives",
                "'receives' is a list of program codes.",
                "`receives` adalah daftar kode program.",
            )
            receives = []
        if len(self.problems) > before:
            return None
        try:
            household = Household(
                region=region,
                members=tuple(members),
                housing=housing,
                registry=registry,
                programs_received=frozenset(receives),
            )
        except InvalidInputError as error:
            self.problems += [
                Problem(self.place(f"{path}.{p.path}"), p.message, p.message_id)
                for p in error.problems
            ]
            return None
        problems = household.problems_on(on)
        self.problems += [
            Problem(self.place(f"{path}.{p.path}"), p.message, p.message_id) for p in problems
        ]
        return None if problems else household

    def member(
        self, data: Any, path: str, index: int, on: date, region: RegionCode
    ) -> Person | None:
        if not isinstance(data, dict):
            self.problem(path, "Each member must be a table.", "Setiap anggota harus tabel.")
            return None
        self.unknown_keys(data, path, _MEMBER_KEYS)
        sex = self.enum(Sex, data.get("sex"), f"{path}.sex")
        if sex is None:
            self.problem(
                f"{path}.sex",
                "'sex' is required: male or female.",
                '`sex` wajib: `"male"` (laki-laki) atau `"female"` (perempuan).',
            )
            return None
        born = data.get("birth_date")
        if isinstance(born, str) and born in self.impossible:
            return None  # reported with its line when the file was read
        age = self.typed(data, "age", int, path)
        if born is None and age is not None:
            born = _birthday(on, age)
        if not isinstance(born, date):
            self.problem(
                path,
                "Give 'age' (years on the case date) or 'birth_date'.",
                "Isi `age` (umur pada tanggal kasus) atau `birth_date`.",
            )
            return None
        default = Relationship.HEAD if index == 0 else Relationship.OTHER
        relationship = self.enum(
            Relationship, data.get("relationship", default.value), f"{path}.relationship"
        )
        nik = None
        if isinstance(data.get("nik"), str):
            try:
                nik = Nik(data["nik"])
            except InvalidInputError as error:
                self.problems += [
                    Problem(self.place(f"{path}.nik"), p.message, p.message_id)
                    for p in error.problems
                ]
        elif self.typed(data, "has_nik", bool, path):
            nik = _made_up_nik(region, born, sex, index)
        return Person(
            member_id=str(data.get("id", f"m{index + 1}")),
            relationship=relationship or default,
            birth_date=born,
            sex=sex,
            nik=nik,
            pregnant=self.typed(data, "pregnant", bool, path),
            disability=self.enum(Disability, data.get("disability"), f"{path}.disability"),
            schooling=self.enum(Schooling, data.get("schooling"), f"{path}.schooling"),
            working=self.typed(data, "working", bool, path),
            monthly_income=self.typed(data, "monthly_income", int, path),
        )

    def expectations(self, data: Any, path: str) -> dict[str, Expectation] | None:
        if not isinstance(data, dict) or not data:
            self.problem(
                path,
                "'expect' needs at least one program, such as expect.PKH = \"eligible\".",
                "`expect` memerlukan paling sedikit satu program, misalnya "
                '`expect.PKH = "eligible"`.',
            )
            return None
        found: dict[str, Expectation] = {}
        for code, value in data.items():
            at = f"{path}.{code}"
            body = {"status": value} if isinstance(value, str) else value
            if not isinstance(body, dict):
                self.problem(at, "Expected a status or a table.", "Seharusnya status atau tabel.")
                continue
            self.unknown_keys(body, at, {"status", "benefit", "missing", "criteria"})
            status = self.enum(Status, body.get("status"), f"{at}.status")
            criteria = {}
            raw = body.get("criteria", {})
            for name, outcome in raw.items() if isinstance(raw, dict) else ():
                text = outcome if isinstance(outcome, str) else ("true" if outcome else "false")
                found_outcome = self.enum(Outcome, text, f"{at}.criteria.{name}")
                if found_outcome is not None:
                    criteria[name] = found_outcome
            missing = body.get("missing")
            found[code] = Expectation(
                status=status,
                benefit=self.typed(body, "benefit", int, at),
                missing=None if missing is None else tuple(sorted(missing)),
                criteria=criteria,
            )
        return found


def _birthday(on: date, age: int) -> date:
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February
        return on.replace(year=on.year - age, day=28)


def _made_up_nik(region: RegionCode, born: date, sex: Sex, index: int) -> Nik:
    """A NIK of the right shape and sex for a test member (not a real person's)."""
    day = born.day + (40 if sex is Sex.FEMALE else 0)
    digits = region.digits[:6].ljust(6, "0")
    return Nik(f"{digits}{day:02d}{born.month:02d}{born.year % 100:02d}{index + 1:04d}")


def load_cases(path: str | Path, *, rulebook: Rulebook | None = None) -> CaseFile:
    """Read a case file and build the rulebook its cases run against.

    Args:
        path: the case file.
        rulebook: run against this rulebook instead of the pack plus the file's variants.

    Raises:
        InvalidInputError: the file, its variants or a household in it has problems;
            every one is listed with its line.
    """
    import tomllib  # noqa: PLC0415 - stdlib, only here

    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        readable, impossible = _quote_impossible_dates(text)
        data = tomllib.loads(readable)
    except OSError as error:
        raise InvalidInputError.single(
            label,
            f"Cannot read the case file: {error.strerror}.",
            f"Berkas kasus tidak dapat dibaca (`{error.strerror}`).",
        ) from None
    except UnicodeDecodeError as error:
        raise InvalidInputError.single(
            label,
            f"The case file is not UTF-8 text (byte {error.start}). Save it as UTF-8.",
            f"Berkas kasus bukan teks UTF-8 (byte {error.start}). Simpan sebagai UTF-8.",
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError.single(
            label,
            f"This is not valid TOML: {error}.",
            f"Ini bukan TOML yang sah: {error}.",
        ) from None
    reader = _CaseReader(locate(text, label), label)
    reader.impossible = {value for _, value in impossible}
    reader.problems += [
        Problem(
            f"{label}:{line}",
            f"{value} is not a real date; write it as YYYY-MM-DD such as 2025-03-01.",
            f"{value} bukan tanggal yang ada; tulis sebagai YYYY-MM-DD seperti 2025-03-01.",
        )
        for line, value in impossible
    ]
    reader.unknown_keys(data, "", {"variants", "case"})
    variants = data.get("variants", [])
    if rulebook is None:
        rulebook = load_rulebook(*[path.parent / v for v in variants])
    cases = [reader.case(c, i) for i, c in enumerate(data.get("case", []))]
    if not cases:
        reader.problem("case", "The file has no [[case]].", "Berkas tidak memiliki `[[case]]`.")
    if reader.problems:
        raise InvalidInputError(in_file_order(reader.problems), subject="the input")
    return CaseFile(path=label, rulebook=rulebook, cases=tuple(c for c in cases if c is not None))


_BARE_DATE = re.compile(r"(=\s*)(\d{4}-\d{2}-\d{2})(?=\s*(?:#|,|\}|\]|$))", re.MULTILINE)


def _quote_impossible_dates(text: str) -> tuple[str, list[tuple[int, str]]]:
    r"""*text* with impossible dates (2025-02-30) quoted, and where they were.

    TOML refuses such a date and stops there; quoted, the file reads on, so every other
    problem of the file is reported too.

    Examples:
        >>> _quote_impossible_dates("on = 2025-02-30\nx = 2025-03-01\n")
        ('on = "2025-02-30"\nx = 2025-03-01\n', [(1, '2025-02-30')])
    """
    found: list[tuple[int, str]] = []

    def quote(match: re.Match[str]) -> str:
        try:
            date.fromisoformat(match.group(2))
        except ValueError:
            found.append((text.count("\n", 0, match.start()) + 1, match.group(2)))
            return f'{match.group(1)}"{match.group(2)}"'
        return match.group(0)

    return _BARE_DATE.sub(quote, text), found


def run_case(case: RuleCase, rulebook: Rulebook) -> CaseResult:
    """Decide one case with both evaluators and check its expectations."""
    unknown = [c for c in case.programs if c not in rulebook.programs]
    if unknown:
        known = ", ".join(rulebook.programs)
        found = []
        for code in unknown:
            hint = closest(code, rulebook.programs)
            found.append(
                (
                    f"{code}: unknown program"
                    + (f"; did you mean {hint!r}?" if hint else "")
                    + f" The rulebook has {known}",
                    f"{code}: program tidak dikenal"
                    + (f"; mungkin maksudnya {hint!r}?" if hint else "")
                    + f" Buku aturan memuat {known}",
                )
            )
        return _result(case, found, {})
    made = decide(case.household, on=case.on, rulebook=rulebook, programs=case.programs)
    screened = screen(
        Population.from_households([case.household]),
        on=case.on,
        rulebook=rulebook,
        programs=case.programs,
    ).decisions(0)
    failures = [
        (
            f"{code}: the scalar and vectorised evaluators disagree (a bug; report it)",
            f"{code}: evaluator skalar dan tervektor tidak sepakat (galat; laporkan)",
        )
        for code in case.programs
        if made[code] != screened[code]
    ]
    for code, expected in case.expect.items():
        failures += _check(code, expected, made[code])
    return _result(case, failures, made)


def _result(
    case: RuleCase, failures: list[tuple[str, str]], made: Mapping[str, Decision]
) -> CaseResult:
    return CaseResult(
        case=case,
        failures=tuple(en for en, _ in failures),
        failures_id=tuple(id_ for _, id_ in failures),
        decisions=made,
    )


_OUTCOME_ID = {Outcome.TRUE: "benar", Outcome.FALSE: "salah", Outcome.UNKNOWN: "tidak diketahui"}


def _status_word(status: Status) -> tuple[str, str]:
    return status.value, status.label("id")


def _check(code: str, expected: Expectation, decision: Decision) -> list[tuple[str, str]]:
    failures = []
    if expected.status is not None and decision.status is not expected.status:
        want, got = _status_word(expected.status), _status_word(decision.status)
        failures.append(
            (
                f"{code}: expected {want[0]}, got {got[0]}",
                f"{code}: seharusnya {want[1]}, hasilnya {got[1]}",
            )
        )
    if expected.benefit is not None:
        amount = decision.benefit.amount if decision.benefit else None
        if amount != expected.benefit:
            shown = "-" if amount is None else rupiah(amount)
            failures.append(
                (
                    f"{code}: expected benefit {expected.benefit}, got {amount}",
                    f"{code}: seharusnya manfaat {rupiah(expected.benefit)}, hasilnya {shown}",
                )
            )
    if expected.missing is not None and tuple(decision.missing) != expected.missing:
        failures.append(
            (
                f"{code}: expected missing {list(expected.missing)}, got {list(decision.missing)}",
                (
                    f"{code}: seharusnya masukan kosong {list(expected.missing)}, hasilnya "
                    f"{list(decision.missing)}"
                ),
            )
        )
    for name, outcome in expected.criteria.items():
        node = decision.explanation.find(name)
        if node is None:
            failures.append(
                (
                    f"{code}: criterion {name!r} is not in its explanation",
                    f"{code}: kriteria {name!r} tidak ada dalam penjelasannya",
                )
            )
        elif node.outcome is not outcome:
            failures.append(
                (
                    f"{code}: criterion {name} expected {outcome.value}, got {node.outcome.value}",
                    (
                        f"{code}: kriteria {name} seharusnya {_OUTCOME_ID[outcome]}, hasilnya "
                        f"{_OUTCOME_ID[node.outcome]}"
                    ),
                )
            )
    return failures


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """The case files in *paths* (files, or folders searched for case files)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(
                f
                for f in p.rglob("*.toml")
                if f.name.startswith("rules_") or f.name.endswith(".rules.toml")
            )
        else:
            found.append(p)
    return found


def pack_cases() -> Path:
    """The folder of the pack's own cases."""
    return Path(str(pack_path().joinpath("cases")))


def run_cases(paths: Iterable[str | Path], *, rulebook: Rulebook | None = None) -> list[CaseResult]:
    """Run every case of the case files in *paths*.

    Raises:
        InvalidInputError: a case file has problems (all are listed).

    Examples:
        >>> results = run_cases([pack_cases()])
        >>> all(r.passed for r in results), len(results) > 10
        (True, True)
    """
    results: list[CaseResult] = []
    for path in case_files(paths):
        loaded = load_cases(path, rulebook=rulebook)
        results += [run_case(case, loaded.rulebook) for case in loaded.cases]
    return results
