"""The state a rulebook build shares between its topics, and the helpers they all use.

A build (:mod:`slrt_core.rules._build`) merges the base definitions and each variant,
checks everything and compiles a plan. Its topics live in their own modules:

- :mod:`~slrt_core.rules._build_definitions`: parameters, criteria and programs added,
  with their dated values;
- :mod:`~slrt_core.rules._build_overrides`: what variants change (overrides,
  switch-offs) and overlapping dates;
- :mod:`~slrt_core.rules._build_programs`: program definitions checked;
- :mod:`~slrt_core.rules._build_criteria`: criterion tests, types and cycles checked.

Each is a mixin over :class:`BuildState`, which holds what is being built and the
problems found so far (every problem is listed at the end, never the first alone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.rules._criteria import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Criterion,
    Input,
    Not,
    criterion_refs,
)
from slrt_core.rules._inputs import INPUTS, Scope, ValueType, input_spec, type_of
from slrt_core.rules._parameters import Domain, Parameter, ParameterTable, ParameterValue
from slrt_core.rules._programs import Program
from slrt_core.rules._variants import Variant

__all__ = [
    "BEGINNING",
    "Base",
    "BuildState",
    "Problems",
    "Source",
    "closest",
    "in_file_order",
    "input_names",
    "offered_program",
]

BEGINNING = date(1900, 1, 1)
"""The start of a value that has always applied (a program not offered by default)."""

Base = tuple[tuple[Parameter, ...], tuple[Criterion, ...], tuple[Program, ...]]
"""National parameters, criteria and programs, as given."""


_PLACE = re.compile(r"^(.*?):(\d+)(?:\s|$)")


def in_file_order(problems: Iterable[Problem]) -> list[Problem]:
    """*problems* sorted by file and line; those without a line keep their order, last.

    Examples:
        >>> found = in_file_order([Problem("v.toml:9 a", "", ""), Problem("v.toml:2 b", "", ""),
        ...                        Problem("x", "", "")])
        >>> [p.path for p in found]
        ['v.toml:2 b', 'v.toml:9 a', 'x']
    """
    numbered: list[tuple[str, int, int, Problem]] = []
    rest: list[Problem] = []
    for i, problem in enumerate(problems):
        match = _PLACE.match(problem.path)
        if match:
            numbered.append((match.group(1), int(match.group(2)), i, problem))
        else:
            rest.append(problem)
    return [p for *_, p in sorted(numbered, key=lambda t: t[:3])] + rest


class Problems:
    """Collects problems of a rulebook being built."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, place: str, en: str, id_: str) -> None:
        self.items.append(Problem(place, en, id_))


@attrs.frozen
class Source:
    """Where definitions came from: the base or a variant, and their file origins."""

    label: str
    origins: Mapping[str, str]

    def place(self, path: str) -> str:
        """``file.toml:12 path`` when the origin is known, else ``label path``."""
        probe = path
        while probe:
            found = self.origins.get(probe)
            if found:
                return f"{found} {path}"
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return f"{self.label} {path}".strip()


