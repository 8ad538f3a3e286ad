"""Rulebook build: parameters, criteria and programs added, with their dated values."""

from __future__ import annotations

import re
from collections.abc import Sequence

from slrt_core.identity import RegionCode
from slrt_core.rules._build_state import BEGINNING, BuildState, Source
from slrt_core.rules._criteria import Criterion
from slrt_core.rules._inputs import ValueType
from slrt_core.rules._parameters import Parameter, ParameterValue
from slrt_core.rules._programs import Program, offered_param
from slrt_core.rules._variants import Variant

__all__ = ["Definitions"]

_CRITERION_NAME = re.compile(r"[a-z][a-z0-9_]*")
PROGRAM_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_PARAM_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-zA-Z0-9_]+)*")


class Definitions(BuildState):
    """Adds the base's and each variant's own definitions, checking names and values."""

    def _check_variant_region(self, source: Source, variant: Variant) -> None:
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
        source: Source,
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

    def _add_parameters(self, source: Source, params: Sequence[Parameter], layer: str) -> None:
        for param in params:
            path = f"parameters.{param.name}"
            if not _PARAM_NAME.fullmatch(param.name) or param.name.startswith("programs."):
                self._problem(
                    source,
                    path,
                    f"Parameter name {param.name!r} must be dotted lower-case words such as "
                    "'pkh.amount.pregnant' and must not start with 'programs.'.",
                    f"Nama parameter `{param.name}` harus kata huruf kecil bertitik seperti "
                    "`pkh.amount.pregnant` dan tidak diawali `programs.`.",
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

    def _add_criteria(self, source: Source, criteria: Sequence[Criterion]) -> None:
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
        self, source: Source, programs: Sequence[Program], region: Variant | None
    ) -> None:
        layer = "" if region is None else region.region.code
        for program in programs:
            path = f"programs.{program.code}"
            if not PROGRAM_CODE.fullmatch(program.code):
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
                ParameterValue(value=False, valid_from=BEGINNING, source=""),
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

    def _add_values(
        self,
        source: Source,
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
            if self._value_ok(source, at, param.name, kind, value, param.effective_domain):
                self.table.add(param.name, layer, value, unit=param.unit, origin=source.place(at))
