"""A rulebook: programs, criteria and dated regional parameters, plus local variants.

A :class:`Rulebook` is built once (from the shipped pack, TOML files or Python values),
checked completely (every problem is listed, with file and line when it came from a
file), compiled into a :class:`~slrt_core.rules._plan.Plan`, and then used by both
evaluators. It is immutable: :meth:`Rulebook.with_variants` returns a new one.

A :class:`Variant` is what a province or district changes without forking: parameter
overrides from a date (:class:`Override`), programs switched off (:class:`SwitchOff`),
and its own parameters, criteria and programs (a city health card), offered only inside
its region.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.rules._criteria import (
    LIST_OPS,
    OPS,
    ORDER_OPS,
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Criterion,
    Eligible,
    Flag,
    Input,
    MemberAny,
    MemberCount,
    MemberSum,
    Not,
    Param,
    PerCapita,
    Value,
    criterion_refs,
)
from slrt_core.rules._decision import ParameterUsed, Period
from slrt_core.rules._inputs import LiteralValue, Scope, ValueType, input_spec, type_of
from slrt_core.rules._parameters import Parameter, ParameterTable, ParameterValue
from slrt_core.rules._plan import Plan, program_synthetics
from slrt_core.rules._programs import (
    Component,
    FixedBenefit,
    InKindBenefit,
    Overlap,
    OverlapKind,
    PerMemberBenefit,
    Program,
    offered_param,
)
from slrt_core.vocabulary import Sector, Tier

__all__ = ["Override", "Resolution", "Rulebook", "SwitchOff", "Variant"]

_CRITERION_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PROGRAM_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_PARAM_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-zA-Z0-9_]+)*")
_BEGINNING = date(1900, 1, 1)


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


@attrs.frozen(kw_only=True)
class Resolution:
    """The rulebook as it applies in one region on one date.

    Attributes:
        region: the region code.
        on: the date.
        offered: the program codes offered there and then.
        parameters: every parameter with a value there and then.

    .. versionadded:: 0.1.0
    """

    region: str
    on: date
    offered: tuple[str, ...]
    parameters: Mapping[str, ParameterUsed]


@attrs.frozen
class Resolved:
    """Parameter values for one region chain and date (scalar evaluator)."""

    values: dict[str, LiteralValue | None]
    used: dict[str, ParameterUsed | None]


def chain_of(code: str) -> tuple[str, ...]:
    """A region code, then each ancestor, ending with ``""`` (national).

    Examples:
        >>> chain_of("33.74.01.1001")
        ('33.74.01.1001', '33.74.01', '33.74', '33', '')
    """
    if not code:
        return ("",)
    parts = code.split(".")
    return (*(".".join(parts[:i]) for i in range(len(parts), 0, -1)), "")


class _Problems:
    """Collects problems of a rulebook being built."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, place: str, en: str, id_: str) -> None:
        self.items.append(Problem(place, en, id_))


@attrs.frozen
class _Source:
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