class BuildState:
    """What is being built, and the problems found so far."""

    def __init__(
        self,
        name: str,
        version: str,
        base: Base,
        variants: tuple[Variant, ...],
        origins: dict[str, str],
    ) -> None:
        self.name = name
        self.version = version
        self.base = base
        self.variants = variants
        self.base_source = Source("", origins)
        self.origins = origins
        self.problems = Problems()
        self.parameters: dict[str, Parameter] = {}
        self.criteria: dict[str, Criterion] = {}
        self.programs: dict[str, Program] = {}
        self.sources: dict[str, Source] = {}
        self.table = ParameterTable()
        self._scopes: dict[str, Scope] = {}

    def _problem(self, source: Source, path: str, en: str, id_: str) -> None:
        self.problems.add(source.place(path), en, id_)

    def _duplicate(self, source: Source, path: str, kind: str, name: str) -> None:
        kind_id = {"parameter": "parameter", "criterion": "kriteria", "program": "program"}[kind]
        self._problem(
            source,
            path,
            f"The {kind} {name!r} is already defined. To change a parameter use an override; "
            "otherwise choose another name.",
            f"{kind_id.capitalize()} {name!r} sudah didefinisikan. Untuk mengubah parameter "
            "gunakan override; selain itu pilih nama lain.",
        )

    def _check_layer_region(self, source: Source, path: str, code: str, within: str) -> bool:
        try:
            region = RegionCode(code)
        except InvalidInputError:
            region = None
        if region is None or not region.is_known():
            self._problem(
                source,
                path,
                f"Region {code!r} is not in the Kemendagri 2025 list. Check the code "
                "(dotted, such as '33.74').",
                f"Wilayah {code!r} tidak ada dalam daftar Kemendagri 2025. Periksa kodenya "
                "(bertitik, seperti '33.74').",
            )
            return False
        if not RegionCode(within).contains(region):
            self._problem(
                source,
                path,
                f"Region {code} is outside the variant's region {within}; a variant changes "
                "only its own region.",
                f"Wilayah {code} di luar wilayah varian {within}; varian hanya mengubah "
                "wilayahnya sendiri.",
            )
            return False
        return True

    def _value_ok(
        self,
        source: Source,
        at: str,
        name: str,
        kind: ValueType,
        value: ParameterValue,
        domain: Domain | None = None,
    ) -> bool:
        ok = True
        found = type_of(value.value)
        if found is not kind:
            self._problem(
                source,
                f"{at}.value",
                f"Parameter {name!r} is of type {kind.value}, but the value {value.value!r} is "
                f"{found.value if found else 'of no supported type'}. Write a value of type "
                f"{kind.value}.",
                f"Parameter {name!r} bertipe {kind.value}, tetapi nilai {value.value!r} "
                f"{'bertipe ' + found.value if found else 'tipenya tidak didukung'}. Tulis "
                f"nilai {kind.value}.",
            )
            ok = False
        if value.valid_until is not None and value.valid_until < value.valid_from:
            self._problem(
                source,
                f"{at}.valid_until",
                f"The value of {name!r} ends on {value.valid_until} before it starts on "
                f"{value.valid_from}. Correct one of the dates.",
                f"Nilai {name!r} berakhir {value.valid_until} sebelum mulai "
                f"{value.valid_from}. Perbaiki salah satu tanggal.",
            )
            ok = False
        outside = None if domain is None or not ok else domain.problem(value.value)
        if outside is not None:
            why = f" ({domain.reason})" if domain is not None and domain.reason else ""
            why_id = f" ({domain.reason_id})" if domain is not None and domain.reason_id else ""
            self._problem(
                source,
                f"{at}.value",
                f"The value of {name!r} is impossible: {outside[0]}{why}. Correct the value "
                "(a typo?).",
                f"Nilai {name!r} tidak mungkin: {outside[1]}{why_id}. Perbaiki nilainya "
                "(salah ketik?).",
            )
            ok = False
        return ok

    def _unknown(
        self, source: Source, path: str, kind: str, name: str, known: Iterable[str]
    ) -> None:
        kind_id = {
            "parameter": "Parameter",
            "program": "Program",
            "criterion": "Kriteria",
            "input": "Masukan",
        }[kind]
        hint = closest(name, known)
        hint_en = f" Did you mean {hint!r}?" if hint else ""
        hint_id = f" Mungkin maksudnya {hint!r}?" if hint else ""
        self._problem(
            source,
            path,
            f"Unknown {kind} {name!r}.{hint_en} Check the spelling or define it first.",
            f"{kind_id} {name!r} tidak dikenal.{hint_id} Periksa ejaannya atau definisikan dahulu.",
        )

    def _scope(self, name: str, seen: frozenset[str] = frozenset()) -> Scope:
        found = self._scopes.get(name)
        if found is not None:
            return found
        criterion = self.criteria.get(name)
        if criterion is None or name in seen:
            return Scope.HOUSEHOLD
        test = criterion.test
        scope = Scope.HOUSEHOLD
        if isinstance(test, Compare) and isinstance(test.left, Input):
            spec = input_spec(test.left.name)
            scope = spec.scope if spec is not None else Scope.HOUSEHOLD
        elif isinstance(test, (AllOf, AnyOf, AtLeast, Not)):
            inner = seen | {name}
            if any(self._scope(c, inner) is Scope.MEMBER for c in criterion_refs(test)):
                scope = Scope.MEMBER
        self._scopes[name] = scope
        return scope


def offered_program(name: str) -> str | None:
    match = re.fullmatch(r"programs\.([A-Z][A-Z0-9_]*)\.offered", name)
    return match.group(1) if match else None


def input_names() -> tuple[str, ...]:

    return (*INPUTS, "receives.<CODE>")


def closest(name: str, known: Iterable[str]) -> str | None:
    import difflib  # noqa: PLC0415 - only on the error path

    found = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return found[0] if found else None