class Rulebook:
    """Programs, criteria and dated regional parameters, with local variants applied.

    Build one with :meth:`build`, :func:`~slrt_core.rules.load_pack` or
    :func:`~slrt_core.rules.load_rulebook`; add variants with :meth:`with_variants`.

    Examples:
        >>> from slrt_core.rules import load_pack
        >>> pack = load_pack()
        >>> "PKH" in pack.programs, pack.inputs("SEMBAKO")
        (True, ('decile', 'in_registry'))
        >>> from slrt_core.vocabulary import Sector
        >>> pack.programs_for(Sector.HOUSING)
        ('RTLH',)

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        name: str,
        pack_version: str,
        parameters: Mapping[str, Parameter],
        criteria: Mapping[str, Criterion],
        programs: Mapping[str, Program],
        variants: tuple[Variant, ...],
        table: ParameterTable,
        plan: Plan,
        base: tuple[tuple[Parameter, ...], tuple[Criterion, ...], tuple[Program, ...]],
        origins: Mapping[str, str],
    ) -> None:
        self.name = name
        self.pack_version = pack_version
        self.parameters: Mapping[str, Parameter] = parameters
        self.criteria: Mapping[str, Criterion] = criteria
        self.programs: Mapping[str, Program] = programs
        self.variants = variants
        self.table = table
        self.plan = plan
        self._base = base
        self._origins = origins
        self._regional_codes = table.regional_codes()
        self._resolved: dict[tuple[tuple[str, ...], date], Resolved] = {}
        self._chains: dict[str, tuple[str, ...]] = {}
        self.version = f"{pack_version}+{self._content_hash()}"
        self.cache: dict[object, object] = {}
        """Compiled evaluators, keyed by their module (filled lazily)."""

    # ------------------------------------------------------------------ building

    @classmethod
    def build(
        cls,
        *,
        name: str,
        version: str,
        parameters: Iterable[Parameter],
        criteria: Iterable[Criterion],
        programs: Iterable[Program],
        variants: Iterable[Variant] = (),
        origins: Mapping[str, str] | None = None,
    ) -> Rulebook:
        """Check and compile a rulebook.

        Args:
            name: the rulebook name (``slrt-id``).
            version: the pack version; :attr:`version` adds a content hash.
            parameters: national parameters.
            criteria: criteria.
            programs: programs.
            variants: regional variants, applied in order.
            origins: where each definition was read from, by path (``criteria.x``).

        Raises:
            InvalidInputError: listing every problem (unknown names, wrong types,
                overlapping dates, unknown regions, dependency cycles).
        """
        base = (tuple(parameters), tuple(criteria), tuple(programs))
        return _Builder(name, version, base, tuple(variants), dict(origins or {})).build()

    def with_variants(self, *variants: Variant) -> Rulebook:
        """A new rulebook with *variants* applied on top of this one's.

        Raises:
            InvalidInputError: listing every problem of the variants.
        """
        return _Builder(
            self.name,
            self.pack_version,
            self._base,
            (*self.variants, *variants),
            dict(self._origins),
        ).build()

    def _content_hash(self) -> str:
        digest = hashlib.sha256()
        for part in (*self._base, self.variants):
            digest.update(repr(part).encode())
        return digest.hexdigest()[:12]

    # ------------------------------------------------------------------ queries

    def inputs(self, program: str) -> tuple[str, ...]:
        """Every input *program* reads (through its criteria, overlaps and benefit).

        Raises:
            InvalidInputError: no such program.
        """
        self._check_programs((program,))
        return self.plan.inputs(program)

    def programs_for(self, sector: Sector) -> tuple[str, ...]:
        """The codes of the programs that serve *sector*, in rulebook order."""
        return tuple(code for code, p in self.programs.items() if sector in p.sectors)

    def resolve(self, region: RegionCode | str, on: date) -> Resolution:
        """The programs offered and the parameter values in *region* on *on*.

        Examples:
            >>> from slrt_core.rules import load_pack
            >>> r = load_pack().resolve("33.74.01.1001", date(2025, 3, 1))
            >>> r.parameters["sembako.amount"].value, "KUBE" in r.offered
            ('200000', True)
        """
        code = str(region)
        resolved = self.resolved(code, on)
        offered = tuple(code_ for code_ in self.programs if resolved.values[offered_param(code_)])
        used = {k: v for k, v in resolved.used.items() if v is not None}
        return Resolution(region=code, on=on, offered=offered, parameters=used)

    def chain(self, region: str) -> tuple[str, ...]:
        """The region layers that matter for *region* (a dotted code).

        Most specific first: the region and those of its ancestors that have values,
        ending ``""`` (national).
        """
        found = self._chains.get(region)
        if found is None:
            found = tuple(c for c in chain_of(region) if c in self._regional_codes or not c)
            if len(self._chains) > 100_000:  # noqa: PLR2004 - bound the cache
                self._chains.clear()
            self._chains[region] = found
        return found

    def resolved(self, region: str, on: date) -> Resolved:
        """Every parameter value for *region* (a dotted code) on *on*, cached."""
        return self.resolved_chain(self.chain(region), on)

    def resolved_chain(self, chain: tuple[str, ...], on: date) -> Resolved:
        """Every parameter value for a chain of region layers on *on*, cached."""
        key = (chain, on)
        found = self._resolved.get(key)
        if found is None:
            values: dict[str, LiteralValue | None] = {}
            used: dict[str, ParameterUsed | None] = {}
            for name in self.table.names():
                hit = self.table.resolve(name, chain, on)
                values[name] = None if hit is None else hit[0]
                used[name] = None if hit is None else hit[1].used
            found = Resolved(values, used)
            if len(self._resolved) > 10_000:  # noqa: PLR2004 - bound the cache
                self._resolved.clear()
            self._resolved[key] = found
        return found

    def _check_programs(self, codes: Iterable[str]) -> tuple[str, ...]:
        codes = tuple(codes)
        unknown = [c for c in codes if c not in self.programs]
        if unknown:
            known = ", ".join(self.programs)
            raise InvalidInputError(
                [
                    Problem(
                        "programs",
                        f"Unknown program {c!r}; the rulebook has {known}.",
                        f"Program {c!r} tidak dikenal; buku aturan memuat {known}.",
                    )
                    for c in unknown
                ],
                subject="the rulebook",
            )
        return codes

    def select(self, programs: Iterable[str] | None) -> tuple[str, ...]:
        """The program codes to evaluate: *programs*, or all of them.

        Raises:
            InvalidInputError: an unknown program code.
        """
        if programs is None:
            return tuple(self.programs)
        return self._check_programs(programs)

    def __repr__(self) -> str:
        """Name, version and programs."""
        return f"<Rulebook {self.name} {self.version}: {', '.join(self.programs)}>"


# --------------------------------------------------------------------------- builder


class _Builder:
    """Merges base and variants, checks everything, and compiles."""

    def __init__(
        self,
        name: str,
        version: str,
        base: tuple[tuple[Parameter, ...], tuple[Criterion, ...], tuple[Program, ...]],
        variants: tuple[Variant, ...],
        origins: dict[str, str],
    ) -> None:
        self.name = name
        self.version = version
        self.base = base
        self.variants = variants
        self.base_source = _Source("", origins)
        self.origins = origins
        self.problems = _Problems()
        self.parameters: dict[str, Parameter] = {}
        self.criteria: dict[str, Criterion] = {}
        self.programs: dict[str, Program] = {}
        self.sources: dict[str, _Source] = {}
        self.table = ParameterTable()
        self._scopes: dict[str, Scope] = {}

    def build(self) -> Rulebook:
        params, criteria, programs = self.base
        self._add_definitions(self.base_source, params, criteria, programs, region=None)
        for variant in self.variants:
            source = _Source(f"variant {variant.name!r}", variant.origins)
            self._check_variant_region(source, variant)
            self._add_definitions(
                source, variant.parameters, variant.criteria, variant.programs, region=variant
            )
        for variant in self.variants:
            source = _Source(f"variant {variant.name!r}", variant.origins)
            self._apply_overrides(source, variant)
        self._check_dates()
        synthetic: dict[str, Criterion] = {}
        for code, program in self.programs.items():
            self._check_program(code, program)
            for made in program_synthetics(program):
                synthetic.setdefault(made.name, made)
        everything = {**self.criteria, **synthetic}
        for name, criterion in self.criteria.items():
            self._check_test(name, criterion.test)  # Python callers may pass anything
        self._check_cycles(everything)
        if self.problems.items:
            raise InvalidInputError(self.problems.items, subject="the rulebook")
        plan = Plan(everything, self.programs)
        return Rulebook(
            name=self.name,
            pack_version=self.version,
            parameters=self.parameters,
            criteria=self.criteria,
            programs=self.programs,
            variants=self.variants,
            table=self.table,
            plan=plan,
            base=self.base,
            origins=self.origins,
        )

    # ---------------------------------------------------------------- definitions

    def _problem(self, source: _Source, path: str, en: str, id_: str) -> None:
        self.problems.add(source.place(path), en, id_)

    def _check_variant_region(self, source: _Source, variant: Variant) -> None:
        region: object = variant.region  # Python callers may pass anything
        if not (isinstance(region, RegionCode) and region.is_known()):
            self._problem(
                source,
                "variant.region",
                f"Region {region!s} is not in the Kemendagri 2025 list. Use a province or "
                "regency code such as '33' or '33.74'.",
                f"Wilayah {region!s} tidak ada dalam daftar Kemendagri 2025. Gunakan kode "
                "provinsi atau kabupaten/kota seperti '33' atau '33.74'.",
            )

    def _add_definitions(
        self,
        source: _Source,
        params: Sequence[Parameter],
        criteria: Sequence[Criterion],
        programs: Sequence[Program],
        *,
        region: Variant | None,
    ) -> None:
        layer = "" if region is None else region.region.code
        self._add_parameters(source, params, layer)
        self._add_criteria(source, criteria)
        self._add_programs(source, programs, region)

    def _add_parameters(self, source: _Source, params: Sequence[Parameter], layer: str) -> None:
        for param in params:
            path = f"parameters.{param.name}"
            if not _PARAM_NAME.fullmatch(param.name) or param.name.startswith("programs."):
                self._problem(
                    source,
                    path,
                    f"Parameter name {param.name!r} must be dotted lower-case words such as "
                    "'pkh.amount.pregnant' and must not start with 'programs.'.",
                    f"Nama parameter {param.name!r} harus kata huruf kecil bertitik seperti "
                    "'pkh.amount.pregnant' dan tidak diawali 'programs.'.",
                )
            if param.name in self.parameters:
                self._duplicate(source, path, "parameter", param.name)
                continue
            self.parameters[param.name] = param
            self.sources[path] = source
            self._add_values(source, path, param, layer, param.values, base=True)
            for code, values in param.regional.items():
                self._check_layer_region(source, f"{path}.regional.{code}", code, layer)
                self._add_values(source, f"{path}.regional.{code}", param, code, values)

    def _add_criteria(self, source: _Source, criteria: Sequence[Criterion]) -> None:
        for criterion in criteria:
            path = f"criteria.{criterion.name}"
            if not _CRITERION_NAME.fullmatch(criterion.name):
                self._problem(
                    source,
                    path,
                    f"Criterion name {criterion.name!r} must be a snake_case word such as "
                    "'pkh_pregnant'.",
                    f"Nama kriteria {criterion.name!r} harus satu kata snake_case seperti "
                    "'pkh_pregnant'.",
                )
            if criterion.name in self.criteria:
                self._duplicate(source, path, "criterion", criterion.name)
                continue
            self.criteria[criterion.name] = criterion
            self.sources[path] = source

    def _add_programs(
        self, source: _Source, programs: Sequence[Program], region: Variant | None
    ) -> None:
        layer = "" if region is None else region.region.code
        for program in programs:
            path = f"programs.{program.code}"
            if not _PROGRAM_CODE.fullmatch(program.code):
                self._problem(
                    source,
                    path,
                    f"Program code {program.code!r} must be upper case such as 'PKH' or "
                    "'KARTU_SEHAT'.",
                    f"Kode program {program.code!r} harus huruf besar seperti 'PKH' atau "
                    "'KARTU_SEHAT'.",
                )
            if program.code in self.programs:
                self._duplicate(source, path, "program", program.code)
                continue
            self.programs[program.code] = program
            self.sources[path] = source
            offered = offered_param(program.code)
            self.table.add(
                offered,
                "",
                ParameterValue(value=False, valid_from=_BEGINNING, source=""),
                origin=source.place(path),
            )
            self.table.add(
                offered,
                layer,
                ParameterValue(
                    value=True,
                    valid_from=program.offered_from,
                    source=program.reference if region is None else region.source,
                ),
                origin=source.place(path),
            )

    def _duplicate(self, source: _Source, path: str, kind: str, name: str) -> None:
        kind_id = {"parameter": "parameter", "criterion": "kriteria", "program": "program"}[kind]
        self._problem(
            source,
            path,
            f"The {kind} {name!r} is already defined. To change a parameter use an override; "
            "otherwise choose another name.",
            f"{kind_id.capitalize()} {name!r} sudah didefinisikan. Untuk mengubah parameter "
            "gunakan override; selain itu pilih nama lain.",
        )

    def _check_layer_region(self, source: _Source, path: str, code: str, within: str) -> bool:
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

    def _add_values(
        self,
        source: _Source,
        path: str,
        param: Parameter,
        layer: str,
        values: Sequence[ParameterValue],
        *,
        base: bool = False,
    ) -> None:
        if base and not values:
            self._problem(
                source,
                f"{path}.values",
                f"Parameter {param.name!r} has no value; give at least one with its date and "
                "source.",
                f"Parameter {param.name!r} tidak punya nilai; beri paling sedikit satu "
                "beserta tanggal dan sumbernya.",
            )
        kind: object = param.type  # Python callers may pass anything
        if not isinstance(kind, ValueType):
            self._problem(
                source,
                f"{path}.type",
                f"Unknown type {kind!r}; use one of {', '.join(ValueType)}.",
                f"Tipe {kind!r} tidak dikenal; gunakan salah satu dari {', '.join(ValueType)}.",
            )
            return
        for i, value in enumerate(values):
            at = f"{path}.values[{i}]"
            if self._value_ok(source, at, param.name, kind, value):
                self.table.add(param.name, layer, value, unit=param.unit, origin=source.place(at))

    def _value_ok(
        self, source: _Source, at: str, name: str, kind: ValueType, value: ParameterValue
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
        return ok

    def _apply_overrides(self, source: _Source, variant: Variant) -> None:
        for i, override in enumerate(variant.overrides):
            self._apply_override(source, f"override[{i}]", variant, override)
        for i, switch in enumerate(variant.switch_offs):
            self._apply_switch_off(source, f"switch_off[{i}]", variant, switch)

    def _layer(
        self, source: _Source, path: str, variant: Variant, region: RegionCode | None
    ) -> str | None:
        """The layer a change applies to: its region, inside the variant's, or ``None``."""
        if region is None:
            return variant.region.code
        inside = self._check_layer_region(
            source, f"{path}.region", str(region), variant.region.code
        )
        return region.code if inside else None

    def _apply_override(
        self, source: _Source, path: str, variant: Variant, override: Override
    ) -> None:
        layer = self._layer(source, path, variant, override.region)
        if layer is None:
            return
        param = self.parameters.get(override.parameter)
        if param is None:
            program = _offered_program(override.parameter)
            if program is None or program not in self.programs:
                self._unknown(
                    source, f"{path}.parameter", "parameter", override.parameter, self.parameters
                )
                return
        value = ParameterValue(
            value=override.value,
            valid_from=override.valid_from,
            valid_until=override.valid_until,
            source=override.source,
            uncertain=override.uncertain,
            note=override.note,
        )
        kind = param.type if param is not None else ValueType.BOOL
        if self._value_ok(source, path, override.parameter, kind, value):
            unit = param.unit if param is not None else ""
            self.table.add(override.parameter, layer, value, unit=unit, origin=source.place(path))

    def _apply_switch_off(
        self, source: _Source, path: str, variant: Variant, switch: SwitchOff
    ) -> None:
        layer = self._layer(source, path, variant, switch.region)
        if layer is None:
            return
        if switch.program not in self.programs:
            self._unknown(source, f"{path}.program", "program", switch.program, self.programs)
            return
        value = ParameterValue(
            value=False,
            valid_from=switch.valid_from,
            valid_until=switch.valid_until,
            source=switch.source,
        )
        name = offered_param(switch.program)
        if self._value_ok(source, path, name, ValueType.BOOL, value):
            self.table.add(name, layer, value, origin=source.place(path))

    def _unknown(
        self, source: _Source, path: str, kind: str, name: str, known: Iterable[str]
    ) -> None:
        kind_id = {
            "parameter": "Parameter",
            "program": "Program",
            "criterion": "Kriteria",
            "input": "Masukan",
        }[kind]
        hint = _closest(name, known)
        hint_en = f" Did you mean {hint!r}?" if hint else ""
        hint_id = f" Mungkin maksudnya {hint!r}?" if hint else ""
        self._problem(
            source,
            path,
            f"Unknown {kind} {name!r}.{hint_en} Check the spelling or define it first.",
            f"{kind_id} {name!r} tidak dikenal.{hint_id} Periksa ejaannya atau definisikan dahulu.",
        )

    def _check_dates(self) -> None:
        for name, region, before, after in self.table.overlaps():
            self.problems.add(
                after.origin,
                f"Values of {name!r} for {region or 'national'} overlap: one from "
                f"{before.valid_from} (until {before.valid_until or 'replaced'}, "
                f"{before.origin}) and one from {after.valid_from}. End the first before the "
                "second starts, or remove one.",
                f"Nilai {name!r} untuk {region or 'nasional'} tumpang tindih: satu sejak "
                f"{before.valid_from} (sampai {before.valid_until or 'diganti'}, "
                f"{before.origin}) dan satu sejak {after.valid_from}. Akhiri yang pertama "
                "sebelum yang kedua mulai, atau hapus salah satu.",
            )

    # ---------------------------------------------------------------- programs

    def _check_program(self, code: str, program: Program) -> None:
        source = self.sources[f"programs.{code}"]
        path = f"programs.{code}"
        if program.eligibility not in self.criteria:
            self._unknown(
                source, f"{path}.eligibility", "criterion", program.eligibility, self.criteria
            )
        elif self._scope(program.eligibility) is not Scope.HOUSEHOLD:
            self._problem(
                source,
                f"{path}.eligibility",
                f"The eligibility of {code} must be a household criterion, but "
                f"{program.eligibility!r} is about each member. Wrap it in a member_any "
                "criterion.",
                f"Kelayakan {code} harus kriteria rumah tangga, tetapi "
                f"{program.eligibility!r} tentang tiap anggota. Bungkus dengan kriteria "
                "member_any.",
            )
        sectors: tuple[object, ...] = program.sectors  # Python callers may pass anything
        for i, sector in enumerate(sectors):
            if not isinstance(sector, Sector):
                self._problem(
                    source,
                    f"{path}.sectors[{i}]",
                    f"Unknown sector {sector!r}; use one of {', '.join(Sector)}.",
                    f"Sektor {sector!r} tidak dikenal; gunakan salah satu dari "
                    f"{', '.join(Sector)}.",
                )
        tier: object = program.tier
        if not isinstance(tier, Tier):
            self._problem(
                source,
                f"{path}.tier",
                f"Unknown tier {tier!r}; use one of {', '.join(Tier)}.",
                f"Tingkat {tier!r} tidak dikenal; gunakan salah satu dari {', '.join(Tier)}.",
            )
        self._check_benefit(source, f"{path}.benefit", program.benefit)
        for i, overlap in enumerate(program.overlaps):
            self._check_overlap(source, f"{path}.overlaps[{i}]", code, overlap)

    def _check_benefit(self, source: _Source, path: str, benefit: object) -> None:
        if isinstance(benefit, FixedBenefit):
            self._check_int_param(source, f"{path}.amount", benefit.amount)
            self._check_period(source, path, benefit.period)
        elif isinstance(benefit, PerMemberBenefit):
            if not benefit.components:
                self._problem(
                    source,
                    f"{path}.components",
                    "A per-member benefit needs at least one component.",
                    "Manfaat per anggota memerlukan paling sedikit satu komponen.",
                )
            for i, component in enumerate(benefit.components):
                self._check_component(source, f"{path}.components[{i}]", component)
            if benefit.cap is not None:
                self._check_int_param(source, f"{path}.cap", benefit.cap)
            self._check_period(source, path, benefit.period)
        elif not isinstance(benefit, InKindBenefit):
            self._problem(
                source,
                path,
                f"Unknown benefit {benefit!r}; use FixedBenefit, PerMemberBenefit or "
                "InKindBenefit.",
                f"Manfaat {benefit!r} tidak dikenal; gunakan FixedBenefit, PerMemberBenefit "
                "atau InKindBenefit.",
            )

    def _check_period(self, source: _Source, path: str, period: object) -> None:
        if not isinstance(period, Period):
            self._problem(
                source,
                f"{path}.period",
                f"Unknown period {period!r}; use one of {', '.join(Period)}.",
                f"Periode {period!r} tidak dikenal; gunakan salah satu dari {', '.join(Period)}.",
            )

    def _check_component(self, source: _Source, path: str, component: Component) -> None:
        if component.criterion not in self.criteria:
            self._unknown(
                source, f"{path}.criterion", "criterion", component.criterion, self.criteria
            )
        elif self._scope(component.criterion) is not Scope.MEMBER:
            self._problem(
                source,
                f"{path}.criterion",
                f"A benefit component must be a member criterion; {component.criterion!r} is "
                "about the household.",
                f"Komponen manfaat harus kriteria anggota; {component.criterion!r} tentang "
                "rumah tangga.",
            )
        self._check_int_param(source, f"{path}.amount", component.amount)

    def _check_int_param(self, source: _Source, path: str, name: str) -> None:
        param = self.parameters.get(name)
        if param is None:
            self._unknown(source, path, "parameter", name, self.parameters)
        elif param.type is not ValueType.INT:
            self._problem(
                source,
                path,
                f"Parameter {name!r} must be an int (Rupiah or a count); it is {param.type}.",
                f"Parameter {name!r} harus int (Rupiah atau jumlah); tipenya {param.type}.",
            )

    def _check_overlap(self, source: _Source, path: str, code: str, overlap: Overlap) -> None:
        kind: object = overlap.kind
        if not isinstance(kind, OverlapKind):
            self._problem(
                source,
                f"{path}.kind",
                f"Unknown overlap {kind!r}; use one of {', '.join(OverlapKind)}.",
                f"Jenis tumpang tindih {kind!r} tidak dikenal; gunakan salah satu dari "
                f"{', '.join(OverlapKind)}.",
            )
        if not _PROGRAM_CODE.fullmatch(overlap.program) or overlap.program == code:
            self._problem(
                source,
                f"{path}.program",
                f"An overlap must name another program code, not {overlap.program!r}.",
                f"Tumpang tindih harus menyebut kode program lain, bukan {overlap.program!r}.",
            )
        elif overlap.kind is OverlapKind.EXCLUDES and overlap.program not in self.programs:
            self._unknown(source, f"{path}.program", "program", overlap.program, self.programs)

    # ---------------------------------------------------------------- criteria

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

    def _check_test(self, name: str, test: object) -> None:
        source = self.sources[f"criteria.{name}"]
        path = f"criteria.{name}"
        if isinstance(test, Compare):
            self._check_compare(source, path, test)
        elif isinstance(test, (AllOf, AnyOf, AtLeast)):
            self._check_combination(source, path, name, test)
        elif isinstance(test, (Not, MemberAny)):
            if self._check_ref(source, f"{path}.criterion", test.criterion) and isinstance(
                test, MemberAny
            ):
                self._need_member(source, f"{path}.criterion", test.criterion)
        elif isinstance(test, Flag):
            self._check_flag(source, path, test)
        elif isinstance(test, Eligible):
            if test.program not in self.programs:
                self._unknown(source, f"{path}.program", "program", test.program, self.programs)
        else:
            self._problem(
                source,
                path,
                f"Unknown test {test!r}; use Compare, AllOf, AnyOf, Not, AtLeast, MemberAny, "
                "Flag or Eligible.",
                f"Uji {test!r} tidak dikenal; gunakan Compare, AllOf, AnyOf, Not, AtLeast, "
                "MemberAny, Flag atau Eligible.",
            )

    def _check_combination(
        self, source: _Source, path: str, name: str, test: AllOf | AnyOf | AtLeast
    ) -> None:
        if not test.criteria:
            self._problem(
                source,
                path,
                f"{name!r} combines no criteria; list at least one.",
                f"{name!r} tidak menggabungkan kriteria apa pun; sebutkan paling sedikit satu.",
            )
        for i, ref in enumerate(test.criteria):
            self._check_ref(source, f"{path}.criteria[{i}]", ref)
        if isinstance(test, AtLeast) and not 1 <= test.k <= len(test.criteria):
            self._problem(
                source,
                f"{path}.k",
                f"at_least needs k between 1 and {len(test.criteria)} (the number of "
                f"criteria); got {test.k}.",
                f"at_least memerlukan k antara 1 dan {len(test.criteria)} (jumlah "
                f"kriteria); diterima {test.k}.",
            )

    def _check_flag(self, source: _Source, path: str, test: Flag) -> None:
        param = self.parameters.get(test.param)
        if param is None and _offered_program(test.param) not in self.programs:
            self._unknown(source, f"{path}.param", "parameter", test.param, self.parameters)
        elif param is not None and param.type is not ValueType.BOOL:
            self._problem(
                source,
                f"{path}.param",
                f"A flag needs a bool parameter; {test.param!r} is {param.type}.",
                f"Flag memerlukan parameter bool; {test.param!r} bertipe {param.type}.",
            )

    def _check_ref(self, source: _Source, path: str, ref: str) -> bool:
        if ref not in self.criteria:
            self._unknown(source, path, "criterion", ref, self.criteria)
            return False
        return True

    def _need_member(self, source: _Source, path: str, ref: str) -> None:
        if self._scope(ref) is not Scope.MEMBER:
            self._problem(
                source,
                path,
                f"{ref!r} is about the household, but a member aggregate needs a member "
                "criterion (one that reads a member input such as age).",
                f"{ref!r} tentang rumah tangga, padahal agregat anggota memerlukan kriteria "
                "anggota (yang membaca masukan anggota seperti umur).",
            )

    def _check_compare(self, source: _Source, path: str, test: Compare) -> None:
        left_type, choices = self._left_type(source, path, test.left)
        if test.op not in OPS:
            self._problem(
                source,
                f"{path}.op",
                f"Unknown operator {test.op!r}; use one of {', '.join(OPS)}.",
                f"Operator {test.op!r} tidak dikenal; gunakan salah satu dari {', '.join(OPS)}.",
            )
            return
        right: object = test.right  # Python callers may pass anything
        right_values: list[object] = []
        if isinstance(right, Param):
            param = self.parameters.get(right.name)
            if param is None:
                self._unknown(source, f"{path}.param", "parameter", right.name, self.parameters)
                return
            right_type: ValueType | None = param.type
            right_values = [
                e.value
                for region in self.table.regions(right.name)
                for e in self.table.entries(right.name, region)
            ]
        elif isinstance(right, Value):
            right_type = type_of(right.value)
            right_values = [right.value]
        else:
            self._problem(
                source,
                f"{path}.right",
                "The right side of a comparison must be a Param or a Value.",
                "Sisi kanan perbandingan harus Param atau Value.",
            )
            return
        if left_type is None:
            return
        self._check_types(source, path, test.op, left_type, right_type, choices, right_values)

    def _left_type(
        self, source: _Source, path: str, left: object
    ) -> tuple[ValueType | None, tuple[str, ...]]:
        if isinstance(left, Input):
            spec = input_spec(left.name)
            if spec is None:
                self._unknown(source, f"{path}.input", "input", left.name, _input_names())
                return None, ()
            return spec.type, spec.choices
        if isinstance(left, (MemberSum, PerCapita)):
            spec = input_spec(left.input)
            if spec is None:
                self._unknown(source, f"{path}.input", "input", left.input, _input_names())
            elif spec.scope is not Scope.MEMBER or spec.type is not ValueType.INT:
                self._problem(
                    source,
                    f"{path}.input",
                    f"Sums over members need an int member input such as monthly_income; "
                    f"{left.input!r} is a {spec.type} {spec.scope} input.",
                    f"Jumlah atas anggota memerlukan masukan anggota bertipe int seperti "
                    f"monthly_income; {left.input!r} masukan {spec.scope} bertipe {spec.type}.",
                )
            return ValueType.INT, ()
        if isinstance(left, MemberCount):
            if self._check_ref(source, f"{path}.criterion", left.criterion):
                self._need_member(source, f"{path}.criterion", left.criterion)
            return ValueType.INT, ()
        self._problem(
            source,
            f"{path}.left",
            "The left side of a comparison must be an Input, MemberSum, PerCapita or MemberCount.",
            "Sisi kiri perbandingan harus Input, MemberSum, PerCapita atau MemberCount.",
        )
        return None, ()

    def _check_types(
        self,
        source: _Source,
        path: str,
        op: str,
        left: ValueType,
        right: ValueType | None,
        choices: tuple[str, ...],
        right_values: list[object],
    ) -> None:
        if op in LIST_OPS:
            wanted = {ValueType.INT: ValueType.INT_LIST, ValueType.TEXT: ValueType.TEXT_LIST}.get(
                left
            )
        elif op in ORDER_OPS:
            wanted = ValueType.INT if left is ValueType.INT else None
        else:
            wanted = left
        if wanted is None or right is not wanted:
            self._problem(
                source,
                path,
                f"Cannot compare a {left.value} with {op!r} against "
                f"{right.value if right else 'that value'}. " + _type_hint(left, op),
                f"Tidak dapat membandingkan {left.value} dengan {op!r} terhadap "
                f"{right.value if right else 'nilai itu'}. " + _type_hint(left, op, "id"),
            )
            return
        if choices:
            bad = sorted(
                {
                    str(v)
                    for value in right_values
                    for v in (value if isinstance(value, tuple) else (value,))
                    if v not in choices
                }
            )
            if bad:
                self._problem(
                    source,
                    path,
                    f"{', '.join(bad)} is not a possible value here; use one of "
                    f"{', '.join(choices)}.",
                    f"{', '.join(bad)} bukan nilai yang mungkin di sini; gunakan salah satu "
                    f"dari {', '.join(choices)}.",
                )

    def _check_cycles(self, everything: Mapping[str, Criterion]) -> None:
        state: dict[str, int] = {}
        reported: set[frozenset[str]] = set()

        def children(name: str) -> tuple[str, ...]:
            test = everything[name].test
            refs = (test.program,) if isinstance(test, Eligible) else criterion_refs(test)
            return tuple(r for r in refs if r in everything)

        for start in everything:
            if state.get(start):
                continue
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(children(start)))]
            path = [start]
            state[start] = 1
            while stack:
                name, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[name] = 2
                    stack.pop()
                    path.pop()
                elif state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self._cycle(cycle)
                elif not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, iter(children(nxt))))

    def _cycle(self, cycle: list[str]) -> None:
        first = next((n for n in cycle if f"criteria.{n}" in self.sources), cycle[0])
        source = self.sources.get(f"criteria.{first}", self.base_source)
        shown = " -> ".join(cycle)
        self._problem(
            source,
            f"criteria.{first}",
            f"Criteria depend on themselves: {shown}. Break the cycle; a criterion cannot "
            "use its own outcome.",
            f"Kriteria bergantung pada dirinya sendiri: {shown}. Putus siklusnya; kriteria "
            "tidak dapat memakai hasilnya sendiri.",
        )


def _offered_program(name: str) -> str | None:
    match = re.fullmatch(r"programs\.([A-Z][A-Z0-9_]*)\.offered", name)
    return match.group(1) if match else None


def _input_names() -> tuple[str, ...]:
    from slrt_core.rules._inputs import INPUTS  # noqa: PLC0415 - tiny, avoids a name clash

    return (*INPUTS, "receives.<CODE>")


def _type_hint(left: ValueType, op: str, language: str = "en") -> str:
    if op in LIST_OPS:
        return (
            "Use a list of values on the right."
            if language == "en"
            else "Gunakan daftar nilai di sisi kanan."
        )
    if op in ORDER_OPS and left is not ValueType.INT:
        return (
            "Only numbers can be ordered; use == or in."
            if language == "en"
            else "Hanya angka yang dapat diurutkan; gunakan == atau in."
        )
    return (
        f"Use a {left.value} value on the right."
        if language == "en"
        else f"Gunakan nilai {left.value} di sisi kanan."
    )


def _closest(name: str, known: Iterable[str]) -> str | None:
    import difflib  # noqa: PLC0415 - only on the error path

    found = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return found[0] if found else None
